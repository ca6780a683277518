//! What the schema does: timestamp triggers, cascades, and Python-style inserts.

use super::*;

#[tokio::test]
async fn updated_at_triggers_bump_the_timestamp() {
    let t = TestDatabase::migrated().await.unwrap();
    let c = t.raw_client().await.unwrap();
    // Back-date each row, update it, and expect a fresh updated_at.
    c.batch_execute(
        "INSERT INTO claims (id, text) VALUES ('00000000-0000-0000-0000-000000000001', 'c');
         INSERT INTO verdicts (id, claim_id, verdict) VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001', 'SUPPORTED');
         INSERT INTO verification_results (id, claim_id, verdict, confidence, support_score, refute_score, neutral_score)
             VALUES ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000001', 'SUPPORTED', 0.9, 0.9, 0.05, 0.05);
         INSERT INTO embeddings (id, entity_type, entity_id, embedding, model_name)
             VALUES ('00000000-0000-0000-0000-000000000004', 'claim', '00000000-0000-0000-0000-000000000001',
                     array_fill(0.5, ARRAY[1536])::vector, 'm');",
    )
    .await
    .unwrap();
    // The columns hold UTC without a zone. The session runs west of UTC
    // (where local time is behind: a trigger writing local time would put
    // the row hours in the past) and then east of it; the stamp must be the
    // transaction's own time in UTC exactly, whatever the zone.
    for zone in ["America/Los_Angeles", "Asia/Kolkata"] {
        c.batch_execute(&format!("SET TimeZone = '{zone}'"))
            .await
            .unwrap();
        let offset: String = c
            .query_one("SELECT to_char(now(), 'OF')", &[])
            .await
            .unwrap()
            .get(0);
        assert_ne!(offset, "+00", "{zone} is UTC");
        for table in ["claims", "verdicts", "verification_results", "embeddings"] {
            c.batch_execute(&format!(
                "ALTER TABLE {table} DISABLE TRIGGER USER;
                 UPDATE {table} SET updated_at = '2000-01-01';
                 ALTER TABLE {table} ENABLE TRIGGER USER;"
            ))
            .await
            .unwrap();
            let set = match table {
                "claims" => "text = 'changed'",
                "verdicts" => "reasoning = 'changed'",
                "verification_results" => "reasoning = 'changed'",
                _ => "model_name = 'changed'",
            };
            // The update and the check in one transaction: now() is its start.
            let rows = c
                .simple_query(&format!(
                    "BEGIN; UPDATE {table} SET {set}; \
                     SELECT count(*) FILTER (WHERE updated_at = (now() AT TIME ZONE 'utc')), \
                            count(*) FROM {table}; COMMIT"
                ))
                .await
                .unwrap();
            let counts: Vec<(String, String)> = rows
                .iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => {
                        Some((r.get(0).unwrap().to_string(), r.get(1).unwrap().to_string()))
                    }
                    _ => None,
                })
                .collect();
            assert_eq!(
                counts,
                [("1".to_string(), "1".to_string())],
                "{table}.updated_at is not the update's time in UTC ({zone})"
            );
        }
    }
}

#[tokio::test]
async fn foreign_keys_cascade_from_claims_and_evidence() {
    let t = TestDatabase::migrated().await.unwrap();
    let c = t.raw_client().await.unwrap();
    c.batch_execute(
        "INSERT INTO claims (id, text) VALUES ('00000000-0000-0000-0000-00000000000a', 'c');
         INSERT INTO evidence (id, content) VALUES ('00000000-0000-0000-0000-00000000000b', 'e');
         INSERT INTO nli_results (claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, neutral_score, model_name, premise_text, hypothesis_text)
             VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000b', 'ENTAILMENT', 0.9, 0.9, 0.05, 0.05, 'm', 'e', 'c');
         INSERT INTO verification_results (claim_id, verdict, confidence, support_score, refute_score, neutral_score)
             VALUES ('00000000-0000-0000-0000-00000000000a', 'SUPPORTED', 0.9, 0.9, 0.05, 0.05);
         INSERT INTO verdicts (id, claim_id) VALUES ('00000000-0000-0000-0000-00000000000c', '00000000-0000-0000-0000-00000000000a');
         INSERT INTO verdict_evidence (verdict_id, evidence_id, relationship)
             VALUES ('00000000-0000-0000-0000-00000000000c', '00000000-0000-0000-0000-00000000000b', 'supports');",
    )
    .await
    .unwrap();
    let count = async |table: &str| -> i64 {
        c.query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .unwrap()
            .get(0)
    };
    c.batch_execute("DELETE FROM claims").await.unwrap();
    for table in [
        "nli_results",
        "verification_results",
        "verdicts",
        "verdict_evidence",
    ] {
        assert_eq!(count(table).await, 0, "{table} rows survived their claim");
    }
    assert_eq!(count("evidence").await, 1);
    // Evidence deletion cascades to its NLI rows.
    c.batch_execute(
        "INSERT INTO claims (id, text) VALUES ('00000000-0000-0000-0000-00000000000a', 'c');
         INSERT INTO nli_results (claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, neutral_score, model_name, premise_text, hypothesis_text)
             VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000b', 'NEUTRAL', 0.9, 0.05, 0.05, 0.9, 'm', 'e', 'c');
         DELETE FROM evidence;",
    )
    .await
    .unwrap();
    assert_eq!(count("nli_results").await, 0);
    // And the constraints exist with ON DELETE CASCADE.
    let fks: Vec<(String, String)> = c
        .query(
            "SELECT conrelid::regclass::text, confdeltype::text FROM pg_constraint \
             WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    // Six from the seed, four tenant-scoped ones from V8, and from V12 two
    // tenant-scoped ones to evidence and the two of embeddings' entity.
    assert_eq!(fks.len(), 14, "{fks:?}");
    assert!(
        fks.iter().all(|(_, d)| d == "c"),
        "not all cascade: {fks:?}"
    );
}

#[tokio::test]
async fn python_style_inserts_still_work_and_bad_values_are_refused() {
    let t = TestDatabase::migrated().await.unwrap();
    let c = t.raw_client().await.unwrap();
    // What the Python services send: no tenant_id, upper-case labels, no
    // model_name where their schema has a default, no counts that default to 0.
    c.batch_execute(
        "INSERT INTO claims (id, text, source_url) VALUES ('00000000-0000-0000-0000-0000000000a1', 'c', NULL);
         INSERT INTO evidence (id, content, source_type) VALUES ('00000000-0000-0000-0000-0000000000b1', 'e', 'web');
         INSERT INTO verdicts (claim_id, verdict, confidence) VALUES ('00000000-0000-0000-0000-0000000000a1', NULL, NULL);
         INSERT INTO embeddings (entity_type, entity_id, embedding)
             VALUES ('evidence', '00000000-0000-0000-0000-0000000000b1', array_fill(0.5, ARRAY[1536])::vector);
         INSERT INTO nli_results (claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, neutral_score, premise_text, hypothesis_text)
             VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b1', 'CONTRADICTION', 0.8, 0.1, 0.8, 0.1, 'e', 'c');
         INSERT INTO verification_results (claim_id, verdict, confidence, support_score, refute_score, neutral_score, evidence_count, retrieval_method)
             VALUES ('00000000-0000-0000-0000-0000000000a1', 'REFUTED', 0.8, 0.1, 0.8, 0.1, 1, 'hybrid');",
    )
    .await
    .unwrap();
    let row = c
        .query_one(
            "SELECT (SELECT model_name FROM embeddings), (SELECT tenant_id FROM embeddings), \
                    (SELECT model_name FROM nli_results), \
                    (SELECT refuting_evidence_count FROM verification_results)",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2),
            row.get::<_, i32>(3)
        ),
        (
            "text-embedding-3-small".to_string(),
            "default".to_string(),
            "microsoft/deberta-v3-base".to_string(),
            0
        )
    );
    // Their schema requires the NLI texts.
    let e = c
        .batch_execute("UPDATE nli_results SET premise_text = NULL")
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::NOT_NULL_VIOLATION)
    );
    let tenant: String = c
        .query_one("SELECT tenant_id FROM claims", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tenant, "default");
    for (sql, constraint) in [
        (
            "UPDATE nli_results SET label = 'entailment'",
            "nli_results_label_check",
        ),
        (
            "UPDATE nli_results SET confidence = 1.5",
            "nli_results_scores_range",
        ),
        (
            "UPDATE verification_results SET verdict = 'TRUE'",
            "verification_results_verdict_check",
        ),
        (
            "UPDATE verification_results SET refute_score = -0.1",
            "verification_results_scores_range",
        ),
        (
            "UPDATE verification_results SET retrieval_method = 'bm25'",
            "verification_results_retrieval_method_check",
        ),
        (
            "UPDATE verdicts SET verdict = 'supported'",
            "verdicts_verdict_check",
        ),
        (
            "UPDATE claims SET tenant_id = ''",
            "claims_tenant_id_not_empty",
        ),
        (
            "INSERT INTO verdict_evidence (verdict_id, evidence_id, relationship) SELECT v.id, '00000000-0000-0000-0000-0000000000b1', 'SUPPORTS' FROM verdicts v",
            "verdict_evidence_relationship_check",
        ),
    ] {
        let e = c.batch_execute(sql).await.unwrap_err();
        let db = e.as_db_error().expect("a database error");
        assert_eq!(db.constraint(), Some(constraint), "{sql}: {db:?}");
    }
}
