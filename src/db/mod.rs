//! The [`Database`] handle: a connection pool, transactions, the schema
//! commands (migrate, rollback, adopt, dimension, status) and the embedded
//! server it may own. Tenant-scoped reads and writes start at
//! [`Database::tenant`].

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use deadpool_postgres::Pool;
use tokio_postgres::NoTls;
#[cfg(feature = "embedded")]
use truthgraph_pg_embed::EmbeddedServer;

use crate::catalog;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::pool::{self, Goodbyes, new_pool};
use crate::replica::{Replicas, WalToken, wal_insert_position};
use crate::settings::{self, SearchDefaults};
use crate::telemetry::{Peer, Telemetry, db_span, traced};
use crate::tiers::TierCache;

mod close;
pub mod distribute;
mod schema;

pub use crate::pool::Client;
pub use close::CloseReport;

/// What keeps an embedded server alive while handles exist (nothing without
/// the `embedded` feature).
#[cfg(feature = "embedded")]
type ServerGuard = Option<Arc<EmbeddedServer>>;
#[cfg(not(feature = "embedded"))]
type ServerGuard = Option<std::convert::Infallible>;

/// A transaction on a pooled connection, as passed to [`Database::transaction`].
pub type Transaction<'a> = deadpool_postgres::Transaction<'a>;

/// The future a [`Database::transaction`] closure returns.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 't>>;

/// Ends `tx` as `out` says: commits on `Ok`, rolls back on `Err` (whose
/// error is returned).
pub(crate) async fn commit_or_rollback<T>(tx: Transaction<'_>, out: Result<T>) -> Result<T> {
    match out {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// A handle to a TruthGraph database: a pool of at most [`Config::pool_max_size`]
/// connections to the primary, and one per read replica ([`Config::replica_urls`],
/// [`crate::replica`]). Cheap to clone; clones share the pools.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    /// The read replicas, each with its pool.
    replicas: Arc<Replicas>,
    config: Arc<Config>,
    /// How a schema connection is opened ([`pool::Detached`]): the
    /// primary's settings, without `statement_timeout`.
    schema_pg: Arc<tokio_postgres::Config>,
    url: String,
    /// Dimension of `embeddings.embedding`, read at open and after this handle's DDL.
    dimension: Arc<RwLock<Option<usize>>>,
    /// The search settings every pooled connection starts with.
    search: Arc<SearchDefaults>,
    /// Which tenants have an index of their own ([`crate::tiers`]).
    pub(crate) tiers: Arc<TierCache>,
    /// Whether [`crate::Tenant`] calls set the tenant: false when RLS can never
    /// apply to this login (owner, superuser, `BYPASSRLS`); read at open, after DDL.
    tenant_setting: Arc<AtomicBool>,
    /// Whether the database has the Citus extension ([`Database::on_citus`]).
    pub(crate) citus: Arc<AtomicBool>,
    /// Keeps an embedded server alive for as long as a handle exists.
    server: ServerGuard,
    /// What the spans of this handle say (peer, slow-call threshold).
    telemetry: Arc<Telemetry>,
    /// Set by [`Database::close_with_deadline`], for every clone.
    closed: Arc<AtomicBool>,
    /// Every connection task of this handle and its clones.
    pub(crate) goodbyes: Goodbyes,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("url", &crate::config::redact(&self.url))
            .field("pool", &self.pool.status())
            .field("replicas", &self.replicas)
            .finish()
    }
}

impl Database {
    /// Connects to `config.database_url`, or, when it is unset, starts the
    /// persistent embedded server in `config.embedded_data_dir` and connects to
    /// its `postgres` database. The embedded server stops when the last handle
    /// is dropped.
    ///
    /// One connection is opened eagerly, so a wrong URL fails here, and the
    /// embedding dimension is read from the catalog on it.
    ///
    /// # Errors
    /// [`Error::Server`] if the embedded server cannot start (or, built without
    /// the `embedded` feature, when `DATABASE_URL` is unset); [`Error::Config`]
    /// for an unparsable URL; [`Error::Database`] if the server refuses the
    /// connection.
    pub async fn open(config: &Config) -> Result<Self> {
        match &config.database_url {
            Some(url) => Self::connect_url(config, url, None).await,
            #[cfg(feature = "embedded")]
            None => {
                let dir = config.embedded_data_dir.clone();
                let server = tokio::task::spawn_blocking(move || EmbeddedServer::persistent(&dir))
                    .await
                    .map_err(|e| Error::server(e.to_string()))??;
                let url = server.url("postgres");
                Self::connect_url(config, &url, Some(Arc::new(server))).await
            }
            #[cfg(not(feature = "embedded"))]
            None => Err(Error::server(
                "DATABASE_URL is unset and this build has no embedded PostgreSQL \
                 (feature `embedded`)",
            )),
        }
    }

    /// Connects to `url` with the pool settings of `config` (its
    /// `database_url` is ignored).
    ///
    /// # Errors
    /// As for [`Database::open`].
    pub async fn connect(config: &Config, url: &str) -> Result<Self> {
        Self::connect_url(config, url, None).await
    }

    pub(crate) async fn connect_url(
        config: &Config,
        url: &str,
        server: ServerGuard,
    ) -> Result<Self> {
        let pg = pool::connection_config(url, "DATABASE_URL", config)?;
        // One connection outside the pool checks the URL and the login, and
        // reads what every pooled connection must start with.
        let (dimension, search, bypasses_rls, citus, tiers) = {
            let (client, conn) = pg.connect(NoTls).await?;
            let conn = tokio::spawn(conn);
            let read = async {
                Ok::<_, Error>((
                    catalog::read_dimension(&client).await?,
                    settings::read(&client, config).await?,
                    catalog::bypasses_row_security(&client).await?,
                    catalog::has_citus(&client).await?,
                    crate::tiers::read_routes(&client).await?,
                ))
            }
            .await;
            drop(client);
            let _ = conn.await;
            read?
        };
        // The replicas start with the primary's settings (they replicate).
        let options = pool::startup_options(config, &search.startup_options());
        let goodbyes = Goodbyes::default();
        let replicas = Replicas::new(config, &options, &goodbyes)?;
        let telemetry = Telemetry {
            peer: Peer::of(&pg),
            slow_query_threshold: config.slow_query_threshold,
        };
        let schema_pg = pool::with_startup_options(
            pg.clone(),
            &pool::schema_startup_options(&search.startup_options()),
        );
        let pool = new_pool(pool::with_startup_options(pg, &options), config, &goodbyes)?;
        Ok(Database {
            pool,
            schema_pg: Arc::new(schema_pg),
            replicas: Arc::new(replicas),
            config: Arc::new(config.clone()),
            url: url.to_string(),
            dimension: Arc::new(RwLock::new(dimension)),
            search: Arc::new(search),
            tiers: Arc::new(TierCache::new(tiers)),
            tenant_setting: Arc::new(AtomicBool::new(!bypasses_rls)),
            citus: Arc::new(AtomicBool::new(citus)),
            server,
            telemetry: Arc::new(telemetry),
            closed: Arc::new(AtomicBool::new(false)),
            goodbyes,
        })
    }

    /// Borrows a connection from the primary's pool.
    ///
    /// # Errors
    /// [`Error::Closed`] once [`Database::close`] (or
    /// [`Database::close_with_deadline`]) was called on this handle or a
    /// clone; [`Error::PoolTimeout`] when no connection frees up within
    /// [`Config::pool_timeout`]; connection errors otherwise.
    pub async fn client(&self) -> Result<Client> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        pool::borrow(&self.pool, &self.config).await
    }

    /// Borrows a connection for one single-statement read: from a usable
    /// replica ([`Replicas::lend`]), else from the primary, else (the
    /// primary unreachable) from a replica skipped on its last verdict that
    /// passes a check now, else from the primary once more (a standby
    /// promoted during the check is no replica, and the primary now).
    /// Returns the index of the replica, if it was one. See
    /// [`crate::replica`].
    pub(crate) async fn read_client(
        &self,
        after: Option<WalToken>,
    ) -> Result<(Client, Option<usize>)> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let lend = |recheck| self.replicas.lend(after, &self.config, &self.pool, recheck);
        if let Some((client, i)) = lend(false).await {
            return Ok((client, Some(i)));
        }
        match self.client().await {
            Ok(client) => Ok((client, None)),
            // No primary (crashed, or failing over): a replica skipped on
            // its last verdict may serve; check again before failing.
            Err(e) if e.is_connection_error() => match lend(true).await {
                Some((client, i)) => Ok((client, Some(i))),
                None => Ok((self.client().await?, None)),
            },
            Err(e) => Err(e),
        }
    }

    /// Marks replica `i` down until its next check (a call on it lost its
    /// connection or was cancelled by recovery).
    pub(crate) fn replica_failed(&self, i: usize, why: &dyn std::fmt::Display) {
        self.replicas.failed(i, why);
    }

    /// A token for read-your-writes: the primary's WAL insert position
    /// (`pg_current_wal_insert_lsn()`, or the start of the page just past
    /// whose header it sits: [`crate::raw_sql::WAL_INSERT_POSITION`]), at
    /// or past the commit record of every write that has returned. Give it
    /// to [`crate::Tenant::after_write`] for reads that must see those
    /// writes (see [`crate::replica`]). One
    /// round trip to the primary; without replicas it is still valid, and
    /// reads do not need it.
    ///
    /// # Errors
    /// [`Error::Closed`], pool and connection errors, as [`Database::client`].
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(db: &truthgraph_db::Database) -> truthgraph_db::Result<()> {
    /// let acme = db.tenant("acme")?;
    /// let claim = acme.insert_claim("Water boils at 100 °C", None).await?;
    /// let token = db.write_token().await?;
    /// // On a replica that has replayed the insert, or else on the primary.
    /// assert!(acme.after_write(token).get_claim(claim.id).await?.is_some());
    /// # Ok(()) }
    /// ```
    pub async fn write_token(&self) -> Result<WalToken> {
        wal_insert_position(&self.client().await?).await
    }

    /// The pools of the read replicas, in the order of
    /// [`Config::replica_urls`], for callers that check them themselves.
    pub fn replica_pools(&self) -> Vec<&Pool> {
        self.replicas.pools().collect()
    }

    /// Runs `f` in a transaction: commits when it returns `Ok`, rolls back
    /// when it returns `Err` or panics. Dropped before it returns, its
    /// statement is cancelled on the server and its connection closed (see
    /// `src/pool.rs`). Traced as one `transaction` span (see
    /// [`crate::telemetry`]).
    ///
    /// # Errors
    /// The closure's error, or the error of `BEGIN`/`COMMIT`.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(db: &truthgraph_db::Database) -> truthgraph_db::Result<()> {
    /// let n: i64 = db
    ///     .transaction(|tx| {
    ///         Box::pin(async move {
    ///             let row = tx.query_one("SELECT count(*) FROM claims", &[]).await?;
    ///             Ok(row.get(0))
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
        traced(db_span!(self.telemetry(), "transaction"), async {
            // Dropped (or on panic) before the end, the transaction's
            // connection leaves the pool and its statement is cancelled.
            let mut client = pool::Lent::new(self.client().await?);
            let tx = client.transaction().await?;
            let out = f(&tx).await;
            let out = commit_or_rollback(tx, out).await;
            client.finish();
            out
        })
        .await
    }

    /// The configuration this handle was opened with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The connection URL (with any password).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The pool, for callers that manage connections themselves.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The search settings every pooled connection of this handle starts
    /// with, and where each came from (read at open; see [`crate::settings`]).
    pub fn search_defaults(&self) -> &SearchDefaults {
        &self.search
    }

    /// Whether [`crate::Tenant`] calls set `truthgraph.tenant_id` on their
    /// connection (migration V7): true unless row-level security can never
    /// apply to this login (the tables' owner, a superuser or a `BYPASSRLS`
    /// role), for which the setting would change nothing and cost two
    /// statements a call. Read at open and after each schema change through
    /// this handle.
    pub fn sets_tenant(&self) -> bool {
        self.tenant_setting.load(Ordering::Relaxed)
    }

    /// What the spans of this handle say (see [`crate::telemetry`]).
    pub(crate) fn telemetry(&self) -> &Telemetry {
        &self.telemetry
    }

    /// Whether this handle runs on an embedded server it started.
    pub fn is_embedded(&self) -> bool {
        self.server.is_some()
    }
}
