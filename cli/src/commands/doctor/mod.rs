//! `truthgraph-db doctor`: every check an operator should run before
//! trusting a database, each finding with what to do about it. It reuses what
//! `status` and `inspect` compute (`Database::status`, `tuning_advice`,
//! `orphan_embeddings`, `stored_settings`) plus the server settings query.
//!
//! Exit status: 0 all checks pass, 3 warnings only, 4 at least one error.

use std::collections::HashMap;

use serde_json::{Value, json};
use truthgraph_db::Database;
use truthgraph_db::catalog::{self, VectorIndex, index_option, is_build_leftover, version_lt};
use truthgraph_db::index_build::recommended_lists;
use truthgraph_db::migrate::{VersionState, status::PGVECTOR_RECOMMENDED};
use truthgraph_db::settings::Origin;

use crate::context::Context;
use crate::output::Output;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Ok,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// One check's outcome.
struct Finding {
    check: &'static str,
    level: Level,
    summary: String,
    /// What to do (`None` when nothing needs doing).
    action: Option<String>,
}

#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn ok(&mut self, check: &'static str, summary: impl Into<String>) {
        self.push(check, Level::Ok, summary, None::<String>);
    }
    fn warn(&mut self, check: &'static str, summary: impl Into<String>, action: impl Into<String>) {
        self.push(check, Level::Warn, summary, Some(action));
    }
    fn error(
        &mut self,
        check: &'static str,
        summary: impl Into<String>,
        action: impl Into<String>,
    ) {
        self.push(check, Level::Error, summary, Some(action));
    }
    fn push(
        &mut self,
        check: &'static str,
        level: Level,
        summary: impl Into<String>,
        action: Option<impl Into<String>>,
    ) {
        self.0.push(Finding {
            check,
            level,
            summary: summary.into(),
            action: action.map(Into::into),
        });
    }
}

/// Check the server, pgvector, migrations, indexes, settings and data; say what to do about each finding.
///
/// Exit status 0 when every check passes, 3 with warnings only, 4 with at least one error.
#[derive(clap::Args)]
pub struct Args {}

/// Runs every check, prints the findings, returns the exit status.
pub async fn run(_: Args, cx: &Context) -> anyhow::Result<u8> {
    cx.with_database_json(async |db, out| doctor(db, out).await)
        .await
}

async fn doctor(db: &Database, out: &Output) -> anyhow::Result<u8> {
    let mut f = Findings::default();
    let status = db.status().await?;
    let settings: HashMap<String, (String, Option<String>, String)> = db
        .server_settings()
        .await?
        .into_iter()
        .map(|s| (s.name, (s.setting, s.unit, s.pretty)))
        .collect();
    let setting_bytes = |name: &str| -> Option<i64> {
        let (value, unit, _) = settings.get(name)?;
        let n: i64 = value.parse().ok()?;
        Some(n * unit_bytes(unit.as_deref()))
    };
    let setting_int = |name: &str| -> Option<i64> { settings.get(name)?.0.parse().ok() };
    let pretty = |name: &str| -> String {
        settings
            .get(name)
            .map_or_else(|| "?".into(), |s| s.2.clone())
    };

    // Server and pgvector.
    let major: Option<u32> = status
        .server_version
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|m| m.parse().ok());
    match major {
        Some(m) if m < 15 => f.warn(
            "server",
            format!(
                "PostgreSQL {} (TruthGraph is built and tested on 15 and later)",
                status.server_version
            ),
            "upgrade to PostgreSQL 15 or later",
        ),
        _ => f.ok("server", format!("PostgreSQL {}", status.server_version)),
    }
    let parallel_maintenance = setting_int("max_parallel_maintenance_workers").unwrap_or(0);
    match &status.pgvector_version {
        None => f.error(
            "pgvector",
            "the vector extension is not installed in this database",
            "install pgvector (>= 0.8.4) on the server and run `truthgraph-db migrate` (it creates the extension)",
        ),
        Some(v) if version_lt(v, "0.8.2") => f.warn(
            "pgvector",
            format!(
                "pgvector {v} < {PGVECTOR_RECOMMENDED}: 0.8.2 fixes a buffer overflow in parallel HNSW \
                 index builds (CVE-2026-3172, 0.6.0 to 0.8.1: a user who can build an HNSW index with \
                 parallel workers can read other relations' data or crash the server); 0.8.4 fixes HNSW \
                 vacuum leaving the graph unrepaired under concurrent inserts and deletes (\"hnsw graph \
                 not repaired\", index corruption){}",
                if parallel_maintenance > 0 {
                    format!(
                        "; max_parallel_maintenance_workers = {parallel_maintenance}, so builds here are parallel"
                    )
                } else {
                    String::new()
                }
            ),
            format!(
                "install pgvector >= {PGVECTOR_RECOMMENDED}, run ALTER EXTENSION vector UPDATE, then \
                 `truthgraph-db reindex`; until then set max_parallel_maintenance_workers = 0 for \
                 index builds"
            ),
        ),
        Some(v) if version_lt(v, PGVECTOR_RECOMMENDED) => f.warn(
            "pgvector",
            format!(
                "pgvector {v} < {PGVECTOR_RECOMMENDED}: 0.8.4 fixes HNSW vacuum leaving the graph \
                 unrepaired under concurrent inserts and deletes (\"hnsw graph not repaired\", index \
                 corruption)"
            ),
            format!(
                "install pgvector >= {PGVECTOR_RECOMMENDED}, run ALTER EXTENSION vector UPDATE, then \
                 `truthgraph-db reindex`"
            ),
        ),
        Some(v) => f.ok("pgvector", format!("pgvector {v}")),
    }

    // Migrations.
    let by_state = |want: fn(&VersionState) -> bool| -> Vec<String> {
        status
            .versions
            .iter()
            .filter(|(_, _, s)| want(s))
            .map(|(v, n, _)| format!("V{v} {n}"))
            .collect()
    };
    let divergent = by_state(|s| *s == VersionState::Divergent);
    let missing = by_state(|s| *s == VersionState::Missing);
    let pending = by_state(|s| *s == VersionState::Pending);
    let current = status.current_version();
    if !divergent.is_empty() {
        f.error(
            "migrations",
            format!("changed after they were applied: {}", divergent.join(", ")),
            "restore the migration files this database was migrated with (nothing runs while they differ)",
        );
    }
    if !missing.is_empty() {
        f.warn(
            "migrations",
            format!(
                "applied by a newer build, unknown to this one: {}",
                missing.join(", ")
            ),
            "use the truthgraph-db build that migrated this database",
        );
    }
    if current == 0 {
        f.error(
            "migrations",
            "no migration is applied",
            "run `truthgraph-db migrate` (or `truthgraph-db adopt` for a database the Python services created)",
        );
    } else if !pending.is_empty() {
        f.warn(
            "migrations",
            format!("at V{current}; pending: {}", pending.join(", ")),
            "run `truthgraph-db migrate`",
        );
    } else if divergent.is_empty() && missing.is_empty() {
        f.ok("migrations", format!("at V{current}, none pending"));
    }

    if status.dimension.is_none() {
        return finish(f, out, &status, db);
    }

    // Rows, indexes and their parameters.
    let live_rows: HashMap<String, i64> = db
        .table_sizes()
        .await?
        .into_iter()
        .map(|t| (t.table_name, t.live_rows))
        .collect();
    let rows = *live_rows.get("embeddings").unwrap_or(&0);
    let dimension = status.dimension.unwrap_or(0);
    let indexes: Vec<&VectorIndex> = status
        .vector_indexes
        .iter()
        .filter(|ix| ix.table_name == "embeddings")
        .collect();
    let defaults = db.search_defaults();
    if indexes.is_empty() {
        f.warn(
            "vector_index",
            format!("embeddings has no vector index ({rows} rows): every search compares every row"),
            "run `truthgraph-db migrate` (V5 creates idx_embeddings_vector_cosine) or create an HNSW index",
        );
    }
    let valid = indexes.iter().filter(|ix| ix.is_valid).count();
    if valid > 1 {
        f.warn(
            "vector_index",
            format!("{valid} valid vector indexes on embeddings: every write maintains each"),
            "drop the ones searches do not need (`truthgraph-db stats` shows their scans)",
        );
    }
    let maintenance_mem = setting_bytes("maintenance_work_mem");
    for ix in &indexes {
        let name = &ix.index_name;
        let params = ix.options.as_deref().unwrap_or_default().join(", ");
        let head = format!("{name} {} ({params}), {} bytes", ix.method, ix.size_bytes);
        if is_build_leftover(ix) {
            f.warn(
                "vector_index",
                format!("{head}: INVALID leftover of an interrupted concurrent build, never used"),
                "run `truthgraph-db reindex` (it drops leftovers first)",
            );
            continue;
        }
        if !ix.is_valid {
            f.error(
                "vector_index",
                format!("{head}: INVALID (a failed build): searches do not use it"),
                "run `truthgraph-db reindex` (it rebuilds it)",
            );
            continue;
        }
        // The planner's estimate, -1 until analysed.
        let analysed = ix.table_rows_estimate >= 0;
        if !analysed && rows > 0 {
            f.warn(
                "vector_index",
                format!("{head}: embeddings ({rows} rows) was never analysed"),
                "run `truthgraph-db reindex` (it analyses) or ANALYZE embeddings",
            );
        }
        if ix.method == "ivfflat" {
            let lists = index_option(ix, "lists").unwrap_or(100);
            let want = recommended_lists(rows);
            if rows == 0 {
                f.ok("vector_index", format!("{head}: embeddings is empty"));
            } else if rows < 10 * i64::from(lists) {
                f.warn(
                    "vector_index",
                    format!("{head}: {rows} rows for {lists} lists (fewer than 10 per list); probes {} in force", defaults.probes),
                    "after loading, run `truthgraph-db reindex` (list centres come from the rows present at build time); or use an HNSW index",
                );
            } else if want > lists * 2 || want * 2 < lists {
                f.warn(
                    "vector_index",
                    format!("{head}: lists = {lists} for {rows} rows; rows/1000 suggests {want}"),
                    "run `truthgraph-db tune --apply` (it rebuilds with the suggested lists), then check recall",
                );
            } else {
                f.ok(
                    "vector_index",
                    format!(
                        "{head}: lists = {lists} suits {rows} rows; probes {} in force",
                        defaults.probes
                    ),
                );
            }
        } else {
            let m = index_option(ix, "m").unwrap_or(16);
            f.ok(
                "vector_index",
                format!(
                    "{head}: m = {m} for {rows} rows; ef_search {} in force",
                    defaults.ef_search
                ),
            );
            // HNSW builds are fastest when the graph fits in maintenance_work_mem.
            let per_row = 4 * dimension as i64 + 8 + 2 * i64::from(m) * 8 + 64;
            let need = per_row * rows;
            if let Some(have) = maintenance_mem
                && rows > 0
                && need > have
            {
                f.warn(
                    "maintenance_work_mem",
                    format!(
                        "{name}: its graph needs about {} MB for {rows} rows, maintenance_work_mem is {} \
                         (a rebuild spills to disk and takes far longer)",
                        need / (1 << 20),
                        pretty("maintenance_work_mem")
                    ),
                    format!(
                        "raise it for rebuilds: ALTER DATABASE … SET maintenance_work_mem = '{}MB' (or in postgresql.conf)",
                        (need / (1 << 20)).max(64) * 5 / 4
                    ),
                );
            }
        }
    }

    // Memory for searches: the vector indexes should stay cached.
    let index_bytes: i64 = indexes
        .iter()
        .filter(|ix| ix.is_valid)
        .map(|ix| ix.size_bytes)
        .sum();
    match setting_bytes("shared_buffers") {
        Some(sb) if index_bytes > sb => f.warn(
            "shared_buffers",
            format!(
                "vector indexes take {} MB, shared_buffers is {}: searches read index pages from the OS cache or disk",
                index_bytes / (1 << 20),
                pretty("shared_buffers")
            ),
            "raise shared_buffers above the vector index size (postgresql.conf, needs a restart), or watch effective_cache_size",
        ),
        _ => f.ok(
            "shared_buffers",
            format!(
                "shared_buffers {} holds the vector indexes ({} bytes); maintenance_work_mem {}; work_mem {}",
                pretty("shared_buffers"),
                index_bytes,
                pretty("maintenance_work_mem"),
                pretty("work_mem")
            ),
        ),
    }
    f.ok(
        "parallel_workers",
        format!(
            "max_parallel_maintenance_workers {} (index builds), max_parallel_workers {}, \
             max_parallel_workers_per_gather {}, max_worker_processes {}",
            pretty("max_parallel_maintenance_workers"),
            pretty("max_parallel_workers"),
            pretty("max_parallel_workers_per_gather"),
            pretty("max_worker_processes")
        ),
    );

    // Search settings: tuned, and how old.
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

    // Vector column storage.
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

    // Orphans.
    let orphans = db.orphan_embeddings().await?;
    let total: i64 = orphans
        .iter()
        .map(|o| o.missing_entity + o.foreign_entity)
        .sum();
    if total > 0 {
        f.warn(
            "orphan_embeddings",
            format!(
                "{total} embeddings whose entity is missing or another tenant's ({} tenants)",
                orphans.len()
            ),
            "run `truthgraph-db prune-embeddings --dry-run`, then `truthgraph-db prune-embeddings`",
        );
    } else {
        f.ok("orphan_embeddings", "none");
    }

    // Pool and timeouts.
    let config = db.config();
    let max_connections = setting_int("max_connections").unwrap_or(100);
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
                pretty("statement_timeout")
            ),
        );
    }
    finish(f, out, &status, db)
}

/// Prints the findings and returns the exit status.
fn finish(
    f: Findings,
    out: &Output,
    status: &truthgraph_db::migrate::SchemaStatus,
    db: &Database,
) -> anyhow::Result<u8> {
    let worst = f.0.iter().map(|x| x.level).max().unwrap_or(Level::Ok);
    let code = match worst {
        Level::Ok => 0,
        Level::Warn => 3,
        Level::Error => 4,
    };
    let count = |l: Level| f.0.iter().filter(|x| x.level == l).count();
    if out.json {
        out.json(&json!({
            "status": worst.as_str(),
            "exit_code": code,
            "server_version": status.server_version,
            "pgvector_version": status.pgvector_version,
            "migration_version": status.current_version(),
            "dimension": status.dimension,
            "embedded": db.is_embedded(),
            "findings": f.0.iter().map(|x| json!({
                "check": x.check,
                "status": x.level.as_str(),
                "summary": x.summary,
                "action": x.action,
            })).collect::<Vec<Value>>(),
        }));
        return Ok(code);
    }
    for x in &f.0 {
        let tag = match x.level {
            Level::Ok => "ok   ",
            Level::Warn => "WARN ",
            Level::Error => "ERROR",
        };
        println!("{tag} {:<20} {}", x.check, x.summary);
        if let Some(a) = &x.action {
            println!("      {:<20} -> {a}", "");
        }
    }
    println!(
        "\ndoctor: {} ok, {} warnings, {} errors (exit status {code})",
        count(Level::Ok),
        count(Level::Warn),
        count(Level::Error)
    );
    Ok(code)
}

/// Bytes per unit of a `pg_settings` unit (`8kB`, `kB`, `MB`; 1 for none).
fn unit_bytes(unit: Option<&str>) -> i64 {
    match unit {
        Some("B") => 1,
        Some("kB") => 1024,
        Some("8kB") => 8192,
        Some("MB") => 1 << 20,
        Some("16MB") => 16 << 20,
        Some("GB") => 1 << 30,
        _ => 1,
    }
}
