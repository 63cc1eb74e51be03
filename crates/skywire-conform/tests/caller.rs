//! The calling side: the built-in caller script is the `basic` capture's operations; a
//! skywire node performing it sends exactly what skynet sent (sessions and trace tag bytes
//! aside); and the comparison finds each kind of deviation at its step and byte.

use std::path::Path;
use std::time::Duration;

use serde_json::Value as Json;
use skywire_codec::{Limits, Request, RequestDecoder};
use skywire_conform::caller::compare::{compare, Deviation};
use skywire_conform::caller::play::play;
use skywire_conform::caller::script::{parse, BASIC, BASIC_EXPECTED};
use skywire_conform::caller::serve::{record, Until};
use tokio::net::TcpListener;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Every request of `bytes`, decoded.
fn requests(bytes: &[u8]) -> Vec<Request> {
    let mut dec = RequestDecoder::new(Limits::DEFAULT);
    dec.feed(bytes);
    std::iter::from_fn(|| dec.next_message().unwrap()).collect()
}

/// `conform/caller/basic.jsonl` from `tests/captures/basic/calls.jsonl` (one operation at a
/// time, so finishing order is sending order) and `requests.bin` (which calls were traced).
fn script_from_capture() -> String {
    let dir = root().join("tests/captures/basic");
    let calls = std::fs::read_to_string(dir.join("calls.jsonl")).unwrap();
    let reqs = requests(&std::fs::read(dir.join("requests.bin")).unwrap());
    let ops: Vec<Json> = calls
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).unwrap())
        .filter(|op| op["op"] != "end")
        .collect();
    assert_eq!(ops.len(), reqs.len(), "one request or push per operation");
    let mut out = String::new();
    for (mut op, req) in ops.into_iter().zip(&reqs) {
        let o = op.as_object_mut().unwrap();
        o.remove("err"); // skynet's calling-side message, not part of the contract
        if req.trace.is_some() {
            o.insert("trace".into(), Json::Bool(true));
        }
        out.push_str(&serde_json::to_string(&op).unwrap());
        out.push('\n');
    }
    out
}

#[test]
fn the_script_is_the_basic_capture() {
    let want = script_from_capture();
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(root().join("conform/caller/basic.jsonl"), &want).unwrap();
    }
    assert!(BASIC == want, "conform/caller/basic.jsonl is stale: UPDATE_VECTORS=1 cargo test -p skywire-conform --test caller");
    let steps = parse(BASIC).unwrap();
    assert_eq!(steps.len(), requests(BASIC_EXPECTED).len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skywire_node_caller_sends_what_skynet_sent() {
    let steps = parse(BASIC).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let until = Until {
        steps: steps.len(),
        idle: Duration::from_secs(1),
        limit: Duration::from_secs(60),
    };
    let recording = tokio::spawn(record(listener, until));
    let wrong = play(&steps, &addr).await;
    assert!(wrong.is_empty(), "results: {wrong:?}");
    let conns = recording.await.unwrap().unwrap();
    let refs: Vec<&[u8]> = conns.iter().map(Vec::as_slice).collect();
    assert_eq!(refs.len(), 1, "one connection");
    let devs = compare(BASIC_EXPECTED, &refs);
    assert!(devs.is_empty(), "{devs:#?}");
}

/// The frames of `reqs`, as the codec cuts them (skynet's rules), except that request
/// `odd` gets `frames_of_odd`.
fn stream(reqs: &[Request], odd: usize, frames_of_odd: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, r) in reqs.iter().enumerate() {
        if i == odd {
            out.extend_from_slice(frames_of_odd);
        } else {
            r.write_frames(&mut out).unwrap();
        }
    }
    out
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut f = (body.len() as u16).to_be_bytes().to_vec();
    f.extend_from_slice(body);
    f
}

/// The frames of `r`, as the codec cuts them.
fn frames_of(r: &Request) -> Vec<u8> {
    let mut out = Vec::new();
    r.write_frames(&mut out).unwrap();
    out
}

/// What the comparison finds when request `k` of `reqs` is sent as `frames_of_k`.
fn deviations(reqs: &[Request], k: usize, frames_of_k: &[u8]) -> Vec<Deviation> {
    compare(BASIC_EXPECTED, &[&stream(reqs, k, frames_of_k)])
}

/// `devs` is one deviation, at step `k`, saying each of `texts`.
#[track_caller]
fn one_deviation_at(devs: &[Deviation], k: usize, texts: &[&str]) {
    assert_eq!(devs.len(), 1, "{devs:#?}");
    assert_eq!(devs[0].step, Some(k));
    assert!(texts.iter().all(|t| devs[0].what.contains(t)), "{devs:?}");
}

/// The index of the first operation of the script matching `pred`.
fn step_where(pred: impl Fn(&Request) -> bool) -> usize {
    requests(BASIC_EXPECTED).iter().position(pred).unwrap()
}

#[test]
fn the_codecs_frames_are_skynets() {
    // The baseline of the mutations below: re-encoding every request gives skynet's bytes
    // (trace tags included, since they are the captured ones).
    let reqs = requests(BASIC_EXPECTED);
    let again = stream(&reqs, usize::MAX, &[]);
    assert_eq!(again, BASIC_EXPECTED);
    assert!(compare(BASIC_EXPECTED, &[&again]).is_empty());
}

#[test]
fn a_multi_part_request_cut_at_0x7fff_is_found() {
    let reqs = requests(BASIC_EXPECTED);
    let k = step_where(|r| !r.push && r.payload.len() > 0x10000 && r.trace.is_none());
    let r = &reqs[k];
    let name = r.target.as_name().unwrap();
    let mut header = vec![0x81, name.len() as u8];
    header.extend_from_slice(name);
    header.extend_from_slice(&r.session.get().to_le_bytes());
    header.extend_from_slice(&(r.payload.len() as u32).to_le_bytes());
    let mut odd = frame(&header);
    let chunks: Vec<&[u8]> = r.payload.chunks(0x7fff).collect();
    for (i, c) in chunks.iter().enumerate() {
        let mut b = vec![if i + 1 == chunks.len() { 3 } else { 2 }];
        b.extend_from_slice(&r.session.get().to_le_bytes());
        b.extend_from_slice(c);
        odd.extend(frame(&b));
    }
    let devs = deviations(&reqs, k, &odd);
    one_deviation_at(&devs, k, &["frame 2", "length 32772"]);
    // The offset is the first part's length header: after the requests before and the header.
    let before = stream(&reqs[..k], usize::MAX, &[]).len();
    assert_eq!(devs[0].offset, Some(before + frame(&header).len()));
}

#[test]
fn a_small_push_with_a_session_is_found() {
    let reqs = requests(BASIC_EXPECTED);
    let k = step_where(|r| r.push && r.payload.len() < 0x8000);
    // What a caller that gives every request a session sends: the push's packet with one.
    let mut wrong = reqs[k].clone();
    wrong.push = false;
    wrong.session = skywire_codec::Session::new(reqs[k - 1].session.get() + 1);
    let devs = deviations(&reqs, k, &frames_of(&wrong));
    assert!(!devs.is_empty());
    assert!(
        devs.iter().all(|d| d.step.is_some_and(|s| s >= k)),
        "{devs:#?}"
    );
    assert!(
        devs.iter()
            .any(|d| d.step == Some(k) && d.what.contains("the session")),
        "{devs:#?}"
    );
}

#[test]
fn a_dropped_trace_tag_is_found() {
    let reqs = requests(BASIC_EXPECTED);
    let k = step_where(|r| r.trace.is_some());
    let mut untraced = reqs[k].clone();
    untraced.trace = None;
    let devs = deviations(&reqs, k, &frames_of(&untraced));
    one_deviation_at(&devs, k, &["expected 0x04 trace tag"]);
}

#[test]
fn a_wrong_integer_width_is_found_in_its_payload() {
    let reqs = requests(BASIC_EXPECTED);
    // The call with the integer boundaries: 2147483648 packed as i64 (0x32 + 8 bytes).
    let k = step_where(|r| {
        r.payload
            .windows(9)
            .any(|w| w == [0x32, 0, 0, 0, 0x80, 0, 0, 0, 0])
    });
    let mut odd = frames_of(&reqs[k]);
    let at = odd
        .windows(9)
        .position(|w| w == [0x32, 0, 0, 0, 0x80, 0, 0, 0, 0])
        .unwrap();
    odd.splice(at..at + 9, [0x22, 0, 0, 0, 0x80]); // a 32-bit writer's bytes
    let len = (odd.len() - 2) as u16;
    odd[..2].copy_from_slice(&len.to_be_bytes());
    one_deviation_at(&deviations(&reqs, k, &odd), k, &["length"]);
}

#[test]
fn hash_pairs_in_another_order_are_no_deviation_but_other_payload_changes_are() {
    // skynet's own caller, run again, writes the string-keyed pairs of a table in another
    // order (its string hash is seeded per run): the same values, packed as skynet packs.
    let reqs = requests(BASIC_EXPECTED);
    let k = step_where(|r| {
        skywire_seri::unpack(&r.payload).is_ok_and(|vs| {
            vs.iter()
                .any(|v| v.as_table().is_some_and(|t| t.hash.len() > 1))
        })
    });
    let mut values = skywire_seri::unpack(&reqs[k].payload).unwrap();
    let t = values
        .iter_mut()
        .find_map(|v| v.as_table_mut().filter(|t| t.hash.len() > 1))
        .unwrap();
    t.hash.reverse();
    let mut reordered = reqs[k].clone();
    reordered.payload = skywire_seri::pack(&values).unwrap();
    assert_ne!(reordered.payload, reqs[k].payload);
    let devs = deviations(&reqs, k, &frames_of(&reordered));
    assert!(devs.is_empty(), "{devs:#?}");
    // A changed value in the same table is a deviation.
    t_first_value_changed(&mut values);
    reordered.payload = skywire_seri::pack(&values).unwrap();
    one_deviation_at(&deviations(&reqs, k, &frames_of(&reordered)), k, &[]);
}

fn t_first_value_changed(values: &mut [skywire_seri::Value]) {
    let t = values
        .iter_mut()
        .find_map(|v| v.as_table_mut().filter(|t| t.hash.len() > 1))
        .unwrap();
    t.hash[0].1 = skywire_seri::Value::from("changed");
}
