//! Writing and reading claims, evidence, embeddings, NLI results, verification
//! results and Phase 1 verdicts: validation first, then the generated query.
//!
//! Every method is scoped by tenant: a row of another tenant is never read,
//! changed or referenced. Reads that need no validation are also available
//! directly as generated functions in [`crate::queries`].

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use pgvector::Vector;
use truthgraph_queries::client::Params;
use truthgraph_queries::queries::{claims, embeddings, evidence, nli, verdicts, verification};
use truthgraph_vector_ref::VectorRef;
use uuid::Uuid;

use crate::db::Database;
use crate::error::{Error, Result};
use crate::vector::validate_vector;

pub use truthgraph_queries::queries::claims::Claim;
pub use truthgraph_queries::queries::embeddings::{Embedding, EmbeddingStats};
pub use truthgraph_queries::queries::evidence::Evidence;
pub use truthgraph_queries::queries::nli::NliResult;
pub use truthgraph_queries::queries::verdicts::{Verdict, VerdictEvidence};
pub use truthgraph_queries::queries::verification::VerificationResult;

/// Largest page size of the list methods.
pub const MAX_LIMIT: i64 = 1000;

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = Error;

            /// Parses the stored text (exact case).
            fn from_str(s: &str) -> Result<Self> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(Error::invalid(
                        $field,
                        format!(
                            "{other:?} is not one of {}",
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }
    };
}

text_enum!(
    /// What an embedding belongs to (`embeddings.entity_type`).
    EntityType, "entity_type", {
        /// A row of `evidence`.
        Evidence = "evidence",
        /// A row of `claims`.
        Claim = "claim",
    }
);
text_enum!(
    /// An NLI prediction (`nli_results.label`).
    NliLabel, "label", {
        /// The evidence entails the claim.
        Entailment = "ENTAILMENT",
        /// The evidence contradicts the claim.
        Contradiction = "CONTRADICTION",
        /// Neither.
        Neutral = "NEUTRAL",
    }
);
text_enum!(
    /// A verdict (`verification_results.verdict`, `verdicts.verdict`).
    VerdictLabel, "verdict", {
        /// The evidence supports the claim.
        Supported = "SUPPORTED",
        /// The evidence refutes the claim.
        Refuted = "REFUTED",
        /// Not enough evidence either way.
        Insufficient = "INSUFFICIENT",
    }
);
text_enum!(
    /// How a piece of evidence relates to a Phase 1 verdict (`verdict_evidence.relationship`).
    Relationship, "relationship", {
        /// Supports the claim.
        Supports = "supports",
        /// Refutes the claim.
        Refutes = "refutes",
        /// Neither.
        Neutral = "neutral",
    }
);
text_enum!(
    /// How evidence was retrieved (`verification_results.retrieval_method`).
    RetrievalMethod, "retrieval_method", {
        /// Vector similarity only.
        Vector = "vector",
        /// Full text and vector fused.
        Hybrid = "hybrid",
        /// Full text only.
        Keyword = "keyword",
    }
);

/// Checks a tenant id: not empty, at most 255 bytes (`varchar(255)`).
pub fn validate_tenant(tenant: &str) -> Result<()> {
    if tenant.trim().is_empty() {
        return Err(Error::invalid("tenant_id", "is empty"));
    }
    if tenant.len() > 255 {
        return Err(Error::invalid("tenant_id", "is longer than 255 bytes"));
    }
    Ok(())
}

/// Checks a probability: finite and within [0, 1].
pub fn validate_score(field: &str, value: f64) -> Result<()> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("{value} is outside [0, 1]")))
    }
}

fn validate_text(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(Error::invalid(field, "is empty"))
    } else {
        Ok(())
    }
}

fn validate_limit(limit: i64) -> Result<()> {
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(())
    } else {
        Err(Error::invalid(
            "limit",
            format!("{limit} is outside 1..={MAX_LIMIT}"),
        ))
    }
}

fn validate_count(field: &str, value: i32) -> Result<()> {
    if value >= 0 {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("{value} is negative")))
    }
}

/// A keyset-paging cursor: the `created_at` and `id` of the last row seen.
pub type Cursor = (NaiveDateTime, Uuid);

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
    pub premise_text: Option<String>,
    /// The claim text given to the model.
    pub hypothesis_text: Option<String>,
}

impl NewNliResult {
    /// Checks scores and the model name; `index` (for batches) is named in errors.
    pub fn validate(&self, index: Option<usize>) -> Result<()> {
        let name = |f: &str| match index {
            Some(i) => format!("results[{i}].{f}"),
            None => f.to_string(),
        };
        for (f, v) in [
            ("confidence", self.confidence),
            ("entailment_score", self.entailment_score),
            ("contradiction_score", self.contradiction_score),
            ("neutral_score", self.neutral_score),
        ] {
            validate_score(&name(f), v)?;
        }
        validate_text(&name("model_name"), &self.model_name)
    }
}

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
    /// Checks scores and counts.
    pub fn validate(&self) -> Result<()> {
        for (f, v) in [
            ("confidence", self.confidence),
            ("support_score", self.support_score),
            ("refute_score", self.refute_score),
            ("neutral_score", self.neutral_score),
        ] {
            validate_score(f, v)?;
        }
        for (f, v) in [
            ("evidence_count", self.evidence_count),
            ("supporting_evidence_count", self.supporting_evidence_count),
            ("refuting_evidence_count", self.refuting_evidence_count),
            ("neutral_evidence_count", self.neutral_evidence_count),
        ] {
            validate_count(f, v)?;
        }
        Ok(())
    }
}

fn not_found(what: impl Into<String>) -> Error {
    Error::NotFound { what: what.into() }
}

impl Database {
    /// Stores a claim.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty tenant or text.
    pub async fn insert_claim(
        &self,
        tenant: &str,
        text: &str,
        source_url: Option<&str>,
    ) -> Result<Claim> {
        validate_tenant(tenant)?;
        validate_text("text", text)?;
        let client = self.client().await?;
        Ok(claims::insert_claim()
            .bind(&client, &tenant, &text, &source_url)
            .one()
            .await?)
    }

    /// One claim of the tenant, if it exists.
    pub async fn get_claim(&self, tenant: &str, id: Uuid) -> Result<Option<Claim>> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(claims::get_claim()
            .bind(&client, &tenant, &id)
            .opt()
            .await?)
    }

    /// The tenant's claims among `ids`, in the order of `ids` (missing ones left out).
    pub async fn get_claims(&self, tenant: &str, ids: &[Uuid]) -> Result<Vec<Claim>> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(claims::get_claims()
            .bind(&client, &tenant, &ids)
            .all()
            .await?)
    }

    /// The tenant's claims, newest first, `limit` at a time. Pass the
    /// `(created_at, id)` of the last row of a page as `after` for the next one.
    pub async fn recent_claims(
        &self,
        tenant: &str,
        limit: i64,
        after: Option<Cursor>,
    ) -> Result<Vec<Claim>> {
        validate_tenant(tenant)?;
        validate_limit(limit)?;
        let client = self.client().await?;
        Ok(match after {
            None => {
                claims::recent_claims()
                    .bind(&client, &tenant, &limit)
                    .all()
                    .await?
            }
            Some((at, id)) => {
                claims::recent_claims_before()
                    .bind(&client, &tenant, &at, &id, &limit)
                    .all()
                    .await?
            }
        })
    }

    /// Deletes a claim and, by cascade, its verdicts, NLI and verification
    /// results. Returns whether it existed.
    pub async fn delete_claim(&self, tenant: &str, id: Uuid) -> Result<bool> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(claims::delete_claim().bind(&client, &tenant, &id).await? == 1)
    }

    /// Stores a piece of evidence.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty tenant or content.
    pub async fn insert_evidence(
        &self,
        tenant: &str,
        content: &str,
        source_url: Option<&str>,
        source_type: Option<&str>,
    ) -> Result<Evidence> {
        validate_tenant(tenant)?;
        validate_text("content", content)?;
        let client = self.client().await?;
        Ok(evidence::insert_evidence()
            .bind(&client, &tenant, &content, &source_url, &source_type)
            .one()
            .await?)
    }

    /// One piece of evidence of the tenant, if it exists.
    pub async fn get_evidence(&self, tenant: &str, id: Uuid) -> Result<Option<Evidence>> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(evidence::get_evidence()
            .bind(&client, &tenant, &id)
            .opt()
            .await?)
    }

    /// The tenant's evidence among `ids`, in the order of `ids`.
    pub async fn get_evidence_many(&self, tenant: &str, ids: &[Uuid]) -> Result<Vec<Evidence>> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(evidence::get_evidence_many()
            .bind(&client, &tenant, &ids)
            .all()
            .await?)
    }

    /// The tenant's evidence, newest first, with keyset paging as in
    /// [`Database::recent_claims`].
    pub async fn recent_evidence(
        &self,
        tenant: &str,
        limit: i64,
        after: Option<Cursor>,
    ) -> Result<Vec<Evidence>> {
        validate_tenant(tenant)?;
        validate_limit(limit)?;
        let client = self.client().await?;
        Ok(match after {
            None => {
                evidence::recent_evidence()
                    .bind(&client, &tenant, &limit)
                    .all()
                    .await?
            }
            Some((at, id)) => {
                evidence::recent_evidence_before()
                    .bind(&client, &tenant, &at, &id, &limit)
                    .all()
                    .await?
            }
        })
    }

    /// Deletes a piece of evidence (its NLI rows and verdict links cascade).
    pub async fn delete_evidence(&self, tenant: &str, id: Uuid) -> Result<bool> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(evidence::delete_evidence()
            .bind(&client, &tenant, &id)
            .await?
            == 1)
    }

    /// Inserts or replaces the embedding of an entity (one per entity).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a vector of the wrong dimension (read from
    /// the catalog), with NaN/infinite components or all zeros;
    /// [`Error::Conflict`] when the entity's embedding belongs to another tenant.
    pub async fn upsert_embedding(
        &self,
        tenant: &str,
        entity_type: EntityType,
        entity_id: Uuid,
        embedding: &Vector,
        model_name: &str,
        model_version: Option<&str>,
    ) -> Result<Embedding> {
        validate_tenant(tenant)?;
        validate_text("model_name", model_name)?;
        validate_vector("embedding", embedding, self.embedding_dimension().await?)?;
        let client = self.client().await?;
        embeddings::upsert_embedding()
            .params(
                &client,
                &embeddings::UpsertEmbeddingParams {
                    tenant_id: tenant,
                    entity_type: entity_type.as_str(),
                    entity_id,
                    embedding: VectorRef::from(embedding),
                    model_name,
                    model_version,
                },
            )
            .opt()
            .await?
            .ok_or_else(|| Error::Conflict {
                constraint: "idx_embeddings_entity_unique".into(),
                message: format!(
                    "the {entity_type} {entity_id} already has an embedding of another tenant"
                ),
            })
    }

    /// The embedding of one entity of the tenant.
    pub async fn get_embedding(
        &self,
        tenant: &str,
        entity_type: EntityType,
        entity_id: Uuid,
    ) -> Result<Option<Embedding>> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(embeddings::get_embedding()
            .bind(&client, &tenant, &entity_type.as_str(), &entity_id)
            .opt()
            .await?)
    }

    /// Deletes the embedding of one entity; returns whether it existed.
    pub async fn delete_embedding(
        &self,
        tenant: &str,
        entity_type: EntityType,
        entity_id: Uuid,
    ) -> Result<bool> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(embeddings::delete_embedding()
            .bind(&client, &tenant, &entity_type.as_str(), &entity_id)
            .await?
            == 1)
    }

    /// Embedding counts of the tenant per entity type, model and version.
    pub async fn embedding_stats(&self, tenant: &str) -> Result<Vec<EmbeddingStats>> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(embeddings::embedding_stats()
            .bind(&client, &tenant)
            .all()
            .await?)
    }

    /// Stores one NLI prediction.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for scores outside [0, 1] or an empty model
    /// name; [`Error::MissingReference`] when the claim or the evidence is not
    /// the tenant's.
    pub async fn insert_nli_result(&self, tenant: &str, r: &NewNliResult) -> Result<NliResult> {
        validate_tenant(tenant)?;
        r.validate(None)?;
        let client = self.client().await?;
        nli::insert_nli_result()
            .params(
                &client,
                &nli::InsertNliResultParams {
                    label: r.label.as_str(),
                    confidence: r.confidence,
                    entailment_score: r.entailment_score,
                    contradiction_score: r.contradiction_score,
                    neutral_score: r.neutral_score,
                    model_name: r.model_name.as_str(),
                    model_version: r.model_version.as_deref(),
                    premise_text: r.premise_text.as_deref(),
                    hypothesis_text: r.hypothesis_text.as_deref(),
                    evidence_id: r.evidence_id,
                    tenant_id: tenant,
                    claim_id: r.claim_id,
                },
            )
            .opt()
            .await?
            .ok_or_else(|| missing_pair(tenant, r.claim_id, r.evidence_id))
    }

    /// Stores many NLI predictions in one statement, all or nothing. Returns
    /// the stored rows in input order.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `results[i].field` for the first bad
    /// value (nothing is sent); [`Error::MissingReference`] when any claim or
    /// evidence is not the tenant's (nothing is written).
    pub async fn insert_nli_results(
        &self,
        tenant: &str,
        results: &[NewNliResult],
    ) -> Result<Vec<NliResult>> {
        validate_tenant(tenant)?;
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
        let premises: Vec<Option<&str>> =
            results.iter().map(|r| r.premise_text.as_deref()).collect();
        let hypotheses: Vec<Option<&str>> = results
            .iter()
            .map(|r| r.hypothesis_text.as_deref())
            .collect();
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
        let mut client = self.client().await?;
        // One statement, so atomic by itself; the transaction lets us undo it
        // when some rows were skipped for naming another tenant's claim/evidence.
        let tx = client.transaction().await?;
        let rows = nli::insert_nli_results().params(&tx, &params).all().await?;
        if rows.len() != expected {
            tx.rollback().await?;
            return Err(Error::MissingReference {
                constraint: "nli_results_claim_id_fkey/nli_results_evidence_id_fkey".into(),
                message: format!(
                    "{} of {expected} results name a claim or evidence that is not \
                     tenant {tenant:?}'s; nothing was written",
                    expected - rows.len()
                ),
            });
        }
        tx.commit().await?;
        Ok(rows)
    }

    /// A claim's NLI results, newest first.
    pub async fn nli_results_for_claim(
        &self,
        tenant: &str,
        claim_id: Uuid,
    ) -> Result<Vec<NliResult>> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(nli::nli_results_for_claim()
            .bind(&client, &tenant, &claim_id)
            .all()
            .await?)
    }

    /// The NLI results of one claim/evidence pair, newest first.
    pub async fn nli_results_for_pair(
        &self,
        tenant: &str,
        claim_id: Uuid,
        evidence_id: Uuid,
    ) -> Result<Vec<NliResult>> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(nli::nli_results_for_pair()
            .bind(&client, &tenant, &claim_id, &evidence_id)
            .all()
            .await?)
    }

    /// The tenant's newest NLI results with `label`.
    pub async fn nli_results_by_label(
        &self,
        tenant: &str,
        label: NliLabel,
        limit: i64,
    ) -> Result<Vec<NliResult>> {
        validate_tenant(tenant)?;
        validate_limit(limit)?;
        let client = self.client().await?;
        Ok(nli::nli_results_by_label()
            .bind(&client, &tenant, &label.as_str(), &limit)
            .all()
            .await?)
    }

    /// Stores the verdict of a verification run.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for scores outside [0, 1] or negative counts;
    /// [`Error::MissingReference`] when the claim is not the tenant's.
    pub async fn insert_verification_result(
        &self,
        tenant: &str,
        r: &NewVerificationResult,
    ) -> Result<VerificationResult> {
        validate_tenant(tenant)?;
        r.validate()?;
        let client = self.client().await?;
        verification::insert_verification_result()
            .params(
                &client,
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
                    retrieval_method: r.retrieval_method.map(RetrievalMethod::as_str),
                    claim_id: r.claim_id,
                    tenant_id: tenant,
                },
            )
            .opt()
            .await?
            .ok_or_else(|| Error::MissingReference {
                constraint: "verification_results_claim_id_fkey".into(),
                message: format!("claim {} is not tenant {tenant:?}'s", r.claim_id),
            })
    }

    /// The newest verification result of a claim.
    pub async fn latest_verification_result(
        &self,
        tenant: &str,
        claim_id: Uuid,
    ) -> Result<Option<VerificationResult>> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(verification::latest_verification_result()
            .bind(&client, &tenant, &claim_id)
            .opt()
            .await?)
    }

    /// Every verification result of a claim, newest first.
    pub async fn verification_history(
        &self,
        tenant: &str,
        claim_id: Uuid,
    ) -> Result<Vec<VerificationResult>> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        Ok(verification::verification_history()
            .bind(&client, &tenant, &claim_id)
            .all()
            .await?)
    }

    /// The tenant's results with `verdict`, most confident first.
    pub async fn verification_results_by_verdict(
        &self,
        tenant: &str,
        verdict: VerdictLabel,
        limit: i64,
    ) -> Result<Vec<VerificationResult>> {
        validate_tenant(tenant)?;
        validate_limit(limit)?;
        let client = self.client().await?;
        Ok(verification::verification_results_by_verdict()
            .bind(&client, &tenant, &verdict.as_str(), &limit)
            .all()
            .await?)
    }

    /// Stores a Phase 1 verdict (`None`: pending) for a claim of the tenant.
    pub async fn insert_verdict(
        &self,
        tenant: &str,
        claim_id: Uuid,
        verdict: Option<VerdictLabel>,
        confidence: Option<f64>,
        reasoning: Option<&str>,
    ) -> Result<Verdict> {
        validate_tenant(tenant)?;
        if let Some(c) = confidence {
            validate_score("confidence", c)?;
        }
        let client = self.client().await?;
        verdicts::insert_verdict()
            .bind(
                &client,
                &verdict.map(VerdictLabel::as_str),
                &confidence,
                &reasoning,
                &claim_id,
                &tenant,
            )
            .opt()
            .await?
            .ok_or_else(|| not_found(format!("claim {claim_id} of tenant {tenant:?}")))
    }

    /// Links a piece of evidence to a Phase 1 verdict.
    ///
    /// # Errors
    /// [`Error::Conflict`] when the pair is already linked; [`Error::NotFound`]
    /// when the verdict or the evidence is not the tenant's.
    pub async fn link_verdict_evidence(
        &self,
        tenant: &str,
        verdict_id: Uuid,
        evidence_id: Uuid,
        relationship: Option<Relationship>,
        confidence: Option<f64>,
    ) -> Result<()> {
        validate_tenant(tenant)?;
        if let Some(c) = confidence {
            validate_score("confidence", c)?;
        }
        let client = self.client().await?;
        let n = verdicts::link_verdict_evidence()
            .params(
                &client,
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

    /// The newest Phase 1 verdict of a claim with its evidence and relationships.
    pub async fn latest_verdict(
        &self,
        tenant: &str,
        claim_id: Uuid,
    ) -> Result<Option<(Verdict, Vec<VerdictEvidence>)>> {
        validate_tenant(tenant)?;
        let client = self.client().await?;
        let Some(v) = verdicts::latest_verdict()
            .bind(&client, &tenant, &claim_id)
            .opt()
            .await?
        else {
            return Ok(None);
        };
        let links = verdicts::verdict_evidence()
            .bind(&client, &tenant, &v.id)
            .all()
            .await?;
        Ok(Some((v, links)))
    }
}

fn missing_pair(tenant: &str, claim_id: Uuid, evidence_id: Uuid) -> Error {
    Error::MissingReference {
        constraint: "nli_results_claim_id_fkey/nli_results_evidence_id_fkey".into(),
        message: format!("claim {claim_id} or evidence {evidence_id} is not tenant {tenant:?}'s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_exactly_and_name_the_field() {
        assert_eq!(
            "ENTAILMENT".parse::<NliLabel>().unwrap(),
            NliLabel::Entailment
        );
        let e = "entailment".parse::<NliLabel>().unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput { field, .. } if field == "label"),
            "{e}"
        );
        assert!("MAYBE".parse::<VerdictLabel>().is_err());
        assert_eq!(Relationship::ALL.len(), 3);
    }

    #[test]
    fn scores_and_tenants_are_checked() {
        assert!(validate_score("confidence", 1.0).is_ok());
        assert!(validate_score("confidence", 1.01).is_err());
        assert!(validate_score("confidence", f64::NAN).is_err());
        assert!(validate_tenant("").is_err());
        assert!(validate_tenant(" ").is_err());
        assert!(validate_tenant(&"x".repeat(256)).is_err());
    }
}
