//! `status`: versions, tables, vector indexes and pgvector.

use serde_json::json;
use truthgraph_db::Database;
use truthgraph_db::catalog::{VectorIndex, is_build_leftover};
use truthgraph_db::migrate::VersionState;

use crate::context::Context;
use crate::output::Output;

/// Print versions (applied, pending, divergent, missing), tables, vector indexes and pgvector.
#[derive(clap::Args)]
pub struct Args {}

pub async fn run(_: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database_json(async |db, out| status(db, out).await)
        .await
}

async fn status(db: &Database, out: &Output) -> anyhow::Result<()> {
    let s = db.status().await?;
    if !out.json {
        print!("{s}");
        return Ok(());
    }
    out.json(&json!({
        "server_version": s.server_version,
        "pgvector_version": s.pgvector_version,
        "pgvector_available": s.pgvector_available,
        "version": s.current_version(),
        "pending": s.pending(),
        "migrations": s.versions.iter().map(|(v, name, state)| {
            let (state, applied_on) = match state {
                VersionState::Applied { applied_on } => ("applied", Some(applied_on.to_string())),
                VersionState::Pending => ("pending", None),
                VersionState::Divergent => ("divergent", None),
                VersionState::Missing => ("missing", None),
            };
            json!({"version": v, "name": name, "state": state, "applied_on": applied_on})
        }).collect::<Vec<_>>(),
        "tables": s.tables.iter().map(|(t, rows)| json!({"table": t, "rows_estimate": rows})).collect::<Vec<_>>(),
        "dimension": s.dimension,
        "vector_indexes": s.vector_indexes.iter().map(index_json).collect::<Vec<_>>(),
    }));
    Ok(())
}

/// A vector index as JSON.
fn index_json(ix: &VectorIndex) -> serde_json::Value {
    json!({
        "index": ix.index_name,
        "table": ix.table_name,
        "method": ix.method,
        "opclass": ix.opclass,
        "options": ix.options,
        "valid": ix.is_valid,
        "leftover": is_build_leftover(ix),
        "size_bytes": ix.size_bytes,
    })
}
