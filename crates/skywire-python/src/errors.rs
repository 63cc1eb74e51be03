//! Rust errors as Python exceptions (the classes are in `python/skywire/_errors.py`).

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use skywire_node::CallError;
use skywire_seri::DecodeError;

use crate::py_types;

/// `DecodeError.kind` of a string that is not UTF-8 where `str` was asked for.
pub(crate) const INVALID_UTF8: &str = "invalid-utf8";

/// A `skywire.DecodeError` with `offset` and `kind`.
pub(crate) fn decode_error_at(py: Python<'_>, message: String, offset: usize, kind: &str) -> PyErr {
    instance(py, py_types::decode_error(py), (message, offset, kind))
}

/// `e` as a `skywire.DecodeError` (`what` says what was being decoded, e.g. "payload").
pub(crate) fn decode_error(py: Python<'_>, what: &str, e: &DecodeError) -> PyErr {
    decode_error_at(
        py,
        format!("cannot unpack the {what}: {e}"),
        e.offset(),
        e.kind().class(),
    )
}

/// A `skywire.EncodeError`.
pub(crate) fn encode_error(py: Python<'_>, message: String) -> PyErr {
    instance(py, py_types::encode_error(py), (message,))
}

/// A failed call, push or query as the exception class its kind calls for: `RemoteError`
/// (`UnknownNameError` when the remote says the target does not exist), `TimeoutError`,
/// `ConnectionLostError`, `ConnectError` (cannot connect, node down), `DecodeError` (a
/// response that does not unpack), `CallError` for the rest. Each carries the node.
pub(crate) fn call_error(py: Python<'_>, e: CallError) -> PyErr {
    let message = e.to_string();
    match &e {
        CallError::Remote { node, text } => {
            let class = if e.is_unknown_target() {
                py_types::unknown_name_error(py)
            } else {
                py_types::remote_error(py)
            };
            let text = PyBytes::new(py, text);
            instance(py, class, (message, node.as_str(), text))
        }
        CallError::Timeout { node, .. } => {
            instance(py, py_types::timeout_error(py), (message, node.as_str()))
        }
        CallError::ConnectionLost { node, .. } => instance(
            py,
            py_types::connection_lost_error(py),
            (message, node.as_str()),
        ),
        CallError::Connect { node, .. } | CallError::NodeDown { node } => {
            instance(py, py_types::connect_error(py), (message, node.as_str()))
        }
        CallError::Decode { source, .. } => decode_error(py, "response", source),
        CallError::UnknownNode { node }
        | CallError::BadQueryAnswer { node, .. }
        | CallError::Unconfirmed { node, .. } => {
            instance(py, py_types::call_error(py), (message, node.as_str()))
        }
        _ => instance(py, py_types::call_error(py), (message, py.None())),
    }
}

/// An instance of `class` made with `args`, as a `PyErr`; if the class cannot be had
/// (the package is broken), a `RuntimeError` saying so.
fn instance<'py, A>(
    py: Python<'py>,
    class: PyResult<&Bound<'py, pyo3::types::PyType>>,
    args: A,
) -> PyErr
where
    A: pyo3::call::PyCallArgs<'py>,
{
    match class.and_then(|c| c.call1(args)) {
        Ok(value) => PyErr::from_value(value),
        Err(e) => {
            let err = PyRuntimeError::new_err("skywire: cannot build the exception");
            err.set_cause(py, Some(e));
            err
        }
    }
}
