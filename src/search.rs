//! Similarity search: tuned top-k over the vector index, exact mode, and
//! hybrid (full text + vector) search.
//!
//! Tuning is per call and per transaction: `set_config(name, value, true)`
//! inside the search's own transaction sets `ivfflat.probes`,
//! `hnsw.ef_search` and pgvector 0.8's iterative scans for that transaction
//! only. A session-level `SET` would leak to the next borrower of the pooled
//! connection, so it is never used.

use pgvector::Vector;
use truthgraph_queries::client::Params;
use truthgraph_queries::queries::search;
use truthgraph_vector_ref::VectorRef;

use crate::db::Transaction;
use crate::error::{Error, Result};
use crate::tenant::Tenant;
use crate::validate;

pub use truthgraph_queries::queries::search::{ClaimHit, EvidenceHit, HybridHit};

pub use crate::validate::MAX_K;

/// Default `ivfflat.probes`: lists scanned per query.
///
/// Chosen by measurement (`cargo bench --bench search`, 10K × 1536, the
/// seed's `lists = 100`; figures in the README): on clustered vectors every
/// setting from 5 probes up reaches recall@10 = 1.0, which says little; on
/// low-rank vectors (64 latent dimensions, harder than real text embeddings)
/// recall@10 is 0.50 at 10 probes, 0.70 at 20 and 0.89 at 40, for 2.9, 5.0 and
/// 11 ms against 31 ms for exact search. 40 keeps that headroom for
/// embeddings we have not seen. Raise it (or use HNSW) when recall matters
/// more than latency; rebuild with more lists as the table grows.
pub const DEFAULT_PROBES: u32 = 40;

/// Default `hnsw.ef_search` (pgvector's own default is 40): the candidate
/// list of an HNSW index scan, used when an HNSW index serves the query.
/// Measured on the low-rank set: recall@10 0.81 at 40, 0.96 at 100, 0.99 at 200
/// (3.7, 6.0 and 9.7 ms at 10K × 1536, m = 16).
pub const DEFAULT_EF_SEARCH: u32 = 100;

/// Default number of candidates each side of a hybrid search contributes.
pub const DEFAULT_HYBRID_CANDIDATES: usize = 60;

/// Options of [`Tenant::search_evidence`] and [`Tenant::search_claims`].
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    /// Rows to return, 1..=1000 (default 10).
    pub k: usize,
    /// Only evidence with this `source_type` (evidence search only).
    pub source_type: Option<String>,
    /// Drop hits whose cosine similarity is below this, in [-1, 1].
    pub min_similarity: Option<f64>,
    /// `ivfflat.probes` for this call, 1..=32768.
    pub probes: u32,
    /// `hnsw.ef_search` for this call, 1..=1000.
    pub ef_search: u32,
    /// Compare against every row instead of using the index (slow, exact).
    pub exact: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            k: 10,
            source_type: None,
            min_similarity: None,
            probes: DEFAULT_PROBES,
            ef_search: DEFAULT_EF_SEARCH,
            exact: false,
        }
    }
}

impl SearchOptions {
    /// The default options with `k` rows.
    pub fn top(k: usize) -> Self {
        SearchOptions {
            k,
            ..Self::default()
        }
    }

    /// Checks every field; errors name the field.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for the first bad field.
    pub fn validate(&self) -> Result<()> {
        validate::k(self.k)?;
        validate::tuning(self.probes, self.ef_search)?;
        if let Some(m) = self.min_similarity {
            validate::similarity("min_similarity", m)?;
        }
        validate::filter("source_type", self.source_type.as_deref())
    }
}

/// Options of [`Tenant::hybrid_search`].
#[derive(Debug, Clone, PartialEq)]
pub struct HybridOptions {
    /// Rows to return, 1..=1000 (default 10).
    pub k: usize,
    /// Rows each side (full text, vector) contributes before fusion, 1..=1000
    /// (default 60); the result has at most `2 × candidates` rows.
    pub candidates: usize,
    /// Weight of the vector rank in the fused score (default 1).
    pub vector_weight: f64,
    /// Weight of the full-text rank in the fused score (default 1).
    pub keyword_weight: f64,
    /// `ivfflat.probes` for this call.
    pub probes: u32,
    /// `hnsw.ef_search` for this call.
    pub ef_search: u32,
}

impl Default for HybridOptions {
    fn default() -> Self {
        HybridOptions {
            k: 10,
            candidates: DEFAULT_HYBRID_CANDIDATES,
            vector_weight: 1.0,
            keyword_weight: 1.0,
            probes: DEFAULT_PROBES,
            ef_search: DEFAULT_EF_SEARCH,
        }
    }
}

impl HybridOptions {
    /// Checks every field; errors name the field.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for the first bad field.
    pub fn validate(&self) -> Result<()> {
        validate::k(self.k)?;
        validate::candidates(self.candidates)?;
        validate::weight("vector_weight", self.vector_weight)?;
        validate::weight("keyword_weight", self.keyword_weight)?;
        if self.vector_weight == 0.0 && self.keyword_weight == 0.0 {
            return Err(Error::invalid("vector_weight", "both weights are 0"));
        }
        validate::tuning(self.probes, self.ef_search)
    }
}

/// Applies `queries/search.sql`'s `tune_search` to `tx`: probes, ef_search,
/// relaxed-order iterative scans and the planner's page cost, for this
/// transaction only.
///
/// # Errors
/// A database error; on pgvector < 0.8 the server rejects the iterative-scan
/// settings.
pub async fn tune(tx: &Transaction<'_>, probes: u32, ef_search: u32) -> Result<()> {
    search::tune_search()
        .bind(tx, &probes.to_string(), &ef_search.to_string())
        .one()
        .await?;
    Ok(())
}

impl Tenant<'_> {
    /// The tenant's `k` evidence most similar to `query` by cosine similarity,
    /// most similar first, with the evidence text and source.
    ///
    /// Unless `exact`, the vector index serves the search with
    /// `opts.probes`/`opts.ef_search` and iterative scans, so a filtered
    /// search (tenant, source type) still returns `k` rows when that many match.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a query vector of the wrong dimension, NaN,
    /// infinite or zero, an empty tenant, or an option out of range.
    pub async fn search_evidence(
        &self,
        query: &Vector,
        opts: &SearchOptions,
    ) -> Result<Vec<EvidenceHit>> {
        let tenant = self.id();
        opts.validate()?;
        validate::vector(
            "query",
            query.as_slice(),
            self.database().embedding_dimension().await?,
        )?;
        let params = search::SearchEvidenceParams {
            query: VectorRef::from(query),
            tenant_id: tenant,
            source_type: opts.source_type.as_deref(),
            k: opts.k as i64,
            min_similarity: opts.min_similarity,
        };
        let mut client = self.client().await?;
        if opts.exact {
            return Ok(search::search_evidence_exact()
                .params(
                    &client,
                    &search::SearchEvidenceExactParams {
                        query: params.query.clone(),
                        tenant_id: tenant,
                        source_type: params.source_type,
                        k: params.k,
                        min_similarity: params.min_similarity,
                    },
                )
                .all()
                .await?);
        }
        let tx = client.transaction().await?;
        tune(&tx, opts.probes, opts.ef_search).await?;
        let stmt = search::search_evidence().prepare(&tx).await?;
        let hits = stmt.params(&tx, &params).all().await?;
        tx.commit().await?;
        Ok(hits)
    }

    /// The tenant's `k` claims most similar to `query` (e.g. to find
    /// near-duplicate claims), as [`Tenant::search_evidence`].
    ///
    /// # Errors
    /// As [`Tenant::search_evidence`]; `source_type` must be `None`.
    pub async fn search_claims(
        &self,
        query: &Vector,
        opts: &SearchOptions,
    ) -> Result<Vec<ClaimHit>> {
        let tenant = self.id();
        opts.validate()?;
        if opts.source_type.is_some() {
            return Err(Error::invalid("source_type", "claims have no source type"));
        }
        validate::vector(
            "query",
            query.as_slice(),
            self.database().embedding_dimension().await?,
        )?;
        let query = VectorRef::from(query);
        let k = opts.k as i64;
        let mut client = self.client().await?;
        if opts.exact {
            return Ok(search::search_claims_exact()
                .bind(&client, &query, &tenant, &k, &opts.min_similarity)
                .all()
                .await?);
        }
        let tx = client.transaction().await?;
        tune(&tx, opts.probes, opts.ef_search).await?;
        let stmt = search::search_claims().prepare(&tx).await?;
        let hits = stmt
            .bind(&tx, &query, &tenant, &k, &opts.min_similarity)
            .all()
            .await?;
        tx.commit().await?;
        Ok(hits)
    }

    /// The tenant's evidence ranked by reciprocal rank fusion (k = 60) of its
    /// full-text rank for `text` and its vector rank for `query`, in one SQL
    /// statement. A row found by only one side gets only that side's share.
    ///
    /// # Errors
    /// As [`Tenant::search_evidence`], and for an empty `text`.
    pub async fn hybrid_search(
        &self,
        text: &str,
        query: &Vector,
        opts: &HybridOptions,
    ) -> Result<Vec<HybridHit>> {
        let tenant = self.id();
        opts.validate()?;
        if text.trim().is_empty() {
            return Err(Error::invalid("text", "is empty"));
        }
        validate::vector(
            "query",
            query.as_slice(),
            self.database().embedding_dimension().await?,
        )?;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tune(&tx, opts.probes, opts.ef_search).await?;
        let stmt = search::hybrid_search_evidence().prepare(&tx).await?;
        let hits = stmt
            .params(
                &tx,
                &search::HybridSearchEvidenceParams {
                    query: VectorRef::from(query),
                    tenant_id: tenant,
                    candidates: opts.candidates as i64,
                    text,
                    vector_weight: opts.vector_weight,
                    keyword_weight: opts.keyword_weight,
                    k: opts.k as i64,
                },
            )
            .all()
            .await?;
        tx.commit().await?;
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidInput { field, .. } => field,
            other => panic!("expected InvalidInput, got {other}"),
        }
    }

    #[test]
    fn options_are_checked_field_by_field() {
        SearchOptions::default().validate().unwrap();
        let field = |o: SearchOptions| field_of(o.validate().unwrap_err());
        assert_eq!(field(SearchOptions::top(0)), "k");
        assert_eq!(field(SearchOptions::top(1001)), "k");
        assert_eq!(
            field(SearchOptions {
                min_similarity: Some(1.5),
                ..Default::default()
            }),
            "min_similarity"
        );
        assert_eq!(
            field(SearchOptions {
                probes: 0,
                ..Default::default()
            }),
            "probes"
        );
        assert_eq!(
            field(SearchOptions {
                ef_search: 5000,
                ..Default::default()
            }),
            "ef_search"
        );
        assert_eq!(
            field(SearchOptions {
                source_type: Some(String::new()),
                ..Default::default()
            }),
            "source_type"
        );
        HybridOptions::default().validate().unwrap();
        let hybrid = |o: HybridOptions| field_of(o.validate().unwrap_err());
        assert_eq!(
            hybrid(HybridOptions {
                vector_weight: 0.0,
                keyword_weight: 0.0,
                ..Default::default()
            }),
            "vector_weight"
        );
        assert_eq!(
            hybrid(HybridOptions {
                candidates: 0,
                ..Default::default()
            }),
            "candidates"
        );
        assert_eq!(
            hybrid(HybridOptions {
                keyword_weight: -1.0,
                ..Default::default()
            }),
            "keyword_weight"
        );
    }
}
