//! Configuration, read from the environment in one place.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;

/// How to reach PostgreSQL and how to pool connections.
///
/// | variable | default | what it does |
/// | --- | --- | --- |
/// | `DATABASE_URL` | unset: start the embedded server | `postgresql://user:pass@host:port/db` of an existing server (with pgvector) |
/// | `TRUTHGRAPH_REPLICA_URLS` | unset: no replicas | comma-separated URLs of streaming read replicas (hot standbys of `DATABASE_URL`), each with its own pool of `TRUTHGRAPH_POOL_MAX_SIZE`: single-statement reads go to them, everything else to the primary (see [`crate::Database`]) |
/// | `TRUTHGRAPH_REPLICA_MAX_LAG_MS` | `2000` | a replica whose replay is further behind the primary than this is skipped (checked at most every 200 ms per replica) and reads go to the primary |
/// | `TRUTHGRAPH_REPLICA_WAIT_MS` | `500` | how long a read given a [`crate::WalToken`] waits for a replica to replay it before it reads from the primary (`0` = do not wait) |
/// | `TRUTHGRAPH_POOL_MAX_SIZE` | `30` | most open connections (the seed's pool of 10 plus 20 overflow) |
/// | `TRUTHGRAPH_POOL_TIMEOUT_MS` | `5000` | how long a caller waits for a free connection before [`Error::PoolTimeout`] |
/// | `TRUTHGRAPH_CONNECT_TIMEOUT_MS` | `5000` | TCP connect + login timeout for a new connection |
/// | `TRUTHGRAPH_STATEMENT_TIMEOUT_MS` | `60000` | server-side `statement_timeout` of every pooled connection, sent as a startup option (`0` = none) |
/// | `TRUTHGRAPH_EF_SEARCH` | unset: tuned, else 100 (200 for a tenant of 20K rows or more) | pins `hnsw.ef_search` (1..=1000) on every pooled connection, for every tenant |
/// | `TRUTHGRAPH_PROBES` | unset: tuned, else a tenth of the lists | pins `ivfflat.probes` (1..=32768) on every pooled connection |
/// | `TRUTHGRAPH_TIER_THRESHOLD` | `1000` | embeddings of one tenant and entity type from which it gets an HNSW index of its own (see [`crate::tiers`]); below it is searched exactly |
/// | `TRUTHGRAPH_HAMMING_LIST_ROWS` | `50000` | rows up to which a quantized tier's index (1,024 dimensions or more) is a Hamming list, IVFFlat with one list on `binary_quantize(embedding)`, read whole in Hamming order; above, Hamming graphs (HNSW) first, a list when they miss. `0`: graphs first for every tier (see [`crate::tiers::HAMMING_LIST_MAX_ROWS`]) |
/// | `TRUTHGRAPH_MAX_BUILD_MEMORY_MB` | `2048` | the most `maintenance_work_mem` the library gives one index build it sizes (rows x (8 + 4 x dims + 32 x m + 260) x 1.1, `index_build::build_memory_bytes`); never less than the server's own setting, except that a quantized graph gets only what it needs |
/// | `TRUTHGRAPH_SLOW_QUERY_MS` | `1000` | a database call taking this long or longer emits a `WARN` event (target `truthgraph_db::slow_query`, see [`crate::telemetry`]); `0` warns about every call, `off` never |
/// | `TRUTHGRAPH_SHUTDOWN_TIMEOUT_MS` | `10000` | how long [`crate::Database::close`] waits for calls in flight before closing the pool anyway (`0` = not at all) |
/// | `TRUTHGRAPH_PGDATA` | `.truthgraph/pgdata` | data directory of the CLI's embedded server |
/// | `TRUTHGRAPH_PG_BINDIR` | newest `/usr/lib/postgresql/N/bin` | where `initdb` and `postgres` are |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `DATABASE_URL`; `None` means "use the embedded server".
    pub database_url: Option<String>,
    /// `TRUTHGRAPH_REPLICA_URLS`: read replicas of `database_url` (empty:
    /// every call goes to the primary).
    pub replica_urls: Vec<String>,
    /// `TRUTHGRAPH_REPLICA_MAX_LAG_MS`: the most a replica may lag behind the
    /// primary and still serve reads.
    pub replica_max_lag: Duration,
    /// `TRUTHGRAPH_REPLICA_WAIT_MS`: how long a read after a
    /// [`crate::WalToken`] waits for a replica to catch up.
    pub replica_wait: Duration,
    /// `TRUTHGRAPH_POOL_MAX_SIZE`.
    pub pool_max_size: usize,
    /// `TRUTHGRAPH_POOL_TIMEOUT_MS`.
    pub pool_timeout: Duration,
    /// `TRUTHGRAPH_CONNECT_TIMEOUT_MS`.
    pub connect_timeout: Duration,
    /// `TRUTHGRAPH_STATEMENT_TIMEOUT_MS`; `Duration::ZERO` disables it.
    pub statement_timeout: Duration,
    /// `TRUTHGRAPH_EF_SEARCH`: `hnsw.ef_search` for every connection instead
    /// of the tuned or built-in value (see [`crate::settings`]).
    pub ef_search: Option<u32>,
    /// `TRUTHGRAPH_PROBES`: `ivfflat.probes` for every connection instead of
    /// the tuned or built-in value.
    pub probes: Option<u32>,
    /// `TRUTHGRAPH_TIER_THRESHOLD`: rows from which a tenant's entity type
    /// gets an index of its own ([`crate::tiers::TIER_THRESHOLD`]).
    pub tier_threshold: i64,
    /// `TRUTHGRAPH_HAMMING_LIST_ROWS`: rows up to which a quantized tier's
    /// index is a Hamming list ([`crate::tiers::HAMMING_LIST_MAX_ROWS`]).
    pub hamming_list_rows: i64,
    /// `TRUTHGRAPH_MAX_BUILD_MEMORY_MB`: the most `maintenance_work_mem` the
    /// library sets for one index build.
    pub max_build_memory_mb: u64,
    /// `TRUTHGRAPH_SLOW_QUERY_MS`: calls at least this long emit a slow-call
    /// warning; `None` (`off`) disables them, `Some(ZERO)` warns about every call.
    pub slow_query_threshold: Option<Duration>,
    /// `TRUTHGRAPH_SHUTDOWN_TIMEOUT_MS`: the deadline of [`crate::Database::close`].
    pub shutdown_timeout: Duration,
    /// `TRUTHGRAPH_PGDATA`.
    pub embedded_data_dir: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: None,
            replica_urls: Vec::new(),
            replica_max_lag: Duration::from_secs(2),
            replica_wait: Duration::from_millis(500),
            pool_max_size: 30,
            pool_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(60),
            ef_search: None,
            probes: None,
            tier_threshold: crate::tiers::TIER_THRESHOLD,
            hamming_list_rows: crate::tiers::HAMMING_LIST_MAX_ROWS,
            max_build_memory_mb: 2048,
            slow_query_threshold: Some(Duration::from_secs(1)),
            shutdown_timeout: Duration::from_secs(10),
            embedded_data_dir: PathBuf::from(".truthgraph/pgdata"),
        }
    }
}

impl Config {
    /// Reads the variables in the table above; unset ones take their defaults.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable when a value does not parse or is zero
    /// where zero makes no sense.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Config::from_env`], reading variables through `get` (for tests).
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable, as [`Config::from_env`].
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let d = Config::default();
        let number = |name: &'static str, default: u64, allow_zero: bool| -> Result<u64, Error> {
            match get(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(0) if !allow_zero => Err(Error::Config {
                        name,
                        reason: "must be greater than 0".into(),
                    }),
                    Ok(n) => Ok(n),
                    Err(_) => Err(Error::Config {
                        name,
                        reason: format!("{v:?} is not a whole number"),
                    }),
                },
            }
        };
        let pin = |name: &'static str, max: u64| -> Result<Option<u32>, Error> {
            match get(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(Some(n as u32)),
                    _ => Err(Error::Config {
                        name,
                        reason: format!("{v:?} is not a whole number in 1..={max}"),
                    }),
                },
            }
        };
        let ms = |name, default: Duration, allow_zero| {
            number(name, default.as_millis() as u64, allow_zero).map(Duration::from_millis)
        };
        Ok(Config {
            database_url: get("DATABASE_URL").filter(|v| !v.trim().is_empty()),
            replica_urls: get("TRUTHGRAPH_REPLICA_URLS")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|u| !u.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            replica_max_lag: ms("TRUTHGRAPH_REPLICA_MAX_LAG_MS", d.replica_max_lag, true)?,
            replica_wait: ms("TRUTHGRAPH_REPLICA_WAIT_MS", d.replica_wait, true)?,
            pool_max_size: number("TRUTHGRAPH_POOL_MAX_SIZE", d.pool_max_size as u64, false)?
                as usize,
            pool_timeout: ms("TRUTHGRAPH_POOL_TIMEOUT_MS", d.pool_timeout, false)?,
            connect_timeout: ms("TRUTHGRAPH_CONNECT_TIMEOUT_MS", d.connect_timeout, false)?,
            statement_timeout: ms("TRUTHGRAPH_STATEMENT_TIMEOUT_MS", d.statement_timeout, true)?,
            ef_search: pin("TRUTHGRAPH_EF_SEARCH", 1000)?,
            probes: pin("TRUTHGRAPH_PROBES", 32768)?,
            tier_threshold: number("TRUTHGRAPH_TIER_THRESHOLD", d.tier_threshold as u64, false)?
                as i64,
            hamming_list_rows: number(
                "TRUTHGRAPH_HAMMING_LIST_ROWS",
                d.hamming_list_rows as u64,
                true,
            )? as i64,
            max_build_memory_mb: number(
                "TRUTHGRAPH_MAX_BUILD_MEMORY_MB",
                d.max_build_memory_mb,
                false,
            )?,
            slow_query_threshold: match get("TRUTHGRAPH_SLOW_QUERY_MS") {
                Some(v) if v.trim().eq_ignore_ascii_case("off") => None,
                _ => Some(ms(
                    "TRUTHGRAPH_SLOW_QUERY_MS",
                    d.slow_query_threshold.unwrap_or_default(),
                    true,
                )?),
            },
            shutdown_timeout: ms("TRUTHGRAPH_SHUTDOWN_TIMEOUT_MS", d.shutdown_timeout, true)?,
            embedded_data_dir: get("TRUTHGRAPH_PGDATA")
                .filter(|v| !v.trim().is_empty())
                .map(PathBuf::from)
                .unwrap_or(d.embedded_data_dir),
        })
    }

    /// The same configuration pointing at `url`.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.database_url = Some(url.into());
        self
    }
}

/// A connection string with its password replaced by `***`, in either form
/// libpq accepts: a URL (`postgresql://user:secret@host/db`, or
/// `?password=secret` in its query) or `key=value` pairs (`password=secret`,
/// quoted or not).
pub fn redact(conn: &str) -> String {
    if let Some(scheme_end) = conn.find("://") {
        let (head, query) = match conn.split_once('?') {
            Some((h, q)) => (h, Some(q)),
            None => (conn, None),
        };
        let mut out = match head[scheme_end + 3..].rfind('@') {
            Some(at) => {
                let at = scheme_end + 3 + at;
                let creds = &head[scheme_end + 3..at];
                match creds.find(':') {
                    Some(c) => format!(
                        "{}{}:***{}",
                        &head[..scheme_end + 3],
                        &creds[..c],
                        &head[at..]
                    ),
                    None => head.to_string(),
                }
            }
            None => head.to_string(),
        };
        if let Some(q) = query {
            let pairs: Vec<String> = q
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k == "password" => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            out.push('?');
            out.push_str(&pairs.join("&"));
        }
        return out;
    }
    // key=value form: values may be single-quoted with \' and \\ escapes.
    let mut out = String::new();
    let mut rest = conn;
    while let Some(i) = rest.find("password") {
        let after = rest[i + "password".len()..].trim_start();
        let boundary = i == 0 || rest[..i].ends_with(char::is_whitespace);
        if !(boundary && after.starts_with('=')) {
            out.push_str(&rest[..i + "password".len()]);
            rest = &rest[i + "password".len()..];
            continue;
        }
        out.push_str(&rest[..i]);
        out.push_str("password=***");
        let value = after[1..].trim_start();
        let end = if let Some(quoted) = value.strip_prefix('\'') {
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((j, c)) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '\'' => {
                        end = j + 1;
                        break;
                    }
                    _ => {}
                }
            }
            1 + end
        } else {
            value.find(char::is_whitespace).unwrap_or(value.len())
        };
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_nothing_is_set() {
        assert_eq!(Config::from_lookup(|_| None).unwrap(), Config::default());
        assert_eq!(Config::default().pool_max_size, 30);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = Config::from_lookup(|n| (n == "TRUTHGRAPH_POOL_MAX_SIZE").then(|| "ten".into()))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Config {
                    name: "TRUTHGRAPH_POOL_MAX_SIZE",
                    ..
                }
            ),
            "{err}"
        );
        let err = Config::from_lookup(|n| (n == "TRUTHGRAPH_POOL_TIMEOUT_MS").then(|| "0".into()))
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Config {
                name: "TRUTHGRAPH_POOL_TIMEOUT_MS",
                ..
            }
        ));
        let ok =
            Config::from_lookup(|n| (n == "TRUTHGRAPH_STATEMENT_TIMEOUT_MS").then(|| "0".into()))
                .unwrap();
        assert_eq!(ok.statement_timeout, Duration::ZERO);
        let pinned =
            Config::from_lookup(|n| (n == "TRUTHGRAPH_EF_SEARCH").then(|| "64".into())).unwrap();
        assert_eq!(pinned.ef_search, Some(64));
        let slow = |v: &str| {
            Config::from_lookup(|n| (n == "TRUTHGRAPH_SLOW_QUERY_MS").then(|| v.into()))
                .map(|c| c.slow_query_threshold)
        };
        assert_eq!(slow("0").unwrap(), Some(Duration::ZERO));
        assert_eq!(slow("250").unwrap(), Some(Duration::from_millis(250)));
        assert_eq!(slow("OFF").unwrap(), None);
        assert!(slow("soon").is_err());
        let err =
            Config::from_lookup(|n| (n == "TRUTHGRAPH_PROBES").then(|| "0".into())).unwrap_err();
        assert!(matches!(
            err,
            Error::Config {
                name: "TRUTHGRAPH_PROBES",
                ..
            }
        ));
    }

    #[test]
    fn replica_urls_are_a_comma_separated_list() {
        let c = Config::from_lookup(|n| match n {
            "TRUTHGRAPH_REPLICA_URLS" => Some(" postgresql://a/db , ,postgresql://b/db".into()),
            "TRUTHGRAPH_REPLICA_MAX_LAG_MS" => Some("750".into()),
            "TRUTHGRAPH_REPLICA_WAIT_MS" => Some("0".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.replica_urls, ["postgresql://a/db", "postgresql://b/db"]);
        assert_eq!(c.replica_max_lag, Duration::from_millis(750));
        assert_eq!(c.replica_wait, Duration::ZERO);
        assert!(Config::default().replica_urls.is_empty());
        let err = Config::from_lookup(|n| (n == "TRUTHGRAPH_REPLICA_WAIT_MS").then(|| "x".into()))
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Config {
                name: "TRUTHGRAPH_REPLICA_WAIT_MS",
                ..
            }
        ));
    }

    #[test]
    fn passwords_are_redacted_in_every_connection_string_form() {
        assert_eq!(
            redact("postgresql://app:s3cret@db:5432/tg"),
            "postgresql://app:***@db:5432/tg"
        );
        assert_eq!(redact("postgresql://app@db/tg"), "postgresql://app@db/tg");
        assert_eq!(
            redact("postgresql://app@db/tg?sslmode=require&password=s3cret"),
            "postgresql://app@db/tg?sslmode=require&password=***"
        );
        assert_eq!(
            redact("host=db user=app password=s3cret dbname=tg"),
            "host=db user=app password=*** dbname=tg"
        );
        assert_eq!(
            redact("host=db password = 'it\\'s secret' dbname=tg"),
            "host=db password=*** dbname=tg"
        );
        assert!(!redact("password=x").contains('x'));
        assert_eq!(redact("host=db passwordless=1"), "host=db passwordless=1");
    }
}
