//! What the library's typed layer costs over hand-written tokio-postgres.
//!
//! `cargo bench --bench overhead`, in one run on one database:
//! - `overhead_search`: top-10 with default options through
//!   `db.tenant(t)?.search_evidence(&q, &SearchOptions::top(10))` (validation,
//!   pool checkout, cached prepared statement, typed rows) against the same
//!   SQL (`truthgraph_db::sql::search::SEARCH_EVIDENCE`) prepared once on a
//!   plain tokio-postgres connection started with the same settings
//!   (`search_defaults().startup_options()`), rows decoded into the same
//!   fields, cycling through the same 50 queries. Data: the 20,000 real
//!   all-MiniLM-L6-v2 passages of `benches/data/minilm` (384 dims) in one
//!   tenant, with the index the migrations create (IVFFlat lists = 100),
//!   rebuilt after the load.
//! - `overhead_claim_by_id`: `get_claim` against `sql::claims::GET_CLAIM`
//!   prepared the same way, over 2,000 claims.
//!
//! Each group also measures the library logged in as a member of
//! `truthgraph_app` (`library_app*`): row-level security in force (migration
//! V7), the tenant set on the connection pipelined ahead of each statement
//! and reset after it.

mod common;
#[allow(dead_code)]
#[path = "../cli/src/dataset.rs"]
mod dataset;

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::{StreamExt, stream};
use pgvector::Vector;
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::{Database, SearchOptions, sql};
use uuid::Uuid;

const TENANT: &str = "bench";
const QUERIES: usize = 50;
const CLAIMS: usize = 2000;

struct Fixture {
    t: TestDatabase,
    db: Database,
    app: Database,
    queries: Vec<Vector>,
    claims: Vec<Uuid>,
}

async fn fixture() -> Fixture {
    let data = dataset::read_dir(common::minilm_dir(), 20_000, QUERIES).expect("minilm data");
    let t = TestDatabase::migrated().await.expect("test database");
    t.db.set_dimension(data.dim).await.expect("set dimension");
    let rows: Vec<common::Row> = data
        .passages
        .iter()
        .zip(&data.texts)
        .map(|(v, text)| common::Row {
            content: text,
            source_type: "minilm",
            vector: v,
        })
        .collect();
    common::load_evidence(&t.db, TENANT, &rows).await;
    // The IVFFlat index was built on an empty table: rebuild it (as the
    // README says to after a bulk load), then fresh statistics.
    t.db.reindex_vector_indexes().await.expect("reindex");
    common::analyze(&t).await;
    let tenant = t.db.tenant(TENANT).unwrap();
    let claims = stream::iter(0..CLAIMS)
        .map(|i| {
            let tenant = &tenant;
            async move {
                tenant
                    .insert_claim(&format!("Benchmark claim number {i}"), None)
                    .await
                    .expect("insert claim")
                    .id
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    common::analyze(&t).await;
    let db = common::reopen(&t).await;
    let app = t.app(db.config()).await.expect("app login");
    Fixture {
        app,
        queries: data
            .queries
            .iter()
            .map(|q| Vector::from(q.clone()))
            .collect(),
        claims,
        db,
        t,
    }
}

/// A plain tokio-postgres connection with the pool's search settings.
async fn raw_client(f: &Fixture) -> tokio_postgres::Client {
    let mut pg: tokio_postgres::Config = f.t.url.parse().expect("url");
    pg.options(f.db.search_defaults().startup_options());
    let (client, conn) = pg.connect(tokio_postgres::NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

fn bench(c: &mut Criterion) {
    let rt = common::runtime();
    let f = rt.block_on(fixture());
    let d = f.db.search_defaults();
    eprintln!(
        "overhead: 20000 x 384 in one tenant, ivfflat lists=100, probes={} ef_search={}",
        d.probes, d.ef_search
    );
    let raw = rt.block_on(raw_client(&f));
    let (db, app, queries, claims) = (&f.db, &f.app, &f.queries, &f.claims);

    let mut group = c.benchmark_group("overhead_search");
    let search = rt
        .block_on(raw.prepare(sql::search::SEARCH_EVIDENCE))
        .expect("prepare search");
    let opts = SearchOptions::top(10);
    let mut i = 0usize;
    group.bench_function("library_default", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let (q, opts) = (&queries[i % queries.len()], &opts);
            async move {
                db.tenant(TENANT)
                    .unwrap()
                    .search_evidence(q, opts)
                    .await
                    .unwrap()
            }
        })
    });
    group.bench_function("library_app_default", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let (q, opts) = (&queries[i % queries.len()], &opts);
            async move {
                app.tenant(TENANT)
                    .unwrap()
                    .search_evidence(q, opts)
                    .await
                    .unwrap()
            }
        })
    });
    let (raw, search) = (&raw, &search);
    group.bench_function("raw_prepared", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let q = &queries[i % queries.len()];
            async move {
                let (source_type, k, min_similarity): (Option<&str>, i64, Option<f64>) =
                    (None, 10, None);
                raw.query(search, &[q, &TENANT, &source_type, &k, &min_similarity])
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| {
                        (
                            r.get::<_, Uuid>(0),
                            r.get::<_, f64>(1),
                            r.get::<_, String>(2),
                            r.get::<_, Option<String>>(3),
                            r.get::<_, Option<String>>(4),
                        )
                    })
                    .collect::<Vec<_>>()
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("overhead_claim_by_id");
    let get_claim = rt
        .block_on(raw.prepare(sql::claims::GET_CLAIM))
        .expect("prepare get_claim");
    group.bench_function("library", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let id = claims[i % claims.len()];
            async move { db.tenant(TENANT).unwrap().get_claim(id).await.unwrap() }
        })
    });
    group.bench_function("library_app", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let id = claims[i % claims.len()];
            async move { app.tenant(TENANT).unwrap().get_claim(id).await.unwrap() }
        })
    });
    let get_claim = &get_claim;
    group.bench_function("raw_prepared", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let id = claims[i % claims.len()];
            async move {
                raw.query_opt(get_claim, &[&TENANT, &id])
                    .await
                    .unwrap()
                    .map(|r| {
                        (
                            r.get::<_, Uuid>(0),
                            r.get::<_, String>(1),
                            r.get::<_, String>(2),
                            r.get::<_, Option<String>>(3),
                            r.get::<_, chrono::NaiveDateTime>(4),
                            r.get::<_, chrono::NaiveDateTime>(5),
                            r.get::<_, chrono::NaiveDateTime>(6),
                        )
                    })
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench
}
criterion_main!(benches);
