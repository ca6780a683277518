//! The verbs, one module each: its `#[derive(clap::Args)] pub struct Args`
//! (options and help text) and its `run`. A verb that needs the database
//! runs on it through the [`Context`]: `with_database` for text, or
//! `with_database_json` when it honours `--json`.

pub mod adopt;
pub mod bench;
pub mod demo;
pub mod distribute;
pub mod doctor;
pub mod inspect;
pub mod load;
pub mod migrate;
pub mod prune_embeddings;
pub mod reindex;
pub mod rollback;
pub mod search;
pub mod set_dimension;
pub mod sql;
pub mod stats;
pub mod status;
pub mod tiers;
pub mod tune;

use crate::context::Context;
use crate::options::Command;

/// Runs one command; returns the exit status (0 unless `doctor` says otherwise).
pub async fn run(command: Command, cx: &Context) -> anyhow::Result<u8> {
    let done = |r: anyhow::Result<()>| r.map(|()| 0);
    match command {
        Command::Demo(args) => done(demo::run(args, cx).await),
        Command::Migrate(args) => done(migrate::run(args, cx).await),
        Command::Rollback(args) => done(rollback::run(args, cx).await),
        Command::Status(args) => done(status::run(args, cx).await),
        Command::SetDimension(args) => done(set_dimension::run(args, cx).await),
        // Offline: no configuration, no server.
        Command::Sql(args) => done(sql::run(args)),
        Command::Adopt(args) => done(adopt::run(args, cx).await),
        Command::Inspect(args) => done(inspect::run(args, cx).await),
        Command::Load(args) => done(load::run(args, cx).await),
        Command::Search(args) => done(search::run(args, cx).await),
        // 0, 3 or 4 by its findings.
        Command::Doctor(args) => doctor::run(args, cx).await,
        Command::Stats(args) => done(stats::run(args, cx).await),
        Command::Reindex(args) => done(reindex::run(args, cx).await),
        Command::Distribute(args) => done(distribute::run(args, cx).await),
        Command::PruneEmbeddings(args) => done(prune_embeddings::run(args, cx).await),
        Command::Tiers(args) => done(tiers::run(args, cx).await),
        Command::Tune(args) => done(tune::run(args, cx).await),
        Command::Bench(args) => done(bench::run(args, cx).await),
    }
}
