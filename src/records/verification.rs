//! Verification results (`queries/verification.sql`): insert, latest per
//! claim, history, by verdict.

use truthgraph_queries::client::Params;
use truthgraph_queries::queries::{nli, verification};
use uuid::Uuid;

use crate::call::Access;
use crate::error::{Error, Result};
use crate::labels::{RetrievalMethod, VerdictLabel};
use crate::tenant::{Tenant, tenant_span};
use crate::validate;

pub use truthgraph_queries::queries::verification::VerificationResult;

/// The verdict of one verification run to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVerificationResult {
    /// The verified claim.
    pub claim_id: Uuid,
    /// The verdict.
    pub verdict: VerdictLabel,
    /// Confidence in the verdict, in [0, 1].
    pub confidence: f64,
    /// Aggregated support, in [0, 1].
    pub support_score: f64,
    /// Aggregated refutation, in [0, 1].
    pub refute_score: f64,
    /// Aggregated neutrality, in [0, 1].
    pub neutral_score: f64,
    /// Evidence pieces considered.
    pub evidence_count: i32,
    /// Of which supporting.
    pub supporting_evidence_count: i32,
    /// Of which refuting.
    pub refuting_evidence_count: i32,
    /// Of which neutral.
    pub neutral_evidence_count: i32,
    /// Human-readable reasoning.
    pub reasoning: Option<String>,
    /// The `nli_results` rows aggregated.
    pub nli_result_ids: Vec<Uuid>,
    /// Pipeline version.
    pub pipeline_version: Option<String>,
    /// How evidence was retrieved.
    pub retrieval_method: Option<RetrievalMethod>,
}

impl NewVerificationResult {
    /// Checks scores, counts, `reasoning` and `pipeline_version`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for the first bad field.
    pub fn validate(&self) -> Result<()> {
        for (f, v) in [
            ("confidence", self.confidence),
            ("support_score", self.support_score),
            ("refute_score", self.refute_score),
            ("neutral_score", self.neutral_score),
        ] {
            validate::score(f, v)?;
        }
        for (f, v) in [
            ("evidence_count", self.evidence_count),
            ("supporting_evidence_count", self.supporting_evidence_count),
            ("refuting_evidence_count", self.refuting_evidence_count),
            ("neutral_evidence_count", self.neutral_evidence_count),
        ] {
            validate::count(f, v)?;
        }
        validate::storable("reasoning", self.reasoning.as_deref())?;
        validate::version("pipeline_version", self.pipeline_version.as_deref())
    }
}

impl Tenant<'_> {
    /// Stores the verdict of a verification run.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for scores outside [0, 1] or negative counts;
    /// [`Error::MissingReference`] when the claim is not the tenant's;
    /// [`Error::InvalidInput`] naming `nli_result_ids[i]` for an id that is
    /// not an NLI result of the tenant's. Nothing is written then.
    pub async fn insert_verification_result(
        &self,
        r: &NewVerificationResult,
    ) -> Result<VerificationResult> {
        let tenant = self.id();
        r.validate()?;
        let stored = self
            .run(
                Access::Write,
                tenant_span!(self, "insert_verification_result", "verification_results"),
                |conn| {
                    Box::pin(async move {
                        let client = conn.client();
                        {
                            Ok(verification::insert_verification_result()
                                .params(
                                    client,
                                    &verification::InsertVerificationResultParams {
                                        verdict: r.verdict.as_str(),
                                        confidence: r.confidence,
                                        support_score: r.support_score,
                                        refute_score: r.refute_score,
                                        neutral_score: r.neutral_score,
                                        evidence_count: r.evidence_count,
                                        supporting_evidence_count: r.supporting_evidence_count,
                                        refuting_evidence_count: r.refuting_evidence_count,
                                        neutral_evidence_count: r.neutral_evidence_count,
                                        reasoning: r.reasoning.as_deref(),
                                        nli_result_ids: Some(&r.nli_result_ids),
                                        pipeline_version: r.pipeline_version.as_deref(),
                                        retrieval_method: r
                                            .retrieval_method
                                            .map(RetrievalMethod::as_str),
                                        claim_id: r.claim_id,
                                        tenant_id: tenant,
                                    },
                                )
                                .opt()
                                .await?
                                .ok_or(()))
                        }
                    })
                },
            )
            .await?;
        match stored {
            Ok(row) => Ok(row),
            Err(()) => Err(self.refused_verification(r).await?),
        }
    }

    /// Why [`Tenant::insert_verification_result`] stored nothing: the claim,
    /// or the first of `nli_result_ids` that is not the tenant's.
    async fn refused_verification(&self, r: &NewVerificationResult) -> Result<Error> {
        if self.get_claim(r.claim_id).await?.is_none() {
            return Ok(Error::MissingReference {
                constraint: "verification_results_claim_id_fkey".into(),
                message: format!("claim {} is not tenant {:?}'s", r.claim_id, self.id()),
            });
        }
        let ids = &r.nli_result_ids;
        let known = self
            .run(
                Access::Read,
                tenant_span!(self, "tenant_nli_result_ids", "nli_results"),
                |conn| {
                    Box::pin(async move {
                        let client = conn.client();
                        {
                            Ok(nli::tenant_nli_result_ids()
                                .bind(client, &ids, &self.id())
                                .all()
                                .await?)
                        }
                    })
                },
            )
            .await?;
        let field = match ids.iter().position(|id| !known.contains(id)) {
            Some(i) => format!("nli_result_ids[{i}]"),
            None => "nli_result_ids".into(),
        };
        Ok(Error::invalid(
            field,
            "is not an NLI result of this tenant; nothing was written",
        ))
    }

    /// The newest verification result of a claim.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// Connection and database errors only (a claim that is not the
    /// tenant's gives `None`).
    pub async fn latest_verification_result(
        &self,
        claim_id: Uuid,
    ) -> Result<Option<VerificationResult>> {
        let tenant = self.id();
        self.run(
            Access::Read,
            tenant_span!(self, "latest_verification_result", "verification_results"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(verification::latest_verification_result()
                            .bind(client, &tenant, &claim_id)
                            .opt()
                            .await?)
                    }
                })
            },
        )
        .await
    }

    /// Every verification result of a claim, newest first.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// Connection and database errors only (a claim that is not the
    /// tenant's gives an empty list).
    pub async fn verification_history(&self, claim_id: Uuid) -> Result<Vec<VerificationResult>> {
        let tenant = self.id();
        self.run(
            Access::Read,
            tenant_span!(self, "verification_history", "verification_results"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(verification::verification_history()
                            .bind(client, &tenant, &claim_id)
                            .all()
                            .await?)
                    }
                })
            },
        )
        .await
    }

    /// The tenant's results with `verdict`, most confident first.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`limit`) for a limit outside
    /// 1..=[`validate::MAX_LIMIT`]; connection and database errors.
    pub async fn verification_results_by_verdict(
        &self,
        verdict: VerdictLabel,
        limit: i64,
    ) -> Result<Vec<VerificationResult>> {
        let tenant = self.id();
        validate::limit(limit)?;
        self.run(
            Access::Read,
            tenant_span!(
                self,
                "verification_results_by_verdict",
                "verification_results"
            ),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(verification::verification_results_by_verdict()
                            .bind(client, &tenant, &verdict.as_str(), &limit)
                            .all()
                            .await?)
                    }
                })
            },
        )
        .await
    }
}
