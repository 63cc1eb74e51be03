//! What `skywire bench` prints: a few lines of text, or one JSON object.

use serde_json::json;

use super::conn::Outcome;

/// A finished run and how it was set up.
#[derive(Debug)]
pub struct Report {
    /// The node, as given.
    pub addr: String,
    /// The service, as given.
    pub target: String,
    /// TCP connections.
    pub connections: usize,
    /// Concurrent callers in all.
    pub callers: usize,
    /// Bytes of the payload string of every call.
    pub size: usize,
    /// CPU seconds this process used for the whole run (connecting and warm-up included),
    /// where the platform says.
    pub client_cpu_seconds: Option<f64>,
    /// What was measured.
    pub outcome: Outcome,
}

/// Latency percentiles in microseconds.
struct Latency {
    p50: f64,
    p90: f64,
    p99: f64,
    p999: f64,
    max: f64,
    mean: f64,
}

impl Report {
    fn calls_per_s(&self) -> f64 {
        per_second(self.outcome.calls as f64, self.outcome.seconds)
    }

    /// Wire bytes in both directions, in MB (10^6 bytes) per second.
    fn mb_per_s(&self) -> f64 {
        let bytes = (self.outcome.bytes_in + self.outcome.bytes_out) as f64;
        per_second(bytes, self.outcome.seconds) / 1e6
    }

    fn latency(&self) -> Latency {
        let h = &self.outcome.latency;
        let us = |ns: u64| ns as f64 / 1000.0;
        if h.is_empty() {
            return Latency {
                p50: 0.0,
                p90: 0.0,
                p99: 0.0,
                p999: 0.0,
                max: 0.0,
                mean: 0.0,
            };
        }
        Latency {
            p50: us(h.value_at_quantile(0.50)),
            p90: us(h.value_at_quantile(0.90)),
            p99: us(h.value_at_quantile(0.99)),
            p999: us(h.value_at_quantile(0.999)),
            max: us(h.max()),
            mean: h.mean() / 1000.0,
        }
    }

    /// One JSON object (printed on one line).
    pub fn json(&self) -> String {
        let l = self.latency();
        let o = &self.outcome;
        json!({
            "addr": self.addr,
            "target": self.target,
            "connections": self.connections,
            "callers": self.callers,
            "size": self.size,
            "seconds": round(o.seconds, 3),
            "calls": o.calls,
            "verified": o.verified,
            "errors": o.errors,
            "first_error": o.first_error,
            "calls_per_s": round(self.calls_per_s(), 1),
            "mb_per_s": round(self.mb_per_s(), 3),
            "bytes_out": o.bytes_out,
            "bytes_in": o.bytes_in,
            "client_cpu_s": self.client_cpu_seconds.map(|c| round(c, 2)),
            "latency_us": {
                "p50": round(l.p50, 1),
                "p90": round(l.p90, 1),
                "p99": round(l.p99, 1),
                "p999": round(l.p999, 1),
                "max": round(l.max, 1),
                "mean": round(l.mean, 1),
            },
        })
        .to_string()
    }

    /// A few lines of text.
    pub fn text(&self) -> String {
        let l = self.latency();
        let o = &self.outcome;
        let mut s = format!(
            "skywire bench {} {}: {} connection(s), {} caller(s), {}-byte argument\n",
            self.addr, self.target, self.connections, self.callers, self.size
        );
        s += &format!(
            "  calls     {} in {:.2} s ({} verified, {} errors)\n",
            o.calls, o.seconds, o.verified, o.errors
        );
        s += &format!(
            "  rate      {:.0} calls/s, {:.1} MB/s on the wire\n",
            self.calls_per_s(),
            self.mb_per_s()
        );
        s += &format!(
            "  latency   p50 {:.1} us, p90 {:.1} us, p99 {:.1} us, p99.9 {:.1} us, max {:.1} us\n",
            l.p50, l.p90, l.p99, l.p999, l.max
        );
        if let Some(c) = self.client_cpu_seconds {
            s += &format!("  client    {c:.2} CPU seconds\n");
        }
        if let Some(e) = &o.first_error {
            s += &format!("  first error: {e}\n");
        }
        s
    }
}

fn per_second(n: f64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        n / seconds
    } else {
        0.0
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}
