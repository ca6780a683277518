//! What running the database leaves behind or depends on: tuned search
//! settings and their age, the vector column's storage, orphan embeddings,
//! the pool and the statement timeout.

use truthgraph_db::Database;
use truthgraph_db::catalog;
use truthgraph_db::settings::Origin;

use super::{Findings, Settings};

/// `rows`: of `embeddings`; `dimension`: of its vectors.
pub(super) async fn check(
    f: &mut Findings,
    db: &Database,
    settings: &Settings,
    rows: i64,
    dimension: usize,
) -> anyhow::Result<()> {
    tuned_settings(f, db, rows).await?;
    vector_storage(f, db, dimension).await?;
    orphan_embeddings(f, db).await?;
    pool_and_timeouts(f, db, settings);
    Ok(())
}

/// The search settings in force, whether `tune` stored any, and how old.
async fn tuned_settings(f: &mut Findings, db: &Database, rows: i64) -> anyhow::Result<()> {
    let defaults = db.search_defaults();
    let stored = db.stored_settings().await?;
    let origin = |o: &Origin| match o {
        Origin::BuiltIn { .. } => "built in",
        Origin::Tuned { .. } => "tuned",
        Origin::Pinned => "pinned by the environment",
    };
    let in_force = format!(
        "hnsw.ef_search = {} ({}), ivfflat.probes = {} ({})",
        defaults.ef_search,
        origin(&defaults.ef_search_origin),
        defaults.probes,
        origin(&defaults.probes_origin)
    );
    if stored.is_empty() {
        if rows >= 10_000 {
            f.warn(
                "tuned_settings",
                format!("never tuned, {rows} rows; in force: {in_force}"),
                "run `truthgraph-db tune` to measure and store the cheapest setting reaching the target recall",
            );
        } else {
            f.ok(
                "tuned_settings",
                format!("never tuned ({rows} rows; tune once loaded); in force: {in_force}"),
            );
        }
    }
    let now = chrono::Utc::now().naive_utc();
    for s in &stored {
        let age_days = (now - s.measured_at).num_days();
        let measured = s.rows_measured.unwrap_or(0);
        let drift = measured > 0 && (rows > 2 * measured || rows * 2 < measured);
        let summary = format!(
            "{} = {} measured {} ({age_days} days ago) at {measured} rows, recall {:.3}; now {rows} rows; in force: {in_force}",
            s.name,
            s.value,
            s.measured_at,
            s.recall.unwrap_or_default()
        );
        if drift {
            f.warn(
                "tuned_settings",
                summary,
                "the table changed size by more than 2x since: run `truthgraph-db tune` again",
            );
        } else {
            f.ok("tuned_settings", summary);
        }
    }
    Ok(())
}

/// How the vector column is stored: in the row or in TOAST, compressed or not.
async fn vector_storage(f: &mut Findings, db: &Database, dimension: usize) -> anyhow::Result<()> {
    let client = db.client().await?;
    if let Some(col) = catalog::embedding_column(&**client).await? {
        let bytes = 4 * dimension + 8;
        let (mode, compressed) = match col.storage.as_str() {
            "p" => ("plain", false),
            "m" => ("main", true),
            "e" => ("external", false),
            _ => ("extended", true),
        };
        // TOAST moves external/extended values out of the row once a row
        // passes ~2 KB; main only when the row would not fit a page (~8 KB).
        let toasted = match mode {
            "plain" => false,
            "main" => bytes > 8000,
            _ => bytes > 2000,
        };
        let summary = format!(
            "embeddings.embedding vector({dimension}), storage {mode}: each vector is {bytes} bytes, {}",
            if toasted {
                "stored out of line in TOAST (an exact search or a heap recheck reads the TOAST table too)"
            } else {
                "stored in the row"
            }
        );
        if compressed && mode == "extended" {
            f.warn(
                "vector_storage",
                summary + "; extended tries to compress float data, which never shrinks",
                "ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE EXTERNAL (pgvector's default since 0.6; applies to new rows)",
            );
        } else {
            f.ok("vector_storage", summary);
        }
    }
    drop(client);
    Ok(())
}

/// Embeddings whose entity is missing or another tenant's.
async fn orphan_embeddings(f: &mut Findings, db: &Database) -> anyhow::Result<()> {
    let orphans = db.orphan_embeddings().await?;
    let total: i64 = orphans
        .iter()
        .map(|o| o.missing_entity + o.foreign_entity)
        .sum();
    if total > 0 {
        f.warn(
            "orphan_embeddings",
            format!(
                "{total} embeddings whose entity is missing or another tenant's ({} tenants); \
                 a tier search they crowd out of its index pass runs exactly",
                orphans.len()
            ),
            "run `truthgraph-db prune-embeddings --dry-run`, then `truthgraph-db prune-embeddings`",
        );
    } else {
        f.ok("orphan_embeddings", "none");
    }
    Ok(())
}

/// The pool against the server's connections, and the statement timeout.
fn pool_and_timeouts(f: &mut Findings, db: &Database, settings: &Settings) {
    let config = db.config();
    let max_connections = settings.int("max_connections").unwrap_or(100);
    let pool = config.pool_max_size as i64;
    let pool_summary = format!(
        "pool of at most {pool} connections per process (TRUTHGRAPH_POOL_MAX_SIZE), wait {} ms, connect timeout {} ms; server max_connections {max_connections}",
        config.pool_timeout.as_millis(),
        config.connect_timeout.as_millis()
    );
    if pool >= max_connections {
        f.error(
            "pool",
            pool_summary,
            "lower TRUTHGRAPH_POOL_MAX_SIZE (every service process opens up to that many) or raise max_connections",
        );
    } else if pool * 2 > max_connections {
        f.warn(
            "pool",
            pool_summary,
            "two service processes would exhaust the server: lower TRUTHGRAPH_POOL_MAX_SIZE or raise max_connections",
        );
    } else {
        f.ok("pool", pool_summary);
    }
    if config.statement_timeout.is_zero() {
        f.warn(
            "statement_timeout",
            "TRUTHGRAPH_STATEMENT_TIMEOUT_MS = 0: a runaway query holds its connection forever",
            "set TRUTHGRAPH_STATEMENT_TIMEOUT_MS (default 60000)",
        );
    } else {
        f.ok(
            "statement_timeout",
            format!(
                "{} ms on every pooled connection (TRUTHGRAPH_STATEMENT_TIMEOUT_MS; the server reports {})",
                config.statement_timeout.as_millis(),
                settings.pretty("statement_timeout")
            ),
        );
    }
}
