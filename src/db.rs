//! The [`Database`] handle: a connection pool, transactions, and the embedded
//! server it may own.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::server::EmbeddedServer;

/// A transaction on a pooled connection, as passed to [`Database::transaction`].
pub type Transaction<'a> = deadpool_postgres::Transaction<'a>;

/// A pooled connection; the generated query functions accept it directly.
pub type Client = Object;

/// The future a [`Database::transaction`] closure returns.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 't>>;

/// A handle to a TruthGraph database: a pool of at most
/// [`Config::pool_max_size`] connections. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    config: Config,
    url: String,
    /// Embedding dimension read from the catalog, cached until `set_dimension`.
    dimension: Arc<Mutex<Option<usize>>>,
    /// Keeps an embedded server alive for as long as a handle exists.
    server: Option<Arc<EmbeddedServer>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("url", &redact(&self.url))
            .field("pool", &self.pool.status())
            .finish()
    }
}

impl Database {
    /// Connects to `config.database_url`, or, when it is unset, starts the
    /// persistent embedded server in `config.embedded_data_dir` and connects to
    /// its `postgres` database. The embedded server stops when the last handle
    /// is dropped.
    ///
    /// One connection is opened eagerly, so a wrong URL fails here.
    ///
    /// # Errors
    /// [`Error::Server`] if the embedded server cannot start; [`Error::Config`]
    /// for an unparsable URL; [`Error::Database`] if the server refuses the
    /// connection.
    pub async fn open(config: &Config) -> Result<Self> {
        match &config.database_url {
            Some(url) => Self::connect_url(config, url, None).await,
            None => {
                let dir = config.embedded_data_dir.clone();
                let server = tokio::task::spawn_blocking(move || EmbeddedServer::persistent(&dir))
                    .await
                    .map_err(|e| Error::server(e.to_string()))??;
                let url = server.url("postgres");
                Self::connect_url(config, &url, Some(Arc::new(server))).await
            }
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
        server: Option<Arc<EmbeddedServer>>,
    ) -> Result<Self> {
        let mut pg = tokio_postgres::Config::from_str(url).map_err(|e| Error::Config {
            name: "DATABASE_URL",
            reason: format!("{e}"),
        })?;
        pg.connect_timeout(config.connect_timeout);
        if !config.statement_timeout.is_zero() {
            // A startup option, not a session SET: it survives pool recycling and
            // cannot leak from one borrower to the next.
            let mut options = pg.get_options().unwrap_or("").to_string();
            options.push_str(&format!(
                " -c statement_timeout={}",
                config.statement_timeout.as_millis()
            ));
            pg.options(options.trim());
        }
        if pg.get_application_name().is_none() {
            pg.application_name("truthgraph-db");
        }
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(config.pool_max_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(config.pool_timeout))
            .create_timeout(Some(config.connect_timeout))
            .recycle_timeout(Some(config.connect_timeout))
            .build()
            .map_err(|e| Error::Pool(e.to_string()))?;
        let db = Database {
            pool,
            config: config.clone(),
            url: url.to_string(),
            dimension: Arc::new(Mutex::new(None)),
            server,
        };
        drop(db.client().await?);
        Ok(db)
    }

    /// Borrows a connection from the pool.
    ///
    /// # Errors
    /// [`Error::PoolTimeout`] when no connection frees up within
    /// [`Config::pool_timeout`]; connection errors otherwise.
    pub async fn client(&self) -> Result<Client> {
        self.pool.get().await.map_err(|e| match Error::from(e) {
            Error::PoolTimeout(_) => Error::PoolTimeout(self.config.pool_timeout),
            other => other,
        })
    }

    /// Runs `f` in a transaction: commits when it returns `Ok`, rolls back
    /// when it returns `Err` or panics.
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
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // On panic `tx` is dropped unfinished, and tokio-postgres rolls it back.
        let out = f(&tx).await;
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

    /// Whether this handle runs on an embedded server it started.
    pub fn is_embedded(&self) -> bool {
        self.server.is_some()
    }

    /// The dimension of `embeddings.embedding`, read from the catalog once and
    /// cached (switching it through this handle resets the cache).
    ///
    /// # Errors
    /// [`Error::Migration`] when the `embeddings` table does not exist yet.
    pub async fn embedding_dimension(&self) -> Result<usize> {
        if let Some(d) = *self.dimension.lock().expect("dimension lock") {
            return Ok(d);
        }
        let client = self.client().await?;
        let d = crate::migrate::read_dimension(&client)
            .await?
            .ok_or_else(|| {
                Error::Migration("the embeddings table does not exist; run migrate first".into())
            })?;
        *self.dimension.lock().expect("dimension lock") = Some(d);
        Ok(d)
    }

    pub(crate) fn forget_dimension(&self) {
        *self.dimension.lock().expect("dimension lock") = None;
    }

    /// Closes every pooled connection. An embedded server stops when the last
    /// clone of this handle is gone.
    pub async fn close(self) {
        self.pool.close();
        if let Some(server) = self.server
            && let Ok(server) = Arc::try_unwrap(server)
        {
            let _ = tokio::task::spawn_blocking(move || server.stop()).await;
        }
    }
}

/// `url` with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
