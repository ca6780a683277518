//! Ingest on real text: 20K passages and their all-MiniLM-L6-v2 vectors
//! (384 dims) from `benches/data/minilm`.
//!
//! `cargo bench --bench ingest` (add `-- --quick` for a shorter run) measures,
//! each iteration on emptied tables, throughput in rows/s:
//! - `evidence`: 20K rows through `insert_evidence_many` (one `INSERT … SELECT
//!   … FROM UNNEST`), the same rows by binary `COPY` into `evidence`, and 2K
//!   rows through `insert_evidence` one by one from 8 concurrent tasks, and two
//!   concurrent `insert_evidence_many` calls of 10K rows each;
//! - `embeddings_20k_384`: `bulk_load_embeddings` (binary `COPY`) with the
//!   seed's IVFFlat index present and with no vector index, the same load with
//!   `rebuild_indexes` (drop, `COPY`, recreate, `ANALYZE`, one transaction),
//!   replacing all 20K existing rows (`OnConflict::Replace`), and building the
//!   IVFFlat index alone on 20K rows.
//!
//! `TRUTHGRAPH_BENCH_HNSW=1` first prints the same comparison (one run each)
//! for an HNSW index (m = 16, ef_construction = 64), which takes minutes (and
//! runs without `statement_timeout`: `COPY` into a table with that index
//! outlasts the default 60 s at 20K rows on 2 busy cores).
//! Reports land in target/criterion.

#[path = "../tests/it/support.rs"]
mod support;

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use futures_util::pin_mut;
use pgvector::Vector;
use support::TestDatabase;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use truthgraph_db::{BulkLoadOptions, Database, EntityType, NewEmbedding, NewEvidence};
use uuid::Uuid;

const TENANT: &str = "bench";
const ROW_BY_ROW: usize = 2_000;
const TASKS: usize = 8;
const IVFFLAT: &str = "idx_embeddings_vector_cosine";

/// The passages of the real-text set: texts and their vectors, same order.
struct Passages {
    texts: Vec<String>,
    vectors: Vec<Vector>,
}

/// The bytes of a single-member gzip file.
fn gunzip(path: &Path) -> Vec<u8> {
    let gz = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&gz[..3], &[0x1f, 0x8b, 8], "{} is not gzip", path.display());
    let flags = gz[3];
    let mut at = 10;
    if flags & 4 != 0 {
        at += 2 + u16::from_le_bytes([gz[at], gz[at + 1]]) as usize;
    }
    for bit in [8, 16] {
        if flags & bit != 0 {
            at += gz[at..].iter().position(|b| *b == 0).unwrap() + 1;
        }
    }
    if flags & 2 != 0 {
        at += 2;
    }
    miniz_oxide::inflate::decompress_to_vec(&gz[at..gz.len() - 8])
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
}

/// `*.tgvec.gz`: `TGVEC001`, u32 rows, u32 dim, then per row an f32 scale and
/// `dim` int8 values (vector = scale · int8); see the set's README.
fn read_tgvec(path: &Path) -> Vec<Vector> {
    let raw = gunzip(path);
    assert_eq!(&raw[..8], b"TGVEC001");
    let u32_at = |i: usize| u32::from_le_bytes(raw[i..i + 4].try_into().unwrap()) as usize;
    let (rows, dim) = (u32_at(8), u32_at(12));
    raw[16..]
        .chunks_exact(4 + dim)
        .take(rows)
        .map(|row| {
            let scale = f32::from_le_bytes(row[..4].try_into().unwrap());
            Vector::from(
                row[4..]
                    .iter()
                    .map(|q| scale * f32::from(*q as i8))
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

fn load_passages() -> Passages {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/minilm");
    let vectors = read_tgvec(&dir.join("passages.tgvec.gz"));
    let texts: Vec<String> = String::from_utf8(gunzip(&dir.join("passages.jsonl.gz")))
        .unwrap()
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            v["text"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(texts.len(), vectors.len());
    Passages { texts, vectors }
}

async fn exec(db: &Database, sql: &str) {
    let client = db.client().await.unwrap();
    client
        .batch_execute("SET statement_timeout = 0")
        .await
        .unwrap();
    client.batch_execute(sql).await.unwrap();
    client
        .batch_execute("RESET statement_timeout")
        .await
        .unwrap();
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
        writer
            .as_mut()
            .write(&[
                &Uuid::new_v4(),
                &TENANT,
                &r.content,
                &r.source_url,
                &r.source_type,
            ])
            .await
            .unwrap();
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
            let db = db.clone();
            let part = part.to_vec();
            tokio::spawn(async move {
                let t = db.tenant(TENANT).unwrap();
                for r in &part {
                    t.insert_evidence(
                        &r.content,
                        r.source_url.as_deref(),
                        r.source_type.as_deref(),
                    )
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

fn embedding_rows(vectors: &[Vector], ids: &[Uuid]) -> Vec<NewEmbedding> {
    vectors
        .iter()
        .zip(ids)
        .map(|(v, id)| NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: *id,
            embedding: v.clone(),
            model_name: "all-MiniLM-L6-v2".into(),
            model_version: None,
        })
        .collect()
}

async fn load(db: &Database, rows: &[NewEmbedding], options: BulkLoadOptions) {
    let n = db
        .tenant(TENANT)
        .unwrap()
        .bulk_load_embeddings_with(rows, options)
        .await
        .unwrap();
    assert_eq!(n as usize, rows.len());
}

/// `CREATE INDEX` text of the vector indexes of `embeddings`, from the catalog.
async fn index_definitions(db: &Database) -> Vec<String> {
    db.vector_indexes()
        .await
        .unwrap()
        .into_iter()
        .filter(|ix| ix.table_name == "embeddings")
        .map(|ix| ix.definition)
        .collect()
}

async fn timed<T>(f: impl Future<Output = T>) -> Duration {
    let started = Instant::now();
    f.await;
    started.elapsed()
}

fn rate(n: usize, d: Duration) -> String {
    format!(
        "{:>8.2} s {:>9.0} rows/s",
        d.as_secs_f64(),
        n as f64 / d.as_secs_f64()
    )
}

/// One run each, for an HNSW index (too slow for criterion's repetitions).
async fn hnsw_report(db: &Database, rows: &[NewEmbedding]) {
    let n = rows.len();
    println!("\n== HNSW (m = 16, ef_construction = 64), {n} × 384, one run each ==");
    let seed_index = index_definitions(db).await;
    exec(db, &format!("TRUNCATE embeddings; DROP INDEX {IVFFLAT}")).await;
    let hnsw = "CREATE INDEX idx_bench_hnsw ON embeddings USING hnsw \
                (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)";
    exec(db, hnsw).await;
    let d = timed(load(db, rows, BulkLoadOptions::default())).await;
    println!("COPY with the HNSW index       {}", rate(n, d));
    exec(db, "TRUNCATE embeddings; DROP INDEX idx_bench_hnsw").await;
    let d = timed(load(db, rows, BulkLoadOptions::default())).await;
    println!("COPY without a vector index    {}", rate(n, d));
    let d = timed(exec(db, hnsw)).await;
    println!("HNSW build on the loaded rows  {}", rate(n, d));
    exec(db, "TRUNCATE embeddings").await;
    let d = timed(load(
        db,
        rows,
        BulkLoadOptions::default().rebuilding_indexes(),
    ))
    .await;
    println!("rebuild_indexes (one tx)       {}", rate(n, d));
    exec(db, "TRUNCATE embeddings; DROP INDEX idx_bench_hnsw").await;
    for ddl in seed_index {
        exec(db, &ddl).await;
    }
    println!();
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let passages = load_passages();
    let n = passages.texts.len();
    let t = rt.block_on(async {
        let t = TestDatabase::migrated().await.unwrap();
        t.db.set_dimension(384).await.unwrap();
        t
    });
    let db = &t.db;
    let evidence: Vec<NewEvidence> = passages
        .texts
        .iter()
        .enumerate()
        .map(|(i, text)| NewEvidence {
            content: text.clone(),
            source_url: Some(format!("https://example.org/passage/{i}")),
            source_type: Some("bench".into()),
        })
        .collect();

    // Each iteration starts from emptied tables; only the load is timed.
    let mut group = c.benchmark_group("evidence");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(format!("batch_unnest_{}k", n / 1000), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let evidence = &evidence;
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    exec(db, "TRUNCATE evidence CASCADE").await;
                    total += timed(async {
                        let stored = db
                            .tenant(TENANT)
                            .unwrap()
                            .insert_evidence_many(evidence)
                            .await
                            .unwrap();
                        assert_eq!(stored.len(), evidence.len());
                    })
                    .await;
                }
                total
            }
        })
    });
    group.bench_function(format!("binary_copy_{}k", n / 1000), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let evidence = &evidence;
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    exec(db, "TRUNCATE evidence CASCADE").await;
                    total += timed(copy_evidence(db, evidence)).await;
                }
                total
            }
        })
    });
    // Two callers at once, each its own atomic batch of half the rows: the
    // server's per-row cost (the generated content_tsv) then uses both cores.
    group.bench_function(format!("batch_unnest_2x{}k_concurrent", n / 2000), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let evidence = &evidence;
            async move {
                let mut total = Duration::ZERO;
                let (first, second) = evidence.split_at(evidence.len() / 2);
                for _ in 0..iters {
                    exec(db, "TRUNCATE evidence CASCADE").await;
                    total += timed(async {
                        let t = db.tenant(TENANT).unwrap();
                        let (a, b) = tokio::join!(
                            t.insert_evidence_many(first),
                            t.insert_evidence_many(second)
                        );
                        assert_eq!(a.unwrap().len() + b.unwrap().len(), evidence.len());
                    })
                    .await;
                }
                total
            }
        })
    });
    group.throughput(Throughput::Elements(ROW_BY_ROW as u64));
    group.bench_function(format!("row_by_row_{TASKS}_tasks_2k"), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let evidence = &evidence[..ROW_BY_ROW];
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    exec(db, "TRUNCATE evidence CASCADE").await;
                    total += timed(evidence_row_by_row(db, evidence)).await;
                }
                total
            }
        })
    });
    group.finish();

    // The embeddings' entities: the evidence rows, stored once (V7 refuses
    // an embedding of an entity that does not exist).
    let embeddings = rt.block_on(async {
        exec(db, "TRUNCATE evidence CASCADE").await;
        let mut ids = Vec::with_capacity(n);
        for chunk in evidence.chunks(5000) {
            let stored = db
                .tenant(TENANT)
                .unwrap()
                .insert_evidence_many(chunk)
                .await
                .unwrap();
            ids.extend(stored.iter().map(|e| e.id));
        }
        embedding_rows(&passages.vectors, &ids)
    });
    if std::env::var_os("TRUTHGRAPH_BENCH_HNSW").is_some() {
        rt.block_on(async {
            // COPY into a table with an HNSW index outlasts the default
            // 60-s statement_timeout here: measure without one.
            let config = truthgraph_db::Config {
                statement_timeout: Duration::ZERO,
                ..truthgraph_db::Config::default()
            };
            let untimed = t.connect(&config).await.unwrap();
            hnsw_report(&untimed, &embeddings).await;
            untimed.close().await;
        });
    }
    let seed_index = rt.block_on(index_definitions(db));
    let mut group = c.benchmark_group(format!("embeddings_{}k_384", n / 1000));
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(n as u64));
    let embeddings = &embeddings;
    for (name, options, reset) in [
        (
            "copy_with_ivfflat",
            BulkLoadOptions::default(),
            "TRUNCATE embeddings",
        ),
        (
            "copy_rebuilding_ivfflat",
            BulkLoadOptions::default().rebuilding_indexes(),
            "TRUNCATE embeddings",
        ),
    ] {
        group.bench_function(name, |b| {
            b.to_async(&rt).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    exec(db, reset).await;
                    total += timed(load(db, embeddings, options)).await;
                }
                total
            })
        });
    }
    // Replacing every row of a loaded table (staging table + upsert).
    rt.block_on(async {
        exec(db, "TRUNCATE embeddings").await;
        load(db, embeddings, BulkLoadOptions::default()).await;
    });
    group.bench_function("replace_existing_with_ivfflat", |b| {
        b.to_async(&rt).iter_custom(|iters| async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += timed(load(db, embeddings, BulkLoadOptions::replace())).await;
            }
            total
        })
    });
    // Without the vector index: the load, then the index build alone.
    rt.block_on(exec(
        db,
        &format!("TRUNCATE embeddings; DROP INDEX {IVFFLAT}"),
    ));
    group.bench_function("copy_without_index", |b| {
        b.to_async(&rt).iter_custom(|iters| async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                exec(db, "TRUNCATE embeddings").await;
                total += timed(load(db, embeddings, BulkLoadOptions::default())).await;
            }
            total
        })
    });
    let ddl = &seed_index;
    group.bench_function("ivfflat_build", |b| {
        b.to_async(&rt).iter_custom(|iters| async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                exec(db, &format!("DROP INDEX IF EXISTS {IVFFLAT}")).await;
                for d in ddl {
                    total += timed(exec(db, d)).await;
                }
            }
            total
        })
    });
    group.finish();
    drop(t);
}

criterion_group!(benches, bench);
criterion_main!(benches);
