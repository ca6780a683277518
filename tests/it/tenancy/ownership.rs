//! Rows that must belong to their tenant: embeddings' entities and NLI result ids.

use super::*;

#[tokio::test]
async fn an_embedding_belongs_to_an_entity_of_its_tenant() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();
    let b = db.tenant("b").unwrap();
    let b_ev = b.insert_evidence("b's", None, None).await.unwrap();
    let b_claim = b.insert_claim("b's claim", None).await.unwrap();
    let a_ev = a.insert_evidence("a's", None, None).await.unwrap();
    let v = random_unit(1, DIM);

    // Another tenant's entity and one that exists nowhere: the same error,
    // naming the field, telling nothing about tenant b.
    let foreign = a
        .upsert_embedding(EntityType::Evidence, b_ev.id, &v, "m", None)
        .await
        .unwrap_err();
    let nowhere_id = Uuid::new_v4();
    let nowhere = a
        .upsert_embedding(EntityType::Evidence, nowhere_id, &v, "m", None)
        .await
        .unwrap_err();
    assert_entity_refused(&foreign, "entity_id");
    assert_eq!(
        foreign.to_string().replace(&b_ev.id.to_string(), "ID"),
        nowhere.to_string().replace(&nowhere_id.to_string(), "ID"),
    );
    assert!(!foreign.to_string().contains("\"b\""), "{foreign}");
    // The right id with the wrong entity type is refused as well.
    let err = a
        .upsert_embedding(EntityType::Claim, a_ev.id, &v, "m", None)
        .await
        .unwrap_err();
    assert_eq!(field(&err), "entity_id");
    // B's own upsert is unaffected.
    b.upsert_embedding(EntityType::Evidence, b_ev.id, &v, "m", None)
        .await
        .unwrap();

    // Bulk, both paths: the row is named, nothing is written.
    let mut rows: Vec<NewEmbedding> = Vec::new();
    let mine = a
        .insert_evidence_many(
            &(0..5)
                .map(|i| truthgraph_db::NewEvidence {
                    content: format!("e{i}"),
                    source_url: None,
                    source_type: None,
                })
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    for (i, e) in mine.iter().enumerate() {
        rows.push(NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: e.id,
            embedding: random_unit(10 + i as u64, DIM),
            model_name: "m".into(),
            model_version: None,
        });
    }
    rows[3].entity_id = b_claim.id;
    rows[3].entity_type = EntityType::Claim;
    for options in [BulkLoadOptions::default(), BulkLoadOptions::replace()] {
        let err = a
            .bulk_load_embeddings_with(&rows, options)
            .await
            .unwrap_err();
        assert_eq!(field(&err), "rows[3].entity_id", "{err}");
        assert!(err.to_string().contains("nothing was written"), "{err}");
        assert!(a.embedding_stats().await.unwrap().is_empty());
    }
    rows.remove(3);
    assert_eq!(a.bulk_load_embeddings(&rows).await.unwrap(), 4);
    assert_eq!(b.embedding_stats().await.unwrap()[0].count, 1);
}

#[tokio::test]
async fn nli_result_ids_must_be_the_tenants() {
    let t = TestDatabase::migrated().await.unwrap();
    let (a_claim, _) = seed(&t.db, "a", 1).await;
    seed(&t.db, "b", 2).await;
    let a = t.db.tenant("a").unwrap();
    let b = t.db.tenant("b").unwrap();
    let mine = a.nli_results_for_claim(a_claim).await.unwrap()[0].id;
    let theirs = b
        .nli_results_by_label(NliLabel::Entailment, 10)
        .await
        .unwrap()[0]
        .id;
    let before = a.verification_history(a_claim).await.unwrap().len();
    for (ids, bad) in [
        (vec![mine, theirs], "nli_result_ids[1]"),
        (vec![Uuid::new_v4()], "nli_result_ids[0]"),
    ] {
        let err = a
            .insert_verification_result(&verification(a_claim, ids))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
        assert_eq!(field(&err), bad);
    }
    assert_eq!(a.verification_history(a_claim).await.unwrap().len(), before);
}
