//! Which frames made each message: an opt-in recorder that reassembly carries along.
//!
//! Reassembly decides which frames belong together (a trace tag to the request after it,
//! parts to the message open on their session); a recorder only notes what it decided, so
//! a tool that shows the frames of each message (`skywire decode`, `skywire check`) does
//! not have to work it out again. The default recorder, `()`, notes nothing and costs
//! nothing: its trail is `()` and every call to it is inlined away.

use alloc::vec::Vec;
use core::fmt::Debug;

use crate::frame::Frame;

/// Notes, for each message being put together, the frames it is made of.
///
/// Implemented by `()` (nothing noted, the default of every assembler and stream decoder)
/// and [`FrameRecorder`] (each message comes out with its [`MessageFrames`]).
pub trait Recorder: Debug {
    /// What a message comes out with: `()`, or [`MessageFrames`].
    type Trail: Debug;
    /// The trail of a message whose first frame is `frame`.
    fn start(&self, frame: &Frame) -> Self::Trail;
    /// Adds the message's next frame to its trail.
    fn add(&self, trail: &mut Self::Trail, frame: &Frame);
    /// True if the recorder keeps the frames' bodies. A part read straight into its message
    /// ([`StreamDecoder::read_parts_directly`](crate::StreamDecoder::read_parts_directly))
    /// reaches [`add`](Self::add) with only its packet header as the body, so a decoder
    /// whose recorder keeps bodies never reads parts that way.
    fn keeps_bodies(&self) -> bool {
        true
    }
}

impl Recorder for () {
    type Trail = ();
    #[inline(always)]
    fn start(&self, _: &Frame) {}
    #[inline(always)]
    fn add(&self, _: &mut (), _: &Frame) {}
    #[inline(always)]
    fn keeps_bodies(&self) -> bool {
        false
    }
}

/// A recorder giving each message its [`MessageFrames`].
///
/// ```
/// use skywire_codec::{FrameRecorder, RequestAssembler, RequestDecoder, StreamDecoder, Limits};
/// // A trace tag, then a call to "@echo" (session 1) with payload `"ping"`.
/// let stream = b"\x00\x04\x04tag\x00\x10\x80\x05@echo\x01\x00\x00\x00\x24ping";
/// let recorder = FrameRecorder { keep_frames: false };
/// let mut dec = StreamDecoder::with_assembler(RequestAssembler::with_recorder(Limits::default(), recorder));
/// dec.feed(stream);
/// let (req, frames) = dec.next_recorded()?.unwrap();
/// assert_eq!(&req.trace.unwrap()[..], b"tag");
/// // The message starts at its trace tag and ends with the frame at byte 6; two frames.
/// assert_eq!((frames.offset, frames.end_offset, frames.count), (0, 6, 2));
/// # Ok::<(), skywire_codec::DecodeError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameRecorder {
    /// Keep the frames themselves in [`MessageFrames::frames`] (their bodies are slices of
    /// the reader's buffer, kept alive as long as the message's trail is).
    pub keep_frames: bool,
}

/// The frames one message was made of, in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageFrames {
    /// Stream offset of its first frame (its trace tag, if it had one).
    pub offset: u64,
    /// Stream offset of its last frame.
    pub end_offset: u64,
    /// Number of frames (trace tag included).
    pub count: usize,
    /// The frames, when the recorder keeps them ([`FrameRecorder::keep_frames`]); else empty.
    pub frames: Vec<Frame>,
}

impl Recorder for FrameRecorder {
    type Trail = MessageFrames;

    fn start(&self, frame: &Frame) -> MessageFrames {
        let mut trail = MessageFrames {
            offset: frame.offset,
            end_offset: frame.offset,
            count: 0,
            frames: Vec::new(),
        };
        self.add(&mut trail, frame);
        trail
    }

    fn add(&self, trail: &mut MessageFrames, frame: &Frame) {
        trail.end_offset = frame.offset;
        trail.count += 1;
        if self.keep_frames {
            trail.frames.push(frame.clone());
        }
    }

    fn keeps_bodies(&self) -> bool {
        self.keep_frames
    }
}
