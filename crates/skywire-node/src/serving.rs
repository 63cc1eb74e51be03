//! Serving one accepted connection: what skynet's clusteragent does.
//!
//! The reading side decodes requests (reassembling multi-part ones) and hands each to its
//! service in arrival order. A service that answers at once is answered right there, in a
//! batch with the others of the same read; one that has to wait runs in its own task
//! (bounded by `max_in_flight_requests`: when the bound is reached, reading stops until a
//! task finishes). Responses go through the connection's [`Outbox`] in completion order.
//!
//! A request stream that cannot be decoded (a framing or packet error, a reassembly rule
//! broken, a limit exceeded) closes the connection: skynet's peers never send one, and
//! nothing after it can be trusted. When the peer closes its side, the node finishes the
//! requests in flight, writes their responses, then closes.

use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use skywire_codec::{
    fragment::truncate_error_text, Request, RequestAssembler, RequestDecoder, Response, Session,
};
use skywire_seri::Value;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::metrics::{Bound, Metrics, Reserved, ServedError, Side};
use crate::node::Shared;
use crate::outbox::{wire_estimate, Charge, Closed, Frames, Outbox};
use crate::read_loop::{self, End, Reading, Stopped};
use crate::registry::Resolved;
use crate::reply::Reply;
use crate::service::{
    cannot_pack, undecodable_arguments, Answer, ServiceError, ServiceFuture, ServiceRequest,
};
use crate::trace::{Role, TraceHook, TracedMessage};

/// skynet's answer to a query for a name nobody registered.
pub(crate) const NAME_NOT_FOUND: &str = "name not found";
/// skynet's answer to a request for an unknown `@name`.
pub(crate) const INVALID_NAME: &str = "Invalid name";
/// What skynet's `skynet.call` raises for an unknown `.name` or address (without the Lua
/// source location skynet prefixes it with).
pub(crate) const INVALID_ADDRESS: &str = "call to invalid address";

/// Serves one connection until the peer closes it, it breaks, or `server_cancel` fires.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    server_cancel: CancellationToken,
    _admitted: OwnedSemaphorePermit,
) {
    let cancel = server_cancel.child_token();
    let (mut rd, wr) = stream.into_split();
    let config = &shared.config;
    let metrics = &config.metrics;
    let outbox = Arc::new(Outbox::counting(
        config.max_buffered_bytes,
        false,
        metrics.sent(Side::Serving),
    ));
    let writer = {
        let outbox = outbox.clone();
        let cancel = cancel.clone();
        let drain = config.drain_timeout;
        tokio::spawn(async move {
            if let Err(e) = outbox.run_writer(wr, &cancel, drain).await {
                tracing::debug!(%peer, "write failed: {e}");
            }
            // The writer is done (drained after the peer closed, or failed): stop reading.
            outbox.close();
            cancel.cancel();
        })
    };
    let now = Instant::now();
    let mut conn = ServingConn {
        in_flight: Arc::new(Semaphore::new(config.max_in_flight_requests)),
        max_in_flight: config.max_in_flight_requests,
        trace: config.trace.clone(),
        shared: shared.clone(),
        peer,
        outbox: outbox.clone(),
        server_cancel,
        cancel: cancel.clone(),
        queued: Vec::new(),
        held: 0,
        narrowed: false,
        progress: now,
        last_read: now,
        waiting: Waiting::MultiPart,
        received: metrics.received(Side::Serving),
        reserved: metrics.reserved(Side::Serving),
        tally: Vec::new(),
    };
    tracing::debug!(%peer, "serving");
    let mut decoder = RequestDecoder::new(config.limits);
    let stop = async {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => false,
            // A graceful shutdown: read no more, finish what runs (as when the peer closes
            // its side).
            _ = shared.draining.cancelled() => true,
        }
    };
    let end = read_loop::run(&mut conn, &mut decoder, &mut rd, config.busy_poll, stop).await;
    // Whether to finish the requests in flight (the peer closed its side, or a graceful
    // shutdown) or to stop everything (shutdown, an I/O error, a protocol error).
    let finish = match end {
        End::Stop(draining) => draining,
        End::Stopped => false,
        End::PeerClosed(cut) => {
            if let Some(e) = cut {
                tracing::debug!(%peer, "peer closed mid-message, dropped: {e}");
            }
            true
        }
        End::ReadFailed(e) => {
            tracing::debug!(%peer, "read failed: {e}");
            false
        }
        End::Undecodable(e) => {
            use skywire_codec::{DecodeErrorKind::Reassembly, ReassemblyError as R};
            match e.kind() {
                Reassembly(R::BufferLimit { .. }) if conn.narrowed => {
                    tracing::warn!(%peer, budget = shared.budget.limit(), used = shared.budget.used(), "closing connection: the node-wide memory budget is used up ({e})");
                    metrics.refused(Bound::MemoryBudget);
                }
                Reassembly(
                    R::BufferLimit { .. } | R::MessageTooLarge { .. } | R::TooManyPartial { .. },
                ) => {
                    tracing::warn!(%peer, "closing connection: over a reassembly limit: {e}");
                    metrics.refused(Bound::ReassemblyLimits);
                }
                _ => {
                    tracing::warn!(%peer, "closing connection: undecodable request stream: {e}");
                    metrics.served_error(ServedError::UndecodableStream);
                }
            }
            false
        }
    };
    if finish {
        // Let the running services finish and their responses go out.
        let all = u32::try_from(conn.max_in_flight).unwrap_or(u32::MAX);
        tokio::select! {
            _ = cancel.cancelled() => {}
            _ = conn.in_flight.acquire_many(all) => {}
        }
        outbox.close();
    } else {
        outbox.close();
        cancel.cancel();
    }
    // The connection counts (for max_connections and a graceful shutdown) until its last
    // response is written.
    let _ = writer.await;
    tracing::debug!(%peer, "connection done");
}

/// Which deadline the read loop waits with.
#[derive(Clone, Copy)]
enum Waiting {
    /// No multi-part request completed within the multi-part timeout.
    MultiPart,
    /// Nothing read (and nothing running) within the idle timeout.
    Idle,
}

struct ServingConn {
    shared: Arc<Shared>,
    peer: SocketAddr,
    outbox: Arc<Outbox>,
    in_flight: Arc<Semaphore>,
    max_in_flight: usize,
    trace: Option<TraceHook>,
    server_cancel: CancellationToken,
    /// Stops this connection (its writer is done, or the server stops).
    cancel: CancellationToken,
    /// Responses answered on the reading task, queued together after each read.
    queued: Vec<(Charge, Frames, usize)>,
    /// What this connection holds of the node's memory budget.
    held: usize,
    /// The reassembly limits are narrowed to what is left of the node's budget.
    narrowed: bool,
    /// When a message last completed, or nothing was open (the multi-part deadline).
    progress: Instant,
    /// When the last read completed (the idle timeout).
    last_read: Instant,
    /// The deadline the read loop waits with.
    waiting: Waiting,
    /// Counts the bytes read (metrics on).
    received: Option<prometheus_client::metrics::counter::Counter>,
    /// What reassembly reserves, for the metrics.
    reserved: Reserved,
    /// Requests answered on the reading task since the last read, per service address
    /// (metrics on): counted, with their latency, once per read.
    tally: Vec<(u32, u64)>,
}

impl Drop for ServingConn {
    fn drop(&mut self) {
        self.shared.budget.hold(&mut self.held, 0);
    }
}

impl Reading for ServingConn {
    type Assembler = RequestAssembler;

    fn before_decode(&mut self, decoder: &mut RequestDecoder) {
        // Reassembly may reserve what it holds plus what is left of the node's budget.
        let limits = self.shared.config.limits;
        let reserved = decoder.assembler().reserved();
        let writing = self.held.saturating_sub(reserved);
        let room = self.shared.budget.room(self.held).saturating_sub(writing);
        self.narrowed = room < limits.max_buffered_bytes();
        let limits = limits.with_max_buffered_bytes(room.min(limits.max_buffered_bytes()));
        decoder.assembler_mut().set_limits(limits);
    }

    async fn message(&mut self, req: Request) -> Result<(), Stopped> {
        self.progress = Instant::now();
        self.dispatch(req).await.map_err(|Closed| Stopped)
    }

    fn decoded(&mut self, decoder: &RequestDecoder) -> Result<(), Stopped> {
        self.flush().map_err(|Closed| Stopped)?;
        let reserved = decoder.assembler().reserved();
        self.reserved.set(reserved);
        let now = reserved + self.outbox.queued();
        if !self.shared.budget.hold(&mut self.held, now) {
            tracing::warn!(peer = %self.peer, budget = self.shared.budget.limit(), used = self.shared.budget.used(), holds = now, "closing connection: it would take the node over its memory budget");
            self.shared.config.metrics.refused(Bound::MemoryBudget);
            return Err(Stopped);
        }
        if decoder.assembler().open_messages() == 0 {
            self.progress = Instant::now();
        }
        Ok(())
    }

    fn deadline(&mut self, decoder: &RequestDecoder) -> Option<Instant> {
        let config = &self.shared.config;
        let multi_part = (decoder.assembler().open_messages() > 0)
            .then(|| self.progress + config.multi_part_timeout);
        let idle = config
            .idle_timeout
            .filter(|_| self.in_flight.available_permits() == self.max_in_flight)
            .map(|t| self.last_read + t);
        // The earlier of the two; the multi-part one on a tie (it was checked first).
        let (deadline, waiting) = match (multi_part, idle) {
            (Some(m), Some(i)) if i < m => (i, Waiting::Idle),
            (Some(m), _) => (m, Waiting::MultiPart),
            (None, Some(i)) => (i, Waiting::Idle),
            (None, None) => return None,
        };
        self.waiting = waiting;
        Some(deadline)
    }

    fn deadline_passed(&mut self, decoder: &RequestDecoder) {
        let config = &self.shared.config;
        match self.waiting {
            Waiting::MultiPart => {
                tracing::warn!(peer = %self.peer, open = decoder.assembler().open_messages(), "closing connection: no multi-part request completed within {:?}", config.multi_part_timeout);
                config.metrics.refused(Bound::MultiPartTimeout);
            }
            Waiting::Idle => {
                tracing::info!(peer = %self.peer, "closing connection: idle for {:?}", config.idle_timeout.unwrap_or_default());
                config.metrics.refused(Bound::IdleTimeout);
            }
        }
    }

    #[inline]
    fn after_read(&mut self, bytes: usize) {
        self.last_read = Instant::now();
        if let Some(c) = &self.received {
            c.inc_by(bytes as u64);
        }
    }
}

impl ServingConn {
    /// Counts the requests answered on the reading task since the last read, each with
    /// the time from that read to now as its latency.
    fn count_answered(&mut self) {
        let took = self.last_read.elapsed();
        let registry = self
            .shared
            .registry
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        for (address, n) in self.tally.drain(..) {
            if let Some(stats) = registry.stats(address) {
                stats.served(n, took);
            }
        }
    }

    /// One more request answered on the reading task by the service at `address`.
    #[inline]
    fn answered_here(&mut self, address: u32) {
        if !self.shared.config.metrics.is_on() {
            return;
        }
        match self.tally.iter_mut().find(|(a, _)| *a == address) {
            Some((_, n)) => *n += 1,
            None => self.tally.push((address, 1)),
        }
    }

    /// Queues the responses answered so far (counting them first, metrics on: a caller
    /// that has its answer finds its request counted).
    fn flush(&mut self) -> Result<(), Closed> {
        if !self.tally.is_empty() {
            self.count_answered();
        }
        if self.queued.is_empty() {
            return Ok(());
        }
        self.outbox.push_many(self.queued.drain(..))
    }

    /// Handles one request: answers it here, or starts a task for it.
    async fn dispatch(&mut self, req: Request) -> Result<(), Closed> {
        if let Some(hook) = &self.trace {
            hook.emit(Role::Serving, self.peer, TracedMessage::Request(&req));
        }
        let resolved = self
            .shared
            .registry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .resolve(&req.target);
        let (address, service, reads_args) = match resolved {
            Resolved::Service(a, s, r) => (a, s, r),
            Resolved::Query => {
                if req.push {
                    tracing::warn!(peer = %self.peer, "push to the name-query address 0 ignored");
                    return Ok(());
                }
                let response = self.answer_query(&req);
                return self.respond_here(response.into()).await;
            }
            Resolved::ServiceManager => {
                if req.push {
                    tracing::warn!(peer = %self.peer, "push to .service ignored");
                    return Ok(());
                }
                let response = self.answer_service_manager(&req);
                return self.respond_here(response.into()).await;
            }
            Resolved::UnknownClusterName => {
                return self
                    .reject(&req, INVALID_NAME, ServedError::InvalidName)
                    .await;
            }
            Resolved::InvalidAddress => {
                return self
                    .reject(&req, INVALID_ADDRESS, ServedError::InvalidAddress)
                    .await;
            }
        };
        // A service that reads the payload itself (a typed one) gets no value tree.
        let args = match reads_args.then(|| skywire_seri::unpack(&req.payload)) {
            None => Vec::new(),
            Some(Ok(a)) => a,
            Some(Err(e)) => {
                let text = undecodable_arguments(&e);
                return self
                    .reject(&req, &text, ServedError::UndecodableArguments)
                    .await;
            }
        };
        let Request {
            target,
            session,
            push,
            trace,
            payload,
        } = req;
        // A slot first: a service that then has to wait keeps it in its task, so at most
        // `max_in_flight_requests` services are ever running; when none is free, reading
        // stops here.
        let in_flight = self.in_flight.clone();
        let slot = match in_flight.try_acquire() {
            Ok(s) => s,
            Err(_) => {
                self.flush()?;
                tokio::select! {
                    _ = self.cancel.cancelled() => return Err(Closed),
                    s = in_flight.acquire() => s.map_err(|_| Closed)?,
                }
            }
        };
        let mut fut = service.call(ServiceRequest {
            target,
            address,
            session,
            push,
            trace,
            args,
            payload,
            peer: self.peer,
        });
        let result = match fut.take_ready() {
            Some(r) => r,
            None => match poll_once(&mut fut) {
                Poll::Ready(r) => r,
                Poll::Pending => {
                    slot.forget();
                    self.spawn(fut, session, push, address);
                    return Ok(());
                }
            },
        };
        drop(slot);
        self.answered_here(address);
        let metrics = &self.shared.config.metrics;
        match response_for(session, push, address, self.peer, result, metrics) {
            Some(r) => self.respond_here(r).await,
            None => Ok(()),
        }
    }

    /// Runs a service future that has to wait in its own task (its in-flight slot taken).
    fn spawn(&mut self, mut fut: ServiceFuture, session: Session, push: bool, address: u32) {
        let slot = Slot(self.in_flight.clone());
        let outbox = self.outbox.clone();
        let trace = self.trace.clone();
        let peer = self.peer;
        let stop = self.server_cancel.clone();
        let metrics = self.shared.config.metrics.clone();
        // Metrics on: the service's handles, and the in-flight gauge for as long as it runs.
        let counted = metrics.requests_in_flight().map(|gauge| {
            let stats = self
                .shared
                .registry
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .stats(address)
                .cloned();
            gauge.inc();
            (InFlight(gauge), stats, self.last_read)
        });
        tokio::spawn(async move {
            let result = tokio::select! {
                biased;
                _ = stop.cancelled() => return,
                r = std::future::poll_fn(|cx| fut.poll_answer(cx)) => r,
            };
            // Counted (and out of the in-flight gauge) before the response is queued.
            if let Some((in_flight, stats, since)) = counted {
                if let Some(stats) = stats {
                    stats.served(1, since.elapsed());
                }
                drop(in_flight);
            }
            if let Some(reply) = response_for(session, push, address, peer, result, &metrics) {
                if let Some(hook) = &trace {
                    let response = reply.to_response();
                    hook.emit(Role::Serving, peer, TracedMessage::Response(&response));
                }
                let queued = match outbox.reserve(wire_estimate(reply.payload_len())).await {
                    Ok(charge) => reply
                        .frames()
                        .map_err(|e| tracing::error!(%peer, "cannot frame a response: {e}"))
                        .ok()
                        .and_then(|f| outbox.push(charge, Frames::Response(f), 1).ok()),
                    Err(Closed) => None,
                };
                if queued.is_none() {
                    tracing::debug!(%peer, session = session.get(), "connection gone, response dropped");
                }
            }
            drop(slot);
        });
    }

    /// Answers with an error (or, for a push, logs it), counted as `kind`.
    async fn reject(&mut self, req: &Request, text: &str, kind: ServedError) -> Result<(), Closed> {
        self.shared.config.metrics.served_error(kind);
        if req.push {
            tracing::warn!(peer = %self.peer, target = %req.target, "push dropped: {text}");
            return Ok(());
        }
        let response = Response::error(req.session, Bytes::copy_from_slice(text.as_bytes()));
        self.respond_here(response.into()).await
    }

    /// Queues a response answered on the reading task.
    async fn respond_here(&mut self, reply: Reply) -> Result<(), Closed> {
        if let Some(hook) = &self.trace {
            let response = reply.to_response();
            hook.emit(Role::Serving, self.peer, TracedMessage::Response(&response));
        }
        let size = wire_estimate(reply.payload_len());
        let frames = match reply.frames() {
            Ok(f) => Frames::Response(f),
            Err(e) => {
                tracing::error!(peer = %self.peer, "cannot frame a response: {e}");
                return Ok(());
            }
        };
        let charge = match self.outbox.try_reserve(size) {
            Some(c) => c,
            None => {
                // Out of room: send what is queued, then wait for the writer.
                self.flush()?;
                tokio::select! {
                    _ = self.cancel.cancelled() => return Err(Closed),
                    c = self.outbox.reserve(size) => c?,
                }
            }
        };
        self.queued.push((charge, frames, 1));
        Ok(())
    }

    /// `.service`: skynet's service manager queries (`cluster.snax` finds services here).
    fn answer_service_manager(&self, req: &Request) -> Response {
        let args = match skywire_seri::unpack(&req.payload) {
            Ok(a) => a,
            Err(e) => {
                let text = undecodable_arguments(&e);
                return Response::error(req.session, Bytes::from(text));
            }
        };
        let values = crate::service_mgr::answer(
            &self
                .shared
                .registry
                .read()
                .unwrap_or_else(PoisonError::into_inner),
            &args,
        );
        match crate::pack::pack(&values) {
            Ok(packed) => Response::ok(req.session, packed),
            Err(e) => Response::error(req.session, cannot_pack(&e)),
        }
    }

    /// Address 0: `pack(name)` in, `pack(address)` or `name not found` out.
    fn answer_query(&self, req: &Request) -> Response {
        let name = match skywire_seri::unpack(&req.payload)
            .ok()
            .and_then(|v| v.into_iter().next())
        {
            Some(Value::String(s)) => Some(s),
            // Lua's `"@" .. name` turns a number into its decimal text.
            Some(Value::Integer(i)) => Some(Bytes::from(i.to_string())),
            _ => None,
        };
        let address = name.and_then(|n| {
            self.shared
                .registry
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .address_of(&n)
        });
        match address.map(|a| crate::pack::pack(&[Value::Integer(i64::from(a))])) {
            Some(Ok(packed)) => Response::ok(req.session, packed),
            _ => Response::error(req.session, Bytes::from_static(NAME_NOT_FOUND.as_bytes())),
        }
    }
}

/// A served request counted in the in-flight gauge until dropped.
struct InFlight(prometheus_client::metrics::gauge::Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// An in-flight slot held by a service task; given back when the task ends (or is
/// cancelled).
struct Slot(Arc<Semaphore>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.add_permits(1);
    }
}

/// Polls a future once without a real waker: a future that is ready at once is answered
/// without a task. A pending one is then moved into a task, whose first poll registers the
/// real waker.
fn poll_once(fut: &mut ServiceFuture) -> Poll<Result<Answer, ServiceError>> {
    let mut cx = Context::from_waker(Waker::noop());
    fut.poll_answer(&mut cx)
}

/// The response a service's result makes (none for a push: a failure is logged).
fn response_for(
    session: Session,
    push: bool,
    address: u32,
    peer: SocketAddr,
    result: Result<Answer, ServiceError>,
    metrics: &Metrics,
) -> Option<Reply> {
    if result.is_err() {
        metrics.served_error(ServedError::Service);
    }
    match (push, result) {
        (true, Ok(_)) => None,
        (true, Err(e)) => {
            tracing::warn!(%peer, service = address, "push failed: {e}");
            None
        }
        (false, Ok(Answer::Packed(payload))) => Some(Response::ok(session, payload).into()),
        (false, Ok(Answer::Values(values))) => Some(
            crate::pack::pack_answer(session, &values)
                .unwrap_or_else(|e| Response::error(session, cannot_pack(&e)).into()),
        ),
        (false, Err(e)) => {
            tracing::debug!(%peer, service = address, session = session.get(), "call failed: {e}");
            Some(Response::error(session, truncate_error_text(e.text())).into())
        }
    }
}
