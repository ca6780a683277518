//! [`WalToken`]: a position in the primary's write-ahead log, the token of
//! read-your-writes.

use std::fmt;
use std::str::FromStr;

use tokio_postgres::types::PgLsn;

#[cfg(doc)]
use crate::Database;
use crate::error::{Error, Result};
use crate::pool::Client;
use crate::raw_sql;

/// A position in the primary's write-ahead log, from
/// [`Database::write_token`]: a read given it through
/// [`crate::Tenant::after_write`] sees every write committed before the token was
/// taken. Prints and parses as PostgreSQL's `pg_lsn` text (`16/B374D848`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WalToken(u64);

impl WalToken {
    /// The position as a byte offset into the WAL.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl From<PgLsn> for WalToken {
    fn from(lsn: PgLsn) -> Self {
        WalToken(lsn.into())
    }
}

impl From<u64> for WalToken {
    fn from(lsn: u64) -> Self {
        WalToken(lsn)
    }
}

impl fmt::Display for WalToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

impl FromStr for WalToken {
    type Err = Error;

    /// Parses `pg_lsn` text (`16/B374D848`).
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidInput {
            field: "wal_token".into(),
            reason: format!("{s:?} is not a WAL position like 16/B374D848"),
            constraint: None,
        };
        let (hi, lo) = s.trim().split_once('/').ok_or_else(bad)?;
        let hi = u32::from_str_radix(hi, 16).map_err(|_| bad())?;
        let lo = u32::from_str_radix(lo, 16).map_err(|_| bad())?;
        Ok(WalToken((u64::from(hi) << 32) | u64::from(lo)))
    }
}

/// The WAL insert position of the server `client` is connected to
/// (`pg_current_wal_insert_lsn()`, moved back to a page's start when it
/// sits just past that page's header: see [`raw_sql::WAL_INSERT_POSITION`]):
/// past the commit record of every write that has returned there, even of
/// asynchronous commits not yet flushed.
///
/// # Errors
/// Connection and database errors (on a standby: it is in recovery).
pub(crate) async fn wal_insert_position(client: &Client) -> Result<WalToken> {
    let lsn: PgLsn = client
        .query_one(raw_sql::WAL_INSERT_POSITION, &[])
        .await?
        .get(0);
    Ok(lsn.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_print_and_parse_as_pg_lsn() {
        let t: WalToken = "16/B374D848".parse().unwrap();
        assert_eq!(t.as_u64(), (0x16 << 32) | 0xB374_D848);
        assert_eq!(t.to_string(), "16/B374D848");
        assert!(t > "16/B374D847".parse().unwrap());
        assert!("16B374D848".parse::<WalToken>().is_err());
        assert!("x/1".parse::<WalToken>().is_err());
    }
}
