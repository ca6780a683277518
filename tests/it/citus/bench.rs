//! The search bench on one node and on the cluster (same machine: this shows
//! Citus's overhead, not a gain), and the time `distribute` takes for 100K
//! rows. Ignored by default (minutes of loading); run with
//! `cargo test -p truthgraph-db --features citus --test it citus::bench -- --ignored --nocapture`.
//! It asserts what it can without timing: rows moved, recall floors.

use std::time::Instant;

use pgvector::Vector;
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::testing_citus::CitusDatabase;
use truthgraph_db::{
    Database, DistributeOptions, EntityType, NewEmbedding, NewEvidence, SearchOptions,
};

use crate::support::Clustered;

const DIM: usize = 384;
const TENANTS: usize = 4;
/// Evidence rows per tenant; each has an embedding: 2 × 4 × 12,500 = 100K rows.
const PER_TENANT: usize = 12_500;
const QUERIES: usize = 200;
const K: usize = 10;

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    1.0 - a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()
}

/// The stored rows (tenant, id, vector).
type Rows = Vec<(String, uuid::Uuid, Vector)>;

/// Loads every tenant's evidence and embeddings; returns them and
/// [`QUERIES`] held-out points of the same distribution, as queries.
async fn load(db: &Database) -> (Rows, Vec<Vector>) {
    db.set_dimension(DIM).await.unwrap();
    let mut points = Clustered::new(17, DIM, 100, 0.25);
    let mut rows = Vec::new();
    for ti in 0..TENANTS {
        let tenant = format!("tenant{ti}");
        let t = db.tenant(&tenant).unwrap();
        for chunk in 0..(PER_TENANT / 2500) {
            let evidence: Vec<NewEvidence> = (0..2500)
                .map(|i| NewEvidence {
                    content: format!("evidence {ti} {chunk} {i}"),
                    ..Default::default()
                })
                .collect();
            let stored = t.insert_evidence_many(&evidence).await.unwrap();
            let embeddings: Vec<NewEmbedding> = stored
                .iter()
                .map(|e| NewEmbedding {
                    entity_type: EntityType::Evidence,
                    entity_id: e.id,
                    embedding: points.next(),
                    model_name: "bench".into(),
                    model_version: None,
                })
                .collect();
            t.bulk_load_embeddings(&embeddings).await.unwrap();
            rows.extend(
                embeddings
                    .into_iter()
                    .map(|e| (tenant.clone(), e.entity_id, e.embedding)),
            );
        }
    }
    (rows, points.take(QUERIES))
}

/// recall@K against brute force, p50 in ms, searches per second (one client).
async fn measure(db: &Database, (rows, queries): &(Rows, Vec<Vector>)) -> (f64, f64, f64) {
    let (mut found, mut lat) = (0usize, Vec::new());
    for (qi, q) in queries.iter().enumerate() {
        let tenant = format!("tenant{}", qi % TENANTS);
        let t0 = Instant::now();
        let hits = db
            .tenant(&tenant)
            .unwrap()
            .search_evidence(q, &SearchOptions::top(K))
            .await
            .unwrap();
        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
        let mut exact: Vec<(f32, uuid::Uuid)> = rows
            .iter()
            .filter(|r| r.0 == tenant)
            .map(|r| (cosine(r.2.as_slice(), q.as_slice()), r.1))
            .collect();
        exact.sort_by(|a, b| a.0.total_cmp(&b.0));
        let truth: Vec<uuid::Uuid> = exact.iter().take(K).map(|e| e.1).collect();
        found += hits.iter().filter(|h| truth.contains(&h.id)).count();
    }
    // One client, searches back to back: the brute force above is not timed.
    let ops = QUERIES as f64 / (lat.iter().sum::<f64>() / 1000.0);
    lat.sort_by(f64::total_cmp);
    (found as f64 / (QUERIES * K) as f64, lat[lat.len() / 2], ops)
}

#[tokio::test]
#[ignore = "a measurement: minutes of loading"]
async fn search_bench_one_node_and_cluster_and_distributing_100k_rows() {
    let single = TestDatabase::migrated().await.unwrap();
    let rows = load(&single.db).await;
    single
        .raw_client()
        .await
        .unwrap()
        .batch_execute("ANALYZE")
        .await
        .unwrap();
    // Opened after the load, as the cluster's handle: the same built-in
    // ef_search for the table's size.
    let db = single.connect(&Default::default()).await.unwrap();
    let one = measure(&db, &rows).await;

    let cluster = CitusDatabase::migrated().await.unwrap();
    let rows = load(&cluster.db).await;
    let report = cluster
        .db
        .distribute(&DistributeOptions::default())
        .await
        .unwrap();
    assert_eq!(report.rows, (2 * TENANTS * PER_TENANT) as i64);
    let c = cluster.raw_client().await.unwrap();
    c.batch_execute("ANALYZE").await.unwrap();
    let db = Database::connect(&Default::default(), &cluster.url)
        .await
        .unwrap();
    let three = measure(&db, &rows).await;
    println!(
        "distribute: {} rows in {:.1} s ({} shards per table)",
        report.rows,
        report.took.as_secs_f64(),
        c.query_one(
            "SELECT count(*) FROM citus_shards WHERE table_name = 'embeddings'::regclass",
            &[]
        )
        .await
        .unwrap()
        .get::<_, i64>(0)
    );
    println!("| setup | recall@{K} | p50 ms | ops/s |\n| --- | --- | --- | --- |");
    for (name, (recall, p50, ops)) in [("one node", one), ("coordinator + 2 workers", three)] {
        println!("| {name} | {recall:.3} | {p50:.2} | {ops:.0} |");
    }
    println!("ef_search in force: {}", db.search_defaults().ef_search);
    assert!(one.0 >= 0.8 && three.0 >= 0.8, "recall {one:?} {three:?}");
}
