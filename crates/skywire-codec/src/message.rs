//! Whole messages: a request or push as the caller made it, a response as the callee made it,
//! however many frames they took on the wire.

use bytes::Bytes;

use crate::multi_part::{is_multi_part_request, is_multi_part_response};
use crate::session::Session;
use crate::target::Target;

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// `cluster.call`: a response is expected.
    Call,
    /// `cluster.send`: no response.
    Push,
    /// `cluster.query`: a call to address 0 asking for the address of a name.
    Query,
}

impl RequestKind {
    /// `"call"`, `"push"` or `"query"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Call => "call",
            RequestKind::Push => "push",
            RequestKind::Query => "query",
        }
    }
}

/// A whole request or push, reassembled if it came in parts.
///
/// `session` is the session as it was on the wire: the caller's session for a call, 0 for
/// a small push, and the session a multi-part push used up.
///
/// Whether it is a push is one fact, `push`; the session never decides it. Decoding sets
/// `push` from the wire (a one-frame request with session 0, or a multi-part push header);
/// encoding sends a push with session 0 when it fits one frame, whatever `session` holds,
/// and refuses a call with session 0 ([`PacketError::CallWithoutSession`]), which the peer
/// would take for a push.
///
/// [`PacketError::CallWithoutSession`]: crate::PacketError::CallWithoutSession
///
/// ```
/// use bytes::Bytes;
/// use skywire_codec::{Request, RequestKind, Session, Target};
/// let q = Request::call(Target::QUERY, Session::new(4), Bytes::from_static(b"\x24echo"));
/// assert_eq!(q.kind(), RequestKind::Query);
/// let frames: Vec<Vec<u8>> = q.frames().unwrap().map(|f| f.to_vec()).collect();
/// assert_eq!(frames, [b"\x00\x0e\x00\x00\x00\x00\x00\x04\x00\x00\x00\x24echo".to_vec()]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Where it goes.
    pub target: Target,
    /// The session on the wire (see above).
    pub session: Session,
    /// True for a push: no response is sent. The only source of push-ness (see above).
    pub push: bool,
    /// The trace tag sent just before it (a `0x04` packet), if any.
    pub trace: Option<Bytes>,
    /// The lua-seri payload: the packed arguments.
    pub payload: Bytes,
}

impl Request {
    /// A call to `target` with `session` (a non-zero session from a
    /// [`SessionAllocator`](crate::SessionAllocator); encoding refuses session 0).
    pub fn call(target: Target, session: Session, payload: Bytes) -> Request {
        Request {
            target,
            session,
            push: false,
            trace: None,
            payload,
        }
    }

    /// A push. `session` only matters if the payload goes multi-part; a small push goes out
    /// with session 0. [`SessionAllocator::allocate_push`](crate::SessionAllocator::allocate_push)
    /// gives the right one.
    pub fn push(target: Target, session: Session, payload: Bytes) -> Request {
        Request {
            target,
            session,
            push: true,
            trace: None,
            payload,
        }
    }

    /// The same request with a trace tag.
    pub fn with_trace(mut self, tag: impl Into<Bytes>) -> Request {
        self.trace = Some(tag.into());
        self
    }

    /// Call, push or query.
    pub fn kind(&self) -> RequestKind {
        if self.push {
            RequestKind::Push
        } else if self.target.is_query() {
            RequestKind::Query
        } else {
            RequestKind::Call
        }
    }

    /// True when the payload goes in parts.
    pub fn is_multi_part(&self) -> bool {
        is_multi_part_request(self.payload.len())
    }
}

/// A whole response, reassembled if it came in parts.
///
/// ```
/// use bytes::Bytes;
/// use skywire_codec::{Response, Session};
/// let r = Response::error(Session::new(2), "boom");
/// assert!(!r.ok);
/// assert_eq!(r.frames().unwrap().next().unwrap().to_vec(), b"\x00\x09\x02\x00\x00\x00\x00boom");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The session of the call it answers.
    pub session: Session,
    /// True for a result, false for an error.
    pub ok: bool,
    /// The lua-seri payload of the results, or the error text.
    pub payload: Bytes,
}

impl Response {
    /// A successful response carrying packed results.
    pub fn ok(session: Session, payload: Bytes) -> Response {
        Response {
            session,
            ok: true,
            payload,
        }
    }

    /// An error response. The text goes out cut to 0x8000 bytes, as skynet cuts it.
    pub fn error(session: Session, text: impl Into<Bytes>) -> Response {
        Response {
            session,
            ok: false,
            payload: text.into(),
        }
    }

    /// True when the payload goes in parts.
    pub fn is_multi_part(&self) -> bool {
        self.ok && is_multi_part_response(self.payload.len())
    }
}
