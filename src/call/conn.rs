//! What a call borrows: [`Conn`], a pooled connection with the tenant (and
//! a tier's `hnsw.ef_search`) queued ahead of its first statement and reset
//! when it goes back, and [`InTransaction`], a transaction with the tenant
//! set for it.

use std::marker::PhantomData;

use futures_util::FutureExt;

use crate::db::Transaction;
use crate::pool::Lent;
use crate::raw_sql;

/// A pooled connection lent to one call of a tenant. When it is dropped
/// after the call's body returned, `RESET truthgraph.tenant_id` (and `RESET
/// hnsw.ef_search` when the call set it) is queued on it, i.e. before it goes
/// back to the pool; dropped before, it never goes back ([`Lent`]). `'a` is
/// the tenant handle's lifetime: a call's body may borrow anything that lives
/// that long.
pub(crate) struct Conn<'a> {
    pub(super) client: Lent,
    /// The replica the connection belongs to (`None`: the primary).
    pub(super) replica: Option<usize>,
    /// The prepared `set_config` (`None`: the login bypasses row-level
    /// security, the call is a read and sets no `ef_search`: nothing to set
    /// or reset).
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
    /// `hnsw.ef_search`, for a search whose tier wants another value.
    pub(super) ef_search: Option<u32>,
}

impl Sets {
    /// The statement that sets them, if any.
    pub(super) fn statement(self) -> Option<&'static str> {
        match (self.tenant, self.ef_search) {
            (true, None) => Some(raw_sql::SET_TENANT),
            (true, Some(_)) => Some(raw_sql::SET_TENANT_AND_EF_SEARCH),
            (false, Some(_)) => Some(raw_sql::SET_EF_SEARCH),
            (false, None) => None,
        }
    }

    /// The message that resets them.
    fn reset(self) -> &'static str {
        match (self.tenant, self.ef_search) {
            (true, None) => raw_sql::RESET_TENANT,
            (true, Some(_)) => raw_sql::RESET_TENANT_AND_EF_SEARCH,
            (false, _) => raw_sql::RESET_EF_SEARCH,
        }
    }
}

impl Conn<'_> {
    /// The connection.
    pub(crate) fn client(&self) -> &crate::db::Client {
        &self.client
    }

    /// Sets the session's tenant (and `ef_search`, when the call has one).
    /// The request is queued on the first poll (the statement is prepared
    /// already), so polled before the caller's statement it runs before it,
    /// in the same round trip.
    pub(super) async fn set_tenant(&self, tenant: &str) -> Result<u64, tokio_postgres::Error> {
        let Some(set) = &self.set else {
            return Ok(0);
        };
        match (self.sets.tenant, self.sets.ef_search) {
            (true, None) => self.client.execute(set, &[&tenant, &false]).await,
            (true, Some(ef)) => self.client.execute(set, &[&tenant, &ef.to_string()]).await,
            (false, ef) => {
                let ef = ef.unwrap_or_default().to_string();
                self.client.execute(set, &[&ef]).await
            }
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
