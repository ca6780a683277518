//! [`Route`]: which statement a search of one tenant runs, and what the
//! call sets for it.

use super::rerank_candidates;

/// Which statement a search of one tenant runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Exact search (no index of its own, none shared).
    Exact,
    /// The tenant's own index; `ef_search` to set for the call when it
    /// differs from the connection's.
    Index {
        /// `hnsw.ef_search` for this call (`None`: the connection's).
        ef_search: Option<u32>,
        /// The statement names the tenant as a literal and is planned once
        /// per connection (one of the [`super::LITERAL_TIERS`] largest tiers).
        tenant_literal: bool,
    },
    /// The tenant's own index on `binary_quantize(embedding)`: candidates
    /// by Hamming distance, re-ranked by the full vector.
    Quantized {
        /// `hnsw.ef_search` for this call (`None`: the connection's).
        ef_search: Option<u32>,
        /// As for [`Route::Index`].
        tenant_literal: bool,
    },
    /// An index over every tenant (before the tiers are built).
    Shared {
        /// `hnsw.ef_search` for this call (`None`: the connection's).
        ef_search: Option<u32>,
    },
}

impl Route {
    /// The `hnsw.ef_search` a call on this route sets (`None`: none).
    pub fn ef_search(self) -> Option<u32> {
        match self {
            Route::Exact => None,
            Route::Index { ef_search, .. }
            | Route::Quantized { ef_search, .. }
            | Route::Shared { ef_search } => ef_search,
        }
    }

    /// The rows the index scan of a top-`k` search on this route returns:
    /// a quantized tier's re-rank candidates ([`rerank_candidates`]), else
    /// `k` itself.
    pub fn scan_rows(self, k: i64) -> i64 {
        match self {
            Route::Quantized { .. } => rerank_candidates(k),
            _ => k,
        }
    }

    /// Whether a search on this route needs one pass of its index only
    /// (`hnsw.iterative_scan = off` for the call): the route is a tier's
    /// own index, whose predicate is the tenant's, and the scan must return
    /// `scan_rows` rows ([`Route::scan_rows`]; `None`: a filter such as a
    /// source type may reject rows), at most the `ef_search` candidates one
    /// pass finds. The entity check rejects no row of such an index since
    /// V12's foreign keys (an embedding's entity is its tenant's).
    pub fn one_pass(self, ef_search: u32, scan_rows: Option<i64>) -> bool {
        matches!(self, Route::Index { .. } | Route::Quantized { .. })
            && scan_rows.is_some_and(|rows| rows <= i64::from(ef_search))
    }

    /// Whether a search on this route names the tenant as a literal in its
    /// statement, planned once per connection (see [`super::LITERAL_TIERS`]).
    pub fn tenant_literal(self) -> bool {
        match self {
            Route::Index { tenant_literal, .. } | Route::Quantized { tenant_literal, .. } => {
                tenant_literal
            }
            Route::Exact | Route::Shared { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_only_on_a_tier_whose_scan_fits_in_ef_search() {
        let index = Route::Index {
            ef_search: Some(64),
            tenant_literal: false,
        };
        let quantized = Route::Quantized {
            ef_search: Some(150),
            tenant_literal: true,
        };
        assert!(index.one_pass(64, Some(index.scan_rows(64))));
        assert!(!index.one_pass(64, Some(index.scan_rows(65))));
        assert!(!index.one_pass(64, None), "a filter keeps iterative scans");
        // A quantized tier's scan returns its re-rank candidates.
        assert_eq!(quantized.scan_rows(10), 100);
        assert!(quantized.one_pass(150, Some(quantized.scan_rows(10))));
        assert!(!quantized.one_pass(150, Some(quantized.scan_rows(16))));
        // An index over every tenant filters by tenant: never one pass.
        let shared = Route::Shared { ef_search: None };
        assert!(!shared.one_pass(1000, Some(10)));
        assert!(!Route::Exact.one_pass(1000, Some(10)));
    }
}
