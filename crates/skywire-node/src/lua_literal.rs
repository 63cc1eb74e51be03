//! Lua literals: the subset of Lua expressions that denote a constant value.
//!
//! Used for the right-hand sides of a `clustername` file and by the `skywire` command for
//! arguments. It reads everything `Value`'s `Display` writes, so printed values read back:
//!
//! - `nil`, `true`, `false`;
//! - numbers as Lua reads them: decimal integers (one that does not fit 64 bits becomes a
//!   float), hex integers (wrapping modulo 2^64, `0xffffffffffffffff` is -1), floats with a
//!   dot and/or an exponent (`1.5`, `.5`, `3.`, `1e300`), hex floats (`0x1p4`); unary minus;
//!   `math.huge`, `math.pi`, `math.maxinteger`, `math.mininteger`; `/` between numbers,
//!   so `0/0` and `(0/0)` give NaN and `1/0` infinity; parentheses;
//! - strings in `"..."` or `'...'` with Lua's escapes (`\n \t \\ \" \' \a \b \f \v \r`,
//!   `\xNN`, `\ddd`, `\u{XXX}`, `\z`, backslash-newline), and long strings `[[...]]`,
//!   `[==[...]==]`;
//! - tables `{1, 2, k = "v", ["x y"] = 1, [3] = 4}` (`,` or `;` between fields, one
//!   trailing separator allowed), kept as written: positional fields form the array part,
//!   keyed fields the hash part, in order;
//! - `userdata(0x...)`, the form `Display` uses for a light userdata.
//!
//! Comments (`-- ...` and `--[[ ... ]]`) count as white space.

use bytes::Bytes;
use skywire_seri::{Table, Value};

/// How deep tables (and parentheses, and unary minus signs) may nest in a literal (as deep
/// as lua-seri decoding allows tables to).
pub const MAX_LITERAL_DEPTH: usize = skywire_seri::DEFAULT_MAX_DEPTH;

/// What is wrong with a literal, and where (1-based line and column, in bytes).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct LiteralError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (bytes).
    pub column: usize,
    /// What was wrong.
    pub kind: LiteralErrorKind,
}

/// What was wrong with a literal.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LiteralErrorKind {
    /// The text ended where more was expected.
    #[error("unexpected end of input, expected {0}")]
    UnexpectedEnd(&'static str),
    /// A character that cannot start or continue what was being read.
    #[error("unexpected {found:?}, expected {expected}")]
    Unexpected {
        /// The character found.
        found: char,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A token that looks like a number but is not one.
    #[error("malformed number {0:?}")]
    MalformedNumber(String),
    /// A string escape Lua does not accept.
    #[error("invalid escape sequence {0:?}")]
    InvalidEscape(String),
    /// A string with no closing quote (or a line break inside a quoted string).
    #[error("unfinished string")]
    UnfinishedString,
    /// A name that is not a known constant (`math.huge`, `true`, ...).
    #[error("unknown name {0:?} (only constants are allowed)")]
    UnknownName(String),
    /// `/` or unary minus applied to something that is not a number.
    #[error("arithmetic on a {0} value")]
    NotANumber(&'static str),
    /// Tables, parentheses and minus signs nested deeper than [`MAX_LITERAL_DEPTH`].
    #[error("nested deeper than {MAX_LITERAL_DEPTH}")]
    TooDeep,
    /// Something follows the literal.
    #[error("unexpected text after the value")]
    Trailing,
}

/// Reads one literal that makes up the whole of `text` (white space and comments around
/// it allowed).
///
/// ```
/// use skywire_node::lua_literal::parse_value;
/// use skywire_seri::Value;
/// assert_eq!(parse_value("-0x10").unwrap(), Value::Integer(-16));
/// let t = parse_value(r#"{1, "two", k = {true}}"#).unwrap();
/// assert_eq!(t.to_string(), r#"{1, "two", k = {true}}"#);
/// assert!(parse_value("1 2").is_err());
/// ```
pub fn parse_value(text: &str) -> Result<Value, LiteralError> {
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
pub(crate) struct Parser<'a> {
    src: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
}

const KEYWORDS: [&str; 22] = [
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
    "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
];

/// True for a Lua reserved word.
pub(crate) fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a [u8]) -> Self {
        Parser {
            src,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    pub(crate) fn error(&self, kind: LiteralErrorKind) -> LiteralError {
        self.error_at(self.pos, kind)
    }

    /// An error at byte `pos`, which must be on the current line or earlier on it.
    fn error_at(&self, pos: usize, kind: LiteralErrorKind) -> LiteralError {
        LiteralError {
            line: self.line,
            column: pos.saturating_sub(self.line_start) + 1,
            kind,
        }
    }

    /// The cursor's 1-based line and column.
    pub(crate) fn position(&self) -> (usize, usize) {
        (self.line, self.pos - self.line_start + 1)
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    fn bump(&mut self) -> Option<u8> {
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
            if let Ok(s) = std::str::from_utf8(&rest[..n]) {
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
    pub(crate) fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Consumes `c` or fails.
    pub(crate) fn expect(&mut self, c: u8, what: &'static str) -> Result<(), LiteralError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    /// Skips white space and comments.
    pub(crate) fn skip_space(&mut self) -> Result<(), LiteralError> {
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
    pub(crate) fn name(&mut self) -> Option<&'a str> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {}
            _ => return None,
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
            self.pos += 1;
        }
        // Only ASCII was consumed.
        std::str::from_utf8(&self.src[start..self.pos]).ok()
    }

    /// One value: `a / b / ...` of unary terms.
    pub(crate) fn value(&mut self) -> Result<Value, LiteralError> {
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
                (None, _) => return Err(self.error_at_saved(start, type_name(&v))),
                (_, None) => return Err(self.error(LiteralErrorKind::NotANumber(type_name(&rhs)))),
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
                other => Err(self.error_at(at, LiteralErrorKind::NotANumber(type_name(&other)))),
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
                    "pi" => Value::Real(std::f64::consts::PI),
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
        let text = std::str::from_utf8(&self.src[start..self.pos]).unwrap_or_default();
        convert_numeral(text)
            .ok_or_else(|| self.error_at(start, LiteralErrorKind::MalformedNumber(text.into())))
    }

    /// `"..."` or `'...'`.
    fn quoted_string(&mut self) -> Result<Bytes, LiteralError> {
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
    fn long_bracket_level(&mut self) -> Option<usize> {
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
    fn long_bracket_body(&mut self, level: usize) -> Result<Bytes, LiteralError> {
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
                    t.push_pair(Value::string(name.to_owned()), v);
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

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "nil",
        Value::Boolean(_) => "boolean",
        Value::Integer(_) | Value::Real(_) => "number",
        Value::String(_) => "string",
        Value::Table(_) => "table",
        Value::LightUserdata(_) => "userdata",
    }
}

fn to_number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Real(f) => Some(*f),
        _ => None,
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

/// Converts a numeral as Lua does: integers first (decimal ones that overflow become
/// floats, hex ones wrap), then floats.
fn convert_numeral(text: &str) -> Option<Value> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return convert_hex(hex);
    }
    if text.bytes().all(|c| c.is_ascii_digit()) {
        return match text.parse::<i64>() {
            Ok(i) => Some(Value::Integer(i)),
            Err(_) => text.parse::<f64>().ok().map(Value::Real),
        };
    }
    // A float: digits, at most one dot, optional exponent with digits.
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut dots = 0;
    let mut digits = 0;
    for c in mantissa.bytes() {
        match c {
            b'.' => dots += 1,
            c if c.is_ascii_digit() => digits += 1,
            _ => return None,
        }
    }
    if dots > 1 || digits == 0 {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !e.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let mut s = String::with_capacity(text.len() + 2);
    if mantissa.starts_with('.') {
        s.push('0');
    }
    s.push_str(mantissa);
    if mantissa.ends_with('.') {
        s.push('0');
    }
    if let Some(e) = exponent {
        s.push('e');
        s.push_str(e);
    }
    s.parse::<f64>().ok().map(Value::Real)
}

/// The part of a hex numeral after `0x`: an integer (wrapping) or a hex float.
fn convert_hex(text: &str) -> Option<Value> {
    let (mantissa, exponent) = match text.find(['p', 'P']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let is_float = exponent.is_some() || mantissa.contains('.');
    if !is_float {
        if mantissa.is_empty() {
            return None;
        }
        let mut v: u64 = 0;
        for c in mantissa.chars() {
            v = v.wrapping_mul(16).wrapping_add(u64::from(c.to_digit(16)?));
        }
        return Some(Value::Integer(v as i64));
    }
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut m: f64 = 0.0;
    for c in int_part.chars() {
        m = m * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        m += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let e: i32 = match exponent {
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            e.parse::<i64>().ok()?.clamp(-10_000, 10_000) as i32
        }
        None => 0,
    };
    Some(Value::Real(m * 2f64.powi(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Value {
        parse_value(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn real_bits(text: &str) -> u64 {
        match v(text) {
            Value::Real(f) => f.to_bits(),
            other => panic!("{text} gave {other:?}"),
        }
    }

    #[test]
    fn integers_as_lua_reads_them() {
        assert_eq!(v("0"), Value::Integer(0));
        assert_eq!(v("42"), Value::Integer(42));
        assert_eq!(v("-7"), Value::Integer(-7));
        assert_eq!(v("- 7"), Value::Integer(-7));
        assert_eq!(v("0x0a"), Value::Integer(10));
        assert_eq!(v("0XfF"), Value::Integer(255));
        assert_eq!(v("0xffffffffffffffff"), Value::Integer(-1));
        assert_eq!(v("0x10000000000000001"), Value::Integer(1));
        assert_eq!(v("9223372036854775807"), Value::Integer(i64::MAX));
        assert_eq!(v("math.maxinteger"), Value::Integer(i64::MAX));
        assert_eq!(v("math.mininteger"), Value::Integer(i64::MIN));
        assert_eq!(v("-math.mininteger"), Value::Integer(i64::MIN));
        // Lua: a decimal integer that overflows is read as a float.
        assert_eq!(
            real_bits("9223372036854775808"),
            9223372036854775808f64.to_bits()
        );
        assert_eq!(
            real_bits("-9223372036854775808"),
            (-9223372036854775808f64).to_bits()
        );
    }

    #[test]
    fn floats_as_lua_reads_them() {
        assert_eq!(real_bits("1.5"), 1.5f64.to_bits());
        assert_eq!(real_bits(".5"), 0.5f64.to_bits());
        assert_eq!(real_bits("3."), 3.0f64.to_bits());
        assert_eq!(real_bits("1e300"), 1e300f64.to_bits());
        assert_eq!(real_bits("1E-3"), 1e-3f64.to_bits());
        assert_eq!(real_bits("2.5e+2"), 250f64.to_bits());
        assert_eq!(real_bits("-0.0"), (-0.0f64).to_bits());
        assert_eq!(real_bits("0x1p4"), 16f64.to_bits());
        assert_eq!(real_bits("0x.8"), 0.5f64.to_bits());
        assert_eq!(real_bits("0xA.8p-1"), 5.25f64.to_bits());
        assert_eq!(real_bits("math.huge"), f64::INFINITY.to_bits());
        assert_eq!(real_bits("-math.huge"), f64::NEG_INFINITY.to_bits());
        assert_eq!(real_bits("1/0"), f64::INFINITY.to_bits());
        assert_eq!(real_bits("-1/0"), f64::NEG_INFINITY.to_bits());
        assert_eq!(real_bits("4/2"), 2f64.to_bits());
        assert_eq!(real_bits("math.pi"), std::f64::consts::PI.to_bits());
        for nan in ["0/0", "(0/0)", "-(0/0)", " ( 0 / 0 ) "] {
            assert!(matches!(v(nan), Value::Real(f) if f.is_nan()), "{nan}");
        }
    }

    #[test]
    fn malformed_numbers_are_errors() {
        for bad in ["1e", "1.2.3", "0x", "12abc", "1e+", "0xg", "1..2", "0x1p"] {
            let e = parse_value(bad).unwrap_err();
            assert!(
                matches!(e.kind, LiteralErrorKind::MalformedNumber(_)),
                "{bad}: {e:?}"
            );
            assert_eq!((e.line, e.column), (1, 1), "{bad}");
        }
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(v(r#""a\"b""#), Value::string("a\"b"));
        assert_eq!(
            v(r"'it''s'".replace("''", "\\'").as_str()),
            Value::string("it's")
        );
        assert_eq!(
            v(r#""\n\t\\\r\a\b\f\v""#),
            Value::string("\n\t\\\r\x07\x08\x0c\x0b")
        );
        assert_eq!(v(r#""\x41\x7a\xff""#), Value::string(&b"Az\xff"[..]));
        assert_eq!(v(r#""\65\066\0067""#), Value::string("AB\x067"));
        assert_eq!(v(r#""\0\255""#), Value::string(&b"\x00\xff"[..]));
        assert_eq!(v(r#""\u{48}\u{e9}\u{2713}""#), Value::string("Hé✓"));
        assert_eq!(
            v(r#""\u{7FFFFFFF}""#),
            Value::string(&b"\xfd\xbf\xbf\xbf\xbf\xbf"[..])
        );
        assert_eq!(v("\"a\\z   \n  b\""), Value::string("ab"));
        assert_eq!(v("\"a\\\nb\""), Value::string("a\nb"));
        assert_eq!(v("[[\nline1\nline2]]"), Value::string("line1\nline2"));
        assert_eq!(v("[==[a]]b]=]c]==]"), Value::string("a]]b]=]c"));
        assert_eq!(v("\"héllo\""), Value::string("héllo"));
        for (bad, col) in [
            (r#""\q""#, 2),
            (r#""\x4""#, 2),
            (r#""\256""#, 2),
            (r#""\u{}""#, 2),
        ] {
            let e = parse_value(bad).unwrap_err();
            assert!(
                matches!(e.kind, LiteralErrorKind::InvalidEscape(_)),
                "{bad}: {e:?}"
            );
            assert_eq!(e.column, col, "{bad}");
        }
        assert_eq!(
            parse_value("\"abc").unwrap_err().kind,
            LiteralErrorKind::UnfinishedString
        );
        assert_eq!(
            parse_value("\"ab\ncd\"").unwrap_err().kind,
            LiteralErrorKind::UnfinishedString
        );
    }

    #[test]
    fn tables_keep_their_layout() {
        let t = v(r#"{1, 2, k = "v", ["x y"] = 1, [3] = 4; {nested = true},}"#);
        let Value::Table(t) = t else { panic!() };
        assert_eq!(t.array.len(), 3);
        assert_eq!(t.array[0], Value::Integer(1));
        assert!(
            matches!(&t.array[2], Value::Table(n) if n.get_str("nested") == Some(&Value::Boolean(true)))
        );
        assert_eq!(
            t.hash,
            vec![
                (Value::string("k"), Value::string("v")),
                (Value::string("x y"), Value::Integer(1)),
                (Value::Integer(3), Value::Integer(4)),
            ]
        );
        assert_eq!(v("{}"), Value::Table(Table::new()));
        assert_eq!(v("{ true, nil }").to_string(), "{true, nil}");
        assert_eq!(v("{[ [[k]] ] = 1}").to_string(), "{k = 1}");
        assert!(parse_value("{a == 1}").is_err());
        assert!(parse_value("{,}").is_err());
        assert!(parse_value("{1,,}").is_err());
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse_value("{1,\n  2,\n  @}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 3));
        assert!(matches!(
            e.kind,
            LiteralErrorKind::Unexpected { found: '@', .. }
        ));
        let e = parse_value("{1, 2").unwrap_err();
        assert!(matches!(e.kind, LiteralErrorKind::UnexpectedEnd(_)));
        let e = parse_value("foo").unwrap_err();
        assert_eq!(e.kind, LiteralErrorKind::UnknownName("foo".into()));
        let e = parse_value("math.tau").unwrap_err();
        assert_eq!(e.kind, LiteralErrorKind::UnknownName("math.tau".into()));
        let e = parse_value("-\"x\"").unwrap_err();
        assert_eq!(e.kind, LiteralErrorKind::NotANumber("string"));
        assert_eq!(e.column, 2);
        let e = parse_value("1 2").unwrap_err();
        assert_eq!((e.kind, e.column), (LiteralErrorKind::Trailing, 3));
        let deep = "{".repeat(MAX_LITERAL_DEPTH + 1) + &"}".repeat(MAX_LITERAL_DEPTH + 1);
        assert_eq!(
            parse_value(&deep).unwrap_err().kind,
            LiteralErrorKind::TooDeep
        );
        let ok = "{".repeat(MAX_LITERAL_DEPTH) + &"}".repeat(MAX_LITERAL_DEPTH);
        assert!(parse_value(&ok).is_ok());
        // Hostile nesting of other kinds is bounded too (no stack overflow).
        let parens = "(".repeat(100_000) + "1" + &")".repeat(100_000);
        assert_eq!(
            parse_value(&parens).unwrap_err().kind,
            LiteralErrorKind::TooDeep
        );
        let minus = "- ".repeat(100_000) + "1";
        assert_eq!(
            parse_value(&minus).unwrap_err().kind,
            LiteralErrorKind::TooDeep
        );
        let mixed = "{(".repeat(100_000);
        assert_eq!(
            parse_value(&mixed).unwrap_err().kind,
            LiteralErrorKind::TooDeep
        );
        assert_eq!(parse_value("- - -(((3)))").unwrap(), Value::Integer(-3));
    }

    #[test]
    fn comments_are_space_and_userdata_reads_back() {
        assert_eq!(v("-- lead\n 5 --[[ trail ]]"), Value::Integer(5));
        assert_eq!(v("--[==[ x ]] ]==] 6"), Value::Integer(6));
        assert_eq!(
            v("userdata(0x0123456789abcdef)"),
            Value::LightUserdata(0x0123_4567_89ab_cdef)
        );
        assert_eq!(
            v("userdata(0xffffffffffffffff)"),
            Value::LightUserdata(u64::MAX)
        );
    }

    mod round_trip {
        use super::super::*;
        use proptest::prelude::*;

        /// Any value: reals of every bit pattern but NaN (whose payload `(0/0)` cannot carry),
        /// strings of any bytes, tables with both parts, light userdata.
        fn any_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Nil),
                any::<bool>().prop_map(Value::Boolean),
                any::<i64>().prop_map(Value::Integer),
                any::<u64>()
                    .prop_map(f64::from_bits)
                    .prop_filter("NaN", |f| !f.is_nan())
                    .prop_map(Value::Real),
                prop_oneof![
                    Just(f64::INFINITY),
                    Just(f64::NEG_INFINITY),
                    Just(-0.0),
                    Just(0.5)
                ]
                .prop_map(Value::Real),
                proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::string),
                "[a-zA-Z_][a-zA-Z0-9_]{0,8}".prop_map(Value::string),
                any::<String>().prop_map(Value::string),
                any::<u64>().prop_map(Value::LightUserdata),
            ];
            leaf.prop_recursive(4, 64, 8, |inner| {
                (
                    proptest::collection::vec(inner.clone(), 0..6),
                    proptest::collection::vec((inner.clone(), inner), 0..6),
                )
                    .prop_map(|(array, hash)| Value::Table(Table { array, hash }))
            })
        }

        proptest! {
            #[test]
            fn display_reads_back(v in any_value()) {
                let text = v.to_string();
                let back = parse_value(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                prop_assert!(back.exact_eq(&v), "{} read back as {}", text, back);
            }
        }
    }
}
