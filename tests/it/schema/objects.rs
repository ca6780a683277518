//! Seed indexes, the extension, functions, triggers and comments, by name and definition.

use super::*;

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
