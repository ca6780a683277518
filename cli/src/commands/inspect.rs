//! `inspect`: table sizes, index usage, orphan embeddings, the search
//! settings in force, the search tiers (which tenants have an index of their
//! own, which are searched exactly, `ef_search` per tier) and vector index
//! advice.

use truthgraph_db::Database;
use truthgraph_db::index_build::TierOptions;
use truthgraph_db::maintenance::OrphanEmbeddings;

use crate::context::Context;

/// Index usage, table sizes and vector index tuning advice.
#[derive(clap::Args)]
pub struct Args {}

pub async fn run(_: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database(async |db| inspect(db).await).await
}

async fn inspect(db: &Database) -> anyhow::Result<()> {
    println!("tables:");
    for t in db.table_sizes().await? {
        println!(
            "  {:<24} {:>10} rows {:>12} bytes (indexes {} bytes)",
            t.table_name, t.live_rows, t.total_bytes, t.index_bytes
        );
    }
    println!("\nindexes (least used first):");
    for i in db.index_usage().await? {
        println!(
            "  {:<44} on {:<22} {:>8} scans {:>10} bytes{}",
            i.index_name,
            i.table_name,
            i.scans,
            i.size_bytes,
            if i.is_valid {
                ""
            } else {
                "  INVALID (never used; see the advice below)"
            }
        );
    }
    println!("\norphan embeddings (entity missing or another tenant's):");
    let orphans = db.orphan_embeddings().await?;
    if orphans.is_empty() {
        println!("  none");
    }
    for o in &orphans {
        println!("  {}", orphan_line(o));
    }
    if !orphans.is_empty() {
        println!("  (`truthgraph-db prune-embeddings` deletes them)");
    }
    let d = db.search_defaults();
    println!("\nsearch settings in force on this process's connections:");
    println!(
        "  hnsw.ef_search = {} ({:?})",
        d.ef_search, d.ef_search_origin
    );
    println!("  ivfflat.probes = {} ({:?})", d.probes, d.probes_origin);
    for s in db.stored_settings().await? {
        println!(
            "  stored by tune: {} = {} measured {} at {} rows, recall {:.4}, p50 {:.3} ms",
            s.name,
            s.value,
            s.measured_at,
            s.rows_measured.unwrap_or_default(),
            s.recall.unwrap_or_default(),
            s.p50_ms.unwrap_or_default()
        );
    }
    println!();
    match db.maintain_tiers(&TierOptions::default()).await {
        Ok(plan) => print!("{}", super::tiers::report_text(&plan)),
        Err(e) => println!("search tiers: not available ({e})"),
    }
    println!("\nvector index advice:");
    for a in db.tuning_advice().await? {
        for line in &a.advice {
            println!("  {} ({}): {line}", a.index, a.method);
        }
    }
    Ok(())
}

/// One tenant's orphan embeddings on one line (also `prune-embeddings`).
pub fn orphan_line(o: &OrphanEmbeddings) -> String {
    format!(
        "tenant {:?} {}: {} with no entity, {} pointing at another tenant's entity",
        o.tenant_id, o.entity_type, o.missing_entity, o.foreign_entity
    )
}
