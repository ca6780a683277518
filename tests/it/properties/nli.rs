//! Property: NLI results, verification results and verdicts stored exactly or refused by field.

use proptest::prelude::*;
use truthgraph_db::validate::{MODEL_NAME_MAX_CHARS, VERSION_MAX_CHARS};
use truthgraph_db::{
    NewNliResult, NewVerificationResult, NliLabel, RetrievalMethod, Tenant, VerdictLabel,
};
use uuid::Uuid;

use super::{
    check, count, first_bad, fits, named, optional_text, probability, refused, runtime, said,
    score, storable, text,
};
use crate::support::TestDatabase;

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

fn nli_label() -> impl Strategy<Value = NliLabel> {
    prop::sample::select(NliLabel::ALL.to_vec())
}

fn model_name() -> impl Strategy<Value = String> {
    prop_oneof![3 => Just("roberta-large-mnli".to_string()), 2 => text()]
}

fn nli_case(claim: Uuid, evidence: Uuid) -> impl Strategy<Value = NewNliResult> {
    (
        (nli_label(), score(), score(), score(), score()),
        (model_name(), optional_text(), text(), text()),
    )
        .prop_map(
            move |((label, c, e, x, n), (model_name, model_version, premise, hypothesis))| {
                NewNliResult {
                    claim_id: claim,
                    evidence_id: evidence,
                    label,
                    confidence: c,
                    entailment_score: e,
                    contradiction_score: x,
                    neutral_score: n,
                    model_name,
                    model_version,
                    premise_text: premise,
                    hypothesis_text: hypothesis,
                }
            },
        )
}

fn nli_bad(r: &NewNliResult) -> Option<&'static str> {
    first_bad(&[
        ("confidence", probability(r.confidence)),
        ("entailment_score", probability(r.entailment_score)),
        ("contradiction_score", probability(r.contradiction_score)),
        ("neutral_score", probability(r.neutral_score)),
        (
            "model_name",
            said(&r.model_name) && fits(Some(r.model_name.as_str()), MODEL_NAME_MAX_CHARS),
        ),
        (
            "model_version",
            fits(r.model_version.as_deref(), VERSION_MAX_CHARS),
        ),
        ("premise_text", storable(&r.premise_text)),
        ("hypothesis_text", storable(&r.hypothesis_text)),
    ])
}

fn verification_case(claim: Uuid) -> impl Strategy<Value = NewVerificationResult> {
    let count = || prop_oneof![3 => 0i32..50, 1 => any::<i32>()];
    (
        (
            prop::sample::select(VerdictLabel::ALL.to_vec()),
            score(),
            score(),
            score(),
            score(),
        ),
        (count(), count(), count(), count()),
        (
            optional_text(),
            optional_text(),
            prop::option::of(prop::sample::select(RetrievalMethod::ALL.to_vec())),
        ),
    )
        .prop_map(
            move |((verdict, c, s, r, n), (ec, sc, rc, nc), (reasoning, pipeline, method))| {
                NewVerificationResult {
                    claim_id: claim,
                    verdict,
                    confidence: c,
                    support_score: s,
                    refute_score: r,
                    neutral_score: n,
                    evidence_count: ec,
                    supporting_evidence_count: sc,
                    refuting_evidence_count: rc,
                    neutral_evidence_count: nc,
                    reasoning,
                    nli_result_ids: Vec::new(),
                    pipeline_version: pipeline,
                    retrieval_method: method,
                }
            },
        )
}

async fn nli_written(a: Tenant<'_>, claim: Uuid, evidence: Uuid) -> usize {
    a.nli_results_for_pair(claim, evidence).await.unwrap().len()
}

#[test]
fn nli_verification_and_verdicts_are_stored_exactly_or_refused_by_field() {
    let rt = runtime();
    let t = rt.block_on(TestDatabase::migrated()).unwrap();
    let a = t.db.tenant("a").unwrap();
    let (claim, evidence) = rt.block_on(async {
        (
            a.insert_claim("c", None).await.unwrap().id,
            a.insert_evidence("e", None, None).await.unwrap().id,
        )
    });

    check(&rt, 48, nli_case(claim, evidence), |r| async move {
        let before = nli_written(a, claim, evidence).await;
        let one = a.insert_nli_result(&r).await;
        let mut ok_row = r.clone();
        ok_row.confidence = 0.5;
        ok_row.entailment_score = 0.5;
        ok_row.contradiction_score = 0.0;
        ok_row.neutral_score = 0.5;
        ok_row.model_name = "m".into();
        ok_row.model_version = None;
        ok_row.premise_text = "p".into();
        ok_row.hypothesis_text = "h".into();
        let many = a.insert_nli_results(&[ok_row, r.clone()]).await;
        match nli_bad(&r) {
            Some(f) => {
                refused(one, f)?;
                refused(many, &named(Some(1), "results", f))?;
                prop_assert_eq!(nli_written(a, claim, evidence).await, before);
            }
            None => {
                let ids = [one.unwrap().id, many.unwrap()[1].id];
                let all = a.nli_results_for_pair(claim, evidence).await.unwrap();
                prop_assert_eq!(all.len(), before + 3);
                for got in all.iter().filter(|g| ids.contains(&g.id)) {
                    prop_assert_eq!(got.label.as_str(), r.label.as_str());
                    for (g, w) in [
                        (got.confidence, r.confidence),
                        (got.entailment_score, r.entailment_score),
                        (got.contradiction_score, r.contradiction_score),
                        (got.neutral_score, r.neutral_score),
                    ] {
                        prop_assert!(same_bits(g, w), "score {} read back as {}", w, g);
                    }
                    prop_assert_eq!(&got.model_name, &r.model_name);
                    prop_assert_eq!(&got.model_version, &r.model_version);
                    prop_assert_eq!(&got.premise_text, &r.premise_text);
                    prop_assert_eq!(&got.hypothesis_text, &r.hypothesis_text);
                }
            }
        }
        Ok(())
    });

    check(&rt, 48, verification_case(claim), |r| {
        let t = &t;
        async move {
            let before = count(t, "verification_results").await;
            let stored = a.insert_verification_result(&r).await;
            let bad = first_bad(&[
                ("confidence", probability(r.confidence)),
                ("support_score", probability(r.support_score)),
                ("refute_score", probability(r.refute_score)),
                ("neutral_score", probability(r.neutral_score)),
                ("evidence_count", r.evidence_count >= 0),
                (
                    "supporting_evidence_count",
                    r.supporting_evidence_count >= 0,
                ),
                ("refuting_evidence_count", r.refuting_evidence_count >= 0),
                ("neutral_evidence_count", r.neutral_evidence_count >= 0),
                ("reasoning", fits(r.reasoning.as_deref(), usize::MAX)),
                (
                    "pipeline_version",
                    fits(r.pipeline_version.as_deref(), VERSION_MAX_CHARS),
                ),
            ]);
            if let Some(f) = bad {
                refused(stored, f)?;
                prop_assert_eq!(count(t, "verification_results").await, before);
                return Ok(());
            }
            let id = stored.unwrap().id;
            let history = a.verification_history(claim).await.unwrap();
            let got = history.iter().find(|g| g.id == id).unwrap();
            prop_assert_eq!(got.verdict.as_str(), r.verdict.as_str());
            for (g, w) in [
                (got.confidence, r.confidence),
                (got.support_score, r.support_score),
                (got.refute_score, r.refute_score),
                (got.neutral_score, r.neutral_score),
            ] {
                prop_assert!(same_bits(g, w), "score {} read back as {}", w, g);
            }
            prop_assert_eq!(
                (
                    got.evidence_count,
                    got.supporting_evidence_count,
                    got.refuting_evidence_count,
                    got.neutral_evidence_count
                ),
                (
                    r.evidence_count,
                    r.supporting_evidence_count,
                    r.refuting_evidence_count,
                    r.neutral_evidence_count
                )
            );
            prop_assert_eq!(&got.reasoning, &r.reasoning);
            prop_assert_eq!(&got.pipeline_version, &r.pipeline_version);
            prop_assert_eq!(
                got.retrieval_method.as_deref(),
                r.retrieval_method.map(RetrievalMethod::as_str)
            );
            prop_assert_eq!(count(t, "verification_results").await, before + 1);
            Ok(())
        }
    });

    let verdict = (
        prop::option::of(prop::sample::select(VerdictLabel::ALL.to_vec())),
        prop::option::of(score()),
        optional_text(),
    );
    check(&rt, 48, verdict, |(label, confidence, reasoning)| {
        let t = &t;
        async move {
            // A claim of its own, so its latest verdict is this one.
            let claim = a.insert_claim("v", None).await.unwrap().id;
            let before = count(t, "verdicts").await;
            let stored = a
                .insert_verdict(claim, label, confidence, reasoning.as_deref())
                .await;
            let bad = first_bad(&[
                ("confidence", confidence.is_none_or(probability)),
                ("reasoning", fits(reasoning.as_deref(), usize::MAX)),
            ]);
            if let Some(f) = bad {
                refused(stored, f)?;
                prop_assert_eq!(count(t, "verdicts").await, before);
                return Ok(());
            }
            stored.unwrap();
            let (got, links) = a.latest_verdict(claim).await.unwrap().unwrap();
            prop_assert!(links.is_empty());
            prop_assert_eq!(got.verdict.as_deref(), label.map(VerdictLabel::as_str));
            prop_assert_eq!(
                got.confidence.map(f64::to_bits),
                confidence.map(f64::to_bits)
            );
            prop_assert_eq!(&got.reasoning, &reasoning);
            Ok(())
        }
    });
}
