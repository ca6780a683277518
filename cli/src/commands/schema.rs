//! Schema commands: migrate, rollback, status, set-dimension, sql, adopt.

use anyhow::Context;
use serde_json::json;
use truthgraph_db::Database;
use truthgraph_db::migrate::{self, VersionState, latest_version};

use crate::output::Output;

/// `V1, V2, V3`.
fn versions(v: &[i32]) -> String {
    v.iter()
        .map(|v| format!("V{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn migrate(
    db: &Database,
    to: Option<i32>,
    dimension: Option<usize>,
) -> anyhow::Result<()> {
    let applied = db.migrate(to).await?;
    if applied.is_empty() {
        println!("migrate: already up to date");
    } else {
        println!("migrate: applied {}", versions(&applied));
    }
    if let Some(d) = dimension {
        set_dimension(db, d).await?;
    }
    println!();
    print!("{}", db.status().await?);
    Ok(())
}

pub async fn rollback(db: &Database, to: i32) -> anyhow::Result<()> {
    let undone = db.rollback(to).await?;
    if undone.is_empty() {
        println!("rollback: nothing newer than version {to} is applied");
    } else {
        println!("rollback: undid {}", versions(&undone));
    }
    Ok(())
}

pub async fn status(db: &Database, out: &Output) -> anyhow::Result<()> {
    let s = db.status().await?;
    if !out.json {
        print!("{s}");
        return Ok(());
    }
    out.json(&json!({
        "server_version": s.server_version,
        "pgvector_version": s.pgvector_version,
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

/// A vector index as JSON (status, doctor).
pub fn index_json(ix: &truthgraph_db::catalog::VectorIndex) -> serde_json::Value {
    json!({
        "index": ix.index_name,
        "table": ix.table_name,
        "method": ix.method,
        "opclass": ix.opclass,
        "options": ix.options,
        "valid": ix.is_valid,
        "leftover": truthgraph_db::catalog::is_build_leftover(ix),
        "size_bytes": ix.size_bytes,
    })
}

pub async fn set_dimension(db: &Database, dimension: usize) -> anyhow::Result<()> {
    let before = db.set_dimension(dimension).await?;
    if before == dimension {
        println!("set-dimension: already {dimension}");
    } else {
        println!(
            "set-dimension: embeddings.embedding is now vector({dimension}) (was {before}); vector indexes recreated"
        );
    }
    Ok(())
}

pub async fn adopt(db: &Database) -> anyhow::Result<()> {
    let a = db.adopt().await?;
    if a.recorded == 0 {
        println!("adopt: nothing to adopt (empty or already managed database)");
    }
    for note in &a.notes {
        println!("adopt: {note}");
    }
    if !a.applied.is_empty() {
        println!("adopt: then applied {}", versions(&a.applied));
    }
    Ok(())
}

pub fn offline_sql(from: Option<i32>, rollback_to: Option<i32>) -> anyhow::Result<()> {
    match rollback_to {
        Some(to) => {
            let from = from.unwrap_or_else(latest_version);
            print!(
                "{}",
                migrate::rollback_script(from, to).context("rollback script")?
            );
        }
        None => print!("{}", migrate::migrate_script(from.unwrap_or(0), None)),
    }
    Ok(())
}
