//! Set-up shared by the criterion benches: a runtime, a fresh database on the
//! throw-away embedded server (or `DATABASE_URL`), bulk loading of evidence
//! with embeddings, and index switching. Nothing here is measured.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::Criterion;
use pgvector::Vector;
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::{Config, Database, EntityType, NewEmbedding, raw_sql};
use uuid::Uuid;

/// The name the migrations give the vector index; candidates take it over.
pub const VECTOR_INDEX: &str = "idx_embeddings_vector_cosine";

/// Short runs: the whole suite must fit in 15 minutes on 2 shared cores.
pub fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The pool settings `TestDatabase` uses.
pub fn config() -> Config {
    Config {
        pool_max_size: 8,
        ..Config::default()
    }
}

/// A new handle on the test database, so its search defaults (read once at
/// connect: `ivfflat.probes` from the index's lists, `hnsw.ef_search` from
/// the table's size) are those a service opening this database now would get.
pub async fn reopen(t: &TestDatabase) -> Database {
    Database::connect(&config(), &t.url).await.expect("connect")
}

/// `benches/data/minilm`: real all-MiniLM-L6-v2 embeddings (384 dims).
pub fn minilm_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/data/minilm"))
}

/// One evidence row to load: its text, source type and embedding.
pub struct Row<'a> {
    pub content: &'a str,
    pub source_type: &'a str,
    pub vector: &'a [f32],
}

/// Inserts `rows` as evidence of `tenant` (one `INSERT … FROM UNNEST` per
/// chunk: set-up, not the measured path) and bulk-loads their embeddings
/// with `Tenant::bulk_load_embeddings` (binary `COPY`). Returns the ids.
pub async fn load_evidence(db: &Database, tenant: &str, rows: &[Row<'_>]) -> Vec<Uuid> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(5000) {
        let ids: Vec<Uuid> = chunk.iter().map(|_| Uuid::new_v4()).collect();
        let contents: Vec<&str> = chunk.iter().map(|r| r.content).collect();
        let types: Vec<&str> = chunk.iter().map(|r| r.source_type).collect();
        db.client()
            .await
            .expect("client")
            .execute(
                "INSERT INTO evidence (id, tenant_id, content, source_type) \
                 SELECT u.id, $2, u.content, u.source_type \
                 FROM UNNEST($1::uuid[], $3::text[], $4::text[]) AS u(id, content, source_type)",
                &[&ids, &tenant, &contents, &types],
            )
            .await
            .expect("insert evidence");
        let embeddings: Vec<NewEmbedding> = ids
            .iter()
            .zip(chunk)
            .map(|(id, r)| NewEmbedding {
                entity_type: EntityType::Evidence,
                entity_id: *id,
                embedding: Vector::from(r.vector.to_vec()),
                model_name: "bench".into(),
                model_version: None,
            })
            .collect();
        db.tenant(tenant)
            .expect("tenant")
            .bulk_load_embeddings(&embeddings)
            .await
            .expect("bulk load");
        out.extend(ids);
    }
    out
}

/// Fresh planner statistics after a load.
pub async fn analyze(t: &TestDatabase) {
    t.raw_client()
        .await
        .expect("raw client")
        .batch_execute(raw_sql::ANALYZE_SEARCH_TABLES)
        .await
        .expect("analyze");
}

/// Drops the vector index (before a bulk load, so rows are not inserted
/// into an index built on an empty table).
pub async fn drop_vector_index(t: &TestDatabase) {
    t.raw_client()
        .await
        .expect("raw client")
        .batch_execute(&raw_sql::drop_index_if_exists(VECTOR_INDEX))
        .await
        .expect("drop index");
}

/// Switches the candidate index: drops `idx_embeddings_vector_cosine`, runs
/// `create` (which must create it under that name), then `ANALYZE
/// embeddings`. Runs on a direct connection without the pool's statement
/// timeout; returns the build time.
pub async fn switch_index(t: &TestDatabase, create: &str) -> Duration {
    let client = t.raw_client().await.expect("raw client");
    client
        .batch_execute(&format!(
            "{}; SET maintenance_work_mem = '512MB'",
            raw_sql::drop_index_if_exists(VECTOR_INDEX)
        ))
        .await
        .expect("drop index");
    let started = Instant::now();
    client.batch_execute(create).await.expect("create index");
    let took = started.elapsed();
    client
        .batch_execute("ANALYZE embeddings")
        .await
        .expect("analyze");
    took
}
