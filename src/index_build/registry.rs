//! The tier registry's writes (`truthgraph_tiers`, [`crate::tiers`]): each
//! tier as it is after its action, with what its index was built over.

use truthgraph_queries::client::GenericClient;
use truthgraph_queries::queries::tiers as q;

use super::tiers::{TierAction, TierPlan};
use crate::error::Result;

/// Which of the registry's later columns the database has: V13's
/// `built_rows`, V14's `element_bytes` (a database not yet migrated to them
/// has its tiers recorded without). Asked once per maintenance step, not
/// per tier.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RegistryColumns {
    built_rows: bool,
    element_bytes: bool,
}

impl RegistryColumns {
    /// Reads them from the catalog.
    pub(crate) async fn of(client: &impl GenericClient) -> Result<Self> {
        Ok(RegistryColumns {
            built_rows: q::has_built_rows().bind(client).one().await?,
            element_bytes: q::has_element_bytes().bind(client).one().await?,
        })
    }
}

/// Records `tier` as it is after its action: its rows, index and
/// `ef_search`; the most rows its index has held (V13); and, when its index
/// was just built or none is recorded yet, the bytes of one of its elements
/// (V14), from which [`crate::tiers::dead_elements`] later tells the rows
/// re-written in place. A tier without rows or index is forgotten.
pub(crate) async fn record_tier(
    client: &impl GenericClient,
    tier: &TierPlan,
    columns: RegistryColumns,
) -> Result<()> {
    let ty = tier.entity_type.as_str();
    let indexed = tier.action.indexed();
    if tier.rows == 0 && !indexed {
        q::delete_tier().bind(client, &tier.tenant_id, &ty).await?;
        return Ok(());
    }
    let built = matches!(
        tier.action,
        TierAction::Build | TierAction::Rebuild | TierAction::Reindex | TierAction::Convert
    );
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
