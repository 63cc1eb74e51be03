//! Fragmentation: how a whole message becomes frames, exactly as skynet splits it.
//!
//! - A request payload of [`MULTI_PART`] bytes or more goes out as a multi-part header and
//!   then `ceil(n / MULTI_PART)` parts of `MULTI_PART` bytes, the last one shorter or equal
//!   (payload of exactly `MULTI_PART`: one part, and it is the last).
//! - An ok response payload of more than `MULTI_PART` bytes goes out as a begin packet and
//!   parts; exactly `MULTI_PART` still fits one ok packet.
//! - An error text is cut to `MULTI_PART` bytes and always goes in one packet.
//!
//! Frames are built lazily by the iterators here; each data slice is a [`Bytes`] view of
//! the payload.

use bytes::{BufMut, Bytes};

use crate::error::PacketError;
use crate::message::{Request, Response};
use crate::out_frame::OutFrame;
use crate::packet::request::{self, RequestPacket};
use crate::packet::response::{self, ResponsePacket};
use crate::session::Session;

use crate::multi_part::error_text_len;
pub use crate::multi_part::{
    is_multi_part_request, is_multi_part_response, part_count, truncate_error_text, MULTI_PART,
};

/// Cuts a payload into `MULTI_PART`-byte data slices, flagging the last one.
#[derive(Clone, Debug)]
struct Parts {
    payload: Bytes,
    pos: usize,
}

impl Iterator for Parts {
    /// A slice and whether it is the last.
    type Item = (Bytes, bool);

    fn next(&mut self) -> Option<(Bytes, bool)> {
        if self.pos >= self.payload.len() {
            return None;
        }
        let end = (self.pos + MULTI_PART).min(self.payload.len());
        let slice = self.payload.slice(self.pos..end);
        self.pos = end;
        Some((slice, end == self.payload.len()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = part_count(self.payload.len() - self.pos);
        (n, Some(n))
    }
}

/// The size a multi-part header declares for `payload`: more than 4 GiB does not fit.
fn declared_size(payload: &Bytes) -> Result<u32, PacketError> {
    u32::try_from(payload.len()).map_err(|_| PacketError::BodyTooLarge { len: payload.len() })
}

/// The session a one-frame request goes out with. Push-ness is [`Request::push`] alone:
/// a push goes out with session 0 whatever its `session` holds, and a call may not have
/// session 0 ([`PacketError::CallWithoutSession`]), which would make it a push on the wire.
#[inline]
fn one_frame_session(req: &Request) -> Result<Session, PacketError> {
    if req.push {
        Ok(Session::PUSH)
    } else if req.session.is_push() {
        Err(PacketError::CallWithoutSession)
    } else {
        Ok(req.session)
    }
}

/// The frames of one request, in order: the trace tag (if any), then either the single
/// request packet or the multi-part header and the parts.
///
/// ```
/// use bytes::Bytes;
/// use skywire_codec::{Request, Session, Target};
/// let payload = Bytes::from(vec![0u8; 0x8001]);
/// let req = Request::call(Target::Address(10), Session::new(3), payload);
/// let sizes: Vec<usize> = req.frames().unwrap().map(|f| f.wire_len()).collect();
/// // header (2 + 13), a full part (2 + 5 + 0x8000), the last part (2 + 5 + 1)
/// assert_eq!(sizes, [15, 0x8007, 8]);
/// ```
#[derive(Clone, Debug)]
pub struct RequestFrames {
    /// The trace tag's frame, if any, and then the request's (or multi-part header's);
    /// taken in place, so that handing one out moves only that frame.
    heads: [Option<OutFrame>; 2],
    session: Session,
    parts: Option<Parts>,
}

impl RequestFrames {
    pub(crate) fn new(req: &Request) -> Result<RequestFrames, PacketError> {
        let trace = match &req.trace {
            Some(tag) => Some(RequestPacket::Trace { tag: tag.clone() }.to_frame()?),
            None => None,
        };
        let multi = is_multi_part_request(req.payload.len());
        let head = if multi {
            let size = declared_size(&req.payload)?;
            request::multi_header_frame(&req.target, req.session, size, req.push)?
        } else {
            request::request_frame(&req.target, one_frame_session(req)?, req.payload.clone())?
        };
        Ok(RequestFrames {
            heads: [trace, Some(head)],
            session: req.session,
            parts: multi.then(|| Parts {
                payload: req.payload.clone(),
                pos: 0,
            }),
        })
    }
}

impl Iterator for RequestFrames {
    type Item = OutFrame;

    fn next(&mut self) -> Option<OutFrame> {
        for head in &mut self.heads {
            if let Some(f) = head.take() {
                return Some(f);
            }
        }
        let (data, last) = self.parts.as_mut()?.next()?;
        // A part body is 5 bytes plus at most MULTI_PART: it always fits a frame.
        request::part_frame(self.session, data, last).ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.heads.iter().filter(|h| h.is_some()).count()
            + self.parts.as_ref().map_or(0, |p| p.size_hint().0);
        (n, Some(n))
    }
}

/// The frames of one response, in order: one ok or error packet, or a begin packet and the
/// parts.
///
/// ```
/// use bytes::Bytes;
/// use skywire_codec::{Response, Session};
/// let exactly_one_part = Response::ok(Session::new(1), Bytes::from(vec![0u8; 0x8000]));
/// assert_eq!(exactly_one_part.frames().unwrap().count(), 1);
/// let over = Response::ok(Session::new(1), Bytes::from(vec![0u8; 0x8001]));
/// assert_eq!(over.frames().unwrap().count(), 3); // begin + 2 parts
/// ```
#[derive(Clone, Debug)]
pub struct ResponseFrames {
    first: Option<OutFrame>,
    session: Session,
    parts: Option<Parts>,
}

impl ResponseFrames {
    pub(crate) fn new(resp: &Response) -> Result<ResponseFrames, PacketError> {
        let session = resp.session;
        let multi = resp.ok && is_multi_part_response(resp.payload.len());
        let first = if !resp.ok {
            ResponsePacket::Error {
                session,
                text: truncate_error_text(&resp.payload),
            }
        } else if multi {
            ResponsePacket::MultiBegin {
                session,
                size: declared_size(&resp.payload)?,
            }
        } else {
            ResponsePacket::Ok {
                session,
                payload: resp.payload.clone(),
            }
        }
        .into_frame()?;
        Ok(ResponseFrames {
            first: Some(first),
            session,
            parts: multi.then(|| Parts {
                payload: resp.payload.clone(),
                pos: 0,
            }),
        })
    }
}

impl Iterator for ResponseFrames {
    type Item = OutFrame;

    fn next(&mut self) -> Option<OutFrame> {
        if let Some(f) = self.first.take() {
            return Some(f);
        }
        let (data, last) = self.parts.as_mut()?.next()?;
        // A part body is 5 bytes plus at most MULTI_PART: it always fits a frame.
        ResponsePacket::Part {
            session: self.session,
            data,
            last,
        }
        .into_frame()
        .ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n =
            usize::from(self.first.is_some()) + self.parts.as_ref().map_or(0, |p| p.size_hint().0);
        (n, Some(n))
    }
}

/// The way out of a request: its frames (built here, so that the message types below
/// fragmentation depend on nothing above them).
impl Request {
    /// The frames that carry this request, cut as skynet cuts them (see
    /// [`fragment`](crate::fragment)). Fails if the target name is empty or over 255 bytes,
    /// the payload exceeds 4 GiB, or the payload goes multi-part with session 0
    /// ([`PacketError::ZeroSession`]: the parts need a session to tie them together; a push
    /// gets one from [`SessionAllocator::allocate_push`](crate::SessionAllocator::allocate_push)).
    pub fn frames(&self) -> Result<RequestFrames, PacketError> {
        RequestFrames::new(self)
    }

    /// Copies the frames of this request into `dst`: the bytes [`frames`](Self::frames)
    /// would give, without building [`OutFrame`]s for a one-frame request
    /// (for writers that copy into one buffer anyway, like a tokio-util `Encoder`). Fails
    /// as `frames` does, and then writes nothing.
    ///
    /// ```
    /// use bytes::{Bytes, BytesMut};
    /// use skywire_codec::{Request, Session, Target};
    /// let req = Request::call(Target::name("@echo")?, Session::new(1), Bytes::from_static(b"\x24ping"));
    /// let mut out = BytesMut::new();
    /// req.write_frames(&mut out)?;
    /// assert_eq!(&out[..], b"\x00\x10\x80\x05@echo\x01\x00\x00\x00\x24ping");
    /// # Ok::<(), skywire_codec::PacketError>(())
    /// ```
    pub fn write_frames(&self, dst: &mut impl BufMut) -> Result<(), PacketError> {
        if self.trace.is_none() && !self.is_multi_part() {
            let session = one_frame_session(self)?;
            return request::write_request_frame(dst, &self.target, session, &self.payload);
        }
        for f in self.frames()? {
            f.write_to(dst);
        }
        Ok(())
    }
}

/// The way out of a response: its frames.
impl Response {
    /// The frames that carry this response, cut as skynet cuts them. Fails for a payload
    /// over 4 GiB, or an ok payload that goes multi-part with session 0
    /// ([`PacketError::ZeroSession`]).
    pub fn frames(&self) -> Result<ResponseFrames, PacketError> {
        ResponseFrames::new(self)
    }

    /// Copies the frames of this response into `dst`: the bytes [`frames`](Self::frames)
    /// would give, without building [`OutFrame`]s for a one-frame response.
    /// Fails as `frames` does, and then writes nothing.
    ///
    /// ```
    /// use bytes::{Bytes, BytesMut};
    /// use skywire_codec::{Response, Session};
    /// let mut out = BytesMut::new();
    /// Response::ok(Session::new(1), Bytes::from_static(b"\x24ping")).write_frames(&mut out)?;
    /// assert_eq!(&out[..], b"\x00\x0a\x01\x00\x00\x00\x01\x24ping");
    /// # Ok::<(), skywire_codec::PacketError>(())
    /// ```
    pub fn write_frames(&self, dst: &mut impl BufMut) -> Result<(), PacketError> {
        if !self.is_multi_part() {
            let (ty, data) = if self.ok {
                (response::OK, &self.payload[..])
            } else {
                let len = error_text_len(self.payload.len());
                (response::ERROR, &self.payload[..len])
            };
            return response::write_single_frame(dst, self.session, ty, data);
        }
        for f in self.frames()? {
            f.write_to(dst);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Target;
    use alloc::vec;
    use alloc::vec::Vec;

    fn payload(n: usize) -> Bytes {
        Bytes::from((0..n).map(|i| (i % 251) as u8).collect::<Vec<u8>>())
    }

    /// (type byte, data length) of every frame, computed from skynet's rules by hand below.
    fn shape_req(req: &Request) -> Vec<(u8, usize)> {
        req.frames()
            .unwrap()
            .map(|f| {
                let body = f.body_to_vec();
                (body[0], body.len())
            })
            .collect()
    }

    fn shape_resp(resp: &Response) -> Vec<(u8, usize)> {
        resp.frames()
            .unwrap()
            .map(|f| {
                let body = f.body_to_vec();
                (body[4], body.len())
            })
            .collect()
    }

    #[test]
    fn request_boundaries() {
        let t = Target::Address(10);
        let s = Session::new(1);
        // 0x7fff: one 0x00 packet, 9 + n
        assert_eq!(
            shape_req(&Request::call(t.clone(), s, payload(0x7fff))),
            [(0x00, 9 + 0x7fff)]
        );
        // 0x8000: header (13) + one last part (5 + 0x8000)
        assert_eq!(
            shape_req(&Request::call(t.clone(), s, payload(0x8000))),
            [(0x01, 13), (0x03, 5 + 0x8000)]
        );
        assert_eq!(
            shape_req(&Request::call(t.clone(), s, payload(0x8001))),
            [(0x01, 13), (0x02, 5 + 0x8000), (0x03, 5 + 1)]
        );
        assert_eq!(
            shape_req(&Request::call(t.clone(), s, payload(0x10000))),
            [(0x01, 13), (0x02, 5 + 0x8000), (0x03, 5 + 0x8000)]
        );
        assert_eq!(
            shape_req(&Request::call(t, s, payload(0x10001))),
            [
                (0x01, 13),
                (0x02, 5 + 0x8000),
                (0x02, 5 + 0x8000),
                (0x03, 6)
            ]
        );
        assert_eq!(
            shape_req(&Request::call(Target::Address(0), s, payload(0))),
            [(0x00, 9)]
        );
    }

    #[test]
    fn named_and_push_variants() {
        let name = Target::name("@echo").unwrap();
        assert_eq!(
            shape_req(&Request::call(name.clone(), Session::new(1), payload(3))),
            [(0x80, 6 + 5 + 3)]
        );
        assert_eq!(
            shape_req(&Request::call(
                name.clone(),
                Session::new(1),
                payload(0x8000)
            )),
            [(0x81, 10 + 5), (0x03, 5 + 0x8000)]
        );
        assert_eq!(
            shape_req(&Request::push(
                name.clone(),
                Session::new(4),
                payload(0x8000)
            )),
            [(0xc1, 10 + 5), (0x03, 5 + 0x8000)]
        );
        assert_eq!(
            shape_req(&Request::push(
                Target::Address(3),
                Session::new(4),
                payload(0x9000)
            )),
            [(0x41, 13), (0x02, 5 + 0x8000), (0x03, 5 + 0x1000)]
        );
        // a small push carries session 0 whatever the struct says
        let small = Request::push(name, Session::new(9), payload(1));
        let body = small.frames().unwrap().next().unwrap().body_to_vec();
        assert_eq!(&body[7..11], &[0, 0, 0, 0]);
    }

    #[test]
    fn push_ness_is_the_push_flag_alone() {
        // A call with session 0 would reach the peer as a push: it is refused, both ways of
        // writing it, and nothing is written.
        let call = Request::call(Target::Address(10), Session::PUSH, payload(3));
        assert_eq!(
            call.frames().map(|_| ()),
            Err(PacketError::CallWithoutSession)
        );
        let mut out = alloc::vec::Vec::new();
        assert_eq!(
            call.write_frames(&mut out),
            Err(PacketError::CallWithoutSession)
        );
        assert!(out.is_empty());
        // A push goes out with session 0 whatever its session says, and decodes as a push.
        let push = Request::push(Target::Address(10), Session::new(7), payload(3));
        let body = push.frames().unwrap().next().unwrap().body_to_vec();
        assert_eq!(&body[5..9], &[0, 0, 0, 0]);
        let RequestPacket::Request { session, .. } =
            RequestPacket::parse(&Bytes::from(body)).unwrap()
        else {
            panic!("not a one-frame request");
        };
        assert!(session.is_push());
    }

    #[test]
    fn trace_tag_goes_first() {
        let mut req = Request::call(Target::Address(10), Session::new(2), payload(0x8000));
        req.trace = Some(Bytes::from_static(b"t1"));
        assert_eq!(shape_req(&req), [(0x04, 3), (0x01, 13), (0x03, 5 + 0x8000)]);
        let (lo, hi) = req.frames().unwrap().size_hint();
        assert_eq!((lo, hi), (3, Some(3)));
    }

    #[test]
    fn parts_carry_the_payload_in_order_without_copying() {
        let p = payload(0x10001);
        let req = Request::call(Target::Address(10), Session::new(77), p.clone());
        let mut joined = Vec::new();
        for f in req.frames().unwrap().skip(1) {
            let body = f.body_to_vec();
            assert_eq!(&body[1..5], &77u32.to_le_bytes());
            // the data is a view of the payload's own memory
            let data = f.data();
            let off = data.as_ptr() as usize - p.as_ptr() as usize;
            assert!(off < p.len());
            joined.extend_from_slice(data);
        }
        assert_eq!(joined, p);
    }

    #[test]
    fn response_boundaries() {
        let s = Session::new(5);
        assert_eq!(shape_resp(&Response::ok(s, payload(0))), [(1, 5)]);
        assert_eq!(
            shape_resp(&Response::ok(s, payload(0x7fff))),
            [(1, 5 + 0x7fff)]
        );
        assert_eq!(
            shape_resp(&Response::ok(s, payload(0x8000))),
            [(1, 5 + 0x8000)]
        );
        assert_eq!(
            shape_resp(&Response::ok(s, payload(0x8001))),
            [(2, 9), (3, 5 + 0x8000), (4, 6)]
        );
        assert_eq!(
            shape_resp(&Response::ok(s, payload(0x10000))),
            [(2, 9), (3, 5 + 0x8000), (4, 5 + 0x8000)]
        );
        assert_eq!(
            shape_resp(&Response::ok(s, payload(0x10001))),
            [(2, 9), (3, 5 + 0x8000), (3, 5 + 0x8000), (4, 6)]
        );
        // error text cut to 0x8000 bytes
        assert_eq!(
            shape_resp(&Response::error(s, payload(0x9000))),
            [(0, 5 + 0x8000)]
        );
        for n in [0x7fff, 0x8000, 0x8001] {
            assert_eq!(
                shape_resp(&Response::error(s, payload(n))),
                [(0, 5 + n.min(0x8000))],
                "error text of {n} bytes"
            );
        }
        assert_eq!(shape_resp(&Response::error(s, payload(10))), [(0, 15)]);
        let begin = Response::ok(s, payload(0x10001))
            .frames()
            .unwrap()
            .next()
            .unwrap()
            .body_to_vec();
        assert_eq!(begin, vec![5, 0, 0, 0, 2, 0x01, 0x00, 0x01, 0x00]);
    }
}
