//! Claims: insert, get, keyset paging, delete, tenant scope (`queries/claims.sql`).

use truthgraph_db::{Error, NewClaim};

use crate::support::{TestDatabase, field};

#[tokio::test]
async fn claims_crud_keyset_paging_and_tenant_scope() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();
    let b = db.tenant("b").unwrap();

    let mut ids = Vec::new();
    for i in 0..5 {
        let c = a
            .insert_claim(&format!("claim {i}"), (i % 2 == 0).then_some("https://x"))
            .await
            .unwrap();
        ids.push(c.id);
    }
    let other = b.insert_claim("other tenant", None).await.unwrap();

    let c0 = a.get_claim(ids[1]).await.unwrap().unwrap();
    assert_eq!(
        (
            c0.text.as_str(),
            c0.source_url.as_deref(),
            c0.tenant_id.as_str()
        ),
        ("claim 1", None, "a")
    );
    assert!(
        b.get_claim(ids[1]).await.unwrap().is_none(),
        "tenant b read a's claim"
    );

    let many = a.get_claims(&[ids[3], other.id, ids[0]]).await.unwrap();
    assert_eq!(
        many.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[3], ids[0]]
    );

    // Keyset paging, newest first, no gaps or repeats.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = a.recent_claims(2, cursor).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        cursor = page.last().map(|c| (c.created_at, c.id));
        seen.extend(page.into_iter().map(|c| c.id));
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);

    assert!(
        !b.delete_claim(ids[0]).await.unwrap(),
        "tenant b deleted a's claim"
    );
    assert!(a.delete_claim(ids[0]).await.unwrap());
    assert!(!a.delete_claim(ids[0]).await.unwrap());

    assert_eq!(field(&db.tenant("").unwrap_err()), "tenant_id");
    assert_eq!(
        field(&a.insert_claim("  ", None).await.unwrap_err()),
        "text"
    );
    assert_eq!(field(&a.recent_claims(0, None).await.unwrap_err()), "limit");
}

#[tokio::test]
async fn claims_batch_is_validated_ordered_and_all_or_nothing() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let b = db.tenant("b").unwrap();

    let a = db.tenant("a").unwrap();
    let count = async || -> i64 {
        db.client()
            .await
            .unwrap()
            .query_one("SELECT count(*) FROM claims", &[])
            .await
            .unwrap()
            .get(0)
    };
    let rows: Vec<NewClaim> = (0..600)
        .map(|i| NewClaim {
            text: format!("claim {i}"),
            source_url: (i % 2 == 1).then(|| format!("https://c/{i}")),
        })
        .collect();
    let mut bad = rows.clone();
    bad[500].text = String::new();
    let e = a.insert_claims(&bad).await.unwrap_err();
    assert_eq!(field(&e), "rows[500].text");
    // The server rejects a NUL character (not valid in a text value): nothing
    // of the batch is written.
    let mut bad = rows.clone();
    bad[42].text = "nul \0 inside".into();
    let e = a.insert_claims(&bad).await.unwrap_err();
    assert!(matches!(&e, Error::InvalidInput { .. }), "{e:?}");
    assert_eq!(count().await, 0);

    let stored = a.insert_claims(&rows).await.unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|c| (c.text.as_str(), c.source_url.as_deref()))
            .collect::<Vec<_>>(),
        rows.iter()
            .map(|r| (r.text.as_str(), r.source_url.as_deref()))
            .collect::<Vec<_>>()
    );
    assert!(stored.iter().all(|c| c.tenant_id == "a"));
    assert_eq!(count().await, 600);
    assert!(b.get_claim(stored[0].id).await.unwrap().is_none());
}
