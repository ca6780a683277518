-- V14: the bytes each element of a tier's index takes (issue 16).
--
-- A row re-written in place (the Python services' `ON CONFLICT DO UPDATE`
-- of `embeddings`, a new vector for the same entity) leaves its old element
-- in the tier's HNSW graph, dead, and adds a new one: the tier's row count
-- does not change, so V13's `built_rows` does not see it, but the next
-- VACUUM repairs the graph around every dead element, in time proportional
-- to the graph (BENCHMARKS.md, "VACUUM and the tier graphs"). An index only
-- grows: its size over the bytes of one element estimates the elements it
-- holds, live and dead (measured: 500 bytes an element for a quantized
-- 1536-dim graph, 8,192 for a full-vector one, the same built or
-- inserted). `truthgraph-db tiers --apply` rebuilds in place the index of
-- a tier whose index holds 1 % more elements than the tier has rows.
-- Recorded at each build: (index bytes - the metapage) / rows. A tier
-- built before V14 gets it at the next `tiers` run or bulk load, from the
-- most rows its index has held (what it holds then is taken as live); not
-- here, because the library reads the size itself, so that no statement
-- writing this table (a reference table on Citus) calls a volatile
-- function. NULL: no index, or under 64 bytes an element, less than any
-- element takes (a shell on a Citus coordinator, whose rows are on the
-- workers).
ALTER TABLE truthgraph_tiers ADD COLUMN element_bytes DOUBLE PRECISION;
ALTER TABLE truthgraph_tiers
    ADD CONSTRAINT truthgraph_tiers_element_bytes_check CHECK (element_bytes > 0);
COMMENT ON COLUMN truthgraph_tiers.element_bytes IS
    'Bytes an element of the tier''s index took at its last build: (index bytes - 8192) / rows (NULL: no index, or a shell under 64 bytes an element)';
