//! Request-direction reassembly: what skynet's `clusteragent` does with incoming packets.

use bytes::Bytes;

use super::{PartialSet, Recorder, NO_FRAME};
use crate::error::ReassemblyError;
use crate::frame::Frame;
use crate::limits::Limits;
use crate::message::Request;
use crate::packet::request::RequestPacket;
use crate::session::Session;
use crate::target::Target;

/// What a multi-part request remembers from its header.
#[derive(Debug)]
struct Head<T> {
    target: Target,
    push: bool,
    trace: Option<Bytes>,
    /// Its frames so far, as the recorder notes them.
    trail: T,
}

/// Turns request-direction packets into whole [`Request`]s.
///
/// - A trace tag (`0x04`) is held and attached to the next request or multi-part header
///   (a later tag replaces an unused one, as in skynet).
/// - A multi-part header opens a message on its session; parts append to it, in order, with
///   packets of other sessions in between; the last part completes it.
///
/// On an error the offending session's message (if any) is dropped and the assembler stays
/// usable, so a caller may report the error and go on.
///
/// With a [`Recorder`] other than `()` ([`with_recorder`](Self::with_recorder)), each
/// request comes out of [`push_frame`](Self::push_frame) with the trail of the frames that
/// made it, its trace tag's included.
///
/// ```
/// use bytes::Bytes;
/// use skywire_codec::{RequestAssembler, RequestPacket, Session, Target};
/// let mut a = RequestAssembler::default();
/// let s = Session::new(3);
/// let header = RequestPacket::MultiHeader { target: Target::Address(10), session: s, size: 3, push: false };
/// assert!(a.push(header).unwrap().is_none());
/// assert!(a.push(RequestPacket::Part { session: s, data: Bytes::from_static(b"ab"), last: false }).unwrap().is_none());
/// let req = a.push(RequestPacket::Part { session: s, data: Bytes::from_static(b"c"), last: true }).unwrap().unwrap();
/// assert_eq!(&req.payload[..], b"abc");
/// ```
#[derive(Debug)]
pub struct RequestAssembler<R: Recorder = ()> {
    partial: PartialSet<Head<R::Trail>>,
    /// A trace tag waiting for its request, with its frame's trail.
    trace: Option<(Bytes, R::Trail)>,
    recorder: R,
}

without_recorder!(RequestAssembler, RequestPacket, Request, "request");

impl<R: Recorder> RequestAssembler<R> {
    /// An assembler with these limits whose requests come out with `recorder`'s trails.
    pub fn with_recorder(limits: Limits, recorder: R) -> Self {
        RequestAssembler {
            partial: PartialSet::new(limits),
            trace: None,
            recorder,
        }
    }

    /// Takes one packet, read from `frame`; returns a request when one is complete, with
    /// the trail of the frames that made it.
    #[inline]
    pub fn push_frame(
        &mut self,
        packet: RequestPacket,
        frame: &Frame,
    ) -> Result<Option<(Request, R::Trail)>, ReassemblyError> {
        match packet {
            RequestPacket::Trace { tag } => {
                self.trace = Some((tag, self.recorder.start(frame)));
                Ok(None)
            }
            RequestPacket::Request {
                target,
                session,
                payload,
            } => {
                let (trace, trail) = self.take_trace(frame);
                if !session.is_push() && self.partial.is_open(session) {
                    self.partial.close(session);
                    return Err(ReassemblyError::SessionInUse { session });
                }
                let request = Request {
                    target,
                    session,
                    push: session.is_push(),
                    trace,
                    payload,
                };
                Ok(Some((request, trail)))
            }
            RequestPacket::MultiHeader {
                target,
                session,
                size,
                push,
            } => {
                let (trace, trail) = self.take_trace(frame);
                let head = Head {
                    target,
                    push,
                    trace,
                    trail,
                };
                self.partial.open(session, size, head)?;
                Ok(None)
            }
            RequestPacket::Part {
                session,
                data,
                last,
            } => {
                let recorder = &self.recorder;
                let done = self.partial.append(session, &data, last, |head| {
                    recorder.add(&mut head.trail, frame)
                })?;
                Ok(done.map(|(head, payload)| {
                    let request = Request {
                        target: head.target,
                        session,
                        push: head.push,
                        trace: head.trace,
                        payload,
                    };
                    (request, head.trail)
                }))
            }
        }
    }

    /// The trace tag waiting (if any) for the request or header in `frame`, and the trail
    /// that frame starts or continues: the rule "a trace tag belongs to the next request".
    #[inline]
    fn take_trace(&mut self, frame: &Frame) -> (Option<Bytes>, R::Trail) {
        match self.trace.take() {
            Some((tag, mut trail)) => {
                self.recorder.add(&mut trail, frame);
                (Some(tag), trail)
            }
            None => (None, self.recorder.start(frame)),
        }
    }

    open_set_methods!("requests");

    /// Drops every open message and any pending trace tag (for a connection that closed).
    pub fn clear(&mut self) {
        self.partial.clear();
        self.trace = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(s: u32, d: &'static [u8], last: bool) -> RequestPacket {
        RequestPacket::Part {
            session: Session::new(s),
            data: Bytes::from_static(d),
            last,
        }
    }

    fn header(s: u32, size: u32, push: bool) -> RequestPacket {
        RequestPacket::MultiHeader {
            target: Target::name("@echo").unwrap(),
            session: Session::new(s),
            size,
            push,
        }
    }

    fn small(s: u32, d: &'static [u8]) -> RequestPacket {
        RequestPacket::Request {
            target: Target::Address(10),
            session: Session::new(s),
            payload: Bytes::from_static(d),
        }
    }

    #[test]
    fn interleaved_sessions() {
        let mut a = RequestAssembler::default();
        assert!(a.push(header(1, 4, false)).unwrap().is_none());
        assert!(a.push(header(2, 2, true)).unwrap().is_none());
        assert!(a.push(part(1, b"ab", false)).unwrap().is_none());
        let mid = a.push(small(3, b"x")).unwrap().unwrap();
        assert_eq!((mid.session.get(), mid.push), (3, false));
        let two = a.push(part(2, b"yz", true)).unwrap().unwrap();
        assert_eq!(
            (two.session.get(), two.push, &two.payload[..]),
            (2, true, &b"yz"[..])
        );
        let one = a.push(part(1, b"cd", true)).unwrap().unwrap();
        assert_eq!(&one.payload[..], b"abcd");
        assert_eq!(one.target, Target::name("@echo").unwrap());
        assert_eq!(a.open_messages(), 0);
    }

    #[test]
    fn trace_applies_to_next_request_or_header_only() {
        let mut a = RequestAssembler::default();
        a.push(RequestPacket::Trace {
            tag: Bytes::from_static(b"t1"),
        })
        .unwrap();
        let r = a.push(small(1, b"")).unwrap().unwrap();
        assert_eq!(r.trace.as_deref(), Some(&b"t1"[..]));
        assert_eq!(a.push(small(2, b"")).unwrap().unwrap().trace, None);

        a.push(RequestPacket::Trace {
            tag: Bytes::from_static(b"t2"),
        })
        .unwrap();
        a.push(header(5, 1, false)).unwrap();
        // a request in between does not take the header's tag
        assert_eq!(a.push(small(6, b"")).unwrap().unwrap().trace, None);
        let big = a.push(part(5, b"z", true)).unwrap().unwrap();
        assert_eq!(big.trace.as_deref(), Some(&b"t2"[..]));
    }

    #[test]
    fn small_push_has_session_zero() {
        let mut a = RequestAssembler::default();
        let r = a.push(small(0, b"p")).unwrap().unwrap();
        assert!(r.push);
        assert_eq!(r.kind(), crate::RequestKind::Push);
    }

    #[test]
    fn errors_leave_the_assembler_usable() {
        let mut a = RequestAssembler::default();
        assert_eq!(
            a.push(part(4, b"a", true)),
            Err(ReassemblyError::PartWithoutHeader {
                session: Session::new(4)
            })
        );
        a.push(header(4, 2, false)).unwrap();
        assert_eq!(
            a.push(small(4, b"")),
            Err(ReassemblyError::SessionInUse {
                session: Session::new(4)
            })
        );
        assert_eq!(a.open_messages(), 0);
        a.push(header(4, 1, false)).unwrap();
        assert!(a.push(part(4, b"k", true)).unwrap().is_some());
    }
}
