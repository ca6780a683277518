//! Bulk loading of embeddings with `COPY … FROM STDIN (FORMAT binary)`.

use futures_util::pin_mut;
use pgvector::Vector;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use uuid::Uuid;

use crate::db::Database;
use crate::error::{Error, Result};
use crate::records::{EntityType, validate_tenant};
use crate::vector::validate;

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

const COPY_SQL: &str = "COPY embeddings (tenant_id, entity_type, entity_id, embedding, model_name, model_version) \
     FROM STDIN (FORMAT binary)";

impl Database {
    /// Loads `rows` into `embeddings` for `tenant` with one binary `COPY`, in
    /// one transaction: either every row is stored or none is. Returns the
    /// number of rows stored.
    ///
    /// Every row is validated before anything is sent. `COPY` inserts; it does
    /// not replace: an entity that already has an embedding fails the batch
    /// with [`Error::Conflict`] (use [`Database::upsert_embedding`] to replace).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `rows[i].embedding` (dimension, NaN,
    /// infinity, zero vector) or `rows[i].model_name`; [`Error::Conflict`] for a
    /// duplicate entity, in the batch or in the table.
    pub async fn bulk_load_embeddings(&self, tenant: &str, rows: &[NewEmbedding]) -> Result<u64> {
        validate_tenant(tenant)?;
        let dimension = self.embedding_dimension().await?;
        for (i, r) in rows.iter().enumerate() {
            validate(
                &format!("rows[{i}].embedding"),
                r.embedding.as_slice(),
                dimension,
            )?;
            if r.model_name.trim().is_empty() {
                return Err(Error::invalid(format!("rows[{i}].model_name"), "is empty"));
            }
        }
        if rows.is_empty() {
            return Ok(0);
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The vector type's OID differs per database: ask the server.
        let vector_type = tx.prepare_cached("SELECT $1::vector").await?.params()[0].clone();
        let sink = tx.copy_in(COPY_SQL).await?;
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
