//! Schema migrations: refinery applies `migrations/V{n}__{name}.sql`; this
//! module adds what refinery lacks.
//!
//! - **Lock**: every migrator takes the session advisory lock [`LOCK_KEY`]
//!   first, so concurrent migrators run one after the other and the second
//!   finds nothing to do.
//! - **Drift**: an applied migration whose SQL changed is reported as
//!   [`Error::Drift`] before anything runs.
//! - **Rollback**: `migrations-down/V{n}__{name}.sql` undoes version n; each
//!   down script runs with the deletion of its history row in one transaction.
//! - **Offline SQL**: [`migrate_script`] and [`rollback_script`] print what would
//!   run, without a connection.
//! - **Status**, **adoption** of Python-created databases ([`adopt`]) and the
//!   embedding **dimension** switch ([`dimension`]).

pub mod adopt;
pub mod dimension;
mod status;

use std::collections::BTreeMap;

use refinery::{Migration, Target};
use tokio_postgres::Client;

use crate::error::{Error, Result};

pub use status::{SchemaStatus, VectorIndex, VersionState, vector_indexes};

mod embedded {
    refinery::embed_migrations!("migrations");
}

include!(concat!(env!("OUT_DIR"), "/down_scripts.rs"));

/// The history table refinery keeps (its default name, kept for tooling).
pub const HISTORY_TABLE: &str = "refinery_schema_history";

/// Key of the session advisory lock all migrators take (`pg_advisory_lock`).
pub const LOCK_KEY: i64 = 0x7472_7574_6867_7231; // "truthgr1"

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
    /// The down script from `migrations-down/`.
    pub down: String,
}

/// The migrations this build embeds, oldest first (numeric order: V10 after V9).
pub fn embedded_migrations() -> Vec<EmbeddedMigration> {
    let mut all: Vec<Migration> = embedded::migrations::runner().get_migrations().clone();
    all.sort_by_key(|m| m.version());
    all.into_iter()
        .map(|m| {
            let version = m.version();
            let down = DOWN_SCRIPTS
                .iter()
                .find(|(v, _, _)| *v == version)
                .map(|(_, _, sql)| sql.to_string())
                .unwrap_or_default();
            EmbeddedMigration {
                version,
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

/// Holds the migration advisory lock for its lifetime on one connection.
pub(crate) struct MigrationLock<'c> {
    client: &'c mut Client,
}

impl<'c> MigrationLock<'c> {
    pub(crate) async fn acquire(client: &'c mut Client) -> Result<Self> {
        client
            .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
            .await?;
        Ok(MigrationLock { client })
    }

    pub(crate) fn client(&mut self) -> &mut Client {
        self.client
    }

    pub(crate) async fn release(self) -> Result<()> {
        self.client
            .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
            .await?;
        Ok(())
    }
}

/// Runs `f` while holding the migration lock, releasing it whatever `f` returns.
pub(crate) async fn with_lock<T>(
    client: &mut Client,
    f: impl AsyncFnOnce(&mut Client) -> Result<T>,
) -> Result<T> {
    let mut lock = MigrationLock::acquire(client).await?;
    let out = f(lock.client()).await;
    let released = lock.release().await;
    let value = out?;
    released?;
    Ok(value)
}

/// Reads the history table; empty when it does not exist.
pub async fn applied_migrations(client: &Client) -> Result<Vec<AppliedMigration>> {
    let exists: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&HISTORY_TABLE])
        .await?
        .get(0);
    if !exists {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            &format!(
                "SELECT version, coalesce(name, ''), coalesce(checksum, '0'), coalesce(applied_on, '') \
                 FROM {HISTORY_TABLE} ORDER BY version"
            ),
            &[],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let checksum: String = r.get(2);
            Ok(AppliedMigration {
                version: r.get(0),
                name: r.get(1),
                checksum: checksum.parse().map_err(|_| {
                    Error::Migration(format!(
                        "history row {} has checksum {checksum:?}",
                        r.get::<_, i32>(0)
                    ))
                })?,
                applied_on: r.get(3),
            })
        })
        .collect()
}

/// Fails with [`Error::Drift`] when an applied version's name or checksum
/// differs from the embedded one, and with [`Error::Migration`] when the
/// database has a version this build does not know.
pub(crate) fn check_history(applied: &[AppliedMigration]) -> Result<()> {
    let known: BTreeMap<i32, EmbeddedMigration> = embedded_migrations()
        .into_iter()
        .map(|m| (m.version, m))
        .collect();
    for a in applied {
        match known.get(&a.version) {
            Some(m) if m.checksum == a.checksum && m.name == a.name => {}
            Some(m) => {
                return Err(Error::Drift {
                    version: m.version,
                    name: m.name.clone(),
                });
            }
            None => {
                return Err(Error::Migration(format!(
                    "the database has version V{}__{} which this build does not know \
                     (a newer truthgraph-db migrated it); nothing was run",
                    a.version, a.name
                )));
            }
        }
    }
    Ok(())
}

/// Applies every pending migration up to `target` (latest when `None`), under
/// the migration lock. Returns the versions applied.
///
/// A Python-created database (TruthGraph tables, no history) is refused with a
/// pointer to [`adopt::adopt`].
///
/// # Errors
/// [`Error::Drift`] when an applied migration changed; [`Error::Migration`]
/// when a migration fails (that migration's transaction is rolled back;
/// earlier ones stay applied) or the database needs adopting.
pub async fn migrate(client: &mut Client, target: Option<i32>) -> Result<Vec<i32>> {
    with_lock(client, async |client| migrate_locked(client, target).await).await
}

pub(crate) async fn migrate_locked(client: &mut Client, target: Option<i32>) -> Result<Vec<i32>> {
    let applied = applied_migrations(client).await?;
    check_history(&applied)?;
    if applied.is_empty() && adopt::has_truthgraph_tables(client).await? {
        return Err(Error::Migration(
            "this database already has TruthGraph tables but no migration history \
             (created by the Python services?); run `truthgraph-db adopt` to record \
             its version, then migrate"
                .into(),
        ));
    }
    if let Some(t) = target
        && !embedded_migrations().iter().any(|m| m.version == t)
    {
        return Err(Error::Migration(format!("there is no version {t}")));
    }
    let runner = embedded::migrations::runner()
        .set_abort_divergent(true)
        .set_abort_missing(true)
        .set_target(target.map_or(Target::Latest, Target::Version));
    let report = runner.run_async(client).await.map_err(refinery_error)?;
    Ok(report
        .applied_migrations()
        .iter()
        .map(|m| m.version())
        .collect())
}

/// Records versions up to `version` as applied without running them (for
/// adoption), using refinery's fake target so the rows are exactly refinery's.
pub(crate) async fn stamp_locked(client: &mut Client, version: i32) -> Result<()> {
    embedded::migrations::runner()
        .set_target(Target::FakeVersion(version))
        .run_async(client)
        .await
        .map_err(refinery_error)?;
    Ok(())
}

fn refinery_error(e: refinery::Error) -> Error {
    use refinery::error::Kind;
    match e.kind() {
        Kind::DivergentVersion(applied, _) => Error::Drift {
            version: applied.version(),
            name: applied.name().to_string(),
        },
        _ => Error::Migration(format!("{e}")),
    }
}

/// Rolls back every applied version newer than `target`, newest first. Each
/// down script and the deletion of its history row form one transaction.
/// Returns the versions rolled back.
///
/// # Errors
/// [`Error::Drift`] if an applied migration changed (its down script may not
/// fit what is in the database); [`Error::Migration`] if a down script fails
/// (that version stays applied, newer ones stay rolled back).
pub async fn rollback(client: &mut Client, target: i32) -> Result<Vec<i32>> {
    with_lock(client, async |client| {
        let applied = applied_migrations(client).await?;
        check_history(&applied)?;
        let plan = rollback_plan(&applied_versions(&applied), target)?;
        let mut done = Vec::new();
        for m in plan {
            let tx = client.transaction().await?;
            tx.batch_execute(&m.down).await.map_err(|e| {
                Error::Migration(format!(
                    "rolling back V{}__{}: {}",
                    m.version,
                    m.name,
                    db_message(&e)
                ))
            })?;
            tx.execute(
                &format!("DELETE FROM {HISTORY_TABLE} WHERE version = $1"),
                &[&m.version],
            )
            .await?;
            tx.commit().await?;
            done.push(m.version);
        }
        Ok(done)
    })
    .await
}

fn applied_versions(applied: &[AppliedMigration]) -> Vec<i32> {
    applied.iter().map(|a| a.version).collect()
}

/// The migrations to undo to go from `applied` down to `target`, newest first.
fn rollback_plan(applied: &[i32], target: i32) -> Result<Vec<EmbeddedMigration>> {
    if target < 0 {
        return Err(Error::invalid("target", "a version is 0 or more"));
    }
    let mut plan: Vec<EmbeddedMigration> = embedded_migrations()
        .into_iter()
        .filter(|m| m.version > target && applied.contains(&m.version))
        .collect();
    plan.reverse();
    if let Some(m) = plan.iter().find(|m| m.down.trim().is_empty()) {
        return Err(Error::Migration(format!(
            "V{}__{} has no down script in migrations-down/",
            m.version, m.name
        )));
    }
    Ok(plan)
}

/// The SQL `migrate` runs on a database at version `from` (0: empty), without
/// connecting: the lock, the history table, then per pending migration one
/// transaction with its SQL and its history row. Feeding this script to `psql`
/// leaves the database as `migrate` would.
pub fn migrate_script(from: i32, to: Option<i32>) -> String {
    let to = to.unwrap_or_else(latest_version);
    let mut s = format!(
        "-- truthgraph-db: migrate from version {from} to {to}\n\
         SELECT pg_advisory_lock({LOCK_KEY});\n\
         CREATE TABLE IF NOT EXISTS {HISTORY_TABLE}(\n    version int4 PRIMARY KEY,\n    \
         name VARCHAR(255),\n    applied_on VARCHAR(255),\n    checksum VARCHAR(255));\n"
    );
    for m in embedded_migrations()
        .into_iter()
        .filter(|m| m.version > from && m.version <= to)
    {
        s.push_str(&format!(
            "\n-- V{v}__{n}\nBEGIN;\n{sql}\nINSERT INTO {HISTORY_TABLE} (version, name, applied_on, checksum) \
             VALUES ({v}, '{n}', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '{c}');\nCOMMIT;\n",
            v = m.version,
            n = m.name,
            sql = m.up.trim_end(),
            c = m.checksum
        ));
    }
    s.push_str(&format!("\nSELECT pg_advisory_unlock({LOCK_KEY});\n"));
    s
}

/// The SQL `rollback --to target` runs on a database at version `from`,
/// without connecting.
///
/// # Errors
/// [`Error::Migration`] when a version to undo has no down script.
pub fn rollback_script(from: i32, target: i32) -> Result<String> {
    let applied: Vec<i32> = (1..=from).collect();
    let mut s = format!(
        "-- truthgraph-db: roll back from version {from} to {target}\n\
         SELECT pg_advisory_lock({LOCK_KEY});\n"
    );
    for m in rollback_plan(&applied, target)? {
        s.push_str(&format!(
            "\n-- undo V{v}__{n}\nBEGIN;\n{sql}\nDELETE FROM {HISTORY_TABLE} WHERE version = {v};\nCOMMIT;\n",
            v = m.version,
            n = m.name,
            sql = m.down.trim_end()
        ));
    }
    s.push_str(&format!("\nSELECT pg_advisory_unlock({LOCK_KEY});\n"));
    Ok(s)
}

/// The dimension of `embeddings.embedding`, or `None` without that table.
pub async fn read_dimension(client: &Client) -> Result<Option<usize>> {
    let row = client
        .query_opt(
            "SELECT a.atttypmod FROM pg_attribute a \
             WHERE a.attrelid = to_regclass('embeddings') AND a.attname = 'embedding' \
               AND NOT a.attisdropped",
            &[],
        )
        .await?;
    Ok(row.map(|r| r.get::<_, i32>(0)).map(|d| d.max(0) as usize))
}

/// PostgreSQL's message (and detail) for an error, or its display form.
pub(crate) fn db_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{} ({d})", db.message()),
            None => db.message().to_string(),
        },
        None => e.to_string(),
    }
}

impl crate::db::Database {
    /// Runs `f` on a dedicated connection without `statement_timeout` (an
    /// index build or table rewrite can take longer than any query should),
    /// then retires that connection, so the setting never reaches another
    /// borrower, and clears every pooled statement cache: DDL can change the
    /// result types of cached statements.
    pub(crate) async fn with_schema_connection<T>(
        &self,
        f: impl AsyncFnOnce(&mut Client) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.client().await?;
        let out = match conn.batch_execute("SET statement_timeout = 0").await {
            Ok(()) => f(&mut conn).await,
            Err(e) => Err(e.into()),
        };
        drop(deadpool_postgres::Object::take(conn));
        self.pool().manager().statement_caches.clear();
        self.forget_dimension();
        out
    }

    /// Applies pending migrations up to `target` (latest when `None`); see [`migrate()`].
    pub async fn migrate(&self, target: Option<i32>) -> Result<Vec<i32>> {
        self.with_schema_connection(async |c| migrate(c, target).await)
            .await
    }

    /// Rolls back to `target`; see [`rollback()`].
    pub async fn rollback(&self, target: i32) -> Result<Vec<i32>> {
        self.with_schema_connection(async |c| rollback(c, target).await)
            .await
    }

    /// Adopts a Python-created database; see [`adopt::adopt`].
    pub async fn adopt(&self) -> Result<adopt::Adoption> {
        self.with_schema_connection(async |c| adopt::adopt(c).await)
            .await
    }

    /// Switches the embedding dimension; see [`dimension::set_dimension`].
    pub async fn set_dimension(&self, dimension: usize) -> Result<usize> {
        self.with_schema_connection(async |c| dimension::set_dimension(c, dimension).await)
            .await
    }

    /// Versions, tables, vector indexes and pgvector version.
    pub async fn status(&self) -> Result<SchemaStatus> {
        let client = self.client().await?;
        SchemaStatus::read(&client).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_has_a_down_script_and_numeric_order() {
        let all = embedded_migrations();
        assert!(all.len() >= 3);
        for w in all.windows(2) {
            assert!(w[0].version < w[1].version);
        }
        for m in &all {
            assert!(
                !m.down.trim().is_empty(),
                "V{} has no down script",
                m.version
            );
        }
        assert_eq!(
            DOWN_SCRIPTS.len(),
            all.len(),
            "a down script without an up migration"
        );
    }

    #[test]
    fn rollback_plan_is_newest_first_and_stops_at_target() {
        let plan: Vec<i32> = rollback_plan(&[1, 2, 3], 1)
            .unwrap()
            .iter()
            .map(|m| m.version)
            .collect();
        assert_eq!(plan, vec![3, 2]);
        assert!(rollback_plan(&[1, 2, 3], 3).unwrap().is_empty());
    }
}
