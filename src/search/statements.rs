//! The statements of each search, on a connection or in a transaction:
//! the typed ones of `queries/search.sql`, or, for a quantized tier
//! ([`Route::Quantized`](crate::tiers::Route::Quantized)), those built for
//! the column's dimension in `src/raw_sql/quantized.rs` (prepared once per
//! connection, as the typed statements are), whose rows are read into the
//! same hit types.

use tokio_postgres::types::ToSql;
use truthgraph_queries::client::{GenericClient, Params};
use truthgraph_queries::queries::search::{self, HybridSearchEvidenceParams, SearchEvidenceParams};
use truthgraph_vector_ref::VectorRef;

use super::{ClaimHit, EvidenceHit, HybridHit};
use crate::error::Result;
use crate::raw_sql;

/// Top-k evidence; `quantized`: the dimension of a quantized tier's index.
pub(super) async fn evidence<C: GenericClient>(
    c: &C,
    quantized: Option<usize>,
    p: &SearchEvidenceParams<'_, &str, &str>,
) -> Result<Vec<EvidenceHit>> {
    let Some(dimension) = quantized else {
        return Ok(search::search_evidence().params(c, p).all().await?);
    };
    let stmt = c
        .prepare(&raw_sql::search_evidence_quantized(dimension))
        .await?;
    let params: [&(dyn ToSql + Sync); 5] = [
        &p.query,
        &p.tenant_id,
        &p.source_type,
        &p.min_similarity,
        &p.k,
    ];
    let rows = c.query(&stmt, &params).await?;
    let hit = |r: &tokio_postgres::Row| -> std::result::Result<EvidenceHit, tokio_postgres::Error> {
        Ok(EvidenceHit {
            id: r.try_get(0)?,
            similarity: r.try_get(1)?,
            content: r.try_get(2)?,
            source_url: r.try_get(3)?,
            source_type: r.try_get(4)?,
        })
    };
    Ok(rows
        .iter()
        .map(hit)
        .collect::<std::result::Result<_, _>>()?)
}

/// Top-k claims, as [`evidence`].
pub(super) async fn claims<C: GenericClient>(
    c: &C,
    quantized: Option<usize>,
    (query, tenant, k, min): (&VectorRef<'_>, &str, i64, Option<f64>),
) -> Result<Vec<ClaimHit>> {
    let Some(dimension) = quantized else {
        return Ok(search::search_claims()
            .bind(c, query, &tenant, &k, &min)
            .all()
            .await?);
    };
    let stmt = c
        .prepare(&raw_sql::search_claims_quantized(dimension))
        .await?;
    let params: [&(dyn ToSql + Sync); 4] = [query, &tenant, &min, &k];
    let rows = c.query(&stmt, &params).await?;
    let hit = |r: &tokio_postgres::Row| -> std::result::Result<ClaimHit, tokio_postgres::Error> {
        Ok(ClaimHit {
            id: r.try_get(0)?,
            similarity: r.try_get(1)?,
            text: r.try_get(2)?,
            source_url: r.try_get(3)?,
        })
    };
    Ok(rows
        .iter()
        .map(hit)
        .collect::<std::result::Result<_, _>>()?)
}

/// Hybrid search, as [`evidence`]: a quantized tier's vector side takes
/// its candidates through its quantized index.
pub(super) async fn hybrid<C: GenericClient>(
    c: &C,
    quantized: Option<usize>,
    p: &HybridSearchEvidenceParams<'_, &str, &str>,
) -> Result<Vec<HybridHit>> {
    let Some(dimension) = quantized else {
        return Ok(search::hybrid_search_evidence().params(c, p).all().await?);
    };
    let stmt = c
        .prepare(&raw_sql::hybrid_search_evidence_quantized(dimension))
        .await?;
    let params: [&(dyn ToSql + Sync); 7] = [
        &p.query,
        &p.tenant_id,
        &p.candidates,
        &p.text,
        &p.vector_weight,
        &p.keyword_weight,
        &p.k,
    ];
    let rows = c.query(&stmt, &params).await?;
    let hit = |r: &tokio_postgres::Row| -> std::result::Result<HybridHit, tokio_postgres::Error> {
        Ok(HybridHit {
            id: r.try_get("id")?,
            score: r.try_get("score")?,
            vector_rank: r.try_get("vector_rank")?,
            keyword_rank: r.try_get("keyword_rank")?,
            content: r.try_get("content")?,
            source_url: r.try_get("source_url")?,
            source_type: r.try_get("source_type")?,
        })
    };
    Ok(rows
        .iter()
        .map(hit)
        .collect::<std::result::Result<_, _>>()?)
}
