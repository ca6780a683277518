//! Embeddings (`queries/embeddings.sql`): upsert, get, delete, stats per
//! tenant, and bulk load by binary `COPY`.

use futures_util::pin_mut;
use pgvector::Vector;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use truthgraph_queries::client::Params;
use truthgraph_queries::queries::embeddings;
use truthgraph_vector_ref::VectorRef;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::labels::EntityType;
use crate::raw_sql;
use crate::tenant::Tenant;
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
    /// Checks the vector against `dimension` and the model name; errors name
    /// `rows[index].field`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for the first bad field.
    pub fn validate(&self, index: usize, dimension: usize) -> Result<()> {
        validate::vector(
            &validate::name(Some(index), "rows", "embedding"),
            self.embedding.as_slice(),
            dimension,
        )?;
        validate::text(
            &validate::name(Some(index), "rows", "model_name"),
            &self.model_name,
        )
    }
}

impl Tenant<'_> {
    /// Inserts or replaces the embedding of an entity (one per entity).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a vector of the wrong dimension (read from
    /// the catalog), with NaN/infinite components or all zeros, or a blank
    /// model name; [`Error::Conflict`] when the entity's embedding belongs to
    /// another tenant.
    pub async fn upsert_embedding(
        &self,
        entity_type: EntityType,
        entity_id: Uuid,
        embedding: &Vector,
        model_name: &str,
        model_version: Option<&str>,
    ) -> Result<Embedding> {
        validate::text("model_name", model_name)?;
        let dimension = self.database().embedding_dimension().await?;
        validate::vector("embedding", embedding.as_slice(), dimension)?;
        let client = self.client().await?;
        embeddings::upsert_embedding()
            .params(
                &client,
                &embeddings::UpsertEmbeddingParams {
                    tenant_id: self.id(),
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
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn get_embedding(
        &self,
        entity_type: EntityType,
        entity_id: Uuid,
    ) -> Result<Option<Embedding>> {
        let client = self.client().await?;
        Ok(embeddings::get_embedding()
            .bind(&client, &self.id(), &entity_type.as_str(), &entity_id)
            .opt()
            .await?)
    }

    /// Deletes the embedding of one entity; returns whether it existed.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn delete_embedding(&self, entity_type: EntityType, entity_id: Uuid) -> Result<bool> {
        let client = self.client().await?;
        Ok(embeddings::delete_embedding()
            .bind(&client, &self.id(), &entity_type.as_str(), &entity_id)
            .await?
            == 1)
    }

    /// Embedding counts of the tenant per entity type, model and version.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn embedding_stats(&self) -> Result<Vec<EmbeddingStats>> {
        let client = self.client().await?;
        Ok(embeddings::embedding_stats()
            .bind(&client, &self.id())
            .all()
            .await?)
    }

    /// Loads `rows` into `embeddings` with one binary `COPY`, in one
    /// transaction: either every row is stored or none is. Returns the number
    /// of rows stored.
    ///
    /// Every row is validated before anything is sent. `COPY` inserts; it does
    /// not replace: an entity that already has an embedding fails the batch
    /// with [`Error::Conflict`] (use [`Tenant::upsert_embedding`] to replace).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `rows[i].embedding` (dimension, NaN,
    /// infinity, zero vector) or `rows[i].model_name`; [`Error::Conflict`] for a
    /// duplicate entity, in the batch or in the table.
    pub async fn bulk_load_embeddings(&self, rows: &[NewEmbedding]) -> Result<u64> {
        let dimension = self.database().embedding_dimension().await?;
        for (i, r) in rows.iter().enumerate() {
            r.validate(i, dimension)?;
        }
        if rows.is_empty() {
            return Ok(0);
        }
        let tenant = self.id();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The vector type's OID differs per database: ask the server.
        let vector_type = tx
            .prepare_cached(raw_sql::VECTOR_TYPE_PROBE)
            .await?
            .params()[0]
            .clone();
        let sink = tx.copy_in(raw_sql::COPY_EMBEDDINGS).await?;
        let types = [
            Type::VARCHAR,
            Type::VARCHAR,
            Type::UUID,
            vector_type,
            Type::VARCHAR,
            Type::VARCHAR,
        ];
        let writer = BinaryCopyInWriter::new(sink, &types);
        pin_mut!(writer);
        for r in rows {
            writer
                .as_mut()
                .write(&[
                    &tenant,
                    &r.entity_type.as_str(),
                    &r.entity_id,
                    &r.embedding,
                    &r.model_name,
                    &r.model_version,
                ])
                .await?;
        }
        let n = writer.finish().await?;
        tx.commit().await?;
        Ok(n)
    }
}
