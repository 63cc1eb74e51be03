//! Lua text in and out: a value written as a Lua literal (`Display`, in `write.rs`) and a
//! Lua literal read back as a value ([`parse_lua`], in `read.rs`); everything one writes the
//! other reads, so printed values read back exactly.
//!
//! The literals read are the subset of Lua expressions that denote a constant value (the
//! right-hand sides of a skynet `clustername` file, the arguments of the `skywire` command):
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
//!
//! Files: `write` (`Display`), `read` ([`Parser`], [`parse_lua`]), `string` (string
//! literals and long brackets), `numeral` (numbers converted as Lua does), `error`
//! ([`LiteralError`]).

mod error;
mod numeral;
mod read;
mod string;
mod write;

pub use error::{LiteralError, LiteralErrorKind, MAX_LITERAL_DEPTH};
pub use read::{parse_lua, Parser};

/// Lua's reserved words: never bare table keys, never constant names.
const KEYWORDS: [&str; 22] = [
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
    "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
];

/// `true` for a Lua reserved word (`and`, `end`, `nil`, ...).
///
/// ```
/// use skywire_seri::lua_text::is_keyword;
/// assert!(is_keyword("end") && !is_keyword("ends"));
/// ```
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}
