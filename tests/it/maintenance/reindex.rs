//! Reindexing: leftovers of interrupted builds dropped, invalid indexes repaired, failures reported.

use super::*;

#[tokio::test]
async fn reindex_drops_what_interrupted_builds_left_and_repairs_invalid_indexes() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let ids = embedded_evidence(db, 20).await;
    let raw = t.raw_client().await.unwrap();

    // Two interrupted rebuilds of the real index: `_ccnew`, then `_ccnew1`.
    for _ in 0..2 {
        let e = interrupt_concurrent_build(
            &t,
            "REINDEX INDEX CONCURRENTLY idx_embeddings_vector_cosine",
        )
        .await;
        assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{e:?}");
    }
    // What reindex did with a leftover before it knew them: rebuilt it into
    // a valid duplicate of the real index.
    raw.batch_execute("REINDEX INDEX CONCURRENTLY idx_embeddings_vector_cosine_ccnew1")
        .await
        .unwrap();
    // An interrupted `tune --apply`, and a failed build of a real index.
    interrupt_concurrent_build(
        &t,
        &format!(
            "CREATE INDEX CONCURRENTLY {TUNE_REBUILD_INDEX} ON embeddings \
             USING hnsw (embedding vector_cosine_ops) WITH (m = 32)"
        ),
    )
    .await;
    interrupt_concurrent_build(
        &t,
        "CREATE INDEX CONCURRENTLY idx_embeddings_l2 ON embeddings \
         USING hnsw (embedding vector_l2_ops)",
    )
    .await;
    assert_eq!(
        vector_index_states(&raw).await,
        (
            owned(&[
                ("idx_embeddings_l2", false),
                ("idx_embeddings_vector_cosine", true),
                ("idx_embeddings_vector_cosine_ccnew", false),
                ("idx_embeddings_vector_cosine_ccnew1", true),
                ("idx_embeddings_vector_cosine_rebuild", false),
            ]),
            3
        )
    );

    // Shown as invalid, leftovers as leftovers; never offered as indexes to
    // recreate from their definitions (bulk load, set_dimension).
    let status = db.status().await.unwrap().to_string();
    assert!(
        status.contains(
            "idx_embeddings_vector_cosine_ccnew hnsw vector_cosine_ops (m=16, ef_construction=64) \
             INVALID: leftover"
        ),
        "{status}"
    );
    assert!(
        status.contains(
            "idx_embeddings_l2 hnsw vector_l2_ops () INVALID: not used by searches; \
             `reindex` rebuilds it"
        ),
        "{status}"
    );
    let advice = db.tuning_advice().await.unwrap();
    let advice_of = |name: &str| {
        advice
            .iter()
            .find(|a| a.index == name)
            .unwrap_or_else(|| panic!("no advice for {name}: {advice:?}"))
            .advice
            .join("\n")
    };
    assert!(advice_of(TUNE_REBUILD_INDEX).starts_with("INVALID leftover"));
    assert!(advice_of("idx_embeddings_l2").starts_with("INVALID (a failed"));
    assert!(!advice_of("idx_embeddings_vector_cosine").contains("INVALID"));
    let meant: Vec<String> = catalog::embedding_indexes(&raw)
        .await
        .unwrap()
        .into_iter()
        .map(|ix| ix.index_name)
        .collect();
    assert_eq!(
        meant,
        [
            "idx_embeddings_l2",
            "idx_embeddings_vector_cosine",
            "idx_embeddings_vector_cosine_ccnew1"
        ]
    );
    let usage = db.index_usage().await.unwrap();
    assert!(
        usage
            .iter()
            .any(|u| u.index_name == "idx_embeddings_vector_cosine_ccnew" && !u.is_valid),
        "{usage:?}"
    );

    let report = db.reindex_vector_indexes().await.unwrap();
    let dropped: Vec<(&str, &DropReason)> = report
        .dropped
        .iter()
        .map(|DroppedIndex { name, reason, .. }| (name.as_str(), reason))
        .collect();
    assert_eq!(
        dropped,
        [
            ("idx_embeddings_vector_cosine_ccnew", &DropReason::Leftover),
            (
                "idx_embeddings_vector_cosine_ccnew1",
                &DropReason::Duplicate {
                    of: "idx_embeddings_vector_cosine".into()
                }
            ),
            (TUNE_REBUILD_INDEX, &DropReason::Leftover),
        ]
    );
    assert_eq!(
        report.rebuilt,
        ["idx_embeddings_l2", "idx_embeddings_vector_cosine"]
    );
    assert_eq!(report.repaired, ["idx_embeddings_l2"]);
    // Exactly the real indexes, valid; nothing invalid anywhere.
    let expected = owned(&[
        ("idx_embeddings_l2", true),
        ("idx_embeddings_vector_cosine", true),
    ]);
    assert_eq!(vector_index_states(&raw).await, (expected.clone(), 0));
    // Nothing left to drop the second time.
    let again = db.reindex_vector_indexes().await.unwrap();
    assert!(
        again.dropped.is_empty() && again.repaired.is_empty(),
        "{again:?}"
    );
    assert_eq!(vector_index_states(&raw).await, (expected, 0));
    let hits = db
        .tenant("a")
        .unwrap()
        .search_evidence(&random_unit(3, 1536), &truthgraph_db::SearchOptions::top(1))
        .await
        .unwrap();
    assert_eq!(hits[0].id, ids[3]);
}

#[tokio::test]
async fn a_failed_reindex_returns_the_error_and_leaves_nothing_invalid() {
    let t = TestDatabase::migrated().await.unwrap();
    embedded_evidence(&t.db, 20).await;
    let raw = t.raw_client().await.unwrap();
    raw.batch_execute(
        "SET maintenance_work_mem = '256MB'; \
         CREATE INDEX idx_embeddings_ivf ON embeddings USING ivfflat (embedding vector_cosine_ops) \
         WITH (lists = 1); \
         DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET maintenance_work_mem = ''1MB''', \
         current_database()); END $$",
    )
    .await
    .unwrap();
    // New connections get 1 MB: too little for an IVFFlat build of 1536 dimensions.
    let low = t.connect(&Config::default()).await.unwrap();
    let e = low.reindex_vector_indexes().await.unwrap_err();
    // Not the caller's bad input: a database error with the server's words.
    assert!(matches!(e, Error::Database(_)), "{e:?}");
    assert_eq!(e.code().map(|c| c.code()), Some("54000"));
    assert!(
        e.to_string().contains("maintenance_work_mem is 1 MB"),
        "{e}"
    );
    assert!(!e.is_connection_error(), "{e:?}");
    low.close().await;
    assert_eq!(
        vector_index_states(&raw).await,
        (
            owned(&[
                ("idx_embeddings_ivf", true),
                ("idx_embeddings_vector_cosine", true)
            ]),
            0
        )
    );
}

#[tokio::test]
async fn switching_the_dimension_drops_leftovers_instead_of_rebuilding_them() {
    let t = TestDatabase::migrated().await.unwrap();
    let raw = t.raw_client().await.unwrap();
    interrupt_concurrent_build(
        &t,
        "REINDEX INDEX CONCURRENTLY idx_embeddings_vector_cosine",
    )
    .await;
    assert_eq!(vector_index_states(&raw).await.1, 1);
    // ALTER … TYPE rebuilds every index of the column, an invalid one as a
    // valid one: the leftover must be gone before.
    t.db.set_dimension(384).await.unwrap();
    assert_eq!(
        vector_index_states(&raw).await,
        (owned(&[("idx_embeddings_vector_cosine", true)]), 0)
    );
}

#[tokio::test]
async fn a_bulk_load_that_rebuilds_indexes_leaves_leftovers_invalid() {
    let t = TestDatabase::migrated().await.unwrap();
    let a = t.db.tenant("a").unwrap();
    let raw = t.raw_client().await.unwrap();
    interrupt_concurrent_build(
        &t,
        "REINDEX INDEX CONCURRENTLY idx_embeddings_vector_cosine",
    )
    .await;
    let mut rows = Vec::new();
    for i in 0..10 {
        let ev = a
            .insert_evidence(&format!("e{i}"), None, None)
            .await
            .unwrap();
        rows.push(truthgraph_db::NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: ev.id,
            embedding: random_unit(i, 1536),
            model_name: "m".into(),
            model_version: None,
        });
    }
    let options = truthgraph_db::BulkLoadOptions::default().rebuilding_indexes();
    assert_eq!(
        a.bulk_load_embeddings_with(&rows, options)
            .await
            .unwrap()
            .rows,
        10
    );
    // Recreated from its definition, the leftover would now be a valid second copy.
    assert_eq!(
        vector_index_states(&raw).await,
        (
            owned(&[
                ("idx_embeddings_vector_cosine", true),
                ("idx_embeddings_vector_cosine_ccnew", false)
            ]),
            1
        )
    );
}
