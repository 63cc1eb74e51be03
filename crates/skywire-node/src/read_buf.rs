//! The read buffer of a connection: how much room each read gets.
//!
//! Frames are split off the front of the buffer (zero-copy slices), so after a read the
//! buffer holds at most the start of one frame. Before the next read, if less than
//! [`MIN_ROOM`] is free, the buffer is brought back to [`READ_BUF`] bytes: the leftover
//! is moved to the front of the same allocation when nothing else uses it, or copied into
//! a new one when slices of the old one are still alive. Either way the capacity stays at
//! `READ_BUF` (a plain `reserve(READ_BUF)` would double the allocation instead), and a
//! read moves up to `READ_BUF` bytes: several 32 KiB parts of a large message per system
//! call instead of one.
//!
//! Memory: an allocation is only replaced once less than `MIN_ROOM` of it is left, so the
//! old buffers that slices still pin hold at least `READ_BUF - MIN_ROOM` bytes of data
//! each; memory pinned stays proportional to the bytes the peer actually sent. A
//! connection's buffer is allocated only when its first bytes arrive ([`read`]), so a
//! connection that never sends (an idle one, of thousands) holds no read buffer.

use std::io;
use std::time::Duration;

use bytes::BytesMut;
use skywire_codec::frame::{FRAME_HEADER_LEN, MAX_FRAME_BODY};
use tokio::net::tcp::OwnedReadHalf;

use crate::busy_poll;

/// Capacity of a read buffer: the most one read takes.
pub(crate) const READ_BUF: usize = 256 * 1024;
/// Least free room before a read: one whole frame of the largest size.
pub(crate) const MIN_ROOM: usize = FRAME_HEADER_LEN + MAX_FRAME_BODY;

/// Reads what `rd` has into `buf` after making room (busy-polling for `spin`, see
/// [`busy_poll::read_buf`]). A buffer that holds no memory yet (a connection's, until its
/// first bytes) gets its `READ_BUF` only once bytes (or the end of the stream) are there.
pub(crate) async fn read(
    rd: &mut OwnedReadHalf,
    buf: &mut BytesMut,
    spin: Duration,
) -> io::Result<usize> {
    if buf.capacity() == 0 {
        // Waits for a byte (or the end) without taking it: `readable()` can be ready on a
        // socket that has nothing to read yet.
        rd.peek(&mut [0u8; 1]).await?;
    }
    make_room(buf);
    busy_poll::read_buf(rd, buf, spin).await
}

/// Makes room for the next read (see the module docs); a buffer with no memory yet gets
/// `READ_BUF`.
pub(crate) fn make_room(buf: &mut BytesMut) {
    if buf.capacity() - buf.len() < MIN_ROOM {
        buf.reserve(READ_BUF.saturating_sub(buf.len()).max(MIN_ROOM));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BufMut;

    /// A buffer after its first [`make_room`].
    fn new() -> BytesMut {
        let mut buf = BytesMut::new();
        make_room(&mut buf);
        buf
    }

    /// Fills the free room as a read would (`n` bytes at most).
    fn read(buf: &mut BytesMut, n: usize) -> usize {
        let n = n.min(buf.capacity() - buf.len());
        buf.put_bytes(7, n);
        n
    }

    #[test]
    fn capacity_stays_put_and_every_read_gets_a_frame_of_room() {
        let mut buf = new();
        for round in 0..100 {
            make_room(&mut buf);
            assert!(buf.capacity() - buf.len() >= MIN_ROOM, "round {round}");
            assert!(
                buf.capacity() <= READ_BUF,
                "round {round}: {}",
                buf.capacity()
            );
            read(&mut buf, READ_BUF);
            // Whole frames are split off and dropped; the start of the next one stays.
            let leftover = 1 + round * 613 % MAX_FRAME_BODY;
            drop(buf.split_to(buf.len() - leftover));
        }
    }

    #[test]
    fn slices_still_alive_get_a_new_allocation_of_the_same_size() {
        let mut buf = new();
        read(&mut buf, READ_BUF);
        let pinned = buf.split_to(READ_BUF - 100).freeze();
        make_room(&mut buf);
        assert_eq!(buf.len(), 100);
        assert!(buf.capacity() >= READ_BUF - 100 && buf.capacity() <= READ_BUF);
        // The slice handed out is untouched by the move.
        assert!(pinned.iter().all(|&b| b == 7));
        assert_eq!(pinned.len(), READ_BUF - 100);
    }

    /// A connection that sends nothing holds no read buffer; its first bytes bring one.
    #[tokio::test]
    async fn the_buffer_comes_with_the_first_bytes() {
        use std::time::Duration;
        use tokio::io::AsyncWriteExt;
        use tokio::net::{TcpListener, TcpStream};

        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let mut client = TcpStream::connect(listener.local_addr().expect("addr"))
            .await
            .expect("connect");
        let (server, _) = listener.accept().await.expect("accept");
        let (mut rd, _wr) = server.into_split();
        let mut buf = BytesMut::new();
        let idle = tokio::time::timeout(
            Duration::from_millis(100),
            super::read(&mut rd, &mut buf, Duration::ZERO),
        )
        .await;
        assert!(idle.is_err(), "nothing was sent, yet the read ended");
        assert_eq!(buf.capacity(), 0, "an idle connection took a buffer");

        client.write_all(b"hello").await.expect("write");
        let n = super::read(&mut rd, &mut buf, Duration::ZERO)
            .await
            .expect("read");
        assert_eq!(&buf[..n], b"hello");
        assert!(buf.capacity() >= READ_BUF - MIN_ROOM, "{}", buf.capacity());
    }

    #[test]
    fn plenty_of_room_left_means_no_move() {
        let mut buf = new();
        read(&mut buf, 1000);
        let before = buf.as_ptr();
        make_room(&mut buf);
        assert_eq!(buf.as_ptr(), before);
        assert_eq!(buf.len(), 1000);
    }
}
