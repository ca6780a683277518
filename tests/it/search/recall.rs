//! The default search: index plans, recall against exact search, exactly-k under filters.

use super::*;

#[tokio::test]
async fn default_search_uses_the_index_reaches_recall_and_exactly_k_under_filters() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    // 384 dimensions (all-MiniLM-L6-v2's), so building the HNSW index stays quick.
    db.set_dimension(384).await.unwrap();
    // Load with the vector index dropped and build it afterwards, as a bulk
    // load into an HNSW index should be done (inserting into the graph row by
    // row costs far more than building it once).
    let raw = t.raw_client().await.unwrap();
    let index = &truthgraph_db::catalog::embedding_indexes(&raw)
        .await
        .unwrap()[0];
    raw.batch_execute("DROP INDEX idx_embeddings_vector_cosine")
        .await
        .unwrap();
    // 10,500 vectors around 10 centres with heavy noise (a point's cosine to
    // its centre is about 0.55), so a top-10 is decided inside a crowded
    // cluster; every vector (and query) scaled to a norm between 0.05 and 20,
    // so that ordering by L2 distance or inner product picks other rows than
    // cosine does. Tenant "big" is large enough for the planner to use the
    // vector index; for "mid" it may sort exactly, which is its right choice.
    let mut data = Clustered::new(7, 384, 10, 1.5).with_norms(0.05, 20.0);
    let big = load(db, "big", &mut data, 9000, 10).await;
    let mid = load(db, "mid", &mut data, 1500, 10).await;
    // A tenant with fewer than k rows.
    let tiny = load(db, "tiny", &mut data, 4, 1).await;
    raw.batch_execute(&index.definition).await.unwrap();
    // Fresh statistics, as `reindex` leaves them. The bulk loads built the
    // own indexes of "big" and "mid" (past the 1,000-row threshold); "tiny"
    // is searched exactly.
    let own = |t: &str| truthgraph_db::tiers::tier_index_name(t, EntityType::Evidence);
    let mut rebuilt = db.reindex_vector_indexes().await.unwrap().rebuilt;
    rebuilt.sort();
    let mut want = vec![
        own("big"),
        own("mid"),
        "idx_embeddings_vector_cosine".into(),
    ];
    want.sort();
    assert_eq!(rebuilt, want);
    use truthgraph_db::tiers::Route;
    assert!(matches!(
        db.search_route("big", EntityType::Evidence),
        Route::Index { .. }
    ));
    assert!(matches!(
        db.search_route("mid", EntityType::Evidence),
        Route::Index { .. }
    ));
    assert_eq!(db.search_route("tiny", EntityType::Evidence), Route::Exact);

    assert_plans(db, &data.next()).await;

    // The truth: brute-force f64 cosine over each tenant's rows, in the test.
    let truth_of = |rows: &[Row]| {
        let rare: std::collections::HashSet<Uuid> =
            rows.iter().filter(|r| r.2).map(|r| r.0).collect();
        (BruteForce::new(rows.iter().map(|r| (r.0, &r.1))), rare)
    };
    let (big_truth, big_rare) = truth_of(&big);
    let (mid_truth, mid_rare) = truth_of(&mid);

    let opts = SearchOptions::default();
    let exact_opts = SearchOptions {
        exact: true,
        ..SearchOptions::default()
    };
    let rare = SearchOptions {
        source_type: Some("rare".into()),
        ..opts.clone()
    };
    let exact_rare = SearchOptions {
        exact: true,
        ..rare.clone()
    };
    let mut total = 0.0;
    let mut filtered_total = 0.0;
    let mut n = 0;
    for (tenant, queries, truth, rare_ids) in [
        ("big", 60, &big_truth, &big_rare),
        ("mid", 20, &mid_truth, &mid_rare),
    ] {
        let search = async |q: &Vector, o: &SearchOptions| {
            db.tenant(tenant)
                .unwrap()
                .search_evidence(q, o)
                .await
                .unwrap()
        };
        for _ in 0..queries {
            let q = data.next();
            let ranking = truth.ranking(&q, |_| true);
            let rare_ranking = truth.ranking(&q, |id| rare_ids.contains(id));
            // The exact search is the brute force's top 10 of 9000 or 1500
            // (and of the 900 or 150 rare rows), in its order.
            let exact = search(&q, &exact_opts).await;
            assert_exact_top_k(&scored(&exact), &ranking, 10, "exact search");
            let exact = search(&q, &exact_rare).await;
            assert_exact_top_k(&scored(&exact), &rare_ranking, 10, "exact search, rare");

            // The index paths, against the same truth.
            let approx = search(&q, &opts).await;
            assert_eq!(
                approx.len(),
                10,
                "tuned search returned {} rows",
                approx.len()
            );
            total += recall_of(&hit_ids(&approx), &ranking[..10]);
            assert!(
                approx
                    .windows(2)
                    .all(|w| w[0].similarity >= w[1].similarity)
            );
            assert!(
                approx.iter().all(|h| h.content.starts_with(tenant)),
                "another tenant's row"
            );
            // Only 1 in 10 rows is "rare": still exactly k rows.
            let approx = search(&q, &rare).await;
            assert_eq!(
                approx.len(),
                10,
                "filtered search returned {} rows",
                approx.len()
            );
            assert!(
                approx
                    .iter()
                    .all(|h| h.source_type.as_deref() == Some("rare"))
            );
            filtered_total += recall_of(&hit_ids(&approx), &rare_ranking[..10]);
            n += 1;
        }
    }
    let (r, rf) = (total / n as f64, filtered_total / n as f64);
    println!(
        "recall@10 default settings against brute force: {r:.4} (unfiltered), {rf:.4} \
         (source filter 1/10), {n} queries"
    );
    assert!(r >= 0.95, "recall@10 {r:.4} < 0.95");
    assert!(rf >= 0.95, "filtered recall@10 {rf:.4} < 0.95");

    // The check can fail: a candidate list of one misses neighbours.
    let mut low = 0.0;
    for _ in 0..30 {
        let q = data.next();
        let approx = db
            .tenant("big")
            .unwrap()
            .search_evidence(
                &q,
                &SearchOptions {
                    ef_search: Some(1),
                    ..opts.clone()
                },
            )
            .await
            .unwrap();
        low += recall_of(&hit_ids(&approx), &big_truth.top_k(&q, 10, |_| true));
    }
    let low = low / 30.0;
    println!("recall@10 with ef_search = 1: {low:.4}");
    assert!(
        low < r,
        "ef_search = 1 ({low:.4}) is not worse than the default ({r:.4})"
    );

    // Fewer rows than k: all of them, nothing from other tenants.
    let hits = db
        .tenant("tiny")
        .unwrap()
        .search_evidence(&data.next(), &opts)
        .await
        .unwrap();
    let mut got: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
    got.sort();
    let mut want: Vec<Uuid> = tiny.iter().map(|r| r.0).collect();
    want.sort();
    assert_eq!(got, want);

    // min_similarity applies after the top-k.
    let q = data.next();
    let all = db
        .tenant("big")
        .unwrap()
        .search_evidence(&q, &opts)
        .await
        .unwrap();
    let cut = all[4].similarity;
    let some = db
        .tenant("big")
        .unwrap()
        .search_evidence(
            &q,
            &SearchOptions {
                min_similarity: Some(cut),
                ..opts.clone()
            },
        )
        .await
        .unwrap();
    assert!(some.len() >= 5 && some.iter().all(|h| h.similarity >= cut));
}

/// With the settings every pooled connection starts with (no SET, no
/// transaction), the search uses the vector index, with and without a source
/// filter; the exact search does not.
async fn assert_plans(db: &Database, q: &Vector) {
    let qref = VectorRef::from(q);
    let (k, none_src, none_min): (i64, Option<&str>, Option<f64>) = (10, None, None);
    let client = db.client().await.unwrap();
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
        [&qref, &"big", &none_src, &k, &none_min];
    let plan = explain(
        &**client,
        truthgraph_db::sql::search::SEARCH_EVIDENCE,
        &params,
    )
    .await;
    let short = |p: &str| {
        p.lines()
            .map(|l| &l[..l.len().min(120)])
            .collect::<Vec<_>>()
            .join("\n")
    };
    let own = truthgraph_db::tiers::tier_index_name("big", EntityType::Evidence);
    assert!(plan.contains(&own), "default plan:\n{}", short(&plan));
    let filtered: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
        [&qref, &"big", &Some("rare"), &k, &none_min];
    let plan = explain(
        &**client,
        truthgraph_db::sql::search::SEARCH_EVIDENCE,
        &filtered,
    )
    .await;
    assert!(plan.contains(&own), "filtered plan:\n{}", short(&plan));
    // The source filter looks each candidate up by primary key; it must never
    // read (or hash) the whole evidence table.
    assert!(
        !plan.contains("Seq Scan on evidence"),
        "filtered plan scans evidence:\n{}",
        short(&plan)
    );
    // Exact: parameters (query, tenant, source type, min similarity, k).
    let exact: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
        [&qref, &"big", &none_src, &none_min, &k];
    let plan = explain(
        &**client,
        truthgraph_db::sql::search::SEARCH_EVIDENCE_EXACT,
        &exact,
    )
    .await;
    assert!(
        !plan.contains(&own) && !plan.contains("idx_embeddings_vector_cosine"),
        "exact plan:\n{}",
        short(&plan)
    );
}
