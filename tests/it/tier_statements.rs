//! A tier's searches run a statement that names the tenant as a literal
//! (`raw_sql::tier_search`), planned once per connection: the library sets
//! `plan_cache_mode = force_generic_plan` for the call, the generic plan
//! uses the tier's partial index, and both settings are back to the
//! connection's when the call returns. As the owner and under row-level
//! security, on a pool of one connection so the statements the searches
//! prepared are the ones this test reads back. A connection's statement
//! cache is bounded.

use std::collections::HashSet;

use truthgraph_db::search::MAX_CACHED_STATEMENTS;
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::tiers::{Route, tier_index_name};
use truthgraph_db::{Config, Database, EntityType, SearchOptions};
use uuid::Uuid;

use crate::support::Clustered;
use crate::tiers::{
    assert_orphans_take_no_slot, assert_top10_is_exact, explain_text, load, one_paper_in_ten,
    pgvector_text, plant_orphans,
};

const DIM: usize = 64;

fn one_connection() -> Config {
    Config {
        pool_max_size: 1,
        ..Config::default()
    }
}

/// The library's prepared statements on its one connection that name
/// `tenant` as a literal: (generic plans, custom plans) of each.
async fn literal_statements(db: &Database, tenant: &str) -> Vec<(i64, i64)> {
    db.client()
        .await
        .unwrap()
        .query(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements \
             WHERE statement LIKE '%em.tenant_id = ''' || $1 || ''' AND em.tenant_id = $2%'",
            &[&tenant],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// `plan_cache_mode`, `hnsw.ef_search` and `hnsw.iterative_scan` on the
/// handle's one connection.
async fn session_settings(db: &Database) -> (String, String, String) {
    let r = db
        .client()
        .await
        .unwrap()
        .query_one(
            "SELECT current_setting('plan_cache_mode'), current_setting('hnsw.ef_search'), \
             current_setting('hnsw.iterative_scan')",
            &[],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2))
}

/// Eight searches of `tenant` on `db`: each returns 10 of `ids`.
async fn search_eight_times(
    db: &Database,
    tenant: &str,
    ids: &HashSet<Uuid>,
    data: &mut Clustered,
) {
    let t = db.tenant(tenant).unwrap();
    for _ in 0..8 {
        let hits = t
            .search_evidence(&data.next(), &SearchOptions::top(10))
            .await
            .unwrap();
        assert_eq!(hits.len(), 10);
        assert!(hits.iter().all(|h| ids.contains(&h.id)), "a foreign row");
    }
}

#[tokio::test]
async fn a_tier_search_is_planned_once_per_connection_on_its_own_index() {
    let t = TestDatabase::migrated().await.unwrap();
    t.db.set_dimension(DIM).await.unwrap();
    let mut data = Clustered::new(21, DIM, 12, 0.9);
    let big: HashSet<Uuid> = load(&t.db, "big", &mut data, 1500)
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    let small: HashSet<Uuid> = load(&t.db, "small", &mut data, 200)
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();

    let db = t.connect(&one_connection()).await.unwrap();
    assert!(matches!(
        db.search_route("big", EntityType::Evidence),
        Route::Index {
            tenant_literal: true,
            ..
        }
    ));
    let before = session_settings(&db).await;
    assert_eq!(
        (&*before.0, &*before.2),
        ("force_custom_plan", "relaxed_order")
    );
    search_eight_times(&db, "big", &big, &mut data).await;
    // One statement, every execution on its generic plan.
    assert_eq!(literal_statements(&db, "big").await, vec![(8, 0)]);
    assert_eq!(session_settings(&db).await, before, "reset after the call");
    // The small tenant's exact search on the same connection: its own rows,
    // and no statement names it.
    search_eight_times(&db, "small", &small, &mut data).await;
    assert!(literal_statements(&db, "small").await.is_empty());

    // That generic plan is on the tier's index (the control in tiers.rs:
    // the typed statement's generic plan is not).
    let own = tier_index_name("big", EntityType::Evidence);
    let sql = truthgraph_db::raw_sql::tier_search(
        truthgraph_db::sql::search::SEARCH_EVIDENCE,
        Some("big"),
        None,
    );
    let c = t.raw_client().await.unwrap();
    c.batch_execute(&format!(
        "SET plan_cache_mode = force_generic_plan; \
         PREPARE lit(vector, text, text, int8, float8) AS {sql}"
    ))
    .await
    .unwrap();
    let q = pgvector_text(&data.next());
    let plan = explain_text(
        &c,
        &format!("EXPLAIN EXECUTE lit('{q}', 'big', NULL, 10, NULL)"),
    )
    .await;
    assert!(plan.contains(&format!("Index Scan using {own}")), "{plan}");

    // Under row-level security (the app login): the same, and the
    // tenant set for each call reaches the right rows.
    let app = t.app(&one_connection()).await.unwrap();
    search_eight_times(&app, "big", &big, &mut data).await;
    search_eight_times(&app, "small", &small, &mut data).await;
    search_eight_times(&app, "big", &big, &mut data).await;
    assert_eq!(literal_statements(&app, "big").await, vec![(16, 0)]);
    assert_eq!(session_settings(&app).await.0, "force_custom_plan");

    // A connection's statement cache is bounded: past the bound, a search
    // empties it (and its statements close on the server) before preparing.
    let c = db.client().await.unwrap();
    for i in 0..=MAX_CACHED_STATEMENTS {
        c.prepare_cached(&format!("SELECT {i}::int")).await.unwrap();
    }
    assert!(c.statement_cache.size() > MAX_CACHED_STATEMENTS);
    drop(c);
    search_eight_times(&db, "big", &big, &mut data).await;
    let c = db.client().await.unwrap();
    let cached = c.statement_cache.size();
    assert!(cached <= 3, "{cached} statements cached");
    let on_server: i64 = c
        .query_one("SELECT count(*) FROM pg_prepared_statements", &[])
        .await
        .unwrap()
        .get(0);
    assert!(
        on_server <= 4,
        "{on_server} statements prepared on the server"
    );
}

/// A tier's search runs one pass of its index (`hnsw.iterative_scan = off`
/// for the call) only when that pass holds the answer: asked for more rows
/// than `ef_search`, or filtered by source type, it still gets every row it
/// asks for (one pass would stop at `ef_search` candidates, of which the
/// filter keeps about a tenth here), and the connection's setting is back
/// after each call. Orphans at the query (written with the foreign keys
/// bypassed) take no slot of a top 10, however many there are.
#[tokio::test]
async fn one_pass_of_a_tier_only_when_it_holds_the_answer() {
    let t = TestDatabase::migrated().await.unwrap();
    t.db.set_dimension(DIM).await.unwrap();
    let mut data = Clustered::new(23, DIM, 12, 0.9);
    let rows = load(&t.db, "big", &mut data, 1500).await;
    one_paper_in_ten(&t, "big", &rows).await;

    let db = t.connect(&one_connection()).await.unwrap();
    let route = db.search_route("big", EntityType::Evidence);
    assert!(matches!(route, Route::Index { .. }), "{route:?}");
    let ef = route.ef_search().unwrap_or(db.search_defaults().ef_search) as usize;
    let before = session_settings(&db).await;
    let big = db.tenant("big").unwrap();
    for k in [10, ef, ef + 6] {
        let hits = big
            .search_evidence(&data.next(), &SearchOptions::top(k))
            .await
            .unwrap();
        assert_eq!(hits.len(), k, "top {k} at ef_search {ef}");
        assert_eq!(session_settings(&db).await, before, "reset after top {k}");
    }
    assert_orphans_take_no_slot(&t, &big, &rows, &data.next()).await;
    // More orphans at a query than one pass holds: answered exactly.
    let q = data.next();
    plant_orphans(&t, "big", &q, ef + 10).await;
    assert_top10_is_exact(&big, &q, "one pass of orphans").await;
    assert_eq!(session_settings(&db).await, before);
    for _ in 0..5 {
        let opts = SearchOptions {
            source_type: Some("paper".into()),
            ..SearchOptions::top(10)
        };
        let hits = big.search_evidence(&data.next(), &opts).await.unwrap();
        assert_eq!(hits.len(), 10, "papers at ef_search {ef}");
        assert!(
            hits.iter()
                .all(|h| h.source_type.as_deref() == Some("paper"))
        );
        assert_eq!(session_settings(&db).await, before);
    }
}
