//! Embeddings (`queries/embeddings.sql`): upsert, get, delete, stats per
//! tenant. Bulk loads by binary `COPY` are in [`super::bulk_load`].

use pgvector::Vector;
use truthgraph_queries::client::Params;
use truthgraph_queries::queries::embeddings;
use truthgraph_vector_ref::VectorRef;
use uuid::Uuid;

use crate::call::Access;
use crate::error::{Error, Result};
use crate::labels::EntityType;
use crate::tenant::{Tenant, tenant_span};
use crate::validate;

pub use truthgraph_queries::queries::embeddings::{Embedding, EmbeddingStats};

/// One embedding to bulk-load.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEmbedding {
    /// What the embedding belongs to.
    pub entity_type: EntityType,
    /// The claim or evidence id.
    pub entity_id: Uuid,
    /// The vector; its dimension must match the column's.
    pub embedding: Vector,
    /// The model's name.
    pub model_name: String,
    /// The model's version.
    pub model_version: Option<String>,
}

impl NewEmbedding {
    /// Checks the vector against `dimension` ([`validate::vector`]), the model
    /// name and version; errors name `rows[index].field`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for the first bad field.
    pub fn validate(&self, index: usize, dimension: usize) -> Result<()> {
        validate::vector(
            &validate::name(Some(index), "rows", "embedding"),
            self.embedding.as_slice(),
            dimension,
        )?;
        validate::model_name(
            &validate::name(Some(index), "rows", "model_name"),
            &self.model_name,
        )?;
        validate::version(
            &validate::name(Some(index), "rows", "model_version"),
            self.model_version.as_deref(),
        )
    }
}

impl Tenant<'_> {
    /// Inserts or replaces the embedding of an entity (one per entity).
    ///
    /// The entity must be a claim or evidence of this tenant: V12's foreign
    /// keys check it as the row is written.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a vector of the wrong dimension (read from
    /// the catalog), with NaN/infinite components or all zeros, or a blank
    /// model name; [`Error::InvalidInput`] naming `entity_id` (constraint
    /// `embeddings_claim_fkey` or `embeddings_evidence_fkey`) when the entity
    /// is not one of the tenant's,
    /// with the same message whether it does not exist or is another
    /// tenant's.
    pub async fn upsert_embedding(
        &self,
        entity_type: EntityType,
        entity_id: Uuid,
        embedding: &Vector,
        model_name: &str,
        model_version: Option<&str>,
    ) -> Result<Embedding> {
        validate::model_name("model_name", model_name)?;
        validate::version("model_version", model_version)?;
        let dimension = self.database().embedding_dimension().await?;
        validate::vector("embedding", embedding.as_slice(), dimension)?;
        self.run(
            Access::Write,
            tenant_span!(self, "upsert_embedding", "embeddings"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        embeddings::upsert_embedding()
                            .params(
                                client,
                                &embeddings::UpsertEmbeddingParams {
                                    tenant_id: self.id(),
                                    entity_type: entity_type.as_str(),
                                    entity_id,
                                    embedding: VectorRef::from(embedding),
                                    model_name,
                                    model_version,
                                },
                            )
                            .one()
                            .await
                            .map_err(|e| entity_error(e, true, |_| "entity_id".into()))
                    }
                })
            },
        )
        .await
    }

    /// The embedding of one entity of the tenant.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn get_embedding(
        &self,
        entity_type: EntityType,
        entity_id: Uuid,
    ) -> Result<Option<Embedding>> {
        self.run(
            Access::Read,
            tenant_span!(self, "get_embedding", "embeddings"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(embeddings::get_embedding()
                            .bind(client, &self.id(), &entity_type.as_str(), &entity_id)
                            .opt()
                            .await?)
                    }
                })
            },
        )
        .await
    }

    /// Deletes the embedding of one entity; returns whether it existed.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn delete_embedding(&self, entity_type: EntityType, entity_id: Uuid) -> Result<bool> {
        self.run(
            Access::Write,
            tenant_span!(self, "delete_embedding", "embeddings"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(embeddings::delete_embedding()
                            .bind(client, &self.id(), &entity_type.as_str(), &entity_id)
                            .await?
                            == 1)
                    }
                })
            },
        )
        .await
    }

    /// Embedding counts of the tenant per entity type, model and version.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn embedding_stats(&self) -> Result<Vec<EmbeddingStats>> {
        self.run(
            Access::Read,
            tenant_span!(self, "embedding_stats", "embeddings"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(embeddings::embedding_stats()
                            .bind(client, &self.id())
                            .all()
                            .await?)
                    }
                })
            },
        )
        .await
    }
}

/// Maps the refusal of an embedding's entity to [`Error::InvalidInput`]
/// naming the field `field(id)`; any other error converts as usual:
/// * V12's foreign keys `embeddings_claim_fkey` / `embeddings_evidence_fkey`
///   (their DETAIL is `Key (claim_id, tenant_id)=(<id>, <tenant>) is not
///   present …`): the entity does not exist or is another tenant's. On Citus
///   the worker's names (`…_fkey_<shard>`) are mapped back first.
/// * when `upsert` (an `ON CONFLICT (tenant_id, entity_type, entity_id)`
///   write), the seed's `idx_embeddings_entity_unique (entity_type,
///   entity_id)`, which one server keeps: with the tenant's own key as the
///   arbiter, only another tenant's embedding of the same entity trips it,
///   so the entity is another tenant's (the foreign keys would refuse the
///   row too, but the unique index is checked first).
pub(crate) fn entity_error(
    e: tokio_postgres::Error,
    upsert: bool,
    field: impl Fn(Uuid) -> String,
) -> Error {
    let Some(db) = e.as_db_error() else {
        return e.into();
    };
    let Some(constraint) = crate::error::constraint_name(db)
        .filter(|c| ENTITY_KEYS.contains(&c.as_str()) || (upsert && c == SEED_ENTITY_KEY))
    else {
        return e.into();
    };
    let Some(id) = db.detail().and_then(entity_id_of) else {
        return e.into();
    };
    let what = match constraint.as_str() {
        "embeddings_claim_fkey" => "claim",
        "embeddings_evidence_fkey" => "evidence",
        // The seed's key: `(entity_type, entity_id)=(claim, <id>)`.
        _ if db.detail().is_some_and(|d| d.contains(")=(claim, ")) => "claim",
        _ => "evidence",
    };
    Error::InvalidInput {
        field: field(id),
        reason: format!("no {what} {id} of this tenant to embed; nothing was written"),
        constraint: Some(constraint),
    }
}

/// The id in a key's DETAIL: `Key (claim_id, tenant_id)=(<id>, …) …` or
/// `Key (entity_type, entity_id)=(evidence, <id>) …`.
fn entity_id_of(detail: &str) -> Option<Uuid> {
    let (_, rest) = detail.split_once(")=(")?;
    let values = rest.split_once(')').map_or(rest, |(v, _)| v);
    values
        .split(", ")
        .find_map(|v| Uuid::parse_str(v.trim()).ok())
}

/// The foreign keys (V12) that refuse an embedding of an entity that is not
/// a claim or evidence of its tenant.
const ENTITY_KEYS: [&str; 2] = ["embeddings_claim_fkey", "embeddings_evidence_fkey"];

/// The seed's unique key of one embedding per entity, all tenants (one
/// server only: `distribute` drops it).
const SEED_ENTITY_KEY: &str = "idx_embeddings_entity_unique";

#[cfg(test)]
mod tests {
    #[test]
    fn the_entity_id_is_read_from_the_detail() {
        let d = "Key (claim_id, tenant_id)=(7f0c4b4e-2f7e-4e0b-9a47-1f2a3b4c5d6e, acme) \
                 is not present in table \"claims\".";
        assert_eq!(
            super::entity_id_of(d).unwrap().to_string(),
            "7f0c4b4e-2f7e-4e0b-9a47-1f2a3b4c5d6e"
        );
        assert_eq!(super::entity_id_of("Key (x)=(nope)"), None);
        let d = "Key (entity_type, entity_id)=(evidence, 7f0c4b4e-2f7e-4e0b-9a47-1f2a3b4c5d6e) \
                 already exists.";
        assert!(super::entity_id_of(d).is_some());
    }
}
