-- V12: every table can be distributed by tenant_id on Citus (docs/scaling.md,
-- `truthgraph-db distribute`), and the single-node database keeps the Python
-- services' contract. Applies on V11 (and on V8's schema: the entity
-- triggers are dropped IF EXISTS); its down script restores V11's state.
--
-- * Primary keys become (id, tenant_id) on all seven tenant tables, under their
--   old names (<table>_pkey); id stays first, so a lookup by id alone (the
--   Python services' ORM) still uses the key. On one server, claims, evidence
--   and verdicts keep a UNIQUE (id) (<table>_id_key): the single-column foreign
--   keys whose names the Python services and the library know need it. Those
--   three and the foreign keys are single-node bridges that
--   `truthgraph-db distribute` drops (src/raw_sql.rs, DISTRIBUTE_*).
-- * Every foreign key between tenant tables has a tenant-scoped twin:
--   (claim_id, tenant_id) -> claims, (verdict_id, tenant_id) -> verdicts (V8's),
--   and now (evidence_id, tenant_id) -> evidence, all ON DELETE CASCADE and ON
--   UPDATE NO ACTION: Citus refuses ON UPDATE CASCADE on a key holding the
--   distribution column (and never lets a row change its tenant), so V8's
--   CASCADE goes. A claim, verdict or evidence row with dependent rows can no
--   longer move to another tenant (23503 on the dependent table's key).
-- * embeddings: the entity becomes two stored generated columns, claim_id and
--   evidence_id (one of them NULL), each with a tenant-scoped foreign key, ON
--   DELETE CASCADE. They replace V3's delete_*_embeddings triggers and the
--   entity check (V7's check_embeddings_entity; since V11 the triggers
--   check_embeddings_entity, check_embeddings_entity_update and
--   check_embeddings_entity_rls), which read other tables (Citus: unsafe on
--   a shard). Writers insert entity_type and entity_id as before. A refused
--   entity is now 23503 on embeddings_claim_fkey / embeddings_evidence_fkey
--   (was check_embeddings_entity). UNIQUE (tenant_id, entity_type, entity_id)
--   is added beside the seed's (entity_type, entity_id), which stays on one
--   server for the Python services' ON CONFLICT (entity_type, entity_id).
--   Time: adding stored columns rewrites embeddings and rebuilds its indexes,
--   the HNSW one included (about V5's build on the same rows).
-- * verdict_evidence: UNIQUE (verdict_id, evidence_id, tenant_id) beside V1's
--   (verdict_id, evidence_id), which stays on one server.
-- * The row-level security policies of nli_results, verification_results,
--   verdicts and verdict_evidence compare the row's own tenant_id, as those of
--   claims, evidence and embeddings do: the tenant-scoped foreign keys make it
--   its claim's, verdict's and evidence's, so the policies need not read
--   other tables (a join on id that Citus cannot route; and on one server 20
--   to 40 times cheaper: count(*) of 200K NLI rows as the app role, 730-960 ms
--   with V7's EXISTS on claims, 22-35 ms now). Dropped with them: the check
--   that verification_results.nli_result_ids are the tenant's NLI rows (an
--   array has no foreign key); the library checks it. The policies keep V7's
--   `(SELECT truthgraph_tenant())`; `distribute` removes the subquery.
-- * Kept: the update_*_updated_at triggers (they touch only NEW: Citus runs
--   them on the shards with citus.enable_unsafe_triggers), and V8's
--   fill_*_tenant triggers on one server (`distribute` drops them: on Citus
--   an insert without tenant_id cannot be routed).
--
-- Rows that break the new keys stop the migration with their count (a
-- migration deletes no data): embeddings whose entity is missing or another
-- tenant's (`truthgraph-db inspect` finds them, its orphan deletion removes
-- them), NLI results and verdict links whose evidence is another tenant's.

-- The rewrite of embeddings rebuilds its HNSW index: the same build memory as V5.
SET LOCAL maintenance_work_mem = '1GB';

DO $$
DECLARE
    orphans bigint;
    crossed bigint;
BEGIN
    SELECT count(*) INTO orphans FROM embeddings m
    WHERE NOT EXISTS (SELECT FROM claims c WHERE m.entity_type = 'claim' AND c.id = m.entity_id AND c.tenant_id = m.tenant_id)
      AND NOT EXISTS (SELECT FROM evidence e WHERE m.entity_type = 'evidence' AND e.id = m.entity_id AND e.tenant_id = m.tenant_id);
    IF orphans > 0 THEN
        RAISE EXCEPTION 'V12: % embeddings have no claim or evidence of their tenant; delete them (truthgraph-db inspect finds them), then migrate again', orphans;
    END IF;
    SELECT (SELECT count(*) FROM nli_results n JOIN evidence e ON e.id = n.evidence_id WHERE e.tenant_id <> n.tenant_id)
         + (SELECT count(*) FROM verdict_evidence v JOIN evidence e ON e.id = v.evidence_id WHERE e.tenant_id <> v.tenant_id)
      INTO crossed;
    IF crossed > 0 THEN
        RAISE EXCEPTION 'V12: % nli_results or verdict_evidence rows point at evidence of another tenant; fix or delete them, then migrate again', crossed;
    END IF;
END
$$;

-- 1. Foreign keys that hang on the keys being replaced (re-added in 3).
ALTER TABLE nli_results DROP CONSTRAINT nli_results_claim_id_fkey,
                        DROP CONSTRAINT nli_results_evidence_id_fkey,
                        DROP CONSTRAINT nli_results_claim_tenant_fkey;
ALTER TABLE verification_results DROP CONSTRAINT verification_results_claim_id_fkey,
                                 DROP CONSTRAINT verification_results_claim_tenant_fkey;
ALTER TABLE verdicts DROP CONSTRAINT verdicts_claim_id_fkey,
                     DROP CONSTRAINT verdicts_claim_tenant_fkey;
ALTER TABLE verdict_evidence DROP CONSTRAINT verdict_evidence_verdict_id_fkey,
                             DROP CONSTRAINT verdict_evidence_evidence_id_fkey,
                             DROP CONSTRAINT verdict_evidence_verdict_tenant_fkey;

-- 2. Primary keys (id, tenant_id); UNIQUE (id) kept where a single-column key points.
ALTER TABLE claims DROP CONSTRAINT claims_pkey, DROP CONSTRAINT claims_id_tenant_id_key,
    ADD CONSTRAINT claims_pkey PRIMARY KEY (id, tenant_id),
    ADD CONSTRAINT claims_id_key UNIQUE (id);
ALTER TABLE evidence DROP CONSTRAINT evidence_pkey,
    ADD CONSTRAINT evidence_pkey PRIMARY KEY (id, tenant_id),
    ADD CONSTRAINT evidence_id_key UNIQUE (id);
ALTER TABLE verdicts DROP CONSTRAINT verdicts_pkey, DROP CONSTRAINT verdicts_id_tenant_id_key,
    ADD CONSTRAINT verdicts_pkey PRIMARY KEY (id, tenant_id),
    ADD CONSTRAINT verdicts_id_key UNIQUE (id);
ALTER TABLE embeddings DROP CONSTRAINT embeddings_pkey,
    ADD CONSTRAINT embeddings_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE nli_results DROP CONSTRAINT nli_results_pkey,
    ADD CONSTRAINT nli_results_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE verification_results DROP CONSTRAINT verification_results_pkey,
    ADD CONSTRAINT verification_results_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE verdict_evidence DROP CONSTRAINT verdict_evidence_pkey,
    ADD CONSTRAINT verdict_evidence_pkey PRIMARY KEY (id, tenant_id),
    ADD CONSTRAINT verdict_evidence_verdict_evidence_tenant_key UNIQUE (verdict_id, evidence_id, tenant_id);

-- 3. The foreign keys again: each single-column one (created first, so it is
--    the one named when both fail, as before) and its tenant-scoped twin.
ALTER TABLE verdicts
    ADD CONSTRAINT verdicts_claim_id_fkey FOREIGN KEY (claim_id)
        REFERENCES claims (id) ON DELETE CASCADE,
    ADD CONSTRAINT verdicts_claim_tenant_fkey FOREIGN KEY (claim_id, tenant_id)
        REFERENCES claims (id, tenant_id) ON DELETE CASCADE;
ALTER TABLE nli_results
    ADD CONSTRAINT nli_results_claim_id_fkey FOREIGN KEY (claim_id)
        REFERENCES claims (id) ON DELETE CASCADE,
    ADD CONSTRAINT nli_results_evidence_id_fkey FOREIGN KEY (evidence_id)
        REFERENCES evidence (id) ON DELETE CASCADE,
    ADD CONSTRAINT nli_results_claim_tenant_fkey FOREIGN KEY (claim_id, tenant_id)
        REFERENCES claims (id, tenant_id) ON DELETE CASCADE,
    ADD CONSTRAINT nli_results_evidence_tenant_fkey FOREIGN KEY (evidence_id, tenant_id)
        REFERENCES evidence (id, tenant_id) ON DELETE CASCADE;
ALTER TABLE verification_results
    ADD CONSTRAINT verification_results_claim_id_fkey FOREIGN KEY (claim_id)
        REFERENCES claims (id) ON DELETE CASCADE,
    ADD CONSTRAINT verification_results_claim_tenant_fkey FOREIGN KEY (claim_id, tenant_id)
        REFERENCES claims (id, tenant_id) ON DELETE CASCADE;
ALTER TABLE verdict_evidence
    ADD CONSTRAINT verdict_evidence_verdict_id_fkey FOREIGN KEY (verdict_id)
        REFERENCES verdicts (id) ON DELETE CASCADE,
    ADD CONSTRAINT verdict_evidence_evidence_id_fkey FOREIGN KEY (evidence_id)
        REFERENCES evidence (id) ON DELETE CASCADE,
    ADD CONSTRAINT verdict_evidence_verdict_tenant_fkey FOREIGN KEY (verdict_id, tenant_id)
        REFERENCES verdicts (id, tenant_id) ON DELETE CASCADE,
    ADD CONSTRAINT verdict_evidence_evidence_tenant_fkey FOREIGN KEY (evidence_id, tenant_id)
        REFERENCES evidence (id, tenant_id) ON DELETE CASCADE;
CREATE INDEX idx_verdict_evidence_evidence_id ON verdict_evidence (evidence_id);

-- 4. embeddings: the entity as foreign keys instead of triggers: V11's
--    set-based check (check_embeddings_entity, check_embeddings_entity_update,
--    function check_embedding_entities()) and its row trigger for RLS logins
--    (check_embeddings_entity_rls, V7's function check_embedding_entity()).
--    IF EXISTS: the same statements work on V8's schema (V7's row trigger).
DROP TRIGGER IF EXISTS check_embeddings_entity ON embeddings;
DROP TRIGGER IF EXISTS check_embeddings_entity_update ON embeddings;
DROP TRIGGER IF EXISTS check_embeddings_entity_rls ON embeddings;
DROP FUNCTION IF EXISTS check_embedding_entities();
DROP FUNCTION IF EXISTS check_embedding_entity();
DROP TRIGGER delete_claim_embeddings ON claims;
DROP TRIGGER delete_evidence_embeddings ON evidence;
DROP FUNCTION delete_entity_embeddings();
ALTER TABLE embeddings
    ADD COLUMN claim_id uuid GENERATED ALWAYS AS
        (CASE WHEN entity_type = 'claim' THEN entity_id END) STORED,
    ADD COLUMN evidence_id uuid GENERATED ALWAYS AS
        (CASE WHEN entity_type = 'evidence' THEN entity_id END) STORED;
COMMENT ON COLUMN embeddings.claim_id IS 'entity_id when the entity is a claim (generated; its foreign key)';
COMMENT ON COLUMN embeddings.evidence_id IS 'entity_id when the entity is evidence (generated; its foreign key)';
ALTER TABLE embeddings
    ADD CONSTRAINT embeddings_claim_fkey FOREIGN KEY (claim_id, tenant_id)
        REFERENCES claims (id, tenant_id) ON DELETE CASCADE,
    ADD CONSTRAINT embeddings_evidence_fkey FOREIGN KEY (evidence_id, tenant_id)
        REFERENCES evidence (id, tenant_id) ON DELETE CASCADE;
-- The cascades from claims and evidence look rows up by these.
CREATE INDEX idx_embeddings_claim_id ON embeddings (claim_id) WHERE claim_id IS NOT NULL;
CREATE INDEX idx_embeddings_evidence_id ON embeddings (evidence_id) WHERE evidence_id IS NOT NULL;
CREATE UNIQUE INDEX idx_embeddings_tenant_entity_unique ON embeddings (tenant_id, entity_type, entity_id);

-- 5. The claim's tables' policies on the row's own tenant_id (claims,
--    evidence and embeddings have that form since V7). Still with V7's
--    uncorrelated `(SELECT truthgraph_tenant())`, evaluated once per
--    statement: Citus refuses any subquery in a policy, so `distribute`
--    re-creates all seven with the bare function call, which one server
--    would evaluate per row (measured: count(*) of 200K of 400K claims as the
--    app role, 59-80 ms with the subquery, 125-180 ms without).
DROP POLICY nli_results_tenant_isolation ON nli_results;
DROP POLICY verification_results_tenant_isolation ON verification_results;
DROP POLICY verdicts_tenant_isolation ON verdicts;
DROP POLICY verdict_evidence_tenant_isolation ON verdict_evidence;
CREATE POLICY nli_results_tenant_isolation ON nli_results TO truthgraph_app
    USING (tenant_id = (SELECT truthgraph_tenant()))
    WITH CHECK (tenant_id = (SELECT truthgraph_tenant()));
CREATE POLICY verification_results_tenant_isolation ON verification_results TO truthgraph_app
    USING (tenant_id = (SELECT truthgraph_tenant()))
    WITH CHECK (tenant_id = (SELECT truthgraph_tenant()));
CREATE POLICY verdicts_tenant_isolation ON verdicts TO truthgraph_app
    USING (tenant_id = (SELECT truthgraph_tenant()))
    WITH CHECK (tenant_id = (SELECT truthgraph_tenant()));
CREATE POLICY verdict_evidence_tenant_isolation ON verdict_evidence TO truthgraph_app
    USING (tenant_id = (SELECT truthgraph_tenant()))
    WITH CHECK (tenant_id = (SELECT truthgraph_tenant()));
