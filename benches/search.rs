//! Top-10 similarity search through the library, criterion only.
//!
//! `cargo bench --bench search` measures
//! `db.tenant(t)?.search_evidence(&q, &SearchOptions::top(10))` on two data
//! sets:
//! - `search_10k_1536`: 10,000 synthetic low-rank vectors of 1536 dims (the
//!   generator of `truthgraph-db bench`, seed 42);
//! - `search_20k_384_minilm`: the 20,000 real all-MiniLM-L6-v2 passage
//!   embeddings of `benches/data/minilm` and its held-out query vectors, on a
//!   database switched to `vector(384)`.
//!
//! Rows belong to four tenants of unequal size (50/30/15/5 %); every tenth
//! row has source type `type-3`. For each candidate index (HNSW m = 16,
//! ef_construction = 64; IVFFlat lists = rows / 1000), built under the
//! migrations' name `idx_embeddings_vector_cosine`, the benches search the
//! 50 % and the 5 % tenant without and with the source-type filter, with the
//! default options a service opening the database would get. Exact search
//! (`exact: true`, no index) is measured once per data set, for the same
//! tenants and filters. Ids: `<index>/<tenant>/<all|type-3>`.
//!
//! Recall and the choice of settings are `truthgraph-db bench`'s job, not
//! this file's. Reports land in target/criterion.

mod common;
#[allow(dead_code)]
#[path = "../cli/src/dataset.rs"]
mod dataset;

use criterion::{Criterion, criterion_group, criterion_main};
use pgvector::Vector;
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::{Database, SearchOptions};

use common::Row;
use dataset::Dataset;

/// Queries cycled through by every bench.
const QUERIES: usize = 50;
/// Tenants and their share of the rows, in %.
const TENANTS: [(&str, usize); 4] = [("t50", 50), ("t30", 30), ("t15", 15), ("t5", 5)];
/// The tenants searched: the largest and the smallest.
const SEARCHED: [&str; 2] = ["t50", "t5"];
/// One row in ten has this source type.
const FILTER: &str = "type-3";

/// Which tenant row `i` belongs to: exact shares, spread over the data.
fn tenant_of(i: usize) -> &'static str {
    let mut at = i % 100;
    for (name, share) in TENANTS {
        if at < share {
            return name;
        }
        at -= share;
    }
    unreachable!("shares add up to 100")
}

/// A fresh database of the data set's dimension holding its passages as
/// evidence with embeddings, no vector index yet.
async fn load(data: &Dataset) -> TestDatabase {
    let t = TestDatabase::migrated().await.expect("test database");
    if t.db.embedding_dimension().await.expect("dimension") != data.dim {
        t.db.set_dimension(data.dim).await.expect("set dimension");
    }
    common::drop_vector_index(&t).await;
    let types: Vec<String> = (0..10).map(|i| format!("type-{i}")).collect();
    for (tenant, _) in TENANTS {
        let rows: Vec<Row> = (0..data.passages.len())
            .filter(|i| tenant_of(*i) == tenant)
            .map(|i| Row {
                content: &data.texts[i],
                source_type: &types[(i / 100) % 10],
                vector: &data.passages[i],
            })
            .collect();
        common::load_evidence(&t.db, tenant, &rows).await;
    }
    common::analyze(&t).await;
    t
}

/// Registers one bench per searched tenant and filter under `index`.
fn searches(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &tokio::runtime::Runtime,
    db: &Database,
    queries: &[Vector],
    index: &str,
    exact: bool,
) {
    for tenant in SEARCHED {
        for filter in [None, Some(FILTER)] {
            let opts = SearchOptions {
                source_type: filter.map(String::from),
                exact,
                ..SearchOptions::top(10)
            };
            // A search that finds nothing measures nothing.
            let hits = rt
                .block_on(
                    db.tenant(tenant)
                        .unwrap()
                        .search_evidence(&queries[0], &opts),
                )
                .expect("search");
            assert!(!hits.is_empty(), "{index}/{tenant}/{filter:?}: no hits");
            let id = format!("{index}/{tenant}/{}", filter.unwrap_or("all"));
            let mut i = 0usize;
            group.bench_function(id, |b| {
                b.to_async(rt).iter(|| {
                    i += 1;
                    let (q, opts) = (&queries[i % queries.len()], &opts);
                    async move {
                        db.tenant(tenant)
                            .unwrap()
                            .search_evidence(q, opts)
                            .await
                            .unwrap()
                    }
                })
            });
        }
    }
}

fn bench_data_set(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, data: &Dataset) {
    let rows = data.passages.len();
    eprintln!("{name}: loading {rows} x {} ...", data.dim);
    let t = rt.block_on(load(data));
    let queries: Vec<Vector> = data
        .queries
        .iter()
        .take(QUERIES)
        .map(|q| Vector::from(q.clone()))
        .collect();
    let candidates = [
        (
            "hnsw",
            format!(
                "CREATE INDEX {} ON embeddings USING hnsw (embedding vector_cosine_ops) \
                 WITH (m = 16, ef_construction = 64)",
                common::VECTOR_INDEX
            ),
        ),
        (
            "ivfflat",
            format!(
                "CREATE INDEX {} ON embeddings USING ivfflat (embedding vector_cosine_ops) \
                 WITH (lists = {})",
                common::VECTOR_INDEX,
                (rows / 1000).max(1)
            ),
        ),
    ];
    let mut group = c.benchmark_group(name);
    // Some cases take 100 ms a call: flat sampling needs 20 calls per bench
    // where linear sampling needs 210, which would stretch the suite.
    group.sampling_mode(criterion::SamplingMode::Flat);
    for (index, create) in &candidates {
        let took = rt.block_on(common::switch_index(&t, create));
        let db = rt.block_on(common::reopen(&t));
        let d = db.search_defaults();
        eprintln!(
            "{name}: {index} built in {took:.1?}; defaults ef_search={} probes={}",
            d.ef_search, d.probes
        );
        searches(&mut group, rt, &db, &queries, index, false);
        rt.block_on(db.close());
    }
    // Exact search reads every row of the tenant, whatever the index.
    let db = rt.block_on(common::reopen(&t));
    searches(&mut group, rt, &db, &queries, "exact", true);
    rt.block_on(db.close());
    group.finish();
    drop(t);
}

fn bench(c: &mut Criterion) {
    let rt = common::runtime();
    let synthetic = dataset::synthetic(10_000, 1536, QUERIES, 42);
    bench_data_set(c, &rt, "search_10k_1536", &synthetic);
    drop(synthetic);
    let minilm = dataset::read_dir(common::minilm_dir(), 20_000, QUERIES).expect("minilm data");
    assert_eq!(
        minilm.passages.len(),
        20_000,
        "benches/data/minilm is incomplete"
    );
    bench_data_set(c, &rt, "search_20k_384_minilm", &minilm);
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench
}
criterion_main!(benches);
