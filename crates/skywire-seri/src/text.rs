//! Text helpers shared by the JSON form and the human-readable serde form.

use alloc::string::String;
use alloc::vec::Vec;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex of `bytes`.
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// Decodes hex (either case). `None` on odd length or a non-hex digit.
pub(crate) fn hex_decode(s: &str) -> Option<Vec<u8>> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let s = s.as_bytes();
    if s.len() % 2 != 0 {
        return None;
    }
    s.chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// The 16-digit hex form of a light userdata.
pub(crate) fn userdata_hex(p: u64) -> String {
    hex_encode(&p.to_be_bytes())
}

/// Parses the 16-digit hex form of a light userdata.
pub(crate) fn parse_userdata_hex(s: &str) -> Option<u64> {
    let b = hex_decode(s)?;
    let a: [u8; 8] = b.as_slice().try_into().ok()?;
    Some(u64::from_be_bytes(a))
}

/// The string a byte string is written as in the JSON form: `Some` if it is
/// valid UTF-8 without control characters other than tab, CR and LF.
pub(crate) fn json_safe_str(bytes: &[u8]) -> Option<&str> {
    let s = core::str::from_utf8(bytes).ok()?;
    s.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\r' | '\n'))
        .then_some(s)
}

/// The JSON-form text of a special float (`nan`, `inf`, `-inf`, `-0`), or
/// `None` for a float written as a JSON number.
pub(crate) fn special_real_name(x: f64) -> Option<&'static str> {
    if x.is_nan() {
        Some("nan")
    } else if x == f64::INFINITY {
        Some("inf")
    } else if x == f64::NEG_INFINITY {
        Some("-inf")
    } else if x == 0.0 && x.is_sign_negative() {
        Some("-0")
    } else {
        None
    }
}

/// The float a JSON-form special name denotes.
pub(crate) fn parse_special_real(s: &str) -> Option<f64> {
    match s {
        "nan" => Some(f64::NAN),
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "-0" => Some(-0.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        assert_eq!(hex_encode(&[0, 1, 2, 0xff]), "000102ff");
        assert_eq!(hex_decode("000102fF"), Some(alloc::vec![0, 1, 2, 0xff]));
        assert_eq!(hex_decode("0"), None);
        assert_eq!(hex_decode("zz"), None);
        assert_eq!(userdata_hex(0x0123_4567_89ab_cdef), "0123456789abcdef");
        assert_eq!(
            parse_userdata_hex("0123456789abcdef"),
            Some(0x0123_4567_89ab_cdef)
        );
        assert_eq!(parse_userdata_hex("01"), None);
    }

    #[test]
    fn json_safety() {
        assert_eq!(json_safe_str(b"a\tb\r\n"), Some("a\tb\r\n"));
        assert_eq!(json_safe_str(b"a\x01"), None);
        assert_eq!(json_safe_str(b"\x7f"), None);
        assert_eq!(json_safe_str(b"\xff"), None);
        assert_eq!(json_safe_str("✓".as_bytes()), Some("✓"));
    }
}
