//! An outgoing frame: a few header bytes followed by a zero-copy slice of the payload.

use bytes::{Buf, BufMut, Bytes};

use crate::error::PacketError;
use crate::frame::{FRAME_HEADER_LEN, MAX_FRAME_BODY};
use crate::rope::Piece;
use crate::target::MAX_NAME_LEN;

/// The longest fixed part any packet has: frame header, type, name length, a 255-byte name,
/// session and total size (a by-name multi-part header).
pub const MAX_HEAD_LEN: usize = FRAME_HEADER_LEN + 1 + 1 + MAX_NAME_LEN + 4 + 4;

/// Header bytes kept inside the frame itself. Every packet's fixed part fits except those of
/// by-name packets with long names (a by-name request's head is `8 + name length` bytes with
/// the frame header, a by-name multi-part header's `12 + name length`).
const INLINE_HEAD_LEN: usize = 30;

/// The frame header and packet fields of an [`OutFrame`].
#[derive(Clone, Debug)]
enum Head {
    /// Short heads (nearly all): no allocation, and small enough that moving frames around
    /// stays cheap.
    Inline { buf: [u8; INLINE_HEAD_LEN], len: u8 },
    /// Heads with a long service name: one shared allocation.
    Shared(Bytes),
}

impl Head {
    fn as_slice(&self) -> &[u8] {
        match self {
            Head::Inline { buf, len } => &buf[..usize::from(*len)],
            Head::Shared(b) => b,
        }
    }
}

/// One frame ready to be written: the frame header and packet fields, and the data that
/// follows them, a [`Bytes`] slice of the caller's payload (never copied).
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
    head: Head,
    head_pos: u16,
    data: Bytes,
}

impl OutFrame {
    /// Starts a frame whose body will end with `data`; the frame length is filled in by
    /// [`HeadWriter::finish`].
    #[inline]
    pub(crate) fn build(data: Bytes) -> HeadWriter<Bytes> {
        HeadWriter::new(data)
    }

    /// The frame of a packet whose fixed fields `fields` writes and whose rest is `piece`
    /// (its prefix copied after the fields, its data shared).
    #[inline]
    pub(crate) fn of_piece(
        piece: Piece,
        fields: impl FnOnce(&mut HeadWriter<Bytes>) -> &mut HeadWriter<Bytes>,
    ) -> Result<OutFrame, PacketError> {
        let mut w = OutFrame::build(piece.data);
        fields(&mut w);
        if let Some(prefix) = &piece.prefix {
            w.bytes(prefix);
        }
        w.finish()
    }

    fn head(&self) -> &[u8] {
        self.head.as_slice()
    }

    /// The unwritten part of the head.
    fn head_rest(&self) -> &[u8] {
        &self.head()[usize::from(self.head_pos)..]
    }

    /// The packet body (everything after the 2-byte frame header), as a copy.
    pub fn body_to_vec(&self) -> alloc::vec::Vec<u8> {
        let mut v = alloc::vec::Vec::with_capacity(self.wire_len() - FRAME_HEADER_LEN);
        v.extend_from_slice(&self.head()[FRAME_HEADER_LEN..]);
        v.extend_from_slice(&self.data);
        v
    }

    /// The whole frame (header included), as a copy: for tests and tools.
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        let mut v = alloc::vec::Vec::with_capacity(self.wire_len());
        v.extend_from_slice(self.head());
        v.extend_from_slice(&self.data);
        v
    }

    /// Bytes the whole frame takes on the wire.
    pub fn wire_len(&self) -> usize {
        self.head().len() + self.data.len()
    }

    /// The data part, shared with the payload it came from.
    pub fn data(&self) -> &Bytes {
        &self.data
    }

    /// Copies the unwritten rest of the frame into `dst` (for APIs that want one buffer,
    /// like a tokio-util `Encoder`).
    pub fn write_to(&self, dst: &mut impl BufMut) {
        dst.put_slice(self.head_rest());
        dst.put_slice(&self.data);
    }
}

impl Buf for OutFrame {
    #[inline]
    fn remaining(&self) -> usize {
        self.head_rest().len() + self.data.len()
    }

    #[inline]
    fn chunk(&self) -> &[u8] {
        let head = self.head_rest();
        if head.is_empty() {
            &self.data
        } else {
            head
        }
    }

    fn advance(&mut self, mut cnt: usize) {
        let from_head = cnt.min(self.head_rest().len());
        self.head_pos += from_head as u16;
        cnt -= from_head;
        if cnt > 0 {
            self.data.advance(cnt);
        }
    }

    #[cfg(feature = "std")]
    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        let mut n = 0;
        let head = self.head_rest();
        if n < dst.len() && !head.is_empty() {
            dst[n] = std::io::IoSlice::new(head);
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
///
/// The fields go into a small inline buffer; only a head too long for it (a long service
/// name) spills into an allocation. (A buffer sized for the longest possible head would
/// be zeroed and copied around for every frame.)
///
/// The data is a [`Bytes`] when the head becomes an [`OutFrame`] ([`finish`](Self::finish)),
/// or a borrowed slice when head and data are copied straight into a buffer
/// ([`write_into`](Self::write_into)).
pub(crate) struct HeadWriter<D> {
    inline: [u8; INLINE_HEAD_LEN],
    /// Bytes written in `inline`, frame header included (the first 2, filled last).
    len: usize,
    /// The whole head once it has outgrown `inline`.
    spilled: Option<alloc::vec::Vec<u8>>,
    data: D,
}

// The writer is used in place (`&mut self` throughout): passed by value through a chain of
// calls, its ~100 bytes would be copied at every step.
impl<D: AsRef<[u8]>> HeadWriter<D> {
    /// A writer for a frame whose body ends with `data`.
    #[inline]
    pub(crate) fn new(data: D) -> Self {
        HeadWriter {
            inline: [0; INLINE_HEAD_LEN],
            len: FRAME_HEADER_LEN,
            spilled: None,
            data,
        }
    }

    #[inline]
    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.put(&[v]);
        self
    }

    #[inline]
    pub(crate) fn u32_le(&mut self, v: u32) -> &mut Self {
        self.put(&v.to_le_bytes());
        self
    }

    /// A name with its one-byte length in front. The caller has checked the length.
    #[inline]
    pub(crate) fn name(&mut self, name: &[u8]) -> &mut Self {
        self.put(&[name.len() as u8]);
        self.put(name);
        self
    }

    /// Bytes copied into the head after the packet's fields: the start of the body that
    /// the data does not hold (a [`Rope`](crate::Rope) piece's prefix).
    #[inline]
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.put(bytes);
        self
    }

    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if let Some(head) = &mut self.spilled {
            head.extend_from_slice(bytes);
            return;
        }
        let end = self.len + bytes.len();
        match self.inline.get_mut(self.len..end) {
            Some(room) => {
                room.copy_from_slice(bytes);
                self.len = end;
            }
            None => self.spill(bytes),
        }
    }

    #[cold]
    fn spill(&mut self, bytes: &[u8]) {
        let mut head = alloc::vec::Vec::with_capacity(MAX_HEAD_LEN.max(self.len + bytes.len()));
        head.extend_from_slice(&self.inline[..self.len]);
        head.extend_from_slice(bytes);
        self.spilled = Some(head);
    }

    /// The whole head with the frame length filled in; fails if the body would not fit a
    /// frame.
    #[inline]
    fn complete_head(&mut self) -> Result<&[u8], PacketError> {
        let head_len = self.spilled.as_ref().map_or(self.len, |h| h.len());
        let body = head_len - FRAME_HEADER_LEN + self.data.as_ref().len();
        if body > MAX_FRAME_BODY {
            return Err(PacketError::BodyTooLarge { len: body });
        }
        let header = crate::frame::header_bytes(body);
        let head = match &mut self.spilled {
            None => &mut self.inline[..self.len],
            Some(head) => &mut head[..],
        };
        head[..FRAME_HEADER_LEN].copy_from_slice(&header);
        Ok(head)
    }

    /// Copies the frame (head, then data) into `dst`; nothing is written if it fails.
    #[inline]
    pub(crate) fn write_into(&mut self, dst: &mut impl BufMut) -> Result<(), PacketError> {
        dst.put_slice(self.complete_head()?);
        dst.put_slice(self.data.as_ref());
        Ok(())
    }
}

impl HeadWriter<Bytes> {
    /// Fills in the frame length and hands the frame out (the writer is left empty);
    /// fails if the body would not fit a frame.
    #[inline]
    pub(crate) fn finish(&mut self) -> Result<OutFrame, PacketError> {
        self.complete_head()?;
        let head = match self.spilled.take() {
            None => Head::Inline {
                buf: self.inline,
                len: self.len as u8,
            },
            Some(head) => Head::Shared(Bytes::from(head)),
        };
        Ok(OutFrame {
            head,
            head_pos: 0,
            data: core::mem::take(&mut self.data),
        })
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
    fn long_names_spill_to_a_shared_head_and_still_write_right() {
        let name = [b'n'; 200];
        let f = OutFrame::build(Bytes::from_static(b"p"))
            .u8(0x80)
            .name(&name)
            .u32_le(7)
            .finish()
            .unwrap();
        assert!(matches!(f.head, Head::Shared(_)));
        let mut want = vec![0, 1 + 1 + 200 + 4 + 1, 0x80, 200];
        want.extend_from_slice(&name);
        want.extend_from_slice(&[7, 0, 0, 0, b'p']);
        assert_eq!(f.to_vec(), want);
        let mut g = f.clone();
        g.advance(100);
        assert_eq!(g.remaining(), want.len() - 100);
        assert_eq!(g.chunk(), &want[100..want.len() - 1]);
    }

    #[test]
    fn frames_stay_small() {
        // Frames are moved through iterators and queues: keep them a few words long.
        assert!(
            core::mem::size_of::<OutFrame>() <= 80,
            "{}",
            core::mem::size_of::<OutFrame>()
        );
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
