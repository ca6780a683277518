//! Tiered vector search (migration V10, issue 16): which statement a search
//! of a tenant runs.
//!
//! One HNSW graph over every tenant loses recall on small tenants whatever
//! `ef_search` is (pgvector filters by tenant after the graph walk), and is
//! slower than reading a small tenant's own rows. So:
//!
//! - **index tier**: a tenant with at least [`TIER_THRESHOLD`] embeddings of
//!   one entity type (`evidence`, `claim`) has its own partial HNSW index,
//!   `… WHERE tenant_id = '<tenant>' AND entity_type = '<type>'`, named
//!   [`tier_index_name`]. Its searches run `search_evidence` /
//!   `search_claims`, planned for the tenant's value (`plan_cache_mode =
//!   force_custom_plan` is a startup option of every connection, see
//!   [`crate::settings`]): a generic plan could not use a partial index;
//!   for the [`LITERAL_TIERS`] largest tiers, the same statements with the
//!   tenant written in as a literal, whose generic plan can, planned once
//!   per connection ([`Route::tenant_literal`]). A
//!   tenant of fewer than [`SMALL_TIER_ROWS`] rows searches with at least
//!   [`SMALL_TIER_EF_SEARCH`], one of [`LARGE_TIER_ROWS`] rows or more with
//!   at least [`LARGE_TIER_EF_SEARCH`] (the ladder, [`tier_ef_search`], in
//!   a graph of [`HNSW_M`]; a denser graph from [`TIER_EF_SEARCH`]); each
//!   build measures what its tier needs on its own data and stores more
//!   when the floor misses (`src/index_build/tier_ef.rs`).
//!   The value is set on the connection in the same round trip as the
//!   statement (see `src/call/mod.rs`).
//! - **quantized index tier**: at [`QUANTIZED_MIN_DIMENSION`] dimensions or
//!   more, a tier's index is first built on `binary_quantize(embedding)`
//!   (one bit a dimension, Hamming distance: 32x smaller than the vector,
//!   and a graph step reads a few hundred bytes instead of a page); its
//!   search ([`Route::Quantized`]) takes [`Route::first_pass_rows`] rows by
//!   Hamming distance and orders them by the full vector
//!   (`src/raw_sql/tier.rs`). Up to [`HAMMING_LIST_MAX_ROWS`] rows the
//!   index is a **Hamming list**: IVFFlat with one list on the bits, a
//!   compact copy of them (200 bytes a row at 1536 dimensions) read whole
//!   in exact Hamming order; above, Hamming graphs (HNSW), then a list
//!   when they miss. The tier keeps the first that reaches the recall
//!   target (a list's is the quantization's own; a graph's by `ef_search`
//!   [`MAX_EF_SEARCH_BEFORE_DENSE`] in a graph of one of [`QUANTIZED_M`],
//!   tried in turn: a denser Hamming graph at a smaller `ef_search` costs
//!   less than a sparse one at 300-400); else it gets the full-vector graph.
//! - **exact tier**: every other tenant is searched exactly
//!   (`search_evidence_exact` / `search_claims_exact`), which at these sizes
//!   is as fast as an index and never misses.
//! - **shared**: a tenant without its own index, while a vector index over
//!   every tenant is still on the table (V10 keeps the old one until
//!   `truthgraph-db tiers --apply` has built the tenants' own; or a database
//!   not yet migrated to V10), is searched through that index, as before V10.
//!
//! The Python services' tenant `default` has its index under the name they
//! look up, [`CONTRACT_INDEX`] (V10 creates it, whatever its size).
//!
//! The tiers are kept in `truthgraph_tiers` (V10) by the library's
//! maintenance ([`crate::Database::maintain_tiers`], `truthgraph-db tiers`,
//! and bulk loads); each [`crate::Database`] reads the routes at open, after
//! its own tier changes, and again in the background when they are older
//! than [`REFRESH_AFTER`]. A stale route is still correct, only slower: a
//! tenant routed to an index it no longer has is sorted whole, one routed to
//! exact search reads its rows.

use std::time::Duration;

use crate::labels::EntityType;

mod cache;
mod quantized;
mod route;
mod upkeep;

pub(crate) use cache::TierCache;
pub use quantized::{
    HAMMING_LIST_HYSTERESIS, HAMMING_LIST_MAX_ROWS, LIST_CANDIDATES, LIST_MAX_CANDIDATE_SHARE,
    QUANTIZED_EF_CONSTRUCTION, QUANTIZED_M, QUANTIZED_MIN_DIMENSION, first_quantized_m,
};
pub use route::{
    LARGE_TIER_RERANK_CANDIDATES, MIN_RERANK_CANDIDATES, RERANK_FACTOR, Route,
    list_rerank_candidates, min_rerank_candidates,
};
pub use upkeep::{
    DROP_BELOW_SHARE, REBUILD_LOAD_ROWS, REBUILD_LOAD_SHARE, REINDEX_AFTER_LOSS,
    REMEASURE_AFTER_GROWTH, dead_elements, load_rebuilds, lost_rows, outgrown, remeasure_from,
    wants_index,
};

/// The routes as the database says now (for a handle being opened).
pub(crate) async fn read_routes(
    client: &impl truthgraph_queries::client::GenericClient,
) -> crate::Result<cache::Snapshot> {
    cache::Snapshot::read(client).await
}

/// Embeddings (of one tenant and entity type) from which the tenant gets an
/// index of its own. Measured (docs/research, BENCHMARKS.md): the tenant's
/// own HNSW index beats reading its rows from a few hundred rows on, at 384
/// and at 1536 dimensions; 1,000 keeps every search fast while bounding the
/// number of indexes on the table to rows / 1,000. Configurable:
/// [`crate::Config::tier_threshold`] (`TRUTHGRAPH_TIER_THRESHOLD`).
pub const TIER_THRESHOLD: i64 = 1_000;

/// Tiers whose searches name the tenant as a literal in their statement
/// ([`crate::raw_sql::tier_search`]), run with `plan_cache_mode =
/// force_generic_plan`: the plan, made once per connection and statement
/// without the parameters' values, uses the tier's partial index, where
/// every other search is planned again for its values on every call. The
/// largest tiers by rows, up to this many. Measured (20K real MiniLM set,
/// 6K-row tier, psql, 200 queries): planning 0.24-0.30 ms a call against
/// 0.05, execution 1.11-1.40 against 0.90-1.19 ms (BENCHMARKS.md,
/// "Statements planned once"). Bounded because each such statement keeps
/// its plan on every connection that ran it: about 100 KB
/// (`pg_backend_memory_contexts`), so at most 64 tiers x 3 statements,
/// about 20 MB, per connection.
pub const LITERAL_TIERS: usize = 64;

/// `hnsw.ef_search` of the connections: the candidate list of a search in a
/// tenant's own graph, unless `tune` stored another or it is pinned.
pub const TIER_EF_SEARCH: u32 = 100;

/// Below this many rows a tenant's graph searches with
/// [`SMALL_TIER_EF_SEARCH`] (stored in its registry row).
pub const SMALL_TIER_ROWS: i64 = 5_000;

/// `hnsw.ef_search` of a tenant of fewer than [`SMALL_TIER_ROWS`] rows:
/// measured recall 0.99+ at 1-5K rows (docs/research/issue16-designs.md, §4).
pub const SMALL_TIER_EF_SEARCH: u32 = 64;

/// From this many rows a tenant's graph searches with
/// [`LARGE_TIER_EF_SEARCH`] (stored in its registry row). 20K, not 100K:
/// on 1M x 384 derived from the real MiniLM set (BENCHMARKS.md, "1M x 384"),
/// tenants of 20K-100K rows at `ef_search` 100 reached recall@10 0.925-0.99
/// (0.93 at 100K), against 0.97-0.98 for the 100K and 300K tenants at 200.
pub const LARGE_TIER_ROWS: i64 = 20_000;

/// `hnsw.ef_search` of a tenant of [`LARGE_TIER_ROWS`] rows or more.
pub const LARGE_TIER_EF_SEARCH: u32 = 200;

/// HNSW `m` of a tier index (pgvector's default).
pub const HNSW_M: u32 = 16;

/// HNSW `ef_construction` of a tier index (pgvector's default).
pub const HNSW_EF_CONSTRUCTION: u32 = 64;

/// The most `ef_search` a tier searches with in a graph of [`HNSW_M`]: a
/// tier whose measurement does not reach its target by then is built again
/// as a denser graph ([`DENSE_HNSW_M`]). A larger `ef_search` costs every
/// search; a denser graph costs the build (about 2-3x) once.
pub const MAX_EF_SEARCH_BEFORE_DENSE: u32 = 200;

/// HNSW `m` of a tier whose data needs more than
/// [`MAX_EF_SEARCH_BEFORE_DENSE`] in a graph of [`HNSW_M`] (the synthetic
/// low-rank 30K x 1536 tier: recall@10 0.94 at 200 with m 16, 0.994 with
/// m 32; docs/research/issue16-designs.md section 12).
pub const DENSE_HNSW_M: u32 = 32;

/// HNSW `ef_construction` of a dense tier graph.
pub const DENSE_HNSW_EF_CONSTRUCTION: u32 = 128;

/// The index the Python services look up by name: the tier index of their
/// own tenant, `default`, evidence (V10).
pub const CONTRACT_INDEX: &str = "idx_embeddings_vector_cosine";

/// The tenant the Python services write to.
pub const CONTRACT_TENANT: &str = "default";

/// The index over every tenant that V10 keeps (renamed from
/// [`CONTRACT_INDEX`]) until the tenants' own are built.
pub const SHARED_INDEX: &str = "idx_embeddings_vector_shared";

/// The prefix of every other tier index's name.
pub const TIER_INDEX_PREFIX: &str = "idx_embeddings_tier_";

/// How old the routes a [`crate::Database`] holds may get before a search
/// refreshes them (in the background, never waiting for it).
pub const REFRESH_AFTER: Duration = Duration::from_secs(30);

/// The name of the index of `tenant`'s `entity_type` tier:
/// [`CONTRACT_INDEX`] for the Python services' tenant's evidence, else
/// [`TIER_INDEX_PREFIX`] and 16 hex digits of a 64-bit FNV-1a hash of the
/// entity type and tenant (tenant ids are free text up to 255 bytes;
/// identifiers at most 63). The hash is fixed here, so every version of the
/// library names a tier the same way.
pub fn tier_index_name(tenant: &str, entity_type: EntityType) -> String {
    if tenant == CONTRACT_TENANT && entity_type == EntityType::Evidence {
        return CONTRACT_INDEX.to_string();
    }
    let hash = fnv1a(&[entity_type.as_str().as_bytes(), &[0], tenant.as_bytes()].concat());
    format!("{TIER_INDEX_PREFIX}{hash:016x}")
}

/// The name a denser graph of the tier index `name` is built under before
/// it replaces it: [`TIER_INDEX_PREFIX`], `dense_` and a hash of `name`
/// (a leftover of a failed swap is a tier index no tier names: maintenance
/// drops it).
pub fn dense_build_name(name: &str) -> String {
    format!("{TIER_INDEX_PREFIX}dense_{:016x}", fnv1a(name.as_bytes()))
}

/// 64-bit FNV-1a.
fn fnv1a(input: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in input {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The ladder's `ef_search` for a tier of `rows` rows (`None`: the
/// connection's, [`TIER_EF_SEARCH`]): 64 below 5K rows, 100 to 20K, 200
/// above. The floor of a tier's measurement at its build.
pub fn tier_ef_search(rows: i64) -> Option<u32> {
    if rows < SMALL_TIER_ROWS {
        Some(SMALL_TIER_EF_SEARCH)
    } else if rows >= LARGE_TIER_ROWS {
        Some(LARGE_TIER_EF_SEARCH)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_valid_identifiers() {
        assert_eq!(
            tier_index_name("default", EntityType::Evidence),
            CONTRACT_INDEX
        );
        // Fixed values (FNV-1a 64 of "evidence\0acme", checked independently):
        // a change would orphan every existing tier index.
        assert_eq!(
            tier_index_name("acme", EntityType::Evidence),
            "idx_embeddings_tier_6bc2f516c4825cd2"
        );
        let long = "x".repeat(255);
        for (t, ty) in [
            ("default", EntityType::Claim),
            ("acme", EntityType::Claim),
            (long.as_str(), EntityType::Evidence),
            ("it's \"odd\" \\ é", EntityType::Evidence),
        ] {
            let name = tier_index_name(t, ty);
            assert!(
                name.starts_with(TIER_INDEX_PREFIX) && name.len() <= 63,
                "{name}"
            );
        }
        assert_ne!(
            tier_index_name("acme", EntityType::Claim),
            tier_index_name("acme", EntityType::Evidence)
        );
    }

    #[test]
    fn the_ladder_by_rows() {
        assert_eq!(tier_ef_search(4_999), Some(SMALL_TIER_EF_SEARCH));
        assert_eq!(tier_ef_search(5_000), None);
        assert_eq!(tier_ef_search(19_999), None);
        assert_eq!(tier_ef_search(20_000), Some(LARGE_TIER_EF_SEARCH));
    }

    #[test]
    fn rerank_candidates_by_rows() {
        // A quantized tier's first pass with the fewest candidates for its rows.
        let rerank_candidates = |k: i64, rows: i64| {
            Route::Quantized {
                ef_search: None,
                tenant_literal: false,
                candidates: min_rerank_candidates(rows),
            }
            .first_pass_rows(k)
        };
        assert_eq!(rerank_candidates(10, 5_000), 100);
        assert_eq!(rerank_candidates(1, 19_999), 100);
        assert_eq!(rerank_candidates(50, 5_000), 500);
        assert_eq!(rerank_candidates(10, LARGE_TIER_ROWS), 200);
        assert_eq!(rerank_candidates(50, 100_000), 500);
    }
}
