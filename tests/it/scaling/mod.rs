//! Sharding by tenant on Citus (docs/scaling.md): the distribution rules the
//! migrated schema still breaks, computed from the catalog, must equal the
//! list the document gives, so the plan stays true as migrations change.
//!
//! `cargo test --test it -- scaling:: --nocapture` prints the list.

mod rules;
mod v8;

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
    // 4. Triggers on distributed tables need citus.enable_unsafe_triggers
    //    for their DDL (creating, altering, distributing the table), never at
    //    run time: Citus fires them on the shard, on the worker. One whose
    //    function reads or writes other distributed tables is the unsafe kind
    //    (its query runs from inside a shard, outside the coordinator's
    //    distributed plan: refused at run time, `cannot execute a distributed
    //    query from a query on a shard`); one that touches only NEW (the
    //    Python services' `update_*_updated_at`, whose names are their
    //    contract) is safe there and breaks no rule (docs/scaling.md: checked
    //    on the cluster by the citus group). Listed with the tables their
    //    function's body names, from the catalog.
    for r in c
        .query(
            "SELECT t.relname::text, g.tgname::text,
                    (SELECT string_agg(o, ',' ORDER BY o) FROM unnest($1::text[]) AS o
                     WHERE p.prosrc ~ ('\\m' || o || '\\M'))
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
        let Some(reads) = r.get::<_, Option<String>>(2) else {
            continue;
        };
        rules.insert(format!(
            "trigger naming {reads}: {}.{}",
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
