//! Tiered search (V10) on the distributed database: a tenant's own partial
//! HNSW index, built by the library after a bulk load on the coordinator,
//! is created on every shard of `embeddings` and serves the tenant's
//! searches on its worker; a small tenant is searched exactly; the registry
//! `truthgraph_tiers` is a reference table; a tier that lost rows has its
//! index rebuilt in place on every shard.

use truthgraph_db::DistributeOptions;
use truthgraph_db::index_build::{TierAction, TierOptions};
use truthgraph_db::testing_citus::{CitusDatabase, WORKERS};
use truthgraph_db::tiers::{Route, tier_index_name};
use truthgraph_db::{EntityType, SearchOptions};

use crate::support::Clustered;
use crate::tiers::load;

const DIM: usize = 64;

#[tokio::test]
async fn a_tenants_own_index_is_on_every_shard_and_serves_its_searches_on_the_worker() {
    let t = CitusDatabase::migrated().await.unwrap();
    t.db.set_dimension(DIM).await.unwrap();
    t.db.distribute(&DistributeOptions::default())
        .await
        .unwrap();
    let db = &t.db;
    let mut data = Clustered::new(11, DIM, 12, 0.9);
    load(db, "big", &mut data, 1500).await;
    load(db, "small", &mut data, 200).await;
    let own = tier_index_name("big", EntityType::Evidence);

    // The registry, a reference table: the same rows on every node.
    let c = t.raw_client().await.unwrap();
    let registry = "SELECT tenant_id || ' ' || entity_type || ' ' || row_count || ' ' || \
                    coalesce(index_name, '-') FROM truthgraph_tiers ORDER BY 1";
    let rows = |r: Vec<tokio_postgres::Row>| -> Vec<String> {
        r.iter().map(|r| r.get::<_, String>(0)).collect()
    };
    let on_coordinator = rows(c.query(registry, &[]).await.unwrap());
    assert_eq!(
        on_coordinator,
        [
            format!("big evidence 1500 {own}"),
            // V10's: the Python services' tenant keeps the seed's index name.
            "default evidence 0 idx_embeddings_vector_cosine".to_string(),
            "small evidence 200 -".to_string()
        ]
    );
    assert_eq!(
        db.search_route("big", EntityType::Evidence),
        Route::Index {
            ef_search: Some(64),
            tenant_literal: false
        }
    );
    assert_eq!(db.search_route("small", EntityType::Evidence), Route::Exact);

    // The partial index on every shard of embeddings, over the workers.
    let mut shard_indexes = 0;
    let mut shards = 0;
    for i in 0..WORKERS {
        let w = t.worker_client(i).await.unwrap();
        // Shards are hidden from the catalog views unless asked for.
        w.batch_execute("SET citus.override_table_visibility = off")
            .await
            .unwrap();
        let count = |sql: &'static str| {
            let w = &w;
            let own = own.clone();
            async move { w.query_one(sql, &[&own]).await.unwrap().get::<_, i64>(0) }
        };
        shard_indexes += count(
            "SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'embeddings\\_%' \
             AND indexname LIKE $1::text || '%' AND indexdef LIKE '%WHERE%big%'",
        )
        .await;
        shards += count(
            "SELECT count(*) FROM pg_tables WHERE tablename ~ '^embeddings_[0-9]+$' \
             AND $1::text IS NOT NULL",
        )
        .await;
        let registry_here = rows(w.query(registry, &[]).await.unwrap());
        assert_eq!(registry_here, on_coordinator, "worker {i}");
    }
    assert!(shards > 0);
    assert_eq!(shard_indexes, shards, "one partial index per shard");

    // The tenant's search runs on its shard through its own index; the
    // small tenant's compares its rows.
    let q = data.next();
    let big = db.tenant("big").unwrap();
    let through_its_index = async || {
        let hits = big
            .search_evidence(&q, &SearchOptions::top(10))
            .await
            .unwrap();
        assert_eq!(hits.len(), 10);
        let plan = big
            .explain_search(EntityType::Evidence, &q, &SearchOptions::top(10), false)
            .await
            .unwrap();
        assert!(plan.contains(&format!("Index Scan using {own}")), "{plan}");
    };
    through_its_index().await;
    let small = db.tenant("small").unwrap();
    assert_eq!(
        small
            .search_evidence(&q, &SearchOptions::top(10))
            .await
            .unwrap()
            .len(),
        10
    );
    let plan = small
        .explain_search(EntityType::Evidence, &q, &SearchOptions::top(10), false)
        .await
        .unwrap();
    assert!(!plan.contains("idx_embeddings_tier_"), "{plan}");

    // 2 % of the tier's rows deleted: its index is rebuilt in place on
    // every shard (REINDEX INDEX CONCURRENTLY on the distributed table).
    c.execute(
        "DELETE FROM evidence WHERE tenant_id = 'big' AND id IN \
         (SELECT id FROM evidence WHERE tenant_id = 'big' ORDER BY id LIMIT 30)",
        &[],
    )
    .await
    .unwrap();
    let report = db
        .maintain_tiers(&TierOptions {
            apply: true,
            ..TierOptions::default()
        })
        .await
        .unwrap();
    let tier = report.tiers.iter().find(|p| p.tenant_id == "big").unwrap();
    assert_eq!(tier.action, TierAction::Reindex);
    through_its_index().await;
}

#[tokio::test]
async fn a_quantized_tier_is_built_on_every_shard_and_searched_there_with_re_ranking() {
    let t = CitusDatabase::migrated().await.unwrap();
    // V2's 1536 dimensions: tiers are tried on binary_quantize(embedding).
    t.db.distribute(&DistributeOptions::default())
        .await
        .unwrap();
    let db = &t.db;
    let mut data = Clustered::low_rank(11, 1536, 24);
    let rows = load(db, "wide", &mut data, 1200).await;
    let own = tier_index_name("wide", EntityType::Evidence);
    let route = db.search_route("wide", EntityType::Evidence);
    assert!(matches!(route, Route::Quantized { .. }), "{route:?}");

    // The expression index on the tenant's shard (and every other).
    let mut quantized = 0;
    for i in 0..WORKERS {
        let w = t.worker_client(i).await.unwrap();
        w.batch_execute("SET citus.override_table_visibility = off")
            .await
            .unwrap();
        quantized += w
            .query_one(
                "SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'embeddings\\_%' \
                 AND indexname LIKE $1::text || '%' AND indexdef LIKE '%binary_quantize%'",
                &[&own],
            )
            .await
            .unwrap()
            .get::<_, i64>(0);
    }
    assert!(quantized > 0, "no shard has the quantized index");

    // Searched on the worker through it, the nearest row first.
    let wide = db.tenant("wide").unwrap();
    let (id, v) = &rows[7];
    let hits = wide
        .search_evidence(v, &SearchOptions::top(10))
        .await
        .unwrap();
    assert_eq!(hits.len(), 10);
    assert_eq!(hits[0].id, *id);
    let plan = wide
        .explain_search(EntityType::Evidence, v, &SearchOptions::top(10), false)
        .await
        .unwrap();
    assert!(plan.contains(&format!("Index Scan using {own}")), "{plan}");
}
