//! `rollback --to N`: run the down scripts of every newer version.

use crate::commands::migrate::versions;
use crate::context::Context;

/// Roll back to a version (0: remove everything), newest first.
#[derive(clap::Args)]
pub struct Args {
    /// The version to end at.
    #[arg(long)]
    to: i32,
}

pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database(async |db| {
        let undone = db.rollback(args.to).await?;
        if undone.is_empty() {
            println!(
                "rollback: nothing newer than version {} is applied",
                args.to
            );
        } else {
            println!("rollback: undid {}", versions(&undone));
        }
        Ok(())
    })
    .await
}
