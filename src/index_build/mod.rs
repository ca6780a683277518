//! Building vector indexes: one build at a time (the maintenance lock), the
//! progress of a build as it runs, the memory it wants, how large an index
//! should be for its table, `reindex` ([`crate::Database::reindex_vector_indexes`]) and the
//! tenants' own indexes ([`crate::Database::maintain_tiers`]).
//! `maintenance` (advice) and `tune` (rebuild with measured parameters)
//! build on it.

use std::future::Future;
use std::time::Duration;

use truthgraph_queries::queries::{catalog, settings};

use crate::db::Client;
use crate::error::Result;
use crate::raw_sql;

mod load_tiers;
mod memory;
mod rebuild;
mod registry;
mod reindex;
mod tier_ddl;
mod tier_ef;
mod tier_index;
mod tier_plan;
mod tier_probes;
pub(crate) mod tiers;

pub(crate) use memory::build_memory_mb;
pub use memory::{
    GRAPH_BYTES_PER_ELEMENT, GRAPH_BYTES_PER_M, build_memory_bytes, quantized_build_memory_bytes,
};
pub use rebuild::Rebuild;
pub use reindex::{DropReason, DroppedIndex, ReindexReport, redundant_indexes};
pub use tier_ef::{
    MeasuredEf, SAMPLE as TIER_MEASUREMENT_QUERIES, TARGET_RECALL as TIER_TARGET_RECALL,
};
pub use tiers::{TierAction, TierEvent, TierOptions, TierPlan, TierReport};
pub use truthgraph_queries::queries::settings::IndexBuildProgress;

/// Key of the session advisory lock held while vector indexes are rebuilt
/// (`reindex`, `tune --apply`): one rebuild at a time, so none takes another's
/// index under construction for a leftover. Distinct from the migrators' lock,
/// so a long rebuild never holds up a service's start-up `migrate`.
pub const MAINTENANCE_LOCK_KEY: i64 = 0x7472_7574_6867_7232; // "truthgr2"

/// How often a running build's progress is read.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(1);

/// Runs `f` holding the [`MAINTENANCE_LOCK_KEY`] advisory lock on `client`,
/// releasing it whatever `f` returns (it also ends with the session), with
/// serial index builds where pgvector is older than 0.8.2 (CVE-2026-3172;
/// `raw_sql::SERIAL_BUILDS_ON_VULNERABLE_PGVECTOR`).
pub(crate) async fn with_maintenance_lock<T>(
    client: &mut tokio_postgres::Client,
    f: impl AsyncFnOnce(&mut tokio_postgres::Client) -> Result<T>,
) -> Result<T> {
    catalog::advisory_lock()
        .bind(client, &MAINTENANCE_LOCK_KEY)
        .one()
        .await?;
    // The schema connection is retired afterwards: a session setting is fine.
    client
        .execute(raw_sql::SERIAL_BUILDS_ON_VULNERABLE_PGVECTOR, &[&false])
        .await?;
    let out = f(client).await;
    let released = catalog::advisory_unlock()
        .bind(client, &MAINTENANCE_LOCK_KEY)
        .one()
        .await;
    let value = out?;
    released?;
    Ok(value)
}

/// Whether `e` is a parallel index build that could not get its shared
/// memory: SQLSTATE 53100 "could not resize shared memory segment … No space
/// left on device". A parallel HNSW build (pgvector >= 0.6) puts its graph,
/// up to `maintenance_work_mem`, in dynamic shared memory, a file in
/// `/dev/shm`; where that is smaller (Docker's default is 64 MB) every
/// parallel build larger than it fails, while a serial one would not.
pub(crate) fn is_shared_memory_exhausted(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some_and(|d| {
        d.code() == &tokio_postgres::error::SqlState::DISK_FULL
            && d.message().contains("shared memory segment")
    })
}

/// Says (WARN) that a build short of shared memory runs again serially,
/// with the server's message (`e`'s `Display` says only "db error").
fn warn_serial_fallback(e: &tokio_postgres::Error) {
    let error = e
        .as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_string());
    tracing::warn!(
        error,
        "a parallel index build ran out of shared memory (/dev/shm smaller than \
         maintenance_work_mem: in Docker, run the server with --shm-size); building \
         serially instead"
    );
}

/// Runs the index build `ddl` on `client` (a schema connection); when a
/// parallel build runs out of shared memory ([`is_shared_memory_exhausted`]),
/// drops the invalid index it left (`leftover`, for a concurrent build),
/// makes this session's builds serial and runs `ddl` once more, saying so
/// (WARN). Any other error is returned as it is, leftover not dropped.
pub(crate) async fn build_index(
    client: &tokio_postgres::Client,
    ddl: &str,
    leftover: Option<&str>,
) -> std::result::Result<(), tokio_postgres::Error> {
    match client.batch_execute(ddl).await {
        Err(e) if is_shared_memory_exhausted(&e) => {
            warn_serial_fallback(&e);
            if let Some(name) = leftover {
                client
                    .batch_execute(&raw_sql::drop_index_concurrently(name))
                    .await?;
            }
            client.batch_execute(raw_sql::SERIAL_INDEX_BUILDS).await?;
            client.batch_execute(ddl).await
        }
        other => other,
    }
}

/// [`build_index`] inside the transaction `tx` (a bulk load's rebuild): the
/// build runs under a savepoint, rolled back to when it runs out of shared
/// memory, and runs again serially (`SET LOCAL`).
pub(crate) async fn build_index_in(
    tx: &tokio_postgres::Transaction<'_>,
    ddl: &str,
) -> std::result::Result<(), tokio_postgres::Error> {
    tx.batch_execute(raw_sql::INDEX_BUILD_SAVEPOINT).await?;
    match tx.batch_execute(ddl).await {
        Ok(()) => {
            tx.batch_execute(raw_sql::RELEASE_INDEX_BUILD_SAVEPOINT)
                .await
        }
        Err(e) if is_shared_memory_exhausted(&e) => {
            warn_serial_fallback(&e);
            tx.batch_execute(raw_sql::ROLLBACK_INDEX_BUILD_TO_SERIAL)
                .await?;
            tx.batch_execute(ddl).await
        }
        Err(e) => Err(e),
    }
}

/// Runs `build` while, about once a second, reading the rows of
/// `pg_stat_progress_create_index` for `embeddings` on `watcher` (another
/// connection) and handing each to `progress`.
///
/// # Errors
/// The build's error, or the watcher's.
pub(crate) async fn watching_progress<T>(
    watcher: &Client,
    build: impl Future<Output = Result<T>>,
    mut progress: impl FnMut(&IndexBuildProgress),
) -> Result<T> {
    tokio::pin!(build);
    loop {
        tokio::select! {
            out = &mut build => return out,
            () = tokio::time::sleep(PROGRESS_INTERVAL) => {
                for p in settings::index_build_progress().bind(watcher).all().await? {
                    progress(&p);
                }
            }
        }
    }
}

/// pgvector's guidance for IVFFlat: `lists` ≈ rows / 1000 up to 1M rows,
/// √rows above; never below 1.
pub fn recommended_lists(rows: i64) -> u32 {
    let rows = rows.max(0) as f64;
    let lists = if rows <= 1_000_000.0 {
        rows / 1000.0
    } else {
        rows.sqrt()
    };
    lists.round().max(1.0) as u32
}
