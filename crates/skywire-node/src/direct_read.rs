//! Reading a large part straight into its message (the codec's
//! [`read_parts_directly`](skywire_codec::StreamDecoder::read_parts_directly)): the
//! system call that reads a part's body puts it where the payload will be, so a large
//! request or response is never copied out of a read buffer.
//!
//! Each read takes the rest of the part and, in the same `readv`, the 7-byte head of the
//! frame after it into the connection's read buffer; when that is the next part of the
//! same message, its body is read the same way. What one read takes before the decoder
//! sees a part (its head and the bytes after it, at most one read buffer's worth) is still
//! copied into the message.

use std::io::{self, IoSliceMut};

use bytes::BytesMut;
use skywire_codec::stream::Assemble;
use skywire_codec::{StreamDecoder, FRAME_HEADER_LEN};
use tokio::net::tcp::OwnedReadHalf;

/// Parts with at least this many body bytes not yet arrived are read directly: a read of
/// less is not worth the system call it may add (a direct read stops where the part ends).
pub(crate) const DIRECT_PART_MIN: usize = 1024;

/// Room for a part's head: the frame header and the part's type and session (7 bytes in
/// both directions).
const HEAD_ROOM: usize = 16;

/// Reads the next bytes of the part `decoder` is reading directly into its message and,
/// unless it is the message's last part, up to the next frame's head into `buf`. Returns
/// the bytes read (0 at the end of the stream).
pub(crate) async fn read_part<A: Assemble>(
    rd: &mut OwnedReadHalf,
    decoder: &mut StreamDecoder<A>,
    buf: &mut BytesMut,
) -> io::Result<usize> {
    let mut head = [0u8; HEAD_ROOM];
    let head_len = (FRAME_HEADER_LEN + A::PART_HEAD).min(HEAD_ROOM);
    loop {
        let read = {
            let Some(direct) = decoder.direct_room() else {
                return Ok(0);
            };
            let room = direct.room.len();
            let read = if direct.last {
                rd.try_read(direct.room)
            } else {
                rd.try_read_vectored(&mut [
                    IoSliceMut::new(direct.room),
                    IoSliceMut::new(&mut head[..head_len]),
                ])
            };
            read.map(|n| (n, room))
        };
        match read {
            Ok((n, room)) => {
                decoder.direct_filled(n.min(room));
                buf.extend_from_slice(&head[..n.saturating_sub(room)]);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => rd.readable().await?,
            Err(e) => return Err(e),
        }
    }
}
