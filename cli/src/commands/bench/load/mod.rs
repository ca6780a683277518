//! `truthgraph-db bench load`: a bounded load test.
//!
//! Seeds a scratch database with tenants of unequal size (claims, evidence
//! and their real embeddings, NLI results, verification results, verdicts
//! with linked evidence), then runs `--tasks` tokio tasks for `--seconds`,
//! each looping over a weighted mix of the calls a TruthGraph service makes,
//! all through the library's public `Tenant` API: vector search, hybrid
//! search, new evidence with its embedding (and now and then replacing an
//! earlier embedding), NLI batches, verification results, and reads of the
//! latest verification result and the latest verdict with its evidence.
//!
//! Every call's latency is recorded per kind; every `Ok` is an acknowledged
//! write of the rows it returned. Afterwards the rows stored per tenant and
//! table are counted and compared with seeded + acknowledged, and every
//! acknowledged id is looked up: the run passes only with zero errors, no
//! acknowledged row missing and no row stored that was not acknowledged (or
//! stored twice). The scratch database is dropped at the end unless `--keep`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use truthgraph_db::embedded::with_database;
use truthgraph_db::pgvector::Vector;
use truthgraph_db::{Config, Database, catalog, raw_sql};
use uuid::Uuid;

use super::{Progress, round};
use crate::dataset::{self, Dataset};

mod chaos;
mod check;
mod seed;
mod task;

use check::{count_rows, print_report};
use task::{Kind, KindStats, Shared, Weights, parse_mix, task};

/// Bounded load test: mixed calls from many tasks for a fixed time, then acknowledged writes against stored rows.
///
/// Seeds a scratch database, runs --tasks tasks for --seconds of mixed search, hybrid search, new
/// evidence with embeddings, NLI batches, verification writes and verdict reads, prints throughput
/// and p50/p99 per operation, then compares acknowledged writes with stored rows. Exit status 1 on
/// any error or any lost or unacknowledged row.
#[derive(clap::Args)]
pub struct Args {
    /// How long the tasks run, in seconds.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Concurrent tokio tasks; more than the pool's connections
    /// (TRUTHGRAPH_POOL_MAX_SIZE) makes callers wait for one.
    #[arg(long, default_value_t = 32)]
    tasks: usize,
    /// The real embedding set whose passages are the evidence and whose
    /// queries are the claims and search vectors.
    #[arg(long, default_value = "benches/data/minilm")]
    data: PathBuf,
    /// Use deterministic synthetic vectors of --dim dimensions instead of --data
    /// (a quick check, no files needed).
    #[arg(long)]
    synthetic: bool,
    /// Dimensions of --synthetic vectors.
    #[arg(long, default_value_t = 64)]
    dim: usize,
    /// Evidence rows to seed (at most the set's passages with --data).
    #[arg(long, default_value_t = 20_000)]
    vectors: usize,
    /// Claims to seed (at most the set's queries with --data); each gets an
    /// NLI batch, a verification result and a verdict with three evidence links.
    #[arg(long, default_value_t = 1000)]
    claims: usize,
    /// Tenant sizes in percent, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "50,30,15,5")]
    tenants: Vec<u32>,
    /// Weights of the operations, comma-separated `kind=weight`; kinds:
    /// search, hybrid, upsert, nli_batch, verify, verification_read, verdict_read.
    #[arg(
        long,
        default_value = "search=35,hybrid=15,upsert=15,nli_batch=10,verify=5,verification_read=10,verdict_read=10"
    )]
    mix: String,
    /// Seed of every task's random choices.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Also write the report as JSON to this file (e.g. benches/results/load-….json).
    /// (Not `--json`: that is the global flag for JSON on stdout.)
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Keep the scratch database afterwards.
    #[arg(long)]
    keep: bool,
    #[command(flatten)]
    chaos: chaos::ChaosArgs,
}

/// The operation kinds, in report order.
const K: usize = 10;
/// Evidence linked to each seeded verdict (and NLI results per seeded claim).
const LINKS: usize = 3;
/// Distinct error messages kept per kind.
const KEEP_ERRORS: usize = 5;
/// Model name of embeddings written by the load, and of replaced ones.
const MODEL_NEW: &str = "load";
const MODEL_REPLACED: &str = "load-replaced";
/// The tables whose rows are counted, in report order.
const TABLES: [&str; 7] = [
    "claims",
    "evidence",
    "embeddings",
    "nli_results",
    "verification_results",
    "verdicts",
    "verdict_evidence",
];

/// What the seed wrote for one tenant, for the tasks to read and reference.
struct TenantSeed {
    name: String,
    /// Claims with the index of their query (text and vector).
    claims: Vec<(Uuid, usize)>,
    /// Evidence with the index of its passage.
    evidence: Vec<(Uuid, usize)>,
}

/// Rows per table, per tenant.
type Counts = BTreeMap<(String, &'static str), i64>;

/// The writes a tenant's calls acknowledged (`Ok`), and those in doubt (`Err`).
#[derive(Default, Clone)]
struct Acked {
    evidence: Vec<Uuid>,
    /// Evidence whose new embedding was acknowledged.
    embeddings: Vec<Uuid>,
    /// Evidence whose embedding was replaced (acknowledged).
    replaced: Vec<Uuid>,
    nli: Vec<Uuid>,
    verification: Vec<Uuid>,
    /// Rows per table a failed call may or may not have written.
    in_doubt: BTreeMap<&'static str, i64>,
}

impl Acked {
    fn merge(&mut self, other: Acked) {
        self.evidence.extend(other.evidence);
        self.embeddings.extend(other.embeddings);
        self.replaced.extend(other.replaced);
        self.nli.extend(other.nli);
        self.verification.extend(other.verification);
        for (t, n) in other.in_doubt {
            *self.in_doubt.entry(t).or_default() += n;
        }
    }

    fn rows(&self, table: &str) -> i64 {
        (match table {
            "evidence" => self.evidence.len(),
            "embeddings" => self.embeddings.len(),
            "nli_results" => self.nli.len(),
            "verification_results" => self.verification.len(),
            _ => 0,
        }) as i64
    }
}

/// Runs the load test and prints its report; fails when any call failed or
/// any write was lost or stored unacknowledged.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let weights = parse_mix(&args.mix)?;
    if args.tasks == 0 || args.tenants.is_empty() || args.tenants.iter().all(|w| *w == 0) {
        bail!("--tasks and --tenants need at least one non-zero value");
    }
    let data = if args.synthetic {
        dataset::synthetic(args.vectors, args.dim, args.claims, 42)
    } else {
        dataset::read_dir(&args.data, args.vectors, args.claims)?
    };
    if data.passages.len() < K * args.tenants.len() || data.queries.is_empty() {
        bail!(
            "{} passages and {} queries are too few to seed {} tenants",
            data.passages.len(),
            data.queries.len(),
            args.tenants.len()
        );
    }
    let cluster = match args.chaos.enabled() {
        true => Some(chaos::Cluster::start(&args.chaos).await?),
        false => None,
    };
    let admin_config = cluster
        .as_ref()
        .map_or_else(|| config.clone(), |c| c.admin_config(config));
    let admin = Database::open(&admin_config).await?;
    let name = format!("truthgraph_load_{}", std::process::id());
    admin
        .client()
        .await?
        .batch_execute(&raw_sql::create_database(&name, "template0"))
        .await?;
    eprintln!("load: database {name} ({})", data.name);
    let url = with_database(admin.url(), &name);
    let load_config = cluster
        .as_ref()
        .map_or_else(|| config.clone(), |c| c.load_config(config, &name));
    let outcome = load_test(&load_config, (&url, &name), data, weights, &args, cluster).await;
    if args.keep {
        eprintln!("load: kept database {name}");
    } else {
        admin
            .client()
            .await?
            .batch_execute(&raw_sql::drop_database(&name))
            .await?;
    }
    admin.close().await;
    let (report, failures, cluster) = outcome?;
    if let Some(c) = cluster {
        c.finish()?;
    }
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .with_context(|| format!("write {}", path.display()))?;
        eprintln!("load: wrote {}", path.display());
    }
    if failures.is_empty() {
        Ok(())
    } else {
        bail!(
            "load test failed: {} errors, {} acknowledged rows lost, {} rows stored unacknowledged \
             ({} findings above)",
            report["total"]["errors"],
            report["lost_writes"],
            report["unacknowledged_rows"],
            failures.len()
        )
    }
}

/// Seeds, runs, checks; returns the JSON report and the reasons it failed.
async fn load_test(
    config: &Config,
    (url, name): (&str, &str),
    data: Dataset,
    weights: Weights,
    args: &Args,
    cluster: Option<chaos::Cluster>,
) -> anyhow::Result<(Value, Vec<String>, Option<chaos::Cluster>)> {
    let db = Database::connect(config, url).await?;
    db.migrate(None).await?;
    if db.embedding_dimension().await? != data.dim {
        db.set_dimension(data.dim).await?;
    }
    let seeding = Instant::now();
    let (tenants, seeded) = seed::seed(&db, &data, args).await?;
    let seed_s = seeding.elapsed().as_secs_f64();
    let before = count_rows(&db).await?;
    let mut failures = Vec::new();
    for (key, n) in &seeded {
        let stored = before.get(key).copied().unwrap_or(0);
        if stored != *n {
            failures.push(format!(
                "seed: {} of {} has {stored} rows, {n} acknowledged",
                key.1, key.0
            ));
        }
    }
    let info = catalog::server_info(&**db.client().await?).await?;
    let durability: (String, String) = {
        let client = db.client().await?;
        let row = client
            .query_one(
                "SELECT current_setting('fsync'), current_setting('synchronous_commit')",
                &[],
            )
            .await?;
        (row.get(0), row.get(1))
    };
    let pool_max = db.pool().status().max_size;
    eprintln!(
        "load: seeded in {seed_s:.1} s; {} tasks for {} s on a pool of {pool_max}",
        args.tasks, args.seconds
    );

    let queries = data.queries.iter().cloned().map(Vector::from).collect();
    let started = Instant::now();
    let chaos_log = cluster
        .as_ref()
        .map(|_| Arc::new(chaos::ChaosLog::new(started)));
    let shared = Arc::new(Shared {
        db,
        data,
        queries,
        tenants,
        weights,
        chaos: chaos_log.clone(),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let max_waiting = Arc::new(AtomicUsize::new(0));
    // Samples the pool (callers waiting for a connection) and shows progress.
    let monitor = {
        let (shared, stop, max_waiting) = (shared.clone(), stop.clone(), max_waiting.clone());
        let seconds = args.seconds as usize;
        tokio::spawn(async move {
            let mut p = Progress::new("running (seconds)", seconds);
            while !stop.load(Ordering::Relaxed) {
                let s = shared.db.pool().status();
                max_waiting.fetch_max(s.waiting, Ordering::Relaxed);
                p.set((started.elapsed().as_secs() as usize).min(seconds));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let deadline = started + Duration::from_secs(args.seconds);
    let handles: Vec<_> = (0..args.tasks)
        .map(|t| {
            let shared = shared.clone();
            let seed = args.seed.wrapping_mul(1_000_003).wrapping_add(t as u64);
            tokio::spawn(async move { task(&shared, t, seed, deadline).await })
        })
        .collect();
    let driver = cluster
        .zip(chaos_log.clone())
        .map(|(c, log)| tokio::spawn(c.drive(log, name.to_string(), deadline)));
    let mut kinds: Vec<KindStats> = Kind::ALL.iter().map(|_| KindStats::default()).collect();
    let mut acked: Vec<Acked> = vec![Acked::default(); shared.tenants.len()];
    for h in handles {
        let out = h.await.context("a load task panicked")?;
        for (all, mine) in kinds.iter_mut().zip(out.kinds) {
            all.merge(mine);
        }
        for (all, mine) in acked.iter_mut().zip(out.acked) {
            all.merge(mine);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    monitor.await?;
    let cluster = match driver {
        Some(d) => Some(d.await.context("the chaos driver panicked")??),
        None => None,
    };

    // Acknowledged against stored.
    let writes =
        check::compare(&shared.db, &shared.tenants, &before, &acked, &mut failures).await?;

    let (ops, total) = task::figures(&mut kinds, elapsed, &mut failures);
    let report = json!({
        "kind": "load",
        "dataset": shared.data.name,
        "dim": shared.data.dim,
        "seconds": args.seconds,
        "elapsed_s": round(elapsed, 2),
        "tasks": args.tasks,
        "pool_max_size": pool_max,
        "pool_max_waiting": max_waiting.load(Ordering::Relaxed),
        "mix": Kind::ALL.iter().zip(weights).map(|(k, w)| (k.name().to_string(), json!(w))).collect::<serde_json::Map<_, _>>(),
        "seed_s": round(seed_s, 1),
        "tenants": shared.tenants.iter().map(|t| json!({
            "tenant": t.name, "claims": t.claims.len(), "evidence": t.evidence.len() })).collect::<Vec<_>>(),
        "ops": ops,
        "total": total,
        "writes": writes.tables,
        "embeddings_replaced": { "acknowledged": writes.replaced.0, "in_doubt": writes.replaced.1,
            "stored": writes.replaced.2 },
        "acknowledged_rows": writes.acknowledged,
        "lost_writes": writes.lost,
        "unacknowledged_rows": writes.extra,
        "server": { "version": info.server_version, "pgvector": info.pgvector_version,
            "fsync": durability.0, "synchronous_commit": durability.1 },
        "chaos": chaos_log.map(|l| l.report()),
        "passed": failures.is_empty(),
        "failures": failures,
    });
    print_report(&report);
    if !report["chaos"].is_null() {
        chaos::print(&report["chaos"]);
    }
    let Ok(shared) = Arc::try_unwrap(shared) else {
        bail!("a load task outlived the run");
    };
    shared.db.close().await;
    Ok((report, failures, cluster))
}
