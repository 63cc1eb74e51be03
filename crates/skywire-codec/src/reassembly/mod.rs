//! Reassembly: frames in, whole messages out.
//!
//! Each direction has an assembler that takes parsed packets one at a time, keeps the open
//! multi-part messages per session (frames of other sessions may come between their parts,
//! and do on real skynet traffic), and hands back a message when its last frame arrives.
//! The bookkeeping both share, with the limits, is [`PartialSet`].

mod partial;
mod request;
mod response;

pub use partial::PartialSet;
pub use request::RequestAssembler;
pub use response::ResponseAssembler;
