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

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use skywire_codec::{fragment::truncate_error_text, Request, RequestDecoder, Response, Session};
use skywire_seri::Value;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::node::Shared;
use crate::outbox::{wire_estimate, Charge, Closed, Frames, Outbox};
use crate::registry::Resolved;
use crate::service::{ServiceFuture, ServiceRequest, ServiceResult};
use crate::trace::{Role, TraceHook, TracedMessage};
use crate::{busy_poll, read_buf};

/// skynet's answer to a query for a name nobody registered.
pub(crate) const NAME_NOT_FOUND: &str = "name not found";
/// skynet's answer to a request for an unknown `@name`.
pub(crate) const INVALID_NAME: &str = "Invalid name";
/// What skynet's `skynet.call` raises for an unknown `.name` or address (without the Lua
/// source location skynet prefixes it with).
pub(crate) const INVALID_ADDRESS: &str = "call to invalid address";

/// Sleeps until `deadline`, or for ever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Serves one connection until the peer closes it, it breaks, or `server_cancel` fires.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    server_cancel: CancellationToken,
    _admitted: OwnedSemaphorePermit,
) {
    let cancel = server_cancel.child_token();
    let (rd, wr) = stream.into_split();
    let config = &shared.config;
    let outbox = Arc::new(Outbox::new(config.max_buffered_bytes, false));
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
    let mut conn = ServingConn {
        in_flight: Arc::new(Semaphore::new(config.max_in_flight_requests)),
        max_in_flight: config.max_in_flight_requests,
        trace: config.trace.clone(),
        shared: shared.clone(),
        peer,
        outbox: outbox.clone(),
        server_cancel,
        queued: Vec::new(),
        held: 0,
    };
    tracing::debug!(%peer, "serving");
    let end = conn.read_loop(rd, &cancel).await;
    match end {
        End::PeerClosed => {
            // Let the running services finish and their responses go out.
            let all = u32::try_from(conn.max_in_flight).unwrap_or(u32::MAX);
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = conn.in_flight.acquire_many(all) => {}
            }
            outbox.close();
        }
        End::Stopped => {
            outbox.close();
            cancel.cancel();
        }
    }
    // The connection counts (for max_connections and a graceful shutdown) until its last
    // response is written.
    let _ = writer.await;
    tracing::debug!(%peer, "connection done");
}

enum End {
    /// The peer closed its side cleanly.
    PeerClosed,
    /// Shutdown, an I/O error or a protocol error: stop everything.
    Stopped,
}

struct ServingConn {
    shared: Arc<Shared>,
    peer: SocketAddr,
    outbox: Arc<Outbox>,
    in_flight: Arc<Semaphore>,
    max_in_flight: usize,
    trace: Option<TraceHook>,
    server_cancel: CancellationToken,
    /// Responses answered on the reading task, queued together after each read.
    queued: Vec<(Charge, Frames, usize)>,
    /// What this connection holds of the node's memory budget.
    held: usize,
}

impl Drop for ServingConn {
    fn drop(&mut self) {
        self.shared.budget.hold(&mut self.held, 0);
    }
}

impl ServingConn {
    async fn read_loop(
        &mut self,
        mut rd: tokio::net::tcp::OwnedReadHalf,
        cancel: &CancellationToken,
    ) -> End {
        let shared = self.shared.clone();
        let config = &shared.config;
        let mut decoder = RequestDecoder::new(config.limits);
        let mut buf = read_buf::new();
        let cancelled = cancel.cancelled();
        tokio::pin!(cancelled);
        // When a message last completed, or nothing was open (the multi-part deadline).
        let mut progress = Instant::now();
        let mut last_read = Instant::now();
        loop {
            // Reassembly may reserve what it holds plus what is left of the node's budget.
            let reserved = decoder.assembler().reserved();
            let writing = self.held.saturating_sub(reserved);
            let room = shared.budget.room(self.held).saturating_sub(writing);
            let narrowed = room < config.limits.max_buffered_bytes();
            let limits = config
                .limits
                .with_max_buffered_bytes(room.min(config.limits.max_buffered_bytes()));
            decoder.assembler_mut().set_limits(limits);
            loop {
                match decoder.decode(&mut buf) {
                    Ok(Some(req)) => {
                        progress = Instant::now();
                        if self.dispatch(req, cancel).await.is_err() {
                            return End::Stopped;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        if narrowed
                            && matches!(
                                e.kind(),
                                skywire_codec::DecodeErrorKind::Reassembly(
                                    skywire_codec::ReassemblyError::BufferLimit { .. }
                                )
                            )
                        {
                            tracing::warn!(peer = %self.peer, budget = self.shared.budget.limit(), used = self.shared.budget.used(), "closing connection: the node-wide memory budget is used up ({e})");
                        } else {
                            tracing::warn!(peer = %self.peer, "closing connection: undecodable request stream: {e}");
                        }
                        return End::Stopped;
                    }
                }
            }
            if self.flush().is_err() {
                return End::Stopped;
            }
            let now = decoder.assembler().reserved() + self.outbox.queued();
            if !self.shared.budget.hold(&mut self.held, now) {
                tracing::warn!(peer = %self.peer, budget = self.shared.budget.limit(), used = self.shared.budget.used(), holds = now, "closing connection: it would take the node over its memory budget");
                return End::Stopped;
            }
            if decoder.assembler().open_messages() == 0 {
                progress = Instant::now();
            }
            let multi_part_deadline = (decoder.assembler().open_messages() > 0)
                .then(|| progress + config.multi_part_timeout);
            let idle_deadline = config
                .idle_timeout
                .filter(|_| self.in_flight.available_permits() == self.max_in_flight)
                .map(|t| last_read + t);
            read_buf::make_room(&mut buf);
            let read = tokio::select! {
                biased;
                _ = &mut cancelled => return End::Stopped,
                // A graceful shutdown: read no more, finish what runs (as when the peer
                // closes its side).
                _ = shared.draining.cancelled() => return End::PeerClosed,
                _ = sleep_until(multi_part_deadline) => {
                    tracing::warn!(peer = %self.peer, open = decoder.assembler().open_messages(), "closing connection: no multi-part request completed within {:?}", config.multi_part_timeout);
                    return End::Stopped;
                }
                _ = sleep_until(idle_deadline) => {
                    tracing::info!(peer = %self.peer, "closing connection: idle for {:?}", config.idle_timeout.unwrap_or_default());
                    return End::Stopped;
                }
                r = busy_poll::read_buf(&mut rd, &mut buf, config.busy_poll) => r,
            };
            last_read = Instant::now();
            match read {
                Ok(0) => {
                    if let Err(e) = decoder.finish_with(&buf) {
                        tracing::debug!(peer = %self.peer, "peer closed mid-message, dropped: {e}");
                    }
                    return End::PeerClosed;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(peer = %self.peer, "read failed: {e}");
                    return End::Stopped;
                }
            }
        }
    }

    /// Queues the responses answered so far.
    fn flush(&mut self) -> Result<(), Closed> {
        if self.queued.is_empty() {
            return Ok(());
        }
        self.outbox.push_many(self.queued.drain(..))
    }

    /// Handles one request: answers it here, or starts a task for it.
    async fn dispatch(&mut self, req: Request, cancel: &CancellationToken) -> Result<(), Closed> {
        if let Some(hook) = &self.trace {
            hook.emit(Role::Serving, self.peer, TracedMessage::Request(&req));
        }
        let resolved = self
            .shared
            .registry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .resolve(&req.target);
        let (address, service) = match resolved {
            Resolved::Service(a, s) => (a, s),
            Resolved::Query => {
                if req.push {
                    tracing::warn!(peer = %self.peer, "push to the name-query address 0 ignored");
                    return Ok(());
                }
                let response = self.answer_query(&req);
                return self.respond_here(response, cancel).await;
            }
            Resolved::UnknownClusterName => return self.reject(&req, INVALID_NAME, cancel).await,
            Resolved::InvalidAddress => return self.reject(&req, INVALID_ADDRESS, cancel).await,
        };
        let args = match skywire_seri::unpack(&req.payload) {
            Ok(a) => a,
            Err(e) => {
                let text = format!("undecodable arguments: {e}");
                return self.reject(&req, &text, cancel).await;
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
                    _ = cancel.cancelled() => return Err(Closed),
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
        match response_for(session, push, address, self.peer, result) {
            Some(r) => self.respond_here(r, cancel).await,
            None => Ok(()),
        }
    }

    /// Runs a service future that has to wait in its own task (its in-flight slot taken).
    fn spawn(&mut self, fut: ServiceFuture, session: Session, push: bool, address: u32) {
        let slot = Slot(self.in_flight.clone());
        let outbox = self.outbox.clone();
        let trace = self.trace.clone();
        let peer = self.peer;
        let stop = self.server_cancel.clone();
        tokio::spawn(async move {
            let result = tokio::select! {
                biased;
                _ = stop.cancelled() => return,
                r = fut => r,
            };
            if let Some(response) = response_for(session, push, address, peer, result) {
                if let Some(hook) = &trace {
                    hook.emit(Role::Serving, peer, TracedMessage::Response(&response));
                }
                let queued = match outbox.reserve(wire_estimate(response.payload.len())).await {
                    Ok(charge) => response
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

    /// Answers with an error (or, for a push, logs it).
    async fn reject(
        &mut self,
        req: &Request,
        text: &str,
        cancel: &CancellationToken,
    ) -> Result<(), Closed> {
        if req.push {
            tracing::warn!(peer = %self.peer, target = %req.target, "push dropped: {text}");
            return Ok(());
        }
        let response = Response::error(req.session, Bytes::copy_from_slice(text.as_bytes()));
        self.respond_here(response, cancel).await
    }

    /// Queues a response answered on the reading task.
    async fn respond_here(
        &mut self,
        response: Response,
        cancel: &CancellationToken,
    ) -> Result<(), Closed> {
        if let Some(hook) = &self.trace {
            hook.emit(Role::Serving, self.peer, TracedMessage::Response(&response));
        }
        let frames = match response.frames() {
            Ok(f) => Frames::Response(f),
            Err(e) => {
                tracing::error!(peer = %self.peer, "cannot frame a response: {e}");
                return Ok(());
            }
        };
        let size = wire_estimate(response.payload.len());
        let charge = match self.outbox.try_reserve(size) {
            Some(c) => c,
            None => {
                // Out of room: send what is queued, then wait for the writer.
                self.flush()?;
                tokio::select! {
                    _ = cancel.cancelled() => return Err(Closed),
                    c = self.outbox.reserve(size) => c?,
                }
            }
        };
        self.queued.push((charge, frames, 1));
        Ok(())
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
fn poll_once(fut: &mut ServiceFuture) -> Poll<ServiceResult> {
    let mut cx = Context::from_waker(Waker::noop());
    std::pin::Pin::new(fut).poll(&mut cx)
}

/// The response a service's result makes (none for a push: a failure is logged).
fn response_for(
    session: Session,
    push: bool,
    address: u32,
    peer: SocketAddr,
    result: ServiceResult,
) -> Option<Response> {
    match (push, result) {
        (true, Ok(_)) => None,
        (true, Err(e)) => {
            tracing::warn!(%peer, service = address, "push failed: {e}");
            None
        }
        (false, Ok(values)) => Some(match crate::pack::pack(&values) {
            Ok(packed) => Response::ok(session, packed),
            Err(e) => Response::error(session, format!("cannot pack the results: {e}")),
        }),
        (false, Err(e)) => {
            tracing::debug!(%peer, service = address, session = session.get(), "call failed: {e}");
            Some(Response::error(session, truncate_error_text(e.text())))
        }
    }
}
