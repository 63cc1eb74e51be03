//! One outgoing connection to a remote node: sessions, pending calls, a reader task and a
//! writer task.
//!
//! A caller allocates a session, registers a one-shot slot for the answer and queues its
//! frames in the connection's [`Outbox`], all under one lock, so sessions go out in
//! increasing order as skynet's do; no task is spawned per call. The reader task decodes
//! responses and completes the slots. When the connection drops, every pending call fails
//! at once with [`CallError::ConnectionLost`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use skywire_codec::{
    Limits, Request, Response, ResponseDecoder, Session, SessionAllocator, Target,
};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::TcpStream;
use tokio::sync::{oneshot, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::error::CallError;
use crate::outbox::{wire_estimate, Frames, Outbox};
use crate::trace::{Role, TraceHook, TracedMessage};
use crate::{busy_poll, read_buf};

type Reply = Result<Response, CallError>;

struct Calls {
    sessions: SessionAllocator,
    pending: HashMap<u32, oneshot::Sender<Reply>>,
    closed: Option<CallError>,
}

/// Settings a connection needs.
#[derive(Clone, Debug)]
pub(crate) struct ConnSettings {
    pub(crate) limits: Limits,
    pub(crate) max_in_flight_calls: usize,
    pub(crate) max_buffered_bytes: usize,
    pub(crate) drain_timeout: Duration,
    pub(crate) trace: Option<TraceHook>,
    pub(crate) busy_poll: Duration,
}

/// One connection to a remote node.
pub(crate) struct Conn {
    node: String,
    peer: SocketAddr,
    calls: Mutex<Calls>,
    /// Mirrors `calls.closed.is_some()`, readable without the lock.
    closed: AtomicBool,
    outbox: Outbox,
    in_flight: Semaphore,
    /// Stops the reader (explicit close; the writer still drains).
    stop_reading: CancellationToken,
    /// Stops both tasks at once (I/O failure).
    abort: CancellationToken,
    trace: Option<TraceHook>,
    /// The writer task, for waiting until what is queued is written.
    writer: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Conn {
    /// Starts the reader and writer tasks of a freshly opened connection.
    pub(crate) fn start(
        stream: TcpStream,
        node: &str,
        settings: &ConnSettings,
        first_session: Session,
    ) -> Arc<Conn> {
        let peer = stream
            .peer_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let (rd, wr) = stream.into_split();
        let abort = CancellationToken::new();
        let conn = Arc::new(Conn {
            node: node.to_owned(),
            peer,
            calls: Mutex::new(Calls {
                sessions: SessionAllocator::starting_at(first_session),
                pending: HashMap::new(),
                closed: None,
            }),
            closed: AtomicBool::new(false),
            outbox: Outbox::new(settings.max_buffered_bytes, true),
            in_flight: Semaphore::new(settings.max_in_flight_calls),
            stop_reading: abort.child_token(),
            abort,
            trace: settings.trace.clone(),
            writer: Mutex::new(None),
        });
        let writer = conn.clone();
        let drain = settings.drain_timeout;
        let task = tokio::spawn(async move {
            if let Err(e) = writer.outbox.run_writer(wr, &writer.abort, drain).await {
                writer.fail(&format!("write failed: {e}"));
            }
        });
        *conn.writer.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
        let reader = conn.clone();
        let limits = settings.limits;
        let spin = settings.busy_poll;
        tokio::spawn(async move { reader.read_loop(rd, limits, spin).await });
        tracing::debug!(node = %conn.node, %peer, "connected");
        conn
    }

    fn lock(&self) -> MutexGuard<'_, Calls> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// True once the connection is closed (no new calls go on it).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// The session the next call would get (to carry the count over to a new connection).
    pub(crate) fn next_session(&self) -> Session {
        self.lock().sessions.peek()
    }

    fn closed_error(&self) -> CallError {
        self.lock()
            .closed
            .clone()
            .unwrap_or_else(|| self.lost("connection closed"))
    }

    fn lost(&self, reason: &str) -> CallError {
        CallError::ConnectionLost {
            node: self.node.clone(),
            reason: reason.to_owned(),
        }
    }

    /// Closes the connection: pending calls fail with `reason`, nothing new is accepted,
    /// the reader stops and the writer writes what is queued (within the drain timeout).
    pub(crate) fn close(&self, reason: &str) {
        let pending = {
            let mut calls = self.lock();
            if calls.closed.is_some() {
                return;
            }
            calls.closed = Some(self.lost(reason));
            self.closed.store(true, Ordering::Release);
            std::mem::take(&mut calls.pending)
        };
        tracing::debug!(node = %self.node, peer = %self.peer, pending = pending.len(), "closing: {reason}");
        for (_, tx) in pending {
            let _ = tx.send(Err(self.lost(reason)));
        }
        self.in_flight.close();
        self.outbox.close();
        self.stop_reading.cancel();
    }

    /// Waits until everything queued so far has been written to the socket.
    pub(crate) async fn flush(&self) {
        self.outbox.flush().await;
    }

    /// Closes the connection (see [`close`](Self::close)) and waits until the writer has
    /// written what was queued (or given up after the drain timeout).
    pub(crate) async fn close_and_flush(&self, reason: &str) {
        self.close(reason);
        let task = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// Closes the connection and cuts it at once (after an I/O failure).
    fn fail(&self, reason: &str) {
        self.close(reason);
        self.abort.cancel();
    }

    /// Sends a call and waits for its response.
    pub(crate) async fn call(
        &self,
        target: Target,
        payload: Bytes,
        trace: Option<Bytes>,
    ) -> Result<Response, CallError> {
        let _slot = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| self.closed_error())?;
        let charge = self
            .outbox
            .reserve(wire_estimate(payload.len()))
            .await
            .map_err(|_| self.closed_error())?;
        let (tx, rx) = oneshot::channel();
        let session = {
            let mut calls = self.lock();
            if let Some(e) = &calls.closed {
                let e = e.clone();
                drop(calls);
                self.outbox.release(charge);
                return Err(e);
            }
            let session = calls.sessions.allocate();
            let lead = 1 + usize::from(trace.is_some());
            let request = Request {
                target,
                session,
                push: false,
                trace,
                payload,
            };
            let frames = match request.frames() {
                Ok(f) => f,
                Err(e) => {
                    drop(calls);
                    self.outbox.release(charge);
                    return Err(e.into());
                }
            };
            if let Some(hook) = &self.trace {
                hook.emit(Role::Calling, self.peer, TracedMessage::Request(&request));
            }
            if self
                .outbox
                .push(charge, Frames::Request(frames), lead)
                .is_err()
            {
                drop(calls);
                return Err(self.closed_error());
            }
            calls.pending.insert(session.get(), tx);
            session
        };
        let mut forget = ForgetOnDrop {
            conn: self,
            session: Some(session),
        };
        let reply = rx.await;
        forget.session = None;
        reply.unwrap_or_else(|_| Err(self.closed_error()))
    }

    /// Sends a push (no response).
    pub(crate) async fn push(
        &self,
        target: Target,
        payload: Bytes,
        trace: Option<Bytes>,
    ) -> Result<(), CallError> {
        let charge = self
            .outbox
            .reserve(wire_estimate(payload.len()))
            .await
            .map_err(|_| self.closed_error())?;
        let mut calls = self.lock();
        if let Some(e) = &calls.closed {
            let e = e.clone();
            drop(calls);
            self.outbox.release(charge);
            return Err(e);
        }
        let session = calls.sessions.allocate_push(payload.len());
        let lead = 1 + usize::from(trace.is_some());
        let request = Request {
            target,
            session,
            push: true,
            trace,
            payload,
        };
        let frames = match request.frames() {
            Ok(f) => f,
            Err(e) => {
                drop(calls);
                self.outbox.release(charge);
                return Err(e.into());
            }
        };
        if let Some(hook) = &self.trace {
            hook.emit(Role::Calling, self.peer, TracedMessage::Request(&request));
        }
        let queued = self.outbox.push(charge, Frames::Request(frames), lead);
        drop(calls);
        queued.map_err(|_| self.closed_error())
    }

    async fn read_loop(self: Arc<Self>, mut rd: OwnedReadHalf, limits: Limits, spin: Duration) {
        let mut decoder = ResponseDecoder::new(limits);
        let mut buf = read_buf::new();
        let mut batch: Vec<Response> = Vec::new();
        let mut ready: Vec<(oneshot::Sender<Reply>, Response)> = Vec::new();
        let stop = self.stop_reading.clone();
        let stopped = stop.cancelled();
        tokio::pin!(stopped);
        loop {
            loop {
                match decoder.decode(&mut buf) {
                    Ok(Some(r)) => batch.push(r),
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(node = %self.node, peer = %self.peer, "undecodable response stream: {e}");
                        self.fail(&format!("undecodable response stream: {e}"));
                        return;
                    }
                }
            }
            if !batch.is_empty() {
                self.deliver(&mut batch, &mut ready);
            }
            read_buf::make_room(&mut buf);
            let read = tokio::select! {
                biased;
                _ = &mut stopped => return,
                r = busy_poll::read_buf(&mut rd, &mut buf, spin) => r,
            };
            match read {
                Ok(0) => {
                    if let Err(e) = decoder.finish_with(&buf) {
                        tracing::debug!(node = %self.node, "peer closed mid-message: {e}");
                    }
                    self.fail("connection closed by the peer");
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    self.fail(&format!("read failed: {e}"));
                    return;
                }
            }
        }
    }

    /// Hands decoded responses to their callers (one lock for the whole batch).
    fn deliver(
        &self,
        batch: &mut Vec<Response>,
        ready: &mut Vec<(oneshot::Sender<Reply>, Response)>,
    ) {
        if let Some(hook) = &self.trace {
            for r in batch.iter() {
                hook.emit(Role::Calling, self.peer, TracedMessage::Response(r));
            }
        }
        {
            let mut calls = self.lock();
            for r in batch.drain(..) {
                match calls.pending.remove(&r.session.get()) {
                    Some(tx) => ready.push((tx, r)),
                    None => tracing::debug!(
                        node = %self.node,
                        session = r.session.get(),
                        "response for no waiting call (timed out or cancelled)"
                    ),
                }
            }
        }
        for (tx, r) in ready.drain(..) {
            let _ = tx.send(Ok(r));
        }
    }
}

/// Removes a call's slot when the caller stops waiting (deadline, cancellation).
struct ForgetOnDrop<'a> {
    conn: &'a Conn,
    session: Option<Session>,
}

impl Drop for ForgetOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.session {
            self.conn.lock().pending.remove(&s.get());
        }
    }
}
