-- Phase 2: ML tables (seed: PHASE2_DATABASE_MIGRATION_SUMMARY.md, Alembic revision phase2_ml_tables).
-- The embedding dimension is 1536 here; `truthgraph-db set-dimension N` switches it
-- without a migration parameter, so this file's checksum is the same everywhere.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE embeddings (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    entity_type VARCHAR(20) NOT NULL CHECK (entity_type IN ('evidence', 'claim')),
    entity_id UUID NOT NULL,
    embedding vector(1536) NOT NULL,
    model_name VARCHAR(100) NOT NULL,
    model_version VARCHAR(50),
    tenant_id VARCHAR(255) NOT NULL DEFAULT 'default',
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

COMMENT ON TABLE embeddings IS 'Vector embeddings of evidence and claims for semantic similarity search';
COMMENT ON COLUMN embeddings.entity_type IS 'Kind of the embedded entity: evidence or claim';
COMMENT ON COLUMN embeddings.entity_id IS 'Id of the embedded evidence or claim row';
COMMENT ON COLUMN embeddings.embedding IS 'Embedding vector (1536 dimensions for text-embedding-3-small, 384 for all-MiniLM-L6-v2)';
COMMENT ON COLUMN embeddings.model_name IS 'Name of the model that produced the embedding';
COMMENT ON COLUMN embeddings.model_version IS 'Version of the model that produced the embedding';
COMMENT ON COLUMN embeddings.tenant_id IS 'Tenant that owns the embedding, for multi-tenant isolation';

CREATE INDEX idx_embeddings_tenant_id ON embeddings (tenant_id);
CREATE INDEX idx_embeddings_entity ON embeddings (entity_type, entity_id);
CREATE UNIQUE INDEX idx_embeddings_entity_unique ON embeddings (entity_type, entity_id);
CREATE INDEX idx_embeddings_vector_cosine ON embeddings
    USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100);

CREATE TABLE nli_results (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    claim_id UUID NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    evidence_id UUID NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
    label VARCHAR(20) NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    entailment_score DOUBLE PRECISION NOT NULL,
    contradiction_score DOUBLE PRECISION NOT NULL,
    neutral_score DOUBLE PRECISION NOT NULL,
    model_name VARCHAR(100) NOT NULL,
    model_version VARCHAR(50),
    premise_text TEXT,
    hypothesis_text TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

COMMENT ON TABLE nli_results IS 'Natural-language inference predictions for claim/evidence pairs';
COMMENT ON COLUMN nli_results.label IS 'Predicted label: ENTAILMENT, CONTRADICTION or NEUTRAL';
COMMENT ON COLUMN nli_results.confidence IS 'Probability of the predicted label';
COMMENT ON COLUMN nli_results.entailment_score IS 'Probability of ENTAILMENT';
COMMENT ON COLUMN nli_results.contradiction_score IS 'Probability of CONTRADICTION';
COMMENT ON COLUMN nli_results.neutral_score IS 'Probability of NEUTRAL';
COMMENT ON COLUMN nli_results.premise_text IS 'Evidence text given to the model (audit trail)';
COMMENT ON COLUMN nli_results.hypothesis_text IS 'Claim text given to the model (audit trail)';

CREATE INDEX idx_nli_results_claim_id ON nli_results (claim_id);
CREATE INDEX idx_nli_results_evidence_id ON nli_results (evidence_id);
CREATE INDEX idx_nli_results_claim_evidence ON nli_results (claim_id, evidence_id);
CREATE INDEX idx_nli_results_label ON nli_results (label);

CREATE TABLE verification_results (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    claim_id UUID NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    verdict VARCHAR(20) NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    support_score DOUBLE PRECISION NOT NULL,
    refute_score DOUBLE PRECISION NOT NULL,
    neutral_score DOUBLE PRECISION NOT NULL,
    evidence_count INTEGER NOT NULL DEFAULT 0,
    supporting_evidence_count INTEGER NOT NULL DEFAULT 0,
    refuting_evidence_count INTEGER NOT NULL DEFAULT 0,
    neutral_evidence_count INTEGER NOT NULL DEFAULT 0,
    reasoning TEXT,
    nli_result_ids UUID[],
    pipeline_version VARCHAR(50),
    retrieval_method VARCHAR(50),
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

COMMENT ON TABLE verification_results IS 'Verdicts aggregated from the NLI results of one verification run';
COMMENT ON COLUMN verification_results.verdict IS 'Final verdict: SUPPORTED, REFUTED or INSUFFICIENT';
COMMENT ON COLUMN verification_results.confidence IS 'Confidence in the verdict';
COMMENT ON COLUMN verification_results.support_score IS 'Aggregated support score';
COMMENT ON COLUMN verification_results.refute_score IS 'Aggregated refute score';
COMMENT ON COLUMN verification_results.neutral_score IS 'Aggregated neutral score';
COMMENT ON COLUMN verification_results.nli_result_ids IS 'Ids of the nli_results rows this verdict aggregates';
COMMENT ON COLUMN verification_results.pipeline_version IS 'Version of the verification pipeline';
COMMENT ON COLUMN verification_results.retrieval_method IS 'How evidence was retrieved: vector, hybrid or keyword';

CREATE INDEX idx_verification_results_claim_id ON verification_results (claim_id);
CREATE INDEX idx_verification_results_verdict ON verification_results (verdict);
CREATE INDEX idx_verification_results_confidence ON verification_results (confidence DESC);
CREATE INDEX idx_verification_results_created_at ON verification_results (created_at DESC);

CREATE TRIGGER update_embeddings_updated_at
    BEFORE UPDATE ON embeddings
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TRIGGER update_verification_results_updated_at
    BEFORE UPDATE ON verification_results
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
