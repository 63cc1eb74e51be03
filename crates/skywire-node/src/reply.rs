//! A service's answer on its way to the outbox: a [`Response`], or an ok response whose
//! payload is a [`Rope`] referencing the large strings it answers with.
//!
//! A service that answers with values (an echo returning its arguments, a proxy passing a
//! result on) often returns strings that are slices of the request it received. Packing
//! them into one buffer would copy each again; packed with `skywire_seri::pack_chunks`
//! ([`crate::pack::pack_answer`]), the large ones go to the socket from the bytes they came
//! in, in the outbox's vectored writes.

use skywire_codec::{PacketError, Response, ResponseFrames, Rope, Session};

/// One response to send.
pub(crate) enum Reply {
    /// Whole: an error, a payload packed by the service itself, a small answer.
    Whole(Response),
    /// An ok response on this session, its payload in chunks.
    Rope(Session, Rope),
}

impl Reply {
    /// Bytes of the payload.
    pub(crate) fn payload_len(&self) -> usize {
        match self {
            Reply::Whole(r) => r.payload.len(),
            Reply::Rope(_, rope) => rope.len(),
        }
    }

    /// Its frames, as [`Response::frames`] cuts them.
    pub(crate) fn frames(self) -> Result<ResponseFrames, PacketError> {
        match self {
            Reply::Whole(r) => r.frames(),
            Reply::Rope(session, rope) => ResponseFrames::ok_rope(session, rope),
        }
    }

    /// The response whole, for a trace hook (a rope is joined: a copy, made only for a
    /// hook).
    pub(crate) fn to_response(&self) -> Response {
        match self {
            Reply::Whole(r) => r.clone(),
            Reply::Rope(session, rope) => Response::ok(*session, rope.to_bytes()),
        }
    }
}

impl From<Response> for Reply {
    fn from(r: Response) -> Reply {
        Reply::Whole(r)
    }
}
