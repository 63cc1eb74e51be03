//! A lua-seri payload to Python objects, built in one pass as skywire-seri's [`Reader`]
//! reads the values (its checks, errors and limits are those of every other decoding).
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

use std::os::raw::c_char;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyTuple};
use skywire_seri::{DecodeError, DecodeLimits, Item, Reader};
use smallvec::SmallVec;

use crate::errors;
use crate::key_cache;
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

impl DecodeOptions {
    /// Python's `str` and `exact` flags, with the default nesting limit.
    pub(crate) fn flags(text: bool, exact: bool) -> Self {
        DecodeOptions {
            text,
            exact,
            ..DecodeOptions::default()
        }
    }
}

/// Arguments held on the stack before the tuple is made (most messages carry a few).
const INLINE_ARGS: usize = 8;

/// The values of `payload` as a tuple; errors are `skywire.DecodeError`s naming `what`
/// ("payload", "response", "arguments") and the byte offset.
pub(crate) fn unpack_tuple<'py>(
    py: Python<'py>,
    payload: &[u8],
    opts: &DecodeOptions,
    what: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    let limits = DecodeLimits::new().max_depth(opts.max_depth);
    let mut b = Builder {
        py,
        reader: Reader::with_limits(payload, &limits),
        opts,
        invalid: None,
    };
    let mut args: SmallVec<[Bound<'py, PyAny>; INLINE_ARGS]> = SmallVec::new();
    while !b.reader.at_end() {
        match b.value(0) {
            Some(v) => args.push(v),
            None => return Err(b.error(what)),
        }
    }
    PyTuple::new(py, args)
}

/// Builds Python objects from the values a [`Reader`] reads.
///
/// Its methods follow the C API's convention, which keeps the hot path lean: `None` means
/// the build failed, with either a decoding error in `invalid` or a Python exception set
/// in the interpreter, taken once at the top ([`Builder::error`]). A `PyResult` would be
/// moved through every level of every value.
struct Builder<'py, 'p> {
    py: Python<'py>,
    reader: Reader<'p>,
    opts: &'p DecodeOptions,
    /// Why the payload does not unpack, once it is known not to.
    invalid: Option<DecodeError>,
}

/// A built object, or `None` (see [`Builder`]).
type Built<'py> = Option<Bound<'py, PyAny>>;

impl<'py, 'p> Builder<'py, 'p> {
    /// The exception for a build that gave `None`.
    fn error(&mut self, what: &str) -> PyErr {
        match self.invalid.take() {
            Some(e) => errors::decode_error(self.py, what, &e),
            None => PyErr::fetch(self.py),
        }
    }

    /// Records a decoding error.
    #[cold]
    fn invalid<T>(&mut self, e: DecodeError) -> Option<T> {
        self.invalid = Some(e);
        None
    }

    /// Sets `r`'s error as the interpreter's exception.
    fn set_on_err<T>(&self, r: PyResult<T>) -> Option<T> {
        r.map_err(|e| e.restore(self.py)).ok()
    }

    /// A new reference from a C-API constructor (null: an exception is set).
    #[inline(always)]
    fn owned(&self, ptr: *mut ffi::PyObject) -> Built<'py> {
        // SAFETY: `ptr` is a new reference or null, as every constructor used returns.
        unsafe { Bound::from_owned_ptr_or_opt(self.py, ptr) }
    }

    #[inline(always)]
    fn next(&mut self, depth: usize) -> Option<Item<'p>> {
        match self.reader.next(depth) {
            Ok(item) => Some(item),
            Err(e) => self.invalid(e),
        }
    }

    #[inline(always)]
    fn hash_end(&mut self) -> Option<bool> {
        match self.reader.hash_end() {
            Ok(end) => Some(end),
            Err(e) => self.invalid(e),
        }
    }

    /// The next value, enclosed in `depth` tables.
    #[inline]
    fn value(&mut self, depth: usize) -> Built<'py> {
        let item = self.next(depth)?;
        self.build(item, depth)
    }

    /// The object for `item`, read at nesting `depth`.
    #[inline]
    fn build(&mut self, item: Item<'p>, depth: usize) -> Built<'py> {
        let py = self.py;
        match item {
            Item::Nil => Some(py.None().into_bound(py)),
            Item::Boolean(b) => Some(PyBool::new(py, b).to_owned().into_any()),
            // SAFETY (both): plain constructors of the C API.
            Item::Integer(i) => self.owned(unsafe { ffi::PyLong_FromLongLong(i) }),
            Item::Real(x) => self.owned(unsafe { ffi::PyFloat_FromDouble(x) }),
            Item::String(s) => self.string(s),
            Item::LightUserdata(p) => self.light_userdata(p),
            Item::Table { array_len } => self.table(array_len, depth),
        }
    }

    #[inline]
    fn string(&self, s: &[u8]) -> Built<'py> {
        let (ptr, len) = (s.as_ptr().cast::<c_char>(), s.len() as ffi::Py_ssize_t);
        if !self.opts.text {
            // SAFETY: `len` bytes at `ptr`, copied by the call.
            return self.owned(unsafe { ffi::PyBytes_FromStringAndSize(ptr, len) });
        }
        // SAFETY: as above; "strict" raises UnicodeDecodeError on invalid UTF-8.
        let text = unsafe { ffi::PyUnicode_DecodeUTF8(ptr, len, c"strict".as_ptr()) };
        if text.is_null() {
            return self.invalid_utf8(s);
        }
        self.owned(text)
    }

    /// The `DecodeError` for a string that is not UTF-8, saying where.
    #[cold]
    fn invalid_utf8(&self, s: &[u8]) -> Built<'py> {
        let cause = PyErr::fetch(self.py);
        // The string's bytes are a slice of the payload: where they start in it.
        let payload = self.reader.payload();
        let start = (s.as_ptr() as usize).wrapping_sub(payload.as_ptr() as usize);
        let at = start + std::str::from_utf8(s).err().map_or(0, |e| e.valid_up_to());
        let message = format!(
            "cannot unpack the payload: at byte {at}: invalid UTF-8 in the string whose bytes start at byte {start} (unpack with str=False for bytes)"
        );
        let err = errors::decode_error_at(self.py, message, at, errors::INVALID_UTF8);
        err.set_cause(self.py, Some(cause));
        err.restore(self.py);
        None
    }

    #[cold]
    fn light_userdata(&self, p: u64) -> Built<'py> {
        let made = py_types::light_userdata(self.py).and_then(|class| class.call1((p,)));
        self.set_on_err(made)
    }

    /// A new list of `n` items read at nesting `depth`.
    fn list(&mut self, n: usize, depth: usize) -> Built<'py> {
        // The reader checked `n` against the bytes left: it fits.
        let len = ffi::Py_ssize_t::try_from(n).unwrap_or(ffi::Py_ssize_t::MAX);
        // SAFETY: a plain constructor.
        let list = self.owned(unsafe { ffi::PyList_New(len) })?;
        for i in 0..n {
            let item = self.value(depth)?;
            // SAFETY: `list` is a new list of `n` slots and `i < n`; the call steals the
            // reference `into_ptr` gives.
            unsafe { ffi::PyList_SetItem(list.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr()) };
        }
        Some(list)
    }

    /// A table whose head (`array_len` items) was read at nesting `depth`.
    fn table(&mut self, array_len: usize, depth: usize) -> Built<'py> {
        if self.opts.exact || array_len > 0 {
            let array = self.list(array_len, depth + 1)?;
            if !self.opts.exact && self.hash_end()? {
                return Some(array);
            }
            return self.table_object(array, depth);
        }
        if self.hash_end()? {
            // SAFETY: a plain constructor.
            return self.owned(unsafe { ffi::PyDict_New() });
        }
        // A hash part: a dict, if Python sees as many distinct keys as Lua does. A table
        // key (unhashable) or two keys Python takes as one (True and 1) make it a Table,
        // read again from the start of the hash part.
        let start = self.reader;
        // SAFETY: a plain constructor.
        let dict = self.owned(unsafe { ffi::PyDict_New() })?;
        let mut pairs: ffi::Py_ssize_t = 0;
        loop {
            let key = self.next(depth + 1)?;
            if matches!(key, Item::Table { .. }) {
                break;
            }
            let k = match key {
                Item::String(s) => key_cache::key(self.py, s, self.opts.text, || self.string(s))?,
                other => self.build(other, depth + 1)?,
            };
            let v = self.value(depth + 1)?;
            // SAFETY: `dict` is a dict; the call takes its own references to `k` and `v`.
            if unsafe { ffi::PyDict_SetItem(dict.as_ptr(), k.as_ptr(), v.as_ptr()) } != 0 {
                return None;
            }
            pairs += 1;
            if self.hash_end()? {
                // SAFETY: `dict` is a dict.
                if unsafe { ffi::PyDict_Size(dict.as_ptr()) } == pairs {
                    return Some(dict);
                }
                break;
            }
        }
        self.reader = start;
        // SAFETY: a plain constructor.
        let array = self.owned(unsafe { ffi::PyList_New(0) })?;
        self.table_object(array, depth)
    }

    /// A `skywire.Table`: `array` (read already), then the hash pairs up to the table's
    /// end, at nesting `depth`.
    #[cold]
    fn table_object(&mut self, array: Bound<'py, PyAny>, depth: usize) -> Built<'py> {
        let py = self.py;
        // SAFETY: a plain constructor.
        let hash = self.owned(unsafe { ffi::PyList_New(0) })?;
        while !self.hash_end()? {
            let k = self.value(depth + 1)?;
            let v = self.value(depth + 1)?;
            let pair = self.set_on_err(PyTuple::new(py, [k, v]))?;
            // SAFETY: `hash` is a list; the call takes its own reference to `pair`.
            if unsafe { ffi::PyList_Append(hash.as_ptr(), pair.as_ptr()) } != 0 {
                return None;
            }
        }
        let made = py_types::table(py).and_then(|class| class.call1((array, hash)));
        self.set_on_err(made)
    }
}
