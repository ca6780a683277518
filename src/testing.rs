//! Test support: a fresh, migrated database per test.
//!
//! One server per test process: the server at `DATABASE_URL`, or else a
//! throw-away embedded cluster (deleted when the process ends, even after a
//! panic). On it, one migrated **template** database, created once per
//! process; each test gets its own database cloned from it with
//! `CREATE DATABASE … TEMPLATE`, so tests run in parallel and never see each
//! other's rows.
//!
//! ```no_run
//! # async fn demo() -> truthgraph_db::Result<()> {
//! let t = truthgraph_db::testing::TestDatabase::migrated().await?;
//! let claim = t.db.tenant("tenant-a")?.insert_claim("The sky is blue", None).await?;
//! # Ok(()) }
//! ```

use std::sync::OnceLock;

use tokio_postgres::NoTls;

use crate::config::Config;
use crate::db::Database;
use crate::error::{Error, Result};
use crate::migrate::embedded_migrations;
use crate::raw_sql;
use truthgraph_pg_embed::{EmbeddedServer, strip_database, with_database};
use truthgraph_queries::queries::catalog;

struct TestServer {
    /// URL of the server without a database name.
    base: String,
    /// The migrated template database.
    template: String,
    /// Whether the server is ours (databases are dropped with the cluster).
    embedded: bool,
    _server: Option<EmbeddedServer>,
}

/// The session advisory lock that serialises template creation across test
/// processes sharing one server.
const TEMPLATE_LOCK_KEY: i64 = 7_428_734;

static SERVER: OnceLock<std::result::Result<TestServer, String>> = OnceLock::new();

/// Runs a future to completion on a fresh runtime in its own thread, so it
/// works from inside or outside another runtime.
pub(crate) fn block_on<T: Send>(f: impl std::future::Future<Output = T> + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime")
                .block_on(f)
        })
        .join()
        .expect("test server set-up panicked")
    })
}

async fn admin(base: &str) -> Result<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(&with_database(base, "postgres"), NoTls).await?;
    tokio::spawn(conn);
    Ok(client)
}

fn server() -> Result<&'static TestServer> {
    SERVER
        .get_or_init(|| start_server().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Error::server(format!("test server: {e}")))
}

fn start_server() -> Result<TestServer> {
    let config = Config::from_env()?;
    let (base, embedded) = match &config.database_url {
        Some(url) => (strip_database(url), None),
        None => {
            let s = EmbeddedServer::temporary()?;
            (strip_database(&s.url("postgres")), Some(s))
        }
    };
    let checksum: u64 = embedded_migrations()
        .iter()
        .fold(0u64, |h, m| h.rotate_left(7) ^ m.checksum);
    // Keyed by the migrations, so an external server reuses a template that
    // is still current instead of piling up one per run.
    let template = format!("truthgraph_template_{checksum:016x}");
    block_on(async {
        let admin = admin(&base).await?;
        // Serialise template creation across processes sharing a server.
        catalog::advisory_lock()
            .bind(&admin, &TEMPLATE_LOCK_KEY)
            .one()
            .await?;
        let exists = admin
            .query_opt(raw_sql::TEMPLATE_EXISTS, &[&template])
            .await?
            .is_some();
        if !exists {
            admin
                .batch_execute(&raw_sql::drop_database(&template))
                .await?;
            admin
                .batch_execute(&raw_sql::create_database(&template, "template0"))
                .await?;
            let db = Database::connect(&config, &with_database(&base, &template)).await?;
            db.migrate(None).await?;
            db.close().await;
            admin
                .batch_execute(&raw_sql::freeze_template(&template))
                .await?;
        }
        // The application login of `TestDatabase::app` (the role is
        // cluster-wide, so made once per server; V7 made its group role).
        admin
            .batch_execute(&raw_sql::create_app_login_if_missing(APP_LOGIN, APP_LOGIN))
            .await?;
        catalog::advisory_unlock()
            .bind(&admin, &TEMPLATE_LOCK_KEY)
            .one()
            .await?;
        Ok::<_, Error>(())
    })?;
    Ok(TestServer {
        base,
        template,
        embedded: embedded.is_some(),
        _server: embedded,
    })
}

/// The login role of [`TestDatabase::app`]: a member of `truthgraph_app`
/// (migration V7), neither owner of the tables nor superuser, so row-level
/// security applies to it. Its password is its name.
pub const APP_LOGIN: &str = "truthgraph_test_app";

/// A database of its own for one test, dropped afterwards on an external
/// server (an embedded cluster is deleted whole when the process ends).
pub struct TestDatabase {
    /// A handle on the test's database.
    pub db: Database,
    /// The database's name.
    pub name: String,
    /// Its connection URL.
    pub url: String,
    embedded: bool,
    base: String,
}

impl TestDatabase {
    /// A new database with every migration applied.
    ///
    /// # Errors
    /// [`Error::Server`] when no test server can be started.
    pub async fn migrated() -> Result<Self> {
        let s = server()?;
        Self::create(&s.template).await
    }

    /// A new, empty database (no tables, no history), for migration tests.
    ///
    /// # Errors
    /// [`Error::Server`] when no test server can be started.
    pub async fn empty() -> Result<Self> {
        Self::create("template0").await
    }

    async fn create(template: &str) -> Result<Self> {
        let s = server()?;
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let admin = admin(&s.base).await?;
        admin
            .batch_execute(&raw_sql::create_database(&name, template))
            .await?;
        let url = with_database(&s.base, &name);
        let config = Config {
            pool_max_size: 8,
            ..Config::default()
        };
        let db = Database::connect(&config, &url).await?;
        Ok(TestDatabase {
            db,
            name,
            url,
            embedded: s.embedded,
            base: s.base.clone(),
        })
    }

    /// A second handle on the same database with its own pool (e.g. to act
    /// as another process).
    ///
    /// # Errors
    /// Connection errors.
    pub async fn connect(&self, config: &Config) -> Result<Database> {
        Database::connect(config, &self.url).await
    }

    /// The connection URL of this database for [`APP_LOGIN`].
    pub fn app_url(&self) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}user={APP_LOGIN}&password={APP_LOGIN}", self.url)
    }

    /// A handle on this database as [`APP_LOGIN`], the way a service runs
    /// with least privilege: row-level security shows it one tenant at a time.
    ///
    /// # Errors
    /// Connection errors.
    pub async fn app(&self, config: &Config) -> Result<Database> {
        Database::connect(config, &self.app_url()).await
    }

    /// A direct connection, outside any pool.
    ///
    /// # Errors
    /// Connection errors.
    pub async fn raw_client(&self) -> Result<tokio_postgres::Client> {
        let (client, conn) = tokio_postgres::connect(&self.url, NoTls).await?;
        tokio::spawn(conn);
        Ok(client)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        self.db.pool().close();
        if self.embedded {
            return;
        }
        let (base, name) = (self.base.clone(), self.name.clone());
        let _ = block_on(async move {
            let admin = admin(&base).await?;
            admin.batch_execute(&raw_sql::drop_database(&name)).await?;
            Ok::<_, Error>(())
        });
    }
}

mod failover;

/// A primary and a streaming standby of its own, for replica tests: a
/// throw-away embedded primary with one migrated database (`truthgraph`), and
/// a hot standby made from it with `pg_basebackup -R`
/// ([`EmbeddedServer::standby`]), each on its own local port. Always
/// embedded (even when `DATABASE_URL` is set): the tests stop the standby.
pub struct ReplicatedServers {
    /// The primary.
    pub primary: EmbeddedServer,
    /// The standby, until [`ReplicatedServers::stop_standby`].
    pub standby: Option<EmbeddedServer>,
    /// The database's name on both.
    pub dbname: String,
}

impl ReplicatedServers {
    /// Starts both servers and migrates the database on the primary, then
    /// waits until the standby has replayed the migration.
    ///
    /// # Errors
    /// [`Error::Server`] when a server, the base backup or the migration fails.
    pub async fn start() -> Result<Self> {
        let primary = tokio::task::spawn_blocking(EmbeddedServer::temporary)
            .await
            .map_err(|e| Error::server(e.to_string()))??;
        let dbname = "truthgraph".to_string();
        let admin = admin(&strip_database(&primary.url("postgres"))).await?;
        admin
            .batch_execute(&raw_sql::create_database(&dbname, "template0"))
            .await?;
        // A throw-away server commits asynchronously (the WAL writer flushes
        // every 200 ms, and only flushed WAL is streamed): this database
        // commits as a production server does, so a standby gets a commit at
        // once. A database setting outranks the server's command line.
        admin
            .batch_execute(&raw_sql::synchronous_commit_on(&dbname))
            .await?;
        let db = Database::connect(&Config::default(), &primary.url(&dbname)).await?;
        db.migrate(None).await?;
        db.close().await;
        // Taken after the migration: the standby starts with the schema.
        let standby = std::thread::scope(|s| {
            s.spawn(|| primary.standby())
                .join()
                .map_err(|_| Error::server("pg_basebackup panicked"))
        })??;
        let servers = ReplicatedServers {
            primary,
            standby: Some(standby),
            dbname,
        };
        Ok(servers)
    }

    /// The primary's URL of the database.
    pub fn primary_url(&self) -> String {
        self.primary.url(&self.dbname)
    }

    /// The standby's URL of the database (`None` once stopped).
    pub fn standby_url(&self) -> Option<String> {
        self.standby.as_ref().map(|s| s.url(&self.dbname))
    }

    /// A configuration with the primary as `database_url` and the standby
    /// as the one replica, as `DATABASE_URL` and `TRUTHGRAPH_REPLICA_URLS`
    /// would give it.
    pub fn config(&self) -> Config {
        Config {
            pool_max_size: 8,
            replica_urls: self.standby_url().into_iter().collect(),
            ..Config::default()
        }
        .with_url(self.primary_url())
    }

    /// A direct connection to the standby's database, outside any pool.
    ///
    /// # Errors
    /// Connection errors; [`Error::Server`] once the standby is stopped.
    pub async fn standby_client(&self) -> Result<tokio_postgres::Client> {
        let url = self
            .standby_url()
            .ok_or_else(|| Error::server("the standby is stopped"))?;
        let (client, conn) = tokio_postgres::connect(&url, NoTls).await?;
        tokio::spawn(conn);
        Ok(client)
    }

    /// Waits (up to 30 s) until the standby has replayed everything the
    /// primary had written when this was called.
    ///
    /// # Errors
    /// [`Error::Server`] when it does not catch up in time; connection errors.
    pub async fn wait_caught_up(&self) -> Result<()> {
        let (primary, conn) = tokio_postgres::connect(&self.primary_url(), NoTls).await?;
        tokio::spawn(conn);
        let target: tokio_postgres::types::PgLsn = primary
            .query_one(raw_sql::WAL_INSERT_POSITION, &[])
            .await?
            .get(0);
        let standby = self.standby_client().await?;
        let started = std::time::Instant::now();
        loop {
            let replayed: Option<tokio_postgres::types::PgLsn> = standby
                .query_one(raw_sql::REPLAY_POSITION, &[])
                .await?
                .get(0);
            if replayed.is_some_and(|r| r >= target) {
                return Ok(());
            }
            if started.elapsed() > std::time::Duration::from_secs(30) {
                return Err(Error::server(format!(
                    "the standby did not replay {target} within 30 s (at {replayed:?})"
                )));
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Stops the standby (fast shutdown) and waits until its server process
    /// has exited.
    ///
    /// # Errors
    /// [`Error::Server`] when it was stopped already, or did not shut down
    /// cleanly (see [`EmbeddedServer::stop`]).
    pub async fn stop_standby(&mut self) -> Result<()> {
        let s = self
            .standby
            .take()
            .ok_or_else(|| Error::server("the standby is stopped already"))?;
        tokio::task::spawn_blocking(move || s.stop())
            .await
            .map_err(|e| Error::server(format!("stopping the standby panicked: {e}")))?
            .map_err(|e| Error::server(format!("standby: {e}")))
    }
}
