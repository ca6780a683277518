//! The search tiers ([`truthgraph_db::tiers`]): which tenants have an index
//! of their own, which are searched exactly, what maintenance would change,
//! and whether `maintenance_work_mem` holds the largest tier's build.

use truthgraph_db::Database;
use truthgraph_db::index_build::{TierAction, TierOptions};
use truthgraph_db::index_build::{build_memory_bytes, quantized_build_memory_bytes};
use truthgraph_db::tiers::HNSW_M;

use super::{Findings, Settings};

/// `dimension`: of the vectors.
pub(super) async fn check(f: &mut Findings, db: &Database, settings: &Settings, dimension: usize) {
    let plan = match db.maintain_tiers(&TierOptions::default()).await {
        Ok(plan) => plan,
        Err(e) => {
            f.warn(
                "tiers",
                format!("the search tiers could not be read: {e}"),
                "run `truthgraph-db migrate` (V10 adds them)",
            );
            return;
        }
    };
    let indexed: Vec<_> = plan
        .tiers
        .iter()
        .filter(|t| {
            matches!(
                t.action,
                TierAction::Keep
                    | TierAction::Reindex
                    | TierAction::Convert
                    | TierAction::Remeasure
            )
        })
        .collect();
    let exact = plan
        .tiers
        .iter()
        .filter(|t| t.action == TierAction::Exact)
        .count();
    // Tiers per ef_search in force (stored, measured at the build, or the
    // connection's when none is stored), smallest first.
    let mut by_ef = std::collections::BTreeMap::<u32, usize>::new();
    // A Hamming list has no graph: no ef_search.
    for t in indexed.iter().filter(|t| !t.hamming_list()) {
        *by_ef
            .entry(t.ef_search.unwrap_or(db.search_defaults().ef_search))
            .or_default() += 1;
    }
    let by_ef = by_ef
        .iter()
        .map(|(ef, n)| format!("{n} at {ef}"))
        .collect::<Vec<_>>()
        .join(", ");
    let quantized = indexed.iter().filter(|t| t.quantized).count();
    let lists = indexed.iter().filter(|t| t.hamming_list()).count();
    f.ok(
        "tiers",
        format!(
            "threshold {} rows: {} tiers searched through their own index (ef_search: {}; \
             {quantized} of them quantized, re-ranked, {lists} of those Hamming lists), \
             {exact} searched exactly",
            plan.threshold,
            indexed.len(),
            if by_ef.is_empty() { "-" } else { &by_ef },
        ),
    );
    let names = |a: TierAction| {
        plan.with_action(a)
            .map(|t| {
                format!(
                    "{} {} ({} rows)",
                    t.tenant_id,
                    t.entity_type.as_str(),
                    t.rows
                )
            })
            .collect::<Vec<_>>()
    };
    let build = names(TierAction::Build);
    if !build.is_empty() {
        f.warn(
            "tiers",
            format!(
                "{} tiers reached the threshold without an index of their own (searched {} \
                 until built): {}",
                build.len(),
                if plan.shared_index.is_some() {
                    "through the shared index"
                } else {
                    "exactly"
                },
                build.join(", ")
            ),
            "run `truthgraph-db tiers --apply` (CREATE INDEX CONCURRENTLY; reads and writes go on)",
        );
    }
    let rebuild = names(TierAction::Rebuild);
    if !rebuild.is_empty() {
        f.error(
            "tiers",
            format!(
                "invalid tier indexes (a failed build; searches read every row): {}",
                rebuild.join(", ")
            ),
            "run `truthgraph-db tiers --apply` (it drops and builds them again)",
        );
    }
    let reindex = names(TierAction::Reindex);
    if !reindex.is_empty() {
        f.warn(
            "tiers",
            format!(
                "tiers that lost {:.0} % or more of the most rows their index has held, or \
                 whose index holds that many dead elements of rows re-written in place: the \
                 next VACUUM that cleans their index repairs its graph around every one, one \
                 search each (minutes for a 50K-row tier): {}",
                truthgraph_db::tiers::REINDEX_AFTER_LOSS * 100.0,
                reindex.join(", ")
            ),
            "run `truthgraph-db tiers --apply` (REINDEX INDEX CONCURRENTLY of each; searches \
             go on)",
        );
    }
    let grown = names(TierAction::Remeasure);
    if !grown.is_empty() {
        f.warn(
            "tiers",
            format!(
                "tiers that hold twice the rows their index was last measured at (grown by \
                 inserts: a graph may now miss its recall at its ef_search, a Hamming list \
                 past {} rows reads every row's bits at each search): {}",
                db.config().hamming_list_rows,
                grown.join(", ")
            ),
            "run `truthgraph-db tiers --apply` (it measures each again, and builds a new \
             index CONCURRENTLY where that misses; searches go on)",
        );
    }
    let drop = names(TierAction::Drop);
    if !drop.is_empty() || !plan.orphans.is_empty() {
        f.warn(
            "tiers",
            format!(
                "indexes no longer needed (tenant below half the threshold, or gone): {}",
                drop.iter()
                    .chain(&plan.orphans)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "run `truthgraph-db tiers --apply` (DROP INDEX CONCURRENTLY); every index costs \
             each VACUUM and each insert's predicate checks",
        );
    }
    if let Some(shared) = &plan.shared_index {
        f.warn(
            "tiers",
            format!(
                "{shared}: the index over every tenant that V10 kept is still on embeddings \
                 (searches of tenants without their own index use it, with its recall limits)"
            ),
            "run `truthgraph-db tiers --apply`: it builds the tenants' own indexes, then drops it",
        );
    }
    // The largest build: the tier with the most rows that has or gets an index.
    let largest = plan
        .tiers
        .iter()
        .filter(|t| t.action.indexed())
        .max_by_key(|t| t.rows);
    if let (Some(t), Some(have)) = (largest, settings.bytes("maintenance_work_mem")) {
        // A quantized tier's graph: its own need (a build that falls back
        // to the full vector is sized for that by the library itself).
        let need = if t.hamming_list() {
            0
        } else if t.quantized {
            quantized_build_memory_bytes(t.rows, dimension, t.hnsw_m.unwrap_or(HNSW_M)) as i64
        } else {
            build_memory_bytes(t.rows, dimension) as i64
        };
        let cap = db.config().max_build_memory_mb as i64 * (1 << 20);
        if need > have {
            f.warn(
                "maintenance_work_mem",
                format!(
                    "the largest tier, {} {} ({} rows x {dimension} dims{}), needs about {} MB to \
                     build in memory; maintenance_work_mem is {} (the library's own builds set \
                     up to {} MB for themselves; REINDEX and hand-made builds spill to disk and \
                     take far longer)",
                    t.tenant_id,
                    t.entity_type.as_str(),
                    t.rows,
                    if t.quantized { ", quantized" } else { "" },
                    need / (1 << 20),
                    settings.pretty("maintenance_work_mem"),
                    cap / (1 << 20)
                ),
                format!(
                    "ALTER DATABASE … SET maintenance_work_mem = '{}MB' (or postgresql.conf){}",
                    (need as u64).div_ceil(1 << 20),
                    if need > cap {
                        "; and raise TRUTHGRAPH_MAX_BUILD_MEMORY_MB"
                    } else {
                        ""
                    }
                ),
            );
        } else {
            f.ok(
                "maintenance_work_mem",
                format!(
                    "{} holds the largest tier's build ({} MB for {} rows)",
                    settings.pretty("maintenance_work_mem"),
                    need / (1 << 20),
                    t.rows
                ),
            );
        }
    }
}
