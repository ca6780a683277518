//! Embeddings: upsert, replace, stats, tenant conflicts (`queries/embeddings.sql`).

use truthgraph_db::{EntityType, Error};

use crate::support::{TestDatabase, field, random_unit};

#[tokio::test]
async fn embeddings_upsert_replace_stats_and_tenant_conflict() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let ev = db
        .tenant("a")
        .unwrap()
        .insert_evidence("text", None, None)
        .await
        .unwrap();
    let v1 = random_unit(1, 1536);
    let first = db
        .tenant("a")
        .unwrap()
        .upsert_embedding(EntityType::Evidence, ev.id, &v1, "m", None)
        .await
        .unwrap();
    assert_eq!(first.model_version, None);
    let v2 = random_unit(2, 1536);
    let second = db
        .tenant("a")
        .unwrap()
        .upsert_embedding(EntityType::Evidence, ev.id, &v2, "m", Some("2"))
        .await
        .unwrap();
    assert_eq!(second.id, first.id, "upsert must keep one row per entity");
    assert_eq!(second.embedding, v2);
    assert!(second.updated_at >= first.updated_at);
    assert_eq!(second.model_version.as_deref(), Some("2"));

    // Tenant b cannot overwrite a's embedding.
    let err = db
        .tenant("b")
        .unwrap()
        .upsert_embedding(EntityType::Evidence, ev.id, &v1, "m", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { constraint, .. } if constraint == "idx_embeddings_entity_unique"),
        "{err}"
    );
    assert_eq!(
        db.tenant("a")
            .unwrap()
            .get_embedding(EntityType::Evidence, ev.id)
            .await
            .unwrap()
            .unwrap()
            .embedding,
        v2
    );
    assert!(
        db.tenant("b")
            .unwrap()
            .get_embedding(EntityType::Evidence, ev.id)
            .await
            .unwrap()
            .is_none()
    );

    let stats = db.tenant("a").unwrap().embedding_stats().await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(
        (stats[0].entity_type.as_str(), stats[0].count),
        ("evidence", 1)
    );
    assert!(
        db.tenant("b")
            .unwrap()
            .embedding_stats()
            .await
            .unwrap()
            .is_empty()
    );

    // Bad vectors never reach the server.
    for (v, needle) in [
        (pgvector::Vector::from(vec![0.5; 10]), "10 dimensions"),
        (pgvector::Vector::from(vec![f32::NAN; 1536]), "component 0"),
        (pgvector::Vector::from(vec![0.0; 1536]), "zeros"),
        (pgvector::Vector::from(Vec::<f32>::new()), "empty"),
    ] {
        let e = db
            .tenant("a")
            .unwrap()
            .upsert_embedding(EntityType::Evidence, ev.id, &v, "m", None)
            .await
            .unwrap_err();
        assert_eq!(field(&e), "embedding");
        assert!(e.to_string().contains(needle), "{e}");
    }
    assert!(
        db.tenant("a")
            .unwrap()
            .delete_embedding(EntityType::Evidence, ev.id)
            .await
            .unwrap()
    );
    assert!(
        !db.tenant("a")
            .unwrap()
            .delete_embedding(EntityType::Evidence, ev.id)
            .await
            .unwrap()
    );
}
