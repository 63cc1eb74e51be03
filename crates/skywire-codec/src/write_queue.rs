//! A queue of outgoing frames that writes as one [`Buf`], for batched, vectored writes.

use alloc::collections::VecDeque;
use bytes::Buf;

use crate::out_frame::OutFrame;

/// Frames waiting to be written, in order. As a [`Buf`] it presents them back to back, and
/// [`chunks_vectored`](Buf::chunks_vectored) hands a writer the pieces of many frames at once
/// (header bytes and payload slices alike), so a burst of responses goes out in one
/// `writev` without copying a payload.
///
/// ```
/// use bytes::{Buf, Bytes};
/// use skywire_codec::{FrameQueue, Response, Session};
/// let mut q = FrameQueue::new();
/// q.extend(Response::ok(Session::new(1), Bytes::from_static(b"\x24ping")).frames().unwrap());
/// q.extend(Response::error(Session::new(2), "no").frames().unwrap());
/// assert_eq!(q.frames(), 2);
/// let mut out = vec![0u8; q.remaining()];
/// q.copy_to_slice(&mut out);
/// assert_eq!(out, b"\x00\x0a\x01\x00\x00\x00\x01\x24ping\x00\x07\x02\x00\x00\x00\x00no");
/// ```
#[derive(Debug, Default)]
pub struct FrameQueue {
    frames: VecDeque<OutFrame>,
    remaining: usize,
}

impl FrameQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one frame.
    pub fn push(&mut self, frame: OutFrame) {
        self.remaining += frame.remaining();
        self.frames.push_back(frame);
    }

    /// Frames not yet completely written.
    pub fn frames(&self) -> usize {
        self.frames.len()
    }

    /// True when everything has been written.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

impl Extend<OutFrame> for FrameQueue {
    fn extend<I: IntoIterator<Item = OutFrame>>(&mut self, iter: I) {
        for f in iter {
            self.push(f);
        }
    }
}

impl Buf for FrameQueue {
    fn remaining(&self) -> usize {
        self.remaining
    }

    fn chunk(&self) -> &[u8] {
        self.frames.front().map_or(&[], |f| f.chunk())
    }

    fn advance(&mut self, mut cnt: usize) {
        cnt = cnt.min(self.remaining);
        self.remaining -= cnt;
        while cnt > 0 {
            let Some(front) = self.frames.front_mut() else {
                return;
            };
            let here = front.remaining();
            if cnt < here {
                front.advance(cnt);
                return;
            }
            cnt -= here;
            self.frames.pop_front();
        }
    }

    #[cfg(feature = "std")]
    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        let mut n = 0;
        for f in &self.frames {
            if n == dst.len() {
                break;
            }
            n += f.chunks_vectored(&mut dst[n..]);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Response, Session};
    use bytes::Bytes;

    #[test]
    fn advance_across_frames_and_vectored() {
        let mut q = FrameQueue::new();
        q.extend(
            Response::ok(Session::new(1), Bytes::from_static(b"abc"))
                .frames()
                .unwrap(),
        );
        q.extend(
            Response::ok(Session::new(2), Bytes::from_static(b"de"))
                .frames()
                .unwrap(),
        );
        assert_eq!(q.remaining(), 10 + 9);
        let mut io = [std::io::IoSlice::new(&[]); 8];
        assert_eq!(q.chunks_vectored(&mut io), 4);
        assert_eq!(&*io[1], b"abc");
        q.advance(9);
        assert_eq!(q.chunk(), b"c");
        q.advance(1);
        assert_eq!(q.frames(), 1);
        assert_eq!(q.chunk(), &[0, 7, 2, 0, 0, 0, 1]);
        q.advance(100);
        assert!(q.is_empty());
        assert_eq!(q.remaining(), 0);
    }
}
