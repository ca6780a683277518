//! The command line: the global options every verb takes, and the verbs.
//!
//! Each verb's own options and help text are the `Args` of its module
//! (`commands/<verb>.rs`); this enum only names them, in `--help` order.

use clap::{ArgAction, Parser, Subcommand};

use crate::commands::{
    adopt, bench, demo, distribute, doctor, inspect, load, migrate, prune_embeddings, reindex,
    rollback, search, set_dimension, sql, stats, status, tiers, tune,
};

/// The exit statuses, as `--help` prints them.
const EXIT_CODES: &str = "Exit status: 0 success; 1 failure (one line on stderr, -v for details); \
2 usage error; 3 doctor: warnings only; 4 doctor: at least one error.

DATABASE_URL is read from the environment, else from ./.env (the environment wins); \
--database-url overrides both. Without any, the embedded PostgreSQL in TRUTHGRAPH_PGDATA \
(default .truthgraph/pgdata) runs for the length of the command.";

#[derive(Parser)]
#[command(
    name = "truthgraph-db",
    version,
    about = "TruthGraph database: migrations, loading, search, health checks, statistics, tuning",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

// The options every verb takes (`global = true`: before or after the verb).
#[derive(clap::Args)]
pub struct Global {
    /// PostgreSQL URL (postgresql://user:pass@host:port/db); overrides DATABASE_URL and .env.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Print one JSON document on stdout instead of text (commands that print data).
    #[arg(long, global = true)]
    pub json: bool,
    /// More output: the full error on failure; -v logs at info, -vv at debug (RUST_LOG wins).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// No progress or notes on stderr (errors are still printed).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Work on this database of the server instead of the one in the URL
    /// (for the embedded server: instead of `postgres`), e.g. one `bench --keep` left.
    #[arg(long, global = true)]
    pub database: Option<String>,
}

// The verbs; each one's help is the doc comment of its `Args`.
#[derive(Subcommand)]
pub enum Command {
    Demo(demo::Args),
    Migrate(migrate::Args),
    Rollback(rollback::Args),
    Status(status::Args),
    SetDimension(set_dimension::Args),
    Sql(sql::Args),
    Adopt(adopt::Args),
    Inspect(inspect::Args),
    Load(load::Args),
    Search(search::Args),
    Doctor(doctor::Args),
    Stats(stats::Args),
    Reindex(reindex::Args),
    PruneEmbeddings(prune_embeddings::Args),
    Distribute(distribute::Args),
    Tiers(tiers::Args),
    Tune(tune::Args),
    Bench(bench::Args),
}
