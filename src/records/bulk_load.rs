//! Bulk loads of embeddings by binary `COPY`: through a staging table, then
//! one `INSERT … SELECT` into `embeddings`, in one transaction (the call's
//! own, or the caller's), inserting only or replacing, optionally
//! rebuilding the vector indexes after the rows.

use futures_util::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use super::embeddings::{NewEmbedding, entity_error};
use crate::call::Access;
use crate::catalog;
use crate::db::Transaction;
use crate::error::{Error, Result};
use crate::raw_sql;
use crate::tenant::{Tenant, tenant_span};
use crate::validate;

/// What a bulk load does with an entity that already has an embedding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnConflict {
    /// Fail the whole batch with [`Error::Conflict`].
    #[default]
    Fail,
    /// Replace the tenant's existing embedding.
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
    /// Inserting rows one by one into an HNSW graph is far slower than
    /// building the graph afresh, so a large load into a small or empty table
    /// should rebuild; an IVFFlat index gets list centres computed from the
    /// rows only when rebuilt. It blocks every tenant's reads for the whole
    /// load, so small loads into a large table should keep the indexes.
    /// Figures: BENCHMARKS.md, "Figures behind the library's limits".
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

impl Tenant<'_> {
    /// Loads `rows` into `embeddings` (binary `COPY` into a staging table,
    /// then one `INSERT … SELECT`), in one transaction: either every row is
    /// stored or none is. Returns the number of rows stored. The same as
    /// [`Tenant::bulk_load_embeddings_with`] with the default options
    /// ([`OnConflict::Fail`], indexes kept).
    ///
    /// Every row is validated before anything is sent. It inserts; it does
    /// not replace: an entity that already has an embedding fails the batch
    /// with [`Error::Conflict`] (use [`OnConflict::Replace`] to replace).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `rows[i].embedding` (dimension, NaN,
    /// infinity, zero vector), `rows[i].model_name` or `rows[i].entity_id`
    /// (not an entity of the tenant); [`Error::Conflict`] for a duplicate
    /// entity, in the batch or in the table.
    pub async fn bulk_load_embeddings(&self, rows: &[NewEmbedding]) -> Result<u64> {
        self.bulk_load_embeddings_with(rows, BulkLoadOptions::default())
            .await
    }

    /// Loads `rows` into `embeddings` by binary `COPY` (through a staging
    /// table) in one transaction, all
    /// or nothing, inserting only or replacing ([`OnConflict`]), optionally
    /// rebuilding the vector indexes after the rows
    /// ([`BulkLoadOptions::rebuild_indexes`]). Returns the rows stored.
    ///
    /// Every row is validated before anything is sent.
    ///
    /// Every row's entity must be a claim or evidence of this tenant, checked
    /// row by row by the statement that writes it, as for
    /// [`Tenant::upsert_embedding`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `rows[i].embedding` (dimension, NaN,
    /// infinity, zero vector), `rows[i].model_name`, `rows[i].entity_id` for
    /// an entity that is not the tenant's (constraint
    /// `check_embeddings_entity`) or, when replacing, `rows[j].entity_id` for
    /// an entity named twice; [`Error::Conflict`]
    /// (`idx_embeddings_entity_unique`) for an entity that already has an
    /// embedding (when failing on conflict); nothing is written then. With
    /// [`BulkLoadOptions::rebuild_indexes`], a role that does not own
    /// `embeddings` (e.g. a member of `truthgraph_app`) gets a permission
    /// error.
    pub async fn bulk_load_embeddings_with(
        &self,
        rows: &[NewEmbedding],
        options: BulkLoadOptions,
    ) -> Result<u64> {
        if !self.check_rows(rows, options.on_conflict).await? {
            return Ok(0);
        }
        let tenant = self.id();
        self.run_in_transaction(
            Access::Write,
            tenant_span!(self, "bulk_load_embeddings", "embeddings"),
            |t| {
                Box::pin(async move {
                    let tx = t.tx();
                    {
                        // A load takes as long as its rows take, however many
                        // the caller sends (an index build too); LOCAL ends with
                        // the transaction, so the pooled connection keeps its
                        // timeout.
                        tx.batch_execute(raw_sql::NO_STATEMENT_TIMEOUT_LOCAL)
                            .await?;
                        let mut indexes = Vec::new();
                        if options.rebuild_indexes {
                            // Readers and writers wait for the commit rather than see the
                            // table without its vector index.
                            tx.batch_execute(raw_sql::LOCK_EMBEDDINGS).await?;
                            indexes = catalog::embedding_indexes(tx).await?;
                            for ix in &indexes {
                                tx.batch_execute(&raw_sql::drop_index(&ix.index_name))
                                    .await?;
                            }
                        }
                        let n = load_rows(tx, tenant, rows, options.on_conflict).await?;
                        for ix in &indexes {
                            // The definition comes from pg_get_indexdef: same name, method,
                            // operator class and parameters as the dropped index.
                            tx.batch_execute(&ix.definition).await?;
                        }
                        if !indexes.is_empty() {
                            tx.batch_execute(raw_sql::ANALYZE_EMBEDDINGS).await?;
                        }
                        Ok(n)
                    }
                })
            },
        )
        .await
    }

    /// Loads `rows` by binary `COPY` (through a staging table, dropped
    /// afterwards) inside the caller's transaction `tx`, inserting only or
    /// replacing ([`OnConflict`]); returns the rows stored. With
    /// [`Tenant::insert_claims_in`] and [`Tenant::insert_evidence_many_in`]
    /// before it in the same `tx`, entities and their embeddings commit or
    /// roll back together. The tenant is set for the rest of `tx`. Indexes
    /// are kept (no rebuild).
    ///
    /// # Errors
    /// As [`Tenant::bulk_load_embeddings_with`]; after a database error the
    /// transaction is aborted and the caller should roll it back.
    pub async fn bulk_load_embeddings_in(
        &self,
        tx: &Transaction<'_>,
        rows: &[NewEmbedding],
        on_conflict: OnConflict,
    ) -> Result<u64> {
        if !self.check_rows(rows, on_conflict).await? {
            return Ok(0);
        }
        crate::tenant::set_in_transaction(tx, self.id()).await?;
        load_rows(tx, self.id(), rows, on_conflict).await
    }

    /// Checks every row against the column's dimension and, when replacing,
    /// that no entity is named twice (which of two rows would win is
    /// undefined, and PostgreSQL refuses to update a row twice in one
    /// statement). Returns whether there is anything to load.
    async fn check_rows(&self, rows: &[NewEmbedding], on_conflict: OnConflict) -> Result<bool> {
        let dimension = self.database().embedding_dimension().await?;
        for (i, r) in rows.iter().enumerate() {
            r.validate(i, dimension)?;
        }
        if on_conflict == OnConflict::Replace {
            validate::distinct(
                "rows",
                "entity_id",
                rows.iter().map(|r| (r.entity_type, r.entity_id)),
            )?;
        }
        Ok(!rows.is_empty())
    }
}

/// Binary `COPY` of `rows` into a staging table, then one `INSERT … SELECT`
/// into `embeddings` that inserts only or replaces. Not `COPY` straight into
/// `embeddings`: PostgreSQL refuses `COPY FROM` into a table whose
/// row-level security applies to the user (members of `truthgraph_app`,
/// migration V7), and one path for every role is one path to test.
async fn load_rows(
    tx: &Transaction<'_>,
    tenant: &str,
    rows: &[NewEmbedding],
    on_conflict: OnConflict,
) -> Result<u64> {
    // The vector type's OID differs per database: ask the server.
    let vector_type = tx
        .prepare_cached(raw_sql::VECTOR_TYPE_PROBE)
        .await?
        .params()[0]
        .clone();
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
    let insert = match on_conflict {
        OnConflict::Fail => raw_sql::INSERT_EMBEDDINGS_FROM_LOAD,
        OnConflict::Replace => raw_sql::UPSERT_EMBEDDINGS_FROM_LOAD,
    };
    let n = tx
        .execute(insert, &[&tenant])
        .await
        .map_err(|e| row_error(e, rows))?;
    // Dropped now rather than at commit, so one transaction can load again.
    tx.batch_execute(raw_sql::DROP_EMBEDDINGS_LOAD).await?;
    Ok(n)
}

/// The error of a row whose entity is not the tenant's, naming `rows[i]`.
fn row_error(e: tokio_postgres::Error, rows: &[NewEmbedding]) -> Error {
    entity_error(e, |id| {
        let i = rows.iter().position(|r| r.entity_id == id);
        validate::name(i, "rows", "entity_id")
    })
}
