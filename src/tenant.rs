//! [`Tenant`]: the tenant-scoped API, a borrowed handle from [`Database::tenant`].
//!
//! The tenant id is validated once, when the handle is made; every method of
//! the handle then reads, changes or references only that tenant's rows. The
//! methods live beside their queries, one file per family: `records/claims.rs`,
//! `records/evidence.rs`, `records/embeddings.rs`, `records/nli.rs`,
//! `records/verification.rs`, `records/verdicts.rs` and `search.rs`.
//!
//! # The tenant on the connection (row-level security)
//! Every statement the library sends for a tenant names it, and, since
//! migration V7, PostgreSQL enforces it too: for the role `truthgraph_app`
//! and its members the policies show and accept only rows of
//! `truthgraph_tenant()`, the setting `truthgraph.tenant_id`. The handle sets
//! it on every connection it borrows, without an extra round trip:
//! - a call of one statement (`Tenant::run`, `src/call/mod.rs`) queues
//!   `set_config('truthgraph.tenant_id', tenant, false)` on the connection
//!   just before its statement (the two are pipelined: sent together, answered
//!   together), and queues `RESET truthgraph.tenant_id` when it gives the
//!   connection back, before any later borrower can send anything: a pooled
//!   connection never carries a tenant into another call, even when the call
//!   was cancelled or panicked (the reset is queued from `Drop`);
//! - a call in a transaction (`Tenant::run_in_transaction`, [`Tenant::transaction`])
//!   sets it for that transaction only (`set_config(…, true)`), pipelined with
//!   the first statement.
//!
//! The table owner (the migrator, and the Python services connecting as it),
//! a superuser and a `BYPASSRLS` role are not subject to the policies: for
//! such a login ([`Database::sets_tenant`] is false) reads skip the setting
//! and its reset, and are again exactly one statement; writes keep the
//! setting as their probe of a dead connection (below).
//!
//! # Replicas
//! With read replicas configured ([`crate::Config::replica_urls`]), the
//! single-statement reads of a handle (searches, gets, lists) run on a
//! replica, with the tenant setting pipelined there just the same, and **may
//! be a moment behind** the primary (at most
//! [`crate::Config::replica_max_lag`]); writes and transactions run on the
//! primary. A read that must see earlier writes goes through
//! [`Tenant::after_write`] with a [`Database::write_token`]. A call that finds its
//! replica dead (or is cancelled by a recovery conflict there) runs again on
//! another replica or the primary. See [`crate::replica`].
//!
//! # Tracing
//! Each call runs in one span named `"{operation} {table}"` (e.g.
//! `search_evidence embeddings`) with OpenTelemetry's database fields and
//! the tenant (`truthgraph.tenant_id`), around the checkout, every attempt
//! and the statements (see [`crate::telemetry`] and `src/call/mod.rs`); the
//! pipelining above happens inside it.
//!
//! # Lost connections
//! After a failover or a mass disconnect the pool may still hold connections
//! whose server process is gone. A call that finds its connection dead before
//! anything ran (the queued tenant setting failed with the connection:
//! `57P01`–`57P03` or closed) is retried on another connection, read or write;
//! a read is also retried when the connection died while it ran (reads are
//! idempotent), a write is not (it may have committed). Each retry discards
//! one dead connection, so at most `pool_max_size` retries happen.

use crate::db::{Database, Transaction, TxFuture, commit_or_rollback};
use crate::error::Result;
use crate::raw_sql;
use crate::replica::WalToken;
use crate::validate;

/// One tenant's view of the database. Cheap to copy; borrows the [`Database`].
///
/// With read replicas configured, its single-statement reads may be a moment
/// behind the primary unless made through [`Tenant::after_write`] (see the
/// [module docs](self)).
///
/// # Examples
/// ```no_run
/// # async fn demo(db: &truthgraph_db::Database) -> truthgraph_db::Result<()> {
/// let acme = db.tenant("acme")?;
/// let claim = acme.insert_claim("Water boils at 100 °C", None).await?;
/// assert!(acme.get_claim(claim.id).await?.is_some());
/// assert!(db.tenant("globex")?.get_claim(claim.id).await?.is_none());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Tenant<'a> {
    db: &'a Database,
    id: &'a str,
    /// Reads on a replica wait for this WAL position (see [`Tenant::after_write`]).
    waits_for: Option<WalToken>,
}

impl Database {
    /// The tenant-scoped API for tenant `id`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`tenant_id`) when `id` is blank or
    /// longer than 255 bytes.
    pub fn tenant<'a>(&'a self, id: &'a str) -> Result<Tenant<'a>> {
        validate::tenant(id)?;
        Ok(Tenant {
            db: self,
            id,
            waits_for: None,
        })
    }
}

/// Sets `tenant` for the rest of the caller's transaction `tx`
/// (`set_config(…, true)`), for the `*_in` methods that write inside it.
/// On a Citus coordinator, `SET LOCAL`s it with the search settings, which
/// Citus propagates to the workers (see `src/call/`).
pub(crate) async fn set_in_transaction(
    db: &Database,
    tx: &Transaction<'_>,
    tenant: &str,
) -> Result<()> {
    if db.on_citus() {
        tx.batch_execute(&citus_set_local(db, tenant, None)).await?;
        return Ok(());
    }
    let set = tx.prepare_cached(raw_sql::SET_TENANT).await?;
    tx.execute(&set, &[&tenant, &true]).await?;
    Ok(())
}

/// The `SET LOCAL`s a tenant's transaction on a Citus coordinator starts
/// with: the search settings of `db` (with `ef_search` instead of its
/// `hnsw.ef_search` when given: a tier's, [`crate::tiers`]), and the tenant
/// unless the login bypasses row-level security.
pub(crate) fn citus_set_local(db: &Database, tenant: &str, ef_search: Option<u32>) -> String {
    let mut settings = db.search_defaults().as_pairs();
    if let Some(ef) = ef_search {
        for (name, value) in &mut settings {
            if *name == "hnsw.ef_search" {
                *value = ef.to_string();
            }
        }
    }
    raw_sql::citus_set_local(db.sets_tenant().then_some(tenant), &settings)
}

impl<'a> Tenant<'a> {
    /// The tenant id (`tenant_id` in the tables).
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The database this handle borrows.
    pub fn database(&self) -> &'a Database {
        self.db
    }

    /// The same handle, whose reads see every write committed before
    /// `token` was taken ([`Database::write_token`]): each read uses a
    /// replica only once it has replayed `token` (waiting for it up to
    /// [`crate::Config::replica_wait`]), and the primary otherwise. Writes
    /// are unaffected. Without replicas, reads go to the primary anyway.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(db: &truthgraph_db::Database) -> truthgraph_db::Result<()> {
    /// let acme = db.tenant("acme")?;
    /// let claim = acme.insert_claim("Water boils at 100 °C", None).await?;
    /// let fresh = acme.after_write(db.write_token().await?);
    /// assert!(fresh.get_claim(claim.id).await?.is_some());
    /// # Ok(()) }
    /// ```
    pub fn after_write(self, token: WalToken) -> Tenant<'a> {
        Tenant {
            waits_for: Some(token),
            ..self
        }
    }

    /// The position reads of this handle wait for, if any ([`Tenant::after_write`]).
    pub(crate) fn waits_for(&self) -> Option<WalToken> {
        self.waits_for
    }

    /// Runs `f` in a transaction in which row-level security shows only this
    /// tenant's rows (`truthgraph.tenant_id` set for the transaction): for
    /// your own SQL or the generated [`crate::queries`] functions when
    /// connected as a member of `truthgraph_app`. Commits when `f` returns
    /// `Ok`, rolls back when it returns `Err` or panics; dropped before it
    /// returns, its statement is cancelled on the server (`src/pool.rs`).
    /// Not retried. Traced as one `transaction` span with the tenant
    /// ([`crate::telemetry`]).
    ///
    /// # Errors
    /// The closure's error, or the error of `BEGIN`/`COMMIT`.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(db: &truthgraph_db::Database) -> truthgraph_db::Result<()> {
    /// let acme = db.tenant("acme")?;
    /// // As a member of truthgraph_app, the count is acme's claims only.
    /// let n: i64 = acme
    ///     .transaction(|tx| {
    ///         Box::pin(async move {
    ///             Ok(tx.query_one("SELECT count(*) FROM claims", &[]).await?.get(0))
    ///         })
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn transaction<T, F>(&self, f: F) -> Result<T>
    where
        T: Send,
        F: for<'t> FnOnce(&'t Transaction<'t>) -> TxFuture<'t, T> + Send,
    {
        let op = crate::telemetry::db_span!(self.db.telemetry(), "transaction", tenant = self.id);
        crate::telemetry::traced(op, async {
            // Dropped (or on panic) before the end, the transaction's
            // connection leaves the pool and its statement is cancelled.
            let mut client = crate::pool::Lent::new(self.db.client().await?);
            let tx = client.transaction().await?;
            set_in_transaction(self.db, &tx, self.id).await?;
            let out = f(&tx).await;
            let out = commit_or_rollback(tx, out).await;
            client.finish();
            out
        })
        .await
    }
}

/// The span of a [`crate::Tenant`] call, `"{operation} {table}"` with the
/// tenant: `tenant_span!(tenant, "operation", "table")`.
macro_rules! tenant_span {
    ($tenant:expr, $op:literal, $coll:literal) => {{
        let tenant: &$crate::tenant::Tenant<'_> = &$tenant;
        $crate::telemetry::db_span!(
            tenant.database().telemetry(),
            $op,
            $coll,
            tenant = tenant.id()
        )
    }};
}
pub(crate) use tenant_span;
