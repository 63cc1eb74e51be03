//! A reference decoder written from `spec/protocol.md` and `spec/errors.md` without using
//! the codec's parsers or assemblers: framing, packet parsing for both directions, and
//! reassembly with [`Limits`]. It only builds the codec's result types so that outcomes
//! can be compared with `==`.
//!
//! It is deliberately plain (byte indexing, a `Vec` of open messages) and slow.

use bytes::Bytes;
use skywire_codec::{
    DecodeError, DecodeErrorKind, LengthRule, Limits, PacketError, ReassemblyError, Request,
    Response, Session, Target,
};

/// Every message or error a stream gives, in order, and what the end of the stream says.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcomes<M> {
    /// One entry per message completed or error found.
    pub items: Vec<Result<M, DecodeError>>,
    /// The end-of-stream check.
    pub finish: Result<(), DecodeError>,
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// One open multi-part message.
struct Open<H> {
    session: Session,
    declared: u64,
    data: Vec<u8>,
    head: H,
}

/// Open multi-part messages and the limit rules of `spec/errors.md` ("Reassembly").
struct Partials<H> {
    open: Vec<Open<H>>,
    limits: Limits,
}

impl<H> Partials<H> {
    fn new(limits: Limits) -> Self {
        Partials {
            open: Vec::new(),
            limits,
        }
    }

    fn find(&self, s: Session) -> Option<usize> {
        self.open.iter().position(|o| o.session == s)
    }

    fn reserved(&self) -> u64 {
        self.open.iter().map(|o| o.declared).sum()
    }

    /// A header: refused if the session is busy (which drops the open message), too big,
    /// one too many, or over the buffer budget.
    fn open(&mut self, session: Session, size: u32, head: H) -> Result<(), ReassemblyError> {
        if let Some(i) = self.find(session) {
            self.open.remove(i);
            return Err(ReassemblyError::SessionInUse { session });
        }
        let size = u64::from(size);
        if size > self.limits.max_message_size() as u64 {
            return Err(ReassemblyError::MessageTooLarge {
                session,
                size,
                limit: self.limits.max_message_size(),
            });
        }
        if self.open.len() >= self.limits.max_partial_messages() {
            return Err(ReassemblyError::TooManyPartial {
                session,
                limit: self.limits.max_partial_messages(),
            });
        }
        let reserved = self.reserved();
        if reserved + size > self.limits.max_buffered_bytes() as u64 {
            return Err(ReassemblyError::BufferLimit {
                session,
                size,
                buffered: reserved as usize,
                limit: self.limits.max_buffered_bytes(),
            });
        }
        self.open.push(Open {
            session,
            declared: size,
            data: Vec::new(),
            head,
        });
        Ok(())
    }

    /// A one-packet message may not land on a session with an open message.
    fn single(&mut self, session: Session) -> Result<(), ReassemblyError> {
        match self.find(session) {
            Some(i) => {
                self.open.remove(i);
                Err(ReassemblyError::SessionInUse { session })
            }
            None => Ok(()),
        }
    }

    /// A part: the whole message when it was the last.
    fn part(
        &mut self,
        session: Session,
        data: &[u8],
        last: bool,
    ) -> Result<Option<(H, Bytes)>, ReassemblyError> {
        let Some(i) = self.find(session) else {
            return Err(ReassemblyError::PartWithoutHeader { session });
        };
        let received = (self.open[i].data.len() + data.len()) as u64;
        let declared = self.open[i].declared;
        if received > declared || (last && received != declared) {
            self.open.remove(i);
            return Err(ReassemblyError::SizeMismatch {
                session,
                declared,
                received,
            });
        }
        self.open[i].data.extend_from_slice(data);
        if !last {
            return Ok(None);
        }
        let o = self.open.remove(i);
        Ok(Some((o.head, Bytes::from(o.data))))
    }

    fn finish(&self, offset: u64) -> Result<(), DecodeError> {
        match self.open.iter().map(|o| o.session).min() {
            None => Ok(()),
            Some(first) => Err(DecodeError::new(
                offset,
                DecodeErrorKind::Unfinished {
                    open: self.open.len(),
                    first,
                },
            )),
        }
    }
}

/// One direction's packet rules, as the model applies them to each frame body.
trait Direction {
    type Message;
    fn frame(&mut self, body: &[u8]) -> Result<Option<Self::Message>, DecodeErrorKind>;
    fn finish(&self, offset: u64) -> Result<(), DecodeError>;
}

/// Splits `data` into frames (2-byte big-endian length, body) and runs each body through
/// `dir`; errors carry the frame's offset.
fn run<D: Direction>(mut dir: D, data: &[u8]) -> Outcomes<D::Message> {
    let mut items = Vec::new();
    let mut pos = 0usize;
    loop {
        let rest = &data[pos..];
        if rest.len() < 2 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        if rest.len() < 2 + len {
            break;
        }
        let body = &rest[2..2 + len];
        match dir.frame(body) {
            Ok(Some(m)) => items.push(Ok(m)),
            Ok(None) => {}
            Err(kind) => items.push(Err(DecodeError::new(pos as u64, kind))),
        }
        pos += 2 + len;
    }
    let rest = &data[pos..];
    let finish = if rest.is_empty() {
        dir.finish(pos as u64)
    } else {
        let needed = if rest.len() >= 2 {
            2 + usize::from(u16::from_be_bytes([rest[0], rest[1]]))
        } else {
            2
        };
        Err(DecodeError::new(
            pos as u64,
            DecodeErrorKind::TruncatedFrame {
                needed,
                available: rest.len(),
            },
        ))
    };
    Outcomes { items, finish }
}

fn at_least(ty: u8, len: usize, min: usize) -> Result<(), PacketError> {
    if len < min {
        return Err(PacketError::BadLength {
            ty,
            len,
            rule: LengthRule::AtLeast(min),
        });
    }
    Ok(())
}

fn exactly(ty: u8, len: usize, want: usize) -> Result<(), PacketError> {
    if len != want {
        return Err(PacketError::BadLength {
            ty,
            len,
            rule: LengthRule::Exactly(want),
        });
    }
    Ok(())
}

/// What a multi-part request keeps from its header.
struct ReqHead {
    target: Target,
    push: bool,
    trace: Option<Bytes>,
}

struct Requests {
    partial: Partials<ReqHead>,
    trace: Option<Bytes>,
}

/// A parsed request-direction packet (the model's own type).
enum ReqPacket {
    Whole(Target, Session, Bytes),
    Header(Target, Session, u32, bool),
    Part(Session, Bytes, bool),
    Trace(Bytes),
}

/// `spec/protocol.md` request packets and `spec/errors.md` "Request-direction packets".
fn parse_request(b: &[u8]) -> Result<ReqPacket, PacketError> {
    let len = b.len();
    let Some(&ty) = b.first() else {
        return Err(PacketError::Empty);
    };
    let name_len = |b: &[u8]| -> Result<usize, PacketError> {
        at_least(ty, len, 2)?;
        match b[1] {
            0 => Err(PacketError::EmptyName),
            k => Ok(usize::from(k)),
        }
    };
    let bytes = |r: core::ops::Range<usize>| Bytes::copy_from_slice(&b[r]);
    Ok(match ty {
        0x00 => {
            at_least(ty, len, 9)?;
            ReqPacket::Whole(
                Target::Address(le32(b, 1)),
                Session::new(le32(b, 5)),
                bytes(9..len),
            )
        }
        0x80 => {
            let k = name_len(b)?;
            at_least(ty, len, 6 + k)?;
            ReqPacket::Whole(
                Target::Name(bytes(2..2 + k)),
                Session::new(le32(b, 2 + k)),
                bytes(6 + k..len),
            )
        }
        0x01 | 0x41 => {
            exactly(ty, len, 13)?;
            let session = le32(b, 5);
            if session == 0 {
                return Err(PacketError::ZeroSession { ty });
            }
            ReqPacket::Header(
                Target::Address(le32(b, 1)),
                Session::new(session),
                le32(b, 9),
                ty == 0x41,
            )
        }
        0x81 | 0xc1 => {
            let k = name_len(b)?;
            exactly(ty, len, 10 + k)?;
            let session = le32(b, 2 + k);
            if session == 0 {
                return Err(PacketError::ZeroSession { ty });
            }
            ReqPacket::Header(
                Target::Name(bytes(2..2 + k)),
                Session::new(session),
                le32(b, 6 + k),
                ty == 0xc1,
            )
        }
        0x02 | 0x03 => {
            at_least(ty, len, 5)?;
            ReqPacket::Part(Session::new(le32(b, 1)), bytes(5..len), ty == 0x03)
        }
        0x04 => ReqPacket::Trace(bytes(1..len)),
        _ => return Err(PacketError::UnknownType { ty }),
    })
}

impl Direction for Requests {
    type Message = Request;

    fn frame(&mut self, body: &[u8]) -> Result<Option<Request>, DecodeErrorKind> {
        match parse_request(body)? {
            ReqPacket::Trace(tag) => {
                self.trace = Some(tag);
                Ok(None)
            }
            ReqPacket::Whole(target, session, payload) => {
                let trace = self.trace.take();
                if !session.is_push() {
                    self.partial.single(session)?;
                }
                Ok(Some(Request {
                    target,
                    session,
                    push: session.is_push(),
                    trace,
                    payload,
                }))
            }
            ReqPacket::Header(target, session, size, push) => {
                let trace = self.trace.take();
                self.partial.open(
                    session,
                    size,
                    ReqHead {
                        target,
                        push,
                        trace,
                    },
                )?;
                Ok(None)
            }
            ReqPacket::Part(session, data, last) => Ok(self
                .partial
                .part(session, &data, last)?
                .map(|(h, payload)| Request {
                    target: h.target,
                    session,
                    push: h.push,
                    trace: h.trace,
                    payload,
                })),
        }
    }

    fn finish(&self, offset: u64) -> Result<(), DecodeError> {
        self.partial.finish(offset)
    }
}

struct Responses {
    partial: Partials<()>,
}

impl Direction for Responses {
    type Message = Response;

    /// `spec/protocol.md` response packets and `spec/errors.md` "Response-direction
    /// packets": `u32 session`, `u8 type`, then the rest.
    fn frame(&mut self, b: &[u8]) -> Result<Option<Response>, DecodeErrorKind> {
        let len = b.len();
        if len == 0 {
            return Err(PacketError::Empty.into());
        }
        // Too short to hold the type byte: reported with type 0.
        at_least(0, len, 5)?;
        let session = Session::new(le32(b, 0));
        let ty = b[4];
        let rest = Bytes::copy_from_slice(&b[5..]);
        match ty {
            0 | 1 => {
                self.partial.single(session)?;
                Ok(Some(Response {
                    session,
                    ok: ty == 1,
                    payload: rest,
                }))
            }
            2 => {
                exactly(ty, len, 9)?;
                if session.is_push() {
                    return Err(PacketError::ZeroSession { ty }.into());
                }
                self.partial.open(session, le32(b, 5), ())?;
                Ok(None)
            }
            3 | 4 => Ok(self
                .partial
                .part(session, &rest, ty == 4)?
                .map(|((), payload)| Response {
                    session,
                    ok: true,
                    payload,
                })),
            _ => Err(PacketError::UnknownType { ty }.into()),
        }
    }

    fn finish(&self, offset: u64) -> Result<(), DecodeError> {
        self.partial.finish(offset)
    }
}

/// What the spec says a request-direction stream decodes to.
pub fn requests(limits: Limits, data: &[u8]) -> Outcomes<Request> {
    run(
        Requests {
            partial: Partials::new(limits),
            trace: None,
        },
        data,
    )
}

/// What the spec says a response-direction stream decodes to.
pub fn responses(limits: Limits, data: &[u8]) -> Outcomes<Response> {
    run(
        Responses {
            partial: Partials::new(limits),
        },
        data,
    )
}
