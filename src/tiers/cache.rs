//! The routes a [`Database`] holds: the tiers with a valid index of their
//! own, and whether an index over every tenant is there. Read at open,
//! after the handle's own tier changes, and in the background of a search
//! once older than [`REFRESH_AFTER`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use truthgraph_queries::client::GenericClient;
use truthgraph_queries::queries::tiers;

use super::{LITERAL_TIERS, REFRESH_AFTER, Route};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::labels::EntityType;
use crate::settings::{Origin, SearchDefaults};

/// One tier with a valid index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IndexTier {
    /// Rows counted at the last maintenance.
    pub rows: i64,
    /// Its stored `ef_search` (`None`: the connection's).
    pub ef_search: Option<u32>,
    /// Its index is on `binary_quantize(embedding)` ([`Route::Quantized`]).
    pub quantized: bool,
    /// Its index is a Hamming list, whose stored `ef_search` is the
    /// candidates it re-ranks ([`super::LIST_CANDIDATES`]).
    pub hamming_list: bool,
    /// One of the [`LITERAL_TIERS`] largest: its searches name the tenant
    /// as a literal ([`Route::tenant_literal`]).
    pub literal: bool,
}

impl IndexTier {
    /// The fewest candidates a quantized search of this tier re-ranks: a
    /// Hamming list's measured value, never fewer than
    /// [`super::min_rerank_candidates`] for its rows (a list measured
    /// before its value was stored has none); a Hamming graph's, that.
    fn rerank_candidates(&self) -> i64 {
        if self.hamming_list {
            super::list_rerank_candidates(self.ef_search, self.rows)
        } else {
            super::min_rerank_candidates(self.rows)
        }
    }
}

/// The routes as read at one moment.
#[derive(Debug)]
pub(crate) struct Snapshot {
    read_at: Instant,
    /// Index tiers of evidence, by tenant.
    evidence: HashMap<String, IndexTier>,
    /// Index tiers of claims, by tenant.
    claims: HashMap<String, IndexTier>,
    /// Whether a valid vector index over every tenant is on `embeddings`.
    shared: bool,
}

impl Snapshot {
    fn empty(shared: bool) -> Self {
        Snapshot {
            read_at: Instant::now(),
            evidence: HashMap::new(),
            claims: HashMap::new(),
            shared,
        }
    }

    fn tiers(&self, entity_type: EntityType) -> &HashMap<String, IndexTier> {
        match entity_type {
            EntityType::Evidence => &self.evidence,
            EntityType::Claim => &self.claims,
        }
    }

    /// Reads the routes on `client`. Before V10 (no `truthgraph_tiers`) there
    /// are none: every tenant is searched through the index over all.
    pub(crate) async fn read(client: &impl GenericClient) -> Result<Self> {
        let index = tiers::shared_vector_index().bind(client).one().await?;
        if !index.registry {
            return Ok(Self::empty(index.shared));
        }
        let routes = tiers::tier_routes().bind(client).all().await?;
        Ok(Self::of(index.shared, routes))
    }

    /// The snapshot of `routes`; the [`LITERAL_TIERS`] largest by rows
    /// name their tenant as a literal.
    fn of(shared: bool, mut routes: Vec<tiers::TierRoute>) -> Self {
        let mut out = Self::empty(shared);
        routes.sort_by_key(|r| std::cmp::Reverse(r.row_count));
        for (i, r) in routes.into_iter().enumerate() {
            let tier = IndexTier {
                rows: r.row_count,
                ef_search: r.ef_search.and_then(|e| u32::try_from(e).ok()),
                quantized: r.quantized,
                hamming_list: r.hamming_list,
                literal: i < LITERAL_TIERS,
            };
            match r.entity_type.parse::<EntityType>() {
                Ok(EntityType::Evidence) => out.evidence.insert(r.tenant_id, tier),
                Ok(EntityType::Claim) => out.claims.insert(r.tenant_id, tier),
                Err(_) => None,
            };
        }
        out
    }
}

/// The routes of one [`Database`] and its clones.
#[derive(Debug)]
pub(crate) struct TierCache {
    snapshot: RwLock<Arc<Snapshot>>,
    refreshing: AtomicBool,
}

impl TierCache {
    pub(crate) fn new(snapshot: Snapshot) -> Self {
        TierCache {
            snapshot: RwLock::new(Arc::new(snapshot)),
            refreshing: AtomicBool::new(false),
        }
    }

    fn get(&self) -> Arc<Snapshot> {
        self.snapshot.read().expect("tier cache").clone()
    }

    fn set(&self, snapshot: Snapshot) {
        *self.snapshot.write().expect("tier cache") = Arc::new(snapshot);
    }

    /// Marks the routes as just read, keeping them (after a failed refresh:
    /// the next try waits another [`REFRESH_AFTER`]).
    fn touch(&self) {
        let old = self.get();
        self.set(Snapshot {
            read_at: Instant::now(),
            evidence: old.evidence.clone(),
            claims: old.claims.clone(),
            shared: old.shared,
        });
    }
}

impl Database {
    /// The route of a search of `tenant`'s `entity_type` by the routes this
    /// handle holds (refreshed in the background when they are old); never
    /// waits for the database.
    pub fn search_route(&self, tenant: &str, entity_type: EntityType) -> Route {
        let snapshot = self.tiers.get();
        if snapshot.read_at.elapsed() > REFRESH_AFTER {
            self.refresh_tiers_in_background();
        }
        let defaults = self.search_defaults();
        // Citus calls set their settings by `SET LOCAL`s, which leave
        // `plan_cache_mode` as it is (src/call/mod.rs): typed statements.
        let literal = |tier: &IndexTier| tier.literal && !self.on_citus();
        match snapshot.tiers(entity_type).get(tenant) {
            Some(tier) if tier.quantized => Route::Quantized {
                // A list has no graph: its value is its candidates.
                ef_search: (!tier.hamming_list)
                    .then(|| tier_ef(defaults, tier.ef_search))
                    .flatten(),
                tenant_literal: literal(tier),
                candidates: tier.rerank_candidates(),
            },
            Some(tier) => Route::Index {
                ef_search: tier_ef(defaults, tier.ef_search),
                tenant_literal: literal(tier),
            },
            None if snapshot.shared => Route::Shared {
                ef_search: (defaults.shared_ef_search != defaults.ef_search)
                    .then_some(defaults.shared_ef_search),
            },
            None => Route::Exact,
        }
    }

    /// The index tier of `tenant`'s `entity_type` as this handle knows it
    /// (`None`: exact or shared).
    pub(crate) fn index_tier(&self, tenant: &str, entity_type: EntityType) -> Option<IndexTier> {
        self.tiers.get().tiers(entity_type).get(tenant).copied()
    }

    /// Reads the routes again now (after this handle changed a tier).
    ///
    /// # Errors
    /// Connection and database errors; the routes held stay as they were.
    pub async fn refresh_tiers(&self) -> Result<()> {
        let client = self.client().await?;
        self.refresh_tiers_on(&**client).await
    }

    /// [`Database::refresh_tiers`] on `client`.
    pub(crate) async fn refresh_tiers_on(&self, client: &impl GenericClient) -> Result<()> {
        self.tiers.set(Snapshot::read(client).await?);
        Ok(())
    }

    /// Starts a refresh on a pooled connection in the background, unless
    /// one is running. Holds the pool and the cache only (not the handle, so
    /// an embedded server still stops when the last handle goes).
    fn refresh_tiers_in_background(&self) {
        let cache = self.tiers.clone();
        if cache.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            cache.refreshing.store(false, Ordering::Release);
            return;
        };
        let pool = self.pool().clone();
        let closed = self.is_closed();
        runtime.spawn(async move {
            let read = async {
                if closed {
                    return Err(Error::Closed);
                }
                let client = pool
                    .get()
                    .await
                    .map_err(|e| Error::pool("refreshing the search tiers", e))?;
                Snapshot::read(&**client).await
            };
            match read.await {
                Ok(snapshot) => cache.set(snapshot),
                Err(e) => {
                    tracing::debug!(error = %e, "refreshing the search tiers failed; keeping them");
                    cache.touch();
                }
            }
            cache.refreshing.store(false, Ordering::Release);
        });
    }
}

/// The `ef_search` a search in a tier's own index sets: none when the
/// connection's is pinned (it then applies to every tier) or equal to the
/// tier's; a value `tune` stored is a floor (a tier's own may only raise it).
fn tier_ef(defaults: &SearchDefaults, stored: Option<u32>) -> Option<u32> {
    match (stored, &defaults.ef_search_origin) {
        (_, Origin::Pinned) | (None, _) => None,
        (Some(e), Origin::BuiltIn { .. }) => (e != defaults.ef_search).then_some(e),
        (Some(e), _) => (e > defaults.ef_search).then_some(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hamming_list_reranks_its_stored_candidates_a_graph_the_fewest_for_its_rows() {
        let tier = |rows, ef_search, hamming_list| IndexTier {
            rows,
            ef_search,
            quantized: true,
            hamming_list,
            literal: false,
        };
        assert_eq!(tier(5_000, Some(400), true).rerank_candidates(), 400);
        // Never fewer than its rows need (a list measured smaller, grown since).
        assert_eq!(tier(25_000, Some(100), true).rerank_candidates(), 200);
        // Measured before lists stored their candidates.
        assert_eq!(tier(5_000, None, true).rerank_candidates(), 100);
        // A graph's stored value is its ef_search, not its candidates.
        assert_eq!(tier(5_000, Some(150), false).rerank_candidates(), 100);
    }

    #[test]
    fn the_largest_tiers_name_their_tenant_as_a_literal() {
        let route = |tenant: String, entity_type: &str, row_count: i64| tiers::TierRoute {
            tenant_id: tenant,
            entity_type: entity_type.into(),
            row_count,
            ef_search: None,
            quantized: false,
            hamming_list: false,
        };
        // LITERAL_TIERS - 1 evidence tiers of 2K-65K rows, then a claims
        // tier of 1,500 rows (the last one in) and two of 1,000 (out).
        let mut routes: Vec<_> = (1..LITERAL_TIERS as i64)
            .map(|i| route(format!("e{i}"), "evidence", 1_000 + i * 1_000))
            .collect();
        routes.push(route("c1".into(), "claim", 1_500));
        routes.push(route("c2".into(), "claim", 1_000));
        routes.push(route("e0".into(), "evidence", 1_000));
        let s = Snapshot::of(false, routes);
        assert!(s.claims["c1"].literal);
        assert!(!s.claims["c2"].literal);
        assert!(!s.evidence["e0"].literal);
        assert_eq!(
            s.evidence
                .values()
                .chain(s.claims.values())
                .filter(|t| t.literal)
                .count(),
            LITERAL_TIERS
        );
    }
}
