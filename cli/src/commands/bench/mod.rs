//! `truthgraph-db bench`: loads a data set into a fresh database, measures
//! every candidate index and setting against exact search, and prints one
//! JSON document on stdout (progress on stderr).
//!
//! Each scenario builds its index, then runs every query through the path a
//! caller would use: the library's `Tenant::search_evidence` on a `Database`
//! whose connections start with the scenario's settings; index kinds the
//! library's queries cannot use (a `halfvec` expression index, binary
//! quantisation with re-ranking) and the strict-order variant run their own
//! SQL below on plain connections started with the same settings. Exactly one
//! scenario is marked `default`: the index the migrations create, with the
//! settings a user who changes nothing gets for this table.
//!
//! `bench load` ([`load`]) is the bounded load test: mixed calls from many
//! tasks for a fixed time, then acknowledged writes against stored rows.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use truthgraph_db::embedded::with_database;
use truthgraph_db::pgvector::Vector;
use truthgraph_db::{
    Config, Database, EntityType, NewEmbedding, SearchOptions, catalog, raw_sql,
    records::evidence::NewEvidence,
};
use uuid::Uuid;

use crate::context::Context;
use crate::dataset::{self, Dataset};

mod indexes;
pub mod load;
mod scenario;

use indexes::{IndexSpec, index_specs};
use scenario::{Ctx, rebuild};

/// Load a data set into a fresh database, measure candidate indexes and settings against exact search, print JSON.
///
/// `bench load` is the bounded load test.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
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
}

// `bench`'s sub-verbs; each one's help is the doc comment of its `Args`.
#[derive(clap::Subcommand)]
enum Command {
    Load(Box<load::Args>),
}

/// `bench load`, or the benchmark itself. Both make a database of their own
/// on the server (`--database` does not apply) and print no `--json` but
/// their own report.
pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let config = cx.config()?;
    match args.command {
        Some(Command::Load(load)) => load::run(config, *load).await,
        None => bench(config, &args).await,
    }
}

/// A progress line on stderr: `label [#####     ] i/n`.
pub struct Progress {
    label: String,
    n: usize,
    shown: usize,
}

impl Progress {
    pub fn new(label: impl Into<String>, n: usize) -> Self {
        Progress {
            label: label.into(),
            n,
            shown: usize::MAX,
        }
    }

    pub fn set(&mut self, i: usize) {
        let step = (i * 30) / self.n.max(1);
        if step != self.shown || i == self.n {
            self.shown = step;
            eprint!(
                "\r{:<46} [{:<30}] {i}/{}",
                self.label,
                "#".repeat(step),
                self.n
            );
            let _ = std::io::stderr().flush();
            if i == self.n {
                eprintln!();
            }
        }
    }
}

pub fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let i = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    sorted_ms[i]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Deterministic tenant of row `i` for `weights` (percent): `tenant-<n>`.
fn tenant_of(i: usize, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let h = ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % u64::from(total.max(1));
    let mut acc = 0u64;
    for (t, w) in weights.iter().enumerate() {
        acc += u64::from(*w);
        if h < acc {
            return t;
        }
    }
    weights.len() - 1
}

/// Runs the benchmark and prints its JSON report.
async fn bench(config: &Config, args: &Args) -> anyhow::Result<()> {
    let data = match &args.data {
        Some(dir) => dataset::read_dir(dir, args.vectors, args.queries)?,
        None => dataset::synthetic(args.vectors, args.dim, args.queries, 42),
    };
    let admin = Database::open(config).await?;
    let name = format!("truthgraph_bench_{}", std::process::id());
    admin
        .client()
        .await?
        .batch_execute(&raw_sql::create_database(&name, "template0"))
        .await?;
    eprintln!("bench: database {name} ({})", data.name);
    let url = with_database(admin.url(), &name);
    let report = measure_all(config, &url, &data, args).await.map(|mut r| {
        r["database"] = json!(if args.keep { Some(&name) } else { None });
        r
    });
    if !args.keep {
        admin
            .client()
            .await?
            .batch_execute(&raw_sql::drop_database(&name))
            .await?;
    } else {
        eprintln!("bench: kept database {name}");
    }
    admin.close().await;
    let report = report?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

pub struct Loaded {
    pub tenants: Vec<String>,
    /// Rows per tenant.
    pub sizes: Vec<usize>,
    /// The tenant of each query.
    pub query_tenant: Vec<usize>,
    pub queries: Vec<Vector>,
}

async fn measure_all(
    config: &Config,
    url: &str,
    data: &Dataset,
    args: &Args,
) -> anyhow::Result<Value> {
    let db = Database::connect(config, url).await?;
    db.migrate(None).await?;
    if db.embedding_dimension().await? != data.dim {
        db.set_dimension(data.dim).await?;
    }
    // What the migrations built, to measure as the default at the end.
    let client = db.client().await?;
    let migration_indexes = catalog::embedding_indexes(&**client).await?;
    for ix in &migration_indexes {
        client
            .batch_execute(&raw_sql::drop_index(&ix.index_name))
            .await?;
    }
    drop(client);
    let (loaded, load) = load(&db, data, args).await?;
    let info = catalog::server_info(&**db.client().await?).await?;

    // Exact top-k per query: the truth every scenario is compared with.
    let mut truth = Vec::new();
    let mut exact_ms = Vec::new();
    let mut p = Progress::new("exact search (ground truth)", loaded.queries.len());
    for (j, q) in loaded.queries.iter().enumerate() {
        let t = db.tenant(&loaded.tenants[loaded.query_tenant[j]])?;
        let started = Instant::now();
        let hits = t
            .search_evidence(
                q,
                &SearchOptions {
                    exact: true,
                    ..SearchOptions::top(args.k)
                },
            )
            .await?;
        exact_ms.push(ms(started.elapsed()));
        truth.push(hits.into_iter().map(|h| h.id).collect::<Vec<Uuid>>());
        p.set(j + 1);
    }
    exact_ms.sort_by(f64::total_cmp);
    let mut scenarios = vec![json!({
        "name": "exact (no index)", "index": "none", "params": {},
        "tenant_filtered": loaded.tenants.len() > 1, "default": false,
        "recall_at_10": 1.0, "p50_ms": round(percentile(&exact_ms, 0.5), 3),
        "p95_ms": round(percentile(&exact_ms, 0.95), 3), "p99_ms": round(percentile(&exact_ms, 0.99), 3),
        "short_results": 0,
    })];
    let mut builds = BTreeMap::new();
    let ctx = Ctx {
        config,
        url,
        loaded: &loaded,
        truth: &truth,
        args,
    };
    for spec in index_specs(&args.indexes, data.passages.len(), data.dim) {
        let build = rebuild(&db, std::slice::from_ref(&spec.ddl)).await?;
        builds.insert(spec.name.clone(), round(build.as_secs_f64(), 2));
        for value in &spec.sweep.1 {
            let label = format!("{} {}={value}", spec.name, spec.sweep.0);
            let mut s = ctx
                .scenario(&label, &spec, Some((spec.sweep.0, *value)))
                .await?;
            s["index"] = json!(spec.name);
            s["params"] = json!({ spec.sweep.0: value });
            scenarios.push(s);
        }
    }
    // The default: the migrations' index, the settings a user gets.
    let defs: Vec<String> = migration_indexes
        .iter()
        .map(|ix| ix.definition.clone())
        .collect();
    let build = rebuild(&db, &defs).await?;
    let plain = Database::connect(config, url).await?;
    let d = plain.search_defaults().clone();
    plain.close().await;
    let spec = IndexSpec {
        name: migration_indexes
            .iter()
            .map(|ix| {
                format!(
                    "{} {} ({})",
                    ix.method,
                    ix.opclass,
                    ix.options.as_deref().unwrap_or_default().join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join(" + "),
        ddl: String::new(),
        sweep: ("", Vec::new()),
        raw_sql: None,
        extra: "",
    };
    let mut s = ctx
        .scenario("default (what a user gets)", &spec, None)
        .await?;
    s["name"] = json!("default");
    s["index"] = json!(spec.name);
    s["params"] = json!({ "hnsw.ef_search": d.ef_search, "ivfflat.probes": d.probes,
        "origin": format!("{:?}", d.ef_search_origin) });
    s["default"] = json!(true);
    builds.insert("default".into(), round(build.as_secs_f64(), 2));
    scenarios.push(s);
    // The same default as a service running with least privilege: a login
    // of the role truthgraph_app (migration V7), row-level security in force.
    let login = format!("truthgraph_bench_app_{}", std::process::id());
    let password = Uuid::new_v4().simple().to_string();
    let admin = db.client().await?;
    admin
        .batch_execute(&raw_sql::create_app_login(&login, &password))
        .await?;
    let sep = if url.contains('?') { '&' } else { '?' };
    let app_url = format!("{url}{sep}user={login}&password={password}");
    let app = Ctx {
        url: &app_url,
        ..ctx
    };
    let measured = app
        .scenario(
            "default as truthgraph_app (row-level security)",
            &spec,
            None,
        )
        .await;
    admin.batch_execute(&raw_sql::drop_role(&login)).await?;
    let mut s = measured?;
    s["name"] = json!("default, row-level security (truthgraph_app)");
    s["index"] = json!(spec.name);
    s["default"] = json!(false);
    scenarios.push(s);
    drop(admin);
    db.close().await;
    Ok(json!({
        "dataset": data.name,
        "rows": data.passages.len(), "dim": data.dim, "queries": loaded.queries.len(), "k": args.k,
        "tenants": loaded.tenants.iter().zip(&loaded.sizes).map(|(t, n)| json!({"tenant": t, "rows": n})).collect::<Vec<_>>(),
        "concurrency": args.concurrency,
        "scenarios": scenarios,
        "load": load,
        "index_build_s": builds,
        "server": { "version": info.server_version, "pgvector": info.pgvector_version },
    }))
}

/// Inserts the passages as evidence of their tenants and bulk-loads their
/// embeddings (no vector index present); returns the load figures.
async fn load(db: &Database, data: &Dataset, args: &Args) -> anyhow::Result<(Loaded, Value)> {
    let tenants: Vec<String> = (1..=args.tenants.len())
        .map(|t| format!("tenant-{t}"))
        .collect();
    let owner: Vec<usize> = (0..data.passages.len())
        .map(|i| tenant_of(i, &args.tenants))
        .collect();
    // Evidence rows per tenant, in batches (one UNNEST statement each).
    let mut p = Progress::new("insert evidence (batches)", data.passages.len());
    let mut ids = vec![Uuid::nil(); data.passages.len()];
    let mut done = 0;
    for (t, tenant) in tenants.iter().enumerate() {
        let rows: Vec<usize> = (0..data.passages.len())
            .filter(|i| owner[*i] == t)
            .collect();
        for chunk in rows.chunks(5000) {
            let batch: Vec<NewEvidence> = chunk
                .iter()
                .map(|i| NewEvidence {
                    content: data.texts[*i].clone(),
                    source_url: None,
                    source_type: Some("bench".into()),
                })
                .collect();
            let stored = db.tenant(tenant)?.insert_evidence_many(&batch).await?;
            for (i, ev) in chunk.iter().zip(stored) {
                ids[*i] = ev.id;
            }
            done += chunk.len();
            p.set(done);
        }
    }
    let started = Instant::now();
    let mut p = Progress::new("bulk load embeddings (binary COPY)", data.passages.len());
    let mut n = 0;
    for (t, tenant) in tenants.iter().enumerate() {
        let rows: Vec<NewEmbedding> = (0..data.passages.len())
            .filter(|i| owner[*i] == t)
            .map(|i| NewEmbedding {
                entity_type: EntityType::Evidence,
                entity_id: ids[i],
                embedding: Vector::from(data.passages[i].clone()),
                model_name: "bench".into(),
                model_version: None,
            })
            .collect();
        for chunk in rows.chunks(5000) {
            n += db.tenant(tenant)?.bulk_load_embeddings(chunk).await? as usize;
            p.set(n);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    db.client()
        .await?
        .batch_execute(raw_sql::ANALYZE_SEARCH_TABLES)
        .await?;
    let sizes = (0..tenants.len())
        .map(|t| owner.iter().filter(|o| **o == t).count())
        .collect();
    let query_tenant = (0..data.queries.len()).map(|j| j % tenants.len()).collect();
    let queries = data
        .queries
        .iter()
        .map(|q| Vector::from(q.clone()))
        .collect();
    Ok((
        Loaded {
            tenants,
            sizes,
            query_tenant,
            queries,
        },
        json!({ "rows": n, "seconds": round(seconds, 2), "rows_per_s": round(n as f64 / seconds, 0),
                "method": "binary COPY, no vector index" }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_follow_their_weights() {
        let w = [50, 30, 15, 5];
        let mut counts = [0usize; 4];
        for i in 0..100_000 {
            counts[tenant_of(i, &w)] += 1;
        }
        for (c, w) in counts.iter().zip(w) {
            let share = *c as f64 / 1000.0;
            assert!((share - f64::from(w)).abs() < 1.0, "{counts:?}");
        }
    }
}
