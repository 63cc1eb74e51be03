//! Handing work to an asyncio event loop from the runtime's threads without taking the GIL
//! there: a queue, and a socket pair the loop watches (`loop.add_reader`).
//!
//! A runtime thread pushes onto the queue and, if the queue was empty, writes one byte to
//! the socket. The loop wakes, and [`Completions::drain`] (on the loop's thread, where the
//! GIL is taken anyway) reads the socket dry, *then* takes everything queued: an item
//! pushed after the take finds the queue empty and writes a byte again, so none is missed.
//! One wake-up serves every item queued meanwhile.

use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use skywire_node::CallError;

use crate::decode::{unpack_tuple, DecodeOptions};
use crate::errors;
use crate::service::Request;

/// What a runtime thread hands to the loop.
pub(crate) enum Done {
    /// A call, push, query or close has finished: resolve its asyncio future.
    Call {
        /// The `asyncio.Future` to resolve.
        future: Py<PyAny>,
        /// What it resolves to.
        result: Result<Outcome, CallError>,
    },
    /// A request for an async Python service: start it on the loop.
    Request(Request),
}

/// What a finished operation gives.
pub(crate) enum Outcome {
    /// A call's response payload, to unpack with these options.
    Values(Bytes, DecodeOptions),
    /// A query's address.
    Address(u32),
    /// Nothing (a push, a close).
    Nothing,
}

/// The queue and the socket end that wakes the loop: shared with the runtime's tasks.
pub(crate) struct Queue {
    items: Mutex<Vec<Done>>,
    wake: UnixStream,
}

impl Queue {
    /// Queues `item` and wakes the loop if it may be asleep.
    pub(crate) fn push(&self, item: Done) {
        let was_empty = {
            let mut items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
            let was_empty = items.is_empty();
            items.push(item);
            was_empty
        };
        if was_empty {
            // Non-blocking: a full socket already holds a wake-up the loop has not read.
            if let Err(e) = (&self.wake).write(&[1]) {
                if e.kind() != ErrorKind::WouldBlock {
                    // The loop's end is gone (closed): nobody will drain; nothing to wake.
                    tracing::debug!("skywire: cannot wake the event loop: {e}");
                }
            }
        }
    }
}

/// One asyncio event loop's inbox (made by the Python side, one per loop, and watched with
/// `loop.add_reader(c.fileno(), c.drain)`): `drain` runs on that loop, so a request it
/// starts becomes a task of the running loop.
#[pyclass(frozen, module = "skywire._skywire")]
pub struct Completions {
    queue: Arc<Queue>,
    reader: UnixStream,
}

impl Completions {
    /// The queue, for tasks to push onto.
    pub(crate) fn queue(&self) -> Arc<Queue> {
        self.queue.clone()
    }
}

#[pymethods]
impl Completions {
    /// Completions(): an inbox for an event loop.
    #[new]
    fn new() -> PyResult<Self> {
        let (reader, wake) = UnixStream::pair()
            .map_err(|e| PyOSError::new_err(format!("skywire: cannot make a socket pair: {e}")))?;
        reader.set_nonblocking(true)?;
        wake.set_nonblocking(true)?;
        Ok(Completions {
            queue: Arc::new(Queue {
                items: Mutex::new(Vec::new()),
                wake,
            }),
            reader,
        })
    }

    /// The file descriptor the loop watches for reading.
    fn fileno(&self) -> i32 {
        self.reader.as_raw_fd()
    }

    /// Resolves the futures of finished operations and starts the queued requests: the
    /// loop's reader callback.
    fn drain(&self, py: Python<'_>) {
        let mut buf = [0u8; 64];
        loop {
            match (&self.reader).read(&mut buf) {
                Ok(n) if n == buf.len() => continue,
                Ok(_) => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        let items = std::mem::take(
            &mut *self
                .queue
                .items
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for item in items {
            let r = match item {
                Done::Call { future, result } => resolve(py, future.bind(py), result),
                Done::Request(req) => req.start(py),
            };
            if let Err(e) = r {
                // A callback cannot raise into the loop usefully: report it as unraisable.
                e.write_unraisable(py, None);
            }
        }
    }
}

/// Sets the result or the exception of `future`, unless it was cancelled meanwhile.
fn resolve(
    py: Python<'_>,
    future: &Bound<'_, PyAny>,
    result: Result<Outcome, CallError>,
) -> PyResult<()> {
    if future
        .call_method0(pyo3::intern!(py, "done"))?
        .is_truthy()?
    {
        return Ok(());
    }
    let value = match result {
        Ok(Outcome::Values(payload, opts)) => {
            unpack_tuple(py, &payload, &opts, "response").map(Bound::into_any)
        }
        Ok(Outcome::Address(a)) => Ok(a.into_pyobject(py)?.into_any()),
        Ok(Outcome::Nothing) => Ok(py.None().into_bound(py)),
        Err(e) => Err(errors::call_error(py, e)),
    };
    match value {
        Ok(v) => future.call_method1(pyo3::intern!(py, "set_result"), (v,))?,
        Err(e) => future.call_method1(pyo3::intern!(py, "set_exception"), (e.value(py),))?,
    };
    Ok(())
}
