//! How one [`Tenant`] call runs, in two functions read top to bottom:
//! [`Tenant::run`] (one statement) and [`Tenant::run_in_transaction`]. They
//! hold every rule a call follows:
//!
//! - **routing**: an [`Access::Read`] of one statement borrows from a read
//!   replica when one is usable (see [`crate::replica`]), everything else
//!   from the primary;
//! - **the tenant on the connection** (row-level security, V7): queued
//!   ahead of the call's first statement and pipelined with it (see
//!   [`crate::tenant`]), reset before the connection returns to the pool;
//!   the same for a search's `hnsw.ef_search`, `plan_cache_mode` and
//!   `hnsw.iterative_scan` when its tenant's index wants another
//!   `ef_search` than the connection's, a statement planned once per
//!   connection or one pass of the index ([`SearchSets`]): one
//!   `set_config` statement sets them, one `RESET` message resets them;
//! - **retries after lost connections**: a call that finds its connection
//!   dead before anything ran runs again on another connection, read or
//!   write; a read also when the connection died while it ran (reads are
//!   idempotent), a write never then (it may have committed). Each retry
//!   discards one dead connection, so at most [`crate::Config::pool_max_size`]
//!   retries happen. A read whose replica failed it (dead, shutting down,
//!   recovery conflict) runs again elsewhere.
//! - **one span** per call, around the checkout, every attempt and the
//!   statements (see [`crate::telemetry`]);
//! - **a dropped call stops**: until its statements have returned, the
//!   call's connection is a [`Lent`]; a call whose future is dropped before
//!   (a timeout, a search's deadline, a caller gone) leaves its connection
//!   out of the pool and its statement cancelled on the server (see
//!   `src/pool.rs`), so no later borrower waits behind it.
//!
//! The body of a call is a closure that returns a boxed future borrowing the
//! connection (`|c| Box::pin(async move { … })`), called once per attempt.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use crate::error::{Error, Result, connection_lost, never_ran, replica_trouble};
use crate::pool::Lent;
use crate::raw_sql;
use crate::telemetry::{Op, traced};
use crate::tenant::Tenant;

mod conn;

use conn::Sets;
pub(crate) use conn::{Conn, InTransaction, SearchSets};

/// The future a call's body returns, borrowing the connection for `'c`.
pub(crate) type CallFuture<'c, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'c>>;

/// What a call does, which decides where it runs and when it may run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Only reads: one statement may run on a replica; runs again on another
    /// connection whenever the connection is lost.
    Read,
    /// Writes: runs on the primary; runs again only when the connection was
    /// dead before anything ran.
    Write,
}

/// What to do after one attempt of a call.
enum Next<T> {
    /// Return this.
    Done(Result<T>),
    /// Run the call again on another connection.
    Again,
}

/// Decides after an attempt: `was_set` is the result of the tenant setting
/// queued ahead of the call, `out` the call's, `last` whether retries are
/// used up.
fn next_step<T>(
    was_set: Result<u64, tokio_postgres::Error>,
    out: Result<T>,
    access: Access,
    last: bool,
) -> Next<T> {
    match (was_set, out) {
        (Ok(_), Ok(v)) => Next::Done(Ok(v)),
        (Err(e), Err(out)) if !last && never_ran(&e) && out.is_connection_error() => Next::Again,
        (_, Err(out)) if !last && access == Access::Read && out.is_connection_error() => {
            Next::Again
        }
        (_, Err(out)) => Next::Done(Err(out)),
        // The call succeeded without the tenant in force: not to be trusted.
        (Err(e), Ok(_)) => Next::Done(Err(e.into())),
    }
}

impl<'a> Tenant<'a> {
    /// Runs `body`, the statements of one call, on a connection of this
    /// tenant (see the [module docs](self)): borrowed by `access`, with the
    /// tenant set ahead of the body's first statement, retried as `access`
    /// allows, traced as `op`.
    pub(crate) async fn run<T, F>(&self, access: Access, op: Op, body: F) -> Result<T>
    where
        F: for<'c> Fn(&'c Conn<'a>) -> CallFuture<'c, T>,
    {
        self.run_search(access, op, None, body).await
    }

    /// [`Tenant::run`] with a tier search's settings (`hnsw.ef_search`,
    /// `plan_cache_mode`) set for the call, pipelined with the tenant
    /// setting and reset with it (`None`: the connection's).
    pub(crate) async fn run_search<T, F>(
        &self,
        access: Access,
        op: Op,
        search: Option<SearchSets>,
        body: F,
    ) -> Result<T>
    where
        F: for<'c> Fn(&'c Conn<'a>) -> CallFuture<'c, T>,
    {
        let db = self.database();
        traced(op, async {
            let mut attempt = 0;
            loop {
                attempt += 1;
                let last = attempt > db.config().pool_max_size;
                let conn = self.checkout(access, search).await?;
                // `join` polls the setting first: it is queued ahead of the
                // body's first statement and both go out together.
                let (was_set, out) = if db.on_citus() {
                    let ef_search = search.map(|s| s.ef_search);
                    self.on_citus(&conn, ef_search, &body).await
                } else {
                    futures_util::future::join(conn.set_tenant(self.id()), body(&conn)).await
                };
                // Everything the call sent has returned: the connection may
                // go back to the pool.
                conn.client.finish();
                match (next_step(was_set, out, access, last), conn.replica) {
                    // A replica's fault (dead, shutting down, recovery
                    // conflict): skip it and run the read elsewhere.
                    (Next::Done(Err(e)), Some(i)) if !last && replica_trouble(&e) => {
                        db.replica_failed(i, &e);
                        tracing::debug!(attempt, "replica failed; reading elsewhere");
                    }
                    (Next::Done(out), _) => return out,
                    (Next::Again, replica) => {
                        if let Some(i) = replica {
                            db.replica_failed(i, &"connection lost");
                        }
                        tracing::debug!(attempt, "connection lost; retrying on another");
                    }
                }
            }
        })
        .await
    }

    /// Runs `body` in a transaction of this tenant on the primary, with the
    /// tenant set for that transaction only (pipelined with the body's
    /// first statement). Commits when the body returns `Ok`, rolls back
    /// otherwise. Runs again on another connection when `BEGIN` finds the
    /// connection dead, and, for [`Access::Read`], whenever the connection
    /// is lost. Traced as `op`.
    pub(crate) async fn run_in_transaction<T, F>(
        &self,
        access: Access,
        op: Op,
        body: F,
    ) -> Result<T>
    where
        F: for<'c> Fn(&'c InTransaction<'c, 'a>) -> CallFuture<'c, T>,
    {
        let db = self.database();
        traced(op, async {
            let mut attempt = 0;
            loop {
                attempt += 1;
                let last = attempt > db.config().pool_max_size;
                let mut client = Lent::new(db.client().await?);
                // Outer error: `BEGIN` failed; inner: the body's or COMMIT's.
                let out: Result<Result<T>, tokio_postgres::Error> = async {
                    let tx = InTransaction {
                        tx: client.transaction().await?,
                        _borrows: PhantomData,
                    };
                    let set_tenant = async {
                        if db.on_citus() {
                            let set = crate::tenant::citus_set_local(db, self.id(), None);
                            tx.tx.batch_execute(&set).await?;
                        } else if db.sets_tenant() {
                            let set = tx.tx.prepare_cached(raw_sql::SET_TENANT).await?;
                            tx.tx.execute(&set, &[&self.id(), &true]).await?;
                        }
                        Ok::<_, Error>(())
                    };
                    let out = match futures_util::future::join(set_tenant, body(&tx)).await {
                        (Ok(()), out) => out,
                        (Err(e), _) => Err(e),
                    };
                    Ok(match out {
                        Ok(v) => tx.tx.commit().await.map(|()| v).map_err(Error::from),
                        Err(e) => {
                            let _ = tx.tx.rollback().await;
                            Err(e)
                        }
                    })
                }
                .await;
                // BEGIN, COMMIT or ROLLBACK has returned: the connection may
                // go back to the pool.
                client.finish();
                let retry = |e: &Error| !last && access == Access::Read && e.is_connection_error();
                match out {
                    Ok(Ok(v)) => return Ok(v),
                    Ok(Err(e)) if retry(&e) => {}
                    Ok(Err(e)) => return Err(e),
                    Err(e) if !last && connection_lost(&e) => continue,
                    Err(e) => return Err(e.into()),
                }
                tracing::debug!(attempt, "connection lost; retrying on another");
            }
        })
        .await
    }

    /// One attempt of [`Tenant::run`] on a Citus coordinator: the body in a
    /// transaction that starts with `SET LOCAL`s of the tenant and the search
    /// settings, which Citus sends to every worker the transaction reaches
    /// (a session's settings, startup options included, stay on the
    /// coordinator). `BEGIN` and the settings are pipelined with the body's
    /// first statement; `COMMIT` (or `ROLLBACK`) is one more round trip.
    /// `ef_search`: the call's own (a tier's), instead of the connection's.
    async fn on_citus<T, F>(
        &self,
        conn: &Conn<'a>,
        ef_search: Option<u32>,
        body: &F,
    ) -> (Result<u64, tokio_postgres::Error>, Result<T>)
    where
        F: for<'c> Fn(&'c Conn<'a>) -> CallFuture<'c, T>,
    {
        let begin = format!(
            "BEGIN; {}",
            crate::tenant::citus_set_local(self.database(), self.id(), ef_search)
        );
        let (began, out) =
            futures_util::future::join(conn.client.batch_execute(&begin), body(conn)).await;
        let end = if began.is_ok() && out.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        let out = match (out, conn.client.batch_execute(end).await) {
            (Ok(v), Ok(())) => Ok(v),
            (Ok(_), Err(e)) => Err(e.into()),
            (Err(e), _) => Err(e),
        };
        (began.map(|()| 0), out)
    }

    /// Borrows a pooled connection (for a read, from a replica when one is
    /// usable: see [`crate::replica`]) and prepares (once per connection)
    /// the statement that sets the tenant (and the search settings), unless
    /// the login bypasses row-level security, the call is a read and sets no
    /// search settings (a write keeps the tenant setting as its probe of a dead
    /// connection); retried on another connection when the connection turns
    /// out dead.
    async fn checkout(&self, access: Access, search: Option<SearchSets>) -> Result<Conn<'a>> {
        let db = self.database();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (client, replica) = match access {
                Access::Read => db.read_client(self.waits_for()).await?,
                Access::Write => (db.client().await?, None),
            };
            let client = Lent::new(client);
            // A write also needs the setting as a probe: its failure with a
            // dead connection proves the write never ran (see `next_step`).
            let sets = Sets {
                tenant: db.sets_tenant() || access == Access::Write,
                search,
            };
            let set = match sets.statement() {
                None => None,
                Some(sql) => {
                    let prepared = client.prepare_cached(sql).await;
                    if prepared.is_err() {
                        // It returned: the connection goes back (and the
                        // pool drops it if it is dead).
                        client.finish();
                    }
                    match prepared {
                        Ok(set) => Some(set),
                        Err(e) if attempt <= db.config().pool_max_size && connection_lost(&e) => {
                            if let Some(i) = replica {
                                db.replica_failed(i, &e);
                            }
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            };
            return Ok(Conn {
                client,
                replica,
                set,
                sets,
                _borrows: PhantomData,
            });
        }
    }
}
