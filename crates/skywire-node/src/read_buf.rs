//! The read buffer of a connection: how much room each read gets.
//!
//! Frames are split off the front of the buffer (zero-copy slices), so after a read the
//! buffer holds at most the start of one frame. Before the next read, if less than a
//! quarter of the buffer's size is free, the buffer is brought back to its size: the
//! leftover is moved to the front of the same allocation when nothing else uses it, or
//! copied into a new one when slices of the old one are still alive.
//!
//! The size adapts to the traffic, between [`FIRST_BUF`] and [`READ_BUF`]: a read that
//! fills all the room it was given doubles it (the peer had more to send: a burst of calls
//! then goes in one system call instead of several), unless the read ended inside a large
//! part, whose rest is read straight into its message ([`crate::direct_read`]) and would
//! only be copied out of a bigger buffer; and
//! [`SMALL_READS`] reads in a row that each take under a quarter of it halve it (a long
//! spell: a size that swings back and forth costs a new allocation each time). A
//! connection of small calls so holds 16 KiB, not 256 KiB (1,000 of them: 16 MB, not
//! 256 MB); one carrying large messages grows to `READ_BUF` within a few reads.
//!
//! Memory: an allocation is only replaced once less than a quarter of it is left (or when
//! the size changes), so the old buffers that slices still pin hold at least three
//! quarters of their size in data each; memory pinned stays proportional to the bytes the
//! peer actually sent. A connection's buffer is allocated only when its first bytes arrive
//! ([`ReadBuf::read`]), so a connection that never sends (an idle one, of thousands) holds
//! no read buffer.

use std::io;
use std::time::Duration;

use bytes::BytesMut;
use tokio::net::tcp::OwnedReadHalf;

use crate::busy_poll;

/// The largest read buffer: the most one read takes.
pub(crate) const READ_BUF: usize = 256 * 1024;
/// The size a connection's buffer starts at, and the least it shrinks to.
pub(crate) const FIRST_BUF: usize = 16 * 1024;
/// Reads in a row that each take under a quarter of the buffer before it halves.
pub(crate) const SMALL_READS: u32 = 1024;

/// A connection's read buffer and the size it has adapted to.
#[derive(Debug)]
pub(crate) struct ReadBuf {
    /// The bytes read and not yet decoded (frames are split off its front).
    pub(crate) bytes: BytesMut,
    /// The size the buffer is brought back to before a read.
    size: usize,
    /// The size asked for the allocation `bytes` is in (0 before the first).
    alloc: usize,
    /// Small reads in a row.
    small: u32,
    /// The last read doubled the size.
    grew: bool,
}

impl ReadBuf {
    /// A buffer holding no memory until the first bytes arrive.
    pub(crate) fn new() -> ReadBuf {
        ReadBuf {
            bytes: BytesMut::new(),
            size: FIRST_BUF,
            alloc: 0,
            small: 0,
            grew: false,
        }
    }

    /// Reads what `rd` has after making room (busy-polling for `spin`, see
    /// [`busy_poll::read_buf`]). A buffer that holds no memory yet (a connection's, until
    /// its first bytes) gets it only once bytes (or the end of the stream) are there.
    pub(crate) async fn read(
        &mut self,
        rd: &mut OwnedReadHalf,
        spin: Duration,
    ) -> io::Result<usize> {
        if self.alloc == 0 {
            // Waits for a byte (or the end) without taking it: `readable()` can be ready on
            // a socket that has nothing to read yet.
            rd.peek(&mut [0u8; 1]).await?;
        }
        let room = self.make_room();
        let n = busy_poll::read_buf(rd, &mut self.bytes, spin).await?;
        self.adapt(n, room);
        Ok(n)
    }

    /// The size the buffer is brought back to now.
    #[cfg(test)]
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Makes room for the next read (see the module docs); returns the room.
    pub(crate) fn make_room(&mut self) -> usize {
        let len = self.bytes.len();
        let min_room = self.size / 4;
        let room = self.bytes.capacity() - len;
        let resized = self.alloc != self.size;
        if room >= min_room && !(resized && len == 0) {
            return room;
        }
        // The same allocation, if it is of the size wanted and nothing else uses it.
        if !resized && self.bytes.try_reclaim(self.size - len) {
            return self.bytes.capacity() - len;
        }
        // More than the size only for a leftover of over three quarters of it (a frame
        // larger than the buffer); the size comes back with the next empty buffer.
        self.alloc = self.size.max(len + min_room);
        let mut fresh = BytesMut::with_capacity(self.alloc);
        fresh.extend_from_slice(&self.bytes);
        self.bytes = fresh;
        self.bytes.capacity() - len
    }

    /// Takes back the doubling of the last read, if it doubled the size: it filled the
    /// buffer with the start of a large part, whose rest is read into its message, not
    /// into this buffer ([`crate::direct_read`]).
    pub(crate) fn cancel_growth(&mut self) {
        if self.grew {
            self.size /= 2;
            self.grew = false;
        }
    }

    /// Adapts the size to a read of `n` bytes that had `room` (see the module docs).
    pub(crate) fn adapt(&mut self, n: usize, room: usize) {
        self.grew = false;
        if n >= room && self.size < READ_BUF {
            self.size = (self.size * 2).min(READ_BUF);
            self.small = 0;
            self.grew = true;
        } else if n < self.size / 4 {
            self.small += 1;
            if self.small >= SMALL_READS && self.size > FIRST_BUF {
                self.size /= 2;
                self.small = 0;
            }
        } else {
            self.small = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BufMut;

    /// Fills the free room as a read would (`n` bytes at most), and adapts to it.
    fn read(buf: &mut ReadBuf, n: usize) -> usize {
        let room = buf.make_room();
        let n = n.min(room);
        buf.bytes.put_bytes(7, n);
        buf.adapt(n, room);
        n
    }

    #[test]
    fn capacity_stays_within_the_size_and_every_read_gets_a_quarter_of_it() {
        let mut buf = ReadBuf::new();
        for round in 0..100 {
            let room = buf.make_room();
            assert!(room >= buf.size() / 4, "round {round}: {room}");
            assert!(buf.bytes.capacity() <= READ_BUF, "round {round}");
            read(&mut buf, READ_BUF);
            // Whole frames are split off and dropped; the start of the next one stays.
            let leftover = (1 + round * 613 % 4000).min(buf.bytes.len());
            drop(buf.bytes.split_to(buf.bytes.len() - leftover));
        }
        assert_eq!(
            buf.size(),
            READ_BUF,
            "full reads grow the buffer to the most"
        );
    }

    #[test]
    fn full_reads_grow_it_small_reads_shrink_it() {
        let mut buf = ReadBuf::new();
        assert_eq!(buf.size(), FIRST_BUF);
        // A peer sending large messages: every read fills the room.
        let mut sizes = vec![];
        for _ in 0..6 {
            read(&mut buf, usize::MAX);
            buf.bytes.clear();
            sizes.push(buf.size());
        }
        let k = 1024;
        assert_eq!(sizes, [32 * k, 64 * k, 128 * k, 256 * k, 256 * k, 256 * k]);
        // Then small calls: each SMALL_READS small reads halve it, down to FIRST_BUF.
        for _ in 0..SMALL_READS * 5 {
            read(&mut buf, 100);
            buf.bytes.clear();
        }
        assert_eq!(buf.size(), FIRST_BUF);
        // And the memory follows: the next read is into a buffer of that size.
        buf.make_room();
        assert!(
            buf.bytes.capacity() <= FIRST_BUF,
            "{}",
            buf.bytes.capacity()
        );
        // A medium read (a quarter or more) keeps the size where it is.
        for _ in 0..SMALL_READS {
            read(&mut buf, 100);
            read(&mut buf, FIRST_BUF / 2);
            buf.bytes.clear();
        }
        assert_eq!(buf.size(), FIRST_BUF);
    }

    #[test]
    fn slices_still_alive_get_a_new_allocation_and_are_untouched() {
        let mut buf = ReadBuf::new();
        let n = read(&mut buf, FIRST_BUF - 100);
        let pinned = buf.bytes.split_to(n - 100).freeze();
        let room = buf.make_room();
        assert_eq!(buf.bytes.len(), 100);
        assert!(room >= buf.size() / 4);
        assert!(pinned.iter().all(|&b| b == 7));
        assert_eq!(pinned.len(), FIRST_BUF - 200);
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
        let mut buf = ReadBuf::new();
        let idle = tokio::time::timeout(
            Duration::from_millis(100),
            buf.read(&mut rd, Duration::ZERO),
        )
        .await;
        assert!(idle.is_err(), "nothing was sent, yet the read ended");
        assert_eq!(buf.bytes.capacity(), 0, "an idle connection took a buffer");

        client.write_all(b"hello").await.expect("write");
        let n = buf.read(&mut rd, Duration::ZERO).await.expect("read");
        assert_eq!(&buf.bytes[..n], b"hello");
        let cap = buf.bytes.capacity();
        assert!((FIRST_BUF..READ_BUF).contains(&cap), "{cap}");
    }

    #[test]
    fn plenty_of_room_left_means_no_move() {
        let mut buf = ReadBuf::new();
        read(&mut buf, 1000);
        let before = buf.bytes.as_ptr();
        buf.make_room();
        assert_eq!(buf.bytes.as_ptr(), before);
        assert_eq!(buf.bytes.len(), 1000);
    }
}
