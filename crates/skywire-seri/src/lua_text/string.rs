//! Lua string literals: `"..."` and `'...'` with Lua's escapes, and long brackets
//! `[[...]]` / `[==[...]==]` (also the form of long comments).

use alloc::string::String;
use alloc::vec::Vec;

use bytes::Bytes;

use super::error::{LiteralError, LiteralErrorKind};
use super::read::Parser;

impl Parser<'_> {
    /// `"..."` or `'...'`.
    pub(super) fn quoted_string(&mut self) -> Result<Bytes, LiteralError> {
        let quote = self.bump().unwrap_or(b'"');
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error(LiteralErrorKind::UnfinishedString));
            };
            match c {
                b'\n' | b'\r' => return Err(self.error(LiteralErrorKind::UnfinishedString)),
                c if c == quote => {
                    self.bump();
                    return Ok(Bytes::from(out));
                }
                b'\\' => self.escape(&mut out)?,
                _ => {
                    out.push(c);
                    self.bump();
                }
            }
        }
    }

    /// One escape sequence (the cursor is on the backslash).
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), LiteralError> {
        let start = self.pos;
        self.bump();
        let bad = |p: &Self| {
            let end = (p.pos + 1).min(p.src.len());
            let seq = String::from_utf8_lossy(&p.src[start..end]).into_owned();
            p.error_at(start, LiteralErrorKind::InvalidEscape(seq))
        };
        let Some(c) = self.peek() else {
            return Err(self.error(LiteralErrorKind::UnfinishedString));
        };
        match c {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'\\' | b'"' | b'\'' => out.push(c),
            b'\n' | b'\r' => {
                // A backslash-newline is a newline (\r\n or \n\r counts as one).
                self.bump();
                if matches!(self.peek(), Some(d) if (d == b'\n' || d == b'\r') && d != c) {
                    self.bump();
                }
                out.push(b'\n');
                return Ok(());
            }
            b'x' => {
                self.bump();
                let mut v = 0u8;
                for _ in 0..2 {
                    match self.peek().and_then(|d| char::from(d).to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d as u8;
                            self.bump();
                        }
                        None => return Err(bad(self)),
                    }
                }
                out.push(v);
                return Ok(());
            }
            b'z' => {
                self.bump();
                while matches!(
                    self.peek(),
                    Some(b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
                ) {
                    self.bump();
                }
                return Ok(());
            }
            b'u' => {
                self.bump();
                if !self.eat(b'{') {
                    return Err(bad(self));
                }
                let mut v: u32 = 0;
                let mut digits = 0;
                while let Some(d) = self.peek().and_then(|d| char::from(d).to_digit(16)) {
                    v = match v.checked_mul(16).map(|v| v + d) {
                        Some(v) if v < 0x8000_0000 => v,
                        _ => return Err(bad(self)),
                    };
                    digits += 1;
                    self.bump();
                }
                if digits == 0 || !self.eat(b'}') {
                    return Err(bad(self));
                }
                push_utf8_extended(out, v);
                return Ok(());
            }
            c if c.is_ascii_digit() => {
                let mut v: u32 = 0;
                for _ in 0..3 {
                    match self.peek() {
                        Some(d) if d.is_ascii_digit() => {
                            v = v * 10 + u32::from(d - b'0');
                            self.bump();
                        }
                        _ => break,
                    }
                }
                match u8::try_from(v) {
                    Ok(b) => out.push(b),
                    Err(_) => return Err(bad(self)),
                }
                return Ok(());
            }
            _ => return Err(bad(self)),
        }
        self.bump();
        Ok(())
    }

    /// If a long bracket `[[` / `[==[` opens here, consumes it and returns its level.
    pub(super) fn long_bracket_level(&mut self) -> Option<usize> {
        if self.peek() != Some(b'[') {
            return None;
        }
        let mut n = 1;
        while self.peek_at(n) == Some(b'=') {
            n += 1;
        }
        if self.peek_at(n) != Some(b'[') {
            return None;
        }
        self.pos += n + 1;
        Some(n - 1)
    }

    /// The body of a long bracket up to its matching close; a first newline is skipped.
    pub(super) fn long_bracket_body(&mut self, level: usize) -> Result<Bytes, LiteralError> {
        if self.peek() == Some(b'\r') {
            self.bump();
            self.eat(b'\n');
        } else if self.peek() == Some(b'\n') {
            self.bump();
            self.eat(b'\r');
        }
        let start = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.error(LiteralErrorKind::UnfinishedString)),
                Some(b']') => {
                    let end = self.pos;
                    let closes = (1..=level).all(|i| self.peek_at(i) == Some(b'='))
                        && self.peek_at(level + 1) == Some(b']');
                    if closes {
                        self.pos += level + 2;
                        return Ok(Bytes::copy_from_slice(&self.src[start..end]));
                    }
                    self.bump();
                }
                Some(_) => {
                    self.bump();
                }
            }
        }
    }
}

/// Lua's `\u{XXX}`: UTF-8 extended to 31 bits (up to six bytes).
fn push_utf8_extended(out: &mut Vec<u8>, v: u32) {
    if v < 0x80 {
        out.push(v as u8);
        return;
    }
    let mut buf = [0u8; 6];
    let mut n = 0;
    let mut x = v;
    let mut first_max = 0x3f_u32; // largest value that fits the first byte
    loop {
        buf[5 - n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        first_max >>= 1;
        if x <= first_max {
            break;
        }
    }
    let lead = ((!first_max << 1) & 0xff) as u8 | x as u8;
    buf[5 - n] = lead;
    n += 1;
    out.extend_from_slice(&buf[6 - n..]);
}
