//! The tier registry's writes (`truthgraph_tiers`, [`crate::tiers`]): each
//! tier as it is after its action, with what its index was built over.

use truthgraph_queries::client::GenericClient;
use truthgraph_queries::queries::tiers as q;

use super::tiers::{TierAction, TierPlan};
use crate::error::Result;

/// Which of the registry's later columns the database has: V13's
/// `built_rows`, V14's `element_bytes`, V15's `measured_rows` (a database
/// not yet migrated to them has its tiers recorded without). Asked once per
/// maintenance step, not per tier.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RegistryColumns {
    built_rows: bool,
    element_bytes: bool,
    measured_rows: bool,
}

impl RegistryColumns {
    /// Reads them from the catalog.
    pub(crate) async fn of(client: &impl GenericClient) -> Result<Self> {
        let c = q::registry_columns().bind(client).one().await?;
        Ok(RegistryColumns {
            built_rows: c.built_rows,
            element_bytes: c.element_bytes,
            measured_rows: c.measured_rows,
        })
    }

    /// Whether the database has V13's `built_rows`.
    pub(crate) fn built_rows(self) -> bool {
        self.built_rows
    }
}

/// Records `tier` as it is after its action: its rows, index and
/// `ef_search`; the most rows its index has held (V13); when its index
/// was just built or none is recorded yet, the bytes of one of its elements
/// (V14), from which [`crate::tiers::dead_elements`] later tells the rows
/// re-written in place; and when it was just measured (or none is recorded
/// yet), its rows as those it was measured at (V15), from which
/// [`crate::tiers::outgrown`] later tells a tier to measure again. A tier
/// without rows or index is forgotten.
pub(crate) async fn record_tier(
    client: &impl GenericClient,
    tier: &mut TierPlan,
    columns: RegistryColumns,
) -> Result<()> {
    let ty = tier.entity_type.as_str();
    let indexed = tier.action.indexed();
    if tier.rows == 0 && !indexed {
        q::delete_tier().bind(client, &tier.tenant_id, &ty).await?;
        return Ok(());
    }
    // A measurement again may have swapped in a new index (it has build
    // seconds then): built over the rows as they are, like a build's.
    let built = match tier.action {
        TierAction::Build | TierAction::Rebuild | TierAction::Reindex | TierAction::Convert => true,
        TierAction::Remeasure => tier.build_seconds.is_some(),
        TierAction::Keep | TierAction::Exact | TierAction::Drop => false,
    };
    // A reindex keeps what was measured on the graph it rebuilds.
    let measured = match tier.action {
        TierAction::Build | TierAction::Rebuild | TierAction::Convert | TierAction::Remeasure => {
            true
        }
        TierAction::Reindex | TierAction::Keep | TierAction::Exact | TierAction::Drop => false,
    };
    // What `record_measured_rows` stores (below), for the report.
    tier.measured_rows = if !columns.measured_rows || !indexed {
        None
    } else if measured {
        Some(tier.rows)
    } else {
        tier.measured_rows.or(Some(tier.rows))
    };
    q::upsert_tier()
        .bind(
            client,
            &tier.tenant_id,
            &ty,
            &tier.rows,
            &indexed.then_some(tier.index_name.as_str()),
            &tier.ef_search.map(|e| e as i32),
            &built,
        )
        .await?;
    if columns.built_rows {
        q::record_built_rows()
            .bind(client, &built, &tier.tenant_id, &ty)
            .await?;
    }
    if columns.measured_rows {
        q::record_measured_rows()
            .bind(client, &measured, &tier.tenant_id, &ty)
            .await?;
    }
    if columns.element_bytes {
        // A build changed the index: its size now. Else the plan's.
        let bytes = if built {
            q::index_bytes()
                .bind(client, &tier.index_name)
                .one()
                .await?
        } else {
            tier.index_bytes
        };
        q::record_element_bytes()
            .bind(client, &built, &bytes, &tier.tenant_id, &ty)
            .await?;
    }
    Ok(())
}
