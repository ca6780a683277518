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
//!   search ([`Route::Quantized`]) takes [`rerank_candidates`] rows by
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

pub(crate) use cache::TierCache;
pub use quantized::{
    HAMMING_LIST_HYSTERESIS, HAMMING_LIST_MAX_ROWS, LIST_CANDIDATES, LIST_MAX_CANDIDATE_SHARE,
    QUANTIZED_EF_CONSTRUCTION, QUANTIZED_M, QUANTIZED_MIN_DIMENSION, first_quantized_m,
};
pub use route::{
    LARGE_TIER_RERANK_CANDIDATES, MIN_RERANK_CANDIDATES, RERANK_FACTOR, Route,
    list_rerank_candidates, min_rerank_candidates, rerank_candidates,
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

/// A tenant's index is dropped only once the tenant falls below this share
/// of the threshold (a half), so a tenant near it does not flap.
pub const DROP_BELOW_SHARE: f64 = 0.5;

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

/// Bulk loads of more rows than this into a tenant that has an index drop
/// it first and build it again afterwards (one build is far cheaper than
/// inserting that many rows into a graph: BENCHMARKS.md).
pub const REBUILD_LOAD_ROWS: usize = 10_000;

/// …as do loads of more rows than this share of the tenant's.
pub const REBUILD_LOAD_SHARE: f64 = 0.2;

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

/// Whether a tier of `rows` rows should have its own index, given whether
/// it has one now (the hysteresis of [`DROP_BELOW_SHARE`]).
pub fn wants_index(rows: i64, threshold: i64, has_index: bool) -> bool {
    rows >= threshold || (has_index && (rows as f64) >= threshold as f64 * DROP_BELOW_SHARE)
}

/// The share of the most rows a tier's index has held (V13's `built_rows`:
/// at its build, raised to larger counts since) that the tier may
/// lose (deleted rows) before `truthgraph-db tiers --apply` rebuilds the
/// index in place ([`lost_rows`]). pgvector's VACUUM of an HNSW graph
/// repairs each element that had a deleted neighbour with a graph search of
/// its own, serially: 5,000 rows deleted from a 50K-row tier (m 32, 384
/// dims) made one VACUUM of `embeddings` take 293 s, and 500 rows (1 %) of
/// another 94 s, where `REINDEX INDEX CONCURRENTLY` of the tier's index
/// first took 43 s and left the VACUUM 2.6 s; deleting a tenant's rows all
/// at once costs the VACUUM nothing to repair (2.2 s with 18 tier
/// indexes). BENCHMARKS.md, "VACUUM and the tier graphs".
pub const REINDEX_AFTER_LOSS: f64 = 0.01;

/// Whether a tier of `rows` rows whose index has held `built_rows`
/// has lost [`REINDEX_AFTER_LOSS`] of them or more (`None`: not known).
pub fn lost_rows(rows: i64, built_rows: Option<i64>) -> bool {
    built_rows.is_some_and(|b| b > 0 && (b - rows) as f64 >= b as f64 * REINDEX_AFTER_LOSS)
}

/// Whether a tier of `rows` rows whose index takes `index_bytes` holds
/// [`REINDEX_AFTER_LOSS`] of them or more in elements beyond them, by V14's
/// `element_bytes` (the bytes of one element at the index's build; `None`
/// for either: not known). A row re-written in place (the Python services'
/// `ON CONFLICT DO UPDATE` with a new vector) leaves its old element in the
/// graph, dead, and adds one, without changing the count [`lost_rows`]
/// reads; VACUUM then repairs the graph around it as around a deleted row.
/// An HNSW index only grows, by the same bytes an element whether built or
/// inserted (500 for a quantized 1536-dim graph, 8,192 for a full-vector
/// one: BENCHMARKS.md, "Rows re-written in place"), so its bytes past the
/// metapage over `element_bytes` count its elements, live and dead, to
/// within its last page: the excess must also be two pages' worth.
pub fn dead_elements(rows: i64, index_bytes: Option<i64>, element_bytes: Option<f64>) -> bool {
    const PAGE: f64 = 8192.0;
    let (Some(bytes), Some(each)) = (index_bytes, element_bytes) else {
        return false;
    };
    if each <= 0.0 || rows <= 0 {
        return false;
    }
    let excess = (bytes as f64 - PAGE) / each - rows as f64;
    excess >= (rows as f64 * REINDEX_AFTER_LOSS).max(2.0 * PAGE / each)
}

/// A tier's index is measured again by `tiers --apply` once the tier holds
/// this many times the rows it was last measured at ([`outgrown`]): rows
/// inserted since went into an index that was not measured on them (a
/// graph needs more `ef_search` as it grows; a Hamming list reads every
/// row's bits, and past [`HAMMING_LIST_MAX_ROWS`] a Hamming graph may serve
/// it faster). Doubling bounds the work: a tier that grows from 1K to 1M
/// rows is measured about ten times, and a measurement that rebuilds
/// (a denser graph, or graphs tried for a list) costs no more than the
/// next build of the tier at its size would.
pub const REMEASURE_AFTER_GROWTH: f64 = 2.0;

/// Whether a tier of `rows` rows whose index was last measured at
/// `measured_rows` (V15) holds [`REMEASURE_AFTER_GROWTH`] times them or
/// more (`None`: not known, no index or not yet migrated).
pub fn outgrown(rows: i64, measured_rows: Option<i64>) -> bool {
    measured_rows.is_some_and(|m| m > 0 && rows as f64 >= m as f64 * REMEASURE_AFTER_GROWTH)
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

/// Whether a bulk load of `load` rows into a tier of `rows` rows that has an
/// index should drop it and build it again afterwards.
pub fn load_rebuilds(load: usize, rows: i64) -> bool {
    load > REBUILD_LOAD_ROWS || load as f64 > rows.max(0) as f64 * REBUILD_LOAD_SHARE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tier_has_lost_rows_from_one_percent_of_those_built_over() {
        assert!(!lost_rows(991, Some(1000)));
        assert!(lost_rows(990, Some(1000)));
        assert!(lost_rows(0, Some(1000)));
        // Grown, not built yet, or built before V13 (unknown): no.
        assert!(!lost_rows(1200, Some(1000)));
        assert!(!lost_rows(10, None));
        assert!(!lost_rows(0, Some(0)));
    }

    #[test]
    fn a_tier_is_measured_again_once_it_doubles() {
        assert!(!outgrown(1999, Some(1000)));
        assert!(outgrown(2000, Some(1000)));
        assert!(outgrown(500_000, Some(5000)));
        // Shrunk, or not known: no.
        assert!(!outgrown(500, Some(1000)));
        assert!(!outgrown(5000, None));
        assert!(!outgrown(5000, Some(0)));
    }

    #[test]
    fn an_index_holds_dead_elements_past_one_percent_and_two_pages() {
        // A quantized 1536-dim tier of 5,000 rows, 500 bytes an element.
        let bytes = |elements: i64| Some(8192 + elements * 500);
        assert!(!dead_elements(5000, bytes(5000), Some(500.0)));
        assert!(!dead_elements(5000, bytes(5049), Some(500.0)));
        assert!(dead_elements(5000, bytes(5050), Some(500.0)));
        // Deleted rows leave their elements too.
        assert!(dead_elements(4950, bytes(5000), Some(500.0)));
        // A small tier: two pages' worth (33 elements) above 1 % (10).
        assert!(!dead_elements(1000, bytes(1032), Some(500.0)));
        assert!(dead_elements(1000, bytes(1033), Some(500.0)));
        // A full-vector 1536-dim graph: a page an element.
        assert!(dead_elements(2000, Some(8192 * 2021), Some(8192.0)));
        assert!(!dead_elements(2000, Some(8192 * 2020), Some(8192.0)));
        // Unknown: no.
        assert!(!dead_elements(2000, None, Some(8192.0)));
        assert!(!dead_elements(2000, bytes(9000), None));
        assert!(!dead_elements(0, bytes(9000), Some(500.0)));
    }

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
    fn indexes_come_at_the_threshold_and_go_below_half() {
        assert!(!wants_index(999, 1000, false));
        assert!(wants_index(1000, 1000, false));
        assert!(wants_index(500, 1000, true));
        assert!(!wants_index(499, 1000, true));
        assert_eq!(tier_ef_search(4_999), Some(SMALL_TIER_EF_SEARCH));
        assert_eq!(tier_ef_search(5_000), None);
        assert_eq!(tier_ef_search(19_999), None);
        assert_eq!(tier_ef_search(20_000), Some(LARGE_TIER_EF_SEARCH));
    }

    #[test]
    fn load_rebuilds_and_rerank_candidates() {
        assert!(load_rebuilds(10_001, 1_000_000));
        assert!(load_rebuilds(300, 1_000));
        assert!(!load_rebuilds(100, 1_000));
        assert_eq!(rerank_candidates(10, 5_000), 100);
        assert_eq!(rerank_candidates(1, 19_999), 100);
        assert_eq!(rerank_candidates(50, 5_000), 500);
        assert_eq!(rerank_candidates(10, LARGE_TIER_ROWS), 200);
        assert_eq!(rerank_candidates(50, 100_000), 500);
    }
}
