//! Embeddings: upsert, replace, stats, tenant conflicts, bulk loads that
//! replace or rebuild the vector indexes (`queries/embeddings.sql`).

use truthgraph_db::{
    BulkLoadOptions, Database, EntityType, Error, NewClaim, NewEmbedding, NewEvidence,
    SearchOptions, Tenant,
};

use crate::support::{
    TestDatabase, assert_entity_refused, field, random_unit, wait_for_server_clock_after,
};

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

#[tokio::test]
async fn bulk_load_replaces_existing_and_inserts_new_when_asked() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();
    let old = new_rows(&a, 1, 20, Some("1")).await;
    assert_eq!(a.bulk_load_embeddings(&old).await.unwrap(), 20);
    let before = a
        .get_embedding(old[0].entity_type, old[0].entity_id)
        .await
        .unwrap()
        .unwrap();
    wait_for_server_clock_after(&**db.client().await.unwrap(), before.updated_at).await;

    // Inserting only: an existing entity fails the batch, nothing written.
    let mut mixed = new_rows(&a, 2, 10, Some("2")).await;
    for (i, r) in mixed.iter_mut().enumerate().take(5) {
        r.entity_type = old[i].entity_type;
        r.entity_id = old[i].entity_id;
    }
    let e = a.bulk_load_embeddings(&mixed).await.unwrap_err();
    assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
    assert_eq!(embedding_count(db).await, 20);

    // Replacing: five existing rows replaced (same row id), five new ones.
    let n = a
        .bulk_load_embeddings_with(&mixed, BulkLoadOptions::replace())
        .await
        .unwrap()
        .rows;
    assert_eq!(n, 10);
    assert_eq!(embedding_count(db).await, 25);
    for r in &mixed {
        let got = a
            .get_embedding(r.entity_type, r.entity_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.embedding, r.embedding);
        assert_eq!(got.model_version.as_deref(), Some("2"));
    }
    let after = a
        .get_embedding(old[0].entity_type, old[0].entity_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.id, before.id, "replace keeps one row per entity");
    assert!(
        after.updated_at > before.updated_at,
        "updated_at did not move: {} then {}",
        before.updated_at,
        after.updated_at
    );
    // Untouched rows stay as they were.
    let kept = a
        .get_embedding(old[10].entity_type, old[10].entity_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.embedding, old[10].embedding);

    // Replacing everything again only replaces: nothing new.
    assert_eq!(
        a.bulk_load_embeddings_with(&mixed, BulkLoadOptions::replace())
            .await
            .unwrap()
            .rows,
        10
    );
    assert_eq!(embedding_count(db).await, 25);

    // One entity twice in a replacing batch: named, nothing sent.
    let mut twice = new_rows(&a, 3, 8, None).await;
    twice[6].entity_type = twice[2].entity_type;
    twice[6].entity_id = twice[2].entity_id;
    let e = a
        .bulk_load_embeddings_with(&twice, BulkLoadOptions::replace())
        .await
        .unwrap_err();
    assert_eq!(field(&e), "rows[6].entity_id");
    assert_eq!(embedding_count(db).await, 25);
}

#[tokio::test]
async fn bulk_replace_of_another_tenants_embedding_writes_nothing() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let b = db.tenant("b").unwrap();

    let theirs = new_rows(&b, 4, 3, None).await;
    b.bulk_load_embeddings(&theirs).await.unwrap();
    let a = db.tenant("a").unwrap();
    let mine = new_rows(&a, 5, 4, None).await;
    a.bulk_load_embeddings(&mine).await.unwrap();

    // New rows, one of a's own to replace, and b's entity at row 3.
    let mut batch = new_rows(&a, 6, 6, Some("new")).await;
    batch[1].entity_type = mine[0].entity_type;
    batch[1].entity_id = mine[0].entity_id;
    batch[3].entity_type = theirs[1].entity_type;
    batch[3].entity_id = theirs[1].entity_id;
    for options in [
        BulkLoadOptions::replace(),
        BulkLoadOptions::replace().rebuilding_indexes(),
    ] {
        let e = a
            .bulk_load_embeddings_with(&batch, options)
            .await
            .unwrap_err();
        // b's entity is not a's (V12's keys).
        assert_entity_refused(&e, "rows[3].entity_id");
        assert_eq!(embedding_count(db).await, 7);
        let got = a
            .get_embedding(mine[0].entity_type, mine[0].entity_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.embedding, mine[0].embedding, "a's row was not replaced");
        let b_row = b
            .get_embedding(theirs[1].entity_type, theirs[1].entity_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(b_row.embedding, theirs[1].embedding);
        assert_eq!(b_row.tenant_id, "b");
    }
    // The vector index survived the failed rebuilding load.
    assert_eq!(vector_index_definitions(db).await.len(), 1);
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

#[tokio::test]
async fn bulk_load_rebuilding_indexes_recreates_each_under_its_name() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    // A second vector index beside the seed's IVFFlat one.
    db.client()
        .await
        .unwrap()
        .batch_execute(
            "CREATE INDEX idx_test_hnsw ON embeddings USING hnsw (embedding vector_cosine_ops) \
             WITH (m = 8, ef_construction = 32)",
        )
        .await
        .unwrap();
    let before = vector_index_definitions(db).await;
    assert_eq!(before.len(), 2);
    let a = db.tenant("a").unwrap();
    let rows = new_rows(&a, 7, 600, None).await;
    let n = a
        .bulk_load_embeddings_with(&rows, BulkLoadOptions::default().rebuilding_indexes())
        .await
        .unwrap()
        .rows;
    assert_eq!(n, 600);
    assert_eq!(vector_index_definitions(db).await, before);
    // Rebuilt with the rows: the planner knows the table's size.
    let reltuples: f32 = db
        .client()
        .await
        .unwrap()
        .query_one(
            "SELECT reltuples FROM pg_class WHERE relname = 'embeddings'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(reltuples, 600.0);
    let hits = a
        .search_evidence(&rows[0].embedding, &SearchOptions::top(10))
        .await
        .unwrap();
    assert_eq!(hits.len(), 10);
    assert_eq!(hits[0].id, rows[0].entity_id);

    // A failing rebuilding load (an existing entity, insert only) writes
    // nothing and leaves both indexes as they were.
    let e = a
        .bulk_load_embeddings_with(&rows[..5], BulkLoadOptions::default().rebuilding_indexes())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
    assert_eq!(embedding_count(db).await, 600);
    assert_eq!(vector_index_definitions(db).await, before);
    // Replace with rebuild works too.
    assert_eq!(
        a.bulk_load_embeddings_with(&rows[..5], BulkLoadOptions::replace().rebuilding_indexes())
            .await
            .unwrap()
            .rows,
        5
    );
    assert_eq!(vector_index_definitions(db).await, before);
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
