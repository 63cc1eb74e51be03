//! Replay of real skynet traffic into a Rust node: each capture's `requests.bin` (what a
//! skynet client sent to skynet node `db`) is written as raw bytes to a node serving the
//! same test services, and what comes back must carry the same values as the captured
//! `responses.bin` (matched by session: `sleep` makes responses come out of order), and the
//! pushes must reach the services as `pushes.jsonl` records them.
//!
//! The test services are the captures README's: `echo` at address 10 and `echo2` at 11;
//! with first argument `"fail"` they fail, with `"big", n` they return `string.rep("R", n)`,
//! with `"sleep", n` they sleep n/100 s and echo; otherwise they echo. Error texts differ
//! from skynet's (which does not pass the service's error on), so for an error response
//! only `ok = false` is compared.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use skywire_codec::{Limits, Response, ResponseDecoder};
use skywire_node::{service_fn, Node, ServiceError, ServiceRequest, ServiceResult};
use skywire_seri::{values_content_eq, Value};
use support::guard;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The capture folders: `tests/captures/*` (the repository's copy), else the shared ones.
fn capture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(support::captures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("requests.bin").is_file() && p.join("responses.bin").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// The captures README's test service.
async fn capture_service(
    req: ServiceRequest,
    pushes: Arc<Mutex<Vec<Vec<Value>>>>,
) -> ServiceResult {
    if req.push {
        pushes.lock().unwrap().push(req.args.clone());
    }
    let command = req.args.first().and_then(Value::as_str);
    match command {
        Some("fail") => {
            let what = req
                .args
                .get(1)
                .map(Value::to_string)
                .unwrap_or_else(|| "nil".into());
            Err(ServiceError::new(format!("boom: {what}")))
        }
        Some("big") => {
            let n = req.args.get(1).and_then(Value::as_number).unwrap_or(0.0) as usize;
            Ok(vec![Value::string(vec![b'R'; n])])
        }
        Some("sleep") => {
            let n = req.args.get(1).and_then(Value::as_number).unwrap_or(0.0);
            tokio::time::sleep(Duration::from_secs_f64(n.max(0.0) / 100.0)).await;
            Ok(req.args)
        }
        _ => Ok(req.args),
    }
}

/// Decodes a whole response stream.
fn responses_of(bytes: &[u8], what: &str) -> Vec<Response> {
    let mut dec = ResponseDecoder::new(Limits::DEFAULT);
    dec.feed(bytes);
    let mut out = Vec::new();
    while let Some(r) = dec.next_message().unwrap_or_else(|e| panic!("{what}: {e}")) {
        out.push(r);
    }
    dec.finish().unwrap_or_else(|e| panic!("{what}: {e}"));
    out
}

async fn replay(dir: &Path) {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let requests = std::fs::read(dir.join("requests.bin")).unwrap();
    let expected = responses_of(&std::fs::read(dir.join("responses.bin")).unwrap(), &name);

    let node = Node::new();
    let pushes: Arc<Mutex<Vec<Vec<Value>>>> = Arc::default();
    for (svc, addr) in [("echo", 10), ("echo2", 11)] {
        let p = pushes.clone();
        let got = node
            .register_at(
                svc,
                addr,
                service_fn(move |r| capture_service(r, p.clone())),
            )
            .unwrap();
        assert_eq!(got, addr);
    }
    let listener = node.listen("127.0.0.1:0").await.unwrap();
    let sock = TcpStream::connect(listener.local_addr()).await.unwrap();
    let (mut rd, mut wr) = sock.into_split();
    let writer = tokio::spawn(async move {
        wr.write_all(&requests).await.unwrap();
        wr
    });
    // Read until every expected session is answered.
    let mut got: BTreeMap<u32, Response> = BTreeMap::new();
    let mut dec = ResponseDecoder::new(Limits::DEFAULT);
    let mut buf = BytesMut::with_capacity(1 << 16);
    guard(&format!("{name}: responses"), async {
        while got.len() < expected.len() {
            while let Some(r) = dec.decode(&mut buf).unwrap() {
                let session = r.session.get();
                assert!(
                    got.insert(session, r).is_none(),
                    "{name}: session {session} answered twice"
                );
            }
            if got.len() >= expected.len() {
                break;
            }
            let n = rd.read_buf(&mut buf).await.unwrap();
            assert!(
                n > 0,
                "{name}: node closed the connection after {} responses",
                got.len()
            );
        }
    })
    .await;
    let _wr = guard("writer", writer).await.unwrap();

    let mut checked = 0;
    for want in &expected {
        let session = want.session.get();
        let ours = got
            .get(&session)
            .unwrap_or_else(|| panic!("{name}: no response for session {session}"));
        assert_eq!(ours.ok, want.ok, "{name}: session {session}: ok");
        if want.ok {
            let w = skywire_seri::unpack(&want.payload).unwrap();
            let o = skywire_seri::unpack(&ours.payload).unwrap();
            assert!(
                values_content_eq(&o, &w),
                "{name}: session {session}: values differ"
            );
        }
        checked += 1;
    }
    assert_eq!(
        got.len(),
        expected.len(),
        "{name}: responses nobody expected"
    );

    // Pushes, in the order the services got them.
    let want: Vec<Vec<Value>> = std::fs::read_to_string(dir.join("pushes.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let j: serde_json::Value = serde_json::from_str(l).unwrap();
            skywire_seri::values_from_json(&j).unwrap()
        })
        .collect();
    let seen = pushes.lock().unwrap().clone();
    assert_eq!(seen.len(), want.len(), "{name}: pushes");
    for (i, (s, w)) in seen.iter().zip(&want).enumerate() {
        assert!(values_content_eq(s, w), "{name}: push {i} differs");
    }
    eprintln!(
        "{name}: {checked} responses and {} pushes match",
        want.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_capture_replays_to_the_same_values() {
    let dirs = capture_dirs();
    assert!(
        dirs.len() >= 4,
        "expected the basic, concurrent, random-1, random-2 captures: {dirs:?}"
    );
    for dir in dirs {
        replay(&dir).await;
    }
}
