//! The Citus rules the schema breaks are the documented ones, and each check can fail.

use super::*;

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
/// list (here `evidence`, whose own keys are tenant-scoped since V12, and
/// `embeddings` for the missing column).
#[tokio::test]
async fn each_check_sees_a_new_breach() {
    let t = TestDatabase::migrated().await.unwrap();
    let c = t.raw_client().await.unwrap();
    let before = broken_rules(&c).await;
    c.batch_execute(
        "CREATE UNIQUE INDEX scaling_probe_unique ON evidence (source_url);
         ALTER TABLE evidence ADD CONSTRAINT scaling_probe_fk
             FOREIGN KEY (id) REFERENCES evidence (id);
         CREATE FUNCTION scaling_probe() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN DELETE FROM embeddings WHERE entity_id = OLD.id; RETURN NEW; END $$;
         CREATE TRIGGER scaling_probe_trigger BEFORE UPDATE ON evidence
             FOR EACH ROW EXECUTE FUNCTION scaling_probe();
         -- Touches only NEW: safe on a shard, so not listed (never fired here).
         CREATE TRIGGER scaling_probe_safe BEFORE UPDATE ON evidence
             FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
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
        // Renaming the column takes it out of V12's keys of embeddings too.
        "primary key without tenant_id: embeddings.embeddings_pkey",
        "foreign key without tenant_id: embeddings.embeddings_claim_fkey",
        "foreign key without tenant_id: embeddings.embeddings_evidence_fkey",
        "unique index without tenant_id: embeddings.idx_embeddings_tenant_entity_unique",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    assert_eq!(added, expected, "before: {before:#?}");
}
