//! Bytes across the boundary: [`SwSlice`] (borrowed, either way) and [`SwBytes`] (a buffer
//! the library made and the caller frees with `sw_bytes_free`).

use core::ptr;

use crate::guard::{self, Error};

/// Bytes borrowed, never owned: `len` bytes at `ptr`.
///
/// Given by the library (in `sw_item`, `sw_request`, `sw_response`), it points into the
/// object it came from and is valid as long as that object is; never free it. Its `ptr` is
/// never NULL except where a field says NULL means "absent".
///
/// Given to the library (in `sw_request` / `sw_response` to encode), it is read during the
/// call only; `ptr` may be NULL when `len` is 0.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SwSlice {
    /// The first byte.
    pub ptr: *const u8,
    /// How many bytes.
    pub len: usize,
}

impl SwSlice {
    /// The absent slice: NULL, 0.
    pub(crate) const NONE: SwSlice = SwSlice {
        ptr: ptr::null(),
        len: 0,
    };

    /// A slice of `bytes` (valid while they are).
    pub(crate) fn of(bytes: &[u8]) -> SwSlice {
        SwSlice {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        }
    }

    /// The bytes, or `None` for `{NULL, 0}` (a NULL `ptr` with a length is an error).
    ///
    /// # Safety
    /// When `ptr` is not NULL, it must point to `len` readable bytes that stay unchanged for
    /// `'a`.
    pub(crate) unsafe fn read<'a>(self, what: &str) -> Result<Option<&'a [u8]>, Error> {
        if self.ptr.is_null() && self.len == 0 {
            return Ok(None);
        }
        // SAFETY: the caller's promise.
        unsafe { input(self.ptr, self.len, what) }.map(Some)
    }
}

/// The `len` bytes at `data` as a slice; `data` may be NULL only when `len` is 0.
///
/// # Safety
/// When `data` is not NULL, it must point to `len` readable bytes that stay unchanged
/// for `'a`.
pub(crate) unsafe fn input<'a>(data: *const u8, len: usize, what: &str) -> Result<&'a [u8], Error> {
    if data.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Error::null(what))
        };
    }
    if isize::try_from(len).is_err() {
        return Err(Error::new(
            crate::status::SwStatus::SW_ERR_ARGUMENT,
            format!("{what}: length {len} is not a valid size"),
        ));
    }
    // SAFETY: not NULL, a valid size, and the caller's promise for the rest.
    Ok(unsafe { core::slice::from_raw_parts(data, len) })
}

/// A buffer the library allocated and the caller owns: `len` bytes at `ptr`.
///
/// Ownership: free it with `sw_bytes_free`, once, passing it back unchanged. Do not free
/// `ptr` with `free()`. `ptr` is NULL only in an `sw_bytes` a failed call left (which
/// `sw_bytes_free` accepts too).
#[repr(C)]
#[derive(Debug)]
pub struct SwBytes {
    /// The first byte.
    pub ptr: *mut u8,
    /// How many bytes.
    pub len: usize,
}

impl SwBytes {
    /// The empty value a failed call leaves: NULL, 0.
    pub(crate) const NONE: SwBytes = SwBytes {
        ptr: ptr::null_mut(),
        len: 0,
    };

    /// Hands `bytes` over to the caller.
    pub(crate) fn give(bytes: Vec<u8>) -> SwBytes {
        let boxed: Box<[u8]> = bytes.into_boxed_slice();
        let len = boxed.len();
        SwBytes {
            ptr: Box::into_raw(boxed).cast::<u8>(),
            len,
        }
    }
}

/// Writes `result` to `out` (`SwBytes::NONE` on error), failing if `out` is NULL.
///
/// # Safety
/// `out`, when not NULL, must be valid for a write of an `sw_bytes`.
pub(crate) unsafe fn write_out(
    out: *mut SwBytes,
    result: impl FnOnce() -> Result<Vec<u8>, Error>,
) -> Result<crate::status::SwStatus, Error> {
    if out.is_null() {
        return Err(Error::null("out"));
    }
    // SAFETY: not NULL, and the caller's promise.
    unsafe { out.write(SwBytes::NONE) };
    let bytes = result()?;
    // SAFETY: as above.
    unsafe { out.write(SwBytes::give(bytes)) };
    Ok(crate::status::SwStatus::SW_OK)
}

/// Frees a buffer the library gave (`sw_builder_pack`, `sw_request_encode`,
/// `sw_response_encode`). An `sw_bytes` with a NULL `ptr` is ignored.
///
/// # Safety
/// `bytes` must be exactly as the library gave it, and not freed before.
#[no_mangle]
pub unsafe extern "C" fn sw_bytes_free(bytes: SwBytes) {
    guard::value((), || {
        if bytes.ptr.is_null() {
            return;
        }
        let raw = ptr::slice_from_raw_parts_mut(bytes.ptr, bytes.len);
        // SAFETY: the caller's promise: this came from `SwBytes::give`, a boxed slice of
        // exactly this length.
        drop(unsafe { Box::from_raw(raw) });
    })
}
