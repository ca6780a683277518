-- Undoes V13: truthgraph_tiers without built_rows.
ALTER TABLE truthgraph_tiers DROP COLUMN built_rows;
