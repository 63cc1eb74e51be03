//! Call targets as Python gives them: `"@name"` / `".name"` (a `str` or `bytes` is always a
//! name, as in skynet) or an `int` address.

use bytes::Bytes;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt, PyString};
use skywire_node::Target;

use crate::input::type_name;

/// The target `obj` names.
pub(crate) fn target(obj: &Bound<'_, PyAny>) -> PyResult<Target> {
    let name = if let Ok(s) = obj.cast::<PyString>() {
        Bytes::copy_from_slice(s.to_cow()?.as_bytes())
    } else if let Ok(b) = obj.cast::<PyBytes>() {
        Bytes::copy_from_slice(b.as_bytes())
    } else if obj.cast::<PyInt>().is_ok() {
        let address: u32 = obj.extract().map_err(|_| {
            PyValueError::new_err(format!("a service address is 0..=0xffffffff, not {obj}"))
        })?;
        return Ok(Target::Address(address));
    } else {
        return Err(PyTypeError::new_err(format!(
            "a target is a name (\"@name\", \".name\") or an address (int), not {}",
            type_name(obj)
        )));
    };
    Target::name(name).map_err(|e| PyValueError::new_err(format!("invalid target {obj}: {e}")))
}
