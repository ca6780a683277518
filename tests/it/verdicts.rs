//! Phase 1 verdicts with their evidence (`queries/verdicts.sql`).

use truthgraph_db::{Error, Relationship, VerdictLabel};

use crate::support::TestDatabase;

#[tokio::test]
async fn phase1_verdicts_with_their_evidence() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();
    let b = db.tenant("b").unwrap();

    let claim = a.insert_claim("c", None).await.unwrap();
    let e1 = a
        .insert_evidence("for", Some("https://for"), None)
        .await
        .unwrap();
    let e2 = a.insert_evidence("against", None, None).await.unwrap();
    let pending = a.insert_verdict(claim.id, None, None, None).await.unwrap();
    assert_eq!((pending.verdict.clone(), pending.confidence), (None, None));
    let v = a
        .insert_verdict(
            claim.id,
            Some(VerdictLabel::Supported),
            Some(0.8),
            Some("r"),
        )
        .await
        .unwrap();
    a.link_verdict_evidence(v.id, e1.id, Some(Relationship::Supports), Some(0.9))
        .await
        .unwrap();
    a.link_verdict_evidence(v.id, e2.id, None, None)
        .await
        .unwrap();
    let err = a
        .link_verdict_evidence(v.id, e1.id, Some(Relationship::Refutes), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { constraint, .. } if constraint.contains("verdict_id_evidence_id")),
        "{err:?}"
    );
    let (latest, links) = a.latest_verdict(claim.id).await.unwrap().unwrap();
    assert_eq!(latest.id, v.id);
    assert_eq!(links.len(), 2);
    assert_eq!(
        (links[0].evidence_id, links[0].relationship.as_deref()),
        (e1.id, Some("supports"))
    );
    assert_eq!(
        (
            links[1].relationship.clone(),
            links[1].confidence,
            links[1].source_url.clone()
        ),
        (None, None, None)
    );
    let foreign = b.insert_evidence("x", None, None).await.unwrap();
    assert!(matches!(
        a.link_verdict_evidence(v.id, foreign.id, None, None).await,
        Err(Error::NotFound { .. })
    ));
    assert!(b.latest_verdict(claim.id).await.unwrap().is_none());
}
