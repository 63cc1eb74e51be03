//! What a node counts for Prometheus ([`NodeBuilder::metrics`](crate::NodeBuilder::metrics)),
//! and how it renders them ([`Node::metrics_text`](crate::Node::metrics_text)).
//!
//! Every metric is registered in the node's own `prometheus-client` registry (no global
//! recorder: several nodes in one process each export their own). Off, every hook here is
//! one branch on `None`.
//!
//! The hot paths stay cheap: a served connection counts the requests it answers at once
//! per read (one clock read and a few atomic additions per batch, whatever its size),
//! handles are looked up once per service and per remote node and kept, and the gauges
//! that describe state (connections open, calls in flight, the memory budget) are read
//! from the node when a scrape asks, not kept up to date on every call.
//!
//! The names, labels and what each counts are listed in the node README ("Metrics").

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::{Registry, Unit};

use crate::error::CallError;

/// The two sides of a node's connections, as the `side` label says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// Connections the node accepted (skynet's clusteragent side).
    Serving,
    /// Connections the node opened to call (skynet's clustersender side).
    Calling,
}

impl Side {
    fn label(self) -> &'static str {
        match self {
            Side::Serving => "serving",
            Side::Calling => "calling",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Why a served connection was refused or closed by one of the node's bounds, as the
/// `bound` label of `skywire_connections_refused_total` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bound {
    /// The peer is not in the allowlist (refused when accepted).
    Allowlist,
    /// `max_connections` were open (refused when accepted).
    MaxConnections,
    /// The node-wide memory budget was used up (closed).
    MemoryBudget,
    /// A reassembly limit was exceeded (closed).
    ReassemblyLimits,
    /// No multi-part request completed within the multi-part timeout (closed).
    MultiPartTimeout,
    /// Idle for the idle timeout (closed).
    IdleTimeout,
}

impl Bound {
    fn label(self) -> &'static str {
        match self {
            Bound::Allowlist => "allowlist",
            Bound::MaxConnections => "max_connections",
            Bound::MemoryBudget => "memory_budget",
            Bound::ReassemblyLimits => "reassembly_limits",
            Bound::MultiPartTimeout => "multi_part_timeout",
            Bound::IdleTimeout => "idle_timeout",
        }
    }
}

/// What went wrong on the serving side, as the `kind` label of `skywire_errors_total`
/// (with `side="serving"`) says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServedError {
    /// A request for an unknown `@name` (answered `Invalid name`).
    InvalidName,
    /// A request for an unknown address or `.name` (answered `call to invalid address`).
    InvalidAddress,
    /// Arguments that are not valid lua-seri.
    UndecodableArguments,
    /// The service returned an error.
    Service,
    /// A request stream that cannot be decoded (the connection is closed).
    UndecodableStream,
}

impl ServedError {
    fn label(self) -> &'static str {
        match self {
            ServedError::InvalidName => "invalid_name",
            ServedError::InvalidAddress => "invalid_address",
            ServedError::UndecodableArguments => "undecodable_arguments",
            ServedError::Service => "service_error",
            ServedError::UndecodableStream => "undecodable_stream",
        }
    }
}

/// The `kind` label of a failed call (`side="calling"`).
fn call_error_kind(e: &CallError) -> &'static str {
    match e {
        CallError::Remote { .. } => "remote",
        CallError::UnknownNode { .. } => "unknown_node",
        CallError::NodeDown { .. } => "node_down",
        CallError::Connect { .. } => "connect",
        CallError::ConnectionLost { .. } => "connection_lost",
        CallError::Timeout { .. } => "timeout",
        CallError::Encode(_) => "encode",
        CallError::Decode { .. } => "decode",
        CallError::Packet(_) => "packet",
        CallError::BadQueryAnswer { .. } => "bad_query_answer",
        CallError::SnaxNotFound { .. } => "snax_not_found",
        CallError::SnaxMethod(_) => "snax_method",
        CallError::Serde(_) => "serde",
        CallError::Shutdown => "shutdown",
        CallError::Unconfirmed { .. } => "unconfirmed",
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceLabel {
    service: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NodeLabel {
    node: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SideLabel {
    side: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    side: &'static str,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BoundLabel {
    bound: &'static str,
}

/// Upper bounds of the latency histograms' buckets, in seconds: 10 µs to 10 s (a tiny call
/// between two nodes on one host takes about 25 µs; `+Inf` follows).
const LATENCY_BUCKETS: [f64; 16] = [
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 1.0, 10.0,
];

/// A latency histogram of fixed buckets, lock-free: observing `n` equal durations is three
/// atomic additions (`prometheus-client`'s own histogram takes a mutex for each one).
#[derive(Clone, Debug, Default)]
pub(crate) struct Latency(Arc<LatencyInner>);

#[derive(Debug, Default)]
struct LatencyInner {
    /// Per bucket (the last is `+Inf`), not cumulative.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Latency {
    /// Records `n` observations of `d`.
    pub(crate) fn observe_many(&self, d: Duration, n: u64) {
        let secs = d.as_secs_f64();
        let i = LATENCY_BUCKETS
            .iter()
            .position(|&b| secs <= b)
            .unwrap_or(LATENCY_BUCKETS.len());
        let inner = &self.0;
        inner.buckets[i].fetch_add(n, Ordering::Relaxed);
        inner.count.fetch_add(n, Ordering::Relaxed);
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        inner
            .sum_nanos
            .fetch_add(nanos.saturating_mul(n), Ordering::Relaxed);
    }

    /// Records one observation.
    pub(crate) fn observe(&self, d: Duration) {
        self.observe_many(d, 1);
    }
}

impl TypedMetric for Latency {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for Latency {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let inner = &self.0;
        let mut buckets = [(0.0, 0); LATENCY_BUCKETS.len() + 1];
        for (i, b) in buckets.iter_mut().enumerate() {
            let bound = LATENCY_BUCKETS.get(i).copied().unwrap_or(f64::INFINITY);
            *b = (bound, inner.buckets[i].load(Ordering::Relaxed));
        }
        // The count is the buckets' sum, so that the two agree in one scrape.
        let count = buckets.iter().map(|b| b.1).sum();
        let sum = inner.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// The handles of one registered service.
#[derive(Clone, Debug)]
pub(crate) struct ServiceStats {
    served: Counter,
    latency: Latency,
}

impl ServiceStats {
    /// `n` requests answered after `d` (pushes included).
    pub(crate) fn served(&self, n: u64, d: Duration) {
        self.served.inc_by(n);
        self.latency.observe_many(d, n);
    }
}

/// The handles of one remote node.
#[derive(Clone, Debug)]
pub(crate) struct RemoteStats {
    recording: Arc<Recording>,
    calls: Counter,
    pushes: Counter,
    latency: Latency,
}

impl RemoteStats {
    /// A call made, answered or failed after `d`.
    pub(crate) fn call_done<T>(&self, d: Duration, result: &Result<T, CallError>) {
        self.calls.inc();
        self.latency.observe(d);
        if let Err(e) = result {
            self.recording.call_error(e);
        }
    }

    /// A push sent (or failed).
    pub(crate) fn push_done<T>(&self, result: &Result<T, CallError>) {
        self.pushes.inc();
        if let Err(e) = result {
            self.recording.call_error(e);
        }
    }
}

/// A node's metrics, or nothing when they are off. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Metrics(Option<Arc<Recording>>);

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Metrics(on)"
        } else {
            "Metrics(off)"
        })
    }
}

/// Everything a node with metrics on records.
#[derive(Debug)]
pub(crate) struct Recording {
    registry: Mutex<Registry>,
    served: Family<ServiceLabel, Counter>,
    served_latency: Family<ServiceLabel, Latency>,
    calls: Family<NodeLabel, Counter>,
    pushes: Family<NodeLabel, Counter>,
    call_latency: Family<NodeLabel, Latency>,
    errors: Family<ErrorLabels, Counter>,
    refused: Family<BoundLabel, Counter>,
    opened: [Counter; 2],
    open: [Gauge; 2],
    bytes_received: [Counter; 2],
    bytes_sent: [Counter; 2],
    reassembly: [Gauge; 2],
    requests_in_flight: Gauge,
    calls_in_flight: Gauge,
    budget_used: Gauge,
    budget_limit: Gauge,
}

/// What a scrape reads from the node at that moment.
pub(crate) struct State {
    /// Served connections open.
    pub(crate) serving_open: usize,
    /// Outgoing connections open.
    pub(crate) calling_open: usize,
    /// Calls waiting for their response.
    pub(crate) calls_in_flight: usize,
    /// Bytes held against the memory budget.
    pub(crate) budget_used: usize,
    /// The memory budget.
    pub(crate) budget_limit: usize,
}

fn gauge(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A new metric of type `M` registered in `registry` as `name` (with its `unit`, if any);
/// the handle returned records into what the registry renders.
fn registered<M>(registry: &mut Registry, name: &str, help: &str, unit: Option<Unit>) -> M
where
    M: prometheus_client::registry::Metric + Clone + Default,
{
    let metric = M::default();
    match unit {
        Some(unit) => registry.register_with_unit(name, help, unit, metric.clone()),
        None => registry.register(name, help, metric.clone()),
    }
    metric
}

/// The serving and calling members of a family labelled by side, in [`Side::index`] order.
fn per_side<M: Clone + Default>(family: &Family<SideLabel, M>) -> [M; 2] {
    [Side::Serving, Side::Calling]
        .map(|s| family.get_or_create(&SideLabel { side: s.label() }).clone())
}

impl Recording {
    /// Registers every metric, in the order a scrape lists them: one row each.
    #[rustfmt::skip]
    fn new() -> Recording {
        let mut registry = Registry::with_prefix("skywire");
        let r = &mut registry;
        Recording {
            served: registered(r, "requests_served", "Requests (calls and pushes) a registered service answered, by service", None),
            served_latency: registered(r, "request_duration", "From the read that brought a request to its response being queued, by service", Some(Unit::Seconds)),
            calls: registered(r, "calls", "Calls and queries made, answered or failed, by remote node", None),
            pushes: registered(r, "pushes", "Pushes (cluster.send) sent or failed, by remote node", None),
            call_latency: registered(r, "call_duration", "From a call's start (connecting included) to its answer or failure, by remote node", Some(Unit::Seconds)),
            errors: registered(r, "errors", "Failed requests (side=serving) and calls (side=calling), by kind", None),
            refused: registered(r, "connections_refused", "Served connections refused when accepted (allowlist, max_connections) or closed (the others), by bound", None),
            opened: per_side(&registered(r, "connections_opened", "Connections accepted (side=serving) or opened to call (side=calling)", None)),
            open: per_side(&registered(r, "connections", "Connections open now", None)),
            bytes_received: per_side(&registered(r, "received", "Bytes read from the network", Some(Unit::Bytes))),
            bytes_sent: per_side(&registered(r, "sent", "Bytes written to the network", Some(Unit::Bytes))),
            reassembly: per_side(&registered(r, "reassembly_buffered", "Bytes reserved by reassembly for unfinished multi-part messages (their declared sizes)", Some(Unit::Bytes))),
            requests_in_flight: registered(r, "requests_in_flight", "Served requests whose service is still running", None),
            calls_in_flight: registered(r, "calls_in_flight", "Calls sent and waiting for their response", None),
            budget_used: registered(r, "memory_budget_used", "Bytes the served connections hold against the node-wide memory budget", Some(Unit::Bytes)),
            budget_limit: registered(r, "memory_budget", "The node-wide memory budget", Some(Unit::Bytes)),
            registry: Mutex::new(registry),
        }
    }

    fn call_error(&self, e: &CallError) {
        self.errors
            .get_or_create(&ErrorLabels {
                side: Side::Calling.label(),
                kind: call_error_kind(e),
            })
            .inc();
    }
}

impl Metrics {
    /// Metrics on.
    pub(crate) fn recording() -> Metrics {
        Metrics(Some(Arc::new(Recording::new())))
    }

    /// Whether metrics are on.
    #[inline]
    pub(crate) fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// The handles for a service registered as `name`.
    pub(crate) fn service(&self, name: &str) -> Option<ServiceStats> {
        let r = self.0.as_ref()?;
        let label = ServiceLabel {
            service: name.to_owned(),
        };
        Some(ServiceStats {
            served: r.served.get_or_create(&label).clone(),
            latency: r.served_latency.get_or_create(&label).clone(),
        })
    }

    /// The handles for the remote node `name`.
    pub(crate) fn remote(&self, name: &str) -> Option<RemoteStats> {
        let r = self.0.as_ref()?;
        let label = NodeLabel {
            node: name.to_owned(),
        };
        Some(RemoteStats {
            recording: r.clone(),
            calls: r.calls.get_or_create(&label).clone(),
            pushes: r.pushes.get_or_create(&label).clone(),
            latency: r.call_latency.get_or_create(&label).clone(),
        })
    }

    /// A served request failed.
    pub(crate) fn served_error(&self, kind: ServedError) {
        if let Some(r) = &self.0 {
            r.errors
                .get_or_create(&ErrorLabels {
                    side: Side::Serving.label(),
                    kind: kind.label(),
                })
                .inc();
        }
    }

    /// A served connection was refused or closed by `bound`.
    pub(crate) fn refused(&self, bound: Bound) {
        if let Some(r) = &self.0 {
            r.refused
                .get_or_create(&BoundLabel {
                    bound: bound.label(),
                })
                .inc();
        }
    }

    /// A connection was accepted or opened.
    pub(crate) fn opened(&self, side: Side) {
        if let Some(r) = &self.0 {
            r.opened[side.index()].inc();
        }
    }

    /// The byte counter of `side`'s reads.
    pub(crate) fn received(&self, side: Side) -> Option<Counter> {
        Some(self.0.as_ref()?.bytes_received[side.index()].clone())
    }

    /// The byte counter of `side`'s writes.
    pub(crate) fn sent(&self, side: Side) -> Option<Counter> {
        Some(self.0.as_ref()?.bytes_sent[side.index()].clone())
    }

    /// The reassembly gauge of `side`, for a [`Reserved`] tracker.
    pub(crate) fn reserved(&self, side: Side) -> Reserved {
        Reserved {
            gauge: self.0.as_ref().map(|r| r.reassembly[side.index()].clone()),
            held: 0,
        }
    }

    /// The gauge of served requests running in their own task.
    pub(crate) fn requests_in_flight(&self) -> Option<Gauge> {
        Some(self.0.as_ref()?.requests_in_flight.clone())
    }

    /// The text exposition (OpenMetrics) of every metric, with the state gauges set from
    /// `state`; `None` when metrics are off.
    pub(crate) fn render(&self, state: &State) -> Option<String> {
        let r = self.0.as_ref()?;
        r.open[Side::Serving.index()].set(gauge(state.serving_open));
        r.open[Side::Calling.index()].set(gauge(state.calling_open));
        r.calls_in_flight.set(gauge(state.calls_in_flight));
        r.budget_used.set(gauge(state.budget_used));
        r.budget_limit.set(gauge(state.budget_limit));
        let registry = r.registry.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        match prometheus_client::encoding::text::encode(&mut out, &registry) {
            Ok(()) => Some(out),
            Err(e) => {
                tracing::error!("cannot render the metrics: {e}");
                None
            }
        }
    }
}

/// What one connection's reassembly holds, mirrored into the node's gauge by difference.
#[derive(Debug)]
pub(crate) struct Reserved {
    gauge: Option<Gauge>,
    held: i64,
}

impl Reserved {
    /// The connection's reassembly now reserves `bytes`.
    #[inline]
    pub(crate) fn set(&mut self, bytes: usize) {
        if let Some(g) = &self.gauge {
            let now = gauge(bytes);
            if now != self.held {
                g.inc_by(now - self.held);
                self.held = now;
            }
        }
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        self.set(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_take_each_duration_once() {
        let l = Latency::default();
        l.observe(Duration::from_micros(5)); // <= 10 µs
        l.observe_many(Duration::from_micros(10), 2); // == 10 µs: the first bucket too
        l.observe(Duration::from_micros(11)); // <= 25 µs
        l.observe(Duration::from_secs(11)); // +Inf
        let b: Vec<u64> =
            l.0.buckets
                .iter()
                .map(|b| b.load(Ordering::Relaxed))
                .collect();
        assert_eq!(b[0], 3);
        assert_eq!(b[1], 1);
        assert_eq!(b[LATENCY_BUCKETS.len()], 1);
        assert_eq!(b.iter().sum::<u64>(), 5);
        assert_eq!(
            l.0.sum_nanos.load(Ordering::Relaxed),
            5_000 + 20_000 + 11_000 + 11_000_000_000
        );
    }

    #[test]
    fn reserved_follows_by_difference_and_gives_back() {
        let m = Metrics::recording();
        let gauge = m.0.as_ref().unwrap().reassembly[0].clone();
        let mut a = m.reserved(Side::Serving);
        let mut b = m.reserved(Side::Serving);
        a.set(100);
        b.set(50);
        a.set(30);
        assert_eq!(gauge.get(), 80);
        drop(a);
        assert_eq!(gauge.get(), 50);
        drop(b);
        assert_eq!(gauge.get(), 0);
    }
}
