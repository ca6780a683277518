//! The input classes of the batch calls, built like the library's `New*`
//! structs: ids and labels are parsed when the object is made (an error
//! names the argument); scores, texts and vectors are checked by the
//! library when the call is made, naming `rows[i].field`.

use pyo3::prelude::*;
use truthgraph_db::{NliLabel, RetrievalMethod, VerdictLabel};

use crate::convert::{label, opt_label, uuid, uuids, vector};

/// One claim for `Tenant.insert_claims`.
#[pyclass(frozen, module = "truthgraph_db")]
#[derive(Debug, Clone)]
pub struct NewClaim(pub truthgraph_db::NewClaim);

#[pymethods]
impl NewClaim {
    #[new]
    #[pyo3(signature = (text, source_url=None))]
    fn new(text: String, source_url: Option<String>) -> Self {
        NewClaim(truthgraph_db::NewClaim { text, source_url })
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// One piece of evidence for `Tenant.insert_evidence_many`.
#[pyclass(frozen, module = "truthgraph_db")]
#[derive(Debug, Clone)]
pub struct NewEvidence(pub truthgraph_db::NewEvidence);

#[pymethods]
impl NewEvidence {
    #[new]
    #[pyo3(signature = (content, source_url=None, source_type=None))]
    fn new(content: String, source_url: Option<String>, source_type: Option<String>) -> Self {
        NewEvidence(truthgraph_db::NewEvidence {
            content,
            source_url,
            source_type,
        })
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// One embedding for `Tenant.bulk_load_embeddings`; `embedding` is a 1-D
/// numpy float32 array.
#[pyclass(frozen, module = "truthgraph_db")]
#[derive(Debug, Clone)]
pub struct NewEmbedding(pub truthgraph_db::NewEmbedding);

#[pymethods]
impl NewEmbedding {
    #[new]
    #[pyo3(signature = (entity_type, entity_id, embedding, model_name, model_version=None))]
    fn new(
        entity_type: &str,
        entity_id: &Bound<'_, PyAny>,
        embedding: &Bound<'_, PyAny>,
        model_name: String,
        model_version: Option<String>,
    ) -> PyResult<Self> {
        Ok(NewEmbedding(truthgraph_db::NewEmbedding {
            entity_type: label(entity_type)?,
            entity_id: uuid(entity_id, "entity_id")?,
            embedding: vector(embedding, "embedding")?,
            model_name,
            model_version,
        }))
    }

    fn __repr__(&self) -> String {
        let e = &self.0;
        format!(
            "NewEmbedding(entity_type={:?}, entity_id={}, dim={}, model_name={:?})",
            e.entity_type.as_str(),
            e.entity_id,
            e.embedding.as_slice().len(),
            e.model_name
        )
    }
}

/// One NLI prediction for `Tenant.insert_nli_result(s)`.
#[pyclass(frozen, module = "truthgraph_db")]
#[derive(Debug, Clone)]
pub struct NewNliResult(pub truthgraph_db::NewNliResult);

#[pymethods]
impl NewNliResult {
    #[new]
    #[pyo3(signature = (
        claim_id, evidence_id, label, confidence, entailment_score, contradiction_score,
        neutral_score, premise_text, hypothesis_text, model_name, model_version=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        claim_id: &Bound<'_, PyAny>,
        evidence_id: &Bound<'_, PyAny>,
        label: &str,
        confidence: f64,
        entailment_score: f64,
        contradiction_score: f64,
        neutral_score: f64,
        premise_text: String,
        hypothesis_text: String,
        model_name: String,
        model_version: Option<String>,
    ) -> PyResult<Self> {
        Ok(NewNliResult(truthgraph_db::NewNliResult {
            claim_id: uuid(claim_id, "claim_id")?,
            evidence_id: uuid(evidence_id, "evidence_id")?,
            label: crate::convert::label::<NliLabel>(label)?,
            confidence,
            entailment_score,
            contradiction_score,
            neutral_score,
            model_name,
            model_version,
            premise_text,
            hypothesis_text,
        }))
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// The verdict of one verification run for `Tenant.insert_verification_result`.
#[pyclass(frozen, module = "truthgraph_db")]
#[derive(Debug, Clone)]
pub struct NewVerificationResult(pub truthgraph_db::NewVerificationResult);

#[pymethods]
impl NewVerificationResult {
    #[new]
    #[pyo3(signature = (
        claim_id, verdict, confidence, support_score, refute_score, neutral_score,
        evidence_count, supporting_evidence_count=0, refuting_evidence_count=0,
        neutral_evidence_count=0, reasoning=None, nli_result_ids=None,
        pipeline_version=None, retrieval_method=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        claim_id: &Bound<'_, PyAny>,
        verdict: &str,
        confidence: f64,
        support_score: f64,
        refute_score: f64,
        neutral_score: f64,
        evidence_count: i32,
        supporting_evidence_count: i32,
        refuting_evidence_count: i32,
        neutral_evidence_count: i32,
        reasoning: Option<String>,
        nli_result_ids: Option<&Bound<'_, PyAny>>,
        pipeline_version: Option<String>,
        retrieval_method: Option<&str>,
    ) -> PyResult<Self> {
        Ok(NewVerificationResult(
            truthgraph_db::NewVerificationResult {
                claim_id: uuid(claim_id, "claim_id")?,
                verdict: label::<VerdictLabel>(verdict)?,
                confidence,
                support_score,
                refute_score,
                neutral_score,
                evidence_count,
                supporting_evidence_count,
                refuting_evidence_count,
                neutral_evidence_count,
                reasoning,
                nli_result_ids: match nli_result_ids {
                    Some(ids) => uuids(ids, "nli_result_ids")?,
                    None => Vec::new(),
                },
                pipeline_version,
                retrieval_method: opt_label::<RetrievalMethod>(retrieval_method)?,
            },
        ))
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}
