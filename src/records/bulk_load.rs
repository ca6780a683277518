//! Bulk loads of embeddings by binary `COPY`: through a staging table, then
//! one `INSERT … SELECT` into `embeddings`, in one transaction (the call's
//! own, or the caller's), inserting only or replacing; then the tenant's
//! tiers ([`crate::tiers`]): its own index built once it reaches the
//! threshold, and dropped before and built again after a large load.

use futures_util::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use super::embeddings::{NewEmbedding, entity_error};
use crate::call::Access;
use crate::catalog;
use crate::db::Transaction;
use crate::error::{Error, Result};
use crate::index_build::TierPlan;
use crate::labels::EntityType;
use crate::raw_sql;
use crate::telemetry::tenant_span;
use crate::tenant::Tenant;
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
    /// Rebuild the indexes the load writes into, whatever its size:
    /// - the tenant's own indexes ([`crate::tiers`]) are dropped before the
    ///   load (`DROP INDEX CONCURRENTLY`) and built again after it (`CREATE
    ///   INDEX CONCURRENTLY`): other tenants are untouched, and the tenant's
    ///   searches read its rows meanwhile. A load does this by itself when
    ///   it is large for the tenant ([`crate::tiers::load_rebuilds`]);
    /// - a vector index over every tenant (before the tiers are built, or
    ///   one of the user's) is dropped, and recreated from its catalog
    ///   definition under its name after the rows, in the load's
    ///   transaction, holding an `ACCESS EXCLUSIVE` lock on `embeddings`:
    ///   every tenant's searches and writes wait for the load instead of
    ///   seeing the table without it.
    ///
    /// Inserting rows one by one into an HNSW graph is far slower than
    /// building the graph afresh; an IVFFlat index gets list centres
    /// computed from the rows only when rebuilt. Runs without
    /// `statement_timeout`. Figures: BENCHMARKS.md, "Figures behind the
    /// library's limits".
    pub rebuild_indexes: bool,
    /// Leave the tenant's tiers to the next maintenance
    /// ([`crate::Database::maintain_tiers`]): no count, no index built or
    /// dropped (e.g. many loads in a row, then one `tiers --apply`).
    pub defer_tiers: bool,
}

/// What [`Tenant::bulk_load_embeddings_report`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BulkLoadReport {
    /// Rows stored.
    pub rows: u64,
    /// The tenant's tiers the load wrote into, after it: counted, and what
    /// happened to their index ([`crate::index_build::TierAction`]: `Build`
    /// when the tenant reached the threshold, `Rebuild` when the load
    /// dropped it first). Empty when deferred, or for a login that may not
    /// change the schema (see `tier_error`).
    pub tiers: Vec<TierPlan>,
    /// Why the tiers were not kept, when they were not although asked (the
    /// rows are stored): e.g. a login that does not own `embeddings` (run
    /// `truthgraph-db tiers --apply` as the owner), or a failed build.
    pub tier_error: Option<String>,
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

    /// The same options with the tenant's tiers left to the next maintenance.
    pub fn deferring_tiers(self) -> Self {
        BulkLoadOptions {
            defer_tiers: true,
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
        Ok(self.bulk_load_embeddings_report(rows, options).await?.rows)
    }

    /// [`Tenant::bulk_load_embeddings_with`], saying what it did to the
    /// tenant's tiers ([`crate::tiers`]). Unless
    /// [`BulkLoadOptions::defer_tiers`], and when this login owns
    /// `embeddings`:
    /// - before the load, each of the tenant's own indexes that the load
    ///   writes into is dropped (`DROP INDEX CONCURRENTLY`) when the load is
    ///   large for it ([`crate::tiers::load_rebuilds`]: more than 10,000
    ///   rows, or more than a fifth of the tenant's) or
    ///   [`BulkLoadOptions::rebuild_indexes`];
    /// - after it (committed, or failed after such a drop), the tenant's
    ///   rows are counted, its index built (`CREATE INDEX CONCURRENTLY`,
    ///   `maintenance_work_mem` sized for it) when it reached the threshold
    ///   or lost it to the drop, and the registry updated.
    ///
    /// Other tenants' indexes are never touched; reads and writes go on.
    /// A failure of the tier upkeep after a committed load is reported in
    /// [`BulkLoadReport::tier_error`], not as an error: the rows are stored.
    ///
    /// # Errors
    /// As [`Tenant::bulk_load_embeddings_with`].
    pub async fn bulk_load_embeddings_report(
        &self,
        rows: &[NewEmbedding],
        options: BulkLoadOptions,
    ) -> Result<BulkLoadReport> {
        if !self.check_rows(rows, options.on_conflict).await? {
            return Ok(BulkLoadReport::default());
        }
        let db = self.database();
        let mut types: Vec<EntityType> = Vec::new();
        for r in rows {
            if !types.contains(&r.entity_type) {
                types.push(r.entity_type);
            }
        }
        // Only the owner may build and drop indexes and write the registry.
        let upkeep = !options.defer_tiers && !db.sets_tenant();
        let mut around = Vec::new();
        if upkeep {
            for ty in &types {
                let load = rows.iter().filter(|r| r.entity_type == *ty).count();
                if let Some(tier) = db.index_tier(self.id(), *ty)
                    && (options.rebuild_indexes || crate::tiers::load_rebuilds(load, tier.rows))
                {
                    around.push(*ty);
                }
            }
        }
        let mut tier_error = None;
        if !around.is_empty()
            && let Err(e) = db.drop_tier_indexes(self.id(), &around).await
        {
            tier_error = Some(format!("dropping the tenant's index before the load: {e}"));
            around.clear();
        }
        let loaded = self.load_in_transaction(rows, options).await;
        let mut report = BulkLoadReport {
            rows: 0,
            tiers: Vec::new(),
            tier_error,
        };
        if upkeep && (loaded.is_ok() || !around.is_empty()) {
            match db.upkeep_tiers_after_load(self.id(), &types, &around).await {
                Ok(tiers) => report.tiers = tiers,
                Err(e) => {
                    tracing::warn!(tenant = self.id(), error = %e, "bulk load: the tenant's tiers were not kept; run `truthgraph-db tiers --apply`");
                    report.tier_error = Some(e.to_string());
                }
            }
        } else if !options.defer_tiers && db.sets_tenant() {
            report.tier_error = Some(
                "this login does not own embeddings: the tenant's tiers are kept by \
                 `truthgraph-db tiers --apply` run as the owner"
                    .into(),
            );
        }
        report.rows = loaded?;
        Ok(report)
    }

    /// The load itself, in one transaction of its own (see
    /// [`Tenant::bulk_load_embeddings_with`]); with
    /// [`BulkLoadOptions::rebuild_indexes`], the vector indexes over every
    /// tenant are dropped and recreated around the rows in it.
    async fn load_in_transaction(
        &self,
        rows: &[NewEmbedding],
        options: BulkLoadOptions,
    ) -> Result<u64> {
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
                            // Only indexes over every tenant: the tenants'
                            // own are rebuilt concurrently, outside.
                            indexes = catalog::embedding_indexes(tx).await?;
                            indexes.retain(|ix| !ix.definition.contains(" WHERE "));
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
