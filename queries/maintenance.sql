-- Operator queries: index usage and sizes (vector indexes: catalog.sql).

--! index_usage : IndexUsage()
--- Scans, size and validity of every index on the TruthGraph tables, least
--- used first (an invalid index, left by an interrupted concurrent build, is
--- never scanned but still takes space). An index dropped by another
--- session meanwhile is left out (its size is NULL).
SELECT s.relname::text AS table_name, s.indexrelname::text AS index_name,
       s.idx_scan AS scans, s.idx_tup_read AS tuples_read,
       f.size_bytes, i.indisvalid AS is_valid
FROM pg_stat_user_indexes s
JOIN pg_index i ON i.indexrelid = s.indexrelid
CROSS JOIN LATERAL (SELECT pg_relation_size(s.indexrelid) AS size_bytes OFFSET 0) f
WHERE s.schemaname = 'public' AND f.size_bytes IS NOT NULL
ORDER BY s.idx_scan, s.relname, s.indexrelname;

--! table_sizes : TableSize()
--- Heap, index and total size and live rows of every table, largest first
--- (a table dropped by another session meanwhile is left out).
SELECT s.relname::text AS table_name, s.n_live_tup AS live_rows,
       f.table_bytes, f.index_bytes, f.total_bytes
FROM pg_stat_user_tables s
CROSS JOIN LATERAL (SELECT pg_relation_size(s.relid) AS table_bytes,
                           pg_indexes_size(s.relid) AS index_bytes,
                           pg_total_relation_size(s.relid) AS total_bytes OFFSET 0) f
WHERE s.schemaname = 'public'
  AND f.table_bytes IS NOT NULL AND f.index_bytes IS NOT NULL AND f.total_bytes IS NOT NULL
ORDER BY f.total_bytes DESC, s.relname;

--! orphan_embeddings : OrphanEmbeddings()
--- Embeddings per tenant and entity type whose entity does not exist or
--- belongs to another tenant (possible in databases adopted from the Python
--- services, which wrote embeddings without checking the entity). Such rows
--- can take top-k slots that the search's tenant join then drops.
SELECT em.tenant_id, em.entity_type,
       count(*) FILTER (WHERE coalesce(c.id, e.id) IS NULL) AS missing_entity,
       count(*) FILTER (WHERE coalesce(c.tenant_id, e.tenant_id) <> em.tenant_id) AS foreign_entity
FROM embeddings em
LEFT JOIN claims c ON em.entity_type = 'claim' AND c.id = em.entity_id
LEFT JOIN evidence e ON em.entity_type = 'evidence' AND e.id = em.entity_id
WHERE coalesce(c.id, e.id) IS NULL OR coalesce(c.tenant_id, e.tenant_id) <> em.tenant_id
GROUP BY em.tenant_id, em.entity_type
ORDER BY em.tenant_id, em.entity_type;

--! delete_orphan_embeddings : OrphanEmbeddings()
--- Deletes, in one statement, every embedding `orphan_embeddings` counts (its
--- entity does not exist or belongs to another tenant) and returns how many
--- went per tenant and entity type (same columns as `orphan_embeddings`).
WITH doomed AS (
    SELECT em.id, em.tenant_id, em.entity_type, coalesce(c.id, e.id) IS NULL AS missing
    FROM embeddings em
    LEFT JOIN claims c ON em.entity_type = 'claim' AND c.id = em.entity_id
    LEFT JOIN evidence e ON em.entity_type = 'evidence' AND e.id = em.entity_id
    WHERE coalesce(c.id, e.id) IS NULL OR coalesce(c.tenant_id, e.tenant_id) <> em.tenant_id
    FOR UPDATE OF em
), gone AS (
    DELETE FROM embeddings x USING doomed d WHERE x.id = d.id
    RETURNING d.tenant_id, d.entity_type, d.missing
)
SELECT tenant_id, entity_type,
       count(*) FILTER (WHERE missing) AS missing_entity,
       count(*) FILTER (WHERE NOT missing) AS foreign_entity
FROM gone
GROUP BY tenant_id, entity_type
ORDER BY tenant_id, entity_type;

--! tenant_counts : TenantCount(entity_type?, model_name?)
--- Exact rows per table and tenant (`claims`, `evidence`), and per tenant,
--- entity type and model (`embeddings`); counts every row, so it reads the
--- whole of each table.
SELECT 'claims'::text AS table_name, tenant_id::text AS tenant_id, NULL::text AS entity_type,
       NULL::text AS model_name, count(*) AS rows
FROM claims GROUP BY tenant_id
UNION ALL
SELECT 'evidence', tenant_id::text, NULL, NULL, count(*) FROM evidence GROUP BY tenant_id
UNION ALL
SELECT 'embeddings', tenant_id::text, entity_type::text, model_name::text, count(*)
FROM embeddings GROUP BY tenant_id, entity_type, model_name
ORDER BY 1, 2, 3, 4;

--! server_settings : ServerSetting(unit?)
--- The server settings that matter for vector index builds, searches and
--- pooling, and what reloads the buffers after a restart
--- (`shared_preload_libraries`, `pg_prewarm.autoprewarm` when loaded), as
--- the server reports them (`setting` in `unit`, and the human-readable
--- `current_setting`).
SELECT name::text AS name, setting::text AS setting, unit::text AS unit,
       current_setting(name) AS pretty
FROM pg_settings
WHERE name IN ('maintenance_work_mem', 'shared_buffers', 'work_mem', 'effective_cache_size',
               'max_parallel_maintenance_workers', 'max_parallel_workers',
               'max_parallel_workers_per_gather', 'max_worker_processes', 'max_connections',
               'statement_timeout', 'shared_preload_libraries', 'pg_prewarm.autoprewarm')
ORDER BY name;
