//! Search correctness: index plans, recall against exact search, exactly-k
//! under filters, hybrid fusion, and atomic bulk loads.

use crate::support::{
    BruteForce, Clustered, TestDatabase, assert_exact_top_k, explain, random_unit, recall_of,
};
use pgvector::Vector;
use truthgraph_db::{Database, EntityType, Error, HybridOptions, NewEmbedding, SearchOptions};
use truthgraph_vector_ref::VectorRef;
use uuid::Uuid;

const DIM: usize = 1536;

/// One stored evidence row as the test knows it: id, vector, and whether its
/// source type is "rare".
type Row = (Uuid, Vector, bool);

/// Loads `n` evidence rows with clustered embeddings for `tenant`; every
/// `source_every`-th row has source type "rare", the rest "common".
async fn load(
    db: &Database,
    tenant: &str,
    data: &mut Clustered,
    n: usize,
    source_every: usize,
) -> Vec<Row> {
    let client = db.client().await.unwrap();
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::new_v4()).collect();
    let rare: Vec<bool> = (0..n).map(|i| i % source_every == 0).collect();
    let sources: Vec<&str> = rare
        .iter()
        .map(|r| if *r { "rare" } else { "common" })
        .collect();
    let contents: Vec<String> = (0..n).map(|i| format!("{tenant} evidence {i}")).collect();
    client
        .execute(
            "INSERT INTO evidence (id, tenant_id, content, source_type) \
             SELECT * FROM UNNEST($1::uuid[], array_fill($2::text, ARRAY[$3::int]), $4::text[], $5::text[])",
            &[&ids, &tenant, &(n as i32), &contents, &sources],
        )
        .await
        .unwrap();
    let rows: Vec<NewEmbedding> = ids
        .iter()
        .map(|id| NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: *id,
            embedding: data.next(),
            model_name: "synthetic".into(),
            model_version: None,
        })
        .collect();
    assert_eq!(
        db.tenant(tenant)
            .unwrap()
            .bulk_load_embeddings(&rows)
            .await
            .unwrap(),
        n as u64
    );
    rows.into_iter()
        .zip(rare)
        .map(|(r, rare)| (r.entity_id, r.embedding, rare))
        .collect()
}

fn scored(h: &[truthgraph_db::search::EvidenceHit]) -> Vec<(Uuid, f64)> {
    h.iter().map(|h| (h.id, h.similarity)).collect()
}

fn hit_ids(h: &[truthgraph_db::search::EvidenceHit]) -> Vec<Uuid> {
    h.iter().map(|h| h.id).collect()
}

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

#[tokio::test]
async fn hybrid_ranks_a_double_match_above_single_matches() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();
    let b = db.tenant("b").unwrap();

    let q = random_unit(100, DIM);
    // A vector close to q: q plus a little of another direction.
    let near = |seed: u64, w: f32| {
        let o = random_unit(seed, DIM);
        Vector::from(crate::support::unit(
            q.as_slice()
                .iter()
                .zip(o.as_slice())
                .map(|(a, b)| a + w * b)
                .collect(),
        ))
    };
    let docs = [
        (
            "both",
            "Glaciers in the Alps are melting faster every decade",
            near(1, 0.5),
        ),
        (
            "vector_only",
            "An unrelated sentence about cooking pasta",
            near(2, 0.3),
        ),
        (
            "keyword_only",
            "Alpine glaciers melting, a report",
            random_unit(3, DIM),
        ),
        (
            "neither",
            "Stock markets closed higher",
            random_unit(4, DIM),
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for (name, text, v) in &docs {
        let e = a.insert_evidence(text, None, None).await.unwrap();
        a.upsert_embedding(EntityType::Evidence, e.id, v, "m", None)
            .await
            .unwrap();
        ids.insert(e.id, *name);
    }
    // Another tenant's perfect match must not appear.
    let other = b
        .insert_evidence("glaciers melting glaciers", None, None)
        .await
        .unwrap();
    b.upsert_embedding(EntityType::Evidence, other.id, &q, "m", None)
        .await
        .unwrap();

    // Two candidates a side: the vector side finds vector_only and both, the
    // full-text side keyword_only and both.
    let opts = HybridOptions {
        k: 3,
        candidates: 2,
        ..Default::default()
    };
    let hits = a
        .hybrid_search("glaciers melting", &q, &opts)
        .await
        .unwrap();
    let order: Vec<&str> = hits.iter().map(|h| ids[&h.id]).collect();
    assert_eq!(order.len(), 3, "{order:?}");
    assert_eq!(order[0], "both", "{order:?}");
    let both = &hits[0];
    assert!(both.vector_rank.is_some() && both.keyword_rank.is_some());
    let vec_only = hits.iter().find(|h| ids[&h.id] == "vector_only").unwrap();
    assert_eq!(
        (vec_only.vector_rank, vec_only.keyword_rank),
        (Some(1), None)
    );
    let kw = hits.iter().find(|h| ids[&h.id] == "keyword_only").unwrap();
    assert_eq!((kw.vector_rank, kw.keyword_rank.is_some()), (None, true));
    assert!(both.score > vec_only.score && both.score > kw.score);
    assert!(hits.iter().all(|h| h.id != other.id));
    // Weights per call: keyword only puts the keyword matches first.
    let kw_first = a
        .hybrid_search(
            "glaciers melting",
            &q,
            &HybridOptions {
                k: 2,
                candidates: 2,
                vector_weight: 0.0,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Both keyword matches, and only they (two rows asked for).
    let mut kw_names: Vec<&str> = kw_first.iter().map(|h| ids[&h.id]).collect();
    kw_names.sort();
    assert_eq!(kw_names, ["both", "keyword_only"], "{kw_first:?}");
    assert!(
        kw_first.iter().all(|h| h.keyword_rank.is_some()),
        "{kw_first:?}"
    );
    assert_eq!(
        match a
            .hybrid_search(" ", &q, &HybridOptions::default())
            .await
            .unwrap_err()
        {
            Error::InvalidInput { field, .. } => field,
            e => panic!("{e}"),
        },
        "text"
    );
}

#[tokio::test]
async fn bulk_load_is_atomic_and_bit_identical() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();

    let mut data = Clustered::new(5, DIM, 4, 0.5);
    // The entities first: an embedding must belong to one of the tenant's.
    let mut entities = Vec::new();
    for i in 0..50 {
        entities.push(if i % 2 == 0 {
            a.insert_evidence(&format!("e{i}"), None, None)
                .await
                .unwrap()
                .id
        } else {
            a.insert_claim(&format!("c{i}"), None).await.unwrap().id
        });
    }
    let mut rows: Vec<NewEmbedding> = (0..50)
        .map(|i| NewEmbedding {
            entity_type: if i % 2 == 0 {
                EntityType::Evidence
            } else {
                EntityType::Claim
            },
            entity_id: entities[i],
            embedding: data.next(),
            model_name: "m".into(),
            model_version: (i % 3 == 0).then(|| "v1".to_string()),
        })
        .collect();
    let count = async || -> i64 {
        db.client()
            .await
            .unwrap()
            .query_one("SELECT count(*) FROM embeddings", &[])
            .await
            .unwrap()
            .get(0)
    };
    // One bad vector anywhere: nothing is written.
    let mut bad = rows.clone();
    let mut v = bad[37].embedding.to_vec();
    v[100] = f32::NAN;
    bad[37].embedding = Vector::from(v);
    match a.bulk_load_embeddings(&bad).await.unwrap_err() {
        Error::InvalidInput { field, .. } => assert_eq!(field, "rows[37].embedding"),
        e => panic!("{e}"),
    }
    bad = rows.clone();
    bad[3].embedding = Vector::from(vec![0.1; 384]);
    assert!(a.bulk_load_embeddings(&bad).await.is_err());
    // A duplicate entity (caught by the database mid-COPY): nothing is written.
    bad = rows.clone();
    bad[49].entity_id = bad[1].entity_id;
    bad[49].entity_type = bad[1].entity_type;
    let err = a.bulk_load_embeddings(&bad).await.unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { constraint, .. } if constraint == "idx_embeddings_entity_unique"),
        "{err:?}"
    );
    assert_eq!(count().await, 0);

    // A correct batch reads back bit for bit.
    rows[0].embedding = Vector::from(
        (0..DIM)
            .map(|i| {
                if i == 0 {
                    f32::MIN_POSITIVE
                } else {
                    1.0 / (i as f32 + 0.3)
                }
            })
            .collect::<Vec<_>>(),
    );
    assert_eq!(a.bulk_load_embeddings(&rows).await.unwrap(), 50);
    for r in &rows {
        let got = a
            .get_embedding(r.entity_type, r.entity_id)
            .await
            .unwrap()
            .unwrap();
        let bits = |v: &Vector| v.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got.embedding), bits(&r.embedding));
        assert_eq!(got.model_version, r.model_version);
        assert_eq!(got.tenant_id, "a");
    }
    assert_eq!(a.bulk_load_embeddings(&[]).await.unwrap(), 0);
}

#[tokio::test]
async fn claim_search_finds_near_duplicates_tuned_and_exact() {
    let t = TestDatabase::migrated().await.unwrap();
    let (a, b) = (t.db.tenant("a").unwrap(), t.db.tenant("b").unwrap());
    let mut data = Clustered::new(11, DIM, 4, 0.6).with_norms(0.1, 10.0);
    let mut ids = Vec::new();
    let mut vectors = Vec::new();
    for i in 0..30 {
        let c = a.insert_claim(&format!("claim {i}"), None).await.unwrap();
        let v = data.next();
        a.upsert_embedding(EntityType::Claim, c.id, &v, "m", None)
            .await
            .unwrap();
        ids.push(c.id);
        vectors.push(v);
    }
    // Another tenant's claim with the very vector searched for stays invisible.
    let q = a
        .get_embedding(EntityType::Claim, ids[7])
        .await
        .unwrap()
        .unwrap()
        .embedding;
    let other = b.insert_claim("b's claim", None).await.unwrap();
    b.upsert_embedding(EntityType::Claim, other.id, &q, "m", None)
        .await
        .unwrap();
    let exact = a
        .search_claims(
            &q,
            &SearchOptions {
                exact: true,
                ..SearchOptions::top(5)
            },
        )
        .await
        .unwrap();
    let tuned = a.search_claims(&q, &SearchOptions::top(5)).await.unwrap();
    // The brute force's top 5 of a's 30 claims (b's row is not a candidate).
    let truth = BruteForce::new(ids.iter().copied().zip(&vectors));
    assert_exact_top_k(
        &exact
            .iter()
            .map(|h| (h.id, h.similarity))
            .collect::<Vec<_>>(),
        &truth.ranking(&q, |_| true),
        5,
        "exact claim search",
    );
    assert_eq!(exact[0].id, ids[7]);
    assert!((exact[0].similarity - 1.0).abs() < 1e-5);
    assert_eq!(exact[0].text, "claim 7");
    assert_eq!(
        tuned.iter().map(|h| h.id).collect::<Vec<_>>(),
        exact.iter().map(|h| h.id).collect::<Vec<_>>()
    );
    assert!(exact.iter().chain(&tuned).all(|h| h.id != other.id));
    assert!(matches!(
        a.search_claims(
            &q,
            &SearchOptions {
                source_type: Some("x".into()),
                ..SearchOptions::top(5)
            }
        )
        .await,
        Err(Error::InvalidInput { field, .. }) if field == "source_type"
    ));
}
