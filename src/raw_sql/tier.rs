//! The search statements of a tier's own index ([`crate::tiers`]) and a
//! quantized tier's index.
//!
//! Each search is its typed statement of `queries/search.sql` with the scan
//! of `embeddings` changed ([`tier_search`]):
//! - the tenant written into the scan as a literal, next to its parameter,
//!   for the [`crate::tiers::LITERAL_TIERS`] largest tiers: a plan made
//!   without the parameters' values (a generic plan, made once per
//!   connection) can then use the tier's partial index;
//! - for a quantized tier ([`crate::tiers::Route::Quantized`]), whose index
//!   is on `binary_quantize(embedding)::bit(N)`: the scan takes
//!   [`crate::tiers::Route::first_pass_rows`] rows in Hamming order from the
//!   index, orders them by cosine distance of the full vectors, and keeps
//!   the first `k` that pass the typed statement's entity check. The check
//!   runs after the re-rank, on about `k` rows instead of every candidate
//!   (a primary-key lookup each, 4-5 us: 0.15-0.25 ms of a 1.1-1.7 ms
//!   search, BENCHMARKS.md "The entity check after the re-rank"); a filter
//!   the caller gives (evidence's source type) still runs in the scan, so
//!   the candidates are the filter's. The index
//!   expression names the column's dimension `N` as a type modifier, and a
//!   query uses the index only when its `ORDER BY` is that same expression,
//!   so these are built per dimension (a type modifier cannot be a
//!   parameter); the dimension is the column's, from the catalog.
//!
//! Either way the statement keeps the typed one's parameters and rows.

use super::quote_literal;
use crate::catalog::quote_ident;
use crate::tiers::{RERANK_FACTOR, min_rerank_candidates};

/// A quantized tier's scan: the dimension its index names, and the fewest
/// candidates it re-ranks ([`crate::tiers::min_rerank_candidates`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hamming {
    /// The column's dimension (the index's `bit(N)`).
    pub dimension: usize,
    /// The fewest candidates taken by Hamming distance.
    pub min_candidates: i64,
}

impl Hamming {
    /// The scan of a tier of `rows` rows whose index is on `bit(dimension)`.
    pub fn of(dimension: usize, rows: i64) -> Self {
        Hamming {
            dimension,
            min_candidates: min_rerank_candidates(rows),
        }
    }
}

/// `CREATE INDEX CONCURRENTLY name ON embeddings USING hnsw
/// ((binary_quantize(embedding)::bit(dimension)) bit_hamming_ops)` for one
/// tenant's entity type, with HNSW (`m`, `ef_construction`).
pub fn create_quantized_tier_index_concurrently(
    name: &str,
    tenant: &str,
    entity_type: crate::EntityType,
    dimension: usize,
    (m, ef_construction): (u32, u32),
) -> String {
    format!(
        "CREATE INDEX CONCURRENTLY {} ON embeddings \
         USING hnsw ((binary_quantize(embedding)::bit({dimension})) bit_hamming_ops) \
         WITH (m = {m}, ef_construction = {ef_construction}) WHERE tenant_id = {} AND entity_type = {}",
        quote_ident(name),
        quote_literal(tenant),
        quote_literal(entity_type.as_str())
    )
}

/// `CREATE INDEX CONCURRENTLY name ON embeddings USING ivfflat
/// ((binary_quantize(embedding)::bit(dimension)) bit_hamming_ops) WITH
/// (lists = 1)` for one tenant's entity type: a Hamming list
/// ([`crate::tiers::HAMMING_LIST_MAX_ROWS`]). With one list every probe
/// reads all of it, whatever `ivfflat.probes` is, and returns the rows in
/// exact Hamming order; the search's statement is a Hamming graph's.
pub fn create_hamming_list_index_concurrently(
    name: &str,
    tenant: &str,
    entity_type: crate::EntityType,
    dimension: usize,
) -> String {
    format!(
        "CREATE INDEX CONCURRENTLY {} ON embeddings \
         USING ivfflat ((binary_quantize(embedding)::bit({dimension})) bit_hamming_ops) \
         WITH (lists = 1) WHERE tenant_id = {} AND entity_type = {}",
        quote_ident(name),
        quote_literal(tenant),
        quote_literal(entity_type.as_str())
    )
}

/// The candidates' limit of a quantized search of `k` rows (`k_param`):
/// [`crate::tiers::Route::first_pass_rows`] as SQL.
fn candidates(k_param: &str, min: i64) -> String {
    format!("greatest({k_param}::int8 * {RERANK_FACTOR}, {min})")
}

/// A quantized scan's `ORDER BY`: Hamming distance from each row's bits to
/// the query's (`query_param`). PostgreSQL evaluates an `ORDER BY`
/// expression for every row an index scan returns, although the index
/// ordered them already: written as an expression of the parameter, the
/// query's bits were computed again for every candidate (a generic plan
/// cannot fold them). As an uncorrelated subquery (an init plan) they are
/// computed once per search: 7-11 % of a 5K-row tier's search at 1,536
/// dimensions (BENCHMARKS.md, "The query's bits once"). Each row's own
/// bits are still computed as it is returned.
fn hamming_order(query_param: &str, dimension: usize) -> String {
    format!(
        "ORDER BY binary_quantize(em.embedding)::bit({dimension}) \
         <~> (SELECT binary_quantize({query_param}::vector)::bit({dimension}))"
    )
}

/// The scan of `embeddings` a typed search statement orders by the index …
const SCAN: &str = "FROM embeddings em WHERE";
/// … the distance it selects …
const DISTANCE: &str = "em.embedding <=> $1 AS distance";
/// … its entity check, the last of its filters (a correlated subquery on the
/// entity's table; with a caller's filter inside it, as `$N::text IS NULL
/// OR …`) …
const CHECK: &str = " AND (SELECT ";
/// … and its order by cosine distance to the query (`$1`), up to its `LIMIT`
/// parameter's number.
const INDEX_ORDER: &str = "ORDER BY em.embedding <=> $1 LIMIT $";

/// A typed search statement of `queries/search.sql` (`SEARCH_EVIDENCE`,
/// `SEARCH_CLAIMS`, `HYBRID_SEARCH_EVIDENCE`: the one scan of `embeddings
/// em` ordered by `em.embedding <=> $1` and limited to its `k`) for a tier,
/// with the same parameters and rows: with `tenant`, the scan also reads
/// `em.tenant_id = '<tenant>'`; with `quantized`, the scan takes ten times
/// `k` (at least `min_candidates`) rows in Hamming order from the tier's
/// quantized index, and those are ordered by the full vector
/// and limited to `k`. The typed statement stays the one query every route
/// runs (unit tests check every statement has the parts changed).
pub fn tier_search(typed: &str, tenant: Option<&str>, quantized: Option<Hamming>) -> String {
    let typed = match tenant {
        Some(t) => typed.replacen(
            SCAN,
            &format!("{SCAN} em.tenant_id = {} AND", quote_literal(t)),
            1,
        ),
        None => typed.to_string(),
    };
    match quantized {
        Some(h) => quantized_search(&typed, h),
        None => typed,
    }
}

/// [`tier_search`] of a quantized tier: the scan replaced (a statement
/// without the parts is returned as it is). From the typed statement's
///
/// ```sql
/// SELECT em.entity_id, em.embedding <=> $1 AS distance FROM embeddings em
/// WHERE <filters> AND (<check>) ORDER BY em.embedding <=> $1 LIMIT $k
/// ```
///
/// to
///
/// ```sql
/// SELECT em.entity_id, em.distance AS distance FROM (
///   SELECT em.entity_id, em.tenant_id, em.embedding <=> $1 AS distance FROM (
///     SELECT em.entity_id, em.tenant_id, em.embedding FROM embeddings em
///     WHERE <filters> [AND ($f::text IS NULL OR (<check>))]
///     ORDER BY binary_quantize(em.embedding)::bit(N)
///       <~> (SELECT binary_quantize($1::vector)::bit(N))
///     LIMIT <candidates>
///   ) em ORDER BY distance, em.entity_id OFFSET 0
/// ) em WHERE (<check>) LIMIT $k
/// ```
///
/// The check in the scan only when the caller's filter `$f` is given (so
/// the candidates are the filter's); after the re-rank always, on the rows
/// in order until `k` pass (`OFFSET 0` keeps it above the sort), so an
/// orphan left by a writer that bypassed the foreign keys never takes a
/// slot.
fn quantized_search(typed: &str, h: Hamming) -> String {
    let (Some(scan), Some(order)) = (typed.find(SCAN), typed.find(INDEX_ORDER)) else {
        return typed.to_string();
    };
    let Some(check_at) = typed[scan..order].find(CHECK).map(|i| scan + i) else {
        return typed.to_string();
    };
    let digits: String = typed[order + INDEX_ORDER.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let k = format!("${digits}");
    let check = typed[check_at..order].trim_start_matches(" AND ").trim();
    // The caller's filter inside the check: `$N::text IS NULL OR …`.
    let filter = check.find("::text IS NULL OR").map(|end| {
        let start = check[..end].rfind('$').unwrap_or(end);
        &check[start..end]
    });
    let in_scan = match filter {
        Some(f) => format!(" AND ({f}::text IS NULL OR {check}) "),
        None => " ".to_string(),
    };
    let scan_filters = &typed[scan + SCAN.len()..check_at];
    let end = order + INDEX_ORDER.len() + digits.len();
    format!(
        "{}FROM ( SELECT em.entity_id, em.tenant_id, {DISTANCE} FROM ( \
         SELECT em.entity_id, em.tenant_id, em.embedding {SCAN}{scan_filters}{in_scan}\
         {} LIMIT {} ) em ORDER BY distance, em.entity_id OFFSET 0 ) em WHERE {check} LIMIT {k}{}",
        typed[..scan].replacen(DISTANCE, "em.distance AS distance", 1),
        hamming_order("$1", h.dimension),
        candidates(&k, h.min_candidates),
        &typed[end..],
    )
}

/// The `k` nearest of one tier's embeddings to a query as its quantized
/// index finds them (`tier_neighbours` of `queries/tiers.sql` for a
/// quantized tier): `$1` tenant, `$2` entity type, `$3` query, `$4` k.
pub fn tier_neighbours_quantized(h: Hamming) -> String {
    format!(
        "SELECT q.entity_id FROM ( \
             SELECT em.entity_id, em.embedding FROM embeddings em \
             WHERE em.tenant_id = $1 AND em.entity_type = $2 \
             {} LIMIT {} \
         ) q ORDER BY q.embedding <=> $3::vector, q.entity_id LIMIT $4::int8",
        hamming_order("$3", h.dimension),
        candidates("$4", h.min_candidates)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use truthgraph_queries::sql::search::{HYBRID_SEARCH_EVIDENCE, SEARCH_CLAIMS, SEARCH_EVIDENCE};

    #[test]
    fn every_search_statement_has_the_parts_a_quantized_tier_replaces() {
        for (typed, k) in [
            (SEARCH_EVIDENCE, "$4"),
            (SEARCH_CLAIMS, "$3"),
            (HYBRID_SEARCH_EVIDENCE, "$3"),
        ] {
            assert_eq!(typed.matches(SCAN).count(), 1, "{typed}");
            assert_eq!(typed.matches(INDEX_ORDER).count(), 1, "{typed}");
            assert_eq!(typed.matches(DISTANCE).count(), 1, "{typed}");
            let q = tier_search(typed, None, Some(Hamming::of(1536, 5_000)));
            assert!(
                q.contains("binary_quantize(em.embedding)::bit(1536) <~>")
                    && q.contains(&format!("greatest({k}::int8 * 10, 100) ) em"))
                    && q.contains("em.distance AS distance FROM ( SELECT em.entity_id, em.tenant_id, em.embedding <=> $1 AS distance FROM ( SELECT")
                    && q.contains("OFFSET 0 ) em WHERE (SELECT ")
                    && q.contains("em.entity_id AND ")
                    && q.contains(&format!(") LIMIT {k} )"))
                    && !q.contains(INDEX_ORDER),
                "{q}"
            );
            // The check once, after the re-rank; in the scan too only for
            // the caller's filter (evidence's source type, `$3`).
            let scan = &q[..q.find("<~>").unwrap()];
            if typed == SEARCH_EVIDENCE {
                assert!(scan.contains("AND ($3::text IS NULL OR (SELECT s.tenant_id = em.tenant_id AND ($3::text IS NULL OR s.source_type = $3)"), "{q}");
            } else {
                assert!(!scan.contains("(SELECT "), "{q}");
            }
            // The query's bits once, in their own subquery.
            assert_eq!(
                q.matches("<~> (SELECT binary_quantize($1::vector)::bit(1536))")
                    .count(),
                1,
                "{q}"
            );
            assert_eq!(
                q.matches("(SELECT ").count(),
                typed.matches("(SELECT ").count() + 1 + usize::from(typed == SEARCH_EVIDENCE),
                "{q}"
            );
        }
    }

    #[test]
    fn a_large_tier_re_ranks_more_candidates() {
        let large = Hamming::of(1536, 30_000);
        assert_eq!(large.min_candidates, 200);
        let q = tier_search(SEARCH_EVIDENCE, Some("acme"), Some(large));
        assert!(q.contains("LIMIT greatest($4::int8 * 10, 200) ) em"), "{q}");
        let n = tier_neighbours_quantized(large);
        assert!(n.contains("LIMIT greatest($4::int8 * 10, 200) ) q"), "{n}");
        let small = tier_neighbours_quantized(Hamming::of(1536, 19_999));
        assert!(
            small.contains("LIMIT greatest($4::int8 * 10, 100) ) q"),
            "{small}"
        );
    }

    #[test]
    fn a_tier_statement_names_its_tenant_in_the_scan_next_to_the_parameter() {
        for typed in [SEARCH_EVIDENCE, SEARCH_CLAIMS, HYBRID_SEARCH_EVIDENCE] {
            let q = tier_search(typed, Some("it's"), None);
            assert_eq!(
                q.matches("FROM embeddings em WHERE em.tenant_id = 'it''s' AND em.tenant_id = $2")
                    .count(),
                1,
                "{q}"
            );
            assert_eq!(q.replacen(" em.tenant_id = 'it''s' AND", "", 1), typed);
            // Both changes together: the literal inside the quantized scan.
            let both = tier_search(typed, Some("acme"), Some(Hamming::of(1536, 5_000)));
            assert!(
                both.contains("SELECT em.entity_id, em.tenant_id, em.embedding FROM embeddings em WHERE em.tenant_id = 'acme' AND")
                    && both.contains("bit(1536) <~>"),
                "{both}"
            );
            assert_eq!(tier_search(typed, None, None), typed);
        }
    }
}
