//! The `skywire` binary on the shared captures and on bad input.
//!
//! Expected values come from skynet: its logs (`calls.jsonl`, `pushes.jsonl`), its byte
//! streams walked frame by frame here, and the captures' README.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::Value as Json;
use skywire_seri::{from_json, values_from_json, Value};

fn skywire(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skywire"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run skywire")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// The arguments that name a capture folder's traffic.
fn traffic_args(dir: &Path) -> Vec<String> {
    let pcap = dir.join("capture.pcapng");
    if pcap.is_file() {
        vec![s(&pcap).to_owned()]
    } else {
        vec![
            "--requests".into(),
            s(&dir.join("requests.bin")).to_owned(),
            "--responses".into(),
            s(&dir.join("responses.bin")).to_owned(),
        ]
    }
}

fn json_lines(text: &str) -> Vec<Json> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn temp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("decode_cli");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["decode", "check"] {
        let o = skywire(&[sub, "--help"]);
        assert!(o.status.success(), "{sub}");
        let text = stdout(&o);
        for opt in ["--requests", "--responses", "--port"] {
            assert!(text.contains(opt), "{sub} --help lacks {opt}");
        }
    }
    assert!(stdout(&skywire(&["decode", "--help"])).contains("--json"));
    assert!(stdout(&skywire(&["check", "--help"])).contains("--log"));
}

/// `decode --json` agrees with skynet's logs, message by message: every request is one
/// log operation with the same target and the same arguments (hash pairs in wire order, as
/// the log keeps them), every call's response carries the logged result or is an error when
/// the log says it failed, every push is one line of the push log.
#[test]
fn decode_json_agrees_with_skynets_logs() {
    for dir in capture_dirs() {
        let o = skywire(
            &[
                &["decode", "--json"][..],
                &traffic_args(&dir)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ]
            .concat(),
        );
        assert!(o.status.success(), "{}: {}", dir.display(), stderr(&o));
        let records = json_lines(&stdout(&o));
        let log: Vec<Json> = json_lines(&std::fs::read_to_string(dir.join("calls.jsonl")).unwrap())
            .into_iter()
            .filter(|l| l["op"] != "end")
            .collect();
        let mut pushes: Vec<Option<Vec<Value>>> =
            json_lines(&std::fs::read_to_string(dir.join("pushes.jsonl")).unwrap())
                .iter()
                .map(|j| Some(values_from_json(j).unwrap()))
                .collect();
        let requests: Vec<&Json> = records.iter().filter(|r| r["dir"] == "request").collect();
        let responses: Vec<&Json> = records.iter().filter(|r| r["dir"] == "response").collect();
        assert_eq!(
            requests.len(),
            log.len(),
            "{}: one request per operation",
            dir.display()
        );
        let calls = log.iter().filter(|l| l["op"] != "send").count();
        assert_eq!(
            responses.len(),
            calls,
            "{}: one response per call and query",
            dir.display()
        );

        let mut used = vec![false; log.len()];
        for req in &requests {
            let kind = req["kind"].as_str().unwrap();
            let args = values_from_json(&req["args"]).unwrap();
            let session = &req["session"];
            let response = responses
                .iter()
                .find(|r| r["session"] == *session && r.get("conn") == req.get("conn"));
            let found = log.iter().enumerate().position(|(i, l)| {
                if used[i] {
                    return false;
                }
                let same_request = match (kind, l["op"].as_str().unwrap()) {
                    ("call", "call") | ("push", "send") => {
                        l["addr"] == req["target"]
                            && skywire_seri::values_exact_eq(
                                &values_from_json(&l["args"]).unwrap(),
                                &args,
                            )
                    }
                    ("query", "query") => {
                        req["target"] == 0
                            && args.len() == 1
                            && args[0].as_bytes() == Some(l["name"].as_str().unwrap().as_bytes())
                    }
                    _ => false,
                };
                let same_outcome = match (l["op"].as_str().unwrap(), l["ok"].as_bool(), response) {
                    ("send", _, _) => true,
                    (_, Some(false), Some(r)) => r["ok"] == false,
                    ("call", Some(true), Some(r)) => {
                        r["ok"] == true
                            && skywire_seri::values_content_eq(
                                &values_from_json(&r["values"]).unwrap(),
                                &values_from_json(&l["ret"]).unwrap(),
                            )
                    }
                    ("query", Some(true), Some(r)) => {
                        r["ok"] == true
                            && skywire_seri::values_content_eq(
                                &values_from_json(&r["values"]).unwrap(),
                                &[from_json(&l["ret"]).unwrap()],
                            )
                    }
                    _ => false,
                };
                same_request && same_outcome
            });
            let i = found.unwrap_or_else(|| panic!("{}: no log line for {req}", dir.display()));
            used[i] = true;
            if kind == "push" {
                let slot = pushes
                    .iter_mut()
                    .find(|p| {
                        p.as_ref()
                            .is_some_and(|p| skywire_seri::values_content_eq(p, &args))
                    })
                    .unwrap_or_else(|| {
                        panic!("{}: push not in the push log: {req}", dir.display())
                    });
                *slot = None;
            }
        }
        assert!(
            pushes.iter().all(Option::is_none),
            "{}: pushes never seen",
            dir.display()
        );
        // size and crc32 describe the payload, whose bytes are skynet.pack(logged args).
        for req in &requests {
            let args = values_from_json(&req["args"]).unwrap();
            let payload = skywire_seri::pack(&args).unwrap();
            assert_eq!(req["size"], payload.len());
            assert_eq!(req["crc32"], crc32fast::hash(&payload));
        }
    }
}

#[test]
fn decode_shows_lua_literals_and_the_connection() {
    // The first operation of the basic scenario: cluster.call(db, "@echo", "ping") -> "ping".
    let o = skywire(&["decode", s(&capture("pcap-basic").join("capture.pcapng"))]);
    assert!(o.status.success());
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("[conn 0] connection 127.0.0.1:"),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with(" -> 127.0.0.1:27538"), "{}", lines[0]); // README: server port
    assert_eq!(
        lines[1],
        r#"[conn 0] request call @echo session=1 size=5 at=0: "ping""#
    );
    assert_eq!(
        lines[2],
        r#"[conn 0] response session=1 ok size=5 at=0: "ping""#
    );
    // The brief's facts about error texts on the wire.
    assert!(text.contains(r#"error size=12 at="#) && text.contains(r#": "Invalid name""#));
    assert!(text.contains(r#": "name not found""#));
    assert!(text.contains(r#": "./lualib/skynet.lua:720: call failed""#));
}

#[test]
fn decode_frames_lists_every_frame_of_the_streams() {
    for name in ["basic", "concurrent", "random-1", "random-2"] {
        let dir = capture(name);
        let req = std::fs::read(dir.join("requests.bin")).unwrap();
        let resp = std::fs::read(dir.join("responses.bin")).unwrap();
        let o = skywire(
            &[
                &["decode", "--frames", "--json"][..],
                &traffic_args(&dir)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ]
            .concat(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let frames = json_lines(&stdout(&o));
        for (dir_name, stream) in [("request", &req), ("response", &resp)] {
            let mine: Vec<&Json> = frames.iter().filter(|f| f["dir"] == dir_name).collect();
            assert_eq!(mine.len(), frame_count(stream), "{name} {dir_name}");
            // Offsets and lengths tile the stream exactly.
            let mut at = 0u64;
            for f in &mine {
                assert_eq!(f["offset"], at);
                at += f["len"].as_u64().unwrap();
            }
            assert_eq!(at, stream.len() as u64);
        }
    }
}

#[test]
fn check_passes_on_every_capture_and_fails_on_a_wrong_log() {
    for dir in capture_dirs() {
        let mut args = vec![
            "check".to_owned(),
            "--log".into(),
            s(&dir.join("calls.jsonl")).into(),
            "--pushes".into(),
            s(&dir.join("pushes.jsonl")).into(),
        ];
        args.extend(traffic_args(&dir));
        let o = skywire(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let out = stdout(&o);
        assert!(o.status.success(), "{}: {out}{}", dir.display(), stderr(&o));
        assert!(
            out.lines().last().unwrap().starts_with("check passed:"),
            "{out}"
        );
        assert!(!out.lines().any(|l| l.starts_with("mismatch")), "{out}");
    }
    // The same traffic against a log whose first result was changed.
    let dir = capture("basic");
    let log = std::fs::read_to_string(dir.join("calls.jsonl")).unwrap();
    assert!(
        log.starts_with(r#"{"op":"call","addr":"@echo","args":["ping"],"ok":true,"ret":["ping"]}"#)
    );
    let wrong = temp(
        "wrong-calls.jsonl",
        log.replacen(r#""ret":["ping"]"#, r#""ret":["pong"]"#, 1)
            .as_bytes(),
    );
    let mut args = vec!["check".to_owned(), "--log".into(), s(&wrong).into()];
    args.extend(traffic_args(&dir));
    let o = skywire(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let mismatches: Vec<&str> = out.lines().filter(|l| l.starts_with("mismatch:")).collect();
    assert_eq!(mismatches.len(), 1, "{out}");
    assert!(
        mismatches[0].contains("requests.bin: at byte 0:") && mismatches[0].contains("log line 1"),
        "{out}"
    );
    assert!(out.lines().last().unwrap().starts_with("check FAILED:"));
}

#[test]
fn check_catches_frames_skynet_would_not_send() {
    // A call of 0x9000 payload bytes sent in three parts of 0x3000 (skynet sends 0x8000 +
    // 0x1000), then a trace tag no request follows. Payload: one long string (cookie 2:
    // u16 length) of 0x8ffd bytes = 3 + 0x8ffd = 0x9000 bytes of lua-seri.
    let mut payload = vec![0x2c, 0xfd, 0x8f];
    payload.resize(0x9000, b'x');
    let mut stream = Vec::new();
    let mut frame = |body: &[u8]| {
        stream.extend_from_slice(&(body.len() as u16).to_be_bytes());
        stream.extend_from_slice(body);
    };
    // 0x01 header: address 10, session 1, size 0x9000.
    frame(
        &[
            &[0x01][..],
            &10u32.to_le_bytes(),
            &1u32.to_le_bytes(),
            &0x9000u32.to_le_bytes(),
        ]
        .concat(),
    );
    for (i, part) in payload.chunks(0x3000).enumerate() {
        let ty = if i == 2 { 0x03 } else { 0x02 };
        frame(&[&[ty][..], &1u32.to_le_bytes(), part].concat());
    }
    frame(b"\x04tag");
    let path = temp("odd-fragments.bin", &stream);
    let o = skywire(&["check", "--requests", s(&path)]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("mismatch:")
            && out.contains("at byte 0: call 10 session 1: frame 2 (at byte 15) differs"),
        "{out}"
    );
    assert!(out.contains("trace tag with no request after it"), "{out}");
    // decode has nothing against it.
    assert!(skywire(&["decode", "--requests", s(&path)])
        .status
        .success());
}

/// A bad input: exit code 1, exactly one line on stderr naming the file and a byte offset,
/// no panic.
fn assert_clean_failure(args: &[&str], file: &Path) {
    let o = skywire(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    let name = file.to_str().unwrap();
    assert!(
        err.contains(name),
        "{args:?}: error does not name the file: {err}"
    );
    assert!(
        err.contains("byte "),
        "{args:?}: error names no offset: {err}"
    );
}

#[test]
fn bad_input_gets_one_line_naming_file_and_offset() {
    let pcapng = std::fs::read(capture("pcap-basic").join("capture.pcapng")).unwrap();
    let requests = std::fs::read(capture("basic").join("requests.bin")).unwrap();

    // Truncated capture files, cut at several places.
    for cut in [3, 30, 200, 5_000, 1_000_000, pcapng.len() - 1] {
        let p = temp(&format!("cut-{cut}.pcapng"), &pcapng[..cut]);
        assert_clean_failure(&["decode", s(&p)], &p);
        assert_clean_failure(&["check", s(&p)], &p);
    }
    // A truncated raw stream.
    let p = temp("cut-requests.bin", &requests[..requests.len() - 10]);
    assert_clean_failure(&["decode", "--requests", s(&p)], &p);
    // A raw stream that starts mid-frame.
    let p = temp("mid-frame.bin", &requests[7..]);
    assert_clean_failure(&["decode", "--requests", s(&p)], &p);
    // Not a capture file at all; garbage; empty.
    let readme = captures_root().join("README.md");
    assert_clean_failure(&["decode", s(&readme)], &readme);
    let mut x: u32 = 7;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    let p = temp("garbage", &garbage);
    assert_clean_failure(&["decode", s(&p)], &p);
    assert_clean_failure(&["decode", "--requests", s(&p)], &p);
    assert_clean_failure(&["decode", "--responses", s(&p)], &p);
    let p = temp("empty", b"");
    assert_clean_failure(&["decode", s(&p)], &p);
    assert_clean_failure(&["decode", "--requests", s(&p)], &p);

    // A capture with no skynet traffic: an HTTP exchange over TCP.
    let mut c = Conversation::new(Link::Ethernet, v4(43210), v4(80), 1, 1);
    c.handshake();
    c.send(true, b"GET / HTTP/1.1\r\nHost: example\r\n\r\n", 1400);
    c.send(false, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1400);
    let p = temp("http.pcap", &pcap(Link::Ethernet, &c.packets, false));
    assert_clean_failure(&["decode", s(&p)], &p);
    // ... with no TCP at all.
    let p = temp(
        "udp.pcap",
        &pcap(Link::Ethernet, &[udp_packet(v4(1), v4(2), b"hello")], false),
    );
    assert_clean_failure(&["decode", s(&p)], &p);
    // ... a TCP connection that carries nothing.
    let mut c = Conversation::new(Link::Ethernet, v4(43211), v4(27538), 1, 1);
    c.handshake();
    let p = temp("silent.pcap", &pcap(Link::Ethernet, &c.packets, false));
    assert_clean_failure(&["decode", s(&p)], &p);

    // A capture whose TCP stream starts mid-frame (the start of the connection was not
    // captured).
    let mut c = Conversation::new(Link::Ethernet, v4(43212), v4(27538), 1000, 1);
    c.send(true, &frame_prefix(&requests, 10)[5..], 1400);
    let p = temp("mid-frame.pcap", &pcap(Link::Ethernet, &c.packets, false));
    assert_clean_failure(&["decode", s(&p)], &p);

    // A capture that lost a segment for good.
    let mut c = Conversation::new(Link::Ethernet, v4(43213), v4(27538), 1000, 1);
    c.handshake();
    let mut segs = c.segments(true, frame_prefix(&requests, 30), 200);
    segs.remove(2);
    c.send_segments(true, &segs);
    let p = temp(
        "lost-segment.pcap",
        &pcap(Link::Ethernet, &c.packets, false),
    );
    assert_clean_failure(&["decode", s(&p)], &p);
    let err = stderr(&skywire(&["decode", s(&p)]));
    assert!(
        err.contains("stream bytes 400..600 were never captured"),
        "{err}"
    );

    // A file that does not exist.
    let p = std::env::temp_dir().join("skywire-cli-no-such-file.pcap");
    let o = skywire(&["decode", s(&p)]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(stderr(&o).contains(s(&p)));
}

/// A payload that is not lua-seri is printed with `undecodable` (and its size and CRC-32)
/// in place of its values, and decoding goes on with the next message, in both directions.
#[test]
fn undecodable_payloads_are_reported_and_decoding_goes_on() {
    fn frame(out: &mut Vec<u8>, body: &[u8]) {
        out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        out.extend_from_slice(body);
    }
    // "123456789": '1' is a boolean, '2' (type 2, cookie 6) announces an 8-byte integer
    // and only 7 bytes follow. Its CRC-32 (IEEE) is the algorithm's published check
    // value, 0xCBF43926.
    let bad = b"123456789";
    let good = [0x24u8, b'p', b'i', b'n', b'g']; // the short string "ping"
    let mut requests = Vec::new();
    for (session, payload) in [(1u32, &good[..]), (2, &bad[..]), (3, &good[..])] {
        let body = [
            &[0x00][..],
            &10u32.to_le_bytes(),
            &session.to_le_bytes(),
            payload,
        ];
        frame(&mut requests, &body.concat());
    }
    let mut responses = Vec::new();
    for (session, payload) in [(1u32, &good[..]), (2, &bad[..]), (3, &good[..])] {
        let body = [&session.to_le_bytes()[..], &[0x01], payload];
        frame(&mut responses, &body.concat());
    }
    let req = temp("undecodable-requests.bin", &requests);
    let resp = temp("undecodable-responses.bin", &responses);
    let o = skywire(&[
        "decode",
        "--json",
        "--requests",
        s(&req),
        "--responses",
        s(&resp),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = json_lines(&stdout(&o));
    assert_eq!(lines.len(), 6, "{}", stdout(&o));
    for line in &lines {
        let session = line["session"].as_u64().unwrap();
        let values = if line["dir"] == "request" {
            "args"
        } else {
            "values"
        };
        if session == 2 {
            assert_eq!(line["size"], 9, "{line}");
            assert_eq!(line["crc32"], 0xCBF4_3926u32, "{line}");
            let reason = line["undecodable"].as_str().unwrap_or_default();
            assert!(!reason.is_empty(), "{line}");
            assert!(line.get(values).is_none(), "{line}");
        } else {
            assert_eq!(line[values], serde_json::json!(["ping"]), "{line}");
            assert!(line.get("undecodable").is_none(), "{line}");
        }
    }
    // The human form says so too, and goes on.
    let o = skywire(&["decode", "--requests", s(&req)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.lines().nth(1).unwrap().contains("undecodable"),
        "{text}"
    );
    assert!(text.lines().nth(2).unwrap().contains("\"ping\""), "{text}");
}
