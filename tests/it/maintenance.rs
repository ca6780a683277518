//! Operator maintenance: index usage, sizes, advice (`queries/maintenance.sql`).

use tokio_postgres::error::SqlState;
use truthgraph_db::catalog::{self, TUNE_REBUILD_INDEX};
use truthgraph_db::index_build::{DropReason, DroppedIndex};
use truthgraph_db::{Config, EntityType, Error};
use uuid::Uuid;

use crate::support::{TestDatabase, interrupt_concurrent_build, random_unit, vector_index_states};

/// `n` evidence rows of tenant `a`, each with an embedding.
async fn embedded_evidence(db: &truthgraph_db::Database, n: u64) -> Vec<Uuid> {
    let a = db.tenant("a").unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let ev = a
            .insert_evidence(&format!("e{i}"), None, None)
            .await
            .unwrap();
        a.upsert_embedding(
            EntityType::Evidence,
            ev.id,
            &random_unit(i, 1536),
            "m",
            None,
        )
        .await
        .unwrap();
        ids.push(ev.id);
    }
    ids
}

fn owned(v: &[(&str, bool)]) -> Vec<(String, bool)> {
    v.iter().map(|(n, ok)| (n.to_string(), *ok)).collect()
}

#[tokio::test]
async fn maintenance_reports_indexes_sizes_and_advice() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();

    let ev = a.insert_evidence("x", None, None).await.unwrap();
    a.upsert_embedding(
        EntityType::Evidence,
        ev.id,
        &random_unit(3, 1536),
        "m",
        None,
    )
    .await
    .unwrap();
    let usage = db.index_usage().await.unwrap();
    assert!(usage.iter().any(|u| u.index_name == "idx_embeddings_vector_cosine" && u.table_name == "embeddings"));
    assert!(usage.iter().all(|u| u.size_bytes > 0));
    let sizes = db.table_sizes().await.unwrap();
    let emb = sizes.iter().find(|s| s.table_name == "embeddings").unwrap();
    assert!(emb.total_bytes >= emb.table_bytes + emb.index_bytes - 8192 && emb.total_bytes > 0);
    let params = db.vector_indexes().await.unwrap();
    assert_eq!(params.len(), 1);
    assert!(params[0].is_valid);
    assert_eq!(
        (
            params[0].method.as_str(),
            params[0].opclass.as_str(),
            params[0].options.clone()
        ),
        (
            "hnsw",
            "vector_cosine_ops",
            Some(vec!["m=16".to_string(), "ef_construction=64".to_string()])
        )
    );
    // Advice reads the planner's estimate and analyses nothing itself.
    let advice = db.tuning_advice().await.unwrap();
    assert_eq!(advice.len(), 1);
    assert_eq!((advice[0].current, advice[0].rows), (16, None));
    assert!(advice[0].advice[0].contains("never analysed"), "{advice:?}");
    let analysed: bool = db
        .client()
        .await
        .unwrap()
        .query_one(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'embeddings'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!analysed, "tuning_advice must not ANALYZE");
    let report = db.reindex_vector_indexes().await.unwrap();
    assert_eq!(report.rebuilt, vec!["idx_embeddings_vector_cosine"]);
    assert!(
        report.dropped.is_empty() && report.repaired.is_empty(),
        "{report:?}"
    );
    let advice = db.tuning_advice().await.unwrap();
    assert_eq!((advice[0].current, advice[0].rows), (16, Some(1)));
    assert!(
        advice[0].advice[0].contains(&format!("ef_search {}", db.search_defaults().ef_search)),
        "{advice:?}"
    );
}

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
