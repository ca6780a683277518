//! Search settings every pooled connection starts with, and per-call overrides.

use super::*;

/// The settings a connection starts with, as the server reports them.
async fn settings_of(client: &tokio_postgres::Client) -> Vec<String> {
    let mut out = Vec::new();
    for name in [
        "hnsw.ef_search",
        "ivfflat.probes",
        "hnsw.iterative_scan",
        "ivfflat.iterative_scan",
        "random_page_cost",
    ] {
        let v: String = client
            .query_one("SELECT current_setting($1)", &[&name])
            .await
            .unwrap()
            .get(0);
        out.push(format!("{name}={v}"));
    }
    out
}

#[tokio::test]
async fn defaults_are_in_force_from_the_start_and_overrides_end_with_the_call() {
    let t = TestDatabase::migrated().await.unwrap();
    // One connection, so the search and the later checks share it.
    let config = truthgraph_db::Config {
        pool_max_size: 1,
        ef_search: Some(77),
        ..Default::default()
    };
    let db = t.connect(&config).await.unwrap();
    let d = db.search_defaults().clone();
    assert_eq!(d.ef_search, 77);
    assert_eq!(d.ef_search_origin, truthgraph_db::settings::Origin::Pinned);
    let expected = vec![
        "hnsw.ef_search=77".to_string(),
        format!("ivfflat.probes={}", d.probes),
        "hnsw.iterative_scan=relaxed_order".into(),
        "ivfflat.iterative_scan=relaxed_order".into(),
        "random_page_cost=1.1".into(),
    ];
    // In force before any search, on a brand-new pooled connection.
    assert_eq!(settings_of(&db.client().await.unwrap()).await, expected);

    let acme = db.tenant("acme").unwrap();
    let ev = acme.insert_evidence("x", None, None).await.unwrap();
    let v = random_unit(5, DIM);
    acme.upsert_embedding(EntityType::Evidence, ev.id, &v, "m", None)
        .await
        .unwrap();
    let hits = acme
        .search_evidence(
            &v,
            &SearchOptions {
                probes: Some(3),
                ef_search: Some(9),
                ..SearchOptions::top(5)
            },
        )
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    // The same (only) connection, borrowed again: the override is gone, even
    // after RESET ALL, which falls back to the startup values.
    let client = db.client().await.unwrap();
    assert_eq!(settings_of(&client).await, expected);
    client.batch_execute("RESET ALL").await.unwrap();
    assert_eq!(settings_of(&client).await, expected);
}
