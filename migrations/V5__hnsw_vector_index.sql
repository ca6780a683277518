-- V5: idx_embeddings_vector_cosine becomes an HNSW index (m = 16,
-- ef_construction = 64), keeping its name, which the Python services and
-- their tests look for. Chosen by measurement (BENCHMARKS.md): on 20K real
-- all-MiniLM-L6-v2 embeddings in four tenants of 50/30/15/5 %, the seed's
-- IVFFlat (lists = 100) needs 40 probes to reach recall@10 0.96 at about the
-- cost of an exact search, while HNSW reaches >= 0.98 on every tenant at a
-- fraction of it. HNSW needs no rebuild as rows arrive (IVFFlat computes its
-- lists from the rows present at build time, so V2's index, built on an empty
-- table, never fitted the data) and its search settings follow the table's
-- size (src/settings.rs).
--
-- Time: instant on an empty table. On an adopted database the build reads
-- every vector: measured 100K x 1536 in BENCHMARKS.md ("V5 on 100K rows").
-- The build memory is raised for this transaction only (a ceiling, taken
-- only as the graph needs it): an HNSW graph that does not fit in
-- maintenance_work_mem builds many times slower, and 100K x 1536 needs about
-- 650 MB. A server that cannot give it fails the migration, which then
-- changes nothing.
SET LOCAL maintenance_work_mem = '1GB';
DROP INDEX idx_embeddings_vector_cosine;
CREATE INDEX idx_embeddings_vector_cosine ON embeddings
    USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
COMMENT ON INDEX idx_embeddings_vector_cosine IS
    'Cosine similarity search (<=>): HNSW m = 16, ef_construction = 64 since V5 (IVFFlat lists = 100 before)';
