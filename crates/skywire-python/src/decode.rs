//! A lua-seri payload to Python objects: decoded first into skywire-seri's flat form (a
//! [`Tape`], reused from call to call: no allocation but the Python objects), then built.
//!
//! | Lua | Python |
//! |---|---|
//! | nil, boolean, integer, float | `None`, `bool`, `int`, `float` |
//! | string | `bytes`; `str` with `str=True` (invalid UTF-8 is a `DecodeError`) |
//! | light userdata | `skywire.LightUserdata` |
//! | table with only an array part | `list` |
//! | table with only a hash part (or empty) | `dict`, unless two keys are equal in Python (`True` and `1`) or a key is a table: then `Table` |
//! | table with both parts | `skywire.Table` |
//!
//! With `exact=True` every table is a `Table`: packing the result gives back the same bytes.

use std::cell::Cell;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyList, PyString, PyTuple};
use skywire_seri::{DecodeLimits, Tape, TapeTable, TapeValue, TapeValues, Unpack};

use crate::errors;
use crate::py_types;

/// How to build the Python objects.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecodeOptions {
    /// Strings as `str` (UTF-8, strictly) rather than `bytes`.
    pub(crate) text: bool,
    /// Every table as a `skywire.Table`.
    pub(crate) exact: bool,
    /// The nesting limit (`DecodeLimits::max_depth`).
    pub(crate) max_depth: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            text: false,
            exact: false,
            max_depth: skywire_seri::DEFAULT_MAX_DEPTH,
        }
    }
}

/// The values of `payload` as a tuple; errors are `skywire.DecodeError`s naming `what`
/// ("payload", "response", "arguments") and the byte offset.
pub(crate) fn unpack_tuple<'py>(
    py: Python<'py>,
    payload: &[u8],
    opts: &DecodeOptions,
    what: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    thread_local! {
        static SPARE: Cell<Tape<'static>> = const { Cell::new(Tape::new()) };
    }
    let mut tape = SPARE.take().recycle();
    let unpack = Unpack::new().limits(DecodeLimits::new().max_depth(opts.max_depth));
    let r = match unpack.tape_into(payload, &mut tape) {
        Ok(()) => Builder::new(py, payload, opts).and_then(|b| b.tuple(tape.args(), tape.len())),
        Err(e) => Err(errors::decode_error(py, what, &e)),
    };
    SPARE.set(tape.recycle());
    r
}

/// Builds Python objects from a tape's values.
struct Builder<'py, 'p> {
    py: Python<'py>,
    payload: &'p [u8],
    opts: &'p DecodeOptions,
}

impl<'py, 'p> Builder<'py, 'p> {
    fn new(py: Python<'py>, payload: &'p [u8], opts: &'p DecodeOptions) -> PyResult<Self> {
        Ok(Builder { py, payload, opts })
    }

    fn tuple(&self, values: TapeValues<'_, '_>, n: usize) -> PyResult<Bound<'py, PyTuple>> {
        let tuple = new_sequence(self.py, n, ffi::PyTuple_New)?;
        for (i, v) in values.enumerate().take(n) {
            let item = self.value(v)?;
            // SAFETY: `tuple` is a new tuple of `n` slots; `i < n`; the call steals the
            // new reference `into_ptr` gives.
            unsafe { ffi::PyTuple_SetItem(tuple.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr()) };
        }
        // SAFETY: made by PyTuple_New.
        Ok(unsafe { tuple.cast_into_unchecked() })
    }

    fn list(&self, values: TapeValues<'_, '_>, n: usize) -> PyResult<Bound<'py, PyList>> {
        let list = new_sequence(self.py, n, ffi::PyList_New)?;
        for (i, v) in values.enumerate().take(n) {
            let item = self.value(v)?;
            // SAFETY: as in `tuple`, for a new list of `n` slots.
            unsafe { ffi::PyList_SetItem(list.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr()) };
        }
        // SAFETY: made by PyList_New.
        Ok(unsafe { list.cast_into_unchecked() })
    }

    fn value(&self, v: TapeValue<'_, '_>) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match v {
            TapeValue::Nil => py.None().into_bound(py),
            TapeValue::Boolean(b) => PyBool::new(py, b).to_owned().into_any(),
            TapeValue::Integer(i) => i.into_pyobject(py)?.into_any(),
            TapeValue::Real(x) => PyFloat::new(py, x).into_any(),
            TapeValue::String(s) => self.string(s)?,
            TapeValue::LightUserdata(p) => py_types::light_userdata(py)?.call1((p,))?,
            TapeValue::Table(t) => self.table(t)?,
        })
    }

    fn string(&self, s: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        if !self.opts.text {
            return Ok(PyBytes::new(self.py, s).into_any());
        }
        match std::str::from_utf8(s) {
            Ok(text) => Ok(PyString::new(self.py, text).into_any()),
            Err(e) => {
                // The string's bytes are a slice of the payload: where they start in it.
                let start = (s.as_ptr() as usize).wrapping_sub(self.payload.as_ptr() as usize);
                let at = start + e.valid_up_to();
                let message = format!(
                    "cannot unpack the payload: at byte {at}: invalid UTF-8 in the string whose bytes start at byte {start} (unpack with str=False for bytes)"
                );
                Err(errors::decode_error_at(
                    self.py,
                    message,
                    at,
                    errors::INVALID_UTF8,
                ))
            }
        }
    }

    fn table(&self, t: TapeTable<'_, '_>) -> PyResult<Bound<'py, PyAny>> {
        if self.opts.exact || (t.array_len() > 0 && t.hash_len() > 0) {
            return self.table_object(t);
        }
        if t.hash_len() == 0 && t.array_len() > 0 {
            return Ok(self.list(t.array(), t.array_len())?.into_any());
        }
        // A hash part: a dict if Python sees as many distinct keys as Lua does.
        if t.hash().any(|(k, _)| matches!(k, TapeValue::Table(_))) {
            return self.table_object(t);
        }
        let dict = PyDict::new(self.py);
        for (k, v) in t.hash() {
            dict.set_item(self.value(k)?, self.value(v)?)?;
        }
        if dict.len() != t.hash_len() {
            return self.table_object(t);
        }
        Ok(dict.into_any())
    }

    /// A `skywire.Table` with both parts as they are on the wire.
    fn table_object(&self, t: TapeTable<'_, '_>) -> PyResult<Bound<'py, PyAny>> {
        let array = self.list(t.array(), t.array_len())?;
        let hash = new_sequence(self.py, t.hash_len(), ffi::PyList_New)?;
        for (i, (k, v)) in t.hash().enumerate().take(t.hash_len()) {
            let pair = PyTuple::new(self.py, [self.value(k)?, self.value(v)?])?;
            // SAFETY: as in `list`.
            unsafe { ffi::PyList_SetItem(hash.as_ptr(), i as ffi::Py_ssize_t, pair.into_ptr()) };
        }
        py_types::table(self.py)?.call1((array, hash))
    }
}

/// A new tuple or list (by `new`) of `n` empty slots.
fn new_sequence<'py>(
    py: Python<'py>,
    n: usize,
    new: unsafe extern "C" fn(ffi::Py_ssize_t) -> *mut ffi::PyObject,
) -> PyResult<Bound<'py, PyAny>> {
    let n = ffi::Py_ssize_t::try_from(n)
        .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("too many values"))?;
    // SAFETY: PyTuple_New / PyList_New return a new reference or null with an exception.
    unsafe { Bound::from_owned_ptr_or_err(py, new(n)) }
}
