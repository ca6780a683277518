//! What [`Database::maintain_tiers`] is asked ([`TierOptions`]), plans for
//! each tier ([`TierAction`], [`TierPlan`], with the `ef_search` it is
//! recorded with before any measurement: [`tier_ef`]) and reports
//! ([`TierReport`], [`TierEvent`]); the procedure is in [`super::tiers`].

use std::time::Duration;

use truthgraph_queries::queries::tiers as q;

use super::IndexBuildProgress;
use super::tier_ef::{MeasuredEf, ef_floor};
#[cfg(doc)]
use crate::db::Database;
use crate::labels::EntityType;
use crate::tiers::HAMMING_LIST_HYSTERESIS;

/// What [`Database::maintain_tiers`] does.
#[derive(Debug, Clone, Default)]
pub struct TierOptions {
    /// Rows from which a tier gets its own index (`None`:
    /// [`crate::Config::tier_threshold`]).
    pub threshold: Option<i64>,
    /// Build and drop (`false`: only report the plan, a dry run).
    pub apply: bool,
    /// The most `maintenance_work_mem` for one build, MB (`None`:
    /// [`crate::Config::max_build_memory_mb`]).
    pub max_build_memory_mb: Option<u64>,
    /// Measure again every tier that keeps its index
    /// ([`TierAction::Remeasure`]), not only those that doubled since their
    /// last measurement; a Hamming list past
    /// [`crate::Config::hamming_list_rows`] then tries Hamming graphs even
    /// when they missed it at its last measurement (a tier that doubled
    /// does not try them again then).
    pub remeasure: bool,
}

/// What happens to one tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierAction {
    /// Searched through its own index, which stays.
    Keep,
    /// Searched exactly, and stays so.
    Exact,
    /// Reached the threshold: its index is built.
    Build,
    /// Its index is invalid (a failed build): dropped and built again.
    Rebuild,
    /// It lost [`crate::tiers::REINDEX_AFTER_LOSS`] or more of the most rows
    /// its index has held: the index is rebuilt in place (`REINDEX INDEX
    /// CONCURRENTLY`; searches use the old one meanwhile), so that VACUUM
    /// has no graph to repair around the deleted rows.
    Reindex,
    /// Fell below half the threshold (or has no rows left): its index is dropped.
    Drop,
    /// Its quantized index is a Hamming graph (built before lists, or while
    /// the tier was larger) and its rows now fit a Hamming list
    /// (a fifth, [`crate::tiers::HAMMING_LIST_HYSTERESIS`], below
    /// [`crate::Config::hamming_list_rows`]): the list is built under another
    /// name, measured and swapped in (the full-vector graph instead when it
    /// misses); searches use the old index meanwhile.
    Convert,
    /// It holds twice the rows its index was last measured at
    /// ([`crate::tiers::outgrown`]), or [`TierOptions::remeasure`] asks: its
    /// index is measured again as it is now (grown by inserts). A graph gets
    /// the `ef_search` its rows now need, or a denser graph when it misses
    /// the target at 200 with m 16, as at a build; a Hamming list its
    /// re-rank candidates, and one past
    /// [`crate::Config::hamming_list_rows`] tries Hamming graphs first, as
    /// a build of its rows would. A new index is built under another name
    /// and swapped in; searches use the old one meanwhile.
    Remeasure,
}

impl TierAction {
    /// Whether the tier has its own index after the action.
    pub fn indexed(self) -> bool {
        matches!(
            self,
            TierAction::Keep
                | TierAction::Build
                | TierAction::Rebuild
                | TierAction::Reindex
                | TierAction::Convert
                | TierAction::Remeasure
        )
    }
}

/// One tier (tenant and entity type) in a [`TierReport`].
#[derive(Debug, Clone, PartialEq)]
pub struct TierPlan {
    /// The tenant.
    pub tenant_id: String,
    /// Evidence or claims.
    pub entity_type: EntityType,
    /// Its embeddings now.
    pub rows: i64,
    /// The name of its index ([`crate::tiers::tier_index_name`]).
    pub index_name: String,
    /// The size of its index (`None`: it has none): before the plan is
    /// carried out, and after it once applied.
    pub index_bytes: Option<i64>,
    /// What maintenance does with it.
    pub action: TierAction,
    /// The `ef_search` stored for it (`None`: the connection's): measured
    /// on its own rows when this run built its index, else the larger of
    /// the stored value and the ladder's for its rows. For a Hamming list
    /// ([`TierPlan::hamming_list`]), which has no graph, its re-rank
    /// candidates ([`crate::tiers::LIST_CANDIDATES`]; `None`: the fewest
    /// for its rows).
    pub ef_search: Option<u32>,
    /// The measurement of `ef_search` (builds only; `None` when the tier
    /// was not measured and the ladder's value stands).
    pub measured: Option<MeasuredEf>,
    /// HNSW `m` of its graph: the index's for a tier that keeps it, the
    /// one this run built ([`crate::tiers::HNSW_M`], or
    /// [`crate::tiers::DENSE_HNSW_M`] for data that needs it) for a build.
    /// `None` for a Hamming list (with `quantized`), which has no graph.
    pub hnsw_m: Option<u32>,
    /// Its index is on `binary_quantize(embedding)`, searched by Hamming
    /// distance and re-ranked by the full vector
    /// ([`crate::tiers::Route::Quantized`]): the index's for a tier that
    /// keeps it, the measurement's choice for a build.
    pub quantized: bool,
    /// `maintenance_work_mem` for its build, MB (builds, and kept tiers
    /// measured again: a denser graph may be built).
    pub build_memory_mb: Option<u64>,
    /// Seconds its build took (applied builds only).
    pub build_seconds: Option<f64>,
    /// The rows its index was last measured at (V15's `measured_rows`: at
    /// its build, a conversion or a measurement again; this run's once
    /// applied). `None`: no index, or not recorded (before V15). Maintenance
    /// measures it again from [`TierPlan::remeasure_from`] rows.
    pub measured_rows: Option<i64>,
}

/// What [`Database::maintain_tiers`] found and did.
#[derive(Debug, Clone, PartialEq)]
pub struct TierReport {
    /// The threshold it used.
    pub threshold: i64,
    /// Whether it built and dropped (`false`: a dry run).
    pub applied: bool,
    /// Every tier with embeddings, and every one whose index goes; largest first.
    pub tiers: Vec<TierPlan>,
    /// Tier indexes whose tenant has no embeddings left: dropped.
    pub orphans: Vec<String>,
    /// The index over every tenant that V10 kept, dropped once every tier
    /// that wants an index has one.
    pub shared_index: Option<String>,
    /// The estimate of the largest build exceeded the memory allowed: the
    /// build ran (or would run) with less, and slower.
    pub memory_capped: bool,
}

impl TierReport {
    /// The tiers with `action`.
    pub fn with_action(&self, action: TierAction) -> impl Iterator<Item = &TierPlan> {
        self.tiers.iter().filter(move |t| t.action == action)
    }
}

/// What a tier maintenance reports as it goes.
#[derive(Debug)]
pub enum TierEvent<'a> {
    /// A build or drop starts.
    Starting(&'a TierPlan),
    /// A running build's progress (`pg_stat_progress_create_index`).
    Building(&'a IndexBuildProgress),
    /// A build or drop ended, after this long.
    Finished(&'a TierPlan, Duration),
}

impl TierPlan {
    /// Whether its index is a Hamming list
    /// ([`crate::tiers::HAMMING_LIST_MAX_ROWS`]).
    pub fn hamming_list(&self) -> bool {
        self.quantized && self.hnsw_m.is_none()
    }

    /// The rows from which maintenance measures its index again, under the
    /// tier `threshold` ([`crate::tiers::remeasure_from`]; `None`: not
    /// known).
    pub fn remeasure_from(&self, threshold: i64) -> Option<i64> {
        crate::tiers::remeasure_from(self.measured_rows, threshold)
    }
}

/// Whether a quantized tier of `rows` rows is built as a Hamming list
/// first, with at most `max_rows` rows in a list
/// ([`crate::Config::hamming_list_rows`]); a larger one tries Hamming graphs
/// first and gets a list when they miss (see `super::tier_ddl`).
pub fn builds_hamming_list(rows: i64, max_rows: i64) -> bool {
    rows <= max_rows
}

/// Whether `tiers --apply` converts a tier's Hamming graph into a list
/// ([`TierAction::Convert`]): the tier holds [`HAMMING_LIST_HYSTERESIS`]
/// fewer rows than a list may (so a tier near the limit does not flap).
/// A list larger than the limit is there because graphs missed at its
/// build, or it grew by inserts: once it doubles since its last
/// measurement [`TierAction::Remeasure`] tries graphs again (as do
/// `tiers --apply --remeasure` and a bulk load's rebuild).
pub fn converts_to_hamming_list(rows: i64, max_rows: i64) -> bool {
    (rows as f64) < max_rows as f64 * (1.0 - HAMMING_LIST_HYSTERESIS)
}

/// The `ef_search` a tier with an index is recorded with before any
/// measurement: a tier that keeps its index (a graph of `m`) keeps the
/// larger of its stored value (measured when it was built) and the floor
/// for its rows now ([`ef_floor`]: a graph grown by inserts needs more,
/// never less); a tier to be built starts from the ladder's, which its
/// measurement may raise. A Hamming list (`m` `None`: no graph) that keeps
/// its index keeps its stored value, its re-rank candidates; otherwise it
/// has none until measured.
pub(crate) fn tier_ef(
    action: TierAction,
    registry: &[q::TierRow],
    (tenant, entity_type): (&str, EntityType),
    rows: i64,
    m: Option<u32>,
) -> Option<u32> {
    let stored = registry
        .iter()
        .find(|r| r.tenant_id == tenant && r.entity_type == entity_type.as_str())
        .and_then(|r| r.ef_search)
        .and_then(|e| u32::try_from(e).ok());
    let kept = matches!(
        action,
        TierAction::Keep | TierAction::Reindex | TierAction::Remeasure
    );
    let Some(m) = m else {
        return stored.filter(|_| kept);
    };
    let floor = ef_floor(rows, m);
    Some(match (action, stored) {
        (TierAction::Keep | TierAction::Reindex | TierAction::Remeasure, Some(e)) => e.max(floor),
        _ => floor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_dense_tier_keeps_a_value_below_the_ladders() {
        let registry = [q::TierRow {
            tenant_id: "acme".into(),
            entity_type: "evidence".into(),
            row_count: 50_000,
            index_name: None,
            ef_search: Some(100),
            counted_at: chrono::NaiveDateTime::default(),
            built_at: None,
            built_rows: None,
            element_bytes: None,
            measured_rows: None,
            index_bytes: None,
        }];
        let acme = ("acme", EntityType::Evidence);
        let keep = |m| tier_ef(TierAction::Keep, &registry, acme, 50_000, m);
        assert_eq!(keep(Some(32)), Some(100));
        // A graph of m 16 is raised to the ladder's.
        assert_eq!(keep(Some(16)), Some(200));
        // A Hamming list keeps its candidates, and has none to build.
        assert_eq!(keep(None), Some(100));
        let build_list = tier_ef(TierAction::Build, &registry, acme, 50_000, None);
        assert_eq!(build_list, None);
        // A tier to be built starts from the ladder's, whatever was stored.
        let build = tier_ef(TierAction::Build, &registry, acme, 50_000, Some(16));
        assert_eq!(build, Some(200));
    }

    #[test]
    fn a_quantized_tier_is_built_a_list_up_to_its_rows_and_a_graph_converted_a_fifth_below() {
        let max = 50_000;
        assert!(builds_hamming_list(50_000, max));
        assert!(!builds_hamming_list(50_001, max));
        assert!(!converts_to_hamming_list(40_000, max));
        assert!(converts_to_hamming_list(39_999, max));
        // 0: Hamming graphs first for every tier.
        assert!(!builds_hamming_list(1_000, 0));
        assert!(!converts_to_hamming_list(1_000, 0));
    }
}
