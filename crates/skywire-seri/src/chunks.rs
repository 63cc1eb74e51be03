//! Packing without copying large strings: the packed bytes as a list of chunks.
//!
//! [`pack`](crate::pack) copies every string into the one buffer it returns. A service that
//! answers with strings it received (an echo, a proxy, a cache) would copy each large one
//! again. [`pack_chunks`] writes the same bytes as a list of [`Bytes`]: runs of small
//! values copied into shared buffers, and every string of [`PACK_REF_MIN`] bytes or more
//! as a reference to the value's own `Bytes` (a reference-count increment, no copy).
//! Concatenated, the chunks are exactly what `pack` gives; a writer sends them with one
//! vectored write.

use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

use crate::encode::{write_values, Buffer};
use crate::error::EncodeError;
use crate::value::Value;

/// Strings at least this long are referenced by [`pack_chunks`], not copied. Below it a
/// copy costs less than the chunk (and the vectored-write slice) a reference takes.
pub const PACK_REF_MIN: usize = 4096;

/// Room the buffer of copied bytes starts with: the heads of a few values.
const SMALL_START: usize = 64;

/// Packs an argument list, byte-for-byte as [`pack`](crate::pack), into chunks: strings of
/// [`PACK_REF_MIN`] bytes or more are shared with the values (not copied), everything else
/// is copied. No chunk is empty.
///
/// ```
/// use bytes::Bytes;
/// use skywire_seri::{pack, pack_chunks, Value};
/// let big = Bytes::from(vec![b'x'; 100_000]);
/// let args = [Value::from("ok"), Value::String(big.clone())];
/// let chunks = pack_chunks(&args).unwrap();
/// assert_eq!(chunks.concat(), pack(&args).unwrap());
/// // The large string is the caller's bytes, not a copy of them.
/// assert_eq!(chunks[1].as_ptr(), big.as_ptr());
/// ```
pub fn pack_chunks(values: &[Value]) -> Result<Vec<Bytes>, EncodeError> {
    let mut out = Chunks {
        small: BytesMut::with_capacity(SMALL_START),
        done: Vec::new(),
    };
    write_values(values, &mut out)?;
    out.flush();
    Ok(out.done)
}

/// The chunks so far, and the copied bytes since the last reference.
struct Chunks {
    small: BytesMut,
    done: Vec<Bytes>,
}

impl Chunks {
    /// Ends the run of copied bytes (if any) as a chunk.
    fn flush(&mut self) {
        if !self.small.is_empty() {
            self.done.push(self.small.split().freeze());
        }
    }
}

/// Derefs to the copied bytes since the last reference (what [`Buffer::truncate`] sees);
/// `pack_chunks` drops everything on an error, so that is never used to undo a write.
impl core::ops::Deref for Chunks {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.small
    }
}

impl core::ops::DerefMut for Chunks {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.small
    }
}

impl Buffer for Chunks {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.small.extend_from_slice(bytes);
    }

    #[inline]
    fn put_string(&mut self, s: &[u8], shared: &Bytes) {
        if s.len() < PACK_REF_MIN {
            return self.put(s);
        }
        self.flush();
        self.done.push(shared.clone());
    }

    fn truncate(&mut self, len: usize) {
        self.small.truncate(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Table;
    use alloc::vec;

    fn string(n: usize, b: u8) -> Value {
        Value::String(Bytes::from(vec![b; n]))
    }

    /// The chunk boundaries, by what each chunk is: `None` for copied bytes, `Some(i)` for
    /// a reference to the strings of `strings[i]`.
    fn shape(chunks: &[Bytes], strings: &[&Bytes]) -> Vec<Option<usize>> {
        chunks
            .iter()
            .map(|c| strings.iter().position(|s| s.as_ptr() == c.as_ptr()))
            .collect()
    }

    #[test]
    fn large_strings_are_referenced_small_ones_copied() {
        let (a, b) = (string(PACK_REF_MIN, b'a'), string(70_000, b'b'));
        let small = string(PACK_REF_MIN - 1, b's');
        let nested = Value::Table(Table {
            array: vec![b.clone(), Value::from(1)],
            hash: vec![(Value::from("k"), a.clone())],
        });
        let args = [Value::from("x"), a.clone(), small, nested];
        let chunks = pack_chunks(&args).unwrap();
        assert_eq!(chunks.concat(), crate::pack(&args).unwrap());
        let (Value::String(a), Value::String(b)) = (&a, &b) else {
            unreachable!()
        };
        // "x" and a's head; a; a's end is the small string's head, then the table's head
        // and b's; b; 1, "k" and a's head; a; the table's end.
        assert_eq!(
            shape(&chunks, &[a, b]),
            [None, Some(0), None, Some(1), None, Some(0), None]
        );
        assert!(chunks.iter().all(|c| !c.is_empty()));
    }

    #[test]
    fn nothing_large_is_one_chunk_and_nothing_is_none() {
        let args = [Value::from("ping"), Value::from(1)];
        assert_eq!(pack_chunks(&args).unwrap(), [crate::pack(&args).unwrap()]);
        assert!(pack_chunks(&[]).unwrap().is_empty());
        let big = string(PACK_REF_MIN, b'z');
        // A large string last: no empty chunk after it.
        assert_eq!(pack_chunks(&[big]).unwrap().len(), 2);
    }

    #[test]
    fn errors_are_packs() {
        let mut deep = Value::Nil;
        for _ in 0..40 {
            deep = Value::Table(Table {
                array: vec![deep],
                hash: vec![],
            });
        }
        let args = [string(PACK_REF_MIN, b'q'), deep];
        assert_eq!(
            pack_chunks(&args).unwrap_err(),
            crate::pack(&args).unwrap_err()
        );
    }
}
