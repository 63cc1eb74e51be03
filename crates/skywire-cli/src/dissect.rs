//! One direction of a cluster connection taken apart: frames, the packet each frame holds,
//! and the whole messages they make, with the stream offsets and (when asked) the frames
//! that carried each message.
//!
//! A [`StreamDissector`] is fed the direction's bytes in any chunks and steps through it
//! one frame at a time: every [`Step`] has the frame and its parsed [`Packet`], and the
//! [`Decoded`] message when that frame completed one. Messages come out in the order their
//! last frame arrived (wire order). Which frames belong to which message is worked out as
//! skynet sends them: a trace tag frame belongs to the request or multi-part header after
//! it, the parts of a multi-part message to the message open on their session.
//!
//! ```
//! use skywire_cli::dissect::{Message, StreamDissector};
//! // A trace tag, then a call to "@echo" (session 1) with payload `"ping"`.
//! let stream = b"\x00\x04\x04tag\x00\x10\x80\x05@echo\x01\x00\x00\x00\x24ping";
//! let mut d = StreamDissector::requests(true);
//! d.feed(stream);
//! let first = d.next_step()?.unwrap();
//! assert!(first.message.is_none()); // the tag alone is not a message
//! let second = d.next_step()?.unwrap();
//! let m = second.message.unwrap();
//! assert_eq!((m.offset, m.frames.len()), (0, 2));
//! let Message::Request(req) = m.message else { panic!() };
//! assert_eq!(&req.trace.unwrap()[..], b"tag");
//! assert!(d.next_step()?.is_none());
//! d.finish()?;
//! # Ok::<(), skywire_codec::DecodeError>(())
//! ```

use std::collections::HashMap;

use bytes::BytesMut;
use skywire_codec::{
    DecodeError, DecodeErrorKind, Frame, FrameDecoder, Limits, Request, RequestAssembler,
    RequestPacket, Response, ResponseAssembler, ResponsePacket, Session,
};

/// A whole message of either direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A request, push or query (request direction).
    Request(Request),
    /// A response (response direction).
    Response(Response),
}

impl Message {
    /// The session on the wire.
    pub fn session(&self) -> Session {
        match self {
            Message::Request(r) => r.session,
            Message::Response(r) => r.session,
        }
    }

    /// The payload (an error response's text).
    pub fn payload(&self) -> &bytes::Bytes {
        match self {
            Message::Request(r) => &r.payload,
            Message::Response(r) => &r.payload,
        }
    }
}

/// A message with where it was on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The message.
    pub message: Message,
    /// Stream offset of its first frame (its trace tag, if it had one).
    pub offset: u64,
    /// Stream offset of its last frame.
    pub end_offset: u64,
    /// Number of frames that carried it (trace tag included).
    pub frame_count: usize,
    /// The frames themselves, in order, when the dissector keeps them (else empty).
    pub frames: Vec<Frame>,
}

/// The packet a frame holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet {
    /// Request direction.
    Request(RequestPacket),
    /// Response direction.
    Response(ResponsePacket),
}

/// One frame of the stream, as [`StreamDissector::next_step`] hands it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The frame (its stream offset and body).
    pub frame: Frame,
    /// What the body holds.
    pub packet: Packet,
    /// The message this frame completed, if it completed one.
    pub message: Option<Decoded>,
}

/// The frames of a message still being received.
#[derive(Debug)]
struct Group {
    offset: u64,
    count: usize,
    frames: Vec<Frame>,
    /// The size a multi-part header declared (0 for other messages).
    declared: u64,
}

impl Group {
    fn start(frame: &Frame, keep: bool) -> Group {
        Group {
            offset: frame.offset,
            count: 1,
            frames: if keep {
                vec![frame.clone()]
            } else {
                Vec::new()
            },
            declared: 0,
        }
    }

    fn add(&mut self, frame: &Frame, keep: bool) {
        self.count += 1;
        if keep {
            self.frames.push(frame.clone());
        }
    }

    fn close(self, message: Message, last: &Frame) -> Decoded {
        Decoded {
            message,
            offset: self.offset,
            end_offset: last.offset,
            frame_count: self.count,
            frames: self.frames,
        }
    }
}

#[derive(Debug)]
enum Direction {
    Requests(RequestAssembler),
    Responses(ResponseAssembler),
}

/// Which frames make up which message, worked out alongside reassembly.
#[derive(Debug)]
struct Grouping {
    /// Frames of messages not complete yet, by session.
    open: HashMap<Session, Group>,
    /// A trace tag frame waiting for its request.
    trace: Option<Group>,
    /// Offsets of trace tags that no request used (a later tag replaced them).
    unused_traces: Vec<u64>,
    keep: bool,
    /// Sum of the sizes the open multi-part messages declared.
    reserved: u64,
}

impl Grouping {
    /// Files a request-direction frame; the finished group when it ends a message.
    fn request(&mut self, packet: &RequestPacket, frame: &Frame) -> Option<Group> {
        match packet {
            RequestPacket::Trace { .. } => {
                if let Some(old) = self.trace.replace(Group::start(frame, self.keep)) {
                    self.unused_traces.push(old.offset);
                }
                None
            }
            RequestPacket::Request { .. } => Some(self.with_trace(frame)),
            RequestPacket::MultiHeader { session, size, .. } => {
                let g = self.with_trace(frame);
                self.open_group(*session, g, *size);
                None
            }
            RequestPacket::Part { session, last, .. } => self.part(*session, *last, frame),
        }
    }

    /// Files a response-direction frame; the finished group when it ends a message.
    fn response(&mut self, packet: &ResponsePacket, frame: &Frame) -> Option<Group> {
        match packet {
            ResponsePacket::Ok { .. } | ResponsePacket::Error { .. } => {
                Some(Group::start(frame, self.keep))
            }
            ResponsePacket::MultiBegin { session, size } => {
                self.open_group(*session, Group::start(frame, self.keep), *size);
                None
            }
            ResponsePacket::Part { session, last, .. } => self.part(*session, *last, frame),
        }
    }

    fn open_group(&mut self, session: Session, mut g: Group, size: u32) {
        g.declared = u64::from(size);
        self.reserved += g.declared;
        if let Some(old) = self.open.insert(session, g) {
            self.reserved -= old.declared;
        }
    }

    fn part(&mut self, session: Session, last: bool, frame: &Frame) -> Option<Group> {
        if let Some(g) = self.open.get_mut(&session) {
            g.add(frame, self.keep);
        }
        if !last {
            return None;
        }
        let g = self.open.remove(&session)?;
        self.reserved -= g.declared;
        Some(g)
    }

    /// The group a request or multi-part header starts: the trace tag frame waiting (if
    /// any) and itself.
    fn with_trace(&mut self, frame: &Frame) -> Group {
        match self.trace.take() {
            Some(mut g) => {
                g.add(frame, self.keep);
                g
            }
            None => Group::start(frame, self.keep),
        }
    }
}

/// Takes one direction of a connection apart (see the [module docs](self)).
#[derive(Debug)]
pub struct StreamDissector {
    buf: BytesMut,
    frames: FrameDecoder,
    direction: Direction,
    groups: Grouping,
    frame_count: u64,
}

impl StreamDissector {
    /// A dissector for the request direction (client to server). With `keep_frames`, each
    /// [`Decoded`] carries its frames.
    pub fn requests(keep_frames: bool) -> Self {
        Self::new(
            Direction::Requests(RequestAssembler::new(Limits::default())),
            keep_frames,
        )
    }

    /// A dissector for the response direction (server to client).
    pub fn responses(keep_frames: bool) -> Self {
        Self::new(
            Direction::Responses(ResponseAssembler::new(Limits::default())),
            keep_frames,
        )
    }

    fn new(direction: Direction, keep: bool) -> Self {
        StreamDissector {
            buf: BytesMut::new(),
            frames: FrameDecoder::new(),
            direction,
            groups: Grouping {
                open: HashMap::new(),
                trace: None,
                unused_traces: Vec::new(),
                keep,
                reserved: 0,
            },
            frame_count: 0,
        }
    }

    /// Appends the next bytes of the stream.
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Appends a whole buffer (no copy when nothing is buffered yet).
    pub fn feed_owned(&mut self, data: BytesMut) {
        if self.buf.is_empty() {
            self.buf = data;
        } else {
            self.buf.extend_from_slice(&data);
        }
    }

    /// The next frame, if a whole one is buffered. A frame that does not parse, or does not
    /// fit with the frames before it, is an error naming its stream offset; decoding cannot
    /// go on after one.
    pub fn next_step(&mut self) -> Result<Option<Step>, DecodeError> {
        let Some(frame) = self.frames.decode(&mut self.buf) else {
            return Ok(None);
        };
        self.frame_count += 1;
        let fail = |kind: DecodeErrorKind| DecodeError::new(frame.offset, kind);
        let (packet, message) = match &mut self.direction {
            Direction::Requests(assembler) => {
                let packet = RequestPacket::parse(&frame.body).map_err(|e| fail(e.into()))?;
                let group = self.groups.request(&packet, &frame);
                let done = assembler.push(packet.clone()).map_err(|e| fail(e.into()))?;
                let message = done
                    .zip(group)
                    .map(|(m, g)| g.close(Message::Request(m), &frame));
                (Packet::Request(packet), message)
            }
            Direction::Responses(assembler) => {
                let packet = ResponsePacket::parse(&frame.body).map_err(|e| fail(e.into()))?;
                let group = self.groups.response(&packet, &frame);
                let done = assembler.push(packet.clone()).map_err(|e| fail(e.into()))?;
                let message = done
                    .zip(group)
                    .map(|(m, g)| g.close(Message::Response(m), &frame));
                (Packet::Response(packet), message)
            }
        };
        Ok(Some(Step {
            frame,
            packet,
            message,
        }))
    }

    /// At the end of the stream: fails if it ends inside a frame or with a multi-part
    /// message unfinished.
    pub fn finish(&self) -> Result<(), DecodeError> {
        self.frames.check_end(&self.buf)?;
        let (open, first) = match &self.direction {
            Direction::Requests(a) => (a.open_messages(), a.first_open()),
            Direction::Responses(a) => (a.open_messages(), a.first_open()),
        };
        match first {
            None => Ok(()),
            Some(first) => Err(DecodeError::new(
                self.frames.offset(),
                DecodeErrorKind::Unfinished { open, first },
            )),
        }
    }

    /// Stream offset of the next frame (= bytes consumed in whole frames).
    pub fn offset(&self) -> u64 {
        self.frames.offset()
    }

    /// Bytes the multi-part messages open in this stream declared: what reassembling them
    /// will hold.
    pub fn reserved(&self) -> u64 {
        self.groups.reserved
    }

    /// Frames read so far.
    pub fn frame_count(&self) -> u64 {
        self.frame_count
    }

    /// Stream offsets of trace tags no request used (another tag came first), plus the tag
    /// still waiting at the end, if any.
    pub fn unused_traces(&self) -> Vec<u64> {
        let mut v = self.groups.unused_traces.clone();
        v.extend(self.groups.trace.as_ref().map(|g| g.offset));
        v
    }
}
