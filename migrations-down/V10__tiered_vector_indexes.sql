-- Undoes V10: the tenants' own indexes and the registry go, and
-- idx_embeddings_vector_cosine is again one HNSW index over every tenant:
-- the shared index V10 kept, when it is still there, else built anew (as V5:
-- reads every vector, blocks writes while it runs). The ef_search V10 removed
-- from truthgraph_settings is not restored: run tune again.
SET LOCAL maintenance_work_mem = '1GB';
DO $$
DECLARE
    ix record;
BEGIN
    FOR ix IN
        SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'embeddings'::regclass AND c.relname LIKE 'idx\_embeddings\_tier\_%'
    LOOP
        EXECUTE format('DROP INDEX %I', ix.relname);
    END LOOP;
    DROP INDEX IF EXISTS idx_embeddings_vector_cosine;
    IF to_regclass('idx_embeddings_vector_shared') IS NOT NULL THEN
        ALTER INDEX idx_embeddings_vector_shared RENAME TO idx_embeddings_vector_cosine;
    ELSE
        CREATE INDEX idx_embeddings_vector_cosine ON embeddings
            USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
    END IF;
END
$$;
COMMENT ON INDEX idx_embeddings_vector_cosine IS
    'Cosine similarity search (<=>): HNSW m = 16, ef_construction = 64 since V5 (IVFFlat lists = 100 before)';
DROP TABLE truthgraph_tiers;
