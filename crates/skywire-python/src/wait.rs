//! Blocking on a future from a Python thread: the GIL is released while waiting, and
//! Ctrl-C (any signal handler raising) still interrupts the wait.

use std::future::Future;
use std::time::Duration;

use pyo3::prelude::*;

use crate::runtime::runtime;

/// How often a blocked thread takes the GIL back to run Python's signal handlers.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// Runs `fut` to completion on the module's runtime with the GIL released. A signal
/// handler that raises (`KeyboardInterrupt`) ends the wait with its exception; `fut` is
/// then dropped, which cancels it.
pub(crate) fn wait<F>(py: Python<'_>, fut: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime()?;
    let mut fut = std::pin::pin!(fut);
    loop {
        // The timer is made inside `block_on`: it needs the runtime's context.
        let slice = py.detach(|| {
            rt.block_on(async { tokio::time::timeout(SIGNAL_CHECK, fut.as_mut()).await })
        });
        match slice {
            Ok(out) => return Ok(out),
            Err(_elapsed) => py.check_signals()?,
        }
    }
}
