//! `Client`: calls, pushes and queries to one node, through a [`Remote`] of the module's
//! own [`Node`]: blocking (the GIL released while waiting), or started for asyncio
//! ([`Client::start`], which the Python `AsyncClient` awaits).

use std::time::Duration;

use bytes::Bytes;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use skywire_node::{CallError, CallOptions, Node, Remote, Target};
use tokio::task::AbortHandle;

use crate::completions::{Completions, Done, Outcome};
use crate::decode::{unpack_tuple, DecodeOptions};
use crate::encode::write_values;
use crate::errors;
use crate::runtime::{runtime, InRuntime};
use crate::wait::wait;

/// A connection to the skynet (or skywire) node at `address` ("host:port"), opened on the
/// first call and reopened by the next call after it drops. `timeout` (seconds, or None
/// for no limit) bounds each call unless the call gives its own. Safe to share between
/// threads: calls from several threads share the connection.
#[pyclass(frozen, module = "skywire")]
pub struct Client {
    remote: InRuntime<Remote>,
    /// The node the remote belongs to: kept for as long as the client.
    _node: InRuntime<Node>,
    address: String,
    timeout: Option<Duration>,
}

/// What [`Client::start`] does.
#[derive(Clone, Copy)]
enum Op {
    Call,
    Send,
    Query,
    Close,
}

/// A duration in seconds from Python: finite, not negative.
pub(crate) fn seconds(s: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        PyValueError::new_err(format!("a timeout is a number of seconds >= 0, not {s}"))
    })
}

impl Client {
    fn options(
        &self,
        timeout: Option<f64>,
        trace: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<CallOptions> {
        let mut opts = CallOptions::new();
        if let Some(tag) = trace {
            let tag = crate::input::HeldBytes::of_text(tag)?;
            opts = opts.trace(Bytes::copy_from_slice(tag.as_slice()));
        }
        Ok(match timeout.map(seconds).transpose()?.or(self.timeout) {
            Some(after) => opts.timeout(after),
            None => opts.no_timeout(),
        })
    }

    fn packed<'py>(py: Python<'py>, args: &Bound<'py, PyTuple>) -> PyResult<Bytes> {
        let mut out = Vec::new();
        write_values(py, "argument", args.iter(), &mut out)?;
        Ok(Bytes::from(out))
    }
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (address, *, timeout = Some(10.0)), text_signature = "(address, *, timeout=10.0)")]
    fn new(address: &str, timeout: Option<f64>) -> PyResult<Self> {
        let timeout = timeout.map(seconds).transpose()?;
        // Made inside the runtime: the node's handles may start background work.
        let _inside = runtime()?.enter();
        let node = Node::new();
        let remote = node.remote_at(address);
        Ok(Client {
            remote: InRuntime::new(remote),
            _node: InRuntime::new(node),
            address: address.to_owned(),
            timeout,
        })
    }

    /// The address given.
    #[getter]
    fn address(&self) -> &str {
        &self.address
    }

    /// Calls `target` ("@name", ".name" or an int address) with `args` and returns what it
    /// returned, as a tuple (decoded as `unpack` does, with its `str` and `exact`).
    /// `trace` (str or bytes) sends a trace tag with the call (skynet's `skynet.trace`).
    /// An error response raises `RemoteError` (`UnknownNameError` for an unknown name),
    /// no response within the timeout `TimeoutError`, a dropped connection
    /// `ConnectionLostError`, a refused one `ConnectError`.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (target, *args, timeout = None, r#str = false, exact = false, trace = None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        target: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
        timeout: Option<f64>,
        r#str: bool,
        exact: bool,
        trace: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let target = crate::target::target(target)?;
        let payload = Self::packed(py, args)?;
        let opts = self.options(timeout, trace)?;
        let remote: &Remote = &self.remote;
        let reply = wait(py, remote.call_raw(target, payload, &opts))?
            .map_err(|e| errors::call_error(py, e))?;
        unpack_tuple(py, &reply, &DecodeOptions::flags(r#str, exact), "response")
    }

    /// Pushes `args` to `target` (`cluster.send`): no answer. Returns once the message is
    /// queued on the connection; `close()` makes sure the node took it.
    #[pyo3(signature = (target, *args, timeout = None))]
    fn send<'py>(
        &self,
        py: Python<'py>,
        target: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
        timeout: Option<f64>,
    ) -> PyResult<()> {
        let target = crate::target::target(target)?;
        let payload = Self::packed(py, args)?;
        let opts = self.options(timeout, None)?;
        let remote: &Remote = &self.remote;
        wait(py, remote.send_raw(target, payload, &opts))?.map_err(|e| errors::call_error(py, e))
    }

    /// The address of the node's cluster name `name` (`cluster.query`; without the "@").
    /// An unknown name raises `UnknownNameError`.
    #[pyo3(signature = (name, timeout = None))]
    fn query(&self, py: Python<'_>, name: &str, timeout: Option<f64>) -> PyResult<u32> {
        let opts = self.options(timeout, None)?;
        let remote: &Remote = &self.remote;
        wait(py, remote.query_with(name, &opts))?.map_err(|e| errors::call_error(py, e))
    }

    /// Closes the connection, after making sure the node took every push sent on it
    /// (`CallError` if that cannot be confirmed). Calls still waiting fail with
    /// `ConnectionLostError`. The next call opens a new connection.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let remote: &Remote = &self.remote;
        wait(py, remote.close())?.map_err(|e| errors::call_error(py, e))
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.close(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let address = pyo3::types::PyString::new(py, &self.address).repr()?;
        Ok(format!("skywire.Client({address})"))
    }

    /// Starts an operation ("call", "send", "query" or "close") whose outcome resolves
    /// the asyncio `future` through `completions` (the loop's inbox). Used by
    /// `AsyncClient`.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (completions, future, op, target, args, timeout, r#str, exact, trace = None))]
    fn _start<'py>(
        &self,
        py: Python<'py>,
        completions: &Completions,
        future: Py<PyAny>,
        op: &str,
        target: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
        timeout: Option<f64>,
        r#str: bool,
        exact: bool,
        trace: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Pending> {
        let op = match op {
            "call" => Op::Call,
            "send" => Op::Send,
            "query" => Op::Query,
            "close" => Op::Close,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown operation {other:?}"
                )))
            }
        };
        let (target, payload, name) = match op {
            Op::Call | Op::Send => (
                Some(crate::target::target(target)?),
                Self::packed(py, args)?,
                String::new(),
            ),
            Op::Query => (None, Bytes::new(), target.extract::<String>()?),
            Op::Close => (None, Bytes::new(), String::new()),
        };
        let opts = self.options(timeout, trace)?;
        let decode = DecodeOptions::flags(r#str, exact);
        let remote = Remote::clone(&self.remote);
        let queue = completions.queue();
        let task = async move {
            let target = target.unwrap_or(Target::QUERY);
            let result: Result<Outcome, CallError> = match op {
                Op::Call => remote
                    .call_raw(target, payload, &opts)
                    .await
                    .map(|p| Outcome::Values(p, decode)),
                Op::Send => remote
                    .send_raw(target, payload, &opts)
                    .await
                    .map(|()| Outcome::Nothing),
                Op::Query => remote.query_with(&name, &opts).await.map(Outcome::Address),
                Op::Close => remote.close().await.map(|()| Outcome::Nothing),
            };
            queue.push(Done::Call { future, result });
        };
        let handle = runtime()?.spawn(task);
        Ok(Pending {
            abort: handle.abort_handle(),
        })
    }
}

/// An operation started for asyncio.
#[pyclass(frozen, module = "skywire._skywire")]
pub struct Pending {
    abort: AbortHandle,
}

#[pymethods]
impl Pending {
    /// Stops the operation (its future was cancelled): a call then gets no answer, a push
    /// not yet queued is not sent.
    fn cancel(&self) {
        self.abort.abort();
    }
}
