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
    Limits, Request, Response, ResponseAssembler, ResponseDecoder, Session, SessionAllocator,
    Target,
};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::TcpStream;
use tokio::sync::{oneshot, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::builder::Config;
use crate::error::CallError;
use crate::metrics::{Metrics, Reserved, Side};
use crate::outbox::{wire_estimate, Charge, Frames, Outbox};
use crate::read_loop::{self, End, Reading, Stopped};
use crate::trace::{Role, TraceHook, TracedMessage};

type Reply = Result<Response, CallError>;

/// The I/O error that closed a connection, kept as the source of
/// [`CallError::ConnectionLost`].
type Cause = Arc<std::io::Error>;

struct Calls {
    sessions: SessionAllocator,
    pending: HashMap<u32, oneshot::Sender<Reply>>,
    closed: Option<CallError>,
    unconfirmed: Unconfirmed,
}

/// Pushes not yet known to have been taken by the peer's node.
///
/// A push has no answer, so nothing says the peer's node took it; and skynet's cluster
/// agent drops messages still waiting in it when their connection closes (a large push
/// sent right before a close is lost). What its agent does is handle one connection's
/// messages one after another: a push to a number or a `.name` is handed on while it is
/// read, a push to a `@name` as soon as the name is resolved, and a `@name` is resolved
/// once at a time (later users of the same name wait for the first). So an answer, of
/// either kind, to a request that reached the peer after a push confirms the push when it
/// went to a number or a `.name`, or when the request went to the same `@name` (a call to
/// it, or a name query for it).
///
/// "After" on the wire: a one-frame push is written before anything queued after it, so a
/// later call's answer can confirm it; the parts of a multi-part push are interleaved with
/// later messages, so only [`CallingConn::confirm`] (which first waits until every queued byte is
/// written, then queries) confirms those.
#[derive(Default)]
struct Unconfirmed {
    /// Pushes sent on the connection so far (each push's sequence number).
    pushes: u64,
    /// The last unconfirmed one-frame push to a number or a `.name`.
    plain: Option<u64>,
    /// Per `@name` one-frame pushes went to (without the `@`), its last unconfirmed one.
    names: Vec<(Bytes, u64)>,
    /// The `@names` (without the `@`; empty for a number or a `.name`) of multi-part pushes
    /// not confirmed yet, in the order sent.
    multi_part: Vec<Bytes>,
}

impl Unconfirmed {
    fn pushed(&mut self, target: &Target, multi_part: bool) {
        self.pushes += 1;
        let seq = self.pushes;
        let name = target.as_name().and_then(|n| n.strip_prefix(b"@"));
        if multi_part {
            self.multi_part
                .push(Bytes::copy_from_slice(name.unwrap_or_default()));
            return;
        }
        match name {
            Some(name) => match self.names.iter_mut().find(|(n, _)| n[..] == *name) {
                Some(entry) => entry.1 = seq,
                None => self.names.push((Bytes::copy_from_slice(name), seq)),
            },
            None => self.plain = Some(seq),
        }
    }

    /// A request was answered that was queued after push `seen`, to `@name` (or a query
    /// for `name`) when `name` is given.
    fn answered(&mut self, seen: u64, name: Option<&[u8]>) {
        if self.plain.is_some_and(|p| p <= seen) {
            self.plain = None;
        }
        if let Some(name) = name {
            self.names.retain(|(n, s)| !(n[..] == *name && *s <= seen));
        }
    }

    fn any(&self) -> bool {
        self.plain.is_some() || !self.names.is_empty() || !self.multi_part.is_empty()
    }

    /// The names to query to confirm everything so far, each once. Pushes to numbers and
    /// `.names` need a query of any name: the empty name, when no `@name` needs one.
    fn to_query(&self) -> Vec<Bytes> {
        let mut names: Vec<Bytes> = Vec::new();
        for n in self.names.iter().map(|(n, _)| n).chain(&self.multi_part) {
            if !n.is_empty() && !names.contains(n) {
                names.push(n.clone());
            }
        }
        let plain = self.plain.is_some() || self.multi_part.iter().any(Bytes::is_empty);
        if names.is_empty() && plain {
            names.push(Bytes::new());
        }
        names
    }
}

/// The `@name` a request reaches, without the `@`, or the name a query asks for: what its
/// answer confirms besides plain pushes.
fn confirms_name(target: &Target, payload: &Bytes) -> Option<Bytes> {
    if target.is_query() {
        let name = skywire_seri::unpack(payload).ok()?.into_iter().next()?;
        return name.as_bytes_shared().cloned();
    }
    let name = target.as_name()?.strip_prefix(b"@")?;
    Some(Bytes::copy_from_slice(name))
}

/// One connection to a remote node.
pub(crate) struct CallingConn {
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
    /// The node's metrics.
    metrics: Metrics,
}

impl CallingConn {
    /// Starts the reader and writer tasks of a freshly opened connection.
    pub(crate) fn start(
        stream: TcpStream,
        node: &str,
        settings: &Config,
        first_session: Session,
    ) -> Arc<CallingConn> {
        let peer = stream
            .peer_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let (rd, wr) = stream.into_split();
        let abort = CancellationToken::new();
        let conn = Arc::new(CallingConn {
            node: node.to_owned(),
            peer,
            calls: Mutex::new(Calls {
                sessions: SessionAllocator::starting_at(first_session),
                pending: HashMap::new(),
                closed: None,
                unconfirmed: Unconfirmed::default(),
            }),
            closed: AtomicBool::new(false),
            outbox: Outbox::counting(
                settings.max_buffered_bytes,
                true,
                settings.metrics.sent(Side::Calling),
            ),
            in_flight: Semaphore::new(settings.max_in_flight_calls),
            stop_reading: abort.child_token(),
            abort,
            trace: settings.trace.clone(),
            writer: Mutex::new(None),
            metrics: settings.metrics.clone(),
        });
        conn.metrics.opened(Side::Calling);
        let writer = conn.clone();
        let drain = settings.drain_timeout;
        let task = tokio::spawn(async move {
            if let Err(e) = writer.outbox.run_writer(wr, &writer.abort, drain).await {
                writer.fail(&format!("write failed: {e}"), Some(Arc::new(e)));
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

    /// Calls waiting for their response.
    pub(crate) fn pending_calls(&self) -> usize {
        self.lock().pending.len()
    }

    /// The session the next call would get (to carry the count over to a new connection).
    pub(crate) fn next_session(&self) -> Session {
        self.lock().sessions.peek()
    }

    fn closed_error(&self) -> CallError {
        self.lock()
            .closed
            .clone()
            .unwrap_or_else(|| self.lost("connection closed", None))
    }

    fn lost(&self, reason: &str, source: Option<Cause>) -> CallError {
        CallError::ConnectionLost {
            node: self.node.clone(),
            reason: reason.to_owned(),
            source,
        }
    }

    /// Closes the connection: pending calls fail with `reason`, nothing new is accepted,
    /// the reader stops and the writer writes what is queued (within the drain timeout).
    pub(crate) fn close(&self, reason: &str) {
        self.close_with(reason, None);
    }

    /// [`close`](Self::close), with the error that made it close.
    fn close_with(&self, reason: &str, source: Option<Cause>) {
        let lost = self.lost(reason, source);
        let pending = {
            let mut calls = self.lock();
            if calls.closed.is_some() {
                return;
            }
            calls.closed = Some(lost.clone());
            self.closed.store(true, Ordering::Release);
            std::mem::take(&mut calls.pending)
        };
        tracing::debug!(node = %self.node, peer = %self.peer, pending = pending.len(), "closing: {reason}");
        for (_, tx) in pending {
            let _ = tx.send(Err(lost.clone()));
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

    /// Closes the connection and cuts it at once (after an I/O failure, kept as the
    /// error's source).
    fn fail(&self, reason: &str, source: Option<Cause>) {
        self.close_with(reason, source);
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
        let charge = self.reserve(&payload).await?;
        let (tx, rx) = oneshot::channel();
        // What this call's answer confirms: pushes up to this sequence number (and to its
        // `@name`), when some were unconfirmed as it went out.
        let mut confirms = None;
        let session = {
            let (mut calls, charge) = self.lock_open(charge)?;
            let session = calls.sessions.allocate();
            if calls.unconfirmed.any() {
                confirms = Some((calls.unconfirmed.pushes, confirms_name(&target, &payload)));
            }
            let request = Request {
                target,
                session,
                push: false,
                trace,
                payload,
            };
            if let Err(e) = self.queue(&request, charge) {
                drop(calls);
                return Err(e.unwrap_or_else(|| self.closed_error()));
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
        let reply = reply.unwrap_or_else(|_| Err(self.closed_error()));
        if let (Ok(_), Some((seen, name))) = (&reply, &confirms) {
            self.lock().unconfirmed.answered(*seen, name.as_deref());
        }
        reply
    }

    /// Sends a push (no response).
    pub(crate) async fn push(
        &self,
        target: Target,
        payload: Bytes,
        trace: Option<Bytes>,
    ) -> Result<(), CallError> {
        let charge = self.reserve(&payload).await?;
        let (mut calls, charge) = self.lock_open(charge)?;
        let request = Request {
            target,
            session: calls.sessions.allocate_push(payload.len()),
            push: true,
            trace,
            payload,
        };
        let queued = self.queue(&request, charge);
        if queued.is_ok() {
            calls
                .unconfirmed
                .pushed(&request.target, request.is_multi_part());
        }
        drop(calls);
        queued.map_err(|e| e.unwrap_or_else(|| self.closed_error()))
    }

    /// Room in the outbox for a request with this payload (waiting for it).
    async fn reserve(&self, payload: &Bytes) -> Result<Charge, CallError> {
        self.outbox
            .reserve(wire_estimate(payload.len()))
            .await
            .map_err(|_| self.closed_error())
    }

    /// The calls lock, while the connection is open; once it is closed, its error (and
    /// `charge` is given back).
    fn lock_open(&self, charge: Charge) -> Result<(MutexGuard<'_, Calls>, Charge), CallError> {
        let calls = self.lock();
        match &calls.closed {
            None => Ok((calls, charge)),
            Some(e) => {
                let e = e.clone();
                drop(calls);
                self.outbox.release(charge);
                Err(e)
            }
        }
    }

    /// Frames `request`, traces it and queues it on the outbox with `charge`, under the
    /// calls lock (so that sessions go out in the order they were allocated). Fails with
    /// the packet error (`charge` given back), or `None` when the outbox is closed.
    fn queue(&self, request: &Request, charge: Charge) -> Result<(), Option<CallError>> {
        let frames = match request.frames() {
            Ok(f) => f,
            Err(e) => {
                self.outbox.release(charge);
                return Err(Some(e.into()));
            }
        };
        if let Some(hook) = &self.trace {
            hook.emit(Role::Calling, self.peer, TracedMessage::Request(request));
        }
        let lead = 1 + usize::from(request.trace.is_some());
        self.outbox
            .push(charge, Frames::Request(frames), lead)
            .map_err(|_| None)
    }

    /// True when some push sent on this connection is not confirmed yet.
    pub(crate) fn has_unconfirmed(&self) -> bool {
        self.lock().unconfirmed.any()
    }

    /// Waits until the peer's node has taken every push sent so far on this connection
    /// (see [`Unconfirmed`]): a name query for each `@name` with unconfirmed pushes (or one
    /// for the empty name, for pushes to numbers and `.names`), each answered. Fails when
    /// the connection drops first.
    pub(crate) async fn confirm(&self) -> Result<(), CallError> {
        let (names, multi_part) = {
            let calls = self.lock();
            (
                calls.unconfirmed.to_query(),
                calls.unconfirmed.multi_part.len(),
            )
        };
        if names.is_empty() {
            return Ok(());
        }
        // Every part on the wire before the queries.
        self.flush().await;
        for name in names {
            let payload = crate::pack::pack(&[skywire_seri::Value::String(name)])?;
            // An answer of either kind (the address, or "name not found") confirms.
            self.call(Target::QUERY, payload, None)
                .await
                .map_err(|e| CallError::Unconfirmed {
                    node: self.node.clone(),
                    source: Box::new(e),
                })?;
        }
        self.lock().unconfirmed.multi_part.drain(..multi_part);
        Ok(())
    }

    async fn read_loop(self: Arc<Self>, mut rd: OwnedReadHalf, limits: Limits, spin: Duration) {
        let mut decoder = ResponseDecoder::new(limits);
        let mut role = Responses {
            conn: &self,
            batch: Vec::new(),
            ready: Vec::new(),
            received: self.metrics.received(Side::Calling),
            reserved: self.metrics.reserved(Side::Calling),
        };
        let stop = self.stop_reading.cancelled();
        match read_loop::run(&mut role, &mut decoder, &mut rd, spin, stop).await {
            // An explicit close: nothing left to do.
            End::Stop(()) | End::Stopped => {}
            End::PeerClosed(cut) => {
                if let Some(e) = cut {
                    tracing::debug!(node = %self.node, "peer closed mid-message: {e}");
                }
                self.fail("connection closed by the peer", None);
            }
            End::ReadFailed(e) => {
                self.fail(&format!("read failed: {e}"), Some(Arc::new(e)));
            }
            End::Undecodable(e) => {
                tracing::warn!(node = %self.node, peer = %self.peer, "undecodable response stream: {e}");
                self.fail(&format!("undecodable response stream: {e}"), None);
            }
        }
    }
}

/// The calling side of the read loop: decoded responses complete their calls, one batch
/// per read.
struct Responses<'a> {
    conn: &'a CallingConn,
    batch: Vec<Response>,
    ready: Vec<(oneshot::Sender<Reply>, Response)>,
    /// Counts the bytes read (metrics on).
    received: Option<prometheus_client::metrics::counter::Counter>,
    /// What reassembly reserves, for the metrics.
    reserved: Reserved,
}

impl Reading for Responses<'_> {
    type Assembler = ResponseAssembler;

    #[inline]
    async fn message(&mut self, response: Response) -> Result<(), Stopped> {
        self.batch.push(response);
        Ok(())
    }

    #[inline]
    fn decoded(&mut self, decoder: &ResponseDecoder) -> Result<(), Stopped> {
        if !self.batch.is_empty() {
            self.conn.deliver(&mut self.batch, &mut self.ready);
        }
        self.reserved.set(decoder.assembler().reserved());
        Ok(())
    }

    #[inline]
    fn after_read(&mut self, bytes: usize) {
        if let Some(c) = &self.received {
            c.inc_by(bytes as u64);
        }
    }
}

impl CallingConn {
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
    conn: &'a CallingConn,
    session: Option<Session>,
}

impl Drop for ForgetOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.session {
            self.conn.lock().pending.remove(&s.get());
        }
    }
}
