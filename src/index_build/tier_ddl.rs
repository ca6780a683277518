//! Which index a tier gets and what its measurement decides ([`crate::tiers`]):
//! builds (a Hamming list, Hamming graphs, the full-vector graph, in that
//! order of preference), each measured on its data ([`super::tier_ef`]),
//! conversions and measurements again; [`super::tier_index`] builds each
//! index, [`super::registry`] records the tier. Used by
//! [`crate::Database::maintain_tiers`] and by bulk loads.

use std::time::Instant;

use super::tier_ef::{CANDIDATES, measure_tier_ef};
use super::tier_index::{Graph, build_tier_index, swap_in};
use super::tier_plan::builds_hamming_list;
use super::tiers::TierPlan;
use crate::error::Result;
use crate::tiers::{
    CONTRACT_INDEX, DENSE_HNSW_EF_CONSTRUCTION, DENSE_HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_M,
    LIST_CANDIDATES, MAX_EF_SEARCH_BEFORE_DENSE, QUANTIZED_EF_CONSTRUCTION, QUANTIZED_M,
    QUANTIZED_MIN_DIMENSION, first_quantized_m, min_rerank_candidates,
};

/// Builds `tier`'s index on `client` (a schema connection) with
/// `maintenance_work_mem` `mb`, then measures its `ef_search` on its data
/// ([`super::tier_ef`]). At [`QUANTIZED_MIN_DIMENSION`] dimensions or more
/// (`dimension`, the column's) the index is first built on
/// `binary_quantize(embedding)` as a Hamming list ([`settle`]: kept up
/// to `list_rows` rows; above, the gate for Hamming graphs of
/// [`QUANTIZED_M`] in turn from [`first_quantized_m`], each measured up to
/// [`MAX_EF_SEARCH_BEFORE_DENSE`], then the list again) and kept when one
/// reaches the target (`tier.quantized`), else replaced by the
/// full-vector graph. When a full-vector graph of
/// [`HNSW_M`] does not reach the target by [`MAX_EF_SEARCH_BEFORE_DENSE`],
/// builds a denser one ([`DENSE_HNSW_M`]) under another name, swaps it in
/// (the tier keeps an index throughout) and measures again. Sets
/// `tier.build_seconds` (the builds), `tier.hnsw_m`, `tier.quantized`,
/// `tier.measured` and, when measured, `tier.ef_search`.
pub(crate) async fn build_and_measure(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
    (dimension, list_rows): (usize, i64),
) -> Result<()> {
    let started = Instant::now();
    let name = tier.index_name.clone();
    if tries_quantized(tier, dimension) {
        let large = !builds_hamming_list(tier.rows, list_rows);
        let list = Graph::List(dimension);
        build_tier_index(client, tier, &name, mb, (list, started)).await?;
        if settle(client, tier, mb, dimension, (started, large, true)).await? {
            return Ok(());
        }
    }
    let graph = Graph::Vector(HNSW_M, HNSW_EF_CONSTRUCTION);
    build_tier_index(client, tier, &name, mb, (graph, started)).await?;
    measure_or_densify(client, tier, mb, started).await
}

/// Builds a Hamming list for `tier`'s Hamming graph
/// ([`TierAction::Convert`](super::TierAction::Convert)) under another
/// name, swaps it in and measures it ([`settle_quantized`]; when it misses,
/// the full-vector graph is swapped in and measured).
pub(crate) async fn convert(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
    dimension: usize,
) -> Result<()> {
    let started = Instant::now();
    let name = tier.index_name.clone();
    swap_in(client, tier, &name, mb, (Graph::List(dimension), started)).await?;
    settle_or_full_vector(client, tier, mb, dimension, (started, false, true)).await
}

/// Keeps `tier`'s quantized index when it reaches the target
/// ([`settle`]); else builds the full-vector graph under another name,
/// swaps it in and measures it ([`measure_or_densify`]).
async fn settle_or_full_vector(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
    dimension: usize,
    (started, large, graphs): (Instant, bool, bool),
) -> Result<()> {
    if settle(client, tier, mb, dimension, (started, large, graphs)).await? {
        return Ok(());
    }
    let (name, graph) = (
        tier.index_name.clone(),
        Graph::Vector(HNSW_M, HNSW_EF_CONSTRUCTION),
    );
    swap_in(client, tier, &name, mb, (graph, started)).await?;
    measure_or_densify(client, tier, mb, started).await
}

/// [`settle_quantized`], first gated for a `large` tier (more rows than a
/// list takes), whose index is then a Hamming list built to measure it:
/// the list's exact Hamming order is the most any Hamming index reaches
/// with its candidates, so when it misses the tier gets the full-vector
/// graph at once (no Hamming graph can pass, and at 210K rows each takes
/// minutes to build); when it reaches the target only with more
/// candidates than a graph re-ranks, the tier keeps the list (no graph
/// can pass with fewer); else, with `graphs`, Hamming graphs are tried
/// from [`first_quantized_m`] (faster than the list where they hold their
/// recall), and the list comes back when they miss; without, the list is
/// kept (they missed it at fewer rows: [`remeasure`]).
async fn settle(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
    dimension: usize,
    (started, large, graphs): (Instant, bool, bool),
) -> Result<bool> {
    if large {
        let ceiling = measure_tier_ef(client, tier, LIST_MAX_CANDIDATES, Some(dimension)).await?;
        let Some(ceiling) = ceiling.filter(|m| m.reached) else {
            tracing::info!(
                tenant = tier.tenant_id,
                entity_type = tier.entity_type.as_str(),
                rows = tier.rows,
                recall = ceiling.map(|m| m.recall),
                "the tier's Hamming list misses its recall (or could not be measured): no \
                 Hamming graph can reach it, building the full-vector graph"
            );
            tier.quantized = false;
            return Ok(false);
        };
        // A graph re-ranks the fewest candidates, too few here; or graphs
        // missed this list at fewer rows, and miss more with more.
        if i64::from(ceiling.ef_search) > min_rerank_candidates(tier.rows) || !graphs {
            if !graphs {
                tracing::info!(
                    tenant = tier.tenant_id,
                    entity_type = tier.entity_type.as_str(),
                    rows = tier.rows,
                    measured_rows = tier.measured_rows,
                    "the tier's Hamming list stays: Hamming graphs missed it when it was \
                     last measured, past the list's rows (`tiers --apply --remeasure` tries \
                     them again)"
                );
            }
            tier.quantized = true;
            tier.measured = Some(ceiling);
            record_measurement(tier);
            return Ok(true);
        }
        let (name, graph) = (
            tier.index_name.clone(),
            Graph::Quantized(
                dimension,
                first_quantized_m(tier.rows),
                QUANTIZED_EF_CONSTRUCTION,
            ),
        );
        swap_in(client, tier, &name, mb, (graph, started)).await?;
    }
    settle_quantized(client, tier, mb, dimension, started).await
}

/// Whether `tier`'s index is tried on `binary_quantize(embedding)` first:
/// at [`QUANTIZED_MIN_DIMENSION`] dimensions or more, never for the index
/// the Python services search ([`CONTRACT_INDEX`], a full-vector graph).
fn tries_quantized(tier: &TierPlan, dimension: usize) -> bool {
    dimension >= QUANTIZED_MIN_DIMENSION && tier.index_name != CONTRACT_INDEX
}

/// Measures `tier`'s quantized index: a Hamming list (`tier.hnsw_m`
/// `None`) once, with its re-rank candidates; a graph of `tier.hnsw_m` up
/// to [`MAX_EF_SEARCH_BEFORE_DENSE`]. When it misses, builds the next
/// quantized index ([`next_quantized`]: a denser graph of [`QUANTIZED_M`],
/// after the densest a list) under another name, swaps it in and measures
/// it the same way. True when one reaches the target (recorded:
/// `tier.quantized`, `tier.measured`, `tier.ef_search`); else (a list
/// missed, or the tier could not be measured) the tier's index is still
/// the last quantized one, which the caller replaces by the full-vector
/// graph. A denser Hamming graph at a smaller `ef_search` costs less per
/// search than a sparse one at 300-400, and builds in seconds
/// (BENCHMARKS.md, "Denser Hamming graphs, not larger `ef_search`"); a
/// list's order is exact, its recall the quantization's, which no graph
/// passes (BENCHMARKS.md, "Hamming lists": a 210K-row tier whose graphs
/// reached 0.92-0.98 and whose full-vector graph 0.56-0.87 reached 1.0 as a
/// list).
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
    loop {
        let list = tier.hnsw_m.is_none();
        let max = if list {
            LIST_MAX_CANDIDATES
        } else {
            MAX_EF_SEARCH_BEFORE_DENSE
        };
        let measured = measure_tier_ef(client, tier, max, Some(dimension)).await?;
        if measured.is_some_and(|m| m.reached) {
            tier.quantized = true;
            tier.measured = measured;
            record_measurement(tier);
            return Ok(true);
        }
        let next = measured.and_then(|_| next_quantized(tier.hnsw_m, dimension));
        tracing::info!(
            tenant,
            entity_type = ty.as_str(),
            rows = tier.rows,
            hamming_list = list,
            hnsw_m = tier.hnsw_m,
            recall = measured.map(|m| m.recall),
            "the tier's quantized index misses its recall at ef_search {max} (or could not \
             be measured): {}",
            match next {
                Some(Graph::Quantized(_, d, _)) => format!("building it again with m = {d}"),
                Some(_) => "building it as a Hamming list".to_string(),
                None => "building the full-vector graph".to_string(),
            }
        );
        let Some(graph) = next else {
            tier.quantized = false;
            return Ok(false);
        };
        swap_in(client, tier, &name, mb, (graph, started)).await?;
    }
}

/// The most re-rank candidates a Hamming list is measured at (its values
/// are its candidates: it has no graph).
const LIST_MAX_CANDIDATES: u32 = LIST_CANDIDATES[LIST_CANDIDATES.len() - 1];

/// The quantized index tried after one of `m` (`None`: a list) missed: the
/// next graph of [`QUANTIZED_M`], after the densest a list, after a list
/// none (the full-vector graph).
fn next_quantized(m: Option<u32>, dimension: usize) -> Option<Graph> {
    let m = m?;
    Some(match QUANTIZED_M.into_iter().find(|d| *d > m) {
        Some(d) => Graph::Quantized(dimension, d, DENSE_HNSW_EF_CONSTRUCTION),
        None => Graph::List(dimension),
    })
}

/// Measures again the `ef_search` of `tier`, which keeps its index, on its
/// graph as it is now ([`TierAction::Remeasure`](super::TierAction::Remeasure):
/// the tier doubled since its last measurement, or `tiers --apply
/// --remeasure`). A quantized index as a build's ([`settle_quantized`];
/// when that misses, the full-vector graph is built under another name and
/// swapped in, then measured as a build's), except that a Hamming list of
/// more than `list_rows` rows first tries Hamming graphs again, as a build
/// of its rows would, unless it was last measured past `list_rows` too
/// (the graphs missed it then, at fewer rows: each try builds a graph of
/// the whole tier, minutes at 100K rows) and the operator did not ask
/// (`asked`: `tiers --apply --remeasure`). A full-vector one up to
/// [`MAX_EF_SEARCH_BEFORE_DENSE`] in a graph of [`HNSW_M`], then as a
/// build does (a denser graph when that misses), up to the last candidate
/// in a dense one. Sets `tier.measured`
/// and, when measured, `tier.ef_search` (never below the ladder's value for
/// its rows: the measurement starts there); `tier.build_seconds` when it
/// swapped in a new index.
pub(crate) async fn remeasure(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
    (dimension, list_rows): (usize, i64),
    asked: bool,
) -> Result<()> {
    let started = Instant::now();
    let large = tier.hamming_list() && !builds_hamming_list(tier.rows, list_rows);
    // A list last measured past the list's rows is one whose Hamming
    // graphs missed (or needed more candidates than a graph re-ranks):
    // a graph's recall only falls as its rows grow.
    let graphs_missed = large
        && tier
            .measured_rows
            .is_some_and(|m| !builds_hamming_list(m, list_rows));
    if tier.quantized {
        let graphs = asked || !graphs_missed;
        return settle_or_full_vector(client, tier, mb, dimension, (started, large, graphs)).await;
    }
    if tier.hnsw_m.unwrap_or(HNSW_M) >= DENSE_HNSW_M {
        let last = *CANDIDATES.last().expect("candidates");
        tier.measured = measure_tier_ef(client, tier, last, None).await?;
        record_measurement(tier);
        return Ok(());
    }
    measure_or_densify(client, tier, mb, started).await
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

/// Stores a measurement in `tier.ef_search` (a Hamming list's value is
/// its re-rank candidates: it has no graph to walk), and logs it.
fn record_measurement(tier: &mut TierPlan) {
    if let Some(m) = tier.measured {
        // A Hamming list's value is its candidates.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quantized_graph_that_misses_is_built_denser_up_to_m_48_then_as_a_list() {
        let m = |g: Option<Graph>| match g {
            Some(Graph::Quantized(1536, m, DENSE_HNSW_EF_CONSTRUCTION)) => Some(m),
            _ => None,
        };
        assert_eq!(m(next_quantized(Some(HNSW_M), 1536)), Some(DENSE_HNSW_M));
        assert_eq!(m(next_quantized(Some(DENSE_HNSW_M), 1536)), Some(48));
        assert!(matches!(
            next_quantized(Some(48), 1536),
            Some(Graph::List(1536))
        ));
        assert!(
            next_quantized(None, 1536).is_none(),
            "after a list: the full vector"
        );
    }
}
