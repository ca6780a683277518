-- Operator queries: index usage, sizes, vector index parameters.

--! index_usage : IndexUsage()
--- Scans and size of every index on the TruthGraph tables, least used first.
SELECT s.relname::text AS table_name, s.indexrelname::text AS index_name,
       s.idx_scan AS scans, s.idx_tup_read AS tuples_read,
       pg_relation_size(s.indexrelid) AS size_bytes
FROM pg_stat_user_indexes s
WHERE s.schemaname = 'public'
ORDER BY s.idx_scan, s.relname, s.indexrelname;

--! table_sizes : TableSize()
--- Heap, index and total size and live rows of every table, largest first.
SELECT s.relname::text AS table_name, s.n_live_tup AS live_rows,
       pg_relation_size(s.relid) AS table_bytes, pg_indexes_size(s.relid) AS index_bytes,
       pg_total_relation_size(s.relid) AS total_bytes
FROM pg_stat_user_tables s
WHERE s.schemaname = 'public'
ORDER BY pg_total_relation_size(s.relid) DESC, s.relname;

--! vector_index_params : VectorIndexParams(options?)
--- Every ivfflat/hnsw index with its operator class and storage parameters.
SELECT c.relname::text AS index_name, t.relname::text AS table_name, am.amname::text AS method,
       oc.opcname::text AS opclass, c.reloptions AS options,
       pg_relation_size(c.oid) AS size_bytes, t.reltuples::int8 AS table_rows_estimate
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_am am ON am.oid = c.relam
JOIN pg_opclass oc ON oc.oid = i.indclass[0]
WHERE am.amname IN ('ivfflat', 'hnsw') AND t.relnamespace = 'public'::regnamespace
ORDER BY c.relname;
