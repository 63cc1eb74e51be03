//! `NodeCore`: a skywire [`Node`] serving Python functions (the Python `Node` wraps it and
//! picks the event loop for async functions).

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use skywire_node::{Listener, Node};
use tokio::sync::watch;

use crate::client::seconds;
use crate::completions::Completions;
use crate::decode::DecodeOptions;
use crate::runtime::{runtime, InRuntime};
use crate::service::{LoopSlot, Mode, PyService};
use crate::wait::wait;

/// The native part of `skywire.Node`: use that.
#[pyclass(frozen, module = "skywire._skywire")]
pub struct NodeCore {
    node: InRuntime<Node>,
    event_loop: Arc<LoopSlot>,
    listeners: Mutex<Vec<InRuntime<Listener>>>,
    closed: watch::Sender<bool>,
}

#[pymethods]
impl NodeCore {
    #[new]
    fn new() -> PyResult<Self> {
        let _inside = runtime()?.enter();
        Ok(NodeCore {
            node: InRuntime::new(Node::new()),
            event_loop: Arc::default(),
            listeners: Mutex::new(Vec::new()),
            closed: watch::Sender::new(false),
        })
    }

    /// Serves `function` as `name` (reachable as "@name", ".name" and its address, which
    /// is returned); with `request`, the function gets a `skywire.Request` first.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (name, function, asynchronous, r#str, exact, request, address = None))]
    fn register(
        &self,
        name: &str,
        function: Py<PyAny>,
        asynchronous: bool,
        r#str: bool,
        exact: bool,
        request: bool,
        address: Option<u32>,
    ) -> PyResult<u32> {
        let decode = DecodeOptions::flags(r#str, exact);
        let mode = if asynchronous {
            Mode::Loop(self.event_loop.clone())
        } else {
            Mode::Thread
        };
        let service = PyService::new(name, function, decode, mode, request);
        let registered = match address {
            Some(a) => self.node.register_at(name, a, service),
            None => self.node.register(name, service),
        };
        registered.map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Stops serving `name`; its address, or None if it was not registered.
    fn unregister(&self, name: &str) -> Option<u32> {
        self.node.unregister(name)
    }

    /// The services served, as (name, address), by address.
    fn services(&self) -> Vec<(String, u32)> {
        self.node
            .services()
            .into_iter()
            .map(|s| (s.name, s.address))
            .collect()
    }

    /// The event loop (its inbox) the async services run on.
    fn set_loop(&self, completions: &Completions) {
        self.event_loop.set(completions.queue());
    }

    /// Whether an event loop is set.
    fn has_loop(&self) -> bool {
        self.event_loop.is_set()
    }

    /// Listens on `address` ("host:port"; port 0 picks a free one) and returns the address
    /// listened on.
    fn listen(&self, py: Python<'_>, address: &str) -> PyResult<String> {
        let node: &Node = &self.node;
        let listener = wait(py, node.listen(address))?
            .map_err(|e| PyOSError::new_err(format!("cannot listen on {address}: {e}")))?;
        let local = listener.local_addr().to_string();
        self.listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(InRuntime::new(listener));
        Ok(local)
    }

    /// Waits until the node is closed (True), or `timeout` seconds pass (False).
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let timeout = timeout.map(seconds).transpose()?;
        let mut closed = self.closed.subscribe();
        let until_closed = async move {
            let done = closed.wait_for(|c| *c);
            match timeout {
                Some(after) => tokio::time::timeout(after, done).await.is_ok(),
                None => {
                    // Err: the sender is gone, which only happens once closed.
                    let _ = done.await;
                    true
                }
            }
        };
        wait(py, until_closed)
    }

    /// Stops listening, lets running requests finish and answer within `timeout` seconds,
    /// then closes every connection. Idempotent.
    fn close(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let deadline = seconds(timeout)?;
        let node: &Node = &self.node;
        wait(py, node.graceful_shutdown(deadline))?;
        self.listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.closed.send_replace(true);
        Ok(())
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        *self.closed.borrow()
    }
}
