//! Search correctness: index plans, recall against exact search, exactly-k
//! under filters, hybrid fusion, and atomic bulk loads.

mod bulk;
mod claims;
mod hybrid;
mod recall;
mod settings;

use crate::support::{
    BruteForce, Clustered, TestDatabase, assert_exact_top_k, explain, random_unit, recall_of,
};
use pgvector::Vector;
use truthgraph_db::{Database, EntityType, Error, HybridOptions, NewEmbedding, SearchOptions};
use truthgraph_vector_ref::VectorRef;
use uuid::Uuid;

const DIM: usize = 1536;

/// One stored evidence row as the test knows it: id, vector, and whether its
/// source type is "rare".
type Row = (Uuid, Vector, bool);

/// Loads `n` evidence rows with clustered embeddings for `tenant`; every
/// `source_every`-th row has source type "rare", the rest "common".
async fn load(
    db: &Database,
    tenant: &str,
    data: &mut Clustered,
    n: usize,
    source_every: usize,
) -> Vec<Row> {
    let client = db.client().await.unwrap();
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::new_v4()).collect();
    let rare: Vec<bool> = (0..n).map(|i| i % source_every == 0).collect();
    let sources: Vec<&str> = rare
        .iter()
        .map(|r| if *r { "rare" } else { "common" })
        .collect();
    let contents: Vec<String> = (0..n).map(|i| format!("{tenant} evidence {i}")).collect();
    client
        .execute(
            "INSERT INTO evidence (id, tenant_id, content, source_type) \
             SELECT * FROM UNNEST($1::uuid[], array_fill($2::text, ARRAY[$3::int]), $4::text[], $5::text[])",
            &[&ids, &tenant, &(n as i32), &contents, &sources],
        )
        .await
        .unwrap();
    let rows: Vec<NewEmbedding> = ids
        .iter()
        .map(|id| NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: *id,
            embedding: data.next(),
            model_name: "synthetic".into(),
            model_version: None,
        })
        .collect();
    assert_eq!(
        db.tenant(tenant)
            .unwrap()
            .bulk_load_embeddings(&rows)
            .await
            .unwrap(),
        n as u64
    );
    rows.into_iter()
        .zip(rare)
        .map(|(r, rare)| (r.entity_id, r.embedding, rare))
        .collect()
}

fn scored(h: &[truthgraph_db::search::EvidenceHit]) -> Vec<(Uuid, f64)> {
    h.iter().map(|h| (h.id, h.similarity)).collect()
}

fn hit_ids(h: &[truthgraph_db::search::EvidenceHit]) -> Vec<Uuid> {
    h.iter().map(|h| h.id).collect()
}
