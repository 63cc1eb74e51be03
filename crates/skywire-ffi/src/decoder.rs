//! The stream decoders from C: skywire-codec's `RequestDecoder` (the serving side) and
//! `ResponseDecoder` (the calling side), fed bytes, giving whole messages.
//!
//! The two directions' entry points are written out one by one (cbindgen reads the source
//! as written, so they cannot come from a macro); each is one line over the generic code
//! here.

use skywire_codec::{Assemble, Limits, StreamDecoder};

use crate::buffer;
use crate::guard::{self, Error};
use crate::message::{SwRequest, SwResponse};
use crate::status::SwStatus;

/// What a decoder may hold for multi-part messages still arriving: every multi-part header
/// is checked against these before anything is allocated for it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwLimits {
    /// The largest payload a multi-part message may declare (`SW_ERR_MESSAGE_TOO_LARGE`).
    pub max_message_size: usize,
    /// The most multi-part messages open at once (`SW_ERR_TOO_MANY_PARTIAL`).
    pub max_partial_messages: usize,
    /// The most bytes all open multi-part messages may declare together
    /// (`SW_ERR_BUFFER_LIMIT`).
    pub max_buffered_bytes: usize,
}

impl From<SwLimits> for Limits {
    fn from(l: SwLimits) -> Limits {
        Limits::default()
            .with_max_message_size(l.max_message_size)
            .with_max_partial_messages(l.max_partial_messages)
            .with_max_buffered_bytes(l.max_buffered_bytes)
    }
}

/// skywire-codec's default limits, as C sees them.
const DEFAULT_LIMITS: SwLimits = SwLimits {
    max_message_size: Limits::DEFAULT.max_message_size(),
    max_partial_messages: Limits::DEFAULT.max_partial_messages(),
    max_buffered_bytes: Limits::DEFAULT.max_buffered_bytes(),
};

/// The default limits: 32 MiB messages, 1024 open multi-part messages, 256 MiB in all.
#[no_mangle]
pub extern "C" fn sw_limits_default() -> SwLimits {
    guard::value(DEFAULT_LIMITS, || DEFAULT_LIMITS)
}

/// One direction's decoder and the message it handed out last (what the caller's struct
/// points into until the next call).
#[derive(Debug)]
pub struct Decoder<A: Assemble> {
    inner: StreamDecoder<A>,
    current: Option<A::Message>,
}

/// Decodes the request direction, what a serving node reads (opaque).
///
/// Ownership: made by `sw_request_decoder_new`, freed by `sw_request_decoder_free`. One
/// thread at a time.
#[derive(Debug)]
pub struct SwRequestDecoder(Decoder<skywire_codec::RequestAssembler>);

/// Decodes the response direction, what a calling node reads (opaque).
///
/// Ownership: made by `sw_response_decoder_new`, freed by `sw_response_decoder_free`. One
/// thread at a time.
#[derive(Debug)]
pub struct SwResponseDecoder(Decoder<skywire_codec::ResponseAssembler>);

impl<A: Assemble> Decoder<A> {
    /// A decoder with `limits` (NULL for the defaults).
    ///
    /// # Safety
    /// `limits` must be NULL or point to an `sw_limits`.
    unsafe fn new(limits: *const SwLimits) -> Self {
        // SAFETY: the caller's promise.
        let limits = unsafe { limits.as_ref() }.map_or(Limits::DEFAULT, |l| Limits::from(*l));
        Decoder {
            inner: StreamDecoder::new(limits),
            current: None,
        }
    }

    /// Appends `len` bytes at `data` to the buffer.
    ///
    /// # Safety
    /// `data` must be NULL or point to `len` readable bytes.
    unsafe fn feed(&mut self, data: *const u8, len: usize) -> Result<SwStatus, Error> {
        // SAFETY: the caller's promise.
        let chunk = unsafe { buffer::input(data, len, "data") }?;
        self.inner.feed(chunk);
        Ok(SwStatus::SW_OK)
    }

    /// Takes the next whole message and writes its struct, made by `fill`, to `out`.
    ///
    /// # Safety
    /// `out` must be NULL or valid for writing a `T`.
    unsafe fn next<T>(
        &mut self,
        out: *mut T,
        fill: fn(&A::Message) -> T,
    ) -> Result<SwStatus, Error> {
        if out.is_null() {
            return Err(Error::null("out"));
        }
        // The message handed out last is given up now, as documented.
        self.current = None;
        let Some(message) = self.inner.next_message()? else {
            return Ok(SwStatus::SW_NEED_MORE);
        };
        let message = self.current.insert(message);
        // SAFETY: not NULL, and the caller's promise.
        unsafe { out.write(fill(message)) };
        Ok(SwStatus::SW_OK)
    }

    /// Checks that the stream ended cleanly.
    fn finish(&self) -> Result<SwStatus, Error> {
        self.inner.finish()?;
        Ok(SwStatus::SW_OK)
    }
}

/// Runs `f` on the decoder `d` points to, inside the boundary guard.
///
/// # Safety
/// `d` must be NULL or point to a live `D`, used by no other thread.
unsafe fn with<D>(d: *mut D, f: impl FnOnce(&mut D) -> Result<SwStatus, Error>) -> SwStatus {
    guard::status(|| {
        // SAFETY: the caller's promise.
        f(unsafe { d.as_mut() }.ok_or_else(|| Error::null("decoder"))?)
    })
}

/// Runs `f` on the decoder `d` points to, read-only, inside the boundary guard.
///
/// # Safety
/// `d` must be NULL or point to a live `D`, written by no other thread.
unsafe fn with_ref<D>(d: *const D, f: impl FnOnce(&D) -> Result<SwStatus, Error>) -> SwStatus {
    guard::status(|| {
        // SAFETY: the caller's promise.
        f(unsafe { d.as_ref() }.ok_or_else(|| Error::null("decoder"))?)
    })
}

/// Moves `d` to the heap and hands it to the caller (NULL if making it panicked).
fn give<D>(make: impl FnOnce() -> D) -> *mut D {
    guard::value(core::ptr::null_mut(), || Box::into_raw(Box::new(make())))
}

/// Frees what [`give`] handed out; NULL is ignored.
///
/// # Safety
/// `d` must be NULL or a pointer from [`give`] not freed before.
unsafe fn free<D>(d: *mut D) {
    guard::value((), || {
        if !d.is_null() {
            // SAFETY: the caller's promise: it came from `Box::into_raw` in `give`.
            drop(unsafe { Box::from_raw(d) });
        }
    })
}

/// A new request decoder at the start of a stream, with `limits` (NULL for
/// `sw_limits_default()`); NULL only if the library failed internally.
///
/// Ownership: the caller owns it and frees it with `sw_request_decoder_free`.
///
/// # Safety
/// `limits` must be NULL or point to an `sw_limits`.
#[no_mangle]
pub unsafe extern "C" fn sw_request_decoder_new(limits: *const SwLimits) -> *mut SwRequestDecoder {
    // SAFETY: the caller's promise.
    give(|| SwRequestDecoder(unsafe { Decoder::new(limits) }))
}

/// Frees a request decoder, with everything it buffered and the last request it handed
/// out. NULL is ignored.
///
/// # Safety
/// `d` must be NULL or a decoder from `sw_request_decoder_new` not freed before.
#[no_mangle]
pub unsafe extern "C" fn sw_request_decoder_free(d: *mut SwRequestDecoder) {
    // SAFETY: the caller's promise.
    unsafe { free(d) }
}

/// Appends the next chunk of the stream, any size (one byte at a time works), to the
/// decoder's buffer (copied). `data` may be NULL when `len` is 0. Take the messages it
/// completes with `sw_request_decoder_next`.
///
/// # Safety
/// `d` must be NULL or a live decoder; `data` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn sw_request_decoder_feed(
    d: *mut SwRequestDecoder,
    data: *const u8,
    len: usize,
) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { with(d, |d| d.0.feed(data, len)) }
}

/// The next whole request: `SW_OK` with `*out` filled in, `SW_NEED_MORE` when the bytes fed
/// so far complete none (feed more), or an error for a frame that does not decode (its
/// offset in the stream at `sw_last_error_offset()`). After an error the bad frame is
/// consumed and decoding may go on with the next call. Call it until it returns
/// `SW_NEED_MORE`: one chunk may complete many requests.
///
/// Ownership: `*out`'s slices point into the decoder and stay valid until the next
/// `sw_request_decoder_next` or `sw_request_decoder_free` on it (copy what you keep;
/// `sw_unpack` copies the payload). Nothing in `*out` is freed by the caller.
///
/// # Safety
/// `d` must be NULL or a live decoder; `out` must be NULL or valid for writing an
/// `sw_request`.
#[no_mangle]
pub unsafe extern "C" fn sw_request_decoder_next(
    d: *mut SwRequestDecoder,
    out: *mut SwRequest,
) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { with(d, |d| d.0.next(out, SwRequest::of)) }
}

/// At the end of the stream: `SW_OK` if it ended cleanly, `SW_ERR_TRUNCATED_FRAME` if it
/// ended inside a frame, `SW_ERR_UNFINISHED` with a multi-part request still open.
///
/// # Safety
/// `d` must be NULL or a live decoder.
#[no_mangle]
pub unsafe extern "C" fn sw_request_decoder_finish(d: *const SwRequestDecoder) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { with_ref(d, |d| d.0.finish()) }
}

/// A new response decoder at the start of a stream, with `limits` (NULL for
/// `sw_limits_default()`); NULL only if the library failed internally.
///
/// Ownership: the caller owns it and frees it with `sw_response_decoder_free`.
///
/// # Safety
/// `limits` must be NULL or point to an `sw_limits`.
#[no_mangle]
pub unsafe extern "C" fn sw_response_decoder_new(
    limits: *const SwLimits,
) -> *mut SwResponseDecoder {
    // SAFETY: the caller's promise.
    give(|| SwResponseDecoder(unsafe { Decoder::new(limits) }))
}

/// Frees a response decoder, with everything it buffered and the last response it handed
/// out. NULL is ignored.
///
/// # Safety
/// `d` must be NULL or a decoder from `sw_response_decoder_new` not freed before.
#[no_mangle]
pub unsafe extern "C" fn sw_response_decoder_free(d: *mut SwResponseDecoder) {
    // SAFETY: the caller's promise.
    unsafe { free(d) }
}

/// Appends the next chunk of the stream to the decoder's buffer, as
/// `sw_request_decoder_feed` does.
///
/// # Safety
/// `d` must be NULL or a live decoder; `data` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn sw_response_decoder_feed(
    d: *mut SwResponseDecoder,
    data: *const u8,
    len: usize,
) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { with(d, |d| d.0.feed(data, len)) }
}

/// The next whole response, as `sw_request_decoder_next` gives requests (same statuses,
/// same error handling).
///
/// Ownership: `*out`'s payload points into the decoder and stays valid until the next
/// `sw_response_decoder_next` or `sw_response_decoder_free` on it.
///
/// # Safety
/// `d` must be NULL or a live decoder; `out` must be NULL or valid for writing an
/// `sw_response`.
#[no_mangle]
pub unsafe extern "C" fn sw_response_decoder_next(
    d: *mut SwResponseDecoder,
    out: *mut SwResponse,
) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { with(d, |d| d.0.next(out, SwResponse::of)) }
}

/// At the end of the stream: as `sw_request_decoder_finish`, for responses.
///
/// # Safety
/// `d` must be NULL or a live decoder.
#[no_mangle]
pub unsafe extern "C" fn sw_response_decoder_finish(d: *const SwResponseDecoder) -> SwStatus {
    // SAFETY: the caller's promise.
    unsafe { with_ref(d, |d| d.0.finish()) }
}
