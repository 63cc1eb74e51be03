//! `skywire proxy` as a child process between `skywire call` (or a raw client) and
//! `skywire node`, everything on 127.0.0.1 with port 0: what it forwards, what it prints,
//! the capture it writes, and each fault.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use common::child::{stderr_of, stdout_ok, Running as Proc, SKYWIRE};
use serde_json::{json, Value as Json};
use skywire_codec::{Request, ResponseDecoder, Session, Target};
use skywire_seri::Value;

fn node() -> Proc {
    Proc::start(&["node", "--listen", "127.0.0.1:0"])
}

fn proxy(upstream: &Proc, extra: &[&str]) -> Proc {
    let mut args = vec![
        "proxy",
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        &upstream.addr,
    ];
    args.extend_from_slice(extra);
    Proc::start(&args)
}

/// Runs `skywire call --timeout T ADDR @echo ARGS...`, killed (and the test failed) if it
/// is still running 20 s later; with how long it took.
fn call(addr: &str, timeout: &str, args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let child = Command::new(SKYWIRE)
        .args(["call", "--timeout", timeout, addr, "@echo"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Read its output while it runs (a large answer does not fit in a pipe).
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(out) => (out.unwrap(), start.elapsed()),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("skywire call hangs");
        }
    }
}

fn temp_path(name: &str) -> std::path::PathBuf {
    common::child::temp_path("proxy-cli", name)
}

/// The frames of a call to `@echo` with one string argument.
fn echo_call(session: u32, arg: &str) -> Vec<u8> {
    let payload = skywire_seri::pack(&[Value::from(arg)]).unwrap();
    let req = Request::call(
        Target::name("@echo").unwrap(),
        Session::new(session),
        payload,
    );
    let mut out = BytesMut::new();
    req.write_frames(&mut out).unwrap();
    out.to_vec()
}

/// Reads one whole response (or the error that stopped it) within `within`.
fn read_response(
    conn: &mut TcpStream,
    within: Duration,
) -> std::io::Result<skywire_codec::Response> {
    conn.set_read_timeout(Some(within))?;
    let mut dec = ResponseDecoder::default();
    let mut buf = [0u8; 16384];
    loop {
        if let Some(r) = dec.next_message().map_err(std::io::Error::other)? {
            return Ok(r);
        }
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        dec.feed(&buf[..n]);
    }
}

#[test]
fn a_call_goes_through_and_both_messages_are_printed() {
    let node = node();
    let mut px = proxy(&node, &[]);
    let (out, _) = call(&px.addr, "10", &["hello", "42", "{1, k = \"v\"}"]);
    assert_eq!(stdout_ok(&out), "\"hello\", 42, {1, k = \"v\"}\n");

    let req = px.wait_for("with the request", |l| l.contains("request call"));
    let resp = px.wait_for("with the response", |l| l.contains("response session="));
    px.wait_for("closing the connection", |l| {
        l.contains("[conn 0] closed: finished")
    });
    // "HH:MM:SS.ffffff [conn 0] ..." then the line of skywire decode.
    let (ts, rest) = req.split_once(' ').unwrap();
    assert_eq!(ts.len(), 15, "{req}");
    assert_eq!(
        rest,
        "[conn 0] request call @echo session=1 size=16 at=0: \"hello\", 42, {1, k = \"v\"}"
    );
    let (_, rest) = resp.split_once(' ').unwrap();
    let (line, rtt) = rest.rsplit_once(" rtt=").unwrap();
    assert_eq!(
        line,
        "[conn 0] response session=1 ok size=16 at=0: \"hello\", 42, {1, k = \"v\"}"
    );
    let ms: f64 = rtt.strip_suffix("ms").unwrap().parse().unwrap();
    assert!(ms >= 0.0);
}

fn json_lines(px: &mut Proc, count: usize) -> Vec<Json> {
    let mut out = Vec::new();
    while out.len() < count {
        let l = px.wait_for("of JSON", |_| true);
        px.seen.clear();
        out.push(serde_json::from_str::<Json>(&l).unwrap());
    }
    out
}

#[test]
fn json_lines_are_decode_records_with_ts_and_rtt() {
    let node = node();
    let mut px = proxy(&node, &["--json"]);
    let (out, _) = call(&px.addr, "10", &["ping", "7"]);
    assert_eq!(stdout_ok(&out), "\"ping\", 7\n");
    let mut lines = json_lines(&mut px, 2);
    for l in &lines {
        let ts = l["ts"].as_str().unwrap();
        assert!(ts.ends_with('Z') && ts.len() == 27, "{ts}");
    }
    let rtt = lines[1]["rtt_us"].as_u64().expect("rtt_us on the response");
    assert!(rtt < 10_000_000);
    assert!(lines[0].get("rtt_us").is_none());
    for l in &mut lines {
        let o = l.as_object_mut().unwrap();
        o.remove("ts");
        o.remove("rtt_us");
        o.remove("crc32");
    }
    assert_eq!(
        lines[0],
        json!({"conn":0,"dir":"request","kind":"call","session":1,"target":"@echo","size":7,"args":["ping",7]})
    );
    assert_eq!(
        lines[1],
        json!({"conn":0,"dir":"response","session":1,"ok":true,"size":7,"values":["ping",7]})
    );
}

#[test]
fn write_makes_a_capture_decode_reads_back_to_the_same_messages() {
    let node = node();
    let file = temp_path("proxy.pcapng");
    let mut px = proxy(&node, &["--json", "--write", file.to_str().unwrap()]);
    let big = "x".repeat(100_000); // multi-part both ways, many chunks
    let (out, _) = call(&px.addr, "10", &["small", "1"]);
    stdout_ok(&out);
    let (out, _) = call(&px.addr, "10", &[&big]);
    assert_eq!(stdout_ok(&out).len(), big.len() + 3);
    let mut printed = json_lines(&mut px, 4);
    drop(px);
    for l in &mut printed {
        let o = l.as_object_mut().unwrap();
        o.remove("ts");
        o.remove("rtt_us");
    }
    let out = Command::new(SKYWIRE)
        .args(["decode", "--json", file.to_str().unwrap()])
        .output()
        .unwrap();
    let decoded: Vec<Json> = stdout_ok(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(decoded, printed);
    // tshark, when it is installed, reads it as TCP between the caller and the proxy.
    if let Ok(out) = Command::new("tshark")
        .args([
            "-r",
            file.to_str().unwrap(),
            "-T",
            "fields",
            "-e",
            "tcp.len",
        ])
        .output()
    {
        let text = stdout_ok(&out);
        let bytes: u64 = text
            .lines()
            .filter_map(|l| l.trim().parse::<u64>().ok())
            .sum();
        let payload: u64 = printed.iter().map(|m| m["size"].as_u64().unwrap()).sum();
        assert!(bytes > payload, "tshark sees {bytes} TCP bytes: {text}");
    }
}

/// A call through `px` (which cuts the connection in direction `dir`) fails at once with
/// "connection lost", not by its timeout, and the proxy says it cut.
fn assert_call_is_cut(px: &mut Proc, dir: &str) {
    let (out, took) = call(&px.addr, "15", &["hello"]);
    assert!(!out.status.success(), "{dir}: the call succeeded");
    assert!(
        took < Duration::from_secs(15),
        "{dir}: only the timeout ended it"
    );
    assert!(
        stderr_of(&out).contains("connection lost"),
        "{dir}: {}",
        stderr_of(&out)
    );
    px.wait_for("closing by cut", |l| l.contains("[conn 0] closed: cut"));
}

#[test]
fn cut_after_bytes_fails_the_call_without_hanging() {
    let node = node();
    for dir in ["requests", "responses", "both"] {
        // The call's request is 24 bytes, the response 18: cut inside each.
        let cut = if dir == "responses" { "5" } else { "10" };
        let mut px = proxy(&node, &["--cut-after", cut, "--direction", dir]);
        assert_call_is_cut(&mut px, dir);
    }
}

#[test]
fn cut_mid_frame_fails_the_call_without_hanging() {
    let node = node();
    for dir in ["requests", "responses"] {
        let mut px = proxy(&node, &["--cut-mid-frame", "1", "--direction", dir]);
        assert_call_is_cut(&mut px, dir);
        // The first frame's first byte went through, no more: nothing decoded there.
        let cut = if dir == "requests" {
            "request call"
        } else {
            "response session"
        };
        assert!(!px.seen.iter().any(|l| l.contains(cut)), "{:#?}", px.seen);
    }
}

#[test]
fn delay_makes_a_call_take_at_least_that_long() {
    let node = node();
    let px = proxy(&node, &["--delay", "200", "--direction", "responses"]);
    let (out, took) = call(&px.addr, "10", &["slow"]);
    assert_eq!(stdout_ok(&out), "\"slow\"\n");
    assert!(took >= Duration::from_millis(200), "took {took:?}");
}

/// A raw connection to `px` on which one call to `@echo` (session 1, "first") was answered.
fn first_call_answered(px: &Proc) -> TcpStream {
    let mut conn = TcpStream::connect(&px.addr).unwrap();
    conn.write_all(&echo_call(1, "first")).unwrap();
    let r = read_response(&mut conn, Duration::from_secs(10)).unwrap();
    assert_eq!(
        skywire_seri::unpack(&r.payload).unwrap(),
        [Value::from("first")]
    );
    conn
}

#[test]
fn reset_every_one_resets_after_the_first_response() {
    let node = node();
    let mut px = proxy(&node, &["--reset-every", "1"]);
    let mut conn = first_call_answered(&px);
    // The proxy reset the connection right after the response...
    let err = read_response(&mut conn, Duration::from_secs(10)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
    // ...so a second call on it fails.
    let second = conn
        .write_all(&echo_call(2, "second"))
        .and_then(|()| read_response(&mut conn, Duration::from_secs(10)).map(drop));
    assert!(second.is_err());
    px.wait_for("closing by reset", |l| l.contains("[conn 0] closed: reset"));
    // A new connection works again (and is reset again).
    let (out, _) = call(&px.addr, "10", &["again"]);
    assert_eq!(stdout_ok(&out), "\"again\"\n");
}

#[test]
fn stall_reads_makes_a_large_call_time_out() {
    let node = node();
    let px = proxy(&node, &["--stall-reads"]);
    let mut conn = first_call_answered(&px);
    // After the first response the proxy reads no more from the node.
    conn.write_all(&echo_call(2, &"y".repeat(200_000))).unwrap();
    let err = read_response(&mut conn, Duration::from_millis(1500))
        .map(|r| r.session)
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    drop(conn);

    // --stall-after: a single large call through `skywire call` times out.
    let px = proxy(&node, &["--stall-after", "4096"]);
    let (out, took) = call(&px.addr, "1.5", &[&"z".repeat(100_000)]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("no response within"),
        "{}",
        stderr_of(&out)
    );
    assert!(took >= Duration::from_millis(1500));
    // A small one still goes through.
    let (out, _) = call(&px.addr, "10", &["small"]);
    assert_eq!(stdout_ok(&out), "\"small\"\n");
}

#[test]
fn garbage_is_reported_once_and_still_forwarded() {
    // The upstream is a plain echo of bytes: whatever goes through comes back unchanged.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if s.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
            }
        }
    });
    let mut px = Proc::start(&["proxy", "--listen", "127.0.0.1:0", "--upstream", &upstream]);
    let mut conn = TcpStream::connect(&px.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let garbage: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    for chunk in garbage.chunks(700) {
        conn.write_all(chunk).unwrap();
        let mut back = vec![0u8; chunk.len()];
        conn.read_exact(&mut back).unwrap();
        assert_eq!(back, chunk);
    }
    drop(conn);
    px.wait_for("closing", |l| l.contains("closed"));
    let reports = |side: &str| {
        px.seen
            .iter()
            .filter(|l| l.contains(&format!("{side}: stopped decoding")))
            .count()
    };
    assert_eq!(reports("requests"), 1, "{:#?}", px.seen);
    assert_eq!(reports("responses"), 1, "{:#?}", px.seen);
}
