//! `Database::distribute` (`truthgraph-db distribute`) on the cluster: a
//! database migrated on the coordinator, then distributed; then writes as
//! the Python services send them, searches, and row-level security for an
//! application login by raw SQL.

use std::collections::BTreeSet;

use truthgraph_db::DistributeOptions;
use truthgraph_db::testing_citus::CitusDatabase;

use crate::scaling::broken_rules;

/// A migrated database on the cluster, distributed.
pub(crate) async fn distributed() -> CitusDatabase {
    let t = CitusDatabase::migrated().await.unwrap();
    let report =
        t.db.distribute(&DistributeOptions::default())
            .await
            .unwrap();
    assert!(report.changed);
    println!(
        "distribute on an empty database: {:.2} s",
        report.took.as_secs_f64()
    );
    t
}

#[tokio::test]
async fn distribute_makes_every_table_distributed_by_tenant_co_located_and_breaks_no_rule() {
    let t = distributed().await;
    let c = t.raw_client().await.unwrap();
    let tables: Vec<(String, String, i32)> = c
        .query(
            "SELECT logicalrelid::text, partmethod::text, colocationid FROM pg_dist_partition \
             ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "claims",
            "embeddings",
            "evidence",
            "nli_results",
            "truthgraph_settings",
            "truthgraph_tiers",
            "verdict_evidence",
            "verdicts",
            "verification_results"
        ]
    );
    let hashed: BTreeSet<i32> = tables.iter().filter(|t| t.1 == "h").map(|t| t.2).collect();
    assert_eq!(hashed.len(), 1, "not co-located: {tables:?}");
    assert_eq!(tables.iter().filter(|t| t.1 == "h").count(), 7);
    for shared in ["truthgraph_settings", "truthgraph_tiers"] {
        assert_eq!(
            tables.iter().find(|t| t.0 == shared).unwrap().1,
            "n",
            "{shared} is a reference table"
        );
    }
    // The catalog test's list of the rules Citus sets: empty once distributed.
    let rules = broken_rules(&c).await;
    assert_eq!(rules, BTreeSet::new());
    // A second run changes nothing.
    let again =
        t.db.distribute(&DistributeOptions::default())
            .await
            .unwrap();
    assert!(!again.changed);
    // Each table's shards are on the workers, the reference table everywhere.
    let spread: Vec<(String, i64)> = c
        .query(
            "SELECT table_name::text, count(DISTINCT nodeport) FROM citus_shards GROUP BY 1 ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (table, nodes) in &spread {
        // Reference tables on all three nodes; shards on the two workers.
        let want = if table.starts_with("truthgraph_") {
            3
        } else {
            2
        };
        assert_eq!(*nodes, want, "{table}: {spread:?}");
    }
}

/// Counts of the seven tenant tables, as `c` sees them.
async fn counts(c: &impl tokio_postgres::GenericClient) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "claims",
        "evidence",
        "embeddings",
        "nli_results",
        "verification_results",
        "verdicts",
        "verdict_evidence",
    ] {
        out.push(
            c.query_one(&format!("SELECT count(*) FROM {t}"), &[])
                .await
                .unwrap()
                .get(0),
        );
    }
    out
}

/// One row in every table for `tenant`, written as the Python services
/// would on the distributed path: with `tenant_id` on every row (Citus
/// routes an INSERT by it before any trigger could fill it).
fn python_rows(tenant: &str, n: u8) -> String {
    let id = |kind: char| format!("00000000-0000-0000-0000-0000000000{kind}{n}");
    let (claim, ev, verdict) = (id('a'), id('b'), id('c'));
    format!(
        "INSERT INTO claims (id, text, tenant_id) VALUES ('{claim}', 'claim {n}', '{tenant}');
         INSERT INTO evidence (id, content, tenant_id) VALUES ('{ev}', 'evidence {n}', '{tenant}');
         INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding)
             VALUES ('{tenant}', 'evidence', '{ev}', (ARRAY[{n}::real] || array_fill(0.1::real, ARRAY[1535]))::vector)
             ON CONFLICT (tenant_id, entity_type, entity_id) DO UPDATE SET embedding = EXCLUDED.embedding;
         INSERT INTO nli_results (claim_id, evidence_id, label, confidence, entailment_score,
                                  contradiction_score, neutral_score, premise_text, hypothesis_text, tenant_id)
             VALUES ('{claim}', '{ev}', 'NEUTRAL', 0.8, 0.1, 0.1, 0.8, 'e', 'c', '{tenant}');
         INSERT INTO verification_results (claim_id, verdict, confidence, support_score, refute_score,
                                           neutral_score, tenant_id)
             VALUES ('{claim}', 'INSUFFICIENT', 0.8, 0.1, 0.1, 0.8, '{tenant}');
         INSERT INTO verdicts (id, claim_id, verdict, tenant_id) VALUES ('{verdict}', '{claim}', 'INSUFFICIENT', '{tenant}');
         INSERT INTO verdict_evidence (verdict_id, evidence_id, relationship, tenant_id)
             VALUES ('{verdict}', '{ev}', 'neutral', '{tenant}');"
    )
}

/// A tenant's nearest evidence, joined to its text: the search of
/// queries/search.sql with the tenant in every table it reads, so that Citus
/// routes it to the tenant's shard.
const TENANT_SEARCH: &str = "
    SELECT e.content FROM embeddings em
    JOIN evidence e ON e.id = em.entity_id AND e.tenant_id = em.tenant_id
    WHERE em.tenant_id = $1 AND em.entity_type = 'evidence'
    ORDER BY em.embedding <=> (ARRAY[3::real] || array_fill(0.1::real, ARRAY[1535]))::vector LIMIT 5";

#[tokio::test]
async fn a_tenant_writes_and_searches_and_row_level_security_holds_for_an_app_login() {
    let t = distributed().await;
    let owner = t.raw_client().await.unwrap();
    for (n, tenant) in [(1, "a"), (2, "b"), (3, "a")] {
        owner.batch_execute(&python_rows(tenant, n)).await.unwrap();
    }
    assert_eq!(counts(&owner).await, vec![3; 7]);
    let hits: Vec<String> = owner
        .query(TENANT_SEARCH, &[&"a"])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(hits, ["evidence 3", "evidence 1"]);
    // Routed to one shard.
    let plan = super::explain(&owner, &TENANT_SEARCH.replace("$1", "'a'")).await;
    assert!(plan.contains("Task Count: 1"), "{plan}");

    // The application login, by raw SQL as tests/it/tenancy/rls.rs does.
    let (app, conn) = tokio_postgres::connect(&t.app_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    // No tenant: nothing, anywhere.
    assert_eq!(counts(&app).await, vec![0; 7]);
    // The tenant as a propagated SET LOCAL: the workers evaluate the
    // policies with it.
    let tenant_a = "BEGIN; SET LOCAL citus.propagate_set_commands = 'local'; \
                    SET LOCAL truthgraph.tenant_id = 'a';";
    app.batch_execute(tenant_a).await.unwrap();
    assert_eq!(counts(&app).await, vec![2; 7]);
    let hits = app.query(TENANT_SEARCH, &[&"a"]).await.unwrap();
    assert_eq!(hits.len(), 2);
    assert!(app.query(TENANT_SEARCH, &[&"b"]).await.unwrap().is_empty());
    // b's rows can be neither changed nor deleted.
    let changed = app
        .execute("UPDATE claims SET text = 'x' WHERE tenant_id = 'b'", &[])
        .await
        .unwrap();
    let deleted = app
        .execute("DELETE FROM evidence WHERE tenant_id = 'b'", &[])
        .await
        .unwrap();
    assert_eq!((changed, deleted), (0, 0));
    app.batch_execute("INSERT INTO claims (text, tenant_id) VALUES ('mine', 'a'); COMMIT;")
        .await
        .unwrap();
    // Writing a row of another tenant is refused on the worker.
    app.batch_execute(tenant_a).await.unwrap();
    let e = app
        .batch_execute("INSERT INTO claims (text, tenant_id) VALUES ('theirs', 'b')")
        .await
        .unwrap_err();
    assert_eq!(e.as_db_error().unwrap().code().code(), "42501", "{e}");
    app.batch_execute("ROLLBACK").await.unwrap();
    // The library's way today, set_config(…, true) in a transaction, is not
    // propagated: the workers see no tenant, so no rows (phase B of issue 17).
    app.batch_execute("BEGIN; SELECT set_config('truthgraph.tenant_id', 'a', true);")
        .await
        .unwrap();
    assert_eq!(counts(&app).await, vec![0; 7]);
    app.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(counts(&owner).await, vec![4, 3, 3, 3, 3, 3, 3]);
    // Deleting b's evidence deletes, on b's shard, its embedding, NLI row and
    // verdict link (foreign keys, ON DELETE CASCADE).
    owner
        .batch_execute("DELETE FROM evidence WHERE tenant_id = 'b'")
        .await
        .unwrap();
    assert_eq!(counts(&owner).await, vec![4, 2, 2, 2, 3, 3, 2]);
}
