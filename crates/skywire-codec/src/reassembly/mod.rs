//! Reassembly: frames in, whole messages out.
//!
//! Each direction has an assembler that takes parsed packets one at a time, keeps the open
//! multi-part messages per session (frames of other sessions may come between their parts,
//! and do on real skynet traffic), and hands back a message when its last frame arrives.
//! The bookkeeping both share, with the limits, is [`PartialSet`]; which frames made each
//! message is noted, when asked, by a [`Recorder`].

mod partial;
mod recorder;
mod request;
mod response;

pub use partial::PartialSet;
pub use recorder::{FrameRecorder, MessageFrames, Recorder};
pub use request::RequestAssembler;
pub use response::ResponseAssembler;

use crate::frame::Frame;

/// The frame `push` (no frame given) hands a recorder: only `()` ever sees it, and ignores it.
static NO_FRAME: Frame = Frame {
    offset: 0,
    body: bytes::Bytes::new(),
};
