//! Offline SQL: what `migrate` or a rollback would run, printed without a
//! connection (Alembic's `--sql`). Feeding it to `psql` leaves the database as
//! the online command would. A printed document, not a statement the library
//! runs, so its SQL is written out here rather than in `queries/`.

use super::history::{embedded_migrations, latest_version};
use super::lock::LOCK_KEY;
use super::run::rollback_plan;
use crate::error::Result;
use crate::raw_sql::HISTORY_TABLE;

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
/// [`crate::Error::Migration`] when a version to undo has no down script.
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
