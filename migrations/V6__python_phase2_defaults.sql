-- V6: the Phase 2 columns exactly as the Python services' Alembic revision
-- (phase2_ml_tables) created them, because their code inserts relying on it:
-- the two model_name server defaults, and premise/hypothesis texts required.
-- A database holding NLI rows without those texts is refused with their
-- count: which text belonged there is not ours to invent.
ALTER TABLE embeddings ALTER COLUMN model_name SET DEFAULT 'text-embedding-3-small';
ALTER TABLE nli_results ALTER COLUMN model_name SET DEFAULT 'microsoft/deberta-v3-base';
DO $$
DECLARE
    missing bigint;
BEGIN
    SELECT count(*) INTO missing FROM nli_results
    WHERE premise_text IS NULL OR hypothesis_text IS NULL;
    IF missing > 0 THEN
        RAISE EXCEPTION 'V6: % nli_results rows have no premise_text or hypothesis_text; the Python schema requires both: fill them in, then migrate again', missing;
    END IF;
END
$$;
ALTER TABLE nli_results ALTER COLUMN premise_text SET NOT NULL,
                        ALTER COLUMN hypothesis_text SET NOT NULL;
