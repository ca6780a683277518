//! Claim search: near duplicates, tuned and exact.

use super::*;

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
