//! The classes defined on the Python side (`python/skywire/_types.py`, `_errors.py`),
//! imported once and kept.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// `fn $name(py) -> PyResult<&Bound<PyType>>` for each class `$attr` of module `$module`.
macro_rules! python_classes {
    ($($(#[$doc:meta])* $name:ident = $module:literal . $attr:literal;)*) => {$(
        $(#[$doc])*
        pub(crate) fn $name(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
            static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
            CLASS.import(py, $module, $attr)
        }
    )*};
}

python_classes! {
    /// `skywire.Table`.
    table = "skywire._types"."Table";
    /// `skywire.LightUserdata`.
    light_userdata = "skywire._types"."LightUserdata";
    /// `skywire.EncodeError`.
    encode_error = "skywire._errors"."EncodeError";
    /// `skywire.DecodeError`.
    decode_error = "skywire._errors"."DecodeError";
    /// `skywire.CallError`.
    call_error = "skywire._errors"."CallError";
    /// `skywire.RemoteError`.
    remote_error = "skywire._errors"."RemoteError";
    /// `skywire.UnknownNameError`.
    unknown_name_error = "skywire._errors"."UnknownNameError";
    /// `skywire.TimeoutError`.
    timeout_error = "skywire._errors"."TimeoutError";
    /// `skywire.ConnectionLostError`.
    connection_lost_error = "skywire._errors"."ConnectionLostError";
    /// `skywire.ConnectError`.
    connect_error = "skywire._errors"."ConnectError";
}

/// `skywire._service_failed`: logs a failed service call (Python's `logging`).
pub(crate) fn service_failed(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static FUNCTION: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    FUNCTION
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("skywire._errors")?
                    .getattr("_service_failed")?
                    .unbind(),
            )
        })
        .map(|f| f.bind(py))
}
