-- Issue 16, ingest: where the time of writing 10K x 1536 rows goes, server side only
-- (INSERT ... SELECT from a table already in memory, so no client, no COPY parsing).
-- psql -d issue16_mix100k -f scripts/research/ingest_limits.sql   (after search_run.py mix100k --setup)
\timing on
DROP TABLE IF EXISTS src, t_main, t_plain, t_unlogged, t_idx;
CREATE UNLOGGED TABLE src AS SELECT * FROM embeddings ORDER BY id LIMIT 10000;
SELECT count(*) FROM src;
CREATE TABLE t_main (LIKE embeddings INCLUDING DEFAULTS INCLUDING STORAGE);
CREATE TABLE t_plain (LIKE embeddings INCLUDING DEFAULTS INCLUDING STORAGE);
ALTER TABLE t_plain ALTER COLUMN embedding SET STORAGE PLAIN;
CREATE UNLOGGED TABLE t_unlogged (LIKE embeddings INCLUDING DEFAULTS INCLUDING STORAGE);
CREATE TABLE t_idx (LIKE embeddings INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING CONSTRAINTS);
ALTER TABLE t_idx ADD PRIMARY KEY (id);
CREATE INDEX ON t_idx (tenant_id);
CREATE INDEX ON t_idx (entity_type, entity_id);
CREATE UNIQUE INDEX ON t_idx (entity_type, entity_id);
CREATE INDEX ON t_idx (tenant_id, entity_type);
\echo run 1: MAIN, PLAIN, UNLOGGED (MAIN), MAIN + the five btrees of embeddings
INSERT INTO t_main SELECT * FROM src;
INSERT INTO t_plain SELECT * FROM src;
INSERT INTO t_unlogged SELECT * FROM src;
INSERT INTO t_idx SELECT * FROM src;
TRUNCATE t_main, t_plain, t_unlogged, t_idx;
CHECKPOINT;
\echo run 2
INSERT INTO t_main SELECT * FROM src;
INSERT INTO t_plain SELECT * FROM src;
INSERT INTO t_unlogged SELECT * FROM src;
INSERT INTO t_idx SELECT * FROM src;
TRUNCATE t_main, t_plain, t_unlogged, t_idx;
CHECKPOINT;
\echo run 3
INSERT INTO t_main SELECT * FROM src;
INSERT INTO t_plain SELECT * FROM src;
INSERT INTO t_unlogged SELECT * FROM src;
INSERT INTO t_idx SELECT * FROM src;
SELECT pg_size_pretty(pg_total_relation_size('t_main')) AS main, pg_size_pretty(pg_total_relation_size('t_plain')) AS plain;
DROP TABLE src, t_main, t_plain, t_unlogged, t_idx;
