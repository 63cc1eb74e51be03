//! Node settings: [`NodeBuilder`].

use std::time::Duration;

use skywire_codec::{Limits, Session};

use crate::metrics::Metrics;
use crate::node::Node;
use crate::trace::{TraceEvent, TraceHook};

/// Settings shared by everything a node runs.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) limits: Limits,
    pub(crate) max_in_flight_requests: usize,
    pub(crate) max_in_flight_calls: usize,
    pub(crate) max_buffered_bytes: usize,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) connect_timeout: Duration,
    pub(crate) drain_timeout: Duration,
    pub(crate) first_session: Session,
    pub(crate) wait_for_nodes: bool,
    pub(crate) trace: Option<TraceHook>,
    pub(crate) busy_poll: Duration,
    pub(crate) memory_budget: usize,
    pub(crate) max_connections: usize,
    pub(crate) allow: Vec<ipnet::IpNet>,
    pub(crate) multi_part_timeout: Duration,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) reconnect_backoff: (Duration, Duration),
    /// Whether the node records metrics ([`NodeBuilder::metrics`]).
    pub(crate) record_metrics: bool,
    /// The node's metrics (made by [`Node::from_config`]; off until then).
    pub(crate) metrics: Metrics,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::DEFAULT,
            max_in_flight_requests: NodeBuilder::DEFAULT_MAX_IN_FLIGHT_REQUESTS,
            max_in_flight_calls: NodeBuilder::DEFAULT_MAX_IN_FLIGHT_CALLS,
            max_buffered_bytes: NodeBuilder::DEFAULT_MAX_BUFFERED_BYTES,
            call_timeout: None,
            connect_timeout: NodeBuilder::DEFAULT_CONNECT_TIMEOUT,
            drain_timeout: NodeBuilder::DEFAULT_DRAIN_TIMEOUT,
            first_session: Session::FIRST,
            wait_for_nodes: false,
            trace: None,
            busy_poll: Duration::ZERO,
            memory_budget: NodeBuilder::DEFAULT_MEMORY_BUDGET,
            max_connections: NodeBuilder::DEFAULT_MAX_CONNECTIONS,
            allow: Vec::new(),
            multi_part_timeout: NodeBuilder::DEFAULT_MULTI_PART_TIMEOUT,
            idle_timeout: None,
            reconnect_backoff: NodeBuilder::DEFAULT_RECONNECT_BACKOFF,
            record_metrics: false,
            metrics: Metrics::default(),
        }
    }
}

/// Builds a [`Node`]. Every setting has a default; [`Node::new`] takes them all.
///
/// ```
/// use std::time::Duration;
/// use skywire_node::Node;
/// let node = Node::builder()
///     .call_timeout(Duration::from_secs(5))
///     .max_in_flight_calls(256)
///     .build();
/// # let _ = node;
/// ```
#[derive(Clone, Debug, Default)]
pub struct NodeBuilder {
    config: Config,
}

impl NodeBuilder {
    /// Default of [`max_in_flight_requests`](Self::max_in_flight_requests).
    pub const DEFAULT_MAX_IN_FLIGHT_REQUESTS: usize = 4096;
    /// Default of [`max_in_flight_calls`](Self::max_in_flight_calls).
    pub const DEFAULT_MAX_IN_FLIGHT_CALLS: usize = 4096;
    /// Default of [`max_buffered_bytes`](Self::max_buffered_bytes): 16 MiB.
    pub const DEFAULT_MAX_BUFFERED_BYTES: usize = 16 << 20;
    /// Default of [`connect_timeout`](Self::connect_timeout).
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default of [`drain_timeout`](Self::drain_timeout).
    pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default of [`memory_budget`](Self::memory_budget): 1 GiB.
    pub const DEFAULT_MEMORY_BUDGET: usize = 1 << 30;
    /// Default of [`max_connections`](Self::max_connections).
    pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
    /// Default of [`reconnect_backoff`](Self::reconnect_backoff): 100 ms, at most 5 s.
    pub const DEFAULT_RECONNECT_BACKOFF: (Duration, Duration) =
        (Duration::from_millis(100), Duration::from_secs(5));
    /// Default of [`multi_part_timeout`](Self::multi_part_timeout).
    pub const DEFAULT_MULTI_PART_TIMEOUT: Duration = Duration::from_secs(60);

    /// Reassembly limits for every connection (per direction): largest multi-part message,
    /// most open at once, most bytes they may declare together. Default: the codec's
    /// [`Limits::DEFAULT`]. A peer exceeding them is disconnected.
    pub fn limits(self, limits: Limits) -> Self {
        self.set(|c| c.limits = limits)
    }

    /// Most requests of one accepted connection whose service is still running. When it is
    /// reached the node stops reading that connection until one finishes (backpressure on
    /// the peer through TCP). Services that answer at once do not count.
    pub fn max_in_flight_requests(self, n: usize) -> Self {
        self.set(|c| c.max_in_flight_requests = n.max(1))
    }

    /// Most calls waiting for their response on one outgoing connection; further callers
    /// wait for a slot.
    pub fn max_in_flight_calls(self, n: usize) -> Self {
        self.set(|c| c.max_in_flight_calls = n.max(1))
    }

    /// Most bytes queued for writing on one connection (either side); further senders wait
    /// for room. A single message larger than this waits until the queue is empty.
    pub fn max_buffered_bytes(self, n: usize) -> Self {
        self.set(|c| c.max_buffered_bytes = n.max(1))
    }

    /// A deadline for every call, push and query that does not set its own
    /// ([`CallOptions`](crate::CallOptions)). Default: none (skynet has none either).
    pub fn call_timeout(self, after: Duration) -> Self {
        self.set(|c| c.call_timeout = Some(after))
    }

    /// How long opening a connection to a node may take.
    pub fn connect_timeout(self, after: Duration) -> Self {
        self.set(|c| c.connect_timeout = after)
    }

    /// How long a connection being closed (address change, shutdown) may take to write what
    /// is already queued (pushes, mostly) before it is cut.
    pub fn drain_timeout(self, after: Duration) -> Self {
        self.set(|c| c.drain_timeout = after)
    }

    /// The first session of every outgoing connection (skynet starts at 1). Sessions count
    /// up and wrap from `i32::MAX` to 1; this is for testing the wrap.
    pub fn first_session(self, session: Session) -> Self {
        self.set(|c| c.first_session = skywire_codec::SessionAllocator::starting_at(session).peek())
    }

    /// What a call to a node that is not in the node table does: fail at once with
    /// [`CallError::UnknownNode`](crate::CallError::UnknownNode) (`false`, the default, like
    /// skynet with `__nowaiting = true`), or wait until the node is added (`true`, like
    /// skynet without `__nowaiting`), bounded by the call's deadline. A node table with
    /// `__nowaiting = true` turns waiting off.
    pub fn wait_for_unknown_nodes(self, wait: bool) -> Self {
        self.set(|c| c.wait_for_nodes = wait)
    }

    /// Calls `hook` for every message the node receives and sends (see [`TraceHook`]).
    pub fn trace(self, hook: impl Fn(&TraceEvent<'_>) + Send + Sync + 'static) -> Self {
        self.set(|c| c.trace = Some(TraceHook::new(hook)))
    }

    /// Busy polling on every connection, serving and calling: after a read finds the socket
    /// empty, the reader tries again for up to `spin` (letting other tasks run in between)
    /// before it sleeps until data comes. Default: off (`Duration::ZERO`).
    ///
    /// It cuts the latency of calls that come one at a time where waking a sleeping CPU is
    /// slow (some virtual machines: see [`busy_poll`](crate::busy_poll)), at the price of
    /// CPU: while calls keep coming the node keeps a core busy, and each connection that
    /// falls quiet spins for `spin` once before sleeping. 50 µs is a sensible value.
    ///
    /// ```
    /// use std::time::Duration;
    /// let node = skywire_node::Node::builder().busy_poll(Duration::from_micros(50)).build();
    /// # let _ = node;
    /// ```
    pub fn busy_poll(self, spin: Duration) -> Self {
        self.set(|c| c.busy_poll = spin)
    }

    /// The node-wide memory budget for the connections it serves: bytes that reassembly
    /// reserves for open multi-part requests (their declared sizes) plus bytes waiting in
    /// write buffers, all connections together. A connection that would take the node over
    /// it is closed (a header is refused before anything is allocated for it), with a log
    /// line saying why; the others go on. Default: [`DEFAULT_MEMORY_BUDGET`](Self::DEFAULT_MEMORY_BUDGET)
    /// (1 GiB). Per connection, [`limits`](Self::limits) and
    /// [`max_buffered_bytes`](Self::max_buffered_bytes) still apply.
    pub fn memory_budget(self, bytes: usize) -> Self {
        self.set(|c| c.memory_budget = bytes)
    }

    /// Most connections served at once (skynet's `cluster.open` has `maxclient`); one more
    /// is closed as soon as it is accepted, and logged. Default: 1024.
    pub fn max_connections(self, n: usize) -> Self {
        self.set(|c| c.max_connections = n.max(1))
    }

    /// Accept connections only from peers in `net` (call again for more networks; with
    /// none, every peer is accepted, as skynet does). Others are closed as soon as they are
    /// accepted, and logged. The protocol has no authentication: this, the network and the
    /// bounds are what protect a node.
    ///
    /// ```
    /// let node = skywire_node::Node::builder()
    ///     .allow("127.0.0.0/8".parse().unwrap())
    ///     .allow("10.20.0.0/16".parse().unwrap())
    ///     .build();
    /// # let _ = node;
    /// ```
    pub fn allow(self, net: ipnet::IpNet) -> Self {
        self.set(|c| c.allow.push(net))
    }

    /// How long a served connection holding unfinished multi-part requests may go without
    /// completing any message; then it is closed (a peer that opens messages and trickles
    /// parts, or none, cannot pin memory for ever). Default: 60 s.
    pub fn multi_part_timeout(self, after: Duration) -> Self {
        self.set(|c| c.multi_part_timeout = after)
    }

    /// Close a served connection that has sent nothing for this long while nothing it asked
    /// for is still running. Default: none (skynet keeps idle connections, and so do its
    /// senders: a node that closes them makes its peers reconnect).
    pub fn idle_timeout(self, after: Duration) -> Self {
        self.set(|c| c.idle_timeout = Some(after))
    }

    /// After a failed attempt to connect to a node, calls to it fail at once with
    /// [`CallError::NodeDown`](crate::CallError::NodeDown) for `first`, doubling after each
    /// further failure up to `max` (less a random part of up to a quarter), until an
    /// attempt succeeds: a dead node is not hammered (skynet users see reconnect storms),
    /// and no call waits for it beyond its own deadline. Moving the node resets it.
    pub fn reconnect_backoff(self, first: Duration, max: Duration) -> Self {
        self.set(|c| c.reconnect_backoff = (first, max.max(first)))
    }

    /// Record Prometheus metrics: calls served and made, their latency, errors, bytes,
    /// connections, what the bounds refused (the node README lists them).
    /// [`Node::metrics_text`] renders them and [`Node::listen_metrics`] serves them over
    /// HTTP for Prometheus to scrape. Default: off (nothing is recorded).
    ///
    /// ```no_run
    /// # async fn f() -> std::io::Result<()> {
    /// let node = skywire_node::Node::builder().metrics().build();
    /// let endpoint = node.listen_metrics("127.0.0.1:9100").await?;
    /// println!("scrape http://{}/metrics", endpoint.local_addr());
    /// # Ok(()) }
    /// ```
    pub fn metrics(self) -> Self {
        self.set(|c| c.record_metrics = true)
    }

    /// This builder with `change` made to its settings.
    fn set(mut self, change: impl FnOnce(&mut Config)) -> Self {
        change(&mut self.config);
        self
    }

    /// The node.
    pub fn build(self) -> Node {
        Node::from_config(self.config)
    }
}
