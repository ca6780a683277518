//! `Database`: the handle (a clone of the library's, which is cheap and
//! shares the pools), its schema commands, health and shutdown.

use std::time::Duration;

use pyo3::prelude::*;
use truthgraph_db::{Config, WalToken as RustToken};

use crate::bridge::spawn;
use crate::convert::py_err;
use crate::records::{Health, PoolStatus};
use crate::tenant::Tenant;

/// A handle to a TruthGraph database: a pool of connections (and of each
/// read replica's). Open with `await Database.open()`.
#[pyclass(frozen, module = "truthgraph_db")]
pub struct Database {
    pub inner: truthgraph_db::Database,
}

/// A position in the primary's WAL, from `Database.write_token()`, for
/// `Tenant.after_write` (read-your-writes on replicas).
#[pyclass(frozen, module = "truthgraph_db")]
#[derive(Debug, Clone, Copy)]
pub struct WalToken(pub RustToken);

#[pymethods]
impl WalToken {
    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// What `Database.close_with_deadline` saw.
#[pyclass(frozen, get_all, module = "truthgraph_db")]
#[derive(Debug, Clone)]
pub struct CloseReport {
    pub waited: Duration,
    pub still_busy: usize,
}

fn millis(ms: Option<u64>) -> Option<Duration> {
    ms.map(Duration::from_millis)
}

#[pymethods]
impl Database {
    /// Opens the database at `url`, else `DATABASE_URL`, else an embedded
    /// PostgreSQL (as `Database::open(&Config::from_env()?)` in Rust). The
    /// other settings come from the environment (`TRUTHGRAPH_*`) unless
    /// given here.
    #[staticmethod]
    #[pyo3(signature = (url=None, *, pool_max_size=None, pool_timeout_ms=None, statement_timeout_ms=None))]
    fn open(
        py: Python<'_>,
        url: Option<String>,
        pool_max_size: Option<usize>,
        pool_timeout_ms: Option<u64>,
        statement_timeout_ms: Option<u64>,
    ) -> PyResult<Bound<'_, PyAny>> {
        let mut config = Config::from_env().map_err(py_err)?;
        if let Some(url) = url {
            config = config.with_url(url);
        }
        if let Some(n) = pool_max_size {
            config.pool_max_size = n;
        }
        config.pool_timeout = millis(pool_timeout_ms).unwrap_or(config.pool_timeout);
        config.statement_timeout = millis(statement_timeout_ms).unwrap_or(config.statement_timeout);
        spawn(py, async move {
            let inner = truthgraph_db::Database::open(&config).await?;
            Ok(Database { inner })
        })
    }

    /// The tenant-scoped API for tenant `tenant_id` (checked here: not
    /// blank, at most 255 bytes).
    fn tenant(&self, tenant_id: String) -> PyResult<Tenant> {
        self.inner.tenant(&tenant_id).map_err(py_err)?;
        Ok(Tenant::new(self.inner.clone(), tenant_id))
    }

    /// Applies pending migrations (up to `target`); returns the versions applied.
    #[pyo3(signature = (target=None))]
    fn migrate<'py>(&self, py: Python<'py>, target: Option<i32>) -> PyResult<Bound<'py, PyAny>> {
        let db = self.inner.clone();
        spawn(py, async move { db.migrate(target).await })
    }

    /// The dimension of `embeddings.embedding` (1536 unless switched).
    fn embedding_dimension<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let db = self.inner.clone();
        spawn(py, async move { db.embedding_dimension().await })
    }

    /// Switches `embeddings.embedding` to `vector(dimension)` (refused while
    /// it has rows).
    fn set_dimension<'py>(&self, py: Python<'py>, dimension: usize) -> PyResult<Bound<'py, PyAny>> {
        let db = self.inner.clone();
        spawn(py, async move { db.set_dimension(dimension).await })
    }

    /// One-round-trip readiness probe.
    fn health<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let db = self.inner.clone();
        spawn(py, async move { Ok(Health::from(db.health().await?)) })
    }

    /// The pool's counters now (no I/O).
    fn pool_status(&self) -> PoolStatus {
        self.inner.pool_status().into()
    }

    /// The primary's WAL position, for `Tenant.after_write`.
    fn write_token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let db = self.inner.clone();
        spawn(py, async move { Ok(WalToken(db.write_token().await?)) })
    }

    /// Refuses new work (`Closed`), lets calls in flight finish for up to
    /// `deadline_s` seconds, then closes the pools.
    fn close_with_deadline<'py>(
        &self,
        py: Python<'py>,
        deadline_s: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let db = self.inner.clone();
        let deadline = Duration::try_from_secs_f64(deadline_s)
            .map_err(|e| crate::errors::invalid(py, "deadline_s", e.to_string()))?;
        spawn(py, async move {
            let r = db.close_with_deadline(deadline).await;
            Ok(CloseReport {
                waited: r.waited,
                still_busy: r.still_busy,
            })
        })
    }

    /// Closes gracefully (`TRUTHGRAPH_SHUTDOWN_TIMEOUT_MS`). An embedded
    /// server stops when the last handle on it is garbage-collected.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let db = self.inner.clone();
        spawn(py, async move {
            db.close_with_deadline(db.config().shutdown_timeout).await;
            Ok(())
        })
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let me = slf.clone().unbind();
        spawn(slf.py(), async move { Ok(me) })
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.close(py)
    }

    /// The connection URL (with any password).
    #[getter]
    fn url(&self) -> String {
        self.inner.url().to_string()
    }

    /// Whether `close` was called on this handle or a clone.
    #[getter]
    fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Whether this handle runs on an embedded server it started.
    #[getter]
    fn is_embedded(&self) -> bool {
        self.inner.is_embedded()
    }

    /// Whether tenant calls set `truthgraph.tenant_id` (false for the
    /// tables' owner, a superuser or a BYPASSRLS role).
    #[getter]
    fn sets_tenant(&self) -> bool {
        self.inner.sets_tenant()
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }
}
