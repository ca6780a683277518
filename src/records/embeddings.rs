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

use crate::catalog;
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

/// What a bulk load does with an entity that already has an embedding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnConflict {
    /// Fail the whole batch with [`Error::Conflict`] (plain binary `COPY`).
    #[default]
    Fail,
    /// Replace the tenant's existing embedding (binary `COPY` into a staging
    /// table, then one upsert). An entity whose embedding is another tenant's
    /// fails the whole batch with [`Error::Conflict`].
    Replace,
}

/// How [`Tenant::bulk_load_embeddings_with`] loads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkLoadOptions {
    /// Existing embeddings: fail (default) or replace.
    pub on_conflict: OnConflict,
    /// Drop every vector index of `embeddings`, load, then recreate each from
    /// its catalog definition under its name, all in one transaction holding
    /// an `ACCESS EXCLUSIVE` lock on `embeddings`: concurrent searches and
    /// writes of every tenant wait for the load instead of seeing a table
    /// without its index. Runs without `statement_timeout`.
    ///
    /// Measured (`benches/ingest.rs`, 20K × 384 real MiniLM vectors into an
    /// empty table, durable PostgreSQL 15, 2 busy cores): with an HNSW index
    /// (m = 16) `COPY` took 66.8 s (and hits the default 60-s timeout) against
    /// 7.6 s rebuilding (`COPY` 0.7 s + build 7.1 s). With the seed's IVFFlat
    /// (lists = 100) rebuilding is no faster (2.0 s both on that server; 4.2 s
    /// against 2.2 s in a run on the `fsync=off` test server), but only the
    /// rebuilt index has list centres computed from the rows: the other needs
    /// `reindex` afterwards (another full build). It blocks every tenant's
    /// reads for the whole load, so small loads into a large table should
    /// keep the indexes.
    pub rebuild_indexes: bool,
}

impl BulkLoadOptions {
    /// Replace existing embeddings of the tenant's entities.
    pub fn replace() -> Self {
        BulkLoadOptions {
            on_conflict: OnConflict::Replace,
            ..Self::default()
        }
    }

    /// The same options with the vector indexes rebuilt after the load.
    pub fn rebuilding_indexes(self) -> Self {
        BulkLoadOptions {
            rebuild_indexes: true,
            ..self
        }
    }
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
        validate::model_name("model_name", model_name)?;
        validate::version("model_version", model_version)?;
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
    /// of rows stored. The same as [`Tenant::bulk_load_embeddings_with`] with
    /// the default options ([`OnConflict::Fail`], indexes kept).
    ///
    /// Every row is validated before anything is sent. `COPY` inserts; it does
    /// not replace: an entity that already has an embedding fails the batch
    /// with [`Error::Conflict`] (use [`OnConflict::Replace`] to replace).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `rows[i].embedding` (dimension, NaN,
    /// infinity, zero vector) or `rows[i].model_name`; [`Error::Conflict`] for a
    /// duplicate entity, in the batch or in the table.
    pub async fn bulk_load_embeddings(&self, rows: &[NewEmbedding]) -> Result<u64> {
        self.bulk_load_embeddings_with(rows, BulkLoadOptions::default())
            .await
    }

    /// Loads `rows` into `embeddings` by binary `COPY` in one transaction, all
    /// or nothing, inserting only or replacing ([`OnConflict`]), optionally
    /// rebuilding the vector indexes after the rows
    /// ([`BulkLoadOptions::rebuild_indexes`]). Returns the rows stored.
    ///
    /// Every row is validated before anything is sent.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `rows[i].embedding` (dimension, NaN,
    /// infinity, zero vector), `rows[i].model_name`, or, when replacing,
    /// `rows[j].entity_id` for an entity named twice; [`Error::Conflict`]
    /// (`idx_embeddings_entity_unique`) for an entity that already has an
    /// embedding (when failing on conflict) or whose embedding is another
    /// tenant's (always); nothing is written then.
    pub async fn bulk_load_embeddings_with(
        &self,
        rows: &[NewEmbedding],
        options: BulkLoadOptions,
    ) -> Result<u64> {
        let dimension = self.database().embedding_dimension().await?;
        for (i, r) in rows.iter().enumerate() {
            r.validate(i, dimension)?;
        }
        if options.on_conflict == OnConflict::Replace {
            // Which of two rows for one entity would win is undefined (and
            // PostgreSQL refuses to update a row twice in one statement).
            validate::distinct(
                "rows",
                "entity_id",
                rows.iter().map(|r| (r.entity_type, r.entity_id)),
            )?;
        }
        if rows.is_empty() {
            return Ok(0);
        }
        let tenant = self.id();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut indexes = Vec::new();
        if options.rebuild_indexes {
            // Index builds take as long as they take; LOCAL ends with the
            // transaction, so the pooled connection keeps its timeout.
            tx.batch_execute(raw_sql::NO_STATEMENT_TIMEOUT_LOCAL)
                .await?;
            // Readers and writers wait for the commit rather than see the
            // table without its vector index.
            tx.batch_execute(raw_sql::LOCK_EMBEDDINGS).await?;
            indexes = catalog::embedding_indexes(&tx).await?;
            for ix in &indexes {
                tx.batch_execute(&raw_sql::drop_index(&ix.index_name))
                    .await?;
            }
        }
        // The vector type's OID differs per database: ask the server.
        let vector_type = tx
            .prepare_cached(raw_sql::VECTOR_TYPE_PROBE)
            .await?
            .params()[0]
            .clone();
        let n = match options.on_conflict {
            OnConflict::Fail => copy_rows(&tx, tenant, rows, vector_type).await?,
            OnConflict::Replace => replace_rows(&tx, tenant, rows, vector_type).await?,
        };
        for ix in &indexes {
            // The definition comes from pg_get_indexdef: same name, method,
            // operator class and parameters as the dropped index.
            tx.batch_execute(&ix.definition).await?;
        }
        if !indexes.is_empty() {
            tx.batch_execute(raw_sql::ANALYZE_EMBEDDINGS).await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}

/// Binary `COPY` of `rows` straight into `embeddings` (insert only).
async fn copy_rows(
    tx: &tokio_postgres::Transaction<'_>,
    tenant: &str,
    rows: &[NewEmbedding],
    vector_type: Type,
) -> Result<u64> {
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
    Ok(writer.finish().await?)
}

/// Binary `COPY` of `rows` into a staging table, then one upsert into
/// `embeddings`; refuses (before writing) when an entity's embedding is
/// another tenant's.
async fn replace_rows(
    tx: &tokio_postgres::Transaction<'_>,
    tenant: &str,
    rows: &[NewEmbedding],
    vector_type: Type,
) -> Result<u64> {
    tx.batch_execute(raw_sql::CREATE_EMBEDDINGS_LOAD).await?;
    let sink = tx.copy_in(raw_sql::COPY_EMBEDDINGS_LOAD).await?;
    let types = [
        Type::INT8,
        Type::VARCHAR,
        Type::UUID,
        vector_type,
        Type::VARCHAR,
        Type::VARCHAR,
    ];
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    for (i, r) in rows.iter().enumerate() {
        writer
            .as_mut()
            .write(&[
                &(i as i64),
                &r.entity_type.as_str(),
                &r.entity_id,
                &r.embedding,
                &r.model_name,
                &r.model_version,
            ])
            .await?;
    }
    writer.finish().await?;
    if let Some(row) = tx
        .query_opt(raw_sql::FIRST_FOREIGN_STAGED_ENTITY, &[&tenant])
        .await?
    {
        let (i, entity_type, entity_id): (i64, String, Uuid) = (row.get(0), row.get(1), row.get(2));
        return Err(foreign_entity(&format!(
            "rows[{i}]: the {entity_type} {entity_id} already has an embedding of another \
             tenant; nothing was written"
        )));
    }
    let n = tx
        .execute(raw_sql::UPSERT_EMBEDDINGS_FROM_LOAD, &[&tenant])
        .await?;
    // A concurrent writer of another tenant may have claimed an entity since
    // the check: the upsert skips such rows, so the count tells.
    if n != rows.len() as u64 {
        return Err(foreign_entity(&format!(
            "{} of {} entities already have an embedding of another tenant; nothing was written",
            rows.len() as u64 - n,
            rows.len()
        )));
    }
    Ok(n)
}

/// The error of an entity whose embedding belongs to another tenant.
fn foreign_entity(message: &str) -> Error {
    Error::Conflict {
        constraint: "idx_embeddings_entity_unique".into(),
        message: message.into(),
    }
}
