-- V10: tiered vector search (issue 16, design B). One HNSW graph shared by
-- every tenant loses recall on small tenants whatever ef_search is, and is
-- slower than scanning a tenant's own rows (measured: docs/research on
-- branch search-research, and BENCHMARKS.md). From V10 a tenant with at
-- least 1,000 embeddings of one entity type gets its own partial HNSW index
-- (`WHERE tenant_id = '<t>' AND entity_type = '<type>'`, built CONCURRENTLY by
-- `truthgraph-db tiers --apply` or by the library after a bulk load); smaller
-- tenants are searched exactly.
--
-- * truthgraph_tiers: the library's registry of tiers, one row per
--   (tenant, entity type) counted at the last maintenance: its rows, its
--   index (NULL: searched exactly) and the ef_search of its index (NULL: the
--   connection's). Written only by the owner (the library's maintenance);
--   readable by truthgraph_app (the search picks its statement from it).
-- * idx_embeddings_vector_cosine, the name the Python services look up,
--   becomes the tier index of their own tenant: 'default', evidence.
-- * The shared index of V5 is kept, renamed idx_embeddings_vector_shared,
--   when the table has rows: tenants without an index of their own keep
--   being searched through it until `truthgraph-db tiers --apply` has built
--   theirs and drops it (CONCURRENTLY). On an empty table it is dropped.
--
-- Without downtime: renaming an index takes no lock on the table. Building
-- the 'default' tenant's index here blocks writes (not reads) while it runs:
-- instant when that tenant is empty or small. For a large one, build it
-- beforehand without blocking anything, under the name this migration then
-- takes over (docs/operations.md, "Moving to tiered indexes"):
--   CREATE INDEX CONCURRENTLY idx_embeddings_vector_cosine_next ON embeddings
--     USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)
--     WHERE tenant_id = 'default' AND entity_type = 'evidence';
--
-- The ef_search `tune` stored was measured on the shared index; it does not
-- hold for a tenant's own graph and is removed (run tune again).
SET LOCAL maintenance_work_mem = '1GB';

CREATE TABLE truthgraph_tiers (
    tenant_id VARCHAR(255) NOT NULL,
    entity_type VARCHAR(20) NOT NULL,
    row_count BIGINT NOT NULL,
    index_name VARCHAR(63),
    ef_search INTEGER,
    counted_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    built_at TIMESTAMP,
    PRIMARY KEY (tenant_id, entity_type),
    CONSTRAINT truthgraph_tiers_entity_type_check CHECK (entity_type IN ('evidence', 'claim')),
    CONSTRAINT truthgraph_tiers_row_count_check CHECK (row_count >= 0),
    CONSTRAINT truthgraph_tiers_ef_search_check CHECK (ef_search BETWEEN 1 AND 1000)
);
COMMENT ON TABLE truthgraph_tiers IS
    'Vector search tiers kept by truthgraph-db (tiers --apply): per tenant and entity type, its rows and its own HNSW index (NULL: exact search)';
GRANT SELECT ON truthgraph_tiers TO truthgraph_app;

DELETE FROM truthgraph_settings WHERE name = 'hnsw.ef_search';

DO $$
DECLARE
    has_rows boolean := EXISTS (SELECT FROM embeddings);
    prebuilt boolean := EXISTS (
        SELECT FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_am am ON am.oid = c.relam
        WHERE i.indrelid = 'embeddings'::regclass
          AND c.relname = 'idx_embeddings_vector_cosine_next'
          AND i.indisvalid AND am.amname = 'hnsw'
          AND pg_get_expr(i.indpred, i.indrelid)
              = '(((tenant_id)::text = ''default''::text) AND ((entity_type)::text = ''evidence''::text))');
BEGIN
    IF to_regclass('idx_embeddings_vector_cosine') IS NOT NULL THEN
        IF has_rows THEN
            ALTER INDEX idx_embeddings_vector_cosine RENAME TO idx_embeddings_vector_shared;
            COMMENT ON INDEX idx_embeddings_vector_shared IS
                'V5''s index over every tenant, kept by V10 until truthgraph-db tiers --apply has built the tenants'' own indexes (it then drops it)';
        ELSE
            DROP INDEX idx_embeddings_vector_cosine;
        END IF;
    END IF;
    IF prebuilt THEN
        ALTER INDEX idx_embeddings_vector_cosine_next RENAME TO idx_embeddings_vector_cosine;
    ELSE
        CREATE INDEX idx_embeddings_vector_cosine ON embeddings
            USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)
            WHERE tenant_id = 'default' AND entity_type = 'evidence';
    END IF;
END
$$;
COMMENT ON INDEX idx_embeddings_vector_cosine IS
    'Cosine similarity search (<=>) of the tenant ''default'' (the Python services''), evidence: HNSW m = 16, ef_construction = 64, partial since V10 (one index per large tenant)';

INSERT INTO truthgraph_tiers (tenant_id, entity_type, row_count, index_name, built_at)
SELECT 'default', 'evidence', count(*), 'idx_embeddings_vector_cosine', now() AT TIME ZONE 'utc'
FROM embeddings WHERE tenant_id = 'default' AND entity_type = 'evidence';
