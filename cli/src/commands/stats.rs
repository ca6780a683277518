//! `stats`: rows per table and per tenant / entity type / model, table and
//! index sizes, index usage.

use serde_json::{Value, json};
use truthgraph_db::Database;

use crate::context::Context;
use crate::output::Output;

/// Rows per table and per tenant / entity type / model, table and index sizes, index usage.
#[derive(clap::Args)]
pub struct Args {}

pub async fn run(_: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database_json(async |db, out| stats(db, out).await)
        .await
}

async fn stats(db: &Database, out: &Output) -> anyhow::Result<()> {
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
