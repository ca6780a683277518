-- DRAFT (docs/citus-draft/README.md): turns a database migrated to V9 on a
-- Citus coordinator (CREATE EXTENSION citus, workers added with
-- citus_add_node) into a distributed one, with its data: every tenant table
-- hash-distributed by tenant_id, all co-located with claims, and the shared
-- truthgraph_settings a reference table (a copy on every node).
--
-- Run as the owner of the tables (a superuser, or the migrating role with the
-- rights Citus asks for), in one transaction. What it drops are V9's
-- single-node bridges, which Citus refuses on a distributed table:
--   * the single-column foreign keys (<table>_claim_id_fkey, …) and the
--     UNIQUE (id) keys they need: their tenant-scoped twins stay;
--   * the seed's unique keys without tenant_id: idx_embeddings_entity_unique
--     (entity_type, entity_id) and verdict_evidence_verdict_id_evidence_id_key;
--     ON CONFLICT must name (tenant_id, entity_type, entity_id) and
--     (verdict_id, evidence_id, tenant_id) from now on;
--   * V8's fill_*_tenant triggers: Citus routes an INSERT by its tenant_id
--     before any trigger runs, so a writer must send it;
--   * the subquery `(SELECT truthgraph_tenant())` in the seven policies.
-- The update_*_updated_at triggers stay (they touch only NEW; Citus runs them
-- on the shards): distributing a table with triggers needs
-- citus.enable_unsafe_triggers, and so does any later DDL on those triggers.
SET LOCAL citus.enable_unsafe_triggers = on;
-- One connection per worker: co-located tables with foreign keys between
-- them are created in one transaction.
SET LOCAL citus.multi_shard_modify_mode = 'sequential';

ALTER TABLE nli_results DROP CONSTRAINT nli_results_claim_id_fkey,
                        DROP CONSTRAINT nli_results_evidence_id_fkey;
ALTER TABLE verification_results DROP CONSTRAINT verification_results_claim_id_fkey;
ALTER TABLE verdicts DROP CONSTRAINT verdicts_claim_id_fkey;
ALTER TABLE verdict_evidence DROP CONSTRAINT verdict_evidence_verdict_id_fkey,
                             DROP CONSTRAINT verdict_evidence_evidence_id_fkey,
                             DROP CONSTRAINT verdict_evidence_verdict_id_evidence_id_key;
ALTER TABLE claims DROP CONSTRAINT claims_id_key;
ALTER TABLE evidence DROP CONSTRAINT evidence_id_key;
ALTER TABLE verdicts DROP CONSTRAINT verdicts_id_key;
DROP INDEX idx_embeddings_entity_unique;
DROP TRIGGER fill_nli_results_tenant ON nli_results;
DROP TRIGGER fill_verification_results_tenant ON verification_results;
DROP TRIGGER fill_verdicts_tenant ON verdicts;
DROP TRIGGER fill_verdict_evidence_tenant ON verdict_evidence;

-- Citus refuses any subquery in a policy of a distributed table: the same
-- policies with the bare function call, which the workers evaluate per row.
DROP POLICY claims_tenant_isolation ON claims;
DROP POLICY evidence_tenant_isolation ON evidence;
DROP POLICY embeddings_tenant_isolation ON embeddings;
DROP POLICY nli_results_tenant_isolation ON nli_results;
DROP POLICY verification_results_tenant_isolation ON verification_results;
DROP POLICY verdicts_tenant_isolation ON verdicts;
DROP POLICY verdict_evidence_tenant_isolation ON verdict_evidence;
CREATE POLICY claims_tenant_isolation ON claims TO truthgraph_app
    USING (tenant_id = truthgraph_tenant()) WITH CHECK (tenant_id = truthgraph_tenant());
CREATE POLICY evidence_tenant_isolation ON evidence TO truthgraph_app
    USING (tenant_id = truthgraph_tenant()) WITH CHECK (tenant_id = truthgraph_tenant());
CREATE POLICY embeddings_tenant_isolation ON embeddings TO truthgraph_app
    USING (tenant_id = truthgraph_tenant()) WITH CHECK (tenant_id = truthgraph_tenant());
CREATE POLICY nli_results_tenant_isolation ON nli_results TO truthgraph_app
    USING (tenant_id = truthgraph_tenant()) WITH CHECK (tenant_id = truthgraph_tenant());
CREATE POLICY verification_results_tenant_isolation ON verification_results TO truthgraph_app
    USING (tenant_id = truthgraph_tenant()) WITH CHECK (tenant_id = truthgraph_tenant());
CREATE POLICY verdicts_tenant_isolation ON verdicts TO truthgraph_app
    USING (tenant_id = truthgraph_tenant()) WITH CHECK (tenant_id = truthgraph_tenant());
CREATE POLICY verdict_evidence_tenant_isolation ON verdict_evidence TO truthgraph_app
    USING (tenant_id = truthgraph_tenant()) WITH CHECK (tenant_id = truthgraph_tenant());

SELECT create_reference_table('truthgraph_settings');
-- Referenced tables first: a foreign key may only point at a table that is
-- already distributed (or a reference table).
SELECT create_distributed_table('claims', 'tenant_id');
SELECT create_distributed_table('evidence', 'tenant_id', colocate_with => 'claims');
SELECT create_distributed_table('embeddings', 'tenant_id', colocate_with => 'claims');
SELECT create_distributed_table('verdicts', 'tenant_id', colocate_with => 'claims');
SELECT create_distributed_table('nli_results', 'tenant_id', colocate_with => 'claims');
SELECT create_distributed_table('verification_results', 'tenant_id', colocate_with => 'claims');
SELECT create_distributed_table('verdict_evidence', 'tenant_id', colocate_with => 'claims');
