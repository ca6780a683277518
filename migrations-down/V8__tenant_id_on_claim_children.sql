-- Undoes V8: the fill triggers, the tenant-scoped foreign keys and unique
-- constraints, and the tenant_id columns of the claim's dependent tables.
DROP TRIGGER fill_verdict_evidence_tenant ON verdict_evidence;
DROP TRIGGER fill_verdicts_tenant ON verdicts;
DROP TRIGGER fill_verification_results_tenant ON verification_results;
DROP TRIGGER fill_nli_results_tenant ON nli_results;
DROP FUNCTION fill_tenant_from_parent();
ALTER TABLE verdict_evidence DROP CONSTRAINT verdict_evidence_verdict_tenant_fkey;
ALTER TABLE verdicts DROP CONSTRAINT verdicts_claim_tenant_fkey;
ALTER TABLE verification_results DROP CONSTRAINT verification_results_claim_tenant_fkey;
ALTER TABLE nli_results DROP CONSTRAINT nli_results_claim_tenant_fkey;
ALTER TABLE verdicts DROP CONSTRAINT verdicts_id_tenant_id_key;
ALTER TABLE claims DROP CONSTRAINT claims_id_tenant_id_key;
ALTER TABLE verdict_evidence DROP COLUMN tenant_id;
ALTER TABLE verdicts DROP COLUMN tenant_id;
ALTER TABLE verification_results DROP COLUMN tenant_id;
ALTER TABLE nli_results DROP COLUMN tenant_id;
