-- Down script of V12__distributable_by_tenant.sql: back to V11's schema:
-- single-column primary keys, V8's keys with ON UPDATE CASCADE, V3's
-- delete_*_embeddings triggers, V11's entity check (its three triggers and
-- its function check_embedding_entities(), with V7's check_embedding_entity()
-- for row-level-security logins) and V7's policies of the claim's tables. Only for a
-- single-node database: a distributed one is undistributed first
-- (undistribute_table) and the bridges `distribute` dropped are re-created.
--
-- Fails (and changes nothing) when two rows of one table share an id under
-- different tenants, which V12's keys allow and V8's do not.

-- V3's, V7's and V11's functions and triggers.
CREATE FUNCTION delete_entity_embeddings() RETURNS TRIGGER AS $$
BEGIN
    DELETE FROM embeddings WHERE entity_type = TG_ARGV[0] AND entity_id = OLD.id;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION check_embedding_entity() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.entity_type = 'claim' THEN
        PERFORM FROM claims WHERE id = NEW.entity_id AND tenant_id = NEW.tenant_id FOR KEY SHARE;
    ELSE
        PERFORM FROM evidence WHERE id = NEW.entity_id AND tenant_id = NEW.tenant_id FOR KEY SHARE;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no % % of tenant % to embed', NEW.entity_type, NEW.entity_id, NEW.tenant_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'check_embeddings_entity',
                  TABLE = 'embeddings', COLUMN = 'entity_id', DETAIL = NEW.entity_id::text;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION check_embedding_entity() IS
    'Refuses an embedding whose claim or evidence does not exist or belongs to another tenant';
-- V11's set-based check, as V11 made it.
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

-- Foreign keys and keys.
ALTER TABLE embeddings DROP CONSTRAINT embeddings_claim_fkey, DROP CONSTRAINT embeddings_evidence_fkey,
    DROP COLUMN claim_id, DROP COLUMN evidence_id;
DROP INDEX idx_embeddings_tenant_entity_unique;
DROP INDEX idx_verdict_evidence_evidence_id;
ALTER TABLE nli_results DROP CONSTRAINT nli_results_claim_id_fkey, DROP CONSTRAINT nli_results_evidence_id_fkey,
    DROP CONSTRAINT nli_results_claim_tenant_fkey, DROP CONSTRAINT nli_results_evidence_tenant_fkey;
ALTER TABLE verification_results DROP CONSTRAINT verification_results_claim_id_fkey,
    DROP CONSTRAINT verification_results_claim_tenant_fkey;
ALTER TABLE verdicts DROP CONSTRAINT verdicts_claim_id_fkey, DROP CONSTRAINT verdicts_claim_tenant_fkey;
ALTER TABLE verdict_evidence DROP CONSTRAINT verdict_evidence_verdict_id_fkey,
    DROP CONSTRAINT verdict_evidence_evidence_id_fkey, DROP CONSTRAINT verdict_evidence_verdict_tenant_fkey,
    DROP CONSTRAINT verdict_evidence_evidence_tenant_fkey,
    DROP CONSTRAINT verdict_evidence_verdict_evidence_tenant_key;

ALTER TABLE claims DROP CONSTRAINT claims_pkey, DROP CONSTRAINT claims_id_key,
    ADD PRIMARY KEY (id), ADD CONSTRAINT claims_id_tenant_id_key UNIQUE (id, tenant_id);
ALTER TABLE evidence DROP CONSTRAINT evidence_pkey, DROP CONSTRAINT evidence_id_key, ADD PRIMARY KEY (id);
ALTER TABLE verdicts DROP CONSTRAINT verdicts_pkey, DROP CONSTRAINT verdicts_id_key,
    ADD PRIMARY KEY (id), ADD CONSTRAINT verdicts_id_tenant_id_key UNIQUE (id, tenant_id);
ALTER TABLE embeddings DROP CONSTRAINT embeddings_pkey, ADD PRIMARY KEY (id);
ALTER TABLE nli_results DROP CONSTRAINT nli_results_pkey, ADD PRIMARY KEY (id);
ALTER TABLE verification_results DROP CONSTRAINT verification_results_pkey, ADD PRIMARY KEY (id);
ALTER TABLE verdict_evidence DROP CONSTRAINT verdict_evidence_pkey, ADD PRIMARY KEY (id);

-- In V1/V2/V8's order, so the first one named on a failure is the same as before.
ALTER TABLE verdicts ADD CONSTRAINT verdicts_claim_id_fkey FOREIGN KEY (claim_id)
    REFERENCES claims (id) ON DELETE CASCADE;
ALTER TABLE verdict_evidence
    ADD CONSTRAINT verdict_evidence_verdict_id_fkey FOREIGN KEY (verdict_id)
        REFERENCES verdicts (id) ON DELETE CASCADE,
    ADD CONSTRAINT verdict_evidence_evidence_id_fkey FOREIGN KEY (evidence_id)
        REFERENCES evidence (id) ON DELETE CASCADE;
ALTER TABLE nli_results
    ADD CONSTRAINT nli_results_claim_id_fkey FOREIGN KEY (claim_id)
        REFERENCES claims (id) ON DELETE CASCADE,
    ADD CONSTRAINT nli_results_evidence_id_fkey FOREIGN KEY (evidence_id)
        REFERENCES evidence (id) ON DELETE CASCADE;
ALTER TABLE verification_results ADD CONSTRAINT verification_results_claim_id_fkey
    FOREIGN KEY (claim_id) REFERENCES claims (id) ON DELETE CASCADE;
ALTER TABLE nli_results ADD CONSTRAINT nli_results_claim_tenant_fkey
    FOREIGN KEY (claim_id, tenant_id) REFERENCES claims (id, tenant_id)
    ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE verification_results ADD CONSTRAINT verification_results_claim_tenant_fkey
    FOREIGN KEY (claim_id, tenant_id) REFERENCES claims (id, tenant_id)
    ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE verdicts ADD CONSTRAINT verdicts_claim_tenant_fkey
    FOREIGN KEY (claim_id, tenant_id) REFERENCES claims (id, tenant_id)
    ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE verdict_evidence ADD CONSTRAINT verdict_evidence_verdict_tenant_fkey
    FOREIGN KEY (verdict_id, tenant_id) REFERENCES verdicts (id, tenant_id)
    ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TRIGGER delete_claim_embeddings AFTER DELETE ON claims
    FOR EACH ROW EXECUTE FUNCTION delete_entity_embeddings('claim');
CREATE TRIGGER delete_evidence_embeddings AFTER DELETE ON evidence
    FOR EACH ROW EXECUTE FUNCTION delete_entity_embeddings('evidence');
-- V11's triggers.
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

-- V7's policies.
DROP POLICY nli_results_tenant_isolation ON nli_results;
DROP POLICY verification_results_tenant_isolation ON verification_results;
DROP POLICY verdicts_tenant_isolation ON verdicts;
DROP POLICY verdict_evidence_tenant_isolation ON verdict_evidence;
CREATE POLICY nli_results_tenant_isolation ON nli_results TO truthgraph_app
    USING (EXISTS (SELECT FROM claims c
                   WHERE c.id = nli_results.claim_id AND c.tenant_id = (SELECT truthgraph_tenant())))
    WITH CHECK (EXISTS (SELECT FROM claims c
                        WHERE c.id = nli_results.claim_id AND c.tenant_id = (SELECT truthgraph_tenant()))
            AND EXISTS (SELECT FROM evidence e
                        WHERE e.id = nli_results.evidence_id AND e.tenant_id = (SELECT truthgraph_tenant())));
CREATE POLICY verification_results_tenant_isolation ON verification_results TO truthgraph_app
    USING (EXISTS (SELECT FROM claims c
                   WHERE c.id = verification_results.claim_id AND c.tenant_id = (SELECT truthgraph_tenant())))
    WITH CHECK (EXISTS (SELECT FROM claims c
                        WHERE c.id = verification_results.claim_id AND c.tenant_id = (SELECT truthgraph_tenant()))
            AND NOT EXISTS (SELECT FROM unnest(verification_results.nli_result_ids) AS x(id)
                            WHERE NOT EXISTS (SELECT FROM nli_results n JOIN claims c ON c.id = n.claim_id
                                              WHERE n.id = x.id AND c.tenant_id = (SELECT truthgraph_tenant()))));
CREATE POLICY verdicts_tenant_isolation ON verdicts TO truthgraph_app
    USING (EXISTS (SELECT FROM claims c
                   WHERE c.id = verdicts.claim_id AND c.tenant_id = (SELECT truthgraph_tenant())))
    WITH CHECK (EXISTS (SELECT FROM claims c
                        WHERE c.id = verdicts.claim_id AND c.tenant_id = (SELECT truthgraph_tenant())));
CREATE POLICY verdict_evidence_tenant_isolation ON verdict_evidence TO truthgraph_app
    USING (EXISTS (SELECT FROM verdicts v JOIN claims c ON c.id = v.claim_id
                   WHERE v.id = verdict_evidence.verdict_id AND c.tenant_id = (SELECT truthgraph_tenant())))
    WITH CHECK (EXISTS (SELECT FROM verdicts v JOIN claims c ON c.id = v.claim_id
                        WHERE v.id = verdict_evidence.verdict_id AND c.tenant_id = (SELECT truthgraph_tenant()))
            AND EXISTS (SELECT FROM evidence e
                        WHERE e.id = verdict_evidence.evidence_id AND e.tenant_id = (SELECT truthgraph_tenant())));
