//! `skywire node` as a child process on a free port, and `skywire call`, `send` and `query`
//! against it.

mod common;

use std::net::TcpListener;
use std::process::{Command, Stdio};

use common::child::{skywire, stdout_ok as stdout_of, wait_for_log, Running, SKYWIRE};
use serde_json::{json, Value as Json};
use skywire_seri::Value;

/// A running `skywire node` and the services it listed after its address.
struct NodeProcess {
    run: Running,
    addr: String,
    services: Vec<(String, u32)>,
}

fn start_node(extra: &[&str]) -> NodeProcess {
    let mut args = vec!["node", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut run = Running::start(&args);
    let mut services = Vec::new();
    // echo, kv, and the snax service counter.
    for _ in 0..3 {
        let line = run.next_line().unwrap();
        // "service echo: @echo .echo 1 (0x00000001)", "... (0x00000003) snax"
        let rest = line.trim().strip_prefix("service ").unwrap();
        let (name, rest) = rest.split_once(": ").unwrap();
        let fields: Vec<&str> = rest.split(' ').collect();
        assert_eq!(fields[0], format!("@{name}"));
        assert_eq!(fields[1], format!(".{name}"));
        let address: u32 = fields[2].parse().unwrap();
        assert_eq!(fields[3], format!("(0x{address:08x})"));
        services.push((name.to_owned(), address));
    }
    let addr = run.addr.clone();
    NodeProcess {
        run,
        addr,
        services,
    }
}

/// Starts `skywire node ARGS` with standard error going to `log`.
fn start_node_logging(extra: &[&str], log: &std::path::Path) -> Running {
    let mut args = vec!["node", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    Running::start_logging(&args, log)
}

fn temp_path(name: &str) -> std::path::PathBuf {
    common::child::temp_path("node-cli", name)
}

#[test]
fn call_send_and_query_a_running_node() {
    let node = start_node(&[]);
    let a = node.addr.as_str();
    assert_eq!(
        node.services
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["echo", "kv", "counter"]
    );
    let echo = node.services[0].1;

    // Literals and bare words in, Lua literals out.
    let out = skywire(&[
        "call",
        a,
        "@echo",
        "42",
        "-1.5",
        "true",
        "nil",
        "\"quoted\\n\"",
        "{1, 2, k = \"v\"}",
        "word",
        "0x10",
    ]);
    assert_eq!(
        stdout_of(&out),
        "42, -1.5, true, nil, \"quoted\\n\", {1, 2, k = \"v\"}, \"word\", 16\n"
    );
    // Every form of target.
    for target in [".echo".to_string(), echo.to_string(), format!("0x{echo:x}")] {
        let out = skywire(&["call", a, &target, "x"]);
        assert_eq!(stdout_of(&out), "\"x\"\n", "{target}");
    }
    // No results: an empty line.
    assert_eq!(stdout_of(&skywire(&["call", a, "@echo"])), "\n");

    // The JSON value form.
    let out = skywire(&[
        "call",
        "--json",
        a,
        "@echo",
        "1",
        "2.5",
        "{1, k = true}",
        "'\\xff'",
    ]);
    let got: Json = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(
        got,
        json!([1, {"real": 2.5}, {"array": [1], "hash": [["k", true]]}, {"bytes": "ff"}])
    );

    // The demo echo fails on request: non-zero exit, the text on stderr.
    let out = skywire(&["call", a, "@echo", "error", "it broke"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error response: it broke"));

    // kv, with a push in between.
    assert_eq!(
        stdout_of(&skywire(&["call", a, "@kv", "SET", "k", "1"])),
        "nil\n"
    );
    assert_eq!(
        stdout_of(&skywire(&["call", a, "@kv", "SET", "k", "{2}"])),
        "1\n"
    );
    assert_eq!(
        stdout_of(&skywire(&["send", a, "@kv", "SET", "pushed", "yes"])),
        ""
    );
    assert_eq!(
        stdout_of(&skywire(&["call", a, ".kv", "GET", "pushed"])),
        "\"yes\"\n"
    );
    assert_eq!(
        stdout_of(&skywire(&["call", a, "@kv", "GET", "k"])),
        "{2}\n"
    );

    // Queries.
    for (name, address) in &node.services {
        assert_eq!(
            stdout_of(&skywire(&["query", a, name])),
            format!("{address}\n")
        );
        assert_eq!(
            stdout_of(&skywire(&["query", "--json", a, name])),
            format!("{address}\n")
        );
    }
    let out = skywire(&["query", a, "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("name not found"));

    // Unknown targets.
    let out = skywire(&["call", a, "@nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Invalid name"));
    let out = skywire(&["call", a, "0x77"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("call to invalid address"));
}

/// The runtime settings the benchmarks document: everything on one thread, and a given
/// number of workers. A 100,000-byte call (four parts each way) comes back whole.
#[test]
fn a_node_serves_on_one_thread_and_on_several() {
    let big = "p".repeat(100_000);
    let quoted = format!("\"{big}\"");
    // `--threads N`: the main thread, plus N workers when there is more than one.
    for (threads, os_threads) in [("1", 1), ("3", 4)] {
        let node = start_node(&["--threads", threads]);
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", node.run.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("Threads:")).unwrap();
        assert_eq!(
            line.split_whitespace().nth(1),
            Some(os_threads.to_string().as_str()),
            "--threads {threads}"
        );
        let out = skywire(&["call", &node.addr, "@echo", "ping", &quoted]);
        assert_eq!(
            stdout_of(&out),
            format!("\"ping\", {quoted}\n"),
            "--threads {threads}"
        );
    }
}

#[test]
fn bad_command_lines_fail_with_one_line() {
    for args in [
        vec!["call", "127.0.0.1:1", "echo"],
        vec!["call", "127.0.0.1:1", "@echo", "{1,"],
        vec!["call", "127.0.0.1:1", "@echo", "--timeout", "-1"],
    ] {
        let out = skywire(&args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("skywire call: "), "{args:?}: {err}");
    }
    // Nobody listening: a connect error, not a hang.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = skywire(&["call", &free.to_string(), "@echo"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect"));
}

#[test]
fn timeout_bounds_the_wait() {
    // A peer that accepts and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let out = skywire(&["call", "--timeout", "0.2", &addr, "@echo", "1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no response within 200ms"), "{err}");
    drop(silent);
}

#[cfg(unix)]
#[test]
fn interrupt_shuts_down_cleanly_and_the_trace_has_every_message() {
    let trace = temp_path("trace.jsonl");
    let mut node = start_node(&["--trace", trace.to_str().unwrap()]);
    let a = node.addr.clone();
    stdout_of(&skywire(&["call", &a, "@echo", "ping", "7"]));
    stdout_of(&skywire(&["send", &a, "@kv", "SET", "k", "v"]));
    let _ = skywire(&["call", &a, "@echo", "error", "bad"]);
    stdout_of(&skywire(&["query", &a, "kv"]));
    node.run.interrupt();
    let status = node.run.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(node.run.rest(), "shutting down\n");

    let lines: Vec<Json> = std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Each command opened its own connection: every session is 1 (the push: 0).
    let ping = skywire_seri::pack(&[Value::from("ping"), Value::from(7)]).unwrap();
    let set = skywire_seri::pack(&["SET".into(), "k".into(), "v".into()]).unwrap();
    let bad = skywire_seri::pack(&["error".into(), "bad".into()]).unwrap();
    let kv = skywire_seri::pack(&["kv".into()]).unwrap();
    let two = skywire_seri::pack(&[Value::from(2)]).unwrap();
    let crc = |b: &[u8]| crc32fast::hash(b);
    let expected = vec![
        json!({"dir":"request","kind":"call","session":1,"target":"@echo","size":ping.len(),"crc32":crc(&ping),"args":["ping",7]}),
        json!({"dir":"response","session":1,"ok":true,"size":ping.len(),"crc32":crc(&ping),"values":["ping",7]}),
        json!({"dir":"request","kind":"push","session":0,"target":"@kv","size":set.len(),"crc32":crc(&set),"args":["SET","k","v"]}),
        // `skywire send` confirms its push before it closes: a name query for "kv".
        json!({"dir":"request","kind":"query","session":1,"target":0,"size":kv.len(),"crc32":crc(&kv),"args":["kv"]}),
        json!({"dir":"response","session":1,"ok":true,"size":two.len(),"crc32":crc(&two),"values":[2]}),
        json!({"dir":"request","kind":"call","session":1,"target":"@echo","size":bad.len(),"crc32":crc(&bad),"args":["error","bad"]}),
        json!({"dir":"response","session":1,"ok":false,"size":3,"crc32":crc(b"bad"),"error":"bad"}),
        json!({"dir":"request","kind":"query","session":1,"target":0,"size":kv.len(),"crc32":crc(&kv),"args":["kv"]}),
        json!({"dir":"response","session":1,"ok":true,"size":two.len(),"crc32":crc(&two),"values":[2]}),
    ];
    // Each command is its own connection, served by its own task: compare as sets.
    let sorted = |v: &[Json]| {
        let mut s: Vec<String> = v.iter().map(Json::to_string).collect();
        s.sort();
        s
    };
    assert_eq!(sorted(&lines), sorted(&expected));
    std::fs::remove_file(&trace).unwrap();
}

#[test]
fn a_clustername_file_is_loaded_and_listed() {
    let file = temp_path("clustername");
    std::fs::write(&file, "db = \"127.0.0.1:2528\"\ngame = false -- down\n").unwrap();
    let mut node = start_node(&["--cluster", file.to_str().unwrap()]);
    let mut lines = Vec::new();
    for _ in 0..2 {
        lines.push(node.run.next_line().unwrap());
    }
    assert_eq!(lines, ["node db = 127.0.0.1:2528", "node game = false"]);
    drop(node);

    std::fs::write(&file, "db = \"127.0.0.1\"\n").unwrap();
    let out = skywire(&[
        "node",
        "--listen",
        "127.0.0.1:0",
        "--cluster",
        file.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:1:6:", file.display())), "{err}");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    // `skywire call ... | head -c 1`: the pipe closes before the reply is printed.
    let node = start_node(&[]);
    let mut child = Command::new(SKYWIRE)
        .args(["call", &node.addr, "@echo", "x"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before anything is written
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {stderr}",
        out.status
    );
}

#[test]
fn logs_to_a_file_have_no_colour_and_json_logs_are_json() {
    use std::io::Write;
    let log = temp_path("text.log");
    let node = start_node_logging(&[], &log);
    std::net::TcpStream::connect(&node.addr)
        .unwrap()
        .write_all(&[0, 1, 0x05])
        .unwrap();
    let text = wait_for_log(&log, "undecodable");
    assert!(
        !text.contains('\x1b'),
        "colour codes in a log file: {text:?}"
    );
    drop(node);

    let log = temp_path("json.log");
    let node = start_node_logging(&["--log-format", "json"], &log);
    std::net::TcpStream::connect(&node.addr)
        .unwrap()
        .write_all(&[0, 1, 0x05])
        .unwrap();
    let text = wait_for_log(&log, "undecodable");
    for line in text.lines() {
        let j: Json = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        assert_eq!(j["level"], "WARN", "{line}");
    }
    drop(node);
}

#[test]
fn a_peer_outside_the_allowlist_is_refused_and_logged() {
    let log = temp_path("allow.log");
    let node = start_node_logging(&["--allow", "10.0.0.0/8"], &log);
    let out = skywire(&["call", &node.addr, "@echo", "x", "--timeout", "5"]);
    assert!(!out.status.success());
    let text = wait_for_log(&log, "refusing connection");
    assert!(text.contains("not in the allowlist"), "{text}");
    drop(node);
    // Loopback allowed: served.
    let log = temp_path("allow2.log");
    let node = start_node_logging(&["--allow", "127.0.0.1/32"], &log);
    let out = skywire(&["call", &node.addr, "@echo", "x"]);
    assert_eq!(stdout_of(&out), "\"x\"\n");
    drop(node);
}

/// `GET /metrics` over a fresh connection, with std only: the status line and the body.
fn scrape(addr: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

/// The value of the sample line `name{labels}` in an exposition text.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn node_metrics_are_scraped_over_http() {
    let mut node = start_node(&["--metrics", "127.0.0.1:0"]);
    let line = node
        .run
        .wait_for("metrics at", |l| l.starts_with("metrics at http://"));
    let at = line
        .strip_prefix("metrics at http://")
        .and_then(|r| r.strip_suffix("/metrics"))
        .unwrap()
        .to_owned();
    for i in 0..3 {
        let out = skywire(&["call", &node.addr, "@echo", &i.to_string()]);
        assert_eq!(stdout_of(&out), format!("{i}\n"));
    }
    let out = skywire(&["call", &node.addr, "@nope"]);
    assert!(!out.status.success());
    // Each `skywire call` has closed its connection once it printed; the node counts a
    // request when the read that brought it is done, so the counts are there by now.
    let (status, text) = scrape(&at);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        sample(&text, "skywire_requests_served_total{service=\"echo\"}"),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "skywire_errors_total{side=\"serving\",kind=\"invalid_name\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "skywire_connections_opened_total{side=\"serving\"}"),
        Some(4.0),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    drop(node);
}

#[test]
fn a_clustername_file_is_followed_while_the_node_runs() {
    let file = temp_path("followed");
    std::fs::write(&file, "db = \"127.0.0.1:2528\"\n").unwrap();
    let log = temp_path("followed.log");
    let mut node = start_node_logging(&["--cluster", file.to_str().unwrap()], &log);
    node.wait_for("the table", |l| l == "node db = 127.0.0.1:2528");
    // A syntax error: logged with line and column, the table kept.
    std::fs::write(&file, "db = \"127.0.0.1:2528\"\ngame = = 1\n").unwrap();
    let text = wait_for_log(&log, "the node table stays as it was");
    assert!(text.contains(&format!("{}:2:8:", file.display())), "{text}");
    // Fixed: applied, and the new table printed.
    std::fs::write(&file, "db = \"127.0.0.1:2529\"\ngame = false\n").unwrap();
    node.wait_for("reloaded", |l| l == "reloaded");
    let lines = [node.next_line().unwrap(), node.next_line().unwrap()];
    assert_eq!(lines, ["node db = 127.0.0.1:2529", "node game = false"]);
    std::fs::remove_file(&file).unwrap();
}
