//! Keeping the tiers ([`crate::tiers`]): counting each tenant's embeddings,
//! building the index of a tenant that reached the threshold (`CREATE INDEX
//! CONCURRENTLY`, with `maintenance_work_mem` sized for it), dropping those of
//! tenants that fell below half of it (`DROP INDEX CONCURRENTLY`), and the
//! registry `truthgraph_tiers` ([`Database::maintain_tiers`], `truthgraph-db
//! tiers`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Instant;

use truthgraph_queries::client::GenericClient;
use truthgraph_queries::queries::tiers as q;

use super::build_memory_mb;
pub(crate) use super::registry::{RegistryColumns, record_tier};
use super::reindex::reindex_tier;
pub(crate) use super::tier_ddl::{build_and_measure, convert, remeasure};
pub(crate) use super::tier_index::graph_m;
pub use super::tier_plan::{TierAction, TierEvent, TierOptions, TierPlan, TierReport};
use super::tier_plan::{converts_to_hamming_list, tier_ef};
use super::{watching_progress, with_maintenance_lock};
use crate::catalog::{self, version_lt};
use crate::db::Database;
use crate::error::Result;
use crate::labels::EntityType;
use crate::raw_sql;
use crate::telemetry::{db_span, traced};
use crate::tiers::{
    CONTRACT_INDEX, CONTRACT_TENANT, SHARED_INDEX, dead_elements, lost_rows, outgrown,
    tier_index_name, wants_index,
};

impl Database {
    /// Brings the tiers in line with the data ([`crate::tiers`]): counts
    /// every tenant's embeddings per entity type, builds the index of each
    /// tier with at least the threshold (`CREATE INDEX CONCURRENTLY`, largest
    /// first, one at a time, `maintenance_work_mem` sized by
    /// [`super::build_memory_bytes`] (a quantized graph by its own
    /// size) and capped; serial while pgvector is older than 0.8.2),
    /// drops those of tiers below half of it (`DROP INDEX CONCURRENTLY`),
    /// records every tier in `truthgraph_tiers`, then drops the index over
    /// every tenant that V10 kept. Reads and writes go on meanwhile. Without
    /// [`TierOptions::apply`] it only reports the plan (for a login under
    /// row-level security, from the counts of the last maintenance). Holds
    /// the maintenance lock (one build at a time, as `reindex`).
    ///
    /// # Errors
    /// Connection and database errors (a failed build leaves no invalid
    /// index behind; builds before it stay done); a login that does not own
    /// `embeddings` gets a permission error when applying.
    pub async fn maintain_tiers(&self, opts: &TierOptions) -> Result<TierReport> {
        self.maintain_tiers_with(opts, |_| {}).await
    }

    /// [`Database::maintain_tiers`], calling `progress` as builds and drops
    /// start and end, and about once a second while one builds.
    ///
    /// # Errors
    /// As [`Database::maintain_tiers`].
    pub async fn maintain_tiers_with(
        &self,
        opts: &TierOptions,
        progress: impl FnMut(TierEvent<'_>) + Send,
    ) -> Result<TierReport> {
        let op = db_span!(self.telemetry(), "maintain_tiers", "embeddings");
        traced(op, async {
            if !opts.apply {
                return self.plan_tiers(&**self.client().await?, opts).await;
            }
            let progress = Mutex::new(progress);
            let watcher = self.client().await?;
            let work = self.with_schema_connection(async |client| {
                with_maintenance_lock(client, async |client| {
                    let mut report = self.plan_tiers(&*client, opts).await?;
                    self.apply_tiers(client, &mut report, opts.remeasure, &progress)
                        .await?;
                    // On this connection (no statement_timeout): the routes
                    // follow the new index set before the call returns.
                    self.refresh_tiers_on(&*client).await?;
                    Ok(report)
                })
                .await
            });
            let report = watching_progress(&watcher, work, |p| {
                (progress.lock().expect("progress"))(TierEvent::Building(p));
            })
            .await;
            drop(watcher);
            report
        })
        .await
    }

    /// The plan: every counted tier, what happens to it, orphans, the
    /// shared index.
    async fn plan_tiers(
        &self,
        client: &impl GenericClient,
        opts: &TierOptions,
    ) -> Result<TierReport> {
        let threshold = opts
            .threshold
            .unwrap_or(self.config().tier_threshold)
            .max(1);
        let cap = opts
            .max_build_memory_mb
            .unwrap_or(self.config().max_build_memory_mb);
        let dimension = catalog::read_dimension(client).await?.unwrap_or(0);
        let list_rows = self.config().hamming_list_rows;
        let server_kb = q::build_memory_kb().bind(client).one().await?;
        let indexes: BTreeMap<String, q::TierIndex> = q::tier_indexes()
            .bind(client)
            .all()
            .await?
            .into_iter()
            .map(|ix| (ix.index_name.clone(), ix))
            .collect();
        let registry = q::tier_rows().bind(client).all().await?;
        let mut tiers = Vec::new();
        let mut seen = BTreeSet::new();
        let mut memory_capped = false;
        // A login under row-level security sees no tenant's rows without
        // the tenant set: it gets the counts of the last maintenance.
        let mut counted: Vec<(String, EntityType, i64)> = if self.sets_tenant() {
            registry
                .iter()
                .filter_map(|r| {
                    Some((
                        r.tenant_id.clone(),
                        r.entity_type.parse().ok()?,
                        r.row_count,
                    ))
                })
                .collect()
        } else {
            q::embedding_counts()
                .bind(client)
                .all()
                .await?
                .into_iter()
                .filter_map(|c| Some((c.tenant_id, c.entity_type.parse().ok()?, c.rows)))
                .collect()
        };
        // Registered tiers without rows now: their index (not the contract's) goes.
        for r in &registry {
            let Ok(ty) = r.entity_type.parse::<EntityType>() else {
                continue;
            };
            if !counted
                .iter()
                .any(|(t, e, _)| *t == r.tenant_id && *e == ty)
            {
                counted.push((r.tenant_id.clone(), ty, 0));
            }
        }
        for (tenant, ty, rows) in counted {
            let name = tier_index_name(&tenant, ty);
            seen.insert(name.clone());
            let ix = indexes.get(&name);
            let valid = ix.is_some_and(|ix| ix.is_valid);
            let contract = tenant == CONTRACT_TENANT && ty == EntityType::Evidence;
            let recorded = registry
                .iter()
                .find(|r| r.tenant_id == tenant && r.entity_type == ty.as_str());
            let (built_rows, element_bytes, measured_rows) = (
                recorded.and_then(|r| r.built_rows),
                recorded.and_then(|r| r.element_bytes),
                recorded.and_then(|r| r.measured_rows),
            );
            // Deleted rows, or rows re-written in place: dead elements.
            let dead = |ix: &q::TierIndex| {
                lost_rows(rows, built_rows) || dead_elements(rows, Some(ix.bytes), element_bytes)
            };
            // A Hamming graph whose tier fits a list.
            let misfit = |ix: &q::TierIndex| {
                ix.quantized
                    && graph_m(Some(ix)).is_some()
                    && converts_to_hamming_list(rows, list_rows)
            };
            let action = match (contract || wants_index(rows, threshold, valid), ix) {
                (true, Some(ix)) if ix.is_valid && misfit(ix) => TierAction::Convert,
                (true, Some(ix)) if ix.is_valid && dead(ix) => TierAction::Reindex,
                (true, Some(ix))
                    if ix.is_valid
                        && (opts.remeasure || outgrown(rows, measured_rows, threshold)) =>
                {
                    TierAction::Remeasure
                }
                (true, Some(ix)) if ix.is_valid => TierAction::Keep,
                (true, Some(_)) => TierAction::Rebuild,
                (true, None) => TierAction::Build,
                (false, Some(_)) => TierAction::Drop,
                (false, None) => TierAction::Exact,
            };
            let build_memory = matches!(
                action,
                TierAction::Build
                    | TierAction::Rebuild
                    | TierAction::Reindex
                    | TierAction::Convert
                    | TierAction::Remeasure
            )
            .then(|| {
                let (mb, capped) = build_memory_mb(rows, dimension, server_kb, cap);
                memory_capped |= capped;
                mb
            });
            let indexed = action.indexed();
            // A tier reindexed keeps its graph and what was measured on it;
            // one converted or measured again starts from its index as it is.
            let kept = matches!(
                action,
                TierAction::Keep
                    | TierAction::Reindex
                    | TierAction::Convert
                    | TierAction::Remeasure
            );
            tiers.push(TierPlan {
                ef_search: indexed
                    .then(|| tier_ef(action, &registry, (&tenant, ty), rows, graph_m(ix)))
                    .flatten(),
                measured: None,
                hnsw_m: kept.then(|| graph_m(ix)).flatten(),
                quantized: kept && ix.is_some_and(|ix| ix.quantized),
                tenant_id: tenant,
                entity_type: ty,
                rows,
                index_name: name,
                index_bytes: ix.map(|ix| ix.bytes),
                action,
                build_memory_mb: build_memory,
                build_seconds: None,
                measured_rows: kept.then_some(measured_rows).flatten(),
            });
        }
        tiers.sort_by(|a, b| b.rows.cmp(&a.rows).then(a.tenant_id.cmp(&b.tenant_id)));
        let orphans = indexes
            .keys()
            .filter(|n| !seen.contains(*n) && n.as_str() != CONTRACT_INDEX)
            .cloned()
            .collect();
        let shared = catalog::relation_exists(client, SHARED_INDEX).await?;
        Ok(TierReport {
            threshold,
            applied: false,
            tiers,
            orphans,
            shared_index: shared.then(|| SHARED_INDEX.to_string()),
            memory_capped,
        })
    }

    /// Carries out `report`'s plan on the schema connection `client`
    /// (maintenance lock held): drops, builds (largest first), the
    /// registry, the shared index. `asked`: the operator asked to measure
    /// every kept tier again ([`TierOptions::remeasure`]).
    async fn apply_tiers<F: FnMut(TierEvent<'_>)>(
        &self,
        client: &mut tokio_postgres::Client,
        report: &mut TierReport,
        asked: bool,
        progress: &Mutex<F>,
    ) -> Result<()> {
        let emit = |e: TierEvent<'_>| (progress.lock().expect("progress"))(e);
        let info = catalog::server_info(&*client).await?;
        let dimension = catalog::read_dimension(&*client).await?.unwrap_or(0);
        if info
            .pgvector_version
            .as_deref()
            .is_none_or(|v| version_lt(v, "0.8.2"))
        {
            client.batch_execute(raw_sql::SERIAL_INDEX_BUILDS).await?;
        }
        for name in &report.orphans {
            client
                .batch_execute(&raw_sql::drop_index_concurrently(name))
                .await?;
        }
        let columns = RegistryColumns::of(&*client).await?;
        // Tiers to build or measure (memory set aside for them): the rows
        // as they are now in the statistics first (see the constant).
        if report.tiers.iter().any(|t| t.build_memory_mb.is_some()) {
            client.batch_execute(raw_sql::ANALYZE_EMBEDDINGS).await?;
        }
        for tier in report.tiers.iter_mut() {
            let started = Instant::now();
            match tier.action {
                TierAction::Drop => {
                    emit(TierEvent::Starting(tier));
                    client
                        .batch_execute(&raw_sql::drop_index_concurrently(&tier.index_name))
                        .await?;
                }
                TierAction::Build | TierAction::Rebuild => {
                    emit(TierEvent::Starting(tier));
                    let mb = tier.build_memory_mb.unwrap_or(64);
                    let list_rows = self.config().hamming_list_rows;
                    build_and_measure(client, tier, mb, (dimension, list_rows)).await?;
                }
                TierAction::Convert => {
                    emit(TierEvent::Starting(tier));
                    let mb = tier.build_memory_mb.unwrap_or(64);
                    convert(client, tier, mb, dimension).await?;
                }
                TierAction::Reindex => {
                    emit(TierEvent::Starting(tier));
                    let mb = tier.build_memory_mb.unwrap_or(64);
                    reindex_tier(client, tier, mb, dimension).await?;
                }
                TierAction::Remeasure => {
                    emit(TierEvent::Starting(tier));
                    let mb = tier.build_memory_mb.unwrap_or(64);
                    let list_rows = self.config().hamming_list_rows;
                    remeasure(client, tier, mb, (dimension, list_rows), asked).await?;
                }
                TierAction::Keep | TierAction::Exact => {}
            }
            record_tier(&*client, tier, columns).await?;
            if !matches!(tier.action, TierAction::Keep | TierAction::Exact) {
                emit(TierEvent::Finished(tier, started.elapsed()));
            }
        }
        if let Some(shared) = &report.shared_index {
            client
                .batch_execute(&raw_sql::drop_index_concurrently(shared))
                .await?;
        }
        // The sizes as they are now: built indexes have one, dropped none.
        let sizes: BTreeMap<String, i64> = q::tier_indexes()
            .bind(&*client)
            .all()
            .await?
            .into_iter()
            .map(|ix| (ix.index_name, ix.bytes))
            .collect();
        for tier in report.tiers.iter_mut() {
            tier.index_bytes = sizes.get(&tier.index_name).copied();
        }
        report.applied = true;
        Ok(())
    }
}
