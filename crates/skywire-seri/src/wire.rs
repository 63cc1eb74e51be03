//! Protocol constants of the lua-seri format, defined once.
//!
//! Every value on the wire starts with one byte `type | (cookie << 3)`: the low
//! three bits are the type tag, the high five bits the cookie (0..=31).
//! See `spec/lua-seri.md` for the full description.

/// Type tag 0: `nil`. Cookie must be 0. Also the hash-part terminator of a table.
pub(crate) const TYPE_NIL: u8 = 0;
/// Type tag 1: boolean. Cookie 0 is `false`, 1 is `true`.
pub(crate) const TYPE_BOOLEAN: u8 = 1;
/// Type tag 2: number. The cookie selects the width (the `NUMBER_*` constants).
pub(crate) const TYPE_NUMBER: u8 = 2;
/// Type tag 3: light userdata. Cookie 0, then 8 bytes little-endian pointer value.
pub(crate) const TYPE_USERDATA: u8 = 3;
/// Type tag 4: short string. The cookie is the length (0..=31), the bytes follow.
pub(crate) const TYPE_SHORT_STRING: u8 = 4;
/// Type tag 5: long string. Cookie 2: u16 LE length follows; cookie 4: u32 LE length.
pub(crate) const TYPE_LONG_STRING: u8 = 5;
/// Type tag 6: table. The cookie is the array length (0..=30) or [`ARRAY_ESCAPE`].
pub(crate) const TYPE_TABLE: u8 = 6;

/// Number cookie 0: the integer zero, nothing follows.
pub(crate) const NUMBER_ZERO: u8 = 0;
/// Number cookie 1: an unsigned 8-bit integer follows.
pub(crate) const NUMBER_BYTE: u8 = 1;
/// Number cookie 2: an unsigned 16-bit little-endian integer follows.
pub(crate) const NUMBER_WORD: u8 = 2;
/// Number cookie 4: a signed 32-bit little-endian integer follows.
pub(crate) const NUMBER_DWORD: u8 = 4;
/// Number cookie 6: a signed 64-bit little-endian integer follows.
pub(crate) const NUMBER_QWORD: u8 = 6;
/// Number cookie 8: an IEEE-754 double (a Lua float) follows, little-endian.
pub(crate) const NUMBER_REAL: u8 = 8;

/// Long-string cookie: a u16 little-endian length follows (same value as a 2-byte width).
pub(crate) const LONG_STRING_WORD: u8 = 2;
/// Long-string cookie: a u32 little-endian length follows (same value as a 4-byte width).
pub(crate) const LONG_STRING_DWORD: u8 = 4;

/// skynet's `MAX_COOKIE`: cookies are five bits, so strictly below 32.
/// Strings shorter than this are written as short strings.
pub(crate) const MAX_COOKIE: usize = 32;
/// Table cookie `MAX_COOKIE - 1` (31): the array length does not fit in the
/// cookie and follows as a full integer number value.
pub(crate) const ARRAY_ESCAPE: u8 = (MAX_COOKIE - 1) as u8;

/// skynet's `MAX_DEPTH`: the encoder refuses any value enclosed in more than
/// this many tables.
pub(crate) const MAX_DEPTH: usize = 32;

/// Builds a type byte from a type tag and a cookie.
#[inline(always)]
pub(crate) const fn type_byte(ty: u8, cookie: u8) -> u8 {
    ty | (cookie << 3)
}

/// Lua's name of a wire type tag (for error messages).
pub(crate) const fn type_tag_name(ty: u8) -> &'static str {
    match ty {
        TYPE_NIL => "nil",
        TYPE_BOOLEAN => "boolean",
        TYPE_NUMBER => "number",
        TYPE_USERDATA => "light userdata",
        TYPE_SHORT_STRING => "short string",
        TYPE_LONG_STRING => "long string",
        TYPE_TABLE => "table",
        _ => "invalid",
    }
}
