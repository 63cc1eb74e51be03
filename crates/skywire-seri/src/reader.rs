//! [`Reader`]: a payload read one value at a time, for callers that build values of their
//! own (another language's objects: the Python package builds its objects with it).

use crate::decode::{Cursor, Item as WireItem};
use crate::error::DecodeError;
use crate::limits::DecodeLimits;

/// One value as [`Reader::next`] reads it: scalars and strings whole, a table by its head.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Item<'a> {
    /// `nil`.
    Nil,
    /// `true` / `false`.
    Boolean(bool),
    /// A Lua integer.
    Integer(i64),
    /// A Lua float.
    Real(f64),
    /// A string, borrowed from the payload.
    String(&'a [u8]),
    /// A light userdata.
    LightUserdata(u64),
    /// A table: its `array_len` array items follow (read them with [`Reader::next`]), then
    /// its hash pairs, a key and a value each, until [`Reader::hash_end`] says `true`.
    Table {
        /// The length of the array part (checked against the bytes left: every item takes
        /// at least one, so it is safe to allocate for).
        array_len: usize,
    },
}

/// Reads a payload one value at a time with the decoder behind every other form (the same
/// checks, the same errors with the same offsets, the same [`DecodeLimits`]), building
/// nothing: the caller builds what it wants from each [`Item`] as it comes.
///
/// The caller walks the structure: at the top level, values until [`at_end`](Self::at_end);
/// in a table, its array items, then pairs until [`hash_end`](Self::hash_end). It passes
/// each value's nesting to [`next`](Self::next) (0 for an argument, one more inside each
/// table), which is what the nesting limit is checked against.
///
/// ```
/// use skywire_seri::{pack, Item, Reader, Table, Value};
/// let mut t = Table::from_array(vec![Value::from(7)]);
/// t.insert("k", "v");
/// let bytes = pack(&[Value::from("ping"), Value::Table(t)]).unwrap();
///
/// let mut r = Reader::new(&bytes);
/// assert_eq!(r.next(0), Ok(Item::String(b"ping")));
/// assert_eq!(r.next(0), Ok(Item::Table { array_len: 1 }));
/// assert_eq!(r.next(1), Ok(Item::Integer(7)));
/// assert_eq!(r.hash_end(), Ok(false));
/// assert_eq!((r.next(1), r.next(1)), (Ok(Item::String(b"k")), Ok(Item::String(b"v"))));
/// assert_eq!(r.hash_end(), Ok(true));
/// assert!(r.at_end());
/// ```
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    cur: Cursor<'a>,
    max_depth: usize,
}

impl core::fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reader")
            .field("len", &self.cur.buf().len())
            .field("max_depth", &self.max_depth)
            .finish_non_exhaustive()
    }
}

impl<'a> Reader<'a> {
    /// Reads `payload` with the default limits.
    pub fn new(payload: &'a [u8]) -> Self {
        Reader::with_limits(payload, &DecodeLimits::new())
    }

    /// Reads `payload` with `limits`.
    pub fn with_limits(payload: &'a [u8], limits: &DecodeLimits) -> Self {
        Reader {
            cur: Cursor::new(payload),
            max_depth: limits.get_max_depth(),
        }
    }

    /// The payload being read.
    pub fn payload(&self) -> &'a [u8] {
        self.cur.buf()
    }

    /// `true` when every byte has been read (at the top level: no more arguments).
    pub fn at_end(&self) -> bool {
        self.cur.at_end()
    }

    /// Reads the next value, enclosed in `depth` tables. For a table, its head only (the
    /// array length, checked against the nesting limit and the bytes left).
    #[inline]
    pub fn next(&mut self, depth: usize) -> Result<Item<'a>, DecodeError> {
        Ok(match self.cur.item()? {
            WireItem::Nil => Item::Nil,
            WireItem::Boolean(b) => Item::Boolean(b),
            WireItem::Integer(i) => Item::Integer(i),
            WireItem::Real(x) => Item::Real(x),
            WireItem::LightUserdata(p) => Item::LightUserdata(p),
            // The cursor checked that the range lies inside the payload (were it not, the
            // string would be empty, never a panic).
            WireItem::String(range) => Item::String(self.cur.buf().get(range).unwrap_or_default()),
            WireItem::Table { start, cookie } => Item::Table {
                array_len: self.cur.table_len(start, cookie, depth, self.max_depth)?,
            },
        })
    }

    /// In a table's hash part: `true` (and past the table's end) if the table ends here,
    /// `false` if a key follows.
    #[inline]
    pub fn hash_end(&mut self) -> Result<bool, DecodeError> {
        self.cur.hash_end()
    }
}
