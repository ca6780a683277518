//! Bulk loads of embeddings, in one transaction (the call's own, or the
//! caller's): binary `COPY` straight into `embeddings` for a login
//! row-level security does not apply to, else `INSERT … SELECT … FROM
//! unnest(…)` of parallel arrays; inserting only or replacing; a vector
//! index over every tenant kept or rebuilt after the rows (decided from row
//! counts, [`super::bulk_plan`]); then the tenant's tiers
//! ([`crate::tiers`]): its own index built once it reaches the threshold,
//! and dropped before and built again after a large load. Figures:
//! BENCHMARKS.md, "Ingest".

use super::bulk_plan::{self, BulkLoadReport, IndexMaintenance};
use super::bulk_rows::{Route, load_rows};
use super::embeddings::NewEmbedding;
use crate::call::Access;
use crate::catalog;
use crate::db::Transaction;
use crate::error::Result;
use crate::labels::EntityType;
use crate::raw_sql;
use crate::tenant::{Tenant, tenant_span};
use crate::validate;

/// What a bulk load does with an entity that already has an embedding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnConflict {
    /// Fail the whole batch with [`Error::Conflict`](crate::Error::Conflict).
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
    /// with [`Error::Conflict`](crate::Error::Conflict) (use [`OnConflict::Replace`] to replace).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) naming `rows[i].embedding` (dimension, NaN,
    /// infinity, zero vector), `rows[i].model_name` or `rows[i].entity_id`
    /// (not an entity of the tenant); [`Error::Conflict`](crate::Error::Conflict) for a duplicate
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
    /// statements sized to the session's `work_mem`. On a Citus coordinator
    /// a `truthgraph_app` login inserts by multi-row `INSERT … VALUES`
    /// instead (Citus runs an `INSERT … SELECT` by `COPY`, which row-level
    /// security refuses).
    ///
    /// Every row's entity must be a claim or evidence of this tenant, checked
    /// by V12's foreign keys `embeddings_claim_fkey` /
    /// `embeddings_evidence_fkey`, as for [`Tenant::upsert_embedding`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) naming `rows[i].embedding` (dimension, NaN,
    /// infinity, zero vector), `rows[i].model_name`, `rows[i].entity_id` for
    /// an entity that is not the tenant's (constraint `embeddings_claim_fkey`
    /// or `embeddings_evidence_fkey`, V12; with several, the one with the
    /// smallest entity id, at its first row) or, when replacing,
    /// `rows[j].entity_id` for an entity named twice; [`Error::Conflict`](crate::Error::Conflict) (a
    /// unique key of `embeddings`) for an entity that already has an
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
        let (tenant, route) = (self.id(), Route::of(self.database()));
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
                        let n = load_rows(tx, tenant, rows, options.on_conflict, route).await?;
                        for ix in &indexes {
                            // The definition comes from pg_get_indexdef: same name, method,
                            // operator class and parameters as the dropped index.
                            crate::index_build::build_index_in(tx, &ix.definition).await?;
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
        crate::tenant::set_in_transaction(self.database(), tx, self.id()).await?;
        load_rows(tx, self.id(), rows, on_conflict, Route::of(self.database())).await
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
