//! The tokio runtime the module owns: one per process, started on first use. Its threads
//! never take the GIL.

use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::OnceLock;

use pyo3::exceptions::PyRuntimeError;
use pyo3::PyResult;
use tokio::runtime::Runtime;

/// I/O threads: calls and connections are cheap to drive; Python is the slow part.
const WORKER_THREADS: usize = 2;
/// Most threads running plain (not async) Python services at once.
const MAX_SERVICE_THREADS: usize = 64;

/// The runtime, started on first use.
pub(crate) fn runtime() -> PyResult<&'static Runtime> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS)
                .max_blocking_threads(MAX_SERVICE_THREADS)
                .thread_name("skywire")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| PyRuntimeError::new_err(format!("skywire: cannot start the runtime: {e}")))
}

/// A node handle dropped inside the runtime: dropping the last handle to a connection with
/// pushes not yet confirmed confirms them in the background, which needs a runtime at hand
/// (a Python object is dropped on whatever thread lets it go).
pub(crate) struct InRuntime<T>(ManuallyDrop<T>);

impl<T> InRuntime<T> {
    /// Wraps `value`.
    pub(crate) fn new(value: T) -> Self {
        InRuntime(ManuallyDrop::new(value))
    }
}

impl<T> Deref for InRuntime<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Drop for InRuntime<T> {
    fn drop(&mut self) {
        let _inside = runtime().ok().map(|rt| rt.enter());
        // SAFETY: taken once, here, and never used again.
        drop(unsafe { ManuallyDrop::take(&mut self.0) });
    }
}
