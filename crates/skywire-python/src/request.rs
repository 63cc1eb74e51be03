//! `skywire.Request`: what a service registered with `request=True` learns about the
//! request besides its arguments.

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use skywire_node::{ServiceRequest, Target};

/// What a service is told of one request (the first argument of a function registered
/// with `request=True`).
#[pyclass(frozen, module = "skywire")]
pub struct Request {
    target: Target,
    /// The address of the service that took the request.
    #[pyo3(get)]
    address: u32,
    /// The caller's session (0 for a small push).
    #[pyo3(get)]
    session: u32,
    /// True for a push (`cluster.send`): what the function returns is dropped.
    #[pyo3(get)]
    push: bool,
    trace: Option<Bytes>,
    peer: String,
}

impl Request {
    /// The parts of `req` a Python function may want.
    pub(crate) fn of(req: &ServiceRequest) -> Self {
        Request {
            target: req.target.clone(),
            address: req.address,
            session: req.session.get(),
            push: req.push,
            trace: req.trace.clone(),
            peer: req.peer.to_string(),
        }
    }
}

#[pymethods]
impl Request {
    /// The target as the caller addressed it: "@name" or ".name" (a `str`; `bytes` if the
    /// name is not UTF-8), or the address (an `int`).
    #[getter]
    fn target<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        match &self.target {
            Target::Address(a) => a
                .into_pyobject(py)
                .map_or_else(|e| match e {}, Bound::into_any),
            Target::Name(n) => match std::str::from_utf8(n) {
                Ok(s) => PyString::new(py, s).into_any(),
                Err(_) => PyBytes::new(py, n).into_any(),
            },
        }
    }

    /// The trace tag that came with the request (`bytes`), or None.
    #[getter]
    fn trace<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.trace.as_ref().map(|t| PyBytes::new(py, t))
    }

    /// The caller's address, "host:port".
    #[getter]
    fn peer(&self) -> &str {
        &self.peer
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "skywire.Request(target={}, address={}, session={}, push={}, peer={})",
            self.target(py).repr()?,
            self.address,
            self.session,
            if self.push { "True" } else { "False" },
            PyString::new(py, &self.peer).repr()?,
        ))
    }
}
