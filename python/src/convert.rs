//! Python values in (ids, labels, numpy vectors) and results out.
//!
//! Inputs are converted while the call holds the GIL, before its future is
//! spawned; results are converted when the future completes, back on the
//! event loop's thread ([`Out`]). In between, the database call runs on the
//! tokio runtime without the GIL.

use std::str::FromStr;

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::IntoPyObjectExt;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use truthgraph_db::Error;
use truthgraph_db::pgvector::Vector;
use uuid::Uuid;

use crate::errors::{invalid, to_pyerr};

/// A database call's result, turned into Python objects on the event loop:
/// the value, or the exception of the library's error.
pub struct Out<T>(pub Result<T, Error>);

impl<'py, T: IntoPyObject<'py>> IntoPyObject<'py> for Out<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            Ok(value) => value.into_bound_py_any(py),
            Err(e) => Err(to_pyerr(py, &e)),
        }
    }
}

/// Maps a library error to its Python exception (for calls that hold the GIL).
pub fn py_err(e: Error) -> PyErr {
    Python::attach(|py| to_pyerr(py, &e))
}

/// A UUID given as `uuid.UUID` or as its text.
pub fn uuid(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Uuid> {
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow()?;
        return Uuid::parse_str(&text)
            .map_err(|e| invalid(obj.py(), field, format!("{text:?} is not a UUID: {e}")));
    }
    obj.extract::<Uuid>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{field}: expected a uuid.UUID or str, got {}",
            type_name(obj)
        ))
    })
}

/// A sequence of UUIDs (`uuid.UUID` or text each), errors naming `field[i]`.
pub fn uuids(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Vec<Uuid>> {
    let mut out = Vec::new();
    for (i, item) in obj.try_iter()?.enumerate() {
        out.push(uuid(&item?, &format!("{field}[{i}]"))?);
    }
    Ok(out)
}

/// A stored label (`"evidence"`, `"ENTAILMENT"`, …) parsed by the library's
/// `FromStr`, which names the field in its error.
pub fn label<L: FromStr<Err = Error>>(text: &str) -> PyResult<L> {
    L::from_str(text).map_err(py_err)
}

/// An optional label.
pub fn opt_label<L: FromStr<Err = Error>>(text: Option<&str>) -> PyResult<Option<L>> {
    text.map(label).transpose()
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// What is wrong with `obj` as a numpy float32 array of `ndim` dimensions:
/// a `TypeError` for anything but a numpy array of float32, an
/// `InvalidInput` naming `field` for the wrong number of dimensions.
fn check_array(obj: &Bound<'_, PyAny>, field: &str, ndim: usize) -> PyErr {
    let py = obj.py();
    let Ok(arr) = obj.cast::<PyUntypedArray>() else {
        return PyTypeError::new_err(format!(
            "{field}: expected a numpy.ndarray of dtype float32, got {}",
            type_name(obj)
        ));
    };
    let dtype = arr
        .dtype()
        .str()
        .map(|s| s.to_string())
        .unwrap_or_else(|_| "?".into());
    if dtype != "float32" {
        return PyTypeError::new_err(format!(
            "{field}: expected dtype float32, got {dtype} (use .astype(numpy.float32))"
        ));
    }
    invalid(
        py,
        field,
        format!(
            "must be a {ndim}-D array, got shape {:?}",
            arr.shape().to_vec()
        ),
    )
}

/// A vector from a 1-D numpy float32 array: one copy of its buffer (none
/// per element). Its length and values are checked by the library.
pub fn vector(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Vector> {
    let arr = obj
        .cast::<PyArray1<f32>>()
        .map_err(|_| check_array(obj, field, 1))?;
    let ro = arr.readonly();
    let values = match ro.as_slice() {
        Ok(slice) => slice.to_vec(),
        Err(_) => ro
            .to_vec()
            .map_err(|e| invalid(obj.py(), field, e.to_string()))?,
    };
    Ok(Vector::from(values))
}

/// The rows of a 2-D numpy float32 array as vectors, read as slices of its
/// buffer (a non-contiguous array is copied once, whole).
pub fn matrix(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Vec<Vector>> {
    let arr = obj
        .cast::<PyArray2<f32>>()
        .map_err(|_| check_array(obj, field, 2))?;
    let ro = arr.readonly();
    let cols = ro.shape()[1];
    if cols == 0 {
        return Err(invalid(obj.py(), field, "has rows of 0 values"));
    }
    let rows = |flat: &[f32]| -> Vec<Vector> {
        flat.chunks_exact(cols)
            .map(|row| Vector::from(row.to_vec()))
            .collect()
    };
    Ok(match ro.as_slice() {
        Ok(flat) => rows(flat),
        Err(_) => rows(ro.as_array().as_standard_layout().as_slice().unwrap_or(&[])),
    })
}

/// A vector out, as a numpy float32 array that owns a copy of the values.
pub fn to_numpy<'py>(py: Python<'py>, values: &[f32]) -> Bound<'py, PyArray1<f32>> {
    PyArray1::from_slice(py, values)
}
