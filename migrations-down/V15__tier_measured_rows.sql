-- Undoes V15: truthgraph_tiers without measured_rows.
ALTER TABLE truthgraph_tiers DROP COLUMN measured_rows;
