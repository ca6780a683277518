-- Search tiers (V10): per tenant and entity type, its rows and its own
-- partial HNSW index, if it has one (src/tiers/, src/index_build/tiers.rs).
-- `truthgraph_tiers` is written only by the library's maintenance (owner);
-- searches read the index tier from it, once per handle and then in the
-- background.

--: TierRoute(ef_search?)
--: TierRow(index_name?, ef_search?, built_at?, built_rows?, element_bytes?, measured_rows?, index_bytes?)
--: TierIndex(predicate?, options?)

--! tier_routes : TierRoute
--- The tiers whose index is there and valid: a search of such a tenant
--- uses the statement its index serves. Everything else is searched exactly.
--- `quantized`: the index is on an expression (`binary_quantize(embedding)`,
--- the only expression a tier index is built on), so its search ranks by
--- Hamming distance and re-ranks by the full vector. `hamming_list`: that
--- index is IVFFlat (a Hamming list, one list), whose `ef_search` in the
--- registry is the candidates it re-ranks (it has no graph).
SELECT t.tenant_id, t.entity_type, t.row_count, t.ef_search, i.indexprs IS NOT NULL AS quantized,
       am.amname = 'ivfflat' AS hamming_list
FROM truthgraph_tiers t
JOIN pg_class c ON c.relname = t.index_name AND c.relnamespace = 'public'::regnamespace
JOIN pg_index i ON i.indexrelid = c.oid
JOIN pg_am am ON am.oid = c.relam
WHERE i.indisvalid AND i.indrelid = to_regclass('embeddings');

--! shared_vector_index : SharedIndex()
--- Whether a valid vector index over every tenant (no predicate) is on
--- `embeddings`: kept by V10 until the tiers are built, or a user's. Tenants
--- without an index of their own are searched through it meanwhile. And
--- whether the registry is there (V10 on): before it there are no routes
--- to read (asked here, so that reading them never fails in the server's
--- log).
SELECT EXISTS (
    SELECT FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am am ON am.oid = c.relam
    WHERE i.indrelid = to_regclass('embeddings') AND i.indisvalid AND i.indpred IS NULL
      AND am.amname IN ('hnsw', 'ivfflat')
) AS shared, to_regclass('truthgraph_tiers') IS NOT NULL AS registry;

--! tier_rows : TierRow
--- The registry, with the size of each tier's index (NULL: no such index),
--- the rows it was built over (V13), the bytes of one of its elements
--- (V14) and the rows it was last measured at (V15); NULL before, read so
--- that a database not yet migrated still has its tiers kept.
SELECT t.tenant_id, t.entity_type, t.row_count, t.index_name, t.ef_search, t.counted_at,
       t.built_at, (to_jsonb(t) ->> 'built_rows')::int8 AS built_rows,
       (to_jsonb(t) ->> 'element_bytes')::float8 AS element_bytes,
       (to_jsonb(t) ->> 'measured_rows')::int8 AS measured_rows,
       pg_relation_size(to_regclass(quote_ident(t.index_name))) AS index_bytes
FROM truthgraph_tiers t
ORDER BY t.row_count DESC, t.tenant_id, t.entity_type;

--! embedding_counts : EmbeddingCount()
--- Embeddings per tenant and entity type (an index-only scan of
--- `idx_embeddings_tenant_type`).
SELECT tenant_id, entity_type, count(*) AS rows
FROM embeddings GROUP BY tenant_id, entity_type ORDER BY tenant_id, entity_type;

--! embedding_count_of
--- Embeddings of one tenant and entity type.
SELECT count(*) AS rows FROM embeddings
WHERE tenant_id = :tenant_id AND entity_type = :entity_type;

--! tier_indexes : TierIndex
--- The library's tier indexes on `embeddings`: `idx_embeddings_tier_*` and
--- the Python tenant's `idx_embeddings_vector_cosine` when partial, with
--- validity, predicate (as PostgreSQL prints it), storage parameters
--- (`m=32` for a dense graph) and whether it is on `binary_quantize(embedding)`.
SELECT c.relname::text AS index_name, i.indisvalid AS is_valid,
       pg_get_expr(i.indpred, i.indrelid) AS predicate, pg_relation_size(c.oid) AS bytes,
       c.reloptions AS options, i.indexprs IS NOT NULL AS quantized
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = to_regclass('embeddings')
  AND (c.relname LIKE 'idx\_embeddings\_tier\_%'
       OR (c.relname = 'idx_embeddings_vector_cosine' AND i.indpred IS NOT NULL))
ORDER BY 1;

--! upsert_tier (index_name?, ef_search?)
--- Records a tier as counted and, when `built` is true, its index as built now.
INSERT INTO truthgraph_tiers (tenant_id, entity_type, row_count, index_name, ef_search, built_at)
VALUES (:tenant_id, :entity_type, :row_count, :index_name, :ef_search,
        CASE WHEN :built::bool THEN now() AT TIME ZONE 'utc' END)
ON CONFLICT (tenant_id, entity_type) DO UPDATE
SET row_count = EXCLUDED.row_count, index_name = EXCLUDED.index_name,
    ef_search = EXCLUDED.ef_search, counted_at = EXCLUDED.counted_at,
    built_at = CASE WHEN EXCLUDED.index_name IS NULL THEN NULL
                    ELSE coalesce(EXCLUDED.built_at, truthgraph_tiers.built_at) END;

--! registry_columns : RegistryColumnSet()
--- Which of the registry's later columns `truthgraph_tiers` has: V13's
--- `built_rows`, V14's `element_bytes`, V15's `measured_rows` (a database
--- not yet migrated to them has its tiers recorded without).
SELECT coalesce('built_rows' = ANY (a.names), false) AS built_rows,
       coalesce('element_bytes' = ANY (a.names), false) AS element_bytes,
       coalesce('measured_rows' = ANY (a.names), false) AS measured_rows
FROM (SELECT array_agg(attname::text) AS names FROM pg_attribute
      WHERE attrelid = to_regclass('truthgraph_tiers') AND attnum > 0
        AND NOT attisdropped) a;

--! record_built_rows
--- After `upsert_tier` (V13 on): the most rows the tier's index has held,
--- those counted now when `built` is true (or none were known), else
--- raised to the count now when larger (inserted rows are in the graph
--- too); NULL without an index.
UPDATE truthgraph_tiers
SET built_rows = CASE WHEN index_name IS NULL THEN NULL
                      WHEN :built::bool THEN row_count
                      ELSE greatest(coalesce(built_rows, row_count), row_count) END
WHERE tenant_id = :tenant_id AND entity_type = :entity_type;

--! record_element_bytes (index_bytes?)
--- After `record_built_rows` (V14 on): the bytes of one element of the
--- tier's index of `index_bytes` bytes now, (bytes - the metapage) / the
--- most rows it has held, when it was just built or none is recorded yet
--- (a tier built before V14: what its index holds now is taken as live);
--- else kept. NULL without an index, or under 64 bytes an element, less
--- than any element takes: a shell, as on a Citus coordinator, whose rows
--- are on the workers. The size is read by the caller (`index_bytes`), so
--- the statement calls no volatile function on what is a reference table
--- on Citus.
UPDATE truthgraph_tiers
SET element_bytes = CASE
        WHEN index_name IS NULL THEN NULL
        WHEN NOT :built::bool AND element_bytes IS NOT NULL THEN element_bytes
        WHEN (:index_bytes::int8 - 8192)::float8 / greatest(coalesce(built_rows, row_count), 1) >= 64
            THEN (:index_bytes::int8 - 8192)::float8 / greatest(coalesce(built_rows, row_count), 1)
    END
WHERE tenant_id = :tenant_id AND entity_type = :entity_type;

--! record_measured_rows
--- After `upsert_tier` (V15 on): the rows the tier's index was last
--- measured at, those counted now when `measured` is true (a build, a
--- conversion or a re-measurement) or none are recorded yet; else kept.
--- NULL without an index.
UPDATE truthgraph_tiers
SET measured_rows = CASE WHEN index_name IS NULL THEN NULL
                         WHEN :measured::bool THEN row_count
                         ELSE coalesce(measured_rows, row_count) END
WHERE tenant_id = :tenant_id AND entity_type = :entity_type;

--! index_bytes : (bytes?)
--- The size of an index of `embeddings` by name (NULL: no such index).
SELECT pg_relation_size(to_regclass(quote_ident(:index_name))) AS bytes;

--! forget_built_rows
--- Every tier index was just rebuilt (`reindex`): each is built over the
--- rows it has now, which the tier's next record counts (`built_rows` NULL).
UPDATE truthgraph_tiers SET built_rows = NULL WHERE index_name IS NOT NULL;

--! delete_tier
--- Forgets a tier (its tenant has no embeddings of the type left).
DELETE FROM truthgraph_tiers WHERE tenant_id = :tenant_id AND entity_type = :entity_type;

--! build_memory_kb
--- The server's `maintenance_work_mem` in kB: what an index build gets
--- unless the library sizes it (src/index_build/tiers.rs).
SELECT setting::int8 AS kb FROM pg_settings WHERE name = 'maintenance_work_mem';

--! tier_sample : TierProbe()
--- Up to `n` of one tier's embeddings, the same ones on every call (by a
--- hash of the entity id): each, moved by its distance to its nearest row,
--- is a query of the tier's `ef_search` measurement when the tenant has no
--- rows of the other entity type (src/index_build/tier_ef.rs).
SELECT embedding FROM embeddings
WHERE tenant_id = :tenant_id AND entity_type = :entity_type
ORDER BY hashtext(entity_id::text), entity_id
LIMIT :n;

--! tier_probes_of_tenant : TierProbe()
--- Up to `n` of a tenant's embeddings of the other entity type (its claims,
--- for its evidence tier: the queries that tier is asked), the same ones on
--- every call.
SELECT embedding FROM embeddings
WHERE tenant_id = :tenant_id AND entity_type <> :entity_type
ORDER BY hashtext(entity_id::text), entity_id
LIMIT :n;

--! tier_neighbour_at : TierProbe()
--- The embedding of the `rank`-th nearest (from 0) of one tier's embeddings
--- to `query`, exactly (rank 1 of a stored row: its nearest other row).
SELECT embedding FROM embeddings
WHERE tenant_id = :tenant_id AND entity_type = :entity_type
ORDER BY (embedding <=> :query) + 0, entity_id
OFFSET :rank LIMIT 1;

--! tier_neighbours_exact
--- The `k` nearest of one tier's embeddings to `query`, exactly: ordered by
--- an expression no index serves (`+ 0`).
SELECT entity_id FROM embeddings
WHERE tenant_id = :tenant_id AND entity_type = :entity_type
ORDER BY (embedding <=> :query) + 0, entity_id
LIMIT :k;

--! tier_neighbours
--- The `k` nearest of one tier's embeddings to `query` as its own index finds
--- them (planned for the tenant's value: the partial index).
SELECT entity_id FROM embeddings
WHERE tenant_id = :tenant_id AND entity_type = :entity_type
ORDER BY embedding <=> :query
LIMIT :k;
