//! Every table's columns, types, nullability and defaults, as DESIGN.md lists them.

use super::*;

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
