//! What an ML service does with TruthGraph DB, end to end:
//! connect, migrate, store a claim and evidence with embeddings, search,
//! store NLI results and a verification result, read the latest verdict.
//!
//! `cargo run --example ml_service` (uses DATABASE_URL, or the embedded
//! server in .truthgraph/pgdata). Embeddings here are toy vectors; a real
//! service gets them from its model.

use truthgraph_db::pgvector::Vector;
use truthgraph_db::{
    Config, Database, EntityType, NewNliResult, NewVerificationResult, NliLabel, RetrievalMethod,
    SearchOptions, VerdictLabel,
};

/// A toy embedding: a unit vector pointing mostly along `axis`.
fn embed(dim: usize, axis: usize, wobble: f32) -> Vector {
    let mut v = vec![0.01_f32; dim];
    v[axis % dim] = 1.0;
    v[(axis + 1) % dim] = wobble;
    Vector::from(v)
}

#[tokio::main]
async fn main() -> truthgraph_db::Result<()> {
    let db = Database::open(&Config::from_env()?).await?;
    db.migrate(None).await?;
    let dim = db.embedding_dimension().await?;
    let tenant = db.tenant("example")?; // every call on `tenant` sees only its rows

    // 1. A claim and some evidence, each with its embedding.
    let claim = tenant
        .insert_claim("The Great Wall of China is visible from the Moon", None)
        .await?;
    tenant
        .upsert_embedding(
            EntityType::Claim,
            claim.id,
            &embed(dim, 7, 0.2),
            "toy",
            None,
        )
        .await?;
    let texts = [
        (
            "Astronauts report the Great Wall is not visible to the naked eye from the Moon.",
            0.25,
        ),
        ("The Great Wall is over 21,000 km long.", 0.9),
        ("Photosynthesis converts light into chemical energy.", 5.0),
    ];
    for (text, wobble) in texts {
        let ev = tenant
            .insert_evidence(text, Some("https://example.org"), Some("article"))
            .await?;
        tenant
            .upsert_embedding(
                EntityType::Evidence,
                ev.id,
                &embed(dim, 7, wobble),
                "toy",
                None,
            )
            .await?;
    }

    // 2. Similarity search: the evidence closest to the claim.
    let query = embed(dim, 7, 0.2);
    let hits = tenant
        .search_evidence(&query, &SearchOptions::top(2))
        .await?;
    for h in &hits {
        println!("evidence {:.3}  {}", h.similarity, h.content);
    }

    // 3. NLI results for each pair (from the service's NLI model), in one batch.
    let results: Vec<NewNliResult> = hits
        .iter()
        .map(|h| NewNliResult {
            claim_id: claim.id,
            evidence_id: h.id,
            label: if h.content.contains("not visible") {
                NliLabel::Contradiction
            } else {
                NliLabel::Neutral
            },
            confidence: 0.9,
            entailment_score: 0.02,
            contradiction_score: if h.content.contains("not visible") {
                0.9
            } else {
                0.08
            },
            neutral_score: if h.content.contains("not visible") {
                0.08
            } else {
                0.9
            },
            model_name: "roberta-large-mnli".into(),
            model_version: Some("1.0".into()),
            premise_text: h.content.clone(),
            hypothesis_text: claim.text.clone(),
        })
        .collect();
    let stored = tenant.insert_nli_results(&results).await?;

    // 4. The aggregated verdict.
    tenant
        .insert_verification_result(&NewVerificationResult {
            claim_id: claim.id,
            verdict: VerdictLabel::Refuted,
            confidence: 0.88,
            support_score: 0.02,
            refute_score: 0.88,
            neutral_score: 0.10,
            evidence_count: stored.len() as i32,
            supporting_evidence_count: 0,
            refuting_evidence_count: 1,
            neutral_evidence_count: stored.len() as i32 - 1,
            reasoning: Some("An astronaut report contradicts the claim.".into()),
            nli_result_ids: stored.iter().map(|r| r.id).collect(),
            pipeline_version: Some("2.0".into()),
            retrieval_method: Some(RetrievalMethod::Vector),
        })
        .await?;

    // 5. What a client asks for: the latest verdict.
    let latest = tenant
        .latest_verification_result(claim.id)
        .await?
        .expect("just stored");
    println!(
        "verdict {} ({:.2}) from {} NLI results: {}",
        latest.verdict,
        latest.confidence,
        latest.nli_result_ids.map_or(0, |ids| ids.len()),
        latest.reasoning.unwrap_or_default()
    );
    db.close().await;
    Ok(())
}
