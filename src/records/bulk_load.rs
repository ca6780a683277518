//! Bulk loads of embeddings, in one transaction (the call's own, or the
//! caller's): binary `COPY` straight into `embeddings` for a login
//! row-level security does not apply to, else `INSERT … SELECT … FROM
//! unnest(…)` of parallel arrays; inserting only or replacing; a vector
//! index over every tenant kept or rebuilt after the rows (decided from row
//! counts, [`super::bulk_plan`]); then the tenant's tiers
//! ([`crate::tiers`]): its own index built once it reaches the threshold,
//! and dropped before and built again after a large load. Figures:
//! BENCHMARKS.md, "Ingest".

use futures_util::pin_mut;
use pgvector::Vector;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use uuid::Uuid;

use super::bulk_plan::{self, BulkLoadReport, IndexMaintenance};
use super::embeddings::{NewEmbedding, entity_error};
use crate::call::Access;
use crate::catalog;
use crate::db::Transaction;
use crate::error::{Error, Result};
use crate::labels::EntityType;
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
    /// The vector indexes over every tenant (V5's shared index before the
    /// tiers are built, or one of the user's): decided from row counts
    /// (default), kept, or rebuilt. The tenant's own indexes
    /// ([`crate::tiers`]) are handled apart: dropped before and built again
    /// after a load that is large for the tenant, or with
    /// [`IndexMaintenance::Rebuild`], concurrently, other tenants untouched.
    /// Rebuilding drops every vector index over every tenant, loads,
    /// then recreates each from its catalog definition under its name, all
    /// in one transaction holding an `ACCESS EXCLUSIVE` lock on
    /// `embeddings`: concurrent searches and writes of every tenant wait for
    /// the load instead of seeing a table without its index.
    ///
    /// Inserting rows one by one into an HNSW graph is far slower than
    /// building the graph afresh (about 9.5× per row), so a large load into
    /// a small or empty table should rebuild, and [`IndexMaintenance::Auto`]
    /// does; an IVFFlat index gets list centres computed from the rows only
    /// when rebuilt. A rebuild blocks every tenant's reads for the whole
    /// load, so small loads into a large table keep the indexes. Figures:
    /// BENCHMARKS.md, "Figures behind the library's limits".
    pub indexes: IndexMaintenance,
    /// Leave the tenant's tiers to the next maintenance
    /// ([`crate::Database::maintain_tiers`]): no count, no index built or
    /// dropped (e.g. many loads in a row, then one `tiers --apply`).
    pub defer_tiers: bool,
}

impl BulkLoadOptions {
    /// Replace existing embeddings of the tenant's entities.
    pub fn replace() -> Self {
        BulkLoadOptions {
            on_conflict: OnConflict::Replace,
            ..Self::default()
        }
    }

    /// The same options with the vector indexes always rebuilt after the load.
    pub fn rebuilding_indexes(self) -> Self {
        BulkLoadOptions {
            indexes: IndexMaintenance::Rebuild,
            ..self
        }
    }

    /// The same options with the vector indexes always kept (every row is
    /// inserted into them), however large the load.
    pub fn keeping_indexes(self) -> Self {
        BulkLoadOptions {
            indexes: IndexMaintenance::Keep,
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
    /// Loads `rows` into `embeddings` in one transaction: either every row
    /// is stored or none is. Returns the number of rows stored. The same as
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
        let report = self
            .bulk_load_embeddings_with(rows, BulkLoadOptions::default())
            .await?;
        Ok(report.rows)
    }

    /// Loads `rows` into `embeddings` in one transaction, all or nothing,
    /// inserting only or replacing ([`OnConflict`]), keeping the vector
    /// indexes or rebuilding them after the rows
    /// ([`BulkLoadOptions::indexes`]; by default decided from row counts,
    /// see [`IndexMaintenance::Auto`]). Returns what it did: the rows stored,
    /// whether it rebuilt and why, also logged as an INFO tracing event.
    /// It runs without `statement_timeout`, whatever the pool's.
    ///
    /// Every row is validated before anything is sent. A login that
    /// row-level security does not apply to ([`crate::Database::sets_tenant`]
    /// is false: the tables' owner, a superuser) inserts by binary `COPY`
    /// straight into `embeddings`; a `truthgraph_app` login (PostgreSQL
    /// refuses it `COPY FROM` there), and any replacing load, by
    /// `INSERT … SELECT … FROM unnest(…)`. Either way the rows go in
    /// statements sized to the session's `work_mem`.
    ///
    /// Every row's entity must be a claim or evidence of this tenant, checked
    /// by each statement for all its rows at once (trigger
    /// `check_embeddings_entity`, V11), as for [`Tenant::upsert_embedding`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `rows[i].embedding` (dimension, NaN,
    /// infinity, zero vector), `rows[i].model_name`, `rows[i].entity_id` for
    /// an entity that is not the tenant's (constraint
    /// `check_embeddings_entity`; with several, the one with the smallest
    /// entity id, at its first row) or, when replacing, `rows[j].entity_id` for
    /// an entity named twice; [`Error::Conflict`]
    /// (`idx_embeddings_entity_unique`) for an entity that already has an
    /// embedding (when failing on conflict); nothing is written then, and
    /// dropped indexes are back. With [`IndexMaintenance::Rebuild`], a role
    /// that does not own `embeddings` (e.g. a member of `truthgraph_app`)
    /// gets a permission error.
    pub async fn bulk_load_embeddings_with(
        &self,
        rows: &[NewEmbedding],
        options: BulkLoadOptions,
    ) -> Result<BulkLoadReport> {
        if !self.check_rows(rows, options.on_conflict).await? {
            return Ok(BulkLoadReport::nothing());
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
        let rebuild = options.indexes == IndexMaintenance::Rebuild;
        let mut around = Vec::new();
        if upkeep {
            for ty in &types {
                let load = rows.iter().filter(|r| r.entity_type == *ty).count();
                if let Some(tier) = db.index_tier(self.id(), *ty)
                    && (rebuild || crate::tiers::load_rebuilds(load, tier.rows))
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
        let mut tiers = Vec::new();
        if upkeep && (loaded.is_ok() || !around.is_empty()) {
            match db.upkeep_tiers_after_load(self.id(), &types, &around).await {
                Ok(kept) => tiers = kept,
                Err(e) => {
                    tracing::warn!(tenant = self.id(), error = %e, "bulk load: the tenant's tiers were not kept; run `truthgraph-db tiers --apply`");
                    tier_error = Some(e.to_string());
                }
            }
        } else if !options.defer_tiers && db.sets_tenant() {
            tier_error = Some(
                "this login does not own embeddings: the tenant's tiers are kept by \
                 `truthgraph-db tiers --apply` run as the owner"
                    .into(),
            );
        }
        let mut report = loaded?;
        report.tiers = tiers;
        report.tier_error = tier_error;
        Ok(report)
    }

    /// The load itself, in one transaction of its own (see
    /// [`Tenant::bulk_load_embeddings_with`]): the rows, and a vector index
    /// over every tenant dropped and recreated around them in it when
    /// [`bulk_plan::rebuild_is_faster`] says so.
    async fn load_in_transaction(
        &self,
        rows: &[NewEmbedding],
        options: BulkLoadOptions,
    ) -> Result<BulkLoadReport> {
        let (tenant, direct) = (self.id(), !self.database().sets_tenant());
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
                        let table = bulk_plan::table_state(tx).await?;
                        let (rebuild, reason) =
                            bulk_plan::rebuild_is_faster(options.indexes, rows.len() as u64, table);
                        tracing::info!(
                            tenant,
                            rows = rows.len(),
                            existing_rows = table.rows,
                            rebuild,
                            "bulk_load_embeddings: {}: {reason}",
                            if rebuild {
                                "rebuilding the vector indexes"
                            } else {
                                "keeping the vector indexes"
                            }
                        );
                        let mut indexes = Vec::new();
                        if rebuild {
                            // Readers and writers wait for the commit rather than see the
                            // table without its vector index.
                            tx.batch_execute(raw_sql::LOCK_EMBEDDINGS).await?;
                            tx.execute(raw_sql::SERIAL_BUILDS_ON_VULNERABLE_PGVECTOR, &[&true])
                                .await?;
                            // Only indexes over every tenant: the tenants'
                            // own are rebuilt concurrently, outside.
                            indexes = catalog::embedding_indexes(tx).await?;
                            indexes.retain(|ix| !ix.definition.contains(" WHERE "));
                            for ix in &indexes {
                                tx.batch_execute(&raw_sql::drop_index(&ix.index_name))
                                    .await?;
                            }
                        }
                        let n = load_rows(tx, tenant, rows, options.on_conflict, direct).await?;
                        for ix in &indexes {
                            // The definition comes from pg_get_indexdef: same name, method,
                            // operator class and parameters as the dropped index.
                            tx.batch_execute(&ix.definition).await?;
                        }
                        if !indexes.is_empty() {
                            tx.batch_execute(raw_sql::ANALYZE_EMBEDDINGS).await?;
                        }
                        Ok(BulkLoadReport {
                            rows: n,
                            rebuilt_indexes: rebuild,
                            existing_rows: table.rows,
                            reason,
                            tiers: Vec::new(),
                            tier_error: None,
                        })
                    }
                })
            },
        )
        .await
    }

    /// Loads `rows` as [`Tenant::bulk_load_embeddings_with`] does, inside
    /// the caller's transaction `tx`, inserting only or
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
        let direct = !self.database().sets_tenant();
        load_rows(tx, self.id(), rows, on_conflict, direct).await
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

/// Rows per statement of a load, whatever the row count: the entity check
/// (trigger `check_embeddings_entity`, V11) keeps the rows a statement
/// wrote in a transition table, in memory up to `work_mem`, on disk past it.
const MIN_ROWS_PER_STATEMENT: usize = 256;
const MAX_ROWS_PER_STATEMENT: usize = 50_000;

/// Stores `rows` for `tenant` in statements of as many rows as fit in three
/// quarters of the session's `work_mem`: by binary `COPY` straight into
/// `embeddings` when `direct` (a login row-level security does not apply
/// to, inserting only), else by `INSERT … SELECT … FROM unnest(…)` of
/// parallel arrays (`COPY FROM` into a table under row-level security is
/// refused; an upsert cannot be a `COPY`). Rows go in (entity type, entity
/// id) order with ids (UUIDv7) rising in that order, so every btree of
/// `embeddings` is appended to in order rather than at random places.
async fn load_rows(
    tx: &Transaction<'_>,
    tenant: &str,
    rows: &[NewEmbedding],
    on_conflict: OnConflict,
    direct: bool,
) -> Result<u64> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| (rows[i].entity_type.as_str(), rows[i].entity_id));
    let ids: Vec<Uuid> = order.iter().map(|_| Uuid::now_v7()).collect();
    let work_mem: i64 = tx.query_one(raw_sql::WORK_MEM_BYTES, &[]).await?.get(0);
    let row_bytes = 4 * rows[0].embedding.as_slice().len() + 200;
    let per_statement = (usize::try_from(work_mem).unwrap_or(0) / 4 * 3 / row_bytes)
        .clamp(MIN_ROWS_PER_STATEMENT, MAX_ROWS_PER_STATEMENT);
    let mut stored = 0;
    if direct && on_conflict == OnConflict::Fail {
        // The vector type's OID differs per database: ask the server.
        let vector_type = tx
            .prepare_cached(raw_sql::VECTOR_TYPE_PROBE)
            .await?
            .params()[0]
            .clone();
        let types = [
            Type::UUID,
            Type::VARCHAR,
            Type::VARCHAR,
            Type::UUID,
            vector_type,
            Type::VARCHAR,
            Type::VARCHAR,
        ];
        for (order, ids) in order.chunks(per_statement).zip(ids.chunks(per_statement)) {
            stored += copy_rows(tx, &types, tenant, rows, order, ids)
                .await
                .map_err(|e| row_error(e, rows))?;
        }
    } else {
        let insert = tx
            .prepare_cached(match on_conflict {
                OnConflict::Fail => raw_sql::INSERT_EMBEDDINGS_ROWS,
                OnConflict::Replace => raw_sql::UPSERT_EMBEDDINGS_ROWS,
            })
            .await?;
        for (order, ids) in order.chunks(per_statement).zip(ids.chunks(per_statement)) {
            let types: Vec<&str> = order
                .iter()
                .map(|&i| rows[i].entity_type.as_str())
                .collect();
            let entities: Vec<Uuid> = order.iter().map(|&i| rows[i].entity_id).collect();
            let vectors: Vec<&Vector> = order.iter().map(|&i| &rows[i].embedding).collect();
            let models: Vec<&str> = order.iter().map(|&i| rows[i].model_name.as_str()).collect();
            let versions: Vec<Option<&str>> = order
                .iter()
                .map(|&i| rows[i].model_version.as_deref())
                .collect();
            stored += tx
                .execute(
                    &insert,
                    &[
                        &tenant, &ids, &types, &entities, &vectors, &models, &versions,
                    ],
                )
                .await
                .map_err(|e| row_error(e, rows))?;
        }
    }
    Ok(stored)
}

/// One binary `COPY` of `rows[order[k]]` under `ids[k]` into `embeddings`.
async fn copy_rows(
    tx: &Transaction<'_>,
    types: &[Type],
    tenant: &str,
    rows: &[NewEmbedding],
    order: &[usize],
    ids: &[Uuid],
) -> std::result::Result<u64, tokio_postgres::Error> {
    let sink = tx.copy_in(raw_sql::COPY_EMBEDDINGS).await?;
    let writer = BinaryCopyInWriter::new(sink, types);
    pin_mut!(writer);
    for (&i, id) in order.iter().zip(ids) {
        let r = &rows[i];
        writer
            .as_mut()
            .write(&[
                id,
                &tenant,
                &r.entity_type.as_str(),
                &r.entity_id,
                &r.embedding,
                &r.model_name,
                &r.model_version,
            ])
            .await?;
    }
    writer.finish().await
}

/// The error of a row whose entity is not the tenant's, naming `rows[i]`.
fn row_error(e: tokio_postgres::Error, rows: &[NewEmbedding]) -> Error {
    entity_error(e, |id| {
        let i = rows.iter().position(|r| r.entity_id == id);
        validate::name(i, "rows", "entity_id")
    })
}
