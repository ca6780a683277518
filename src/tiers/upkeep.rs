//! When maintenance acts on a tier's index ([`super`]): when a tier gets
//! one and loses it, when a bulk load rebuilds it, when it is rebuilt in
//! place (rows deleted or re-written) and when it is measured again (rows
//! grown). Re-exported as `tiers::NAME`; carried out by
//! `src/index_build/tiers.rs` and `src/index_build/load_tiers.rs`.

#[cfg(doc)]
use super::HAMMING_LIST_MAX_ROWS;

/// A tenant's index is dropped only once the tenant falls below this share
/// of the threshold (a half), so a tenant near it does not flap.
pub const DROP_BELOW_SHARE: f64 = 0.5;

/// Bulk loads of more rows than this into a tenant that has an index drop
/// it first and build it again afterwards (one build is far cheaper than
/// inserting that many rows into a graph: BENCHMARKS.md).
pub const REBUILD_LOAD_ROWS: usize = 10_000;

/// …as do loads of more rows than this share of the tenant's.
pub const REBUILD_LOAD_SHARE: f64 = 0.2;

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
/// more (`None`: not known, no index or not yet migrated). An index
/// measured on fewer rows than the tier `threshold` counts as measured at
/// the threshold: the Python services' index (tenant `default`, kept from
/// zero rows) is measured again once it holds twice the threshold.
pub fn outgrown(rows: i64, measured_rows: Option<i64>, threshold: i64) -> bool {
    remeasure_from(measured_rows, threshold).is_some_and(|from| rows >= from)
}

/// The rows from which a tier whose index was last measured at
/// `measured_rows` is measured again ([`outgrown`]; `None`: not known).
pub fn remeasure_from(measured_rows: Option<i64>, threshold: i64) -> Option<i64> {
    measured_rows.map(|m| (m.max(threshold).max(1) as f64 * REMEASURE_AFTER_GROWTH).ceil() as i64)
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
        assert!(!outgrown(1999, Some(1000), 1000));
        assert!(outgrown(2000, Some(1000), 1000));
        assert!(outgrown(500_000, Some(5000), 1000));
        // Measured on fewer rows than the threshold (or none): from twice it.
        assert!(!outgrown(1999, Some(0), 1000));
        assert!(outgrown(2000, Some(0), 1000));
        assert_eq!(remeasure_from(Some(5000), 1000), Some(10_000));
        assert_eq!(remeasure_from(Some(0), 1000), Some(2000));
        assert_eq!(remeasure_from(None, 1000), None);
        assert!(outgrown(2000, Some(30), 1000));
        // Shrunk, or not known: no.
        assert!(!outgrown(500, Some(1000), 1000));
        assert!(!outgrown(5000, None, 1000));
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
    fn indexes_come_at_the_threshold_and_go_below_half() {
        assert!(!wants_index(999, 1000, false));
        assert!(wants_index(1000, 1000, false));
        assert!(wants_index(500, 1000, true));
        assert!(!wants_index(499, 1000, true));
    }

    #[test]
    fn large_loads_rebuild() {
        assert!(load_rebuilds(10_001, 1_000_000));
        assert!(load_rebuilds(300, 1_000));
        assert!(!load_rebuilds(100, 1_000));
    }
}
