-- V15: the rows a tier's index was last measured at (issue 16).
--
-- A tier's index is measured on its own rows when it is built: the
-- `ef_search` of a graph, the re-rank candidates of a Hamming list, and
-- for a quantized tier whether a Hamming list or a graph serves it. Rows
-- inserted since go into the same index, which was not measured on them: a
-- graph that doubled needs more `ef_search` for the same recall, and a
-- Hamming list past its rows (50K by default) reads every row's bits at
-- each search (38 ms at 210K x 1536), where a Hamming graph may be faster.
-- `truthgraph-db tiers --apply` measures again the index of a tier that
-- holds twice the rows recorded here (and tries Hamming graphs for a list
-- past its rows, as a build would), then records the rows it measured at.
-- NULL: no index; a tier built before V15 gets the rows counted at the next
-- maintenance (filled here from `built_rows`, the most rows its index has
-- held, where it has one).
ALTER TABLE truthgraph_tiers ADD COLUMN measured_rows BIGINT;
ALTER TABLE truthgraph_tiers
    ADD CONSTRAINT truthgraph_tiers_measured_rows_check CHECK (measured_rows >= 0);
UPDATE truthgraph_tiers SET measured_rows = built_rows WHERE index_name IS NOT NULL;
COMMENT ON COLUMN truthgraph_tiers.measured_rows IS
    'The tier''s rows when its index was last measured: at its build, conversion or re-measurement (NULL: it has none)';
