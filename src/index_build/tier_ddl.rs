//! The DDL of one tier ([`crate::tiers`]): building its index (`CREATE
//! INDEX CONCURRENTLY`, `maintenance_work_mem` sized) and measuring its
//! `ef_search` ([`super::tier_ef`]); [`super::registry`] records it. Used by
//! [`crate::Database::maintain_tiers`] and by bulk loads.

use std::time::Instant;

use truthgraph_queries::queries::tiers as q;

use super::quantized_build_memory_bytes;
use super::tier_ef::{CANDIDATES, measure_tier_ef};
use super::tiers::TierPlan;
use crate::error::Result;
use crate::raw_sql;
use crate::tiers::{
    CONTRACT_INDEX, DENSE_HNSW_EF_CONSTRUCTION, DENSE_HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_M,
    MAX_EF_SEARCH_BEFORE_DENSE, QUANTIZED_EF_CONSTRUCTION, QUANTIZED_M, QUANTIZED_MIN_DIMENSION,
    dense_build_name,
};

/// The least `maintenance_work_mem` a build is given, MB (PostgreSQL's
/// default).
const MIN_BUILD_MEMORY_MB: u64 = 64;

/// Builds `tier`'s index on `client` (a schema connection) with
/// `maintenance_work_mem` `mb`, then measures its `ef_search` on its data
/// ([`super::tier_ef`]). At [`QUANTIZED_MIN_DIMENSION`] dimensions or more
/// (`dimension`, the column's) the index is first built on
/// `binary_quantize(embedding)` ([`settle_quantized`]: graphs of
/// [`QUANTIZED_M`] in turn, each measured up to
/// [`MAX_EF_SEARCH_BEFORE_DENSE`]) and kept when one reaches the target
/// (`tier.quantized`), else
/// replaced by the full-vector graph. When a full-vector graph of
/// [`HNSW_M`] does not reach the target by [`MAX_EF_SEARCH_BEFORE_DENSE`],
/// builds a denser one ([`DENSE_HNSW_M`]) under another name, swaps it in
/// (the tier keeps an index throughout) and measures again. Sets
/// `tier.build_seconds` (the builds), `tier.hnsw_m`, `tier.quantized`,
/// `tier.measured` and, when measured, `tier.ef_search`.
pub(crate) async fn build_and_measure(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
    dimension: usize,
) -> Result<()> {
    let started = Instant::now();
    let name = tier.index_name.clone();
    if tries_quantized(tier, dimension) {
        let graph = Graph::Quantized(dimension, HNSW_M, QUANTIZED_EF_CONSTRUCTION);
        build_tier_index(client, tier, &name, mb, (graph, started)).await?;
        if settle_quantized(client, tier, mb, dimension, started).await? {
            return Ok(());
        }
    }
    let graph = Graph::Vector(HNSW_M, HNSW_EF_CONSTRUCTION);
    build_tier_index(client, tier, &name, mb, (graph, started)).await?;
    measure_or_densify(client, tier, mb, started).await
}

/// Whether `tier`'s index is tried on `binary_quantize(embedding)` first:
/// at [`QUANTIZED_MIN_DIMENSION`] dimensions or more, never for the index
/// the Python services search ([`CONTRACT_INDEX`], a full-vector graph).
fn tries_quantized(tier: &TierPlan, dimension: usize) -> bool {
    dimension >= QUANTIZED_MIN_DIMENSION && tier.index_name != CONTRACT_INDEX
}

/// Measures `tier`'s quantized index (a graph of `tier.hnsw_m`) up to
/// [`MAX_EF_SEARCH_BEFORE_DENSE`]; when that misses, builds the next
/// denser graph of [`QUANTIZED_M`] under another name, swaps it in and
/// measures it the same way. True when one reaches the target (recorded:
/// `tier.quantized`, `tier.measured`, `tier.ef_search`); else (the densest
/// missed, or the tier could not be measured) the tier's index is still
/// the last quantized one, which the caller replaces by the full-vector
/// graph. A denser Hamming graph at a smaller `ef_search` costs less per
/// search than a sparse one at 300-400, and builds in seconds
/// (BENCHMARKS.md, "Denser Hamming graphs, not larger `ef_search`").
async fn settle_quantized(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
    dimension: usize,
    started: Instant,
) -> Result<bool> {
    let (tenant, ty, name) = (
        tier.tenant_id.clone(),
        tier.entity_type,
        tier.index_name.clone(),
    );
    let max = MAX_EF_SEARCH_BEFORE_DENSE;
    loop {
        let measured = measure_tier_ef(client, tier, max, Some(dimension)).await?;
        if measured.is_some_and(|m| m.reached) {
            tier.quantized = true;
            tier.measured = measured;
            record_measurement(tier);
            return Ok(true);
        }
        let m = tier.hnsw_m.unwrap_or(HNSW_M);
        let denser = measured.and_then(|_| denser_quantized(m));
        tracing::info!(
            tenant,
            entity_type = ty.as_str(),
            rows = tier.rows,
            hnsw_m = m,
            recall = measured.map(|m| m.recall),
            "the tier's quantized index misses its recall at ef_search {max} (or could not \
             be measured): {}",
            match denser {
                Some(d) => format!("building it again with m = {d}"),
                None => "building the full-vector graph".to_string(),
            }
        );
        let Some(d) = denser else {
            tier.quantized = false;
            return Ok(false);
        };
        let graph = Graph::Quantized(dimension, d, DENSE_HNSW_EF_CONSTRUCTION);
        swap_in(client, tier, &name, mb, (graph, started)).await?;
    }
}

/// The next graph of [`QUANTIZED_M`] after one of `m` (`None`: none denser).
fn denser_quantized(m: u32) -> Option<u32> {
    QUANTIZED_M.into_iter().find(|d| *d > m)
}

/// Measures again the `ef_search` of `tier`, which keeps its index, on its
/// graph as it is now (`tiers --apply --remeasure`): a quantized index as
/// a build's ([`settle_quantized`]; when that misses, the full-vector graph
/// is built under another name and swapped in, then measured as a
/// build's); a full-vector one up to [`MAX_EF_SEARCH_BEFORE_DENSE`] in a
/// graph of [`HNSW_M`], then as a build does (a denser graph when that
/// misses), up to the last candidate in a dense one. Sets `tier.measured`
/// and, when measured, `tier.ef_search` (never below the ladder's value for
/// its rows: the measurement starts there).
pub(crate) async fn remeasure(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
    dimension: usize,
) -> Result<()> {
    let started = Instant::now();
    let name = tier.index_name.clone();
    if tier.quantized {
        if settle_quantized(client, tier, mb, dimension, started).await? {
            return Ok(());
        }
        let graph = Graph::Vector(HNSW_M, HNSW_EF_CONSTRUCTION);
        swap_in(client, tier, &name, mb, (graph, started)).await?;
        return measure_or_densify(client, tier, mb, started).await;
    }
    if tier.hnsw_m.unwrap_or(HNSW_M) >= DENSE_HNSW_M {
        let last = *CANDIDATES.last().expect("candidates");
        tier.measured = measure_tier_ef(client, tier, last, None).await?;
        record_measurement(tier);
        return Ok(());
    }
    measure_or_densify(client, tier, mb, started).await
}

/// HNSW `m` of a tier's index, from its storage parameters (pgvector's
/// default, [`HNSW_M`], when it has none).
pub(crate) fn graph_m(index: Option<&q::TierIndex>) -> u32 {
    index
        .and_then(|ix| ix.options.as_ref())
        .into_iter()
        .flatten()
        .find_map(|o| o.strip_prefix("m=")?.parse().ok())
        .unwrap_or(HNSW_M)
}

/// Measures `tier`'s graph of [`HNSW_M`] up to [`MAX_EF_SEARCH_BEFORE_DENSE`];
/// when that misses the target, builds a denser one under another name,
/// swaps it in and measures it up to the last candidate.
async fn measure_or_densify(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
    started: Instant,
) -> Result<()> {
    let (tenant, ty, name) = (
        tier.tenant_id.clone(),
        tier.entity_type,
        tier.index_name.clone(),
    );
    tier.measured = measure_tier_ef(client, tier, MAX_EF_SEARCH_BEFORE_DENSE, None).await?;
    if tier.measured.is_some_and(|m| !m.reached) {
        tracing::info!(
            tenant,
            entity_type = ty.as_str(),
            rows = tier.rows,
            "the tier's graph misses its recall at ef_search {MAX_EF_SEARCH_BEFORE_DENSE}: \
             building it again with m = {DENSE_HNSW_M}"
        );
        let graph = Graph::Vector(DENSE_HNSW_M, DENSE_HNSW_EF_CONSTRUCTION);
        swap_in(client, tier, &name, mb, (graph, started)).await?;
        let last = *CANDIDATES.last().expect("candidates");
        tier.measured = measure_tier_ef(client, tier, last, None).await?;
    }
    record_measurement(tier);
    Ok(())
}

/// Stores a measurement in `tier.ef_search`, and logs it.
fn record_measurement(tier: &mut TierPlan) {
    if let Some(m) = tier.measured {
        tier.ef_search = Some(m.ef_search);
        tracing::info!(
            tenant = tier.tenant_id,
            entity_type = tier.entity_type.as_str(),
            rows = tier.rows,
            hnsw_m = tier.hnsw_m,
            ef_search = m.ef_search,
            recall = m.recall,
            reached = m.reached,
            "measured the tier's ef_search on its data"
        );
    }
}

/// What a tier index is built on.
#[derive(Debug, Clone, Copy)]
enum Graph {
    /// The full vector, HNSW (`m`, `ef_construction`).
    Vector(u32, u32),
    /// `binary_quantize(embedding)` of this dimension, HNSW (`m`,
    /// `ef_construction`).
    Quantized(usize, u32, u32),
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
        }
    }

    /// Its HNSW `m`.
    fn m(self) -> u32 {
        match self {
            Graph::Vector(m, _) | Graph::Quantized(_, m, _) => m,
        }
    }
}

/// Builds `graph` for `tier` under a replacement name
/// ([`dense_build_name`]), then swaps it in under `name` (the tier keeps an
/// index throughout); records it as [`build_tier_index`] does.
async fn swap_in(
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
async fn build_tier_index(
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
    };
    let built = super::build_index(client, &ddl, Some(name)).await;
    if let Err(e) = built {
        let _ = client
            .batch_execute(&raw_sql::drop_index_concurrently(name))
            .await;
        return Err(crate::error::ddl_error(e));
    }
    tier.hnsw_m = Some(graph.m());
    tier.build_seconds = Some(started.elapsed().as_secs_f64());
    Ok(())
}

/// `maintenance_work_mem` for building `tier`'s graph again as it is, MB,
/// `mb` having been planned for its full-vector graph (a quantized graph
/// gets its own need, [`Graph::memory_mb`]).
pub(super) fn rebuild_memory_mb(tier: &TierPlan, mb: u64, dimension: usize) -> u64 {
    if !tier.quantized {
        return mb;
    }
    let m = tier.hnsw_m.unwrap_or(HNSW_M);
    Graph::Quantized(dimension, m, QUANTIZED_EF_CONSTRUCTION).memory_mb(tier.rows, mb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quantized_graph_that_misses_is_built_denser_up_to_m_48() {
        assert_eq!(denser_quantized(HNSW_M), Some(DENSE_HNSW_M));
        assert_eq!(denser_quantized(DENSE_HNSW_M), Some(48));
        assert_eq!(denser_quantized(48), None);
    }

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
}
