//! `skywire node`: a node serving three demo services, `echo`, `kv` and the snax service
//! `counter` (or, with `--conform`, the conformance contract), until interrupted.

use std::collections::HashMap;
use std::fs::File;
use std::io::{LineWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use skywire_node::{
    sync_service_fn, Node, ServiceError, ServiceRequest, ServiceResult, TracedMessage,
};
use skywire_seri::Value;

use super::CmdResult;
use skywire_capture::format::message_json::{request_record, response_record};

/// Arguments of `skywire node`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to listen, `HOST:PORT` (port 0: any free port; the real one is printed). The
    /// default is 127.0.0.1:2528, loopback only: the protocol has no authentication, so
    /// listen on other addresses deliberately, with `--allow`.
    #[arg(long, value_name = "HOST:PORT")]
    listen: Option<String>,
    /// This node's name in the node table (`--cluster`): listen on the address its entry
    /// gives, as skynet's `cluster.open(NAME)` does. A name not in the table, or marked
    /// `false`, is an error. With `--etcd`: the name published (and `--listen` is where).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    #[cfg(feature = "etcd")]
    #[command(flatten)]
    etcd: super::node_etcd::EtcdArgs,
    /// Accept connections only from this network (`10.0.0.0/8`, `192.168.1.7/32`,
    /// `::1/128`); repeat for more. Others are closed at once and logged. Default: anyone
    /// who can reach the address.
    #[arg(long, value_name = "CIDR")]
    allow: Vec<ipnet::IpNet>,
    /// Most connections served at once; more are closed at once and logged.
    #[arg(long, value_name = "N", default_value_t = skywire_node::NodeBuilder::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Node-wide memory budget, in MiB, for unfinished multi-part requests and write
    /// buffers of all connections together; the connection that would go over is closed.
    #[arg(long, value_name = "MIB", default_value_t = skywire_node::NodeBuilder::DEFAULT_MEMORY_BUDGET >> 20)]
    memory_budget_mib: usize,
    /// Close a connection whose unfinished multi-part requests see no message complete
    /// for this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = skywire_node::NodeBuilder::DEFAULT_MULTI_PART_TIMEOUT.as_secs())]
    multi_part_timeout: u64,
    /// Close a connection idle this many seconds (default: never, as skynet).
    #[arg(long, value_name = "SECONDS")]
    idle_timeout: Option<u64>,
    /// On Ctrl-C or SIGTERM: how many seconds running requests get to finish and their
    /// responses to be written (no new connection is accepted meanwhile).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    shutdown_timeout: u64,
    /// Log lines as text (coloured on a terminal only) or as JSON lines.
    #[arg(long, value_enum, default_value_t = super::logging::LogFormat::Text)]
    log_format: super::logging::LogFormat,
    /// A skynet `clustername` file: the nodes this node knows (loaded and listed), followed
    /// while the node runs: each change is applied as skynet's `cluster.reload()` would
    /// (moved nodes reconnect, `false` is down, `__nowaiting` is taken); a change that does
    /// not parse is logged with its line and column and the table is kept.
    #[arg(long, value_name = "FILE")]
    cluster: Option<PathBuf>,
    /// Write every message received and sent as JSON lines, in the `skywire decode --json`
    /// form.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Write the Lua interface stub of every snax service the node serves into this
    /// directory, as NAME.lua (what a skynet caller needs in its `snax` path to reach them
    /// with `cluster.snax`).
    #[arg(long, value_name = "DIR")]
    snax_stubs: Option<PathBuf>,
    /// Serve Prometheus metrics over HTTP at `HOST:PORT` (`GET /metrics`; port 0: any free
    /// port, printed as `metrics at http://ADDR/metrics`): calls served and made, latency,
    /// errors, bytes, connections, what the bounds refused. Loopback only unless you mean
    /// it: the endpoint has no authentication either.
    #[arg(long, value_name = "HOST:PORT")]
    metrics: Option<String>,
    /// Busy-poll every connection: after a read finds nothing, try again for up to this
    /// many microseconds before sleeping (0: off; 50 is a sensible value). Cuts the latency
    /// of calls that come one at a time where waking a sleeping CPU is slow (some virtual
    /// machines), at the price of a busy core while calls keep coming.
    #[arg(long, value_name = "MICROSECONDS", default_value_t = 0)]
    busy_poll_us: u64,
    /// Threads for the node's runtime: 0 one worker per CPU (tokio's multi-thread
    /// runtime, the default), 1 everything on one thread (tokio's current-thread runtime:
    /// no work stealing, no cross-thread wake-ups), N that many workers.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Serve the conformance contract instead of the demo services: `echo` at address 10
    /// and `echo2` at 11, as `skywire conform` expects (conform/README.md).
    #[arg(long)]
    conform: bool,
    /// Test instrument: with `--conform`, serve the contract from skywire-conform's faulty
    /// node breaking the named rule (see skywire_conform::faulty::Fault), to see the
    /// suite's cases fail.
    #[arg(long, value_name = "FAULT", requires = "conform", hide = true)]
    fault: Option<String>,
}

/// `echo`: returns its arguments; `"error", text` fails with `text`.
fn echo(req: ServiceRequest) -> ServiceResult {
    if req.args.first().and_then(Value::as_bytes) == Some(b"error") {
        let text = match req.args.get(1) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => Bytes::from(other.to_string()),
            None => Bytes::from_static(b"error"),
        };
        return Err(ServiceError::new(text));
    }
    Ok(req.args)
}

/// `kv`'s store, keyed by the key's Lua literal (an integral float is the integer: Lua
/// keys `1` and `1.0` are the same key).
#[derive(Default)]
struct Kv {
    map: Mutex<HashMap<String, Value>>,
}

fn key_of(v: &Value) -> Result<String, ServiceError> {
    match v {
        Value::Nil => Err(ServiceError::from("kv: the key is nil")),
        Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok((*f as i64).to_string()),
        other => Ok(other.to_string()),
    }
}

impl Kv {
    /// `"SET", k, v` stores `v` and returns the previous value; `"GET", k` returns the value.
    fn call(&self, req: ServiceRequest) -> ServiceResult {
        let usage = || ServiceError::from("kv: usage: \"SET\", key, value | \"GET\", key");
        let command = req
            .args
            .first()
            .and_then(Value::as_bytes)
            .ok_or_else(usage)?;
        let key = key_of(req.args.get(1).ok_or_else(usage)?)?;
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        match command {
            b"SET" => {
                let value = req.args.get(2).map(Value::detached).unwrap_or(Value::Nil);
                let old = if value.is_nil() {
                    map.remove(&key)
                } else {
                    map.insert(key, value)
                };
                Ok(vec![old.unwrap_or(Value::Nil)])
            }
            b"GET" => Ok(vec![map.get(&key).cloned().unwrap_or(Value::Nil)]),
            _ => Err(usage()),
        }
    }
}

/// Runs `skywire node`.
pub fn run(args: Args) -> CmdResult {
    super::logging::init(args.log_format);
    let rt = super::runtime::with_threads(args.threads)?;
    rt.block_on(serve(args))
}

/// Where `--listen` says, or the default.
const DEFAULT_LISTEN: &str = "127.0.0.1:2528";

async fn serve(args: Args) -> CmdResult {
    if let Some(name) = &args.fault {
        let listen = args.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        return serve_faulty(listen, name).await;
    }
    let mut builder = Node::builder()
        .busy_poll(Duration::from_micros(args.busy_poll_us))
        .max_connections(args.max_connections)
        .memory_budget(args.memory_budget_mib.saturating_mul(1 << 20))
        .multi_part_timeout(Duration::from_secs(args.multi_part_timeout));
    for net in &args.allow {
        builder = builder.allow(*net);
    }
    if let Some(s) = args.idle_timeout {
        builder = builder.idle_timeout(Duration::from_secs(s));
    }
    if args.metrics.is_some() {
        builder = builder.metrics();
    }
    if let Some(path) = &args.trace {
        let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let out = Arc::new(Mutex::new(LineWriter::new(file)));
        builder = builder.trace(move |ev| {
            let record = match ev.message {
                TracedMessage::Request(r) => request_record(r, None),
                TracedMessage::Response(r) => response_record(r, None),
            };
            let mut out = out.lock().unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = writeln!(out, "{}", record.to_json_line()) {
                tracing::error!("trace file: {e}");
            }
        });
    }
    let node = builder.build();
    if args.conform {
        skywire_conform::contract::register(&node)?;
    } else {
        node.register("echo", sync_service_fn(echo))?;
        let kv = Arc::new(Kv::default());
        node.register("kv", sync_service_fn(move |r| kv.call(r)))?;
        node.register_snax("counter", super::counter::counter()?)?;
    }
    if let Some(dir) = &args.snax_stubs {
        write_snax_stubs(&node, dir)?;
    }
    // Read now, then followed: each change is applied as skynet's cluster.reload would;
    // a file that does not parse is logged and the table kept.
    let _watch = match &args.cluster {
        Some(path) => Some(node.watch_cluster_file(path)?),
        None => None,
    };
    #[cfg(feature = "etcd")]
    let etcd = args.etcd.on();
    #[cfg(not(feature = "etcd"))]
    let etcd = false;
    if args.name.is_some() && !etcd {
        if args.cluster.is_none() {
            return Err("--name needs --cluster (the table it is looked up in)".into());
        }
        if args.listen.is_some() {
            return Err("--name with --cluster listens where the table says: no --listen".into());
        }
    }
    let listener = match &args.name {
        Some(name) if !etcd => node.open(name).await?,
        _ => {
            let listen = args.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
            node.listen(listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?
        }
    };
    outln!("listening on {}", listener.local_addr())?;
    #[cfg(feature = "etcd")]
    let _etcd = match &args.name {
        Some(name) if etcd => Some(args.etcd.start(&node, name, listener.local_addr())?),
        _ => None,
    };
    for s in node.services() {
        let snax = if s.snax { " snax" } else { "" };
        outln!(
            "service {0}: @{0} .{0} {1} (0x{1:08x}){snax}",
            s.name,
            s.address
        )?;
    }
    for (name, addr) in node.cluster().nodes() {
        outln!("node {name} = {addr}")?;
    }
    if let Some(w) = &_watch {
        tokio::spawn(print_reloads(node.clone(), w.subscribe()));
    }
    let metrics = match &args.metrics {
        Some(at) => {
            let endpoint = node
                .listen_metrics(at.as_str())
                .await
                .map_err(|e| format!("cannot serve the metrics on {at}: {e}"))?;
            outln!("metrics at http://{}/metrics", endpoint.local_addr())?;
            Some(endpoint)
        }
        None => None,
    };
    super::wait_for_signal().await?;
    outln!("shutting down")?;
    // Stop accepting, finish the requests running, write their responses, confirm pushes.
    node.graceful_shutdown(Duration::from_secs(args.shutdown_timeout))
        .await;
    listener.shutdown().await;
    if let Some(m) = metrics {
        m.shutdown().await;
    }
    Ok(ExitCode::SUCCESS)
}

/// `--cluster FILE`: after each reload of the file, `reloaded` and the table (as at start).
async fn print_reloads(
    node: Node,
    mut status: tokio::sync::watch::Receiver<skywire_node::WatchStatus>,
) {
    let mut reloads = status.borrow_and_update().reloads;
    while status.changed().await.is_ok() {
        let now = status.borrow_and_update().reloads;
        if now == reloads {
            continue;
        }
        reloads = now;
        // One write: the lines of one reload stay together.
        let mut text = String::from("reloaded");
        for (name, addr) in node.cluster().nodes() {
            text.push_str(&format!("\nnode {name} = {addr}"));
        }
        if outln!("{text}").is_err() {
            return;
        }
    }
}

/// `--snax-stubs DIR`: DIR/NAME.lua for every snax service of `node`.
fn write_snax_stubs(node: &Node, dir: &std::path::Path) -> Result<(), String> {
    for s in node.services().into_iter().filter(|s| s.snax) {
        let Some(stub) = node.snax_interface(&s.name).map(|i| i.to_lua_stub(&s.name)) else {
            continue;
        };
        let path = dir.join(format!("{}.lua", s.name));
        std::fs::write(&path, stub).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// `--conform --fault NAME`: the faulty contract node until interrupted.
async fn serve_faulty(listen: &str, name: &str) -> CmdResult {
    use skywire_conform::faulty::{serve, Fault};
    let fault = Fault::from_name(name).ok_or_else(|| {
        let names: Vec<_> = Fault::ALL.iter().map(|f| f.name()).collect();
        format!("unknown fault {name:?}; one of: {}", names.join(", "))
    })?;
    let listener = super::listen(listen).await?;
    outln!(
        "listening on {} (faulty: {})",
        listener.local_addr()?,
        fault.name()
    )?;
    tokio::select! {
        _ = serve(listener, Some(fault)) => outln!("stopped by its fault")?,
        r = super::wait_for_signal() => r?,
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(args: Vec<Value>) -> ServiceRequest {
        ServiceRequest {
            target: skywire_codec::Target::Address(1),
            address: 1,
            session: skywire_codec::Session::new(1),
            push: false,
            trace: None,
            args,
            payload: Bytes::new(),
            peer: ([127, 0, 0, 1], 1).into(),
        }
    }

    #[test]
    fn echo_echoes_and_fails_on_request() {
        let args = vec![Value::from(1), Value::from("x")];
        assert_eq!(echo(req(args.clone())).unwrap(), args);
        let e = echo(req(vec!["error".into(), "boom".into()])).unwrap_err();
        assert_eq!(e.text().as_ref(), b"boom");
    }

    #[test]
    fn kv_sets_and_gets() {
        let kv = Kv::default();
        let call = |a: Vec<Value>| kv.call(req(a));
        assert_eq!(call(vec!["GET".into(), "k".into()]).unwrap(), [Value::Nil]);
        assert_eq!(
            call(vec!["SET".into(), "k".into(), 1.into()]).unwrap(),
            [Value::Nil]
        );
        assert_eq!(
            call(vec!["SET".into(), "k".into(), 2.into()]).unwrap(),
            [Value::from(1)]
        );
        assert_eq!(
            call(vec!["GET".into(), "k".into()]).unwrap(),
            [Value::from(2)]
        );
        // 1 and 1.0 are one key, "1" another.
        call(vec!["SET".into(), 1.into(), "int".into()]).unwrap();
        assert_eq!(
            call(vec!["GET".into(), Value::Real(1.0)]).unwrap(),
            [Value::from("int")]
        );
        assert_eq!(call(vec!["GET".into(), "1".into()]).unwrap(), [Value::Nil]);
        assert!(call(vec!["DEL".into(), "k".into()]).is_err());
        assert!(call(vec!["GET".into()]).is_err());
        assert!(call(vec![]).is_err());
    }
}
