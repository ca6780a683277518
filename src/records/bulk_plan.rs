//! Whether a bulk load keeps the vector indexes of `embeddings` or rebuilds
//! them after the rows, decided from row counts, and the report of a load.
//!
//! Inserting a row into an HNSW graph walks the graph for its neighbours, as
//! a build does, but one row at a time through shared buffers and WAL: 20K ×
//! 384 rows took 66.8 s into an HNSW index (m = 16) against 7.05 s for
//! building the index on them afterwards, about 9.5× per row
//! (BENCHMARKS.md, "Bulk load into an indexed table"). A rebuild costs all
//! the table's rows, so it is faster when the load brings more than about
//! an eighth of the rows already there.

use crate::db::Transaction;
use crate::error::Result;
use crate::raw_sql;

/// What a bulk load does with the vector indexes of `embeddings`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IndexMaintenance {
    /// Decide from row counts ([`rebuild_is_faster`]): rebuild when the
    /// table has an HNSW index, the login owns `embeddings`, and the load
    /// brings at least [`MIN_ROWS_TO_REBUILD`] rows and at least
    /// 1/[`REBUILD_RATIO`] of the rows already stored; otherwise keep.
    #[default]
    Auto,
    /// Keep the indexes: every row goes into them as it is written.
    Keep,
    /// Drop the vector indexes, load, recreate them (see
    /// [`super::bulk_load::BulkLoadOptions`]); a login that does not own
    /// `embeddings` gets a permission error.
    Rebuild,
}

/// A load smaller than this keeps the indexes even into an empty table: at
/// about 3 ms a row into an HNSW graph it takes seconds, and a rebuild
/// blocks every tenant's reads of `embeddings` while it runs.
pub const MIN_ROWS_TO_REBUILD: u64 = 1_000;

/// A load rebuilds when `rows × REBUILD_RATIO ≥ rows already stored`. The
/// measured break-even is about 8.5 (a row inserted into the graph costs
/// about 9.5 rows of a build); 6 keeps a margin, because a rebuild holds an
/// `ACCESS EXCLUSIVE` lock on `embeddings` for the whole load.
pub const REBUILD_RATIO: u64 = 6;

/// What a bulk load did, returned by
/// [`crate::Tenant::bulk_load_embeddings_with`] and logged as a tracing
/// event (`bulk_load_embeddings: …`, level INFO).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BulkLoadReport {
    /// Rows stored.
    pub rows: u64,
    /// Whether the vector indexes were dropped and rebuilt after the rows.
    pub rebuilt_indexes: bool,
    /// The rows of `embeddings` before the load, as the planner's
    /// statistics estimate them (`pg_class.reltuples`, or the live-row count
    /// of `pg_stat_user_tables` when larger).
    pub existing_rows: u64,
    /// Why the indexes were kept or rebuilt, in words.
    pub reason: String,
    /// The tenant's tiers the load wrote into, after it: counted, and what
    /// happened to their index ([`crate::index_build::TierAction`]: `Build`
    /// when the tenant reached the threshold, `Rebuild` when the load
    /// dropped it first). Empty when deferred, or for a login that may not
    /// change the schema (see `tier_error`).
    pub tiers: Vec<crate::index_build::TierPlan>,
    /// Why the tiers were not kept, when they were not although asked (the
    /// rows are stored): e.g. a login that does not own `embeddings` (run
    /// `truthgraph-db tiers --apply` as the owner), or a failed build.
    pub tier_error: Option<String>,
}

impl BulkLoadReport {
    /// The report of a load with no rows.
    pub(crate) fn nothing() -> Self {
        BulkLoadReport {
            rows: 0,
            rebuilt_indexes: false,
            existing_rows: 0,
            reason: "nothing to load".into(),
            tiers: Vec::new(),
            tier_error: None,
        }
    }
}

/// The table as [`IndexMaintenance::Auto`] sees it before a load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableState {
    /// Estimated rows of `embeddings`.
    pub rows: u64,
    /// Whether `embeddings` has a valid HNSW index.
    pub has_hnsw: bool,
    /// Whether the login may drop and create its indexes (owns the table).
    pub owner: bool,
}

/// Reads [`TableState`] in one catalog query.
///
/// # Errors
/// Connection and database errors only.
pub async fn table_state(tx: &Transaction<'_>) -> Result<TableState> {
    let row = tx.query_one(raw_sql::EMBEDDINGS_LOAD_STATE, &[]).await?;
    Ok(TableState {
        rows: u64::try_from(row.get::<_, i64>(0)).unwrap_or(0),
        has_hnsw: row.get(1),
        owner: row.get(2),
    })
}

/// Whether to rebuild for a load of `new_rows` under `mode`, and why.
pub fn rebuild_is_faster(
    mode: IndexMaintenance,
    new_rows: u64,
    table: TableState,
) -> (bool, String) {
    let existing = table.rows;
    match mode {
        IndexMaintenance::Rebuild => (true, "rebuild requested".into()),
        IndexMaintenance::Keep => (false, "keeping the indexes as requested".into()),
        IndexMaintenance::Auto if !table.has_hnsw => (
            false,
            "no HNSW index: inserting into the table costs no more than a rebuild".into(),
        ),
        IndexMaintenance::Auto if !table.owner => (
            false,
            "this login does not own embeddings, so it cannot rebuild its indexes".into(),
        ),
        IndexMaintenance::Auto if new_rows < MIN_ROWS_TO_REBUILD => (
            false,
            format!(
                "{new_rows} rows is below {MIN_ROWS_TO_REBUILD}: inserting into the HNSW index"
            ),
        ),
        IndexMaintenance::Auto if new_rows.saturating_mul(REBUILD_RATIO) >= existing => (
            true,
            format!(
                "{new_rows} rows into about {existing}: rebuilding the HNSW index on {} rows is \
                 faster than inserting {new_rows} rows into it (rebuild at >= 1/{REBUILD_RATIO} \
                 of the table)",
                existing + new_rows
            ),
        ),
        IndexMaintenance::Auto => (
            false,
            format!(
                "{new_rows} rows into about {existing}: inserting into the HNSW index is faster \
                 than rebuilding it (rebuild at >= 1/{REBUILD_RATIO} of the table)"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HNSW_OWNER: TableState = TableState {
        rows: 60_000,
        has_hnsw: true,
        owner: true,
    };

    #[test]
    fn auto_rebuilds_from_a_sixth_of_the_table() {
        let auto = IndexMaintenance::Auto;
        assert!(rebuild_is_faster(auto, 10_000, HNSW_OWNER).0);
        assert!(!rebuild_is_faster(auto, 9_999, HNSW_OWNER).0);
        let empty = TableState {
            rows: 0,
            ..HNSW_OWNER
        };
        assert!(rebuild_is_faster(auto, 1_000, empty).0);
        assert!(!rebuild_is_faster(auto, 999, empty).0);
    }

    #[test]
    fn auto_keeps_without_hnsw_or_ownership() {
        let auto = IndexMaintenance::Auto;
        let ivfflat = TableState {
            has_hnsw: false,
            ..HNSW_OWNER
        };
        let app = TableState {
            owner: false,
            ..HNSW_OWNER
        };
        assert!(!rebuild_is_faster(auto, 1_000_000, ivfflat).0);
        assert!(!rebuild_is_faster(auto, 1_000_000, app).0);
    }

    #[test]
    fn explicit_modes_win() {
        let small = TableState {
            rows: 10,
            ..HNSW_OWNER
        };
        assert!(!rebuild_is_faster(IndexMaintenance::Keep, 1_000_000, small).0);
        assert!(rebuild_is_faster(IndexMaintenance::Rebuild, 1, HNSW_OWNER).0);
    }
}
