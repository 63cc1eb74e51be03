//! Everything that can be wrong with a byte stream, as typed errors.
//!
//! Packet-level problems ([`PacketError`]) are about one frame's body; reassembly problems
//! ([`ReassemblyError`]) are about how frames of one session fit together; a [`DecodeError`]
//! wraps either with the byte offset in the stream of the frame where it was found.

use core::fmt;

use crate::session::Session;

/// What is wrong with one packet (one frame body).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PacketError {
    /// A frame with no body at all: every packet has at least a type byte.
    #[error("empty packet")]
    Empty,
    /// The type byte is not one skynet uses in this direction.
    #[error("unknown packet type 0x{ty:02x}")]
    UnknownType {
        /// The type byte found.
        ty: u8,
    },
    /// The body is too short, too long, or not the exact size its type requires.
    #[error("packet type 0x{ty:02x} is {len} bytes, {rule}")]
    BadLength {
        /// The type byte.
        ty: u8,
        /// The body length found (type byte included).
        len: usize,
        /// What the type requires.
        rule: LengthRule,
    },
    /// A by-name packet with a zero-length name.
    #[error("zero-length service name")]
    EmptyName,
    /// A name longer than 255 bytes (only when building a target: the wire cannot carry one).
    #[error("service name of {len} bytes, at most 255 fit")]
    NameTooLong {
        /// The name's length.
        len: usize,
    },
    /// A packet being built whose body would exceed the 65535 bytes a frame can carry.
    #[error("packet body of {len} bytes does not fit a frame (at most 65535)")]
    BodyTooLarge {
        /// The body length it would have.
        len: usize,
    },
    /// A multi-part header or part with session 0 (a multi-part message always has a real
    /// session: its parts are tied together by it).
    #[error("multi-part packet type 0x{ty:02x} with session 0")]
    ZeroSession {
        /// The type byte.
        ty: u8,
    },
    /// A call (not a push) being built with session 0: on the wire session 0 marks a push,
    /// so the peer would take it for one and never answer.
    #[error("a call with session 0 (session 0 marks a push)")]
    CallWithoutSession,
}

/// The size rule a packet type imposes on its body (type byte included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthRule {
    /// The body must be at least this long.
    AtLeast(usize),
    /// The body must be exactly this long.
    Exactly(usize),
}

impl fmt::Display for LengthRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LengthRule::AtLeast(n) => write!(f, "needs at least {n}"),
            LengthRule::Exactly(n) => write!(f, "must be exactly {n}"),
        }
    }
}

/// What is wrong with how the frames of one session fit together, or with the resources
/// they would need.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReassemblyError {
    /// A part (request `0x02`/`0x03`, response `3`/`4`) for a session with no open
    /// multi-part message.
    #[error("session {session}: part with no multi-part header")]
    PartWithoutHeader {
        /// The part's session.
        session: Session,
    },
    /// A new message (a header or a single-packet message) on a session whose multi-part
    /// message is still open.
    #[error("session {session}: new message while its multi-part message is still open")]
    SessionInUse {
        /// The session.
        session: Session,
    },
    /// The parts carried more bytes than the header declared, or the last part arrived
    /// with fewer.
    #[error("session {session}: header declared {declared} bytes, parts carry {received}")]
    SizeMismatch {
        /// The session.
        session: Session,
        /// The size the header declared.
        declared: u64,
        /// The bytes the parts carried (so far, when too many).
        received: u64,
    },
    /// A header declared a message larger than [`Limits::max_message_size`](crate::Limits).
    #[error("session {session}: message of {size} bytes exceeds the limit of {limit}")]
    MessageTooLarge {
        /// The session.
        session: Session,
        /// The declared size.
        size: u64,
        /// The configured limit.
        limit: usize,
    },
    /// Opening another multi-part message would exceed
    /// [`Limits::max_partial_messages`](crate::Limits).
    #[error("session {session}: more than {limit} multi-part messages open at once")]
    TooManyPartial {
        /// The session of the message that did not fit.
        session: Session,
        /// The configured limit.
        limit: usize,
    },
    /// Opening another multi-part message would make the bytes reserved for open messages
    /// exceed [`Limits::max_buffered_bytes`](crate::Limits).
    #[error("session {session}: {size} more bytes would exceed the buffer limit of {limit} ({buffered} in use)")]
    BufferLimit {
        /// The session of the message that did not fit.
        session: Session,
        /// Its declared size.
        size: u64,
        /// Bytes already reserved by open messages.
        buffered: usize,
        /// The configured limit.
        limit: usize,
    },
}

impl ReassemblyError {
    /// The session the error is about.
    pub fn session(&self) -> Session {
        match self {
            ReassemblyError::PartWithoutHeader { session }
            | ReassemblyError::SessionInUse { session }
            | ReassemblyError::SizeMismatch { session, .. }
            | ReassemblyError::MessageTooLarge { session, .. }
            | ReassemblyError::TooManyPartial { session, .. }
            | ReassemblyError::BufferLimit { session, .. } => *session,
        }
    }
}

/// What went wrong while decoding a stream.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// A malformed packet.
    #[error(transparent)]
    Packet(#[from] PacketError),
    /// Frames that do not fit together, or a limit.
    #[error(transparent)]
    Reassembly(#[from] ReassemblyError),
    /// The stream ended inside a frame.
    #[error("stream ends inside a frame: {needed} bytes announced, {available} present")]
    TruncatedFrame {
        /// Bytes the frame header announced (header included).
        needed: usize,
        /// Bytes the stream still held.
        available: usize,
    },
    /// The stream ended with multi-part messages still open.
    #[error("stream ends with {open} multi-part message(s) unfinished (first: session {first})")]
    Unfinished {
        /// How many were open.
        open: usize,
        /// The lowest open session.
        first: Session,
    },
}

/// A decoding error with the byte offset, from the start of the stream, of the frame where it
/// was found (or of the end of the stream for [`DecodeErrorKind::Unfinished`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct DecodeError {
    offset: u64,
    kind: DecodeErrorKind,
}

impl DecodeError {
    /// Makes an error at `offset`.
    pub fn new(offset: u64, kind: impl Into<DecodeErrorKind>) -> Self {
        DecodeError {
            offset,
            kind: kind.into(),
        }
    }

    /// Byte offset in the stream of the frame (its length header) where the error was found.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// What went wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }

    /// The session concerned, when the error is about one.
    pub fn session(&self) -> Option<Session> {
        match &self.kind {
            DecodeErrorKind::Reassembly(r) => Some(r.session()),
            DecodeErrorKind::Unfinished { first, .. } => Some(*first),
            _ => None,
        }
    }
}
