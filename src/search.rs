//! Similarity search: top-k over the vector index, exact mode, and hybrid
//! (full text + vector) search.
//!
//! A search with default options is one statement on a pooled connection: the
//! statement is prepared once per connection (cached), and the index settings
//! (`hnsw.ef_search`, `ivfflat.probes`, iterative scans) are already in force
//! on the connection from its start (see [`crate::settings`]). Options that
//! override them (`ef_search`, `probes`) make the call run in its own
//! transaction with `set_config(…, true)` first, so an override ends with the
//! call and never reaches the next borrower of the connection.

use pgvector::Vector;
use truthgraph_queries::client::Params;
use truthgraph_queries::queries::search;
use truthgraph_vector_ref::VectorRef;

use crate::db::Transaction;
use crate::error::{Error, Result};
use crate::tenant::{Retry, Tenant};
use crate::validate;

pub use crate::validate::MAX_K;
pub use truthgraph_queries::queries::search::{ClaimHit, EvidenceHit, HybridHit};

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
    /// `ivfflat.probes` for this call, 1..=32768, instead of the connection's
    /// default (costs a transaction around the call).
    pub probes: Option<u32>,
    /// `hnsw.ef_search` for this call, 1..=1000, instead of the connection's
    /// default (costs a transaction around the call).
    pub ef_search: Option<u32>,
    /// Compare against every row instead of using the index (slow, exact).
    pub exact: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            k: 10,
            source_type: None,
            min_similarity: None,
            probes: None,
            ef_search: None,
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
        validate_overrides(self.probes, self.ef_search)?;
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
    /// `ivfflat.probes` for this call instead of the connection's default.
    pub probes: Option<u32>,
    /// `hnsw.ef_search` for this call instead of the connection's default.
    pub ef_search: Option<u32>,
}

impl Default for HybridOptions {
    fn default() -> Self {
        HybridOptions {
            k: 10,
            candidates: DEFAULT_HYBRID_CANDIDATES,
            vector_weight: 1.0,
            keyword_weight: 1.0,
            probes: None,
            ef_search: None,
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
        validate_overrides(self.probes, self.ef_search)
    }
}

/// The per-call overrides of the connection's settings, if any.
fn overrides(probes: Option<u32>, ef_search: Option<u32>) -> Option<(Option<u32>, Option<u32>)> {
    (probes.is_some() || ef_search.is_some()).then_some((probes, ef_search))
}

fn validate_overrides(probes: Option<u32>, ef_search: Option<u32>) -> Result<()> {
    if let Some(p) = probes {
        validate::probes(p)?;
    }
    if let Some(e) = ef_search {
        validate::ef_search(e)?;
    }
    Ok(())
}

/// Overrides `ivfflat.probes` and/or `hnsw.ef_search` for the rest of `tx`
/// (`None` keeps the connection's value).
///
/// With read replicas, this read may be a moment behind the primary
/// (see [`crate::replica`]); [`Tenant::after`](crate::Tenant::after) reads your writes.
///
/// # Errors
/// A database error.
pub async fn tune(tx: &Transaction<'_>, probes: Option<u32>, ef_search: Option<u32>) -> Result<()> {
    search::tune_search()
        .bind(
            tx,
            &probes.map(|p| p.to_string()),
            &ef_search.map(|e| e.to_string()),
        )
        .one()
        .await?;
    Ok(())
}

/// Runs `query` for `tenant` as one statement with the connection's
/// settings, or, when `overrides` are given, inside a transaction that applies
/// them first and ends with the call. Either way a read: retried on another
/// connection when the connection is lost.
macro_rules! with_overrides {
    ($tenant:expr, $overrides:expr, $op:literal, |$c:ident| $query:expr) => {{
        match $overrides {
            None => crate::tenant::call!(
                $tenant,
                crate::tenant::Retry::Read,
                $op,
                "embeddings",
                |$c| Ok($query)
            ),
            Some((probes, ef_search)) => {
                crate::tenant::in_transaction!($tenant, Retry::Read, $op, "embeddings", |$c| {
                    tune($c, probes, ef_search).await?;
                    Ok($query)
                })
            }
        }
    }};
}

impl Tenant<'_> {
    /// The tenant's `k` evidence most similar to `query` by cosine similarity,
    /// most similar first, with the evidence text and source (never the
    /// vector).
    ///
    /// Unless `exact`, the vector index serves the search, with iterative
    /// scans, so a filtered search (tenant, source type) still returns `k`
    /// rows when that many match.
    ///
    /// With read replicas, this read may be a moment behind the primary
    /// (see [`crate::replica`]); [`Tenant::after`](crate::Tenant::after) reads your writes.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a query vector of the wrong dimension, NaN,
    /// infinite or zero, or an option out of range.
    pub async fn search_evidence(
        &self,
        query: &Vector,
        opts: &SearchOptions,
    ) -> Result<Vec<EvidenceHit>> {
        opts.validate()?;
        self.check_query(query).await?;
        let (tenant_id, source_type) = (self.id(), opts.source_type.as_deref());
        let (k, min_similarity) = (opts.k as i64, opts.min_similarity);
        let query = VectorRef::from(query);
        if opts.exact {
            let params = search::SearchEvidenceExactParams {
                query,
                tenant_id,
                source_type,
                k,
                min_similarity,
            };
            return crate::tenant::call!(
                self,
                crate::tenant::Retry::Read,
                "search_evidence_exact",
                "embeddings",
                |c| {
                    Ok(search::search_evidence_exact()
                        .params(c, &params)
                        .all()
                        .await?)
                }
            );
        }
        let params = search::SearchEvidenceParams {
            query,
            tenant_id,
            source_type,
            k,
            min_similarity,
        };
        let tuning = overrides(opts.probes, opts.ef_search);
        with_overrides!(self, tuning, "search_evidence", |c| {
            search::search_evidence().params(c, &params).all().await?
        })
    }

    /// The tenant's `k` claims most similar to `query` (e.g. to find
    /// near-duplicate claims), as [`Tenant::search_evidence`].
    ///
    /// With read replicas, this read may be a moment behind the primary
    /// (see [`crate::replica`]); [`Tenant::after`](crate::Tenant::after) reads your writes.
    ///
    /// # Errors
    /// As [`Tenant::search_evidence`]; `source_type` must be `None`.
    pub async fn search_claims(
        &self,
        query: &Vector,
        opts: &SearchOptions,
    ) -> Result<Vec<ClaimHit>> {
        opts.validate()?;
        if opts.source_type.is_some() {
            return Err(Error::invalid("source_type", "claims have no source type"));
        }
        self.check_query(query).await?;
        let (tenant, k, min) = (self.id(), opts.k as i64, opts.min_similarity);
        let query = VectorRef::from(query);
        if opts.exact {
            return crate::tenant::call!(
                self,
                crate::tenant::Retry::Read,
                "search_claims_exact",
                "embeddings",
                |c| {
                    Ok(search::search_claims_exact()
                        .bind(c, &query, &tenant, &min, &k)
                        .all()
                        .await?)
                }
            );
        }
        let tuning = overrides(opts.probes, opts.ef_search);
        with_overrides!(self, tuning, "search_claims", |c| {
            search::search_claims()
                .bind(c, &query, &tenant, &k, &min)
                .all()
                .await?
        })
    }

    /// The tenant's evidence ranked by reciprocal rank fusion (k = 60) of its
    /// full-text rank for `text` and its vector rank for `query`, in one SQL
    /// statement. A row found by only one side gets only that side's share.
    ///
    /// With read replicas, this read may be a moment behind the primary
    /// (see [`crate::replica`]); [`Tenant::after`](crate::Tenant::after) reads your writes.
    ///
    /// # Errors
    /// As [`Tenant::search_evidence`], and for an empty `text`.
    pub async fn hybrid_search(
        &self,
        text: &str,
        query: &Vector,
        opts: &HybridOptions,
    ) -> Result<Vec<HybridHit>> {
        opts.validate()?;
        validate::query_text("text", text)?;
        self.check_query(query).await?;
        let params = search::HybridSearchEvidenceParams {
            query: VectorRef::from(query),
            tenant_id: self.id(),
            candidates: opts.candidates as i64,
            text,
            vector_weight: opts.vector_weight,
            keyword_weight: opts.keyword_weight,
            k: opts.k as i64,
        };
        let tuning = overrides(opts.probes, opts.ef_search);
        with_overrides!(self, tuning, "hybrid_search", |c| {
            search::hybrid_search_evidence()
                .params(c, &params)
                .all()
                .await?
        })
    }

    /// Checks a query vector against the column's dimension.
    async fn check_query(&self, query: &Vector) -> Result<()> {
        let dimension = self.database().embedding_dimension().await?;
        validate::vector("query", query.as_slice(), dimension)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> String {
        e.field()
            .map(str::to_string)
            .unwrap_or_else(|| panic!("expected InvalidInput, got {e}"))
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
                probes: Some(0),
                ..Default::default()
            }),
            "probes"
        );
        assert_eq!(
            field(SearchOptions {
                ef_search: Some(5000),
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
