--: Embedding(model_version?)

--! upsert_embedding (model_version?) : Embedding
--- Inserts or replaces the embedding of an entity (one per entity: the seed's
--- unique key `(entity_type, entity_id)`). Trigger `check_embeddings_entity`
--- (V7) refuses an entity that is not a claim/evidence of `tenant_id`; an
--- embedding of another tenant found on the tenant's own entity (left by an
--- older writer) is taken over.
INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name, model_version)
VALUES (:tenant_id, :entity_type, :entity_id, :embedding, :model_name, :model_version)
ON CONFLICT (entity_type, entity_id) DO UPDATE
SET tenant_id = EXCLUDED.tenant_id,
    embedding = EXCLUDED.embedding,
    model_name = EXCLUDED.model_name,
    model_version = EXCLUDED.model_version
RETURNING id, tenant_id, entity_type, entity_id, embedding, model_name, model_version, created_at, updated_at;

--! get_embedding : Embedding
--- The embedding of one entity of a tenant.
SELECT id, tenant_id, entity_type, entity_id, embedding, model_name, model_version, created_at, updated_at
FROM embeddings
WHERE tenant_id = :tenant_id AND entity_type = :entity_type AND entity_id = :entity_id;

--! delete_embedding
--- Deletes the embedding of one entity. Returns 0 or 1.
DELETE FROM embeddings
WHERE tenant_id = :tenant_id AND entity_type = :entity_type AND entity_id = :entity_id;

--! embedding_stats : EmbeddingStats(model_version?)
--- Embedding counts of a tenant per entity type, model and model version.
SELECT entity_type, model_name, model_version, count(*) AS count,
       min(created_at) AS first_created_at, max(updated_at) AS last_updated_at
FROM embeddings
WHERE tenant_id = :tenant_id
GROUP BY entity_type, model_name, model_version
ORDER BY entity_type, model_name, model_version;

--! count_embeddings
--- Rows in `embeddings`, all tenants.
SELECT count(*) AS count FROM embeddings;
