//! The maintenance report: indexes, sizes and advice.

use super::*;

#[tokio::test]
async fn maintenance_reports_indexes_sizes_and_advice() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();

    let ev = a.insert_evidence("x", None, None).await.unwrap();
    a.upsert_embedding(
        EntityType::Evidence,
        ev.id,
        &random_unit(3, 1536),
        "m",
        None,
    )
    .await
    .unwrap();
    let usage = db.index_usage().await.unwrap();
    assert!(usage.iter().any(|u| u.index_name == "idx_embeddings_vector_cosine" && u.table_name == "embeddings"));
    assert!(usage.iter().all(|u| u.size_bytes > 0));
    let sizes = db.table_sizes().await.unwrap();
    let emb = sizes.iter().find(|s| s.table_name == "embeddings").unwrap();
    assert!(emb.total_bytes >= emb.table_bytes + emb.index_bytes - 8192 && emb.total_bytes > 0);
    let params = db.vector_indexes().await.unwrap();
    assert_eq!(params.len(), 1);
    assert!(params[0].is_valid);
    assert_eq!(
        (
            params[0].method.as_str(),
            params[0].opclass.as_str(),
            params[0].options.clone()
        ),
        (
            "hnsw",
            "vector_cosine_ops",
            Some(vec!["m=16".to_string(), "ef_construction=64".to_string()])
        )
    );
    // Advice reads the planner's estimate and analyses nothing itself.
    let advice = db.tuning_advice().await.unwrap();
    assert_eq!(advice.len(), 1);
    assert_eq!((advice[0].current, advice[0].rows), (16, None));
    assert!(advice[0].advice[0].contains("never analysed"), "{advice:?}");
    let analysed: bool = db
        .client()
        .await
        .unwrap()
        .query_one(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'embeddings'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!analysed, "tuning_advice must not ANALYZE");
    let report = db.reindex_vector_indexes().await.unwrap();
    assert_eq!(report.rebuilt, vec!["idx_embeddings_vector_cosine"]);
    assert!(
        report.dropped.is_empty() && report.repaired.is_empty(),
        "{report:?}"
    );
    let advice = db.tuning_advice().await.unwrap();
    assert_eq!((advice[0].current, advice[0].rows), (16, Some(1)));
    assert!(
        advice[0].advice[0].contains(&format!("ef_search {}", db.search_defaults().ef_search)),
        "{advice:?}"
    );
}
