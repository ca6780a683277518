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
//! - a call of one statement (macro `call!`) queues
//!   `set_config('truthgraph.tenant_id', tenant, false)` on the connection
//!   just before its statement (the two are pipelined: sent together, answered
//!   together), and queues `RESET truthgraph.tenant_id` when it gives the
//!   connection back, before any later borrower can send anything: a pooled
//!   connection never carries a tenant into another call, even when the call
//!   was cancelled or panicked (the reset is queued from `Drop`);
//! - a call in a transaction (macro `in_transaction!`, [`Tenant::transaction`])
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
//! [`Tenant::after`] with a [`Database::write_token`]. A call that finds its
//! replica dead (or is cancelled by a recovery conflict there) runs again on
//! another replica or the primary. See [`crate::replica`].
//!
//! # Tracing
//! Each call runs in one span named `"{operation} {table}"` (e.g.
//! `search_evidence embeddings`) with OpenTelemetry's database fields and
//! the tenant (`truthgraph.tenant_id`), made by the macros `call!` and
//! `in_transaction!` around the checkout, every attempt and the statements
//! (see [`crate::telemetry`]); the pipelining above happens inside it.
//!
//! # Lost connections
//! After a failover or a mass disconnect the pool may still hold connections
//! whose server process is gone. A call that finds its connection dead before
//! anything ran (the queued tenant setting failed with the connection:
//! `57P01`–`57P03` or closed) is retried on another connection, read or write;
//! a read is also retried when the connection died while it ran (reads are
//! idempotent), a write is not (it may have committed). Each retry discards
//! one dead connection, so at most `pool_max_size` retries happen.

use futures_util::FutureExt;
use tokio_postgres::error::SqlState;

use crate::db::{Client, Database, Transaction, TxFuture};
use crate::error::{Result, connection_lost};
use crate::raw_sql;
use crate::replica::WalToken;
use crate::validate;

/// One tenant's view of the database. Cheap to copy; borrows the [`Database`].
///
/// With read replicas configured, its single-statement reads may be a moment
/// behind the primary unless made through [`Tenant::after`] (see the
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
    /// Reads on a replica wait for this WAL position (see [`Tenant::after`]).
    after: Option<WalToken>,
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
            after: None,
        })
    }
}

/// Whether a failed call may run again on another connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Idempotent: retried whenever the connection was lost.
    Read,
    /// Retried only when the connection was dead before anything ran.
    Write,
}

/// A pooled connection lent for one tenant: `RESET truthgraph.tenant_id` is
/// queued on it when it is dropped, i.e. before it goes back to the pool.
pub(crate) struct Scoped {
    client: Client,
    /// The replica the connection belongs to (`None`: the primary).
    replica: Option<usize>,
    /// The prepared `set_config` (`None`: the login bypasses row-level
    /// security, nothing to set or reset).
    set: Option<tokio_postgres::Statement>,
}

impl Scoped {
    /// The connection.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The replica the connection belongs to (`None`: the primary).
    pub(crate) fn replica(&self) -> Option<usize> {
        self.replica
    }

    /// Sets the session's tenant. The request is queued on the first poll
    /// (the statement is prepared already), so polled before the caller's
    /// statement it runs before it, in the same round trip.
    pub(crate) async fn set_tenant(&self, tenant: &str) -> Result<u64, tokio_postgres::Error> {
        match &self.set {
            Some(set) => self.client.execute(set, &[&tenant, &false]).await,
            None => Ok(0),
        }
    }
}

impl Drop for Scoped {
    fn drop(&mut self) {
        if self.set.is_none() {
            return;
        }
        // The first poll writes the request to the connection's queue; the
        // answer is not awaited (nothing can be done with it here). Requests
        // run in queue order, so the next borrower's statements run after it.
        let _ = self
            .client
            .batch_execute(raw_sql::RESET_TENANT)
            .now_or_never();
    }
}

/// What to do after one attempt of a call.
pub(crate) enum Next<T> {
    /// Return this.
    Done(Result<T>),
    /// Run the call again on another connection.
    Retry,
}

/// Decides after an attempt: `was_set` is the result of the tenant setting
/// queued ahead of the call, `out` the call's, `last` whether retries are
/// used up.
pub(crate) fn after_call<T>(
    was_set: Result<u64, tokio_postgres::Error>,
    out: Result<T>,
    retry: Retry,
    last: bool,
) -> Next<T> {
    match (was_set, out) {
        (Ok(_), Ok(v)) => Next::Done(Ok(v)),
        (Err(e), Err(out)) if !last && never_ran(&e) && out.is_connection_error() => Next::Retry,
        (_, Err(out)) if !last && retry == Retry::Read && out.is_connection_error() => Next::Retry,
        (_, Err(out)) => Next::Done(Err(out)),
        // The call succeeded without the tenant in force: not to be trusted.
        (Err(e), Ok(_)) => Next::Done(Err(e.into())),
    }
}

/// Runs `$body` (an expression of type `Result<T>` using the connection
/// `$c: &Client`) for tenant `$tenant` with the tenant set on the
/// connection, pipelined ahead of the body's first statement, retried as
/// `$retry` allows, in one span named `"$op $collection"` (see
/// [`crate::telemetry`]) that covers the checkout, every attempt and the
/// statements. A macro rather than a closure-taking function: the
/// compiler cannot prove a future built from an `async` closure `Send`
/// across a higher-ranked borrow, and callers spawn these futures.
macro_rules! call {
    ($tenant:expr, $retry:expr, $op:literal, $collection:literal, |$c:ident| $body:expr) => {{
        let tenant: &$crate::tenant::Tenant<'_> = &$tenant;
        let db = tenant.database();
        let op = $crate::telemetry::db_span!(db, $op, $collection, tenant = tenant.id());
        $crate::telemetry::traced(db, op, async {
            let mut attempt = 0;
            loop {
                attempt += 1;
                let last = attempt > db.config().pool_max_size;
                let conn = tenant.checkout($retry).await?;
                let replica = conn.replica();
                // `join` polls the setting first: it is queued ahead of the
                // body's first statement and both go out together.
                let (was_set, out) =
                    futures_util::future::join(conn.set_tenant(tenant.id()), async {
                        let $c: &$crate::db::Client = conn.client();
                        let out: $crate::error::Result<_> = async { $body }.await;
                        out
                    })
                    .await;
                match $crate::tenant::after_call(was_set, out, $retry, last) {
                    // A replica's fault (dead, shutting down, recovery
                    // conflict): skip it and run the read elsewhere.
                    $crate::tenant::Next::Done(Err(e))
                        if !last && replica.is_some() && $crate::replica::replica_trouble(&e) =>
                    {
                        db.replica_failed(replica.unwrap_or_default(), &e);
                        tracing::debug!(attempt, "replica failed; reading elsewhere");
                        continue;
                    }
                    $crate::tenant::Next::Done(r) => break r,
                    $crate::tenant::Next::Retry => {
                        if let Some(i) = replica {
                            db.replica_failed(i, &"connection lost");
                        }
                        tracing::debug!(attempt, "connection lost; retrying on another");
                        continue;
                    }
                }
            }
        })
        .await
    }};
}
pub(crate) use call;

/// Runs `$body` (an expression of type `Result<T>` using the transaction
/// `$tx: &Transaction`) in a transaction of tenant `$tenant`, with the tenant
/// set for that transaction only, pipelined with the body's first statement.
/// Commits when the body returns `Ok`, rolls back otherwise. Retried on
/// another connection when `BEGIN` finds the connection dead, and, for
/// [`Retry::Read`], whenever the connection is lost. One span, as for
/// [`call`]. A macro for the reason given at [`call`].
macro_rules! in_transaction {
    ($tenant:expr, $retry:expr, $op:literal, $collection:literal, |$tx:ident| $body:expr) => {{
        let tenant: &$crate::tenant::Tenant<'_> = &$tenant;
        let retry: $crate::tenant::Retry = $retry;
        let db = tenant.database();
        let op = $crate::telemetry::db_span!(db, $op, $collection, tenant = tenant.id());
        $crate::telemetry::traced(db, op, async {
            let mut attempt = 0;
            loop {
                attempt += 1;
                let last = attempt > db.config().pool_max_size;
                let mut conn = db.client().await?;
                let tx = match conn.transaction().await {
                    Ok(tx) => tx,
                    Err(e) if !last && $crate::error::connection_lost(&e) => continue,
                    Err(e) => break Err(e.into()),
                };
                let out: $crate::error::Result<_> = async {
                    let set = match db.sets_tenant() {
                        true => Some(tx.prepare_cached($crate::raw_sql::SET_TENANT).await?),
                        false => None,
                    };
                    let set_tenant = async {
                        match &set {
                            Some(set) => tx.execute(set, &[&tenant.id(), &true]).await,
                            None => Ok(0),
                        }
                    };
                    let (was_set, out) = futures_util::future::join(set_tenant, async {
                        let $tx: &$crate::db::Transaction<'_> = &tx;
                        let out: $crate::error::Result<_> = async { $body }.await;
                        out
                    })
                    .await;
                    was_set?;
                    out
                }
                .await;
                let lost = match &out {
                    Ok(_) => false,
                    Err(e) => e.is_connection_error(),
                };
                match out {
                    Ok(v) => match tx.commit().await {
                        Ok(()) => break Ok(v),
                        Err(e)
                            if !last
                                && retry == $crate::tenant::Retry::Read
                                && $crate::error::connection_lost(&e) => {}
                        Err(e) => break Err(e.into()),
                    },
                    Err(e) => {
                        let _ = tx.rollback().await;
                        if last || retry == $crate::tenant::Retry::Write || !lost {
                            break Err(e);
                        }
                    }
                }
                tracing::debug!(attempt, "connection lost; retrying on another");
            }
        })
        .await
    }};
}
pub(crate) use in_transaction;

/// Sets `tenant` for the rest of the caller's transaction `tx`
/// (`set_config(…, true)`), for the `*_in` methods that write inside it.
pub(crate) async fn set_in_transaction(tx: &Transaction<'_>, tenant: &str) -> Result<()> {
    let set = tx.prepare_cached(raw_sql::SET_TENANT).await?;
    tx.execute(&set, &[&tenant, &true]).await?;
    Ok(())
}

/// The server process of the connection was gone before the statement ran.
fn never_ran(e: &tokio_postgres::Error) -> bool {
    e.is_closed()
        || e.code().is_some_and(|c| {
            *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
        })
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
    /// let fresh = acme.after(db.write_token().await?);
    /// assert!(fresh.get_claim(claim.id).await?.is_some());
    /// # Ok(()) }
    /// ```
    pub fn after(self, token: WalToken) -> Tenant<'a> {
        Tenant {
            after: Some(token),
            ..self
        }
    }

    /// The position reads of this handle wait for, if any ([`Tenant::after`]).
    pub fn after_token(&self) -> Option<WalToken> {
        self.after
    }

    /// Borrows a pooled connection (for a read, from a replica when one is
    /// usable: see [`crate::replica`]) and prepares (once per connection)
    /// the statement that sets the tenant, unless the login bypasses
    /// row-level security and the call is a read (a write keeps it as its
    /// probe of a dead connection); retried on another connection when the
    /// connection turns out dead.
    pub(crate) async fn checkout(&self, retry: Retry) -> Result<Scoped> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (client, replica) = match retry {
                Retry::Read => self.db.read_client(self.after).await?,
                Retry::Write => (self.db.client().await?, None),
            };
            // A write also needs the setting as a probe: its failure with a
            // dead connection proves the write never ran (see `after_call`).
            if !self.db.sets_tenant() && retry == Retry::Read {
                return Ok(Scoped {
                    client,
                    replica,
                    set: None,
                });
            }
            match client.prepare_cached(raw_sql::SET_TENANT).await {
                Ok(set) => {
                    return Ok(Scoped {
                        client,
                        replica,
                        set: Some(set),
                    });
                }
                Err(e) if attempt <= self.db.config().pool_max_size && connection_lost(&e) => {
                    if let Some(i) = replica {
                        self.db.replica_failed(i, &e);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Runs `f` in a transaction in which row-level security shows only this
    /// tenant's rows (`truthgraph.tenant_id` set for the transaction): for
    /// your own SQL or the generated [`crate::queries`] functions when
    /// connected as a member of `truthgraph_app`. Commits when `f` returns
    /// `Ok`, rolls back when it returns `Err` or panics. Not retried. Traced
    /// as one `transaction` span with the tenant ([`crate::telemetry`]).
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
        let op = crate::telemetry::db_span!(self.db, "transaction", tenant = self.id);
        crate::telemetry::traced(self.db, op, async {
            let mut client = self.db.client().await?;
            let tx = client.transaction().await?;
            set_in_transaction(&tx, self.id).await?;
            // On panic `tx` is dropped unfinished, and tokio-postgres rolls it back.
            let out = f(&tx).await;
            crate::db::finish(tx, out).await
        })
        .await
    }
}
