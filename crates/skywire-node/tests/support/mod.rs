//! Shared pieces of the node tests: test services, node set-up, payload builders.
#![allow(dead_code)] // each test file uses a different subset

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use skywire_node::{
    service_fn, sync_service_fn, Listener, Node, NodeAddress, Remote, Service, ServiceError,
    ServiceRequest,
};
use skywire_seri::Value;
use tokio::sync::{Notify, Semaphore};

/// The captures folder: the repository's `tests/captures` (two levels up from this crate),
/// else the shared copy next to the repository.
pub fn captures() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        root.join("../../tests/captures"),
        root.join("../../../shared/captures"),
    ];
    candidates
        .into_iter()
        .find(|p| p.is_dir())
        .expect("no captures: tests/captures or ../shared/captures")
}

/// Hang guard: every wait in these tests is bounded by this (never a timing assertion).
pub const HANG_GUARD: Duration = Duration::from_secs(30);

/// Awaits `fut`, panicking with `what` if it does not finish within [`HANG_GUARD`].
pub async fn guard<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(HANG_GUARD, fut).await {
        Ok(v) => v,
        Err(_) => panic!("hang: {what} did not finish within {HANG_GUARD:?}"),
    }
}

/// Awaits `call` (bounded by [`HANG_GUARD`], panicking with `what`) and asserts that it
/// succeeded with the values `expected`.
pub async fn assert_answers<E: std::fmt::Debug>(
    what: &str,
    call: impl Future<Output = Result<Vec<Value>, E>>,
    expected: &[Value],
) {
    let ret = guard(what, call).await.unwrap();
    assert!(
        skywire_seri::values_content_eq(&ret, expected),
        "{what}: {ret:?}"
    );
}

/// Waits until `ready` gives a value, looking again each time `changed` is notified (its
/// waiters, after each change), bounded by [`HANG_GUARD`] (panicking with `what`).
pub async fn wait_until<T>(
    what: &str,
    changed: &Notify,
    mut ready: impl FnMut() -> Option<T>,
) -> T {
    guard(what, async {
        loop {
            // Taken before looking, so that a change after the look still wakes it.
            let notified = changed.notified();
            if let Some(v) = ready() {
                return v;
            }
            notified.await;
        }
    })
    .await
}

/// A string value whose `pack` is exactly `n` bytes (n >= 3): one long string, whose
/// header is 3 bytes below 0x10000 string bytes and 5 bytes above (lua-seri's rules,
/// checked against `packed_len`).
pub fn value_packing_to(n: usize) -> Value {
    let len = if n - 3 < 0x10000 { n - 3 } else { n - 5 };
    let v = Value::string(Bytes::from(vec![b'p'; len]));
    assert_eq!(
        skywire_seri::packed_len(std::slice::from_ref(&v)).unwrap(),
        n
    );
    v
}

/// Pushes a service received, and a way to wait for them.
#[derive(Clone, Default)]
pub struct Recorder {
    pub got: Arc<Mutex<Vec<ServiceRequest>>>,
    pub notify: Arc<Notify>,
}

impl Recorder {
    /// Records `r` and wakes the waiters.
    pub fn record(&self, r: ServiceRequest) {
        self.got.lock().unwrap().push(r);
        self.notify.notify_waiters();
    }

    /// Waits until `n` requests were recorded; returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<ServiceRequest> {
        wait_until("waiting for recorded requests", &self.notify, || {
            let got = self.got.lock().unwrap();
            (got.len() >= n).then(|| got.clone())
        })
        .await
    }
}

/// A gate that services wait on, counting how many wait at once.
#[derive(Clone)]
pub struct Gate {
    pub open: Arc<Semaphore>,
    pub running: Arc<Mutex<(usize, usize)>>, // (now, max)
    pub arrived: Arc<Notify>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            open: Arc::new(Semaphore::new(0)),
            running: Arc::new(Mutex::new((0, 0))),
            arrived: Arc::new(Notify::new()),
        }
    }
}

impl Gate {
    /// Waits until `n` services are waiting at the gate at once.
    pub async fn wait_running(&self, n: usize) {
        wait_until("waiting for services at the gate", &self.arrived, || {
            (self.running.lock().unwrap().0 >= n).then_some(())
        })
        .await
    }

    /// The most services that were at the gate at once.
    pub fn max_running(&self) -> usize {
        self.running.lock().unwrap().1
    }

    /// Lets everyone through from now on.
    pub fn open_all(&self) {
        self.open.add_permits(Semaphore::MAX_PERMITS / 2);
    }
}

/// The services of the serving test node:
/// - `echo`: returns its arguments;
/// - `fail`: fails with its first argument as the error text;
/// - `big`: returns one string value whose pack is exactly `args[0]` bytes;
/// - `trace`: returns the trace tag it got (or nil);
/// - `record`: records what it gets (for pushes), returns nothing;
/// - `never`: never answers (it records its arrival in `never`);
/// - `gated`: waits at the gate, then echoes.
pub struct TestServices {
    pub recorder: Recorder,
    /// Requests that reached `never`.
    pub never: Recorder,
    pub gate: Gate,
}

pub fn register_test_services(node: &Node) -> TestServices {
    let (recorder, never, gate) = (Recorder::default(), Recorder::default(), Gate::default());
    let (rec, arrived, g) = (recorder.clone(), never.clone(), gate.clone());
    // In this order: they get the addresses 1 to 7.
    let services: [(&str, Arc<dyn Service>); 7] = [
        ("echo", Arc::new(sync_service_fn(|r| Ok(r.args)))),
        (
            "fail",
            Arc::new(sync_service_fn(|r| {
                let text = r.args.first().and_then(Value::as_bytes_shared).cloned();
                Err(ServiceError::new(
                    text.unwrap_or_else(|| Bytes::from_static(b"failed")),
                ))
            })),
        ),
        (
            "big",
            Arc::new(sync_service_fn(|r| {
                let n = r.args.first().and_then(Value::as_integer).unwrap_or(3) as usize;
                Ok(vec![value_packing_to(n)])
            })),
        ),
        (
            "trace",
            Arc::new(sync_service_fn(|r| {
                Ok(vec![r.trace.map(Value::String).unwrap_or(Value::Nil)])
            })),
        ),
        (
            "record",
            Arc::new(sync_service_fn(move |r| {
                rec.record(r);
                Ok(vec![])
            })),
        ),
        (
            "never",
            Arc::new(service_fn(move |r| {
                arrived.record(r);
                std::future::pending()
            })),
        ),
        (
            "gated",
            Arc::new(service_fn(move |r| {
                let g = g.clone();
                async move {
                    {
                        let mut running = g.running.lock().unwrap();
                        running.0 += 1;
                        running.1 = running.1.max(running.0);
                    }
                    g.arrived.notify_waiters();
                    let permit = g
                        .open
                        .acquire()
                        .await
                        .map_err(|_| ServiceError::from("gate closed"))?;
                    permit.forget();
                    g.running.lock().unwrap().0 -= 1;
                    Ok(r.args)
                }
            })),
        ),
    ];
    for (name, service) in services {
        node.register(name, service).unwrap();
    }
    TestServices {
        recorder,
        never,
        gate,
    }
}

/// A serving node on 127.0.0.1 port 0 with the test services.
pub async fn serving_node() -> (Node, Listener, TestServices) {
    serving_node_with(Node::new()).await
}

/// `node`, with the test services, listening on 127.0.0.1 port 0.
pub async fn serving_node_with(node: Node) -> (Node, Listener, TestServices) {
    let services = register_test_services(&node);
    let listener = node.listen("127.0.0.1:0").await.unwrap();
    (node, listener, services)
}

/// A calling node whose table has `db` at `addr`.
pub fn client_for(addr: SocketAddr) -> Node {
    client_with(Node::new(), addr)
}

/// `node`, its table having `db` at `addr`.
pub fn client_with(node: Node, addr: SocketAddr) -> Node {
    node.set_node("db", NodeAddress::At(addr.to_string()));
    node
}

/// `node`'s handle to `db`, the node these tests call.
pub fn to_db(node: &Node) -> Remote {
    node.remote("db").unwrap()
}

/// A call to `@echo` on `db` succeeds: the node still serves (or serves again).
pub async fn assert_db_answers(client: &Node) {
    let r = guard("call", to_db(client).call("@echo", &[])).await;
    assert!(r.is_ok(), "`@echo` on db: {r:?}");
}

/// Values of every kind, for round trips.
pub fn sample_args() -> Vec<Value> {
    let mut t = skywire_seri::Table::from_array(vec![1.into(), "two".into(), Value::Real(3.5)]);
    t.insert("k", "v");
    t.insert(10, true);
    vec![
        Value::Nil,
        true.into(),
        0.into(),
        (-1).into(),
        i64::MAX.into(),
        i64::MIN.into(),
        Value::Real(-0.0),
        Value::Real(f64::INFINITY),
        "hello".into(),
        Value::string(&b"\x00\xff binary"[..]),
        Value::Table(t),
        Value::LightUserdata(0x1234),
    ]
}
