//! An outgoing frame: a few header bytes followed by a zero-copy slice of the payload.

use bytes::{Buf, BufMut, Bytes};

use crate::error::PacketError;
use crate::frame::{FRAME_HEADER_LEN, MAX_FRAME_BODY};
use crate::target::MAX_NAME_LEN;

/// The longest fixed part any packet has: frame header, type, name length, a 255-byte name,
/// session and total size (a by-name multi-part header).
pub const MAX_HEAD_LEN: usize = FRAME_HEADER_LEN + 1 + 1 + MAX_NAME_LEN + 4 + 4;

/// One frame ready to be written: the frame header and packet fields, kept inline, and the
/// data that follows them, a [`Bytes`] slice of the caller's payload (never copied).
///
/// `OutFrame` implements [`Buf`], so it can be handed to anything that writes a `Buf`; its
/// [`chunks_vectored`](Buf::chunks_vectored) gives both pieces for one vectored write.
///
/// ```
/// use bytes::{Buf, Bytes};
/// use skywire_codec::{Response, Session};
/// let r = Response::ok(Session::new(1), Bytes::from_static(b"\x24ping"));
/// let mut frames = r.frames().unwrap();
/// let frame = frames.next().unwrap();
/// assert_eq!(frame.to_vec(), b"\x00\x0a\x01\x00\x00\x00\x01\x24ping");
/// ```
#[derive(Clone, Debug)]
pub struct OutFrame {
    head: [u8; MAX_HEAD_LEN],
    head_len: u16,
    head_pos: u16,
    data: Bytes,
}

impl OutFrame {
    /// Starts a frame whose body will end with `data`; the frame length is filled in by
    /// [`HeadWriter::finish`].
    pub(crate) fn build(data: Bytes) -> HeadWriter {
        HeadWriter {
            frame: OutFrame {
                head: [0; MAX_HEAD_LEN],
                head_len: FRAME_HEADER_LEN as u16,
                head_pos: 0,
                data,
            },
        }
    }

    /// The packet body (everything after the 2-byte frame header), as a copy.
    pub fn body_to_vec(&self) -> alloc::vec::Vec<u8> {
        let mut v = alloc::vec::Vec::with_capacity(self.wire_len() - FRAME_HEADER_LEN);
        v.extend_from_slice(&self.head[FRAME_HEADER_LEN..usize::from(self.head_len)]);
        v.extend_from_slice(&self.data);
        v
    }

    /// The whole frame (header included), as a copy: for tests and tools.
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        let mut v = alloc::vec::Vec::with_capacity(self.wire_len());
        v.extend_from_slice(&self.head[..usize::from(self.head_len)]);
        v.extend_from_slice(&self.data);
        v
    }

    /// Bytes the whole frame takes on the wire.
    pub fn wire_len(&self) -> usize {
        usize::from(self.head_len) + self.data.len()
    }

    /// The data part, shared with the payload it came from.
    pub fn data(&self) -> &Bytes {
        &self.data
    }

    /// Copies the unwritten rest of the frame into `dst` (for APIs that want one buffer,
    /// like a tokio-util `Encoder`).
    pub fn write_to(&self, dst: &mut impl BufMut) {
        dst.put_slice(&self.head[usize::from(self.head_pos)..usize::from(self.head_len)]);
        dst.put_slice(&self.data);
    }
}

impl Buf for OutFrame {
    fn remaining(&self) -> usize {
        usize::from(self.head_len - self.head_pos) + self.data.len()
    }

    fn chunk(&self) -> &[u8] {
        if self.head_pos < self.head_len {
            &self.head[usize::from(self.head_pos)..usize::from(self.head_len)]
        } else {
            &self.data
        }
    }

    fn advance(&mut self, mut cnt: usize) {
        let in_head = usize::from(self.head_len - self.head_pos);
        let from_head = cnt.min(in_head);
        self.head_pos += from_head as u16;
        cnt -= from_head;
        if cnt > 0 {
            self.data.advance(cnt);
        }
    }

    #[cfg(feature = "std")]
    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        let mut n = 0;
        if n < dst.len() && self.head_pos < self.head_len {
            dst[n] = std::io::IoSlice::new(
                &self.head[usize::from(self.head_pos)..usize::from(self.head_len)],
            );
            n += 1;
        }
        if n < dst.len() && !self.data.is_empty() {
            dst[n] = std::io::IoSlice::new(&self.data);
            n += 1;
        }
        n
    }
}

/// Writes a frame's fixed fields; [`finish`](Self::finish) fills in the frame length.
pub(crate) struct HeadWriter {
    frame: OutFrame,
}

impl HeadWriter {
    pub(crate) fn u8(mut self, v: u8) -> Self {
        self.put(&[v]);
        self
    }

    pub(crate) fn u32_le(mut self, v: u32) -> Self {
        self.put(&v.to_le_bytes());
        self
    }

    /// A name with its one-byte length in front. The caller has checked the length.
    pub(crate) fn name(mut self, name: &[u8]) -> Self {
        self.put(&[name.len() as u8]);
        self.put(name);
        self
    }

    fn put(&mut self, bytes: &[u8]) {
        let at = usize::from(self.frame.head_len);
        self.frame.head[at..at + bytes.len()].copy_from_slice(bytes);
        self.frame.head_len += bytes.len() as u16;
    }

    /// Fills in the frame length; fails if the body would not fit a frame.
    pub(crate) fn finish(mut self) -> Result<OutFrame, PacketError> {
        let body = usize::from(self.frame.head_len) - FRAME_HEADER_LEN + self.frame.data.len();
        if body > MAX_FRAME_BODY {
            return Err(PacketError::BodyTooLarge { len: body });
        }
        self.frame.head[..FRAME_HEADER_LEN].copy_from_slice(&crate::frame::header_bytes(body));
        Ok(self.frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OutFrame {
        OutFrame::build(Bytes::from_static(b"xyz"))
            .u8(4)
            .u32_le(0x0102_0304)
            .finish()
            .unwrap()
    }

    #[test]
    fn buf_walks_head_then_data() {
        let mut f = sample();
        assert_eq!(f.remaining(), 2 + 5 + 3);
        assert_eq!(f.chunk(), &[0, 8, 4, 4, 3, 2, 1]);
        f.advance(5);
        assert_eq!(f.chunk(), &[2, 1]);
        f.advance(3);
        assert_eq!(f.chunk(), b"yz");
        assert_eq!(f.remaining(), 2);
        f.advance(2);
        assert_eq!(f.remaining(), 0);
    }

    #[test]
    fn vectored_gives_both_pieces() {
        let f = sample();
        let mut slices = [std::io::IoSlice::new(&[]); 4];
        assert_eq!(f.chunks_vectored(&mut slices), 2);
        assert_eq!(&*slices[0], &[0, 8, 4, 4, 3, 2, 1]);
        assert_eq!(&*slices[1], b"xyz");
    }

    #[test]
    fn oversized_body_is_refused() {
        let big = Bytes::from(alloc::vec![0u8; MAX_FRAME_BODY]);
        let err = OutFrame::build(big).u8(0).finish().unwrap_err();
        assert_eq!(
            err,
            PacketError::BodyTooLarge {
                len: MAX_FRAME_BODY + 1
            }
        );
    }
}
