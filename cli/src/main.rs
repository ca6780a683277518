//! `truthgraph-db`: migrate, roll back, load, search, check, inspect and tune
//! a TruthGraph database.
//!
//! Every command honours `--database-url`, else `DATABASE_URL` (from the
//! environment, else from a `.env` file in the working directory: real
//! environment variables win); without either, it starts the embedded
//! PostgreSQL on `TRUTHGRAPH_PGDATA` (default `.truthgraph/pgdata`) for the
//! length of the command. The CLI connects as whoever the URL names, normally
//! the owner of the tables, whom row-level security does not restrict.
//!
//! Exit status: 0 success; 1 failure, with a one-line reason on stderr (`-v`
//! adds the details); 2 usage error (clap); 3 `doctor` found warnings only;
//! 4 `doctor` found at least one error. With `--json`, every command that
//! prints data prints exactly one JSON document on stdout; progress and notes
//! go to stderr (`-q` silences them).
//!
//! Layout: the options are `options.rs`; each verb is a module of
//! `commands/` with its `Args` and `run`; `commands::run` dispatches;
//! `context.rs` opens the database the global options name.

mod commands;
mod context;
mod dataset;
mod options;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::context::Context;
use crate::options::Cli;

fn main() -> ExitCode {
    let Cli { global, command } = Cli::parse();
    let (verbose, quiet) = (global.verbose, global.quiet);
    init_logging(verbose);
    let cx = Context::new(global, read_dotenv());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(commands::run(command, &cx)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            report(&e, verbose, quiet);
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr at warn, info (`-v`) or debug (`-vv`); `RUST_LOG` wins.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)),
        )
        .with_writer(std::io::stderr)
        .init();
}

/// Fills in, from `./.env`, the variables the environment lacks (it never
/// overrides one that is set). A file that cannot be read is reported by the
/// first command that reads the configuration.
fn read_dotenv() -> Result<(), String> {
    let env_file = std::path::Path::new(".env");
    if !env_file.is_file() {
        return Ok(());
    }
    dotenvy::from_path(env_file).map_err(|e| e.to_string())
}

/// A failure on stderr: its first line, then the rest with `-v` (or a hint
/// that there is more, unless `-q`).
fn report(e: &anyhow::Error, verbose: u8, quiet: bool) {
    let text = format!("{e:#}");
    let mut lines = text.lines();
    eprintln!("error: {}", lines.next().unwrap_or("failed"));
    let rest: Vec<&str> = lines.collect();
    if !rest.is_empty() {
        if verbose > 0 {
            eprintln!("{}", rest.join("\n"));
        } else if !quiet {
            eprintln!("(run with --verbose for details)");
        }
    }
}
