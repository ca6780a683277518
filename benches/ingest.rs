//! Ingest: evidence batches on real text, embeddings by bulk load.
//!
//! `cargo bench --bench ingest` (add `-- --quick` for shorter criterion
//! runs) first prints two interleaved comparisons (`benches/ingest/report.rs`,
//! `TRUTHGRAPH_BENCH_ROUNDS` rounds, default 3), the tables of BENCHMARKS.md
//! "Ingest":
//! - 20K real passages of `benches/data/minilm` through
//!   `insert_evidence_many` (owner and `truthgraph_app` login), two
//!   concurrent halves, and where the server's time goes;
//! - 20K synthetic 1536-dim vectors (the generator of `truthgraph-db bench`)
//!   into `embeddings` without a vector index: the path before V11 (staging
//!   table, V7's row trigger), the library's paths (owner: `COPY`; app login:
//!   `INSERT … unnest`), storage PLAIN and MAIN, and diagnostics.
//!
//! Then criterion measures, each iteration on emptied tables, in rows/s:
//! - `evidence`: 20K rows through `insert_evidence_many`, the same by binary
//!   `COPY` into `evidence`, 2K rows through `insert_evidence` one by one
//!   from 8 concurrent tasks;
//! - `embeddings_20k_384`: `bulk_load_embeddings` of the 20K MiniLM vectors
//!   without a vector index, as owner and as a `truthgraph_app` login, and
//!   replacing all 20K existing rows (`OnConflict::Replace`).
//!
//! `TRUTHGRAPH_BENCH_HNSW=1` adds a one-run comparison for an HNSW index
//! (m = 16, ef_construction = 64): a bulk load keeping the index, the
//! default load (which rebuilds), and the build alone with 0 and 1 parallel
//! maintenance workers (minutes).
//!
//! The test server runs with `fsync=off`: point `DATABASE_URL` at a durable
//! server for honest figures. Reports land in target/criterion.

#[allow(dead_code)]
#[path = "../cli/src/dataset.rs"]
mod dataset;
#[path = "ingest/report.rs"]
mod report;

use std::future::Future;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use futures_util::pin_mut;
use pgvector::Vector;
use report::TENANT;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::{BulkLoadOptions, Config, Database, EntityType, NewEmbedding, NewEvidence};
use uuid::Uuid;

const ROW_BY_ROW: usize = 2_000;
const TASKS: usize = 8;
const HNSW: &str = "CREATE INDEX idx_bench_hnsw ON embeddings USING hnsw \
                    (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)";

/// `sql` on a connection of its own, without the pool's statement timeout.
async fn exec(t: &TestDatabase, sql: &str) {
    let client = t.raw_client().await.unwrap();
    client.batch_execute(sql).await.unwrap();
}

/// The alternative to the UNNEST statement: binary `COPY` into `evidence`
/// (ids chosen here, as the library does), in one transaction.
async fn copy_evidence(db: &Database, rows: &[NewEvidence]) -> u64 {
    let mut client = db.client().await.unwrap();
    let tx = client.transaction().await.unwrap();
    let sink = tx
        .copy_in(
            "COPY evidence (id, tenant_id, content, source_url, source_type) \
             FROM STDIN (FORMAT binary)",
        )
        .await
        .unwrap();
    let types = [
        Type::UUID,
        Type::VARCHAR,
        Type::TEXT,
        Type::TEXT,
        Type::VARCHAR,
    ];
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    for r in rows {
        let row: [&(dyn tokio_postgres::types::ToSql + Sync); 5] = [
            &Uuid::new_v4(),
            &TENANT,
            &r.content,
            &r.source_url,
            &r.source_type,
        ];
        writer.as_mut().write(&row).await.unwrap();
    }
    let n = writer.finish().await.unwrap();
    tx.commit().await.unwrap();
    n
}

/// `insert_evidence` one row at a time from `TASKS` concurrent tasks.
async fn evidence_row_by_row(db: &Database, rows: &[NewEvidence]) {
    let chunk = rows.len().div_ceil(TASKS);
    let tasks: Vec<_> = rows
        .chunks(chunk)
        .map(|part| {
            let (db, part) = (db.clone(), part.to_vec());
            tokio::spawn(async move {
                let t = db.tenant(TENANT).unwrap();
                for r in &part {
                    let (url, kind) = (r.source_url.as_deref(), r.source_type.as_deref());
                    t.insert_evidence(&r.content, url, kind).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

async fn load(db: &Database, rows: &[NewEmbedding], options: BulkLoadOptions) {
    let t = db.tenant(TENANT).unwrap();
    let report = t.bulk_load_embeddings_with(rows, options).await.unwrap();
    assert_eq!(report.rows as usize, rows.len());
}

async fn timed<T>(f: impl Future<Output = T>) -> Duration {
    let started = Instant::now();
    f.await;
    started.elapsed()
}

fn rate(n: usize, d: Duration) -> String {
    let s = d.as_secs_f64();
    format!("{s:>8.2} s {:>9.0} rows/s", n as f64 / s)
}

/// One run each, for an HNSW index (too slow for criterion's repetitions):
/// a load that keeps the index (the library's only path before issue 16),
/// the default (which rebuilds here: `IndexMaintenance::Auto`), the build
/// alone with 0 and 1 parallel maintenance workers.
async fn hnsw_report(t: &TestDatabase, db: &Database, rows: &[NewEmbedding]) {
    let n = rows.len();
    println!(
        "\n== HNSW (m = 16, ef_construction = 64), {n} × 384, one run each; load average {} ==",
        report::load_average()
    );
    exec(t, &format!("TRUNCATE embeddings; {HNSW}")).await;
    let keep = BulkLoadOptions::default().keeping_indexes();
    let d = timed(load(db, rows, keep)).await;
    println!("bulk_load, indexes kept (before)   {}", rate(n, d));
    exec(t, "TRUNCATE embeddings").await;
    let d = timed(load(db, rows, BulkLoadOptions::default())).await;
    println!("bulk_load, default (after: Auto)   {}", rate(n, d));
    for workers in [0, 1] {
        exec(t, "DROP INDEX idx_bench_hnsw").await;
        let sql = format!("SET max_parallel_maintenance_workers = {workers}; {HNSW}");
        let d = timed(exec(t, &sql)).await;
        println!("HNSW build alone, {workers} extra worker(s) {}", rate(n, d));
    }
    exec(t, "TRUNCATE embeddings; DROP INDEX idx_bench_hnsw").await;
    println!("load average after: {}\n", report::load_average());
}

/// A criterion bench of `iters` runs of `f`, each after `reset`.
macro_rules! bench_reset {
    ($group:expr, $rt:expr, $name:expr, $t:expr, $reset:expr, $f:expr) => {
        $group.bench_function($name, |b| {
            b.to_async($rt).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    exec($t, $reset).await;
                    total += timed($f).await;
                }
                total
            })
        })
    };
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let data = dataset::read_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/minilm"),
        usize::MAX,
        0,
    )
    .unwrap();
    let n = data.texts.len();
    let evidence: Vec<NewEvidence> = data
        .texts
        .iter()
        .enumerate()
        .map(|(i, text)| NewEvidence {
            content: text.clone(),
            source_url: Some(format!("https://example.org/passage/{i}")),
            source_type: Some("bench".into()),
        })
        .collect();
    let rounds = std::env::var("TRUTHGRAPH_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let t = rt.block_on(async {
        let wide = TestDatabase::migrated().await.unwrap();
        let synthetic = dataset::synthetic(n, 1536, 0, 42);
        report::embeddings(&wide, &synthetic.passages, rounds).await;
        drop(wide);
        let t = TestDatabase::migrated().await.unwrap();
        t.db.set_dimension(384).await.unwrap();
        exec(&t, "DROP INDEX idx_embeddings_vector_cosine").await;
        report::evidence(&t, &evidence, rounds).await;
        t
    });
    let db = &t.db;
    let untimed = Config {
        statement_timeout: Duration::ZERO,
        ..Config::default()
    };
    let app = rt.block_on(t.app(&untimed)).unwrap();

    let mut group = c.benchmark_group("evidence");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(n as u64));
    let (ev, t) = (&evidence, &t);
    let reset = "TRUNCATE evidence CASCADE";
    bench_reset!(
        group,
        &rt,
        format!("batch_unnest_{}k", n / 1000),
        t,
        reset,
        async {
            let stored = db.tenant(TENANT).unwrap().insert_evidence_many(ev).await;
            assert_eq!(stored.unwrap().len(), ev.len());
        }
    );
    bench_reset!(
        group,
        &rt,
        format!("binary_copy_{}k", n / 1000),
        t,
        reset,
        copy_evidence(db, ev)
    );
    group.throughput(Throughput::Elements(ROW_BY_ROW as u64));
    let first = &evidence[..ROW_BY_ROW];
    bench_reset!(
        group,
        &rt,
        format!("row_by_row_{TASKS}_tasks_2k"),
        t,
        reset,
        evidence_row_by_row(db, first)
    );
    group.finish();

    // The embeddings' entities: the evidence rows, stored once.
    let embeddings: Vec<NewEmbedding> = rt.block_on(async {
        exec(t, "TRUNCATE evidence CASCADE").await;
        let mut rows = Vec::with_capacity(n);
        for chunk in evidence.chunks(5000) {
            let stored = db
                .tenant(TENANT)
                .unwrap()
                .insert_evidence_many(chunk)
                .await
                .unwrap();
            for e in &stored {
                rows.push(NewEmbedding {
                    entity_type: EntityType::Evidence,
                    entity_id: e.id,
                    embedding: Vector::from(data.passages[rows.len()].clone()),
                    model_name: "all-MiniLM-L6-v2".into(),
                    model_version: None,
                });
            }
        }
        rows
    });
    if std::env::var_os("TRUTHGRAPH_BENCH_HNSW").is_some() {
        rt.block_on(async {
            let untimed_db = t.connect(&untimed).await.unwrap();
            hnsw_report(t, &untimed_db, &embeddings).await;
            untimed_db.close().await;
        });
    }
    let mut group = c.benchmark_group(format!("embeddings_{}k_384", n / 1000));
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(n as u64));
    let (rows, app_ref) = (&embeddings, &app);
    let reset = "TRUNCATE embeddings";
    bench_reset!(
        group,
        &rt,
        "copy_without_index",
        t,
        reset,
        load(db, rows, BulkLoadOptions::default())
    );
    bench_reset!(
        group,
        &rt,
        "app_login_without_index",
        t,
        reset,
        load(app_ref, rows, BulkLoadOptions::default())
    );
    // Replacing every row of a loaded table (an upsert of parallel arrays).
    rt.block_on(load(db, rows, BulkLoadOptions::default()));
    bench_reset!(
        group,
        &rt,
        "replace_existing_without_index",
        t,
        "SELECT 1",
        load(db, rows, BulkLoadOptions::replace())
    );
    group.finish();
    rt.block_on(app.close());
}

criterion_group!(benches, bench);
criterion_main!(benches);
