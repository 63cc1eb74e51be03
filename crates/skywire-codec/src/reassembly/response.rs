//! Response-direction reassembly: what skynet's `clustersender` does with incoming packets.

use super::{PartialSet, Recorder, NO_FRAME};
use crate::error::ReassemblyError;
use crate::frame::Frame;
use crate::limits::Limits;
use crate::message::Response;
use crate::packet::response::ResponsePacket;
use crate::session::Session;

/// Turns response-direction packets into whole [`Response`]s.
///
/// A begin packet opens a message on its session; parts append to it with other sessions'
/// responses in between; the last part completes it as an ok response. As with
/// [`RequestAssembler`](crate::RequestAssembler), an error drops only the offending
/// session's message.
///
/// ```
/// use bytes::Bytes;
/// use skywire_codec::{ResponseAssembler, ResponsePacket, Session};
/// let mut a = ResponseAssembler::default();
/// let s = Session::new(1);
/// let r = a.push(ResponsePacket::Ok { session: s, payload: Bytes::from_static(b"\x24ping") }).unwrap().unwrap();
/// assert!(r.ok);
/// ```
#[derive(Debug)]
pub struct ResponseAssembler<R: Recorder = ()> {
    /// Open messages, each with its frames' trail so far.
    partial: PartialSet<R::Trail>,
    recorder: R,
}

without_recorder!(ResponseAssembler, ResponsePacket, Response, "response");

impl<R: Recorder> ResponseAssembler<R> {
    /// An assembler with these limits whose responses come out with `recorder`'s trails.
    pub fn with_recorder(limits: Limits, recorder: R) -> Self {
        ResponseAssembler {
            partial: PartialSet::new(limits),
            recorder,
        }
    }

    /// Takes one packet, read from `frame`; returns a response when one is complete, with
    /// the trail of the frames that made it.
    #[inline]
    pub fn push_frame(
        &mut self,
        packet: ResponsePacket,
        frame: &Frame,
    ) -> Result<Option<(Response, R::Trail)>, ReassemblyError> {
        match packet {
            ResponsePacket::Ok { session, payload } => {
                self.single(session)?;
                Ok(Some((
                    Response::ok(session, payload),
                    self.recorder.start(frame),
                )))
            }
            ResponsePacket::Error { session, text } => {
                self.single(session)?;
                Ok(Some((
                    Response::error(session, text),
                    self.recorder.start(frame),
                )))
            }
            ResponsePacket::MultiBegin { session, size } => {
                self.partial
                    .open(session, size, self.recorder.start(frame))?;
                Ok(None)
            }
            ResponsePacket::Part {
                session,
                data,
                last,
            } => {
                let recorder = &self.recorder;
                let done = self
                    .partial
                    .append(session, &data, last, |trail| recorder.add(trail, frame))?;
                Ok(done.map(|(trail, payload)| (Response::ok(session, payload), trail)))
            }
        }
    }

    /// A one-packet response may not land on a session whose multi-part response is open.
    fn single(&mut self, session: Session) -> Result<(), ReassemblyError> {
        if self.partial.is_open(session) {
            self.partial.close(session);
            return Err(ReassemblyError::SessionInUse { session });
        }
        Ok(())
    }

    open_set_methods!("responses");

    /// Drops every open message.
    pub fn clear(&mut self) {
        self.partial.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn s(n: u32) -> Session {
        Session::new(n)
    }

    #[test]
    fn multi_part_with_small_ones_between() {
        let mut a = ResponseAssembler::default();
        assert!(a
            .push(ResponsePacket::MultiBegin {
                session: s(1),
                size: 3
            })
            .unwrap()
            .is_none());
        let p = |n, d: &'static [u8], last| ResponsePacket::Part {
            session: s(n),
            data: Bytes::from_static(d),
            last,
        };
        assert!(a.push(p(1, b"a", false)).unwrap().is_none());
        let e = a
            .push(ResponsePacket::Error {
                session: s(2),
                text: Bytes::from_static(b"no"),
            })
            .unwrap()
            .unwrap();
        assert!(!e.ok);
        let r = a.push(p(1, b"bc", true)).unwrap().unwrap();
        assert_eq!((r.session, r.ok, &r.payload[..]), (s(1), true, &b"abc"[..]));
    }

    #[test]
    fn part_without_begin_and_single_on_open_session() {
        let mut a = ResponseAssembler::default();
        assert_eq!(
            a.push(ResponsePacket::Part {
                session: s(3),
                data: Bytes::new(),
                last: true
            }),
            Err(ReassemblyError::PartWithoutHeader { session: s(3) })
        );
        a.push(ResponsePacket::MultiBegin {
            session: s(3),
            size: 9,
        })
        .unwrap();
        assert_eq!(
            a.push(ResponsePacket::Ok {
                session: s(3),
                payload: Bytes::new()
            }),
            Err(ReassemblyError::SessionInUse { session: s(3) })
        );
        assert_eq!(a.open_messages(), 0);
    }
}
