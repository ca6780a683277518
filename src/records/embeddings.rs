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
    /// The entity must be a claim or evidence of this tenant: the statement
    /// checks it as it writes (trigger `check_embeddings_entity`, V7), and
    /// locks the entity until the commit, as a foreign key does. An embedding
    /// of another tenant left on this tenant's entity (possible only in a
    /// database adopted from the Python services) is replaced.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a vector of the wrong dimension (read from
    /// the catalog), with NaN/infinite components or all zeros, or a blank
    /// model name; [`Error::InvalidInput`] naming `entity_id` (constraint
    /// `check_embeddings_entity`) when the entity is not one of the tenant's,
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
                            .map_err(|e| entity_error(e, |_| "entity_id".into()))
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

/// Maps the refusal of trigger `check_embeddings_entity` (V7; its DETAIL is
/// the entity id) to [`Error::InvalidInput`] naming the field `field(id)`;
/// any other error converts as usual.
pub(crate) fn entity_error(e: tokio_postgres::Error, field: impl Fn(Uuid) -> String) -> Error {
    let Some(db) = e.as_db_error() else {
        return e.into();
    };
    if db.constraint() != Some(ENTITY_CHECK) {
        return e.into();
    }
    let Some(id) = db.detail().and_then(|d| Uuid::parse_str(d).ok()) else {
        return e.into();
    };
    Error::InvalidInput {
        field: field(id),
        reason: format!("{}; nothing was written", db.message()),
        constraint: Some(ENTITY_CHECK.into()),
    }
}

/// The trigger that refuses an embedding of an entity not of its tenant.
const ENTITY_CHECK: &str = "check_embeddings_entity";
