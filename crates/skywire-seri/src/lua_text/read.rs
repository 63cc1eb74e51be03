//! Reading Lua text: [`Parser`], a cursor over Lua source that reads literals, names and
//! punctuation (what `skywire-node`'s `clustername` reader is built from), and
//! [`parse_lua`], one whole literal. Strings are read in [`string`](super::string),
//! numerals converted in [`numeral`](super::numeral).

use alloc::string::String;

use super::error::{LiteralError, LiteralErrorKind, MAX_LITERAL_DEPTH};
use super::is_keyword;
use super::numeral::convert_numeral;
use crate::value::{Table, Value};

/// Reads one literal that makes up the whole of `text` (white space and comments around
/// it allowed).
///
/// ```
/// use skywire_seri::parse_lua;
/// use skywire_seri::Value;
/// assert_eq!(parse_lua("-0x10").unwrap(), Value::Integer(-16));
/// let t = parse_lua(r#"{1, "two", k = {true}}"#).unwrap();
/// assert_eq!(t.to_string(), r#"{1, "two", k = {true}}"#);
/// assert!(parse_lua("1 2").is_err());
/// ```
pub fn parse_lua(text: &str) -> Result<Value, LiteralError> {
    let mut p = Parser::new(text.as_bytes());
    p.skip_space()?;
    let v = p.value()?;
    p.skip_space()?;
    if !p.at_end() {
        return Err(p.error(LiteralErrorKind::Trailing));
    }
    Ok(v)
}

/// A cursor over Lua source text that reads literals, names and punctuation; the pieces
/// the `clustername` parser is built from.
#[derive(Debug)]
pub struct Parser<'a> {
    pub(super) src: &'a [u8],
    pub(super) pos: usize,
    pub(super) line: usize,
    pub(super) line_start: usize,
}

impl<'a> Parser<'a> {
    /// A parser at the start of `src`.
    pub fn new(src: &'a [u8]) -> Self {
        Parser {
            src,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// An error of `kind` at the cursor.
    pub fn error(&self, kind: LiteralErrorKind) -> LiteralError {
        self.error_at(self.pos, kind)
    }

    /// An error at byte `pos`, which must be on the current line or earlier on it.
    pub(super) fn error_at(&self, pos: usize, kind: LiteralErrorKind) -> LiteralError {
        LiteralError {
            line: self.line,
            column: pos.saturating_sub(self.line_start) + 1,
            kind,
        }
    }

    /// The cursor's 1-based line and column.
    pub fn position(&self) -> (usize, usize) {
        (self.line, self.pos - self.line_start + 1)
    }

    /// `true` when the whole text has been read.
    pub fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// The byte at the cursor, if any.
    pub fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    pub(super) fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        if c == b'\n' {
            self.line += 1;
            self.line_start = self.pos;
        }
        Some(c)
    }

    /// The character at the cursor, for error messages (a whole UTF-8 character if valid).
    fn current_char(&self) -> char {
        let rest = &self.src[self.pos.min(self.src.len())..];
        let end = rest.len().min(4);
        for n in (1..=end).rev() {
            if let Ok(s) = core::str::from_utf8(&rest[..n]) {
                if let Some(c) = s.chars().next() {
                    return c;
                }
            }
        }
        rest.first().map_or('\0', |&b| char::from(b))
    }

    fn unexpected(&self, expected: &'static str) -> LiteralError {
        if self.at_end() {
            self.error(LiteralErrorKind::UnexpectedEnd(expected))
        } else {
            self.error(LiteralErrorKind::Unexpected {
                found: self.current_char(),
                expected,
            })
        }
    }

    /// Consumes `c` if it is next.
    pub fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Consumes `c` or fails.
    pub fn expect(&mut self, c: u8, what: &'static str) -> Result<(), LiteralError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    /// Skips white space and comments.
    pub fn skip_space(&mut self) -> Result<(), LiteralError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c) => {
                    self.bump();
                }
                Some(b'-') if self.peek_at(1) == Some(b'-') => {
                    self.pos += 2;
                    if let Some(level) = self.long_bracket_level() {
                        self.long_bracket_body(level)?;
                    } else {
                        while let Some(c) = self.peek() {
                            if c == b'\n' {
                                break;
                            }
                            self.bump();
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// A Lua name (`[A-Za-z_][A-Za-z0-9_]*`), keywords included, if one is next.
    pub fn name(&mut self) -> Option<&'a str> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {}
            _ => return None,
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
            self.pos += 1;
        }
        // Only ASCII was consumed.
        core::str::from_utf8(&self.src[start..self.pos]).ok()
    }

    /// One value: `a / b / ...` of unary terms.
    pub fn value(&mut self) -> Result<Value, LiteralError> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: usize) -> Result<Value, LiteralError> {
        let start = (self.pos, self.line, self.line_start);
        let mut v = self.unary(depth)?;
        loop {
            self.skip_space()?;
            if self.peek() != Some(b'/') {
                return Ok(v);
            }
            self.bump();
            self.skip_space()?;
            let rhs = self.unary(depth)?;
            let (a, b) = match (to_number(&v), to_number(&rhs)) {
                (Some(a), Some(b)) => (a, b),
                (None, _) => return Err(self.error_at_saved(start, Value::type_name(&v))),
                (_, None) => {
                    return Err(self.error(LiteralErrorKind::NotANumber(Value::type_name(&rhs))))
                }
            };
            v = Value::Real(a / b);
        }
    }

    fn error_at_saved(
        &self,
        (pos, line, line_start): (usize, usize, usize),
        ty: &'static str,
    ) -> LiteralError {
        LiteralError {
            line,
            column: pos - line_start + 1,
            kind: LiteralErrorKind::NotANumber(ty),
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Value, LiteralError> {
        if self.peek() == Some(b'-') && self.peek_at(1) != Some(b'-') {
            if depth >= MAX_LITERAL_DEPTH {
                return Err(self.error(LiteralErrorKind::TooDeep));
            }
            self.bump();
            self.skip_space()?;
            let at = self.pos;
            let v = self.unary(depth + 1)?;
            return match v {
                Value::Integer(i) => Ok(Value::Integer(i.wrapping_neg())),
                Value::Real(f) => Ok(Value::Real(-f)),
                other => {
                    Err(self.error_at(at, LiteralErrorKind::NotANumber(Value::type_name(&other))))
                }
            };
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Value, LiteralError> {
        match self.peek() {
            None => Err(self.unexpected("a value")),
            Some(b'"' | b'\'') => self.quoted_string().map(Value::String),
            Some(b'[') => match self.long_bracket_level() {
                Some(level) => self.long_bracket_body(level).map(Value::String),
                None => Err(self.unexpected("a value")),
            },
            Some(b'{') => self.table(depth),
            Some(b'(') => {
                if depth >= MAX_LITERAL_DEPTH {
                    return Err(self.error(LiteralErrorKind::TooDeep));
                }
                self.bump();
                self.skip_space()?;
                let v = self.value_at(depth + 1)?;
                self.skip_space()?;
                self.expect(b')', "')'")?;
                Ok(v)
            }
            Some(c) if c.is_ascii_digit() => self.number(),
            Some(b'.') if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => self.number(),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => self.named(),
            Some(_) => Err(self.unexpected("a value")),
        }
    }

    /// `nil`, `true`, `false`, `math.*` constants, `userdata(0x...)`.
    fn named(&mut self) -> Result<Value, LiteralError> {
        let start = self.pos;
        let name = self.name().unwrap_or_default();
        let v = match name {
            "nil" => Value::Nil,
            "true" => Value::Boolean(true),
            "false" => Value::Boolean(false),
            "math" if self.peek() == Some(b'.') => {
                self.bump();
                let field = self.name().unwrap_or_default();
                match field {
                    "huge" => Value::Real(f64::INFINITY),
                    "pi" => Value::Real(core::f64::consts::PI),
                    "maxinteger" => Value::Integer(i64::MAX),
                    "mininteger" => Value::Integer(i64::MIN),
                    _ => {
                        let full = String::from_utf8_lossy(&self.src[start..self.pos]).into_owned();
                        return Err(self.error_at(start, LiteralErrorKind::UnknownName(full)));
                    }
                }
            }
            "userdata" if self.peek() == Some(b'(') => {
                self.bump();
                self.skip_space()?;
                let at = self.pos;
                let v = self.number()?;
                self.skip_space()?;
                self.expect(b')', "')'")?;
                match v {
                    Value::Integer(i) => Value::LightUserdata(i as u64),
                    _ => {
                        return Err(self.error_at(
                            at,
                            LiteralErrorKind::MalformedNumber("userdata needs an integer".into()),
                        ))
                    }
                }
            }
            other => return Err(self.error_at(start, LiteralErrorKind::UnknownName(other.into()))),
        };
        Ok(v)
    }

    /// A numeral, lexed the way Lua's lexer does (digits, letters, dots, and a sign after
    /// an exponent letter), then converted.
    fn number(&mut self) -> Result<Value, LiteralError> {
        let start = self.pos;
        let hex = self.peek() == Some(b'0') && matches!(self.peek_at(1), Some(b'x' | b'X'));
        let exp_chars: &[u8] = if hex { b"pP" } else { b"eE" };
        let mut prev = 0u8;
        while let Some(c) = self.peek() {
            let sign_ok = (c == b'+' || c == b'-') && exp_chars.contains(&prev);
            if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || sign_ok {
                prev = c;
                self.pos += 1;
            } else {
                break;
            }
        }
        // Only ASCII was consumed.
        let text = core::str::from_utf8(&self.src[start..self.pos]).unwrap_or_default();
        convert_numeral(text)
            .ok_or_else(|| self.error_at(start, LiteralErrorKind::MalformedNumber(text.into())))
    }
}

impl Parser<'_> {
    /// `{ field sep field ... }`.
    fn table(&mut self, depth: usize) -> Result<Value, LiteralError> {
        if depth >= MAX_LITERAL_DEPTH {
            return Err(self.error(LiteralErrorKind::TooDeep));
        }
        self.bump();
        let mut t = Table::new();
        loop {
            self.skip_space()?;
            if self.eat(b'}') {
                return Ok(Value::Table(t));
            }
            self.field(&mut t, depth + 1)?;
            self.skip_space()?;
            if self.eat(b',') || self.eat(b';') {
                continue;
            }
            self.expect(b'}', "',', ';' or '}'")?;
            return Ok(Value::Table(t));
        }
    }

    /// `[k] = v`, `name = v` or `v`.
    fn field(&mut self, t: &mut Table, depth: usize) -> Result<(), LiteralError> {
        if self.peek() == Some(b'[') && !matches!(self.peek_at(1), Some(b'[' | b'=')) {
            self.bump();
            self.skip_space()?;
            let k = self.value_at(depth)?;
            self.skip_space()?;
            self.expect(b']', "']'")?;
            self.skip_space()?;
            self.expect(b'=', "'='")?;
            self.skip_space()?;
            let v = self.value_at(depth)?;
            t.push_pair(k, v);
            return Ok(());
        }
        // `name =` or a value starting with a name (`true`, `math.huge`, ...).
        let save = (self.pos, self.line, self.line_start);
        if let Some(name) = self.name() {
            if !is_keyword(name) {
                let after_name = (self.pos, self.line, self.line_start);
                self.skip_space()?;
                if self.peek() == Some(b'=') && self.peek_at(1) != Some(b'=') {
                    self.bump();
                    self.skip_space()?;
                    let v = self.value_at(depth)?;
                    t.push_pair(Value::string(String::from(name)), v);
                    return Ok(());
                }
                (self.pos, self.line, self.line_start) = after_name;
            }
            (self.pos, self.line, self.line_start) = save;
        }
        let v = self.value_at(depth)?;
        t.push(v);
        Ok(())
    }
}

fn to_number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Real(f) => Some(*f),
        _ => None,
    }
}
