//! The `skywire decode` / `skywire check` logic (the `skywire-capture` library) over every
//! capture folder under `tests/captures/` (a folder added later is checked too), over the
//! raw streams and over the pcap, and the pcap run against the proxy run of the same
//! scenario.
//!
//! Expected values come from skynet: its logs, its byte streams, and the captures' README
//! (what each scenario did).

use std::collections::HashMap;
use std::fs;
use std::path::Path;

mod common;

use common::{capture, capture_dirs};
use serde_json::Value as Json;
use skywire_capture::check::{check, CheckOptions};
use skywire_capture::dissect::{Decoded, Message, Step};
use skywire_capture::pcap::Side;
use skywire_capture::traffic::{self, Input, Origin, RunOptions, VisitError, Visitor};
use skywire_codec::RequestKind;
use skywire_seri::{self as seri, values_content_eq};

/// The log's operations, read here without the CLI's parser: (op, line).
fn log_ops(dir: &Path) -> Vec<Json> {
    fs::read_to_string(dir.join("calls.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Json>(l).unwrap())
        .filter(|j| j["op"] != "end")
        .collect()
}

/// Every message of an input with where it came from.
#[derive(Default)]
struct Collect {
    messages: Vec<(Origin, Decoded)>,
}

impl Visitor for Collect {
    fn step(&mut self, origin: Origin, step: Step) -> Result<(), VisitError> {
        if let Some(m) = step.message {
            self.messages.push((origin, m));
        }
        Ok(())
    }
}

fn decode(input: &Input, keep_frames: bool) -> Vec<(Origin, Decoded)> {
    let mut c = Collect::default();
    traffic::run(
        input,
        RunOptions {
            keep_frames,
            ..RunOptions::default()
        },
        &mut c,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    c.messages
}

#[test]
fn every_capture_folder_checks_clean_against_its_logs() {
    let mut pcaps = 0;
    for dir in capture_dirs() {
        let input = Input::from_folder(&dir).expect("traffic in the folder");
        if matches!(input, Input::Capture(_)) {
            pcaps += 1;
        }
        let report = check(
            std::slice::from_ref(&input),
            &CheckOptions {
                calls: Some(dir.join("calls.jsonl")),
                pushes: Some(dir.join("pushes.jsonl")),
                port: None,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            report.passed(),
            "{}: {:#?}",
            dir.display(),
            report.mismatches
        );
        // Numbers from the logs: one request per operation, one response per call and
        // query (every one finished), every call answered.
        let ops = log_ops(&dir);
        let r = &report.inputs[0];
        assert_eq!(r.requests, ops.len() as u64, "{}", dir.display());
        let answered = ops.iter().filter(|o| o["op"] != "send").count() as u64;
        assert_eq!(r.responses, answered, "{}", dir.display());
        assert_eq!(report.unanswered, 0);
        assert_eq!(r.totals.messages, r.requests + r.responses);
        assert_eq!(r.totals.connections, 1); // README: one TCP connection per capture
                                             // Every byte of the raw streams is in some frame.
        if let Input::Streams {
            requests: Some(q),
            responses: Some(s),
        } = &input
        {
            let len = fs::metadata(q).unwrap().len() + fs::metadata(s).unwrap().len();
            assert_eq!(r.totals.bytes, len, "{}", dir.display());
        }
    }
    assert!(pcaps >= 1, "no pcap folder checked");
}

/// Whether two runs of one scenario sent the same message. Sessions are allocated the
/// same way in both runs; hash parts of tables come out in Lua's iteration order, which
/// differs between runs (on both sides), so values compare with `content_eq`; a trace tag
/// names the process that made it, so only its presence compares.
fn same_message(a: &Message, b: &Message) -> bool {
    let same_values = |p: &bytes::Bytes, q: &bytes::Bytes| matches!((seri::unpack(p), seri::unpack(q)), (Ok(p), Ok(q)) if values_content_eq(&p, &q));
    let request_key = |r: &skywire_codec::Request| {
        let trace = r.trace.is_some();
        (
            r.kind(),
            r.target.clone(),
            r.session,
            r.push,
            trace,
            r.payload.len(),
        )
    };
    match (a, b) {
        (Message::Request(x), Message::Request(y)) => {
            request_key(x) == request_key(y) && same_values(&x.payload, &y.payload)
        }
        (Message::Response(x), Message::Response(y)) => {
            (x.session, x.ok, x.payload.len()) == (y.session, y.ok, y.payload.len())
                && if x.ok {
                    same_values(&x.payload, &y.payload)
                } else {
                    x.payload == y.payload
                }
        }
        _ => false,
    }
}

fn summary(m: &Message) -> String {
    match m {
        Message::Request(r) => format!(
            "{} {} session {} ({} bytes)",
            r.kind().as_str(),
            r.target,
            r.session,
            r.payload.len()
        ),
        Message::Response(r) => format!(
            "response session {} ok={} ({} bytes)",
            r.session,
            r.ok,
            r.payload.len()
        ),
    }
}

#[test]
fn the_pcap_run_and_the_proxy_run_of_basic_decode_to_the_same_messages() {
    let pcap = decode(&Input::from_folder(&capture("pcap-basic")).unwrap(), false);
    let proxy = decode(&Input::from_folder(&capture("basic")).unwrap(), false);
    assert!(pcap.iter().all(|(o, _)| o.conn == Some(0)));
    assert!(proxy.iter().all(|(o, _)| o.conn.is_none()));
    for side in [Side::Requests, Side::Responses] {
        let a: Vec<&Decoded> = pcap
            .iter()
            .filter(|(o, _)| o.side == side)
            .map(|(_, m)| m)
            .collect();
        let b: Vec<&Decoded> = proxy
            .iter()
            .filter(|(o, _)| o.side == side)
            .map(|(_, m)| m)
            .collect();
        assert_eq!(a.len(), b.len(), "{side}");
        // The runs need not complete messages in the same order (a request can arrive
        // between the parts of a multi-part push in one run and not the other): match each
        // message of one run to an unused, equal message of the other.
        let mut used = vec![false; b.len()];
        for x in &a {
            let found = (0..b.len()).find(|&j| !used[j] && same_message(&x.message, &b[j].message));
            let j = found.unwrap_or_else(|| {
                panic!(
                    "{side}: {} of the pcap run is not in the proxy run",
                    summary(&x.message)
                )
            });
            used[j] = true;
            assert_eq!(
                x.frame_count,
                b[j].frame_count,
                "{side}: {}",
                summary(&x.message)
            );
        }
    }
}

#[test]
fn multi_part_messages_take_the_frames_skynet_sends() {
    // README: basic sends requests of exactly 0x7fff, 0x8000, 0x8001, 0x10000 and 0x10001
    // payload bytes, and responses around the same sizes. skynet's rules (PROTOCOL-NOTES):
    // a request of n >= 0x8000 bytes is a header and ceil(n / 0x8000) parts; an ok response
    // of n > 0x8000 bytes is a begin packet and ceil(n / 0x8000) parts.
    for dir in ["basic", "pcap-basic"] {
        let messages = decode(&Input::from_folder(&capture(dir)).unwrap(), true);
        let mut seen: HashMap<(bool, usize), usize> = HashMap::new();
        for (_, m) in &messages {
            let (is_request, n, traced) = match &m.message {
                Message::Request(r) => (true, r.payload.len(), r.trace.is_some()),
                Message::Response(r) if r.ok => (false, r.payload.len(), false),
                Message::Response(_) => continue,
            };
            let threshold_met = if is_request { n >= 0x8000 } else { n > 0x8000 };
            let expected = if threshold_met {
                1 + n.div_ceil(0x8000)
            } else {
                1
            } + usize::from(traced);
            assert_eq!(m.frame_count, expected, "{dir}: {is_request} {n}");
            assert_eq!(m.frames.len(), expected);
            seen.insert((is_request, n), m.frame_count);
        }
        for n in [0x7fff, 0x8000, 0x8001, 0x10000, 0x10001] {
            assert!(
                seen.contains_key(&(true, n)),
                "{dir}: no request of {n} bytes"
            );
        }
        // The echo returns the same payload: responses of the same sizes.
        assert_eq!(seen.get(&(false, 0x8000)), Some(&1));
        assert_eq!(seen.get(&(false, 0x8001)), Some(&3));
    }
}

#[test]
fn the_traced_call_carries_its_tag_and_the_kinds_are_right() {
    // README: basic has "calls carrying a trace tag", queries hits and misses, pushes by
    // name and by number.
    for dir in ["basic", "pcap-basic"] {
        let messages = decode(&Input::from_folder(&capture(dir)).unwrap(), false);
        let requests: Vec<_> = messages
            .iter()
            .filter_map(|(_, m)| match &m.message {
                Message::Request(r) => Some(r),
                _ => None,
            })
            .collect();
        let traced: Vec<_> = requests.iter().filter(|r| r.trace.is_some()).collect();
        assert!(!traced.is_empty(), "{dir}: no traced call");
        for r in &traced {
            assert_eq!(r.kind(), RequestKind::Call);
        }
        let ops = log_ops(&capture(dir));
        let count = |op: &str| ops.iter().filter(|o| o["op"] == op).count();
        let kinds = |k: RequestKind| requests.iter().filter(|r| r.kind() == k).count();
        assert_eq!(kinds(RequestKind::Query), count("query"));
        assert_eq!(kinds(RequestKind::Push), count("send"));
        assert_eq!(kinds(RequestKind::Call), count("call"));
    }
}

#[test]
fn concurrent_traffic_interleaves_frames_in_both_directions() {
    // README: in `concurrent`, single frames arrive between the parts of a multi-part
    // message, in both directions. The dissector must have put those frames back together:
    // some message's frames are not contiguous on the wire.
    let messages = decode(&Input::from_folder(&capture("concurrent")).unwrap(), true);
    for side in [Side::Requests, Side::Responses] {
        let interleaved = messages
            .iter()
            .filter(|(o, _)| o.side == side)
            .any(|(_, m)| {
                m.frames
                    .windows(2)
                    .any(|w| w[0].offset + w[0].wire_len() as u64 != w[1].offset)
            });
        assert!(interleaved, "{side}: no interleaving found");
    }
    // ... and the whole run still agrees with its log.
    let report = check(
        &[Input::from_folder(&capture("concurrent")).unwrap()],
        &CheckOptions {
            calls: Some(capture("concurrent").join("calls.jsonl")),
            ..CheckOptions::default()
        },
    )
    .unwrap();
    assert!(report.passed(), "{:#?}", report.mismatches);
}

#[test]
fn a_log_from_another_run_does_not_pass() {
    // random-1 traffic against random-2's log: the checks must notice.
    let report = check(
        &[Input::from_folder(&capture("random-1")).unwrap()],
        &CheckOptions {
            calls: Some(capture("random-2").join("calls.jsonl")),
            pushes: Some(capture("random-2").join("pushes.jsonl")),
            port: None,
        },
    )
    .unwrap();
    assert!(!report.passed());
    let has = |text: &str| report.mismatches.iter().any(|m| m.what.contains(text));
    assert!(has("matches no line of the call log"));
    assert!(has("no such request in the traffic"));
    assert!(has("matches no line of the push log"));
}
