//! Reassembly: frames in, whole messages out.
//!
//! Each direction has an assembler that takes parsed packets one at a time, keeps the open
//! multi-part messages per session (frames of other sessions may come between their parts,
//! and do on real skynet traffic), and hands back a message when its last frame arrives.
//! The bookkeeping both share, with the limits, is [`PartialSet`]; which frames made each
//! message is noted, when asked, by a [`Recorder`].

/// The methods both assemblers share, read off their `partial` set of open messages
/// (`$what`: "requests" or "responses", for the docs).
macro_rules! open_set_methods {
    ($what:literal) => {
        #[doc = concat!("Number of multi-part ", $what, " still open.")]
        pub fn open_messages(&self) -> usize {
            self.partial.len()
        }

        #[doc = concat!("Bytes the open multi-part ", $what, " declared, which reassembly")]
        /// holds or may come to hold: what [`Limits::max_buffered_bytes`] bounds.
        pub fn reserved(&self) -> usize {
            self.partial.reserved()
        }

        #[doc = concat!("Changes the limits for ", $what, " opened from now on (open ones")]
        /// are kept): a node sharing one memory budget among its connections narrows each
        /// one's room.
        pub fn set_limits(&mut self, limits: Limits) {
            self.partial.set_limits(limits);
        }

        #[doc = concat!("The lowest session with an open multi-part message (", $what, ").")]
        pub fn first_open(&self) -> Option<Session> {
            self.partial.first_open()
        }

        /// See [`PartialSet::part_fits`].
        pub fn part_fits(&self, session: Session, len: usize, last: bool) -> bool {
            self.partial.part_fits(session, len, last)
        }

        /// See [`PartialSet::part_buf`].
        pub fn part_buf(&mut self, session: Session) -> Option<&mut bytes::BytesMut> {
            self.partial.part_buf(session)
        }

        /// True if the recorder keeps frame bodies (see [`Recorder::keeps_bodies`]).
        pub fn keeps_frame_bodies(&self) -> bool {
            self.recorder.keeps_bodies()
        }
    };
}

/// An assembler without a [`Recorder`]: its constructor, `push` (no frame to note) and
/// `Default`, the same for both directions (`$what`: "request" or "response", for the docs).
macro_rules! without_recorder {
    ($assembler:ident, $packet:ty, $message:ty, $what:literal) => {
        impl $assembler {
            /// An assembler with these limits.
            pub fn new(limits: Limits) -> Self {
                Self::with_recorder(limits, ())
            }

            #[doc = concat!("Takes one packet; returns a ", $what, " when one is complete.")]
            pub fn push(&mut self, packet: $packet) -> Result<Option<$message>, ReassemblyError> {
                Ok(self
                    .push_frame(packet, &NO_FRAME)?
                    .map(|(message, ())| message))
            }
        }

        impl Default for $assembler {
            fn default() -> Self {
                Self::new(Limits::default())
            }
        }
    };
}

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
