//! Tenants' rows for the tier tests: evidence or claims stored, their
//! embeddings drawn from a [`Clustered`] set, loaded by the library's bulk
//! load (which keeps the tenant's tier).

use pgvector::Vector;
use truthgraph_db::{Database, EntityType, NewEmbedding};
use uuid::Uuid;

use super::Clustered;

/// Evidence and embeddings of `n` vectors of `data` for `tenant`, by the
/// library's bulk load (which keeps the tenant's tier); (id, vector) each.
pub async fn load(
    db: &Database,
    tenant: &str,
    data: &mut Clustered,
    n: usize,
) -> Vec<(Uuid, Vector)> {
    let new = rows_of(db, tenant, data, n).await;
    let t = db.tenant(tenant).unwrap();
    let report = t
        .bulk_load_embeddings_with(&new, Default::default())
        .await
        .unwrap();
    assert_eq!(report.rows, n as u64);
    assert_eq!(report.tier_error, None);
    new.into_iter()
        .map(|r| (r.entity_id, r.embedding))
        .collect()
}

/// `n` evidence rows of `tenant` stored, and an embedding for each from
/// `data`, not yet stored.
pub async fn rows_of(
    db: &Database,
    tenant: &str,
    data: &mut Clustered,
    n: usize,
) -> Vec<NewEmbedding> {
    entities_of(db, (tenant, EntityType::Evidence), data, n).await
}

/// `n` entities of `tenant` of type `ty` stored (evidence `"<tenant> <i>"`,
/// claims `"claim <i>"`), and an embedding for each from `data`, not yet
/// stored.
pub async fn entities_of(
    db: &Database,
    (tenant, ty): (&str, EntityType),
    data: &mut Clustered,
    n: usize,
) -> Vec<NewEmbedding> {
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::new_v4()).collect();
    let (table, text) = match ty {
        EntityType::Evidence => ("evidence (id, tenant_id, content)", tenant),
        EntityType::Claim => ("claims (id, tenant_id, text)", "claim"),
    };
    let texts: Vec<String> = (0..n).map(|i| format!("{text} {i}")).collect();
    db.client()
        .await
        .unwrap()
        .execute(
            &format!(
                "INSERT INTO {table} SELECT * FROM \
                 UNNEST($1::uuid[], array_fill($2::text, ARRAY[$3::int]), $4::text[])"
            ),
            &[&ids, &tenant, &(n as i32), &texts],
        )
        .await
        .unwrap();
    ids.into_iter()
        .map(|id| NewEmbedding {
            entity_type: ty,
            entity_id: id,
            embedding: data.next(),
            model_name: "m".into(),
            model_version: None,
        })
        .collect()
}
