//! `migrate`: apply pending migrations (optionally switch the dimension),
//! then print the status.

use truthgraph_db::Database;

use crate::commands::set_dimension;
use crate::context::Context;

/// Apply pending migrations, then print the status.
#[derive(clap::Args)]
pub struct Args {
    /// Switch the embedding dimension afterwards (e.g. 384 for all-MiniLM-L6-v2); refused while embeddings has rows.
    #[arg(long)]
    dimension: Option<usize>,
    /// Stop at this version instead of the latest.
    #[arg(long)]
    to: Option<i32>,
}

pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database(async |db| migrate(db, args).await).await
}

async fn migrate(db: &Database, args: Args) -> anyhow::Result<()> {
    let applied = db.migrate(args.to).await?;
    if applied.is_empty() {
        println!("migrate: already up to date");
    } else {
        println!("migrate: applied {}", versions(&applied));
    }
    if let Some(d) = args.dimension {
        set_dimension::switch(db, d).await?;
    }
    println!();
    print!("{}", db.status().await?);
    Ok(())
}

/// `V1, V2, V3`.
pub fn versions(v: &[i32]) -> String {
    v.iter()
        .map(|v| format!("V{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
