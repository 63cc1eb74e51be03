//! The connections of a run: on each, a reader loop that keeps its callers busy (it checks
//! every reply and makes the next call) and a writer task that batches what they send.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use hdrhistogram::Histogram;
use skywire_codec::{DecodeError, Request, ResponseDecoder, SessionAllocator, Target};
use skywire_node::busy_poll;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::out_queue::OutQueue;
use super::payload::Payload;

/// What every connection of a run does.
#[derive(Debug)]
pub struct Plan {
    /// The service called.
    pub target: Target,
    /// The arguments sent and the check of replies.
    pub payload: Payload,
    /// Calls made during this long after the start are not measured.
    pub warmup: Duration,
    /// No reply for this long while calls are outstanding: the run fails.
    pub timeout: Duration,
    /// Busy polling of each connection's reads (`Duration::ZERO`: off).
    pub busy_poll: Duration,
    /// When callers stop making calls.
    pub stop: Stop,
}

/// When callers stop making calls (outstanding calls are still waited for).
#[derive(Debug, Clone, Copy)]
pub enum Stop {
    /// This long after the warm-up.
    After(Duration),
    /// After this many calls in all (warm-up included).
    AfterCalls(u64),
}

/// What a run measured: only calls made after the warm-up count.
#[derive(Debug)]
pub struct Outcome {
    /// From the end of the warm-up to the last reply.
    pub seconds: f64,
    /// Replies received (verified or not).
    pub calls: u64,
    /// Replies that were the exact echo of their call.
    pub verified: u64,
    /// Replies that were not (error replies, wrong values).
    pub errors: u64,
    /// What was wrong with the first bad reply.
    pub first_error: Option<String>,
    /// Bytes written on all connections while measuring (frames, headers included).
    pub bytes_out: u64,
    /// Bytes read on all connections while measuring.
    pub bytes_in: u64,
    /// Latency of every measured call, in nanoseconds.
    pub latency: Histogram<u64>,
}

/// Why a run could not finish.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Connecting failed.
    #[error("connect to {addr}: {source}")]
    Connect {
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Reading or writing failed.
    #[error("connection {conn}: {source}")]
    Io {
        /// Which connection (from 0).
        conn: usize,
        /// Why.
        source: std::io::Error,
    },
    /// The node closed a connection with calls outstanding.
    #[error("connection {conn}: closed by the node with {pending} calls outstanding")]
    Closed {
        /// Which connection.
        conn: usize,
        /// Calls without a reply.
        pending: usize,
    },
    /// No reply for too long.
    #[error("connection {conn}: no reply for {secs} s with {pending} calls outstanding")]
    Stalled {
        /// Which connection.
        conn: usize,
        /// The timeout.
        secs: f64,
        /// Calls without a reply.
        pending: usize,
    },
    /// The replies do not decode.
    #[error("connection {conn}: {source}")]
    Decode {
        /// Which connection.
        conn: usize,
        /// Why.
        source: DecodeError,
    },
    /// A reply for a session no call is waiting on.
    #[error("connection {conn}: reply for session {session}, which no call is waiting for")]
    UnknownSession {
        /// Which connection.
        conn: usize,
        /// The session.
        session: u32,
    },
    /// A call could not be encoded (cannot happen with a checked target).
    #[error("connection {conn}: {source}")]
    Encode {
        /// Which connection.
        conn: usize,
        /// Why.
        source: skywire_codec::PacketError,
    },
    /// A task of the run panicked or was cancelled.
    #[error("internal: {0}")]
    Task(String),
}

/// Shared by the connections of a run.
struct Clock {
    /// Calls made from here on are measured.
    measure_from: Instant,
    /// No call is made from here on (duration mode).
    deadline: Option<Instant>,
    /// Calls left to make (count mode).
    budget: Option<AtomicU64>,
}

impl Clock {
    /// Whether a caller may make another call at `now`.
    fn may_call(&self, now: Instant) -> bool {
        if let Some(d) = self.deadline {
            return now < d;
        }
        match &self.budget {
            Some(b) => b
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok(),
            None => false,
        }
    }
}

/// One connection's measurements.
struct ConnStats {
    calls: u64,
    verified: u64,
    errors: u64,
    first_error: Option<String>,
    bytes_in: u64,
    last_reply: Option<Instant>,
    latency: Histogram<u64>,
}

fn histogram() -> Histogram<u64> {
    // 1 ns to 10 minutes, 3 significant digits.
    Histogram::new_with_bounds(1, 600_000_000_000, 3).expect("constant bounds are valid")
}

/// Connects, runs the callers, and gathers what they measured.
pub async fn run(
    addr: SocketAddr,
    connections: usize,
    callers: usize,
    plan: Arc<Plan>,
) -> Result<Outcome, BenchError> {
    let mut streams = Vec::with_capacity(connections);
    for _ in 0..connections {
        let s = TcpStream::connect(addr)
            .await
            .map_err(|source| BenchError::Connect { addr, source })?;
        s.set_nodelay(true)
            .map_err(|source| BenchError::Connect { addr, source })?;
        streams.push(s);
    }
    let start = Instant::now();
    let measure_from = start + plan.warmup;
    let clock = Arc::new(Clock {
        measure_from,
        deadline: match plan.stop {
            Stop::After(d) => Some(measure_from + d),
            Stop::AfterCalls(_) => None,
        },
        budget: match plan.stop {
            Stop::After(_) => None,
            Stop::AfterCalls(n) => Some(AtomicU64::new(n)),
        },
    });
    let mut tasks = Vec::with_capacity(connections);
    // Connections left without a caller (more connections than callers): held open, idle,
    // until the others are done, so the node carries all of them for the whole run.
    let mut idle = Vec::new();
    for (conn, stream) in streams.into_iter().enumerate() {
        // Callers spread evenly: the first connections take one more when it does not divide.
        let mine = callers / connections + usize::from(conn < callers % connections);
        if mine == 0 {
            idle.push(stream);
            continue;
        }
        let plan = Arc::clone(&plan);
        let clock = Arc::clone(&clock);
        tasks.push(tokio::spawn(connection(conn, stream, mine, plan, clock)));
    }
    let mut out = Outcome {
        seconds: 0.0,
        calls: 0,
        verified: 0,
        errors: 0,
        first_error: None,
        bytes_out: 0,
        bytes_in: 0,
        latency: histogram(),
    };
    let mut last = measure_from;
    for t in tasks {
        let (stats, written) = t.await.map_err(|e| BenchError::Task(e.to_string()))??;
        out.calls += stats.calls;
        out.verified += stats.verified;
        out.errors += stats.errors;
        if out.first_error.is_none() {
            out.first_error = stats.first_error;
        }
        out.bytes_in += stats.bytes_in;
        out.bytes_out += written;
        if let Some(l) = stats.last_reply {
            last = last.max(l);
        }
        // Same bounds on both sides: adding cannot fail.
        let _ = out.latency.add(&stats.latency);
    }
    drop(idle);
    out.seconds = last.saturating_duration_since(measure_from).as_secs_f64();
    Ok(out)
}

/// The callers of one connection.
struct Callers<'a> {
    plan: &'a Plan,
    clock: &'a Clock,
    sessions: SessionAllocator,
    next_i: i64,
    /// Outstanding calls: session -> (when made, i).
    pending: HashMap<u32, (Instant, i64)>,
    tx: mpsc::UnboundedSender<Request>,
    /// The block small calls are packed into.
    block: BytesMut,
}

impl Callers<'_> {
    /// Makes the next call, if the run is not over. False when it is.
    fn call(&mut self, now: Instant) -> bool {
        if !self.clock.may_call(now) {
            return false;
        }
        let i = self.next_i;
        self.next_i += 1;
        let session = self.sessions.allocate();
        let payload = self.plan.payload.pack_in(i, &mut self.block);
        let req = Request::call(self.plan.target.clone(), session, payload);
        self.pending.insert(session.get(), (now, i));
        // The writer only stops after this side drops its sender, or on a write error
        // (which the writer reports itself).
        let _ = self.tx.send(req);
        true
    }
}

async fn connection(
    conn: usize,
    stream: TcpStream,
    callers: usize,
    plan: Arc<Plan>,
    clock: Arc<Clock>,
) -> Result<(ConnStats, u64), BenchError> {
    let (mut rd, wr) = stream.into_split();
    let (tx, rx) = mpsc::unbounded_channel();
    let writer = tokio::spawn(write_loop(conn, wr, rx, clock.measure_from));
    let mut c = Callers {
        plan: &plan,
        clock: &clock,
        sessions: SessionAllocator::new(),
        next_i: 1,
        pending: HashMap::with_capacity(callers * 2),
        tx,
        block: BytesMut::new(),
    };
    let mut st = ConnStats {
        calls: 0,
        verified: 0,
        errors: 0,
        first_error: None,
        bytes_in: 0,
        last_reply: None,
        latency: histogram(),
    };
    let now = Instant::now();
    for _ in 0..callers {
        if !c.call(now) {
            break;
        }
    }
    let mut rbuf = BytesMut::with_capacity(READ_BUFFER);
    let mut decoder = ResponseDecoder::default();
    while !c.pending.is_empty() {
        if rbuf.capacity() - rbuf.len() < READ_BUFFER / 4 {
            // Back to READ_BUFFER in all (the start of one frame is left): the leftover
            // moves to the front of the same allocation. `reserve(READ_BUFFER)` would
            // double the allocation instead.
            rbuf.reserve(READ_BUFFER.saturating_sub(rbuf.len()).max(READ_BUFFER / 4));
        }
        let n = match tokio::time::timeout(
            plan.timeout,
            busy_poll::read_buf(&mut rd, &mut rbuf, plan.busy_poll),
        )
        .await
        {
            Err(_) => {
                return Err(BenchError::Stalled {
                    conn,
                    secs: plan.timeout.as_secs_f64(),
                    pending: c.pending.len(),
                })
            }
            Ok(Err(source)) => return Err(BenchError::Io { conn, source }),
            Ok(Ok(0)) => {
                return Err(BenchError::Closed {
                    conn,
                    pending: c.pending.len(),
                })
            }
            Ok(Ok(n)) => n,
        };
        // One clock reading per read: the replies in it arrived together.
        let now = Instant::now();
        if now >= clock.measure_from {
            st.bytes_in += n as u64;
        }
        loop {
            let reply = match decoder.decode(&mut rbuf) {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(source) => return Err(BenchError::Decode { conn, source }),
            };
            let session = reply.session.get();
            let Some((made, i)) = c.pending.remove(&session) else {
                return Err(BenchError::UnknownSession { conn, session });
            };
            if made >= clock.measure_from {
                st.calls += 1;
                st.last_reply = Some(now);
                match plan.payload.check(i, &reply) {
                    Ok(()) => {
                        st.verified += 1;
                        let ns = now.saturating_duration_since(made).as_nanos();
                        let _ = st
                            .latency
                            .record(u64::try_from(ns).unwrap_or(u64::MAX).max(1));
                    }
                    Err(m) => {
                        st.errors += 1;
                        st.first_error.get_or_insert_with(|| m.to_string());
                    }
                }
            } else if let Err(m) = plan.payload.check(i, &reply) {
                // Wrong during the warm-up is wrong too.
                st.errors += 1;
                st.first_error.get_or_insert_with(|| m.to_string());
            }
            c.call(now);
        }
    }
    drop(c);
    let written = writer
        .await
        .map_err(|e| BenchError::Task(e.to_string()))??;
    Ok((st, written))
}

/// Read buffer size: room for several 32 KiB frames per read.
const READ_BUFFER: usize = 256 * 1024;

/// Writes every request sent on `rx`, batching all that are waiting into one write.
/// Returns the bytes written while measuring.
async fn write_loop(
    conn: usize,
    mut wr: OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<Request>,
    measure_from: Instant,
) -> Result<u64, BenchError> {
    let mut queue = OutQueue::default();
    let mut written = 0u64;
    let io = |source| BenchError::Io { conn, source };
    while let Some(req) = rx.recv().await {
        let mut batch = Some(req);
        while let Some(req) = batch.take() {
            queue
                .push_request(&req)
                .map_err(|source| BenchError::Encode { conn, source })?;
            if queue.remaining() < MAX_BATCH {
                batch = rx.try_recv().ok();
            }
        }
        queue.prepare();
        let n = queue.remaining();
        while queue.has_remaining() {
            wr.write_buf(&mut queue).await.map_err(io)?;
        }
        if Instant::now() >= measure_from {
            written += n as u64;
        }
    }
    wr.shutdown().await.map_err(io)?;
    Ok(written)
}

/// Stop gathering requests into one write past this many bytes.
const MAX_BATCH: usize = 1 << 20;
