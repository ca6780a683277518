//! Similarity search at 10K × 1536 (override with TRUTHGRAPH_BENCH_ROWS).
//!
//! `cargo bench --bench search` prints, before the criterion runs:
//! - bulk load of all rows by binary COPY against row-by-row upserts;
//! - IVFFlat and HNSW build times;
//! - a tuning table: recall@10 against exact search and mean latency per
//!   query, for lists × probes (IVFFlat) and ef_search (HNSW), on two data
//!   sets: clustered vectors (easy), low-rank vectors (64 latent dimensions,
//!   closer to real text embeddings) and uniform random ones (the worst case).
//!
//! Then criterion measures, on the seed's index (ivfflat, lists = 100):
//! top-10 with the default settings, exact top-10, and the same tuned query
//! through a raw prepared tokio-postgres statement (typed-layer overhead).
//! Reports land in target/criterion.

#[path = "../tests/it/support.rs"]
mod support;

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use pgvector::Vector;
use support::{Clustered, TestDatabase};

use truthgraph_db::{Database, EntityType, NewEmbedding, SearchOptions};
use truthgraph_vector_ref::VectorRef;
use uuid::Uuid;

const DIM: usize = 1536;
const QUERIES: usize = 50;

fn rows() -> usize {
    std::env::var("TRUTHGRAPH_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

struct DataSet {
    name: &'static str,
    vectors: Vec<Vector>,
    queries: Vec<Vector>,
}

/// Unit vectors with a low intrinsic dimension, as text embeddings have: a
/// 64-dim Gaussian latent mapped into 1536 dims by a fixed random matrix, plus
/// a little isotropic noise.
fn low_rank(seed: u64, n: usize) -> Vec<Vector> {
    const LATENT: usize = 64;
    let basis: Vec<Vector> = (0..LATENT)
        .map(|i| support::random_unit(seed * 1000 + i as u64, DIM))
        .collect();
    (0..n)
        .map(|j| {
            let z = support::random_unit(seed * 1_000_000 + 500_000 + j as u64, LATENT);
            let noise = support::random_unit(seed * 1_000_000 + 900_000 + j as u64, DIM);
            let mut v: Vec<f32> = noise.as_slice().iter().map(|x| 0.2 * x).collect();
            for (w, b) in z.as_slice().iter().zip(&basis) {
                for (vi, bi) in v.iter_mut().zip(b.as_slice()) {
                    *vi += w * bi;
                }
            }
            Vector::from(support::unit(v))
        })
        .collect()
}

fn datasets(n: usize) -> Vec<DataSet> {
    // Clustered: 100 centres, a point's cosine to its centre ≈ 0.55.
    let mut clustered = Clustered::new(42, DIM, 100, 1.5);
    let latent = low_rank(7, n + QUERIES);
    // Uniform: no structure at all; every index is at its worst.
    let uniform: Vec<Vector> = (0..n + QUERIES)
        .map(|i| support::random_unit(1_000_000 + i as u64, DIM))
        .collect();
    vec![
        DataSet {
            name: "clustered",
            vectors: clustered.take(n),
            queries: clustered.take(QUERIES),
        },
        DataSet {
            name: "low-rank",
            vectors: latent[..n].to_vec(),
            queries: latent[n..].to_vec(),
        },
        DataSet {
            name: "uniform",
            vectors: uniform[..n].to_vec(),
            queries: uniform[n..].to_vec(),
        },
    ]
}

async fn load(db: &Database, tenant: &str, vectors: &[Vector]) {
    let client = db.client().await.unwrap();
    let ids: Vec<Uuid> = (0..vectors.len()).map(|_| Uuid::new_v4()).collect();
    client
        .execute(
            "INSERT INTO evidence (id, tenant_id, content) \
             SELECT id, $2, 'evidence ' || id FROM UNNEST($1::uuid[]) id",
            &[&ids, &tenant],
        )
        .await
        .unwrap();
    let rows: Vec<NewEmbedding> = ids
        .iter()
        .zip(vectors)
        .map(|(id, v)| NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: *id,
            embedding: v.clone(),
            model_name: "bench".into(),
            model_version: None,
        })
        .collect();
    db.tenant(tenant)
        .unwrap()
        .bulk_load_embeddings(&rows)
        .await
        .unwrap();
}

async fn exact_top10(db: &Database, tenant: &str, queries: &[Vector]) -> Vec<Vec<Uuid>> {
    let opts = SearchOptions {
        exact: true,
        ..SearchOptions::default()
    };
    let mut out = Vec::new();
    for q in queries {
        let hits = db
            .tenant(tenant)
            .unwrap()
            .search_evidence(q, &opts)
            .await
            .unwrap();
        out.push(hits.into_iter().map(|h| h.id).collect());
    }
    out
}

/// Mean recall@10 and mean latency of `opts` over the queries.
async fn measure(
    db: &Database,
    tenant: &str,
    queries: &[Vector],
    truth: &[Vec<Uuid>],
    opts: &SearchOptions,
) -> (f64, Duration) {
    let mut recall = 0.0;
    let started = Instant::now();
    for (q, t) in queries.iter().zip(truth) {
        let hits = db
            .tenant(tenant)
            .unwrap()
            .search_evidence(q, opts)
            .await
            .unwrap();
        recall += hits.iter().filter(|h| t.contains(&h.id)).count() as f64 / t.len() as f64;
    }
    (
        recall / queries.len() as f64,
        started.elapsed() / queries.len() as u32,
    )
}

async fn rebuild(db: &Database, definition: &str) -> Duration {
    let client = db.client().await.unwrap();
    client
        .batch_execute("DROP INDEX IF EXISTS idx_embeddings_vector_cosine; DROP INDEX IF EXISTS idx_bench_hnsw")
        .await
        .unwrap();
    // Index builds at 100K outlast the pool's statement_timeout.
    client
        .batch_execute("SET statement_timeout = 0")
        .await
        .unwrap();
    let started = Instant::now();
    client.batch_execute(definition).await.unwrap();
    let took = started.elapsed();
    client
        .batch_execute("ANALYZE embeddings; RESET statement_timeout")
        .await
        .unwrap();
    took
}

async fn report(n: usize) {
    println!("\n== TruthGraph search bench: {n} × {DIM} ==");
    // Bulk load: binary COPY against row-by-row upserts, same rows.
    let data = Clustered::new(9, DIM, 100, 1.5).take(n.min(10_000));
    let t = TestDatabase::migrated().await.unwrap();
    let started = Instant::now();
    load(&t.db, "copy", &data).await;
    let copy = started.elapsed();
    let ids: Vec<Uuid> = (0..data.len()).map(|_| Uuid::new_v4()).collect();
    let started = Instant::now();
    for (id, v) in ids.iter().zip(&data) {
        t.db.tenant("rows")
            .unwrap()
            .upsert_embedding(EntityType::Evidence, *id, v, "bench", None)
            .await
            .unwrap();
    }
    let upserts = started.elapsed();
    println!(
        "bulk load {} rows: binary COPY {:.2?} ({:.0} rows/s), row-by-row upsert {:.2?} ({:.0} rows/s), ratio {:.1}x",
        data.len(),
        copy,
        data.len() as f64 / copy.as_secs_f64(),
        upserts,
        data.len() as f64 / upserts.as_secs_f64(),
        upserts.as_secs_f64() / copy.as_secs_f64()
    );
    drop(t);

    println!(
        "\n{:<10} {:<28} {:>9} {:>10} {:>12}",
        "data", "index / setting", "build", "recall@10", "latency"
    );
    for ds in datasets(n) {
        let t = TestDatabase::migrated().await.unwrap();
        load(&t.db, "bench", &ds.vectors).await;
        let truth = exact_top10(&t.db, "bench", &ds.queries).await;
        let (_, exact_latency) = measure(
            &t.db,
            "bench",
            &ds.queries,
            &truth,
            &SearchOptions {
                exact: true,
                ..SearchOptions::default()
            },
        )
        .await;
        println!(
            "{:<10} {:<28} {:>9} {:>10.3} {:>12.2?}",
            ds.name, "exact (no index)", "-", 1.0, exact_latency
        );
        for lists in [50, 100, 200] {
            let build = rebuild(
                &t.db,
                &format!(
                    "CREATE INDEX idx_embeddings_vector_cosine ON embeddings \
                     USING ivfflat (embedding vector_cosine_ops) WITH (lists = {lists})"
                ),
            )
            .await;
            for probes in [1, 5, 10, 20, 40] {
                let opts = SearchOptions {
                    probes: Some(probes),
                    ..SearchOptions::default()
                };
                let (recall, latency) = measure(&t.db, "bench", &ds.queries, &truth, &opts).await;
                let mark = if lists == 100 && probes == t.db.search_defaults().probes {
                    " (default)"
                } else {
                    ""
                };
                println!(
                    "{:<10} {:<28} {:>9.2?} {:>10.3} {:>12.2?}",
                    ds.name,
                    format!("ivfflat lists={lists} probes={probes}{mark}"),
                    build,
                    recall,
                    latency
                );
            }
        }
        let build = rebuild(
            &t.db,
            "CREATE INDEX idx_bench_hnsw ON embeddings \
             USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)",
        )
        .await;
        for ef in [40, 100, 200] {
            let opts = SearchOptions {
                ef_search: Some(ef),
                ..SearchOptions::default()
            };
            let (recall, latency) = measure(&t.db, "bench", &ds.queries, &truth, &opts).await;
            let mark = if ef == t.db.search_defaults().ef_search {
                " (default)"
            } else {
                ""
            };
            println!(
                "{:<10} {:<28} {:>9.2?} {:>10.3} {:>12.2?}",
                ds.name,
                format!("hnsw m=16 ef_search={ef}{mark}"),
                build,
                recall,
                latency
            );
        }
    }
    println!();
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if std::env::var_os("TRUTHGRAPH_BENCH_SKIP_TABLE").is_none() {
        rt.block_on(report(rows()));
    }

    // Criterion: the seed's index (ivfflat lists = 100) on clustered data.
    let n = rows();
    let mut data = Clustered::new(42, DIM, 100, 1.5);
    let vectors = data.take(n);
    let queries = data.take(QUERIES);
    let t = rt.block_on(async {
        let t = TestDatabase::migrated().await.unwrap();
        load(&t.db, "bench", &vectors).await;
        t.db.reindex_vector_indexes().await.unwrap();
        t
    });
    let db = &t.db;
    let sql = truthgraph_db::sql::search::SEARCH_EVIDENCE;
    let mut group = c.benchmark_group(format!("top10_{}k_{DIM}", n / 1000));
    group.measurement_time(Duration::from_secs(10));
    let mut i = 0usize;
    group.bench_function("typed_default", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let q = &queries[i % QUERIES];
            async move {
                db.tenant("bench")
                    .unwrap()
                    .search_evidence(q, &SearchOptions::default())
                    .await
                    .unwrap()
            }
        })
    });
    // The floor: the same SQL as a statement prepared once on a plain
    // tokio-postgres connection started with the same settings.
    let raw = rt.block_on(async {
        let mut pg: tokio_postgres::Config = t.url.parse().unwrap();
        pg.options(db.search_defaults().startup_options());
        let (client, conn) = pg.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        let stmt = client.prepare(sql).await.unwrap();
        (client, stmt)
    });
    group.bench_function("raw_prepared_default", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let q = &queries[i % QUERIES];
            let (client, stmt) = (&raw.0, &raw.1);
            async move {
                let (k, src, min): (i64, Option<&str>, Option<f64>) = (10, None, None);
                client
                    .query(stmt, &[&VectorRef::from(q), &"bench", &src, &k, &min])
                    .await
                    .unwrap()
            }
        })
    });
    group.bench_function("typed_exact", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let q = &queries[i % QUERIES];
            async move {
                db.tenant("bench")
                    .unwrap()
                    .search_evidence(
                        q,
                        &SearchOptions {
                            exact: true,
                            ..SearchOptions::default()
                        },
                    )
                    .await
                    .unwrap()
            }
        })
    });
    group.finish();
    drop(t);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
