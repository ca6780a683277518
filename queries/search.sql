-- Vector search. Every query orders by `<=>` (cosine distance), the operator of
-- `vector_cosine_ops`, so the ivfflat/hnsw index serves the ORDER BY ... LIMIT
-- of the inner query, which reads `embeddings` alone. Filters (tenant, entity
-- type, source type, and that the entity exists and is the tenant's) are
-- applied while the index is scanned; with pgvector 0.8 iterative scans (on
-- for every connection of the library) the scan goes on until k rows pass
-- them, so an orphan or foreign embedding (left in a database adopted from the
-- Python services, before V12's foreign keys) never takes a slot. Every table
-- a search reads is filtered on `tenant_id = :tenant_id`, so that on a
-- database distributed by tenant (Citus) the whole statement is routed to the
-- tenant's shard (docs/scaling.md). The entity check is a correlated
-- primary-key lookup per candidate: as EXISTS or a join, the planner hashed
-- the whole evidence table on every search (25 ms instead of 3 ms). The outer
-- query joins the text, re-sorts (iterative scans may return rows slightly
-- out of order) and applies the minimum similarity after the top-k is taken.

--! tune_search (probes?, ef_search?)
--- Overrides, for the current transaction only, `ivfflat.probes` and
--- `hnsw.ef_search`; NULL keeps the connection's value. A search whose options
--- override the connection's defaults runs in its own transaction with this first.
SELECT set_config('ivfflat.probes', coalesce(:probes::text, current_setting('ivfflat.probes')), true) AS probes,
       set_config('hnsw.ef_search', coalesce(:ef_search::text, current_setting('hnsw.ef_search')), true) AS ef_search;

--: EvidenceHit(source_url?, source_type?)
--: ClaimHit(source_url?)

--! search_evidence (source_type?, min_similarity?) : EvidenceHit
--- Top-k evidence of a tenant by cosine similarity to `query` (index scan).
SELECT e.id, 1 - hits.distance AS similarity, e.content, e.source_url, e.source_type
FROM (
    SELECT em.entity_id, em.embedding <=> :query AS distance
    FROM embeddings em
    WHERE em.tenant_id = :tenant_id AND em.entity_type = 'evidence'
      AND (SELECT s.tenant_id = em.tenant_id
                  AND (:source_type::text IS NULL OR s.source_type = :source_type)
           FROM evidence s WHERE s.id = em.entity_id AND s.tenant_id = :tenant_id)
    ORDER BY em.embedding <=> :query
    LIMIT :k
) hits
CROSS JOIN LATERAL (
    -- OFFSET 0 keeps this a primary-key lookup per hit, whatever the statistics say.
    SELECT e.id, e.tenant_id, e.content, e.source_url, e.source_type
    FROM evidence e WHERE e.id = hits.entity_id AND e.tenant_id = :tenant_id OFFSET 0
) e
WHERE e.tenant_id = :tenant_id
  AND (:min_similarity::float8 IS NULL OR 1 - hits.distance >= :min_similarity)
ORDER BY hits.distance, e.id;

--! search_evidence_exact (source_type?, min_similarity?) : EvidenceHit
--- Like `search_evidence`, but exact: orders by an expression the index cannot
--- serve (`+ 0`), so every row of the tenant is compared (for recall checks).
--- The rows are sorted whole and the outer LIMIT stops the primary-key
--- lookups at the k-th valid row: checking every row's entity before a
--- top-k sort cost 3x (12.9 against 4.1 ms p50 at 20K x 384).
SELECT e.id, 1 - hits.distance AS similarity, e.content, e.source_url, e.source_type
FROM (
    SELECT em.entity_id, (em.embedding <=> :query) + 0 AS distance
    FROM embeddings em
    WHERE em.tenant_id = :tenant_id AND em.entity_type = 'evidence'
    ORDER BY 2, 1
) hits
CROSS JOIN LATERAL (
    SELECT e.id, e.tenant_id, e.content, e.source_url, e.source_type
    FROM evidence e WHERE e.id = hits.entity_id AND e.tenant_id = :tenant_id OFFSET 0
) e
WHERE e.tenant_id = :tenant_id
  AND (:source_type::text IS NULL OR e.source_type = :source_type)
  AND (:min_similarity::float8 IS NULL OR 1 - hits.distance >= :min_similarity)
ORDER BY hits.distance, hits.entity_id
LIMIT :k;

--! search_claims (min_similarity?) : ClaimHit
--- Top-k claims of a tenant by cosine similarity to `query` (index scan).
SELECT c.id, 1 - hits.distance AS similarity, c.text, c.source_url
FROM (
    SELECT em.entity_id, em.embedding <=> :query AS distance
    FROM embeddings em
    WHERE em.tenant_id = :tenant_id AND em.entity_type = 'claim'
      AND (SELECT c.tenant_id = em.tenant_id FROM claims c WHERE c.id = em.entity_id AND c.tenant_id = :tenant_id)
    ORDER BY em.embedding <=> :query
    LIMIT :k
) hits
CROSS JOIN LATERAL (
    SELECT c.id, c.tenant_id, c.text, c.source_url
    FROM claims c WHERE c.id = hits.entity_id AND c.tenant_id = :tenant_id OFFSET 0
) c
WHERE c.tenant_id = :tenant_id
  AND (:min_similarity::float8 IS NULL OR 1 - hits.distance >= :min_similarity)
ORDER BY hits.distance, c.id;

--! search_claims_exact (min_similarity?) : ClaimHit
--- Like `search_claims`, but exact (no index), built as `search_evidence_exact`.
SELECT c.id, 1 - hits.distance AS similarity, c.text, c.source_url
FROM (
    SELECT em.entity_id, (em.embedding <=> :query) + 0 AS distance
    FROM embeddings em
    WHERE em.tenant_id = :tenant_id AND em.entity_type = 'claim'
    ORDER BY 2, 1
) hits
CROSS JOIN LATERAL (
    SELECT c.id, c.tenant_id, c.text, c.source_url
    FROM claims c WHERE c.id = hits.entity_id AND c.tenant_id = :tenant_id OFFSET 0
) c
WHERE c.tenant_id = :tenant_id
  AND (:min_similarity::float8 IS NULL OR 1 - hits.distance >= :min_similarity)
ORDER BY hits.distance, hits.entity_id
LIMIT :k;

--! hybrid_search_evidence : HybridHit(source_url?, source_type?, vector_rank?, keyword_rank?)
--- Evidence ranked by reciprocal rank fusion (k = 60) of full-text rank and
--- vector rank, weighted per call, in one statement. Each side contributes its
--- best `candidates` rows. The full-text side matches any of the text's
--- English lexemes (an OR: a claim sentence ANDed word by word matches almost
--- nothing), bounded so that a long sentence stays cheap: only lexemes found
--- in under 2 % of evidence rows (`pg_stats.most_common_elems` of
--- `content_tsv`, kept by ANALYZE; table-wide; no statistics yet: every
--- lexeme counts as rare), at most the 12 rarest (then the longest), ranked
--- by `ts_rank`; a text whose lexemes are all common (e.g. "network
--- address" over a networking corpus) matches the rows holding all of them
--- (an AND of at most 12, as `plainto_tsquery` did), so a short keyword text
--- is never left without a keyword side. Each lexeme is quoted for tsquery
--- input (`\` and `'`
--- escaped), so the text is never parsed as query syntax. `pg_stats` hides
--- the statistics of a table with row-level security from a login it applies
--- to (a `truthgraph_app` member): there every lexeme counts as rare and only
--- the cap of 12 bounds the work. The statistics are a MATERIALIZED CTE: on
--- a Citus coordinator it runs there as one subplan (text and real rows), and
--- the rest is routed to the tenant's shard (inlined, Citus would pull
--- pg_stats' catalog tables whole, aclitem columns included, and fail).
WITH stats AS MATERIALIZED (
    SELECT unnest(s.most_common_elems::text::text[]) AS lexeme,
           unnest(s.most_common_elem_freqs) AS freq
    FROM pg_stats s
    WHERE s.schemaname = current_schema() AND s.tablename = 'evidence'
      AND s.attname = 'content_tsv'
), vec AS (
    SELECT id, row_number() OVER (ORDER BY distance, id) AS rank
    FROM (
        SELECT em.entity_id AS id, em.embedding <=> :query AS distance
        FROM embeddings em
        WHERE em.tenant_id = :tenant_id AND em.entity_type = 'evidence'
          AND (SELECT s.tenant_id = em.tenant_id FROM evidence s WHERE s.id = em.entity_id AND s.tenant_id = :tenant_id)
        ORDER BY em.embedding <=> :query
        LIMIT :candidates
    ) v
), kw AS (
    SELECT id, row_number() OVER (ORDER BY score DESC, id) AS rank
    FROM (
        SELECT e.id, ts_rank(e.content_tsv, q.q) AS score
        FROM evidence e, (
            SELECT coalesce(CASE WHEN bool_or(r.rare)
                       THEN string_agg(r.quoted, ' | ') FILTER (WHERE r.rare)
                       ELSE string_agg(r.quoted, ' & ') END, '')::tsquery AS q
            FROM (
                SELECT '''' || replace(replace(l.lexeme, '\', '\\'), '''', '''''') || '''' AS quoted,
                       coalesce(f.freq, 0) < 0.02 AS rare
                FROM unnest(to_tsvector('english', :text)) l
                LEFT JOIN stats f ON f.lexeme = l.lexeme
                ORDER BY coalesce(f.freq, 0), length(l.lexeme) DESC, l.lexeme
                LIMIT 12
            ) r
        ) q
        WHERE e.tenant_id = :tenant_id AND e.content_tsv @@ q.q
        ORDER BY score DESC, e.id
        LIMIT :candidates
    ) k
)
SELECT e.id,
       coalesce(:vector_weight::float8 / (60 + vec.rank), 0)
         + coalesce(:keyword_weight::float8 / (60 + kw.rank), 0) AS score,
       vec.rank AS vector_rank, kw.rank AS keyword_rank,
       e.content, e.source_url, e.source_type
FROM vec
FULL OUTER JOIN kw ON kw.id = vec.id
CROSS JOIN LATERAL (
    SELECT e.id, e.tenant_id, e.content, e.source_url, e.source_type
    FROM evidence e WHERE e.id = coalesce(vec.id, kw.id) AND e.tenant_id = :tenant_id OFFSET 0
) e
WHERE e.tenant_id = :tenant_id
ORDER BY score DESC, e.id
LIMIT :k;
