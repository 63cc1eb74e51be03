//! Calls per second through a node's three kinds of service, with the same client, in one
//! run: the untyped echo as `skywire node` serves it (`sync_service_fn`: answers at once),
//! the same as an async closure (`service_fn`: a boxed future per call), and a `typed`
//! echo over `(String, i64, String)` (arguments read straight from the payload with
//! `from_slice`, no `Value` tree; the answer written with `to_values` + `pack`).
//!
//! Each iteration is one call `("ping", i, 16 bytes)`; `CONCURRENCY` tasks share the
//! iterations over one connection on loopback, so the figure is throughput, not the
//! round-trip time. The client sends prepacked bytes (`call_raw`) and only checks the
//! answer's length, so the client's cost is the same for every service and the difference
//! between rows is the service path.
//!
//! `cargo bench -p skywire-node --bench echo_services`; the typed row should be within 10%
//! of the untyped rows (BENCHMARKS.md). Wall time on two cores shared by client and server
//! moves by ±20% from run to run; with `SERI_REPEAT=echo_services/ROW:N` the binary makes
//! `N` calls to one row and exits, so `bench/instructions.sh` gives the instructions per
//! call (client and server together), which repeat.

use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use skywire_node::{service_fn, sync_service_fn, typed, CallOptions, Node, Remote, ServiceError};
use skywire_seri::Value;

#[path = "../../skywire-seri/benches/support/repeat.rs"]
mod repeat;

/// Calls in flight at once.
const CONCURRENCY: u64 = 32;

fn args() -> Vec<Value> {
    vec![
        Value::from("ping"),
        Value::from(7),
        Value::from("0123456789abcdef"),
    ]
}

/// Runs `iters` calls to `target`, `CONCURRENCY` at a time; how long they took.
async fn run(remote: &Remote, target: &'static str, payload: &Bytes, iters: u64) -> Duration {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..CONCURRENCY {
        let (remote, payload) = (remote.clone(), payload.clone());
        let n = iters / CONCURRENCY + u64::from(k < iters % CONCURRENCY);
        tasks.push(tokio::spawn(async move {
            let opts = CallOptions::new();
            for _ in 0..n {
                let answer = remote
                    .call_raw(target, payload.clone(), &opts)
                    .await
                    .expect("the echo answers");
                assert_eq!(answer.len(), payload.len(), "not the echo");
            }
        }));
    }
    for t in tasks {
        t.await.expect("a caller task");
    }
    start.elapsed()
}

/// The echo rows: the service each serves.
const ROWS: [&str; 3] = ["@echo", "@echo_async", "@echo_typed"];

/// A server node with the three echo services, a client connected to it, and the runtime
/// both run on. The listener serves only while its handle lives.
/// (Fields drop in order: the nodes before their runtime.)
struct Setup {
    _nodes: (Node, skywire_node::Listener, Node),
    remote: Remote,
    payload: Bytes,
    rt: tokio::runtime::Runtime,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (server, listener, client, remote) = rt.block_on(async {
        let server = Node::new();
        server
            .register("echo", sync_service_fn(|req| Ok(req.args)))
            .expect("registers");
        server
            .register("echo_async", service_fn(|req| async move { Ok(req.args) }))
            .expect("registers");
        server
            .register(
                "echo_typed",
                typed(|(s, i, p): (String, i64, String)| async move {
                    Ok::<_, ServiceError>((s, i, p))
                }),
            )
            .expect("registers");
        let listener = server.listen("127.0.0.1:0").await.expect("listens");
        let client = Node::new();
        let remote = client.remote_at(&listener.local_addr().to_string());
        (server, listener, client, remote)
    });
    let payload = skywire_seri::pack(&args()).expect("packs");
    Setup {
        _nodes: (server, listener, client),
        remote,
        payload,
        rt,
    }
}

fn echo_services(c: &mut Criterion) {
    let s = setup();
    let mut g = c.benchmark_group("echo_services");
    g.throughput(Throughput::Elements(1));
    for target in ROWS {
        g.bench_function(target.trim_start_matches('@'), |b| {
            b.iter_custom(|iters| s.rt.block_on(run(&s.remote, target, &s.payload, iters)))
        });
    }
    g.finish();
}

/// `SERI_REPEAT=echo_services/ROW:N`: `N` calls to the row's service, for callgrind.
fn repeat(name: &str, n: u64) {
    let s = setup();
    let target = ROWS
        .into_iter()
        .find(|t| name == format!("echo_services/{}", t.trim_start_matches('@')))
        .unwrap_or_else(|| panic!("no bench {name}"));
    // One call first, so that N = 0 pays for the connection too.
    s.rt.block_on(run(&s.remote, target, &s.payload, 1));
    s.rt.block_on(run(&s.remote, target, &s.payload, n));
}

fn main() {
    repeat::main(echo_services, repeat);
}
