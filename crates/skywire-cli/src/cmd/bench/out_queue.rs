//! Bytes waiting to be written on one connection: small frames copied together, large
//! frames kept as zero-copy [`OutFrame`]s, written with one vectored write per batch.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};
use skywire_codec::{OutFrame, PacketError, Request};

/// A frame this long or shorter is copied into the running buffer (one write slice for
/// many small frames); a longer one is queued as is (its payload is not copied).
const COPY_MAX: usize = 4096;

/// One piece of the queue.
#[derive(Debug)]
enum Piece {
    Copied(Bytes),
    /// Not boxed: an `OutFrame` is small (its head inline, the payload a shared slice), and
    /// a box would be an allocation per large call.
    Frame(OutFrame),
}

impl Piece {
    fn buf(&self) -> &dyn Buf {
        match self {
            Piece::Copied(b) => b,
            Piece::Frame(f) => f,
        }
    }
}

/// Frames in write order, as one [`Buf`].
#[derive(Debug, Default)]
pub struct OutQueue {
    pieces: VecDeque<Piece>,
    /// Small frames not yet sealed into a piece (they come after every piece).
    small: BytesMut,
    remaining: usize,
}

impl OutQueue {
    /// Appends the frames of a request: copied if it is small, else as frames.
    pub fn push_request(&mut self, req: &Request) -> Result<(), PacketError> {
        if req.payload.len() <= COPY_MAX {
            let before = self.small.len();
            req.write_frames(&mut self.small)?;
            self.remaining += self.small.len() - before;
            return Ok(());
        }
        for f in req.frames()? {
            self.push(f);
        }
        Ok(())
    }

    /// Appends a frame.
    pub fn push(&mut self, frame: OutFrame) {
        self.remaining += frame.remaining();
        if frame.remaining() <= COPY_MAX {
            frame.write_to(&mut self.small);
        } else {
            self.seal();
            self.pieces.push_back(Piece::Frame(frame));
        }
    }

    /// Makes the small frames appended so far a piece of their own.
    fn seal(&mut self) {
        if !self.small.is_empty() {
            let copied = self.small.split().freeze();
            self.pieces.push_back(Piece::Copied(copied));
        }
    }

    /// Call before writing: everything pushed becomes visible to the `Buf` methods.
    pub fn prepare(&mut self) {
        self.seal();
    }
}

impl Buf for OutQueue {
    fn remaining(&self) -> usize {
        self.remaining
    }

    fn chunk(&self) -> &[u8] {
        self.pieces.front().map_or(&[], |p| match p {
            Piece::Copied(b) => b.chunk(),
            Piece::Frame(f) => f.chunk(),
        })
    }

    fn advance(&mut self, mut cnt: usize) {
        cnt = cnt.min(self.remaining);
        self.remaining -= cnt;
        while cnt > 0 {
            let Some(front) = self.pieces.front_mut() else {
                return;
            };
            let here = front.buf().remaining();
            if cnt < here {
                match front {
                    Piece::Copied(b) => b.advance(cnt),
                    Piece::Frame(f) => f.advance(cnt),
                }
                return;
            }
            cnt -= here;
            self.pieces.pop_front();
        }
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        for p in &self.pieces {
            if n == dst.len() {
                break;
            }
            n += match p {
                Piece::Copied(b) => b.chunks_vectored(&mut dst[n..]),
                Piece::Frame(f) => f.chunks_vectored(&mut dst[n..]),
            };
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skywire_codec::{Session, Target};

    #[test]
    fn writes_frames_in_order_whatever_their_size() {
        let small = Request::call(
            Target::Address(5),
            Session::new(1),
            Bytes::from_static(b"ab"),
        );
        let big_payload = Bytes::from(vec![9u8; 0x8000 + 10]);
        let big = Request::call(Target::Address(5), Session::new(2), big_payload);
        let mut expected = Vec::new();
        let mut q = OutQueue::default();
        for req in [&small, &big, &small] {
            for f in req.frames().unwrap() {
                expected.extend_from_slice(&f.to_vec());
                q.push(f);
            }
            for f in req.frames().unwrap() {
                expected.extend_from_slice(&f.to_vec());
            }
            q.push_request(req).unwrap();
        }
        q.prepare();
        assert_eq!(q.remaining(), expected.len());
        let mut slices = [IoSlice::new(&[]); 16];
        let n = q.chunks_vectored(&mut slices);
        let joined: Vec<u8> = slices[..n].iter().flat_map(|s| s.iter().copied()).collect();
        assert_eq!(joined, expected);
        // Written in uneven steps, it still gives the same bytes.
        let mut got = Vec::new();
        let mut step = 1;
        while q.has_remaining() {
            let c = q.chunk();
            let take = c.len().min(step);
            got.extend_from_slice(&c[..take]);
            q.advance(take);
            step = step * 3 + 1;
        }
        assert_eq!(got, expected);
        assert_eq!(q.remaining(), 0);
    }
}
