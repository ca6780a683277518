//! Tiers that grow by inserts (src/tiers/upkeep.rs, `outgrown`): once a
//! tier holds twice the rows its index was last measured at, maintenance
//! measures it again; a Hamming list past `Config::hamming_list_rows` then
//! tries Hamming graphs, unless they missed it at its last measurement
//! (and the operator did not ask with `--remeasure`).

use truthgraph_db::BulkLoadOptions;
use truthgraph_db::index_build::{TierAction, TierOptions};
use truthgraph_db::testing::TestDatabase;

use crate::hamming_lists::{applied, index_kind, with_list_rows};
use crate::support::{Clustered, held_out_recall};
use crate::tiers::{load, rows_of};

#[tokio::test]
async fn a_list_that_doubles_past_its_rows_is_measured_again_and_gets_a_graph() {
    let t = TestDatabase::migrated().await.unwrap();
    let mut data = Clustered::low_rank(25, 1536, 24);
    let measured_rows = async || -> Option<i64> {
        t.raw_client()
            .await
            .unwrap()
            .query_one(
                "SELECT measured_rows FROM truthgraph_tiers WHERE tenant_id = 'grows'",
                &[],
            )
            .await
            .unwrap()
            .get(0)
    };
    // Lists of at most 1,000 rows: the 1,000-row tier is built a list.
    let db = with_list_rows(&t, 1000).await;
    let mut rows = load(&db, "grows", &mut data, 1000).await;
    assert_eq!(index_kind(&t, "grows").await.0, "ivfflat");
    assert_eq!(measured_rows().await, Some(1000));
    // 999 rows inserted into the list (no tier step): not yet twice.
    let grows = db.tenant("grows").unwrap();
    let insert = BulkLoadOptions::default()
        .keeping_indexes()
        .deferring_tiers();
    let new = rows_of(&db, "grows", &mut data, 999).await;
    grows.bulk_load_embeddings_with(&new, insert).await.unwrap();
    rows.extend(new.into_iter().map(|r| (r.entity_id, r.embedding)));
    let kept = applied(&db).await;
    assert_eq!(kept.tiers[0].action, TierAction::Keep);
    // The report says when: measured at 1,000 rows, again from 2,000.
    assert_eq!(kept.tiers[0].measured_rows, Some(1000));
    assert_eq!(kept.tiers[0].remeasure_from(kept.threshold), Some(2000));
    assert_eq!(index_kind(&t, "grows").await.0, "ivfflat");

    // One more: 2,000 rows, twice those it was measured at. The plan says
    // so; applied, the list past its rows tries Hamming graphs, as a build
    // of 2,000 rows would, and keeps one that reaches the target.
    let new = rows_of(&db, "grows", &mut data, 1).await;
    grows.bulk_load_embeddings_with(&new, insert).await.unwrap();
    rows.extend(new.into_iter().map(|r| (r.entity_id, r.embedding)));
    let dry = db.maintain_tiers(&TierOptions::default()).await.unwrap();
    assert_eq!(dry.tiers[0].action, TierAction::Remeasure, "{dry:?}");
    let report = applied(&db).await;
    let tier = &report.tiers[0];
    assert_eq!(tier.action, TierAction::Remeasure);
    assert!(
        !tier.hamming_list() && tier.quantized && tier.measured.is_some_and(|m| m.reached),
        "{tier:?}"
    );
    assert_eq!(index_kind(&t, "grows").await.0, "hnsw");
    assert_eq!(measured_rows().await, Some(2000));
    assert_eq!(tier.measured_rows, Some(2000), "the report, as recorded");
    let recall = held_out_recall(&grows, &rows, &mut data, 50, "graph").await;
    assert!(recall >= 0.97, "through the graph: recall {recall}");
    // Measured at its rows now: the next maintenance keeps it.
    assert_eq!(applied(&db).await.tiers[0].action, TierAction::Keep);
}

#[tokio::test]
async fn a_list_grown_by_small_loads_is_measured_again_by_the_load_that_doubles_it() {
    let t = TestDatabase::migrated().await.unwrap();
    let mut data = Clustered::low_rank(26, 1536, 24);
    let db = with_list_rows(&t, 1000).await;
    load(&db, "steps", &mut data, 1000).await;
    assert_eq!(index_kind(&t, "steps").await.0, "ivfflat");
    let steps = db.tenant("steps").unwrap();
    // Loads of a fifth of the tier or less go into its index (no rebuild);
    // the fifth of them brings it to 2,000 rows, twice its measurement's.
    for i in 1..=5 {
        let new = rows_of(&db, "steps", &mut data, 200).await;
        let report = steps
            .bulk_load_embeddings_with(&new, BulkLoadOptions::default())
            .await
            .unwrap();
        let tier = &report.tiers[0];
        assert_eq!(tier.rows, 1000 + 200 * i);
        let want = if i < 5 {
            TierAction::Keep
        } else {
            TierAction::Remeasure
        };
        assert_eq!(tier.action, want, "load {i}: {report:?}");
    }
    // The list past its rows tried Hamming graphs, and one passed.
    assert_eq!(index_kind(&t, "steps").await.0, "hnsw");
    assert_eq!(applied(&db).await.tiers[0].action, TierAction::Keep);
}

#[tokio::test]
async fn a_list_the_graphs_missed_keeps_its_list_when_it_doubles_unless_asked() {
    let t = TestDatabase::migrated().await.unwrap();
    // The data of the test above, whose Hamming graph passes at 2,000 rows.
    let mut data = Clustered::low_rank(25, 1536, 24);
    let db = with_list_rows(&t, 1000).await;
    let mut rows = load(&db, "hard", &mut data, 1000).await;
    let hard = db.tenant("hard").unwrap();
    let insert = BulkLoadOptions::default()
        .keeping_indexes()
        .deferring_tiers();
    let mut grow = async |n: usize, rows: &mut Vec<_>| {
        let new = rows_of(&db, "hard", &mut data, n).await;
        hard.bulk_load_embeddings_with(&new, insert).await.unwrap();
        rows.extend(new.into_iter().map(|r| (r.entity_id, r.embedding)));
    };
    // As if last measured at 1,100 rows, past the list's 1,000: the
    // measurement that kept the list then had tried Hamming graphs.
    grow(100, &mut rows).await;
    t.raw_client()
        .await
        .unwrap()
        .execute(
            "UPDATE truthgraph_tiers SET measured_rows = 1100 WHERE tenant_id = 'hard'",
            &[],
        )
        .await
        .unwrap();
    // Doubled: measured again, and the list stays without a graph built.
    grow(1100, &mut rows).await;
    let report = applied(&db).await;
    let tier = &report.tiers[0];
    assert_eq!(tier.action, TierAction::Remeasure, "{report:?}");
    assert!(
        tier.hamming_list() && tier.measured.is_some_and(|m| m.reached),
        "{tier:?}"
    );
    assert_eq!(tier.build_seconds, None, "no graph built: {tier:?}");
    assert_eq!(tier.measured_rows, Some(2200));
    assert_eq!(index_kind(&t, "hard").await.0, "ivfflat");
    let recall = held_out_recall(&hard, &rows, &mut data, 50, "list").await;
    assert!(recall >= 0.97, "through the list: recall {recall}");

    // Asked (`tiers --apply --remeasure`), the graphs are tried: one passes.
    let asked = TierOptions {
        apply: true,
        remeasure: true,
        ..Default::default()
    };
    let report = db.maintain_tiers(&asked).await.unwrap();
    let tier = &report.tiers[0];
    assert!(
        !tier.hamming_list() && tier.build_seconds.is_some(),
        "{tier:?}"
    );
    assert_eq!(index_kind(&t, "hard").await.0, "hnsw");
}
