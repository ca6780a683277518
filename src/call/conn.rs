//! What a call borrows: [`Conn`], a pooled connection with the tenant (and
//! a tier search's settings, [`SearchSets`]) queued ahead of its first
//! statement and reset when it goes back, and [`InTransaction`], a
//! transaction with the tenant set for it.

use std::marker::PhantomData;

use futures_util::FutureExt;
use tokio_postgres::types::ToSql;

use crate::db::Transaction;
use crate::pool::Lent;
use crate::raw_sql;

/// A pooled connection lent to one call of a tenant. When it is dropped
/// after the call's body returned, `RESET truthgraph.tenant_id` (and the
/// resets of [`SearchSets`]' settings when the call set them) is queued
/// on it, i.e. before it goes back to the pool; dropped before, it never goes back ([`Lent`]). `'a` is
/// the tenant handle's lifetime: a call's body may borrow anything that lives
/// that long.
pub(crate) struct Conn<'a> {
    pub(super) client: Lent,
    /// The replica the connection belongs to (`None`: the primary).
    pub(super) replica: Option<usize>,
    /// The prepared `set_config` (`None`: the login bypasses row-level
    /// security, the call is a read and sets no search settings: nothing to
    /// set or reset).
    pub(super) set: Option<tokio_postgres::Statement>,
    /// What `set` sets.
    pub(super) sets: Sets,
    pub(super) _borrows: PhantomData<&'a ()>,
}

/// The session settings queued ahead of a call.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sets {
    /// `truthgraph.tenant_id`.
    pub(super) tenant: bool,
    /// A search of a tenant's own index that sets its own.
    pub(super) search: Option<SearchSets>,
}

/// The settings of one search of a tenant's own index ([`crate::tiers`]),
/// set for the call: both are set whenever one is needed, and both reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SearchSets {
    /// `hnsw.ef_search`: the tier's.
    pub(crate) ef_search: u32,
    /// `plan_cache_mode = force_generic_plan` instead of the connection's
    /// `force_custom_plan`: the statement names the tenant as a literal
    /// ([`crate::raw_sql::tier_search`]), so the plan made once per
    /// connection, without the parameters' values, uses the tier's index.
    pub(crate) generic_plan: bool,
    /// `hnsw.iterative_scan = off` instead of the connection's
    /// `relaxed_order`: one pass of `ef_search` candidates of a tier's own
    /// index, whose predicate is the tenant's, holds the rows the search
    /// needs with room to spare ([`crate::tiers::Route::one_pass`]). The
    /// rows are the same; an iterative scan's bookkeeping cost 6-9 % of
    /// such a search by hand, 16-20 % at 100K x 1536 (BENCHMARKS.md, "One
    /// pass of a tier's index").
    pub(crate) one_pass: bool,
}

impl SearchSets {
    /// `plan_cache_mode`'s value (`None`: the connection's).
    fn plan_cache_mode(self) -> Option<&'static str> {
        self.generic_plan.then_some("force_generic_plan")
    }

    /// `hnsw.iterative_scan`'s value (`None`: the connection's).
    fn iterative_scan(self) -> Option<&'static str> {
        self.one_pass.then_some("off")
    }
}

impl Sets {
    /// The statement that sets them, if any.
    pub(super) fn statement(self) -> Option<&'static str> {
        match (self.tenant, self.search) {
            (true, None) => Some(raw_sql::SET_TENANT),
            (true, Some(_)) => Some(raw_sql::SET_TENANT_AND_SEARCH),
            (false, Some(_)) => Some(raw_sql::SET_SEARCH),
            (false, None) => None,
        }
    }

    /// The message that resets them.
    fn reset(self) -> &'static str {
        match (self.tenant, self.search) {
            (true, None) => raw_sql::RESET_TENANT,
            (true, Some(_)) => raw_sql::RESET_TENANT_AND_SEARCH,
            (false, _) => raw_sql::RESET_SEARCH,
        }
    }
}

impl Conn<'_> {
    /// The connection.
    pub(crate) fn client(&self) -> &crate::db::Client {
        &self.client
    }

    /// Sets the session's tenant (and the search settings, when the call
    /// has them). The request is queued on the first poll (the statement is
    /// prepared already), so polled before the caller's statement it runs
    /// before it, in the same round trip.
    pub(super) async fn set_tenant(&self, tenant: &str) -> Result<u64, tokio_postgres::Error> {
        let Some(set) = &self.set else {
            return Ok(0);
        };
        match (self.sets.tenant, self.sets.search) {
            (true, None) => self.client.execute(set, &[&tenant, &false]).await,
            (true, Some(s)) => {
                let ef = s.ef_search.to_string();
                let params: [&(dyn ToSql + Sync); 4] =
                    [&tenant, &ef, &s.plan_cache_mode(), &s.iterative_scan()];
                self.client.execute(set, &params).await
            }
            (false, Some(s)) => {
                let ef = s.ef_search.to_string();
                let params: [&(dyn ToSql + Sync); 3] =
                    [&ef, &s.plan_cache_mode(), &s.iterative_scan()];
                self.client.execute(set, &params).await
            }
            (false, None) => Ok(0),
        }
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        // An unfinished call's connection is discarded: nothing to reset.
        if self.set.is_none() || !self.client.is_finished() {
            return;
        }
        // The first poll writes the request to the connection's queue; the
        // answer is not awaited (nothing can be done with it here). Requests
        // run in queue order, so the next borrower's statements run after it.
        let _ = self.client.batch_execute(self.sets.reset()).now_or_never();
    }
}

/// A transaction lent to one call of a tenant, with the tenant set for the
/// transaction. `'a` as for [`Conn`].
pub(crate) struct InTransaction<'t, 'a> {
    pub(super) tx: Transaction<'t>,
    pub(super) _borrows: PhantomData<&'a ()>,
}

impl<'t> InTransaction<'t, '_> {
    /// The transaction.
    pub(crate) fn tx(&self) -> &Transaction<'t> {
        &self.tx
    }
}
