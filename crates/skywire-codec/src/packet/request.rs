//! Request-direction packets (sender -> agent): what `clustersender` writes and
//! `clusteragent` reads.
//!
//! | type | packet | body after the type byte | body size |
//! |---|---|---|---|
//! | `0x00` | request / small push, numeric target | `u32 addr`, `u32 session`, payload | 9 + n |
//! | `0x80` | request / small push, by name | `u8 len`, name, `u32 session`, payload | 6 + len + n |
//! | `0x01` / `0x41` | multi-part request / push header, numeric | `u32 addr`, `u32 session`, `u32 size` | 13 |
//! | `0x81` / `0xc1` | multi-part request / push header, by name | `u8 len`, name, `u32 session`, `u32 size` | 10 + len |
//! | `0x02` / `0x03` | part / last part | `u32 session`, data | 5 + n |
//! | `0x04` | trace tag for the next request | tag | 1 + n |

use bytes::{BufMut, Bytes};
use nom::bytes::complete::take;
use nom::number::complete::u8 as byte;
use nom::{IResult, Parser};

use super::{tail_of, u32_field};
use crate::error::{LengthRule, PacketError};
use crate::out_frame::{HeadWriter, OutFrame};
use crate::rope::Piece;
use crate::session::Session;
use crate::target::{check_name_len, Target};

/// `0x00`: a request (or a small push, session 0) to a numeric address, payload inline.
pub const REQUEST_ADDR: u8 = 0x00;
/// `0x01`: header of a multi-part request to a numeric address.
pub const MULTI_REQUEST_ADDR: u8 = 0x01;
/// `0x02`: a part of a multi-part request or push; more parts follow.
pub const PART: u8 = 0x02;
/// `0x03`: the last part of a multi-part request or push.
pub const LAST_PART: u8 = 0x03;
/// `0x04`: a trace tag that applies to the next request.
pub const TRACE: u8 = 0x04;
/// `0x41`: header of a multi-part push to a numeric address.
pub const MULTI_PUSH_ADDR: u8 = 0x41;
/// `0x80`: a request (or a small push, session 0) to a name, payload inline.
pub const REQUEST_NAME: u8 = 0x80;
/// `0x81`: header of a multi-part request to a name.
pub const MULTI_REQUEST_NAME: u8 = 0x81;
/// `0xc1`: header of a multi-part push to a name.
pub const MULTI_PUSH_NAME: u8 = 0xc1;

/// Fixed bytes of a `0x00` body: type, address, session.
const REQUEST_ADDR_FIXED: usize = 1 + 4 + 4;
/// Fixed bytes of a `0x80` body besides the name: type, name length, session.
const REQUEST_NAME_FIXED: usize = 1 + 1 + 4;
/// Size of a `0x01` / `0x41` body: type, address, session, total size.
const MULTI_ADDR_LEN: usize = 1 + 4 + 4 + 4;
/// Fixed bytes of a `0x81` / `0xc1` body besides the name: type, name length, session, size.
const MULTI_NAME_FIXED: usize = 1 + 1 + 4 + 4;
/// Fixed bytes of a part body: type, session.
pub(crate) const PART_FIXED: usize = 1 + 4;

/// One request-direction packet, its byte fields as zero-copy slices of the frame body.
///
/// ```
/// use bytes::Bytes;
/// use skywire_codec::{RequestPacket, Session, Target};
/// // A call to "@echo", session 1, payload `"ping"` packed by lua-seri.
/// let body = Bytes::from_static(b"\x80\x05@echo\x01\x00\x00\x00\x24ping");
/// let p = RequestPacket::parse(&body).unwrap();
/// assert_eq!(p, RequestPacket::Request {
///     target: Target::name("@echo").unwrap(),
///     session: Session::new(1),
///     payload: Bytes::from_static(b"\x24ping"),
/// });
/// assert_eq!(&p.to_frame().unwrap().body_to_vec()[..], &body[..]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestPacket {
    /// `0x00` / `0x80`: a whole request; session 0 makes it a push.
    Request {
        /// Where it goes.
        target: Target,
        /// The caller's session; 0 for a push.
        session: Session,
        /// The lua-seri payload.
        payload: Bytes,
    },
    /// `0x01` / `0x41` / `0x81` / `0xc1`: opens a multi-part request or push.
    MultiHeader {
        /// Where it goes.
        target: Target,
        /// The session that ties the parts together (a push uses one up too).
        session: Session,
        /// Total payload size the parts will carry.
        size: u32,
        /// True for a push (`0x41` / `0xc1`): no response.
        push: bool,
    },
    /// `0x02` / `0x03`: a piece of a multi-part payload.
    Part {
        /// The session of the header it belongs to.
        session: Session,
        /// The bytes.
        data: Bytes,
        /// True for `0x03`, the last part.
        last: bool,
    },
    /// `0x04`: a trace tag for the request that follows.
    Trace {
        /// The tag bytes.
        tag: Bytes,
    },
}

fn at_least(ty: u8, len: usize, min: usize) -> Result<(), PacketError> {
    if len < min {
        Err(PacketError::BadLength {
            ty,
            len,
            rule: LengthRule::AtLeast(min),
        })
    } else {
        Ok(())
    }
}

fn exactly(ty: u8, len: usize, want: usize) -> Result<(), PacketError> {
    if len != want {
        Err(PacketError::BadLength {
            ty,
            len,
            rule: LengthRule::Exactly(want),
        })
    } else {
        Ok(())
    }
}

/// `u32 addr`, `u32 session`.
fn addr_session(input: &[u8]) -> IResult<&[u8], (u32, u32)> {
    (u32_field, u32_field).parse(input)
}

/// `u8 len`, name.
fn name_field(input: &[u8]) -> IResult<&[u8], &[u8]> {
    let (input, len) = byte(input)?;
    take(len).parse(input)
}

/// Lengths were checked before any field parser runs, so a parser can only fail if this
/// module has a bug; it is reported as a length error rather than a panic.
fn field_error(ty: u8, len: usize) -> PacketError {
    PacketError::BadLength {
        ty,
        len,
        rule: LengthRule::AtLeast(len + 1),
    }
}

impl RequestPacket {
    /// Parses one frame body. Strings and payloads in the result share `body`'s memory.
    pub fn parse(body: &Bytes) -> Result<RequestPacket, PacketError> {
        let len = body.len();
        let (&ty, fields) = body.split_first().ok_or(PacketError::Empty)?;
        let bad = |_| field_error(ty, len);
        match ty {
            REQUEST_ADDR => {
                at_least(ty, len, REQUEST_ADDR_FIXED)?;
                let (rest, (addr, session)) = addr_session(fields).map_err(bad)?;
                Ok(RequestPacket::Request {
                    target: Target::Address(addr),
                    session: Session::new(session),
                    payload: tail_of(body, rest),
                })
            }
            REQUEST_NAME => {
                let name_len = named_len(ty, body)?;
                at_least(ty, len, REQUEST_NAME_FIXED + name_len)?;
                let (rest, (name, session)) = (name_field, u32_field).parse(fields).map_err(bad)?;
                Ok(RequestPacket::Request {
                    target: Target::Name(body.slice_ref(name)),
                    session: Session::new(session),
                    payload: tail_of(body, rest),
                })
            }
            MULTI_REQUEST_ADDR | MULTI_PUSH_ADDR => {
                exactly(ty, len, MULTI_ADDR_LEN)?;
                let (_, ((addr, session), size)) =
                    (addr_session, u32_field).parse(fields).map_err(bad)?;
                multi_header(ty, Target::Address(addr), session, size)
            }
            MULTI_REQUEST_NAME | MULTI_PUSH_NAME => {
                let name_len = named_len(ty, body)?;
                exactly(ty, len, MULTI_NAME_FIXED + name_len)?;
                let (_, (name, session, size)) = (name_field, u32_field, u32_field)
                    .parse(fields)
                    .map_err(bad)?;
                multi_header(ty, Target::Name(body.slice_ref(name)), session, size)
            }
            PART | LAST_PART => {
                at_least(ty, len, PART_FIXED)?;
                let (rest, session) = u32_field(fields).map_err(bad)?;
                Ok(RequestPacket::Part {
                    session: Session::new(session),
                    data: tail_of(body, rest),
                    last: ty == LAST_PART,
                })
            }
            TRACE => Ok(RequestPacket::Trace {
                tag: body.slice(1..),
            }),
            _ => Err(PacketError::UnknownType { ty }),
        }
    }

    /// The packet's type byte.
    pub fn type_byte(&self) -> u8 {
        match self {
            RequestPacket::Request { target, .. } => request_type(target),
            RequestPacket::MultiHeader { target, push, .. } => multi_header_type(target, *push),
            RequestPacket::Part { last: false, .. } => PART,
            RequestPacket::Part { last: true, .. } => LAST_PART,
            RequestPacket::Trace { .. } => TRACE,
        }
    }

    /// The session the packet carries (none for a trace tag).
    pub fn session(&self) -> Option<Session> {
        match self {
            RequestPacket::Request { session, .. }
            | RequestPacket::MultiHeader { session, .. }
            | RequestPacket::Part { session, .. } => Some(*session),
            RequestPacket::Trace { .. } => None,
        }
    }

    /// Builds the frame for this packet; the payload, part data or tag is not copied.
    /// Fails if a name is empty or longer than 255 bytes, the body exceeds a frame, or a
    /// multi-part header has session 0 ([`PacketError::ZeroSession`]: [`parse`](Self::parse)
    /// refuses that packet, so it is never built either).
    pub fn to_frame(&self) -> Result<OutFrame, PacketError> {
        match self {
            RequestPacket::Request {
                target,
                session,
                payload,
            } => request_frame(target, *session, payload.clone()),
            RequestPacket::MultiHeader {
                target,
                session,
                size,
                push,
            } => multi_header_frame(target, *session, *size, *push),
            RequestPacket::Part {
                session,
                data,
                last,
            } => part_frame(*session, Piece::whole(data.clone()), *last),
            RequestPacket::Trace { tag } => OutFrame::build(tag.clone()).u8(TRACE).finish(),
        }
    }
}

// The frame builders below take the fields themselves, so that fragmentation can build a
// request's frames straight from the `Request` (cloning a packet value first would cost
// reference-count updates on the payload and the target name for nothing).

/// The type byte of a `0x00` / `0x80` request to `target`.
fn request_type(target: &Target) -> u8 {
    match target {
        Target::Address(_) => REQUEST_ADDR,
        Target::Name(_) => REQUEST_NAME,
    }
}

/// The type byte of a multi-part request or push header to `target`.
fn multi_header_type(target: &Target, push: bool) -> u8 {
    match (target, push) {
        (Target::Address(_), false) => MULTI_REQUEST_ADDR,
        (Target::Address(_), true) => MULTI_PUSH_ADDR,
        (Target::Name(_), false) => MULTI_REQUEST_NAME,
        (Target::Name(_), true) => MULTI_PUSH_NAME,
    }
}

/// The head of a `0x00` / `0x80` request (or small push, session 0) to `target`.
#[inline]
fn request_head<D: AsRef<[u8]>>(
    w: &mut HeadWriter<D>,
    target: &Target,
    session: Session,
) -> Result<(), PacketError> {
    with_target(w.u8(request_type(target)), target)?.u32_le(session.get());
    Ok(())
}

/// The frame of a `0x00` / `0x80` request (or small push, session 0) carrying `payload`.
pub(crate) fn request_frame(
    target: &Target,
    session: Session,
    payload: Bytes,
) -> Result<OutFrame, PacketError> {
    let mut w = OutFrame::build(payload);
    request_head(&mut w, target, session)?;
    w.finish()
}

/// Copies the frame [`request_frame`] would build into `dst`; nothing is written if it
/// fails.
pub(crate) fn write_request_frame(
    dst: &mut impl BufMut,
    target: &Target,
    session: Session,
    payload: &[u8],
) -> Result<(), PacketError> {
    let mut w = HeadWriter::new(payload);
    request_head(&mut w, target, session)?;
    w.write_into(dst)
}

/// The frame of a multi-part header; refuses session 0 (every decoder refuses it).
pub(crate) fn multi_header_frame(
    target: &Target,
    session: Session,
    size: u32,
    push: bool,
) -> Result<OutFrame, PacketError> {
    let ty = multi_header_type(target, push);
    if session.is_push() {
        return Err(PacketError::ZeroSession { ty });
    }
    with_target(OutFrame::build(Bytes::new()).u8(ty), target)?
        .u32_le(session.get())
        .u32_le(size)
        .finish()
}

/// The frame of a part (`0x02`) or last part (`0x03`).
pub(crate) fn part_frame(
    session: Session,
    data: Piece,
    last: bool,
) -> Result<OutFrame, PacketError> {
    OutFrame::of_piece(data, |w| {
        w.u8(if last { LAST_PART } else { PART })
            .u32_le(session.get())
    })
}

/// The name length byte of a by-name packet, checked to be present and non-zero.
fn named_len(ty: u8, body: &[u8]) -> Result<usize, PacketError> {
    match body.get(1) {
        None => Err(PacketError::BadLength {
            ty,
            len: body.len(),
            rule: LengthRule::AtLeast(2),
        }),
        Some(0) => Err(PacketError::EmptyName),
        Some(&n) => Ok(usize::from(n)),
    }
}

fn multi_header(
    ty: u8,
    target: Target,
    session: u32,
    size: u32,
) -> Result<RequestPacket, PacketError> {
    if session == 0 {
        return Err(PacketError::ZeroSession { ty });
    }
    Ok(RequestPacket::MultiHeader {
        target,
        session: Session::new(session),
        size,
        push: ty == MULTI_PUSH_ADDR || ty == MULTI_PUSH_NAME,
    })
}

#[inline]
fn with_target<'w, D: AsRef<[u8]>>(
    w: &'w mut HeadWriter<D>,
    target: &Target,
) -> Result<&'w mut HeadWriter<D>, PacketError> {
    Ok(match target {
        Target::Address(a) => w.u32_le(*a),
        Target::Name(n) => {
            check_name_len(n.len())?;
            w.name(n)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn parse(b: &[u8]) -> Result<RequestPacket, PacketError> {
        RequestPacket::parse(&Bytes::copy_from_slice(b))
    }

    fn bad(ty: u8, len: usize, rule: LengthRule) -> Result<RequestPacket, PacketError> {
        Err(PacketError::BadLength { ty, len, rule })
    }

    #[test]
    fn numeric_request() {
        // type 0, addr 10, session 2, payload 0x24 'p' 'i' 'n' 'g'
        let p = parse(b"\x00\x0a\x00\x00\x00\x02\x00\x00\x00\x24ping").unwrap();
        assert_eq!(
            p,
            RequestPacket::Request {
                target: Target::Address(10),
                session: Session::new(2),
                payload: Bytes::from_static(b"\x24ping")
            }
        );
        // empty payload: exactly 9 bytes
        assert!(
            matches!(parse(&[0; 9]).unwrap(), RequestPacket::Request { payload, .. } if payload.is_empty())
        );
        assert_eq!(parse(&[0; 8]), bad(0, 8, LengthRule::AtLeast(9)));
    }

    #[test]
    fn named_request_lengths() {
        assert_eq!(parse(b"\x80"), bad(0x80, 1, LengthRule::AtLeast(2)));
        assert_eq!(
            parse(b"\x80\x00\x01\x00\x00\x00"),
            Err(PacketError::EmptyName)
        );
        // name of 3 needs 6 + 3 = 9 bytes
        assert_eq!(
            parse(b"\x80\x03abc\x01\x00\x00"),
            bad(0x80, 8, LengthRule::AtLeast(9))
        );
        let p = parse(b"\x80\x03abc\x01\x00\x00\x00").unwrap();
        assert!(matches!(p, RequestPacket::Request { ref payload, .. } if payload.is_empty()));
        // a 255-byte name
        let mut b = vec![0x80, 255];
        b.extend(core::iter::repeat_n(b'n', 255));
        b.extend([7, 0, 0, 0, 0x02]);
        let p = parse(&b).unwrap();
        assert_eq!(p.session(), Some(Session::new(7)));
        assert!(
            matches!(p, RequestPacket::Request { target: Target::Name(ref n), ref payload, .. } if n.len() == 255 && payload[..] == [0x02])
        );
    }

    #[test]
    fn multi_headers_need_exact_sizes() {
        let h = b"\x01\x0a\x00\x00\x00\x05\x00\x00\x00\x00\x80\x00\x00";
        assert_eq!(
            parse(h).unwrap(),
            RequestPacket::MultiHeader {
                target: Target::Address(10),
                session: Session::new(5),
                size: 0x8000,
                push: false
            }
        );
        let mut long = h.to_vec();
        long.push(0);
        assert_eq!(parse(&long), bad(0x01, 14, LengthRule::Exactly(13)));
        assert_eq!(parse(&h[..12]), bad(0x01, 12, LengthRule::Exactly(13)));
        let mut push = h.to_vec();
        push[0] = 0x41;
        assert!(matches!(
            parse(&push).unwrap(),
            RequestPacket::MultiHeader { push: true, .. }
        ));
        let named = b"\xc1\x02.e\x09\x00\x00\x00\x01\x00\x01\x00";
        assert_eq!(
            parse(named).unwrap(),
            RequestPacket::MultiHeader {
                target: Target::name(".e").unwrap(),
                session: Session::new(9),
                size: 0x10001,
                push: true
            }
        );
        assert_eq!(parse(&named[..11]), bad(0xc1, 11, LengthRule::Exactly(12)));
        assert_eq!(parse(b"\x81\x00"), Err(PacketError::EmptyName));
        let zero = b"\x01\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x00";
        assert_eq!(parse(zero), Err(PacketError::ZeroSession { ty: 1 }));
    }

    #[test]
    fn parts_and_trace() {
        assert_eq!(
            parse(b"\x03\x05\x00\x00\x00xy").unwrap(),
            RequestPacket::Part {
                session: Session::new(5),
                data: Bytes::from_static(b"xy"),
                last: true
            }
        );
        assert!(
            matches!(parse(b"\x02\x05\x00\x00\x00").unwrap(), RequestPacket::Part { last: false, ref data, .. } if data.is_empty())
        );
        assert_eq!(
            parse(b"\x02\x05\x00\x00"),
            bad(0x02, 4, LengthRule::AtLeast(5))
        );
        assert_eq!(
            parse(b"\x04tag").unwrap(),
            RequestPacket::Trace {
                tag: Bytes::from_static(b"tag")
            }
        );
    }

    #[test]
    fn unknown_and_empty() {
        assert_eq!(parse(b""), Err(PacketError::Empty));
        for ty in [0x05u8, 0x40, 0x42, 0x82, 0xff] {
            assert_eq!(
                parse(&[ty, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                Err(PacketError::UnknownType { ty })
            );
        }
    }

    #[test]
    fn every_packet_reencodes_to_its_body() {
        let bodies: Vec<&[u8]> = vec![
            b"\x00\x0a\x00\x00\x00\x02\x00\x00\x00\x24ping",
            b"\x80\x03abc\x01\x00\x00\x00\x02",
            b"\x01\x0a\x00\x00\x00\x05\x00\x00\x00\x00\x80\x00\x00",
            b"\xc1\x02.e\x09\x00\x00\x00\x01\x00\x01\x00",
            b"\x02\x05\x00\x00\x00abc",
            b"\x04",
        ];
        for b in bodies {
            let f = parse(b).unwrap().to_frame().unwrap();
            let mut want = (b.len() as u16).to_be_bytes().to_vec();
            want.extend_from_slice(b);
            assert_eq!(f.to_vec(), want);
        }
    }

    #[test]
    fn building_refuses_a_multi_part_header_with_session_0() {
        // Found by fuzzing (roundtrip): a one-packet push (session 0) with a payload of
        // MULTI_PART bytes or more re-encoded as a multi-part push header with session 0,
        // which parse() (and so every decoder) refuses.
        for push in [false, true] {
            let h = RequestPacket::MultiHeader {
                target: Target::Address(10),
                session: Session::PUSH,
                size: 0x8000,
                push,
            };
            let ty = if push { 0x41 } else { 0x01 };
            assert_eq!(h.to_frame().unwrap_err(), PacketError::ZeroSession { ty });
        }
    }

    #[test]
    fn building_checks_names() {
        let p = RequestPacket::Request {
            target: Target::Name(Bytes::new()),
            session: Session::new(1),
            payload: Bytes::new(),
        };
        assert_eq!(p.to_frame().unwrap_err(), PacketError::EmptyName);
        let long = Bytes::from(vec![b'x'; 256]);
        assert_eq!(
            Target::name(long.clone()),
            Err(PacketError::NameTooLong { len: 256 })
        );
        let p = RequestPacket::MultiHeader {
            target: Target::Name(long),
            session: Session::new(1),
            size: 0x8000,
            push: false,
        };
        assert_eq!(
            p.to_frame().unwrap_err(),
            PacketError::NameTooLong { len: 256 }
        );
    }

    #[test]
    fn one_byte_names_both_ways() {
        // 0x80, len 1, "x", session 3 LE, payload 0x02 (integer 0): 2 + 1 + 4 + 1 = 8 bytes
        let small = b"\x80\x01x\x03\x00\x00\x00\x02";
        let p = parse(small).unwrap();
        assert_eq!(p.to_frame().unwrap().body_to_vec(), small);
        assert!(
            matches!(p, RequestPacket::Request { target: Target::Name(ref n), .. } if n[..] == *b"x")
        );
        // 0xc1, len 1, "x", session 3, size 0x8000: exactly 10 + 1 bytes
        let header = b"\xc1\x01x\x03\x00\x00\x00\x00\x80\x00\x00";
        let p = parse(header).unwrap();
        assert_eq!(p.to_frame().unwrap().body_to_vec(), header);
        assert!(matches!(
            p,
            RequestPacket::MultiHeader {
                push: true,
                size: 0x8000,
                ..
            }
        ));
        assert_eq!(parse(&header[..10]), bad(0xc1, 10, LengthRule::Exactly(11)));
        assert_eq!(parse(&small[..6]), bad(0x80, 6, LengthRule::AtLeast(7)));
    }
}
