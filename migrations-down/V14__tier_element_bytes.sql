-- Undoes V14: truthgraph_tiers without element_bytes.
ALTER TABLE truthgraph_tiers DROP COLUMN element_bytes;
