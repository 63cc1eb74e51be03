//! The outgoing side of one connection: a queue of messages and the task that writes them.
//!
//! Producers (callers on a calling connection, services on a serving one) put whole
//! messages in; the writer task takes everything that is ready and writes it with vectored
//! writes, many frames per system call, payloads never copied. A message's first frames (the
//! trace tag and the request or the multi-part header/begin packet) are queued at once, so a
//! trace tag is always directly followed by its request; the parts of multi-part messages are
//! then interleaved one frame at a time with everything else, so a big message never holds
//! back small ones by more than one batch.
//!
//! Bytes queued are bounded: a producer first reserves its message's size from a byte budget
//! and waits while the budget is used up; the writer gives the bytes back as it takes frames.

use std::collections::VecDeque;
use std::io::IoSlice;
use std::sync::{Mutex, MutexGuard, PoisonError};

use bytes::Buf;
use skywire_codec::{FrameQueue, OutFrame, RequestFrames, ResponseFrames};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, Semaphore};
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How many bytes of frames the writer gathers before writing (parts of multi-part
/// messages are added only up to this; ready single frames always go in). Large: every
/// write hands the peer's side of the kernel a batch to deliver, and wakes the peer once
/// for it; 256 KiB (eight 32 KiB parts) took the node's CPU per 100,000-byte echo from
/// ~69 to ~40 µs against 64 KiB. A small message still waits behind at most one batch.
const BATCH_BYTES: usize = 256 * 1024;
/// Most I/O slices per write.
const MAX_IO_SLICES: usize = 64;

/// The frames of one message, still to be taken.
// Not boxed: a request's frame iterator is big (two inline frame heads) but it is moved
// once per message, and boxing would cost an allocation per call.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Frames {
    /// A request's frames.
    Request(RequestFrames),
    /// A response's frames.
    Response(ResponseFrames),
}

impl Iterator for Frames {
    type Item = OutFrame;
    fn next(&mut self) -> Option<OutFrame> {
        match self {
            Frames::Request(f) => f.next(),
            Frames::Response(f) => f.next(),
        }
    }
}

/// One message whose frames are being interleaved.
struct Stream {
    next: OutFrame,
    rest: Frames,
    charge: usize,
}

#[derive(Default)]
struct State {
    ready: FrameQueue,
    ready_charge: usize,
    streams: VecDeque<Stream>,
    closed: bool,
    /// The writer holds frames it has not finished writing.
    writing: bool,
    /// The writer task has ended.
    ended: bool,
}

/// The outbox is closed: the connection is gone or going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

/// Bytes reserved from an outbox's budget, to be spent on one [`Outbox::push`].
#[derive(Debug)]
#[must_use]
pub(crate) struct Charge(usize);

/// The outgoing queue of one connection.
pub(crate) struct Outbox {
    state: Mutex<State>,
    wake: Notify,
    /// Signalled when the writer runs out of work (or ends).
    idle: Notify,
    budget: Semaphore,
    capacity: usize,
    /// Yield once after a wake-up before writing, so that a burst of producers goes out in
    /// one write.
    coalesce: bool,
    /// Counts the bytes written (when the node records metrics).
    sent: Option<prometheus_client::metrics::counter::Counter>,
}

impl Outbox {
    /// An outbox holding at most `capacity` bytes (at least one byte).
    #[cfg(test)]
    pub(crate) fn new(capacity: usize, coalesce: bool) -> Outbox {
        Outbox::counting(capacity, coalesce, None)
    }

    /// [`new`](Self::new), counting the bytes written in `sent`.
    pub(crate) fn counting(
        capacity: usize,
        coalesce: bool,
        sent: Option<prometheus_client::metrics::counter::Counter>,
    ) -> Outbox {
        let capacity = capacity.clamp(1, u32::MAX as usize);
        Outbox {
            sent,
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            idle: Notify::new(),
            budget: Semaphore::new(capacity),
            capacity,
            coalesce,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reserves room for a message of about `bytes` bytes, waiting while the budget is used
    /// up. A message larger than the whole budget reserves the whole budget.
    pub(crate) async fn reserve(&self, bytes: usize) -> Result<Charge, Closed> {
        let n = bytes.clamp(1, self.capacity);
        // `n` fits u32: capacity is clamped to u32::MAX.
        let permits = self
            .budget
            .acquire_many(n as u32)
            .await
            .map_err(|_| Closed)?;
        permits.forget();
        Ok(Charge(n))
    }

    /// Reserves room without waiting, if there is enough.
    pub(crate) fn try_reserve(&self, bytes: usize) -> Option<Charge> {
        let n = bytes.clamp(1, self.capacity);
        let permits = self.budget.try_acquire_many(n as u32).ok()?;
        permits.forget();
        Some(Charge(n))
    }

    /// Bytes reserved now: queued, or about to be.
    pub(crate) fn queued(&self) -> usize {
        self.capacity - self.budget.available_permits().min(self.capacity)
    }

    /// Gives back a reservation that was not used.
    pub(crate) fn release(&self, charge: Charge) {
        self.budget.add_permits(charge.0);
    }

    /// Queues a message: its first `lead` frames go out in order before anything queued
    /// later, the rest are interleaved with other messages.
    pub(crate) fn push(&self, charge: Charge, frames: Frames, lead: usize) -> Result<(), Closed> {
        let mut st = self.lock();
        let res = push_locked(&mut st, charge, frames, lead);
        drop(st);
        match res {
            Ok(()) => {
                self.wake.notify_one();
                Ok(())
            }
            Err(charge) => {
                self.budget.add_permits(charge);
                Err(Closed)
            }
        }
    }

    /// Queues several messages at once (one lock, one wake-up).
    pub(crate) fn push_many(
        &self,
        messages: impl IntoIterator<Item = (Charge, Frames, usize)>,
    ) -> Result<(), Closed> {
        let mut st = self.lock();
        let mut refused = 0;
        for (charge, frames, lead) in messages {
            if let Err(c) = push_locked(&mut st, charge, frames, lead) {
                refused += c;
            }
        }
        drop(st);
        if refused > 0 {
            self.budget.add_permits(refused);
            return Err(Closed);
        }
        self.wake.notify_one();
        Ok(())
    }

    /// No more messages: the writer writes what is queued, then ends. Producers waiting for
    /// room fail.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.budget.close();
        self.wake.notify_one();
    }

    /// Moves frames into `batch`: all ready frames, then parts of the open streams in turn
    /// until the batch holds [`BATCH_BYTES`]. Returns the budget released, whether the
    /// outbox is closed, and whether it is closed with nothing left to take.
    fn fill(&self, batch: &mut FrameQueue) -> (usize, bool, bool) {
        let mut st = self.lock();
        let mut released = 0;
        // Only an empty batch is refilled: while one is being written the socket is full,
        // and what arrives meanwhile waits its turn in `ready`, ahead of further parts.
        if batch.is_empty() {
            released = std::mem::take(&mut st.ready_charge);
            // O(1): the ready queue becomes the batch (no frame is moved).
            std::mem::swap(batch, &mut st.ready);
            while batch.remaining() < BATCH_BYTES {
                let Some(mut s) = st.streams.pop_front() else {
                    break;
                };
                match s.rest.next() {
                    Some(next) => {
                        let frame = std::mem::replace(&mut s.next, next);
                        // Give the budget back as the message goes out, not only at its
                        // end: a message as large as the whole budget must not block the
                        // others.
                        let back = frame.wire_len().min(s.charge);
                        s.charge -= back;
                        released += back;
                        batch.push(frame);
                        st.streams.push_back(s);
                    }
                    None => {
                        batch.push(s.next);
                        released += s.charge;
                    }
                }
            }
        }
        let finished = st.closed && st.ready.is_empty() && st.streams.is_empty();
        let was_writing = std::mem::replace(&mut st.writing, !batch.is_empty());
        let closed = st.closed;
        drop(st);
        if was_writing && batch.is_empty() {
            self.idle.notify_waiters();
        }
        (released, closed, finished)
    }

    /// The writer: writes whatever is queued until the outbox is closed and drained (then
    /// shuts the write side down), `cancel` fires, or a write fails. Once the outbox is
    /// closed, what is left must be written within `drain`, or the writer gives up.
    pub(crate) async fn run_writer<W: AsyncWrite + Unpin>(
        &self,
        io: W,
        cancel: &CancellationToken,
        drain: Duration,
    ) -> std::io::Result<()> {
        let result = self.write_loop(io, cancel, drain).await;
        self.lock().ended = true;
        self.idle.notify_waiters();
        result
    }

    /// Waits until everything queued so far has been handed to the socket (the writer has
    /// nothing left), or the writer has ended.
    pub(crate) async fn flush(&self) {
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            {
                let st = self.lock();
                if st.ended || (st.ready.is_empty() && st.streams.is_empty() && !st.writing) {
                    return;
                }
            }
            idle.await;
        }
    }

    async fn write_loop<W: AsyncWrite + Unpin>(
        &self,
        mut io: W,
        cancel: &CancellationToken,
        drain: Duration,
    ) -> std::io::Result<()> {
        let mut batch = FrameQueue::new();
        let mut deadline: Option<Instant> = None;
        let cancelled = cancel.cancelled();
        tokio::pin!(cancelled);
        loop {
            let (released, closed, finished) = self.fill(&mut batch);
            if released > 0 {
                self.budget.add_permits(released);
            }
            if closed && deadline.is_none() {
                deadline = Some(Instant::now() + drain);
            }
            if batch.is_empty() {
                if finished {
                    // Best effort: the peer may already be gone.
                    let _ = io.shutdown().await;
                    return Ok(());
                }
                tokio::select! {
                    biased;
                    _ = &mut cancelled => return Ok(()),
                    _ = self.wake.notified() => {}
                }
                // Woken by the first producer of a burst: let the others (callers woken by
                // the same batch of responses, say) queue theirs too, so that one write
                // carries them all.
                if self.coalesce {
                    yield_to_queued_tasks().await;
                }
                continue;
            }
            let mut slices = [IoSlice::new(&[]); MAX_IO_SLICES];
            let n = batch.chunks_vectored(&mut slices);
            let written = tokio::select! {
                biased;
                _ = &mut cancelled => return Ok(()),
                _ = sleep_until_opt(deadline) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "queued frames not written within the drain timeout",
                    ))
                }
                r = io.write_vectored(&slices[..n]) => r?,
            };
            if written == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            if let Some(c) = &self.sent {
                c.inc_by(written as u64);
            }
            batch.advance(written);
        }
    }
}

/// Returns `Pending` once after waking itself: the task goes to the back of its worker's
/// run queue, so the tasks already queued there (producers woken by the same event) run
/// first. (`tokio::task::yield_now` defers the wake-up until the worker parks, which under
/// load can be much later.)
async fn yield_to_queued_tasks() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// About how many bytes a message with a payload of `len` bytes takes on the wire (payload
/// plus the headers of its frames), for reserving room in an outbox.
pub(crate) fn wire_estimate(len: usize) -> usize {
    // Headers are at most 2 + 1 + 1 + 255 + 8 bytes for the first frame and 7 per part.
    len.saturating_add(skywire_codec::fragment::part_count(len).saturating_mul(8) + 272)
}

/// Queues one message; on a closed outbox gives the charge back for release.
fn push_locked(
    st: &mut State,
    charge: Charge,
    mut frames: Frames,
    lead: usize,
) -> Result<(), usize> {
    if st.closed {
        return Err(charge.0);
    }
    for _ in 0..lead.max(1) {
        match frames.next() {
            Some(f) => st.ready.push(f),
            None => break,
        }
    }
    match frames.next() {
        Some(next) => st.streams.push_back(Stream {
            next,
            rest: frames,
            charge: charge.0,
        }),
        None => st.ready_charge += charge.0,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use skywire_codec::{Response, ResponseDecoder, Session};

    fn response(session: u32, len: usize) -> (Response, Frames) {
        let r = Response::ok(Session::new(session), Bytes::from(vec![b'x'; len]));
        let f = Frames::Response(r.frames().unwrap());
        (r, f)
    }

    #[tokio::test]
    async fn small_responses_overtake_the_parts_of_a_big_one() {
        let out = Outbox::new(1 << 24, false);
        let (_, big) = response(1, 40 * skywire_codec::MULTI_PART);
        let c = out.reserve(40 * skywire_codec::MULTI_PART).await.unwrap();
        out.push(c, big, 1).unwrap();
        let (_, small) = response(2, 10);
        let c = out.reserve(10).await.unwrap();
        out.push(c, small, 1).unwrap();
        out.close();
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let cancel = CancellationToken::new();
        let writer = async {
            out.run_writer(server, &cancel, Duration::from_secs(5))
                .await
                .unwrap();
        };
        let reader = async {
            let mut buf = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut client, &mut buf)
                .await
                .unwrap();
            buf
        };
        let ((), wire) = tokio::join!(writer, reader);
        let mut dec = ResponseDecoder::default();
        dec.feed(&wire);
        let first = dec.next_message().unwrap().unwrap();
        let second = dec.next_message().unwrap().unwrap();
        dec.finish().unwrap();
        assert_eq!(first.session, Session::new(2));
        assert_eq!(second.session, Session::new(1));
        assert_eq!(second.payload.len(), 40 * skywire_codec::MULTI_PART);
    }

    #[tokio::test]
    async fn budget_makes_producers_wait_and_close_fails_them() {
        let out = Outbox::new(100, false);
        let c = out.reserve(80).await.unwrap();
        let (_, f) = response(1, 70);
        out.push(c, f, 1).unwrap();
        // Only 20 bytes left: a 50-byte reservation waits.
        let wait = out.reserve(50);
        tokio::pin!(wait);
        assert!(futures_poll_once(wait.as_mut()).await.is_none());
        out.close();
        assert!(matches!(wait.await, Err(Closed)));
        let (_, f) = response(2, 1);
        assert_eq!(out.push(Charge(1), f, 1), Err(Closed));
    }

    async fn futures_poll_once<F: std::future::Future + Unpin>(f: F) -> Option<F::Output> {
        let mut f = f;
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut f).poll(cx) {
                std::task::Poll::Ready(v) => Some(v),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }
}
