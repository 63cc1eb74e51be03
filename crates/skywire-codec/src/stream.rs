//! Stream decoders: bytes in, whole messages out (framing, packet parsing and reassembly in
//! one place, with byte offsets on every error).

use core::fmt::Debug;

use bytes::{Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, PacketError, ReassemblyError};
use crate::frame::{reserve_rest, Frame, FrameDecoder};
use crate::limits::Limits;
use crate::message::{Request, Response};
use crate::packet::request::RequestPacket;
use crate::packet::response::ResponsePacket;
use crate::reassembly::{Recorder, RequestAssembler, ResponseAssembler};
use crate::session::Session;

/// One direction's packet parsing and reassembly, as a [`StreamDecoder`] drives it.
pub trait Assemble {
    /// What comes out: [`Request`] or [`Response`].
    type Message: Debug;
    /// What one frame body holds: [`RequestPacket`] or [`ResponsePacket`].
    type Packet: Clone + Debug;
    /// What a message comes out with about its frames (see [`Recorder`]).
    type Trail: Debug;
    /// A fresh assembler with these limits.
    fn with_limits(limits: Limits) -> Self;
    /// Parses one frame body.
    fn parse(body: &Bytes) -> Result<Self::Packet, PacketError>;
    /// Feeds one parsed packet, read from `frame`, to reassembly.
    fn assemble(
        &mut self,
        packet: Self::Packet,
        frame: &Frame,
    ) -> Result<Option<Recorded<Self>>, ReassemblyError>;
    /// Number of multi-part messages still open.
    fn open_messages(&self) -> usize;
    /// The lowest session with an open multi-part message.
    fn first_open(&self) -> Option<Session>;
    /// Bytes at the start of a part's body before its data (type and session).
    const PART_HEAD: usize;
    /// The session of a part packet and whether it is its message's last; `None` for any
    /// other packet.
    fn part_of(packet: &Self::Packet) -> Option<(Session, bool)>;
    /// See [`PartialSet::part_fits`](crate::reassembly::PartialSet::part_fits).
    fn part_fits(&self, session: Session, len: usize, last: bool) -> bool;
    /// See [`PartialSet::part_buf`](crate::reassembly::PartialSet::part_buf).
    fn part_buf(&mut self, session: Session) -> Option<&mut BytesMut>;
    /// True if the recorder keeps frame bodies (see [`Recorder::keeps_bodies`]).
    fn keeps_frame_bodies(&self) -> bool;
}

/// A message with its trail: what a recording decoder hands out.
pub type Recorded<A> = (<A as Assemble>::Message, <A as Assemble>::Trail);

/// The two directions' [`Assemble`]: the same calls on different types.
macro_rules! assemble_direction {
    ($assembler:ident, $message:ty, $packet:ident, $part_head:expr) => {
        impl<R: Recorder + Default> Assemble for $assembler<R> {
            type Message = $message;
            type Packet = $packet;
            type Trail = R::Trail;
            fn with_limits(limits: Limits) -> Self {
                $assembler::with_recorder(limits, R::default())
            }
            #[inline]
            fn parse(body: &Bytes) -> Result<$packet, PacketError> {
                <$packet>::parse(body)
            }
            #[inline(always)]
            fn assemble(
                &mut self,
                packet: $packet,
                frame: &Frame,
            ) -> Result<Option<($message, R::Trail)>, ReassemblyError> {
                self.push_frame(packet, frame)
            }
            fn open_messages(&self) -> usize {
                $assembler::open_messages(self)
            }
            fn first_open(&self) -> Option<Session> {
                $assembler::first_open(self)
            }
            const PART_HEAD: usize = $part_head;
            #[inline]
            fn part_of(packet: &$packet) -> Option<(Session, bool)> {
                match packet {
                    $packet::Part { session, last, .. } => Some((*session, *last)),
                    _ => None,
                }
            }
            fn part_fits(&self, session: Session, len: usize, last: bool) -> bool {
                $assembler::part_fits(self, session, len, last)
            }
            fn part_buf(&mut self, session: Session) -> Option<&mut BytesMut> {
                $assembler::part_buf(self, session)
            }
            fn keeps_frame_bodies(&self) -> bool {
                $assembler::keeps_frame_bodies(self)
            }
        }
    };
}

assemble_direction!(
    RequestAssembler,
    Request,
    RequestPacket,
    crate::packet::request::PART_FIXED
);
assemble_direction!(
    ResponseAssembler,
    Response,
    ResponsePacket,
    crate::packet::response::FIXED
);

/// One frame as [`StreamDecoder::step`] hands it out: the frame, the packet it holds, and
/// the message it completed (with its trail), if it completed one.
#[derive(Debug)]
pub struct FrameStep<A: Assemble> {
    /// The frame (its stream offset and body).
    pub frame: Frame,
    /// What the body holds.
    pub packet: A::Packet,
    /// The message this frame completed, if any, with the trail of the frames that made it.
    pub message: Option<Recorded<A>>,
}

/// A part whose body is being read straight into its message
/// ([`crate::direct_part`]).
#[derive(Debug)]
pub(crate) struct DirectPart {
    /// Its frame: the stream offset and the head of its body (type and session).
    pub(crate) frame: Frame,
    pub(crate) session: Session,
    /// The frame's length on the wire.
    pub(crate) wire_len: usize,
    /// Bytes of the body still to come.
    pub(crate) remaining: usize,
    /// The length the message's buffer has when the part's body is all in it.
    pub(crate) part_end: usize,
}

/// Decodes one direction of a connection: fed arbitrary chunks, yields whole messages.
///
/// Use [`RequestDecoder`] on the serving side and [`ResponseDecoder`] on the calling side.
/// After an error the bad frame has been consumed and decoding may go on with the next call.
///
/// ```
/// use skywire_codec::RequestDecoder;
/// // Two requests to "@echo" (sessions 1 and 2), fed one byte at a time.
/// let stream = b"\x00\x10\x80\x05@echo\x01\x00\x00\x00\x24ping\x00\x0b\x80\x05@echo\x02\x00\x00\x00";
/// let mut dec = RequestDecoder::default();
/// let mut got = vec![];
/// for b in stream {
///     dec.feed(&[*b]);
///     while let Some(req) = dec.next_message().unwrap() {
///         got.push((req.session.get(), req.payload.len()));
///     }
/// }
/// dec.finish().unwrap();
/// assert_eq!(got, [(1, 5), (2, 0)]);
/// ```
#[derive(Debug)]
pub struct StreamDecoder<A: Assemble> {
    pub(crate) frames: FrameDecoder,
    pub(crate) assembler: A,
    /// Parts with at least this many body bytes still to come are read directly
    /// ([`read_parts_directly`](Self::read_parts_directly)); `None`: never.
    pub(crate) direct_min: Option<usize>,
    /// The part being read directly, if any.
    pub(crate) direct: Option<DirectPart>,
    /// A part read directly, complete: its frame (the body only its head, the data being
    /// in its message) for [`decode`](Self::decode) to take as it takes any frame.
    pub(crate) done_part: Option<Frame>,
}

/// Decodes the request direction (what a serving node reads).
pub type RequestDecoder = StreamDecoder<RequestAssembler>;
/// Decodes the response direction (what a calling node reads).
pub type ResponseDecoder = StreamDecoder<ResponseAssembler>;

impl<A: Assemble> StreamDecoder<A> {
    /// A decoder at the start of a stream, with these limits.
    pub fn new(limits: Limits) -> Self {
        Self::with_assembler(A::with_limits(limits))
    }

    /// A decoder at the start of a stream around this assembler (e.g. one made
    /// [`with_recorder`](RequestAssembler::with_recorder)).
    pub fn with_assembler(assembler: A) -> Self {
        StreamDecoder {
            frames: FrameDecoder::new(),
            assembler,
            direct_min: None,
            direct: None,
            done_part: None,
        }
    }

    /// Appends the next chunk of the stream to the decoder's own buffer.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.frames.feed(chunk);
    }

    /// The next whole message from the decoder's own buffer, if one is complete.
    pub fn next_message(&mut self) -> Result<Option<A::Message>, DecodeError> {
        Ok(self.next_recorded()?.map(|(m, _)| m))
    }

    /// The next whole message from a buffer the caller owns (frames are split off `src`).
    ///
    /// While a part is read directly ([`read_parts_directly`](Self::read_parts_directly)),
    /// `src` is not read: the stream's next bytes go to [`direct_room`](Self::direct_room).
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<A::Message>, DecodeError> {
        if self.direct.is_some() {
            return Ok(None);
        }
        loop {
            let frame = if self.done_part.is_some() {
                self.done_part.take()
            } else {
                self.frames.split(src)
            };
            let Some(frame) = frame else {
                break;
            };
            if let Some(m) = self.take(frame)? {
                return Ok(Some(m));
            }
        }
        if !self.start_direct(src) {
            reserve_rest(src);
        }
        Ok(None)
    }

    /// At the end of the stream: the next whole message still in `src`, or, when there is
    /// none, `Ok(None)` if the stream ended cleanly and an error if it ended inside a frame
    /// or a multi-part message.
    pub fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<A::Message>, DecodeError> {
        match self.decode(src)? {
            Some(m) => Ok(Some(m)),
            None => self.finish_with(src).map(|()| None),
        }
    }

    /// Feeds one already-split frame (for callers that do their own framing).
    #[inline]
    pub fn take(&mut self, frame: Frame) -> Result<Option<A::Message>, DecodeError> {
        Ok(self.take_recorded(&frame)?.map(|(m, _)| m))
    }

    /// Like [`take`](Self::take), with the message's trail (see [`Recorder`]).
    #[inline]
    pub fn take_recorded(&mut self, frame: &Frame) -> Result<Option<Recorded<A>>, DecodeError> {
        let at = |kind: DecodeErrorKind| DecodeError::new(frame.offset, kind);
        let packet = A::parse(&frame.body).map_err(|e| at(e.into()))?;
        self.assembler
            .assemble(packet, frame)
            .map_err(|e| at(e.into()))
    }

    /// The next whole message from the decoder's own buffer with its trail (see
    /// [`Recorder`]), if one is complete.
    pub fn next_recorded(&mut self) -> Result<Option<Recorded<A>>, DecodeError> {
        while let Some(frame) = self.frames.next_frame() {
            if let Some(m) = self.take_recorded(&frame)? {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    /// The next frame at the front of `src` (split off it), with its packet and the message
    /// it completed, if any: for tools that show every frame. A frame that does not parse
    /// or fit is an error naming its offset, and is consumed.
    pub fn step(&mut self, src: &mut BytesMut) -> Result<Option<FrameStep<A>>, DecodeError> {
        let Some(frame) = self.frames.decode(src) else {
            return Ok(None);
        };
        let at = |kind: DecodeErrorKind| DecodeError::new(frame.offset, kind);
        let packet = A::parse(&frame.body).map_err(|e| at(e.into()))?;
        let message = self
            .assembler
            .assemble(packet.clone(), &frame)
            .map_err(|e| at(e.into()))?;
        Ok(Some(FrameStep {
            frame,
            packet,
            message,
        }))
    }

    /// At the end of the stream: fails if a frame was cut off or a multi-part message is
    /// still open.
    pub fn finish(&self) -> Result<(), DecodeError> {
        self.frames.finish()?;
        self.check_open()
    }

    /// Like [`finish`](Self::finish) for a caller-owned buffer holding what is left.
    pub fn finish_with(&self, rest: &[u8]) -> Result<(), DecodeError> {
        if let Some((available, needed)) = self.direct_progress() {
            return Err(DecodeError::new(
                self.frames.offset(),
                DecodeErrorKind::TruncatedFrame { needed, available },
            ));
        }
        self.frames.check_end(rest)?;
        self.check_open()
    }

    fn check_open(&self) -> Result<(), DecodeError> {
        match self.assembler.first_open() {
            None => Ok(()),
            Some(first) => Err(DecodeError::new(
                self.frames.offset(),
                DecodeErrorKind::Unfinished {
                    open: self.assembler.open_messages(),
                    first,
                },
            )),
        }
    }

    /// Stream offset of the next frame.
    pub fn offset(&self) -> u64 {
        self.frames.offset()
    }

    /// Bytes of an incomplete frame held in the decoder's own buffer.
    pub fn buffered(&self) -> usize {
        self.frames.buffered()
    }

    /// The reassembly state.
    pub fn assembler(&self) -> &A {
        &self.assembler
    }

    /// The reassembly state, mutable (e.g. to clear it).
    pub fn assembler_mut(&mut self) -> &mut A {
        &mut self.assembler
    }
}

impl<A: Assemble> Default for StreamDecoder<A> {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reassembly::FrameRecorder;
    use alloc::vec::Vec;

    #[test]
    fn errors_carry_the_frame_offset_and_decoding_goes_on() {
        let mut d = ResponseDecoder::default();
        // ok(1) [12 bytes], unknown type 9 at offset 12, ok(2) at offset 19
        d.feed(b"\x00\x0a\x01\x00\x00\x00\x01\x24ping");
        d.feed(b"\x00\x05\x01\x00\x00\x00\x09");
        d.feed(b"\x00\x05\x02\x00\x00\x00\x01");
        assert_eq!(d.next_message().unwrap().unwrap().session.get(), 1);
        let e = d.next_message().unwrap_err();
        assert_eq!(e.offset(), 12);
        assert_eq!(
            e.kind(),
            &DecodeErrorKind::Packet(PacketError::UnknownType { ty: 9 })
        );
        assert_eq!(d.next_message().unwrap().unwrap().session.get(), 2);
        assert!(d.finish().is_ok());
    }

    #[test]
    fn finish_reports_open_messages() {
        let mut d = RequestDecoder::default();
        d.feed(b"\x00\x0d\x01\x0a\x00\x00\x00\x07\x00\x00\x00\x00\x80\x00\x00");
        assert!(d.next_message().unwrap().is_none());
        let e = d.finish().unwrap_err();
        assert_eq!(e.offset(), 15);
        assert_eq!(
            e.kind(),
            &DecodeErrorKind::Unfinished {
                open: 1,
                first: Session::new(7)
            }
        );
        assert_eq!(e.session(), Some(Session::new(7)));
    }

    #[test]
    fn reassembly_errors_name_the_session() {
        let mut d = RequestDecoder::default();
        d.feed(b"\x00\x06\x03\x05\x00\x00\x00z");
        let e = d.next_message().unwrap_err();
        assert_eq!(
            e.kind(),
            &DecodeErrorKind::Reassembly(ReassemblyError::PartWithoutHeader {
                session: Session::new(5)
            })
        );
        assert_eq!(
            e.to_string(),
            "at byte 0: session 5: part with no multi-part header"
        );
    }

    #[test]
    fn the_recorder_reports_each_messages_frames_interleaved_and_traced() {
        // Frames and their offsets, counted by hand (2-byte header + body):
        //   0: multi-part header, session 7, 2 bytes (13-byte body)       -> 15 bytes
        //  15: trace tag "t"                  (2-byte body)               ->  4 bytes
        //  19: small call to address 10, session 1, payload "x" (10 bytes) -> 12 bytes
        //  31: last part of session 7, "ab"   (7-byte body)               ->  9 bytes
        let mut d = StreamDecoder::with_assembler(RequestAssembler::with_recorder(
            Limits::default(),
            FrameRecorder { keep_frames: true },
        ));
        d.feed(b"\x00\x0d\x01\x0a\x00\x00\x00\x07\x00\x00\x00\x02\x00\x00\x00");
        d.feed(b"\x00\x02\x04t");
        d.feed(b"\x00\x0a\x00\x0a\x00\x00\x00\x01\x00\x00\x00x");
        d.feed(b"\x00\x07\x03\x07\x00\x00\x00ab");
        let (small, t) = d.next_recorded().unwrap().unwrap();
        assert_eq!(
            (small.session.get(), small.trace.as_deref()),
            (1, Some(&b"t"[..]))
        );
        assert_eq!((t.offset, t.end_offset, t.count), (15, 19, 2));
        let offsets: Vec<u64> = t.frames.iter().map(|f| f.offset).collect();
        assert_eq!(offsets, [15, 19]);
        let (big, t) = d.next_recorded().unwrap().unwrap();
        assert_eq!((big.session.get(), &big.payload[..]), (7, &b"ab"[..]));
        assert_eq!((t.offset, t.end_offset, t.count), (0, 31, 2));
        let lens: Vec<usize> = t.frames.iter().map(Frame::wire_len).collect();
        assert_eq!(lens, [15, 9]);
        assert!(d.finish().is_ok());
    }

    #[test]
    fn step_hands_out_every_frame_and_errors_at_their_offset() {
        let mut d = ResponseDecoder::default();
        // ok(1) [12 bytes], then a part for session 3 with no begin at offset 12
        let mut src = BytesMut::from(
            &b"\x00\x0a\x01\x00\x00\x00\x01\x24ping\x00\x06\x03\x00\x00\x00\x04z"[..],
        );
        let first = d.step(&mut src).unwrap().unwrap();
        assert_eq!(first.frame.offset, 0);
        assert!(matches!(first.packet, ResponsePacket::Ok { .. }));
        assert_eq!(first.message.unwrap().0.session.get(), 1);
        let e = d.step(&mut src).unwrap_err();
        assert_eq!(e.offset(), 12);
        assert!(d.step(&mut src).unwrap().is_none());
    }
}
