//! Operator commands: inspect (usage, sizes, orphans, advice), reindex and
//! prune-embeddings.

use anyhow::Context;
use truthgraph_db::Database;
use truthgraph_db::maintenance::{DropReason, OrphanEmbeddings};

pub async fn inspect(db: &Database) -> anyhow::Result<()> {
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
    println!("\nvector index advice:");
    for a in db.tuning_advice().await? {
        for line in &a.advice {
            println!("  {} ({}): {line}", a.index, a.method);
        }
    }
    Ok(())
}

pub async fn reindex(db: &Database) -> anyhow::Result<()> {
    let report = db.reindex_vector_indexes().await.map_err(|e| {
        let after = if e.is_connection_error() {
            "The connection was lost: run reindex again, it drops what the interrupted \
             rebuild left"
        } else if e.to_string().contains("maintenance_work_mem") {
            "The indexes in use are unchanged and nothing invalid was left; raise \
             maintenance_work_mem (ALTER DATABASE … SET maintenance_work_mem, or \
             postgresql.conf) and run reindex again"
        } else {
            "The indexes in use are unchanged and nothing invalid was left"
        };
        anyhow::anyhow!("reindex failed: {e}. {after}")
    })?;
    for d in &report.dropped {
        let why = match &d.reason {
            DropReason::Leftover => "invalid leftover of an interrupted concurrent build".into(),
            DropReason::Duplicate { of } => format!("a duplicate of {of}"),
        };
        println!(
            "reindex: dropped {} ({why}, {} bytes)",
            d.name, d.size_bytes
        );
    }
    for name in &report.rebuilt {
        if report.repaired.contains(name) {
            println!("reindex: rebuilt {name} (was invalid, now valid)");
        } else {
            println!("reindex: rebuilt {name}");
        }
    }
    if report.rebuilt.is_empty() {
        println!("reindex: no vector index on embeddings");
    }
    Ok(())
}

/// `prune-embeddings [--dry-run]`: deletes (or lists) the embeddings whose
/// entity is missing or another tenant's.
pub async fn prune_embeddings(db: &Database, dry_run: bool) -> anyhow::Result<()> {
    let rows = if dry_run {
        db.orphan_embeddings().await
    } else {
        db.delete_orphan_embeddings().await
    }
    .context("prune-embeddings failed, nothing was deleted")?;
    let total: i64 = rows
        .iter()
        .map(|o| o.missing_entity + o.foreign_entity)
        .sum();
    for o in &rows {
        println!("prune-embeddings: {}", orphan_line(o));
    }
    if dry_run {
        println!("prune-embeddings: would delete {total} embeddings (dry run: nothing deleted)");
    } else {
        println!("prune-embeddings: deleted {total} embeddings");
    }
    Ok(())
}

fn orphan_line(o: &OrphanEmbeddings) -> String {
    format!(
        "tenant {:?} {}: {} with no entity, {} pointing at another tenant's entity",
        o.tenant_id, o.entity_type, o.missing_entity, o.foreign_entity
    )
}
