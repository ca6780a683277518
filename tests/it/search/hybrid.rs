//! Hybrid fusion: a double match ranks above single matches.

use super::*;

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
