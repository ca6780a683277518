//! `sql`: the SQL that `migrate` or a rollback would run, without a
//! database.

use anyhow::Context as _;
use truthgraph_db::migrate::{self, latest_version};

/// Print, without connecting, the SQL that migrate (or a rollback) would run.
#[derive(clap::Args)]
pub struct Args {
    /// Assume the database is at this version (default 0: empty; for a rollback: the latest).
    #[arg(long)]
    from: Option<i32>,
    /// Print the rollback to this version instead.
    #[arg(long)]
    rollback_to: Option<i32>,
}

/// Prints the script; needs neither the configuration nor a server.
pub fn run(args: Args) -> anyhow::Result<()> {
    match args.rollback_to {
        Some(to) => {
            let from = args.from.unwrap_or_else(latest_version);
            print!(
                "{}",
                migrate::rollback_script(from, to).context("rollback script")?
            );
        }
        None => print!("{}", migrate::migrate_script(args.from.unwrap_or(0), None)),
    }
    Ok(())
}
