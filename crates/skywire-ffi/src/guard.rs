//! The boundary: every entry point runs its body through one of these, so that no panic
//! unwinds into C and every error becomes a status code plus the thread's last error.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::last_error;
use crate::status::{self, SwStatus};

/// An error on its way out: its code, where it was (a byte offset, when it has one) and
/// what it says.
#[derive(Debug)]
pub(crate) struct Error {
    pub(crate) status: SwStatus,
    pub(crate) offset: Option<u64>,
    pub(crate) message: String,
}

impl Error {
    /// An error with no position.
    pub(crate) fn new(status: SwStatus, message: impl Into<String>) -> Self {
        Error {
            status,
            offset: None,
            message: message.into(),
        }
    }

    /// A NULL where a pointer was required; `what` names the argument.
    pub(crate) fn null(what: &str) -> Self {
        Error::new(SwStatus::SW_ERR_NULL, format!("{what} is NULL"))
    }

    fn panic(payload: &(dyn Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with no message".to_string());
        Error::new(
            SwStatus::SW_ERR_PANIC,
            format!("internal error (a bug in skywire): {what}"),
        )
    }
}

impl From<skywire_seri::DecodeError> for Error {
    fn from(e: skywire_seri::DecodeError) -> Self {
        Error {
            status: status::payload(e.kind()),
            offset: Some(e.offset() as u64),
            message: e.to_string(),
        }
    }
}

impl From<skywire_seri::EncodeError> for Error {
    fn from(e: skywire_seri::EncodeError) -> Self {
        Error::new(status::pack(&e), e.to_string())
    }
}

impl From<skywire_codec::DecodeError> for Error {
    fn from(e: skywire_codec::DecodeError) -> Self {
        Error {
            status: status::stream(e.kind()),
            offset: Some(e.offset()),
            message: e.to_string(),
        }
    }
}

impl From<skywire_codec::PacketError> for Error {
    /// A message that cannot be encoded.
    fn from(e: skywire_codec::PacketError) -> Self {
        Error::new(status::packet(&e, true), e.to_string())
    }
}

/// Runs a fallible body: its status, or its error's (recorded as the last error), or
/// `SW_ERR_PANIC` if it panicked.
pub(crate) fn status(body: impl FnOnce() -> Result<SwStatus, Error>) -> SwStatus {
    let error = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(status)) => return status,
        Ok(Err(e)) => e,
        Err(payload) => Error::panic(payload.as_ref()),
    };
    let status = error.status;
    last_error::set(error);
    status
}

/// Runs an infallible body, giving `fallback` if it panicked (the panic is recorded as the
/// last error).
pub(crate) fn value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            last_error::set(Error::panic(payload.as_ref()));
            fallback
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let s = status(|| panic!("boom {}", 7));
        assert_eq!(s, SwStatus::SW_ERR_PANIC);
        assert_eq!(
            last_error::message_string(),
            "internal error (a bug in skywire): boom 7"
        );
        assert_eq!(last_error::offset(), -1);
        let v = value(42u8, || panic!("static text"));
        assert_eq!(v, 42);
        assert_eq!(
            last_error::message_string(),
            "internal error (a bug in skywire): static text"
        );
    }

    #[test]
    fn errors_keep_their_offset() {
        let e = skywire_seri::unpack_ref(&[0x0a]).unwrap_err();
        let s = status(|| Err(e.into()));
        assert_eq!(s, SwStatus::SW_ERR_TRUNCATED);
        assert_eq!(last_error::offset(), 0);
        assert_eq!(
            last_error::message_string(),
            "at byte 0: truncated: the value needs 2 bytes, 1 left"
        );
    }
}
