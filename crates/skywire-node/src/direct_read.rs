//! Reading a large part straight into its message (the codec's
//! [`read_parts_directly`](skywire_codec::StreamDecoder::read_parts_directly)): the
//! system call that reads a part's body puts it where the payload will be, so a large
//! request or response is never copied out of a read buffer.
//!
//! Each read takes the rest of the part and the 7-byte head of the frame after it (which
//! the decoder moves to the connection's read buffer); when that is the next part of the
//! same message, its body is read the same way. What one read takes before the decoder
//! sees a part (its head and the bytes after it, at most one read buffer's worth) is still
//! copied into the message.

use std::io;

use bytes::BytesMut;
use skywire_codec::stream::Assemble;
use skywire_codec::{StreamDecoder, FRAME_HEADER_LEN};
use tokio::net::tcp::OwnedReadHalf;

/// Parts with at least this many body bytes not yet arrived are read directly: a read of
/// less is not worth the system call it may add (a direct read stops where the part ends).
pub(crate) const DIRECT_PART_MIN: usize = 1024;

/// Reads the next bytes of the part `decoder` is reading directly into its message, and
/// the next frame's head, which goes to `buf`. Returns the bytes read (0 at the end of the
/// stream).
pub(crate) async fn read_part<A: Assemble>(
    rd: &mut OwnedReadHalf,
    decoder: &mut StreamDecoder<A>,
    buf: &mut BytesMut,
) -> io::Result<usize> {
    let head = FRAME_HEADER_LEN + A::PART_HEAD;
    loop {
        let read = match decoder.direct_room(head) {
            Some(mut room) => rd.try_read_buf(&mut room),
            None => return Ok(0),
        };
        match read {
            Ok(n) => {
                decoder.direct_filled(buf);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => rd.readable().await?,
            Err(e) => return Err(e),
        }
    }
}
