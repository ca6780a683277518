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
//! Exit status ([`EXIT_CODES`]): 0 success; 1 failure, with a one-line
//! reason on stderr (`-v` adds the details); 2 usage error (clap); 3
//! `doctor` found warnings only; 4 `doctor` found at least one error.
//! With `--json`, every command that prints data prints exactly one JSON
//! document on stdout; progress and notes go to stderr (`-q` silences them).

mod commands;
mod dataset;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgAction, Parser, Subcommand};
use truthgraph_db::{Config, Database};
use uuid::Uuid;

use crate::commands::{bench, demo, doctor, inspect, load, schema, search, tune};
use crate::output::Output;

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
struct Cli {
    /// PostgreSQL URL (postgresql://user:pass@host:port/db); overrides DATABASE_URL and .env.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Print one JSON document on stdout instead of text (commands that print data).
    #[arg(long, global = true)]
    json: bool,
    /// More output: the full error on failure; -v logs at info, -vv at debug (RUST_LOG wins).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    verbose: u8,
    /// No progress or notes on stderr (errors are still printed).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
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
    /// Load claims, evidence and embeddings from a JSON Lines file (`-`: stdin).
    ///
    /// One record per line, each with a "kind":
    ///   {"kind":"claim","tenant_id":"acme","id":"<uuid>","text":"…","source_url":"…"}
    ///   {"kind":"evidence","tenant_id":"acme","id":"<uuid>","content":"…","source_url":"…","source_type":"…"}
    ///   {"kind":"embedding","tenant_id":"acme","entity_type":"claim|evidence","entity_id":"<uuid>","model_name":"…","embedding":[…]}
    /// A claim or evidence may carry "embedding":[…] and "model_name" (default
    /// text-embedding-3-small), stored as its embedding. source_url, source_type and
    /// model_version are optional. An embedding must belong to a claim or evidence of
    /// its tenant, in the file or already stored.
    ///
    /// Every line is checked before anything is written; one bad line (reported as
    /// `line N: field: reason`) means nothing is written. Then everything is written
    /// in ONE transaction, across tenants: all or nothing. With --batch N, a
    /// transaction commits every N rows (entities first, then embeddings), so a
    /// failure leaves the batches before it committed, as the output says.
    Load {
        /// The JSON Lines file, or `-` for standard input.
        file: PathBuf,
        /// Commit every N rows instead of once at the end.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        batch: Option<u64>,
    },
    /// Top-k evidence (or claims) of a tenant for a vector, by cosine similarity; prints the latency.
    ///
    /// The query vector is given inline (--vector '[0.1, …]'), in a file holding a JSON
    /// array (--vector-file, `-`: stdin), or is the stored embedding of a claim or evidence
    /// of the tenant (--like <id>; the entity itself is left out of the hits).
    #[command(group(clap::ArgGroup::new("query").required(true).args(["vector", "vector_file", "like"])))]
    Search {
        /// The tenant whose rows are searched.
        #[arg(long)]
        tenant: String,
        /// The query vector as a JSON array.
        #[arg(long, value_name = "JSON")]
        vector: Option<String>,
        /// A file with the query vector as a JSON array (`-`: stdin).
        #[arg(long, value_name = "FILE")]
        vector_file: Option<PathBuf>,
        /// Use the stored embedding of this claim or evidence.
        #[arg(long, value_name = "ENTITY_ID")]
        like: Option<Uuid>,
        /// Rows to return (1..=1000).
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// Search the tenant's claims instead of its evidence.
        #[arg(long)]
        claims: bool,
        /// Only evidence with this source_type.
        #[arg(long)]
        source_type: Option<String>,
        /// Compare every row instead of using the vector index (exact, slow).
        #[arg(long)]
        exact: bool,
        /// hnsw.ef_search for this search (1..=1000) instead of the tuned value.
        #[arg(long)]
        ef_search: Option<u32>,
        /// ivfflat.probes for this search instead of the tuned value.
        #[arg(long)]
        probes: Option<u32>,
    },
    /// Check the server, pgvector, migrations, indexes, settings and data; say what to do about each finding.
    ///
    /// Exit status 0 when every check passes, 3 with warnings only, 4 with at least one error.
    Doctor,
    /// Rows per table and per tenant / entity type / model, table and index sizes, index usage.
    Stats,
    /// Rebuild the vector indexes (after a bulk load) and refresh statistics; first drop the invalid leftovers of interrupted rebuilds.
    ///
    /// Without --concurrently, REINDEX blocks writes to embeddings and searches through the
    /// index until each index is rebuilt (fastest; right after a bulk load). With
    /// --concurrently, reads and writes go on. Progress from pg_stat_progress_create_index
    /// goes to stderr.
    Reindex {
        /// REINDEX INDEX CONCURRENTLY: keep the database available while it rebuilds.
        #[arg(long)]
        concurrently: bool,
    },
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
    let level = match cli.verbose {
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
    let out = Output {
        json: cli.json,
        quiet: cli.quiet,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let global = Global {
        database: cli.database,
        database_url: cli.database_url,
        out,
    };
    match runtime.block_on(run(cli.command, global)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let text = format!("{e:#}");
            let mut lines = text.lines();
            eprintln!("error: {}", lines.next().unwrap_or("failed"));
            let rest: Vec<&str> = lines.collect();
            if !rest.is_empty() {
                if cli.verbose > 0 {
                    eprintln!("{}", rest.join("\n"));
                } else if !cli.quiet {
                    eprintln!("(run with --verbose for details)");
                }
            }
            ExitCode::FAILURE
        }
    }
}

/// The global options every command gets.
struct Global {
    database: Option<String>,
    database_url: Option<String>,
    out: Output,
}

/// The configuration: `.env` in the working directory fills in variables the
/// environment lacks, then `--database-url` overrides `DATABASE_URL`.
fn config(database_url: Option<String>) -> anyhow::Result<Config> {
    let env_file = std::path::Path::new(".env");
    if env_file.is_file() {
        // from_path never overrides a variable that is already set.
        dotenvy::from_path(env_file)
            .map_err(|e| anyhow::anyhow!("reading .env in the working directory: {e}"))?;
    }
    let mut config = Config::from_env()?;
    if let Some(url) = database_url {
        config.database_url = Some(url);
    }
    Ok(config)
}

/// Runs one command; returns the exit status.
async fn run(command: Command, global: Global) -> anyhow::Result<u8> {
    let Global {
        database,
        database_url,
        out,
    } = global;
    if let Command::Sql { from, rollback_to } = command {
        schema::offline_sql(from, rollback_to)?;
        return Ok(0);
    }
    let config = config(database_url)?;
    if config.database_url.is_none() {
        out.note(format_args!(
            "DATABASE_URL is unset: using the embedded PostgreSQL in {} \
             (maintenance_work_mem {} MB)",
            config.embedded_data_dir.display(),
            truthgraph_db::embedded::maintenance_work_mem_mb()
        ));
    }
    if let Command::Demo { passages, data } = command {
        return demo::run(&config, database, demo::Args { data, passages })
            .await
            .map(|()| 0);
    }
    if let Command::Bench {
        command: Some(BenchCommand::Load(args)),
        ..
    } = command
    {
        bench::load::run(&config, *args).await?;
        return Ok(0);
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
        bench::run(&config, args).await?;
        return Ok(0);
    }
    if out.json && !command.prints_json() {
        anyhow::bail!("--json is not supported by this command (it prints text only)");
    }
    // Read the input before connecting: a malformed file never starts a server.
    let loaded = match &command {
        Command::Load { file, .. } => Some(load::read(file)?),
        _ => None,
    };
    let server = Database::open(&config).await?;
    let (db, server) = match database {
        Some(name) => {
            let url = truthgraph_db::embedded::with_database(server.url(), &name);
            (Database::connect(&config, &url).await?, Some(server))
        }
        None => (server, None),
    };
    let ok = |r: anyhow::Result<()>| r.map(|()| 0u8);
    let result = match command {
        Command::Migrate { dimension, to } => ok(schema::migrate(&db, to, dimension).await),
        Command::Rollback { to } => ok(schema::rollback(&db, to).await),
        Command::Status => ok(schema::status(&db, &out).await),
        Command::SetDimension { dimension } => ok(schema::set_dimension(&db, dimension).await),
        Command::Adopt => ok(schema::adopt(&db).await),
        Command::Inspect => ok(inspect::inspect(&db).await),
        Command::Stats => ok(inspect::stats(&db, &out).await),
        Command::Doctor => doctor::doctor(&db, &out).await,
        Command::Reindex { concurrently } => ok(inspect::reindex(&db, concurrently, &out).await),
        Command::Load { batch, .. } => {
            let records = loaded.expect("read above");
            ok(load::write(&db, records, batch, &out).await)
        }
        Command::Search {
            tenant,
            vector,
            vector_file,
            like,
            k,
            claims,
            source_type,
            exact,
            ef_search,
            probes,
        } => {
            let args = search::Args {
                tenant,
                vector,
                vector_file,
                like,
                k,
                claims,
                source_type,
                exact,
                ef_search,
                probes,
            };
            ok(search::search(&db, args, &out).await)
        }
        Command::PruneEmbeddings { dry_run } => ok(inspect::prune_embeddings(&db, dry_run).await),
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
            ok(tune::tune(&db, args).await)
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

impl Command {
    /// Whether the command honours `--json` (`bench` always prints JSON,
    /// `sql` prints SQL).
    fn prints_json(&self) -> bool {
        matches!(
            self,
            Command::Status
                | Command::Stats
                | Command::Doctor
                | Command::Reindex { .. }
                | Command::Load { .. }
                | Command::Search { .. }
        )
    }
}
