//! Single writes: upsert, replace, stats and the tenant check; entities and embeddings in one transaction.

use super::*;

#[tokio::test]
async fn embeddings_upsert_replace_stats_and_tenant_check() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();
    let b = db.tenant("b").unwrap();

    let ev = a.insert_evidence("text", None, None).await.unwrap();
    let v1 = random_unit(1, 1536);
    let first = a
        .upsert_embedding(EntityType::Evidence, ev.id, &v1, "m", None)
        .await
        .unwrap();
    assert_eq!(first.model_version, None);
    // The server's clock moves past the first write before the second.
    wait_for_server_clock_after(&**db.client().await.unwrap(), first.updated_at).await;
    let v2 = random_unit(2, 1536);
    let second = a
        .upsert_embedding(EntityType::Evidence, ev.id, &v2, "m", Some("2"))
        .await
        .unwrap();
    assert_eq!(second.id, first.id, "upsert must keep one row per entity");
    assert_eq!(second.embedding, v2);
    assert!(
        second.updated_at > first.updated_at,
        "updated_at did not move: {} then {}",
        first.updated_at,
        second.updated_at
    );
    assert_eq!(second.created_at, first.created_at);
    assert_eq!(second.model_version.as_deref(), Some("2"));

    // Tenant b cannot overwrite a's embedding.
    let err = b
        .upsert_embedding(EntityType::Evidence, ev.id, &v1, "m", None)
        .await
        .unwrap_err();
    // The entity is not b's: refused by the statement, naming the field
    // (a has embedded it: on one server the seed's unique key says so first).
    assert_entity_refused(&err, "entity_id");
    assert_eq!(
        a.get_embedding(EntityType::Evidence, ev.id)
            .await
            .unwrap()
            .unwrap()
            .embedding,
        v2
    );
    assert!(
        b.get_embedding(EntityType::Evidence, ev.id)
            .await
            .unwrap()
            .is_none()
    );

    let stats = a.embedding_stats().await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(
        (stats[0].entity_type.as_str(), stats[0].count),
        ("evidence", 1)
    );
    assert!(b.embedding_stats().await.unwrap().is_empty());

    // Bad vectors never reach the server.
    for (v, needle) in [
        (pgvector::Vector::from(vec![0.5; 10]), "10 dimensions"),
        (pgvector::Vector::from(vec![f32::NAN; 1536]), "component 0"),
        (pgvector::Vector::from(vec![0.0; 1536]), "zeros"),
        (pgvector::Vector::from(Vec::<f32>::new()), "empty"),
    ] {
        let e = a
            .upsert_embedding(EntityType::Evidence, ev.id, &v, "m", None)
            .await
            .unwrap_err();
        assert_eq!(field(&e), "embedding");
        assert!(e.to_string().contains(needle), "{e}");
    }
    assert!(
        a.delete_embedding(EntityType::Evidence, ev.id)
            .await
            .unwrap()
    );
    assert!(
        !a.delete_embedding(EntityType::Evidence, ev.id)
            .await
            .unwrap()
    );
}

/// The `*_in` methods: entities under ids the caller chose and their
/// embeddings in one caller's transaction, committed together or rolled
/// back together (what `truthgraph-db load` builds on).
#[tokio::test]
async fn entities_and_embeddings_in_one_transaction_with_given_ids() {
    use truthgraph_db::OnConflict;
    let t = TestDatabase::migrated().await.unwrap();
    let a = t.db.tenant("a").unwrap();
    let (claim_id, ev_id) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let claims = [(
        claim_id,
        NewClaim {
            text: "c".into(),
            source_url: None,
        },
    )];
    let evidence = [(
        ev_id,
        NewEvidence {
            content: "e".into(),
            ..NewEvidence::default()
        },
    )];
    let embeddings = |id| {
        vec![NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: id,
            embedding: random_unit(1, 1536),
            model_name: "m".into(),
            model_version: None,
        }]
    };

    // Rolled back: nothing stays, although every statement succeeded.
    {
        let mut client = t.db.client().await.unwrap();
        let tx = client.transaction().await.unwrap();
        let stored = a.insert_claims_in(&tx, &claims).await.unwrap();
        assert_eq!(stored[0].id, claim_id);
        let stored = a.insert_evidence_many_in(&tx, &evidence).await.unwrap();
        assert_eq!(stored[0].id, ev_id);
        let n = a
            .bulk_load_embeddings_in(&tx, &embeddings(ev_id), OnConflict::Fail)
            .await
            .unwrap();
        assert_eq!(n, 1);
        tx.rollback().await.unwrap();
    }
    assert!(a.get_claim(claim_id).await.unwrap().is_none());
    assert!(a.get_evidence(ev_id).await.unwrap().is_none());

    // Committed: the given ids are the stored ones; a second load in the
    // same transaction works (the staging table was dropped after the first).
    {
        let mut client = t.db.client().await.unwrap();
        let tx = client.transaction().await.unwrap();
        a.insert_claims_in(&tx, &claims).await.unwrap();
        a.insert_evidence_many_in(&tx, &evidence).await.unwrap();
        a.bulk_load_embeddings_in(&tx, &embeddings(ev_id), OnConflict::Fail)
            .await
            .unwrap();
        let mut again = embeddings(claim_id);
        again[0].entity_type = EntityType::Claim;
        a.bulk_load_embeddings_in(&tx, &again, OnConflict::Fail)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(a.get_claim(claim_id).await.unwrap().unwrap().text, "c");
    assert!(
        a.get_embedding(EntityType::Claim, claim_id)
            .await
            .unwrap()
            .is_some()
    );

    // An id given twice is refused by field before anything is sent; one
    // already stored is a conflict.
    let mut client = t.db.client().await.unwrap();
    let tx = client.transaction().await.unwrap();
    let twice = [claims[0].clone(), claims[0].clone()];
    let e = a.insert_claims_in(&tx, &twice).await.unwrap_err();
    assert_eq!(field(&e), "rows[1].id", "{e}");
    let e = a.insert_claims_in(&tx, &claims).await.unwrap_err();
    assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
}
