//! A remote node as the calling side sees it: where it is, and the one connection to it.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use skywire_codec::{Response, Session, Target};
use skywire_seri::Value;
use tokio::net::TcpStream;

use crate::builder::Config;
use crate::call_options::{CallOptions, IntoTarget};
use crate::calling::CallingConn;
use crate::error::CallError;
use crate::metrics::RemoteStats;

/// Where a remote node is, as far as the node table says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// `host:port`.
    At(String),
    /// Marked down.
    Down,
    /// Not in the node table: never added (a handle taken before, or to wait for it), or
    /// taken out.
    Absent,
}

struct State {
    place: Place,
    conn: Option<Arc<CallingConn>>,
    next_session: Session,
    generation: u64,
    /// The last failed connection attempt: callers that waited for it share its outcome
    /// instead of each trying (and maybe each waiting out the connect timeout) in turn.
    last_failure: Option<(Instant, u64, CallError)>,
    /// Connection attempts that failed in a row (for this generation).
    failures: u32,
    /// No new attempt before this (reconnect backoff).
    retry_at: Option<Instant>,
}

pub(crate) struct RemoteInner {
    name: String,
    config: Config,
    shutdown: Arc<AtomicBool>,
    nowaiting: Arc<AtomicBool>,
    /// Notified when the place changes (or waiting may have been turned off).
    placed: tokio::sync::Notify,
    state: Mutex<State>,
    connecting: tokio::sync::Mutex<()>,
    /// Its metrics handles, when the node records metrics.
    stats: Option<RemoteStats>,
}

impl Drop for RemoteInner {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = st.conn.take() {
            close_confirmed(
                c,
                &self.name,
                self.config.drain_timeout,
                "the node handle was dropped",
            );
        }
    }
}

/// The wait after `failures` failed attempts in a row: `first` doubled each time up to
/// `max`, less up to a quarter at random (so that many callers of one node, or many nodes,
/// do not retry in step).
fn backoff((first, max): (Duration, Duration), failures: u32) -> Duration {
    let full = first
        .saturating_mul(1 << failures.saturating_sub(1).min(20))
        .min(max);
    // Jitter from the clock's low bits: enough to spread retries, no RNG needed.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    full.saturating_sub(full.mul_f64(f64::from(nanos % 1000) / 4000.0))
}

/// Closes `conn` once its pushes are confirmed (see [`Remote::confirm`]), in the
/// background where a runtime is at hand; a failed confirmation is logged. Without
/// pushes to confirm, or outside a runtime, it closes at once.
fn close_confirmed(conn: Arc<CallingConn>, node: &str, drain: Duration, reason: &'static str) {
    let handle = match tokio::runtime::Handle::try_current() {
        Ok(h) if conn.has_unconfirmed() => h,
        Ok(_) => return conn.close(reason),
        Err(_) => {
            if conn.has_unconfirmed() {
                tracing::warn!(
                    node,
                    "closing with unconfirmed pushes (no runtime to confirm them on)"
                );
            }
            return conn.close(reason);
        }
    };
    let node = node.to_owned();
    handle.spawn(async move {
        match tokio::time::timeout(drain, conn.confirm()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(%node, "closing: {e}"),
            Err(_) => tracing::error!(%node, "closing: pushes not confirmed within {drain:?}, they may be lost"),
        }
        conn.close_and_flush(reason).await;
    });
}

/// Everything a [`Remote`] is made from.
pub(crate) struct RemoteSettings {
    /// The node's settings.
    pub(crate) config: Config,
    /// Set when the node shuts down.
    pub(crate) shutdown: Arc<AtomicBool>,
    /// The table's `__nowaiting` (turns waiting off).
    pub(crate) nowaiting: Arc<AtomicBool>,
}

/// A handle to one remote node: its calls share one connection, opened on first use and
/// reopened on the next call after it drops. Cheap to clone.
///
/// Get one from the node table with [`Node::remote`](crate::Node::remote), or for a
/// `host:port` outside any table with [`Node::remote_at`](crate::Node::remote_at).
#[derive(Clone)]
pub struct Remote {
    inner: Arc<RemoteInner>,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("name", &self.inner.name)
            .field("place", &self.inner.lock().place)
            .finish()
    }
}

impl Remote {
    pub(crate) fn new(name: String, place: Place, s: &RemoteSettings) -> Remote {
        Remote {
            inner: Arc::new(RemoteInner {
                stats: s.config.metrics.remote(&name),
                name,
                config: s.config.clone(),
                shutdown: s.shutdown.clone(),
                nowaiting: s.nowaiting.clone(),
                placed: tokio::sync::Notify::new(),
                state: Mutex::new(State {
                    place,
                    conn: None,
                    next_session: s.config.first_session,
                    generation: 0,
                    last_failure: None,
                    failures: 0,
                    retry_at: None,
                }),
                connecting: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The node's name (its key in the node table, or `host:port` for a direct remote).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Calls `target` with `args` and returns what it returned.
    ///
    /// ```no_run
    /// # async fn f(node: skywire_node::Node) -> Result<(), skywire_node::CallError> {
    /// let db = node.remote("db")?;
    /// let ret = db.call("@echo", &["ping".into()]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call(
        &self,
        target: impl IntoTarget,
        args: &[Value],
    ) -> Result<Vec<Value>, CallError> {
        self.call_with(target, args, &CallOptions::new()).await
    }

    /// [`call`](Self::call) with a deadline and/or a trace tag.
    pub async fn call_with(
        &self,
        target: impl IntoTarget,
        args: &[Value],
        opts: &CallOptions,
    ) -> Result<Vec<Value>, CallError> {
        let payload = crate::pack::pack(args)?;
        let reply = self.call_raw(target, payload, opts).await?;
        self.unpack(&reply)
    }

    /// Calls with Rust types: `args` is written as an argument list (a tuple gives one
    /// argument per field) and the results are read into `R` the same way, straight from
    /// the response's bytes (`skywire_seri::from_slice`: no [`Value`] tree is built).
    ///
    /// ```no_run
    /// # async fn f(db: skywire_node::Remote) -> Result<(), skywire_node::CallError> {
    /// let sum: i64 = db.call_typed("@add", &(2, 3)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_typed<A: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        target: impl IntoTarget,
        args: &A,
    ) -> Result<R, CallError> {
        let payload = crate::pack::pack(&skywire_seri::to_values(args)?)?;
        let reply = self.call_raw(target, payload, &CallOptions::new()).await?;
        skywire_seri::from_slice(&reply).map_err(|e| match e {
            // A payload that does not unpack is the same error as for an untyped call.
            skywire_seri::SerdeError::Decode(source) => CallError::Decode {
                node: self.inner.name.clone(),
                source,
            },
            other => CallError::Serde(other),
        })
    }

    /// Calls with an already packed payload; returns the packed results.
    pub async fn call_raw(
        &self,
        target: impl IntoTarget,
        payload: Bytes,
        opts: &CallOptions,
    ) -> Result<Bytes, CallError> {
        let target = target.into_target()?;
        let trace = opts.trace.clone();
        let started = self.inner.stats.as_ref().map(|_| Instant::now());
        let result = self
            .bounded(opts, async {
                let conn = self.connection().await?;
                conn.call(target, payload, trace).await
            })
            .await
            .and_then(|r| self.check(r));
        if let (Some(stats), Some(t)) = (&self.inner.stats, started) {
            stats.call_done(t.elapsed(), &result);
        }
        result
    }

    /// Pushes `args` to `target` (`cluster.send`): no response. Returns once the message is
    /// queued on the connection; an unknown or down node, a failed connection or an
    /// unpackable argument is still an error.
    pub async fn send(&self, target: impl IntoTarget, args: &[Value]) -> Result<(), CallError> {
        self.send_with(target, args, &CallOptions::new()).await
    }

    /// [`send`](Self::send) with a deadline (for connecting and queueing) and/or a trace tag.
    pub async fn send_with(
        &self,
        target: impl IntoTarget,
        args: &[Value],
        opts: &CallOptions,
    ) -> Result<(), CallError> {
        let payload = crate::pack::pack(args)?;
        self.send_raw(target, payload, opts).await
    }

    /// Pushes an already packed payload.
    pub async fn send_raw(
        &self,
        target: impl IntoTarget,
        payload: Bytes,
        opts: &CallOptions,
    ) -> Result<(), CallError> {
        let target = target.into_target()?;
        let trace = opts.trace.clone();
        let result = self
            .bounded(opts, async {
                let conn = self.connection().await?;
                conn.push(target, payload, trace).await
            })
            .await;
        if let Some(stats) = &self.inner.stats {
            stats.push_done(&result);
        }
        result
    }

    /// Asks the node for the address of its cluster name `name` (`cluster.query`): the
    /// address, or [`CallError::Remote`] with `name not found`.
    pub async fn query(&self, name: &str) -> Result<u32, CallError> {
        self.query_with(name, &CallOptions::new()).await
    }

    /// [`query`](Self::query) with a deadline.
    pub async fn query_with(&self, name: &str, opts: &CallOptions) -> Result<u32, CallError> {
        let ret = self
            .call_with(Target::QUERY, &[Value::string(name.to_owned())], opts)
            .await?;
        match ret.first() {
            Some(Value::Integer(a)) if u32::try_from(*a).is_ok() => Ok(*a as u32),
            other => Err(CallError::BadQueryAnswer {
                node: self.inner.name.clone(),
                answer: other.map_or_else(|| "nothing".into(), Value::to_string),
            }),
        }
    }

    /// Closes the current connection, if any; the next call opens a new one. Its pending
    /// calls fail with [`CallError::ConnectionLost`]: at once, or, when pushes were sent on
    /// it, once the peer confirmed them (in the background, within the drain timeout; a
    /// failure is logged). [`close`](Self::close) reports that failure instead.
    pub fn disconnect(&self) {
        self.close_current("disconnected by the caller");
    }

    /// Waits until the peer's node has taken every push sent so far on the current
    /// connection. A push has no answer, and skynet drops pushes still waiting in its
    /// cluster agent when their connection closes; its agent does answer name queries, in
    /// order, so one query per `@name` pushed to (or one for the empty name), answered,
    /// confirms every push before it. Bounded by the node's drain timeout.
    ///
    /// [`close`](Self::close) does this first; call it directly to know the pushes
    /// arrived while keeping the connection.
    pub async fn confirm(&self) -> Result<(), CallError> {
        let conn = self.inner.lock().conn.clone();
        match conn {
            Some(c) => self.within_drain(c.confirm()).await,
            None => Ok(()),
        }
    }

    async fn within_drain(
        &self,
        fut: impl Future<Output = Result<(), CallError>>,
    ) -> Result<(), CallError> {
        let after = self.inner.config.drain_timeout;
        tokio::time::timeout(after, fut).await.unwrap_or_else(|_| {
            Err(CallError::Unconfirmed {
                node: self.inner.name.clone(),
                source: Box::new(CallError::Timeout {
                    node: self.inner.name.clone(),
                    after,
                }),
            })
        })
    }

    /// Waits until everything already queued on the connection (pushes, mostly: a
    /// [`send`](Self::send) returns as soon as its message is queued) has been handed to the
    /// operating system, so that what is sent next goes out after it.
    pub async fn flush(&self) {
        let conn = self.inner.lock().conn.clone();
        if let Some(c) = conn {
            c.flush().await;
        }
    }

    /// Closes the current connection gracefully: first [`confirm`](Self::confirm)s the
    /// pushes sent on it (the peer's node has taken them), then waits until everything
    /// queued has been written, each within the node's drain timeout. Calls still waiting
    /// for a response fail with [`CallError::ConnectionLost`]. Use it before exiting after
    /// [`send`](Self::send), which returns as soon as the push is queued: an error says the
    /// pushes may not have arrived ([`CallError::Unconfirmed`]).
    pub async fn close(&self) -> Result<(), CallError> {
        let conn = self.inner.lock().conn.take();
        let Some(c) = conn else { return Ok(()) };
        let confirmed = self.within_drain(c.confirm()).await;
        c.close_and_flush("closed by the caller").await;
        confirmed
    }

    /// Applies the call's deadline (or the node's default) to `fut`.
    async fn bounded<T>(
        &self,
        opts: &CallOptions,
        fut: impl Future<Output = Result<T, CallError>>,
    ) -> Result<T, CallError> {
        match opts.effective_timeout(self.inner.config.call_timeout) {
            None => fut.await,
            Some(after) => match tokio::time::timeout(after, fut).await {
                Ok(r) => r,
                Err(_) => Err(CallError::Timeout {
                    node: self.inner.name.clone(),
                    after,
                }),
            },
        }
    }

    fn check(&self, response: Response) -> Result<Bytes, CallError> {
        if response.ok {
            Ok(response.payload)
        } else {
            Err(CallError::Remote {
                node: self.inner.name.clone(),
                text: response.payload,
            })
        }
    }

    fn unpack(&self, payload: &Bytes) -> Result<Vec<Value>, CallError> {
        skywire_seri::unpack(payload).map_err(|source| CallError::Decode {
            node: self.inner.name.clone(),
            source,
        })
    }

    /// Moves the node (or marks it down, or removed): the current connection is closed and
    /// its pending calls fail; the next call connects to the new place.
    pub(crate) fn set_place(&self, place: Place) {
        let old = {
            let mut st = self.inner.lock();
            if st.place == place {
                return;
            }
            st.place = place.clone();
            st.generation += 1;
            st.failures = 0;
            st.retry_at = None;
            let old = st.conn.take();
            if let Some(c) = &old {
                st.next_session = c.next_session();
            }
            old
        };
        self.inner.placed.notify_waiters();
        if let Some(c) = old {
            let reason = match place {
                Place::At(a) => format!("node moved to {a}"),
                Place::Down => "node marked down".to_owned(),
                Place::Absent => "node removed from the node table".to_owned(),
            };
            c.close(&reason);
        }
    }

    /// The calls waiting for a response on the open connection, if there is one.
    pub(crate) fn pending_calls(&self) -> Option<usize> {
        let conn = self.inner.lock().conn.clone()?;
        (!conn.is_closed()).then(|| conn.pending_calls())
    }

    /// Wakes the calls waiting for the node to be added, to check again whether they still
    /// may (the table's `__nowaiting` may have changed).
    pub(crate) fn wake(&self) {
        self.inner.placed.notify_waiters();
    }

    /// Whether calls wait for the node while it is not in the table.
    pub(crate) fn waits(&self) -> bool {
        self.inner.config.wait_for_nodes && !self.inner.nowaiting.load(Ordering::Relaxed)
    }

    /// Closes the connection for good (node shutdown), once its pushes are confirmed.
    pub(crate) fn shut(&self) {
        self.close_current("the node is shutting down");
    }

    /// Takes the current connection, if any, and closes it once its pushes are confirmed
    /// (see [`close_confirmed`]).
    fn close_current(&self, reason: &'static str) {
        let conn = self.inner.lock().conn.take();
        if let Some(c) = conn {
            close_confirmed(c, &self.inner.name, self.inner.config.drain_timeout, reason);
        }
    }

    /// The live connection, opening one if needed.
    async fn connection(&self) -> Result<Arc<CallingConn>, CallError> {
        if let Some(c) = self.live()? {
            return Ok(c);
        }
        let waiting_since = Instant::now();
        let _one_at_a_time = self.inner.connecting.lock().await;
        loop {
            // Registered before the place is read, so that a change after it wakes us.
            let placed = self.inner.placed.notified();
            tokio::pin!(placed);
            placed.as_mut().enable();
            if let Some(c) = self.live()? {
                return Ok(c);
            }
            let next = {
                let st = self.inner.lock();
                // Someone tried while we waited for our turn, for the same address: share
                // the outcome.
                if let Some((at, g, e)) = &st.last_failure {
                    if *at >= waiting_since && *g == st.generation {
                        return Err(e.clone());
                    }
                }
                // Backing off after failed attempts: fail fast, do not hammer the node.
                if st.retry_at.is_some_and(|t| Instant::now() < t) {
                    return Err(CallError::NodeDown {
                        node: self.inner.name.clone(),
                    });
                }
                match &st.place {
                    Place::At(a) => Some((a.clone(), st.generation, st.next_session)),
                    // Not in the table, and waiting for it (live() said so).
                    Place::Absent => None,
                    // live() has checked the other places.
                    Place::Down => return Err(self.place_error(&st.place)),
                }
            };
            let Some((addr, generation, first_session)) = next else {
                tracing::info!(node = %self.inner.name, "waiting for cluster node");
                placed.await;
                continue;
            };
            let connect = TcpStream::connect(addr.as_str());
            let stream =
                match tokio::time::timeout(self.inner.config.connect_timeout, connect).await {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => return Err(self.connect_failed(generation, &addr, e)),
                    Err(_) => {
                        let after = self.inner.config.connect_timeout;
                        let e = std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            format!("timed out after {after:?}"),
                        );
                        return Err(self.connect_failed(generation, &addr, e));
                    }
                };
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!(node = %self.inner.name, "set_nodelay: {e}");
            }
            let conn =
                CallingConn::start(stream, &self.inner.name, &self.inner.config, first_session);
            let mut st = self.inner.lock();
            if st.generation != generation || self.inner.shutdown.load(Ordering::Acquire) {
                drop(st);
                conn.close("the node moved while connecting");
                continue;
            }
            st.last_failure = None;
            st.failures = 0;
            st.retry_at = None;
            st.conn = Some(conn.clone());
            return Ok(conn);
        }
    }

    /// Records a failed connection attempt and gives its error.
    fn connect_failed(&self, generation: u64, addr: &str, source: std::io::Error) -> CallError {
        let e = CallError::Connect {
            node: self.inner.name.clone(),
            addr: addr.to_owned(),
            source: Arc::new(source),
        };
        let mut st = self.inner.lock();
        st.last_failure = Some((Instant::now(), generation, e.clone()));
        if st.generation == generation {
            st.failures = st.failures.saturating_add(1);
            let wait = backoff(self.inner.config.reconnect_backoff, st.failures);
            st.retry_at = Some(Instant::now() + wait);
            tracing::debug!(node = %self.inner.name, failures = st.failures, "{e}; next attempt in {wait:?}");
        }
        e
    }

    /// The current connection if it is open; an error if the node is down, or not in the
    /// table and not to be waited for.
    fn live(&self) -> Result<Option<Arc<CallingConn>>, CallError> {
        if self.inner.shutdown.load(Ordering::Acquire) {
            return Err(CallError::Shutdown);
        }
        let mut st = self.inner.lock();
        if st.place == Place::Absent && self.waits() {
            return Ok(None);
        }
        if let Place::At(_) = st.place {
            if let Some(c) = &st.conn {
                if !c.is_closed() {
                    return Ok(Some(c.clone()));
                }
                st.next_session = c.next_session();
                st.conn = None;
            }
            return Ok(None);
        }
        Err(self.place_error(&st.place))
    }

    fn place_error(&self, place: &Place) -> CallError {
        let node = self.inner.name.clone();
        match place {
            Place::Down => CallError::NodeDown { node },
            _ => CallError::UnknownNode { node },
        }
    }
}

impl RemoteInner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod backoff_tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_bound_with_jitter_below() {
        let b = (Duration::from_millis(100), Duration::from_secs(5));
        for (failures, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (6, 3200),
            (7, 5000),
            (40, 5000),
        ] {
            let w = backoff(b, failures);
            let full = Duration::from_millis(full);
            assert!(w <= full && w >= full.mul_f64(0.75), "{failures}: {w:?}");
        }
    }
}
