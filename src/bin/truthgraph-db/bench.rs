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

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{StreamExt, stream};
use pgvector::Vector;
use serde_json::{Value, json};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;
use truthgraph_db::embedded::with_database;
use truthgraph_db::{
    Config, Database, EntityType, NewEmbedding, SearchOptions, catalog, raw_sql, sql,
};
use uuid::Uuid;

use crate::dataset::{self, Dataset};

/// What `bench` was asked to do.
pub struct Args {
    pub data: Option<PathBuf>,
    pub vectors: usize,
    pub dim: usize,
    pub queries: usize,
    pub tenants: Vec<u32>,
    pub concurrency: usize,
    pub keep: bool,
    pub indexes: Vec<String>,
    pub k: usize,
}

const K_EXPLAIN: usize = 20;

/// A candidate index: its DDL and the settings swept on it.
struct IndexSpec {
    name: String,
    ddl: String,
    /// (setting name, values) swept; empty: one run with the defaults.
    sweep: (&'static str, Vec<u32>),
    /// SQL of a search run on plain connections, returning evidence ids:
    /// either [`library_sql`] (its five parameters) or one with `$1` vector,
    /// `$2` tenant, `$3` k; `None`: the library path.
    raw_sql: Option<String>,
    /// Extra startup settings of this scenario's connections.
    extra: &'static str,
}

fn index_specs(wanted: &[String], rows: usize, dim: usize) -> Vec<IndexSpec> {
    let lists = (rows / 1000).max(10);
    let hnsw = |m: u32, efc: u32| {
        format!(
            "CREATE INDEX idx_embeddings_vector_cosine ON embeddings \
             USING hnsw (embedding vector_cosine_ops) WITH (m = {m}, ef_construction = {efc})"
        )
    };
    let ef_values = vec![10, 20, 40, 64, 100, 150, 200, 300, 400];
    let mut out = Vec::new();
    for w in wanted {
        match w.as_str() {
            "hnsw" => out.push(IndexSpec {
                name: "hnsw m=16 ef_construction=64".into(),
                ddl: hnsw(16, 64),
                sweep: ("hnsw.ef_search", ef_values.clone()),
                raw_sql: None,
                extra: "",
            }),
            "hnsw-strict" => out.push(IndexSpec {
                name: "hnsw m=16 ef_construction=64, strict_order iterative scan".into(),
                ddl: hnsw(16, 64),
                sweep: ("hnsw.ef_search", vec![40, 100, 200]),
                raw_sql: Some(library_sql()),
                extra: "-c hnsw.iterative_scan=strict_order",
            }),
            "hnsw-off" => out.push(IndexSpec {
                name: "hnsw m=16 ef_construction=64, no iterative scan".into(),
                ddl: hnsw(16, 64),
                sweep: ("hnsw.ef_search", vec![40, 100, 200]),
                raw_sql: Some(library_sql()),
                extra: "-c hnsw.iterative_scan=off",
            }),
            "hnsw32" => out.push(IndexSpec {
                name: "hnsw m=32 ef_construction=128".into(),
                ddl: hnsw(32, 128),
                sweep: ("hnsw.ef_search", vec![20, 40, 64, 100, 200]),
                raw_sql: None,
                extra: "",
            }),
            "ivfflat" => out.push(IndexSpec {
                name: format!("ivfflat lists={lists} (rows/1000)"),
                ddl: format!(
                    "CREATE INDEX idx_embeddings_vector_cosine ON embeddings \
                     USING ivfflat (embedding vector_cosine_ops) WITH (lists = {lists})"
                ),
                sweep: (
                    "ivfflat.probes",
                    [1, 2, 3, 5, 8, 12, 20, 40]
                        .into_iter()
                        .filter(|p| *p <= lists as u32)
                        .collect(),
                ),
                raw_sql: None,
                extra: "",
            }),
            "ivfflat100" => out.push(IndexSpec {
                name: "ivfflat lists=100 (the seed's)".into(),
                ddl: "CREATE INDEX idx_embeddings_vector_cosine ON embeddings \
                      USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100)"
                    .into(),
                sweep: ("ivfflat.probes", vec![5, 10, 20, 40]),
                raw_sql: None,
                extra: "",
            }),
            "halfvec" => out.push(IndexSpec {
                name: "hnsw m=16 ef_construction=64 on embedding::halfvec".into(),
                ddl: format!(
                    "CREATE INDEX idx_bench_halfvec ON embeddings \
                     USING hnsw ((embedding::halfvec({dim})) halfvec_cosine_ops) \
                     WITH (m = 16, ef_construction = 64)"
                ),
                sweep: ("hnsw.ef_search", vec![40, 100, 200]),
                raw_sql: Some(format!(
                    "SELECT hits.entity_id FROM (SELECT em.entity_id, em.embedding <=> $1 AS d \
                     FROM embeddings em WHERE em.tenant_id = $2 AND em.entity_type = 'evidence' \
                     ORDER BY em.embedding::halfvec({dim}) <=> $1::halfvec({dim}) LIMIT $3) hits \
                     JOIN evidence e ON e.id = hits.entity_id AND e.tenant_id = $2 ORDER BY hits.d"
                )),
                extra: "",
            }),
            "bq" => out.push(IndexSpec {
                name: "hnsw on binary_quantize(embedding), re-ranked by the full vector".into(),
                ddl: format!(
                    "CREATE INDEX idx_bench_bq ON embeddings \
                     USING hnsw ((binary_quantize(embedding)::bit({dim})) bit_hamming_ops) \
                     WITH (m = 16, ef_construction = 64)"
                ),
                sweep: ("hnsw.ef_search", vec![100, 200, 400]),
                raw_sql: Some(format!(
                    "SELECT c.entity_id FROM (SELECT em.entity_id, em.embedding FROM embeddings em \
                     WHERE em.tenant_id = $2 AND em.entity_type = 'evidence' \
                     ORDER BY binary_quantize(em.embedding)::bit({dim}) <~> binary_quantize($1::vector) \
                     LIMIT $3::int8 * 4) c JOIN evidence e ON e.id = c.entity_id AND e.tenant_id = $2 \
                     ORDER BY c.embedding <=> $1 LIMIT $3"
                )),
                extra: "",
            }),
            "none" => {}
            other => eprintln!("bench: unknown index kind {other:?} skipped"),
        }
    }
    out
}

/// The library's search query, returning only ids, for the raw scenarios
/// that change connection settings the library does not expose.
fn library_sql() -> String {
    format!("SELECT id FROM ({}) s", sql::search::SEARCH_EVIDENCE)
}

/// A progress line on stderr: `label [#####     ] i/n`.
struct Progress {
    label: String,
    n: usize,
    shown: usize,
}

impl Progress {
    fn new(label: impl Into<String>, n: usize) -> Self {
        Progress {
            label: label.into(),
            n,
            shown: usize::MAX,
        }
    }

    fn set(&mut self, i: usize) {
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

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let i = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    sorted_ms[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn round(x: f64, places: i32) -> f64 {
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
pub async fn run(config: &Config, args: Args) -> anyhow::Result<()> {
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
    let report = measure_all(config, &url, &data, &args).await.map(|mut r| {
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

struct Loaded {
    tenants: Vec<String>,
    /// Rows per tenant.
    sizes: Vec<usize>,
    /// The tenant of each query.
    query_tenant: Vec<usize>,
    queries: Vec<Vector>,
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
    let mut p = Progress::new("insert evidence", data.passages.len());
    let mut ids = vec![Uuid::nil(); data.passages.len()];
    let mut done = 0;
    let mut inserts = stream::iter(0..data.passages.len())
        .map(|i| {
            let (tenant, text) = (&tenants[owner[i]], &data.texts[i]);
            async move {
                let ev = db
                    .tenant(tenant)?
                    .insert_evidence(text, None, Some("bench"))
                    .await?;
                Ok::<_, anyhow::Error>((i, ev.id))
            }
        })
        .buffer_unordered(8);
    while let Some(r) = inserts.next().await {
        let (i, id) = r?;
        ids[i] = id;
        done += 1;
        p.set(done);
    }
    drop(inserts);
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

/// Drops every vector index on `embeddings`, runs `ddl`, analyses; returns
/// the build time.
async fn rebuild(db: &Database, ddl: &[String]) -> anyhow::Result<Duration> {
    let client = db.client().await?;
    // Bench-only session settings on a connection retired below.
    client
        .batch_execute("SET statement_timeout = 0; SET maintenance_work_mem = '1GB'")
        .await?;
    for ix in catalog::embedding_indexes(&**client).await? {
        client
            .batch_execute(&raw_sql::drop_index(&ix.index_name))
            .await?;
    }
    let started = Instant::now();
    for d in ddl {
        eprintln!("bench: {d}");
        client.batch_execute(d).await.with_context(|| d.clone())?;
    }
    let took = started.elapsed();
    client.batch_execute("ANALYZE embeddings").await?;
    // The session settings above must not reach other borrowers.
    drop(truthgraph_db::Client::take(client));
    Ok(took)
}

struct Ctx<'a> {
    config: &'a Config,
    url: &'a str,
    loaded: &'a Loaded,
    truth: &'a [Vec<Uuid>],
    args: &'a Args,
}

/// How a scenario's searches run.
enum Engine {
    Library(Database),
    Raw {
        sql: String,
        clients: Vec<(tokio_postgres::Client, tokio_postgres::Statement)>,
    },
}

/// The parameters of a raw scenario's statement: the library's five
/// (`source_type` and `min_similarity` NULL) or `(vector, tenant, k)`.
fn raw_params<'a>(
    arity: usize,
    q: &'a Vector,
    tenant: &'a &'a str,
    k: &'a i64,
) -> Vec<&'a (dyn ToSql + Sync)> {
    const NO_TEXT: Option<&str> = None;
    const NO_FLOAT: Option<f64> = None;
    if arity == 5 {
        vec![q, tenant, &NO_TEXT, k, &NO_FLOAT]
    } else {
        vec![q, tenant, k]
    }
}

impl Engine {
    async fn search(
        &self,
        worker: usize,
        tenant: &str,
        q: &Vector,
        k: usize,
    ) -> anyhow::Result<Vec<Uuid>> {
        match self {
            Engine::Library(db) => Ok(db
                .tenant(tenant)?
                .search_evidence(q, &SearchOptions::top(k))
                .await?
                .into_iter()
                .map(|h| h.id)
                .collect()),
            Engine::Raw { clients, .. } => {
                let (client, stmt) = &clients[worker % clients.len()];
                let rows = client
                    .query(
                        stmt,
                        &raw_params(stmt.params().len(), q, &tenant, &(k as i64)),
                    )
                    .await?;
                Ok(rows.iter().map(|r| r.get(0)).collect())
            }
        }
    }

    /// `EXPLAIN (ANALYZE)` of one search: (server ms, uses the vector index).
    async fn explain(&self, tenant: &str, q: &Vector, k: usize) -> anyhow::Result<(f64, bool)> {
        let (k, none_src, none_min) = (k as i64, None::<&str>, None::<f64>);
        let rows = match self {
            Engine::Library(db) => {
                let c = db.client().await?;
                let params: [&(dyn ToSql + Sync); 5] = [q, &tenant, &none_src, &k, &none_min];
                c.query(
                    &format!("EXPLAIN (ANALYZE) {}", sql::search::SEARCH_EVIDENCE),
                    &params,
                )
                .await?
            }
            Engine::Raw { sql, clients } => {
                let (client, stmt) = &clients[0];
                let params = raw_params(stmt.params().len(), q, &tenant, &k);
                client
                    .query(&format!("EXPLAIN (ANALYZE) {sql}"), &params)
                    .await?
            }
        };
        let text: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        let server = text
            .iter()
            .find_map(|l| l.trim().strip_prefix("Execution Time: "))
            .and_then(|v| v.trim_end_matches(" ms").parse().ok())
            .unwrap_or(f64::NAN);
        let uses_index = text.iter().any(|l| l.contains("Index Scan using idx_"));
        Ok((server, uses_index))
    }
}

impl Ctx<'_> {
    async fn engine(
        &self,
        spec: &IndexSpec,
        setting: Option<(&str, u32)>,
    ) -> anyhow::Result<Engine> {
        let mut config = self.config.clone();
        match setting {
            Some(("hnsw.ef_search", v)) => config.ef_search = Some(v),
            Some(("ivfflat.probes", v)) => config.probes = Some(v),
            _ => {}
        }
        let db = Database::connect(&config, self.url).await?;
        let Some(sql) = &spec.raw_sql else {
            return Ok(Engine::Library(db));
        };
        let mut pg: tokio_postgres::Config = self.url.parse()?;
        pg.options(format!(
            "{} {}",
            db.search_defaults().startup_options(),
            spec.extra
        ));
        db.close().await;
        let mut clients = Vec::new();
        for _ in 0..self.args.concurrency.max(1) {
            let (client, conn) = pg.connect(NoTls).await?;
            tokio::spawn(conn);
            let stmt = client.prepare(sql).await?;
            clients.push((client, stmt));
        }
        Ok(Engine::Raw {
            sql: sql.clone(),
            clients,
        })
    }

    async fn scenario(
        &self,
        label: &str,
        spec: &IndexSpec,
        setting: Option<(&str, u32)>,
    ) -> anyhow::Result<Value> {
        let engine = self.engine(spec, setting).await?;
        let (l, k) = (self.loaded, self.args.k);
        let mut latencies = Vec::new();
        let (mut recall_sum, mut short) = (0.0, 0usize);
        let mut by_tenant: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
        let mut p = Progress::new(label.chars().take(46).collect::<String>(), l.queries.len());
        for (j, q) in l.queries.iter().enumerate() {
            let t = l.query_tenant[j];
            let started = Instant::now();
            let got = engine.search(0, &l.tenants[t], q, k).await?;
            latencies.push(ms(started.elapsed()));
            let truth = &self.truth[j];
            let r = got.iter().filter(|id| truth.contains(id)).count() as f64
                / truth.len().max(1) as f64;
            recall_sum += r;
            if got.len() < k.min(l.sizes[t]) {
                short += 1;
            }
            let e = by_tenant.entry(&l.tenants[t]).or_default();
            e.0 += r;
            e.1 += 1;
            p.set(j + 1);
        }
        latencies.sort_by(f64::total_cmp);
        let mut server = Vec::new();
        let mut plans = BTreeMap::new();
        for j in 0..K_EXPLAIN.min(l.queries.len()) {
            let t = &l.tenants[l.query_tenant[j]];
            let (s, index) = engine.explain(t, &l.queries[j], k).await?;
            server.push(s);
            plans.insert(
                t.clone(),
                if index {
                    "vector index"
                } else {
                    "exact (no vector index)"
                },
            );
        }
        server.sort_by(f64::total_cmp);
        // Throughput: every query once, spread over `concurrency` tasks.
        let started = Instant::now();
        let workers = self.args.concurrency.max(1);
        let results = stream::iter(0..workers)
            .map(|w| {
                let engine = &engine;
                async move {
                    for j in (w..l.queries.len()).step_by(workers) {
                        engine
                            .search(w, &l.tenants[l.query_tenant[j]], &l.queries[j], k)
                            .await?;
                    }
                    Ok::<_, anyhow::Error>(())
                }
            })
            .buffer_unordered(workers)
            .collect::<Vec<_>>()
            .await;
        results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
        let ops = l.queries.len() as f64 / started.elapsed().as_secs_f64();
        if let Engine::Library(db) = engine {
            db.close().await;
        }
        let n = l.queries.len().max(1) as f64;
        Ok(json!({
            "name": label,
            "tenant_filtered": l.tenants.len() > 1,
            "default": false,
            "recall_at_10": round(recall_sum / n, 4),
            "recall_by_tenant": by_tenant.iter().map(|(t, (s, c))| (t.to_string(), json!(round(s / *c as f64, 4)))).collect::<BTreeMap<_, _>>(),
            "p50_ms": round(percentile(&latencies, 0.5), 3),
            "p95_ms": round(percentile(&latencies, 0.95), 3),
            "p99_ms": round(percentile(&latencies, 0.99), 3),
            "server_p50_ms": round(percentile(&server, 0.5), 3),
            "short_results": short,
            "concurrent_ops_per_s": round(ops, 0),
            "plans": plans,
        }))
    }
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
