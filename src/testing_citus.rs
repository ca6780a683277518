//! Test support on a real Citus cluster (feature `testing`; the `citus` test
//! group needs `--features citus` and `scripts/provision-citus.sh`): a
//! coordinator and [`WORKERS`] workers on this machine
//! ([`CitusCluster`], throw-away embedded servers with Citus preloaded), and
//! a fresh database per test on all of them.
//!
//! Citus keeps its metadata (the extension, the node list, the shards) per
//! database, and a worker serves a coordinator's database from the database
//! of the same name. So the set-up, once per process, makes two template
//! databases on every node, the same way on each:
//! * `truthgraph_citus_empty`: `CREATE EXTENSION citus` on every node, then on
//!   the coordinator `citus_set_coordinator_host` and `citus_add_node` for each
//!   worker, and `CREATE EXTENSION vector` (Citus creates it on the workers);
//! * `truthgraph_citus_migrated`: a clone of it with the project's migrations
//!   applied on the coordinator ([`Database::migrate`]: the tables are the
//!   coordinator's local tables until something distributes them) and the
//!   application login [`APP_LOGIN`] (Citus creates roles on the workers).
//!
//! A test's database is `CREATE DATABASE … TEMPLATE` on every node at once: a
//! Citus database whose coordinator and workers were cloned together is the
//! same cluster, with nothing distributed yet. It is dropped on every node
//! when the test's [`CitusDatabase`] is dropped (each Citus database runs a
//! maintenance daemon on every node).
//!
//! Always embedded, even when `DATABASE_URL` is set (the nodes must have
//! Citus preloaded). Citus is AGPL-3.0: infrastructure the tests start,
//! never linked.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use futures_util::future::try_join_all;
use tokio_postgres::NoTls;
use truthgraph_pg_embed::{CitusCluster, strip_database, with_database};

use crate::config::Config;
use crate::db::Database;
use crate::error::{Error, Result};
use crate::raw_sql;
pub use crate::testing::APP_LOGIN;

/// Workers of the test cluster.
pub const WORKERS: usize = 2;

const EMPTY: &str = "truthgraph_citus_empty";
const MIGRATED: &str = "truthgraph_citus_migrated";

struct Servers {
    /// Stops the nodes when the process ends.
    _cluster: CitusCluster,
    /// The coordinator's URL without a database.
    coordinator: String,
    /// The workers' URLs without a database.
    workers: Vec<String>,
    /// The ports of the workers, as `citus_add_node` got them.
    worker_ports: Vec<u16>,
    timings: SetUpTimes,
}

/// How long the once-per-process set-up took.
#[derive(Debug, Clone, Copy)]
pub struct SetUpTimes {
    /// Starting the nodes: `initdb` and start of all of them (in parallel).
    pub cluster: Duration,
    /// Both template databases on every node, including the migrations.
    pub templates: Duration,
}

static SERVERS: OnceLock<std::result::Result<Servers, String>> = OnceLock::new();

fn servers() -> Result<&'static Servers> {
    SERVERS
        .get_or_init(|| start().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Error::server(format!("Citus test cluster: {e}")))
}

/// How long the cluster took to start and the templates to be made, starting
/// them if this process has not yet.
///
/// # Errors
/// [`Error::Server`] when the cluster cannot be started (Citus missing: run
/// `scripts/provision-citus.sh`).
pub fn set_up_times() -> Result<SetUpTimes> {
    Ok(servers()?.timings)
}

/// The worker ports the coordinator's databases know (`pg_dist_node`).
///
/// # Errors
/// As [`set_up_times`].
pub fn worker_ports() -> Result<Vec<u16>> {
    Ok(servers()?.worker_ports.clone())
}

async fn connect(url: &str) -> Result<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(conn);
    Ok(client)
}

/// Runs `sql` in database `db` of every node, the coordinator first.
async fn on_every_node(s: &Servers, db: &str, sql: &str) -> Result<()> {
    for base in std::iter::once(&s.coordinator).chain(&s.workers) {
        connect(&with_database(base, db))
            .await?
            .batch_execute(sql)
            .await?;
    }
    Ok(())
}

/// Clones `template` as `name` on every node at once.
async fn clone_everywhere(s: &Servers, template: &str, name: &str) -> Result<()> {
    let sql = raw_sql::create_database(name, template);
    try_join_all(
        std::iter::once(&s.coordinator)
            .chain(&s.workers)
            .map(|base| {
                let sql = sql.clone();
                async move {
                    connect(&with_database(base, "postgres"))
                        .await?
                        .batch_execute(&sql)
                        .await
                        .map_err(Error::from)
                }
            }),
    )
    .await?;
    Ok(())
}

/// Makes `name` a template on every node: no new connections, and the ones
/// Citus keeps there (its maintenance daemon, its cached connections between
/// the nodes) ended, since `CREATE DATABASE … TEMPLATE` needs it unused.
async fn freeze_everywhere(s: &Servers, name: &str) -> Result<()> {
    for base in std::iter::once(&s.coordinator).chain(&s.workers) {
        let admin = connect(&with_database(base, "postgres")).await?;
        admin.batch_execute(&raw_sql::freeze_template(name)).await?;
        admin
            .execute(raw_sql::TERMINATE_SESSIONS_OF, &[&name])
            .await?;
    }
    Ok(())
}

fn start() -> Result<Servers> {
    let cluster = CitusCluster::temporary(WORKERS)?;
    let coordinator = strip_database(&cluster.coordinator().url("postgres"));
    let workers: Vec<String> = cluster
        .workers()
        .iter()
        .map(|w| strip_database(&w.url("postgres")))
        .collect();
    let worker_ports: Vec<u16> = cluster.workers().iter().map(|w| w.port()).collect();
    let coordinator_port = cluster.coordinator().port();
    let mut s = Servers {
        timings: SetUpTimes {
            cluster: cluster.started_in(),
            templates: Duration::ZERO,
        },
        _cluster: cluster,
        coordinator,
        workers,
        worker_ports,
    };
    let started = Instant::now();
    crate::testing::block_on(async {
        clone_everywhere(&s, "template0", EMPTY).await?;
        on_every_node(&s, EMPTY, raw_sql::CREATE_EXTENSION_CITUS).await?;
        let coord = connect(&with_database(&s.coordinator, EMPTY)).await?;
        coord
            .execute(
                raw_sql::CITUS_SET_COORDINATOR,
                &[&i32::from(coordinator_port)],
            )
            .await?;
        for port in &s.worker_ports {
            coord
                .execute(raw_sql::CITUS_ADD_NODE, &[&i32::from(*port)])
                .await?;
        }
        coord
            .batch_execute(raw_sql::CREATE_EXTENSION_VECTOR)
            .await?;
        drop(coord);
        freeze_everywhere(&s, EMPTY).await?;

        clone_everywhere(&s, EMPTY, MIGRATED).await?;
        let url = with_database(&s.coordinator, MIGRATED);
        let db = Database::connect(&Config::default(), &url).await?;
        db.migrate(None).await?;
        db.close().await;
        // Made on the coordinator in a Citus database, so Citus makes it on
        // the workers too (the coordinator connects to them as the same user).
        connect(&url)
            .await?
            .batch_execute(&raw_sql::create_app_login(APP_LOGIN, APP_LOGIN))
            .await?;
        freeze_everywhere(&s, MIGRATED).await?;
        Ok::<_, Error>(())
    })?;
    s.timings.templates = started.elapsed();
    Ok(s)
}

/// A database of its own for one test on the Citus cluster, on the
/// coordinator and every worker; dropped on all of them afterwards.
pub struct CitusDatabase {
    /// A handle on the test's database on the coordinator.
    pub db: Database,
    /// The database's name (the same on every node).
    pub name: String,
    /// Its URL on the coordinator.
    pub url: String,
    /// Its URL on each worker.
    pub worker_urls: Vec<String>,
}

impl CitusDatabase {
    /// A new database with Citus and pgvector and the workers added, and
    /// nothing else.
    ///
    /// # Errors
    /// [`Error::Server`] when the cluster cannot be started.
    pub async fn empty() -> Result<Self> {
        Self::create(EMPTY).await
    }

    /// A new database as [`CitusDatabase::empty`], with every migration
    /// applied on the coordinator: its tables are local to the coordinator,
    /// nothing is distributed yet.
    ///
    /// # Errors
    /// [`Error::Server`] when the cluster cannot be started.
    pub async fn migrated() -> Result<Self> {
        Self::create(MIGRATED).await
    }

    async fn create(template: &str) -> Result<Self> {
        let s = servers()?;
        let name = format!("citus_{}", uuid::Uuid::new_v4().simple());
        clone_everywhere(s, template, &name).await?;
        let url = with_database(&s.coordinator, &name);
        let config = Config {
            pool_max_size: 8,
            ..Config::default()
        };
        let db = Database::connect(&config, &url).await?;
        Ok(CitusDatabase {
            db,
            worker_urls: s.workers.iter().map(|w| with_database(w, &name)).collect(),
            url,
            name,
        })
    }

    /// The coordinator URL of this database for [`APP_LOGIN`] (row-level
    /// security applies to it).
    pub fn app_url(&self) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}user={APP_LOGIN}&password={APP_LOGIN}", self.url)
    }

    /// A direct connection to the coordinator, as the superuser.
    ///
    /// # Errors
    /// Connection errors.
    pub async fn raw_client(&self) -> Result<tokio_postgres::Client> {
        connect(&self.url).await
    }

    /// A direct connection to this database on worker `i`, as the superuser.
    ///
    /// # Errors
    /// Connection errors; [`Error::Server`] when there is no worker `i`.
    pub async fn worker_client(&self, i: usize) -> Result<tokio_postgres::Client> {
        let url = self
            .worker_urls
            .get(i)
            .ok_or_else(|| Error::server(format!("no worker {i}")))?;
        connect(url).await
    }
}

impl Drop for CitusDatabase {
    fn drop(&mut self) {
        self.db.pool().close();
        let Ok(s) = servers() else { return };
        let name = self.name.clone();
        let _ = crate::testing::block_on(async move {
            let sql = raw_sql::drop_database(&name);
            // The coordinator first: it holds connections to the workers' copies.
            on_every_node(s, "postgres", &sql).await
        });
    }
}
