//! `set-dimension N`: switch `embeddings.embedding` to `vector(N)`.

use truthgraph_db::Database;

use crate::context::Context;

/// Switch embeddings.embedding to vector(N) and recreate its indexes; refused while it has rows.
#[derive(clap::Args)]
pub struct Args {
    /// The new dimension, 1..=2000.
    dimension: usize,
}

pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database(async |db| switch(db, args.dimension).await)
        .await
}

/// Switches the dimension and says what changed (also `migrate --dimension`).
pub async fn switch(db: &Database, dimension: usize) -> anyhow::Result<()> {
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
