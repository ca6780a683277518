//! `truthgraph-db`: migrate, roll back, inspect and tune a TruthGraph database.
//!
//! Every command honours `DATABASE_URL`; without it, it starts the embedded
//! PostgreSQL on `TRUTHGRAPH_PGDATA` (default `.truthgraph/pgdata`) for the
//! length of the command. Exit status 0 on success; otherwise 1 and a
//! one-line reason on stderr.

mod bench;
mod dataset;
mod demo;
mod inspect;
mod schema;
mod tune;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use truthgraph_db::{Config, Database};

#[derive(Parser)]
#[command(
    name = "truthgraph-db",
    version,
    about = "TruthGraph database: migrations, status, tuning"
)]
struct Cli {
    /// Print the full error (e.g. the embedded server's log) on failure.
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Work on this database of the server instead of the one in the URL
    /// (for the embedded server: instead of `postgres`), e.g. one `bench --keep` left.
    #[arg(long, global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load real text with real embeddings into tenant `demo` of database truthgraph_demo, search it, print a report.
    ///
    /// The first N passages of benches/data/minilm (all-MiniLM-L6-v2, 384 dims) become evidence, five held-out
    /// sentences of the set become claims; for each claim it prints the vector top 3, the hybrid (full text +
    /// vector) top 3 and the time of every step. Creates and migrates truthgraph_demo on the server (embedded or
    /// DATABASE_URL) if missing; a second run reuses the loaded corpus. `--database NAME` runs it in NAME instead,
    /// which is switched to 384 dimensions if its embeddings table is empty and refused otherwise.
    Demo {
        /// Passages to load (the first N of the set; the sample claims' best passages are in the first 3000).
        #[arg(long, default_value_t = demo::DEFAULT_PASSAGES)]
        passages: usize,
        /// The data set directory.
        #[arg(long, default_value_os_t = demo::default_data_dir())]
        data: PathBuf,
    },
    /// Apply pending migrations, then print the status.
    Migrate {
        /// Switch the embedding dimension afterwards (e.g. 384 for all-MiniLM-L6-v2); refused while embeddings has rows.
        #[arg(long)]
        dimension: Option<usize>,
        /// Stop at this version instead of the latest.
        #[arg(long)]
        to: Option<i32>,
    },
    /// Roll back to a version (0: remove everything), newest first.
    Rollback {
        /// The version to end at.
        #[arg(long)]
        to: i32,
    },
    /// Print versions (applied, pending, divergent, missing), tables, vector indexes and pgvector.
    Status,
    /// Switch embeddings.embedding to vector(N) and recreate its indexes; refused while it has rows.
    SetDimension {
        /// The new dimension, 1..=2000.
        dimension: usize,
    },
    /// Print, without connecting, the SQL that migrate (or a rollback) would run.
    Sql {
        /// Assume the database is at this version (default 0: empty; for a rollback: the latest).
        #[arg(long)]
        from: Option<i32>,
        /// Print the rollback to this version instead.
        #[arg(long)]
        rollback_to: Option<i32>,
    },
    /// Adopt a database created by the Python services: check it against V1/V2, record that version, migrate forward.
    Adopt,
    /// Index usage, table sizes and vector index tuning advice.
    Inspect,
    /// Rebuild the vector indexes (after a bulk load) and refresh statistics; first drop the invalid leftovers of interrupted rebuilds.
    Reindex,
    /// Delete the embeddings whose entity is missing or another tenant's (one statement: all or nothing).
    PruneEmbeddings {
        /// Only list what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Measure recall and latency of the vector index's settings on this database, store the cheapest that reaches --recall, advise (and with --apply run) a rebuild.
    Tune {
        /// Target recall@k against exact search (every tenant must reach it minus 0.03).
        #[arg(long, default_value_t = 0.98)]
        recall: f64,
        /// Rows per search.
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// Stored vectors to sample as queries, spread over the tenants.
        #[arg(long, default_value_t = 200)]
        sample: usize,
        /// Use the queries of a data set directory (queries.tgvec.gz) instead of sampled vectors.
        #[arg(long)]
        queries: Option<PathBuf>,
        /// Build the recommended index now (CREATE INDEX CONCURRENTLY, then swap it in).
        #[arg(long)]
        apply: bool,
    },
    /// Load a data set into a fresh database, measure candidate indexes and settings against exact search, print JSON.
    ///
    /// `bench load` is the bounded load test.
    #[command(args_conflicts_with_subcommands = true)]
    Bench {
        #[command(subcommand)]
        command: Option<BenchCommand>,
        /// A real embedding set (e.g. benches/data/minilm); without it, deterministic synthetic vectors.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Rows to load (at most the set's size with --data).
        #[arg(long, default_value_t = 10_000)]
        vectors: usize,
        /// Dimensions of synthetic vectors (ignored with --data).
        #[arg(long, default_value_t = 1536)]
        dim: usize,
        /// Queries to run (held out of the corpus).
        #[arg(long, default_value_t = 1000)]
        queries: usize,
        /// Tenant sizes in percent, comma-separated (one value: a single tenant).
        #[arg(long, value_delimiter = ',', default_value = "50,30,15,5")]
        tenants: Vec<u32>,
        /// Concurrent tasks for the throughput figure.
        #[arg(long, default_value_t = 10)]
        concurrency: usize,
        /// Index kinds to compare besides the default: hnsw, hnsw-strict, hnsw-off, hnsw32, ivfflat, ivfflat100, halfvec, bq (none: only exact and the default).
        #[arg(long, value_delimiter = ',', default_value = "hnsw,ivfflat")]
        indexes: Vec<String>,
        /// Rows per search.
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// Keep the bench database afterwards.
        #[arg(long)]
        keep: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Bounded load test: mixed calls from many tasks for a fixed time, then acknowledged writes against stored rows.
    ///
    /// Seeds a scratch database, runs --tasks tasks for --seconds of mixed search, hybrid search, new
    /// evidence with embeddings, NLI batches, verification writes and verdict reads, prints throughput
    /// and p50/p99 per operation, then compares acknowledged writes with stored rows. Exit status 1 on
    /// any error or any lost or unacknowledged row.
    Load(Box<bench::load::Args>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli.command, cli.database)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let text = format!("{e:#}");
            let mut lines = text.lines();
            eprintln!("error: {}", lines.next().unwrap_or("failed"));
            let rest: Vec<&str> = lines.collect();
            if !rest.is_empty() {
                if cli.verbose {
                    eprintln!("{}", rest.join("\n"));
                } else {
                    eprintln!("(run with --verbose for details)");
                }
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, database: Option<String>) -> anyhow::Result<()> {
    if let Command::Sql { from, rollback_to } = command {
        return schema::offline_sql(from, rollback_to);
    }
    let config = Config::from_env()?;
    if config.database_url.is_none() {
        eprintln!(
            "DATABASE_URL is unset: using the embedded PostgreSQL in {} \
             (maintenance_work_mem {} MB)",
            config.embedded_data_dir.display(),
            truthgraph_db::embedded::maintenance_work_mem_mb()
        );
    }
    if let Command::Demo { passages, data } = command {
        return demo::run(&config, database, demo::Args { data, passages }).await;
    }
    if let Command::Bench {
        command: Some(BenchCommand::Load(args)),
        ..
    } = command
    {
        return bench::load::run(&config, *args).await;
    }
    if let Command::Bench {
        command: None,
        data,
        vectors,
        dim,
        queries,
        tenants,
        concurrency,
        indexes,
        k,
        keep,
    } = command
    {
        let args = bench::Args {
            data,
            vectors,
            dim,
            queries,
            tenants,
            concurrency,
            keep,
            indexes,
            k,
        };
        return bench::run(&config, args).await;
    }
    let server = Database::open(&config).await?;
    let (db, server) = match database {
        Some(name) => {
            let url = truthgraph_db::embedded::with_database(server.url(), &name);
            (Database::connect(&config, &url).await?, Some(server))
        }
        None => (server, None),
    };
    let result = match command {
        Command::Migrate { dimension, to } => schema::migrate(&db, to, dimension).await,
        Command::Rollback { to } => schema::rollback(&db, to).await,
        Command::Status => schema::status(&db).await,
        Command::SetDimension { dimension } => schema::set_dimension(&db, dimension).await,
        Command::Adopt => schema::adopt(&db).await,
        Command::Inspect => inspect::inspect(&db).await,
        Command::Reindex => inspect::reindex(&db).await,
        Command::PruneEmbeddings { dry_run } => inspect::prune_embeddings(&db, dry_run).await,
        Command::Tune {
            recall,
            k,
            sample,
            queries,
            apply,
        } => {
            let args = tune::Args {
                recall,
                k,
                sample,
                queries,
                apply,
            };
            tune::tune(&db, args).await
        }
        Command::Sql { .. } | Command::Bench { .. } | Command::Demo { .. } => {
            unreachable!("handled above")
        }
    };
    db.close().await;
    if let Some(server) = server {
        server.close().await;
    }
    result
}
