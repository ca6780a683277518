//! What Citus refuses when the schema of V8 (before V12 made it
//! distributable) is distributed by `tenant_id`, recorded from Citus itself: each table is distributed in
//! turn (referenced tables first), and every refusal is written down with
//! what had to go before Citus accepted the table. The list must equal the
//! block after `<!-- citus-refusals -->` in docs/citus-draft/README.md.
//!
//! `cargo test -p truthgraph-db --features citus --test it citus::refusals -- --nocapture`
//! prints it.

use std::collections::BTreeSet;

use tokio_postgres::Client;
use truthgraph_db::testing_citus::CitusDatabase;

/// In the order a distribution must follow: a foreign key may only point at
/// a table that is distributed already.
const ORDER: [&str; 7] = [
    "claims",
    "evidence",
    "embeddings",
    "verdicts",
    "nli_results",
    "verification_results",
    "verdict_evidence",
];

/// Names from one catalog query with one text parameter, sorted and joined.
async fn names(c: &Client, sql: &str, table: &str) -> String {
    let mut v: Vec<String> = c
        .query(sql, &[&table])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.get(0))
        .collect();
    v.sort();
    v.join(", ")
}

/// Removes what Citus named in `message` from `table`, and says what went.
async fn remedy(c: &Client, table: &str, message: &str) -> String {
    if message.contains("because it has triggers") {
        let triggers = names(
            c,
            "SELECT tgname::text FROM pg_trigger WHERE tgrelid = $1::text::regclass AND NOT tgisinternal",
            table,
        )
        .await;
        c.batch_execute("SET citus.enable_unsafe_triggers = on")
            .await
            .unwrap();
        return format!("kept with citus.enable_unsafe_triggers = on: {triggers}");
    }
    if message.contains("do not include the partition column") {
        // Unique indexes (and the constraints they back) without tenant_id,
        // with the foreign keys of other tables that hang on them.
        let rows = c
            .query(
                "SELECT i.relname::text, k.conname::text,
                        coalesce((SELECT string_agg(f.conname::text, ', ' ORDER BY f.conname)
                                  FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.oid), '')
                 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                 LEFT JOIN pg_constraint k ON k.conindid = i.oid AND k.contype IN ('p', 'u')
                 WHERE x.indrelid = $1::text::regclass AND x.indisunique
                   AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = x.indrelid
                                   AND a.attname = 'tenant_id' AND a.attnum = ANY(x.indkey::int2[]))
                 ORDER BY 1",
                &[&table],
            )
            .await
            .unwrap();
        let mut out = Vec::new();
        for r in rows {
            let (index, constraint, fks): (String, Option<String>, String) =
                (r.get(0), r.get(1), r.get(2));
            let sql = match &constraint {
                Some(k) => format!("ALTER TABLE {table} DROP CONSTRAINT {k} CASCADE"),
                None => format!("DROP INDEX {index}"),
            };
            c.batch_execute(&sql).await.unwrap();
            out.push(if fks.is_empty() {
                index
            } else {
                format!("{index} (with {fks})")
            });
        }
        return format!("dropped {}", out.join(", "));
    }
    if message.contains("Subqueries are not supported in policies") {
        let policies = names(
            c,
            "SELECT polname::text FROM pg_policy WHERE polrelid = $1::text::regclass",
            table,
        )
        .await;
        for p in policies.split(", ") {
            c.batch_execute(&format!("DROP POLICY {p} ON {table}"))
                .await
                .unwrap();
        }
        return format!("dropped {policies}");
    }
    if message.contains("ON UPDATE operation") {
        return drop_foreign_keys(c, table, "confupdtype IN ('c', 'n', 'd')").await;
    }
    if message.contains("foreign key") || message.contains("referenced table") {
        // Any other foreign-key refusal: the keys without the distribution
        // column, or pointing at a table that is not (yet) a Citus table.
        return drop_foreign_keys(
            c,
            table,
            "(NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = k.conrelid
                          AND a.attname = 'tenant_id' AND a.attnum = ANY(k.conkey))
              OR NOT EXISTS (SELECT FROM pg_dist_partition p WHERE p.logicalrelid = k.confrelid))",
        )
        .await;
    }
    panic!("Citus refused {table} for a reason this test does not know: {message}");
}

async fn drop_foreign_keys(c: &Client, table: &str, condition: &str) -> String {
    let keys = names(
        c,
        &format!(
            "SELECT k.conname::text FROM pg_constraint k
             WHERE k.conrelid = $1::text::regclass AND k.contype = 'f' AND {condition}"
        ),
        table,
    )
    .await;
    assert!(!keys.is_empty(), "{table}: no foreign key to drop");
    for k in keys.split(", ") {
        c.batch_execute(&format!("ALTER TABLE {table} DROP CONSTRAINT {k}"))
            .await
            .unwrap();
    }
    format!("dropped {keys}")
}

/// `message (detail)` of a server error.
fn described(e: &tokio_postgres::Error) -> String {
    let db = e.as_db_error().unwrap_or_else(|| panic!("{e}"));
    match db.detail() {
        Some(d) => format!("{} ({d})", db.message()),
        None => db.message().to_string(),
    }
}

/// Distributes every table of the migrated schema, recording each refusal
/// as `table: refusal -> what went`.
pub(crate) async fn refusals(c: &Client) -> Vec<String> {
    let mut out = Vec::new();
    match c
        .batch_execute("SELECT create_reference_table('truthgraph_settings')")
        .await
    {
        Ok(()) => {}
        Err(e) => out.push(format!("truthgraph_settings: {}", described(&e))),
    }
    for table in ORDER {
        let colocate = if table == "claims" {
            "default"
        } else {
            "claims"
        };
        // Each table's triggers are refused on their own line.
        c.batch_execute("RESET citus.enable_unsafe_triggers")
            .await
            .unwrap();
        for attempt in 0.. {
            assert!(attempt < 10, "{table}: still refused after 10 remedies");
            let sql = format!(
                "SELECT create_distributed_table('{table}', 'tenant_id', colocate_with => '{colocate}')"
            );
            match c.batch_execute(&sql).await {
                Ok(()) => break,
                Err(e) => {
                    let why = described(&e);
                    let what = remedy(c, table, &why).await;
                    out.push(format!("{table}: {why} -> {what}"));
                }
            }
        }
    }
    c.batch_execute("SET citus.enable_unsafe_triggers = on")
        .await
        .unwrap();
    for (what, sql) in RUNTIME {
        let outcome = match c.batch_execute(sql).await {
            Ok(()) => "ok".to_string(),
            Err(e) => described(&e),
        };
        out.push(format!("at run time, {what}: {outcome}"));
    }
    out
}

/// Writes, in order, on the tables as distributed above (the triggers that
/// Citus let through with citus.enable_unsafe_triggers are still there).
const RUNTIME: [(&str, &str); 8] = [
    (
        "a claim",
        "INSERT INTO claims (id, text, tenant_id) VALUES ('00000000-0000-0000-0000-0000000000a1', 'c', 'acme')",
    ),
    (
        "an evidence",
        "INSERT INTO evidence (id, content, tenant_id) VALUES ('00000000-0000-0000-0000-0000000000b1', 'e', 'acme')",
    ),
    (
        "an embedding (trigger check_embeddings_entity)",
        "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding) \
         VALUES ('acme', 'evidence', '00000000-0000-0000-0000-0000000000b1', array_fill(0.1, ARRAY[1536])::vector)",
    ),
    (
        "an embedding upserted on (entity_type, entity_id)",
        "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding) \
         VALUES ('acme', 'evidence', '00000000-0000-0000-0000-0000000000b1', array_fill(0.1, ARRAY[1536])::vector) \
         ON CONFLICT (entity_type, entity_id) DO NOTHING",
    ),
    (
        "a verdict with its tenant (trigger fill_verdicts_tenant)",
        "INSERT INTO verdicts (claim_id, verdict, tenant_id) \
         VALUES ('00000000-0000-0000-0000-0000000000a1', 'SUPPORTED', 'acme')",
    ),
    (
        "a verdict without tenant_id, as the Python services write it",
        "INSERT INTO verdicts (claim_id, verdict) VALUES ('00000000-0000-0000-0000-0000000000a1', 'SUPPORTED')",
    ),
    (
        "a claim's update (trigger update_claims_updated_at)",
        "UPDATE claims SET text = 'changed' WHERE tenant_id = 'acme'",
    ),
    (
        "a claim's delete (trigger delete_claim_embeddings)",
        "DELETE FROM claims WHERE tenant_id = 'acme'",
    ),
];

/// The lines of the fenced block after `<!-- citus-refusals -->` in
/// docs/citus-draft/README.md.
fn documented() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/citus-draft/README.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let (_, after) = doc
        .split_once("<!-- citus-refusals -->")
        .expect("docs/citus-draft/README.md has no <!-- citus-refusals --> marker");
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
async fn citus_refuses_the_v8_schema_for_the_documented_reasons() {
    let t = CitusDatabase::migrated().await.unwrap();
    // The schema before V12 made it distributable.
    t.db.rollback(8).await.unwrap();
    let c = t.raw_client().await.unwrap();
    let found = refusals(&c).await;
    println!("What Citus refused ({}):", found.len());
    for line in &found {
        println!("{line}");
    }
    // Once stripped of all that, every table is distributed, co-located.
    let groups: BTreeSet<i32> = c
        .query(
            "SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = ANY($1::text[]::regclass[])",
            &[&ORDER.to_vec()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(groups.len(), 1, "not co-located: {groups:?}");
    let documented = documented();
    assert_eq!(
        found, documented,
        "docs/citus-draft/README.md is out of date (left: what Citus says now)"
    );
}
