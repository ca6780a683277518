-- Catalog reads the library's own machinery needs: the embedding dimension,
-- vector indexes, server versions, table sizes, the shape of a schema (for
-- adopting Python-created databases), and the migrators' advisory lock.
-- Read-only, except the lock functions.

--! embedding_dimension : EmbeddingColumn()
--- The declared dimension (`atttypmod`) and storage mode of `embeddings.embedding`;
--- no row before the table exists.
SELECT a.atttypmod AS dimension, a.attstorage::text AS storage
FROM pg_attribute a
WHERE a.attrelid = to_regclass('embeddings') AND a.attname = 'embedding' AND NOT a.attisdropped;

--! bypasses_row_security
--- Whether row-level security can never apply to the current user: a
--- superuser, a role with BYPASSRLS, or (a member of) the owner of `claims`
--- (V7 does not FORCE it). False before `claims` exists unless superuser.
SELECT r.rolsuper OR r.rolbypassrls
       OR coalesce((SELECT pg_has_role(current_user, c.relowner, 'USAGE')
                    FROM pg_class c WHERE c.oid = to_regclass('claims')), false) AS bypasses
FROM pg_roles r WHERE r.rolname = current_user;

--! vector_indexes : VectorIndex(options?)
--- Every ivfflat/hnsw index in `public`: method, operator class, storage
--- parameters, the DDL that recreates it, size, validity (an interrupted
--- `CREATE INDEX CONCURRENTLY` leaves an invalid one), the planner's row
--- estimate of its table, and whether it is on an expression (a quantized
--- tier's `binary_quantize(embedding)::bit(N)`: its definition names the
--- column's dimension). An index that another session drops while this
--- runs is left out: the catalog functions answer NULL for it (computed once,
--- in the fenced LATERAL, so the filter and the row see the same value).
SELECT c.relname::text AS index_name, t.relname::text AS table_name, am.amname::text AS method,
       oc.opcname::text AS opclass, c.reloptions AS options,
       f.definition, f.size_bytes, i.indisvalid AS is_valid,
       t.reltuples::int8 AS table_rows_estimate, i.indexprs IS NOT NULL AS on_expression
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_am am ON am.oid = c.relam
JOIN pg_opclass oc ON oc.oid = i.indclass[0]
CROSS JOIN LATERAL (SELECT pg_get_indexdef(i.indexrelid) AS definition,
                           pg_relation_size(c.oid) AS size_bytes OFFSET 0) f
WHERE am.amname IN ('ivfflat', 'hnsw') AND t.relnamespace = 'public'::regnamespace
  AND f.definition IS NOT NULL AND f.size_bytes IS NOT NULL
ORDER BY c.relname;

--! server_info : ServerInfo(pgvector_version?, pgvector_available?)
--- The server's version, the pgvector version of this database's extension
--- and the version the server's installed library offers
--- (`pg_available_extensions.default_version`: what `ALTER EXTENSION vector
--- UPDATE` moves to).
SELECT current_setting('server_version') AS server_version,
       (SELECT extversion::text FROM pg_extension WHERE extname = 'vector') AS pgvector_version,
       (SELECT default_version::text FROM pg_available_extensions WHERE name = 'vector')
         AS pgvector_available;

--! server_role : ServerRole(server_address?, server_port?)
--- Which server answered and how its commits replicate: its address and
--- port as it sees them (NULL over a Unix socket), whether it is a standby
--- (in recovery), `synchronous_standby_names` and this session's
--- `synchronous_commit`.
SELECT host(inet_server_addr()) AS server_address, inet_server_port() AS server_port,
       pg_is_in_recovery() AS in_recovery,
       current_setting('synchronous_standby_names') AS synchronous_standby_names,
       current_setting('synchronous_commit') AS synchronous_commit;

--! standbys : StandbyState(application_name?, client_address?, state?, sync_state?, replay_lag_ms?)
--- The standbys streaming from this server (`pg_stat_replication`). Without
--- superuser or `pg_read_all_stats`, only the rows show, their fields NULL.
SELECT application_name::text AS application_name, host(client_addr) AS client_address,
       state::text AS state, sync_state::text AS sync_state,
       (extract(epoch FROM replay_lag) * 1000)::float8 AS replay_lag_ms
FROM pg_stat_replication
ORDER BY application_name, client_addr;

--! table_rows : TableRows()
--- Tables of `public` with live rows from the statistics collector
--- (approximate, a moment behind the latest writes).
SELECT c.relname::text AS table_name, coalesce(s.n_live_tup, 0)::int8 AS live_rows
FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace
ORDER BY 1;

--! relation_exists
--- Whether a table or other relation of this name is visible.
SELECT to_regclass(:name) IS NOT NULL AS exists;

--! schema_tables
--- Ordinary tables of a schema.
SELECT tablename::text AS table_name FROM pg_tables WHERE schemaname = :schema ORDER BY 1;

--! schema_columns : SchemaColumn()
--- Columns of the given tables of a schema, with their types without modifiers
--- (so `vector(384)` and `vector(1536)` compare equal).
SELECT c.relname::text AS table_name, a.attname::text AS column_name,
       regexp_replace(format_type(a.atttypid, a.atttypmod), '\(.*\)', '') AS data_type
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = :schema::text::regnamespace AND c.relkind = 'r'
  AND c.relname = ANY(:tables::text[]) AND a.attnum > 0 AND NOT a.attisdropped;

--! schema_indexes : SchemaObject()
--- `idx_*` indexes of the given tables of a schema.
SELECT tablename::text AS table_name, indexname::text AS name FROM pg_indexes
WHERE schemaname = :schema AND tablename = ANY(:tables::text[]) AND indexname LIKE 'idx\_%';

--! schema_triggers : SchemaObject()
--- User triggers of the given tables of a schema.
SELECT c.relname::text AS table_name, t.tgname::text AS name FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = :schema::text::regnamespace AND c.relname = ANY(:tables::text[])
  AND NOT t.tgisinternal;

--! schema_has_function
--- Whether a schema has a function of this name.
SELECT count(*) > 0 AS found FROM pg_proc
WHERE proname = :name AND pronamespace = :schema::text::regnamespace;

--! advisory_lock
--- Waits for the session advisory lock `key` (held until unlocked or the session ends).
SELECT pg_advisory_lock(:key)::text AS locked;

--! advisory_unlock
--- Releases the session advisory lock `key`; false when it was not held.
SELECT pg_advisory_unlock(:key) AS unlocked;
