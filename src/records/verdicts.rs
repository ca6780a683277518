//! Phase 1 verdicts (`queries/verdicts.sql`): insert, link evidence, the
//! latest verdict of a claim with its evidence.

use truthgraph_queries::client::Params;
use truthgraph_queries::queries::verdicts;
use uuid::Uuid;

use crate::call::Access;
use crate::error::{Error, Result};
use crate::labels::{Relationship, VerdictLabel};
use crate::tenant::{Tenant, tenant_span};
use crate::validate;

pub use truthgraph_queries::queries::verdicts::{Verdict, VerdictEvidence};

fn not_found(what: impl Into<String>) -> Error {
    Error::NotFound { what: what.into() }
}

impl Tenant<'_> {
    /// Stores a Phase 1 verdict (`None`: pending) for a claim of the tenant.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`confidence`, `reasoning`) for a confidence
    /// outside [0, 1] or a NUL character; [`Error::NotFound`] when the claim
    /// is not the tenant's.
    pub async fn insert_verdict(
        &self,
        claim_id: Uuid,
        verdict: Option<VerdictLabel>,
        confidence: Option<f64>,
        reasoning: Option<&str>,
    ) -> Result<Verdict> {
        let tenant = self.id();
        if let Some(c) = confidence {
            validate::score("confidence", c)?;
        }
        validate::storable("reasoning", reasoning)?;
        self.run(
            Access::Write,
            tenant_span!(self, "insert_verdict", "verdicts"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        verdicts::insert_verdict()
                            .bind(
                                client,
                                &verdict.map(VerdictLabel::as_str),
                                &confidence,
                                &reasoning,
                                &claim_id,
                                &tenant,
                            )
                            .opt()
                            .await?
                            .ok_or_else(|| {
                                not_found(format!("claim {claim_id} of tenant {tenant:?}"))
                            })
                    }
                })
            },
        )
        .await
    }

    /// Links a piece of evidence to a Phase 1 verdict.
    ///
    /// # Errors
    /// [`Error::Conflict`] when the pair is already linked; [`Error::NotFound`]
    /// when the verdict or the evidence is not the tenant's.
    pub async fn link_verdict_evidence(
        &self,
        verdict_id: Uuid,
        evidence_id: Uuid,
        relationship: Option<Relationship>,
        confidence: Option<f64>,
    ) -> Result<()> {
        let tenant = self.id();
        if let Some(c) = confidence {
            validate::score("confidence", c)?;
        }
        self.run(Access::Write, tenant_span!(self, "link_verdict_evidence", "verdict_evidence"), |conn| {
    Box::pin(async move {
        let client = conn.client();
        {
                let n = verdicts::link_verdict_evidence()
                    .params(
                        client,
                        &verdicts::LinkVerdictEvidenceParams {
                            relationship: relationship.map(Relationship::as_str),
                            confidence,
                            tenant_id: tenant,
                            evidence_id,
                            verdict_id,
                        },
                    )
                    .await?;
                if n == 1 {
                    Ok(())
                } else {
                    Err(not_found(format!(
                        "verdict {verdict_id} or evidence {evidence_id} of tenant {tenant:?}"
                    )))
                }
            }
    })
})
.await
    }

    /// The newest Phase 1 verdict of a claim with its evidence and relationships.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// Connection and database errors only (a claim that is not the
    /// tenant's gives `None`).
    pub async fn latest_verdict(
        &self,
        claim_id: Uuid,
    ) -> Result<Option<(Verdict, Vec<VerdictEvidence>)>> {
        let tenant = self.id();
        self.run(
            Access::Read,
            tenant_span!(self, "latest_verdict", "verdicts"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        let Some(v) = verdicts::latest_verdict()
                            .bind(client, &tenant, &claim_id)
                            .opt()
                            .await?
                        else {
                            return Ok(None);
                        };
                        let links = verdicts::verdict_evidence()
                            .bind(client, &tenant, &v.id)
                            .all()
                            .await?;
                        Ok(Some((v, links)))
                    }
                })
            },
        )
        .await
    }
}
