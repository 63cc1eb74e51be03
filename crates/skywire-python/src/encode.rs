//! Python objects to a lua-seri payload, written with [`Packer`] (skywire-seri's writers:
//! the bytes and the checks of `skywire_seri::pack`).
//!
//! | Python | Lua |
//! |---|---|
//! | `None` | nil |
//! | `bool` | boolean |
//! | `int` (and subclasses) | integer; outside the i64 range `OverflowError` |
//! | `float` (and subclasses) | float |
//! | `str` (and subclasses) | string, its UTF-8 bytes |
//! | `bytes`, `bytearray`, `memoryview`, any other contiguous buffer | string |
//! | `list`, `tuple` (and subclasses) | table, array part |
//! | `dict` (and subclasses) | table, hash part in iteration order (`None` keys and NaN keys refused) |
//! | `skywire.Table` | table, its array part and hash pairs as they are |
//! | `skywire.LightUserdata` | light userdata |
//!
//! Anything else is a `TypeError`. Every error names the argument and the place in it
//! (`argument 2: ["items"][3]`).

use std::cell::Cell;
use std::os::raw::c_int;

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use skywire_seri::{EncodeError, Packer};

use crate::errors;
use crate::input::{type_name, HeldBytes};
use crate::py_types;

/// Packs `values` (an argument list, or a service's results: `what` says which, for
/// messages) onto the end of `out`.
pub(crate) fn write_values<'py>(
    py: Python<'py>,
    what: &str,
    values: impl IntoIterator<Item = Bound<'py, PyAny>>,
    out: &mut Vec<u8>,
) -> PyResult<()> {
    let enc = Encoder::new(py)?;
    let mut p = Packer::new(out);
    for (i, v) in values.into_iter().enumerate() {
        enc.value(&mut p, &v)
            .map_err(|f| f.into_pyerr(py, &format!("{what} {}", i + 1)))?;
    }
    Ok(())
}

/// [`write_values`] into a buffer kept for the thread (no allocation per call), handing the
/// bytes to `f`.
pub(crate) fn with_packed<'py, R>(
    py: Python<'py>,
    what: &str,
    values: impl IntoIterator<Item = Bound<'py, PyAny>>,
    f: impl FnOnce(&[u8]) -> R,
) -> PyResult<R> {
    thread_local! {
        static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    }
    /// A buffer that grew beyond this is not kept.
    const KEEP: usize = 64 * 1024;
    // Taken out while in use: a call made meanwhile (from Python code run by a subclass)
    // gets a fresh buffer.
    let mut buf = SCRATCH.take();
    buf.clear();
    let r = write_values(py, what, values, &mut buf).map(|()| f(&buf));
    if buf.capacity() <= KEEP {
        SCRATCH.set(buf);
    }
    r
}

/// The type objects a value's type is compared with: exact matches are the fast path.
struct Encoder<'py> {
    py: Python<'py>,
    table: Bound<'py, PyType>,
    light_userdata: Bound<'py, PyType>,
}

/// Where in a value something went wrong, innermost first.
enum Step {
    /// Item `i` (from 0) of a list or tuple, or of a `Table`'s array part.
    Index(usize),
    /// The value of this key (its `repr`) in a dict.
    Key(String),
    /// A key of a dict (its `repr`).
    KeyItself(String),
    /// Pair `i` of a `Table`'s hash part.
    Pair(usize),
}

/// What went wrong.
enum Cause {
    /// What `pack` refuses (too deep, nil or NaN key, a string over 4 GiB).
    Encode(EncodeError),
    /// An `int` outside the i64 range (its `repr`).
    Overflow(String),
    /// An object of a type with no Lua form, or a malformed `Table` part.
    Type(String),
    /// Python raised (a `str` with a lone surrogate, a broken buffer, ...).
    Python(PyErr),
}

/// A failure, with the path to it.
struct Failure {
    cause: Cause,
    path: Vec<Step>,
}

impl From<EncodeError> for Failure {
    fn from(e: EncodeError) -> Self {
        Failure::new(Cause::Encode(e))
    }
}

impl From<PyErr> for Failure {
    fn from(e: PyErr) -> Self {
        Failure::new(Cause::Python(e))
    }
}

impl Failure {
    fn new(cause: Cause) -> Self {
        Failure {
            cause,
            path: Vec::new(),
        }
    }

    /// Adds the step the failure passed through on its way out.
    fn at(mut self, step: Step) -> Self {
        self.path.push(step);
        self
    }

    /// The exception: `OverflowError`, `TypeError`, or `skywire.EncodeError`; the message
    /// says `where_` (e.g. "argument 2") and the path inside it.
    fn into_pyerr(self, py: Python<'_>, where_: &str) -> PyErr {
        let mut place = String::from(where_);
        for step in self.path.iter().rev() {
            match step {
                Step::Index(i) => place.push_str(&format!("[{i}]")),
                Step::Key(k) => place.push_str(&format!("[{k}]")),
                Step::KeyItself(k) => place.push_str(&format!(", the key {k}")),
                Step::Pair(i) => place.push_str(&format!(".hash[{i}]")),
            }
        }
        match self.cause {
            Cause::Encode(e) => errors::encode_error(py, format!("cannot pack {place}: {e}")),
            Cause::Overflow(repr) => PyOverflowError::new_err(format!(
                "cannot pack {place}: int {repr} does not fit in a Lua integer (64-bit signed)"
            )),
            Cause::Type(what) => PyTypeError::new_err(format!("cannot pack {place}: {what}")),
            Cause::Python(e) => {
                let err = errors::encode_error(py, format!("cannot pack {place}: {e}"));
                err.set_cause(py, Some(e));
                err
            }
        }
    }
}

/// A short `repr` of `obj` for a message.
fn short_repr(obj: &Bound<'_, PyAny>) -> String {
    /// Longest `repr` quoted in a message.
    const MAX: usize = 60;
    let mut s = obj
        .repr()
        .map_or_else(|_| format!("<{}>", type_name(obj)), |r| r.to_string());
    if s.len() > MAX {
        let mut cut = MAX;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// `obj`'s type is exactly `ty` (a static type object of the C API).
#[inline(always)]
fn is_exactly(obj: &Bound<'_, PyAny>, ty: *mut ffi::PyTypeObject) -> bool {
    obj.get_type_ptr() == ty
}

impl<'py> Encoder<'py> {
    fn new(py: Python<'py>) -> PyResult<Self> {
        Ok(Encoder {
            py,
            table: py_types::table(py)?.clone(),
            light_userdata: py_types::light_userdata(py)?.clone(),
        })
    }

    /// Writes one value. The common exact types are tried first, by type pointer.
    fn value(&self, p: &mut Packer<'_>, obj: &Bound<'py, PyAny>) -> Result<(), Failure> {
        if is_exactly(obj, &raw mut ffi::PyUnicode_Type) {
            return Ok(p.string(utf8(obj)?)?);
        }
        if is_exactly(obj, &raw mut ffi::PyLong_Type) {
            return Ok(p.integer(integer(obj)?)?);
        }
        if is_exactly(obj, &raw mut ffi::PyFloat_Type) {
            return Ok(p.real(real(obj)?)?);
        }
        if is_exactly(obj, &raw mut ffi::PyDict_Type) {
            return self.dict(p, obj.cast::<PyDict>().map_err(PyErr::from)?);
        }
        if is_exactly(obj, &raw mut ffi::PyList_Type) {
            return self.list(p, obj.cast::<PyList>().map_err(PyErr::from)?);
        }
        if is_exactly(obj, &raw mut ffi::PyTuple_Type) {
            return self.tuple(p, obj.cast::<PyTuple>().map_err(PyErr::from)?);
        }
        if is_exactly(obj, &raw mut ffi::PyBytes_Type) {
            let b = obj.cast::<pyo3::types::PyBytes>().map_err(PyErr::from)?;
            return Ok(p.string(b.as_bytes())?);
        }
        if obj.is_none() {
            return Ok(p.nil()?);
        }
        if is_exactly(obj, &raw mut ffi::PyBool_Type) {
            return Ok(p.boolean(obj.is_truthy()?)?);
        }
        self.other(p, obj)
    }

    /// Our own types, subclasses of the built-in ones, other buffers.
    #[inline(never)]
    fn other(&self, p: &mut Packer<'_>, obj: &Bound<'py, PyAny>) -> Result<(), Failure> {
        if obj.is_instance(&self.table)? {
            return self.table(p, obj);
        }
        if obj.is_instance(&self.light_userdata)? {
            let address: u64 = obj.getattr(pyo3::intern!(self.py, "address"))?.extract()?;
            return Ok(p.light_userdata(address)?);
        }
        if let Ok(s) = obj.cast::<pyo3::types::PyString>() {
            return Ok(p.string(utf8(s.as_any())?)?);
        }
        if obj.cast::<pyo3::types::PyInt>().is_ok() {
            return Ok(p.integer(integer(obj)?)?);
        }
        if obj.cast::<pyo3::types::PyFloat>().is_ok() {
            return Ok(p.real(real(obj)?)?);
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            return self.dict(p, d);
        }
        if let Ok(l) = obj.cast::<PyList>() {
            return self.list(p, l);
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            return self.tuple(p, t);
        }
        if let Some(held) = HeldBytes::try_of(obj)? {
            return Ok(p.string(held.as_slice())?);
        }
        Err(Failure::new(Cause::Type(format!(
            "{} objects have no Lua form",
            type_name(obj)
        ))))
    }

    fn list(&self, p: &mut Packer<'_>, list: &Bound<'py, PyList>) -> Result<(), Failure> {
        let n = list.len();
        p.begin_table(n)?;
        self.array_part(p, list, n)?;
        p.end_table();
        Ok(())
    }

    /// The first `n` items of `list` as a table's array part (after `begin_table(n)`).
    fn array_part(
        &self,
        p: &mut Packer<'_>,
        list: &Bound<'py, PyList>,
        n: usize,
    ) -> Result<(), Failure> {
        for i in 0..n {
            // By index, `n` items exactly: the table's head says `n`, even if Python code
            // run meanwhile (a subclass's) changed the list.
            let item = list
                .get_item(i)
                .map_err(|e| Failure::from(e).at(Step::Index(i)))?;
            self.value(p, &item).map_err(|f| f.at(Step::Index(i)))?;
        }
        Ok(())
    }

    fn tuple(&self, p: &mut Packer<'_>, tuple: &Bound<'py, PyTuple>) -> Result<(), Failure> {
        p.begin_table(tuple.len())?;
        for (i, item) in tuple.iter().enumerate() {
            self.value(p, &item).map_err(|f| f.at(Step::Index(i)))?;
        }
        p.end_table();
        Ok(())
    }

    fn dict(&self, p: &mut Packer<'_>, dict: &Bound<'py, PyDict>) -> Result<(), Failure> {
        p.begin_table(0)?;
        let mut pos: ffi::Py_ssize_t = 0;
        let mut key: *mut ffi::PyObject = std::ptr::null_mut();
        let mut value: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: `dict` is a dict (checked by the caller's cast) kept alive by the borrow;
        // `PyDict_Next` gives borrowed references, turned into owned ones at once so that
        // they stay valid whatever Python code runs while they are written.
        while unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut key, &mut value) } != 0 {
            let (k, v) = unsafe {
                (
                    Bound::from_borrowed_ptr(self.py, key),
                    Bound::from_borrowed_ptr(self.py, value),
                )
            };
            self.key(p, &k)
                .map_err(|f| f.at(Step::KeyItself(short_repr(&k))))?;
            self.value(p, &v)
                .map_err(|f| f.at(Step::Key(short_repr(&k))))?;
        }
        p.end_table();
        Ok(())
    }

    /// A hash key: anything but nil and NaN, as `pack` rules.
    fn key(&self, p: &mut Packer<'_>, k: &Bound<'py, PyAny>) -> Result<(), Failure> {
        if k.is_none() {
            return Err(EncodeError::NilKey.into());
        }
        if k.cast::<pyo3::types::PyFloat>().is_ok() && real(k)?.is_nan() {
            return Err(EncodeError::NanKey.into());
        }
        self.value(p, k)
    }

    fn table(&self, p: &mut Packer<'_>, t: &Bound<'py, PyAny>) -> Result<(), Failure> {
        let part = |name: &str| -> Result<Bound<'py, PyList>, Failure> {
            let v = t.getattr(name)?;
            v.cast_into::<PyList>().map_err(|e| {
                Failure::new(Cause::Type(format!(
                    "Table.{name} must be a list, not {}",
                    type_name(e.into_inner().as_any())
                )))
            })
        };
        let array = part("array")?;
        let hash = part("hash")?;
        let n = array.len();
        p.begin_table(n)?;
        self.array_part(p, &array, n)?;
        for i in 0..hash.len() {
            let pair = hash
                .get_item(i)
                .map_err(|e| Failure::from(e).at(Step::Pair(i)))?;
            let (k, v) = match pair.cast::<PyTuple>() {
                Ok(kv) if kv.len() == 2 => (kv.get_item(0)?, kv.get_item(1)?),
                _ => {
                    let what = format!(
                        "a hash pair must be a (key, value) tuple, not {}",
                        short_repr(&pair)
                    );
                    return Err(Failure::new(Cause::Type(what)).at(Step::Pair(i)));
                }
            };
            self.key(p, &k).map_err(|f| f.at(Step::Pair(i)))?;
            self.value(p, &v).map_err(|f| f.at(Step::Pair(i)))?;
        }
        p.end_table();
        Ok(())
    }
}

/// The UTF-8 bytes of a `str` (the form the object caches: no copy).
fn utf8<'a>(s: &'a Bound<'_, PyAny>) -> Result<&'a [u8], Failure> {
    let mut len: ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a `str` (checked by the caller) kept alive by the borrow; the returned
    // bytes belong to it and live as long as it does.
    let ptr = unsafe { crate::ffi_ext::PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut len) };
    if ptr.is_null() {
        return Err(PyErr::fetch(s.py()).into());
    }
    let len = usize::try_from(len).unwrap_or(0);
    // SAFETY: `len` bytes at `ptr`, owned by `s`.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// An `int` as i64, or the overflow.
fn integer(obj: &Bound<'_, PyAny>) -> Result<i64, Failure> {
    let mut overflow: c_int = 0;
    // SAFETY: `obj` is an `int` (checked by the caller); the call sets `overflow` instead
    // of raising when the value does not fit.
    let i = unsafe { ffi::PyLong_AsLongLongAndOverflow(obj.as_ptr(), &mut overflow) };
    if overflow != 0 {
        return Err(Failure::new(Cause::Overflow(short_repr(obj))));
    }
    if i == -1 {
        if let Some(e) = PyErr::take(obj.py()) {
            return Err(e.into());
        }
    }
    Ok(i)
}

/// A `float` as f64.
fn real(obj: &Bound<'_, PyAny>) -> Result<f64, Failure> {
    // SAFETY: `obj` is a `float` (checked by the caller).
    let x = unsafe { ffi::PyFloat_AsDouble(obj.as_ptr()) };
    if x == -1.0 {
        if let Some(e) = PyErr::take(obj.py()) {
            return Err(e.into());
        }
    }
    Ok(x)
}
