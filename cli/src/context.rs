//! What a verb gets besides its own options: the output options, the
//! configuration, and the database the global options name.

use std::cell::OnceCell;

use truthgraph_db::{Config, Database};

use crate::options::Global;
use crate::output::Output;

/// The global options, read once and shared by the verb that runs.
pub struct Context {
    /// `--json` and `-q`.
    pub out: Output,
    /// `--database`: the server's database to work on instead of the URL's.
    pub database: Option<String>,
    database_url: Option<String>,
    /// Why `./.env` could not be read, reported by the first verb that
    /// needs the configuration (`sql` does not).
    dotenv: Option<String>,
    config: OnceCell<Config>,
}

impl Context {
    /// `dotenv`: the outcome of reading `./.env` (see `main`).
    pub fn new(global: Global, dotenv: Result<(), String>) -> Self {
        Context {
            out: Output {
                json: global.json,
                quiet: global.quiet,
            },
            database: global.database,
            database_url: global.database_url,
            dotenv: dotenv.err(),
            config: OnceCell::new(),
        }
    }

    /// The configuration: the environment (with `./.env` filled in), then
    /// `--database-url` over `DATABASE_URL`. The first call notes on stderr
    /// when the embedded server is going to be used.
    pub fn config(&self) -> anyhow::Result<&Config> {
        if let Some(config) = self.config.get() {
            return Ok(config);
        }
        if let Some(e) = &self.dotenv {
            anyhow::bail!("reading .env in the working directory: {e}");
        }
        let mut config = Config::from_env()?;
        if let Some(url) = &self.database_url {
            config.database_url = Some(url.clone());
        }
        if config.database_url.is_none() {
            self.out.note(format_args!(
                "DATABASE_URL is unset: using the embedded PostgreSQL in {} \
                 (maintenance_work_mem {} MB)",
                config.embedded_data_dir.display(),
                truthgraph_db::embedded::maintenance_work_mem_mb()
            ));
        }
        Ok(self.config.get_or_init(|| config))
    }

    /// Runs `f`, a verb that prints text only, on the database: `--json` is
    /// refused (after the configuration is read, before connecting).
    pub async fn with_database<T>(
        &self,
        f: impl AsyncFnOnce(&Database) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.config()?;
        if self.out.json {
            anyhow::bail!("--json is not supported by this command (it prints text only)");
        }
        self.open_and_run(f).await
    }

    /// Runs `f`, a verb that honours `--json`, on the database, with the
    /// output options.
    pub async fn with_database_json<T>(
        &self,
        f: impl AsyncFnOnce(&Database, &Output) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.open_and_run(async |db| f(db, &self.out).await).await
    }

    /// Opens the server (DATABASE_URL or the embedded one) and, with
    /// `--database`, that database on it; runs `f`; closes both, which stops
    /// an embedded server.
    async fn open_and_run<T>(
        &self,
        f: impl AsyncFnOnce(&Database) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let config = self.config()?;
        let server = Database::open(config).await?;
        let (db, server) = match &self.database {
            Some(name) => {
                let url = truthgraph_db::embedded::with_database(server.url(), name);
                (Database::connect(config, &url).await?, Some(server))
            }
            None => (server, None),
        };
        let result = f(&db).await;
        db.close().await;
        if let Some(server) = server {
            server.close().await;
        }
        result
    }
}
