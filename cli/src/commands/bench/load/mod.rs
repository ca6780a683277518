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

use anyhow::{Context, bail};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use truthgraph_db::embedded::with_database;
use truthgraph_db::pgvector::Vector;
use truthgraph_db::{
    Config, Database, EntityType, HybridOptions, NewNliResult, SearchOptions, catalog, raw_sql,
};
use uuid::Uuid;

use super::{Progress, percentile, round};
use crate::dataset::{self, Dataset};

mod check;
mod seed;

use check::{count_rows, print_report};
use seed::{nli_row, verification_row};

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
    pub seconds: u64,
    /// Concurrent tokio tasks; more than the pool's connections
    /// (TRUTHGRAPH_POOL_MAX_SIZE) makes callers wait for one.
    #[arg(long, default_value_t = 32)]
    pub tasks: usize,
    /// The real embedding set whose passages are the evidence and whose
    /// queries are the claims and search vectors.
    #[arg(long, default_value = "benches/data/minilm")]
    pub data: PathBuf,
    /// Use deterministic synthetic vectors of --dim dimensions instead of --data
    /// (a quick check, no files needed).
    #[arg(long)]
    pub synthetic: bool,
    /// Dimensions of --synthetic vectors.
    #[arg(long, default_value_t = 64)]
    pub dim: usize,
    /// Evidence rows to seed (at most the set's passages with --data).
    #[arg(long, default_value_t = 20_000)]
    pub vectors: usize,
    /// Claims to seed (at most the set's queries with --data); each gets an
    /// NLI batch, a verification result and a verdict with three evidence links.
    #[arg(long, default_value_t = 1000)]
    pub claims: usize,
    /// Tenant sizes in percent, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "50,30,15,5")]
    pub tenants: Vec<u32>,
    /// Weights of the operations, comma-separated `kind=weight`; kinds:
    /// search, hybrid, upsert, nli_batch, verify, verification_read, verdict_read.
    #[arg(
        long,
        default_value = "search=35,hybrid=15,upsert=15,nli_batch=10,verify=5,verification_read=10,verdict_read=10"
    )]
    pub mix: String,
    /// Seed of every task's random choices.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Also write the report as JSON to this file (e.g. benches/results/load-….json).
    /// (Not `--json`: that is the global flag for JSON on stdout.)
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Keep the scratch database afterwards.
    #[arg(long)]
    pub keep: bool,
}

/// The operation kinds, in report order.
const KINDS: [&str; 7] = [
    "search",
    "hybrid",
    "upsert",
    "nli_batch",
    "verify",
    "verification_read",
    "verdict_read",
];
/// Rows per search.
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

fn parse_mix(mix: &str) -> anyhow::Result<[u32; KINDS.len()]> {
    let mut weights = [0u32; KINDS.len()];
    for part in mix.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (kind, w) = part
            .split_once('=')
            .with_context(|| format!("--mix: {part:?} is not kind=weight"))?;
        let i = KINDS
            .iter()
            .position(|k| *k == kind.trim())
            .with_context(|| {
                format!("--mix: unknown kind {kind:?} (kinds: {})", KINDS.join(", "))
            })?;
        weights[i] = w
            .trim()
            .parse()
            .with_context(|| format!("--mix: weight of {kind} is not a whole number"))?;
    }
    if weights.iter().all(|w| *w == 0) {
        bail!("--mix: every weight is 0");
    }
    Ok(weights)
}

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

/// Everything the tasks share, read-only.
struct Shared {
    db: Database,
    data: Dataset,
    queries: Vec<Vector>,
    tenants: Vec<TenantSeed>,
    weights: [u32; KINDS.len()],
}

/// One kind's figures in one task.
#[derive(Default)]
struct KindStats {
    /// Latency of each successful call, in microseconds.
    micros: Vec<u64>,
    errors: usize,
    messages: Vec<String>,
    /// Searches that returned fewer than k rows.
    short: usize,
}

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

/// What one task did.
struct TaskOutcome {
    kinds: Vec<KindStats>,
    acked: Vec<Acked>,
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
    let admin = Database::open(config).await?;
    let name = format!("truthgraph_load_{}", std::process::id());
    admin
        .client()
        .await?
        .batch_execute(&raw_sql::create_database(&name, "template0"))
        .await?;
    eprintln!("load: database {name} ({})", data.name);
    let url = with_database(admin.url(), &name);
    let outcome = load_test(config, &url, data, weights, &args).await;
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
    let (report, failures) = outcome?;
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
    url: &str,
    data: Dataset,
    weights: [u32; KINDS.len()],
    args: &Args,
) -> anyhow::Result<(Value, Vec<String>)> {
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
    let shared = Arc::new(Shared {
        db,
        data,
        queries,
        tenants,
        weights,
    });
    let stop = Arc::new(AtomicBool::new(false));
    let max_waiting = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
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
    let mut kinds: Vec<KindStats> = KINDS.iter().map(|_| KindStats::default()).collect();
    let mut acked: Vec<Acked> = vec![Acked::default(); shared.tenants.len()];
    for h in handles {
        let out = h.await.context("a load task panicked")?;
        for (all, mine) in kinds.iter_mut().zip(out.kinds) {
            all.micros.extend(mine.micros);
            all.errors += mine.errors;
            all.short += mine.short;
            for m in mine.messages {
                if all.messages.len() < KEEP_ERRORS && !all.messages.contains(&m) {
                    all.messages.push(m);
                }
            }
        }
        for (all, mine) in acked.iter_mut().zip(out.acked) {
            all.merge(mine);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    monitor.await?;

    // Acknowledged against stored.
    let writes =
        check::compare(&shared.db, &shared.tenants, &before, &acked, &mut failures).await?;

    let mut ops = Vec::new();
    let (mut total_ops, mut total_errors) = (0usize, 0usize);
    let mut all_micros: Vec<u64> = Vec::new();
    for (kind, s) in KINDS.iter().zip(&mut kinds) {
        s.micros.sort_unstable();
        let ms: Vec<f64> = s.micros.iter().map(|u| *u as f64 / 1000.0).collect();
        total_ops += ms.len();
        total_errors += s.errors;
        all_micros.extend(&s.micros);
        if s.errors > 0 {
            failures.push(format!(
                "{kind}: {} errors, first: {}",
                s.errors,
                s.messages.first().map(String::as_str).unwrap_or("-")
            ));
        }
        ops.push(json!({
            "kind": kind, "ops": ms.len(), "ops_per_s": round(ms.len() as f64 / elapsed, 1),
            "p50_ms": round(percentile(&ms, 0.5), 2), "p99_ms": round(percentile(&ms, 0.99), 2),
            "max_ms": round(ms.last().copied().unwrap_or(0.0), 2),
            "errors": s.errors, "error_messages": s.messages, "short_results": s.short,
        }));
    }
    all_micros.sort_unstable();
    let all_ms: Vec<f64> = all_micros.iter().map(|u| *u as f64 / 1000.0).collect();
    let report = json!({
        "kind": "load",
        "dataset": shared.data.name,
        "dim": shared.data.dim,
        "seconds": args.seconds,
        "elapsed_s": round(elapsed, 2),
        "tasks": args.tasks,
        "pool_max_size": pool_max,
        "pool_max_waiting": max_waiting.load(Ordering::Relaxed),
        "mix": KINDS.iter().zip(weights).map(|(k, w)| (k.to_string(), json!(w))).collect::<serde_json::Map<_, _>>(),
        "seed_s": round(seed_s, 1),
        "tenants": shared.tenants.iter().map(|t| json!({
            "tenant": t.name, "claims": t.claims.len(), "evidence": t.evidence.len() })).collect::<Vec<_>>(),
        "ops": ops,
        "total": { "ops": total_ops, "ops_per_s": round(total_ops as f64 / elapsed, 1),
            "p50_ms": round(percentile(&all_ms, 0.5), 2), "p99_ms": round(percentile(&all_ms, 0.99), 2),
            "max_ms": round(all_ms.last().copied().unwrap_or(0.0), 2), "errors": total_errors },
        "writes": writes.tables,
        "embeddings_replaced": { "acknowledged": writes.replaced.0, "in_doubt": writes.replaced.1,
            "stored": writes.replaced.2 },
        "acknowledged_rows": writes.acknowledged,
        "lost_writes": writes.lost,
        "unacknowledged_rows": writes.extra,
        "server": { "version": info.server_version, "pgvector": info.pgvector_version,
            "fsync": durability.0, "synchronous_commit": durability.1 },
        "passed": failures.is_empty(),
        "failures": failures,
    });
    print_report(&report);
    let Ok(shared) = Arc::try_unwrap(shared) else {
        bail!("a load task outlived the run");
    };
    shared.db.close().await;
    Ok((report, failures))
}

/// 1 when a failed write may have been stored, 0 when it never reached the
/// server (no connection became free).
fn in_doubt(e: &truthgraph_db::Error) -> i64 {
    i64::from(!matches!(e, truthgraph_db::Error::PoolTimeout(_)))
}

/// Picks a kind by weight.
fn pick(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// One task: weighted calls until the deadline (the call in flight then completes).
async fn task(shared: &Shared, task: usize, seed: u64, deadline: Instant) -> TaskOutcome {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut kinds: Vec<KindStats> = KINDS.iter().map(|_| KindStats::default()).collect();
    let mut acked: Vec<Acked> = vec![Acked::default(); shared.tenants.len()];
    // Per tenant: the claim and ids of this task's latest NLI batch.
    let mut last_nli: Vec<Option<(Uuid, Vec<Uuid>)>> = vec![None; shared.tenants.len()];
    let mut n = 0u64;
    while Instant::now() < deadline {
        n += 1;
        let kind = pick(&mut rng, &shared.weights);
        let t = rng.random_range(0..shared.tenants.len());
        let started = Instant::now();
        let result = op(
            shared,
            kind,
            t,
            &mut rng,
            &mut acked[t],
            &mut last_nli[t],
            (task, n),
        )
        .await;
        let took = started.elapsed();
        let stats = &mut kinds[kind];
        match result {
            Ok(short) => {
                stats.micros.push(took.as_micros() as u64);
                stats.short += usize::from(short);
            }
            Err(e) => {
                stats.errors += 1;
                let m = format!("{e:#}");
                if stats.messages.len() < KEEP_ERRORS && !stats.messages.contains(&m) {
                    stats.messages.push(m);
                }
            }
        }
    }
    TaskOutcome { kinds, acked }
}

/// One call of `kind` for tenant `t`; `Ok(true)` for a search with fewer
/// than k rows.
async fn op(
    shared: &Shared,
    kind: usize,
    t: usize,
    rng: &mut ChaCha8Rng,
    acked: &mut Acked,
    last_nli: &mut Option<(Uuid, Vec<Uuid>)>,
    (task, n): (usize, u64),
) -> anyhow::Result<bool> {
    let seed = &shared.tenants[t];
    let tenant = shared.db.tenant(&seed.name)?;
    let data = &shared.data;
    let claim = seed.claims[rng.random_range(0..seed.claims.len())];
    let expected = K.min(seed.evidence.len());
    match KINDS[kind] {
        "search" => {
            let q = rng.random_range(0..shared.queries.len());
            let hits = tenant
                .search_evidence(&shared.queries[q], &SearchOptions::top(K))
                .await?;
            Ok(hits.len() < expected)
        }
        "hybrid" => {
            let q = rng.random_range(0..shared.queries.len());
            let opts = HybridOptions {
                k: K,
                ..HybridOptions::default()
            };
            let hits = tenant
                .hybrid_search(&data.query_texts[q], &shared.queries[q], &opts)
                .await?;
            Ok(hits.len() < expected)
        }
        "upsert" => {
            let i = rng.random_range(0..data.passages.len());
            let content = format!("{} [load task {task} call {n}]", data.texts[i]);
            let ev = tenant
                .insert_evidence(&content, None, Some("load"))
                .await
                .inspect_err(|e| *acked.in_doubt.entry("evidence").or_default() += in_doubt(e))?;
            acked.evidence.push(ev.id);
            let v = Vector::from(data.passages[i].clone());
            tenant
                .upsert_embedding(EntityType::Evidence, ev.id, &v, MODEL_NEW, None)
                .await
                .inspect_err(|e| *acked.in_doubt.entry("embeddings").or_default() += in_doubt(e))?;
            acked.embeddings.push(ev.id);
            // Now and then replace an earlier embedding of this task's: the
            // row must be updated, never stored twice.
            if acked.embeddings.len() > 1 && rng.random_range(0..4) == 0 {
                let id = acked.embeddings[rng.random_range(0..acked.embeddings.len() - 1)];
                tenant
                    .upsert_embedding(EntityType::Evidence, id, &v, MODEL_REPLACED, None)
                    .await
                    .inspect_err(|e| {
                        *acked.in_doubt.entry("replaced").or_default() += in_doubt(e)
                    })?;
                acked.replaced.push(id);
            }
            Ok(false)
        }
        "nli_batch" => {
            let size = rng.random_range(8..=32);
            let rows: Vec<NewNliResult> = (0..size)
                .map(|_| {
                    let (ev, i) = seed.evidence[rng.random_range(0..seed.evidence.len())];
                    nli_row(rng, data, claim.0, claim.1, ev, i)
                })
                .collect();
            let stored = tenant.insert_nli_results(&rows).await.inspect_err(|e| {
                *acked.in_doubt.entry("nli_results").or_default() += size * in_doubt(e)
            })?;
            if stored.len() != size as usize {
                bail!("{size} NLI results sent, {} returned", stored.len());
            }
            let ids: Vec<Uuid> = stored.iter().map(|r| r.id).collect();
            acked.nli.extend(&ids);
            *last_nli = Some((claim.0, ids));
            Ok(false)
        }
        "verify" => {
            let (claim, ids) = last_nli.clone().unwrap_or((claim.0, Vec::new()));
            let stored = tenant
                .insert_verification_result(&verification_row(claim, ids))
                .await
                .inspect_err(|e| {
                    *acked.in_doubt.entry("verification_results").or_default() += in_doubt(e)
                })?;
            acked.verification.push(stored.id);
            Ok(false)
        }
        "verification_read" => {
            if tenant.latest_verification_result(claim.0).await?.is_none() {
                bail!("claim {} has no verification result", claim.0);
            }
            Ok(false)
        }
        "verdict_read" => match tenant.latest_verdict(claim.0).await? {
            Some((_, links)) if !links.is_empty() => Ok(false),
            Some(_) => bail!("the verdict of claim {} has no evidence", claim.0),
            None => bail!("claim {} has no verdict", claim.0),
        },
        other => unreachable!("kind {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_parses_and_refuses_unknown_kinds() {
        let w = parse_mix("search=3, verify=1").unwrap();
        assert_eq!(w[0], 3);
        assert_eq!(w[4], 1);
        assert_eq!(w.iter().sum::<u32>(), 4);
        assert!(parse_mix("serch=1").is_err());
        assert!(parse_mix("search=0").is_err());
        assert!(parse_mix("search").is_err());
    }

    #[test]
    fn pick_follows_the_weights() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let w = [0, 3, 1];
        let mut counts = [0; 3];
        for _ in 0..4000 {
            counts[pick(&mut rng, &w)] += 1;
        }
        assert_eq!(counts[0], 0);
        assert!(counts[1] > 2 * counts[2], "{counts:?}");
    }
}
