//! The flat decoding of a payload: [`Tape`], what [`unpack_tape`](crate::unpack_tape) builds.
//!
//! Every value is one node of a single vector, in wire order. A table is a node that says
//! how many array items and hash pairs follow it and where its contents end; its contents
//! are the nodes after it. Decoding a payload therefore allocates nothing per table or per
//! string (strings borrow the payload), and into a reused [`Tape`] nothing at all: the
//! form for hot paths that read a message once, such as a router looking at its first
//! argument. Reading is by cursor ([`TapeValue`], [`TapeTable`]); [`TapeValue::to_value_ref`]
//! builds the tree forms when needed.

use alloc::vec::Vec;
use core::fmt;

use crate::decode::{Cursor, Item};
use crate::error::DecodeError;
use crate::limits::DecodeLimits;
use crate::value_ref::{TableRef, ValueRef};

/// One node of a [`Tape`].
#[derive(Clone, Copy, Debug, PartialEq)]
enum Node<'a> {
    Nil,
    Boolean(bool),
    Integer(i64),
    Real(f64),
    String(&'a [u8]),
    LightUserdata(u64),
    /// A table: `array` values, then `pairs` key/value pairs, follow this node; its last
    /// node is at `end - 1` (the index of the node after the table is `end`).
    Table {
        array: usize,
        pairs: usize,
        end: usize,
    },
}

/// A payload decoded flat: its values as one vector of nodes whose strings borrow the
/// payload. Same validation, errors and limits as [`unpack`](crate::unpack); no allocation
/// per table or string, and none at all when a tape is reused with [`Unpack::tape_into`](crate::Unpack::tape_into).
///
/// ```
/// use skywire_seri::{pack, unpack_tape, Table, TapeValue, Value};
/// let mut pos = Table::new();
/// pos.insert("x", 1.5);
/// let mut msg = Table::from_array(vec![Value::from(7), Value::from(8)]);
/// msg.insert("name", "player_one");
/// msg.insert("pos", Value::Table(pos));
/// let bytes = pack(&[Value::from("move"), Value::Table(msg)]).unwrap();
///
/// let tape = unpack_tape(&bytes).unwrap();
/// assert_eq!(tape.len(), 2);
/// let mut args = tape.args();
/// assert_eq!(args.next().and_then(|v| v.as_str()), Some("move"));
/// let TapeValue::Table(msg) = args.next().unwrap() else { panic!("a table") };
/// assert_eq!(msg.get_str("name").and_then(|v| v.as_str()), Some("player_one"));
/// let items: Vec<_> = msg.array().filter_map(|v| v.as_integer()).collect();
/// assert_eq!(items, [7, 8]);
/// let Some(TapeValue::Table(pos)) = msg.get_str("pos") else { panic!("a table") };
/// assert_eq!(pos.to_string(), "{x = 1.5}");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tape<'a> {
    nodes: Vec<Node<'a>>,
    args: usize,
}

impl<'a> Tape<'a> {
    /// An empty tape (no arguments), allocating nothing.
    pub const fn new() -> Self {
        Tape {
            nodes: Vec::new(),
            args: 0,
        }
    }

    /// How many values (arguments) the payload held.
    pub fn len(&self) -> usize {
        self.args
    }

    /// `true` if the payload held no value.
    pub fn is_empty(&self) -> bool {
        self.args == 0
    }

    /// The arguments, in order.
    pub fn args(&self) -> TapeValues<'_, 'a> {
        TapeValues {
            nodes: &self.nodes,
            at: 0,
            left: self.args,
        }
    }

    /// Argument `i` (from 0), found by passing over the ones before it.
    pub fn arg(&self, i: usize) -> Option<TapeValue<'_, 'a>> {
        self.args().nth(i)
    }

    /// The arguments as [`ValueRef`]s, as [`unpack_ref`](crate::unpack_ref) gives them.
    pub fn to_value_refs(&self) -> Vec<ValueRef<'a>> {
        self.args().map(|v| v.to_value_ref()).collect()
    }

    /// Empties the tape and returns its allocation as a tape for another payload: what lets
    /// a loop keep one tape although each payload lives only for its turn (the tape's type
    /// names the payload's lifetime, so it cannot simply be refilled).
    ///
    /// ```
    /// use skywire_seri::{Tape, Unpack};
    /// let mut spare: Tape<'static> = Tape::new();
    /// for i in 1..=3u8 {
    ///     let payload = vec![0x0a, i]; // lives only for this turn
    ///     let mut tape = spare.recycle();
    ///     Unpack::new().tape_into(&payload, &mut tape).unwrap();
    ///     assert_eq!(tape.arg(0).and_then(|v| v.as_integer()), Some(i64::from(i)));
    ///     spare = tape.recycle();
    /// }
    /// ```
    pub fn recycle<'b>(self) -> Tape<'b> {
        let mut nodes = self.nodes;
        nodes.clear();
        // An empty vector mapped to a type of the same layout is collected in place: the
        // allocation is kept, and the closure never runs.
        Tape {
            nodes: nodes.into_iter().map(|_| Node::Nil).collect(),
            args: 0,
        }
    }

    fn clear(&mut self) {
        self.nodes.clear();
        self.args = 0;
    }
}

/// Clears `tape` and decodes `payload` into it; on error the tape is left empty.
pub(crate) fn fill_tape<'a>(
    payload: &'a [u8],
    limits: &DecodeLimits,
    tape: &mut Tape<'a>,
) -> Result<(), DecodeError> {
    tape.clear();
    let mut writer = Writer {
        cur: Cursor::new(payload),
        nodes: &mut tape.nodes,
        max_depth: limits.get_max_depth(),
    };
    let mut args = 0;
    while !writer.cur.at_end() {
        if let Err(e) = writer.value(0) {
            tape.clear();
            return Err(e);
        }
        args += 1;
    }
    tape.args = args;
    Ok(())
}

/// Appends the nodes of the values at the cursor. Every node comes from at least one byte
/// of the payload, so the vector never holds more nodes than the payload has bytes.
struct Writer<'a, 'n> {
    cur: Cursor<'a>,
    nodes: &'n mut Vec<Node<'a>>,
    max_depth: usize,
}

impl<'a> Writer<'a, '_> {
    /// One value at nesting `depth` (0 for an argument).
    #[inline(always)]
    fn value(&mut self, depth: usize) -> Result<(), DecodeError> {
        let node = match self.cur.item()? {
            Item::Nil => Node::Nil,
            Item::Boolean(b) => Node::Boolean(b),
            Item::Integer(i) => Node::Integer(i),
            Item::Real(x) => Node::Real(x),
            Item::LightUserdata(p) => Node::LightUserdata(p),
            // The cursor checked that the range lies inside the payload (were it not, the
            // string would be empty, never a panic).
            Item::String(range) => Node::String(self.cur.buf().get(range).unwrap_or_default()),
            Item::Table { start, cookie } => return self.table(start, cookie, depth),
        };
        self.nodes.push(node);
        Ok(())
    }

    /// A table whose type byte (at `start`, with `cookie`) was just read. Out of line: the
    /// only recursion, bounded by the depth limit.
    #[inline(never)]
    fn table(&mut self, start: usize, cookie: u8, depth: usize) -> Result<(), DecodeError> {
        let array = self.cur.table_len(start, cookie, depth, self.max_depth)?;
        let at = self.nodes.len();
        self.nodes.push(Node::Table {
            array,
            pairs: 0,
            end: 0,
        });
        for _ in 0..array {
            self.value(depth + 1)?;
        }
        let mut pairs = 0;
        while !self.cur.hash_end()? {
            self.value(depth + 1)?;
            self.value(depth + 1)?;
            pairs += 1;
        }
        let end = self.nodes.len();
        if let Some(node) = self.nodes.get_mut(at) {
            *node = Node::Table { array, pairs, end };
        }
        Ok(())
    }
}

/// One value of a [`Tape`]: scalars and strings as they are, a table as a cursor over its
/// contents.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TapeValue<'t, 'a> {
    /// `nil`.
    Nil,
    /// `true` / `false`.
    Boolean(bool),
    /// A Lua integer (64-bit).
    Integer(i64),
    /// A Lua float.
    Real(f64),
    /// A Lua string: arbitrary bytes, borrowed from the payload.
    String(&'a [u8]),
    /// A Lua table.
    Table(TapeTable<'t, 'a>),
    /// A light userdata: a raw pointer value from the sending process.
    LightUserdata(u64),
}

impl<'t, 'a> TapeValue<'t, 'a> {
    /// The value whose node is `nodes[at]`, and the index of the node after it.
    fn at(nodes: &'t [Node<'a>], at: usize) -> Option<(Self, usize)> {
        let next = at + 1;
        Some(match *nodes.get(at)? {
            Node::Nil => (TapeValue::Nil, next),
            Node::Boolean(b) => (TapeValue::Boolean(b), next),
            Node::Integer(i) => (TapeValue::Integer(i), next),
            Node::Real(x) => (TapeValue::Real(x), next),
            Node::String(s) => (TapeValue::String(s), next),
            Node::LightUserdata(p) => (TapeValue::LightUserdata(p), next),
            Node::Table { array, pairs, end } => (
                TapeValue::Table(TapeTable {
                    nodes: nodes.get(..end)?,
                    first: next,
                    array,
                    pairs,
                }),
                end,
            ),
        })
    }

    /// The string, if it is one and valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            TapeValue::String(s) => core::str::from_utf8(s).ok(),
            _ => None,
        }
    }

    /// The string's bytes, if it is one.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match self {
            TapeValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if it is one.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            TapeValue::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The table, if it is one.
    pub fn as_table(&self) -> Option<TapeTable<'t, 'a>> {
        match self {
            TapeValue::Table(t) => Some(*t),
            _ => None,
        }
    }

    /// The value as a [`ValueRef`] tree (allocates each table's parts).
    pub fn to_value_ref(&self) -> ValueRef<'a> {
        match *self {
            TapeValue::Nil => ValueRef::Nil,
            TapeValue::Boolean(b) => ValueRef::Boolean(b),
            TapeValue::Integer(i) => ValueRef::Integer(i),
            TapeValue::Real(x) => ValueRef::Real(x),
            TapeValue::String(s) => ValueRef::String(s),
            TapeValue::Table(t) => ValueRef::Table(t.to_table_ref()),
            TapeValue::LightUserdata(p) => ValueRef::LightUserdata(p),
        }
    }
}

/// Writes the value as a Lua literal, as [`ValueRef`]'s `Display` does.
impl fmt::Display for TapeValue<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_value_ref(), f)
    }
}

/// A table of a [`Tape`]: its array part and its hash part (in wire order), read in place.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TapeTable<'t, 'a> {
    /// The tape's nodes up to the table's end.
    nodes: &'t [Node<'a>],
    /// The index of the table's first item.
    first: usize,
    array: usize,
    pairs: usize,
}

impl<'t, 'a> TapeTable<'t, 'a> {
    /// The length of the array part (keys `1..=n`).
    pub fn array_len(&self) -> usize {
        self.array
    }

    /// The number of pairs in the hash part.
    pub fn hash_len(&self) -> usize {
        self.pairs
    }

    /// `true` if both parts are empty.
    pub fn is_empty(&self) -> bool {
        self.array == 0 && self.pairs == 0
    }

    /// The array part, in order.
    pub fn array(&self) -> TapeValues<'t, 'a> {
        TapeValues {
            nodes: self.nodes,
            at: self.first,
            left: self.array,
        }
    }

    /// The hash part: `(key, value)` pairs in wire order.
    pub fn hash(&self) -> TapePairs<'t, 'a> {
        let mut values = self.array();
        // Past the array part (a table's items are whole subtrees: skipped, not read).
        for _ in 0..self.array {
            values.next();
        }
        values.left = self.pairs.saturating_mul(2);
        TapePairs { values }
    }

    /// The value of string key `name` in the hash part (`t.name`).
    pub fn get_str(&self, name: &str) -> Option<TapeValue<'t, 'a>> {
        self.hash()
            .find(|(k, _)| k.as_bytes() == Some(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// The table as a [`TableRef`] (allocates its parts).
    pub fn to_table_ref(&self) -> TableRef<'a> {
        TableRef {
            array: self.array().map(|v| v.to_value_ref()).collect(),
            hash: self
                .hash()
                .map(|(k, v)| (k.to_value_ref(), v.to_value_ref()))
                .collect(),
        }
    }
}

/// Writes the table as a Lua literal.
impl fmt::Display for TapeTable<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&ValueRef::Table(self.to_table_ref()), f)
    }
}

/// Values of a [`Tape`] in order: the arguments, or a table's array part.
#[derive(Clone, Debug)]
pub struct TapeValues<'t, 'a> {
    nodes: &'t [Node<'a>],
    at: usize,
    left: usize,
}

impl<'t, 'a> Iterator for TapeValues<'t, 'a> {
    type Item = TapeValue<'t, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let (value, next) = TapeValue::at(self.nodes, self.at)?;
        self.at = next;
        self.left -= 1;
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

/// The key/value pairs of a [`TapeTable`]'s hash part, in wire order.
#[derive(Clone, Debug)]
pub struct TapePairs<'t, 'a> {
    values: TapeValues<'t, 'a>,
}

impl<'t, 'a> Iterator for TapePairs<'t, 'a> {
    type Item = (TapeValue<'t, 'a>, TapeValue<'t, 'a>);

    fn next(&mut self) -> Option<Self::Item> {
        Some((self.values.next()?, self.values.next()?))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.values.left / 2))
    }
}
