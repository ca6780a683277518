//! `reindex [--concurrently]`: drop what interrupted rebuilds left, rebuild
//! the vector indexes and refresh statistics, then bring the tenants' own
//! indexes in line with the data (as `tiers --apply`).

use serde_json::{Value, json};
use truthgraph_db::Database;
use truthgraph_db::index_build::DropReason;

use crate::context::Context;
use crate::output::{Output, Progress};

/// Rebuild the vector indexes (after a bulk load) and refresh statistics; first drop the invalid leftovers of interrupted rebuilds.
///
/// Without --concurrently, REINDEX blocks writes to embeddings and searches through the
/// index until each index is rebuilt (fastest; right after a bulk load). With
/// --concurrently, reads and writes go on. Progress from pg_stat_progress_create_index
/// goes to stderr.
#[derive(clap::Args)]
pub struct Args {
    /// REINDEX INDEX CONCURRENTLY: keep the database available while it rebuilds.
    #[arg(long)]
    concurrently: bool,
}

pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database_json(async |db, out| reindex(db, args.concurrently, out).await)
        .await
}

/// Rebuilds, with build progress on stderr.
async fn reindex(db: &Database, concurrently: bool, out: &Output) -> anyhow::Result<()> {
    let mut bar: Option<Progress> = None;
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
            "tiers_built": report.tiers_built,
            "tiers_dropped": report.tiers_dropped,
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
    for name in &report.tiers_built {
        println!("reindex: built {name} (a tenant's own index: it reached the tier threshold)");
    }
    for name in &report.tiers_dropped {
        println!("reindex: dropped {name} (no longer needed by the search tiers)");
    }
    if report.rebuilt.is_empty() {
        println!("reindex: no vector index on embeddings");
    }
    Ok(())
}
