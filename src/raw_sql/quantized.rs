//! The statements of a quantized tier ([`crate::tiers::Route::Quantized`]):
//! its index on `binary_quantize(embedding)::bit(N)` and the searches it
//! serves. The index expression names the column's dimension `N` as a type
//! modifier, and a query uses the index only when its `ORDER BY` is that
//! same expression, so these are built per dimension (a type modifier
//! cannot be a parameter); the dimension is the column's, from the catalog.
//!
//! Each search takes [`crate::tiers::rerank_candidates`] rows in Hamming
//! order from the tier's index (filters applied during the scan, as in
//! `queries/search.sql`), orders them by cosine distance of the full
//! vectors, and keeps `k`. Parameters and result columns are those of
//! `search_evidence` / `search_claims` in `queries/search.sql`, except that
//! `$5` is `k` (and `$4` the minimum similarity).

use super::quote_literal;
use crate::catalog::quote_ident;
use crate::tiers::{MIN_RERANK_CANDIDATES, RERANK_FACTOR};

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

/// The candidates' limit of a quantized search of `k` rows (`k_param`).
fn candidates(k_param: &str) -> String {
    format!("greatest({k_param}::int8 * {RERANK_FACTOR}, {MIN_RERANK_CANDIDATES})")
}

/// `ORDER BY` of the index scan.
fn hamming(dimension: usize) -> String {
    format!("binary_quantize(em.embedding)::bit({dimension}) <~> binary_quantize($1::vector)")
}

/// Top-k evidence of a tenant through its quantized index: `$1` query,
/// `$2` tenant, `$3` source type (or NULL), `$4` minimum similarity (or
/// NULL), `$5` k. Rows as `EvidenceHit`.
pub fn search_evidence_quantized(dimension: usize) -> String {
    format!(
        "SELECT e.id, 1 - hits.distance AS similarity, e.content, e.source_url, e.source_type \
         FROM ( \
             SELECT c.entity_id, c.embedding <=> $1::vector AS distance FROM ( \
                 SELECT em.entity_id, em.embedding FROM embeddings em \
                 WHERE em.tenant_id = $2 AND em.entity_type = 'evidence' \
                   AND (SELECT s.tenant_id = em.tenant_id \
                               AND ($3::text IS NULL OR s.source_type = $3::text) \
                        FROM evidence s WHERE s.id = em.entity_id AND s.tenant_id = $2) \
                 ORDER BY {} LIMIT {} \
             ) c ORDER BY 2, 1 LIMIT $5::int8 \
         ) hits \
         CROSS JOIN LATERAL ( \
             SELECT e.id, e.tenant_id, e.content, e.source_url, e.source_type \
             FROM evidence e WHERE e.id = hits.entity_id AND e.tenant_id = $2 OFFSET 0 \
         ) e \
         WHERE e.tenant_id = $2 AND ($4::float8 IS NULL OR 1 - hits.distance >= $4::float8) \
         ORDER BY hits.distance, e.id",
        hamming(dimension),
        candidates("$5")
    )
}

/// Top-k claims of a tenant through its quantized index: `$1` query, `$2`
/// tenant, `$3` minimum similarity (or NULL), `$4` k. Rows as `ClaimHit`.
pub fn search_claims_quantized(dimension: usize) -> String {
    format!(
        "SELECT c.id, 1 - hits.distance AS similarity, c.text, c.source_url \
         FROM ( \
             SELECT q.entity_id, q.embedding <=> $1::vector AS distance FROM ( \
                 SELECT em.entity_id, em.embedding FROM embeddings em \
                 WHERE em.tenant_id = $2 AND em.entity_type = 'claim' \
                   AND (SELECT c.tenant_id = em.tenant_id FROM claims c \
                        WHERE c.id = em.entity_id AND c.tenant_id = $2) \
                 ORDER BY {} LIMIT {} \
             ) q ORDER BY 2, 1 LIMIT $4::int8 \
         ) hits \
         CROSS JOIN LATERAL ( \
             SELECT c.id, c.tenant_id, c.text, c.source_url \
             FROM claims c WHERE c.id = hits.entity_id AND c.tenant_id = $2 OFFSET 0 \
         ) c \
         WHERE c.tenant_id = $2 AND ($3::float8 IS NULL OR 1 - hits.distance >= $3::float8) \
         ORDER BY hits.distance, c.id",
        hamming(dimension),
        candidates("$4")
    )
}

/// The `k` nearest of one tier's embeddings to a query as its quantized
/// index finds them (`tier_neighbours` of `queries/tiers.sql` for a
/// quantized tier): `$1` tenant, `$2` entity type, `$3` query, `$4` k.
pub fn tier_neighbours_quantized(dimension: usize) -> String {
    format!(
        "SELECT q.entity_id FROM ( \
             SELECT em.entity_id, em.embedding FROM embeddings em \
             WHERE em.tenant_id = $1 AND em.entity_type = $2 \
             ORDER BY binary_quantize(em.embedding)::bit({dimension}) <~> binary_quantize($3::vector) \
             LIMIT {} \
         ) q ORDER BY q.embedding <=> $3::vector, q.entity_id LIMIT $4::int8",
        candidates("$4")
    )
}

/// The part of `hybrid_search_evidence`'s vector side (`queries/search.sql`)
/// that a quantized tier replaces: the candidates' select list …
const HYBRID_VECTOR_SELECT: &str =
    "SELECT em.entity_id AS id, em.embedding <=> $1 AS distance FROM embeddings em";
/// … and their order and limit (`$3`: candidates).
const HYBRID_VECTOR_ORDER: &str = "ORDER BY em.embedding <=> $1 LIMIT $3 ) v";

/// `hybrid_search_evidence` (`queries/search.sql`, parameters and rows
/// alike) for a quantized tier: its vector side takes ten times the
/// candidates (at least 100) by Hamming distance and keeps the nearest by
/// the full vector. Built from the typed statement's text, so the two stay
/// one query (a unit test checks that both replaced parts are there).
pub fn hybrid_search_evidence_quantized(dimension: usize) -> String {
    truthgraph_queries::sql::search::HYBRID_SEARCH_EVIDENCE
        .replacen(
            HYBRID_VECTOR_SELECT,
            "SELECT q.id, q.embedding <=> $1 AS distance FROM ( \
             SELECT em.entity_id AS id, em.embedding FROM embeddings em",
            1,
        )
        .replacen(
            HYBRID_VECTOR_ORDER,
            &format!(
                "ORDER BY {} LIMIT {} ) q ORDER BY 2, 1 LIMIT $3 ) v",
                hamming(dimension),
                candidates("$3")
            ),
            1,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hybrid_statement_has_the_parts_a_quantized_tier_replaces() {
        let base = truthgraph_queries::sql::search::HYBRID_SEARCH_EVIDENCE;
        assert_eq!(base.matches(HYBRID_VECTOR_SELECT).count(), 1, "{base}");
        assert_eq!(base.matches(HYBRID_VECTOR_ORDER).count(), 1, "{base}");
        let q = hybrid_search_evidence_quantized(1536);
        assert!(
            q.contains("binary_quantize(em.embedding)::bit(1536) <~>"),
            "{q}"
        );
        assert!(!q.contains(HYBRID_VECTOR_ORDER));
    }
}
