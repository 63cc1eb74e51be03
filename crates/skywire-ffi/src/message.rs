//! Whole messages as C structs (`sw_request`, `sw_response`), both ways: what the decoders
//! fill in, and what the encoders read and cut into frames with skywire-codec.

use bytes::Bytes;
use skywire_codec::{Request, Response, Session, Target};

use crate::buffer::{self, SwBytes, SwSlice};
use crate::guard::{self, Error};
use crate::status::SwStatus;

/// A whole request (`cluster.call`, `cluster.send`, `cluster.query`), however many frames
/// it took.
///
/// Call, push or query: `push` true is a push (`cluster.send`, no response); otherwise it
/// is a call, and a call to address 0 is a name query (its payload the packed name).
///
/// Filled in by `sw_request_decoder_next`, its slices point into the decoder and are valid
/// until the next `sw_request_decoder_next` or `sw_request_decoder_free` on it.
/// Filled in by the caller for `sw_request_encode`, its slices are read during the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SwRequest {
    /// The session on the wire: the call's (never 0 for a call), 0 for a small push, and
    /// for a push large enough to go in parts the session its parts use.
    pub session: u32,
    /// True for a push: no response is sent.
    pub push: bool,
    /// The target's numeric address, when `name.ptr` is NULL.
    pub address: u32,
    /// The target's name (`"@echo"`, `".echo"`: 1 to 255 bytes), or `{NULL, 0}` for a
    /// target given by `address`.
    pub name: SwSlice,
    /// The trace tag sent just before the request (skynet's `0x04` packet), or
    /// `{NULL, 0}` for none.
    pub trace: SwSlice,
    /// The payload: the packed arguments (`sw_unpack` reads them).
    pub payload: SwSlice,
}

impl SwRequest {
    /// The struct of `req`, pointing into it.
    pub(crate) fn of(req: &Request) -> SwRequest {
        let (address, name) = match &req.target {
            Target::Address(a) => (*a, SwSlice::NONE),
            Target::Name(n) => (0, SwSlice::of(n)),
        };
        SwRequest {
            session: req.session.get(),
            push: req.push,
            address,
            name,
            trace: req.trace.as_deref().map_or(SwSlice::NONE, SwSlice::of),
            payload: SwSlice::of(&req.payload),
        }
    }

    /// The request the caller described (its bytes copied).
    ///
    /// # Safety
    /// Every slice must be `{NULL, 0}` or point to as many readable bytes as it says.
    unsafe fn to_request(self) -> Result<Request, Error> {
        // SAFETY: the caller's promise, for each slice.
        let (name, trace, payload) = unsafe {
            (
                self.name.read("name")?,
                self.trace.read("trace")?,
                self.payload.read("payload")?.unwrap_or_default(),
            )
        };
        let target = match name {
            Some(n) => Target::name(Bytes::copy_from_slice(n))?,
            None => Target::Address(self.address),
        };
        Ok(Request {
            target,
            session: Session::new(self.session),
            push: self.push,
            trace: trace.map(Bytes::copy_from_slice),
            payload: Bytes::copy_from_slice(payload),
        })
    }
}

/// A whole response, however many frames it took.
///
/// Filled in by `sw_response_decoder_next`, its payload points into the decoder and is
/// valid until the next `sw_response_decoder_next` or `sw_response_decoder_free` on it.
/// Filled in by the caller for `sw_response_encode`, its payload is read during the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SwResponse {
    /// The session of the call it answers.
    pub session: u32,
    /// True for results, false for an error.
    pub ok: bool,
    /// `ok`: the packed results (`sw_unpack` reads them). Not `ok`: the error text (not
    /// NUL-terminated; encoding cuts it to 32768 bytes, as skynet does).
    pub payload: SwSlice,
}

impl SwResponse {
    /// The struct of `resp`, pointing into it.
    pub(crate) fn of(resp: &Response) -> SwResponse {
        SwResponse {
            session: resp.session.get(),
            ok: resp.ok,
            payload: SwSlice::of(&resp.payload),
        }
    }

    /// The response the caller described (its payload copied).
    ///
    /// # Safety
    /// `payload` must be `{NULL, 0}` or point to as many readable bytes as it says.
    unsafe fn to_response(self) -> Result<Response, Error> {
        // SAFETY: the caller's promise.
        let payload = unsafe { self.payload.read("payload")? }.unwrap_or_default();
        Ok(Response {
            session: Session::new(self.session),
            ok: self.ok,
            payload: Bytes::copy_from_slice(payload),
        })
    }
}

/// Encodes a request as the frames skynet would send for it (a trace tag's frame first,
/// then one frame, or a multi-part header and its parts), all of them into a new buffer at
/// `*out`, ready to be written to the connection.
///
/// Fails with `SW_ERR_EMPTY_NAME` / `SW_ERR_NAME_TOO_LONG` for a name not 1 to 255 bytes,
/// `SW_ERR_CALL_WITHOUT_SESSION` for a call with session 0, `SW_ERR_ZERO_SESSION` for a
/// push that goes multi-part with session 0, `SW_ERR_BODY_TOO_LARGE` for a payload over
/// 4 GiB.
///
/// Ownership: on `SW_OK` the caller owns `*out` and frees it with `sw_bytes_free`; on an
/// error `*out` is `{NULL, 0}`.
///
/// # Safety
/// `req` must be NULL or point to an `sw_request` whose slices are `{NULL, 0}` or readable
/// for their length; `out` must be NULL or valid for writing an `sw_bytes`.
#[no_mangle]
pub unsafe extern "C" fn sw_request_encode(req: *const SwRequest, out: *mut SwBytes) -> SwStatus {
    // SAFETY: the caller's promise, for `req`, its slices and `out`.
    unsafe {
        encode(
            req,
            "req",
            out,
            SwRequest::to_request,
            Request::write_frames,
        )
    }
}

/// Encodes a response as the frames skynet would send for it (one frame, or a begin frame
/// and its parts for results over 32768 bytes; an error text is cut to 32768 bytes and
/// always takes one frame), into a new buffer at `*out`.
///
/// Fails with `SW_ERR_ZERO_SESSION` for results that go multi-part with session 0,
/// `SW_ERR_BODY_TOO_LARGE` for results over 4 GiB.
///
/// Ownership: as `sw_request_encode`.
///
/// # Safety
/// `resp` must be NULL or point to an `sw_response` whose payload is `{NULL, 0}` or
/// readable for its length; `out` must be NULL or valid for writing an `sw_bytes`.
#[no_mangle]
pub unsafe extern "C" fn sw_response_encode(
    resp: *const SwResponse,
    out: *mut SwBytes,
) -> SwStatus {
    // SAFETY: the caller's promise, for `resp`, its payload and `out`.
    unsafe {
        encode(
            resp,
            "resp",
            out,
            SwResponse::to_response,
            Response::write_frames,
        )
    }
}

/// The body of both encoders: the message at `msg` (named `what` when it is NULL), made a
/// codec message by `convert`, its frames written by `write` into a new buffer at `*out`.
///
/// # Safety
/// `msg` must be NULL or point to a message `convert` may read (its slices `{NULL, 0}` or
/// readable for their length); `out` must be NULL or valid for writing an `sw_bytes`.
unsafe fn encode<M: Copy, C>(
    msg: *const M,
    what: &str,
    out: *mut SwBytes,
    convert: unsafe fn(M) -> Result<C, Error>,
    write: fn(&C, &mut Vec<u8>) -> Result<(), skywire_codec::PacketError>,
) -> SwStatus {
    guard::status(|| {
        // SAFETY: the caller's promise.
        let msg = *unsafe { msg.as_ref() }.ok_or_else(|| Error::null(what))?;
        // SAFETY: the caller's promise, for `out` and for the slices of `msg`.
        unsafe {
            buffer::write_out(out, || {
                let mut frames = Vec::new();
                write(&convert(msg)?, &mut frames)?;
                Ok(frames)
            })
        }
    })
}
