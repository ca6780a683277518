-- Undo V1: drops the Phase 1 schema (and every row in it).
DROP TABLE IF EXISTS verdict_evidence;
DROP TABLE IF EXISTS verdicts;
DROP TABLE IF EXISTS evidence;
DROP TABLE IF EXISTS claims;
DROP FUNCTION IF EXISTS update_updated_at_column();
