//! The DDL and registry writes of one tier ([`crate::tiers`]): building its
//! index (`CREATE INDEX CONCURRENTLY`, `maintenance_work_mem` sized),
//! measuring its `ef_search` ([`super::tier_ef`]) and recording it in
//! `truthgraph_tiers`. Used by [`crate::Database::maintain_tiers`]
//! and by bulk loads.

use std::time::Instant;

use truthgraph_queries::client::GenericClient;
use truthgraph_queries::queries::tiers as q;

use super::tier_ef::measure_tier_ef;
use super::tiers::{TierAction, TierPlan};
use crate::error::Result;
use crate::labels::EntityType;
use crate::raw_sql;

/// Builds `tier`'s index on `client` (a schema connection) with
/// `maintenance_work_mem` `mb`, then measures its `ef_search` on its own
/// rows: sets `tier.build_seconds` (the build alone), `tier.measured` and,
/// when measured, `tier.ef_search`.
pub(crate) async fn build_and_measure(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
) -> Result<()> {
    let started = Instant::now();
    build_tier_index(
        client,
        &tier.tenant_id,
        tier.entity_type,
        &tier.index_name,
        mb,
    )
    .await?;
    tier.build_seconds = Some(started.elapsed().as_secs_f64());
    tier.measured = measure_tier_ef(
        client,
        &tier.tenant_id,
        tier.entity_type,
        &tier.index_name,
        tier.rows,
    )
    .await?;
    if let Some(m) = tier.measured {
        tier.ef_search = Some(m.ef_search);
        tracing::info!(
            tenant = tier.tenant_id,
            entity_type = tier.entity_type.as_str(),
            rows = tier.rows,
            ef_search = m.ef_search,
            recall = m.recall,
            reached = m.reached,
            "measured the tier's ef_search on its own rows"
        );
    }
    Ok(())
}

/// Builds the index `name` of one tier on `client` (a schema connection):
/// drops an invalid leftover of that name first, sets
/// `maintenance_work_mem` to `mb`, and drops the invalid index a failed
/// build leaves.
async fn build_tier_index(
    client: &tokio_postgres::Client,
    tenant: &str,
    entity_type: EntityType,
    name: &str,
    mb: u64,
) -> Result<()> {
    client
        .batch_execute(&raw_sql::drop_index_concurrently(name))
        .await?;
    client
        .batch_execute(&raw_sql::set_maintenance_work_mem_mb(mb))
        .await?;
    let built = client
        .batch_execute(&raw_sql::create_tier_index_concurrently(
            name,
            tenant,
            entity_type,
        ))
        .await;
    if let Err(e) = built {
        let _ = client
            .batch_execute(&raw_sql::drop_index_concurrently(name))
            .await;
        return Err(crate::error::ddl_error(e));
    }
    Ok(())
}

/// Records `tier` as it is after its action.
pub(crate) async fn record_tier(client: &impl GenericClient, tier: &TierPlan) -> Result<()> {
    let ty = tier.entity_type.as_str();
    let indexed = matches!(
        tier.action,
        TierAction::Keep | TierAction::Build | TierAction::Rebuild
    );
    if tier.rows == 0 && !indexed {
        q::delete_tier().bind(client, &tier.tenant_id, &ty).await?;
        return Ok(());
    }
    q::upsert_tier()
        .bind(
            client,
            &tier.tenant_id,
            &ty,
            &tier.rows,
            &indexed.then_some(tier.index_name.as_str()),
            &tier.ef_search.map(|e| e as i32),
            &matches!(tier.action, TierAction::Build | TierAction::Rebuild),
        )
        .await?;
    Ok(())
}
