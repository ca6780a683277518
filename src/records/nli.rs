//! NLI results (`queries/nli.sql`): insert one and many (atomic), by claim,
//! by claim and evidence, by label.

use truthgraph_queries::client::Params;
use truthgraph_queries::queries::nli;
use uuid::Uuid;

use crate::call::Access;
use crate::error::{Error, Result};
use crate::labels::NliLabel;
use crate::tenant::{Tenant, tenant_span};
use crate::validate;

pub use truthgraph_queries::queries::nli::NliResult;

/// One NLI prediction to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNliResult {
    /// The claim (hypothesis).
    pub claim_id: Uuid,
    /// The evidence (premise).
    pub evidence_id: Uuid,
    /// The predicted label.
    pub label: NliLabel,
    /// Probability of the predicted label, in [0, 1].
    pub confidence: f64,
    /// Probability of ENTAILMENT, in [0, 1].
    pub entailment_score: f64,
    /// Probability of CONTRADICTION, in [0, 1].
    pub contradiction_score: f64,
    /// Probability of NEUTRAL, in [0, 1].
    pub neutral_score: f64,
    /// The model's name.
    pub model_name: String,
    /// The model's version.
    pub model_version: Option<String>,
    /// The evidence text given to the model.
    pub premise_text: String,
    /// The claim text given to the model.
    pub hypothesis_text: String,
}

impl NewNliResult {
    /// Checks scores, the model name and version, and the texts; `index` (for
    /// batches) is named in errors as `results[index].field`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for the first bad field.
    pub fn validate(&self, index: Option<usize>) -> Result<()> {
        for (f, v) in [
            ("confidence", self.confidence),
            ("entailment_score", self.entailment_score),
            ("contradiction_score", self.contradiction_score),
            ("neutral_score", self.neutral_score),
        ] {
            validate::score(&validate::name(index, "results", f), v)?;
        }
        validate::model_name(
            &validate::name(index, "results", "model_name"),
            &self.model_name,
        )?;
        validate::version(
            &validate::name(index, "results", "model_version"),
            self.model_version.as_deref(),
        )?;
        for (f, v) in [
            ("premise_text", &self.premise_text),
            ("hypothesis_text", &self.hypothesis_text),
        ] {
            validate::storable(&validate::name(index, "results", f), v.as_str())?;
        }
        Ok(())
    }
}

impl Tenant<'_> {
    /// Stores one NLI prediction.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for scores outside [0, 1] or an empty model
    /// name; [`Error::MissingReference`] when the claim or the evidence is not
    /// the tenant's.
    pub async fn insert_nli_result(&self, r: &NewNliResult) -> Result<NliResult> {
        let tenant = self.id();
        r.validate(None)?;
        self.run(
            Access::Write,
            tenant_span!(self, "insert_nli_result", "nli_results"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        nli::insert_nli_result()
                            .params(
                                client,
                                &nli::InsertNliResultParams {
                                    label: r.label.as_str(),
                                    confidence: r.confidence,
                                    entailment_score: r.entailment_score,
                                    contradiction_score: r.contradiction_score,
                                    neutral_score: r.neutral_score,
                                    model_name: r.model_name.as_str(),
                                    model_version: r.model_version.as_deref(),
                                    premise_text: r.premise_text.as_str(),
                                    hypothesis_text: r.hypothesis_text.as_str(),
                                    evidence_id: r.evidence_id,
                                    tenant_id: tenant,
                                    claim_id: r.claim_id,
                                },
                            )
                            .opt()
                            .await?
                            .ok_or_else(|| missing_pair(tenant, r.claim_id, r.evidence_id))
                    }
                })
            },
        )
        .await
    }

    /// Stores many NLI predictions in one statement, all or nothing. Returns
    /// the stored rows in input order.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `results[i].field` for the first bad
    /// value (nothing is sent); [`Error::MissingReference`] when any claim or
    /// evidence is not the tenant's (nothing is written).
    pub async fn insert_nli_results(&self, results: &[NewNliResult]) -> Result<Vec<NliResult>> {
        let tenant = self.id();
        for (i, r) in results.iter().enumerate() {
            r.validate(Some(i))?;
        }
        if results.is_empty() {
            return Ok(Vec::new());
        }
        let col = |f: fn(&NewNliResult) -> f64| results.iter().map(f).collect::<Vec<f64>>();
        let claim_ids: Vec<Uuid> = results.iter().map(|r| r.claim_id).collect();
        let evidence_ids: Vec<Uuid> = results.iter().map(|r| r.evidence_id).collect();
        let labels: Vec<&str> = results.iter().map(|r| r.label.as_str()).collect();
        let model_names: Vec<&str> = results.iter().map(|r| r.model_name.as_str()).collect();
        let model_versions: Vec<Option<&str>> =
            results.iter().map(|r| r.model_version.as_deref()).collect();
        let premises: Vec<&str> = results.iter().map(|r| r.premise_text.as_str()).collect();
        let hypotheses: Vec<&str> = results.iter().map(|r| r.hypothesis_text.as_str()).collect();
        let params = nli::InsertNliResultsParams {
            claim_ids: &claim_ids,
            evidence_ids: &evidence_ids,
            labels: &labels,
            confidences: col(|r| r.confidence),
            entailment_scores: col(|r| r.entailment_score),
            contradiction_scores: col(|r| r.contradiction_score),
            neutral_scores: col(|r| r.neutral_score),
            model_names: &model_names,
            model_versions: &model_versions,
            premise_texts: &premises,
            hypothesis_texts: &hypotheses,
            tenant_id: tenant,
        };
        let expected = results.len();
        let params = &params;
        // One statement, so atomic by itself; the transaction lets us undo it
        // when some rows were skipped for naming another tenant's claim/evidence.
        self.run_in_transaction(
            Access::Write,
            tenant_span!(self, "insert_nli_results", "nli_results"),
            |t| {
                Box::pin(async move {
                    let tx = t.tx();
                    {
                        let rows = nli::insert_nli_results().params(tx, params).all().await?;
                        if rows.len() != expected {
                            return Err(Error::MissingReference {
                                constraint:
                                    "nli_results_claim_id_fkey/nli_results_evidence_id_fkey".into(),
                                message: format!(
                                    "{} of {expected} results name a claim or evidence that is not \
                     tenant {tenant:?}'s; nothing was written",
                                    expected - rows.len()
                                ),
                            });
                        }
                        Ok(rows)
                    }
                })
            },
        )
        .await
    }

    /// A claim's NLI results, newest first.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// Connection and database errors only (a claim that is not the
    /// tenant's gives an empty list).
    pub async fn nli_results_for_claim(&self, claim_id: Uuid) -> Result<Vec<NliResult>> {
        let tenant = self.id();
        self.run(
            Access::Read,
            tenant_span!(self, "nli_results_for_claim", "nli_results"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(nli::nli_results_for_claim()
                            .bind(client, &tenant, &claim_id)
                            .all()
                            .await?)
                    }
                })
            },
        )
        .await
    }

    /// The NLI results of one claim/evidence pair, newest first.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// Connection and database errors only (a pair that is not the tenant's
    /// gives an empty list).
    pub async fn nli_results_for_pair(
        &self,
        claim_id: Uuid,
        evidence_id: Uuid,
    ) -> Result<Vec<NliResult>> {
        let tenant = self.id();
        self.run(
            Access::Read,
            tenant_span!(self, "nli_results_for_pair", "nli_results"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(nli::nli_results_for_pair()
                            .bind(client, &tenant, &claim_id, &evidence_id)
                            .all()
                            .await?)
                    }
                })
            },
        )
        .await
    }

    /// The tenant's newest NLI results with `label`.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`limit`) for a limit outside
    /// 1..=[`validate::MAX_LIMIT`]; connection and database errors.
    pub async fn nli_results_by_label(
        &self,
        label: NliLabel,
        limit: i64,
    ) -> Result<Vec<NliResult>> {
        let tenant = self.id();
        validate::limit(limit)?;
        self.run(
            Access::Read,
            tenant_span!(self, "nli_results_by_label", "nli_results"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(nli::nli_results_by_label()
                            .bind(client, &tenant, &label.as_str(), &limit)
                            .all()
                            .await?)
                    }
                })
            },
        )
        .await
    }
}

fn missing_pair(tenant: &str, claim_id: Uuid, evidence_id: Uuid) -> Error {
    Error::MissingReference {
        constraint: "nli_results_claim_id_fkey/nli_results_evidence_id_fkey".into(),
        message: format!("claim {claim_id} or evidence {evidence_id} is not tenant {tenant:?}'s"),
    }
}
