//! A bulk load's own tier upkeep ([`crate::tiers`]): before a large load
//! into a tenant that has an index, that index is dropped (`DROP INDEX
//! CONCURRENTLY`: one build afterwards is far cheaper than inserting the
//! rows into the graph); after the load the tenant's rows are counted, the
//! registry updated, and the index built (`CREATE INDEX CONCURRENTLY`) when
//! the tenant reached the threshold or had one before, or measured again
//! when the tenant doubled since its last measurement
//! ([`crate::tiers::outgrown`]). Other tenants are untouched. Each step
//! says so (a tracing event at INFO).

use truthgraph_queries::queries::tiers as q;

use super::build_memory_mb;
use super::tier_plan::tier_ef;
use super::tiers::graph_m;
use super::tiers::{
    RegistryColumns, TierAction, TierPlan, build_and_measure, record_tier, remeasure,
};
use super::with_maintenance_lock;
use crate::catalog::{self, version_lt};
use crate::db::Database;
use crate::error::Result;
use crate::labels::EntityType;
use crate::raw_sql;
use crate::tiers::{outgrown, tier_index_name, wants_index};

impl Database {
    /// Drops the indexes of `tenant`'s `types` (before a large load into
    /// them) and records them as without index; searches of the tenant read
    /// its rows until [`Database::upkeep_tiers_after_load`] builds them again.
    pub(crate) async fn drop_tier_indexes(&self, tenant: &str, types: &[EntityType]) -> Result<()> {
        self.with_schema_connection(async |client| {
            with_maintenance_lock(client, async |client| {
                for ty in types {
                    let name = tier_index_name(tenant, *ty);
                    client
                        .batch_execute(&raw_sql::drop_index_concurrently(&name))
                        .await?;
                    let rows = q::embedding_count_of()
                        .bind(&*client, &tenant, &ty.as_str())
                        .one()
                        .await?;
                    q::upsert_tier()
                        .bind(
                            &*client,
                            &tenant,
                            &ty.as_str(),
                            &rows,
                            &None::<&str>,
                            &None,
                            &false,
                        )
                        .await?;
                    tracing::info!(
                        tenant,
                        index = name,
                        rows,
                        "bulk load: dropped the tenant's index to build it again after the load"
                    );
                }
                Ok(())
            })
            .await
        })
        .await?;
        self.refresh_tiers().await
    }

    /// After a load into `tenant`'s `types`: counts its rows, builds the
    /// index of each tier that reached the threshold or lost its index to
    /// `rebuild` (the types [`Database::drop_tier_indexes`] dropped),
    /// measures again the index of one that doubled since its last
    /// measurement ([`TierAction::Remeasure`]), records each tier. Returns
    /// what happened to each.
    pub(crate) async fn upkeep_tiers_after_load(
        &self,
        tenant: &str,
        types: &[EntityType],
        rebuild: &[EntityType],
    ) -> Result<Vec<TierPlan>> {
        let threshold = self.config().tier_threshold.max(1);
        let cap = self.config().max_build_memory_mb;
        let client = self.client().await?;
        let indexes = q::tier_indexes().bind(&client).all().await?;
        let registry = q::tier_rows().bind(&client).all().await?;
        let mut plans = Vec::new();
        for ty in types {
            let name = tier_index_name(tenant, *ty);
            let rows = q::embedding_count_of()
                .bind(&client, &tenant, &ty.as_str())
                .one()
                .await?;
            let ix = indexes.iter().find(|ix| ix.index_name == name);
            let valid = ix.is_some_and(|ix| ix.is_valid);
            let wanted = rebuild.contains(ty) || wants_index(rows, threshold, valid);
            let measured_rows = registry
                .iter()
                .find(|r| r.tenant_id == tenant && r.entity_type == ty.as_str())
                .and_then(|r| r.measured_rows);
            let action = match (wanted, valid) {
                (_, true) if outgrown(rows, measured_rows, threshold) => TierAction::Remeasure,
                (_, true) => TierAction::Keep,
                (true, false) if rebuild.contains(ty) || ix.is_some() => TierAction::Rebuild,
                (true, false) => TierAction::Build,
                (false, false) => TierAction::Exact,
            };
            plans.push(TierPlan {
                tenant_id: tenant.to_string(),
                entity_type: *ty,
                rows,
                index_name: name,
                index_bytes: ix.map(|ix| ix.bytes),
                action,
                ef_search: (action != TierAction::Exact)
                    .then(|| tier_ef(action, &registry, (tenant, *ty), rows, graph_m(ix)))
                    .flatten(),
                measured: None,
                // The kept index's (a build sets its own).
                hnsw_m: valid.then(|| graph_m(ix)).flatten(),
                quantized: ix.is_some_and(|ix| ix.quantized),
                build_memory_mb: None,
                build_seconds: None,
                measured_rows: valid.then_some(measured_rows).flatten(),
            });
        }
        let builds = plans.iter().any(|p| {
            matches!(
                p.action,
                TierAction::Build | TierAction::Rebuild | TierAction::Remeasure
            )
        });
        if !builds {
            let columns = RegistryColumns::of(&**client).await?;
            for p in plans.iter_mut() {
                record_tier(&**client, p, columns).await?;
            }
            return Ok(plans);
        }
        drop(client);
        self.with_schema_connection(async |client| {
            with_maintenance_lock(client, async |client| {
                let dimension = catalog::read_dimension(&*client).await?.unwrap_or(0);
                let server_kb = q::build_memory_kb().bind(&*client).one().await?;
                let info = catalog::server_info(&*client).await?;
                if info
                    .pgvector_version
                    .as_deref()
                    .is_none_or(|v| version_lt(v, "0.8.2"))
                {
                    client.batch_execute(raw_sql::SERIAL_INDEX_BUILDS).await?;
                }
                let columns = RegistryColumns::of(&*client).await?;
                // The load's rows in the statistics before the builds'
                // measurements plan their statements (see the constant).
                client.batch_execute(raw_sql::ANALYZE_EMBEDDINGS).await?;
                let list_rows = self.config().hamming_list_rows;
                for p in plans.iter_mut() {
                    let build = matches!(p.action, TierAction::Build | TierAction::Rebuild);
                    if build || p.action == TierAction::Remeasure {
                        let (mb, _) = build_memory_mb(p.rows, dimension, server_kb, cap);
                        p.build_memory_mb = Some(mb);
                        if build {
                            build_and_measure(client, p, mb, (dimension, list_rows)).await?;
                        } else {
                            remeasure(client, p, mb, (dimension, list_rows), false).await?;
                        }
                        tracing::info!(
                            tenant,
                            entity_type = p.entity_type.as_str(),
                            index = p.index_name,
                            rows = p.rows,
                            seconds = p.build_seconds,
                            "bulk load: {} (CONCURRENTLY, after the load)",
                            if build {
                                "built the tenant's own index"
                            } else {
                                "measured the tenant's index again, its rows doubled since"
                            }
                        );
                    }
                    record_tier(&*client, p, columns).await?;
                }
                Ok(())
            })
            .await
        })
        .await?;
        self.refresh_tiers().await?;
        Ok(plans)
    }
}
