//! Evidence: nullable columns read back, paging (`queries/evidence.sql`).

use crate::support::TestDatabase;

#[tokio::test]
async fn evidence_reads_back_nulls_and_pages() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let e1 = db
        .tenant("a")
        .unwrap()
        .insert_evidence("first", None, None)
        .await
        .unwrap();
    let e2 = db
        .tenant("a")
        .unwrap()
        .insert_evidence("second", Some("https://e"), Some("news"))
        .await
        .unwrap();
    let got = db
        .tenant("a")
        .unwrap()
        .get_evidence(e1.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((got.source_url, got.source_type), (None, None));
    let page = db
        .tenant("a")
        .unwrap()
        .recent_evidence(1, None)
        .await
        .unwrap();
    assert_eq!(page[0].id, e2.id);
    let next = db
        .tenant("a")
        .unwrap()
        .recent_evidence(1, Some((page[0].created_at, page[0].id)))
        .await
        .unwrap();
    assert_eq!(next[0].id, e1.id);
    assert_eq!(
        db.tenant("a")
            .unwrap()
            .get_evidence_many(&[e2.id, e1.id])
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        db.tenant("b")
            .unwrap()
            .get_evidence(e1.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.tenant("a")
            .unwrap()
            .delete_evidence(e1.id)
            .await
            .unwrap()
    );
}
