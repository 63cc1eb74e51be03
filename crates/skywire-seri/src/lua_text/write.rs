//! `Display` for values: Lua source text that reads back as the same value.
//!
//! - `nil`, `true`, `42`; `i64::MIN` is written `math.mininteger` (Lua reads
//!   the literal `-9223372036854775808` as a float).
//! - Floats in the shortest form that reads back as the same `f64`, always
//!   with a dot or an exponent so Lua reads a float: `3.0`, `0.5`, `1e300`,
//!   `-0.0`; NaN is `(0/0)`, infinities `math.huge` / `-math.huge`.
//! - Strings in double quotes; `\\ \" \n \r \t` escaped, other control
//!   characters and every byte of invalid UTF-8 as `\xNN`; other UTF-8 as is.
//! - Tables `{1, 2, name = "v", ["not ident"] = 1, [1.5] = true}`: array part
//!   first, then the hash part in order, identifier keys bare.
//! - Light userdata as `userdata(0x0123456789abcdef)` (Lua has no literal).

use core::fmt::{self, Write};

use super::KEYWORDS;
use crate::value::{Table, Value};
use crate::value_ref::{TableRef, ValueRef};
use crate::view::{Sealed, View};

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_value(self, f)
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_table(&self.array, &self.hash, f)
    }
}

/// The same text as the [`Value`] it converts to.
impl fmt::Display for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_value(self, f)
    }
}

/// The same text as the [`Table`] it converts to.
impl fmt::Display for TableRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_table(&self.array, &self.hash, f)
    }
}

fn write_value<V: Sealed>(v: &V, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match v.view() {
        View::Nil => f.write_str("nil"),
        View::Boolean(b) => f.write_str(if b { "true" } else { "false" }),
        View::Integer(i64::MIN) => f.write_str("math.mininteger"),
        View::Integer(i) => write!(f, "{i}"),
        View::Real(x) => write_real(x, f),
        View::String(s) => write_string(s, f),
        View::Table { array, hash } => write_table(array, hash, f),
        View::LightUserdata(p) => write!(f, "userdata(0x{p:016x})"),
    }
}

fn write_table<V: Sealed>(array: &[V], hash: &[(V, V)], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_char('{')?;
    let mut first = true;
    let mut sep = |f: &mut fmt::Formatter<'_>| {
        if first {
            first = false;
            Ok(())
        } else {
            f.write_str(", ")
        }
    };
    for item in array {
        sep(f)?;
        write_value(item, f)?;
    }
    for (k, v) in hash {
        sep(f)?;
        match k.view() {
            View::String(s) if is_identifier(s) => {
                // is_identifier checked ASCII, so this is valid UTF-8.
                for &b in s {
                    f.write_char(char::from(b))?;
                }
            }
            _ => {
                f.write_char('[')?;
                write_value(k, f)?;
                f.write_char(']')?;
            }
        }
        f.write_str(" = ")?;
        write_value(v, f)?;
    }
    f.write_char('}')
}

/// A tiny fixed buffer for formatting one float.
struct FloatBuf {
    buf: [u8; 40],
    len: usize,
}

impl Write for FloatBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn write_real(x: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if x.is_nan() {
        return f.write_str("(0/0)");
    }
    if x.is_infinite() {
        return f.write_str(if x > 0.0 { "math.huge" } else { "-math.huge" });
    }
    // `Debug` gives the shortest round-trip digits and switches to an
    // exponent for very large or small magnitudes (`1e300`, `5e-324`).
    let mut b = FloatBuf {
        buf: [0; 40],
        len: 0,
    };
    write!(b, "{x:?}")?;
    let text = b.buf.get(..b.len).ok_or(fmt::Error)?;
    for &c in text {
        f.write_char(char::from(c))?;
    }
    if !text.iter().any(|&c| matches!(c, b'.' | b'e' | b'E')) {
        f.write_str(".0")?;
    }
    Ok(())
}

fn write_string(s: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_char('"')?;
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '"' => f.write_str("\\\"")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c.is_control() => {
                    let mut utf8 = [0u8; 4];
                    for b in c.encode_utf8(&mut utf8).bytes() {
                        write!(f, "\\x{b:02x}")?;
                    }
                }
                c => f.write_char(c)?,
            }
        }
        for b in chunk.invalid() {
            write!(f, "\\x{b:02x}")?;
        }
    }
    f.write_char('"')
}

/// A Lua name that can be a bare table key: `[A-Za-z_][A-Za-z0-9_]*`, not a keyword.
fn is_identifier(s: &[u8]) -> bool {
    match s.split_first() {
        Some((first, rest)) => {
            (first.is_ascii_alphabetic() || *first == b'_')
                && rest.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
                && !KEYWORDS.iter().any(|k| k.as_bytes() == s)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn show(v: impl Into<Value>) -> alloc::string::String {
        v.into().to_string()
    }

    #[test]
    fn scalars() {
        assert_eq!(show(Value::Nil), "nil");
        assert_eq!(show(true), "true");
        assert_eq!(show(false), "false");
        assert_eq!(show(42), "42");
        assert_eq!(show(-7), "-7");
        assert_eq!(show(i64::MAX), "9223372036854775807");
        assert_eq!(show(i64::MIN), "math.mininteger");
        assert_eq!(
            show(Value::LightUserdata(0x0123_4567_89ab_cdef)),
            "userdata(0x0123456789abcdef)"
        );
        assert_eq!(
            show(Value::LightUserdata(1)),
            "userdata(0x0000000000000001)"
        );
    }

    #[test]
    fn reals() {
        assert_eq!(show(3.0), "3.0");
        assert_eq!(show(0.5), "0.5");
        assert_eq!(show(-0.0), "-0.0");
        assert_eq!(show(1e300), "1e300");
        assert_eq!(show(5e-324), "5e-324");
        assert_eq!(show(-1e-300), "-1e-300");
        assert_eq!(show(1e16), "1e16");
        assert_eq!(show(1e15), "1000000000000000.0");
        assert_eq!(show(core::f64::consts::PI), "3.141592653589793");
        assert_eq!(show(f64::NAN), "(0/0)");
        assert_eq!(show(f64::INFINITY), "math.huge");
        assert_eq!(show(f64::NEG_INFINITY), "-math.huge");
        assert_eq!(show(f64::MIN_POSITIVE), "2.2250738585072014e-308");
        assert_eq!(show(-f64::MAX), "-1.7976931348623157e308");
    }

    #[test]
    fn strings() {
        assert_eq!(show(""), r#""""#);
        assert_eq!(show("héllo ✓"), "\"héllo ✓\"");
        assert_eq!(show("a\"b\\c\nd\re\tf"), r#""a\"b\\c\nd\re\tf""#);
        assert_eq!(show("\u{0}\u{1b}\u{7f}"), r#""\x00\x1b\x7f""#);
        assert_eq!(show("\u{85}"), r#""\xc2\x85""#);
        assert_eq!(show(&b"\x00\x01\x02\xff"[..]), r#""\x00\x01\x02\xff""#);
        assert_eq!(show(&b"ok\xe2\x9c"[..]), r#""ok\xe2\x9c""#);
    }

    #[test]
    fn tables() {
        assert_eq!(show(Table::new()), "{}");
        let mut t = Table::from_array(vec![1.into(), 2.into()]);
        t.push_pair("name", "v");
        t.push_pair("not ident", 1);
        t.push_pair(1.5, true);
        t.push_pair("end", 0);
        t.push_pair("_x9", Table::from_array(vec!["a".into()]));
        t.push_pair(10, Value::Nil);
        t.push_pair("", 2);
        t.push_pair("9a", 3);
        t.push_pair(Table::new(), 4);
        assert_eq!(
            show(t),
            r#"{1, 2, name = "v", ["not ident"] = 1, [1.5] = true, ["end"] = 0, _x9 = {"a"}, [10] = nil, [""] = 2, ["9a"] = 3, [{}] = 4}"#
        );
    }
}
