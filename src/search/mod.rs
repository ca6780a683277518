//! Similarity search: top-k over the tenant's own vector index or exact,
//! by its tier ([`crate::tiers`]), and hybrid (full text + vector) search.
//!
//! A search with default options is one statement on a pooled connection: the
//! statement is prepared once per connection (cached), and the index settings
//! (`hnsw.ef_search`, `ivfflat.probes`, iterative scans) are already in force
//! on the connection from its start (see [`crate::settings`]). Which statement
//! runs follows the tenant's tier: its own index (`search_evidence`, with the
//! tier's `ef_search` pipelined ahead when it differs from the connection's,
//! and iterative scans off when one pass of the index answers it,
//! [`crate::tiers::Route::one_pass`];
//! for the largest tiers with the tenant as a literal, planned once per
//! connection, see [`crate::tiers::LITERAL_TIERS`]), or exact
//! (`search_evidence_exact`). Options that override the settings
//! (`ef_search`, `probes`) make an index search run in its own transaction
//! with `set_config(…, true)` first, so an override ends with the call and
//! never reaches the next borrower of the connection.
//!
//! A search with a `deadline` ([`SearchOptions::deadline`]) is given that
//! long, waiting for a connection included: past it, the call's future is
//! dropped, which cancels its statement on the server and keeps its
//! connection out of the pool (see `src/pool.rs`), and the call returns
//! [`Error::Timeout`].

use std::future::Future;
use std::time::Duration;

use pgvector::Vector;
use truthgraph_queries::client::Params;
use truthgraph_queries::queries::search::{self, HybridSearchEvidenceParams, SearchEvidenceParams};
use truthgraph_vector_ref::VectorRef;

use crate::call::{Access, SearchSets};
use crate::db::Transaction;
use crate::error::{Error, Result};
use crate::labels::EntityType;
use crate::tenant::{Tenant, tenant_span};
use crate::tiers::Route;
use crate::validate;

mod explain;
mod options;
mod statements;

use statements::{Scan, bounded, claims_complete, evidence_complete, hybrid};

pub use statements::MAX_CACHED_STATEMENTS;

pub use options::{DEFAULT_HYBRID_CANDIDATES, HybridOptions, SearchOptions};

pub use crate::validate::MAX_K;
pub use truthgraph_queries::queries::search::{ClaimHit, EvidenceHit, HybridHit};

/// Per-call overrides of the connection's index settings: `ivfflat.probes`
/// and `hnsw.ef_search` (`None` keeps the connection's value).
#[derive(Debug, Clone, Copy)]
struct Overrides {
    probes: Option<u32>,
    ef_search: Option<u32>,
}

impl Overrides {
    /// The overrides of a call, if it has any.
    fn of(probes: Option<u32>, ef_search: Option<u32>) -> Option<Self> {
        (probes.is_some() || ef_search.is_some()).then_some(Overrides { probes, ef_search })
    }

    /// Applies them for the rest of `tx` (`set_config(…, true)`; on a Citus
    /// coordinator `SET LOCAL`s, which reach the workers).
    async fn apply(self, tx: &Transaction<'_>, citus: bool) -> Result<()> {
        if citus {
            let mut pairs = Vec::new();
            if let Some(p) = self.probes {
                pairs.push(("ivfflat.probes", p.to_string()));
            }
            if let Some(e) = self.ef_search {
                pairs.push(("hnsw.ef_search", e.to_string()));
            }
            tx.batch_execute(&crate::raw_sql::citus_set_local(None, &pairs))
                .await?;
            return Ok(());
        }
        search::tune_search()
            .bind(
                tx,
                &self.probes.map(|p| p.to_string()),
                &self.ef_search.map(|e| e.to_string()),
            )
            .one()
            .await?;
        Ok(())
    }
}

impl Tenant<'_> {
    /// The tenant's `k` evidence most similar to `query` by cosine similarity,
    /// most similar first, with the evidence text and source (never the
    /// vector).
    ///
    /// A tenant with an index of its own ([`crate::tiers`]) is searched
    /// through it, with iterative scans, so a filtered search (source type)
    /// still returns `k` rows when that many match (an unfiltered one that
    /// came back short, its index pass crowded by orphans, runs exactly);
    /// any other tenant, and every search with `exact`, compares every row
    /// of the tenant. A search
    /// of an indexed tenant with `probes` or `ef_search` runs in a
    /// transaction that applies them first; without, it is one statement.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a query vector of the wrong dimension, NaN,
    /// infinite or zero, or an option out of range; [`Error::Timeout`] when
    /// the `deadline` passed (the statement is cancelled).
    pub async fn search_evidence(
        &self,
        query: &Vector,
        opts: &SearchOptions,
    ) -> Result<Vec<EvidenceHit>> {
        within(opts.deadline, self.search_evidence_unbounded(query, opts)).await
    }

    async fn search_evidence_unbounded(
        &self,
        query: &Vector,
        opts: &SearchOptions,
    ) -> Result<Vec<EvidenceHit>> {
        opts.validate()?;
        self.check_query(query).await?;
        let (tenant_id, source_type) = (self.id(), opts.source_type.as_deref());
        let (k, min_similarity) = (opts.k as i64, opts.min_similarity);
        let query = VectorRef::from(query);
        let route = self
            .database()
            .search_route(tenant_id, EntityType::Evidence);
        if opts.exact || route == Route::Exact {
            let params = search::SearchEvidenceExactParams {
                query,
                tenant_id,
                source_type,
                k,
                min_similarity,
            };
            // Named after the call: `exact` asked for, or the tenant's tier.
            let op = if opts.exact {
                tenant_span!(self, "search_evidence_exact", "embeddings")
            } else {
                tenant_span!(self, "search_evidence", "embeddings")
            };
            return self
                .run(Access::Read, op, |conn| {
                    Box::pin(async {
                        let stmt = search::search_evidence_exact();
                        Ok(stmt.params(conn.client(), &params).all().await?)
                    })
                })
                .await;
        }
        let params = &SearchEvidenceParams {
            query,
            tenant_id,
            source_type,
            k,
            min_similarity,
        };
        let op = tenant_span!(self, "search_evidence", "embeddings");
        let scan = self.scan(route).await?;
        match Overrides::of(opts.probes, opts.ef_search) {
            None => {
                // A source type filter can reject rows the scan found: it
                // keeps the iterative scan that goes on past them.
                let rows = source_type.is_none().then(|| route.first_pass_rows(k));
                self.run_search(Access::Read, op, self.search_sets(route, rows), |conn| {
                    Box::pin(evidence_complete(bounded(conn.client()), scan, params))
                })
                .await
            }
            Some(o) => {
                self.run_in_transaction(Access::Read, op, |t| {
                    Box::pin(async move {
                        o.apply(t.tx(), self.database().on_citus()).await?;
                        evidence_complete(t.tx(), scan, params).await
                    })
                })
                .await
            }
        }
    }

    /// The tenant's `k` claims most similar to `query` (e.g. to find
    /// near-duplicate claims), as [`Tenant::search_evidence`].
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// As [`Tenant::search_evidence`]; `source_type` must be `None`.
    pub async fn search_claims(
        &self,
        query: &Vector,
        opts: &SearchOptions,
    ) -> Result<Vec<ClaimHit>> {
        within(opts.deadline, self.search_claims_unbounded(query, opts)).await
    }

    async fn search_claims_unbounded(
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
        let query = &VectorRef::from(query);
        let route = self.database().search_route(tenant, EntityType::Claim);
        if opts.exact || route == Route::Exact {
            let op = if opts.exact {
                tenant_span!(self, "search_claims_exact", "embeddings")
            } else {
                tenant_span!(self, "search_claims", "embeddings")
            };
            return self
                .run(Access::Read, op, |conn| {
                    Box::pin(async move {
                        let stmt = search::search_claims_exact();
                        let rows = stmt.bind(conn.client(), query, &tenant, &min, &k);
                        Ok(rows.all().await?)
                    })
                })
                .await;
        }
        let args = (query, tenant, k, min);
        let op = tenant_span!(self, "search_claims", "embeddings");
        let scan = self.scan(route).await?;
        match Overrides::of(opts.probes, opts.ef_search) {
            None => {
                let rows = Some(route.first_pass_rows(k));
                self.run_search(Access::Read, op, self.search_sets(route, rows), |conn| {
                    Box::pin(claims_complete(bounded(conn.client()), scan, args))
                })
                .await
            }
            Some(o) => {
                self.run_in_transaction(Access::Read, op, |t| {
                    Box::pin(async move {
                        o.apply(t.tx(), self.database().on_citus()).await?;
                        claims_complete(t.tx(), scan, args).await
                    })
                })
                .await
            }
        }
    }

    /// The tenant's evidence ranked by reciprocal rank fusion (k = 60) of its
    /// full-text rank for `text` and its vector rank for `query`, in one SQL
    /// statement. A row found by only one side gets only that side's share.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// As [`Tenant::search_evidence`], and for an empty `text`.
    pub async fn hybrid_search(
        &self,
        text: &str,
        query: &Vector,
        opts: &HybridOptions,
    ) -> Result<Vec<HybridHit>> {
        within(
            opts.deadline,
            self.hybrid_search_unbounded(text, query, opts),
        )
        .await
    }

    async fn hybrid_search_unbounded(
        &self,
        text: &str,
        query: &Vector,
        opts: &HybridOptions,
    ) -> Result<Vec<HybridHit>> {
        opts.validate()?;
        validate::query_text("text", text)?;
        self.check_query(query).await?;
        let params = &HybridSearchEvidenceParams {
            query: VectorRef::from(query),
            tenant_id: self.id(),
            candidates: opts.candidates as i64,
            text,
            vector_weight: opts.vector_weight,
            keyword_weight: opts.keyword_weight,
            k: opts.k as i64,
        };
        let op = tenant_span!(self, "hybrid_search", "embeddings");
        let route = self
            .database()
            .search_route(self.id(), EntityType::Evidence);
        let scan = self.scan(route).await?;
        match Overrides::of(opts.probes, opts.ef_search) {
            None => {
                // The vector side's scan returns `candidates` rows.
                let rows = Some(route.first_pass_rows(params.candidates));
                self.run_search(Access::Read, op, self.search_sets(route, rows), |conn| {
                    Box::pin(hybrid(bounded(conn.client()), scan, params))
                })
                .await
            }
            Some(o) => {
                self.run_in_transaction(Access::Read, op, |t| {
                    Box::pin(async move {
                        o.apply(t.tx(), self.database().on_citus()).await?;
                        hybrid(t.tx(), scan, params).await
                    })
                })
                .await
            }
        }
    }

    /// How a search on `route` reads `embeddings`: a tier's statement names
    /// the tenant as a literal when its route says so, a quantized tier's
    /// is built for the column's dimension.
    async fn scan(&self, route: Route) -> Result<Scan<'_>> {
        let quantized = match route {
            Route::Quantized { candidates, .. } => Some(crate::raw_sql::Hamming {
                dimension: self.database().embedding_dimension().await?,
                min_candidates: candidates,
            }),
            _ => None,
        };
        Ok(Scan {
            tenant_literal: route.tenant_literal().then_some(self.id()),
            quantized,
        })
    }

    /// The settings a search on `route` sets for its call (`None`: the
    /// connection's): the tier's `ef_search`, generic plans for a statement
    /// that names the tenant ([`Route::tenant_literal`]), and one pass of a
    /// tier's index ([`Route::one_pass`]) when the pass must find `rows` rows.
    fn search_sets(&self, route: Route, rows: Option<i64>) -> Option<SearchSets> {
        let (ef_search, generic_plan) = (route.ef_search(), route.tenant_literal());
        let ef = ef_search.unwrap_or(self.database().search_defaults().ef_search);
        let one_pass = route.one_pass(ef, rows);
        (ef_search.is_some() || generic_plan || one_pass).then_some(SearchSets {
            ef_search: ef,
            generic_plan,
            one_pass,
        })
    }

    /// Checks a query vector against the column's dimension.
    async fn check_query(&self, query: &Vector) -> Result<()> {
        let dimension = self.database().embedding_dimension().await?;
        validate::vector("query", query.as_slice(), dimension)
    }
}

/// `call`, given at most `deadline` when there is one: past it, `call` is
/// dropped (its statement cancelled on the server, see `src/pool.rs`) and
/// the result is [`Error::Timeout`].
async fn within<T>(deadline: Option<Duration>, call: impl Future<Output = Result<T>>) -> Result<T> {
    let Some(deadline) = deadline else {
        return call.await;
    };
    match tokio::time::timeout(deadline, call).await {
        Ok(out) => out,
        Err(_) => Err(Error::Timeout {
            message: format!(
                "the call's deadline of {deadline:?} passed (waiting for a connection and \
                 running the statement); the statement was cancelled"
            ),
        }),
    }
}
