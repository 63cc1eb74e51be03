//! `pack` and `unpack`.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::decode::{unpack_tuple, DecodeOptions};
use crate::encode::with_packed;
use crate::input::HeldBytes;

/// The lua-seri bytes of the argument list `values`, as `skynet.pack(...)` makes them.
///
/// `None`, `bool`, `int` (64-bit signed; beyond that `OverflowError`), `float`, `str`
/// (UTF-8) and bytes-like objects, `list` / `tuple` (a table's array part), `dict` (its
/// hash part), `skywire.Table` and `skywire.LightUserdata`. Anything else is a
/// `TypeError`; what lua-seri cannot carry (a `None` or NaN key, more than 32 nested
/// tables) is a `skywire.EncodeError`. Every message names the argument and the place
/// in it.
#[pyfunction]
#[pyo3(signature = (*values))]
pub(crate) fn pack<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyTuple>,
) -> PyResult<Bound<'py, PyBytes>> {
    with_packed(py, "argument", values.iter(), |bytes| {
        PyBytes::new(py, bytes)
    })
}

/// The values of a lua-seri payload (what `skynet.unpack` reads), as a tuple.
///
/// `data` is any bytes-like object; `bytearray`, `memoryview` and other buffers are read
/// where they are, not copied. Strings come back as `bytes`, or as `str` with `str=True`
/// (then a string that is not UTF-8 is a `DecodeError`). A table with only an array part
/// is a `list`, one with only a hash part a `dict`, one with both a `skywire.Table`;
/// `exact=True` makes every table a `Table`, so that `pack(*unpack(b, exact=True)) == b`.
/// Bad input is a `skywire.DecodeError` with `.offset` (the byte where the bad value
/// starts) and `.kind` (`"truncated"`, `"bad-cookie"`, ...). Tables nested more than
/// `max_depth` deep are refused.
#[pyfunction]
#[pyo3(
    signature = (data, *, r#str = false, exact = false, max_depth = skywire_seri::DEFAULT_MAX_DEPTH),
    text_signature = "(data, *, str=False, exact=False, max_depth=64)"
)]
pub(crate) fn unpack<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    r#str: bool,
    exact: bool,
    max_depth: usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let held = HeldBytes::of(data)?;
    let opts = DecodeOptions {
        text: r#str,
        exact,
        max_depth,
    };
    unpack_tuple(py, held.as_slice(), &opts, "payload")
}
