//! `prune-embeddings [--dry-run]`: delete the embeddings whose entity is
//! missing or another tenant's.

use anyhow::Context as _;
use truthgraph_db::Database;

use crate::commands::inspect::orphan_line;
use crate::context::Context;

/// Delete the embeddings whose entity is missing or another tenant's (one statement: all or nothing).
#[derive(clap::Args)]
pub struct Args {
    /// Only list what would be deleted.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database(async |db| prune_embeddings(db, args.dry_run).await)
        .await
}

/// `prune-embeddings [--dry-run]`: deletes (or lists) the embeddings whose
/// entity is missing or another tenant's.
async fn prune_embeddings(db: &Database, dry_run: bool) -> anyhow::Result<()> {
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
