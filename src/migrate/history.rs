//! The migrations this build embeds, refinery's history table, and the one
//! comparison between them.

use std::collections::BTreeMap;

use refinery::Migration;
use tokio_postgres::Client;

use crate::catalog::relation_exists;
use crate::error::{Error, Result};
use crate::raw_sql;

pub(crate) mod embedded {
    refinery::embed_migrations!("migrations");
}

// `DOWN_SCRIPTS: &[(version, name, sql)]`, from `migrations-down/` (build.rs
// refuses a down script whose version and name match no up migration).
include!(concat!(env!("OUT_DIR"), "/down_scripts.rs"));

/// A migration this build embeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedMigration {
    /// The `n` of `V{n}__{name}.sql`.
    pub version: i32,
    /// The `name` of `V{n}__{name}.sql`.
    pub name: String,
    /// refinery's checksum (of name, version and SQL), as stored in the history.
    pub checksum: u64,
    /// The forward SQL.
    pub up: String,
    /// The down script `migrations-down/V{n}__{name}.sql` (same version and name).
    pub down: String,
}

/// The migrations this build embeds, oldest first (numeric order: V10 after V9).
pub fn embedded_migrations() -> Vec<EmbeddedMigration> {
    let mut all: Vec<Migration> = embedded::migrations::runner().get_migrations().clone();
    all.sort_by_key(|m| m.version());
    all.into_iter()
        .map(|m| {
            let down = DOWN_SCRIPTS
                .iter()
                .find(|(v, name, _)| *v == m.version() && *name == m.name())
                .map(|(_, _, sql)| sql.to_string())
                .unwrap_or_default();
            EmbeddedMigration {
                version: m.version(),
                name: m.name().to_string(),
                checksum: m.checksum(),
                up: m.sql().unwrap_or_default().to_string(),
                down,
            }
        })
        .collect()
}

/// The newest version this build knows.
pub fn latest_version() -> i32 {
    embedded_migrations().last().map_or(0, |m| m.version)
}

/// A row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    /// Version number.
    pub version: i32,
    /// Name as recorded when applied.
    pub name: String,
    /// Checksum as recorded when applied.
    pub checksum: u64,
    /// When it was applied (RFC 3339, as refinery writes it).
    pub applied_on: String,
}

/// How one version stands between this build and the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionState {
    /// Applied, with the checksum this build embeds.
    Applied {
        /// When it was applied.
        applied_on: String,
    },
    /// Embedded but not applied yet.
    Pending,
    /// Applied, but its SQL has changed since (checksum drift).
    Divergent,
    /// Applied, but this build does not know it (a newer build applied it).
    Missing,
}

/// Reads the history table; empty when it does not exist.
///
/// # Errors
/// [`Error::Migration`] for a history row whose checksum is not a number.
pub async fn applied_migrations(client: &Client) -> Result<Vec<AppliedMigration>> {
    if !relation_exists(client, raw_sql::HISTORY_TABLE).await? {
        return Ok(Vec::new());
    }
    let rows = client.query(raw_sql::SELECT_HISTORY, &[]).await?;
    parse_history(&rows)
}

/// The rows of [`raw_sql::SELECT_HISTORY`] as [`AppliedMigration`]s.
///
/// # Errors
/// [`Error::Migration`] for a history row whose checksum is not a number.
pub(crate) fn parse_history(rows: &[tokio_postgres::Row]) -> Result<Vec<AppliedMigration>> {
    rows.iter()
        .map(|r| {
            let checksum: String = r.get(2);
            Ok(AppliedMigration {
                version: r.get(0),
                name: r.get(1),
                checksum: checksum.parse().map_err(|_| {
                    Error::migration(format!(
                        "history row {} has checksum {checksum:?}",
                        r.get::<_, i32>(0)
                    ))
                })?,
                applied_on: r.get(3),
            })
        })
        .collect()
}

/// Every version known to this build or to the database, with its state,
/// oldest first. The only place where checksums are compared.
pub fn compare(applied: &[AppliedMigration]) -> Vec<(i32, String, VersionState)> {
    let embedded: BTreeMap<i32, EmbeddedMigration> = embedded_migrations()
        .into_iter()
        .map(|m| (m.version, m))
        .collect();
    let mut out: Vec<(i32, String, VersionState)> = embedded
        .values()
        .map(|m| {
            let state = match applied.iter().find(|a| a.version == m.version) {
                None => VersionState::Pending,
                Some(a) if a.checksum == m.checksum && a.name == m.name => VersionState::Applied {
                    applied_on: a.applied_on.clone(),
                },
                Some(_) => VersionState::Divergent,
            };
            (m.version, m.name.clone(), state)
        })
        .collect();
    out.extend(
        applied
            .iter()
            .filter(|a| !embedded.contains_key(&a.version))
            .map(|a| (a.version, a.name.clone(), VersionState::Missing)),
    );
    out.sort_by_key(|(v, _, _)| *v);
    out
}

/// Fails with [`Error::Drift`] when an applied version's name or checksum
/// differs from the embedded one, and with [`Error::Migration`] when the
/// database has a version this build does not know.
pub(crate) fn check_history(applied: &[AppliedMigration]) -> Result<()> {
    for (version, name, state) in compare(applied) {
        match state {
            VersionState::Divergent => return Err(Error::Drift { version, name }),
            VersionState::Missing => {
                return Err(Error::migration(format!(
                    "the database has version V{version}__{name} which this build does not know \
                     (a newer truthgraph-db migrated it); nothing was run"
                )));
            }
            VersionState::Applied { .. } | VersionState::Pending => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_has_its_own_down_script_in_numeric_order() {
        let all = embedded_migrations();
        assert!(all.len() >= 3);
        for w in all.windows(2) {
            assert!(w[0].version < w[1].version);
        }
        for m in &all {
            assert!(
                !m.down.trim().is_empty(),
                "V{}__{} has no down script of the same name",
                m.version,
                m.name
            );
        }
        assert_eq!(
            DOWN_SCRIPTS.len(),
            all.len(),
            "a down script without an up migration"
        );
    }

    #[test]
    fn comparison_finds_each_state() {
        let all = embedded_migrations();
        let applied = vec![
            AppliedMigration {
                version: all[0].version,
                name: all[0].name.clone(),
                checksum: all[0].checksum,
                applied_on: "then".into(),
            },
            AppliedMigration {
                version: all[1].version,
                name: all[1].name.clone(),
                checksum: all[1].checksum ^ 1,
                applied_on: "then".into(),
            },
            AppliedMigration {
                version: 9999,
                name: "future".into(),
                checksum: 1,
                applied_on: "then".into(),
            },
        ];
        let states: Vec<VersionState> = compare(&applied).into_iter().map(|(_, _, s)| s).collect();
        assert_eq!(
            states[0],
            VersionState::Applied {
                applied_on: "then".into()
            }
        );
        assert_eq!(states[1], VersionState::Divergent);
        assert_eq!(states[2], VersionState::Pending);
        assert_eq!(states.last(), Some(&VersionState::Missing));
        assert!(matches!(
            check_history(&applied[..2]),
            Err(Error::Drift { .. })
        ));
        assert!(matches!(
            check_history(&[applied[0].clone(), applied[2].clone()]),
            Err(Error::Migration { .. })
        ));
    }
}
