//! Bytes handed in by Python, read where they are: `bytes` directly, anything else with the
//! buffer protocol (`bytearray`, `memoryview`, `array.array`, `mmap`, ...).
//!
//! While a buffer is held its exporter cannot resize it (`bytearray` raises `BufferError`
//! on any resize), so the slice stays valid however long the caller works on it, even if
//! Python code (a garbage collector's finalizer, `Table.__init__`) runs meanwhile. Such
//! code could still change bytes in place; every read is bounds-checked against the
//! slice, so the worst it can do is change the values decoded after it ran.

use std::marker::PhantomData;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::ffi_ext::{PyBuffer, PyBuffer_Release, PyObject_GetBuffer, PYBUF_SIMPLE};

/// The bytes of a Python object, borrowed for as long as this lives (with the GIL held).
pub(crate) struct HeldBytes<'py> {
    held: Held<'py>,
}

enum Held<'py> {
    Bytes(Bound<'py, PyBytes>),
    /// Boxed: the exporter filled it at this address, and it stays there until released.
    Buffer(Box<PyBuffer>, PhantomData<Python<'py>>),
}

impl<'py> HeldBytes<'py> {
    /// The bytes of `obj`, or `TypeError` if it is not a bytes-like object (or its buffer
    /// is not one contiguous run of bytes).
    pub(crate) fn of(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        match Self::try_of(obj)? {
            Some(held) => Ok(held),
            None => Err(PyTypeError::new_err(format!(
                "a bytes-like object is required, not '{}'",
                type_name(obj)
            ))),
        }
    }

    /// The bytes of `obj`, a bytes-like object or a `str` (its UTF-8).
    pub(crate) fn of_text(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        match obj.cast::<pyo3::types::PyString>() {
            Ok(s) => Ok(HeldBytes {
                held: Held::Bytes(pyo3::types::PyBytes::new(obj.py(), s.to_cow()?.as_bytes())),
            }),
            Err(_) => Self::of(obj),
        }
    }

    /// The bytes of `obj`, or `None` if it does not export a buffer.
    pub(crate) fn try_of(obj: &Bound<'py, PyAny>) -> PyResult<Option<Self>> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Some(HeldBytes {
                held: Held::Bytes(b.clone()),
            }));
        }
        let mut view = Box::new(PyBuffer::empty());
        // SAFETY: `obj` is a live object (we hold a reference and the GIL) and `view` points
        // to a `Py_buffer` the call may fill; on success it is released exactly once, in
        // `Drop`, with the GIL held (`'py`).
        let r = unsafe { PyObject_GetBuffer(obj.as_ptr(), &mut *view, PYBUF_SIMPLE) };
        if r != 0 {
            let err = PyErr::fetch(obj.py());
            // An object without the buffer protocol raises TypeError: not a bytes-like
            // object. Anything else (BufferError for a non-contiguous view, an exporter's
            // own error) stands.
            if err.is_instance_of::<PyTypeError>(obj.py()) {
                return Ok(None);
            }
            return Err(err);
        }
        Ok(Some(HeldBytes {
            held: Held::Buffer(view, PhantomData),
        }))
    }

    /// The bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        match &self.held {
            Held::Bytes(b) => b.as_bytes(),
            Held::Buffer(view, _) => {
                let len = usize::try_from(view.len).unwrap_or(0);
                if view.buf.is_null() || len == 0 {
                    return &[];
                }
                // SAFETY: a simple buffer is `len` contiguous bytes at `buf`, valid (and not
                // resizable) until it is released, which happens only when `self` drops.
                unsafe { std::slice::from_raw_parts(view.buf.cast::<u8>(), len) }
            }
        }
    }
}

impl Drop for HeldBytes<'_> {
    fn drop(&mut self) {
        if let Held::Buffer(view, _) = &mut self.held {
            // SAFETY: filled by a successful `PyObject_GetBuffer`, released once; the GIL
            // is held for `'py`, which this value cannot outlive.
            unsafe { PyBuffer_Release(&mut **view) };
        }
    }
}

/// The name of `obj`'s type, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}
