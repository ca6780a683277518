//! `tiers [--apply]`: the search tiers ([`truthgraph_db::tiers`]) and what
//! maintenance would change; with `--apply`, build the indexes of tenants
//! that reached the threshold and drop those of tenants that fell below half
//! of it, CONCURRENTLY, with progress.

use serde_json::{Value, json};
use truthgraph_db::Database;
use truthgraph_db::index_build::{TierAction, TierEvent, TierOptions, TierPlan, TierReport};

use crate::context::Context;
use crate::output::{Output, Progress};

/// Show which tenants are searched through an index of their own and which exactly; with --apply, build and drop tenants' indexes so the set follows the data.
///
/// A tenant (per entity type) with at least --threshold embeddings gets its own partial
/// HNSW index (CREATE INDEX CONCURRENTLY: reads and writes go on); one below half of it
/// loses it (DROP INDEX CONCURRENTLY); one that lost 1 % of the most rows its index has
/// held gets it rebuilt in place (REINDEX INDEX CONCURRENTLY), before a VACUUM would
/// repair the graph around each deleted row; one that doubled since its index was last
/// measured gets it measured again (a Hamming list past its rows tries Hamming graphs).
/// maintenance_work_mem is sized per build from rows x (8 + 4 x dims + 32 x m + 260) x 1.1
/// (a quantized graph: dims / 8, not 4 x dims), capped by --max-build-memory-mb. Each build
/// measures the tier's hnsw.ef_search on its data (its claims, else its own rows moved off
/// the graph's nodes; recall@10 0.99) and builds a graph of m 32 when m 16 misses at 200.
/// Without --apply, a dry run: the plan only. Run it as the owner of embeddings.
#[derive(clap::Args)]
pub struct Args {
    /// Build and drop (without: only print the plan).
    #[arg(long)]
    apply: bool,
    /// Rows from which a tenant gets an index of its own (default: TRUTHGRAPH_TIER_THRESHOLD, 1000).
    #[arg(long)]
    threshold: Option<i64>,
    /// The most maintenance_work_mem for one build, MB (default: TRUTHGRAPH_MAX_BUILD_MEMORY_MB, 2048).
    #[arg(long)]
    max_build_memory_mb: Option<u64>,
    /// Also measure again every tier that keeps its index, not only those that doubled since
    /// their last measurement, on its index as it is now (after growth by inserts); a tier that
    /// misses recall 0.99 by ef_search 200 with m 16 is rebuilt with m 32, as at a build; a
    /// Hamming list past its rows tries Hamming graphs even if they missed it before.
    #[arg(long, requires = "apply")]
    remeasure: bool,
}

pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let opts = TierOptions {
        threshold: args.threshold,
        apply: args.apply,
        max_build_memory_mb: args.max_build_memory_mb,
        remeasure: args.remeasure,
    };
    cx.with_database_json(async |db, out| tiers(db, &opts, out).await)
        .await
}

async fn tiers(db: &Database, opts: &TierOptions, out: &Output) -> anyhow::Result<()> {
    let mut bar: Option<Progress> = None;
    let report = db
        .maintain_tiers_with(opts, |e| match e {
            TierEvent::Starting(t) => {
                bar = None;
                out.note(format_args!("tiers: {}", describe(t)));
            }
            TierEvent::Building(p) => {
                let (done, total, what) = if p.blocks_total > 0 {
                    (p.blocks_done, p.blocks_total, "blocks")
                } else {
                    (p.tuples_done, p.tuples_total, "tuples")
                };
                // A new phase (blocks scanned, then tuples loaded): a new bar.
                let total = total.max(0) as u64;
                if bar.as_ref().is_some_and(|b| !b.counts(what, total)) {
                    bar = None;
                }
                bar.get_or_insert_with(|| out.progress(what, total))
                    .set(done.max(0) as u64);
            }
            TierEvent::Finished(t, took) => {
                bar = None;
                out.note(format_args!(
                    "tiers: done in {:.1} s: {} {}",
                    took.as_secs_f64(),
                    t.tenant_id,
                    t.entity_type.as_str()
                ));
            }
        })
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "tiers failed: {e}. Indexes built before the failure stay; nothing invalid is \
                 left behind; run `truthgraph-db tiers --apply` again"
            )
        })?;
    if out.json {
        out.json(&report_json(&report));
        return Ok(());
    }
    print!("{}", report_text(&report));
    Ok(())
}

/// What happens to one tier, in words.
fn describe(t: &TierPlan) -> String {
    let what = match t.action {
        TierAction::Keep => "keeps its index",
        TierAction::Exact => "searched exactly",
        TierAction::Build => "builds its index",
        TierAction::Rebuild => "rebuilds its invalid index",
        TierAction::Reindex => {
            "rebuilds its index in place (rows deleted or re-written since its build)"
        }
        TierAction::Drop => "drops its index",
        TierAction::Convert => "builds a Hamming list for its Hamming graph (rows fit a list)",
        TierAction::Remeasure => {
            "measures its index again on its rows now (a new index when it misses)"
        }
    };
    let memory = t
        .build_memory_mb
        .map(|mb| format!(", maintenance_work_mem {mb} MB"))
        .unwrap_or_default();
    format!(
        "{} {} ({} rows): {what} {}{memory}",
        t.tenant_id,
        t.entity_type.as_str(),
        t.rows,
        t.index_name
    )
}

/// The JSON document of a report.
pub fn report_json(r: &TierReport) -> Value {
    json!({
        "threshold": r.threshold,
        "applied": r.applied,
        "tiers": r.tiers.iter().map(|t| json!({
            "tenant": t.tenant_id,
            "entity_type": t.entity_type.as_str(),
            "rows": t.rows,
            "action": format!("{:?}", t.action).to_lowercase(),
            "index": t.index_name,
            "index_bytes": t.index_bytes,
            "ef_search": t.ef_search.filter(|_| !t.hamming_list()),
            "rerank_candidates": t.ef_search.filter(|_| t.hamming_list()),
            "hnsw_m": t.hnsw_m,
            "quantized": t.quantized,
            "hamming_list": t.hamming_list(),
            "ef_measured": t.measured.map(|m| json!({
                "recall": m.recall,
                "reached_target": m.reached,
            })),
            "build_memory_mb": t.build_memory_mb,
            "build_seconds": t.build_seconds,
            "measured_rows": t.measured_rows,
            "remeasure_from_rows": t.remeasure_from(r.threshold),
        })).collect::<Vec<Value>>(),
        "orphan_indexes": r.orphans,
        "shared_index": r.shared_index,
        "memory_capped": r.memory_capped,
    })
}

/// The report as text, one tier a line (also `inspect`).
pub fn report_text(r: &TierReport) -> String {
    let mut s = format!(
        "search tiers (threshold {} rows; {}):\n",
        r.threshold,
        if r.applied {
            "applied"
        } else {
            "plan, dry run"
        }
    );
    if r.tiers.is_empty() {
        s.push_str("  no embeddings\n");
    }
    for t in &r.tiers {
        let route = match t.action {
            TierAction::Keep
            | TierAction::Build
            | TierAction::Rebuild
            | TierAction::Reindex
            | TierAction::Convert
            | TierAction::Remeasure => {
                format!(
                    "{}{}",
                    match (t.quantized, t.hamming_list()) {
                        (true, true) => format!(
                            "Hamming list, {} candidates re-ranked",
                            truthgraph_db::tiers::list_rerank_candidates(t.ef_search, t.rows)
                        ),
                        (quantized, _) => format!(
                            "{}, ef_search {}",
                            if quantized {
                                "quantized index (re-ranked)"
                            } else {
                                "index"
                            },
                            t.ef_search
                                .map_or_else(|| "of the connection".into(), |e| e.to_string())
                        ),
                    },
                    t.measured
                        .map(|m| format!(
                            " (recall {:.3} measured{}{})",
                            m.recall,
                            t.hnsw_m
                                .filter(|m| *m != truthgraph_db::tiers::HNSW_M)
                                .map(|m| format!(", m {m}"))
                                .unwrap_or_default(),
                            if m.reached { "" } else { ", below target" }
                        ))
                        .unwrap_or_default()
                )
            }
            TierAction::Exact | TierAction::Drop => "exact".to_string(),
        };
        s.push_str(&format!(
            "  {:<24} {:<8} {:>10} rows  {:<44} {}\n",
            t.tenant_id,
            t.entity_type.as_str(),
            t.rows,
            route,
            describe_action(t, r)
        ));
    }
    for o in &r.orphans {
        s.push_str(&format!(
            "  {o}: its tenant has no embeddings left: dropped\n"
        ));
    }
    if let Some(shared) = &r.shared_index {
        s.push_str(&format!(
            "  {shared}: the index over every tenant kept by V10; dropped once every tier is built\n"
        ));
    }
    if r.memory_capped {
        s.push_str(
            "  the largest build wants more memory than allowed: it runs slower \
             (raise --max-build-memory-mb or TRUTHGRAPH_MAX_BUILD_MEMORY_MB)\n",
        );
    }
    if !r.applied
        && r.tiers
            .iter()
            .any(|t| t.action != TierAction::Keep && t.action != TierAction::Exact)
    {
        s.push_str("  (`truthgraph-db tiers --apply` carries the plan out)\n");
    }
    s
}

/// The index and what happens to it (or happened, once applied); for a
/// kept or re-measured one, the rows it was measured at and from which it
/// is measured again.
fn describe_action(t: &TierPlan, r: &TierReport) -> String {
    let bytes = t
        .index_bytes
        .map(|b| format!(" ({} MB)", b / (1 << 20)))
        .unwrap_or_default();
    let measured = match (t.measured_rows, t.remeasure_from(r.threshold)) {
        (Some(at), Some(from)) => format!(", measured at {at} rows, again from {from}"),
        _ => String::new(),
    };
    match t.action {
        TierAction::Keep => format!("{}{bytes}{measured}", t.index_name),
        TierAction::Exact => String::new(),
        TierAction::Build => format!("build {}", t.index_name),
        TierAction::Rebuild => format!("rebuild {} (invalid)", t.index_name),
        TierAction::Reindex => format!(
            "reindex {} ({}rows deleted or re-written)",
            t.index_name,
            t.index_bytes
                .map(|b| format!("{} MB, ", b / (1 << 20)))
                .unwrap_or_default()
        ),
        TierAction::Drop => format!("drop {}{bytes}", t.index_name),
        TierAction::Convert => format!("convert {}{bytes}", t.index_name),
        TierAction::Remeasure if r.applied => {
            format!("measured {}{bytes} again{measured}", t.index_name)
        }
        TierAction::Remeasure => format!(
            "measure {}{bytes} again{}",
            t.index_name,
            t.measured_rows
                .map(|at| format!(" (measured at {at} rows)"))
                .unwrap_or_default()
        ),
    }
}
