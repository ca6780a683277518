//! Measuring the `hnsw.ef_search` a tier's own index needs, right after it
//! is built ([`crate::tiers`]).
//!
//! A fixed ladder by row count (64 below 5K rows, 100 to 20K, 200 above:
//! [`tier_ef_search`]) reaches recall@10 0.99+ on real text embeddings, but
//! harder data needs more: on the synthetic low-rank 1536-dim set, tenants
//! of 5K-10K rows reached only 0.92-0.96 at 64-100 (BENCHMARKS.md). So each
//! build measures its tier: [`SAMPLE`] queries, exact search of the tier as
//! the truth, the ladder's value as the floor ([`ef_floor`]: the ladder is
//! a graph of m 16's, a denser graph's floor is at most
//! [`TIER_EF_SEARCH`]); the first candidate from it
//! up that reaches [`TARGET_RECALL`] with one standard error to spare
//! ([`recall_of_probes`]) is stored, or the largest candidate when none
//! does. A quantized index (`binary_quantize(embedding)`, see
//! [`crate::tiers`]) is measured with its own search (Hamming candidates
//! re-ranked by the full vector), from at least its re-rank candidates (100,
//! 200 in a large tier): its search takes them from the graph whatever
//! `ef_search` is.
//!
//! The queries are vectors the index does not hold, as a search's are: a
//! stored row finds itself and its graph neighbours at once (on uniform
//! 256-dim data, 2,000 rows: recall 0.99+ at `ef_search` 64 for stored
//! rows, 0.90-0.93 for new points). In order of preference: the tenant's
//! embeddings of the other entity type (its claims, for its evidence: what
//! that tier is asked), else a sample of the tier's own rows, each moved in
//! a random direction by its distance to its nearest row (`displaced`).
//! Two sources were tried and left: other tenants' rows (another
//! distribution: a clustered tenant then measured 100-150 where 64 gives
//! recall 1.0 on its own queries) and points halfway between pairs of rows
//! (between clusters: the same overestimate; between near neighbours: an
//! underestimate on uniform data). The moved rows follow held-out recall on
//! real text, uniform and clustered data, a little optimistic; they do not
//! on the bench's synthetic low-rank set, whose 5K-10K-row tiers they pass
//! at 64-100 where new points reach 0.92-0.95 (docs/research/issue16-designs.md
//! section 12): only real queries (claims) measure such data right.
//!
//! It runs in a read-only transaction on the schema connection, after
//! checking that the tier's index is the one planned.

use pgvector::Vector;
use tokio_postgres::types::ToSql;
use truthgraph_queries::queries::tiers as q;
use truthgraph_vector_ref::VectorRef;

use super::tier_probes::probe_queries;
use super::tiers::TierPlan;
use crate::error::Result;
use crate::raw_sql;
use crate::tiers::{
    HNSW_M, LIST_CANDIDATES, LIST_MAX_CANDIDATE_SHARE, TIER_EF_SEARCH, min_rerank_candidates,
    tier_ef_search,
};

/// Queries per measurement (rows sampled by a hash of the id). 80, not 40:
/// with 40, a graph whose new queries reach only 0.97 at a candidate passed
/// it now and then (2 misses in 400 pass the measurement's margin of one
/// standard error, and a graph that misses 10 in 400 on average shows
/// 2 or fewer in a few % of samples), which left a tier at 0.967-0.972 on
/// new queries (uniform 256-dim data, 5,000 rows, m 32, `ef_search` 100:
/// the moved rows measured 0.967-0.988 there; a test failed 1 run in about
/// 100). With 80, 5 misses in 800 pass and 6 fail, about 40 times rarer
/// from a graph at 0.975, and a candidate that reaches 0.993 passes as
/// often as it did.
pub const SAMPLE: i64 = 80;

/// Fewer queries than this from a source: the next source is tried, and
/// with none the tier is not measured.
pub const MIN_PROBES: usize = 20;

/// Rows per search measured (recall@10).
pub const K: usize = 10;

/// Recall@10 a tier's `ef_search` must reach on the measurement's queries,
/// one standard error below their mean (see `recall_of_probes`). Above the
/// library's aims (0.98 overall, 0.97 per tenant on held-out queries): the
/// moved rows are about 0.01 optimistic on uniform data.
pub const TARGET_RECALL: f64 = 0.99;

/// The `ef_search` values tried, from the ladder's floor up.
pub const CANDIDATES: [u32; 7] = [40, 64, 100, 150, 200, 300, 400];

/// The floor of the measurement of a tier of `rows` rows in a graph of
/// `m`, and what such a tier never measured searches with: the ladder's
/// `ef_search` in a graph of [`HNSW_M`]; in a denser one, the ladder's up
/// to [`TIER_EF_SEARCH`]. The ladder's 200 from 20K rows is what graphs of
/// m 16 needed; the graphs of m 32 the measurement builds when m 16 misses
/// at 200 reach the target at 100-150 as often (1M x 384 derived from the
/// real set, 50K-row tiers: 0.997 at 100 in one, 0.994 at 150 in another,
/// 4.1-5.6 ms against 7.2-7.7 at 200; BENCHMARKS.md, "A denser graph's
/// floor").
pub fn ef_floor(rows: i64, m: u32) -> u32 {
    let ladder = tier_ef_search(rows).unwrap_or(TIER_EF_SEARCH);
    if m > HNSW_M {
        ladder.min(TIER_EF_SEARCH)
    } else {
        ladder
    }
}

/// A tier's `ef_search` as measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredEf {
    /// The value stored.
    pub ef_search: u32,
    /// Mean recall@10 of the measurement's queries at that value.
    pub recall: f64,
    /// Whether it reached [`TARGET_RECALL`] (else it is the largest
    /// candidate tried).
    pub reached: bool,
}

/// Measures the `ef_search` of `tier`, whose index (`tier.index_name`, a
/// graph of `tier.hnsw_m`) was just built, trying candidates from its
/// floor ([`ef_floor`]) up to `max_ef`; `quantized`: the index is on `binary_quantize(embedding)` of
/// that dimension, measured with its search (Hamming candidates re-ranked,
/// `raw_sql::tier_neighbours_quantized`); a Hamming list's (quantized,
/// `tier.hnsw_m` `None`) values are its re-rank candidates
/// ([`LIST_CANDIDATES`] from [`min_rerank_candidates`] up to `max_ef`, at
/// most [`LIST_MAX_CANDIDATE_SHARE`] of its rows). `None` when the tier has
/// too few rows to measure or its index is not the one planned (then the
/// ladder's value stands).
pub(crate) async fn measure_tier_ef(
    client: &mut tokio_postgres::Client,
    tier: &TierPlan,
    max_ef: u32,
    quantized: Option<usize>,
) -> Result<Option<MeasuredEf>> {
    let (tenant, ty, index_name, rows) = (
        tier.tenant_id.as_str(),
        tier.entity_type.as_str(),
        tier.index_name.as_str(),
        tier.rows,
    );
    let m = tier.hnsw_m.unwrap_or(HNSW_M);
    let tx = client.build_transaction().read_only(true).start().await?;
    // Under row-level security the tier's rows are visible with its tenant set.
    tx.execute(
        "SELECT set_config('truthgraph.tenant_id', $1, true)",
        &[&tenant],
    )
    .await?;
    let probes = probe_queries(&tx, tenant, ty).await?;
    if probes.len() < MIN_PROBES || rows <= K as i64 {
        return Ok(None);
    }
    let k = K as i64;
    let mut truths = Vec::with_capacity(probes.len());
    for p in &probes {
        truths.push(
            q::tier_neighbours_exact()
                .bind(&tx, &tenant, &ty, &VectorRef::from(p), &k)
                .all()
                .await?,
        );
    }
    // A Hamming list (a quantized index without a graph) is measured by
    // its candidates, one statement each; a graph by `ef_search`.
    let list = quantized.is_some() && tier.hnsw_m.is_none();
    let neighbours_sql = |candidates: i64| match quantized {
        Some(dimension) => raw_sql::tier_neighbours_quantized(raw_sql::Hamming {
            dimension,
            min_candidates: candidates,
        }),
        None => truthgraph_queries::sql::tiers::TIER_NEIGHBOURS.to_string(),
    };
    let least = min_rerank_candidates(rows);
    let first_sql = neighbours_sql(least);
    let mut neighbours = tx.prepare(&first_sql).await?;
    if !plans_index(&tx, &first_sql, (tenant, ty), &probes[0], index_name).await? {
        tracing::warn!(
            tenant,
            index = index_name,
            "the tier's index is not planned for its own search; ef_search not measured"
        );
        return Ok(None);
    }
    // A quantized search takes at least min_rerank_candidates rows from
    // the graph: a smaller ef_search only makes the iterative scan go on.
    let least_u32 = u32::try_from(least).unwrap_or(u32::MAX);
    let (floor, values) = match quantized {
        Some(_) if list => (least_u32, LIST_CANDIDATES.as_slice()),
        Some(_) => (ef_floor(rows, m).max(least_u32), CANDIDATES.as_slice()),
        None => (ef_floor(rows, m), CANDIDATES.as_slice()),
    };
    // A list re-ranks at most a share of its rows (past the fewest).
    let within_share =
        |e: u32| !list || e <= floor || f64::from(e) <= rows as f64 * LIST_MAX_CANDIDATE_SHARE;
    let mut measured = None;
    for &ef in values
        .iter()
        .filter(|e| **e >= floor.min(max_ef) && **e <= max_ef && within_share(**e))
    {
        if list {
            if i64::from(ef) != least {
                neighbours = tx.prepare(&neighbours_sql(i64::from(ef))).await?;
            }
        } else {
            tx.execute(
                "SELECT set_config('hnsw.ef_search', $1, true)",
                &[&ef.to_string()],
            )
            .await?;
        }
        let mut per_query = Vec::with_capacity(probes.len());
        for (p, truth) in probes.iter().zip(&truths) {
            let params: [&(dyn ToSql + Sync); 4] = [&tenant, &ty, &VectorRef::from(p), &k];
            let got = tx.query(&neighbours, &params).await?;
            let hits = got
                .iter()
                .filter(|r| {
                    r.try_get::<_, uuid::Uuid>(0)
                        .is_ok_and(|id| truth.contains(&id))
                })
                .count();
            per_query.push(hits as f64 / truth.len().max(1) as f64);
        }
        let (recall, reached) = recall_of_probes(&per_query);
        measured = Some(MeasuredEf {
            ef_search: ef,
            recall,
            reached,
        });
        if reached {
            break;
        }
    }
    tx.rollback().await?;
    Ok(measured)
}

/// Mean recall of a candidate over its queries' recalls, and whether it
/// reaches [`TARGET_RECALL`] with one standard error to spare (mean minus
/// sd / sqrt(n)). The margin is what keeps a measurement from settling on a
/// value its queries pass by luck: on uniform 256-dim data the moved
/// rows' recall at `ef_search` 100 was 0.98 +- 0.007 over 20 builds, held-out
/// 0.971, and by the mean alone 2 of 20 builds of 40 queries stopped there
/// (0.9925 and 0.9975: 3 misses and 1 in 400), leaving the tier at
/// 0.967-0.975 on new queries. With the margin, of 40 queries 3 misses in
/// 400 (one a query) fail (0.9925 - 0.0042) and 2 pass (0.995 - 0.0035); of
/// [`SAMPLE`] (80), 6 in 800 fail (0.9925 - 0.0030) and 5 pass (0.99375 -
/// 0.0027); a candidate that misses nothing always passes.
pub(crate) fn recall_of_probes(per_query: &[f64]) -> (f64, bool) {
    let n = per_query.len();
    if n == 0 {
        return (0.0, false);
    }
    let mean = per_query.iter().sum::<f64>() / n as f64;
    let var = if n > 1 {
        per_query.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1) as f64
    } else {
        0.0
    };
    let se = (var / n as f64).sqrt();
    (mean, mean - se >= TARGET_RECALL)
}

/// Whether the tier's search `neighbours` is planned on `index_name`.
async fn plans_index(
    tx: &tokio_postgres::Transaction<'_>,
    neighbours: &str,
    (tenant, ty): (&str, &str),
    query: &Vector,
    index_name: &str,
) -> Result<bool> {
    let sql = format!("EXPLAIN (COSTS OFF) {neighbours}");
    let k = (K + 1) as i64;
    let params: [&(dyn ToSql + Sync); 4] = [&tenant, &ty, query, &k];
    let plan = tx.query(&sql, &params).await?;
    Ok(plan
        .iter()
        .filter_map(|r| r.try_get::<_, String>(0).ok())
        .any(|line| line.contains(index_name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_is_the_ladder_in_a_graph_of_m_16_at_most_100_in_a_denser_one() {
        assert_eq!(ef_floor(1_000, HNSW_M), 64);
        assert_eq!(ef_floor(10_000, HNSW_M), TIER_EF_SEARCH);
        assert_eq!(ef_floor(300_000, HNSW_M), 200);
        assert_eq!(ef_floor(1_000, 32), 64);
        assert_eq!(ef_floor(10_000, 32), TIER_EF_SEARCH);
        assert_eq!(ef_floor(300_000, 32), TIER_EF_SEARCH);
        for (rows, m) in [(1_000, 16), (10_000, 16), (300_000, 16), (300_000, 48)] {
            assert!(CANDIDATES.contains(&ef_floor(rows, m)));
        }
    }

    #[test]
    fn a_candidate_passes_with_one_standard_error_to_spare() {
        let with_misses = |queries: usize, misses: usize| {
            let mut v = vec![1.0; queries];
            v[..misses].fill(0.9);
            recall_of_probes(&v)
        };
        assert_eq!(with_misses(40, 0), (1.0, true));
        let (mean, reached) = with_misses(40, 1);
        assert!((mean - 0.9975).abs() < 1e-12 && reached);
        // 0.995 - 0.0035.
        assert!(with_misses(40, 2).1);
        // 0.9925 passes by the mean alone, not with the margin.
        let (mean, reached) = with_misses(40, 3);
        assert!(mean >= TARGET_RECALL && !reached);
        // A whole sample: 0.99375 - 0.0027 passes, 0.9925 - 0.0030 does not.
        let sample = SAMPLE as usize;
        assert!(with_misses(sample, 5).1);
        let (mean, reached) = with_misses(sample, 6);
        assert!(mean >= TARGET_RECALL && !reached);
        assert_eq!(recall_of_probes(&[]), (0.0, false));
        assert!(recall_of_probes(&[1.0]).1);
    }
}
