//! `adopt`: take over a database the Python services created.

use crate::commands::migrate::versions;
use crate::context::Context;

/// Adopt a database created by the Python services: check it against V1/V2, record that version, migrate forward.
#[derive(clap::Args)]
pub struct Args {}

pub async fn run(_: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database(async |db| {
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
    })
    .await
}
