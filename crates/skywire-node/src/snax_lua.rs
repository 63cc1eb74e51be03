//! Reading a snax service's Lua source for its `accept.*` / `response.*` definitions, in
//! order, without running it.
//!
//! skynet numbers a snax service's methods by running its file (`lualib/snax/interface.lua`):
//! `accept` and `response` are tables whose `__newindex` appends `{#id + 1, group, name}`
//! to one list that already holds the four system methods, so every definition the main
//! chunk executes gets the next id, accept and response alike, in execution order. A key
//! that is not a string fails with `"<group> method only support string"`, a value that is
//! not a function with `"<group>.<name> must be function"`, a name defined twice in one
//! group with `"<group>.<name> duplicate definition"` (the same name in the other group is
//! allowed: it is another method).
//!
//! Without running Lua, the order of execution is the order in the text only where every
//! definition runs exactly once, when the file loads. So this reader takes definitions at
//! the top level of the file (or inside plain `do ... end` blocks):
//!
//! - `function accept.NAME(...)` / `function accept:NAME(...)`;
//! - `accept.NAME = EXPR` / `accept["NAME"] = EXPR`, where `EXPR` starting with a literal
//!   (`nil`, `true`, `false`, a number, a string, a table) is refused as skynet refuses it
//!   and anything else (a `function`, a name, a call) is taken to be a function;
//!
//! and refuses, with the line and column, every other use of the names `accept` and
//! `response` that could change what skynet computes: inside a function body, an `if` or a
//! loop (the definition may run once, never or many times), with a key that is not a
//! literal, in a multiple assignment (Lua leaves the order open), redeclared as a local,
//! or read. Mentions in comments and strings, fields of other tables (`snax.response`)
//! and table keys (`{ accept = 1 }`) are not uses. Lexing (comments, strings, long
//! brackets) is `skywire_seri::lua_text`'s.

use skywire_seri::lua_text::{is_keyword, LiteralError, Parser};
use skywire_seri::Value;

use crate::snax_interface::{SnaxGroup, SnaxInterfaceErrorKind};

/// One definition found: group, name, and where (1-based line and column).
pub(crate) struct Definition {
    pub(crate) group: SnaxGroup,
    pub(crate) name: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// A refusal: what, and where.
pub(crate) type ReadError = (usize, usize, SnaxInterfaceErrorKind);

/// The definitions of `text`, in order. Duplicates are not checked here (the interface
/// does that, for every way of building one).
pub(crate) fn read_definitions(text: &str) -> Result<Vec<Definition>, ReadError> {
    Reader::new(text).run()
}

/// A token: only what the rules above need is told apart.
#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Name(&'a str),
    Str(String),
    Num,
    /// `=` (not `==`).
    Assign,
    /// `.` (not `..`).
    Dot,
    /// `:` (not `::`).
    Colon,
    Comma,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    LParen,
    /// Any other operator or punctuation.
    Other,
    End,
}

/// A block the reader is inside.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Block {
    /// A function body: runs later, or never, or many times.
    Function,
    /// `if ... end`: may not run.
    If,
    /// `while`/`for` (`awaiting_do` until its `do`) or `repeat`: may run any number of times.
    Loop { awaiting_do: bool },
    /// `repeat ... until`.
    Repeat,
    /// A plain `do ... end`: runs once, in order.
    Do,
}

struct Lexer<'a> {
    p: Parser<'a>,
}

impl<'a> Lexer<'a> {
    /// The next token and where it starts.
    fn next(&mut self) -> Result<(Tok<'a>, usize, usize), ReadError> {
        self.p.skip_space().map_err(lex_error)?;
        let (line, column) = self.p.position();
        let tok = self.token().map_err(lex_error)?;
        Ok((tok, line, column))
    }

    fn token(&mut self) -> Result<Tok<'a>, LiteralError> {
        let Some(c) = self.p.peek() else {
            return Ok(Tok::End);
        };
        if let Some(name) = self.p.name() {
            return Ok(Tok::Name(name));
        }
        if c.is_ascii_digit() {
            self.numeral();
            return Ok(Tok::Num);
        }
        match c {
            b'"' | b'\'' => return self.string(),
            b'[' => {
                let before = self.p.position();
                return match self.p.value() {
                    Ok(v) => Ok(Tok::Str(string_of(&v))),
                    // Not a long bracket: the parser did not move.
                    Err(_) if self.p.position() == before => {
                        self.p.eat(b'[');
                        Ok(Tok::LBracket)
                    }
                    Err(e) => Err(e),
                };
            }
            _ => {}
        }
        self.p.eat(c);
        Ok(match c {
            b'=' if self.p.eat(b'=') => Tok::Other,
            b'=' => Tok::Assign,
            b'.' => {
                if self.p.peek().is_some_and(|d| d.is_ascii_digit()) {
                    self.numeral();
                    Tok::Num
                } else if self.p.eat(b'.') {
                    self.p.eat(b'.');
                    Tok::Other
                } else {
                    Tok::Dot
                }
            }
            b':' if self.p.eat(b':') => Tok::Other,
            b':' => Tok::Colon,
            b',' => Tok::Comma,
            b']' => Tok::RBracket,
            b'{' => Tok::LBrace,
            b'}' => Tok::RBrace,
            b'(' => Tok::LParen,
            _ => Tok::Other,
        })
    }

    /// The rest of a numeral, lexed as Lua does (digits, letters, dots, a sign after an
    /// exponent letter); its value does not matter here.
    fn numeral(&mut self) {
        let mut prev = 0u8;
        while let Some(c) = self.p.peek() {
            let sign = (c == b'+' || c == b'-') && matches!(prev, b'e' | b'E' | b'p' | b'P');
            if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || sign {
                self.p.eat(c);
                prev = c;
            } else {
                break;
            }
        }
    }

    /// A quoted string, with Lua's escapes.
    fn string(&mut self) -> Result<Tok<'a>, LiteralError> {
        self.p.value().map(|v| Tok::Str(string_of(&v)))
    }
}

/// The text of a string value (the parser gives a string for a string literal).
fn string_of(v: &Value) -> String {
    match v {
        Value::String(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.to_string(),
    }
}

fn lex_error(e: LiteralError) -> ReadError {
    (e.line, e.column, SnaxInterfaceErrorKind::Lua(e))
}

struct Reader<'a> {
    lex: Lexer<'a>,
    /// The current token and its place.
    tok: Tok<'a>,
    line: usize,
    column: usize,
    /// The token before it.
    prev: Tok<'a>,
    blocks: Vec<Block>,
    /// Open `{` (table constructors).
    braces: usize,
    found: Vec<Definition>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Reader {
            lex: Lexer {
                p: Parser::new(text.as_bytes()),
            },
            tok: Tok::Other,
            line: 1,
            column: 1,
            prev: Tok::Other,
            blocks: Vec::new(),
            braces: 0,
            found: Vec::new(),
        }
    }

    /// Moves to the next token.
    fn advance(&mut self) -> Result<(), ReadError> {
        let (tok, line, column) = self.lex.next()?;
        self.prev = std::mem::replace(&mut self.tok, tok);
        self.line = line;
        self.column = column;
        Ok(())
    }

    fn refuse<T>(&self, kind: SnaxInterfaceErrorKind) -> Result<T, ReadError> {
        Err((self.line, self.column, kind))
    }

    fn run(mut self) -> Result<Vec<Definition>, ReadError> {
        self.advance()?;
        loop {
            match self.tok {
                Tok::End => break,
                Tok::Name("function") => {
                    self.advance()?;
                    if let Tok::Name(n) = self.tok {
                        if let Some(group) = group_of(n) {
                            self.function_definition(group)?;
                        }
                    }
                    self.blocks.push(Block::Function);
                    continue;
                }
                Tok::Name(n) => {
                    if let Some(group) = group_of(n) {
                        if !self.prev_is_field_or_key() {
                            self.use_of(group)?;
                            continue;
                        }
                    } else {
                        self.keyword(n)?;
                    }
                }
                Tok::LBrace => self.braces += 1,
                Tok::RBrace => self.braces = self.braces.saturating_sub(1),
                _ => {}
            }
            self.advance()?;
        }
        if let Some(b) = self.blocks.last() {
            return self.refuse(SnaxInterfaceErrorKind::Unbalanced(match b {
                Block::Repeat => "a `repeat` without its `until`",
                _ => "a block without its `end`",
            }));
        }
        Ok(self.found)
    }

    /// Keeps track of blocks.
    fn keyword(&mut self, n: &str) -> Result<(), ReadError> {
        match n {
            "if" => self.blocks.push(Block::If),
            "while" | "for" => self.blocks.push(Block::Loop { awaiting_do: true }),
            "repeat" => self.blocks.push(Block::Repeat),
            "do" => match self.blocks.last_mut() {
                Some(Block::Loop { awaiting_do }) if *awaiting_do => *awaiting_do = false,
                _ => self.blocks.push(Block::Do),
            },
            "end" => match self.blocks.pop() {
                Some(Block::Repeat) | None => {
                    return self.refuse(SnaxInterfaceErrorKind::Unbalanced("an `end` too many"))
                }
                Some(_) => {}
            },
            "until" => match self.blocks.pop() {
                Some(Block::Repeat) => {}
                _ => {
                    return self.refuse(SnaxInterfaceErrorKind::Unbalanced(
                        "an `until` without its `repeat`",
                    ))
                }
            },
            _ => {}
        }
        Ok(())
    }

    /// The current name is a field (`x.accept`, `x:accept`) or a `goto` label: not the
    /// global.
    fn prev_is_field_or_key(&self) -> bool {
        matches!(self.prev, Tok::Dot | Tok::Colon | Tok::Name("goto"))
    }

    /// Where a definition would not run exactly once, in order, while the file loads.
    fn check_runs_once(&self, group: SnaxGroup) -> Result<(), ReadError> {
        for b in self.blocks.iter().rev() {
            match b {
                Block::Do => {}
                Block::Function => return self.refuse(SnaxInterfaceErrorKind::InFunction(group)),
                _ => return self.refuse(SnaxInterfaceErrorKind::Conditional(group)),
            }
        }
        Ok(())
    }

    /// Records a definition found.
    fn define(&mut self, group: SnaxGroup, name: String, line: usize, column: usize) {
        self.found.push(Definition {
            group,
            name,
            line,
            column,
        });
    }

    /// `function accept.NAME(` / `function accept:NAME(`, at the current `accept`.
    fn function_definition(&mut self, group: SnaxGroup) -> Result<(), ReadError> {
        let (line, column) = (self.line, self.column);
        let fail = |kind| Err((line, column, kind));
        self.check_runs_once(group)?;
        self.advance()?;
        if !matches!(self.tok, Tok::Dot | Tok::Colon) {
            // `local function accept(...)` or `function accept(...)`: the global replaced.
            return fail(SnaxInterfaceErrorKind::OtherUse(group));
        }
        self.advance()?;
        let Tok::Name(name) = self.tok else {
            return fail(SnaxInterfaceErrorKind::OtherUse(group));
        };
        let name = name.to_owned();
        self.advance()?;
        if self.tok != Tok::LParen {
            // `function accept.a.b()` indexes accept.a, which is nil.
            return fail(SnaxInterfaceErrorKind::Nested(group, name));
        }
        self.define(group, name, line, column);
        Ok(())
    }

    /// A use of the global `accept` / `response` that is not `function accept.NAME`: a
    /// definition by assignment, a table key, or a refusal (placed at the name). Leaves
    /// the reader on the token after what it read.
    fn use_of(&mut self, group: SnaxGroup) -> Result<(), ReadError> {
        let (line, column) = (self.line, self.column);
        let fail = |kind| Err((line, column, kind));
        let after_comma = self.prev == Tok::Comma;
        let in_table = self.braces > 0;
        self.advance()?;
        if in_table && self.tok == Tok::Assign {
            // `{ accept = ... }`: a key.
            return Ok(());
        }
        if let Err((_, _, kind)) = self.check_runs_once(group) {
            return fail(kind);
        }
        let name = match self.tok {
            Tok::Dot => {
                self.advance()?;
                match self.tok {
                    Tok::Name(n) => n.to_owned(),
                    _ => return fail(SnaxInterfaceErrorKind::OtherUse(group)),
                }
            }
            Tok::LBracket => {
                self.advance()?;
                let key = std::mem::replace(&mut self.tok, Tok::Other);
                self.advance()?;
                match (key, &self.tok) {
                    (Tok::Str(s), Tok::RBracket) => s,
                    (Tok::Num, Tok::RBracket) => {
                        return fail(SnaxInterfaceErrorKind::KeyNotAString(group))
                    }
                    _ => return fail(SnaxInterfaceErrorKind::Dynamic(group)),
                }
            }
            _ => return fail(SnaxInterfaceErrorKind::OtherUse(group)),
        };
        self.advance()?;
        match self.tok {
            Tok::Assign if after_comma => {
                return fail(SnaxInterfaceErrorKind::MultipleAssignment(group))
            }
            Tok::Assign => {}
            Tok::Comma => return fail(SnaxInterfaceErrorKind::MultipleAssignment(group)),
            Tok::Dot | Tok::LBracket | Tok::Colon => {
                return fail(SnaxInterfaceErrorKind::Nested(group, name))
            }
            _ => return fail(SnaxInterfaceErrorKind::OtherUse(group)),
        }
        if in_table {
            return fail(SnaxInterfaceErrorKind::OtherUse(group));
        }
        self.advance()?;
        // A `function`, a name or a parenthesized expression may be a function; a
        // literal, an operator or nothing is not.
        let may_be_function = match self.tok {
            Tok::Name(n) => n == "function" || !is_keyword(n),
            Tok::LParen => true,
            _ => false,
        };
        if !may_be_function {
            return fail(SnaxInterfaceErrorKind::NotAFunction(group, name));
        }
        self.define(group, name, line, column);
        // The value's first token (a `function`, a name, ...) is read by the main loop.
        Ok(())
    }
}

/// The group a global name stands for.
fn group_of(name: &str) -> Option<SnaxGroup> {
    match name {
        "accept" => Some(SnaxGroup::Accept),
        "response" => Some(SnaxGroup::Response),
        _ => None,
    }
}
