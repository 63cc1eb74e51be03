//! Framing: every packet travels as a 2-byte big-endian length followed by that many bytes.

use bytes::{Buf, Bytes, BytesMut};
use nom::number::complete::be_u16;
use nom::IResult;

/// Bytes in a frame header: the body length as a big-endian `u16`. (The only big-endian
/// integer of the protocol; everything inside a body is little-endian.)
pub const FRAME_HEADER_LEN: usize = 2;

/// Largest frame body: the header holds a `u16`.
pub const MAX_FRAME_BODY: usize = u16::MAX as usize;

/// One frame as read off a stream: its body and where it started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Byte offset of the frame's length header from the start of the stream.
    pub offset: u64,
    /// The body: a zero-copy slice of the bytes read.
    pub body: Bytes,
}

impl Frame {
    /// Bytes the frame took on the wire, header included.
    pub fn wire_len(&self) -> usize {
        FRAME_HEADER_LEN + self.body.len()
    }
}

/// Reads a frame header: the announced body length.
fn frame_header(input: &[u8]) -> IResult<&[u8], u16> {
    be_u16(input)
}

/// Splits frames off a byte stream that arrives in arbitrary chunks.
///
/// Feed it bytes with [`feed`](Self::feed) (any chunk size, one byte at a time included) and
/// take complete frames with [`next_frame`](Self::next_frame); a body is a slice of the
/// decoder's buffer, never copied again. [`decode`](Self::decode) does the same on a buffer
/// the caller owns (this is what the tokio codec uses).
///
/// ```
/// use skywire_codec::FrameDecoder;
/// let mut frames = FrameDecoder::new();
/// frames.feed(&[0x00, 0x03, b'a']);
/// assert!(frames.next_frame().is_none()); // body incomplete
/// frames.feed(b"bc\x00");
/// let f = frames.next_frame().unwrap();
/// assert_eq!((f.offset, &f.body[..]), (0, &b"abc"[..]));
/// assert_eq!(frames.buffered(), 1);
/// ```
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: BytesMut,
    /// Stream offset of the first byte not yet handed out (the start of `buf`, when the
    /// decoder owns the buffer).
    offset: u64,
}

impl FrameDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the next chunk of the stream to the decoder's own buffer.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete frame in the decoder's own buffer, if there is one.
    pub fn next_frame(&mut self) -> Option<Frame> {
        let mut buf = core::mem::take(&mut self.buf);
        let frame = self.decode(&mut buf);
        self.buf = buf;
        frame
    }

    /// The next complete frame at the front of `src`, split off it; `None` (and `src`
    /// untouched) when `src` does not yet hold a whole frame.
    pub fn decode(&mut self, src: &mut BytesMut) -> Option<Frame> {
        let frame = self.split(src);
        if frame.is_none() {
            reserve_rest(src);
        }
        frame
    }

    /// Like [`decode`](Self::decode), without making room in `src` for the rest of an
    /// incomplete frame.
    pub(crate) fn split(&mut self, src: &mut BytesMut) -> Option<Frame> {
        let total = wire_len_at(src)?;
        if src.len() < total {
            return None;
        }
        let offset = self.offset;
        src.advance(FRAME_HEADER_LEN);
        let body = src.split_to(total - FRAME_HEADER_LEN).freeze();
        self.offset += total as u64;
        Some(Frame { offset, body })
    }

    /// Counts a frame of `wire_len` bytes that was taken off the stream without being split
    /// off a buffer (a part read straight into its message).
    pub(crate) fn skip(&mut self, wire_len: usize) {
        self.offset += wire_len as u64;
    }

    /// Bytes held in the decoder's own buffer that do not yet form a whole frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Stream offset of the next frame.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// At the end of the stream: an error if bytes of an incomplete frame remain in `src`
    /// (pass the decoder's own buffer state with [`finish`](Self::finish)).
    pub fn check_end(&self, src: &[u8]) -> Result<(), crate::DecodeError> {
        if src.is_empty() {
            return Ok(());
        }
        let needed = wire_len_at(src).unwrap_or(FRAME_HEADER_LEN);
        Err(crate::DecodeError::new(
            self.offset,
            crate::DecodeErrorKind::TruncatedFrame {
                needed,
                available: src.len(),
            },
        ))
    }

    /// At the end of the stream: an error if the decoder's own buffer holds part of a frame.
    pub fn finish(&self) -> Result<(), crate::DecodeError> {
        self.check_end(&self.buf)
    }
}

/// The wire length of the frame starting `src`, from its header, if the header is there.
pub(crate) fn wire_len_at(src: &[u8]) -> Option<usize> {
    let (_, body_len) = frame_header(src).ok()?;
    Some(FRAME_HEADER_LEN + usize::from(body_len))
}

/// Makes room in `src` for the rest of the incomplete frame at its front: bounded by one
/// frame.
pub(crate) fn reserve_rest(src: &mut BytesMut) {
    if let Some(total) = wire_len_at(src) {
        src.reserve(total.saturating_sub(src.len()));
    }
}

/// Writes the 2-byte header for a body of `body_len` bytes into `out`.
///
/// `body_len` must be at most [`MAX_FRAME_BODY`]; the packet builders of this crate never
/// make a larger body.
pub(crate) fn header_bytes(body_len: usize) -> [u8; FRAME_HEADER_LEN] {
    debug_assert!(body_len <= MAX_FRAME_BODY);
    (body_len as u16).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_back_to_back_frames() {
        let mut d = FrameDecoder::new();
        d.feed(&[0, 1, 0xaa, 0, 0, 0, 2, 0xbb, 0xcc]);
        let a = d.next_frame().unwrap();
        let b = d.next_frame().unwrap();
        let c = d.next_frame().unwrap();
        assert_eq!((a.offset, &a.body[..]), (0, &[0xaa][..]));
        assert_eq!((b.offset, b.body.len()), (3, 0));
        assert_eq!((c.offset, &c.body[..]), (5, &[0xbb, 0xcc][..]));
        assert!(d.next_frame().is_none());
        assert!(d.finish().is_ok());
    }

    #[test]
    fn byte_at_a_time() {
        let stream = [0u8, 2, 1, 2, 0, 1, 3];
        let mut d = FrameDecoder::new();
        let mut got = vec![];
        for b in stream {
            d.feed(&[b]);
            while let Some(f) = d.next_frame() {
                got.push(f.body.to_vec());
            }
        }
        assert_eq!(got, vec![vec![1, 2], vec![3]]);
    }

    #[test]
    fn largest_body() {
        let mut stream = vec![0xff, 0xff];
        stream.extend(core::iter::repeat_n(7u8, 0xffff));
        let mut d = FrameDecoder::new();
        d.feed(&stream[..0x8000]);
        assert!(d.next_frame().is_none());
        d.feed(&stream[0x8000..]);
        assert_eq!(d.next_frame().unwrap().body.len(), 0xffff);
    }

    #[test]
    fn truncated_end_is_reported_with_offset() {
        let mut d = FrameDecoder::new();
        d.feed(&[0, 1, 9, 0, 5, 1, 2]);
        assert!(d.next_frame().is_some());
        assert!(d.next_frame().is_none());
        let e = d.finish().unwrap_err();
        assert_eq!(e.offset(), 3);
        assert_eq!(
            e.kind(),
            &crate::DecodeErrorKind::TruncatedFrame {
                needed: 7,
                available: 4
            }
        );
        let mut one = FrameDecoder::new();
        one.feed(&[0]);
        assert!(one.finish().is_err());
    }

    #[test]
    fn header_is_big_endian() {
        assert_eq!(header_bytes(0x1234), [0x12, 0x34]);
    }
}
