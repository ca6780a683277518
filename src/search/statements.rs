//! The statements of each search, on a connection or in a transaction:
//! the typed ones of `queries/search.sql`, or, for a tier's own index
//! ([`Scan`]), the same statement with its scan of `embeddings` changed
//! ([`raw_sql::tier_search`]: the tenant as a literal, a quantized tier's
//! Hamming scan; prepared once per connection, as the typed statements
//! are), with the same parameters, whose rows are read into the same hit
//! types.

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use truthgraph_queries::client::{GenericClient, Params};
use truthgraph_queries::queries::search::{self, HybridSearchEvidenceParams, SearchEvidenceParams};
use truthgraph_queries::sql::search::{HYBRID_SEARCH_EVIDENCE, SEARCH_CLAIMS, SEARCH_EVIDENCE};
use truthgraph_vector_ref::VectorRef;

use super::{ClaimHit, EvidenceHit, HybridHit};
use crate::error::Result;
use crate::raw_sql;

type RowResult<T> = std::result::Result<T, tokio_postgres::Error>;

/// Prepared statements one pooled connection keeps in its cache before the
/// cache is emptied. Each tier's statements are prepared on every
/// connection that runs them (about 100 KB each on the server with their
/// plans, see [`crate::tiers::LITERAL_TIERS`]), and tenants come and go
/// from the largest tiers: without a bound, a connection would keep the
/// statements of every tenant that was ever among them. Emptied, its
/// statements are closed on the server and prepared again on next use.
/// Steady state: one or two for each of the 64 largest tiers (evidence:
/// search and hybrid; claims: search), plus about 60 others.
pub const MAX_CACHED_STATEMENTS: usize = 1_000;

/// `client`, its statement cache emptied first when it holds more than
/// [`MAX_CACHED_STATEMENTS`] (for a search about to prepare a tier's
/// statement).
pub(super) fn bounded(client: &crate::db::Client) -> &crate::db::Client {
    if client.statement_cache.size() > MAX_CACHED_STATEMENTS {
        tracing::debug!(
            statements = client.statement_cache.size(),
            "emptying the connection's statement cache"
        );
        client.statement_cache.clear();
    }
    client
}

/// How a search's statement reads `embeddings` (the default: as typed).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Scan<'t> {
    /// The tenant, written into the statement as a literal
    /// ([`crate::tiers::Route::tenant_literal`]).
    pub(super) tenant_literal: Option<&'t str>,
    /// A quantized tier's Hamming scan.
    pub(super) quantized: Option<raw_sql::Hamming>,
}

impl Scan<'_> {
    /// The statement for `typed`, unless it is `typed` itself.
    pub(super) fn statement(self, typed: &str) -> Option<String> {
        (self.tenant_literal.is_some() || self.quantized.is_some())
            .then(|| raw_sql::tier_search(typed, self.tenant_literal, self.quantized))
    }
}

/// Runs `sql`, the typed statement changed for a tier, with the typed
/// statement's `params`, each row read by `hit`.
async fn changed<C: GenericClient, T>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    hit: fn(&Row) -> RowResult<T>,
) -> Result<Vec<T>> {
    let stmt = c.prepare(sql).await?;
    let rows = c.query(&stmt, params).await?;
    Ok(rows.iter().map(hit).collect::<RowResult<_>>()?)
}

/// Top-k evidence, the scan as `scan` says.
pub(super) async fn evidence<C: GenericClient>(
    c: &C,
    scan: Scan<'_>,
    p: &SearchEvidenceParams<'_, &str, &str>,
) -> Result<Vec<EvidenceHit>> {
    let Some(sql) = scan.statement(SEARCH_EVIDENCE) else {
        return Ok(search::search_evidence().params(c, p).all().await?);
    };
    let params: [&(dyn ToSql + Sync); 5] = [
        &p.query,
        &p.tenant_id,
        &p.source_type,
        &p.k,
        &p.min_similarity,
    ];
    changed(c, &sql, &params, |r| {
        Ok(EvidenceHit {
            id: r.try_get(0)?,
            similarity: r.try_get(1)?,
            content: r.try_get(2)?,
            source_url: r.try_get(3)?,
            source_type: r.try_get(4)?,
        })
    })
    .await
}

/// A tier's search that came back with fewer than `k` rows although
/// nothing but the tenant filtered it (no source type, no minimum
/// similarity): its index walk found rows the entity check rejected
/// (orphans, written with the foreign keys bypassed) in place of the
/// tenant's own, beyond what one pass or a quantized tier's candidates
/// hold. `hits` is then the exact search's answer, with a warning; else
/// `hits` as they are.
async fn complete<T, F>(
    hits: Vec<T>,
    k: i64,
    unfiltered: bool,
    tenant: &str,
    exact: impl FnOnce() -> F,
) -> Result<Vec<T>>
where
    F: std::future::Future<Output = Result<Vec<T>>>,
{
    if !unfiltered || hits.len() as i64 >= k {
        return Ok(hits);
    }
    let exact = exact().await?;
    if exact.len() > hits.len() {
        tracing::warn!(
            tenant,
            k,
            index_rows = hits.len(),
            exact_rows = exact.len(),
            "a tier search came back short and was answered by exact search: embeddings \
             without their entity (see `truthgraph-db doctor`, `prune-embeddings`)"
        );
    }
    Ok(exact)
}

/// Top-k evidence through a tier's index ([`evidence`]), exact when that
/// came back short with nothing filtering it ([`complete`]).
pub(super) async fn evidence_complete<C: GenericClient>(
    c: &C,
    scan: Scan<'_>,
    p: &SearchEvidenceParams<'_, &str, &str>,
) -> Result<Vec<EvidenceHit>> {
    let hits = evidence(c, scan, p).await?;
    let unfiltered = p.source_type.is_none() && p.min_similarity.is_none();
    complete(hits, p.k, unfiltered, p.tenant_id, || async {
        let exact = search::search_evidence_exact();
        let rows = exact.bind(
            c,
            &p.query,
            &p.tenant_id,
            &p.source_type,
            &p.min_similarity,
            &p.k,
        );
        Ok(rows.all().await?)
    })
    .await
}

/// Top-k claims through a tier's index ([`claims`]), as
/// [`evidence_complete`].
pub(super) async fn claims_complete<C: GenericClient>(
    c: &C,
    scan: Scan<'_>,
    args: (&VectorRef<'_>, &str, i64, Option<f64>),
) -> Result<Vec<ClaimHit>> {
    let (query, tenant, k, min) = args;
    let hits = claims(c, scan, args).await?;
    complete(hits, k, min.is_none(), tenant, || async {
        let exact = search::search_claims_exact();
        Ok(exact.bind(c, query, &tenant, &min, &k).all().await?)
    })
    .await
}

/// Top-k claims, as [`evidence`].
pub(super) async fn claims<C: GenericClient>(
    c: &C,
    scan: Scan<'_>,
    (query, tenant, k, min): (&VectorRef<'_>, &str, i64, Option<f64>),
) -> Result<Vec<ClaimHit>> {
    let Some(sql) = scan.statement(SEARCH_CLAIMS) else {
        return Ok(search::search_claims()
            .bind(c, query, &tenant, &k, &min)
            .all()
            .await?);
    };
    let params: [&(dyn ToSql + Sync); 4] = [query, &tenant, &k, &min];
    changed(c, &sql, &params, |r| {
        Ok(ClaimHit {
            id: r.try_get(0)?,
            similarity: r.try_get(1)?,
            text: r.try_get(2)?,
            source_url: r.try_get(3)?,
        })
    })
    .await
}

/// Hybrid search, as [`evidence`]: the vector side's scan is the one
/// changed (a quantized tier's takes its candidates through its quantized
/// index).
pub(super) async fn hybrid<C: GenericClient>(
    c: &C,
    scan: Scan<'_>,
    p: &HybridSearchEvidenceParams<'_, &str, &str>,
) -> Result<Vec<HybridHit>> {
    let Some(sql) = scan.statement(HYBRID_SEARCH_EVIDENCE) else {
        return Ok(search::hybrid_search_evidence().params(c, p).all().await?);
    };
    let params: [&(dyn ToSql + Sync); 7] = [
        &p.query,
        &p.tenant_id,
        &p.candidates,
        &p.text,
        &p.vector_weight,
        &p.keyword_weight,
        &p.k,
    ];
    changed(c, &sql, &params, |r| {
        Ok(HybridHit {
            id: r.try_get("id")?,
            score: r.try_get("score")?,
            vector_rank: r.try_get("vector_rank")?,
            keyword_rank: r.try_get("keyword_rank")?,
            content: r.try_get("content")?,
            source_url: r.try_get("source_url")?,
            source_type: r.try_get("source_type")?,
        })
    })
    .await
}
