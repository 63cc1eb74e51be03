//! A payload in pieces: the chunks of a packed message, sent without joining them.
//!
//! A message packed by `skywire_seri::pack_chunks` is a list of [`Bytes`]: runs of small
//! values copied, and large strings shared with the values they came from (for an echo,
//! slices of the request it received). Joining them into one buffer would copy every large
//! string. A [`Rope`] keeps them apart; fragmentation cuts it into parts exactly where it
//! cuts a whole payload, and each part's frame takes its data as a slice of one chunk, so
//! the large strings go to the socket in the vectored write without a copy in user space.
//!
//! A part whose bytes come from several chunks: the short chunks before its last one go
//! into the frame's head (copied: they are at most [`MAX_PREFIX`] bytes), the last one is
//! the frame's data. A part made of more than that (two large strings with more than
//! `MAX_PREFIX` bytes between their ends: parts of 32 KiB seldom hold such) is joined into
//! one buffer: a copy of that one part.

use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

/// The most bytes of short chunks a part's frame carries in its head, in front of its
/// data (one copy of these few bytes, instead of a copy of the whole part).
pub const MAX_PREFIX: usize = 64;

/// A payload as a list of chunks, in order (see the [module docs](self)).
///
/// ```
/// use bytes::Bytes;
/// use skywire_codec::{ResponseFrames, Rope, Session};
/// let big = Bytes::from(vec![b'x'; 100_000]);
/// let rope = Rope::new(vec![Bytes::from_static(b"\x0c\xa0\x86\x01\x00"), big.clone()]);
/// assert_eq!(rope.len(), 100_005);
/// let frames: Vec<_> = ResponseFrames::ok_rope(Session::new(1), rope).unwrap().collect();
/// // A begin packet and four parts; the first part's data is the string's start itself.
/// assert_eq!(frames.len(), 5);
/// assert_eq!(frames[1].data().as_ptr(), big.as_ptr());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Rope {
    /// The chunk being taken from.
    front: Bytes,
    /// The chunks after it.
    rest: alloc::vec::IntoIter<Bytes>,
    /// Bytes left in all of them.
    len: usize,
}

/// A run of a rope's bytes as a frame takes them: a few bytes copied into the frame's head
/// (`prefix`), then `data`, a slice of a chunk.
#[derive(Debug)]
pub(crate) struct Piece {
    pub(crate) prefix: Option<BytesMut>,
    pub(crate) data: Bytes,
}

impl Piece {
    /// All of `data`, nothing in front.
    pub(crate) fn whole(data: Bytes) -> Piece {
        Piece { prefix: None, data }
    }
}

impl Rope {
    /// The payload these chunks make, in this order.
    pub fn new(chunks: Vec<Bytes>) -> Rope {
        let len = chunks.iter().map(Bytes::len).fold(0, usize::saturating_add);
        Rope {
            front: Bytes::new(),
            rest: chunks.into_iter(),
            len,
        }
    }

    /// Bytes of the payload.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty payload.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The payload joined into one buffer (a copy, unless it is one chunk): for what
    /// needs it whole (a trace hook, a test).
    pub fn to_bytes(&self) -> Bytes {
        let mut chunks = core::iter::once(&self.front)
            .chain(self.rest.as_slice())
            .filter(|c| !c.is_empty());
        match (chunks.next(), chunks.next()) {
            (None, _) => Bytes::new(),
            (Some(only), None) => only.clone(),
            _ => {
                let mut all = BytesMut::with_capacity(self.len);
                all.extend_from_slice(&self.front);
                for c in self.rest.as_slice() {
                    all.extend_from_slice(c);
                }
                all.freeze()
            }
        }
    }

    /// The next chunk with bytes in it as `front`; false when none is left.
    fn fill_front(&mut self) -> bool {
        while self.front.is_empty() {
            match self.rest.next() {
                Some(c) => self.front = c,
                None => return false,
            }
        }
        true
    }

    /// Takes the next `n` bytes (all that is left if fewer).
    pub(crate) fn take(&mut self, n: usize) -> Piece {
        let n = n.min(self.len);
        self.len -= n;
        if !self.fill_front() {
            return Piece::whole(Bytes::new());
        }
        if self.front.len() >= n {
            // Nearly always: the part lies in one chunk.
            return Piece::whole(self.front.split_to(n));
        }
        let mut slices = Vec::new();
        let mut need = n;
        while need > 0 && self.fill_front() {
            let k = need.min(self.front.len());
            slices.push(self.front.split_to(k));
            need -= k;
        }
        let data = slices.pop().unwrap_or_default();
        let before: usize = slices.iter().map(Bytes::len).sum();
        let mut joined = BytesMut::with_capacity(if before <= MAX_PREFIX { before } else { n });
        for s in &slices {
            joined.extend_from_slice(s);
        }
        if before <= MAX_PREFIX {
            return Piece {
                prefix: Some(joined),
                data,
            };
        }
        joined.extend_from_slice(&data);
        Piece::whole(joined.freeze())
    }
}

impl From<Bytes> for Rope {
    /// A payload of one chunk.
    fn from(payload: Bytes) -> Rope {
        Rope {
            len: payload.len(),
            front: payload,
            rest: Vec::new().into_iter(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// The pieces of `chunks` taken `n` bytes at a time, each as (prefix, data).
    fn pieces(chunks: &[&'static [u8]], n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut rope = Rope::new(chunks.iter().map(|c| Bytes::from_static(c)).collect());
        let mut out = Vec::new();
        while !rope.is_empty() {
            let p = rope.take(n);
            out.push((
                p.prefix.map(|b| b.to_vec()).unwrap_or_default(),
                p.data.to_vec(),
            ));
        }
        out
    }

    /// Chunks, the part size, and the (prefix, data) of each part they are cut into.
    type Case<'a> = (&'a [&'static [u8]], usize, Vec<(&'a [u8], &'a [u8])>);

    #[test]
    fn cuts_where_a_whole_payload_is_cut() {
        let long = [b'L'; MAX_PREFIX + 1];
        let long: &'static [u8] = Vec::leak(long.to_vec());
        let joined = [long, b"xy"].concat();
        let cases: [Case<'_>; 4] = [
            // In one chunk; across two (short prefix); an empty chunk skipped.
            (&[b"abcdef"], 4, vec![(b"", b"abcd"), (b"", b"ef")]),
            (
                &[b"ab", b"", b"cdef"],
                4,
                vec![(b"ab", b"cd"), (b"", b"ef")],
            ),
            (
                &[b"a", b"b", b"cdefg"],
                5,
                vec![(b"ab", b"cde"), (b"", b"fg")],
            ),
            // More than MAX_PREFIX before the last chunk: the part is joined.
            (&[long, b"xy"], 100, vec![(b"", &joined[..])]),
        ];
        for (chunks, n, want) in cases {
            let got = pieces(chunks, n);
            let want: Vec<(Vec<u8>, Vec<u8>)> =
                want.iter().map(|(p, d)| (p.to_vec(), d.to_vec())).collect();
            assert_eq!(got, want, "{chunks:?} by {n}");
        }
    }

    #[test]
    fn a_part_in_one_chunk_is_a_slice_of_it() {
        let big = Bytes::from(vec![7u8; 1000]);
        let mut rope = Rope::new(vec![Bytes::from_static(b"hd"), big.clone()]);
        let first = rope.take(500);
        assert_eq!(first.prefix.as_deref(), Some(&b"hd"[..]));
        assert_eq!(first.data.as_ptr(), big.as_ptr());
        let second = rope.take(500);
        assert_eq!(second.data.as_ptr(), big[498..].as_ptr());
        assert_eq!((second.data.len(), rope.len()), (500, 2));
    }

    #[test]
    fn to_bytes_joins_and_one_chunk_is_not_copied() {
        let one = Bytes::from(vec![1u8; 10]);
        assert_eq!(
            Rope::new(vec![one.clone()]).to_bytes().as_ptr(),
            one.as_ptr()
        );
        assert_eq!(Rope::from(one.clone()).to_bytes().as_ptr(), one.as_ptr());
        let r = Rope::new(vec![Bytes::from_static(b"ab"), Bytes::new(), one.clone()]);
        assert_eq!(r.to_bytes(), [&b"ab"[..], &one].concat());
        assert!(Rope::new(vec![]).to_bytes().is_empty());
    }
}
