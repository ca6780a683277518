-- V11: cheaper bulk writes of embeddings (issue 16; BENCHMARKS.md "Ingest").
--
-- V7 checks that an embedding's entity is a claim or evidence of its tenant
-- with a PL/pgSQL function called for every row written (a primary-key
-- lookup and a FOR KEY SHARE lock each), as a BEFORE ROW trigger, which also
-- keeps COPY from writing rows in batches. For a login that row-level
-- security does not apply to (the tables' owner, as the Python services and
-- the library's bulk loads connect; a superuser) the check becomes
-- set-based: one statement-level AFTER trigger per event checks all the rows
-- of the statement at once through its transition table. For a login that
-- row-level security applies to (a truthgraph_app member) it stays V7's
-- row trigger: it must refuse another tenant's entity before the unique
-- index on (entity_type, entity_id) sees the row, or a duplicate-key error
-- would tell that login that the other tenant's entity has an embedding,
-- where a missing entity gets the entity check's message.
--
-- The guarantees are V7's, for every writer:
--   - every row an INSERT writes, and every row an INSERT ... ON CONFLICT
--     proposes, names a claim or evidence of the row's own tenant; so does
--     every row an UPDATE writes (set-based: whatever columns it sets; row
--     trigger: when it sets entity_type, entity_id or tenant_id);
--   - each such entity is locked FOR KEY SHARE, as a foreign key does, so it
--     cannot be deleted before the writer commits;
--   - a refusal is SQLSTATE 23503 with CONSTRAINT check_embeddings_entity,
--     DETAIL the entity id alone, and the same message whether the entity is
--     missing or another tenant's (the library maps it to the row of a
--     batch); the set-based check names, of several bad rows, the one with
--     the smallest entity id.
--
-- Triggers: check_embeddings_entity keeps V7's name for the set-based check
-- on INSERT; PostgreSQL allows a transition table only on a trigger of one
-- event, so UPDATE has check_embeddings_entity_update; V7's row trigger,
-- with V7's function check_embedding_entity() unchanged, is
-- check_embeddings_entity_rls, fired only where row_security_active(). The
-- set-based function returns at once where it is active (the rows were
-- checked one by one).
--
-- The set-based lookups run once per row written as an index probe (a
-- LATERAL subquery), whatever plan a first call made: the plan of a trigger
-- function is cached for the session, and a hash join chosen for a large
-- first load would scan the whole entity table for every later one-row
-- insert. JIT is off for it: compiling the check of a 20K-row statement took
-- longer than running it.
--
-- The Python services' writes are unchanged: plain INSERTs without tenant_id
-- and their upserts ON CONFLICT (entity_type, entity_id).

CREATE FUNCTION check_embedding_entities() RETURNS trigger
    LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    written bigint;
    found bigint;
    bad record;
BEGIN
    IF row_security_active('embeddings'::regclass) THEN
        RETURN NULL;
    END IF;
    SELECT count(*), count(ev.hit) + count(cl.hit) INTO written, found
    FROM written_rows n
    LEFT JOIN LATERAL (SELECT true AS hit FROM evidence e
                       WHERE n.entity_type = 'evidence'
                         AND e.id = n.entity_id AND e.tenant_id = n.tenant_id
                       FOR KEY SHARE) ev ON true
    LEFT JOIN LATERAL (SELECT true AS hit FROM claims c
                       WHERE n.entity_type = 'claim'
                         AND c.id = n.entity_id AND c.tenant_id = n.tenant_id
                       FOR KEY SHARE) cl ON true;
    IF found < written THEN
        SELECT n.entity_type, n.entity_id, n.tenant_id INTO bad
        FROM written_rows n
        WHERE NOT EXISTS (SELECT FROM evidence e
                          WHERE n.entity_type = 'evidence'
                            AND e.id = n.entity_id AND e.tenant_id = n.tenant_id)
          AND NOT EXISTS (SELECT FROM claims c
                          WHERE n.entity_type = 'claim'
                            AND c.id = n.entity_id AND c.tenant_id = n.tenant_id)
        ORDER BY n.entity_id
        LIMIT 1;
        RAISE EXCEPTION 'no % % of tenant % to embed', bad.entity_type, bad.entity_id, bad.tenant_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'check_embeddings_entity',
                  TABLE = 'embeddings', COLUMN = 'entity_id', DETAIL = bad.entity_id::text;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION check_embedding_entities() IS
    'Refuses a statement writing an embedding whose claim or evidence does not exist or belongs to another tenant, and locks the entities FOR KEY SHARE; for logins row-level security does not apply to';

DROP TRIGGER check_embeddings_entity ON embeddings;
CREATE TRIGGER check_embeddings_entity
    AFTER INSERT ON embeddings
    REFERENCING NEW TABLE AS written_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_embedding_entities();
CREATE TRIGGER check_embeddings_entity_update
    AFTER UPDATE ON embeddings
    REFERENCING NEW TABLE AS written_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_embedding_entities();
CREATE TRIGGER check_embeddings_entity_rls
    BEFORE INSERT OR UPDATE OF entity_type, entity_id, tenant_id ON embeddings
    FOR EACH ROW WHEN (row_security_active('embeddings'::regclass))
    EXECUTE FUNCTION check_embedding_entity();

-- Vectors stored inline and never compressed (BENCHMARKS.md "Ingest"):
-- under V3's MAIN every vector written is first run through pglz, which
-- gives up on float arrays after a kilobyte; PLAIN skips the attempt. A
-- row of the widest indexable vector (2,000 dims, 8,008 bytes) with the
-- longest model name and version still fits a page (test
-- ingest::a_widest_vector_row_fits_a_page_under_plain_storage). Only rows
-- written afterwards are affected; nothing is rewritten.
ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE PLAIN;
