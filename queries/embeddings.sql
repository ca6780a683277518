--: Embedding(model_version?)

--! upsert_embedding (model_version?) : Embedding
--- Inserts or replaces the embedding of an entity (one per entity: V12's
--- unique key `(tenant_id, entity_type, entity_id)`, the one a database
--- distributed by tenant keeps). The foreign keys `embeddings_claim_fkey` /
--- `embeddings_evidence_fkey` (V12) refuse an entity that is not a
--- claim/evidence of `tenant_id`.
INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name, model_version)
VALUES (:tenant_id, :entity_type, :entity_id, :embedding, :model_name, :model_version)
ON CONFLICT (tenant_id, entity_type, entity_id) DO UPDATE
SET embedding = EXCLUDED.embedding,
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
