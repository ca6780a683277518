//! The constants of quantized tiers ([`super`]): from which dimension a
//! tier's index is on `binary_quantize(embedding)`, up to which rows it is
//! a Hamming list, and how its Hamming graphs are built. Re-exported as
//! `tiers::NAME`.

#[cfg(doc)]
use super::MAX_EF_SEARCH_BEFORE_DENSE;
use super::{DENSE_HNSW_M, HNSW_M};

/// From this many dimensions a tier's index is tried on
/// `binary_quantize(embedding)` first. Measured (BENCHMARKS.md, "Quantized
/// tiers"; docs/research/issue16-designs.md section 5): at 1536 dimensions
/// a 5K-row tier's quantized search with re-ranking took 2.0-2.9 ms against
/// 5.3-6.4 ms for its full-vector graph at the same recall. At 768 (real
/// all-mpnet-base-v2, 8K rows) the quantized tiers passed their measurement
/// but held 0.986-0.99 on new queries against 1.0, at the same p50 (1.68
/// ms): no gain; at 384 (real all-MiniLM-L6-v2) the sign bits lose the
/// neighbours (recall 0.94-0.96 at `ef_search` 100-400). Tried again at 768
/// with Hamming lists and measured candidates ([`LIST_CANDIDATES`]): lists
/// 0.9963 at p50 0.98 ms against the full-vector graphs' 0.998 at 0.78
/// (BENCHMARKS.md, "Hamming lists on real text embeddings").
pub const QUANTIZED_MIN_DIMENSION: usize = 1024;

/// Rows up to which a quantized tier's index is a Hamming list (IVFFlat,
/// `lists = 1`, on `binary_quantize(embedding)`): every search reads all
/// its bits and orders them by Hamming distance, which at these sizes is
/// faster than walking a Hamming graph, and exact, so there is no
/// `ef_search` to measure, and it builds in a fraction of a second (a
/// graph of 60K rows with its measurements: 131 s). Measured (psql, the
/// 100K x 1536 bench sets, each tier's claims as queries, the same
/// candidates re-ranked; BENCHMARKS.md, "Hamming lists"): list against
/// graph at 1K rows 0.45 / 0.76 ms, 5K 1.13 / 1.39, 10K 1.83 / 2.43, 25K
/// 3.7 / 4.7, 30K 4.4 / 6.9, 60K 9.9-10.7 / 9.9-10.0 (m 48 at 200): the
/// crossover is near 60K. A larger tier tries Hamming graphs first and
/// gets a list when they miss: at 210K rows the graphs reached 0.92-0.98
/// at `ef_search` 200-400 and the full-vector graph 0.56-0.87, the list 1.0
/// at 38 ms. [`crate::Config::hamming_list_rows`]
/// (`TRUTHGRAPH_HAMMING_LIST_ROWS`).
pub const HAMMING_LIST_MAX_ROWS: i64 = 50_000;

/// The re-rank candidates a Hamming list is measured at, from the fewest
/// for its rows ([`super::min_rerank_candidates`]) up; the first that
/// reaches the measurement's recall is stored as the tier's `ef_search` (a
/// list has no graph: for it the registry's value is its candidates), and
/// a list that misses at the last gets the full-vector graph. A list reads
/// every bit of its tier whatever the candidates, so more of them cost only
/// their re-rank. Measured on real text embeddings of 1,152 dimensions
/// (all-MiniLM-L6-v2 and all-mpnet-base-v2 of the same text, concatenated;
/// and 100K rows derived from them), where 100 candidates held 0.96-0.99
/// and every list of the first version missed and got the full-vector
/// graph; recall / ms of a search (psql, the tier's claims): 5K rows, 100 /
/// 200 / 400 candidates 0.969 / 0.991 / 1.0 at 1.05 / 1.30 / 1.70 ms
/// against 0.986 at 1.9-2.2 ms for its full-vector graph at `ef_search`
/// 100; 10K rows 0.963 / 0.991 / 1.0 at 1.66 / 1.90 / 2.52 against 0.986
/// at 3.1-3.4; 30K rows (200, 400, 800) 0.989 / 0.997 / 1.0 at 4.1 / 4.95
/// / 6.3 against 0.989 at 8.1-9.4 for a graph of m 32 (BENCHMARKS.md,
/// "Hamming lists on real text embeddings").
pub const LIST_CANDIDATES: [u32; 4] = [100, 200, 400, 800];

/// The largest share of its rows a Hamming list re-ranks (beyond the
/// fewest, [`super::min_rerank_candidates`]): each candidate costs about
/// what a row of an exact search does (a heap read and a distance), so a
/// list re-ranking half its rows is no faster than reading them all; with
/// a quarter, a 1,000-row tier tries 100 and 200 candidates, a 2,000-row
/// one up to 400.
pub const LIST_MAX_CANDIDATE_SHARE: f64 = 0.25;

/// A tier's Hamming graph is converted into a list by `tiers --apply` once
/// the tier holds this much less than [`HAMMING_LIST_MAX_ROWS`] (so a tier
/// near the limit does not flap).
pub const HAMMING_LIST_HYSTERESIS: f64 = 0.2;

/// HNSW `ef_construction` of a quantized tier's graph of [`HNSW_M`]: a
/// Hamming graph builds in a fraction of a full-vector one's time, and a
/// better graph needs a smaller `ef_search` at every search.
pub const QUANTIZED_EF_CONSTRUCTION: u32 = 128;

/// HNSW `m` of a quantized tier's graph, tried in this order, each measured
/// up to [`MAX_EF_SEARCH_BEFORE_DENSE`]: a Hamming graph of m 16 that needs
/// `ef_search` 300-400 costs more per search than one of m 32 at 150
/// (10K x 1536: 2.09 against 1.83 ms; 5K: 1.52 against 1.36), and builds in
/// seconds (BENCHMARKS.md, "Denser Hamming graphs, not larger
/// `ef_search`").
pub const QUANTIZED_M: [u32; 3] = [HNSW_M, DENSE_HNSW_M, 48];

/// The first of [`QUANTIZED_M`] a quantized tier of `rows` rows tries: the
/// densest from more than [`HAMMING_LIST_MAX_ROWS`] rows, where the sparser
/// graphs were never seen to reach the target, else m 16. Measured on one
/// synthetic 1536-dim tenant, recall@10 at `ef_search` 200 of m 16 / 32 /
/// 48: 60K rows 0.904 / 0.980 / **0.9975** (builds with their measurements
/// about 49 / 59 / 98 s), 120K rows 0.807 / 0.957 / 0.9875 (the list kept;
/// about 77 / 102 / 178 s); at 30K, 0.941 / 0.991 / 0.999 with 200 candidates
/// (BENCHMARKS.md, "Tiers that double are measured again"). Starting at 48
/// changes no outcome measured and saves the two builds that miss, which a
/// tier past the list's rows pays again each time it doubles
/// ([`super::REMEASURE_AFTER_GROWTH`]).
pub fn first_quantized_m(rows: i64) -> u32 {
    if rows > HAMMING_LIST_MAX_ROWS {
        QUANTIZED_M[QUANTIZED_M.len() - 1]
    } else {
        QUANTIZED_M[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tier_past_the_list_rows_tries_the_densest_hamming_graph_first() {
        assert_eq!(first_quantized_m(2_000), HNSW_M);
        assert_eq!(first_quantized_m(HAMMING_LIST_MAX_ROWS), HNSW_M);
        assert_eq!(first_quantized_m(HAMMING_LIST_MAX_ROWS + 1), 48);
    }
}
