//! Adopting databases the old Python stack left, and refusing ones that differ.

use truthgraph_db::{EntityType, Error};

use super::{PHASE1_ROWS, phase1_rows};
use crate::support::{TestDatabase, schema_snapshot, versions_after};

/// What the old Python stack left: its Phase 1 init script (slightly
/// different types and defaults), with rows.
const PYTHON_PHASE1: &str = "
    CREATE TABLE claims (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        text TEXT NOT NULL,
        source_url TEXT,
        submitted_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
    );
    CREATE TABLE evidence (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        content TEXT NOT NULL,
        source_url TEXT,
        source_type VARCHAR(100),
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
    );
    CREATE TABLE verdicts (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        claim_id UUID NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        verdict VARCHAR(50),
        confidence FLOAT,
        reasoning TEXT,
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
    );
    CREATE TABLE verdict_evidence (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        verdict_id UUID NOT NULL REFERENCES verdicts(id) ON DELETE CASCADE,
        evidence_id UUID NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
        relationship VARCHAR(50),
        confidence FLOAT,
        UNIQUE(verdict_id, evidence_id)
    );
    CREATE INDEX idx_claims_submitted_at ON claims(submitted_at DESC);
    CREATE INDEX idx_evidence_created_at ON evidence(created_at DESC);
    CREATE INDEX idx_verdicts_claim_id ON verdicts(claim_id);
    CREATE INDEX idx_verdicts_created_at ON verdicts(created_at DESC);
    CREATE INDEX idx_verdict_evidence_verdict_id ON verdict_evidence(verdict_id);
    CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS TRIGGER AS $$
    BEGIN NEW.updated_at = CURRENT_TIMESTAMP; RETURN NEW; END; $$ language 'plpgsql';
    CREATE TRIGGER update_claims_updated_at BEFORE UPDATE ON claims
        FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
    CREATE TRIGGER update_verdicts_updated_at BEFORE UPDATE ON verdicts
        FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();";

/// Alembic's phase2_ml_tables revision as it ran: vector(384), SQLAlchemy types.
const PYTHON_PHASE2: &str = "
    CREATE EXTENSION IF NOT EXISTS vector;
    CREATE TABLE embeddings (
        id UUID NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        entity_type VARCHAR(50) NOT NULL,
        entity_id UUID NOT NULL,
        embedding vector(384) NOT NULL,
        model_name VARCHAR(100) NOT NULL DEFAULT 'text-embedding-3-small',
        model_version VARCHAR(50),
        tenant_id VARCHAR(255) NOT NULL DEFAULT 'default',
        created_at TIMESTAMP NOT NULL DEFAULT now(),
        updated_at TIMESTAMP NOT NULL DEFAULT now(),
        CONSTRAINT ck_embeddings_entity_type CHECK (entity_type IN ('evidence', 'claim'))
    );
    CREATE INDEX idx_embeddings_tenant_id ON embeddings (tenant_id);
    CREATE INDEX idx_embeddings_entity ON embeddings (entity_type, entity_id);
    CREATE UNIQUE INDEX idx_embeddings_entity_unique ON embeddings (entity_type, entity_id);
    CREATE INDEX idx_embeddings_vector_cosine ON embeddings USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100);
    CREATE TABLE nli_results (
        id UUID NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        claim_id UUID NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        evidence_id UUID NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
        label VARCHAR(50) NOT NULL,
        confidence FLOAT NOT NULL,
        entailment_score FLOAT NOT NULL,
        contradiction_score FLOAT NOT NULL,
        neutral_score FLOAT NOT NULL,
        model_name VARCHAR(100) NOT NULL DEFAULT 'microsoft/deberta-v3-base',
        model_version VARCHAR(50),
        premise_text TEXT NOT NULL,
        hypothesis_text TEXT NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT now()
    );
    CREATE INDEX idx_nli_results_claim_id ON nli_results (claim_id);
    CREATE INDEX idx_nli_results_evidence_id ON nli_results (evidence_id);
    CREATE INDEX idx_nli_results_claim_evidence ON nli_results (claim_id, evidence_id);
    CREATE INDEX idx_nli_results_label ON nli_results (label);
    CREATE TABLE verification_results (
        id UUID NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        claim_id UUID NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        verdict VARCHAR(50) NOT NULL,
        confidence FLOAT NOT NULL,
        support_score FLOAT NOT NULL,
        refute_score FLOAT NOT NULL,
        neutral_score FLOAT NOT NULL,
        evidence_count INTEGER NOT NULL DEFAULT 0,
        supporting_evidence_count INTEGER NOT NULL DEFAULT 0,
        refuting_evidence_count INTEGER NOT NULL DEFAULT 0,
        neutral_evidence_count INTEGER NOT NULL DEFAULT 0,
        reasoning TEXT,
        nli_result_ids UUID[],
        pipeline_version VARCHAR(50),
        retrieval_method VARCHAR(50),
        created_at TIMESTAMP NOT NULL DEFAULT now(),
        updated_at TIMESTAMP NOT NULL DEFAULT now()
    );
    CREATE INDEX idx_verification_results_claim_id ON verification_results (claim_id);
    CREATE INDEX idx_verification_results_verdict ON verification_results (verdict);
    CREATE INDEX idx_verification_results_confidence ON verification_results (confidence DESC);
    CREATE INDEX idx_verification_results_created_at ON verification_results (created_at DESC);
    CREATE TRIGGER update_embeddings_updated_at BEFORE UPDATE ON embeddings
        FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
    CREATE TRIGGER update_verification_results_updated_at BEFORE UPDATE ON verification_results
        FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
    CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
    INSERT INTO alembic_version VALUES ('phase2_ml_tables');
    INSERT INTO embeddings (entity_type, entity_id, embedding, model_name)
        VALUES ('evidence', '20000000-0000-0000-0000-000000000001', array_fill(0.25, ARRAY[384])::vector, 'all-MiniLM-L6-v2');
    INSERT INTO nli_results (claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, neutral_score, premise_text, hypothesis_text)
        VALUES ('10000000-0000-0000-0000-000000000001', '20000000-0000-0000-0000-000000000001', 'ENTAILMENT', 0.95, 0.95, 0.02, 0.03, 'premise', 'hypothesis');";

#[tokio::test]
async fn adopts_a_python_phase1_database_without_touching_rows() {
    let t = TestDatabase::empty().await.unwrap();
    let c = t.raw_client().await.unwrap();
    c.batch_execute(PYTHON_PHASE1).await.unwrap();
    c.batch_execute(PHASE1_ROWS).await.unwrap();
    let before = phase1_rows(&c).await;
    // migrate alone refuses and points at adopt.
    let err = t.db.migrate(None).await.unwrap_err();
    assert!(err.to_string().contains("adopt"), "{err}");
    let a = t.db.adopt().await.unwrap();
    assert_eq!((a.recorded, a.applied), (1, versions_after(1)));
    assert_eq!(phase1_rows(&c).await, before);
    let status = t.db.status().await.unwrap();
    assert!(status.pending().is_empty());
    assert_eq!(status.dimension, Some(1536));
    // Adopting again is a no-op.
    assert_eq!(t.db.adopt().await.unwrap().recorded, 0);
}

#[tokio::test]
async fn adopts_a_python_phase2_database_of_dimension_384() {
    let t = TestDatabase::empty().await.unwrap();
    let c = t.raw_client().await.unwrap();
    c.batch_execute(PYTHON_PHASE1).await.unwrap();
    c.batch_execute(PHASE1_ROWS).await.unwrap();
    c.batch_execute(PYTHON_PHASE2).await.unwrap();
    let before = phase1_rows(&c).await;
    let a = t.db.adopt().await.unwrap();
    assert_eq!(
        (a.recorded, a.applied.clone()),
        (2, versions_after(2)),
        "{a:?}"
    );
    assert_eq!(phase1_rows(&c).await, before);
    let status = t.db.status().await.unwrap();
    assert_eq!(status.dimension, Some(384));
    assert!(status.pending().is_empty());
    // The old rows are readable through the library.
    let n =
        t.db.tenant("default")
            .unwrap()
            .nli_results_for_claim("10000000-0000-0000-0000-000000000001".parse().unwrap())
            .await
            .unwrap();
    assert_eq!(n.len(), 1);
    let e =
        t.db.tenant("default")
            .unwrap()
            .get_embedding(
                EntityType::Evidence,
                "20000000-0000-0000-0000-000000000001".parse().unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
    assert_eq!(e.embedding.as_slice().len(), 384);
}

#[tokio::test]
async fn refuses_to_adopt_a_database_that_differs_and_writes_nothing() {
    let t = TestDatabase::empty().await.unwrap();
    let c = t.raw_client().await.unwrap();
    c.batch_execute(
        &PYTHON_PHASE1.replace("source_url TEXT,\n        submitted_at", "submitted_at"),
    )
    .await
    .unwrap();
    c.batch_execute("DROP INDEX idx_verdicts_created_at")
        .await
        .unwrap();
    let before = schema_snapshot(&c).await;
    match t.db.adopt().await {
        Err(Error::Adoption { differences }) => {
            let all = differences.join("\n");
            assert!(all.contains("claims.source_url"), "{all}");
            assert!(all.contains("idx_verdicts_created_at"), "{all}");
        }
        other => panic!("expected an adoption error, got {other:?}"),
    }
    assert_eq!(
        schema_snapshot(&c).await,
        before,
        "a refused adoption wrote something"
    );

    // A partial Phase 2 is refused too.
    let t = TestDatabase::empty().await.unwrap();
    let c = t.raw_client().await.unwrap();
    c.batch_execute(PYTHON_PHASE1).await.unwrap();
    c.batch_execute("CREATE EXTENSION vector; CREATE TABLE embeddings (id uuid)")
        .await
        .unwrap();
    let err = t.db.adopt().await.unwrap_err();
    assert!(err.to_string().contains("partial Phase 2"), "{err}");
}
