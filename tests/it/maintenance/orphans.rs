//! Orphan and foreign embeddings: reported, then deleted while valid ones stay.

use super::*;

#[tokio::test]
async fn orphan_and_foreign_embeddings_are_reported() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let b = db.tenant("b").unwrap();

    assert!(db.orphan_embeddings().await.unwrap().is_empty());
    let b_ev = b.insert_evidence("b's evidence", None, None).await.unwrap();
    // Written the way an unchecked (Python) writer could: one embedding for an
    // entity that exists nowhere, one of tenant a on tenant b's evidence.
    let c = t.raw_client().await.unwrap();
    // (Since V7 such rows are refused, by V12's foreign keys now: this session
    // skips their checks, as a pre-V7 database had none.)
    c.batch_execute("SET session_replication_role = replica")
        .await
        .unwrap();
    for (entity, seed) in [(Uuid::new_v4(), 1), (b_ev.id, 2)] {
        c.execute(
            "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name) \
             VALUES ('a', 'evidence', $1, $2, 'm')",
            &[&entity, &random_unit(seed, 1536)],
        )
        .await
        .unwrap();
    }
    let orphans = db.orphan_embeddings().await.unwrap();
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    assert_eq!(
        (
            orphans[0].tenant_id.as_str(),
            orphans[0].entity_type.as_str(),
            orphans[0].missing_entity,
            orphans[0].foreign_entity
        ),
        ("a", "evidence", 1, 1)
    );
}

#[tokio::test]
async fn orphan_and_foreign_embeddings_are_deleted_and_valid_ones_stay() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let (a, b) = (db.tenant("a").unwrap(), db.tenant("b").unwrap());
    let a_ev = a.insert_evidence("a's evidence", None, None).await.unwrap();
    let a_claim = a.insert_claim("a's claim", None).await.unwrap();
    let b_ev = b.insert_evidence("b's evidence", None, None).await.unwrap();
    let b_claim = b.insert_claim("b's claim", None).await.unwrap();
    let b_claim2 = b.insert_claim("b's other claim", None).await.unwrap();
    let mut valid = Vec::new();
    for (tenant, kind, id) in [
        (&a, EntityType::Evidence, a_ev.id),
        (&a, EntityType::Claim, a_claim.id),
        (&b, EntityType::Evidence, b_ev.id),
        (&b, EntityType::Claim, b_claim.id),
    ] {
        let seed = valid.len() as u64;
        valid.push(
            tenant
                .upsert_embedding(kind, id, &random_unit(seed, 1536), "m", None)
                .await
                .unwrap()
                .id,
        );
    }
    // Written the way an unchecked (Python) writer could: entities that exist
    // nowhere, and entities of the other tenant.
    let raw = t.raw_client().await.unwrap();
    // As written before V7's entity check (this session skips V12's foreign
    // keys, which a pre-V7 database lacked).
    raw.batch_execute("SET session_replication_role = replica")
        .await
        .unwrap();
    let mut invalid = Vec::new();
    for (tenant, kind, entity) in [
        ("a", "evidence", Uuid::new_v4()),
        ("a", "claim", b_claim2.id),
        ("b", "claim", Uuid::new_v4()),
        ("b", "claim", Uuid::new_v4()),
        ("b", "evidence", Uuid::new_v4()),
    ] {
        let seed = 100 + invalid.len() as u64;
        invalid.push(
            raw.query_one(
                "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name) \
                 VALUES ($1, $2, $3, $4, 'm') RETURNING id",
                &[&tenant, &kind, &entity, &random_unit(seed, 1536)],
            )
            .await
            .unwrap()
            .get::<_, Uuid>(0),
        );
    }
    let counts = |rows: Vec<truthgraph_db::maintenance::OrphanEmbeddings>| {
        rows.into_iter()
            .map(|o| {
                (
                    o.tenant_id,
                    o.entity_type,
                    o.missing_entity,
                    o.foreign_entity,
                )
            })
            .collect::<Vec<_>>()
    };
    let expected = vec![
        ("a".to_string(), "claim".to_string(), 0, 1),
        ("a".into(), "evidence".into(), 1, 0),
        ("b".into(), "claim".into(), 2, 0),
        ("b".into(), "evidence".into(), 1, 0),
    ];
    assert_eq!(counts(db.orphan_embeddings().await.unwrap()), expected);

    assert_eq!(
        counts(db.delete_orphan_embeddings().await.unwrap()),
        expected
    );
    let mut left: Vec<Uuid> = raw
        .query("SELECT id FROM embeddings", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    left.sort();
    valid.sort();
    assert_eq!(left, valid);
    assert!(db.orphan_embeddings().await.unwrap().is_empty());
    assert!(db.delete_orphan_embeddings().await.unwrap().is_empty());
}
