//! `distribute [--shard-count N]`: a migrated database on a Citus
//! coordinator made distributed by tenant, with its data.

use anyhow::Context as _;
use truthgraph_db::{Database, DistributeOptions};

use crate::context::Context;

/// Distribute a database migrated to V12+ on a Citus coordinator by tenant_id, with its data (one transaction).
///
/// Tenant tables are hash-distributed by tenant_id and co-located with claims;
/// truthgraph_settings (and truthgraph_tiers) become reference tables. It drops
/// V12's single-node bridges: writers must then send tenant_id and upsert on
/// (tenant_id, entity_type, entity_id) (docs/scaling.md). Citus (AGPL-3.0) is
/// the server's extension; this tool does not link it.
#[derive(clap::Args)]
pub struct Args {
    /// Shards per tenant table (default: the server's citus.shard_count, 32).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096))]
    shard_count: Option<u32>,
}

pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database(async |db| distribute(db, args.shard_count).await)
        .await
}

async fn distribute(db: &Database, shard_count: Option<u32>) -> anyhow::Result<()> {
    let report = db
        .distribute(&DistributeOptions { shard_count })
        .await
        .context("distribute failed, nothing was changed")?;
    if !report.changed {
        println!("distribute: already distributed, nothing to do");
        return Ok(());
    }
    println!(
        "distribute: {} tables by tenant_id ({}), {} reference tables ({}), {} rows, {:.1} s",
        report.distributed.len(),
        report.distributed.join(", "),
        report.reference.len(),
        report.reference.join(", "),
        report.rows,
        report.took.as_secs_f64()
    );
    Ok(())
}
