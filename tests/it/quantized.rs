//! Quantized tiers (src/index_build/tier_ddl.rs, src/raw_sql/tier.rs):
//! at 1,024 dimensions or more a tier's index is first built on
//! `binary_quantize(embedding)` (a Hamming list at these sizes; Hamming
//! graphs in tests/it/hamming_lists.rs); the tier keeps it when its measurement
//! reaches the recall target, and is then searched by Hamming distance with
//! re-ranking by the full vector; data on which it misses gets the
//! full-vector graph instead.

use std::collections::HashSet;

use truthgraph_db::index_build::{TierAction, TierOptions};
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::tiers::{Route, tier_index_name};
use truthgraph_db::{Database, EntityType, HybridOptions, SearchOptions};
use uuid::Uuid;

use crate::support::{BruteForce, Clustered, held_out_recall, recall_of};
use crate::tiers::{
    assert_orphans_take_no_slot, assert_top10_is_exact, entities_of, load, one_paper_in_ten,
    plant_orphans,
};

/// V2's dimension (the OpenAI models'): the migrated database's own.
const DIM: usize = 1536;

/// The tier index's definition as the catalog prints it.
pub(crate) async fn index_definition(t: &TestDatabase, tenant: &str) -> String {
    let name = tier_index_name(tenant, EntityType::Evidence);
    t.raw_client()
        .await
        .unwrap()
        .query_one(
            "SELECT indexdef FROM pg_indexes WHERE indexname = $1",
            &[&name],
        )
        .await
        .unwrap()
        .get(0)
}

async fn applied(db: &Database) -> truthgraph_db::index_build::TierReport {
    db.maintain_tiers(&TierOptions {
        apply: true,
        ..Default::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_wide_tier_that_quantizes_well_is_searched_through_its_quantized_index() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    assert_eq!(db.embedding_dimension().await.unwrap(), DIM);
    // A 24-dimensional subspace, every coordinate a mix: sign bits keep
    // the neighbours (as on the bench's synthetic and derived 1536-dim sets).
    let mut data = Clustered::low_rank(11, DIM, 24);
    let rows = load(db, "wide", &mut data, 2000).await;

    let report = applied(db).await;
    let tier = report.tiers.iter().find(|p| p.tenant_id == "wide").unwrap();
    assert_eq!(tier.action, TierAction::Keep, "the bulk load built it");
    assert!(tier.quantized, "{tier:?}");
    let def = index_definition(&t, "wide").await;
    // 2,000 rows: a Hamming list (one IVFFlat list), no ef_search; its
    // value is its candidates, the fewest (the data quantizes well).
    assert!(
        def.contains("binary_quantize(embedding)")
            && def.contains("USING ivfflat")
            && def.contains("lists='1'")
            && def.contains("bit_hamming_ops")
            && def.contains("'wide'"),
        "{def}"
    );
    assert!(
        tier.hamming_list() && tier.ef_search == Some(100),
        "{tier:?}"
    );
    let route = db.search_route("wide", EntityType::Evidence);
    let quantized = Route::Quantized {
        ef_search: None,
        tenant_literal: true,
        candidates: 100,
    };
    assert_eq!(route, quantized);

    // Planned on the tier's index, as the library runs it.
    let tenant = db.tenant("wide").unwrap();
    let probe = data.next();
    let plan = tenant
        .explain_search(EntityType::Evidence, &probe, &SearchOptions::top(10), false)
        .await
        .unwrap();
    let name = tier_index_name("wide", EntityType::Evidence);
    assert!(plan.contains(&name), "{plan}");
    // The query's sign bits computed once per search (an init plan, the
    // only one: the entity checks are correlated), not for every candidate.
    assert_eq!(plan.matches("InitPlan").count(), 1, "{plan}");

    // On 200 queries the measurement never saw: recall against f64 exact
    // search, k rows each, best first, similarities as exact search's.
    let ids: HashSet<Uuid> = rows.iter().map(|r| r.0).collect();
    let truth = BruteForce::new(rows.iter().map(|(id, v)| (*id, v)));
    let (mut sum, queries) = (0.0, 200);
    for _ in 0..queries {
        let q = data.next();
        let hits = tenant
            .search_evidence(&q, &SearchOptions::top(10))
            .await
            .unwrap();
        assert_eq!(hits.len(), 10);
        assert!(hits.windows(2).all(|w| w[0].similarity >= w[1].similarity));
        assert!(hits.iter().all(|h| ids.contains(&h.id)));
        let best = truth.top_k(&q, 10, |_| true);
        assert!((hits[0].similarity - best[0].1).abs() < 1e-4 || hits[0].id != best[0].0);
        let got: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        sum += recall_of(&got, &best);
    }
    let recall = sum / f64::from(queries);
    assert!(recall >= 0.97, "held-out recall@10 {recall}");

    // k larger than the candidates' floor (100): ten times k are taken.
    let many = tenant
        .search_evidence(&data.next(), &SearchOptions::top(150))
        .await
        .unwrap();
    assert_eq!(many.len(), 150);
    // A minimum similarity above every row's: nothing, not an error.
    let none = tenant
        .search_evidence(
            &data.next(),
            &SearchOptions {
                min_similarity: Some(0.9999),
                ..SearchOptions::top(10)
            },
        )
        .await
        .unwrap();
    assert!(none.is_empty(), "{none:?}");

    // Hybrid search ranks its vector side through the same index: the
    // vector-ranked hits of a text that matches nothing are the nearest rows.
    let mut sum = 0.0;
    for _ in 0..50 {
        let q = data.next();
        let hits = tenant
            .hybrid_search("zzzunmatched", &q, &HybridOptions::default())
            .await
            .unwrap();
        assert_eq!(hits.len(), 10);
        assert!(hits.iter().all(|h| h.keyword_rank.is_none()));
        let got: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        sum += recall_of(&got, &truth.top_k(&q, 10, |_| true));
    }
    assert!(
        sum / 50.0 >= 0.97,
        "hybrid's vector side: recall@10 {}",
        sum / 50.0
    );

    // `remeasure` measures it again as quantized, and it keeps its list.
    let again = db
        .maintain_tiers(&TierOptions {
            apply: true,
            remeasure: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let kept = again.tiers.iter().find(|p| p.tenant_id == "wide").unwrap();
    assert_eq!(kept.action, TierAction::Remeasure);
    assert!(
        kept.hamming_list() && kept.measured.is_some_and(|m| m.reached),
        "{kept:?}"
    );
    assert!(index_definition(&t, "wide").await.contains("ivfflat"));
}

#[tokio::test]
async fn a_wide_tier_that_quantizes_badly_gets_the_full_vector_graph() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    // Uniform on the sphere: every row nearly orthogonal to every other, so
    // 1,536 sign bits cannot tell the ten nearest among 1,500 from the
    // next hundred.
    let mut data = Clustered::new(5, DIM, 1, 50.0);
    load(db, "flat", &mut data, 1500).await;
    let report = applied(db).await;
    let tier = report.tiers.iter().find(|p| p.tenant_id == "flat").unwrap();
    assert!(!tier.quantized, "{tier:?}");
    let def = index_definition(&t, "flat").await;
    assert!(
        def.contains("vector_cosine_ops") && !def.contains("binary_quantize"),
        "{def}"
    );
    let route = db.search_route("flat", EntityType::Evidence);
    assert!(matches!(route, Route::Index { .. }), "{route:?}");
}

#[tokio::test]
async fn quantized_tiers_keep_to_their_tenant_under_row_level_security() {
    let t = TestDatabase::migrated().await.unwrap();
    let mut data = Clustered::low_rank(12, DIM, 24);
    let mut tenants = Vec::new();
    for (name, n) in [("left", 1300), ("right", 1100)] {
        tenants.push((name, load(&t.db, name, &mut data, n).await));
    }
    let app = t
        .app(&truthgraph_db::Config {
            pool_max_size: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    for (name, rows) in &tenants {
        let route = app.search_route(name, EntityType::Evidence);
        assert!(
            matches!(route, Route::Quantized { .. }),
            "{name}: {route:?}"
        );
        let tenant = app.tenant(name).unwrap();
        let recall = held_out_recall(&tenant, rows, &mut data, 25, name).await;
        assert!(recall >= 0.97, "{name} as the app login: recall {recall}");
    }
}

#[tokio::test]
async fn switching_the_dimension_drops_a_quantized_index_instead_of_keeping_the_old_width() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let mut wide = Clustered::low_rank(13, DIM, 24);
    load(db, "model", &mut wide, 1100).await;
    assert!(matches!(
        db.search_route("model", EntityType::Evidence),
        Route::Quantized { .. }
    ));
    // Re-embedding with a model of another width: empty the table, switch.
    let raw = t.raw_client().await.unwrap();
    raw.batch_execute("DELETE FROM embeddings").await.unwrap();
    assert_eq!(db.set_dimension(1024).await.unwrap(), DIM);
    let name = tier_index_name("model", EntityType::Evidence);
    let left: i64 = raw
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE indexname = $1",
            &[&name],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "the bit(1536) index must not outlive the switch");
    // The tenant's new vectors get an index of the new width, and its searches use it.
    let mut narrow = Clustered::low_rank(14, 1024, 24);
    let rows = load(db, "model", &mut narrow, 1100).await;
    let def = index_definition(&t, "model").await;
    assert!(def.contains("bit(1024)"), "{def}");
    let (id, v) = &rows[3];
    let tenant = db.tenant("model").unwrap();
    let hits = tenant
        .search_evidence(v, &SearchOptions::top(10))
        .await
        .unwrap();
    assert_eq!(hits[0].id, *id);
    let plan = tenant
        .explain_search(EntityType::Evidence, v, &SearchOptions::top(10), false)
        .await
        .unwrap();
    assert!(plan.contains(&name), "{plan}");
}

#[tokio::test]
async fn a_quantized_claims_tier_serves_search_claims() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let mut data = Clustered::low_rank(15, DIM, 24);
    let rows = entities_of(db, ("acme", EntityType::Claim), &mut data, 1100).await;
    let acme = db.tenant("acme").unwrap();
    acme.bulk_load_embeddings(&rows).await.unwrap();
    let route = db.search_route("acme", EntityType::Claim);
    assert!(matches!(route, Route::Quantized { .. }), "{route:?}");
    let name = tier_index_name("acme", EntityType::Claim);
    let probe = &rows[5];
    let hits = acme
        .search_claims(&probe.embedding, &SearchOptions::top(10))
        .await
        .unwrap();
    assert_eq!(hits.len(), 10);
    assert_eq!(hits[0].id, probe.entity_id);
    assert_eq!(hits[0].text, "claim 5");
    let plan = acme
        .explain_search(
            EntityType::Claim,
            &probe.embedding,
            &SearchOptions::top(10),
            false,
        )
        .await
        .unwrap();
    assert!(plan.contains(&name), "{plan}");
}

/// A quantized tier's search checks the entity after the re-rank, so
/// orphans at the query (written with the foreign keys bypassed) take no
/// slot, and more of them than its candidates make it search exactly; a source type filter still runs in the scan, so a top 10 of a
/// type one row in ten has is still 10 rows of it.
#[tokio::test]
async fn a_quantized_search_keeps_orphans_out_and_filters_in_its_scan() {
    let t = TestDatabase::migrated().await.unwrap();
    let mut data = Clustered::low_rank(13, DIM, 24);
    let rows = load(&t.db, "wide", &mut data, 2000).await;
    let route = t.db.search_route("wide", EntityType::Evidence);
    assert!(matches!(route, Route::Quantized { .. }), "{route:?}");
    let papers = one_paper_in_ten(&t, "wide", &rows).await;
    let wide = t.db.tenant("wide").unwrap();
    assert_orphans_take_no_slot(&t, &wide, &rows, &data.next()).await;
    // More orphans than the re-ranked candidates: answered exactly.
    let q = data.next();
    plant_orphans(&t, "wide", &q, 120).await;
    assert_top10_is_exact(&wide, &q, "candidates all orphans").await;
    let papers: HashSet<Uuid> = papers.into_iter().collect();
    for _ in 0..5 {
        let opts = SearchOptions {
            source_type: Some("paper".into()),
            ..SearchOptions::top(10)
        };
        let hits = wide.search_evidence(&data.next(), &opts).await.unwrap();
        assert_eq!(hits.len(), 10, "papers");
        assert!(hits.iter().all(|h| papers.contains(&h.id)));
    }
}

/// A tenant's first load into a database whose statistics predate it (an
/// `ANALYZE` that saw only another tenant): the planner, estimating the new
/// tenant at a handful of rows, would not walk its new index, so the tier's
/// measurement was skipped and it got the unmeasured full-vector graph.
/// The tier step analyses `embeddings` first: the tier is quantized and
/// measured.
#[tokio::test]
async fn a_new_tenant_is_measured_though_the_statistics_predate_it() {
    let t = TestDatabase::migrated().await.unwrap();
    let mut data = Clustered::low_rank(12, DIM, 24);
    load(&t.db, "first", &mut data, 1300).await;
    t.raw_client()
        .await
        .unwrap()
        .batch_execute("ANALYZE embeddings")
        .await
        .unwrap();
    let rows = crate::tiers::rows_of(&t.db, "second", &mut data, 1100).await;
    let report =
        t.db.tenant("second")
            .unwrap()
            .bulk_load_embeddings_with(&rows, Default::default())
            .await
            .unwrap();
    let tier = report
        .tiers
        .iter()
        .find(|p| p.entity_type == EntityType::Evidence)
        .unwrap();
    assert_eq!(tier.action, TierAction::Build, "{tier:?}");
    assert!(
        tier.quantized && tier.measured.is_some_and(|m| m.reached),
        "{tier:?}"
    );
    let route = t.db.search_route("second", EntityType::Evidence);
    assert!(matches!(route, Route::Quantized { .. }), "{route:?}");

    // The same for `tiers --apply` after a load that left the tier to it.
    let rows = crate::tiers::rows_of(&t.db, "third", &mut data, 1100).await;
    let deferred = truthgraph_db::BulkLoadOptions {
        defer_tiers: true,
        ..Default::default()
    };
    t.db.tenant("third")
        .unwrap()
        .bulk_load_embeddings_with(&rows, deferred)
        .await
        .unwrap();
    let report = applied(&t.db).await;
    let tier = report
        .tiers
        .iter()
        .find(|p| p.tenant_id == "third")
        .unwrap();
    assert_eq!(tier.action, TierAction::Build, "{tier:?}");
    assert!(
        tier.quantized && tier.measured.is_some_and(|m| m.reached),
        "{tier:?}"
    );
}
