-- V13: the rows a tier's index was built over (issue 16).
--
-- pgvector's VACUUM of an HNSW graph repairs every element that had a
-- deleted neighbour, one graph search each: after 5,000 of a 50K-row
-- tier's rows were deleted (m 32, 384 dims), one VACUUM of embeddings took
-- 293 s (500 rows: 94 s), where rebuilding that tier's index first (REINDEX
-- CONCURRENTLY, 43 s) left the VACUUM 2.6 s (BENCHMARKS.md, "VACUUM and the
-- tier graphs"). `truthgraph-db tiers --apply` rebuilds a tier's index when
-- the tier has lost 1 % of the most rows its index has held, which it
-- records here: the rows at the build, raised to any larger count since (a
-- graph holds the rows inserted after its build too); NULL: no index, or
-- built before V13, then the rows counted now.
ALTER TABLE truthgraph_tiers ADD COLUMN built_rows BIGINT;
ALTER TABLE truthgraph_tiers
    ADD CONSTRAINT truthgraph_tiers_built_rows_check CHECK (built_rows >= 0);
UPDATE truthgraph_tiers SET built_rows = row_count WHERE built_at IS NOT NULL;
COMMENT ON COLUMN truthgraph_tiers.built_rows IS
    'The most rows of the tier its index has held: at its last build, raised to larger counts since (NULL: it has none)';
