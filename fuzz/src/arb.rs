//! Lua values built from fuzz input with `arbitrary`, biased towards the encoder's
//! boundaries: integer widths, string forms (31/32, 65535/65536 bytes), array sizes
//! (30/31), nesting around skynet's limit of 32, nil and NaN keys.

use arbitrary::{Result, Unstructured};
use bytes::Bytes;
use skywire_seri::{Table, Value};

/// Integers at the edges of every encoding width (`spec/lua-seri.md` §3).
const EDGE_INTEGERS: [i64; 16] = [
    0,
    1,
    -1,
    0xff,
    0x100,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    -0x8000_0000,
    -0x8000_0001,
    0xffff_ffff,
    i64::MAX,
    i64::MIN,
    31,
    -0x100,
];

/// String lengths at the edges of the short/long forms (the u16 / u32 length boundary at
/// indices 2..5).
const EDGE_LENGTHS: [usize; 6] = [31, 32, 0xffff, 0x1_0000, 0x1_0001, 0];

/// Array sizes at the edge of the escape.
const EDGE_ARRAYS: [usize; 6] = [30, 31, 32, 0xff, 0x100, 1000];

/// Deepest nesting generated: past the encoder's limit of 32 on purpose.
const MAX_GEN_DEPTH: usize = 36;

/// Builds values from fuzz input, with a budget on the number of values made.
#[derive(Debug)]
pub struct ValueGen {
    budget: usize,
}

impl Default for ValueGen {
    fn default() -> Self {
        ValueGen { budget: 2000 }
    }
}

impl ValueGen {
    /// An argument list of up to 8 values.
    pub fn values(&mut self, u: &mut Unstructured<'_>) -> Result<Vec<Value>> {
        let n = u.int_in_range(0..=8)?;
        (0..n).map(|_| self.value(u, 0)).collect()
    }

    /// One value with `depth` enclosing tables.
    pub fn value(&mut self, u: &mut Unstructured<'_>, depth: usize) -> Result<Value> {
        self.budget = self.budget.saturating_sub(1);
        let max_tag = if self.budget == 0 {
            6
        } else if depth >= MAX_GEN_DEPTH {
            7
        } else {
            10
        };
        Ok(match u.int_in_range(0..=max_tag)? {
            0 => Value::Nil,
            1 => Value::Boolean(u.arbitrary()?),
            2 => Value::Integer(*u.choose(&EDGE_INTEGERS)?),
            3 => Value::Integer(u.arbitrary()?),
            4 => Value::Real(f64::from_bits(u.arbitrary()?)),
            5 => Value::LightUserdata(u.arbitrary()?),
            6 => Value::String(Bytes::copy_from_slice(u.arbitrary::<&[u8]>()?)),
            7 => {
                // The 64 KiB forms are slow to check: one time in eight.
                let len = if u.ratio(1, 8)? {
                    *u.choose(&EDGE_LENGTHS[2..5])?
                } else {
                    *u.choose(&[0, 31, 32, 255, 256])?
                };
                let fill: u8 = u.arbitrary()?;
                Value::String(Bytes::from(vec![fill; len]))
            }
            // A chain of single-item tables: reaches the depth limit cheaply.
            8 => {
                let levels = u.int_in_range(1..=MAX_GEN_DEPTH)?;
                let mut v = self.value(u, depth + levels)?;
                for _ in 0..levels {
                    v = Value::Table(Table::from_array(vec![v]));
                }
                v
            }
            _ => Value::Table(self.table(u, depth)?),
        })
    }

    /// A scalar of at most a few bytes (a short string at most).
    fn scalar(&mut self, u: &mut Unstructured<'_>) -> Result<Value> {
        let budget = self.budget;
        self.budget = 0;
        let v = self.value(u, MAX_GEN_DEPTH);
        self.budget = budget;
        v.map(|v| match v {
            Value::String(s) if s.len() >= 32 => Value::String(s.slice(..31)),
            v => v,
        })
    }

    fn table(&mut self, u: &mut Unstructured<'_>, depth: usize) -> Result<Table> {
        let inner = depth + 1;
        let mut t = Table::new();
        if u.ratio(1, 8)? {
            // A long array part of copies of one value.
            // A long array part of copies of one small scalar (no long strings, no tables:
            // the copies would multiply them).
            let n = *u.choose(&EDGE_ARRAYS)?;
            let item = self.scalar(u)?;
            t.array = vec![item; n];
        } else {
            let n = u.int_in_range(0..=6)?;
            for _ in 0..n {
                let v = self.value(u, inner)?;
                t.array.push(v);
            }
        }
        let pairs = u.int_in_range(0..=4)?;
        for _ in 0..pairs {
            let key = if u.ratio(1, 24)? {
                Value::Nil
            } else if u.ratio(1, 24)? {
                Value::Real(f64::NAN)
            } else {
                match self.value(u, inner)? {
                    Value::Nil => Value::Boolean(true),
                    k => k,
                }
            };
            let v = self.value(u, inner)?;
            t.hash.push((key, v));
        }
        Ok(t)
    }
}
