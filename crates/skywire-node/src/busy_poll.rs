//! Busy polling: reading a socket by trying again for a short while before sleeping.
//!
//! A task that finds its socket empty normally goes to sleep until the kernel says there
//! is data, and a thread with nothing to run puts its CPU to sleep. Waking it again costs
//! an interrupt to that CPU, which is cheap on bare metal but not in every virtual machine:
//! on the 2-vCPU KVM guest the benchmarks run on (no guest halt-polling), a cross-CPU
//! wake-up costs ~30 µs, and a one-caller round trip between two processes pays two of
//! them (p50 ~75 µs instead of ~10 µs). Busy polling trades CPU for that latency: after a
//! read comes back empty, the reader tries again for up to a configured time, letting the
//! runtime run other tasks in between, and only then sleeps. While calls keep coming the
//! CPU never goes idle, so nothing has to wake it; a connection that falls quiet costs at
//! most one spin window before it sleeps as usual.
//!
//! Off by default ([`NodeBuilder::busy_poll`](crate::NodeBuilder::busy_poll)): with it on,
//! a node answering one caller at a time keeps a core busy.

use std::io;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::AsyncReadExt;
use tokio::net::tcp::OwnedReadHalf;

/// Reads what `rd` has into `buf`, like `AsyncReadExt::read_buf`, but first tries again
/// without sleeping for up to `spin` (yielding to the runtime between tries) when the
/// socket is empty. `spin == Duration::ZERO` is a plain `read_buf`. Returns the number of
/// bytes read, 0 at end of stream.
///
/// ```no_run
/// # async fn f(mut rd: tokio::net::tcp::OwnedReadHalf) -> std::io::Result<()> {
/// use std::time::Duration;
/// let mut buf = bytes::BytesMut::with_capacity(64 * 1024);
/// let n = skywire_node::busy_poll::read_buf(&mut rd, &mut buf, Duration::from_micros(50)).await?;
/// # let _ = n;
/// # Ok(()) }
/// ```
pub async fn read_buf(
    rd: &mut OwnedReadHalf,
    buf: &mut BytesMut,
    spin: Duration,
) -> io::Result<usize> {
    if !spin.is_zero() {
        let until = Instant::now() + spin;
        loop {
            match rd.try_read_buf(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            if Instant::now() >= until {
                break;
            }
            // Lets the other tasks of this thread run (a service, the writer) and the
            // runtime poll its I/O driver without blocking.
            tokio::task::yield_now().await;
        }
    }
    rd.read_buf(buf).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::{TcpListener, TcpStream};

    async fn pair() -> (OwnedReadHalf, tokio::net::tcp::OwnedWriteHalf, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let client = TcpStream::connect(addr).await.expect("connect");
        let (server, _) = listener.accept().await.expect("accept");
        let (rd, wr) = server.into_split();
        (rd, wr, client)
    }

    #[tokio::test]
    async fn data_already_there_is_read_without_waiting() {
        let (mut rd, _wr, mut client) = pair().await;
        client.write_all(b"hello").await.expect("write");
        let mut buf = BytesMut::with_capacity(64);
        let mut got = Vec::new();
        while got.len() < 5 {
            let n = read_buf(&mut rd, &mut buf, Duration::from_millis(50))
                .await
                .expect("read");
            assert!(n > 0);
            got.extend_from_slice(&buf.split());
        }
        assert_eq!(got, b"hello");
    }

    #[tokio::test]
    async fn data_arriving_after_the_spin_window_is_still_read() {
        let (mut rd, _wr, mut client) = pair().await;
        let writer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            client.write_all(b"late").await.expect("write");
            client
        });
        let mut buf = BytesMut::with_capacity(64);
        // A spin window far shorter than the delay: the read must fall back to waiting.
        let n = read_buf(&mut rd, &mut buf, Duration::from_micros(10))
            .await
            .expect("read");
        assert!(n > 0 && n <= 4);
        assert_eq!(&buf[..], &b"late"[..n]);
        drop(writer.await.expect("writer"));
    }

    #[tokio::test]
    async fn data_arriving_during_the_spin_window_is_read() {
        let (mut rd, _wr, mut client) = pair().await;
        let writer = tokio::spawn(async move {
            client.write_all(b"soon").await.expect("write");
            client
        });
        let mut buf = BytesMut::with_capacity(64);
        // The bytes can only arrive within the spin window if the spinning reader lets the
        // writer task run (this test's runtime has one thread); if it does not, the read
        // returns only once the 60 s window is over.
        let started = Instant::now();
        let n = read_buf(&mut rd, &mut buf, Duration::from_secs(60))
            .await
            .expect("read");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the spinning reader did not let the writer run"
        );
        assert!(n > 0 && n <= 4);
        assert_eq!(&buf[..], &b"soon"[..n]);
        drop(writer.await.expect("writer"));
    }

    #[tokio::test]
    async fn end_of_stream_reads_zero_with_and_without_spinning() {
        for spin in [Duration::ZERO, Duration::from_millis(20)] {
            let (mut rd, _wr, client) = pair().await;
            drop(client);
            let mut buf = BytesMut::with_capacity(64);
            let n = read_buf(&mut rd, &mut buf, spin).await.expect("read");
            assert_eq!(n, 0, "spin {spin:?}");
        }
    }
}
