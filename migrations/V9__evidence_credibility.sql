-- V9: evidence.credibility_score and evidence.publication_date.
--
-- The Python services' query module (truthgraph/db_queries/queries.py) reads
-- both in batch_get_evidence_by_ids (with and without embeddings) and
-- credibility_score in get_evidence_with_similarity_scores, but no migration
-- of theirs (Alembic) or of ours before this one created them: those three
-- queries failed with 42703 (undefined column) on every database. Both are
-- nullable with no default: existing rows and every writer that does not
-- know them (the library, the Python services' inserts) are unaffected, and
-- NULL reads as "not assessed" / "unknown".
-- Table-level grants (V7) cover the new columns; row-level security is per
-- row, so nothing else changes for truthgraph_app.

ALTER TABLE evidence ADD COLUMN credibility_score DOUBLE PRECISION;
ALTER TABLE evidence ADD COLUMN publication_date DATE;
ALTER TABLE evidence ADD CONSTRAINT evidence_credibility_score_range
    CHECK (credibility_score IS NULL OR credibility_score BETWEEN 0 AND 1);
COMMENT ON COLUMN evidence.credibility_score IS
    'How credible the source is judged to be, in [0, 1] (1 = fully credible); NULL: not assessed';
COMMENT ON COLUMN evidence.publication_date IS
    'Date the source was published (ISO date, no time zone); NULL: unknown';
