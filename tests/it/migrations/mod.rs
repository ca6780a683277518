//! Migrations: round trips, rollback, concurrency, drift, offline SQL, the dimension switch.

mod adoption;
mod v12;

use crate::support::{
    TestDatabase, schema_snapshot, undone_to, versions, versions_after, wait_for_advisory_waiters,
};
use truthgraph_db::migrate::{self, VersionState, latest_version};
use truthgraph_db::{EntityType, Error};

/// Phase 1 rows of every table (V1 columns only), as text, ordered.
async fn phase1_rows(c: &tokio_postgres::Client) -> Vec<String> {
    c.query(
        "SELECT 'claims ' || id || text || coalesce(source_url, '∅') || submitted_at || created_at || updated_at FROM claims \
         UNION ALL SELECT 'evidence ' || id || content || coalesce(source_url, '∅') || coalesce(source_type, '∅') || created_at FROM evidence \
         UNION ALL SELECT 'verdicts ' || id || claim_id || coalesce(verdict, '∅') || coalesce(confidence::text, '∅') || coalesce(reasoning, '∅') || created_at || updated_at FROM verdicts \
         UNION ALL SELECT 'verdict_evidence ' || id || verdict_id || evidence_id || coalesce(relationship, '∅') || coalesce(confidence::text, '∅') FROM verdict_evidence \
         ORDER BY 1",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

const PHASE1_ROWS: &str = "
    INSERT INTO claims (id, text, source_url) VALUES
        ('10000000-0000-0000-0000-000000000001', 'The Eiffel Tower is in Paris', 'https://example.org/a'),
        ('10000000-0000-0000-0000-000000000002', 'Water boils at 50 °C', NULL);
    INSERT INTO evidence (id, content, source_type) VALUES
        ('20000000-0000-0000-0000-000000000001', 'The Eiffel Tower stands in Paris.', 'encyclopedia'),
        ('20000000-0000-0000-0000-000000000002', 'At sea level water boils at 100 °C.', NULL);
    INSERT INTO verdicts (id, claim_id, verdict, confidence, reasoning) VALUES
        ('30000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'SUPPORTED', 0.97, 'direct'),
        ('30000000-0000-0000-0000-000000000002', '10000000-0000-0000-0000-000000000002', NULL, NULL, NULL);
    INSERT INTO verdict_evidence (verdict_id, evidence_id, relationship, confidence) VALUES
        ('30000000-0000-0000-0000-000000000001', '20000000-0000-0000-0000-000000000001', 'supports', 0.97);";

async fn tables(c: &tokio_postgres::Client) -> Vec<String> {
    c.query(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[tokio::test]
async fn up_down_up_keeps_phase1_rows() {
    let t = TestDatabase::empty().await.unwrap();
    let c = t.raw_client().await.unwrap();
    assert_eq!(t.db.migrate(Some(1)).await.unwrap(), vec![1]);
    c.batch_execute(PHASE1_ROWS).await.unwrap();
    let before = phase1_rows(&c).await;
    assert_eq!(before.len(), 7);

    assert_eq!(t.db.migrate(None).await.unwrap(), versions_after(1));
    let full = schema_snapshot(&c).await;
    c.batch_execute(
        "INSERT INTO embeddings (entity_type, entity_id, embedding, model_name) \
         VALUES ('evidence', '20000000-0000-0000-0000-000000000001', array_fill(0.1, ARRAY[1536])::vector, 'm')",
    )
    .await
    .unwrap();
    assert_eq!(phase1_rows(&c).await, before, "V2/V3 changed Phase 1 rows");

    // Down to V1: Phase 2 gone, Phase 1 rows identical.
    assert_eq!(t.db.rollback(1).await.unwrap(), undone_to(1));
    assert_eq!(
        tables(&c).await,
        [
            "claims",
            "evidence",
            "refinery_schema_history",
            "verdict_evidence",
            "verdicts"
        ]
    );
    let vector_ext: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_extension WHERE extname = 'vector'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(vector_ext, 0);
    assert_eq!(
        phase1_rows(&c).await,
        before,
        "rollback changed Phase 1 rows"
    );
    let status = t.db.status().await.unwrap();
    assert_eq!(status.current_version(), 1);
    assert_eq!(status.pending(), versions_after(1));

    // Up again: the same schema as the first time, rows still identical.
    assert_eq!(t.db.migrate(None).await.unwrap(), versions_after(1));
    assert_eq!(schema_snapshot(&c).await, full);
    assert_eq!(phase1_rows(&c).await, before);

    // All the way down leaves nothing but the empty history.
    assert_eq!(t.db.rollback(0).await.unwrap(), undone_to(0));
    assert_eq!(tables(&c).await, ["refinery_schema_history"]);
    assert!(t.db.rollback(0).await.unwrap().is_empty());
}

#[tokio::test]
async fn concurrent_migrators_both_succeed_and_apply_once() {
    let t = TestDatabase::empty().await.unwrap();
    let config = truthgraph_db::Config::default();
    let a = t.connect(&config).await.unwrap();
    let b = t.connect(&config).await.unwrap();
    // The migrators' lock, held here until both wait for it: they overlap
    // for certain. Released, one applies everything, and the other,
    // serialised behind it, finds nothing left to do.
    let holder = t.raw_client().await.unwrap();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&migrate::LOCK_KEY])
        .await
        .unwrap();
    let ra = tokio::spawn(async move { a.migrate(None).await });
    let rb = tokio::spawn(async move { b.migrate(None).await });
    wait_for_advisory_waiters(&holder, migrate::LOCK_KEY, 2, || {
        ra.is_finished() || rb.is_finished()
    })
    .await;
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&migrate::LOCK_KEY])
        .await
        .unwrap();
    let (ra, rb) = (ra.await.unwrap().unwrap(), rb.await.unwrap().unwrap());
    let mut both = [ra.clone(), rb.clone()];
    both.sort();
    assert_eq!(
        both,
        [Vec::new(), versions()],
        "a applied {ra:?}, b applied {rb:?}"
    );
    let c = t.raw_client().await.unwrap();
    let n: i64 = c
        .query_one("SELECT count(*) FROM refinery_schema_history", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, versions().len() as i64);
}

#[tokio::test]
async fn checksum_drift_is_reported_and_nothing_runs() {
    let t = TestDatabase::empty().await.unwrap();
    t.db.migrate(Some(2)).await.unwrap();
    let c = t.raw_client().await.unwrap();
    // As if V1's file had been edited after it was applied.
    c.batch_execute("UPDATE refinery_schema_history SET checksum = '42' WHERE version = 1")
        .await
        .unwrap();
    let before = schema_snapshot(&c).await;
    match t.db.migrate(None).await {
        Err(Error::Drift { version: 1, name }) => assert_eq!(name, "phase1_core"),
        other => panic!("expected drift of V1, got {other:?}"),
    }
    assert!(matches!(
        t.db.rollback(0).await,
        Err(Error::Drift { version: 1, .. })
    ));
    assert_eq!(
        schema_snapshot(&c).await,
        before,
        "something ran despite drift"
    );
    let status = t.db.status().await.unwrap();
    assert_eq!(status.versions[0].2, VersionState::Divergent);
    assert_eq!(status.versions[2].2, VersionState::Pending);
    assert!(status.to_string().contains("DIVERGENT"));
}

#[tokio::test]
async fn offline_sql_equals_what_migrate_and_rollback_run() {
    let offline = TestDatabase::empty().await.unwrap();
    let online = TestDatabase::empty().await.unwrap();
    let (co, cl) = (
        offline.raw_client().await.unwrap(),
        online.raw_client().await.unwrap(),
    );
    co.batch_execute(&migrate::migrate_script(0, None))
        .await
        .unwrap();
    online.db.migrate(None).await.unwrap();
    assert_eq!(schema_snapshot(&co).await, schema_snapshot(&cl).await);
    // The library sees the offline-migrated database as fully applied.
    assert!(offline.db.status().await.unwrap().pending().is_empty());

    co.batch_execute(&migrate::rollback_script(latest_version(), 1).unwrap())
        .await
        .unwrap();
    online.db.rollback(1).await.unwrap();
    assert_eq!(schema_snapshot(&co).await, schema_snapshot(&cl).await);

    // A partial script from version 1 brings both to the same place again.
    co.batch_execute(&migrate::migrate_script(1, None))
        .await
        .unwrap();
    online.db.migrate(None).await.unwrap();
    assert_eq!(schema_snapshot(&co).await, schema_snapshot(&cl).await);
    assert!(migrate::migrate_script(latest_version(), None).contains("pg_advisory_lock"));
}

#[tokio::test]
async fn dimension_switch_recreates_indexes_and_refuses_with_rows() {
    let t = TestDatabase::migrated().await.unwrap();
    let before = t.db.status().await.unwrap().vector_indexes;
    assert_eq!(t.db.set_dimension(384).await.unwrap(), 1536);
    assert_eq!(t.db.embedding_dimension().await.unwrap(), 384);
    let after = t.db.status().await.unwrap();
    assert_eq!(after.dimension, Some(384));
    assert_eq!(after.vector_indexes.len(), before.len());
    for (a, b) in after.vector_indexes.iter().zip(&before) {
        assert_eq!(
            (&a.index_name, &a.method, &a.opclass, &a.options),
            (&b.index_name, &b.method, &b.opclass, &b.options)
        );
    }
    // The vector column keeps its storage mode (PLAIN since V11) across the switch.
    let c = t.raw_client().await.unwrap();
    let storage: i8 = c
        .query_one(
            "SELECT attstorage::\"char\" FROM pg_attribute WHERE attrelid = 'embeddings'::regclass AND attname = 'embedding'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(storage as u8, b'p');
    // The library now validates against 384.
    let claim =
        t.db.tenant("t")
            .unwrap()
            .insert_claim("c", None)
            .await
            .unwrap();
    let wrong = crate::support::random_unit(1, 1536);
    let err =
        t.db.tenant("t")
            .unwrap()
            .upsert_embedding(EntityType::Claim, claim.id, &wrong, "m", None)
            .await
            .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, reason, .. } if field == "embedding" && reason.contains("384")),
        "{err}"
    );
    t.db.tenant("t")
        .unwrap()
        .upsert_embedding(
            EntityType::Claim,
            claim.id,
            &crate::support::random_unit(1, 384),
            "all-MiniLM-L6-v2",
            None,
        )
        .await
        .unwrap();
    // With rows, the switch is refused and nothing changes.
    assert!(
        matches!(t.db.set_dimension(1536).await, Err(Error::Migration { message: m, .. }) if m.contains("1 rows"))
    );
    assert_eq!(t.db.status().await.unwrap().dimension, Some(384));
    assert!(
        matches!(t.db.set_dimension(0).await, Err(Error::InvalidInput { field, .. }) if field == "dimension")
    );
    assert!(matches!(
        t.db.set_dimension(4096).await,
        Err(Error::InvalidInput { .. })
    ));
}

#[tokio::test]
async fn schema_work_is_not_cut_short_by_the_statement_timeout() {
    let t = TestDatabase::empty().await.unwrap();
    // 1 ms: every migration and index build takes longer than that.
    let config = truthgraph_db::Config {
        statement_timeout: std::time::Duration::from_millis(1),
        ..Default::default()
    };
    let db = t.connect(&config).await.unwrap();
    assert_eq!(db.migrate(None).await.unwrap(), versions());
    assert_eq!(db.rollback(1).await.unwrap(), undone_to(1));
    db.migrate(None).await.unwrap();
    db.reindex_vector_indexes().await.unwrap();
    // No statement of schema work runs under the pool's 1 ms, not even the
    // first one on its connection (a `SET statement_timeout = 0` there was
    // itself cancelled now and then, reported as "due to user request").
    for dimension in (0..20).map(|i| 384 + i % 2) {
        db.set_dimension(dimension).await.unwrap();
    }
    // Schema work takes no pooled connection: it runs while the only one is
    // lent.
    let config = truthgraph_db::Config {
        pool_max_size: 1,
        ..config
    };
    let db = t.connect(&config).await.unwrap();
    let client = db.client().await.unwrap();
    db.set_dimension(768).await.unwrap();
    assert_eq!(db.embedding_dimension().await.unwrap(), 768);
    // Ordinary queries keep the timeout.
    let err = client
        .batch_execute("SELECT pg_sleep(0.2)")
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("57014"), "{err}");
}

#[tokio::test]
async fn v6_refuses_nli_rows_without_texts_with_their_count_then_applies_once_filled() {
    let t = TestDatabase::empty().await.unwrap();
    t.db.migrate(Some(5)).await.unwrap();
    let c = t.raw_client().await.unwrap();
    c.batch_execute(
        "INSERT INTO claims (id, text) VALUES ('00000000-0000-0000-0000-0000000000a1', 'c');
         INSERT INTO evidence (id, content) VALUES ('00000000-0000-0000-0000-0000000000b1', 'e');
         INSERT INTO nli_results (claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, neutral_score, model_name, premise_text)
             SELECT '00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b1', 'NEUTRAL', 0.5, 0.2, 0.3, 0.5, 'm', NULL
             FROM generate_series(1, 3);",
    )
    .await
    .unwrap();
    let err = t.db.migrate(None).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("3 nli_results rows have no premise_text"),
        "{err}"
    );
    assert_eq!(t.db.status().await.unwrap().current_version(), 5);
    c.batch_execute("UPDATE nli_results SET premise_text = 'e', hypothesis_text = 'c'")
        .await
        .unwrap();
    assert_eq!(t.db.migrate(None).await.unwrap(), versions_after(5));
}
