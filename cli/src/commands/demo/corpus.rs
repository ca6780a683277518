//! The demo's corpus in tenant `demo`: found complete and reused, loaded
//! into an empty tenant, or reported as something else.

use std::time::Instant;

use truthgraph_db::pgvector::Vector;
use truthgraph_db::queries::catalog;
use truthgraph_db::{
    BulkLoadOptions, Database, EntityType, NewClaim, NewEmbedding, NewEvidence, Tenant, raw_sql,
};

use super::report::{ms, step};
use super::{Args, LOCK_KEY, MODEL, Sample, TENANT};
use crate::dataset;

/// Why the corpus is not ready.
pub(super) enum CorpusError {
    /// Rows of another or an interrupted load are there (what was found).
    Incomplete(String),
    /// Anything else.
    Failed(anyhow::Error),
}
use CorpusError::{Failed, Incomplete};

impl From<anyhow::Error> for CorpusError {
    fn from(e: anyhow::Error) -> Self {
        Failed(e)
    }
}

impl From<truthgraph_db::Error> for CorpusError {
    fn from(e: truthgraph_db::Error) -> Self {
        Failed(e.into())
    }
}

impl From<tokio_postgres::Error> for CorpusError {
    fn from(e: tokio_postgres::Error) -> Self {
        Failed(e.into())
    }
}

/// Makes sure tenant `demo` holds exactly the demo corpus: reuses a complete
/// one, loads into an empty tenant, reports anything else as incomplete.
/// Holds a session advisory lock meanwhile, so concurrent demos load once.
pub(super) async fn ensure(
    db: &Database,
    args: &Args,
    claims: &[Sample],
) -> Result<(), CorpusError> {
    let lock = db.client().await?;
    catalog::advisory_lock()
        .bind(&lock, &LOCK_KEY)
        .one()
        .await?;
    let result = check_or_load(db, args, claims).await;
    catalog::advisory_unlock()
        .bind(&lock, &LOCK_KEY)
        .one()
        .await?;
    result
}

async fn check_or_load(db: &Database, args: &Args, claims: &[Sample]) -> Result<(), CorpusError> {
    let tenant = db.tenant(TENANT)?;
    let t = Instant::now();
    let (mut evidence, mut claimed, mut other) = (0i64, 0i64, 0i64);
    for s in tenant.embedding_stats().await? {
        match (s.entity_type.as_str(), s.model_name == MODEL) {
            ("evidence", true) => evidence += s.count,
            ("claim", true) => claimed += s.count,
            _ => other += s.count,
        }
    }
    if evidence == args.passages as i64 && claimed == claims.len() as i64 && other == 0 {
        step(
            "corpus",
            ms(t),
            &format!(
                "reused: tenant {TENANT} already holds the {evidence} passages and {claimed} \
                 claims with their embeddings"
            ),
        );
        return Ok(());
    }
    let has_rows = !tenant.recent_evidence(1, None).await?.is_empty()
        || !tenant.recent_claims(1, None).await?.is_empty();
    if evidence + claimed + other > 0 || has_rows {
        return Err(Incomplete(format!(
            "{evidence} evidence and {claimed} claim embeddings of {MODEL}, {other} others, \
             expected {} and {}",
            args.passages,
            claims.len()
        )));
    }
    load(&tenant, args, claims).await
}

/// Loads the corpus and the claims through the batch paths.
async fn load(tenant: &Tenant<'_>, args: &Args, claims: &[Sample]) -> Result<(), CorpusError> {
    let t = Instant::now();
    let rows = dataset::read_rows(&args.data, "passages", args.passages)?;
    let read_ms = ms(t);

    let t = Instant::now();
    let new_evidence: Vec<NewEvidence> = rows
        .texts
        .iter()
        .zip(&rows.sources)
        .map(|(text, source)| NewEvidence {
            content: text.clone(),
            source_url: Some(source.clone()),
            source_type: source.split(':').next().map(str::to_string),
        })
        .collect();
    let evidence = tenant.insert_evidence_many(&new_evidence).await?;
    let evidence_ms = ms(t);

    let t = Instant::now();
    let new_claims: Vec<NewClaim> = claims
        .iter()
        .map(|c| NewClaim {
            text: c.text.clone(),
            source_url: None,
        })
        .collect();
    let stored_claims = tenant.insert_claims(&new_claims).await?;
    let claims_ms = ms(t);

    let t = Instant::now();
    let embedding = |entity_type, entity_id, v: &Vec<f32>| NewEmbedding {
        entity_type,
        entity_id,
        embedding: Vector::from(v.clone()),
        model_name: MODEL.to_string(),
        model_version: None,
    };
    let embeddings: Vec<NewEmbedding> = evidence
        .iter()
        .zip(&rows.vectors)
        .map(|(e, v)| embedding(EntityType::Evidence, e.id, v))
        .chain(
            stored_claims
                .iter()
                .zip(claims)
                .map(|(c, s)| embedding(EntityType::Claim, c.id, &s.vector)),
        )
        .collect();
    let loaded = tenant
        .bulk_load_embeddings_with(&embeddings, BulkLoadOptions::default().rebuilding_indexes())
        .await?
        .rows;
    tenant
        .database()
        .client()
        .await?
        .batch_execute(raw_sql::ANALYZE_SEARCH_TABLES)
        .await?;
    let embeddings_ms = ms(t);
    step(
        "load",
        read_ms + evidence_ms + claims_ms + embeddings_ms,
        &format!(
            "{} evidence, {} claims, {loaded} embeddings: read {read_ms:.0} ms, \
             insert_evidence_many {evidence_ms:.0} ms, insert_claims {claims_ms:.0} ms, \
             bulk_load_embeddings (COPY, index rebuilt, ANALYZE) {embeddings_ms:.0} ms",
            evidence.len(),
            stored_claims.len()
        ),
    );
    Ok(())
}
