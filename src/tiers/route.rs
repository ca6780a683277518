//! [`Route`]: which statement a search of one tenant runs, what the call
//! sets for it, and how many candidates a quantized tier re-ranks.

use super::LARGE_TIER_ROWS;

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
        /// The fewest candidates it re-ranks (ten times `k` when more):
        /// [`min_rerank_candidates`] for the tier's rows, or a Hamming
        /// list's measured value ([`super::LIST_CANDIDATES`]).
        candidates: i64,
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

    /// The rows one pass of this route's index must find for a top-`k`
    /// search (or hybrid search's `k` vector candidates): a quantized
    /// tier's re-rank candidates (ten times `k`, at least its `candidates`),
    /// else twice `k`: the top `k` and as many again for rows the
    /// entity check rejects. Since V12's foreign keys it rejects none, but a
    /// database written with them bypassed (`session_replication_role =
    /// replica`, as logical replication and some restores run) can hold
    /// orphans until `truthgraph-db prune-embeddings` deletes them.
    pub fn first_pass_rows(self, k: i64) -> i64 {
        match self {
            Route::Quantized { candidates, .. } => k.saturating_mul(RERANK_FACTOR).max(candidates),
            _ => k.saturating_mul(2),
        }
    }

    /// Whether a search on this route needs one pass of its index only
    /// (`hnsw.iterative_scan = off` for the call): the route is a tier's
    /// own index, whose predicate is the tenant's, and the pass must find
    /// `rows` rows ([`Route::first_pass_rows`]; `None`: a filter such as a
    /// source type may reject any number of rows), at most the `ef_search`
    /// candidates one pass finds.
    pub fn one_pass(self, ef_search: u32, rows: Option<i64>) -> bool {
        matches!(self, Route::Index { .. } | Route::Quantized { .. })
            && rows.is_some_and(|rows| rows <= i64::from(ef_search))
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

/// The fewest re-rank candidates of a quantized tier of `rows` rows:
/// [`MIN_RERANK_CANDIDATES`], or [`LARGE_TIER_RERANK_CANDIDATES`] from
/// [`LARGE_TIER_ROWS`] rows. The more rows, the more of them come between a
/// query's nearest neighbours and it in Hamming distance.
pub fn min_rerank_candidates(rows: i64) -> i64 {
    if rows >= LARGE_TIER_ROWS {
        LARGE_TIER_RERANK_CANDIDATES
    } else {
        MIN_RERANK_CANDIDATES
    }
}

/// The fewest candidates a Hamming list of `rows` rows re-ranks: its
/// measured value (`stored`, the registry's `ef_search` of a list), never
/// fewer than [`min_rerank_candidates`] for its rows (a list that grew
/// since, or one measured before lists stored their candidates).
pub fn list_rerank_candidates(stored: Option<u32>, rows: i64) -> i64 {
    let least = min_rerank_candidates(rows);
    stored.map_or(least, |c| i64::from(c).max(least))
}

/// A quantized search re-ranks this many times `k` rows, at least its
/// tier's candidates ([`Route::first_pass_rows`]).
pub const RERANK_FACTOR: i64 = 10;

/// The fewest re-rank candidates of a quantized tier
/// ([`Route::first_pass_rows`]): 100 candidates for the top 10 reached recall@10
/// 0.993-0.999 at `ef_search` 200 on two 1536-dim sets, 40 lost too much
/// (0.87-0.98; docs/research/issue16-designs.md section 5).
pub const MIN_RERANK_CANDIDATES: i64 = 100;

/// See [`min_rerank_candidates`]: on a 30K-row tier of the 100K x 1536
/// set, the exact Hamming top 100 re-ranked reached recall@10 0.991 on the
/// tier's claims, which no graph can pass; the top 200, 1.0 (BENCHMARKS.md,
/// "Denser Hamming graphs, not larger `ef_search`"). At 10K rows the top
/// 100 reached 0.995.
pub const LARGE_TIER_RERANK_CANDIDATES: i64 = 200;

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
            candidates: min_rerank_candidates(5_000),
        };
        let large = Route::Quantized {
            ef_search: Some(200),
            tenant_literal: true,
            candidates: min_rerank_candidates(30_000),
        };
        // Room for as many rows again as the top k.
        assert!(index.one_pass(64, Some(index.first_pass_rows(32))));
        assert!(!index.one_pass(64, Some(index.first_pass_rows(33))));
        assert!(!index.one_pass(64, None), "a filter keeps iterative scans");
        // A quantized tier's pass finds its re-rank candidates.
        assert_eq!(quantized.first_pass_rows(10), 100);
        assert!(quantized.one_pass(150, Some(quantized.first_pass_rows(10))));
        assert!(!quantized.one_pass(150, Some(quantized.first_pass_rows(16))));
        // A large tier's, more candidates.
        assert_eq!(large.first_pass_rows(10), 200);
        assert!(large.one_pass(200, Some(large.first_pass_rows(10))));
        assert!(!large.one_pass(150, Some(large.first_pass_rows(10))));
        // A Hamming list's measured candidates, ten times k when more.
        let list = Route::Quantized {
            ef_search: None,
            tenant_literal: false,
            candidates: 400,
        };
        assert_eq!(list.first_pass_rows(10), 400);
        assert_eq!(list.first_pass_rows(50), 500);
        // An index over every tenant filters by tenant: never one pass.
        let shared = Route::Shared { ef_search: None };
        assert!(!shared.one_pass(1000, Some(10)));
        assert!(!Route::Exact.one_pass(1000, Some(10)));
    }
}
