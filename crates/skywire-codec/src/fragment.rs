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
use crate::rope::{Piece, Rope};
use crate::session::Session;

use crate::multi_part::error_text_len;
pub use crate::multi_part::{
    is_multi_part_request, is_multi_part_response, part_count, truncate_error_text, MULTI_PART,
};

/// Cuts a payload into `MULTI_PART`-byte pieces, flagging the last one.
#[derive(Clone, Debug)]
struct Parts {
    payload: Rope,
}

impl Iterator for Parts {
    /// A piece and whether it is the last.
    type Item = (Piece, bool);

    fn next(&mut self) -> Option<(Piece, bool)> {
        if self.payload.is_empty() {
            return None;
        }
        let piece = self.payload.take(MULTI_PART);
        Some((piece, self.payload.is_empty()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = part_count(self.payload.len());
        (n, Some(n))
    }
}

/// The size a multi-part header declares for a payload of `len` bytes: more than 4 GiB
/// does not fit.
fn declared_size(len: usize) -> Result<u32, PacketError> {
    u32::try_from(len).map_err(|_| PacketError::BodyTooLarge { len })
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

/// What is left of one message's frames: the `N` built up front (a trace tag's, a request's,
/// a multi-part header's, a response's), then, for a multi-part message, its parts, built as
/// they are handed out.
#[derive(Clone, Debug)]
struct Remaining<const N: usize> {
    /// Taken in place, so that handing one out moves only that frame.
    heads: [Option<OutFrame>; N],
    session: Session,
    parts: Option<Parts>,
}

impl<const N: usize> Remaining<N> {
    /// `heads`, then the parts of `payload` on `session` if the message is `multi`-part.
    fn new(heads: [Option<OutFrame>; N], session: Session, payload: &Bytes, multi: bool) -> Self {
        Remaining {
            heads,
            session,
            parts: multi.then(|| Parts {
                payload: Rope::from(payload.clone()),
            }),
        }
    }

    /// The next frame; a part's is built by `part_frame(session, data, last)`.
    #[inline]
    fn next(
        &mut self,
        part_frame: impl FnOnce(Session, Piece, bool) -> Result<OutFrame, PacketError>,
    ) -> Option<OutFrame> {
        for head in &mut self.heads {
            if let Some(f) = head.take() {
                return Some(f);
            }
        }
        let (data, last) = self.parts.as_mut()?.next()?;
        // A part body is 5 bytes plus at most MULTI_PART: it always fits a frame.
        part_frame(self.session, data, last).ok()
    }

    /// Exactly how many frames are left.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.heads.iter().filter(|h| h.is_some()).count()
            + self.parts.as_ref().map_or(0, |p| p.size_hint().0);
        (n, Some(n))
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
    /// The trace tag's frame, if any, and then the request's (or multi-part header's).
    rest: Remaining<2>,
}

impl RequestFrames {
    pub(crate) fn new(req: &Request) -> Result<RequestFrames, PacketError> {
        let trace = match &req.trace {
            Some(tag) => Some(RequestPacket::Trace { tag: tag.clone() }.to_frame()?),
            None => None,
        };
        let multi = is_multi_part_request(req.payload.len());
        let head = if multi {
            let size = declared_size(req.payload.len())?;
            request::multi_header_frame(&req.target, req.session, size, req.push)?
        } else {
            request::request_frame(&req.target, one_frame_session(req)?, req.payload.clone())?
        };
        Ok(RequestFrames {
            rest: Remaining::new([trace, Some(head)], req.session, &req.payload, multi),
        })
    }
}

impl Iterator for RequestFrames {
    type Item = OutFrame;

    fn next(&mut self) -> Option<OutFrame> {
        self.rest.next(request::part_frame)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rest.size_hint()
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
    /// The ok, error or begin packet's frame first.
    rest: Remaining<1>,
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
                size: declared_size(resp.payload.len())?,
            }
        } else {
            ResponsePacket::Ok {
                session,
                payload: resp.payload.clone(),
            }
        }
        .into_frame()?;
        Ok(ResponseFrames {
            rest: Remaining::new([Some(first)], session, &resp.payload, multi),
        })
    }
}

impl ResponseFrames {
    /// The frames of an ok response whose payload is `payload`, cut as
    /// [`Response::frames`] cuts a whole one (the same bytes on the wire), each frame's data
    /// a slice of one of its chunks (see [`Rope`]). Fails for a payload over 4 GiB, or
    /// one that goes multi-part with session 0 ([`PacketError::ZeroSession`]).
    pub fn ok_rope(session: Session, mut payload: Rope) -> Result<ResponseFrames, PacketError> {
        let multi = is_multi_part_response(payload.len());
        let first = if multi {
            ResponsePacket::MultiBegin {
                session,
                size: declared_size(payload.len())?,
            }
            .into_frame()?
        } else {
            let all = payload.take(payload.len());
            response::piece_frame(session, response::OK, all)?
        };
        Ok(ResponseFrames {
            rest: Remaining {
                heads: [Some(first)],
                session,
                parts: multi.then_some(Parts { payload }),
            },
        })
    }
}

impl Iterator for ResponseFrames {
    type Item = OutFrame;

    fn next(&mut self) -> Option<OutFrame> {
        self.rest.next(|session, data, last| {
            let ty = if last {
                response::LAST_PART
            } else {
                response::PART
            };
            response::piece_frame(session, ty, data)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rest.size_hint()
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

    /// (type byte, body length) of every frame; the type byte is at `type_at` in the body.
    fn shape(frames: impl Iterator<Item = OutFrame>, type_at: usize) -> Vec<(u8, usize)> {
        frames
            .map(|f| {
                let body = f.body_to_vec();
                (body[type_at], body.len())
            })
            .collect()
    }

    fn shape_req(req: &Request) -> Vec<(u8, usize)> {
        shape(req.frames().unwrap(), 0)
    }

    fn shape_resp(resp: &Response) -> Vec<(u8, usize)> {
        shape(resp.frames().unwrap(), 4)
    }

    /// Each case: what it is, the request, and its frames' shapes, computed from skynet's
    /// rules by hand.
    type RequestCase = (&'static str, Request, Shape);

    /// (type byte, body length) of each frame, in order.
    type Shape = &'static [(u8, usize)];

    fn assert_request_shapes(cases: impl IntoIterator<Item = RequestCase>) {
        for (what, req, want) in cases {
            assert_eq!(shape_req(&req), want, "{what}");
        }
    }

    #[test]
    fn request_boundaries() {
        let call = |n| Request::call(Target::Address(10), Session::new(1), payload(n));
        assert_request_shapes([
            (
                "0x7fff: one 0x00 packet, 9 + n",
                call(0x7fff),
                &[(0x00, 9 + 0x7fff)][..],
            ),
            (
                "0x8000: header (13) + one last part (5 + 0x8000)",
                call(0x8000),
                &[(0x01, 13), (0x03, 5 + 0x8000)],
            ),
            (
                "0x8001",
                call(0x8001),
                &[(0x01, 13), (0x02, 5 + 0x8000), (0x03, 5 + 1)],
            ),
            (
                "0x10000",
                call(0x10000),
                &[(0x01, 13), (0x02, 5 + 0x8000), (0x03, 5 + 0x8000)],
            ),
            (
                "0x10001",
                call(0x10001),
                &[
                    (0x01, 13),
                    (0x02, 5 + 0x8000),
                    (0x02, 5 + 0x8000),
                    (0x03, 6),
                ],
            ),
            (
                "empty, to address 0",
                Request::call(Target::Address(0), Session::new(1), payload(0)),
                &[(0x00, 9)],
            ),
        ]);
    }

    #[test]
    fn named_and_push_variants() {
        let name = Target::name("@echo").unwrap();
        let (s1, s4) = (Session::new(1), Session::new(4));
        assert_request_shapes([
            (
                "small named call",
                Request::call(name.clone(), s1, payload(3)),
                &[(0x80, 6 + 5 + 3)][..],
            ),
            (
                "multi-part named call",
                Request::call(name.clone(), s1, payload(0x8000)),
                &[(0x81, 10 + 5), (0x03, 5 + 0x8000)],
            ),
            (
                "multi-part named push",
                Request::push(name.clone(), s4, payload(0x8000)),
                &[(0xc1, 10 + 5), (0x03, 5 + 0x8000)],
            ),
            (
                "multi-part push to an address",
                Request::push(Target::Address(3), s4, payload(0x9000)),
                &[(0x41, 13), (0x02, 5 + 0x8000), (0x03, 5 + 0x1000)],
            ),
        ]);
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
        let ok = |n| Response::ok(s, payload(n));
        let cases: [(usize, Response, Shape); 6] = [
            (0, ok(0), &[(1, 5)]),
            (0x7fff, ok(0x7fff), &[(1, 5 + 0x7fff)]),
            (0x8000, ok(0x8000), &[(1, 5 + 0x8000)]),
            (0x8001, ok(0x8001), &[(2, 9), (3, 5 + 0x8000), (4, 6)]),
            (
                0x10000,
                ok(0x10000),
                &[(2, 9), (3, 5 + 0x8000), (4, 5 + 0x8000)],
            ),
            (
                0x10001,
                ok(0x10001),
                &[(2, 9), (3, 5 + 0x8000), (3, 5 + 0x8000), (4, 6)],
            ),
        ];
        for (n, resp, want) in cases {
            assert_eq!(shape_resp(&resp), want, "ok payload of {n} bytes");
        }
        // error text cut to 0x8000 bytes
        for n in [10, 0x7fff, 0x8000, 0x8001, 0x9000] {
            assert_eq!(
                shape_resp(&Response::error(s, payload(n))),
                [(0, 5 + n.min(0x8000))],
                "error text of {n} bytes"
            );
        }
        let begin = Response::ok(s, payload(0x10001))
            .frames()
            .unwrap()
            .next()
            .unwrap()
            .body_to_vec();
        assert_eq!(begin, vec![5, 0, 0, 0, 2, 0x01, 0x00, 0x01, 0x00]);
    }
}
