//! A tier's index itself ([`crate::tiers`]): what it is built on
//! ([`Graph`]: the full vector, a Hamming graph or a Hamming list), how it
//! is built (`CREATE INDEX CONCURRENTLY`, `maintenance_work_mem` sized) or
//! built under another name and swapped in, and what the catalog says of
//! one ([`graph_m`]). [`super::tier_ddl`] decides which to build.

use std::time::Instant;

use truthgraph_queries::queries::tiers as q;

use super::quantized_build_memory_bytes;
use super::tiers::TierPlan;
use crate::error::Result;
use crate::raw_sql;
use crate::tiers::{HNSW_M, QUANTIZED_EF_CONSTRUCTION, dense_build_name};

/// The least `maintenance_work_mem` a build is given, MB (PostgreSQL's
/// default).
const MIN_BUILD_MEMORY_MB: u64 = 64;

/// HNSW `m` of a tier's index, from its storage parameters (pgvector's
/// default, [`HNSW_M`], when it has none, or has no index); `None` for a
/// Hamming list (IVFFlat: `lists=1`), which has no graph.
pub(crate) fn graph_m(index: Option<&q::TierIndex>) -> Option<u32> {
    let mut options = index
        .and_then(|ix| ix.options.as_ref())
        .into_iter()
        .flatten();
    if options.clone().any(|o| o.starts_with("lists=")) {
        return None;
    }
    Some(
        options
            .find_map(|o| o.strip_prefix("m=")?.parse().ok())
            .unwrap_or(HNSW_M),
    )
}

/// What a tier index is built on.
#[derive(Debug, Clone, Copy)]
pub(super) enum Graph {
    /// The full vector, HNSW (`m`, `ef_construction`).
    Vector(u32, u32),
    /// `binary_quantize(embedding)` of this dimension, HNSW (`m`,
    /// `ef_construction`).
    Quantized(usize, u32, u32),
    /// `binary_quantize(embedding)` of this dimension, a Hamming list
    /// (IVFFlat, one list).
    List(usize),
}

impl Graph {
    /// `maintenance_work_mem` for building it over `rows` rows, MB, when
    /// `planned` was planned for the tier's full-vector graph: a quantized
    /// graph needs a fraction of that, and a parallel build allocates all
    /// it is given, so it gets its own need (at least
    /// [`MIN_BUILD_MEMORY_MB`]).
    fn memory_mb(self, rows: i64, planned: u64) -> u64 {
        match self {
            Graph::Vector(..) => planned,
            Graph::Quantized(dim, m, _) => {
                let need = quantized_build_memory_bytes(rows, dim, m).div_ceil(1 << 20);
                planned.min(need.max(MIN_BUILD_MEMORY_MB))
            }
            // One list: no centres to learn, a row's bits at a time.
            Graph::List(_) => planned.min(MIN_BUILD_MEMORY_MB),
        }
    }

    /// Its HNSW `m` (`None`: a list).
    fn m(self) -> Option<u32> {
        match self {
            Graph::Vector(m, _) | Graph::Quantized(_, m, _) => Some(m),
            Graph::List(_) => None,
        }
    }
}

/// Builds `graph` for `tier` under a replacement name
/// ([`dense_build_name`]), then swaps it in under `name` (the tier keeps an
/// index throughout); records it as [`build_tier_index`] does.
pub(super) async fn swap_in(
    client: &tokio_postgres::Client,
    tier: &mut TierPlan,
    name: &str,
    mb: u64,
    built: (Graph, Instant),
) -> Result<()> {
    let replacement = dense_build_name(name);
    build_tier_index(client, tier, &replacement, mb, built).await?;
    client
        .batch_execute(&raw_sql::drop_index_concurrently(name))
        .await?;
    client
        .batch_execute(&raw_sql::rename_index(&replacement, name))
        .await?;
    Ok(())
}

/// Builds the index `name` of `tier` on `client` (a schema connection) on
/// `graph`: drops an invalid leftover (or the tier's other index) of that
/// name first, sets `maintenance_work_mem` to `mb`, and drops the invalid
/// index a failed build leaves. Records the graph's m in `tier.hnsw_m` and
/// the time since `started` (the tier's first build) in
/// `tier.build_seconds`.
pub(super) async fn build_tier_index(
    client: &tokio_postgres::Client,
    tier: &mut TierPlan,
    name: &str,
    mb: u64,
    (graph, started): (Graph, Instant),
) -> Result<()> {
    client
        .batch_execute(&raw_sql::drop_index_concurrently(name))
        .await?;
    let mb = graph.memory_mb(tier.rows, mb);
    client
        .batch_execute(&raw_sql::set_maintenance_work_mem_mb(mb))
        .await?;
    let (tenant, ty) = (tier.tenant_id.as_str(), tier.entity_type);
    let ddl = match graph {
        Graph::Vector(m, efc) => {
            raw_sql::create_tier_index_concurrently(name, tenant, ty, (m, efc))
        }
        Graph::Quantized(dim, m, efc) => {
            raw_sql::create_quantized_tier_index_concurrently(name, tenant, ty, dim, (m, efc))
        }
        Graph::List(dim) => raw_sql::create_hamming_list_index_concurrently(name, tenant, ty, dim),
    };
    let built = super::build_index(client, &ddl, Some(name)).await;
    if let Err(e) = built {
        let _ = client
            .batch_execute(&raw_sql::drop_index_concurrently(name))
            .await;
        return Err(crate::error::ddl_error(e));
    }
    tier.hnsw_m = graph.m();
    tier.build_seconds = Some(started.elapsed().as_secs_f64());
    Ok(())
}

/// `maintenance_work_mem` for building `tier`'s graph again as it is, MB,
/// `mb` having been planned for its full-vector graph (a quantized graph
/// gets its own need, [`Graph::memory_mb`]).
pub(super) fn rebuild_memory_mb(tier: &TierPlan, mb: u64, dimension: usize) -> u64 {
    let graph = match (tier.quantized, tier.hnsw_m) {
        (false, _) => return mb,
        (true, None) => Graph::List(dimension),
        (true, Some(m)) => Graph::Quantized(dimension, m, QUANTIZED_EF_CONSTRUCTION),
    };
    graph.memory_mb(tier.rows, mb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiers::{DENSE_HNSW_M, HNSW_EF_CONSTRUCTION};

    #[test]
    fn a_quantized_graph_is_given_its_own_need_not_the_full_vectors() {
        let (full, q16, q32) = (
            Graph::Vector(HNSW_M, HNSW_EF_CONSTRUCTION),
            Graph::Quantized(1536, HNSW_M, QUANTIZED_EF_CONSTRUCTION),
            Graph::Quantized(1536, DENSE_HNSW_M, QUANTIZED_EF_CONSTRUCTION),
        );
        // 300K x 1536: the full vector's 2,048 (capped) stays as planned.
        assert_eq!(full.memory_mb(300_000, 2_048), 2_048);
        assert_eq!(q16.memory_mb(300_000, 2_048), 306);
        assert_eq!(q32.memory_mb(300_000, 2_048), 468);
        // Small graphs: the floor; never more than planned.
        assert_eq!(q16.memory_mb(2_000, 2_048), MIN_BUILD_MEMORY_MB);
        assert_eq!(q16.memory_mb(2_000, 32), 32);
    }

    #[test]
    fn a_hamming_list_is_read_back_as_no_graph() {
        let ix = |options: &[&str]| q::TierIndex {
            index_name: "idx".into(),
            is_valid: true,
            predicate: None,
            bytes: 0,
            options: Some(options.iter().map(|o| o.to_string()).collect()),
            quantized: true,
        };
        assert_eq!(graph_m(Some(&ix(&["lists=1"]))), None);
        assert_eq!(
            graph_m(Some(&ix(&["m=48", "ef_construction=128"]))),
            Some(48)
        );
        assert_eq!(graph_m(Some(&ix(&[]))), Some(HNSW_M));
        assert_eq!(graph_m(None), Some(HNSW_M));
        assert_eq!(
            Graph::List(1536).memory_mb(1_000_000, 2_048),
            MIN_BUILD_MEMORY_MB
        );
    }
}
