//! A Python function as a [`Service`] of a skywire node.
//!
//! The node reads, reassembles and routes requests on the runtime's threads without the
//! GIL. A request for a plain function is handed to the runtime's blocking pool, where a
//! thread takes the GIL, unpacks the arguments, calls the function and packs what it
//! returns. A request for an `async def` function is queued for the event loop the node
//! was given ([`Completions`](crate::completions::Completions)), where the coroutine runs
//! as a task; its result is packed when it finishes. Either way the packed answer goes
//! back to the node, which writes it.
//!
//! A function's return value: `None` answers with no values, a `tuple` with its items as
//! the values, anything else with that one value. An exception answers with an error
//! response whose text is `"ExceptionType: message"`, and is logged (logger `skywire`).

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use skywire_node::{Service, ServiceError, ServiceFuture, ServiceRequest};
use tokio::sync::oneshot;

use crate::completions::{Done, Queue};
use crate::decode::{unpack_tuple, DecodeOptions};
use crate::encode::write_values;
use crate::py_types;
use crate::request::Request as PyRequest;

/// The event loop that async services of a node run on, once it is known.
#[derive(Default)]
pub(crate) struct LoopSlot {
    queue: Mutex<Option<Arc<Queue>>>,
}

impl LoopSlot {
    /// Sets the loop's inbox.
    pub(crate) fn set(&self, queue: Arc<Queue>) {
        *self.lock() = Some(queue);
    }

    /// Whether a loop is set.
    pub(crate) fn is_set(&self) -> bool {
        self.lock().is_some()
    }

    fn get(&self) -> Option<Arc<Queue>> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<Queue>>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How a service's function runs.
pub(crate) enum Mode {
    /// A plain function, on a thread of the blocking pool.
    Thread,
    /// An `async def` function, as a task on the node's event loop.
    Loop(Arc<LoopSlot>),
}

/// A registered Python function.
pub(crate) struct PyService {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    function: Py<PyAny>,
    decode: DecodeOptions,
    mode: Mode,
    /// Whether the function takes a `skywire.Request` before the arguments.
    with_request: bool,
}

impl PyService {
    /// The service `name` calling `function`, its arguments decoded with `decode`, a
    /// `skywire.Request` first if `with_request`.
    pub(crate) fn new(
        name: &str,
        function: Py<PyAny>,
        decode: DecodeOptions,
        mode: Mode,
        with_request: bool,
    ) -> Self {
        PyService {
            inner: Arc::new(Inner {
                name: name.to_owned(),
                function,
                decode,
                mode,
                with_request,
            }),
        }
    }
}

/// The answer sent when the loop goes away before a request is answered.
const LOOP_GONE: &str = "the Python event loop of this service stopped before answering";

impl Service for PyService {
    fn call(&self, req: ServiceRequest) -> ServiceFuture {
        let inner = self.inner.clone();
        let meta = inner.with_request.then(|| PyRequest::of(&req));
        let payload = req.payload;
        match &self.inner.mode {
            Mode::Thread => ServiceFuture::packed(async move {
                let run = move || Python::attach(|py| inner.run(py, &payload, meta));
                tokio::task::spawn_blocking(run).await.unwrap_or_else(|e| {
                    Err(ServiceError::new(format!(
                        "the service's thread failed: {e}"
                    )))
                })
            }),
            Mode::Loop(slot) => {
                let Some(queue) = slot.get() else {
                    return ServiceFuture::ready(Err(ServiceError::from(
                        "this node has no event loop for its async services",
                    )));
                };
                let (reply, answer) = oneshot::channel();
                queue.push(Done::Request(Request {
                    service: inner,
                    payload,
                    meta,
                    reply,
                }));
                ServiceFuture::packed(async move {
                    answer
                        .await
                        .unwrap_or_else(|_| Err(ServiceError::from(LOOP_GONE)))
                })
            }
        }
    }

    /// The payload is unpacked into Python objects, not into `Value`s.
    fn reads_args(&self) -> bool {
        false
    }
}

impl Inner {
    /// Unpacks, calls, packs: a plain function, with the GIL.
    fn run(
        &self,
        py: Python<'_>,
        payload: &[u8],
        meta: Option<PyRequest>,
    ) -> Result<Bytes, ServiceError> {
        let args = self.arguments(py, payload, meta)?;
        match self.function.bind(py).call1(args) {
            Ok(ret) => self.answer(py, &ret),
            Err(e) => Err(self.failed(py, e)),
        }
    }

    /// The function's arguments: the request's, after a `skywire.Request` if asked for.
    fn arguments<'py>(
        &self,
        py: Python<'py>,
        payload: &[u8],
        meta: Option<PyRequest>,
    ) -> Result<Bound<'py, PyTuple>, ServiceError> {
        // "cannot unpack the arguments: at byte N: ..."
        let args = unpack_tuple(py, payload, &self.decode, "arguments")
            .map_err(|e| ServiceError::new(e.value(py).to_string()))?;
        let Some(meta) = meta else { return Ok(args) };
        let with_request = Bound::new(py, meta).and_then(|m| {
            let mut all = Vec::with_capacity(args.len() + 1);
            all.push(m.into_any());
            all.extend(args.iter());
            PyTuple::new(py, all)
        });
        with_request.map_err(|e| self.failed(py, e))
    }

    /// The payload answering with what the function returned.
    fn answer(&self, py: Python<'_>, ret: &Bound<'_, PyAny>) -> Result<Bytes, ServiceError> {
        let mut out = Vec::new();
        let packed = if ret.is_none() {
            Ok(())
        } else if let Ok(values) = ret.cast::<PyTuple>() {
            write_values(py, "result", values.iter(), &mut out)
        } else {
            write_values(py, "result", [ret.clone()], &mut out)
        };
        match packed {
            Ok(()) => Ok(Bytes::from(out)),
            Err(e) => Err(self.failed(py, e)),
        }
    }

    /// The error response for an exception, which is logged.
    fn failed(&self, py: Python<'_>, e: PyErr) -> ServiceError {
        let value = e.value(py);
        let text = match value.get_type().name() {
            Ok(name) => format!("{name}: {value}"),
            Err(_) => value.to_string(),
        };
        let traceback = e.traceback(py);
        let logged =
            py_types::service_failed(py).and_then(|log| log.call1((&self.name, value, traceback)));
        if let Err(log_failed) = logged {
            log_failed.write_unraisable(py, None);
        }
        ServiceError::new(text)
    }
}

/// A request for an async service, queued for its event loop.
pub(crate) struct Request {
    service: Arc<Inner>,
    payload: Bytes,
    meta: Option<PyRequest>,
    reply: Reply,
}

/// Where the answer to one request goes.
type Reply = oneshot::Sender<Result<Bytes, ServiceError>>;

impl Request {
    /// Starts the request on the running event loop (its thread, with the GIL): the
    /// coroutine becomes a task whose end sends the answer.
    pub(crate) fn start(self, py: Python<'_>) -> PyResult<()> {
        let Request {
            service,
            payload,
            meta,
            reply,
        } = self;
        let started = service.arguments(py, &payload, meta).and_then(|args| {
            service
                .function
                .bind(py)
                .call1(args)
                .map_err(|e| service.failed(py, e))
        });
        let awaitable = match started {
            Ok(a) => a,
            Err(e) => {
                let _ = reply.send(Err(e));
                return Ok(());
            }
        };
        if !awaitable.hasattr(pyo3::intern!(py, "__await__"))? {
            // Registered as async but answered at once.
            let _ = reply.send(service.answer(py, &awaitable));
            return Ok(());
        }
        let task = py
            .import("asyncio")?
            .call_method1("ensure_future", (awaitable,))?;
        let done = Finished {
            pending: Mutex::new(Some((service, reply))),
        };
        task.call_method1("add_done_callback", (done,))?;
        Ok(())
    }
}

/// The done-callback of an async service's task: packs its result and sends the answer.
#[pyclass(frozen, module = "skywire._skywire")]
struct Finished {
    pending: Mutex<Option<(Arc<Inner>, Reply)>>,
}

#[pymethods]
impl Finished {
    fn __call__(&self, py: Python<'_>, task: &Bound<'_, PyAny>) {
        let taken = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some((service, reply)) = taken else {
            return;
        };
        // `result()` raises the task's exception (CancelledError if it was cancelled).
        let answer = match task.call_method0(pyo3::intern!(py, "result")) {
            Ok(ret) => service.answer(py, &ret),
            Err(e) => Err(service.failed(py, e)),
        };
        // The caller may be gone (the connection closed): nothing to answer then.
        let _ = reply.send(answer);
    }
}
