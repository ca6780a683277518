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
