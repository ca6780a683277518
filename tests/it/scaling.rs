//! Sharding by tenant on Citus (docs/scaling.md): the distribution rules the
//! migrated schema still breaks, computed from the catalog, must equal the
//! list the document gives, so the plan stays true as migrations change.
//!
//! `cargo test --test it -- scaling:: --nocapture` prints the list.

use std::collections::BTreeSet;

use crate::support::TestDatabase;

/// The tables a Citus deployment would distribute by `tenant_id`, co-located:
/// every table that holds one tenant's rows, directly or through its claim.
/// (`truthgraph_settings` is shared by all tenants: a reference table.)
const DISTRIBUTED: [&str; 7] = [
    "claims",
    "evidence",
    "embeddings",
    "nli_results",
    "verification_results",
    "verdicts",
    "verdict_evidence",
];

/// The distribution column.
const COLUMN: &str = "tenant_id";

/// Every rule the schema breaks, one line each: `rule: table[.object]`.
pub(crate) async fn broken_rules(c: &tokio_postgres::Client) -> BTreeSet<String> {
    let tables: Vec<String> = DISTRIBUTED.iter().map(|t| t.to_string()).collect();
    let mut rules = BTreeSet::new();
    // 1. The distribution column must exist.
    for r in c
        .query(
            "SELECT t FROM unnest($1::text[]) AS t
             WHERE NOT EXISTS (SELECT FROM pg_attribute a
                               WHERE a.attrelid = to_regclass('public.' || t)
                                 AND a.attname = $2 AND NOT a.attisdropped)",
            &[&tables, &COLUMN],
        )
        .await
        .unwrap()
    {
        rules.insert(format!("no tenant_id column: {}", r.get::<_, String>(0)));
    }
    // 2. Every primary key and unique index must contain it (Citus checks
    //    uniqueness shard by shard only).
    for r in c
        .query(
            "SELECT t.relname::text, i.relname::text, x.indisprimary
             FROM pg_index x
             JOIN pg_class t ON t.oid = x.indrelid
             JOIN pg_class i ON i.oid = x.indexrelid
             WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY($1)
               AND x.indisunique
               AND NOT EXISTS (SELECT FROM pg_attribute a
                               WHERE a.attrelid = t.oid AND a.attname = $2
                                 AND a.attnum = ANY(x.indkey::int2[]))",
            &[&tables, &COLUMN],
        )
        .await
        .unwrap()
    {
        let kind = if r.get::<_, bool>(2) {
            "primary key"
        } else {
            "unique index"
        };
        rules.insert(format!(
            "{kind} without tenant_id: {}.{}",
            r.get::<_, String>(0),
            r.get::<_, String>(1)
        ));
    }
    // 3. A foreign key between distributed tables must include it on both
    //    sides (then both rows are in co-located shards).
    for r in c
        .query(
            "SELECT t.relname::text, k.conname::text
             FROM pg_constraint k
             JOIN pg_class t ON t.oid = k.conrelid
             WHERE k.contype = 'f' AND t.relnamespace = 'public'::regnamespace
               AND t.relname = ANY($1)
               AND NOT EXISTS (SELECT FROM pg_attribute a
                               WHERE a.attrelid = k.conrelid AND a.attname = $2
                                 AND a.attnum = ANY(k.conkey))",
            &[&tables, &COLUMN],
        )
        .await
        .unwrap()
    {
        rules.insert(format!(
            "foreign key without tenant_id: {}.{}",
            r.get::<_, String>(0),
            r.get::<_, String>(1)
        ));
    }
    // 4. Triggers on distributed tables need citus.enable_unsafe_triggers;
    //    those whose function reads other tables are the unsafe kind. Listed
    //    with the tables their function's body names, from the catalog.
    for r in c
        .query(
            "SELECT t.relname::text, g.tgname::text,
                    coalesce((SELECT string_agg(o, ',' ORDER BY o) FROM unnest($1::text[]) AS o
                              WHERE p.prosrc ~ ('\\m' || o || '\\M')), '')
             FROM pg_trigger g
             JOIN pg_class t ON t.oid = g.tgrelid
             JOIN pg_proc p ON p.oid = g.tgfoid
             WHERE NOT g.tgisinternal AND t.relnamespace = 'public'::regnamespace
               AND t.relname = ANY($1)",
            &[&tables],
        )
        .await
        .unwrap()
    {
        let reads: String = r.get(2);
        let what = if reads.is_empty() {
            "trigger".to_string()
        } else {
            format!("trigger naming {reads}")
        };
        rules.insert(format!(
            "{what}: {}.{}",
            r.get::<_, String>(0),
            r.get::<_, String>(1)
        ));
    }
    // 5. A row-level security policy that reads other tables becomes a join
    //    on a column other than the distribution column: Citus refuses it (or
    //    runs it on every shard). PostgreSQL records the relations a policy's
    //    expressions use in pg_depend.
    for r in c
        .query(
            "SELECT t.relname::text, p.polname::text,
                    string_agg(DISTINCT o.relname::text, ',' ORDER BY o.relname::text)
             FROM pg_policy p
             JOIN pg_class t ON t.oid = p.polrelid
             JOIN pg_depend d ON d.classid = 'pg_policy'::regclass AND d.objid = p.oid
                             AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> p.polrelid
             JOIN pg_class o ON o.oid = d.refobjid
             WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY($1)
             GROUP BY 1, 2",
            &[&tables],
        )
        .await
        .unwrap()
    {
        rules.insert(format!(
            "policy reading {}: {}.{}",
            r.get::<_, String>(2),
            r.get::<_, String>(0),
            r.get::<_, String>(1)
        ));
    }
    // 6. Citus refuses any subquery in a policy of a distributed table, even
    //    an uncorrelated `(SELECT truthgraph_tenant())` (found on the real
    //    cluster: tests/it/citus/refusals.rs). A subquery is a SubLink node in
    //    the policy's stored expression.
    for r in c
        .query(
            "SELECT t.relname::text, p.polname::text
             FROM pg_policy p JOIN pg_class t ON t.oid = p.polrelid
             WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY($1)
               AND (p.polqual::text LIKE '%{SUBLINK %' OR p.polwithcheck::text LIKE '%{SUBLINK %')",
            &[&tables],
        )
        .await
        .unwrap()
    {
        rules.insert(format!(
            "policy with a subquery: {}.{}",
            r.get::<_, String>(0),
            r.get::<_, String>(1)
        ));
    }
    rules
}

/// The lines of the fenced block that follows `<!-- citus-rules -->` in
/// docs/scaling.md.
fn documented_rules() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scaling.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let (_, after) = doc
        .split_once("<!-- citus-rules -->")
        .expect("docs/scaling.md has no <!-- citus-rules --> marker");
    let block = after
        .split_once("```text\n")
        .and_then(|(_, b)| b.split_once("```"))
        .expect("no ```text block after the marker")
        .0;
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_citus_rules_the_schema_breaks_are_the_documented_ones() {
    let t = TestDatabase::migrated().await.unwrap();
    let c = t.raw_client().await.unwrap();
    let found = broken_rules(&c).await;
    println!("Citus rules the migrated schema breaks ({}):", found.len());
    for rule in &found {
        println!("{rule}");
    }
    let documented = documented_rules();
    let missing: Vec<_> = found.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&found).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/scaling.md is out of date.\n  broken but not documented: {missing:#?}\n  \
         documented but no longer broken: {stale:#?}"
    );
}

/// The checks can fail: a table made to break each rule shows up in the
/// list (here `evidence`, which today keeps all its keys tenant-scoped
/// except the primary key).
#[tokio::test]
async fn each_check_sees_a_new_breach() {
    let t = TestDatabase::migrated().await.unwrap();
    let c = t.raw_client().await.unwrap();
    let before = broken_rules(&c).await;
    c.batch_execute(
        "CREATE UNIQUE INDEX scaling_probe_unique ON evidence (source_url);
         ALTER TABLE evidence ADD CONSTRAINT scaling_probe_fk
             FOREIGN KEY (id) REFERENCES evidence (id);
         CREATE TRIGGER scaling_probe_trigger BEFORE UPDATE ON evidence
             FOR EACH ROW EXECUTE FUNCTION delete_entity_embeddings('evidence');
         CREATE POLICY scaling_probe_policy ON evidence TO truthgraph_app
             USING (EXISTS (SELECT FROM claims));
         ALTER TABLE embeddings RENAME COLUMN tenant_id TO owner_id;",
    )
    .await
    .unwrap();
    let after = broken_rules(&c).await;
    let added: BTreeSet<String> = after.difference(&before).cloned().collect();
    let expected: BTreeSet<String> = [
        "unique index without tenant_id: evidence.scaling_probe_unique",
        "foreign key without tenant_id: evidence.scaling_probe_fk",
        "trigger naming embeddings: evidence.scaling_probe_trigger",
        "policy reading claims: evidence.scaling_probe_policy",
        "policy with a subquery: evidence.scaling_probe_policy",
        "no tenant_id column: embeddings",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    assert_eq!(added, expected, "before: {before:#?}");
}

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

    // Moving a claim to another tenant carries its rows (and the verdict's
    // evidence links) along.
    c.batch_execute("UPDATE claims SET tenant_id = 'globex'")
        .await
        .unwrap();
    assert_eq!(child_tenants(&c).await, vec!["globex"; 4]);

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
