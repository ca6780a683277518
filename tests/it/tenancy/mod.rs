//! Tenant isolation enforced by PostgreSQL (migration V7): row-level security
//! for the application role, the tenant setting on pooled connections, and
//! embeddings that must belong to an entity of their tenant.

mod checkout;
mod ownership;
mod rls;
mod search;

use truthgraph_db::testing::{APP_LOGIN, TestDatabase};
use truthgraph_db::{
    BulkLoadOptions, Config, Database, EntityType, Error, HybridOptions, NewEmbedding,
    NewNliResult, NewVerificationResult, NliLabel, SearchOptions, VerdictLabel,
};
use uuid::Uuid;

use crate::support::{
    Retries, assert_entity_refused, explain, field, library_backends, poll_until_lock_wait,
    random_unit, terminate_while_blocked,
};

const DIM: usize = 1536;

/// Tables V7 protects, each with the count a raw `SELECT` should see.
const TABLES: [&str; 7] = [
    "claims",
    "evidence",
    "embeddings",
    "nli_results",
    "verification_results",
    "verdicts",
    "verdict_evidence",
];

fn small_pool() -> Config {
    Config {
        pool_max_size: 1,
        ..Config::default()
    }
}

/// One row in every protected table for `tenant`, written through the
/// library as the owner. Returns (claim, evidence).
async fn seed(db: &Database, tenant: &str, seed: u64) -> (Uuid, Uuid) {
    let t = db.tenant(tenant).unwrap();
    let claim = t
        .insert_claim(&format!("{tenant} claim"), None)
        .await
        .unwrap();
    let ev = t
        .insert_evidence(&format!("{tenant} evidence"), None, Some("web"))
        .await
        .unwrap();
    t.upsert_embedding(
        EntityType::Evidence,
        ev.id,
        &random_unit(seed, DIM),
        "m",
        None,
    )
    .await
    .unwrap();
    let nli = t.insert_nli_result(&nli(claim.id, ev.id)).await.unwrap();
    t.insert_verification_result(&verification(claim.id, vec![nli.id]))
        .await
        .unwrap();
    let verdict = t
        .insert_verdict(claim.id, Some(VerdictLabel::Supported), Some(0.8), None)
        .await
        .unwrap();
    t.link_verdict_evidence(verdict.id, ev.id, None, Some(0.8))
        .await
        .unwrap();
    (claim.id, ev.id)
}

fn nli(claim_id: Uuid, evidence_id: Uuid) -> NewNliResult {
    NewNliResult {
        claim_id,
        evidence_id,
        label: NliLabel::Entailment,
        confidence: 0.8,
        entailment_score: 0.8,
        contradiction_score: 0.1,
        neutral_score: 0.1,
        model_name: "m".into(),
        model_version: None,
        premise_text: "premise".into(),
        hypothesis_text: "hypothesis".into(),
    }
}

fn verification(claim_id: Uuid, nli_result_ids: Vec<Uuid>) -> NewVerificationResult {
    NewVerificationResult {
        claim_id,
        verdict: VerdictLabel::Supported,
        confidence: 0.8,
        support_score: 0.8,
        refute_score: 0.1,
        neutral_score: 0.1,
        evidence_count: 1,
        supporting_evidence_count: 1,
        refuting_evidence_count: 0,
        neutral_evidence_count: 0,
        reasoning: None,
        nli_result_ids,
        pipeline_version: None,
        retrieval_method: None,
    }
}

async fn counts(c: &impl tokio_postgres::GenericClient) -> Vec<i64> {
    let mut out = Vec::new();
    for t in TABLES {
        let row = c
            .query_one(&format!("SELECT count(*) FROM {t}"), &[])
            .await
            .unwrap();
        out.push(row.get(0));
    }
    out
}
