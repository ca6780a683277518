//! The draft migration (docs/citus-draft/V9__distributable_by_tenant.sql) on
//! one server, as the Python services use it: their writes without
//! `tenant_id` still work, the refusals they catch keep their codes, and the
//! down script gives V8's schema back. (On the cluster: `distributed.rs`.)

use std::collections::BTreeSet;

use truthgraph_db::testing::TestDatabase;

use crate::scaling::{PYTHON_ROWS, broken_rules, child_tenants};
use crate::support::schema_snapshot;

pub(crate) const V9: &str =
    include_str!("../../../docs/citus-draft/V9__distributable_by_tenant.sql");
const V9_DOWN: &str =
    include_str!("../../../docs/citus-draft/V9__distributable_by_tenant.down.sql");

/// Runs a draft script in one transaction, as refinery runs a migration.
pub(crate) async fn apply(c: &tokio_postgres::Client, script: &str) {
    c.batch_execute(&format!("BEGIN;\n{script}\nCOMMIT;"))
        .await
        .unwrap_or_else(|e| panic!("draft script: {e:?}"));
}

/// What V9 leaves of the catalog test's list on one server: the bridges the
/// distribute step drops (single-column keys and foreign keys, the seed's
/// unique keys, V8's fill triggers, the policies' subquery) and the
/// updated_at triggers (kept).
pub(crate) const SINGLE_NODE_RULES: [&str; 26] = [
    "foreign key without tenant_id: nli_results.nli_results_claim_id_fkey",
    "foreign key without tenant_id: nli_results.nli_results_evidence_id_fkey",
    "foreign key without tenant_id: verdict_evidence.verdict_evidence_evidence_id_fkey",
    "foreign key without tenant_id: verdict_evidence.verdict_evidence_verdict_id_fkey",
    "foreign key without tenant_id: verdicts.verdicts_claim_id_fkey",
    "foreign key without tenant_id: verification_results.verification_results_claim_id_fkey",
    "policy with a subquery: claims.claims_tenant_isolation",
    "policy with a subquery: embeddings.embeddings_tenant_isolation",
    "policy with a subquery: evidence.evidence_tenant_isolation",
    "policy with a subquery: nli_results.nli_results_tenant_isolation",
    "policy with a subquery: verdict_evidence.verdict_evidence_tenant_isolation",
    "policy with a subquery: verdicts.verdicts_tenant_isolation",
    "policy with a subquery: verification_results.verification_results_tenant_isolation",
    "trigger naming claims,verdicts: nli_results.fill_nli_results_tenant",
    "trigger naming claims,verdicts: verdict_evidence.fill_verdict_evidence_tenant",
    "trigger naming claims,verdicts: verdicts.fill_verdicts_tenant",
    "trigger naming claims,verdicts: verification_results.fill_verification_results_tenant",
    "trigger: claims.update_claims_updated_at",
    "trigger: embeddings.update_embeddings_updated_at",
    "trigger: verdicts.update_verdicts_updated_at",
    "trigger: verification_results.update_verification_results_updated_at",
    "unique index without tenant_id: claims.claims_id_key",
    "unique index without tenant_id: embeddings.idx_embeddings_entity_unique",
    "unique index without tenant_id: evidence.evidence_id_key",
    "unique index without tenant_id: verdict_evidence.verdict_evidence_verdict_id_evidence_id_key",
    "unique index without tenant_id: verdicts.verdicts_id_key",
];

/// The SQLSTATE and constraint of a failed statement.
async fn refused(c: &tokio_postgres::Client, sql: &str) -> (String, String) {
    let e = c
        .batch_execute(sql)
        .await
        .expect_err(&format!("{sql} was accepted"));
    let db = e.as_db_error().unwrap_or_else(|| panic!("{e}"));
    (
        db.code().code().to_string(),
        db.constraint().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn on_one_server_the_python_writes_keep_working_and_down_restores_v8() {
    let t = TestDatabase::migrated().await.unwrap();
    let c = t.raw_client().await.unwrap();
    let v8 = schema_snapshot(&c).await;
    apply(&c, V9).await;
    let rules = broken_rules(&c).await;
    let expected: BTreeSet<String> = SINGLE_NODE_RULES.iter().map(|r| r.to_string()).collect();
    assert_eq!(rules, expected);

    // The Python services' rows, without tenant_id on the claim's tables.
    c.batch_execute(PYTHON_ROWS).await.unwrap();
    assert_eq!(child_tenants(&c).await, vec!["acme"; 4]);
    // Their embedding upsert on the seed's key, without tenant_id (default).
    c.batch_execute(
        "INSERT INTO claims (id, text) VALUES ('00000000-0000-0000-0000-0000000000d1', 'd');
         INSERT INTO embeddings (entity_type, entity_id, embedding)
             VALUES ('claim', '00000000-0000-0000-0000-0000000000d1', array_fill(0.1, ARRAY[1536])::vector)
             ON CONFLICT (entity_type, entity_id) DO UPDATE SET embedding = EXCLUDED.embedding;
         INSERT INTO embeddings (entity_type, entity_id, embedding)
             VALUES ('claim', '00000000-0000-0000-0000-0000000000d1', array_fill(0.2, ARRAY[1536])::vector)
             ON CONFLICT (entity_type, entity_id) DO UPDATE SET embedding = EXCLUDED.embedding;",
    )
    .await
    .unwrap();
    let (n, claim_id): (i64, Option<uuid::Uuid>) = {
        let r = c
            .query_one(
                "SELECT count(*), min(claim_id::text)::uuid FROM embeddings WHERE entity_type = 'claim'",
                &[],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(n, 1);
    assert_eq!(
        claim_id.map(|u| u.to_string()).as_deref(),
        Some("00000000-0000-0000-0000-0000000000d1")
    );

    // Refusals: a missing claim keeps V8's code and name; a tenant given
    // explicitly must be the claim's, the evidence's, the entity's.
    assert_eq!(
        refused(
            &c,
            "INSERT INTO verdicts (claim_id) VALUES ('00000000-0000-0000-0000-0000000000ff')"
        )
        .await,
        ("23503".into(), "verdicts_claim_id_fkey".into())
    );
    assert_eq!(
        refused(
            &c,
            "INSERT INTO verdicts (claim_id, tenant_id) VALUES ('00000000-0000-0000-0000-0000000000a1', 'other')"
        )
        .await,
        ("23503".into(), "verdicts_claim_tenant_fkey".into())
    );
    c.batch_execute(
        "INSERT INTO evidence (id, content, tenant_id) VALUES ('00000000-0000-0000-0000-0000000000b2', 'e2', 'globex')",
    )
    .await
    .unwrap();
    assert_eq!(
        refused(
            &c,
            "INSERT INTO nli_results (claim_id, evidence_id, label, confidence, entailment_score, \
             contradiction_score, neutral_score, premise_text, hypothesis_text)
             VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b2', \
                     'NEUTRAL', 0.8, 0.1, 0.1, 0.8, 'e', 'c')"
        )
        .await,
        ("23503".into(), "nli_results_evidence_tenant_fkey".into())
    );
    assert_eq!(
        refused(
            &c,
            "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding)
             VALUES ('acme', 'evidence', '00000000-0000-0000-0000-0000000000b2', array_fill(0.1, ARRAY[1536])::vector)"
        )
        .await,
        ("23503".into(), "embeddings_evidence_fkey".into())
    );
    // A claim with dependent rows no longer moves to another tenant (V8
    // carried them along; Citus never moves a row between tenants).
    assert_eq!(
        refused(
            &c,
            "UPDATE claims SET tenant_id = 'globex' WHERE tenant_id = 'acme'"
        )
        .await
        .0,
        "23503"
    );
    // Deleting an entity deletes its embedding (a foreign key now, not a trigger).
    c.batch_execute("DELETE FROM claims WHERE id = '00000000-0000-0000-0000-0000000000d1'")
        .await
        .unwrap();
    let left: i64 = c
        .query_one(
            "SELECT count(*) FROM embeddings WHERE entity_type = 'claim'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);

    // Down gives V8's schema back, with the rows.
    apply(&c, V9_DOWN).await;
    assert_eq!(schema_snapshot(&c).await, v8);
    assert_eq!(child_tenants(&c).await, vec!["acme"; 4]);
}
