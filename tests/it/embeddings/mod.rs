//! Embeddings: upsert, replace, stats, tenant conflicts, bulk loads that
//! replace or rebuild the vector indexes (`queries/embeddings.sql`).

mod bulk;
mod writes;

use truthgraph_db::{
    BulkLoadOptions, Database, EntityType, Error, NewClaim, NewEmbedding, NewEvidence,
    SearchOptions, Tenant,
};

use crate::support::{
    TestDatabase, assert_entity_refused, field, random_unit, wait_for_server_clock_after,
};

/// `n` embeddings of new entities of `tenant` (evidence and claims in turn),
/// the entities stored first: an embedding must belong to one (V7).
async fn new_rows(
    tenant: &Tenant<'_>,
    seed: u64,
    n: usize,
    model_version: Option<&str>,
) -> Vec<NewEmbedding> {
    let evidence = tenant
        .insert_evidence_many(
            &(0..n.div_ceil(2))
                .map(|i| NewEvidence {
                    content: format!("evidence {seed}/{i}"),
                    source_url: None,
                    source_type: None,
                })
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    let claims = tenant
        .insert_claims(
            &(0..n / 2)
                .map(|i| NewClaim {
                    text: format!("claim {seed}/{i}"),
                    source_url: None,
                })
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    (0..n)
        .map(|i| NewEmbedding {
            entity_type: if i % 2 == 0 {
                EntityType::Evidence
            } else {
                EntityType::Claim
            },
            entity_id: if i % 2 == 0 {
                evidence[i / 2].id
            } else {
                claims[i / 2].id
            },
            embedding: random_unit(seed * 100_000 + i as u64, 1536),
            model_name: "m".into(),
            model_version: model_version.map(str::to_string),
        })
        .collect()
}

async fn embedding_count(db: &Database) -> i64 {
    db.client()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM embeddings", &[])
        .await
        .unwrap()
        .get(0)
}

async fn vector_index_definitions(db: &Database) -> Vec<(String, String, bool)> {
    db.vector_indexes()
        .await
        .unwrap()
        .into_iter()
        .filter(|ix| ix.table_name == "embeddings")
        .map(|ix| (ix.index_name, ix.definition, ix.is_valid))
        .collect()
}
