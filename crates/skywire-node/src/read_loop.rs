//! The read loop of a connection, one for both roles: read into the connection's buffer,
//! decode every whole message in it, hand each to the role ([`Reading`]), wait for more.
//!
//! The serving side ([`ServingConn`](crate::serving)) decodes requests and dispatches them
//! to services; the calling side ([`CallingConn`](crate::calling)) decodes responses and
//! completes the calls waiting for them. What differs is behind [`Reading`]; the loop
//! itself (the order of decoding, reading and waiting, the buffer, busy polling, how the
//! stream ends) is written once and monomorphized for each role.

use std::future::Future;
use std::io;
use std::time::Duration;

use skywire_codec::stream::Assemble;
use skywire_codec::{DecodeError, StreamDecoder};
use tokio::net::tcp::OwnedReadHalf;
use tokio::time::Instant;

use crate::direct_read::{self, DIRECT_PART_MIN};
use crate::read_buf::ReadBuf;

/// The role stopped reading (it has logged why).
pub(crate) struct Stopped;

/// What a role does with the messages its connection reads.
pub(crate) trait Reading {
    /// The direction read: requests (serving) or responses (calling).
    type Assembler: Assemble;

    /// Before the buffered bytes are decoded (serving narrows the reassembly limits to
    /// what is left of the node's memory budget).
    #[inline]
    fn before_decode(&mut self, _decoder: &mut StreamDecoder<Self::Assembler>) {}

    /// One decoded message, in arrival order.
    fn message(
        &mut self,
        message: <Self::Assembler as Assemble>::Message,
    ) -> impl Future<Output = Result<(), Stopped>>;

    /// Every whole message of the last read has been handed to [`message`](Self::message).
    fn decoded(&mut self, decoder: &StreamDecoder<Self::Assembler>) -> Result<(), Stopped>;

    /// When to give up waiting for the next read (a multi-part deadline, an idle timeout),
    /// if ever.
    #[inline]
    fn deadline(&mut self, _decoder: &StreamDecoder<Self::Assembler>) -> Option<Instant> {
        None
    }

    /// The [`deadline`](Self::deadline) passed: the loop ends with [`End::Stopped`].
    #[inline]
    fn deadline_passed(&mut self, _decoder: &StreamDecoder<Self::Assembler>) {}

    /// A read completed (with `bytes` of data, or the end of the stream or an error: 0).
    #[inline]
    fn after_read(&mut self, _bytes: usize) {}
}

/// Why a read loop ended.
pub(crate) enum End<S> {
    /// The `stop` future finished with this.
    Stop(S),
    /// The role stopped ([`Stopped`], or its deadline passed).
    Stopped,
    /// The peer closed its side; with an error when it did so inside a frame or a
    /// multi-part message (that message is dropped).
    PeerClosed(Option<DecodeError>),
    /// A read failed.
    ReadFailed(io::Error),
    /// The stream cannot be decoded (a framing or packet error, a reassembly rule broken,
    /// a limit exceeded): nothing after it can be trusted.
    Undecodable(DecodeError),
}

/// The timer of a read loop's deadline, kept from one read to the next: a timer made
/// afresh for every read is registered with the runtime's timer every time, and that
/// wakes the thread driving it (one `eventfd` write per read while a multi-part message
/// is open). Made with the first deadline (a connection that never has one holds no
/// timer), then moved only when the deadline moves (to a later one, tokio just notes it).
#[derive(Default)]
struct DeadlineTimer(Option<std::pin::Pin<Box<tokio::time::Sleep>>>);

impl DeadlineTimer {
    /// Sleeps until `deadline`, or for ever without one.
    async fn until(&mut self, deadline: Option<Instant>) {
        let Some(d) = deadline else {
            return std::future::pending().await;
        };
        let sleep = self
            .0
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(d)));
        if sleep.deadline() != d {
            sleep.as_mut().reset(d);
        }
        sleep.as_mut().await
    }
}

/// Reads what comes next: into the part `decoder` is reading directly, if any
/// ([`direct_read`](crate::direct_read)), else into `buf`.
async fn read_next<A: Assemble>(
    buf: &mut ReadBuf,
    decoder: &mut StreamDecoder<A>,
    rd: &mut OwnedReadHalf,
    spin: Duration,
) -> io::Result<usize> {
    if decoder.reading_part_directly() {
        direct_read::read_part(rd, decoder, &mut buf.bytes).await
    } else {
        buf.read(rd, spin).await
    }
}

/// Reads `rd` into `decoder` until the stream ends, `stop` finishes or `role` stops;
/// `spin` is the busy-poll time ([`crate::busy_poll::read_buf`]).
pub(crate) async fn run<R: Reading, S>(
    role: &mut R,
    decoder: &mut StreamDecoder<R::Assembler>,
    rd: &mut OwnedReadHalf,
    spin: Duration,
    stop: impl Future<Output = S>,
) -> End<S> {
    // No memory until the first bytes arrive (`ReadBuf::read`).
    let mut buf = ReadBuf::new();
    let mut timer = DeadlineTimer::default();
    decoder.read_parts_directly(DIRECT_PART_MIN);
    tokio::pin!(stop);
    loop {
        role.before_decode(decoder);
        loop {
            match decoder.decode(&mut buf.bytes) {
                Ok(Some(m)) => {
                    if role.message(m).await.is_err() {
                        return End::Stopped;
                    }
                }
                Ok(None) => break,
                Err(e) => return End::Undecodable(e),
            }
        }
        if role.decoded(decoder).is_err() {
            return End::Stopped;
        }
        if decoder.reading_part_directly() {
            // The read that got to this part would have grown the buffer, but the part's
            // body (and the message's next parts) are read into the message instead.
            buf.cancel_growth();
        }
        let deadline = role.deadline(decoder);
        let read = tokio::select! {
            biased;
            s = &mut stop => return End::Stop(s),
            _ = timer.until(deadline), if deadline.is_some() => {
                role.deadline_passed(decoder);
                return End::Stopped;
            }
            r = read_next(&mut buf, decoder, rd, spin) => r,
        };
        role.after_read(*read.as_ref().unwrap_or(&0));
        match read {
            Ok(0) => return End::PeerClosed(decoder.finish_with(&buf.bytes).err()),
            Ok(_) => {}
            Err(e) => return End::ReadFailed(e),
        }
    }
}
