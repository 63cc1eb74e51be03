//! Response-direction packets (agent -> sender): what `clusteragent` writes back.
//!
//! Every body is `u32 session`, `u8 type`, then:
//!
//! | type | packet | rest | body size |
//! |---|---|---|---|
//! | `0` | error | error text | 5 + n |
//! | `1` | ok | payload | 5 + n |
//! | `2` | multi-part begin | `u32 total size` | exactly 9 |
//! | `3` | part, more follow | data | 5 + n |
//! | `4` | last part | data | 5 + n |

use bytes::{BufMut, Bytes};
use nom::number::complete::u8 as byte;
use nom::Parser;

use super::{tail_of, u32_field};
use crate::error::{LengthRule, PacketError};
use crate::out_frame::{HeadWriter, OutFrame};
use crate::rope::Piece;
use crate::session::Session;

/// Type `0`: the call failed; the rest is the error text.
pub const ERROR: u8 = 0;
/// Type `1`: the call succeeded; the rest is the lua-seri payload of the results.
pub const OK: u8 = 1;
/// Type `2`: a multi-part ok response begins; the rest is the `u32` total size.
pub const MULTI_BEGIN: u8 = 2;
/// Type `3`: a part of a multi-part response; more follow.
pub const PART: u8 = 3;
/// Type `4`: the last part of a multi-part response.
pub const LAST_PART: u8 = 4;

/// Fixed bytes of every response body: session and type.
pub(crate) const FIXED: usize = 4 + 1;
/// Size of a multi-part begin body: session, type, total size.
const MULTI_BEGIN_LEN: usize = FIXED + 4;

/// One response-direction packet, its data as a zero-copy slice of the frame body.
///
/// ```
/// use bytes::Bytes;
/// use skywire_codec::{ResponsePacket, Session};
/// let body = Bytes::from_static(b"\x01\x00\x00\x00\x01\x24ping");
/// assert_eq!(ResponsePacket::parse(&body).unwrap(), ResponsePacket::Ok {
///     session: Session::new(1),
///     payload: Bytes::from_static(b"\x24ping"),
/// });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponsePacket {
    /// Type `0`: the call failed.
    Error {
        /// The call's session.
        session: Session,
        /// The error text (skynet cuts it to 0x8000 bytes).
        text: Bytes,
    },
    /// Type `1`: the call succeeded, results inline.
    Ok {
        /// The call's session.
        session: Session,
        /// The lua-seri payload.
        payload: Bytes,
    },
    /// Type `2`: a multi-part ok response begins.
    MultiBegin {
        /// The call's session.
        session: Session,
        /// Total payload size the parts will carry.
        size: u32,
    },
    /// Types `3` / `4`: a piece of a multi-part response.
    Part {
        /// The call's session.
        session: Session,
        /// The bytes.
        data: Bytes,
        /// True for type `4`, the last part.
        last: bool,
    },
}

impl ResponsePacket {
    /// Parses one frame body. Payloads in the result share `body`'s memory.
    pub fn parse(body: &Bytes) -> Result<ResponsePacket, PacketError> {
        let len = body.len();
        if len == 0 {
            return Err(PacketError::Empty);
        }
        let short = |ty| PacketError::BadLength {
            ty,
            len,
            rule: LengthRule::AtLeast(FIXED),
        };
        // The type byte comes after the session: report a short body against it if present.
        let (rest, (session, ty)) = (u32_field, byte)
            .parse(body)
            .map_err(|_| short(body.get(4).copied().unwrap_or(0)))?;
        let session = Session::new(session);
        match ty {
            ERROR => Ok(ResponsePacket::Error {
                session,
                text: tail_of(body, rest),
            }),
            OK => Ok(ResponsePacket::Ok {
                session,
                payload: tail_of(body, rest),
            }),
            MULTI_BEGIN => {
                if len != MULTI_BEGIN_LEN {
                    return Err(PacketError::BadLength {
                        ty,
                        len,
                        rule: LengthRule::Exactly(MULTI_BEGIN_LEN),
                    });
                }
                if session.get() == 0 {
                    return Err(PacketError::ZeroSession { ty });
                }
                let (_, size) = u32_field(rest).map_err(|_| short(ty))?;
                Ok(ResponsePacket::MultiBegin { session, size })
            }
            PART | LAST_PART => Ok(ResponsePacket::Part {
                session,
                data: tail_of(body, rest),
                last: ty == LAST_PART,
            }),
            _ => Err(PacketError::UnknownType { ty }),
        }
    }

    /// The packet's type byte.
    pub fn type_byte(&self) -> u8 {
        match self {
            ResponsePacket::Error { .. } => ERROR,
            ResponsePacket::Ok { .. } => OK,
            ResponsePacket::MultiBegin { .. } => MULTI_BEGIN,
            ResponsePacket::Part { last: false, .. } => PART,
            ResponsePacket::Part { last: true, .. } => LAST_PART,
        }
    }

    /// The session the packet answers.
    pub fn session(&self) -> Session {
        match self {
            ResponsePacket::Error { session, .. }
            | ResponsePacket::Ok { session, .. }
            | ResponsePacket::MultiBegin { session, .. }
            | ResponsePacket::Part { session, .. } => *session,
        }
    }

    /// Builds the frame for this packet without copying its data. Fails if the body would
    /// exceed a frame, or for a multi-part begin with session 0
    /// ([`PacketError::ZeroSession`]: [`parse`](Self::parse) refuses that packet).
    pub fn to_frame(&self) -> Result<OutFrame, PacketError> {
        self.clone().into_frame()
    }

    /// [`to_frame`](Self::to_frame), moving the data into the frame (no reference-count
    /// update on it).
    pub(crate) fn into_frame(self) -> Result<OutFrame, PacketError> {
        let ty = self.type_byte();
        let (session, data) = match self {
            ResponsePacket::Error { session, text } => (session, text),
            ResponsePacket::Ok { session, payload } => (session, payload),
            ResponsePacket::Part { session, data, .. } => (session, data),
            ResponsePacket::MultiBegin { session, size } => {
                if session.is_push() {
                    return Err(PacketError::ZeroSession { ty });
                }
                return OutFrame::build(Bytes::new())
                    .u32_le(session.get())
                    .u8(ty)
                    .u32_le(size)
                    .finish();
            }
        };
        OutFrame::build(data).u32_le(session.get()).u8(ty).finish()
    }
}

/// The frame of an ok packet or a part (`ty`: [`OK`], [`PART`] or [`LAST_PART`]) on
/// `session` whose rest is `data`.
pub(crate) fn piece_frame(session: Session, ty: u8, data: Piece) -> Result<OutFrame, PacketError> {
    OutFrame::of_piece(data, |w| w.u32_le(session.get()).u8(ty))
}

/// Copies the frame of a one-packet response (`ty` [`OK`] or [`ERROR`], `data` the payload
/// or the error text as it goes on the wire) into `dst`; nothing is written if it fails.
pub(crate) fn write_single_frame(
    dst: &mut impl BufMut,
    session: Session,
    ty: u8,
    data: &[u8],
) -> Result<(), PacketError> {
    HeadWriter::new(data)
        .u32_le(session.get())
        .u8(ty)
        .write_into(dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(b: &[u8]) -> Result<ResponsePacket, PacketError> {
        ResponsePacket::parse(&Bytes::copy_from_slice(b))
    }

    #[test]
    fn each_type() {
        assert_eq!(
            parse(b"\x07\x00\x00\x00\x00boom").unwrap(),
            ResponsePacket::Error {
                session: Session::new(7),
                text: Bytes::from_static(b"boom")
            }
        );
        assert!(
            matches!(parse(b"\x07\x00\x00\x00\x01").unwrap(), ResponsePacket::Ok { ref payload, .. } if payload.is_empty())
        );
        assert_eq!(
            parse(b"\x07\x00\x00\x00\x02\x01\x80\x00\x00").unwrap(),
            ResponsePacket::MultiBegin {
                session: Session::new(7),
                size: 0x8001
            }
        );
        assert!(matches!(
            parse(b"\x07\x00\x00\x00\x03ab").unwrap(),
            ResponsePacket::Part { last: false, .. }
        ));
        assert!(matches!(
            parse(b"\x07\x00\x00\x00\x04ab").unwrap(),
            ResponsePacket::Part { last: true, .. }
        ));
    }

    #[test]
    fn bad_lengths_and_types() {
        assert_eq!(parse(b""), Err(PacketError::Empty));
        assert!(matches!(
            parse(b"\x01\x00\x00\x00"),
            Err(PacketError::BadLength {
                len: 4,
                rule: LengthRule::AtLeast(5),
                ..
            })
        ));
        assert_eq!(
            parse(b"\x07\x00\x00\x00\x02\x01\x80\x00"),
            Err(PacketError::BadLength {
                ty: 2,
                len: 8,
                rule: LengthRule::Exactly(9)
            })
        );
        assert_eq!(
            parse(b"\x07\x00\x00\x00\x02\x01\x80\x00\x00\x00").unwrap_err(),
            PacketError::BadLength {
                ty: 2,
                len: 10,
                rule: LengthRule::Exactly(9)
            }
        );
        assert_eq!(
            parse(b"\x00\x00\x00\x00\x02\x01\x80\x00\x00"),
            Err(PacketError::ZeroSession { ty: 2 })
        );
        assert_eq!(
            parse(b"\x07\x00\x00\x00\x05"),
            Err(PacketError::UnknownType { ty: 5 })
        );
    }

    #[test]
    fn building_refuses_a_multi_begin_with_session_0() {
        // Found by fuzzing (roundtrip): an ok response with session 0 and more than
        // MULTI_PART bytes re-encoded as a begin packet with session 0, which parse() refuses.
        let p = ResponsePacket::MultiBegin {
            session: Session::new(0),
            size: 0x8001,
        };
        assert_eq!(
            p.to_frame().unwrap_err(),
            PacketError::ZeroSession { ty: 2 }
        );
    }

    #[test]
    fn reencodes_to_its_body() {
        for b in [
            &b"\x07\x00\x00\x00\x00boom"[..],
            b"\x07\x00\x00\x00\x01",
            b"\x07\x00\x00\x00\x02\x01\x80\x00\x00",
            b"\x07\x00\x00\x00\x04ab",
        ] {
            assert_eq!(parse(b).unwrap().to_frame().unwrap().body_to_vec(), b);
        }
    }
}
