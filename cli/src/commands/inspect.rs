//! Operator commands: inspect (usage, sizes, orphans, advice), stats,
//! reindex and prune-embeddings.

use anyhow::Context;
use serde_json::{Value, json};
use truthgraph_db::Database;
use truthgraph_db::index_build::DropReason;
use truthgraph_db::maintenance::OrphanEmbeddings;

use crate::output::Output;

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

/// `stats`: rows per table and per tenant / entity type / model, sizes, index usage.
pub async fn stats(db: &Database, out: &Output) -> anyhow::Result<()> {
    let tables = db.table_sizes().await?;
    let counts = db.tenant_counts().await?;
    let indexes = db.index_usage().await?;
    if out.json {
        out.json(&json!({
            "tables": tables.iter().map(|t| json!({
                "table": t.table_name,
                "live_rows": t.live_rows,
                "table_bytes": t.table_bytes,
                "index_bytes": t.index_bytes,
                "total_bytes": t.total_bytes,
            })).collect::<Vec<Value>>(),
            "rows": counts.iter().map(|c| json!({
                "table": c.table_name,
                "tenant_id": c.tenant_id,
                "entity_type": c.entity_type,
                "model_name": c.model_name,
                "rows": c.rows,
            })).collect::<Vec<Value>>(),
            "indexes": indexes.iter().map(|i| json!({
                "index": i.index_name,
                "table": i.table_name,
                "scans": i.scans,
                "tuples_read": i.tuples_read,
                "size_bytes": i.size_bytes,
                "valid": i.is_valid,
            })).collect::<Vec<Value>>(),
        }));
        return Ok(());
    }
    println!("tables (live rows from the statistics collector; sizes in bytes):");
    println!(
        "  {:<24} {:>10} {:>12} {:>12} {:>12}",
        "table", "rows", "heap", "indexes", "total"
    );
    for t in &tables {
        println!(
            "  {:<24} {:>10} {:>12} {:>12} {:>12}",
            t.table_name, t.live_rows, t.table_bytes, t.index_bytes, t.total_bytes
        );
    }
    println!("\nrows per tenant (exact counts):");
    if counts.is_empty() {
        println!("  (no claims, evidence or embeddings)");
    }
    for c in &counts {
        let detail = match (&c.entity_type, &c.model_name) {
            (Some(t), Some(m)) => format!(" {t:<8} {m}"),
            _ => String::new(),
        };
        println!(
            "  {:<12} {:<20} {:>10}{detail}",
            c.table_name,
            format!("{:?}", c.tenant_id),
            c.rows
        );
    }
    println!("\nindex usage (least used first):");
    for i in &indexes {
        println!(
            "  {:<44} on {:<22} {:>8} scans {:>10} tuples read {:>10} bytes{}",
            i.index_name,
            i.table_name,
            i.scans,
            i.tuples_read,
            i.size_bytes,
            if i.is_valid { "" } else { "  INVALID" }
        );
    }
    Ok(())
}

/// `reindex [--concurrently]`, with build progress on stderr.
pub async fn reindex(db: &Database, concurrently: bool, out: &Output) -> anyhow::Result<()> {
    let mut bar: Option<crate::output::Progress> = None;
    let mut phase = String::new();
    let report = db
        .reindex_vector_indexes_with(concurrently, |p| {
            let (done, total) = if p.blocks_total > 0 {
                (p.blocks_done, p.blocks_total)
            } else {
                (p.tuples_done, p.tuples_total)
            };
            let now = p.phase.clone().unwrap_or_else(|| "building".into());
            if now != phase || bar.is_none() {
                phase = now.clone();
                out.note(format_args!("reindex: {now}"));
                bar = Some(out.progress(
                    if p.blocks_total > 0 {
                        "blocks"
                    } else {
                        "tuples"
                    },
                    total.max(0) as u64,
                ));
            }
            if let Some(b) = bar.as_mut() {
                b.set(done.max(0) as u64);
            }
        })
        .await
        .map_err(|e| {
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
    let how = if concurrently {
        "concurrently"
    } else {
        "blocking writes"
    };
    if out.json {
        out.json(&json!({
            "concurrently": concurrently,
            "dropped": report.dropped.iter().map(|d| json!({
                "index": d.name,
                "size_bytes": d.size_bytes,
                "reason": match &d.reason {
                    DropReason::Leftover => "leftover".to_string(),
                    DropReason::Duplicate { of } => format!("duplicate of {of}"),
                },
            })).collect::<Vec<Value>>(),
            "rebuilt": report.rebuilt,
            "repaired": report.repaired,
        }));
        return Ok(());
    }
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
            println!("reindex: rebuilt {name} ({how}; was invalid, now valid)");
        } else {
            println!("reindex: rebuilt {name} ({how})");
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
