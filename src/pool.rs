//! Connections: how one is configured (URL, timeouts, application name, the
//! settings it starts with) and the pools that lend them. The primary and
//! every read replica are set up here, the same way.
//!
//! # A dropped call stops
//! A call's connection is lent as a [`Lent`]: when the call's future is
//! dropped before its statements have returned (a caller's timeout, a
//! search's deadline, a client that went away, a panic), the connection is
//! taken out of the pool for good (`Object::take`) and a cancel request is
//! sent for its server process. Without that, the pool would lend it again
//! with the statement still running (tokio-postgres does not cancel on drop,
//! and deadpool's fast recycling only checks that the socket is open), and
//! the next borrower would wait behind it. The cancel request names the
//! server process, not the statement: one sent after the statement ended
//! would hit whatever that process runs next, which is why the connection
//! is never lent again (the trap other pools met). Schema work
//! ([`crate::Database`]'s migrate, reindex, …) runs on a connection of its
//! own, never pooled ([`Detached`]).
//!
//! # A closed connection says goodbye
//! Every connection's task is tracked ([`Goodbyes`]). When its client is
//! dropped (the pool closed, or took it out), the task goes on until the
//! replies still owed are read (a tenant call's `RESET` is queued, not
//! awaited) and the protocol's Terminate is sent, for at most
//! [`GOODBYE_GRACE`]; [`crate::Database::close`] waits for those tasks.
//! Without it, deadpool aborts the task and the socket closes under the
//! server: PostgreSQL counts the session as abandoned
//! (`pg_stat_database.sessions_abandoned`) and, when replies were left
//! unread, logs "could not receive data from client: Connection reset by
//! peer".

use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use futures_util::future::BoxFuture;
use tokio::task::JoinHandle;
use tokio_postgres::{CancelToken, Connection, NoTls, Socket, tls::NoTlsStream};
use tokio_util::task::TaskTracker;

use crate::config::{Config, redact};
use crate::error::{Error, Result};

/// A pooled connection; the generated query functions accept it directly.
pub type Client = deadpool_postgres::Object;

/// The settings of a connection to `url`, as every connection of this
/// library makes it: [`Config::connect_timeout`] for TCP connect and login,
/// and the application name `truthgraph-db` unless the URL gives one.
/// `variable` names the setting the URL came from, for the error.
///
/// # Errors
/// [`Error::Config`] naming `variable` when the URL does not parse.
pub(crate) fn connection_config(
    url: &str,
    variable: &'static str,
    config: &Config,
) -> Result<tokio_postgres::Config> {
    let mut pg = tokio_postgres::Config::from_str(url).map_err(|e| Error::Config {
        name: variable,
        reason: format!("{}: {e}", redact(url)),
    })?;
    pg.connect_timeout(config.connect_timeout);
    if pg.get_application_name().is_none() {
        pg.application_name("truthgraph-db");
    }
    Ok(pg)
}

/// The startup options (`-c name=value …`) every pooled connection starts
/// with: [`Config::statement_timeout`] (unless zero) and `search`, the
/// search settings (see [`crate::settings::SearchDefaults::startup_options`]).
/// Startup options, not session `SET`s: they are in force from the first
/// statement, survive `RESET ALL` and pool recycling, and cannot leak from
/// one borrower to the next.
pub(crate) fn startup_options(config: &Config, search: &str) -> String {
    let mut out = String::new();
    if !config.statement_timeout.is_zero() {
        out.push_str(&format!(
            "-c statement_timeout={} ",
            config.statement_timeout.as_millis()
        ));
    }
    out.push_str(search);
    out
}

/// The startup options of a schema connection ([`Detached`]): those of
/// the pool ([`startup_options`]) with `statement_timeout=0` instead of the
/// pool's timeout (an index build or table rewrite can take longer than any
/// query should). A startup option, not a `SET` on a pooled connection:
/// such a `SET` runs under the pool's timeout itself, and a short timeout
/// can cancel it (PostgreSQL then reports "canceling statement due to user
/// request"); a startup option also outranks a role's or database's
/// setting.
pub(crate) fn schema_startup_options(search: &str) -> String {
    format!("-c statement_timeout=0 {search}")
}

/// `pg` with `options` appended to the startup options the URL gave.
pub(crate) fn with_startup_options(
    mut pg: tokio_postgres::Config,
    options: &str,
) -> tokio_postgres::Config {
    let mut all = pg.get_options().unwrap_or("").to_string();
    all.push(' ');
    all.push_str(options);
    pg.options(all.trim());
    pg
}

/// A pool of connections made with `pg`, sized and timed by `config`:
/// at most [`Config::pool_max_size`] connections, a borrower waits at most
/// [`Config::pool_timeout`], creating or checking a connection at most
/// [`Config::connect_timeout`]. Connections are made on first use.
pub(crate) fn new_pool(
    pg: tokio_postgres::Config,
    config: &Config,
    goodbyes: &Goodbyes,
) -> Result<Pool> {
    let manager = Manager::from_connect(
        pg,
        goodbyes.clone(),
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(config.pool_max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(config.pool_timeout))
        .create_timeout(Some(config.connect_timeout))
        .recycle_timeout(Some(config.connect_timeout))
        .build()
        .map_err(|e| Error::pool("building the pool", e))
}

/// How long a connection whose client was dropped may take to read the
/// replies still owed and send its Terminate before its socket is closed
/// anyway (a server that stopped answering).
pub(crate) const GOODBYE_GRACE: Duration = Duration::from_secs(2);

/// The connection tasks of one [`crate::Database`] and its clones (primary,
/// replicas, schema connections): each ends with a goodbye (see the module
/// docs), and [`Goodbyes::wait`] waits for them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Goodbyes(TaskTracker);

impl Goodbyes {
    /// Runs `connection` until it ends: on its own, or, once `client_gone`
    /// fires (or its sender is dropped), within [`GOODBYE_GRACE`].
    fn run(
        &self,
        connection: Connection<Socket, NoTlsStream>,
        client_gone: tokio::sync::oneshot::Receiver<()>,
        what: &'static str,
    ) {
        self.0.spawn(async move {
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = &mut connection => Some(ended),
                _ = client_gone => tokio::time::timeout(GOODBYE_GRACE, &mut connection).await.ok(),
            };
            match ended {
                Some(Ok(())) => {}
                Some(Err(e)) => tracing::debug!("{what} connection: {e}"),
                None => tracing::debug!("{what} connection: no goodbye within {GOODBYE_GRACE:?}"),
            }
        });
    }

    /// Waits, at most `within`, until every connection task has ended (of
    /// a closed [`crate::Database`]: its pools make no more connections).
    pub(crate) async fn wait(&self, within: Duration) {
        self.0.close();
        let _ = tokio::time::timeout(within, self.0.wait()).await;
    }
}

impl deadpool_postgres::Connect for Goodbyes {
    /// Connects; the task deadpool gets, and aborts when it drops the
    /// client, only holds the sender that tells the tracked connection task
    /// its client is gone.
    fn connect(
        &self,
        pg: &tokio_postgres::Config,
    ) -> BoxFuture<
        '_,
        std::result::Result<(tokio_postgres::Client, JoinHandle<()>), tokio_postgres::Error>,
    > {
        let pg = pg.clone();
        Box::pin(async move {
            let (client, connection) = pg.connect(NoTls).await?;
            let (gone, client_gone) = tokio::sync::oneshot::channel();
            self.run(connection, client_gone, "pooled");
            let holder = tokio::spawn(async move {
                let _gone = gone;
                std::future::pending::<()>().await
            });
            Ok((client, holder))
        })
    }
}

/// Borrows a connection from `pool`.
///
/// # Errors
/// [`Error::PoolTimeout`] when none frees up within [`Config::pool_timeout`];
/// [`Error::Closed`] when the pool was closed; connection errors otherwise.
pub(crate) async fn borrow(pool: &Pool, config: &Config) -> Result<Client> {
    pool.get()
        .await
        .map_err(|e| Error::from_pool(e, config.pool_timeout))
}

/// A pooled connection lent to one call. Dropped after [`Lent::finish`] it
/// goes back to the pool; dropped before (the call's future was dropped
/// while its statements ran, or it panicked), it is taken out of the pool
/// and its server process is sent a cancel request (see the module docs).
pub(crate) struct Lent {
    client: Option<Client>,
    /// Set once nothing of the call runs on the connection any more. Atomic
    /// so that a call's body may borrow the guard across `.await`s.
    finished: AtomicBool,
}

impl Lent {
    pub(crate) fn new(client: Client) -> Self {
        Lent {
            client: Some(client),
            finished: AtomicBool::new(false),
        }
    }

    /// Says that every statement the call sent has returned (or failed):
    /// from now on, dropping the guard returns the connection to the pool.
    pub(crate) fn finish(&self) {
        self.finished.store(true, Ordering::Release);
    }

    /// Whether [`Lent::finish`] was called.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }
}

impl Deref for Lent {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client
            .as_ref()
            .expect("a lent connection until dropped")
    }
}

impl DerefMut for Lent {
    fn deref_mut(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a lent connection until dropped")
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some(client) = self.client.take()
            && !self.is_finished()
        {
            let client = Object::take(client);
            cancel(&client);
        }
    }
}

/// A connection of its own, outside every pool, for schema work (migrate,
/// reindex, dimension switch, tier builds): opened with `pg`, whose startup
/// options say `statement_timeout=0` ([`schema_startup_options`]), so no
/// statement on it ever runs under the pool's timeout, not even the first.
/// Dropped before [`Detached::finish`], its server process is sent a cancel
/// request (a dropped migrate or reindex stops on the server too); dropped
/// at all, the connection closes.
pub(crate) struct Detached {
    client: tokio_postgres::Client,
    finished: bool,
    /// Dropped with the connection: starts its [`GOODBYE_GRACE`].
    _gone: tokio::sync::oneshot::Sender<()>,
}

impl Detached {
    /// Opens a connection with `pg` (its connection task runs on the
    /// current tokio runtime until the connection closes, tracked by
    /// `goodbyes`).
    ///
    /// # Errors
    /// Connection and login errors.
    pub(crate) async fn connect(pg: &tokio_postgres::Config, goodbyes: &Goodbyes) -> Result<Self> {
        let (client, connection) = pg.connect(NoTls).await?;
        let (gone, client_gone) = tokio::sync::oneshot::channel();
        goodbyes.run(connection, client_gone, "schema");
        Ok(Detached {
            client,
            finished: false,
            _gone: gone,
        })
    }

    /// Says that nothing runs on the connection any more.
    pub(crate) fn finish(&mut self) {
        self.finished = true;
    }
}

impl Deref for Detached {
    type Target = tokio_postgres::Client;
    fn deref(&self) -> &tokio_postgres::Client {
        &self.client
    }
}

impl DerefMut for Detached {
    fn deref_mut(&mut self) -> &mut tokio_postgres::Client {
        &mut self.client
    }
}

impl Drop for Detached {
    fn drop(&mut self) {
        if !self.finished {
            cancel(&self.client);
        }
    }
}

/// Sends a cancel request for the server process of `client` (unless the
/// connection is closed already: nothing runs there), in the background: a
/// task on the current tokio runtime, or a thread of its own outside one.
/// The caller must never lend the connection again (see the module docs).
fn cancel(client: &tokio_postgres::Client) {
    if client.is_closed() {
        return;
    }
    let token = client.cancel_token();
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(send_cancel(token));
        }
        Err(_) => {
            std::thread::spawn(move || {
                if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    runtime.block_on(send_cancel(token));
                }
            });
        }
    }
}

async fn send_cancel(token: CancelToken) {
    // Nobody waits for the answer: a server that is gone has nothing to stop.
    if let Err(e) = token.cancel_query(NoTls).await {
        tracing::debug!("cancel request of a dropped call: {e}");
    }
}
