//! Schema commands: migrate, rollback, status, set-dimension, sql, adopt.

use anyhow::Context;
use truthgraph_db::Database;
use truthgraph_db::migrate::{self, latest_version};

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
    status(db).await
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

pub async fn status(db: &Database) -> anyhow::Result<()> {
    print!("{}", db.status().await?);
    Ok(())
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
