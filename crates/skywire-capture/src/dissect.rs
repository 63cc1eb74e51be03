//! One direction of a cluster connection taken apart: frames, the packet each frame holds,
//! and the whole messages they make, with the stream offsets and (when asked) the frames
//! that carried each message.
//!
//! A [`StreamDissector`] is fed the direction's bytes in any chunks and steps through it
//! one frame at a time: every [`Step`] has the frame and its parsed [`Packet`], and the
//! [`Decoded`] message when that frame completed one. Messages come out in the order their
//! last frame arrived (wire order). Which frames belong to which message is what the
//! codec's reassembly decided (a trace tag frame belongs to the request or multi-part header
//! after it, the parts of a multi-part message to the message open on their session), as
//! its [`FrameRecorder`] reports it: this module holds no reassembly state of its own.
//!
//! ```
//! use skywire_capture::dissect::{Message, StreamDissector};
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

use bytes::BytesMut;
use skywire_codec::{
    Assemble, DecodeError, Frame, FrameRecorder, Limits, MessageFrames, Request, RequestAssembler,
    RequestPacket, Response, ResponseAssembler, ResponsePacket, Session, StreamDecoder,
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

/// One direction's stream decoder, recording each message's frames.
#[derive(Debug)]
enum Decoder {
    Requests(StreamDecoder<RequestAssembler<FrameRecorder>>),
    Responses(StreamDecoder<ResponseAssembler<FrameRecorder>>),
}

/// Takes one direction of a connection apart (see the [module docs](self)): the codec's
/// stream decoder does the work, with a [`FrameRecorder`] noting each message's frames.
#[derive(Debug)]
pub struct StreamDissector {
    buf: BytesMut,
    decoder: Decoder,
    frame_count: u64,
}

impl StreamDissector {
    /// A dissector for the request direction (client to server). With `keep_frames`, each
    /// [`Decoded`] carries its frames.
    pub fn requests(keep_frames: bool) -> Self {
        Self::new(Decoder::Requests(StreamDecoder::with_assembler(
            RequestAssembler::with_recorder(Limits::default(), FrameRecorder { keep_frames }),
        )))
    }

    /// A dissector for the response direction (server to client).
    pub fn responses(keep_frames: bool) -> Self {
        Self::new(Decoder::Responses(StreamDecoder::with_assembler(
            ResponseAssembler::with_recorder(Limits::default(), FrameRecorder { keep_frames }),
        )))
    }

    fn new(decoder: Decoder) -> Self {
        StreamDissector {
            buf: BytesMut::new(),
            decoder,
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
        let buf = &mut self.buf;
        let step = match &mut self.decoder {
            Decoder::Requests(d) => step(d, buf, Packet::Request, Message::Request),
            Decoder::Responses(d) => step(d, buf, Packet::Response, Message::Response),
        };
        // A frame that failed was read too.
        if matches!(step, Ok(Some(_)) | Err(_)) {
            self.frame_count += 1;
        }
        step
    }

    /// At the end of the stream: fails if it ends inside a frame or with a multi-part
    /// message unfinished.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match &self.decoder {
            Decoder::Requests(d) => d.finish_with(&self.buf),
            Decoder::Responses(d) => d.finish_with(&self.buf),
        }
    }

    /// Stream offset of the next frame (= bytes consumed in whole frames).
    pub fn offset(&self) -> u64 {
        match &self.decoder {
            Decoder::Requests(d) => d.offset(),
            Decoder::Responses(d) => d.offset(),
        }
    }

    /// Bytes the multi-part messages open in this stream declared: what reassembling them
    /// will hold.
    pub fn reserved(&self) -> u64 {
        let reserved = match &self.decoder {
            Decoder::Requests(d) => d.assembler().reserved(),
            Decoder::Responses(d) => d.assembler().reserved(),
        };
        reserved as u64
    }

    /// Frames read so far.
    pub fn frame_count(&self) -> u64 {
        self.frame_count
    }
}

/// One step of `decoder` over `buf`, its packet and message put in the direction's variant.
fn step<A: Assemble<Trail = MessageFrames>>(
    decoder: &mut StreamDecoder<A>,
    buf: &mut BytesMut,
    packet: fn(A::Packet) -> Packet,
    message: fn(A::Message) -> Message,
) -> Result<Option<Step>, DecodeError> {
    Ok(decoder.step(buf)?.map(|s| Step {
        frame: s.frame,
        packet: packet(s.packet),
        message: s.message.map(|(m, trail)| Decoded::new(message(m), trail)),
    }))
}

impl Decoded {
    fn new(message: Message, trail: MessageFrames) -> Decoded {
        Decoded {
            message,
            offset: trail.offset,
            end_offset: trail.end_offset,
            frame_count: trail.count,
            frames: trail.frames,
        }
    }
}
