//! `Tenant`'s NLI results, verification results and Phase 1 verdicts.

use pyo3::prelude::*;
use truthgraph_db::{NliLabel, Relationship, VerdictLabel};

use crate::convert::{label, opt_label, uuid};
use crate::inputs::{NewNliResult, NewVerificationResult};
use crate::records::{NliResult, Verdict, VerdictEvidence, VerificationResult};
use crate::tenant::{Tenant, tenant_call};

#[pymethods]
impl Tenant {
    /// Stores one NLI prediction.
    fn insert_nli_result<'py>(
        &self,
        py: Python<'py>,
        result: PyRef<'py, NewNliResult>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let r = result.0.clone();
        tenant_call!(self, py, |t| Ok(NliResult::from(
            t.insert_nli_result(&r).await?
        )))
    }

    /// Stores many NLI predictions in one statement, all or nothing; input order.
    fn insert_nli_results<'py>(
        &self,
        py: Python<'py>,
        results: Vec<PyRef<'py, NewNliResult>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let rows: Vec<_> = results.iter().map(|r| r.0.clone()).collect();
        tenant_call!(self, py, |t| Ok(t
            .insert_nli_results(&rows)
            .await?
            .into_iter()
            .map(NliResult::from)
            .collect::<Vec<_>>()))
    }

    /// A claim's NLI results, newest first.
    fn nli_results_for_claim<'py>(
        &self,
        py: Python<'py>,
        claim_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let claim_id = uuid(claim_id, "claim_id")?;
        tenant_call!(self, py, |t| Ok(t
            .nli_results_for_claim(claim_id)
            .await?
            .into_iter()
            .map(NliResult::from)
            .collect::<Vec<_>>()))
    }

    /// The NLI results of one claim/evidence pair, newest first.
    fn nli_results_for_pair<'py>(
        &self,
        py: Python<'py>,
        claim_id: &Bound<'py, PyAny>,
        evidence_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let claim_id = uuid(claim_id, "claim_id")?;
        let evidence_id = uuid(evidence_id, "evidence_id")?;
        tenant_call!(self, py, |t| Ok(t
            .nli_results_for_pair(claim_id, evidence_id)
            .await?
            .into_iter()
            .map(NliResult::from)
            .collect::<Vec<_>>()))
    }

    /// The tenant's newest NLI results with `label`.
    fn nli_results_by_label<'py>(
        &self,
        py: Python<'py>,
        label: &str,
        limit: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let l: NliLabel = crate::convert::label(label)?;
        tenant_call!(self, py, |t| Ok(t
            .nli_results_by_label(l, limit)
            .await?
            .into_iter()
            .map(NliResult::from)
            .collect::<Vec<_>>()))
    }

    /// Stores the verdict of a verification run.
    fn insert_verification_result<'py>(
        &self,
        py: Python<'py>,
        result: PyRef<'py, NewVerificationResult>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let r = result.0.clone();
        tenant_call!(self, py, |t| Ok(VerificationResult::from(
            t.insert_verification_result(&r).await?
        )))
    }

    /// The newest verification result of a claim, or None.
    fn latest_verification_result<'py>(
        &self,
        py: Python<'py>,
        claim_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let claim_id = uuid(claim_id, "claim_id")?;
        tenant_call!(self, py, |t| Ok(t
            .latest_verification_result(claim_id)
            .await?
            .map(VerificationResult::from)))
    }

    /// Every verification result of a claim, newest first.
    fn verification_history<'py>(
        &self,
        py: Python<'py>,
        claim_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let claim_id = uuid(claim_id, "claim_id")?;
        tenant_call!(self, py, |t| Ok(t
            .verification_history(claim_id)
            .await?
            .into_iter()
            .map(VerificationResult::from)
            .collect::<Vec<_>>()))
    }

    /// The tenant's results with `verdict`, most confident first.
    fn verification_results_by_verdict<'py>(
        &self,
        py: Python<'py>,
        verdict: &str,
        limit: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v: VerdictLabel = label(verdict)?;
        tenant_call!(self, py, |t| Ok(t
            .verification_results_by_verdict(v, limit)
            .await?
            .into_iter()
            .map(VerificationResult::from)
            .collect::<Vec<_>>()))
    }

    /// Stores a Phase 1 verdict (`verdict=None`: pending) for a claim.
    #[pyo3(signature = (claim_id, verdict=None, confidence=None, reasoning=None))]
    fn insert_verdict<'py>(
        &self,
        py: Python<'py>,
        claim_id: &Bound<'py, PyAny>,
        verdict: Option<&str>,
        confidence: Option<f64>,
        reasoning: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let claim_id = uuid(claim_id, "claim_id")?;
        let verdict: Option<VerdictLabel> = opt_label(verdict)?;
        tenant_call!(self, py, |t| Ok(Verdict::from(
            t.insert_verdict(claim_id, verdict, confidence, reasoning.as_deref())
                .await?
        )))
    }

    /// Links a piece of evidence to a Phase 1 verdict.
    #[pyo3(signature = (verdict_id, evidence_id, relationship=None, confidence=None))]
    fn link_verdict_evidence<'py>(
        &self,
        py: Python<'py>,
        verdict_id: &Bound<'py, PyAny>,
        evidence_id: &Bound<'py, PyAny>,
        relationship: Option<&str>,
        confidence: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let verdict_id = uuid(verdict_id, "verdict_id")?;
        let evidence_id = uuid(evidence_id, "evidence_id")?;
        let relationship: Option<Relationship> = opt_label(relationship)?;
        tenant_call!(self, py, |t| t
            .link_verdict_evidence(verdict_id, evidence_id, relationship, confidence)
            .await)
    }

    /// The newest Phase 1 verdict of a claim with its evidence, or None.
    fn latest_verdict<'py>(
        &self,
        py: Python<'py>,
        claim_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let claim_id = uuid(claim_id, "claim_id")?;
        tenant_call!(self, py, |t| Ok(t.latest_verdict(claim_id).await?.map(
            |(v, links)| {
                let links: Vec<VerdictEvidence> = links.into_iter().map(Into::into).collect();
                (Verdict::from(v), links)
            }
        )))
    }
}
