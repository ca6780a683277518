//! The DDL and registry writes of one tier ([`crate::tiers`]): building its
//! index (`CREATE INDEX CONCURRENTLY`, `maintenance_work_mem` sized),
//! measuring its `ef_search` ([`super::tier_ef`]) and recording it in
//! `truthgraph_tiers`. Used by [`crate::Database::maintain_tiers`]
//! and by bulk loads.

use std::time::Instant;

use truthgraph_queries::client::GenericClient;
use truthgraph_queries::queries::tiers as q;

use super::tier_ef::{CANDIDATES, measure_tier_ef};
use super::tiers::{TierAction, TierPlan};
use crate::error::Result;
use crate::labels::EntityType;
use crate::raw_sql;
use crate::tiers::{
    DENSE_HNSW_EF_CONSTRUCTION, DENSE_HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_M,
    MAX_EF_SEARCH_BEFORE_DENSE, dense_build_name,
};

/// Builds `tier`'s index on `client` (a schema connection) with
/// `maintenance_work_mem` `mb`, then measures its `ef_search` on its data
/// ([`super::tier_ef`]). When a graph of [`HNSW_M`] does not reach the
/// target by [`MAX_EF_SEARCH_BEFORE_DENSE`], builds a denser one
/// ([`DENSE_HNSW_M`]) under another name, swaps it in (the tier keeps an
/// index throughout) and measures again. Sets `tier.build_seconds` (the
/// builds), `tier.hnsw_m`, `tier.measured` and, when measured,
/// `tier.ef_search`.
pub(crate) async fn build_and_measure(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
) -> Result<()> {
    let started = Instant::now();
    let (tenant, ty, name) = (
        tier.tenant_id.clone(),
        tier.entity_type,
        tier.index_name.clone(),
    );
    build_tier_index(
        client,
        &tenant,
        ty,
        &name,
        mb,
        (HNSW_M, HNSW_EF_CONSTRUCTION),
    )
    .await?;
    tier.build_seconds = Some(started.elapsed().as_secs_f64());
    tier.hnsw_m = Some(HNSW_M);
    measure_or_densify(client, tier, mb, started).await
}

/// Measures again the `ef_search` of `tier`, which keeps its index, on its
/// graph as it is now (`tiers --apply --remeasure`): up to
/// [`MAX_EF_SEARCH_BEFORE_DENSE`] in a graph of [`HNSW_M`], then as a build
/// does (a denser graph when that misses), up to the last candidate in a
/// dense one. Sets `tier.measured` and, when measured, `tier.ef_search`
/// (never below the ladder's value for its rows: the measurement starts
/// there).
pub(crate) async fn remeasure(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
) -> Result<()> {
    let started = Instant::now();
    if tier.hnsw_m.unwrap_or(HNSW_M) >= DENSE_HNSW_M {
        let last = *CANDIDATES.last().expect("candidates");
        let (tenant, ty) = (tier.tenant_id.clone(), tier.entity_type);
        tier.measured =
            measure_tier_ef(client, &tenant, ty, &tier.index_name, tier.rows, last).await?;
        record_measurement(tier);
        return Ok(());
    }
    measure_or_densify(client, tier, mb, started).await
}

/// HNSW `m` of a tier's index, from its storage parameters (pgvector's
/// default, [`HNSW_M`], when it has none).
pub(crate) fn graph_m(index: Option<&q::TierIndex>) -> u32 {
    index
        .and_then(|ix| ix.options.as_ref())
        .into_iter()
        .flatten()
        .find_map(|o| o.strip_prefix("m=")?.parse().ok())
        .unwrap_or(HNSW_M)
}

/// Measures `tier`'s graph of [`HNSW_M`] up to [`MAX_EF_SEARCH_BEFORE_DENSE`];
/// when that misses the target, builds a denser one under another name,
/// swaps it in and measures it up to the last candidate.
async fn measure_or_densify(
    client: &mut tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
    started: Instant,
) -> Result<()> {
    let (tenant, ty, name) = (
        tier.tenant_id.clone(),
        tier.entity_type,
        tier.index_name.clone(),
    );
    tier.measured = measure_tier_ef(
        client,
        &tenant,
        ty,
        &name,
        tier.rows,
        MAX_EF_SEARCH_BEFORE_DENSE,
    )
    .await?;
    if tier.measured.is_some_and(|m| !m.reached) {
        tracing::info!(
            tenant,
            entity_type = ty.as_str(),
            rows = tier.rows,
            "the tier's graph misses its recall at ef_search {MAX_EF_SEARCH_BEFORE_DENSE}: \
             building it again with m = {DENSE_HNSW_M}"
        );
        let dense = dense_build_name(&name);
        build_tier_index(
            client,
            &tenant,
            ty,
            &dense,
            mb,
            (DENSE_HNSW_M, DENSE_HNSW_EF_CONSTRUCTION),
        )
        .await?;
        client
            .batch_execute(&raw_sql::drop_index_concurrently(&name))
            .await?;
        client
            .batch_execute(&raw_sql::rename_index(&dense, &name))
            .await?;
        tier.build_seconds = Some(started.elapsed().as_secs_f64());
        tier.hnsw_m = Some(DENSE_HNSW_M);
        let last = *CANDIDATES.last().expect("candidates");
        tier.measured = measure_tier_ef(client, &tenant, ty, &name, tier.rows, last).await?;
    }
    record_measurement(tier);
    Ok(())
}

/// Stores a measurement in `tier.ef_search`, and logs it.
fn record_measurement(tier: &mut TierPlan) {
    if let Some(m) = tier.measured {
        tier.ef_search = Some(m.ef_search);
        tracing::info!(
            tenant = tier.tenant_id,
            entity_type = tier.entity_type.as_str(),
            rows = tier.rows,
            hnsw_m = tier.hnsw_m,
            ef_search = m.ef_search,
            recall = m.recall,
            reached = m.reached,
            "measured the tier's ef_search on its data"
        );
    }
}

/// Builds the index `name` of one tier on `client` (a schema connection)
/// with HNSW (`m`, `ef_construction`): drops an invalid leftover of that
/// name first, sets `maintenance_work_mem` to `mb`, and drops the invalid
/// index a failed build leaves.
async fn build_tier_index(
    client: &tokio_postgres::Client,
    tenant: &str,
    entity_type: EntityType,
    name: &str,
    mb: u64,
    graph: (u32, u32),
) -> Result<()> {
    client
        .batch_execute(&raw_sql::drop_index_concurrently(name))
        .await?;
    client
        .batch_execute(&raw_sql::set_maintenance_work_mem_mb(mb))
        .await?;
    let ddl = raw_sql::create_tier_index_concurrently(name, tenant, entity_type, graph);
    let built = super::build_index(client, &ddl, Some(name)).await;
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
