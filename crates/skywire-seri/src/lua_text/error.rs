//! What is wrong with a Lua literal, and where.

use alloc::string::String;

/// How deep tables (and parentheses, and unary minus signs) may nest in a literal (as deep
/// as lua-seri decoding allows tables to).
pub const MAX_LITERAL_DEPTH: usize = crate::DEFAULT_MAX_DEPTH;

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
