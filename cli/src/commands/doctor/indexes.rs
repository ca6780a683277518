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
