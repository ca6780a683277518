//! The migrated schema matches DESIGN.md and the seed, name for name.

use crate::support::TestDatabase;

async fn columns(
    c: &tokio_postgres::Client,
    table: &str,
) -> Vec<(String, String, bool, Option<String>)> {
    c.query(
        "SELECT column_name::text, data_type::text, is_nullable = 'YES', column_default::text \
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 \
         ORDER BY ordinal_position",
        &[&table],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

/// (table, column, data type, nullable, default contains)
const EXPECTED: &[(&str, &str, &str, bool, Option<&str>)] = &[
    ("claims", "id", "uuid", false, Some("gen_random_uuid()")),
    ("claims", "text", "text", false, None),
    ("claims", "source_url", "text", true, None),
    (
        "claims",
        "submitted_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    (
        "claims",
        "created_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    (
        "claims",
        "updated_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    (
        "claims",
        "tenant_id",
        "character varying",
        false,
        Some("'default'"),
    ),
    ("evidence", "id", "uuid", false, Some("gen_random_uuid()")),
    ("evidence", "content", "text", false, None),
    ("evidence", "source_url", "text", true, None),
    ("evidence", "source_type", "character varying", true, None),
    (
        "evidence",
        "created_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    (
        "evidence",
        "tenant_id",
        "character varying",
        false,
        Some("'default'"),
    ),
    ("evidence", "content_tsv", "tsvector", true, None),
    // V9: read by the Python services' query module, NULL when unknown.
    (
        "evidence",
        "credibility_score",
        "double precision",
        true,
        None,
    ),
    ("evidence", "publication_date", "date", true, None),
    ("verdicts", "id", "uuid", false, Some("gen_random_uuid()")),
    // V8: the claim's tenant, filled by trigger when omitted.
    ("verdicts", "tenant_id", "character varying", false, None),
    (
        "verdict_evidence",
        "tenant_id",
        "character varying",
        false,
        None,
    ),
    ("nli_results", "tenant_id", "character varying", false, None),
    (
        "verification_results",
        "tenant_id",
        "character varying",
        false,
        None,
    ),
    ("verdicts", "claim_id", "uuid", false, None),
    ("verdicts", "verdict", "character varying", true, None),
    ("verdicts", "confidence", "double precision", true, None),
    ("verdicts", "reasoning", "text", true, None),
    (
        "verdicts",
        "created_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    (
        "verdicts",
        "updated_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    (
        "verdict_evidence",
        "id",
        "uuid",
        false,
        Some("gen_random_uuid()"),
    ),
    ("verdict_evidence", "verdict_id", "uuid", false, None),
    ("verdict_evidence", "evidence_id", "uuid", false, None),
    (
        "verdict_evidence",
        "relationship",
        "character varying",
        true,
        None,
    ),
    (
        "verdict_evidence",
        "confidence",
        "double precision",
        true,
        None,
    ),
    ("embeddings", "id", "uuid", false, Some("gen_random_uuid()")),
    (
        "embeddings",
        "entity_type",
        "character varying",
        false,
        None,
    ),
    ("embeddings", "entity_id", "uuid", false, None),
    ("embeddings", "embedding", "USER-DEFINED", false, None),
    (
        "embeddings",
        "model_name",
        "character varying",
        false,
        Some("'text-embedding-3-small'::character varying"),
    ),
    (
        "embeddings",
        "model_version",
        "character varying",
        true,
        None,
    ),
    (
        "embeddings",
        "tenant_id",
        "character varying",
        false,
        Some("'default'"),
    ),
    (
        "embeddings",
        "created_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    (
        "embeddings",
        "updated_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    // V12: the entity as a foreign key, generated from entity_type/entity_id.
    ("embeddings", "claim_id", "uuid", true, None),
    ("embeddings", "evidence_id", "uuid", true, None),
    (
        "nli_results",
        "id",
        "uuid",
        false,
        Some("gen_random_uuid()"),
    ),
    ("nli_results", "claim_id", "uuid", false, None),
    ("nli_results", "evidence_id", "uuid", false, None),
    ("nli_results", "label", "character varying", false, None),
    ("nli_results", "confidence", "double precision", false, None),
    (
        "nli_results",
        "entailment_score",
        "double precision",
        false,
        None,
    ),
    (
        "nli_results",
        "contradiction_score",
        "double precision",
        false,
        None,
    ),
    (
        "nli_results",
        "neutral_score",
        "double precision",
        false,
        None,
    ),
    (
        "nli_results",
        "model_name",
        "character varying",
        false,
        Some("'microsoft/deberta-v3-base'::character varying"),
    ),
    (
        "nli_results",
        "model_version",
        "character varying",
        true,
        None,
    ),
    ("nli_results", "premise_text", "text", false, None),
    ("nli_results", "hypothesis_text", "text", false, None),
    (
        "nli_results",
        "created_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    (
        "verification_results",
        "id",
        "uuid",
        false,
        Some("gen_random_uuid()"),
    ),
    ("verification_results", "claim_id", "uuid", false, None),
    (
        "verification_results",
        "verdict",
        "character varying",
        false,
        None,
    ),
    (
        "verification_results",
        "confidence",
        "double precision",
        false,
        None,
    ),
    (
        "verification_results",
        "support_score",
        "double precision",
        false,
        None,
    ),
    (
        "verification_results",
        "refute_score",
        "double precision",
        false,
        None,
    ),
    (
        "verification_results",
        "neutral_score",
        "double precision",
        false,
        None,
    ),
    (
        "verification_results",
        "evidence_count",
        "integer",
        false,
        Some("0"),
    ),
    (
        "verification_results",
        "supporting_evidence_count",
        "integer",
        false,
        Some("0"),
    ),
    (
        "verification_results",
        "refuting_evidence_count",
        "integer",
        false,
        Some("0"),
    ),
    (
        "verification_results",
        "neutral_evidence_count",
        "integer",
        false,
        Some("0"),
    ),
    ("verification_results", "reasoning", "text", true, None),
    (
        "verification_results",
        "nli_result_ids",
        "ARRAY",
        true,
        None,
    ),
    (
        "verification_results",
        "pipeline_version",
        "character varying",
        true,
        None,
    ),
    (
        "verification_results",
        "retrieval_method",
        "character varying",
        true,
        None,
    ),
    (
        "verification_results",
        "created_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    (
        "verification_results",
        "updated_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
];

#[tokio::test]
async fn every_table_column_nullability_and_default() {
    let t = TestDatabase::migrated().await.unwrap();
    let c = t.raw_client().await.unwrap();
    let tables: std::collections::BTreeSet<&str> = EXPECTED.iter().map(|e| e.0).collect();
    for table in tables {
        let actual = columns(&c, table).await;
        let expected: Vec<_> = EXPECTED.iter().filter(|e| e.0 == table).collect();
        assert_eq!(
            actual.len(),
            expected.len(),
            "{table} has columns {:?}",
            actual.iter().map(|a| &a.0).collect::<Vec<_>>()
        );
        for (_, column, ty, nullable, default) in expected {
            let a = actual
                .iter()
                .find(|a| a.0 == *column)
                .unwrap_or_else(|| panic!("{table}.{column} is missing"));
            assert_eq!(a.1, *ty, "{table}.{column} type");
            assert_eq!(a.2, *nullable, "{table}.{column} nullable");
            match default {
                Some(d) => assert!(
                    a.3.as_deref().is_some_and(|x| x.contains(d)),
                    "{table}.{column} default {:?} lacks {d}",
                    a.3
                ),
                None => assert!(a.3.is_none(), "{table}.{column} has default {:?}", a.3),
            }
        }
    }
    // The vector column is vector(1536) by default.
    let ty: String = c
        .query_one(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 'embeddings'::regclass AND attname = 'embedding'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(ty, "vector(1536)");
}

#[tokio::test]
async fn every_seed_index_exists_with_its_definition() {
    let t = TestDatabase::migrated().await.unwrap();
    let c = t.raw_client().await.unwrap();
    let expected = [
        ("idx_claims_submitted_at", "claims", "(submitted_at)"),
        ("idx_evidence_created_at", "evidence", "(created_at)"),
        ("idx_verdicts_claim_id", "verdicts", "(claim_id)"),
        ("idx_verdicts_created_at", "verdicts", "(created_at)"),
        (
            "idx_verdict_evidence_verdict_id",
            "verdict_evidence",
            "(verdict_id)",
        ),
        ("idx_embeddings_tenant_id", "embeddings", "(tenant_id)"),
        (
            "idx_embeddings_entity",
            "embeddings",
            "(entity_type, entity_id)",
        ),
        ("idx_embeddings_entity_unique", "embeddings", "UNIQUE INDEX"),
        (
            "idx_embeddings_vector_cosine",
            "embeddings",
            "USING hnsw (embedding vector_cosine_ops) WITH (m='16', ef_construction='64')",
        ),
        ("idx_nli_results_claim_id", "nli_results", "(claim_id)"),
        (
            "idx_nli_results_evidence_id",
            "nli_results",
            "(evidence_id)",
        ),
        (
            "idx_nli_results_claim_evidence",
            "nli_results",
            "(claim_id, evidence_id)",
        ),
        ("idx_nli_results_label", "nli_results", "(label)"),
        (
            "idx_verification_results_claim_id",
            "verification_results",
            "(claim_id)",
        ),
        (
            "idx_verification_results_verdict",
            "verification_results",
            "(verdict)",
        ),
        (
            "idx_verification_results_confidence",
            "verification_results",
            "(confidence DESC)",
        ),
        (
            "idx_verification_results_created_at",
            "verification_results",
            "(created_at DESC)",
        ),
        (
            "idx_evidence_content_tsv",
            "evidence",
            "USING gin (content_tsv)",
        ),
    ];
    for (name, table, fragment) in expected {
        let row = c
            .query_opt(
                "SELECT tablename::text, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname = $1",
                &[&name],
            )
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("index {name} is missing"));
        assert_eq!(row.get::<_, String>(0), table, "{name} table");
        let def: String = row.get(1);
        assert!(def.contains(fragment), "{name}: {def} lacks {fragment}");
    }
    // The vector index's method, operator class and parameters, from the catalog.
    let row = c
        .query_one(
            "SELECT am.amname::text, oc.opcname::text, c.reloptions \
             FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid \
             JOIN pg_am am ON am.oid = c.relam JOIN pg_opclass oc ON oc.oid = i.indclass[0] \
             WHERE c.relname = 'idx_embeddings_vector_cosine'",
            &[],
        )
        .await
        .unwrap();
    // The name is the contract; V5 changed the kind from the seed's IVFFlat.
    assert_eq!(row.get::<_, String>(0), "hnsw");
    assert_eq!(row.get::<_, String>(1), "vector_cosine_ops");
    assert_eq!(
        row.get::<_, Vec<String>>(2),
        vec!["m=16".to_string(), "ef_construction=64".to_string()]
    );
}

#[tokio::test]
async fn extension_function_triggers_and_comments() {
    let t = TestDatabase::migrated().await.unwrap();
    let c = t.raw_client().await.unwrap();
    let ext: Option<String> = c
        .query_opt(
            "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
            &[],
        )
        .await
        .unwrap()
        .map(|r| r.get(0));
    assert!(ext.is_some(), "pgvector extension missing");
    for (trigger, table) in [
        ("update_claims_updated_at", "claims"),
        ("update_verdicts_updated_at", "verdicts"),
        ("update_embeddings_updated_at", "embeddings"),
        (
            "update_verification_results_updated_at",
            "verification_results",
        ),
    ] {
        let f: String = c
            .query_one(
                "SELECT p.proname::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid \
                 WHERE t.tgname = $1 AND t.tgrelid = $2::text::regclass",
                &[&trigger, &table],
            )
            .await
            .unwrap_or_else(|e| panic!("trigger {trigger}: {e}"))
            .get(0);
        assert_eq!(f, "update_updated_at_column");
    }
    for table in ["embeddings", "nli_results", "verification_results"] {
        let comment: Option<String> = c
            .query_one(
                "SELECT obj_description($1::text::regclass, 'pg_class')",
                &[&table],
            )
            .await
            .unwrap()
            .get(0);
        assert!(
            comment.is_some_and(|s| !s.is_empty()),
            "{table} has no comment"
        );
    }
    let col: Option<String> = c
        .query_one(
            "SELECT col_description('embeddings'::regclass, attnum) FROM pg_attribute \
             WHERE attrelid = 'embeddings'::regclass AND attname = 'embedding'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(col.is_some());
}

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
