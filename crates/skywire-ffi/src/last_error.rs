//! The last error of each thread: what `sw_last_error_message` and `sw_last_error_offset`
//! read, errno-style.

use core::ffi::c_char;
use std::cell::RefCell;
use std::ffi::CString;

use crate::guard::{self, Error};

/// What the thread's last failed call said.
struct Last {
    message: CString,
    offset: Option<u64>,
}

thread_local! {
    static LAST: RefCell<Last> = RefCell::new(Last { message: CString::default(), offset: None });
}

/// Records `e` as the thread's last error.
pub(crate) fn set(e: Error) {
    // A message never holds a NUL byte (our texts escape bytes); were one there, the text
    // is cut before it rather than lost.
    let mut bytes = e.message.into_bytes();
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        bytes.truncate(nul);
    }
    let message = CString::new(bytes).unwrap_or_default();
    LAST.with(|l| {
        *l.borrow_mut() = Last {
            message,
            offset: e.offset,
        }
    });
}

/// The thread's last error's offset, or -1.
pub(crate) fn offset() -> i64 {
    LAST.with(|l| {
        l.borrow()
            .offset
            .and_then(|o| i64::try_from(o).ok())
            .unwrap_or(-1)
    })
}

/// The thread's last error message, as a Rust string (tests).
#[cfg(test)]
pub(crate) fn message_string() -> String {
    LAST.with(|l| l.borrow().message.to_string_lossy().into_owned())
}

/// What the last call on this thread that failed said: what went wrong and, for bad input,
/// where (`"at byte 12: unknown packet type 0x09"`). An empty string if no call on this
/// thread has failed. Calls that succeed leave it as it is, so read it right after the call
/// that returned the error.
///
/// Ownership: the string belongs to the library. It stays valid until the next call on this
/// thread that fails; copy it to keep it. Never free it.
#[no_mangle]
pub extern "C" fn sw_last_error_message() -> *const c_char {
    guard::value(c"".as_ptr(), || LAST.with(|l| l.borrow().message.as_ptr()))
}

/// Where the last error on this thread was: the byte offset, from the start of the payload
/// (`sw_unpack`) or of the stream (the decoders), of the value or frame at fault; -1 for an
/// error that has no position.
#[no_mangle]
pub extern "C" fn sw_last_error_offset() -> i64 {
    guard::value(-1, offset)
}
