//! The vector indexes on `embeddings`, and the memory and workers their
//! builds and searches use.

use truthgraph_db::Database;
use truthgraph_db::catalog::{VectorIndex, index_option, is_build_leftover};
use truthgraph_db::index_build::recommended_lists;
use truthgraph_db::migrate::SchemaStatus;

use super::{Findings, Settings};

/// `rows`: of `embeddings`; `dimension`: of its vectors.
pub(super) fn check(
    f: &mut Findings,
    db: &Database,
    status: &SchemaStatus,
    settings: &Settings,
    rows: i64,
    dimension: usize,
) {
    let indexes: Vec<&VectorIndex> = status
        .vector_indexes
        .iter()
        .filter(|ix| ix.table_name == "embeddings")
        .collect();
    each_index(f, db, &indexes, settings, rows, dimension);
    memory(f, &indexes, settings);
}

/// Each vector index: valid, analysed, sized for the rows (IVFFlat lists),
/// and whether its graph fits `maintenance_work_mem` for a rebuild (HNSW).
fn each_index(
    f: &mut Findings,
    db: &Database,
    indexes: &[&VectorIndex],
    settings: &Settings,
    rows: i64,
    dimension: usize,
) {
    let defaults = db.search_defaults();
    if indexes.is_empty() {
        f.warn(
            "vector_index",
            format!("embeddings has no vector index ({rows} rows): every search compares every row"),
            "run `truthgraph-db migrate` (V5 creates idx_embeddings_vector_cosine) or create an HNSW index",
        );
    }
    // Tenants' own (partial) indexes are one per tenant by design (V10).
    let valid = indexes
        .iter()
        .filter(|ix| ix.is_valid && !ix.definition.contains(" WHERE "))
        .count();
    if valid > 1 {
        f.warn(
            "vector_index",
            format!("{valid} valid vector indexes on embeddings: every write maintains each"),
            "drop the ones searches do not need (`truthgraph-db stats` shows their scans)",
        );
    }
    let maintenance_mem = settings.bytes("maintenance_work_mem");
    for ix in indexes {
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
            if ix.definition.contains(" WHERE ") {
                // A tenant's own index: its rows and ef_search are the tier's.
                f.ok(
                    "vector_index",
                    format!(
                        "{head}: a tenant's own index, m = {m}{}; its rows and ef_search: see tiers",
                        if ix.on_expression {
                            ", on binary_quantize(embedding) (re-ranked by the full vector)"
                        } else {
                            ""
                        }
                    ),
                );
            } else {
                f.ok(
                    "vector_index",
                    format!(
                        "{head}: m = {m} for {rows} rows; ef_search {} in force",
                        defaults.ef_search
                    ),
                );
            }
            // HNSW builds are fastest when the graph fits in maintenance_work_mem.
            let per_row = 4 * dimension as i64 + 8 + 2 * i64::from(m) * 8 + 64;
            let need = per_row * rows;
            // A tenant's own index (partial) is checked by its rows in `tiers`.
            if let Some(have) = maintenance_mem
                && rows > 0
                && !ix.definition.contains(" WHERE ")
                && need > have
            {
                f.warn(
                    "maintenance_work_mem",
                    format!(
                        "{name}: its graph needs about {} MB for {rows} rows, maintenance_work_mem is {} \
                         (a rebuild spills to disk and takes far longer)",
                        need / (1 << 20),
                        settings.pretty("maintenance_work_mem")
                    ),
                    format!(
                        "raise it for rebuilds: ALTER DATABASE … SET maintenance_work_mem = '{}MB' (or in postgresql.conf)",
                        (need / (1 << 20)).max(64) * 5 / 4
                    ),
                );
            }
        }
    }
}

/// Memory for searches (the vector indexes should stay cached) and the
/// workers available to builds and queries.
fn memory(f: &mut Findings, indexes: &[&VectorIndex], settings: &Settings) {
    let index_bytes: i64 = indexes
        .iter()
        .filter(|ix| ix.is_valid)
        .map(|ix| ix.size_bytes)
        .sum();
    match settings.bytes("shared_buffers") {
        Some(sb) if index_bytes > sb => f.warn(
            "shared_buffers",
            format!(
                "vector indexes take {} MB, shared_buffers is {}: searches read index pages from the OS cache or disk",
                index_bytes / (1 << 20),
                settings.pretty("shared_buffers")
            ),
            "raise shared_buffers above the vector index size (postgresql.conf, needs a restart), or watch effective_cache_size",
        ),
        _ => f.ok(
            "shared_buffers",
            format!(
                "shared_buffers {} holds the vector indexes ({} bytes); maintenance_work_mem {}; work_mem {}",
                settings.pretty("shared_buffers"),
                index_bytes,
                settings.pretty("maintenance_work_mem"),
                settings.pretty("work_mem")
            ),
        ),
    }
    autoprewarm(f, index_bytes, settings);
    f.ok(
        "parallel_workers",
        format!(
            "max_parallel_maintenance_workers {} (index builds), max_parallel_workers {}, \
             max_parallel_workers_per_gather {}, max_worker_processes {}",
            settings.pretty("max_parallel_maintenance_workers"),
            settings.pretty("max_parallel_workers"),
            settings.pretty("max_parallel_workers_per_gather"),
            settings.pretty("max_worker_processes")
        ),
    );
}

/// Vector indexes from this size on are reloaded after a restart, or the
/// first searches read them from disk page by page.
const PREWARM_FROM_BYTES: i64 = 256 << 20;

/// Whether a restart keeps the buffers (`pg_prewarm` preloaded, its
/// autoprewarm on), checked when the vector indexes take
/// [`PREWARM_FROM_BYTES`] or more.
fn autoprewarm(f: &mut Findings, index_bytes: i64, settings: &Settings) {
    let loaded = settings
        .text("shared_preload_libraries")
        .is_some_and(|l| l.split(',').any(|x| x.trim() == "pg_prewarm"));
    let on = loaded && settings.text("pg_prewarm.autoprewarm") != Some("off");
    let mb = index_bytes / (1 << 20);
    if on {
        f.ok(
            "autoprewarm",
            "pg_prewarm is loaded: a restart reloads what shared_buffers held",
        );
    } else if index_bytes >= PREWARM_FROM_BYTES {
        f.warn(
            "autoprewarm",
            format!(
                "vector indexes take {mb} MB and nothing reloads them after a restart: until \
                 they are cached, each search reads its index pages from disk (1M x 384 rows, \
                 2 GB of indexes: the first 90 searches took 27.5 s, p50 36 ms against 10 ms)"
            ),
            "add pg_prewarm to shared_preload_libraries (postgresql.conf, needs a restart; on \
             standbys too): autoprewarm saves the buffer list every 300 s and at shutdown and \
             reads it back at start",
        );
    } else {
        f.ok(
            "autoprewarm",
            format!("vector indexes take {mb} MB: a restart costs only their first reads"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::Level;
    use super::*;

    /// The autoprewarm finding for `index_bytes` of vector indexes and the
    /// server's `shared_preload_libraries` (with `autoprewarm` when loaded).
    fn finding(index_bytes: i64, preload: &str, on: Option<&str>) -> (Level, String) {
        let mut s = std::collections::HashMap::new();
        s.insert(
            "shared_preload_libraries".to_string(),
            (preload.to_string(), None, preload.to_string()),
        );
        if let Some(a) = on {
            let v = (a.to_string(), None, a.to_string());
            s.insert("pg_prewarm.autoprewarm".to_string(), v);
        }
        let mut f = Findings::default();
        autoprewarm(&mut f, index_bytes, &Settings(s));
        let x = f.0.into_iter().find(|x| x.check == "autoprewarm").unwrap();
        (x.level, x.summary)
    }

    #[test]
    fn large_indexes_without_autoprewarm_warn_small_ones_do_not() {
        let large = PREWARM_FROM_BYTES;
        assert_eq!(finding(large, "", None).0, Level::Warn);
        assert_eq!(finding(large, "citus", None).0, Level::Warn);
        assert_eq!(finding(large, "pg_prewarm", Some("off")).0, Level::Warn);
        let (level, summary) = finding(large, "citus, pg_prewarm", Some("on"));
        assert_eq!(level, Level::Ok);
        assert!(summary.contains("reloads"), "{summary}");
        assert_eq!(finding(large - 1, "", None).0, Level::Ok);
    }
}
