//! What the deserializer reads from: a [`Read`] source gives the values of an argument list
//! one wire item at a time, in wire order (a table's head, its array items, its hash keys and
//! values, its end), whatever holds them. Two sources: [`SliceRead`] reads checked lua-seri
//! bytes (the fast path of [`from_slice`](super::from_slice): no tree is built) and
//! [`TreeRead`] walks [`Value`]s ([`from_values`](super::from_values)). The mapping to Rust
//! types is written once, in [`de`](super::de), over this trait.

use alloc::string::String;
use core::slice;

use smallvec::SmallVec;

use super::SerdeError;
use crate::decode::{skip_value, Cursor, Item};
use crate::error::DecodeError;
use crate::value::{Table, Value};
use crate::wire;

/// The first part of a value: a scalar whole, or a table's head (the source is then at its
/// first array item).
#[derive(Clone, Copy)]
pub(super) enum Head<'de> {
    Nil,
    Boolean(bool),
    Integer(i64),
    Real(f64),
    String(&'de [u8]),
    Table { array_len: usize },
    LightUserdata(u64),
}

impl Head<'_> {
    /// How the value is named in type-mismatch errors.
    fn found(&self) -> &'static str {
        match self {
            Head::Nil => "nil",
            Head::Boolean(_) => "boolean",
            Head::Integer(_) => "integer",
            Head::Real(_) => "float",
            Head::String(_) => "string",
            Head::Table { .. } => "table",
            Head::LightUserdata(_) => "light userdata",
        }
    }

    /// The error for a target wanting `expected` where this value is.
    pub(super) fn mismatch(&self, expected: &str) -> SerdeError {
        SerdeError::TypeMismatch {
            expected: String::from(expected),
            found: String::from(self.found()),
        }
    }
}

/// A source of values in wire order. Reading a value consumes exactly it; a table is read
/// as its head, then its array items, then its hash pairs until [`Read::hash_end`].
pub(super) trait Read<'de> {
    /// A position to come back to.
    type Mark;

    /// A source holding one nil: what a missing value reads as.
    fn nil() -> Self;

    /// Reads the head of the next value; for a table, the source is then at its first
    /// array item.
    fn head(&mut self) -> Result<Head<'de>, DecodeError>;

    /// Passes over the next value, whole.
    fn skip(&mut self) -> Result<(), DecodeError>;

    /// At a table's hash part (its array part read): `true`, and past the table, if no
    /// pair is left; `false` if a key is next.
    fn hash_end(&mut self) -> Result<bool, DecodeError>;

    /// The current position.
    fn mark(&self) -> Self::Mark;

    /// Back to a position taken with [`Read::mark`] (or given by [`Read::end_if_pairs`]).
    fn rewind(&mut self, mark: Self::Mark);

    /// `true` when every value of the argument list has been read.
    fn at_end(&self) -> bool;

    /// With the source at the first array item of a table of `array_len` items: the
    /// position past the table if its hash part holds exactly `pairs` pairs (0 or 1), else
    /// `None`. The source is left where it was.
    fn end_if_pairs(
        &mut self,
        array_len: usize,
        pairs: usize,
    ) -> Result<Option<Self::Mark>, DecodeError>;

    /// The next value if it is an integer (consumed), else `None` with nothing read: a
    /// shortcut a source may give for the commonest read (the default gives none), taken
    /// before [`Read::head`].
    #[inline(always)]
    fn integer(&mut self) -> Option<i64> {
        None
    }

    /// The next value if it is a string (consumed), else `None` with nothing read: a
    /// shortcut like [`Read::integer`] (a source may give it for some strings only).
    #[inline(always)]
    fn string(&mut self) -> Option<&'de [u8]> {
        None
    }

    /// At a table's hash part (its array part read): the next key if it is a string
    /// (consumed, the source at its value), else `None` with nothing read. A shortcut
    /// like [`Read::integer`].
    #[inline(always)]
    fn string_key(&mut self) -> Option<&'de [u8]> {
        None
    }

    /// The head of the next value, leaving the source where it was.
    #[inline]
    fn peek_head(&mut self) -> Result<Head<'de>, DecodeError> {
        let at = self.mark();
        let head = self.head();
        self.rewind(at);
        head
    }
}

/// The wire form of nil: what [`SliceRead::nil`] reads.
static NIL_WIRE: [u8; 1] = [wire::TYPE_NIL];

/// lua-seri bytes, every read checked as [`unpack`](crate::unpack) checks it, the depth
/// limit included: what is read or skipped of a payload is known to unpack, whether or not
/// the payload was validated first (see [`deserialize_slice`](super::deserialize_slice)).
pub(super) struct SliceRead<'de> {
    cur: Cursor<'de>,
    /// Tables entered and not yet left.
    depth: usize,
    max_depth: usize,
}

impl<'de> SliceRead<'de> {
    /// Reads `payload` from its start, with tables nested at most `max_depth` deep.
    pub(super) const fn new(payload: &'de [u8], max_depth: usize) -> Self {
        SliceRead {
            cur: Cursor::new(payload),
            depth: 0,
            max_depth,
        }
    }
}

impl<'de> Read<'de> for SliceRead<'de> {
    /// The position, and the tables open there.
    type Mark = (usize, usize);

    #[inline]
    fn nil() -> Self {
        SliceRead::new(&NIL_WIRE, 0)
    }

    #[inline(always)]
    fn head(&mut self) -> Result<Head<'de>, DecodeError> {
        let cur = &mut self.cur;
        Ok(match cur.item()? {
            Item::Nil => Head::Nil,
            Item::Boolean(b) => Head::Boolean(b),
            Item::Integer(i) => Head::Integer(i),
            Item::Real(x) => Head::Real(x),
            Item::LightUserdata(p) => Head::LightUserdata(p),
            Item::String(range) => Head::String(cur.buf().get(range).unwrap_or_default()),
            Item::Table { start, cookie } => {
                let array_len = cur.table_len(start, cookie, self.depth, self.max_depth)?;
                self.depth += 1;
                Head::Table { array_len }
            }
        })
    }

    #[inline(always)]
    fn integer(&mut self) -> Option<i64> {
        self.cur.integer_item()
    }

    /// Short strings only: the others are read by [`Read::head`].
    #[inline(always)]
    fn string(&mut self) -> Option<&'de [u8]> {
        self.cur.short_string_item()
    }

    #[inline(always)]
    fn skip(&mut self) -> Result<(), DecodeError> {
        skip_value(&mut self.cur, self.depth, self.max_depth)
    }

    #[inline(always)]
    fn hash_end(&mut self) -> Result<bool, DecodeError> {
        let end = self.cur.hash_end()?;
        if end {
            self.depth = self.depth.saturating_sub(1);
        }
        Ok(end)
    }

    #[inline(always)]
    fn mark(&self) -> (usize, usize) {
        (self.cur.pos(), self.depth)
    }

    #[inline(always)]
    fn rewind(&mut self, (pos, depth): (usize, usize)) {
        self.cur.rewind(pos);
        self.depth = depth;
    }

    #[inline(always)]
    fn at_end(&self) -> bool {
        self.cur.at_end()
    }

    /// Looks ahead: passes over the array items and up to `pairs` pairs, then comes back.
    fn end_if_pairs(
        &mut self,
        array_len: usize,
        pairs: usize,
    ) -> Result<Option<(usize, usize)>, DecodeError> {
        let at = self.mark();
        let mut look = || {
            for _ in 0..array_len {
                self.skip()?;
            }
            for _ in 0..pairs {
                if self.hash_end()? {
                    return Ok(None);
                }
                self.skip()?;
                self.skip()?;
            }
            Ok(self.hash_end()?.then(|| self.mark()))
        };
        let end = look();
        self.rewind(at);
        end
    }
}

/// The values of one table (or of the argument list) being walked: its array items, then
/// its hash keys and values alternately.
#[derive(Clone)]
pub(super) struct Frame<'de> {
    /// The values to give before the next hash key: the array items not given yet, and
    /// once in the hash part, the value of the key given last (if not given yet). One
    /// iterator, so the common case (the next item is at hand) is one test.
    items: slice::Iter<'de, Value>,
    /// The pairs not reached yet.
    hash: slice::Iter<'de, (Value, Value)>,
}

impl<'de> Frame<'de> {
    fn new(array: &'de [Value], hash: &'de [(Value, Value)]) -> Self {
        Frame {
            items: array.iter(),
            hash: hash.iter(),
        }
    }

    /// The next value, if any is left.
    #[inline(always)]
    fn next(&mut self) -> Option<&'de Value> {
        if let Some(v) = self.items.next() {
            return Some(v);
        }
        let (k, v) = self.hash.next()?;
        self.items = slice::from_ref(v).iter();
        Some(k)
    }

    /// `true` when every value has been given.
    #[inline]
    fn done(&self) -> bool {
        self.items.len() == 0 && self.hash.len() == 0
    }
}

/// How many enclosing tables [`TreeRead`] keeps without allocating: deeper trees are rare.
const INLINE_DEPTH: usize = 8;

/// A list of [`Value`]s walked in wire order. The tables entered are kept on a stack (the
/// innermost is `top`), so the source answers look-ahead questions by looking.
pub(super) struct TreeRead<'de> {
    top: Frame<'de>,
    /// The frames of the tables (and the list) around `top`, outermost first.
    outer: SmallVec<[Frame<'de>; INLINE_DEPTH]>,
}

/// The nil that [`TreeRead::nil`] reads.
static NIL: [Value; 1] = [Value::Nil];

impl<'de> TreeRead<'de> {
    /// Walks `values` from the first.
    pub(super) fn new(values: &'de [Value]) -> Self {
        TreeRead {
            top: Frame::new(values, &[]),
            outer: SmallVec::new(),
        }
    }

    #[inline]
    fn enter(&mut self, t: &'de Table) -> Head<'de> {
        let inner = Frame::new(&t.array, &t.hash);
        self.outer.push(core::mem::replace(&mut self.top, inner));
        Head::Table {
            array_len: t.array.len(),
        }
    }
}

impl<'de> Read<'de> for TreeRead<'de> {
    /// How many frames are around the current one, and the current one.
    type Mark = (usize, Frame<'de>);

    #[inline]
    fn nil() -> Self {
        TreeRead::new(&NIL)
    }

    #[inline(always)]
    fn head(&mut self) -> Result<Head<'de>, DecodeError> {
        // Never past the end: the deserializer reads only what the wire form would hold.
        Ok(match self.top.next().unwrap_or(&NIL[0]) {
            Value::Nil => Head::Nil,
            Value::Boolean(b) => Head::Boolean(*b),
            Value::Integer(i) => Head::Integer(*i),
            Value::Real(x) => Head::Real(*x),
            Value::String(s) => Head::String(s),
            Value::Table(t) => self.enter(t),
            Value::LightUserdata(p) => Head::LightUserdata(*p),
        })
    }

    /// The tree's integers are at hand: no table is entered.
    #[inline(always)]
    fn integer(&mut self) -> Option<i64> {
        match self.top.items.as_slice().first() {
            Some(Value::Integer(i)) => {
                self.top.items.next();
                Some(*i)
            }
            _ => None,
        }
    }

    #[inline(always)]
    fn string(&mut self) -> Option<&'de [u8]> {
        match self.top.items.as_slice().first() {
            Some(Value::String(s)) => {
                self.top.items.next();
                Some(s)
            }
            _ => None,
        }
    }

    #[inline(always)]
    fn string_key(&mut self) -> Option<&'de [u8]> {
        let top = &mut self.top;
        match top.hash.as_slice().first() {
            Some((Value::String(k), v)) if top.items.len() == 0 => {
                top.hash.next();
                top.items = slice::from_ref(v).iter();
                Some(k)
            }
            _ => None,
        }
    }

    #[inline]
    fn skip(&mut self) -> Result<(), DecodeError> {
        self.top.next();
        Ok(())
    }

    #[inline]
    fn hash_end(&mut self) -> Result<bool, DecodeError> {
        if !self.top.done() {
            return Ok(false);
        }
        if let Some(outer) = self.outer.pop() {
            self.top = outer;
        }
        Ok(true)
    }

    #[inline]
    fn mark(&self) -> Self::Mark {
        (self.outer.len(), self.top.clone())
    }

    #[inline]
    fn rewind(&mut self, (depth, top): Self::Mark) {
        self.outer.truncate(depth);
        self.top = top;
    }

    #[inline]
    fn at_end(&self) -> bool {
        self.outer.is_empty() && self.top.done()
    }

    /// Looks at the table directly.
    #[inline]
    fn end_if_pairs(
        &mut self,
        _array_len: usize,
        pairs: usize,
    ) -> Result<Option<Self::Mark>, DecodeError> {
        if self.top.hash.len() != pairs {
            return Ok(None);
        }
        let depth = self.outer.len().saturating_sub(1);
        Ok(self.outer.last().map(|around| (depth, around.clone())))
    }
}
