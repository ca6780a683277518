-- Undoes V7: the entity check, the policies, row-level security, the grants
-- and truthgraph_tenant(). The role truthgraph_app stays: it is cluster-wide,
-- other databases of the cluster may use it, and its members log in with it.
DROP TRIGGER check_embeddings_entity ON embeddings;
DROP FUNCTION check_embedding_entity();
DROP POLICY verdict_evidence_tenant_isolation ON verdict_evidence;
DROP POLICY verdicts_tenant_isolation ON verdicts;
DROP POLICY verification_results_tenant_isolation ON verification_results;
DROP POLICY nli_results_tenant_isolation ON nli_results;
DROP POLICY embeddings_tenant_isolation ON embeddings;
DROP POLICY evidence_tenant_isolation ON evidence;
DROP POLICY claims_tenant_isolation ON claims;
ALTER TABLE verdict_evidence DISABLE ROW LEVEL SECURITY;
ALTER TABLE verdicts DISABLE ROW LEVEL SECURITY;
ALTER TABLE verification_results DISABLE ROW LEVEL SECURITY;
ALTER TABLE nli_results DISABLE ROW LEVEL SECURITY;
ALTER TABLE embeddings DISABLE ROW LEVEL SECURITY;
ALTER TABLE evidence DISABLE ROW LEVEL SECURITY;
ALTER TABLE claims DISABLE ROW LEVEL SECURITY;
REVOKE SELECT ON truthgraph_settings FROM truthgraph_app;
REVOKE SELECT, INSERT, UPDATE, DELETE
    ON claims, evidence, embeddings, nli_results, verification_results, verdicts, verdict_evidence
    FROM truthgraph_app;
REVOKE USAGE ON SCHEMA public FROM truthgraph_app;
DROP FUNCTION truthgraph_tenant();
