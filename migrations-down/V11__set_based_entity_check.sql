-- Undoes V11: V3's storage MAIN for embeddings.embedding, and V7's row
-- trigger check_embeddings_entity (BEFORE INSERT OR UPDATE OF entity_type,
-- entity_id, tenant_id, for every login) again, with its function
-- check_embedding_entity(), which V11 left unchanged.
DROP TRIGGER check_embeddings_entity_rls ON embeddings;
DROP TRIGGER check_embeddings_entity_update ON embeddings;
DROP TRIGGER check_embeddings_entity ON embeddings;
DROP FUNCTION check_embedding_entities();
CREATE TRIGGER check_embeddings_entity
    BEFORE INSERT OR UPDATE OF entity_type, entity_id, tenant_id ON embeddings
    FOR EACH ROW EXECUTE FUNCTION check_embedding_entity();
ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE MAIN;
