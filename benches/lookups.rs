//! Point reads through the library, on a database with a few thousand rows
//! of each table.
//!
//! `cargo bench --bench lookups`, group `lookups`:
//! - `get_claim`: one claim by id;
//! - `get_evidence_many_10`: ten pieces of evidence by id, in the ids' order;
//! - `latest_verification_result`: the newest of a claim's two verification
//!   results;
//! - `latest_verdict`: the newest of a claim's two Phase 1 verdicts with its
//!   three linked pieces of evidence.
//!
//! Data: tenant `bench` with 2,000 claims, 6,000 pieces of evidence, 4,000
//! verification results and 4,000 verdicts (8,000 evidence links), written
//! through the library; tenant `other` with the same again, so every read
//! filters by tenant. Ids cycle, so reads spread over the table.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::{StreamExt, stream};
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::{NewVerificationResult, Relationship, RetrievalMethod, Tenant, VerdictLabel};
use uuid::Uuid;

const CLAIMS: usize = 2000;
const EVIDENCE_PER_CLAIM: usize = 3;

/// Writes one claim with its evidence, results and verdicts; returns the
/// claim's id and its evidence ids.
async fn claim_with_history(tenant: &Tenant<'_>, i: usize) -> (Uuid, Vec<Uuid>) {
    let claim = tenant
        .insert_claim(&format!("Claim {i}: the measured value is {}", i * 7), None)
        .await
        .expect("claim");
    let mut evidence = Vec::new();
    for j in 0..EVIDENCE_PER_CLAIM {
        let ev = tenant
            .insert_evidence(
                &format!("Evidence {j} for claim {i}: a report gives {}", i * 7 + j),
                Some("https://example.org/report"),
                Some("report"),
            )
            .await
            .expect("evidence");
        evidence.push(ev.id);
    }
    for (n, verdict) in [VerdictLabel::Insufficient, VerdictLabel::Supported]
        .into_iter()
        .enumerate()
    {
        tenant
            .insert_verification_result(&NewVerificationResult {
                claim_id: claim.id,
                verdict,
                confidence: 0.5 + 0.2 * n as f64,
                support_score: 0.6,
                refute_score: 0.1,
                neutral_score: 0.3,
                evidence_count: EVIDENCE_PER_CLAIM as i32,
                supporting_evidence_count: 1,
                refuting_evidence_count: 0,
                neutral_evidence_count: 2,
                reasoning: Some(format!("run {n}")),
                nli_result_ids: Vec::new(),
                pipeline_version: Some("bench".into()),
                retrieval_method: Some(RetrievalMethod::Vector),
            })
            .await
            .expect("verification result");
        let v = tenant
            .insert_verdict(claim.id, Some(verdict), Some(0.7), Some("bench verdict"))
            .await
            .expect("verdict");
        // The older verdict links one piece of evidence, the newer all.
        for (k, ev) in evidence
            .iter()
            .enumerate()
            .take(if n == 0 { 1 } else { EVIDENCE_PER_CLAIM })
        {
            let rel = if k == 0 {
                Relationship::Supports
            } else {
                Relationship::Neutral
            };
            tenant
                .link_verdict_evidence(v.id, *ev, Some(rel), Some(0.9 - 0.1 * k as f64))
                .await
                .expect("link");
        }
    }
    (claim.id, evidence)
}

fn bench(c: &mut Criterion) {
    let rt = common::runtime();
    let t = rt
        .block_on(TestDatabase::migrated())
        .expect("test database");
    let (claims, evidence) = rt.block_on(async {
        let mut out = (Vec::new(), Vec::new());
        for name in ["other", "bench"] {
            let tenant = t.db.tenant(name).unwrap();
            let written: Vec<(Uuid, Vec<Uuid>)> = stream::iter(0..CLAIMS)
                .map(|i| claim_with_history(&tenant, i))
                .buffer_unordered(8)
                .collect()
                .await;
            out = written.into_iter().unzip();
        }
        common::analyze(&t).await;
        out
    });
    let evidence: Vec<Uuid> = evidence.into_iter().flatten().collect();
    let db = rt.block_on(common::reopen(&t));
    let bench = db.tenant("bench").unwrap();
    // Every read finds what it looks for.
    rt.block_on(async {
        assert!(bench.get_claim(claims[0]).await.unwrap().is_some());
        assert_eq!(
            bench
                .get_evidence_many(&evidence[..10])
                .await
                .unwrap()
                .len(),
            10
        );
        let r = bench.latest_verification_result(claims[0]).await.unwrap();
        assert_eq!(r.unwrap().verdict, "SUPPORTED");
        let (_, links) = bench.latest_verdict(claims[0]).await.unwrap().unwrap();
        assert_eq!(links.len(), EVIDENCE_PER_CLAIM);
    });
    let (db, claims, evidence) = (&db, &claims, &evidence);

    let mut group = c.benchmark_group("lookups");
    let mut i = 0usize;
    group.bench_function("get_claim", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let id = claims[i % claims.len()];
            async move { db.tenant("bench").unwrap().get_claim(id).await.unwrap() }
        })
    });
    group.bench_function("get_evidence_many_10", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let at = (i * 10) % (evidence.len() - 10);
            let ids = &evidence[at..at + 10];
            async move {
                db.tenant("bench")
                    .unwrap()
                    .get_evidence_many(ids)
                    .await
                    .unwrap()
            }
        })
    });
    group.bench_function("latest_verification_result", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let id = claims[i % claims.len()];
            async move {
                db.tenant("bench")
                    .unwrap()
                    .latest_verification_result(id)
                    .await
                    .unwrap()
            }
        })
    });
    group.bench_function("latest_verdict", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let id = claims[i % claims.len()];
            async move {
                db.tenant("bench")
                    .unwrap()
                    .latest_verdict(id)
                    .await
                    .unwrap()
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench
}
criterion_main!(benches);
