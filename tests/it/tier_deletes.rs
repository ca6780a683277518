//! A tier that lost rows since its index was built (V13's `built_rows`),
//! or whose rows were re-written in place (V14's `element_bytes`):
//! `tiers --apply` rebuilds its index in place (`REINDEX INDEX
//! CONCURRENTLY`, [`TierAction::Reindex`]) once it has lost
//! `REINDEX_AFTER_LOSS` of them, or holds that many dead elements, so that
//! VACUUM finds no graph to repair around them; a smaller loss keeps the
//! index as it is, and a `reindex` of every index counts as the rebuild.

use truthgraph_db::index_build::{TierAction, TierOptions, TierReport};
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::tiers::{REINDEX_AFTER_LOSS, Route, tier_index_name};
use truthgraph_db::{Database, EntityType, SearchOptions};

use crate::support::Clustered;
use crate::tiers::load;

const DIM: usize = 32;

async fn tiers(db: &Database, apply: bool) -> TierReport {
    db.maintain_tiers(&TierOptions {
        apply,
        ..TierOptions::default()
    })
    .await
    .unwrap()
}

fn action(report: &TierReport, tenant: &str) -> TierAction {
    report
        .tiers
        .iter()
        .find(|t| t.tenant_id == tenant && t.entity_type == EntityType::Evidence)
        .unwrap()
        .action
}

/// Deletes `n` of `tenant`'s evidence (their embeddings go with them).
async fn delete_evidence(t: &TestDatabase, tenant: &str, n: i64) {
    let deleted = t
        .raw_client()
        .await
        .unwrap()
        .execute(
            "DELETE FROM evidence WHERE id IN \
             (SELECT id FROM evidence WHERE tenant_id = $1 ORDER BY id LIMIT $2)",
            &[&tenant, &n],
        )
        .await
        .unwrap();
    assert_eq!(deleted, n as u64);
}

/// The index's oid (a rebuild in place gives it a new one under its name),
/// and the number of `_ccnew` leftovers on `embeddings`.
async fn index_oid(t: &TestDatabase, name: &str) -> (u32, i64) {
    let row = t
        .raw_client()
        .await
        .unwrap()
        .query_one(
            "SELECT to_regclass($1::text)::oid, (SELECT count(*) FROM pg_class WHERE relname LIKE '%ccnew%')",
            &[&name],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

/// (rows, built_rows) of the tier in the registry.
async fn registry(t: &TestDatabase, tenant: &str) -> (i64, Option<i64>) {
    let row = t
        .raw_client()
        .await
        .unwrap()
        .query_one(
            "SELECT row_count, built_rows FROM truthgraph_tiers \
             WHERE tenant_id = $1 AND entity_type = 'evidence'",
            &[&tenant],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn a_tier_that_lost_rows_gets_its_index_rebuilt_in_place() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    db.set_dimension(DIM).await.unwrap();
    let mut data = Clustered::new(31, DIM, 12, 0.9);
    load(db, "shrinks", &mut data, 2000).await;
    load(db, "steady", &mut data, 2000).await;
    let plan = tiers(db, true).await;
    assert_eq!(action(&plan, "shrinks"), TierAction::Keep);
    assert_eq!(registry(&t, "shrinks").await, (2000, Some(2000)));

    // Just below the share: the index stays as it is; at it: rebuilt.
    let below = (2000.0 * REINDEX_AFTER_LOSS) as i64 - 1;
    delete_evidence(&t, "steady", below).await;
    delete_evidence(&t, "shrinks", below + 1).await;
    let plan = tiers(db, false).await;
    assert_eq!(action(&plan, "steady"), TierAction::Keep);
    assert_eq!(action(&plan, "shrinks"), TierAction::Reindex);

    let name = tier_index_name("shrinks", EntityType::Evidence);
    let (before, _) = index_oid(&t, &name).await;
    let applied = tiers(db, true).await;
    assert_eq!(action(&applied, "shrinks"), TierAction::Reindex);
    let (after, leftovers) = index_oid(&t, &name).await;
    assert_ne!(after, before, "rebuilt in place under its name");
    assert_eq!(leftovers, 0);
    let rows = 2000 - below - 1;
    assert_eq!(registry(&t, "shrinks").await, (rows, Some(rows)));
    // The steady tier keeps what it was built over.
    assert_eq!(registry(&t, "steady").await, (2000 - below, Some(2000)));
    assert!(matches!(
        db.search_route("shrinks", EntityType::Evidence),
        Route::Index { .. }
    ));
    let hits = db
        .tenant("shrinks")
        .unwrap()
        .search_evidence(&data.next(), &SearchOptions::top(10))
        .await
        .unwrap();
    assert_eq!(hits.len(), 10);
    assert_eq!(action(&tiers(db, false).await, "shrinks"), TierAction::Keep);

    // `reindex` rebuilds every index: a tier that lost rows before it is
    // not rebuilt again by the tier pass that follows.
    delete_evidence(&t, "steady", 2).await;
    assert_eq!(
        action(&tiers(db, false).await, "steady"),
        TierAction::Reindex
    );
    let report = db.reindex_vector_indexes().await.unwrap();
    assert!(report.tiers_built.is_empty(), "{:?}", report.tiers_built);
    let steady = 2000 - below - 2;
    assert_eq!(registry(&t, "steady").await, (steady, Some(steady)));
}

/// Rows inserted after the build are in the graph too: a tier that grew
/// and then lost 1 % of its most rows is rebuilt, although it still has
/// more rows than at its build.
#[tokio::test]
async fn growth_after_the_build_does_not_hide_later_deletes() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    db.set_dimension(DIM).await.unwrap();
    let mut data = Clustered::new(37, DIM, 12, 0.9);
    load(db, "grows", &mut data, 2000).await;
    assert_eq!(action(&tiers(db, true).await, "grows"), TierAction::Keep);
    // 15 %: inserted into the graph (a larger load rebuilds the index).
    load(db, "grows", &mut data, 300).await;
    assert_eq!(action(&tiers(db, true).await, "grows"), TierAction::Keep);
    assert_eq!(registry(&t, "grows").await, (2300, Some(2300)));
    delete_evidence(&t, "grows", 25).await;
    assert_eq!(
        action(&tiers(db, false).await, "grows"),
        TierAction::Reindex
    );
}

/// `n` of `tenant`'s embeddings re-written in place with a new vector, as
/// the Python services' `ON CONFLICT (entity_type, entity_id) DO UPDATE`
/// does: the row count stays, each row leaves a dead element in the graph.
/// The new vector points elsewhere (a constant added): pgvector keeps a
/// vector equal to an element's, as cosine sees it (`embedding * 2`), in that
/// element, with no new one.
async fn rewrite_embeddings(t: &TestDatabase, tenant: &str, n: i64) {
    let rewritten = t
        .raw_client()
        .await
        .unwrap()
        .execute(
            "UPDATE embeddings SET embedding = embedding \
             + array_fill(0.05::real, ARRAY[vector_dims(embedding)])::vector WHERE id IN \
             (SELECT id FROM embeddings WHERE tenant_id = $1 ORDER BY id LIMIT $2)",
            &[&tenant, &n],
        )
        .await
        .unwrap();
    assert_eq!(rewritten, n as u64);
}

/// V14's `element_bytes` of the tier.
async fn element_bytes(t: &TestDatabase, tenant: &str) -> Option<f64> {
    t.raw_client()
        .await
        .unwrap()
        .query_one(
            "SELECT element_bytes FROM truthgraph_tiers \
             WHERE tenant_id = $1 AND entity_type = 'evidence'",
            &[&tenant],
        )
        .await
        .unwrap()
        .get(0)
}

/// Rows re-written in place keep the tier's count but leave dead elements
/// in its graph: past the share (and two pages' worth, the estimate's
/// grain) the index is rebuilt in place; rows inserted are not taken for
/// dead ones.
#[tokio::test]
async fn rows_rewritten_in_place_get_the_index_rebuilt() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    db.set_dimension(DIM).await.unwrap();
    let mut data = Clustered::new(41, DIM, 12, 0.9);
    load(db, "rewritten", &mut data, 2000).await;
    load(db, "grown", &mut data, 2000).await;
    let plan = tiers(db, true).await;
    assert_eq!(action(&plan, "rewritten"), TierAction::Keep);
    let each = element_bytes(&t, "rewritten")
        .await
        .expect("recorded at the build");
    // One element: the vector, its neighbour lists, their headers.
    assert!((4.0 * DIM as f64..8192.0).contains(&each), "{each}");
    let grain = (2000.0 * REINDEX_AFTER_LOSS).max(2.0 * 8192.0 / each);
    // A tier built before V14 gets it from its index as it is at the next
    // maintenance.
    t.raw_client()
        .await
        .unwrap()
        .execute(
            "UPDATE truthgraph_tiers SET element_bytes = NULL WHERE tenant_id = 'rewritten'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        action(&tiers(db, true).await, "rewritten"),
        TierAction::Keep
    );
    assert_eq!(element_bytes(&t, "rewritten").await, Some(each));

    // A few rewritten, 300 rows inserted into the other's graph: kept.
    rewrite_embeddings(&t, "rewritten", 5).await;
    load(db, "grown", &mut data, 300).await;
    let plan = tiers(db, false).await;
    assert_eq!(action(&plan, "rewritten"), TierAction::Keep);
    assert_eq!(action(&plan, "grown"), TierAction::Keep);

    // Past the share: rebuilt, with the count unchanged.
    rewrite_embeddings(&t, "rewritten", grain.ceil() as i64 + 10).await;
    let plan = tiers(db, false).await;
    assert_eq!(action(&plan, "rewritten"), TierAction::Reindex);
    assert_eq!(action(&plan, "grown"), TierAction::Keep);
    let name = tier_index_name("rewritten", EntityType::Evidence);
    let (before, _) = index_oid(&t, &name).await;
    assert_eq!(
        action(&tiers(db, true).await, "rewritten"),
        TierAction::Reindex
    );
    let (after, leftovers) = index_oid(&t, &name).await;
    assert_ne!(after, before, "rebuilt in place under its name");
    assert_eq!(leftovers, 0);
    assert_eq!(registry(&t, "rewritten").await, (2000, Some(2000)));
    assert!(element_bytes(&t, "rewritten").await.is_some());
    assert_eq!(
        action(&tiers(db, false).await, "rewritten"),
        TierAction::Keep
    );
}
