//! Tiered search (V10, `src/tiers/`): a tenant with its own partial HNSW
//! index is searched through it, also once a prepared statement has run
//! often enough to go generic; a small tenant is searched exactly; recall per
//! tenant on a skewed set; row-level security; the index set follows the
//! data; V10 up and down on a populated database.

use pgvector::Vector;
use truthgraph_db::index_build::{TierAction, TierOptions};
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::tiers::{Route, tier_index_name};
use truthgraph_db::{Config, EntityType, SearchOptions, Tenant};
use uuid::Uuid;

use crate::support::{Clustered, held_out_recall};
pub(crate) use crate::support::{entities_of, load, rows_of};

const DIM: usize = 64;

/// Marks one of every ten of `tenant`'s `rows` (the first, the eleventh, …)
/// as a paper and the others as web pages (`evidence.source_type`); the
/// papers' ids.
pub(crate) async fn one_paper_in_ten(
    t: &TestDatabase,
    tenant: &str,
    rows: &[(Uuid, Vector)],
) -> Vec<Uuid> {
    let papers: Vec<Uuid> = rows.iter().step_by(10).map(|r| r.0).collect();
    t.raw_client()
        .await
        .unwrap()
        .execute(
            "UPDATE evidence SET source_type = CASE WHEN id = ANY($1) THEN 'paper' ELSE 'web' END \
             WHERE tenant_id = $2",
            &[&papers, &tenant],
        )
        .await
        .unwrap();
    papers
}

/// `n` embeddings of `tenant`'s evidence next to `at` whose evidence does
/// not exist, written as a writer that bypasses the foreign keys can
/// (`session_replication_role = replica`: logical replication, some
/// restores). Each is `at` moved a little along one axis, so the `n` are
/// distinct (an HNSW graph keeps equal vectors as one element).
pub(crate) async fn plant_orphans(t: &TestDatabase, tenant: &str, at: &Vector, n: usize) {
    let c = t.raw_client().await.unwrap();
    c.batch_execute("SET session_replication_role = replica")
        .await
        .unwrap();
    for i in 0..n {
        let mut v = at.to_vec();
        let axis = i % v.len();
        v[axis] += 1e-3 * (1 + i / v.len()) as f32;
        c.execute(
            "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name) \
             VALUES ($1, 'evidence', gen_random_uuid(), $2, 'm')",
            &[&tenant, &Vector::from(v)],
        )
        .await
        .unwrap();
    }
}

/// Plants 20 orphans next to `q` ([`plant_orphans`]) and asserts that
/// `tenant`'s top 10 for `q` is still 10 of its own `rows`.
pub(crate) async fn assert_orphans_take_no_slot(
    t: &TestDatabase,
    tenant: &Tenant<'_>,
    rows: &[(Uuid, Vector)],
    q: &Vector,
) {
    plant_orphans(t, tenant.id(), q, 20).await;
    let ids: std::collections::HashSet<Uuid> = rows.iter().map(|r| r.0).collect();
    let hits = tenant
        .search_evidence(q, &SearchOptions::top(10))
        .await
        .unwrap();
    assert_eq!(hits.len(), 10, "orphans took slots");
    assert!(hits.iter().all(|h| ids.contains(&h.id)));
}

/// Asserts that `tenant`'s top 10 for `q` is exact search's, 10 rows.
pub(crate) async fn assert_top10_is_exact(tenant: &Tenant<'_>, q: &Vector, what: &str) {
    let exact = SearchOptions {
        exact: true,
        ..SearchOptions::top(10)
    };
    let ids = |hits: Vec<truthgraph_db::search::EvidenceHit>| {
        hits.into_iter().map(|h| h.id).collect::<Vec<Uuid>>()
    };
    let want = ids(tenant.search_evidence(q, &exact).await.unwrap());
    let got = tenant
        .search_evidence(q, &SearchOptions::top(10))
        .await
        .unwrap();
    assert_eq!(want.len(), 10);
    assert_eq!(ids(got), want, "{what}");
}

async fn setup() -> (TestDatabase, Clustered) {
    let t = TestDatabase::migrated().await.unwrap();
    t.db.set_dimension(DIM).await.unwrap();
    (t, Clustered::new(11, DIM, 12, 0.9))
}

/// The valid indexes on `embeddings` named like the library's tier indexes.
pub(crate) async fn tier_indexes(c: &tokio_postgres::Client) -> Vec<String> {
    c.query(
        "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE i.indrelid = 'embeddings'::regclass AND i.indisvalid \
           AND c.relname LIKE 'idx\\_embeddings\\_tier\\_%' ORDER BY 1",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[tokio::test]
async fn an_indexed_tenant_keeps_its_index_after_many_executions_a_small_one_is_exact() {
    let (t, mut data) = setup().await;
    let db = &t.db;
    load(db, "big", &mut data, 1500).await;
    load(db, "small", &mut data, 200).await;
    let own = tier_index_name("big", EntityType::Evidence);
    assert_eq!(
        tier_indexes(&t.raw_client().await.unwrap()).await,
        vec![own.clone()]
    );
    assert_eq!(
        db.search_route("big", EntityType::Evidence),
        Route::Index {
            ef_search: Some(64),
            tenant_literal: true
        },
        "1,500 rows: own index, ef_search 64"
    );
    assert_eq!(db.search_route("small", EntityType::Evidence), Route::Exact);

    // A named prepared statement on a pooled connection (its startup
    // options as every search's), executed 8 times: PostgreSQL may go
    // generic after 5, which could not use the partial index.
    let q = data.next();
    let lit = format!("'{}'", pgvector_text(&q));
    let client = db.client().await.unwrap();
    client
        .batch_execute(&format!(
            "PREPARE tier_search(vector, text, text, int8, float8) AS {}",
            truthgraph_db::sql::search::SEARCH_EVIDENCE
        ))
        .await
        .unwrap();
    let exec = format!("EXECUTE tier_search({lit}, 'big', NULL, 10, NULL)");
    for _ in 0..8 {
        assert_eq!(client.simple_query(&exec).await.unwrap().len(), 10 + 2);
    }
    let plan = explain_text(&client, &format!("EXPLAIN {exec}")).await;
    assert!(
        plan.contains(&format!("Index Scan using {own}")),
        "after 9 executions:\n{plan}"
    );
    let (generic, custom): (i64, i64) = {
        let r = client
            .query_one(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'tier_search'",
                &[],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(generic, 0, "no generic plan under force_custom_plan");
    assert!(custom >= 9, "{custom}");
    // The control: a generic plan loses the partial index (so the assertion
    // above is about the setting, not luck).
    client
        .batch_execute("SET plan_cache_mode = force_generic_plan")
        .await
        .unwrap();
    let generic_plan = explain_text(&client, &format!("EXPLAIN {exec}")).await;
    assert!(
        !generic_plan.contains(&own),
        "generic plan:\n{generic_plan}"
    );
    drop(truthgraph_db::Client::take(client));

    // Through the library: the plans its searches run.
    let big = db.tenant("big").unwrap();
    for _ in 0..8 {
        big.search_evidence(&q, &SearchOptions::top(10))
            .await
            .unwrap();
    }
    let plan = big
        .explain_search(EntityType::Evidence, &q, &SearchOptions::top(10), false)
        .await
        .unwrap();
    assert!(plan.contains(&own), "{plan}");
    let small = db.tenant("small").unwrap();
    let plan = small
        .explain_search(EntityType::Evidence, &q, &SearchOptions::top(10), false)
        .await
        .unwrap();
    assert!(
        !plan.contains("idx_embeddings_tier_") && !plan.contains("idx_embeddings_vector"),
        "small tenant, exact:\n{plan}"
    );
}

pub(crate) fn pgvector_text(v: &Vector) -> String {
    let parts: Vec<String> = v.as_slice().iter().map(|x| x.to_string()).collect();
    format!("[{}]", parts.join(","))
}

pub(crate) async fn explain_text(c: &tokio_postgres::Client, sql: &str) -> String {
    c.query(sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn every_tenant_of_a_skewed_set_reaches_recall_as_owner_and_under_rls() {
    let (t, mut data) = setup().await;
    let sizes = [
        ("t30", 3000),
        ("t10", 1100),
        ("t5", 600),
        ("t2", 150),
        ("t1", 40),
    ];
    let mut tenants = Vec::new();
    for (name, n) in sizes {
        let rows = load(&t.db, name, &mut data, n).await;
        tenants.push((name, rows));
    }
    let app = t
        .app(&Config {
            pool_max_size: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    for db in [&t.db, &app] {
        for (name, rows) in &tenants {
            let route = db.search_route(name, EntityType::Evidence);
            assert_eq!(
                matches!(route, Route::Index { .. }),
                rows.len() >= 1000,
                "{name}: {route:?}"
            );
            let tenant = db.tenant(name).unwrap();
            let recall = held_out_recall(&tenant, rows, &mut data, 25, name).await;
            assert!(
                recall >= 0.97,
                "{name} ({} rows): recall {recall}",
                rows.len()
            );
        }
    }
    // The app login may read the tiers (as counted by the owner's last
    // maintenance: the bulk loads), never change them.
    let plan = app.maintain_tiers(&TierOptions::default()).await.unwrap();
    for (name, n) in sizes {
        assert!(
            plan.tiers
                .iter()
                .any(|p| p.tenant_id == name && p.rows == n as i64),
            "{name}: {plan:?}"
        );
    }
    assert!(
        app.maintain_tiers(&TierOptions {
            threshold: Some(100),
            apply: true,
            ..Default::default()
        })
        .await
        .is_err()
    );
}

#[tokio::test]
async fn the_index_set_follows_a_tenant_that_grows_and_shrinks() {
    let (t, mut data) = setup().await;
    let db = &t.db;
    let raw = t.raw_client().await.unwrap();
    let opts = |apply| TierOptions {
        threshold: Some(100),
        apply,
        ..Default::default()
    };
    let own = tier_index_name("g", EntityType::Evidence);
    let action = |r: &truthgraph_db::index_build::TierReport| {
        r.tiers
            .iter()
            .find(|p| p.tenant_id == "g")
            .map(|p| p.action)
    };
    load(db, "g", &mut data, 60).await;
    assert_eq!(
        action(&db.maintain_tiers(&opts(true)).await.unwrap()),
        Some(TierAction::Exact)
    );
    load(db, "g", &mut data, 60).await;
    // A dry run changes nothing.
    assert_eq!(
        action(&db.maintain_tiers(&opts(false)).await.unwrap()),
        Some(TierAction::Build)
    );
    assert!(tier_indexes(&raw).await.is_empty());
    assert_eq!(db.search_route("g", EntityType::Evidence), Route::Exact);
    let report = db.maintain_tiers(&opts(true)).await.unwrap();
    assert_eq!(action(&report), Some(TierAction::Build));
    assert_eq!(tier_indexes(&raw).await, vec![own.clone()]);
    // The applied report gives the size of the index it built.
    let size: i64 = raw
        .query_one("SELECT pg_relation_size($1::text::regclass)", &[&own])
        .await
        .unwrap()
        .get(0);
    let built = report.tiers.iter().find(|p| p.tenant_id == "g").unwrap();
    assert!(size > 0);
    assert_eq!(built.index_bytes, Some(size));
    assert!(matches!(
        db.search_route("g", EntityType::Evidence),
        Route::Index { .. }
    ));
    let delete = |n: i64| {
        format!(
            "DELETE FROM embeddings WHERE id IN (SELECT id FROM embeddings WHERE tenant_id = 'g' LIMIT {n})"
        )
    };
    // 60 rows: above half the threshold, kept (no flapping), rebuilt in
    // place for the rows it lost (tier_deletes.rs), then kept as it is.
    raw.batch_execute(&delete(60)).await.unwrap();
    assert_eq!(
        action(&db.maintain_tiers(&opts(true)).await.unwrap()),
        Some(TierAction::Reindex)
    );
    assert_eq!(
        action(&db.maintain_tiers(&opts(true)).await.unwrap()),
        Some(TierAction::Keep)
    );
    assert_eq!(tier_indexes(&raw).await, vec![own.clone()]);
    // 40 rows: dropped, searched exactly.
    raw.batch_execute(&delete(20)).await.unwrap();
    let report = db.maintain_tiers(&opts(true)).await.unwrap();
    assert_eq!(action(&report), Some(TierAction::Drop));
    let dropped = report.tiers.iter().find(|p| p.tenant_id == "g").unwrap();
    assert_eq!(dropped.index_bytes, None);
    assert!(tier_indexes(&raw).await.is_empty());
    assert_eq!(db.search_route("g", EntityType::Evidence), Route::Exact);
    let hits = db
        .tenant("g")
        .unwrap()
        .search_evidence(&data.next(), &SearchOptions::top(10))
        .await
        .unwrap();
    assert_eq!(hits.len(), 10);
}
