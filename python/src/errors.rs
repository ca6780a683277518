//! `truthgraph_db::Error` → the Python exceptions of `truthgraph_db.errors`.
//!
//! The classes are defined in Python (`pysrc/truthgraph_db/errors.py`), so
//! that `InvalidInput` can also be a `ValueError` and `Timeout` a
//! `TimeoutError`; each carries the Rust error's `kind`, `field`,
//! `constraint`, `sqlstate` and `is_connection_error`. The class is chosen
//! by `Error::kind()`, so a variant added to the library later still maps
//! (to the base class `TruthGraphError`) until it gets its own.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};
use truthgraph_db::Error;

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The class name in `truthgraph_db.errors` of each `Error::kind()`.
pub const CLASSES: &[(&str, &str)] = &[
    ("invalid_input", "InvalidInput"),
    ("conflict", "Conflict"),
    ("missing_reference", "MissingReference"),
    ("not_found", "NotFound"),
    ("pool_timeout", "PoolTimeout"),
    ("migration", "MigrationError"),
    ("drift", "DriftError"),
    ("adoption", "AdoptionError"),
    ("config", "ConfigError"),
    ("server", "ServerError"),
    ("timeout", "Timeout"),
    ("database", "DatabaseError"),
    ("pool", "PoolError"),
    ("closed", "Closed"),
];

fn class_name(kind: &str) -> &'static str {
    CLASSES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, c)| *c)
        .unwrap_or("TruthGraphError")
}

/// The Python exception for `e`, an instance of its class with the error's
/// details as attributes.
pub fn to_pyerr(py: Python<'_>, e: &Error) -> PyErr {
    build(py, e).unwrap_or_else(|failed| {
        PyRuntimeError::new_err(format!("{e} (and building its exception failed: {failed})"))
    })
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let module = ERRORS.get_or_try_init(py, || {
        PyModule::import(py, "truthgraph_db.errors").map(Bound::unbind)
    })?;
    let class = module.bind(py).getattr(class_name(e.kind()))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("kind", e.kind())?;
    kwargs.set_item("field", e.field())?;
    kwargs.set_item("constraint", e.constraint())?;
    kwargs.set_item("sqlstate", e.code().map(|c| c.code()))?;
    kwargs.set_item("is_connection_error", e.is_connection_error())?;
    let value = class.call((e.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(value))
}

/// `InvalidInput` naming `field`, for a Python value the bindings refuse
/// before anything reaches the library (an id that is not a UUID, an array
/// of the wrong shape).
pub fn invalid(py: Python<'_>, field: &str, reason: impl Into<String>) -> PyErr {
    let e = Error::InvalidInput {
        field: field.to_string(),
        reason: reason.into(),
        constraint: None,
    };
    to_pyerr(py, &e)
}
