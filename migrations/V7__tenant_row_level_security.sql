-- V7: tenant isolation enforced by PostgreSQL, not only by the library's SQL.
--
-- * `truthgraph_tenant()` is the tenant of the current session or transaction:
--   the setting `truthgraph.tenant_id`, NULL when unset or empty. The library
--   sets it on every connection it lends for a tenant (see src/tenant.rs).
-- * Row-level security on every table that carries a tenant (claims, evidence,
--   embeddings) or inherits one through its claim (nli_results,
--   verification_results, verdicts, verdict_evidence), with policies for the
--   role `truthgraph_app` (and its members): a row is visible, changeable and
--   insertable only when it is the current tenant's. No tenant set: no rows.
-- * The table owner (the migrator, and the Python services that connect as
--   it) is not subject to these policies (no FORCE ROW LEVEL SECURITY), so the
--   Python services keep working unchanged. Superusers bypass RLS always.
-- * An embedding must belong to a claim or evidence of its own tenant, for
--   every writer (the library, the Python services, raw SQL): a trigger checks
--   it in the statement that writes the row, and locks the entity (FOR KEY
--   SHARE, as a foreign key does) so it cannot be deleted before the commit.
--   Rows already present are not checked (a migration deletes no data):
--   `truthgraph-db inspect` counts them.
--
-- `truthgraph_app` is a cluster-wide NOLOGIN role; services log in as a role
-- that is a member of it:  CREATE ROLE svc LOGIN PASSWORD '…' IN ROLE truthgraph_app;
-- Creating it needs CREATEROLE; without it this migration stops and says so.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'truthgraph_app') THEN
        CREATE ROLE truthgraph_app NOLOGIN;
    END IF;
EXCEPTION
    -- Another database of this cluster migrating at the same moment made it.
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'V7 needs the role truthgraph_app and this user may not create roles'
            USING HINT = 'As a user with CREATEROLE run: CREATE ROLE truthgraph_app NOLOGIN; then migrate again.';
END
$$;

CREATE FUNCTION truthgraph_tenant() RETURNS varchar
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('truthgraph.tenant_id', true), '')::varchar $$;
COMMENT ON FUNCTION truthgraph_tenant() IS
    'Tenant of the current session or transaction (setting truthgraph.tenant_id), NULL when unset';

-- Least privilege: read and write the data tables, read the tuned settings.
-- No DDL, no TRUNCATE, no history table.
GRANT USAGE ON SCHEMA public TO truthgraph_app;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON claims, evidence, embeddings, nli_results, verification_results, verdicts, verdict_evidence
    TO truthgraph_app;
GRANT SELECT ON truthgraph_settings TO truthgraph_app;

-- Policies compare with `(SELECT truthgraph_tenant())`: an uncorrelated
-- subquery is an InitPlan, evaluated once per statement, where the bare call
-- would read the setting again for every row the scan looks at.
ALTER TABLE claims ENABLE ROW LEVEL SECURITY;
CREATE POLICY claims_tenant_isolation ON claims TO truthgraph_app
    USING (tenant_id = (SELECT truthgraph_tenant()))
    WITH CHECK (tenant_id = (SELECT truthgraph_tenant()));

ALTER TABLE evidence ENABLE ROW LEVEL SECURITY;
CREATE POLICY evidence_tenant_isolation ON evidence TO truthgraph_app
    USING (tenant_id = (SELECT truthgraph_tenant()))
    WITH CHECK (tenant_id = (SELECT truthgraph_tenant()));

ALTER TABLE embeddings ENABLE ROW LEVEL SECURITY;
CREATE POLICY embeddings_tenant_isolation ON embeddings TO truthgraph_app
    USING (tenant_id = (SELECT truthgraph_tenant()))
    WITH CHECK (tenant_id = (SELECT truthgraph_tenant()));

ALTER TABLE nli_results ENABLE ROW LEVEL SECURITY;
CREATE POLICY nli_results_tenant_isolation ON nli_results TO truthgraph_app
    USING (EXISTS (SELECT FROM claims c
                   WHERE c.id = nli_results.claim_id AND c.tenant_id = (SELECT truthgraph_tenant())))
    WITH CHECK (EXISTS (SELECT FROM claims c
                        WHERE c.id = nli_results.claim_id AND c.tenant_id = (SELECT truthgraph_tenant()))
            AND EXISTS (SELECT FROM evidence e
                        WHERE e.id = nli_results.evidence_id AND e.tenant_id = (SELECT truthgraph_tenant())));

ALTER TABLE verification_results ENABLE ROW LEVEL SECURITY;
CREATE POLICY verification_results_tenant_isolation ON verification_results TO truthgraph_app
    USING (EXISTS (SELECT FROM claims c
                   WHERE c.id = verification_results.claim_id AND c.tenant_id = (SELECT truthgraph_tenant())))
    WITH CHECK (EXISTS (SELECT FROM claims c
                        WHERE c.id = verification_results.claim_id AND c.tenant_id = (SELECT truthgraph_tenant()))
            -- every aggregated NLI result is one of the tenant's
            AND NOT EXISTS (SELECT FROM unnest(verification_results.nli_result_ids) AS x(id)
                            WHERE NOT EXISTS (SELECT FROM nli_results n JOIN claims c ON c.id = n.claim_id
                                              WHERE n.id = x.id AND c.tenant_id = (SELECT truthgraph_tenant()))));

ALTER TABLE verdicts ENABLE ROW LEVEL SECURITY;
CREATE POLICY verdicts_tenant_isolation ON verdicts TO truthgraph_app
    USING (EXISTS (SELECT FROM claims c
                   WHERE c.id = verdicts.claim_id AND c.tenant_id = (SELECT truthgraph_tenant())))
    WITH CHECK (EXISTS (SELECT FROM claims c
                        WHERE c.id = verdicts.claim_id AND c.tenant_id = (SELECT truthgraph_tenant())));

ALTER TABLE verdict_evidence ENABLE ROW LEVEL SECURITY;
CREATE POLICY verdict_evidence_tenant_isolation ON verdict_evidence TO truthgraph_app
    USING (EXISTS (SELECT FROM verdicts v JOIN claims c ON c.id = v.claim_id
                   WHERE v.id = verdict_evidence.verdict_id AND c.tenant_id = (SELECT truthgraph_tenant())))
    WITH CHECK (EXISTS (SELECT FROM verdicts v JOIN claims c ON c.id = v.claim_id
                        WHERE v.id = verdict_evidence.verdict_id AND c.tenant_id = (SELECT truthgraph_tenant()))
            AND EXISTS (SELECT FROM evidence e
                        WHERE e.id = verdict_evidence.evidence_id AND e.tenant_id = (SELECT truthgraph_tenant())));

-- An embedding's entity exists and is of the embedding's tenant. SQLSTATE
-- 23503 like a foreign key; DETAIL is the entity id alone (the library maps
-- it to the row of a batch). The message is the same whether the entity is
-- missing or another tenant's, so it reveals nothing about other tenants.
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
CREATE TRIGGER check_embeddings_entity
    BEFORE INSERT OR UPDATE OF entity_type, entity_id, tenant_id ON embeddings
    FOR EACH ROW EXECUTE FUNCTION check_embedding_entity();
