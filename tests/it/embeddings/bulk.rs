//! Bulk loads: replacing and inserting, refusing another tenant's rows, rebuilding indexes by name.

use super::*;

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

/// A load is sent as binary `COPY` data in chunks of about 1 MB (500 rows
/// of 1,536 dimensions: three chunks, a row split across none of them):
/// every row is stored with its values as given, NULL and not.
#[tokio::test]
async fn a_copy_over_several_chunks_stores_every_row_as_given() {
    let t = TestDatabase::migrated().await.unwrap();
    let a = t.db.tenant("a").unwrap();
    let mut rows = new_rows(&a, 4, 500, None).await;
    for (i, r) in rows.iter_mut().enumerate().filter(|(i, _)| i % 3 == 0) {
        r.model_version = Some(format!("v{i}"));
    }
    assert_eq!(a.bulk_load_embeddings(&rows).await.unwrap(), 500);
    assert_eq!(embedding_count(&t.db).await, 500);
    for r in &rows {
        let got = a
            .get_embedding(r.entity_type, r.entity_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.embedding, r.embedding);
        assert_eq!(got.model_name, r.model_name);
        assert_eq!(got.model_version, r.model_version);
    }
}
