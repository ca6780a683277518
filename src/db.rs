//! The [`Database`] handle: a connection pool, transactions, the schema
//! commands (migrate, rollback, adopt, dimension, status) and the embedded
//! server it may own. Tenant-scoped reads and writes start at
//! [`Database::tenant`].

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;
#[cfg(feature = "embedded")]
use truthgraph_pg_embed::EmbeddedServer;

use crate::catalog;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::migrate::{self, Adoption, SchemaStatus};
use crate::raw_sql;
use crate::replica::{Replica, Verdict, WalToken};
use crate::settings::{self, SearchDefaults};
use crate::telemetry::{Peer, db_span, traced};

/// What keeps an embedded server alive while handles exist (nothing without
/// the `embedded` feature).
#[cfg(feature = "embedded")]
type ServerGuard = Option<Arc<EmbeddedServer>>;
#[cfg(not(feature = "embedded"))]
type ServerGuard = Option<std::convert::Infallible>;

/// A transaction on a pooled connection, as passed to [`Database::transaction`].
pub type Transaction<'a> = deadpool_postgres::Transaction<'a>;

/// A pooled connection; the generated query functions accept it directly.
pub type Client = Object;

/// The future a [`Database::transaction`] closure returns.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 't>>;

/// Ends `tx` as `out` says: commits on `Ok`, rolls back on `Err` (whose
/// error is returned).
pub(crate) async fn finish<T>(tx: Transaction<'_>, out: Result<T>) -> Result<T> {
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

/// A handle to a TruthGraph database: a pool of at most
/// [`Config::pool_max_size`] connections to the primary, and one such pool
/// per read replica ([`Config::replica_urls`]; see [`crate::replica`] for
/// which calls use them). Cheap to clone; clones share the pools.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    /// The read replicas, each with its pool.
    replicas: Arc<Vec<Replica>>,
    /// Round-robin cursor over `replicas`.
    next_replica: Arc<AtomicUsize>,
    config: Arc<Config>,
    url: String,
    /// Dimension of `embeddings.embedding`, read at open and after every
    /// schema change made through this handle (`None`: no table yet).
    dimension: Arc<RwLock<Option<usize>>>,
    /// The search settings every pooled connection starts with.
    search: Arc<SearchDefaults>,
    /// Whether [`crate::Tenant`] calls set the tenant on their connection:
    /// false when row-level security can never apply to this login (owner,
    /// superuser, `BYPASSRLS`), read at open and after schema changes.
    tenant_setting: Arc<AtomicBool>,
    /// Keeps an embedded server alive for as long as a handle exists.
    server: ServerGuard,
    /// Where the spans say the database is.
    peer: Arc<Peer>,
    /// Set by [`Database::close_with_deadline`], for every clone.
    closed: Arc<AtomicBool>,
}

/// What [`Database::close_with_deadline`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseReport {
    /// How long it waited for calls in flight.
    pub waited: Duration,
    /// Connections still lent out (or callers still waiting for one) when
    /// the deadline passed: 0 when everything in flight finished in time.
    /// Those calls go on until they end; their connections are closed when
    /// they come back.
    pub still_busy: usize,
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
        let mut pg = tokio_postgres::Config::from_str(url).map_err(|e| Error::Config {
            name: "DATABASE_URL",
            reason: format!("{e}"),
        })?;
        pg.connect_timeout(config.connect_timeout);
        if pg.get_application_name().is_none() {
            pg.application_name("truthgraph-db");
        }
        // One connection outside the pool checks the URL and the login, and
        // reads what every pooled connection must start with.
        let (dimension, search, bypasses_rls) = {
            let (client, conn) = pg.connect(NoTls).await?;
            let conn = tokio::spawn(conn);
            let read = async {
                Ok::<_, Error>((
                    catalog::read_dimension(&client).await?,
                    settings::read(&client, config).await?,
                    catalog::bypasses_row_security(&client).await?,
                ))
            }
            .await;
            drop(client);
            let _ = conn.await;
            read?
        };
        // Startup options, not session SETs: they are in force from the first
        // statement, survive RESET ALL and pool recycling, and cannot leak
        // from one borrower to the next.
        let mut options = pg.get_options().unwrap_or("").to_string();
        if !config.statement_timeout.is_zero() {
            options.push_str(&format!(
                " -c statement_timeout={}",
                config.statement_timeout.as_millis()
            ));
        }
        options.push(' ');
        options.push_str(&search.startup_options());
        pg.options(options.trim());
        let peer = Arc::new(Peer::of(&pg));
        // The replicas start with the same settings: the primary's
        // `truthgraph_settings` is theirs too (it replicates).
        let mut replica_options = String::new();
        if !config.statement_timeout.is_zero() {
            replica_options.push_str(&format!(
                "-c statement_timeout={} ",
                config.statement_timeout.as_millis()
            ));
        }
        replica_options.push_str(&search.startup_options());
        let replicas = config
            .replica_urls
            .iter()
            .map(|u| Replica::new(config, u, &replica_options))
            .collect::<Result<Vec<_>>>()?;
        let pool = new_pool(pg, config)?;
        let db = Database {
            pool,
            replicas: Arc::new(replicas),
            next_replica: Arc::new(AtomicUsize::new(0)),
            config: Arc::new(config.clone()),
            url: url.to_string(),
            dimension: Arc::new(RwLock::new(dimension)),
            search: Arc::new(search),
            tenant_setting: Arc::new(AtomicBool::new(!bypasses_rls)),
            server,
            peer,
            closed: Arc::new(AtomicBool::new(false)),
        };
        Ok(db)
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
        self.pool
            .get()
            .await
            .map_err(|e| Error::from_pool(e, self.config.pool_timeout))
    }

    /// Borrows a connection for one single-statement read: from a replica
    /// (round robin) that is up, not lagging and, given `after`, has
    /// replayed that position (waiting up to [`Config::replica_wait`]), else
    /// from the primary. Returns the index of the replica, if it was one.
    /// See [`crate::replica`].
    pub(crate) async fn read_client(
        &self,
        after: Option<WalToken>,
    ) -> Result<(Client, Option<usize>)> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let n = self.replicas.len();
        let start = if n > 0 {
            self.next_replica.fetch_add(1, Ordering::Relaxed)
        } else {
            0
        };
        for k in 0..n {
            let i = (start + k) % n;
            let replica = &self.replicas[i];
            // A check's guard lives to the end of this turn.
            let check = match replica.verdict() {
                Verdict::Skip => continue,
                Verdict::Usable => None,
                Verdict::Check(guard) => Some(guard),
            };
            let client = match replica.pool.get().await {
                Ok(c) => c,
                Err(e) => {
                    replica.failed(&e);
                    continue;
                }
            };
            if check.is_some() {
                let primary = self.primary_lsn().await.ok();
                if !replica
                    .check(&client, primary, self.config.replica_max_lag)
                    .await
                {
                    continue;
                }
            }
            if let Some(token) = after
                && !replica
                    .wait_for(&client, token, self.config.replica_wait)
                    .await
            {
                // Another replica is unlikely to be further ahead: read
                // from the primary rather than wait again.
                break;
            }
            return Ok((client, Some(i)));
        }
        Ok((self.client().await?, None))
    }

    /// The primary's current WAL insert position: past every commit record,
    /// even of asynchronous commits not yet written out.
    async fn primary_lsn(&self) -> Result<tokio_postgres::types::PgLsn> {
        let client = self.client().await?;
        Ok(client
            .query_one("SELECT pg_current_wal_insert_lsn()", &[])
            .await?
            .get(0))
    }

    /// Marks replica `i` down until its next check (a call on it lost its
    /// connection or was cancelled by recovery).
    pub(crate) fn replica_failed(&self, i: usize, why: &dyn std::fmt::Display) {
        if let Some(r) = self.replicas.get(i) {
            r.failed(why);
        }
    }

    /// A token for read-your-writes: the primary's WAL insert position
    /// (`pg_current_wal_insert_lsn()`), at or past the commit record of
    /// every write that has returned. Give it to [`crate::Tenant::after`]
    /// for reads that must see those writes (see [`crate::replica`]). One
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
    /// assert!(acme.after(token).get_claim(claim.id).await?.is_some());
    /// # Ok(()) }
    /// ```
    pub async fn write_token(&self) -> Result<WalToken> {
        let client = self.client().await?;
        let lsn: tokio_postgres::types::PgLsn = client
            .query_one("SELECT pg_current_wal_insert_lsn()", &[])
            .await?
            .get(0);
        Ok(lsn.into())
    }

    /// The pools of the read replicas, in the order of
    /// [`Config::replica_urls`], for callers that check them themselves.
    pub fn replica_pools(&self) -> Vec<&Pool> {
        self.replicas.iter().map(|r| &r.pool).collect()
    }

    /// Runs `f` in a transaction: commits when it returns `Ok`, rolls back
    /// when it returns `Err` or panics. Traced as one `transaction` span
    /// (see [`crate::telemetry`]).
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
        traced(self, db_span!(self, "transaction"), async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            // On panic `tx` is dropped unfinished, and tokio-postgres rolls it back.
            let out = f(&tx).await;
            finish(tx, out).await
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

    /// Where the spans of this handle say the database is.
    pub(crate) fn peer(&self) -> &Peer {
        &self.peer
    }

    /// Whether [`Database::close`] or [`Database::close_with_deadline`] was
    /// called on this handle or a clone.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Whether this handle runs on an embedded server it started.
    pub fn is_embedded(&self) -> bool {
        self.server.is_some()
    }

    /// The dimension of `embeddings.embedding`: read at open and after each
    /// schema change through this handle, so a search or write does not ask
    /// the catalog. When the table did not exist then (a database migrated
    /// by another process since), it is read now.
    ///
    /// # Errors
    /// [`Error::Migration`] when the `embeddings` table does not exist yet.
    pub async fn embedding_dimension(&self) -> Result<usize> {
        if let Some(d) = *self.dimension.read().expect("dimension lock") {
            return Ok(d);
        }
        self.refresh_dimension().await?.ok_or_else(|| {
            Error::Migration("the embeddings table does not exist; run migrate first".into())
        })
    }

    /// Reads the dimension from the catalog into the cache.
    async fn refresh_dimension(&self) -> Result<Option<usize>> {
        let client = self.client().await?;
        let d = catalog::read_dimension(&client).await?;
        *self.dimension.write().expect("dimension lock") = d;
        Ok(d)
    }

    /// Runs `f` on a dedicated connection without `statement_timeout` (an
    /// index build or table rewrite can take longer than any query should),
    /// then retires that connection, so the setting never reaches another
    /// borrower, clears every pooled statement cache (DDL can change the
    /// result types of cached statements) and re-reads the dimension.
    pub(crate) async fn with_schema_connection<T>(
        &self,
        f: impl AsyncFnOnce(&mut tokio_postgres::Client) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.client().await?;
        let out = match conn.batch_execute(raw_sql::NO_STATEMENT_TIMEOUT).await {
            Ok(()) => f(&mut conn).await,
            Err(e) => Err(e.into()),
        };
        // Whatever `f` did (or half did), re-read the dimension on this same
        // connection, before it is retired.
        let dimension = catalog::read_dimension(&**conn).await;
        if let Ok(bypasses) = catalog::bypasses_row_security(&**conn).await {
            self.tenant_setting.store(!bypasses, Ordering::Relaxed);
        }
        drop(Object::take(conn));
        self.pool.manager().statement_caches.clear();
        for r in self.replicas.iter() {
            r.pool.manager().statement_caches.clear();
        }
        *self.dimension.write().expect("dimension lock") =
            dimension.as_ref().ok().copied().flatten();
        let value = out?;
        dimension?;
        Ok(value)
    }

    /// Applies pending migrations up to `target` (latest when `None`); see
    /// [`migrate::migrate`].
    ///
    /// # Errors
    /// As [`migrate::migrate`].
    pub async fn migrate(&self, target: Option<i32>) -> Result<Vec<i32>> {
        traced(
            self,
            db_span!(self, "migrate"),
            self.with_schema_connection(async |c| migrate::migrate(c, target).await),
        )
        .await
    }

    /// Rolls back to `target`; see [`migrate::rollback`].
    ///
    /// # Errors
    /// As [`migrate::rollback`].
    pub async fn rollback(&self, target: i32) -> Result<Vec<i32>> {
        traced(
            self,
            db_span!(self, "rollback"),
            self.with_schema_connection(async |c| migrate::rollback(c, target).await),
        )
        .await
    }

    /// Adopts a Python-created database; see [`migrate::adopt()`].
    ///
    /// # Errors
    /// As [`migrate::adopt()`].
    pub async fn adopt(&self) -> Result<Adoption> {
        traced(
            self,
            db_span!(self, "adopt"),
            self.with_schema_connection(async |c| migrate::adopt(c).await),
        )
        .await
    }

    /// Switches the embedding dimension; see [`migrate::set_dimension`].
    /// Returns the previous dimension.
    ///
    /// # Errors
    /// As [`migrate::set_dimension`].
    pub async fn set_dimension(&self, dimension: usize) -> Result<usize> {
        traced(
            self,
            db_span!(self, "set_dimension"),
            self.with_schema_connection(async |c| migrate::set_dimension(c, dimension).await),
        )
        .await
    }

    /// Versions, tables, vector indexes and pgvector version.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn status(&self) -> Result<SchemaStatus> {
        traced(self, db_span!(self, "status"), async {
            let client = self.client().await?;
            SchemaStatus::read(&client).await
        })
        .await
    }

    /// Shuts down gracefully: from now on this handle and every clone refuse
    /// new work ([`Database::client`] and every [`crate::Tenant`] call fail
    /// with [`Error::Closed`]); calls that already hold a pooled connection
    /// (or wait for one) finish, for up to `deadline`; then the pool is
    /// closed: idle connections are closed at once, busy ones when they come
    /// back. Takes `&self`, so a service can call it from its shutdown path
    /// while other tasks still use clones. Calling it again returns at once.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(db: truthgraph_db::Database) {
    /// let report = db.close_with_deadline(std::time::Duration::from_secs(5)).await;
    /// assert_eq!(report.still_busy, 0, "calls were cut off");
    /// assert!(matches!(db.client().await, Err(truthgraph_db::Error::Closed)));
    /// # }
    /// ```
    pub async fn close_with_deadline(&self, deadline: Duration) -> CloseReport {
        self.closed.store(true, Ordering::Release);
        let started = Instant::now();
        let busy = || {
            let s = self.pool.status();
            // Holders of a connection and callers waiting for one.
            s.size.saturating_sub(s.available) + s.waiting
        };
        let mut still_busy = busy();
        while still_busy > 0 && !self.pool.is_closed() && started.elapsed() < deadline {
            tokio::time::sleep(Duration::from_millis(5).min(deadline)).await;
            still_busy = busy();
        }
        self.pool.close();
        for r in self.replicas.iter() {
            r.pool.close();
        }
        CloseReport {
            waited: started.elapsed(),
            still_busy,
        }
    }

    /// Closes the handle gracefully ([`Database::close_with_deadline`] with
    /// [`Config::shutdown_timeout`]). An embedded server stops when the last
    /// clone of this handle is gone.
    pub async fn close(self) {
        let deadline = self.config.shutdown_timeout;
        self.close_with_deadline(deadline).await;
        #[cfg(feature = "embedded")]
        if let Some(server) = self.server
            && let Ok(server) = Arc::try_unwrap(server)
        {
            let _ = tokio::task::spawn_blocking(move || server.stop()).await;
        }
    }
}

/// A pool of connections made with `pg`, sized and timed by `config`.
pub(crate) fn new_pool(pg: tokio_postgres::Config, config: &Config) -> Result<Pool> {
    let manager = Manager::from_config(
        pg,
        NoTls,
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
        .map_err(|e| Error::Pool(e.to_string()))
}
