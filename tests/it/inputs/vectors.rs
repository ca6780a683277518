//! Vectors whose float4 cosine breaks are refused; the extremes are accepted and search finitely.

use super::*;

#[tokio::test]
async fn vectors_whose_float4_cosine_breaks_are_refused_and_the_extremes_accepted_search_finitely()
{
    let t = TestDatabase::migrated().await.unwrap();
    let raw = t.raw_client().await.unwrap();
    let a = t.db.tenant("a").unwrap();

    // What the server does with them unchecked: ±1 for any query, NaN.
    let tiny = filled(1e-23, DIM);
    let huge = filled(3e38, DIM);
    let unit = random_unit(1, DIM);
    let row = raw
        .query_one(
            "SELECT 1 - ($1::vector <=> $3::vector), 1 - ($2::vector <=> $3::vector)",
            &[&tiny, &huge, &unit],
        )
        .await
        .unwrap();
    let (tiny_sim, huge_sim): (f64, f64) = (row.get(0), row.get(1));
    assert_eq!(
        tiny_sim.abs(),
        1.0,
        "1e-23 should underflow to ±1 unchecked"
    );
    assert!(huge_sim.is_nan(), "3e38 should overflow to NaN unchecked");

    let ev = a.insert_evidence("a passage", None, None).await.unwrap();
    let before = count(&raw, "embeddings").await;
    for bad in [&tiny, &huge] {
        let e = a
            .upsert_embedding(EntityType::Evidence, ev.id, bad, "m", None)
            .await
            .unwrap_err();
        assert_eq!(field(&e), "embedding", "{e}");
        assert!(e.to_string().contains("L2 norm"), "{e}");
        let rows: Vec<NewEmbedding> = (0..5)
            .map(|i| NewEmbedding {
                entity_type: EntityType::Evidence,
                entity_id: if i == 3 { ev.id } else { uuid::Uuid::new_v4() },
                embedding: if i == 3 {
                    bad.clone()
                } else {
                    random_unit(i, DIM)
                },
                model_name: "m".into(),
                model_version: None,
            })
            .collect();
        let e = a.bulk_load_embeddings(&rows).await.unwrap_err();
        assert_eq!(field(&e), "rows[3].embedding", "{e}");
        let e = a
            .search_evidence(bad, &SearchOptions::top(5))
            .await
            .unwrap_err();
        assert_eq!(field(&e), "query", "{e}");
        let e = a
            .hybrid_search("passage", bad, &HybridOptions::default())
            .await
            .unwrap_err();
        assert_eq!(field(&e), "query", "{e}");
    }
    assert_eq!(count(&raw, "embeddings").await, before, "nothing written");

    // The extremes the rule accepts, spread over 1024 components (norm
    // exactly 2^±50) and in one component, beside ordinary unit vectors.
    let lo = MIN_VECTOR_NORM as f32 / 32.0;
    let hi = MAX_VECTOR_NORM as f32 / 32.0;
    let extremes = [
        filled(lo, 1024),
        filled(hi, 1024),
        filled(MIN_VECTOR_NORM as f32, 1),
        filled(-(MAX_VECTOR_NORM as f32), 1),
        random_unit(7, DIM),
        random_unit(8, DIM),
    ];
    let mut stored = Vec::new();
    for (i, v) in extremes.iter().enumerate() {
        let e = a
            .insert_evidence(&format!("extreme {i}"), None, None)
            .await
            .unwrap();
        a.upsert_embedding(EntityType::Evidence, e.id, v, "m", None)
            .await
            .unwrap();
        stored.push((e.id, v));
    }
    // One step beyond each bound is refused.
    for v in [filled(lo.next_down(), 1024), filled(hi.next_up(), 1024)] {
        let e = a
            .upsert_embedding(EntityType::Evidence, ev.id, &v, "m", None)
            .await
            .unwrap_err();
        assert_eq!(field(&e), "embedding", "{e}");
    }
    // Every extreme as the query, exact and through the HNSW index: every
    // similarity finite and the f64 cosine of the pair. With six rows the
    // planner would rather sort them: the index is forced on a handle of its
    // own (sorting and sequential scans priced out for this database's new
    // connections), and EXPLAIN on that handle shows the index in the plan.
    raw.batch_execute(&format!(
        "ALTER DATABASE {} SET enable_sort = off; ALTER DATABASE {} SET enable_seqscan = off",
        t.name, t.name
    ))
    .await
    .unwrap();
    // Six rows: tenant "a" is searched exactly unless it has an index of
    // its own, which a threshold of one row gives it.
    let tiers =
        t.db.maintain_tiers(&truthgraph_db::index_build::TierOptions {
            threshold: Some(1),
            apply: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let own = truthgraph_db::tiers::tier_index_name("a", EntityType::Evidence);
    assert!(tiers.tiers.iter().any(|p| p.index_name == own), "{tiers:?}");
    let forced = t
        .connect(&truthgraph_db::Config {
            pool_max_size: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let fa = forced.tenant("a").unwrap();
    for q in &extremes {
        let qref = VectorRef::from(q);
        let (k, none_src, none_min): (i64, Option<&str>, Option<f64>) = (10, None, None);
        let plan = explain(
            &**forced.client().await.unwrap(),
            truthgraph_db::sql::search::SEARCH_EVIDENCE,
            &[&qref, &"a", &none_src, &k, &none_min],
        )
        .await;
        assert!(
            plan.contains(&format!("Index Scan using {own}")),
            "the index search does not use the HNSW index:\n{}",
            plan.lines()
                .map(|l| &l[..l.len().min(120)])
                .collect::<Vec<_>>()
                .join("\n")
        );
        for exact in [true, false] {
            let hits = fa
                .search_evidence(
                    q,
                    &SearchOptions {
                        exact,
                        ..SearchOptions::top(10)
                    },
                )
                .await
                .unwrap();
            assert_eq!(hits.len(), stored.len(), "exact = {exact}");
            for h in hits {
                let v = stored.iter().find(|(id, _)| *id == h.id).unwrap().1;
                let want = cosine(q.as_slice(), v.as_slice());
                assert!(h.similarity.is_finite(), "{h:?}");
                assert!(
                    (h.similarity - want).abs() < 1e-5,
                    "similarity {} against f64 cosine {want} (exact = {exact})",
                    h.similarity
                );
            }
        }
    }
    forced.close().await;
}
