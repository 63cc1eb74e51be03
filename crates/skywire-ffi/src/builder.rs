//! Building values from C: `sw_builder`, an argument list made one call per value (tables
//! opened and closed around their contents), and `sw_builder_pack`, which packs it with
//! `skywire_seri::pack`.

use skywire_seri::{pack, Table, Value, MAX_PACK_DEPTH};

use crate::buffer::{self, SwBytes};
use crate::guard::{self, Error};
use crate::status::SwStatus;

/// An argument list being built (opaque).
///
/// Values are appended in order: to the argument list, or, while a table is open, to that
/// table: to its array part, and after `sw_builder_table_hash` to its hash part, where they
/// alternate key, value, key, value.
///
/// Ownership: made by `sw_builder_new`, freed by `sw_builder_free`. One thread at a time.
#[derive(Debug, Default)]
pub struct SwBuilder {
    args: Vec<Value>,
    open: Vec<Open>,
}

/// A table still open: its contents so far, which part they go to, and a key waiting for
/// its value.
#[derive(Debug)]
struct Open {
    table: Table,
    hash: bool,
    key: Option<Value>,
}

impl SwBuilder {
    fn push(&mut self, v: Value) {
        match self.open.last_mut() {
            None => self.args.push(v),
            Some(open) if !open.hash => open.table.array.push(v),
            Some(open) => match open.key.take() {
                None => open.key = Some(v),
                Some(k) => open.table.hash.push((k, v)),
            },
        }
    }

    fn innermost(&mut self, call: &str) -> Result<&mut Open, Error> {
        self.open.last_mut().ok_or_else(|| {
            Error::new(
                SwStatus::SW_ERR_BUILDER,
                format!("{call}: no table is open"),
            )
        })
    }

    fn begin(&mut self) -> Result<(), Error> {
        // A table inside `open.len()` tables; skynet packs none inside more than
        // MAX_PACK_DEPTH, and refusing here bounds the nesting a caller can build.
        let depth = self.open.len();
        if depth > MAX_PACK_DEPTH {
            return Err(skywire_seri::EncodeError::TooDeep { depth }.into());
        }
        self.open.push(Open {
            table: Table::new(),
            hash: false,
            key: None,
        });
        Ok(())
    }

    fn hash(&mut self) -> Result<(), Error> {
        self.innermost("sw_builder_table_hash")?.hash = true;
        Ok(())
    }

    fn end(&mut self) -> Result<(), Error> {
        if self.innermost("sw_builder_table_end")?.key.is_some() {
            return Err(Error::new(
                SwStatus::SW_ERR_BUILDER,
                "sw_builder_table_end: the hash part ends with a key that has no value",
            ));
        }
        if let Some(open) = self.open.pop() {
            self.push(Value::Table(open.table));
        }
        Ok(())
    }

    fn pack(&mut self) -> Result<Vec<u8>, Error> {
        let open = self.open.len();
        let args = core::mem::take(&mut self.args);
        self.open.clear();
        if open > 0 {
            return Err(Error::new(
                SwStatus::SW_ERR_BUILDER,
                format!("sw_builder_pack: {open} table(s) still open"),
            ));
        }
        Ok(Vec::from(pack(&args)?))
    }
}

/// Runs `f` on the builder `b` points to.
///
/// # Safety
/// `b` must be NULL or a live builder from `sw_builder_new`, used by no other thread.
unsafe fn with(b: *mut SwBuilder, f: impl FnOnce(&mut SwBuilder) -> Result<(), Error>) -> SwStatus {
    guard::status(|| {
        // SAFETY: the caller's promise.
        let b = unsafe { b.as_mut() }.ok_or_else(|| Error::null("builder"))?;
        f(b).map(|()| SwStatus::SW_OK)
    })
}

/// Appends `v` to the builder `b` points to.
///
/// # Safety
/// As for [`with`].
unsafe fn append(b: *mut SwBuilder, v: Value) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe {
        with(b, |b| {
            b.push(v);
            Ok(())
        })
    }
}

/// A new, empty builder; NULL only if the library failed internally.
///
/// Ownership: the caller owns it and frees it with `sw_builder_free`.
#[no_mangle]
pub extern "C" fn sw_builder_new() -> *mut SwBuilder {
    guard::value(core::ptr::null_mut(), || {
        Box::into_raw(Box::<SwBuilder>::default())
    })
}

/// Frees a builder and everything in it. NULL is ignored.
///
/// # Safety
/// `b` must be NULL or a builder from `sw_builder_new` not freed before.
#[no_mangle]
pub unsafe extern "C" fn sw_builder_free(b: *mut SwBuilder) {
    guard::value((), || {
        if !b.is_null() {
            // SAFETY: the caller's promise: it came from `Box::into_raw` in `sw_builder_new`.
            drop(unsafe { Box::from_raw(b) });
        }
    })
}

/// Appends `nil`.
///
/// # Safety
/// `b` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn sw_builder_nil(b: *mut SwBuilder) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { append(b, Value::Nil) }
}

/// Appends a boolean.
///
/// # Safety
/// `b` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn sw_builder_boolean(b: *mut SwBuilder, value: bool) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { append(b, Value::Boolean(value)) }
}

/// Appends an integer (packed in the narrowest form skynet uses for it).
///
/// # Safety
/// `b` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn sw_builder_integer(b: *mut SwBuilder, value: i64) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { append(b, Value::Integer(value)) }
}

/// Appends a float (its 64 bits as they are, NaNs included).
///
/// # Safety
/// `b` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn sw_builder_real(b: *mut SwBuilder, value: f64) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { append(b, Value::Real(value)) }
}

/// Appends a string: `len` bytes at `data`, any bytes (not necessarily UTF-8, NULs
/// included). The bytes are copied; `data` may be NULL when `len` is 0.
///
/// # Safety
/// `b` must be NULL or a live builder; `data` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn sw_builder_string(
    b: *mut SwBuilder,
    data: *const u8,
    len: usize,
) -> SwStatus {
    // SAFETY: the caller's promises.
    unsafe {
        with(b, |b| {
            let s = buffer::input(data, len, "data")?;
            b.push(Value::string_from_slice(s));
            Ok(())
        })
    }
}

/// Appends a light userdata (a pointer value from another process, carried as is).
///
/// # Safety
/// `b` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn sw_builder_userdata(b: *mut SwBuilder, value: u64) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { append(b, Value::LightUserdata(value)) }
}

/// Opens a table: the values appended next go to its array part (keys 1, 2, ...) until
/// `sw_builder_table_hash` or `sw_builder_table_end`. Fails with `SW_ERR_TOO_DEEP` inside
/// more than 32 open tables (skynet packs none deeper).
///
/// # Safety
/// `b` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn sw_builder_table_begin(b: *mut SwBuilder) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { with(b, SwBuilder::begin) }
}

/// Starts the hash part of the innermost open table: the values appended next are its
/// pairs, key then value, kept in the order given (that is the order on the wire). Calling
/// it again on the same table changes nothing.
///
/// # Safety
/// `b` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn sw_builder_table_hash(b: *mut SwBuilder) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { with(b, SwBuilder::hash) }
}

/// Closes the innermost open table, which becomes one value of what encloses it. Fails
/// (changing nothing) with no table open or with a key left without its value.
///
/// # Safety
/// `b` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn sw_builder_table_end(b: *mut SwBuilder) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { with(b, SwBuilder::end) }
}

/// Packs the values appended so far, byte for byte as `skynet.pack(...)` would, into a new
/// buffer at `*out`. Fails with tables still open (`SW_ERR_BUILDER`), a nil or NaN key,
/// nesting past skynet's limit. No values pack to 0 bytes.
///
/// Either way (`out` NULL included) the builder is left empty, ready for the next argument list.
///
/// Ownership: on `SW_OK` the caller owns `*out` and frees it with `sw_bytes_free`; on an
/// error `*out` is `{NULL, 0}`.
///
/// # Safety
/// `b` must be NULL or a live builder; `out` must be NULL or valid for writing an
/// `sw_bytes`.
#[no_mangle]
pub unsafe extern "C" fn sw_builder_pack(b: *mut SwBuilder, out: *mut SwBytes) -> SwStatus {
    guard::status(|| {
        // SAFETY: the caller's promise.
        let b = unsafe { b.as_mut() }.ok_or_else(|| Error::null("builder"))?;
        let packed = b.pack();
        // SAFETY: the caller's promise.
        unsafe { buffer::write_out(out, || packed) }
    })
}
