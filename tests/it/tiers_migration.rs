//! Migration V10 (tiered vector indexes) on a populated database: the
//! index over every tenant is kept (renamed) until the tiers are built, the
//! seed's index name stays on the Python services' tenant, the Python
//! services' insert still works, and V10 rolls back.

use truthgraph_db::index_build::TierOptions;
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::tiers::Route;
use truthgraph_db::{Config, EntityType, SearchOptions};
use uuid::Uuid;

use crate::support::random_unit;
use crate::tiers::tier_indexes;

#[tokio::test]
async fn v10_moves_a_populated_database_and_rolls_back() {
    let t = TestDatabase::empty().await.unwrap();
    t.db.migrate(Some(8)).await.unwrap();
    let c = t.raw_client().await.unwrap();
    let dim: i32 = c
        .query_one(
            "SELECT atttypmod FROM pg_attribute WHERE attrelid = 'embeddings'::regclass AND attname = 'embedding'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    for (tenant, n) in [("default", 30), ("acme", 40)] {
        for i in 0..n {
            let id = Uuid::new_v4();
            c.execute(
                "INSERT INTO evidence (id, content, tenant_id) VALUES ($1, $2, $3)",
                &[&id, &format!("e{i}"), &tenant],
            )
            .await
            .unwrap();
            // As the Python services insert: by name, ON CONFLICT on the seed's target.
            c.execute(
                "INSERT INTO embeddings (entity_type, entity_id, embedding, model_name, tenant_id) \
                 VALUES ('evidence', $1, $2, 'm', $3) ON CONFLICT (entity_type, entity_id) DO NOTHING",
                &[&id, &random_unit(i + n, dim as usize), &tenant],
            )
            .await
            .unwrap();
        }
    }
    let predicate = |name: &'static str| {
        let c = &c;
        async move {
            c.query_opt(
                "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i \
                 JOIN pg_class x ON x.oid = i.indexrelid WHERE x.relname = $1",
                &[&name],
            )
            .await
            .unwrap()
            .map(|r| r.get::<_, Option<String>>(0))
        }
    };
    assert_eq!(t.db.migrate(Some(10)).await.unwrap(), vec![9, 10]);
    assert_eq!(predicate("idx_embeddings_vector_shared").await, Some(None));
    let contract = predicate("idx_embeddings_vector_cosine")
        .await
        .unwrap()
        .unwrap();
    assert!(
        contract.contains("'default'") && contract.contains("'evidence'"),
        "{contract}"
    );
    let db = t.connect(&Config::default()).await.unwrap();
    assert!(matches!(
        db.search_route("default", EntityType::Evidence),
        Route::Index { .. }
    ));
    assert!(matches!(
        db.search_route("acme", EntityType::Evidence),
        Route::Shared { .. }
    ));
    let q = random_unit(999, dim as usize);
    for tenant in ["default", "acme"] {
        let hits = db
            .tenant(tenant)
            .unwrap()
            .search_evidence(&q, &SearchOptions::top(10))
            .await
            .unwrap();
        assert_eq!(hits.len(), 10, "{tenant}");
    }
    // The tiers built, the shared index goes; acme is searched exactly.
    let report = db
        .maintain_tiers(&TierOptions {
            apply: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        report.shared_index.as_deref(),
        Some("idx_embeddings_vector_shared")
    );
    assert_eq!(predicate("idx_embeddings_vector_shared").await, None);
    assert_eq!(db.search_route("acme", EntityType::Evidence), Route::Exact);
    assert_eq!(
        db.tenant("acme")
            .unwrap()
            .search_evidence(&q, &SearchOptions::top(10))
            .await
            .unwrap()
            .len(),
        10
    );
    db.close().await;

    t.db.rollback(8).await.unwrap();
    assert_eq!(predicate("idx_embeddings_vector_cosine").await, Some(None));
    assert!(tier_indexes(&c).await.is_empty());
    let registry: Option<String> = c
        .query_one("SELECT to_regclass('truthgraph_tiers')::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(registry, None);
    let db = t.connect(&Config::default()).await.unwrap();
    assert!(matches!(
        db.search_route("acme", EntityType::Evidence),
        Route::Shared { .. }
    ));
    assert_eq!(
        db.tenant("acme")
            .unwrap()
            .search_evidence(&q, &SearchOptions::top(10))
            .await
            .unwrap()
            .len(),
        10
    );
}
