//! Rust futures as asyncio awaitables, on the tokio runtime of
//! `pyo3-async-runtimes`, with a completion that can be waited for at exit.
//!
//! `pyo3_async_runtimes::tokio::future_into_py` hands each result to the
//! event loop from a tokio blocking thread holding the GIL; a thread still
//! doing so when the interpreter finalizes aborts the process ("Fatal Python
//! error: PyGILState_Release", pyo3-async-runtimes issue #40; seen here at
//! the end of a benchmark run). So the bindings complete their own futures:
//! every call counts itself in flight until its tokio task has let go of the
//! GIL, and `truthgraph_db` registers [`quiesce`] with `atexit`, which waits
//! (GIL released, at most 5 s) until no call is in flight.
//!
//! Inputs are converted before [`spawn`] (GIL held), the call runs on tokio
//! without the GIL, and the result is converted to Python objects ([`Out`])
//! and set on the asyncio future through `loop.call_soon_threadsafe`.
//! Cancelling the awaitable drops the Rust future (the library's calls are
//! cancellation-safe: a borrowed connection's tenant is reset on drop).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::sync::oneshot;
use truthgraph_db::Error;

use crate::convert::Out;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static RESOLVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// One call in flight, from [`spawn`] until its task is done with Python.
struct InFlight;

impl InFlight {
    fn start() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The done-callback of each awaitable: a cancellation stops its Rust future.
#[pyclass]
struct Canceller(Mutex<Option<oneshot::Sender<()>>>);

#[pymethods]
impl Canceller {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut.call_method0("cancelled")?.is_truthy()?
            && let Some(tx) = self.0.lock().ok().and_then(|mut g| g.take())
        {
            let _ = tx.send(());
        }
        Ok(())
    }
}

/// Runs `fut` on the tokio runtime and returns an asyncio future of its
/// result (or of the exception its error maps to). Must be called from a
/// coroutine (a running event loop).
pub fn spawn<'py, T, F>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let resolve = RESOLVE
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("truthgraph_db._bridge")?
                    .getattr("resolve")?
                    .unbind(),
            )
        })?
        .clone_ref(py);
    let event_loop = pyo3_async_runtimes::get_running_loop(py)?;
    let py_fut = event_loop.call_method0("create_future")?;
    let (cancel_tx, cancelled) = oneshot::channel();
    py_fut.call_method1(
        "add_done_callback",
        (Canceller(Mutex::new(Some(cancel_tx))),),
    )?;
    let (target, event_loop) = (py_fut.clone().unbind(), event_loop.unbind());
    let in_flight = InFlight::start();
    pyo3_async_runtimes::tokio::get_runtime().spawn(async move {
        // Dropped last: after the GIL is released below.
        let _in_flight = in_flight;
        let out = tokio::select! {
            out = fut => out,
            _ = cancelled => return,
        };
        Python::attach(move |py| {
            let (ok, value) = match Out(out).into_pyobject(py) {
                Ok(v) => (true, v),
                Err(e) => (false, e.into_value(py).into_bound(py).into_any()),
            };
            // A closed loop (its asyncio.run ended) has nobody to tell.
            let _ = event_loop.bind(py).call_method1(
                "call_soon_threadsafe",
                (resolve, target.bind(py), ok, value),
            );
        });
    });
    Ok(py_fut)
}

/// Waits, without the GIL, until no call is in flight (at most 5 s):
/// registered with `atexit`, so no tokio thread holds the GIL while the
/// interpreter finalizes.
#[pyfunction]
pub fn quiesce(py: Python<'_>) {
    py.detach(|| {
        let start = Instant::now();
        while IN_FLIGHT.load(Ordering::SeqCst) > 0 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Calls in flight now (for tests).
#[pyfunction]
pub fn in_flight() -> usize {
    IN_FLIGHT.load(Ordering::SeqCst)
}
