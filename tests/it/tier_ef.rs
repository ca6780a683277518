//! A tier's `ef_search` is measured on its own rows when its index is built
//! (src/index_build/tier_ef.rs): data on which the ladder's value (64 below
//! 5K rows) misses gets a larger one, which then reaches the recall the
//! ladder's value does not, on queries the measurement never saw; easy
//! data keeps the ladder's value; a later maintenance keeps what was
//! measured, and one with `remeasure` measures a kept tier again.

use std::collections::HashSet;

use truthgraph_db::index_build::{TIER_TARGET_RECALL, TierAction, TierOptions};
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::tiers::{DENSE_HNSW_M, Route, SMALL_TIER_EF_SEARCH, tier_index_name};
use truthgraph_db::{Database, EntityType, SearchOptions};
use uuid::Uuid;

use crate::support::{BruteForce, Clustered, recall_of};
use crate::tiers::load;

const DIM: usize = 256;

/// Mean recall@10 of `queries` fresh points of `data` in `tenant`, at `ef`.
async fn recall_at(
    db: &Database,
    tenant: &str,
    truth: &BruteForce,
    data: &mut Clustered,
    ef: u32,
) -> f64 {
    let t = db.tenant(tenant).unwrap();
    let queries = 200;
    let mut sum = 0.0;
    for _ in 0..queries {
        let q = data.next();
        let opts = SearchOptions {
            ef_search: Some(ef),
            ..SearchOptions::top(10)
        };
        let ids: Vec<Uuid> = t
            .search_evidence(&q, &opts)
            .await
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        sum += recall_of(&ids, &truth.top_k(&q, 10, |_| true));
    }
    sum / f64::from(queries)
}

#[tokio::test]
async fn a_hard_tier_gets_a_larger_ef_search_an_easy_one_keeps_the_ladders() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    db.set_dimension(DIM).await.unwrap();
    // Uniform on the sphere (one centre, noise far larger than it): the
    // hardest data for a graph. Clustered text-like data: easy.
    let mut hard = Clustered::new(5, DIM, 1, 50.0);
    let mut easy = Clustered::new(6, DIM, 12, 0.9);
    // Bulk loads build each tenant's index and measure it.
    let rows = load(db, "hard", &mut hard, 2000).await;
    load(db, "easy", &mut easy, 1500).await;

    let report = db
        .maintain_tiers(&TierOptions {
            apply: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let tier = |name: &str| report.tiers.iter().find(|p| p.tenant_id == name).unwrap();
    // Nothing to build: the measured values are kept, not reset to the ladder's.
    assert_eq!(tier("hard").action, TierAction::Keep);
    // Unless its graph of m 16 missed at 200 (about 1 build in 40 on this
    // data) and it was built with m 32, in which the ladder's value holds
    // (below): then the denser graph is what it got.
    let dense = |m: Option<u32>| m == Some(DENSE_HNSW_M);
    let ef = tier("hard").ef_search.unwrap();
    assert!(
        ef > SMALL_TIER_EF_SEARCH || dense(tier("hard").hnsw_m),
        "hard tier: ef_search {ef}, graph m {:?}",
        tier("hard").hnsw_m
    );
    assert_eq!(tier("easy").ef_search, Some(SMALL_TIER_EF_SEARCH));
    // Searches of the tenant run at it (no SET when it is the connection's).
    let route = db.search_route("hard", EntityType::Evidence);
    assert!(matches!(route, Route::Index { .. }), "{route:?}");
    assert_eq!(
        route.ef_search().unwrap_or(db.search_defaults().ef_search),
        ef
    );
    let stored: i32 = t
        .raw_client()
        .await
        .unwrap()
        .query_one(
            "SELECT ef_search FROM truthgraph_tiers WHERE tenant_id = 'hard'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored as u32, ef);

    // A new build measures again, and says what it measured.
    let own = tier_index_name("hard", EntityType::Evidence);
    t.raw_client()
        .await
        .unwrap()
        .batch_execute(&format!("DROP INDEX {own}"))
        .await
        .unwrap();
    let report = db
        .maintain_tiers(&TierOptions {
            apply: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let built = report.tiers.iter().find(|p| p.tenant_id == "hard").unwrap();
    assert_eq!(built.action, TierAction::Build);
    let measured = built.measured.expect("measured at the build");
    assert_eq!(built.ef_search, Some(measured.ef_search));
    assert!(
        measured.ef_search > SMALL_TIER_EF_SEARCH || dense(built.hnsw_m),
        "graph m {:?}: measured {measured:?}",
        built.hnsw_m
    );
    assert!(measured.recall >= TIER_TARGET_RECALL || !measured.reached);

    // On queries the measurement never saw: the measured value reaches
    // what the ladder's misses. Within 0.01 of the per-tenant aim (0.97),
    // not at it: the measurement's moved rows are about 0.01 optimistic on
    // this data (src/index_build/tier_ef.rs), and a build that stops at
    // ef_search 100 (about 1 in 10 with 40 queries, rarer with 80) holds
    // 0.970-0.976 on 200 new queries, 150 holds 0.99+; the ladder's 64
    // holds 0.90-0.93 in a graph of m 16.
    // A graph of m 16 that misses at 200 (about 1 in 40 builds on this
    // data) is built again with m 32 (src/index_build/tier_ddl.rs), in
    // which the ladder's value holds 0.99 as well (seen: 0.990 at 64, 0.999
    // at the measured 100): there the measured value must only hold as
    // much.
    let ids: HashSet<Uuid> = rows.iter().map(|r| r.0).collect();
    assert_eq!(ids.len(), rows.len());
    let truth = BruteForce::new(rows.iter().map(|(id, v)| (*id, v)));
    let at_ladder = recall_at(db, "hard", &truth, &mut hard, SMALL_TIER_EF_SEARCH).await;
    let at_measured = recall_at(db, "hard", &truth, &mut hard, measured.ef_search).await;
    let margin = if dense(built.hnsw_m) { 0.0 } else { 0.03 };
    assert!(
        at_measured >= 0.96 && at_measured >= at_ladder + margin,
        "graph m {:?}: recall at the measured ef {} (measured on moved rows: {}): {at_measured}; \
         at {SMALL_TIER_EF_SEARCH}: {at_ladder}",
        built.hnsw_m,
        measured.ef_search,
        measured.recall
    );
}

#[tokio::test]
async fn a_tier_that_misses_at_ef_search_200_gets_a_denser_graph_under_its_name() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    db.set_dimension(DIM).await.unwrap();
    // Uniform, 5,000 rows: a graph of m 16 reaches about 0.94 at ef_search
    // 200 here, one of m 32 0.99+ (docs/research section 12).
    let mut hard = Clustered::new(9, DIM, 1, 50.0);
    let rows = load(db, "dense", &mut hard, 5000).await;
    let own = tier_index_name("dense", EntityType::Evidence);
    let raw = t.raw_client().await.unwrap();
    let defs: Vec<String> = raw
        .query(
            "SELECT indexname::text, indexdef FROM pg_indexes WHERE tablename = 'embeddings' \
             AND indexname LIKE 'idx\\_embeddings\\_tier\\_%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.get::<_, String>(0), r.get::<_, String>(1)))
        .collect();
    // One index, under the tier's name (the dense build's own name is gone).
    assert_eq!(defs.len(), 1, "{defs:?}");
    assert!(defs[0].starts_with(&own), "{defs:?}");
    assert!(defs[0].contains("m='32'"), "{defs:?}");
    let ef = db
        .search_route("dense", EntityType::Evidence)
        .ef_search()
        .unwrap_or(db.search_defaults().ef_search);
    assert!(ef <= 400, "{ef}");
    let truth = BruteForce::new(rows.iter().map(|(id, v)| (*id, v)));
    let recall = recall_at(db, "dense", &truth, &mut hard, ef).await;
    assert!(recall >= 0.97, "recall {recall} at ef_search {ef}");
}

/// A stored `ef_search` no measurement of a 2,000-row tier gives.
const STALE: u32 = 400;

#[tokio::test]
async fn remeasure_measures_a_kept_tier_again_on_its_graph_as_it_is() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    db.set_dimension(DIM).await.unwrap();
    let mut hard = Clustered::new(11, DIM, 1, 50.0);
    load(db, "grown", &mut hard, 2000).await;
    let own = tier_index_name("grown", EntityType::Evidence);
    let raw = t.raw_client().await.unwrap();
    // The graph's m (16, or 32 when the build's measurement missed at 200
    // with 16) from the index's storage parameters.
    let m: u32 = raw
        .query_one(
            "SELECT coalesce((SELECT substr(o, 3)::int FROM unnest(reloptions) o \
             WHERE o LIKE 'm=%'), 16) FROM pg_class WHERE relname = $1",
            &[&own],
        )
        .await
        .unwrap()
        .get::<_, i32>(0) as u32;
    let stored = async || -> i32 {
        raw.query_one(
            "SELECT ef_search FROM truthgraph_tiers WHERE tenant_id = 'grown'",
            &[],
        )
        .await
        .unwrap()
        .get(0)
    };
    let grown = |r: &truthgraph_db::index_build::TierReport| {
        r.tiers
            .iter()
            .find(|p| p.tenant_id == "grown")
            .cloned()
            .unwrap()
    };
    let apply = |remeasure| TierOptions {
        apply: true,
        remeasure,
        ..Default::default()
    };
    // What the build measured on this graph; then a stale value in its place
    // (a measurement of the graph as it was, or an older rule's).
    let at_build = stored().await as u32;
    assert!(at_build < STALE, "{at_build}");
    raw.execute(
        "UPDATE truthgraph_tiers SET ef_search = $1 WHERE tenant_id = 'grown'",
        &[&(STALE as i32)],
    )
    .await
    .unwrap();

    // A maintenance keeps the stored value (above the ladder's 64).
    let kept = grown(&db.maintain_tiers(&apply(false)).await.unwrap());
    assert_eq!(kept.action, TierAction::Keep);
    assert_eq!(kept.ef_search, Some(STALE));
    assert_eq!(kept.measured, None);
    assert_eq!(kept.hnsw_m, Some(m), "read from the index");
    // A dry run measures nothing, remeasure or not.
    let dry = TierOptions {
        remeasure: true,
        ..Default::default()
    };
    assert_eq!(
        grown(&db.maintain_tiers(&dry).await.unwrap()).measured,
        None
    );
    assert_eq!(stored().await as u32, STALE);

    // Remeasured on the same graph with the same queries (a search of an
    // unchanged graph is deterministic): the build's value again, stored and
    // used; no rebuild (the build's graph reached the target).
    let again = grown(&db.maintain_tiers(&apply(true)).await.unwrap());
    assert_eq!(again.action, TierAction::Remeasure);
    let measured = again.measured.expect("measured again");
    assert_eq!(measured.ef_search, at_build, "{measured:?}");
    assert_eq!(again.hnsw_m, Some(m));
    assert_eq!(again.ef_search, Some(measured.ef_search));
    assert_eq!(stored().await as u32, measured.ef_search);
    let route = db.search_route("grown", EntityType::Evidence);
    assert!(matches!(route, Route::Index { .. }), "{route:?}");
    assert_eq!(
        route.ef_search().unwrap_or(db.search_defaults().ef_search),
        measured.ef_search
    );
    // Still one index, under the tier's name.
    let names: Vec<String> = raw
        .query(
            "SELECT indexname::text FROM pg_indexes WHERE tablename = 'embeddings' \
             AND indexname LIKE 'idx\\_embeddings\\_tier\\_%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, [own]);
}

#[tokio::test]
async fn the_python_services_index_is_measured_again_from_twice_the_threshold() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    db.set_dimension(DIM).await.unwrap();
    // V10 creates the tenant `default`'s index at no rows; the services
    // insert into it without the library's tier step.
    let mut data = Clustered::new(12, DIM, 12, 0.9);
    let services = db.tenant("default").unwrap();
    let insert = truthgraph_db::BulkLoadOptions::default()
        .keeping_indexes()
        .deferring_tiers();
    let plan = async || {
        let report = db.maintain_tiers(&TierOptions::default()).await.unwrap();
        report
            .tiers
            .into_iter()
            .find(|p| p.tenant_id == "default" && p.entity_type == EntityType::Evidence)
            .unwrap()
    };
    let rows = crate::tiers::rows_of(db, "default", &mut data, 1999).await;
    services
        .bulk_load_embeddings_with(&rows, insert)
        .await
        .unwrap();
    assert_eq!(plan().await.action, TierAction::Keep);
    let rows = crate::tiers::rows_of(db, "default", &mut data, 1).await;
    services
        .bulk_load_embeddings_with(&rows, insert)
        .await
        .unwrap();
    assert_eq!(plan().await.action, TierAction::Remeasure);
    let apply = TierOptions {
        apply: true,
        ..Default::default()
    };
    let report = db.maintain_tiers(&apply).await.unwrap();
    let measured = report
        .tiers
        .iter()
        .find(|p| p.tenant_id == "default" && p.entity_type == EntityType::Evidence)
        .unwrap();
    assert_eq!(measured.action, TierAction::Remeasure);
    assert_eq!(
        measured.index_name,
        truthgraph_db::tiers::CONTRACT_INDEX,
        "under the name the services look up"
    );
    assert!(measured.measured.is_some_and(|m| m.reached), "{measured:?}");
    assert_eq!(plan().await.action, TierAction::Keep);
}
