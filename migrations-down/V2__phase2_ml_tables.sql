-- Undo V2: drops only the Phase 2 tables and the extension V2 created. Phase 1 rows stay.
DROP TABLE IF EXISTS verification_results;
DROP TABLE IF EXISTS nli_results;
DROP TABLE IF EXISTS embeddings;
DROP EXTENSION IF EXISTS vector;
