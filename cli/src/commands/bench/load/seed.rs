//! The seed: tenants of unequal size with evidence, embeddings, claims, NLI
//! results, verification results and verdicts with linked evidence.

use std::collections::HashSet;

use anyhow::bail;
use futures_util::{StreamExt, TryStreamExt, stream};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use truthgraph_db::index_build::TierOptions;
use truthgraph_db::pgvector::Vector;
use truthgraph_db::{
    BulkLoadOptions, Database, EntityType, NewClaim, NewEmbedding, NewEvidence, NewNliResult,
    NewVerificationResult, NliLabel, Relationship, RetrievalMethod, VerdictLabel, catalog, raw_sql,
};
use uuid::Uuid;

use super::super::scenario::rebuild;
use super::super::{Progress, tenant_of};
use super::{Args, Counts, K, LINKS, TenantSeed};
use crate::dataset::Dataset;

/// Seeds every tenant; returns what the tasks use and the acknowledged rows
/// per tenant and table.
pub async fn seed(
    db: &Database,
    data: &Dataset,
    args: &Args,
) -> anyhow::Result<(Vec<TenantSeed>, Counts)> {
    let mut seeds: Vec<TenantSeed> = (1..=args.tenants.len())
        .map(|t| TenantSeed {
            name: format!("tenant-{t}"),
            claims: Vec::new(),
            evidence: Vec::new(),
        })
        .collect();
    let mut acked = Counts::new();
    let mut add = |tenant: &str, table: &'static str, n: usize| {
        *acked.entry((tenant.to_string(), table)).or_default() += n as i64;
    };
    // Without vector indexes while loading, rebuilt afterwards (from the
    // migrations' definitions), and the tenants' own indexes built once by
    // the tier maintenance (not by each chunk's load): an HNSW insert costs
    // far more than a COPY row.
    let defs: Vec<String> = catalog::embedding_indexes(&**db.client().await?)
        .await?
        .into_iter()
        .map(|ix| ix.definition)
        .collect();
    rebuild(db, &[]).await?;
    let mut p = Progress::new("seed evidence + embeddings", data.passages.len());
    let mut done = 0;
    for (t, seed) in seeds.iter_mut().enumerate() {
        let mine: Vec<usize> = (0..data.passages.len())
            .filter(|i| tenant_of(*i, &args.tenants) == t)
            .collect();
        let tenant = db.tenant(&seed.name)?;
        for chunk in mine.chunks(5000) {
            let rows: Vec<NewEvidence> = chunk
                .iter()
                .map(|i| NewEvidence {
                    content: data.texts[*i].clone(),
                    source_url: None,
                    source_type: Some("seed".into()),
                })
                .collect();
            let stored = tenant.insert_evidence_many(&rows).await?;
            let embeddings: Vec<NewEmbedding> = chunk
                .iter()
                .zip(&stored)
                .map(|(i, ev)| NewEmbedding {
                    entity_type: EntityType::Evidence,
                    entity_id: ev.id,
                    embedding: Vector::from(data.passages[*i].clone()),
                    model_name: "seed".into(),
                    model_version: None,
                })
                .collect();
            let defer = BulkLoadOptions::default().deferring_tiers();
            let n = tenant
                .bulk_load_embeddings_with(&embeddings, defer)
                .await?
                .rows;
            add(&seed.name, "evidence", stored.len());
            add(&seed.name, "embeddings", n as usize);
            seed.evidence
                .extend(stored.iter().map(|ev| ev.id).zip(chunk.iter().copied()));
            done += chunk.len();
            p.set(done);
        }
    }
    eprintln!("load: building the vector index");
    rebuild(db, &defs).await?;
    eprintln!("load: building the tenants' own indexes (tiers --apply)");
    let tiers = TierOptions {
        apply: true,
        ..TierOptions::default()
    };
    db.maintain_tiers(&tiers).await?;
    // Claims: the queries' texts, spread over the tenants by the same weights.
    for (t, seed) in seeds.iter_mut().enumerate() {
        let mine: Vec<usize> = (0..data.queries.len())
            .filter(|j| tenant_of(*j + 1_000_000, &args.tenants) == t)
            .collect();
        let rows: Vec<NewClaim> = mine
            .iter()
            .map(|j| NewClaim {
                text: data.query_texts[*j].clone(),
                source_url: None,
            })
            .collect();
        let stored = db.tenant(&seed.name)?.insert_claims(&rows).await?;
        add(&seed.name, "claims", stored.len());
        seed.claims
            .extend(stored.iter().map(|c| c.id).zip(mine.iter().copied()));
    }
    if let Some(s) = seeds
        .iter()
        .find(|s| s.claims.is_empty() || s.evidence.len() < K)
    {
        bail!(
            "{} got {} claims and {} evidence: seed more (--claims, --vectors) or fewer tenants",
            s.name,
            s.claims.len(),
            s.evidence.len()
        );
    }
    // Per claim: an NLI batch, a verification result aggregating it, and a
    // verdict with its evidence, 8 claims at a time.
    let jobs: Vec<(usize, Uuid, usize)> = seeds
        .iter()
        .enumerate()
        .flat_map(|(t, s)| s.claims.iter().map(move |(id, j)| (t, *id, *j)))
        .collect();
    let mut p = Progress::new("seed NLI, verification, verdicts", jobs.len());
    let seeds_ref = &seeds;
    let mut results = stream::iter(jobs.iter().copied())
        .map(|(t, claim, j)| async move {
            let seed = &seeds_ref[t];
            let tenant = db.tenant(&seed.name)?;
            let mut rng = ChaCha8Rng::seed_from_u64(claim.as_u128() as u64);
            let evidence: Vec<(Uuid, usize)> = (0..LINKS)
                .map(|_| seed.evidence[rng.random_range(0..seed.evidence.len())])
                .collect();
            let nli: Vec<NewNliResult> = evidence
                .iter()
                .map(|(id, i)| nli_row(&mut rng, data, claim, j, *id, *i))
                .collect();
            let nli = tenant.insert_nli_results(&nli).await?;
            let ver = verification_row(claim, nli.iter().map(|r| r.id).collect());
            tenant.insert_verification_result(&ver).await?;
            let verdict = tenant
                .insert_verdict(
                    claim,
                    Some(VerdictLabel::Insufficient),
                    Some(0.5),
                    Some("seeded by truthgraph-db bench load"),
                )
                .await?;
            let mut links = 0;
            let mut linked = HashSet::new();
            for ((id, _), rel) in evidence.iter().zip([
                Relationship::Supports,
                Relationship::Refutes,
                Relationship::Neutral,
            ]) {
                if linked.insert(*id) {
                    tenant
                        .link_verdict_evidence(verdict.id, *id, Some(rel), Some(0.5))
                        .await?;
                    links += 1;
                }
            }
            anyhow::Ok((t, nli.len(), links))
        })
        .buffer_unordered(8);
    let mut done = 0;
    while let Some((t, nli, links)) = results.try_next().await? {
        let name = &seeds[t].name;
        add(name, "nli_results", nli);
        add(name, "verification_results", 1);
        add(name, "verdicts", 1);
        add(name, "verdict_evidence", links);
        done += 1;
        p.set(done);
    }
    drop(results);
    db.client()
        .await?
        .batch_execute(raw_sql::ANALYZE_SEARCH_TABLES)
        .await?;
    Ok((seeds, acked))
}

/// A synthetic NLI prediction (random probabilities: this is load, not a model).
pub fn nli_row(
    rng: &mut ChaCha8Rng,
    data: &Dataset,
    claim: Uuid,
    query: usize,
    evidence: Uuid,
    passage: usize,
) -> NewNliResult {
    let (a, b): (f64, f64) = (rng.random(), rng.random());
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    let scores = [lo, hi - lo, 1.0 - hi];
    let (best, confidence) = scores
        .iter()
        .copied()
        .enumerate()
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .unwrap_or((2, 1.0));
    NewNliResult {
        claim_id: claim,
        evidence_id: evidence,
        label: [
            NliLabel::Entailment,
            NliLabel::Contradiction,
            NliLabel::Neutral,
        ][best],
        confidence,
        entailment_score: scores[0],
        contradiction_score: scores[1],
        neutral_score: scores[2],
        model_name: "load-synthetic".into(),
        model_version: None,
        premise_text: data.texts[passage].clone(),
        hypothesis_text: data.query_texts[query].clone(),
    }
}

/// A synthetic verification result of `claim` aggregating the NLI rows `nli`.
pub fn verification_row(claim: Uuid, nli: Vec<Uuid>) -> NewVerificationResult {
    let n = nli.len() as i32;
    NewVerificationResult {
        claim_id: claim,
        verdict: VerdictLabel::Insufficient,
        confidence: 0.5,
        support_score: 0.3,
        refute_score: 0.3,
        neutral_score: 0.4,
        evidence_count: n,
        supporting_evidence_count: 0,
        refuting_evidence_count: 0,
        neutral_evidence_count: n,
        reasoning: Some("synthetic, written by truthgraph-db bench load".into()),
        nli_result_ids: nli,
        pipeline_version: Some("load".into()),
        retrieval_method: Some(RetrievalMethod::Hybrid),
    }
}
