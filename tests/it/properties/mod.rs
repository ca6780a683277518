//! Property tests over validation and the write paths, against the real
//! server: arbitrary vectors (subnormal and huge magnitudes, NaN, ±∞, zero),
//! scores (NaN, negative, above 1, subnormal, -0), labels, tenants (empty,
//! blank, 255/256 bytes, multi-byte, NUL) and texts (NUL, blank, around each
//! column's width, around the content limit). Every generated input is
//! either stored and read back exactly, or refused with
//! [`Error::InvalidInput`] naming the first bad field, and then nothing is
//! written (rows counted).
//!
//! What "acceptable" means is restated here from the documented rules
//! (`truthgraph_db::validate`), not taken from the library; vectors are also
//! checked by what the rules are for: every accepted vector, as a query,
//! gives finite similarities equal to the f64 cosine. One database per
//! property, a modest number of cases each, so the suite stays fast; a
//! failure prints the shrunk input.

use std::future::Future;

use pgvector::Vector;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use truthgraph_db::validate::{
    MAX_CONTENT_BYTES, MAX_VECTOR_NORM, MIN_VECTOR_NORM, MODEL_NAME_MAX_CHARS, VERSION_MAX_CHARS,
};
use truthgraph_db::{
    EntityType, Error, NewClaim, NewEmbedding, NewEvidence, NewNliResult, NewVerificationResult,
    NliLabel, RetrievalMethod, SearchOptions, Tenant, VerdictLabel,
};
use uuid::Uuid;

use crate::support::TestDatabase;

type Check = Result<(), TestCaseError>;

/// Dimensions of the vector property: small, so cases stay cheap.
const DIM: usize = 8;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `property` for `cases` inputs from `strategy` on `rt`; panics with
/// the shrunk input on failure.
fn check<S: Strategy, F: Future<Output = Check>>(
    rt: &tokio::runtime::Runtime,
    cases: u32,
    strategy: S,
    property: impl Fn(S::Value) -> F,
) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    });
    if let Err(e) = runner.run(&strategy, |input| rt.block_on(property(input))) {
        panic!("{e}");
    }
}

async fn count(db: &TestDatabase, table: &str) -> i64 {
    db.db
        .client()
        .await
        .unwrap()
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

/// `Ok` when `result` is the refusal of `field` by validation.
fn refused<T>(result: truthgraph_db::Result<T>, field: &str) -> Check {
    match result {
        Err(Error::InvalidInput {
            field: f,
            constraint: None,
            ..
        }) if f == field => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!(
            "expected InvalidInput on {field}, got {e:?}"
        ))),
        Ok(_) => Err(TestCaseError::fail(format!(
            "expected InvalidInput on {field}, got Ok"
        ))),
    }
}

/// The first field whose check failed, of `(field, ok)` in validation order.
fn first_bad<'a>(checks: &[(&'a str, bool)]) -> Option<&'a str> {
    checks.iter().find(|(_, ok)| !ok).map(|(f, _)| *f)
}

/// `field`, or `prefix[i].field`.
fn named(index: Option<usize>, prefix: &str, field: &str) -> String {
    match index {
        Some(i) => format!("{prefix}[{i}].{field}"),
        None => field.to_string(),
    }
}

// The documented rules, restated.

fn storable(s: &str) -> bool {
    !s.contains('\0')
}
fn said(s: &str) -> bool {
    !s.trim().is_empty() && storable(s)
}
fn fits(s: Option<&str>, max: usize) -> bool {
    s.is_none_or(|s| storable(s) && s.chars().count() <= max)
}
fn probability(x: f64) -> bool {
    x.is_finite() && (0.0..=1.0).contains(&x)
}
fn vector_ok(v: &[f32]) -> bool {
    let squared: f64 = v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum();
    v.iter().all(|x| x.is_finite())
        && (MIN_VECTOR_NORM.powi(2)..=MAX_VECTOR_NORM.powi(2)).contains(&squared)
}

// Strategies.

/// One vector component: ordinary, zero (both signs), subnormal, or any f32
/// at all (NaN, ±∞ and the extremes included).
fn component() -> impl Strategy<Value = f32> {
    prop_oneof![
        6 => -1.0f32..1.0,
        1 => Just(0.0f32),
        1 => Just(-0.0f32),
        1 => prop::num::f32::SUBNORMAL,
        1 => any::<f32>(),
        1 => prop::sample::select(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX, f32::MIN_POSITIVE]),
    ]
}

/// A vector, often scaled by 2^e across both float4 cliffs (the scale is
/// applied in f64 and rounded once, so it underflows gradually).
fn vector() -> impl Strategy<Value = Vec<f32>> {
    (
        prop::collection::vec(component(), DIM),
        prop_oneof![3 => Just(0i32), 3 => -170i32..=140, 1 => prop::sample::select(vec![-76, -75, -51, -50, -49, 49, 50, 51, 63, 64])],
    )
        .prop_map(|(v, e)| {
            v.into_iter()
                .map(|x| (f64::from(x) * 2f64.powi(e)) as f32)
                .collect()
        })
}

/// A text: arbitrary Unicode, blank, NUL-laden, or a run of one character
/// around a column's width.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => "[a-zA-Z0-9 'é✓😀-]{1,12}",
        1 => "[ \t\n]{0,3}",
        1 => "[a-z\\x00]{1,6}",
        2 => (
            prop::sample::select(vec!['a', 'é', '✓', '😀', ' ', '\0']),
            prop::sample::select(vec![49usize, 50, 51, 99, 100, 101]),
        )
            .prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
    ]
}

fn optional_text() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(0.7, text())
}

/// A probability as callers might send it, right or wrong.
fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0f64..=1.0,
        2 => prop::sample::select(vec![
            0.0, -0.0, 1.0, 1.0f64.next_up(), 5e-324, f64::MIN_POSITIVE, -f64::MIN_POSITIVE,
            f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 2.0, 1e300,
        ]),
        1 => any::<f64>(),
    ]
}

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

/// Evidence rows to hang embeddings on, and the anchors every accepted query
/// is compared with: the smallest and largest accepted norms, spread and in
/// one component, and ordinary vectors.
async fn vector_fixture(t: &TestDatabase) -> (Vec<Uuid>, Vec<(Uuid, Vec<f32>)>) {
    let db = &t.db;
    db.set_dimension(DIM).await.unwrap();
    let a = db.tenant("a").unwrap();
    let mut slots = Vec::new();
    for i in 0..4 {
        slots.push(
            a.insert_evidence(&format!("slot {i}"), None, None)
                .await
                .unwrap()
                .id,
        );
    }
    let (lo, hi) = (MIN_VECTOR_NORM as f32, MAX_VECTOR_NORM as f32);
    let mut anchors = vec![
        vec![lo, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        vec![0.0, -hi, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        vec![lo / 2.0, lo / 2.0, -lo / 2.0, lo / 2.0, 0.0, 0.0, 0.0, 0.0],
        vec![hi / 2.0, 0.0, hi / 2.0, 0.0, -hi / 2.0, 0.0, hi / 2.0, 0.0],
        vec![0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8],
    ];
    anchors.push(vec![1.0; DIM]);
    let mut stored = Vec::new();
    for (i, v) in anchors.into_iter().enumerate() {
        assert!(vector_ok(&v));
        let e = a
            .insert_evidence(&format!("anchor {i}"), None, None)
            .await
            .unwrap();
        a.upsert_embedding(
            EntityType::Evidence,
            e.id,
            &Vector::from(v.clone()),
            "m",
            None,
        )
        .await
        .unwrap();
        stored.push((e.id, v));
    }
    (slots, stored)
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum();
    dot / (na * nb).sqrt()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn vectors_are_stored_exactly_and_search_finitely_or_are_refused() {
    let rt = runtime();
    let t = rt.block_on(TestDatabase::migrated()).unwrap();
    let (slots, anchors) = rt.block_on(vector_fixture(&t));
    let a = t.db.tenant("a").unwrap();
    let strategy = prop::collection::vec(vector(), 1..=slots.len());
    check(&rt, 64, strategy, |vectors| {
        let (a, t, slots, anchors) = (a, &t, &slots, &anchors);
        async move {
            for id in slots {
                a.delete_embedding(EntityType::Evidence, *id).await.unwrap();
            }
            let before = count(t, "embeddings").await;
            let rows: Vec<NewEmbedding> = vectors
                .iter()
                .zip(slots)
                .map(|(v, id)| NewEmbedding {
                    entity_type: EntityType::Evidence,
                    entity_id: *id,
                    embedding: Vector::from(v.clone()),
                    model_name: "m".into(),
                    model_version: Some("1".into()),
                })
                .collect();
            // Bulk: all stored bit for bit, or refused at the first bad row.
            let loaded = a.bulk_load_embeddings(&rows).await;
            match vectors.iter().position(|v| !vector_ok(v)) {
                Some(i) => {
                    refused(loaded, &format!("rows[{i}].embedding"))?;
                    prop_assert_eq!(count(t, "embeddings").await, before);
                }
                None => {
                    prop_assert_eq!(loaded.unwrap(), rows.len() as u64);
                    for r in &rows {
                        let got = a
                            .get_embedding(r.entity_type, r.entity_id)
                            .await
                            .unwrap()
                            .unwrap();
                        prop_assert_eq!(
                            bits(got.embedding.as_slice()),
                            bits(r.embedding.as_slice())
                        );
                    }
                }
            }
            // One by one: the same verdict on each vector.
            for (v, id) in vectors.iter().zip(slots) {
                let vector = Vector::from(v.clone());
                let upserted = a
                    .upsert_embedding(EntityType::Evidence, *id, &vector, "m", None)
                    .await;
                let stored = a.get_embedding(EntityType::Evidence, *id).await.unwrap();
                if vector_ok(v) {
                    prop_assert_eq!(bits(upserted.unwrap().embedding.as_slice()), bits(v));
                    prop_assert_eq!(bits(stored.unwrap().embedding.as_slice()), bits(v));
                } else {
                    refused(upserted, "embedding")?;
                    prop_assert!(stored.is_none(), "a refused vector left a row");
                }
            }
            // As a query: refused, or every similarity finite and the f64 cosine.
            for v in &vectors {
                let hits = a
                    .search_evidence(
                        &Vector::from(v.clone()),
                        &SearchOptions {
                            exact: true,
                            ..SearchOptions::top(20)
                        },
                    )
                    .await;
                if !vector_ok(v) {
                    refused(hits, "query")?;
                    continue;
                }
                let hits = hits.unwrap();
                let mine = vectors.iter().zip(slots).filter(|(v, _)| vector_ok(v));
                prop_assert_eq!(hits.len(), anchors.len() + mine.clone().count());
                for h in hits {
                    let other = anchors
                        .iter()
                        .map(|(id, v)| (id, v))
                        .chain(mine.clone().map(|(v, id)| (id, v)))
                        .find(|(id, _)| **id == h.id)
                        .unwrap()
                        .1;
                    let want = cosine(v, other);
                    prop_assert!(
                        h.similarity.is_finite() && (h.similarity - want).abs() < 1e-5,
                        "similarity {} where the f64 cosine is {}",
                        h.similarity,
                        want
                    );
                }
            }
            Ok(())
        }
    });
}

fn tenant_id() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => "[ \t\n\u{3000}]{1,3}",
        2 => "[a-zA-Z0-9_.-]{1,12}",
        2 => any::<String>(),
        1 => "[a-z\\x00]{1,4}",
        3 => (
            prop::sample::select(vec!['a', 'é', '✓', '😀']),
            prop::sample::select(vec![251usize, 252, 253, 254, 255, 256, 257]),
            " ?",
        )
            .prop_map(|(c, bytes, pad)| {
                let mut s = pad;
                while s.len() + c.len_utf8() <= bytes {
                    s.push(c);
                }
                while s.len() < bytes {
                    s.push('a');
                }
                s
            }),
    ]
}

#[test]
fn tenants_are_kept_exactly_and_apart_or_refused() {
    let rt = runtime();
    let t = rt.block_on(TestDatabase::migrated()).unwrap();
    check(&rt, 64, tenant_id(), |id| {
        let t = &t;
        async move {
            let before = count(t, "claims").await;
            let ok = said(&id) && id.len() <= 255;
            let tenant = t.db.tenant(&id);
            if !ok {
                refused(tenant, "tenant_id")?;
                prop_assert_eq!(count(t, "claims").await, before);
                return Ok(());
            }
            let tenant = tenant.unwrap();
            let claim = tenant.insert_claim("c", None).await.unwrap();
            prop_assert_eq!(&claim.tenant_id, &id);
            let got = tenant.get_claim(claim.id).await.unwrap().unwrap();
            prop_assert_eq!(&got.tenant_id, &id);
            let recent = tenant.recent_claims(1000, None).await.unwrap();
            prop_assert!(recent.iter().any(|c| c.id == claim.id));
            prop_assert!(recent.iter().all(|c| c.tenant_id == id));
            // The same id with a byte less or more is another tenant.
            let other = format!("{id}x");
            if other.len() <= 255 {
                let other = t.db.tenant(&other).unwrap();
                prop_assert!(other.get_claim(claim.id).await.unwrap().is_none());
            }
            Ok(())
        }
    });
}

#[derive(Debug, Clone)]
struct ClaimCase {
    text: String,
    source_url: Option<String>,
}

#[derive(Debug, Clone)]
struct EvidenceCase {
    content: String,
    source_url: Option<String>,
    source_type: Option<String>,
}

/// Evidence content: mostly a text, sometimes a run of `a` around
/// [`MAX_CONTENT_BYTES`].
fn content() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => text(),
        1 => (MAX_CONTENT_BYTES - 1..=MAX_CONTENT_BYTES + 1).prop_map(|n| {
            let mut s = "word ".repeat(n / 5);
            while s.len() < n {
                s.push('a');
            }
            s
        }),
    ]
}

#[test]
fn claims_and_evidence_are_stored_exactly_or_refused_by_field() {
    let rt = runtime();
    let t = rt.block_on(TestDatabase::migrated()).unwrap();
    let a = t.db.tenant("a").unwrap();
    let claim =
        (text(), optional_text()).prop_map(|(text, source_url)| ClaimCase { text, source_url });
    check(&rt, 48, claim, |c| {
        let t = &t;
        async move {
            let bad = first_bad(&[
                ("text", said(&c.text)),
                ("source_url", fits(c.source_url.as_deref(), usize::MAX)),
            ]);
            let before = count(t, "claims").await;
            let one = a.insert_claim(&c.text, c.source_url.as_deref()).await;
            let row = NewClaim {
                text: c.text.clone(),
                source_url: c.source_url.clone(),
            };
            let ok_row = NewClaim {
                text: "ok".into(),
                source_url: None,
            };
            let many = a.insert_claims(&[ok_row, row]).await;
            match bad {
                Some(f) => {
                    refused(one, f)?;
                    refused(many, &named(Some(1), "rows", f))?;
                    prop_assert_eq!(count(t, "claims").await, before);
                }
                None => {
                    let stored = [one.unwrap().id, many.unwrap()[1].id];
                    for got in a.get_claims(&stored).await.unwrap() {
                        prop_assert_eq!(&got.text, &c.text);
                        prop_assert_eq!(&got.source_url, &c.source_url);
                    }
                    prop_assert_eq!(count(t, "claims").await, before + 3);
                }
            }
            Ok(())
        }
    });

    let evidence = (content(), optional_text(), optional_text()).prop_map(
        |(content, source_url, source_type)| EvidenceCase {
            content,
            source_url,
            source_type,
        },
    );
    check(&rt, 48, evidence, |e| {
        let t = &t;
        async move {
            let bad = first_bad(&[
                (
                    "content",
                    said(&e.content) && e.content.len() <= MAX_CONTENT_BYTES,
                ),
                ("source_url", fits(e.source_url.as_deref(), usize::MAX)),
                ("source_type", fits(e.source_type.as_deref(), 50)),
            ]);
            let before = count(t, "evidence").await;
            let one = a
                .insert_evidence(
                    &e.content,
                    e.source_url.as_deref(),
                    e.source_type.as_deref(),
                )
                .await;
            let row = NewEvidence {
                content: e.content.clone(),
                source_url: e.source_url.clone(),
                source_type: e.source_type.clone(),
            };
            let ok_row = NewEvidence {
                content: "ok".into(),
                ..Default::default()
            };
            let many = a.insert_evidence_many(&[ok_row, row]).await;
            match bad {
                Some(f) => {
                    refused(one, f)?;
                    refused(many, &named(Some(1), "rows", f))?;
                    prop_assert_eq!(count(t, "evidence").await, before);
                }
                None => {
                    let stored = [one.unwrap().id, many.unwrap()[1].id];
                    for got in a.get_evidence_many(&stored).await.unwrap() {
                        prop_assert_eq!(&got.content, &e.content);
                        prop_assert_eq!(&got.source_url, &e.source_url);
                        prop_assert_eq!(&got.source_type, &e.source_type);
                    }
                    prop_assert_eq!(count(t, "evidence").await, before + 3);
                }
            }
            Ok(())
        }
    });
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
