//! Connections: how one is configured (URL, timeouts, application name, the
//! settings it starts with) and the pools that lend them. The primary and
//! every read replica are set up here, the same way.

use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

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
        .map_err(|e| Error::pool("building the pool", e))
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
