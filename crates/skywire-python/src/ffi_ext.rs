//! The C-API calls the abi3-py38 build of pyo3 does not declare, declared here.
//!
//! The wheel is built against the stable ABI of CPython 3.8 so that one file serves every
//! CPython from 3.8 on. Two things this package needs joined that ABI later, unchanged:
//!
//! - the buffer protocol (`Py_buffer`, `PyObject_GetBuffer`, `PyBuffer_Release`): stable
//!   ABI since 3.11; the struct and both functions are as they have been since 3.3;
//! - `PyUnicode_AsUTF8AndSize` (the UTF-8 form a `str` caches, no copy): stable ABI since
//!   3.10, unchanged since 3.3.
//!
//! Every CPython 3 exports these symbols (they were always part of the full API), so a
//! module built for the 3.8 ABI finds them on 3.8, 3.9 and 3.10 as well. Without them,
//! `bytearray` and `memoryview` input would be copied and every `str` encoded into a new
//! `bytes` object before packing.

use std::os::raw::{c_char, c_int, c_void};

use pyo3::ffi::{PyObject, Py_ssize_t};

/// CPython's `Py_buffer` (`Include/pybuffer.h`), field for field.
#[repr(C)]
pub(crate) struct PyBuffer {
    /// Start of the memory.
    pub(crate) buf: *mut c_void,
    /// The exporting object (a new reference, released by `PyBuffer_Release`).
    pub(crate) obj: *mut PyObject,
    /// Length in bytes.
    pub(crate) len: Py_ssize_t,
    itemsize: Py_ssize_t,
    readonly: c_int,
    ndim: c_int,
    format: *mut c_char,
    shape: *mut Py_ssize_t,
    strides: *mut Py_ssize_t,
    suboffsets: *mut Py_ssize_t,
    internal: *mut c_void,
}

impl PyBuffer {
    /// An empty buffer for `PyObject_GetBuffer` to fill.
    pub(crate) const fn empty() -> Self {
        PyBuffer {
            buf: std::ptr::null_mut(),
            obj: std::ptr::null_mut(),
            len: 0,
            itemsize: 0,
            readonly: 0,
            ndim: 0,
            format: std::ptr::null_mut(),
            shape: std::ptr::null_mut(),
            strides: std::ptr::null_mut(),
            suboffsets: std::ptr::null_mut(),
            internal: std::ptr::null_mut(),
        }
    }
}

/// `PyBUF_SIMPLE`: one contiguous run of bytes, read-only is fine.
pub(crate) const PYBUF_SIMPLE: c_int = 0;

extern "C" {
    /// Fills `view` with the buffer of `obj` (0), or sets an exception (-1).
    pub(crate) fn PyObject_GetBuffer(
        obj: *mut PyObject,
        view: *mut PyBuffer,
        flags: c_int,
    ) -> c_int;
    /// Releases a buffer filled by `PyObject_GetBuffer`.
    pub(crate) fn PyBuffer_Release(view: *mut PyBuffer);
    /// The UTF-8 bytes of a `str` (cached in the object) and their length, or null with an
    /// exception set (a lone surrogate).
    pub(crate) fn PyUnicode_AsUTF8AndSize(
        unicode: *mut PyObject,
        size: *mut Py_ssize_t,
    ) -> *const c_char;
}
