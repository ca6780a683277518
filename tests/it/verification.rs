//! Verification results: latest, history, by verdict (`queries/verification.sql`).

use truthgraph_db::{Error, NewVerificationResult, RetrievalMethod, VerdictLabel};
use uuid::Uuid;

use crate::support::{TestDatabase, field};

fn verification(claim_id: Uuid, verdict: VerdictLabel, confidence: f64) -> NewVerificationResult {
    NewVerificationResult {
        claim_id,
        verdict,
        confidence,
        support_score: 0.7,
        refute_score: 0.2,
        neutral_score: 0.1,
        evidence_count: 3,
        supporting_evidence_count: 2,
        refuting_evidence_count: 1,
        neutral_evidence_count: 0,
        reasoning: None,
        nli_result_ids: vec![],
        pipeline_version: None,
        retrieval_method: Some(RetrievalMethod::Hybrid),
    }
}

#[tokio::test]
async fn verification_results_latest_history_and_by_verdict() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();
    let b = db.tenant("b").unwrap();

    let claim = a.insert_claim("c", None).await.unwrap();
    let first = a
        .insert_verification_result(&verification(claim.id, VerdictLabel::Insufficient, 0.4))
        .await
        .unwrap();
    assert_eq!(
        (first.reasoning.clone(), first.pipeline_version.clone()),
        (None, None)
    );
    assert_eq!(first.nli_result_ids, Some(vec![]));
    let mut second = verification(claim.id, VerdictLabel::Supported, 0.9);
    second.reasoning = Some("two sources agree".into());
    // An NLI result of the tenant's (V7 checks every id).
    let ev = a.insert_evidence("e", None, None).await.unwrap();
    let nli = a
        .insert_nli_result(&truthgraph_db::NewNliResult {
            claim_id: claim.id,
            evidence_id: ev.id,
            label: truthgraph_db::NliLabel::Entailment,
            confidence: 0.9,
            entailment_score: 0.9,
            contradiction_score: 0.05,
            neutral_score: 0.05,
            model_name: "m".into(),
            model_version: None,
            premise_text: "e".into(),
            hypothesis_text: "c".into(),
        })
        .await
        .unwrap();
    second.nli_result_ids = vec![nli.id];
    let second = a.insert_verification_result(&second).await.unwrap();

    let latest = a
        .latest_verification_result(claim.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.id, second.id);
    let history = a.verification_history(claim.id).await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![second.id, first.id]
    );
    let other = a.insert_claim("c2", None).await.unwrap();
    a.insert_verification_result(&verification(other.id, VerdictLabel::Supported, 0.95))
        .await
        .unwrap();
    let supported = a
        .verification_results_by_verdict(VerdictLabel::Supported, 10)
        .await
        .unwrap();
    assert_eq!(
        supported.iter().map(|r| r.confidence).collect::<Vec<_>>(),
        vec![0.95, 0.9]
    );

    assert!(
        b.latest_verification_result(claim.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        b.insert_verification_result(&verification(claim.id, VerdictLabel::Refuted, 0.5))
            .await,
        Err(Error::MissingReference { .. })
    ));
    let mut bad = verification(claim.id, VerdictLabel::Refuted, 0.5);
    bad.refute_score = f64::NAN;
    assert_eq!(
        field(&a.insert_verification_result(&bad).await.unwrap_err()),
        "refute_score"
    );
    bad = verification(claim.id, VerdictLabel::Refuted, 0.5);
    bad.evidence_count = -1;
    assert_eq!(
        field(&a.insert_verification_result(&bad).await.unwrap_err()),
        "evidence_count"
    );
    assert_eq!(
        field(&"UNKNOWN".parse::<VerdictLabel>().unwrap_err()),
        "verdict"
    );
}
