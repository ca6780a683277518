//! `truthgraph_db.testing`: a fresh, migrated database per test, from the
//! library's own `truthgraph_db::testing` (one server per process: the one
//! at `DATABASE_URL`, else a throw-away embedded cluster; one migrated
//! template; `CREATE DATABASE … TEMPLATE` per test), and its application
//! login (a member of `truthgraph_app`, subject to row-level security).

use std::sync::Mutex;

use pyo3::prelude::*;
use truthgraph_db::Config;
use truthgraph_db::testing::{APP_LOGIN, TestDatabase as RustTestDatabase};

use crate::bridge::spawn;
use crate::database::Database;

/// A database of its own for one test; `drop()` removes it (an embedded
/// cluster is deleted whole when the process ends).
#[pyclass(frozen, module = "truthgraph_db.testing")]
pub struct TestDatabase {
    inner: Mutex<Option<RustTestDatabase>>,
    #[pyo3(get)]
    name: String,
    #[pyo3(get)]
    url: String,
    #[pyo3(get)]
    app_url: String,
    db: truthgraph_db::Database,
}

/// A new database with every migration applied.
#[pyfunction]
pub fn fresh_database(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    spawn(py, async move {
        let t = RustTestDatabase::migrated().await?;
        Ok(TestDatabase {
            name: t.name.clone(),
            url: t.url.clone(),
            app_url: t.app_url(),
            db: t.db.clone(),
            inner: Mutex::new(Some(t)),
        })
    })
}

/// The name (and password) of the application login of `TestDatabase.app`.
#[pyfunction]
pub fn app_login() -> &'static str {
    APP_LOGIN
}

#[pymethods]
impl TestDatabase {
    /// Not a test class, though pytest would collect it by its name.
    #[classattr]
    #[allow(non_upper_case_globals)]
    const __test__: bool = false;

    /// The handle on this database as its owner (the migrator; row-level
    /// security does not apply to it).
    #[getter]
    fn db(&self) -> Database {
        Database {
            inner: self.db.clone(),
        }
    }

    /// A handle on this database as the application login, the way a
    /// service runs with least privilege: it sees one tenant at a time.
    #[pyo3(signature = (pool_max_size=8))]
    fn app<'py>(&self, py: Python<'py>, pool_max_size: usize) -> PyResult<Bound<'py, PyAny>> {
        let url = self.app_url.clone();
        spawn(py, async move {
            let config = Config {
                pool_max_size,
                ..Config::default()
            };
            let inner = truthgraph_db::Database::connect(&config, &url).await?;
            Ok(Database { inner })
        })
    }

    /// Drops the database (on an external server; nothing to do on the
    /// embedded one) and closes its pool. Idempotent.
    fn drop<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let t = self.inner.lock().map(|mut g| g.take()).unwrap_or(None);
        spawn(py, async move {
            if let Some(t) = t {
                // `Drop` runs a blocking DROP DATABASE on a thread of its own.
                tokio::task::spawn_blocking(move || drop(t))
                    .await
                    .map_err(|e| truthgraph_db::Error::Server {
                        message: format!("dropping the test database: {e}"),
                        source: None,
                    })?;
            }
            Ok(())
        })
    }
}
