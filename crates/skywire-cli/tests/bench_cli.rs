//! `skywire bench` against small echo servers written here with the codec: it sends what a
//! skynet caller sends, verifies every reply, and reports it in one JSON line. Nothing here
//! asserts on speed.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use bytes::{Buf, Bytes};
use serde_json::Value as Json;
use skywire_codec::{Request, RequestDecoder, Response, Target};
use skywire_seri::{pack, unpack, Value};

/// How the test server answers a call.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Returns the call's arguments (what skynet's echo service does).
    Echo,
    /// Returns the arguments with `i` changed.
    WrongNumber,
    /// Answers every call with an error.
    Fails,
}

/// What the server saw: calls per connection, and anything a skynet caller would not send.
#[derive(Default)]
struct Seen {
    calls: Vec<usize>,
    /// For each connection that ended: the calls served on all connections by then.
    closed_after: Vec<usize>,
    problems: Vec<String>,
}

struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    accept: Option<JoinHandle<Vec<JoinHandle<()>>>>,
}

impl Server {
    fn start(behaviour: Behaviour, expected_size: usize) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (stop2, seen2) = (Arc::clone(&stop), Arc::clone(&seen));
        let accept = std::thread::spawn(move || {
            let mut conns = Vec::new();
            for (index, stream) in listener.incoming().enumerate() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let stream = stream.unwrap();
                seen2.lock().unwrap().calls.push(0);
                let seen = Arc::clone(&seen2);
                conns.push(std::thread::spawn(move || {
                    serve(stream, index, behaviour, expected_size, &seen)
                }));
            }
            conns
        });
        Server {
            addr,
            stop,
            seen,
            accept: Some(accept),
        }
    }

    /// Stops accepting, waits for every connection to end, and returns what was seen.
    fn finish(mut self) -> Seen {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
        for c in self.accept.take().unwrap().join().unwrap() {
            c.join().unwrap();
        }
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

fn serve(
    mut stream: TcpStream,
    index: usize,
    behaviour: Behaviour,
    expected_size: usize,
    seen: &Mutex<Seen>,
) {
    let mut decoder = RequestDecoder::default();
    let mut buf = vec![0u8; 64 * 1024];
    let mut next_session = 1u32;
    let mut next_i = 1i64;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => {
                let mut seen = seen.lock().unwrap();
                let served = seen.calls.iter().sum();
                seen.closed_after.push(served);
                return;
            }
            Ok(n) => n,
        };
        decoder.feed(&buf[..n]);
        while let Some(req) = decoder.next_message().unwrap() {
            let reply = answer(&req, behaviour, expected_size, next_session, next_i, seen);
            next_session += 1;
            next_i += 1;
            seen.lock().unwrap().calls[index] += 1;
            for mut f in reply.frames().unwrap() {
                while f.has_remaining() {
                    let n = stream.write(f.chunk()).unwrap();
                    f.advance(n);
                }
            }
        }
    }
}

/// Checks the request against what skynet's `cluster.call(node, "@echo", "ping", i, s)`
/// sends (sessions from 1, one per call; `i` counting from 1 on each connection), and
/// makes the reply.
fn answer(
    req: &Request,
    behaviour: Behaviour,
    size: usize,
    session: u32,
    i: i64,
    seen: &Mutex<Seen>,
) -> Response {
    let mut problems = Vec::new();
    if req.target != Target::name("@echo").unwrap() || req.push {
        problems.push(format!("not a call to @echo: {req:?}"));
    }
    if req.session.get() != session {
        problems.push(format!("session {} where {session} was due", req.session));
    }
    let args = unpack(&req.payload).unwrap();
    match args.as_slice() {
        [Value::String(p), Value::Integer(n), Value::String(s)]
            if &p[..] == b"ping" && *n == i && s.len() == size => {}
        other => problems.push(format!("call {i}: arguments {other:?}")),
    }
    seen.lock().unwrap().problems.extend(problems);
    match behaviour {
        Behaviour::Echo => Response::ok(req.session, req.payload.clone()),
        Behaviour::WrongNumber => {
            let mut args = args;
            args[1] = Value::Integer(i + 1);
            Response::ok(req.session, pack(&args).unwrap())
        }
        Behaviour::Fails => Response::error(req.session, Bytes::from_static(b"Invalid name")),
    }
}

/// Runs `skywire bench` with `args`; returns its exit status and parsed JSON line.
fn bench(addr: SocketAddr, args: &[&str]) -> (bool, Json) {
    let out = Command::new(env!("CARGO_BIN_EXE_skywire"))
        .arg("bench")
        .arg(addr.to_string())
        .args(args)
        .arg("--json")
        .arg("--timeout")
        .arg("20")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one JSON line expected, got {stdout:?}, stderr {:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.success(),
        serde_json::from_str(lines[0]).unwrap(),
    )
}

/// `skywire bench` with `args` against an echoing server whose `size`-byte echoes it
/// checks: the run must succeed and the server see no problem. The run's JSON and what the
/// server saw.
fn clean_echo_run(size: usize, args: &[&str]) -> (Json, Seen) {
    let server = Server::start(Behaviour::Echo, size);
    let (ok, j) = bench(server.addr, args);
    let seen = server.finish();
    assert!(seen.problems.is_empty(), "{:?}", seen.problems);
    assert!(ok, "{j}");
    (j, seen)
}

fn field(j: &Json, path: &[&str]) -> Json {
    let mut v = j;
    for p in path {
        v = v
            .get(p)
            .unwrap_or_else(|| panic!("no field {path:?} in {j}"));
    }
    v.clone()
}

#[test]
fn counted_calls_over_two_connections_multi_part_both_ways() {
    // 40,000 bytes: over 0x8000, so calls and replies both go in parts.
    let args = [
        "--connections",
        "2",
        "--callers",
        "5",
        "--calls",
        "300",
        "--size",
        "40000",
    ];
    let (j, seen) = clean_echo_run(40_000, &args);
    assert_eq!(field(&j, &["calls"]), 300);
    assert_eq!(field(&j, &["verified"]), 300);
    assert_eq!(field(&j, &["errors"]), 0);
    assert_eq!(field(&j, &["first_error"]), Json::Null);
    assert_eq!(field(&j, &["connections"]), 2);
    assert_eq!(field(&j, &["callers"]), 5);
    assert_eq!(field(&j, &["size"]), 40_000);
    assert_eq!(field(&j, &["target"]), "@echo");
    // Two connections, each used; together they carried exactly the calls made.
    assert_eq!(seen.calls.iter().filter(|&&n| n > 0).count(), 2);
    assert_eq!(seen.calls.iter().sum::<usize>(), 300);
    // Every call's bytes went out and came back: at least the payloads both ways.
    assert!(field(&j, &["bytes_out"]).as_u64().unwrap() >= 300 * 40_000);
    assert!(field(&j, &["bytes_in"]).as_u64().unwrap() >= 300 * 40_000);
    let lat = |k| field(&j, &["latency_us", k]).as_f64().unwrap();
    assert!(lat("p50") > 0.0 && lat("p50") <= lat("p99") && lat("p99") <= lat("max"));
    assert!(field(&j, &["calls_per_s"]).as_f64().unwrap() > 0.0);
    assert!(field(&j, &["mb_per_s"]).as_f64().unwrap() > 0.0);
}

#[test]
fn connections_beyond_the_callers_are_held_idle() {
    let args = ["--connections", "3", "--callers", "1", "--calls", "50"];
    let (j, seen) = clean_echo_run(0, &args);
    assert_eq!(field(&j, &["verified"]), 50);
    assert_eq!(field(&j, &["connections"]), 3);
    // Three connections reached the server; one carried every call; none ended before
    // the last call was served.
    assert_eq!(seen.calls.len(), 3, "{:?}", seen.calls);
    assert_eq!(seen.calls.iter().filter(|&&n| n > 0).count(), 1);
    assert_eq!(seen.calls.iter().sum::<usize>(), 50);
    assert_eq!(seen.closed_after, [50, 50, 50]);
}

#[test]
fn timed_run_with_tiny_calls() {
    let (j, seen) = clean_echo_run(0, &["--callers", "8", "--duration", "0.3"]);
    let calls = field(&j, &["calls"]).as_u64().unwrap();
    assert!(calls > 0);
    assert_eq!(field(&j, &["verified"]).as_u64().unwrap(), calls);
    assert_eq!(field(&j, &["errors"]), 0);
    // Every call made was answered (none measured were lost); the server saw them all.
    assert_eq!(seen.calls.iter().sum::<usize>() as u64, calls);
}

#[test]
fn a_reply_that_is_not_the_echo_is_an_error() {
    let server = Server::start(Behaviour::WrongNumber, 10);
    let (ok, j) = bench(
        server.addr,
        &["--callers", "2", "--calls", "20", "--size", "10"],
    );
    server.finish();
    assert!(!ok, "a wrong echo must fail the run: {j}");
    assert_eq!(field(&j, &["errors"]), 20);
    assert_eq!(field(&j, &["verified"]), 0);
    let e = field(&j, &["first_error"]);
    assert!(e.as_str().unwrap().contains("not the echo"), "{e}");
}

#[test]
fn error_replies_are_errors() {
    let server = Server::start(Behaviour::Fails, 0);
    let (ok, j) = bench(server.addr, &["--calls", "5"]);
    server.finish();
    assert!(!ok);
    assert_eq!(field(&j, &["errors"]), 5);
    assert!(field(&j, &["first_error"])
        .as_str()
        .unwrap()
        .contains("Invalid name"));
}
