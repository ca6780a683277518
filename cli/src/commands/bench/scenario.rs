//! One scenario: rebuild the index, then measure recall, latency, server
//! time, plans and throughput of every query through the scenario's engine.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;
use truthgraph_db::pgvector::Vector;
use truthgraph_db::{Config, Database, EntityType, SearchOptions, catalog, raw_sql};
use uuid::Uuid;

use super::indexes::IndexSpec;
use super::measure::Loaded;
use super::{Args, Progress, ms, percentile, round};

/// Searches whose plan and server time are sampled with `EXPLAIN (ANALYZE)`.
const K_EXPLAIN: usize = 20;

/// Drops every vector index on `embeddings`, runs `ddl`, analyses; returns
/// the build time.
pub async fn rebuild(db: &Database, ddl: &[String]) -> anyhow::Result<Duration> {
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

#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub config: &'a Config,
    pub url: &'a str,
    pub loaded: &'a Loaded,
    pub truth: &'a [Vec<Uuid>],
    pub args: &'a Args,
}

/// How a scenario's searches run.
enum Engine {
    Library(Database),
    Raw {
        sql: String,
        clients: Vec<(tokio_postgres::Client, tokio_postgres::Statement)>,
        /// The clients' connection tasks: awaited by [`Engine::close`].
        connections: Vec<tokio::task::JoinHandle<()>>,
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
        let k = k as i64;
        let rows = match self {
            Engine::Library(db) => {
                // The statement the tenant's tier runs, on a connection of
                // the tenant (under row-level security it sees only its rows).
                let plan = db
                    .tenant(tenant)?
                    .explain_search(
                        EntityType::Evidence,
                        q,
                        &SearchOptions::top(k as usize),
                        true,
                    )
                    .await?;
                return Ok(parse_explain(plan.lines().map(str::to_string).collect()));
            }
            Engine::Raw { sql, clients, .. } => {
                let (client, stmt) = &clients[0];
                let params = raw_params(stmt.params().len(), q, &tenant, &k);
                client
                    .query(&format!("EXPLAIN (ANALYZE) {sql}"), &params)
                    .await?
            }
        };
        Ok(parse_explain(rows.iter().map(|r| r.get(0)).collect()))
    }

    /// Closes its connections, each with its Terminate read by the server
    /// before the bench drops the database (else `DROP DATABASE … FORCE`
    /// may terminate one still saying goodbye, a FATAL in the server log).
    async fn close(self) {
        match self {
            Engine::Library(db) => db.close().await,
            Engine::Raw {
                clients,
                connections,
                ..
            } => {
                drop(clients);
                for c in connections {
                    let _ = c.await;
                }
            }
        }
    }
}

/// (server ms, uses a vector index) of an `EXPLAIN (ANALYZE)`.
fn parse_explain(text: Vec<String>) -> (f64, bool) {
    {
        let server = text
            .iter()
            .find_map(|l| l.trim().strip_prefix("Execution Time: "))
            .and_then(|v| v.trim_end_matches(" ms").parse().ok())
            .unwrap_or(f64::NAN);
        // A vector index: a tenant's own, the shared one, or a bench candidate.
        let uses_index = text.iter().any(|l| {
            [
                "idx_embeddings_tier_",
                "idx_embeddings_vector_",
                "idx_bench_",
            ]
            .iter()
            .any(|n| l.contains(&format!("Index Scan using {n}")))
        });
        (server, uses_index)
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
        let (mut clients, mut connections) = (Vec::new(), Vec::new());
        for _ in 0..self.args.concurrency.max(1) {
            let (client, conn) = pg.connect(NoTls).await?;
            connections.push(tokio::spawn(async move {
                let _ = conn.await;
            }));
            let stmt = client.prepare(sql).await?;
            clients.push((client, stmt));
        }
        Ok(Engine::Raw {
            sql: sql.clone(),
            clients,
            connections,
        })
    }

    pub async fn scenario(
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
        let mut latencies_in_order = Vec::with_capacity(l.queries.len());
        let mut p = Progress::new(label.chars().take(46).collect::<String>(), l.queries.len());
        for (j, q) in l.queries.iter().enumerate() {
            let t = l.query_tenant[j];
            let started = Instant::now();
            let got = engine.search(0, &l.tenants[t], q, k).await?;
            let elapsed = ms(started.elapsed());
            latencies.push(elapsed);
            latencies_in_order.push(elapsed);
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
        let rows_of = |t: &str| l.sizes[l.tenants.iter().position(|x| x == t).unwrap_or(0)];
        let latency_by_tenant = latency_by_tenant(l, &latencies_in_order);
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
        engine.close().await;
        let n = l.queries.len().max(1) as f64;
        Ok(json!({
            "name": label,
            "tenant_filtered": l.tenants.len() > 1,
            "default": false,
            "recall_at_10": round(recall_sum / n, 4),
            "recall_min": by_tenant.iter().map(|(t, (s, c))| (round(s / *c as f64, 4), t)).min_by(|a, b| a.0.total_cmp(&b.0)).map(|(r, t)| json!({"tenant": t, "rows": rows_of(t), "recall": r})),
            "recall_by_tenant": by_tenant.iter().map(|(t, (s, c))| (t.to_string(), json!(round(s / *c as f64, 4)))).collect::<BTreeMap<_, _>>(),
            "p50_ms": round(percentile(&latencies, 0.5), 3),
            "p95_ms": round(percentile(&latencies, 0.95), 3),
            "p99_ms": round(percentile(&latencies, 0.99), 3),
            "latency_by_tenant": latency_by_tenant,
            "server_p50_ms": round(percentile(&server, 0.5), 3),
            "short_results": short,
            "concurrent_ops_per_s": round(ops, 0),
            "plans": plans,
        }))
    }
}

/// p50/p95 per tenant (per tier: each tenant is one), with its rows, from
/// the latency of each query in query order.
pub fn latency_by_tenant(l: &Loaded, in_order: &[f64]) -> BTreeMap<String, Value> {
    let mut by: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for (j, ms) in in_order.iter().enumerate() {
        by.entry(l.query_tenant[j]).or_default().push(*ms);
    }
    by.into_iter()
        .map(|(t, mut v)| {
            v.sort_by(f64::total_cmp);
            let stats = json!({"rows": l.sizes[t], "queries": v.len(),
                "p50_ms": round(percentile(&v, 0.5), 3), "p95_ms": round(percentile(&v, 0.95), 3)});
            (l.tenants[t].clone(), stats)
        })
        .collect()
}
