//! `truthgraph_db` for Python: the library's tenant-scoped API, async,
//! compiled into the extension module `truthgraph_db._native` (an abi3
//! wheel for CPython ≥ 3.10, built by maturin: `scripts/python-wheel.sh`).
//!
//! Every database call returns an awaitable: its inputs are converted while
//! the call holds the GIL, the call itself runs on the tokio runtime of
//! `pyo3-async-runtimes` without it, and its result (or exception) is
//! converted and handed to the event loop (`bridge.rs`). The Python half (`pysrc/truthgraph_db`) holds the
//! exception classes, the type stubs and `truthgraph_db.testing`.

use pyo3::prelude::*;

mod bridge;
mod convert;
mod database;
mod errors;
mod inputs;
mod records;
mod results;
mod tenant;
mod testing;
mod vectors;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<database::Database>()?;
    m.add_class::<database::WalToken>()?;
    m.add_class::<database::CloseReport>()?;
    m.add_class::<tenant::Tenant>()?;
    m.add_class::<inputs::NewClaim>()?;
    m.add_class::<inputs::NewEvidence>()?;
    m.add_class::<inputs::NewEmbedding>()?;
    m.add_class::<inputs::NewNliResult>()?;
    m.add_class::<inputs::NewVerificationResult>()?;
    m.add_class::<records::Claim>()?;
    m.add_class::<records::Evidence>()?;
    m.add_class::<records::Embedding>()?;
    m.add_class::<records::EmbeddingStats>()?;
    m.add_class::<records::EvidenceHit>()?;
    m.add_class::<records::ClaimHit>()?;
    m.add_class::<records::HybridHit>()?;
    m.add_class::<records::NliResult>()?;
    m.add_class::<records::VerificationResult>()?;
    m.add_class::<records::Verdict>()?;
    m.add_class::<records::VerdictEvidence>()?;
    m.add_class::<records::PoolStatus>()?;
    m.add_class::<records::MigrationsHealth>()?;
    m.add_class::<records::Health>()?;
    m.add_class::<testing::TestDatabase>()?;
    m.add_function(wrap_pyfunction!(testing::fresh_database, m)?)?;
    m.add_function(wrap_pyfunction!(testing::app_login, m)?)?;
    m.add_function(wrap_pyfunction!(bridge::quiesce, m)?)?;
    m.add_function(wrap_pyfunction!(bridge::in_flight, m)?)?;
    let kinds: Vec<(&str, &str)> = errors::CLASSES.to_vec();
    m.add("ERROR_CLASSES", kinds)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
