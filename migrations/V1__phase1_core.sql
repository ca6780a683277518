-- Phase 1: the TruthGraph core schema, as the Python services created it.
-- Names are a public contract (DESIGN.md): never rename them here; fix weaknesses in later versions.

CREATE TABLE claims (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    text TEXT NOT NULL,
    source_url TEXT,
    submitted_at TIMESTAMP DEFAULT (now() AT TIME ZONE 'utc'),
    created_at TIMESTAMP DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at TIMESTAMP DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE TABLE evidence (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    content TEXT NOT NULL,
    source_url TEXT,
    source_type VARCHAR(50),
    created_at TIMESTAMP DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE TABLE verdicts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    claim_id UUID NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    verdict VARCHAR(20),
    confidence DOUBLE PRECISION,
    reasoning TEXT,
    created_at TIMESTAMP DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at TIMESTAMP DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE TABLE verdict_evidence (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    verdict_id UUID NOT NULL REFERENCES verdicts(id) ON DELETE CASCADE,
    evidence_id UUID NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
    relationship VARCHAR(20),
    confidence DOUBLE PRECISION,
    UNIQUE (verdict_id, evidence_id)
);

CREATE INDEX idx_claims_submitted_at ON claims (submitted_at);
CREATE INDEX idx_evidence_created_at ON evidence (created_at);
CREATE INDEX idx_verdicts_claim_id ON verdicts (claim_id);
CREATE INDEX idx_verdicts_created_at ON verdicts (created_at);
CREATE INDEX idx_verdict_evidence_verdict_id ON verdict_evidence (verdict_id);

CREATE FUNCTION update_updated_at_column() RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = now() AT TIME ZONE 'utc';
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER update_claims_updated_at
    BEFORE UPDATE ON claims
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TRIGGER update_verdicts_updated_at
    BEFORE UPDATE ON verdicts
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
