//! The status codes every fallible call returns, and which error of seri or codec maps to
//! which code (once, here).

use core::ffi::c_char;
use std::ffi::CString;
use std::sync::OnceLock;

use crate::guard;
use skywire_codec::{DecodeErrorKind as StreamKind, PacketError, ReassemblyError};
use skywire_seri::{DecodeErrorKind as PayloadKind, EncodeError};

/// What a call did: `SW_OK` (0), `SW_NEED_MORE` (1, not an error), or an error (10 and
/// up). After an error, `sw_last_error_message()` says what and where.
///
/// Codes are stable: a new one may be added, none is renumbered.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum SwStatus {
    /// Success.
    SW_OK = 0,
    /// A decoder holds no whole message yet: feed it more bytes. Not an error.
    SW_NEED_MORE = 1,

    /// A pointer argument that may not be NULL was NULL (a data pointer may be NULL only
    /// with a length of 0).
    SW_ERR_NULL = 10,
    /// Builder calls out of order: `sw_builder_table_hash` or `sw_builder_table_end` with
    /// no open table, a table closed with a key and no value, `sw_builder_pack` with tables
    /// still open.
    SW_ERR_BUILDER = 11,
    /// A bug in skywire, caught before it crossed the boundary. Please report it with the
    /// message.
    SW_ERR_PANIC = 12,
    /// An argument out of its range (a length larger than `PTRDIFF_MAX`).
    SW_ERR_ARGUMENT = 13,

    /// Payload: a type byte with type 7, which lua-seri does not define.
    SW_ERR_UNKNOWN_TYPE = 20,
    /// Payload: a cookie that is undefined for its type.
    SW_ERR_BAD_COOKIE = 21,
    /// Payload: a value needs more bytes than are left.
    SW_ERR_TRUNCATED = 22,
    /// Payload: a table's array size exceeds the bytes left.
    SW_ERR_ARRAY_TOO_LARGE = 23,
    /// Payload: a negative escaped array size.
    SW_ERR_NEGATIVE_ARRAY_SIZE = 24,
    /// Payload: the array-size escape is not followed by an integer.
    SW_ERR_BAD_ARRAY_SIZE = 25,
    /// Tables nested too deep: past the decoder's limit of 64 when unpacking, past
    /// skynet's limit of 32 enclosing tables when packing or building.
    SW_ERR_TOO_DEEP = 26,
    /// Payload: another malformation (the message says which).
    SW_ERR_INVALID_PAYLOAD = 29,

    /// Packing: a string longer than 4 GiB.
    SW_ERR_STRING_TOO_LONG = 30,
    /// Packing: a table key is nil.
    SW_ERR_NIL_KEY = 31,
    /// Packing: a table key is NaN.
    SW_ERR_NAN_KEY = 32,
    /// Packing: another reason the values cannot be packed (the message says which).
    SW_ERR_CANNOT_PACK = 39,

    /// Stream: it ends inside a frame.
    SW_ERR_TRUNCATED_FRAME = 40,
    /// Stream: it ends with a multi-part message unfinished.
    SW_ERR_UNFINISHED = 41,
    /// Stream: a frame with an empty body.
    SW_ERR_EMPTY_PACKET = 42,
    /// Stream: a packet type byte this direction does not use.
    SW_ERR_UNKNOWN_PACKET_TYPE = 43,
    /// Stream: a packet too short, or not the exact size its type requires.
    SW_ERR_BAD_LENGTH = 44,
    /// A by-name packet or target with an empty name (decoding and encoding).
    SW_ERR_EMPTY_NAME = 45,
    /// Stream: a multi-part packet with session 0.
    SW_ERR_ZERO_SESSION = 46,
    /// Stream: a part for a session with no multi-part message open.
    SW_ERR_PART_WITHOUT_HEADER = 47,
    /// Stream: a new message on a session whose multi-part message is open.
    SW_ERR_SESSION_IN_USE = 48,
    /// Stream: the parts do not carry the size their header declared.
    SW_ERR_SIZE_MISMATCH = 49,
    /// Stream: a multi-part message larger than `sw_limits.max_message_size`.
    SW_ERR_MESSAGE_TOO_LARGE = 50,
    /// Stream: more multi-part messages open than `sw_limits.max_partial_messages`.
    SW_ERR_TOO_MANY_PARTIAL = 51,
    /// Stream: open multi-part messages would exceed `sw_limits.max_buffered_bytes`.
    SW_ERR_BUFFER_LIMIT = 52,
    /// Stream: another malformation (the message says which).
    SW_ERR_INVALID_STREAM = 59,

    /// Encoding: a target name longer than 255 bytes.
    SW_ERR_NAME_TOO_LONG = 60,
    /// Encoding: a payload over 4 GiB, or a trace tag that does not fit a frame.
    SW_ERR_BODY_TOO_LARGE = 61,
    /// Encoding: a call (not a push) with session 0, which the peer would take for a push.
    SW_ERR_CALL_WITHOUT_SESSION = 62,
    /// Encoding: another reason the message cannot be encoded (the message says which).
    SW_ERR_CANNOT_ENCODE = 69,
}

impl SwStatus {
    /// Every status, for looking one up by its code.
    pub(crate) const ALL: [SwStatus; 36] = [
        SwStatus::SW_OK,
        SwStatus::SW_NEED_MORE,
        SwStatus::SW_ERR_NULL,
        SwStatus::SW_ERR_BUILDER,
        SwStatus::SW_ERR_PANIC,
        SwStatus::SW_ERR_ARGUMENT,
        SwStatus::SW_ERR_UNKNOWN_TYPE,
        SwStatus::SW_ERR_BAD_COOKIE,
        SwStatus::SW_ERR_TRUNCATED,
        SwStatus::SW_ERR_ARRAY_TOO_LARGE,
        SwStatus::SW_ERR_NEGATIVE_ARRAY_SIZE,
        SwStatus::SW_ERR_BAD_ARRAY_SIZE,
        SwStatus::SW_ERR_TOO_DEEP,
        SwStatus::SW_ERR_INVALID_PAYLOAD,
        SwStatus::SW_ERR_STRING_TOO_LONG,
        SwStatus::SW_ERR_NIL_KEY,
        SwStatus::SW_ERR_NAN_KEY,
        SwStatus::SW_ERR_CANNOT_PACK,
        SwStatus::SW_ERR_TRUNCATED_FRAME,
        SwStatus::SW_ERR_UNFINISHED,
        SwStatus::SW_ERR_EMPTY_PACKET,
        SwStatus::SW_ERR_UNKNOWN_PACKET_TYPE,
        SwStatus::SW_ERR_BAD_LENGTH,
        SwStatus::SW_ERR_EMPTY_NAME,
        SwStatus::SW_ERR_ZERO_SESSION,
        SwStatus::SW_ERR_PART_WITHOUT_HEADER,
        SwStatus::SW_ERR_SESSION_IN_USE,
        SwStatus::SW_ERR_SIZE_MISMATCH,
        SwStatus::SW_ERR_MESSAGE_TOO_LARGE,
        SwStatus::SW_ERR_TOO_MANY_PARTIAL,
        SwStatus::SW_ERR_BUFFER_LIMIT,
        SwStatus::SW_ERR_INVALID_STREAM,
        SwStatus::SW_ERR_NAME_TOO_LONG,
        SwStatus::SW_ERR_BODY_TOO_LARGE,
        SwStatus::SW_ERR_CALL_WITHOUT_SESSION,
        SwStatus::SW_ERR_CANNOT_ENCODE,
    ];
}

/// The names `sw_status_name` gives: each status's name in Rust, which is its name in the
/// header (the enum's variants are named as C spells them).
fn names() -> &'static [(SwStatus, CString)] {
    static NAMES: OnceLock<Vec<(SwStatus, CString)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        SwStatus::ALL
            .iter()
            .map(|s| (*s, CString::new(format!("{s:?}")).unwrap_or_default()))
            .collect()
    })
}

/// The status of a payload that does not unpack.
pub(crate) fn payload(kind: &PayloadKind) -> SwStatus {
    match kind {
        PayloadKind::UnknownType { .. } => SwStatus::SW_ERR_UNKNOWN_TYPE,
        PayloadKind::BadCookie { .. } => SwStatus::SW_ERR_BAD_COOKIE,
        PayloadKind::Truncated { .. } => SwStatus::SW_ERR_TRUNCATED,
        PayloadKind::ArrayTooLarge { .. } => SwStatus::SW_ERR_ARRAY_TOO_LARGE,
        PayloadKind::NegativeArraySize { .. } => SwStatus::SW_ERR_NEGATIVE_ARRAY_SIZE,
        PayloadKind::BadArraySize { .. } => SwStatus::SW_ERR_BAD_ARRAY_SIZE,
        PayloadKind::TooDeep { .. } => SwStatus::SW_ERR_TOO_DEEP,
        _ => SwStatus::SW_ERR_INVALID_PAYLOAD,
    }
}

/// The status of values that do not pack.
pub(crate) fn pack(e: &EncodeError) -> SwStatus {
    match e {
        EncodeError::TooDeep { .. } => SwStatus::SW_ERR_TOO_DEEP,
        EncodeError::StringTooLong { .. } => SwStatus::SW_ERR_STRING_TOO_LONG,
        EncodeError::NilKey => SwStatus::SW_ERR_NIL_KEY,
        EncodeError::NanKey => SwStatus::SW_ERR_NAN_KEY,
        _ => SwStatus::SW_ERR_CANNOT_PACK,
    }
}

/// The status of a packet that does not parse (decoding) or cannot be built (encoding).
pub(crate) fn packet(e: &PacketError, encoding: bool) -> SwStatus {
    match e {
        PacketError::Empty => SwStatus::SW_ERR_EMPTY_PACKET,
        PacketError::UnknownType { .. } => SwStatus::SW_ERR_UNKNOWN_PACKET_TYPE,
        PacketError::BadLength { .. } => SwStatus::SW_ERR_BAD_LENGTH,
        PacketError::EmptyName => SwStatus::SW_ERR_EMPTY_NAME,
        PacketError::ZeroSession { .. } => SwStatus::SW_ERR_ZERO_SESSION,
        PacketError::NameTooLong { .. } => SwStatus::SW_ERR_NAME_TOO_LONG,
        PacketError::BodyTooLarge { .. } => SwStatus::SW_ERR_BODY_TOO_LARGE,
        PacketError::CallWithoutSession => SwStatus::SW_ERR_CALL_WITHOUT_SESSION,
        _ if encoding => SwStatus::SW_ERR_CANNOT_ENCODE,
        _ => SwStatus::SW_ERR_INVALID_STREAM,
    }
}

/// The status of a stream that does not decode.
pub(crate) fn stream(kind: &StreamKind) -> SwStatus {
    match kind {
        StreamKind::Packet(e) => packet(e, false),
        StreamKind::Reassembly(e) => match e {
            ReassemblyError::PartWithoutHeader { .. } => SwStatus::SW_ERR_PART_WITHOUT_HEADER,
            ReassemblyError::SessionInUse { .. } => SwStatus::SW_ERR_SESSION_IN_USE,
            ReassemblyError::SizeMismatch { .. } => SwStatus::SW_ERR_SIZE_MISMATCH,
            ReassemblyError::MessageTooLarge { .. } => SwStatus::SW_ERR_MESSAGE_TOO_LARGE,
            ReassemblyError::TooManyPartial { .. } => SwStatus::SW_ERR_TOO_MANY_PARTIAL,
            ReassemblyError::BufferLimit { .. } => SwStatus::SW_ERR_BUFFER_LIMIT,
            _ => SwStatus::SW_ERR_INVALID_STREAM,
        },
        StreamKind::TruncatedFrame { .. } => SwStatus::SW_ERR_TRUNCATED_FRAME,
        StreamKind::Unfinished { .. } => SwStatus::SW_ERR_UNFINISHED,
        _ => SwStatus::SW_ERR_INVALID_STREAM,
    }
}

/// The name of status `code` as the header spells it (`"SW_ERR_TRUNCATED"`), or
/// `"SW_UNKNOWN_STATUS"` for a code no version defined.
///
/// Ownership: a static string, never freed.
#[no_mangle]
pub extern "C" fn sw_status_name(code: i32) -> *const c_char {
    guard::value(c"SW_UNKNOWN_STATUS".as_ptr(), || {
        names()
            .iter()
            .find(|(s, _)| *s as i32 == code)
            .map_or(c"SW_UNKNOWN_STATUS".as_ptr(), |(_, name)| name.as_ptr())
    })
}
