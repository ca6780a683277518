-- The stored search settings (`truthgraph_settings`, V4), written by
-- `truthgraph-db tune` and read when a Database opens.

--: Setting(rows_measured?, recall?, p50_ms?, note?)

--! settings : Setting
--- Every stored setting.
SELECT name, value, rows_measured, recall, p50_ms, measured_at, note
FROM truthgraph_settings ORDER BY name;

--! store_setting (rows_measured?, recall?, p50_ms?, note?) : Setting
--- Inserts or replaces one setting, stamping the time of measurement.
INSERT INTO truthgraph_settings (name, value, rows_measured, recall, p50_ms, note)
VALUES (:name, :value, :rows_measured, :recall, :p50_ms, :note)
ON CONFLICT (name) DO UPDATE
SET value = EXCLUDED.value, rows_measured = EXCLUDED.rows_measured, recall = EXCLUDED.recall,
    p50_ms = EXCLUDED.p50_ms, note = EXCLUDED.note, measured_at = EXCLUDED.measured_at
RETURNING name, value, rows_measured, recall, p50_ms, measured_at, note;

--! clear_settings
--- Deletes every stored setting (back to the built-in defaults).
DELETE FROM truthgraph_settings;

--! embedding_rows_estimate
--- The planner's estimate of rows in `embeddings` (-1 before the first ANALYZE).
SELECT reltuples::int8 AS estimate FROM pg_class WHERE oid = to_regclass('embeddings');

--! tenant_sizes : TenantSize()
--- Evidence embeddings per tenant, largest first.
SELECT tenant_id, count(*) AS rows FROM embeddings
WHERE entity_type = 'evidence' GROUP BY tenant_id ORDER BY count(*) DESC, tenant_id;

--! sample_embeddings : SampledEmbedding()
--- Up to `n` evidence embeddings of a tenant, the same ones on every call
--- (ordered by a hash of the entity id), as queries for tuning.
SELECT entity_id, embedding FROM embeddings
WHERE tenant_id = :tenant_id AND entity_type = 'evidence'
ORDER BY hashtext(entity_id::text), entity_id
LIMIT :n;

--! index_build_progress : IndexBuildProgress(phase?)
--- Progress of index builds on `embeddings` (`pg_stat_progress_create_index`).
SELECT p.phase, p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total
FROM pg_stat_progress_create_index p
WHERE p.relid = to_regclass('embeddings');
