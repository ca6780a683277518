-- Undo V3: drops only what V3 added. Rows stay; timestamps become nullable again.
DROP TRIGGER IF EXISTS delete_evidence_embeddings ON evidence;
DROP TRIGGER IF EXISTS delete_claim_embeddings ON claims;
DROP FUNCTION IF EXISTS delete_entity_embeddings();
DROP INDEX IF EXISTS idx_verification_results_claim_created;
ALTER TABLE verification_results DROP CONSTRAINT IF EXISTS verification_results_retrieval_method_check,
                                 DROP CONSTRAINT IF EXISTS verification_results_counts_check,
                                 DROP CONSTRAINT IF EXISTS verification_results_scores_range,
                                 DROP CONSTRAINT IF EXISTS verification_results_verdict_check;
ALTER TABLE nli_results DROP CONSTRAINT IF EXISTS nli_results_scores_range,
                        DROP CONSTRAINT IF EXISTS nli_results_label_check;
ALTER TABLE verdict_evidence DROP CONSTRAINT IF EXISTS verdict_evidence_confidence_range,
                             DROP CONSTRAINT IF EXISTS verdict_evidence_relationship_check;
ALTER TABLE verdicts DROP CONSTRAINT IF EXISTS verdicts_confidence_range,
                     DROP CONSTRAINT IF EXISTS verdicts_verdict_check;
DROP INDEX IF EXISTS idx_evidence_content_tsv;
ALTER TABLE evidence DROP COLUMN IF EXISTS content_tsv;
DROP INDEX IF EXISTS idx_embeddings_tenant_type;
ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE EXTENDED;
DROP INDEX IF EXISTS idx_evidence_tenant_created;
DROP INDEX IF EXISTS idx_claims_tenant_created;
ALTER TABLE embeddings DROP CONSTRAINT IF EXISTS embeddings_tenant_id_not_empty;
ALTER TABLE evidence DROP COLUMN IF EXISTS tenant_id;
ALTER TABLE claims DROP COLUMN IF EXISTS tenant_id;
ALTER TABLE verdicts ALTER COLUMN created_at DROP NOT NULL,
                     ALTER COLUMN updated_at DROP NOT NULL;
ALTER TABLE evidence ALTER COLUMN created_at DROP NOT NULL;
ALTER TABLE claims ALTER COLUMN submitted_at DROP NOT NULL,
                   ALTER COLUMN created_at DROP NOT NULL,
                   ALTER COLUMN updated_at DROP NOT NULL;
