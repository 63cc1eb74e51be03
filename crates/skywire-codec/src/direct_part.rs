//! Reading a part's body straight into its message: a large multi-part payload that is
//! never copied in memory.
//!
//! A multi-part message comes in parts of up to 32 KiB, each in its own frame behind a
//! 7-byte head (the frame's length, the part's type and session). Read the usual way,
//! every part lands in the reader's buffer and reassembly copies it into the message. A
//! [`StreamDecoder`] told to [`read_parts_directly`](StreamDecoder::read_parts_directly)
//! instead stops at a part whose body has not all arrived: it moves what has arrived into
//! the message (the only copy, of at most what one read took) and offers the end of the
//! message's buffer for the next read ([`direct_room`](StreamDecoder::direct_room)), so the
//! part's remaining bytes go from the socket to their place in the payload. A read may
//! take a few bytes more, the head of the next frame, which
//! [`direct_filled`](StreamDecoder::direct_filled) moves to the reader's buffer: when that
//! head is the message's next part, its body is read the same way. Everything else (the
//! checks against the header's size, errors, the offsets errors name, the message handed
//! out) is as if the part had been read into the reader's buffer.
//!
//! Sans-IO: the decoder only says where the next bytes go and is told when they came; the
//! reader does the reading.

use bytes::buf::Limit;
use bytes::{BufMut, Bytes, BytesMut};

use crate::frame::{Frame, FRAME_HEADER_LEN};
use crate::stream::{Assemble, DirectPart, StreamDecoder};

impl<A: Assemble> StreamDecoder<A> {
    /// From now on, a part frame of which `min` or more body bytes have not yet arrived
    /// when [`decode`](Self::decode) gets to it has the rest of its body read straight
    /// into its message (see the [module docs](crate::direct_part)). Not for decoders whose
    /// recorder keeps frame bodies ([`Recorder::keeps_bodies`](crate::Recorder)): they
    /// read every part the usual way.
    pub fn read_parts_directly(&mut self, min: usize) {
        self.direct_min = Some(min.max(1));
    }

    /// Where the next bytes read go while a part is read directly: the end of its
    /// message's buffer, limited to the rest of the part plus up to `extra` bytes past it
    /// (for a reader that takes the next frame's head in the same read; give them back
    /// with [`direct_filled`](Self::direct_filled)). `None` when the next bytes go to the
    /// reader's buffer as usual.
    ///
    /// The room is uninitialized memory, as a [`BufMut`] offers it (`tokio`'s
    /// `try_read_buf` and `AsyncReadExt::read_buf` read into it).
    pub fn direct_room(&mut self, extra: usize) -> Option<Limit<&mut BytesMut>> {
        let d = self.direct.as_ref()?;
        let remaining = d.remaining;
        let buf = self.assembler.part_buf(d.session)?;
        // Never past the buffer's capacity (it holds the whole declared size): a read into
        // a full `BytesMut` would make it grow.
        let room = (remaining + extra).min(buf.capacity() - buf.len());
        Some(buf.limit(room))
    }

    /// After a read into [`direct_room`](Self::direct_room): the bytes it put past the
    /// part's end go to the end of `src` (the reader's buffer), and when the part is
    /// complete the next [`decode`](Self::decode) takes its frame (and returns the message
    /// it completes, if it is the last).
    pub fn direct_filled(&mut self, src: &mut BytesMut) {
        let Some(d) = self.direct.as_mut() else {
            return;
        };
        let Some(buf) = self.assembler.part_buf(d.session) else {
            return;
        };
        if buf.len() > d.part_end {
            src.extend_from_slice(&buf[d.part_end..]);
            buf.truncate(d.part_end);
        }
        d.remaining = d.part_end - buf.len();
        if d.remaining > 0 {
            return;
        }
        let Some(d) = self.direct.take() else {
            return;
        };
        self.frames.skip(d.wire_len);
        // Parsed again and fed to reassembly as any frame is: a part with no data (it is
        // in the message already).
        self.done_part = Some(d.frame);
    }

    /// True while a part's body is being read directly (the stream is inside its frame).
    pub fn reading_part_directly(&self) -> bool {
        self.direct.is_some()
    }

    /// Bytes of the stream already taken of the part being read directly, and its whole
    /// frame's length (for an error at the end of the stream).
    pub(crate) fn direct_progress(&self) -> Option<(usize, usize)> {
        self.direct
            .as_ref()
            .map(|d| (d.wire_len - d.remaining, d.wire_len))
    }

    /// At an incomplete frame at the front of `src` (no part being read directly: `decode`
    /// returns before it gets here): if it is a part that should be read directly, moves
    /// what has arrived of it into its message, empties `src` and returns true.
    pub(crate) fn start_direct(&mut self, src: &mut BytesMut) -> bool {
        let Some(min) = self.direct_min else {
            return false;
        };
        let head = FRAME_HEADER_LEN + A::PART_HEAD;
        let Some(wire_len) = crate::frame::wire_len_at(src) else {
            return false;
        };
        if src.len() < head
            || src.len() >= wire_len
            || wire_len - src.len() < min
            || self.assembler.keeps_frame_bodies()
        {
            return false;
        }
        let body_head = Bytes::copy_from_slice(&src[FRAME_HEADER_LEN..head]);
        let Ok(packet) = A::parse(&body_head) else {
            return false;
        };
        let Some((session, last)) = A::part_of(&packet) else {
            return false;
        };
        // A part that does not fit its message goes the usual way, to the usual error.
        if !self.assembler.part_fits(session, wire_len - head, last) {
            return false;
        }
        let Some(buf) = self.assembler.part_buf(session) else {
            return false;
        };
        buf.extend_from_slice(&src[head..]);
        let remaining = wire_len - src.len();
        self.direct = Some(DirectPart {
            frame: Frame {
                offset: self.frames.offset(),
                body: body_head,
            },
            session,
            wire_len,
            remaining,
            part_end: buf.len() + remaining,
        });
        src.clear();
        true
    }
}
