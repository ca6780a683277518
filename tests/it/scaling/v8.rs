//! V8: `tenant_id` filled for Python-style inserts, backfilled for existing rows, rolled back.

use super::*;

/// The rows a Python service writes: no `tenant_id` anywhere.
pub(crate) const PYTHON_ROWS: &str = "
    INSERT INTO claims (id, text, tenant_id) VALUES ('00000000-0000-0000-0000-0000000000a1', 'c', 'acme');
    INSERT INTO evidence (id, content, tenant_id) VALUES ('00000000-0000-0000-0000-0000000000b1', 'e', 'acme');
    INSERT INTO nli_results (claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, neutral_score, premise_text, hypothesis_text)
        VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b1', 'NEUTRAL', 0.8, 0.1, 0.1, 0.8, 'e', 'c');
    INSERT INTO verification_results (claim_id, verdict, confidence, support_score, refute_score, neutral_score)
        VALUES ('00000000-0000-0000-0000-0000000000a1', 'INSUFFICIENT', 0.8, 0.1, 0.1, 0.8);
    INSERT INTO verdicts (id, claim_id, verdict) VALUES ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000a1', 'INSUFFICIENT');
    INSERT INTO verdict_evidence (verdict_id, evidence_id, relationship)
        VALUES ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000b1', 'neutral');";

/// `tenant_id` of the single row of each of V8's four tables.
pub(crate) async fn child_tenants(c: &tokio_postgres::Client) -> Vec<String> {
    let row = c
        .query_one(
            "SELECT (SELECT string_agg(tenant_id, ',') FROM nli_results),
                    (SELECT string_agg(tenant_id, ',') FROM verification_results),
                    (SELECT string_agg(tenant_id, ',') FROM verdicts),
                    (SELECT string_agg(tenant_id, ',') FROM verdict_evidence)",
            &[],
        )
        .await
        .unwrap();
    (0..4).map(|i| row.get(i)).collect()
}

#[tokio::test]
async fn v8_fills_tenant_id_for_python_style_inserts_and_keeps_it_true() {
    let t = TestDatabase::migrated().await.unwrap();
    let c = t.raw_client().await.unwrap();
    c.batch_execute(PYTHON_ROWS).await.unwrap();
    assert_eq!(child_tenants(&c).await, vec!["acme"; 4]);

    // A missing claim fails as before V8: 23503, the old constraint's name.
    let e = c
        .batch_execute(
            "INSERT INTO verdicts (claim_id) VALUES ('00000000-0000-0000-0000-0000000000ff')",
        )
        .await
        .unwrap_err();
    let db = e.as_db_error().unwrap();
    assert_eq!(db.code().code(), "23503", "{db:?}");
    assert_eq!(db.constraint(), Some("verdicts_claim_id_fkey"));
    let e = c
        .batch_execute(
            "INSERT INTO verdict_evidence (verdict_id, evidence_id)
             VALUES ('00000000-0000-0000-0000-0000000000ff', '00000000-0000-0000-0000-0000000000b1')",
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.as_db_error().unwrap().constraint(),
        Some("verdict_evidence_verdict_id_fkey")
    );

    // A tenant given explicitly must be the claim's.
    let e = c
        .batch_execute(
            "INSERT INTO verdicts (claim_id, tenant_id)
             VALUES ('00000000-0000-0000-0000-0000000000a1', 'other')",
        )
        .await
        .unwrap_err();
    let db = e.as_db_error().unwrap();
    assert_eq!(db.code().code(), "23503", "{db:?}");
    assert_eq!(db.constraint(), Some("verdicts_claim_tenant_fkey"));
    c.batch_execute(
        "INSERT INTO verdicts (claim_id, tenant_id)
         VALUES ('00000000-0000-0000-0000-0000000000a1', 'acme');
         DELETE FROM verdicts WHERE id <> '00000000-0000-0000-0000-0000000000c1';",
    )
    .await
    .unwrap();

    // A claim with dependent rows cannot move to another tenant (V12: the
    // tenant-scoped keys are ON UPDATE NO ACTION, as Citus requires; before,
    // V8 carried the rows along).
    let e = c
        .batch_execute("UPDATE claims SET tenant_id = 'globex'")
        .await
        .unwrap_err();
    let db = e.as_db_error().unwrap();
    assert_eq!(db.code().code(), "23503", "{db:?}");
    assert!(
        db.constraint().unwrap().ends_with("_claim_tenant_fkey"),
        "{db:?}"
    );
    assert_eq!(child_tenants(&c).await, vec!["acme"; 4]);

    // Re-pointing a row at another claim takes that claim's tenant.
    c.batch_execute(
        "INSERT INTO claims (id, text, tenant_id) VALUES ('00000000-0000-0000-0000-0000000000a2', 'c2', 'initech');
         UPDATE verification_results SET claim_id = '00000000-0000-0000-0000-0000000000a2';",
    )
    .await
    .unwrap();
    let moved: String = c
        .query_one("SELECT tenant_id FROM verification_results", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(moved, "initech");
}

#[tokio::test]
async fn v8_backfills_existing_rows_without_moving_updated_at_and_rolls_back() {
    let t = TestDatabase::empty().await.unwrap();
    t.db.migrate(Some(7)).await.unwrap();
    let c = t.raw_client().await.unwrap();
    c.batch_execute(PYTHON_ROWS).await.unwrap();
    let stamps = "SELECT (SELECT updated_at::text FROM verdicts) || ' ' || \
                  (SELECT updated_at::text FROM verification_results)";
    let before: String = c.query_one(stamps, &[]).await.unwrap().get(0);
    // To V8 only: later versions (V9 on) are not this test's subject.
    assert_eq!(t.db.migrate(Some(8)).await.unwrap(), vec![8]);
    assert_eq!(child_tenants(&c).await, vec!["acme"; 4]);
    let after: String = c.query_one(stamps, &[]).await.unwrap().get(0);
    assert_eq!(before, after, "the backfill moved updated_at");
    // The down script removes the column again; the data stays.
    t.db.rollback(7).await.unwrap();
    let has: bool = c
        .query_one(
            "SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'verdicts'::regclass
                            AND attname = 'tenant_id' AND NOT attisdropped)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!has);
    let n: i64 = c
        .query_one("SELECT count(*) FROM verdict_evidence", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}
