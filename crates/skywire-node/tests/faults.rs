//! Two Rust nodes over loopback, when things go wrong: nodes down, moved, killed,
//! deadlines, bounds, bad peers, session wrap-around.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use skywire_codec::{
    Limits, Request, RequestDecoder, Response, ResponseDecoder, Session, Target, MULTI_PART,
};
use skywire_node::{CallError, CallOptions, ClusterConfig, Node, NodeAddress, TracedMessage};
use skywire_seri::{values_content_eq, Value};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn at(addr: std::net::SocketAddr) -> NodeAddress {
    NodeAddress::At(addr.to_string())
}

/// A node whose only service `who` answers with `name`.
async fn named_node(name: &'static str) -> (Node, skywire_node::Listener) {
    let node = Node::new();
    node.register(
        "who",
        skywire_node::sync_service_fn(move |_| Ok(vec![name.into()])),
    )
    .unwrap();
    let l = node.listen("127.0.0.1:0").await.unwrap();
    (node, l)
}

fn is_lost(r: &Result<Vec<Value>, CallError>) -> bool {
    matches!(r, Err(CallError::ConnectionLost { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_marked_down_fails_at_once_and_its_pending_calls_fail() {
    let (_server, listener, s) = serving_node().await;
    let client = client_for(listener.local_addr());
    let pending = tokio::spawn({
        let c = client.clone();
        async move { to_db(&c).call("@never", &[]).await }
    });
    s.never.wait_for(1).await;
    client.set_node("db", NodeAddress::Down);
    let r = guard("pending call", pending).await.unwrap();
    assert!(is_lost(&r), "{r:?}");
    let e = to_db(&client).call("@echo", &[]).await.unwrap_err();
    assert!(
        matches!(e, CallError::NodeDown { ref node } if node == "db"),
        "{e:?}"
    );
    let e = to_db(&client).send("@echo", &[]).await.unwrap_err();
    assert!(matches!(e, CallError::NodeDown { .. }), "{e:?}");
    let e = to_db(&client).query("echo").await.unwrap_err();
    assert!(matches!(e, CallError::NodeDown { .. }), "{e:?}");
    // And back up.
    client.set_node("db", at(listener.local_addr()));
    assert_db_answers(&client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_moves_a_node_to_a_new_port() {
    let (_one, l1) = named_node("one").await;
    let (_two, l2) = named_node("two").await;
    let (_slow, l3, s) = serving_node().await;
    let client = Node::new();
    client.reload(
        &ClusterConfig::new()
            .with_node("db", at(l1.local_addr()))
            .with_node("slow", at(l3.local_addr())),
    );
    let who = |c: &Node| {
        let c = c.clone();
        async move { to_db(&c).call("@who", &[]).await.unwrap() }
    };
    assert!(values_content_eq(
        &guard("call", who(&client)).await,
        &["one".into()]
    ));
    // A pending call on the moved node's connection fails; others are untouched.
    let slow_pending = tokio::spawn({
        let c = client.clone();
        async move { c.remote("slow").unwrap().call("@never", &[]).await }
    });
    s.never.wait_for(1).await;
    client.reload(&ClusterConfig::parse(&format!("db = \"{}\"", l2.local_addr())).unwrap());
    assert!(values_content_eq(
        &guard("call", who(&client)).await,
        &["two".into()]
    ));
    assert!(
        !slow_pending.is_finished(),
        "a reload not naming `slow` leaves it alone"
    );
    slow_pending.abort();
    // Loaded from a file, as skynet reads its clustername.
    let dir = std::env::temp_dir().join(format!("skywire-node-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("clustername");
    std::fs::write(
        &file,
        format!(
            "-- moved back\ndb = '{}'\n__nowaiting = true\n",
            l1.local_addr()
        ),
    )
    .unwrap();
    client.load_cluster_file(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(values_content_eq(
        &guard("call", who(&client)).await,
        &["one".into()]
    ));
    assert_eq!(client.cluster().nodes()["db"], at(l1.local_addr()));
    assert_eq!(client.cluster().nowaiting(), Some(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_call_fails_when_its_node_moves() {
    let (_a, la, s) = serving_node().await;
    let (_b, lb) = named_node("b").await;
    let client = client_for(la.local_addr());
    let pending = tokio::spawn({
        let c = client.clone();
        async move { to_db(&c).call("@never", &[]).await }
    });
    s.never.wait_for(1).await;
    client.set_node("db", at(lb.local_addr()));
    let r = guard("pending call", pending).await.unwrap();
    assert!(is_lost(&r), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_call_fails_the_call_and_the_next_call_reconnects() {
    let (server, listener, s) = serving_node().await;
    let addr = listener.local_addr();
    let client = client_for(addr);
    let pending: Vec<_> = (0..3)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { to_db(&c).call("@never", &[]).await })
        })
        .collect();
    s.never.wait_for(3).await;
    listener.shutdown().await;
    for p in pending {
        let r = guard("pending call after the server died", p)
            .await
            .unwrap();
        assert!(is_lost(&r), "{r:?}");
    }
    // Nobody listens: connecting fails (at once, not a hang), for every caller; after a
    // failed attempt the node backs off, and calls meanwhile fail at once with NodeDown
    // instead of trying again.
    let e = guard("call to a dead node", to_db(&client).call("@echo", &[]))
        .await
        .unwrap_err();
    assert!(matches!(e, CallError::Connect { .. }), "{e:?}");
    // What the operating system said is kept as the error's source.
    let source = std::error::Error::source(&e).expect("a source");
    let io = source
        .downcast_ref::<Arc<std::io::Error>>()
        .unwrap_or_else(|| panic!("not an io::Error: {source:?}"));
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused, "{io}");
    assert!(e.to_string().ends_with(&io.to_string()), "{e}");
    let mut many = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let c = client.clone();
        many.spawn(async move { to_db(&c).call("@echo", &[]).await });
    }
    while let Some(r) = guard("calls to a dead node", many.join_next()).await {
        let e = r.unwrap().unwrap_err();
        assert!(
            matches!(e, CallError::Connect { .. } | CallError::NodeDown { .. }),
            "{e:?}"
        );
    }
    let e = to_db(&client).call("@echo", &[]).await.unwrap_err();
    assert!(
        matches!(e, CallError::NodeDown { .. }),
        "backing off: {e:?}"
    );
    // The server comes back on the same port: a call after the backoff reconnects.
    let listener = server.listen(addr).await.unwrap();
    let ret = guard("call after restart", async {
        loop {
            match to_db(&client).call("@echo", &[1.into()]).await {
                Err(CallError::NodeDown { .. }) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await
                }
                other => return other,
            }
        }
    })
    .await
    .unwrap();
    assert!(values_content_eq(&ret, &[1.into()]));
    drop(listener);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_shutdown_fails_pending_and_later_calls() {
    let (_server, listener, s) = serving_node().await;
    let client = client_for(listener.local_addr());
    let remote = to_db(&client);
    let pending = tokio::spawn({
        let r = remote.clone();
        async move { r.call("@never", &[]).await }
    });
    s.never.wait_for(1).await;
    client.shutdown();
    let r = guard("pending call", pending).await.unwrap();
    assert!(is_lost(&r), "{r:?}");
    // A handle taken before the shutdown, and one asked for after it.
    let e = remote.call("@echo", &[]).await.unwrap_err();
    assert!(matches!(e, CallError::Shutdown), "{e:?}");
    let e = client.remote("db").unwrap_err();
    assert!(matches!(e, CallError::Shutdown), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_per_call_and_per_node() {
    let (_server, listener, _s) = serving_node().await;
    let client = client_for(listener.local_addr());
    let opts = CallOptions::new().timeout(Duration::from_millis(50));
    let e = guard("call", to_db(&client).call_with("@never", &[], &opts))
        .await
        .unwrap_err();
    assert!(
        matches!(e, CallError::Timeout { after, .. } if after == Duration::from_millis(50)),
        "{e:?}"
    );
    // The connection is still good after a timeout.
    assert_db_answers(&client).await;

    let strict = client_with(
        Node::builder()
            .call_timeout(Duration::from_millis(50))
            .build(),
        listener.local_addr(),
    );
    let e = guard("call", to_db(&strict).call("@never", &[]))
        .await
        .unwrap_err();
    assert!(matches!(e, CallError::Timeout { .. }), "{e:?}");
    // A per-call override lifts the node's default.
    let opts = CallOptions::new().no_timeout();
    let (remote, args) = (to_db(&strict), [2.into()]);
    assert_answers("call", remote.call_with("@echo", &args, &opts), &args).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_nodes_fail_at_once_or_are_waited_for() {
    let (_server, listener, _s) = serving_node().await;
    let client = Node::new();
    // A handle to a node not in the table (a proxy's): its calls fail at once.
    let absent = client.proxy("db@echo").unwrap().remote().clone();
    let e = absent.call("@echo", &[]).await.unwrap_err();
    assert!(
        matches!(e, CallError::UnknownNode { ref node } if node == "db"),
        "{e:?}"
    );
    assert!(matches!(
        absent.send("@echo", &[]).await,
        Err(CallError::UnknownNode { .. })
    ));
    assert!(matches!(
        absent.query("echo").await,
        Err(CallError::UnknownNode { .. })
    ));
    assert!(matches!(
        client.remote("db"),
        Err(CallError::UnknownNode { .. })
    ));

    let waiting = Node::builder().wait_for_unknown_nodes(true).build();
    let opts = CallOptions::new().timeout(Duration::from_millis(30));
    let e = guard("call", to_db(&waiting).call_with("@echo", &[], &opts))
        .await
        .unwrap_err();
    assert!(matches!(e, CallError::Timeout { .. }), "{e:?}");
    let call = tokio::spawn({
        let w = waiting.clone();
        async move { to_db(&w).call("@echo", &[3.into()]).await }
    });
    tokio::task::yield_now().await;
    waiting.set_node("db", at(listener.local_addr()));
    let ret = guard("call waiting for its node", call)
        .await
        .unwrap()
        .unwrap();
    assert!(values_content_eq(&ret, &[3.into()]));
    // `__nowaiting = true` in the table turns waiting off.
    waiting.reload(&ClusterConfig::parse("__nowaiting = true").unwrap());
    let e = waiting.remote("other").unwrap_err();
    assert!(matches!(e, CallError::UnknownNode { .. }), "{e:?}");
    // Removing a node: handles taken before fail, and no new one is given.
    let db = to_db(&waiting);
    assert!(waiting.remove_node("db"));
    assert!(matches!(
        db.call("@echo", &[]).await,
        Err(CallError::UnknownNode { .. })
    ));
    assert!(matches!(
        waiting.remote("db"),
        Err(CallError::UnknownNode { .. })
    ));
}

/// `n` calls to `@gated` on `db`, call `i` with the argument `i`.
fn spawn_gated_calls(
    client: &Node,
    n: i64,
) -> tokio::task::JoinSet<(i64, Result<Vec<Value>, CallError>)> {
    let db = to_db(client);
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..n {
        let db = db.clone();
        calls.spawn(async move { (i, db.call("@gated", &[Value::Integer(i)]).await) });
    }
    calls
}

/// Waits for every call of [`spawn_gated_calls`]: each returns its own argument.
async fn each_gets_its_argument_back(
    mut calls: tokio::task::JoinSet<(i64, Result<Vec<Value>, CallError>)>,
) {
    while let Some(r) = guard("gated calls", calls.join_next()).await {
        let (i, ret) = r.unwrap();
        assert!(values_content_eq(&ret.unwrap(), &[Value::Integer(i)]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_requests_are_bounded_by_backpressure() {
    let server = Node::builder().max_in_flight_requests(4).build();
    let (_server, listener, s) = serving_node_with(server).await;
    let client = client_for(listener.local_addr());
    let calls = spawn_gated_calls(&client, 40);
    s.gate.wait_running(4).await;
    // While the 4 wait, the node reads no further: nothing else runs, and a service that
    // answers at once is not reached either (its request is behind in the socket).
    let echo = tokio::spawn({
        let c = client.clone();
        async move { to_db(&c).call("@echo", &[]).await }
    });
    tokio::task::yield_now().await;
    assert_eq!(s.gate.max_running(), 4);
    s.gate.open_all();
    each_gets_its_argument_back(calls).await;
    assert!(guard("echo", echo).await.unwrap().is_ok());
    assert_eq!(
        s.gate.max_running(),
        4,
        "never more than 4 services running at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_calls_are_bounded_callers_wait() {
    let (_server, listener, s) = serving_node().await;
    let client = client_with(
        Node::builder().max_in_flight_calls(3).build(),
        listener.local_addr(),
    );
    let calls = spawn_gated_calls(&client, 30);
    s.gate.wait_running(3).await;
    s.gate.open_all();
    each_gets_its_argument_back(calls).await;
    assert_eq!(
        s.gate.max_running(),
        3,
        "never more than 3 calls on the wire at once"
    );
}

/// A raw peer speaking the codec directly: answers every call with its payload and keeps
/// the sessions it saw.
async fn raw_echo_peer() -> (std::net::SocketAddr, Arc<Mutex<Vec<u32>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sessions: Arc<Mutex<Vec<u32>>> = Arc::default();
    let seen = sessions.clone();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut dec = RequestDecoder::default();
        let mut buf = BytesMut::with_capacity(1 << 16);
        loop {
            while let Some(req) = dec.decode(&mut buf).unwrap() {
                seen.lock().unwrap().push(req.session.get());
                if !req.push {
                    for f in Response::ok(req.session, req.payload).frames().unwrap() {
                        sock.write_all(&f.to_vec()).await.unwrap();
                    }
                }
            }
            if sock.read_buf(&mut buf).await.unwrap() == 0 {
                return;
            }
        }
    });
    (addr, sessions)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_wrap_from_i32_max_to_one() {
    let (addr, sessions) = raw_echo_peer().await;
    let client = client_with(
        Node::builder()
            .first_session(Session::new(i32::MAX as u32 - 1))
            .build(),
        addr,
    );
    for i in 0..4 {
        let ret = guard("call", to_db(&client).call("@x", &[Value::Integer(i)]))
            .await
            .unwrap();
        assert!(values_content_eq(&ret, &[Value::Integer(i)]));
    }
    // A small push takes no session; a multi-part one takes the next.
    guard("send", to_db(&client).send("@x", &[])).await.unwrap();
    guard(
        "send",
        to_db(&client).send("@x", &[value_packing_to(MULTI_PART)]),
    )
    .await
    .unwrap();
    guard("call", to_db(&client).call("@x", &[])).await.unwrap();
    // (The peer lists messages as they complete: the parts of the multi-part push (3) may
    // finish after the call (4) that followed it.)
    let mut seen = guard("the peer sees all 7", async {
        loop {
            let seen = sessions.lock().unwrap().clone();
            if seen.len() >= 7 {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    seen[5..].sort();
    assert_eq!(
        seen,
        [0x7fff_fffe, 0x7fff_ffff, 1, 2, 0, 3, 4],
        "skynet's rule: after i32::MAX comes 1"
    );
}

/// Connects a raw client to the node.
async fn raw_client(addr: std::net::SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).await.unwrap();
    s.set_nodelay(true).unwrap();
    s
}

async fn write_request(sock: &mut TcpStream, req: &Request) {
    for f in req.frames().unwrap() {
        sock.write_all(&f.to_vec()).await.unwrap();
    }
}

/// Writes a call to `target` (a name) with this session and payload.
async fn write_call(sock: &mut TcpStream, target: &'static str, session: u32, payload: Bytes) {
    let target = Target::name(target).unwrap();
    write_request(sock, &Request::call(target, Session::new(session), payload)).await;
}

/// Reads responses until `n` have come (or the peer closes); returns them in wire order.
async fn read_responses(sock: &mut TcpStream, n: usize, limits: Limits) -> Vec<Response> {
    let mut dec = ResponseDecoder::new(limits);
    let mut buf = BytesMut::with_capacity(1 << 16);
    let mut out = Vec::new();
    while out.len() < n {
        while let Some(r) = dec.decode(&mut buf).unwrap() {
            out.push(r);
        }
        if out.len() >= n || sock.read_buf(&mut buf).await.unwrap() == 0 {
            break;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_leaving_mid_multi_part_leaves_nothing_behind() {
    let requests: Arc<Mutex<usize>> = Arc::default();
    let count = requests.clone();
    let server = Node::builder()
        .trace(move |ev| {
            if let TracedMessage::Request(_) = ev.message {
                *count.lock().unwrap() += 1;
            }
        })
        .build();
    let (_server, listener, s) = serving_node_with(server).await;
    let addr = listener.local_addr();
    {
        let mut sock = raw_client(addr).await;
        let payload = skywire_seri::pack(&[value_packing_to(3 * MULTI_PART)]).unwrap();
        let req = Request::push(Target::name("@record").unwrap(), Session::new(9), payload);
        // The header and the first two of four parts, then gone.
        for f in req.frames().unwrap().take(3) {
            sock.write_all(&f.to_vec()).await.unwrap();
        }
        sock.shutdown().await.unwrap();
        let mut rest = Vec::new();
        guard("server closes", sock.read_to_end(&mut rest))
            .await
            .unwrap();
        assert!(rest.is_empty());
    }
    // A new connection with the same session starts clean.
    let mut sock = raw_client(addr).await;
    let payload = skywire_seri::pack(&["whole".into()]).unwrap();
    write_call(&mut sock, "@echo", 9, payload.clone()).await;
    let got = guard("response", read_responses(&mut sock, 1, Limits::DEFAULT)).await;
    assert_eq!(got, [Response::ok(Session::new(9), payload)]);
    assert_eq!(
        *requests.lock().unwrap(),
        1,
        "the cut push never reached dispatch"
    );
    assert!(s.recorder.got.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_stream_closes_the_connection_and_others_go_on() {
    let (_server, listener, _s) = serving_node().await;
    let addr = listener.local_addr();
    let mut bad = raw_client(addr).await;
    // A frame with packet type 0x09, which does not exist.
    bad.write_all(b"\x00\x05\x09\x00\x00\x00\x00")
        .await
        .unwrap();
    let mut rest = Vec::new();
    guard("server closes", bad.read_to_end(&mut rest))
        .await
        .unwrap();
    assert!(rest.is_empty());
    // A multi-part header over the size limit closes it too.
    let limited = Node::builder()
        .limits(Limits::DEFAULT.with_max_message_size(1 << 16))
        .build();
    let (_l, ll, _ls) = serving_node_with(limited).await;
    let mut big = raw_client(ll.local_addr()).await;
    let req = Request::call(
        Target::Address(1),
        Session::new(1),
        Bytes::from(vec![0u8; (1 << 16) + 1]),
    );
    // The node may close before all of it is written: write errors are expected here.
    for f in req.frames().unwrap() {
        if big.write_all(&f.to_vec()).await.is_err() {
            break;
        }
    }
    let mut rest = Vec::new();
    guard("server closes", big.read_to_end(&mut rest))
        .await
        .unwrap();
    assert!(rest.is_empty());
    // The first node still serves.
    let client = client_for(addr);
    assert_db_answers(&client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_response_does_not_hold_back_a_small_one() {
    // 24 MiB does not fit in loopback socket buffers, so the node is still writing the big
    // response when the small request arrives.
    const BIG: usize = 24 << 20;
    let (_server, listener, _s) = serving_node().await;
    let mut sock = raw_client(listener.local_addr()).await;
    let big = skywire_seri::pack(&[Value::Integer(BIG as i64)]).unwrap();
    write_call(&mut sock, "@big", 1, big).await;
    let small = skywire_seri::pack(&["small".into()]).unwrap();
    write_call(&mut sock, "@echo", 2, small.clone()).await;
    let limits = Limits::DEFAULT.with_max_message_size(BIG);
    let got = guard("responses", read_responses(&mut sock, 2, limits)).await;
    let order: Vec<(u32, usize)> = got
        .iter()
        .map(|r| (r.session.get(), r.payload.len()))
        .collect();
    assert_eq!(
        order,
        [(2, small.len()), (1, BIG)],
        "the small one completes first"
    );
    assert_eq!(got[0].payload, small);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_closed_peer_still_gets_its_responses() {
    let (_server, listener, s) = serving_node().await;
    let mut sock = raw_client(listener.local_addr()).await;
    let p = skywire_seri::pack(&["late".into()]).unwrap();
    write_call(&mut sock, "@gated", 5, p.clone()).await;
    s.gate.wait_running(1).await;
    sock.shutdown().await.unwrap();
    s.gate.open_all();
    let mut rest = Vec::new();
    guard("response then close", sock.read_to_end(&mut rest))
        .await
        .unwrap();
    let mut dec = ResponseDecoder::default();
    dec.feed(&rest);
    assert_eq!(
        dec.next_message().unwrap(),
        Some(Response::ok(Session::new(5), p))
    );
    dec.finish().unwrap();
}

/// The calling side of a peer leaving in the middle of a multi-part response: the call
/// fails with `ConnectionLost` (not a hang), and the next call, on a new connection, gets
/// its whole answer with nothing of the broken one mixed in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_cut_off_mid_multi_part_fails_the_call_and_the_next_gets_its_answer() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for connection in 0..2 {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut dec = RequestDecoder::default();
            let mut buf = BytesMut::with_capacity(1 << 16);
            let req = loop {
                if let Some(req) = dec.decode(&mut buf).unwrap() {
                    break req;
                }
                assert!(sock.read_buf(&mut buf).await.unwrap() > 0);
            };
            let frames: Vec<_> = Response::ok(req.session, req.payload)
                .frames()
                .unwrap()
                .collect();
            assert!(frames.len() >= 3, "a multi-part response");
            // First connection: the header and one part, then gone.
            let keep = if connection == 0 { 2 } else { frames.len() };
            for f in &frames[..keep] {
                sock.write_all(&f.to_vec()).await.unwrap();
            }
            if connection == 1 {
                // Hold the connection open until the client is done with it.
                let _ = sock.read_buf(&mut buf).await;
            }
        }
    });
    let client = client_for(addr);
    let first = value_packing_to(MULTI_PART * 2 + 10);
    let r = guard("cut-off call", to_db(&client).call("@x", &[first])).await;
    assert!(is_lost(&r), "{r:?}");
    let second = value_packing_to(MULTI_PART * 2 + 20);
    let ret = guard(
        "call on the new connection",
        to_db(&client).call("@x", std::slice::from_ref(&second)),
    )
    .await
    .unwrap();
    assert!(values_content_eq(&ret, &[second]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_restarted_under_load_gives_errors_or_right_answers_never_a_hang() {
    // 16 callers loop on one connection while the serving node is stopped and started
    // again on the same port, twice; each call must end within its deadline with either
    // its own arguments back or a connection error.
    let server = Node::new();
    server
        .register("echo", skywire_node::sync_service_fn(|r| Ok(r.args)))
        .unwrap();
    let listener = server.listen("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr();
    let client = client_with(
        Node::builder()
            .call_timeout(Duration::from_secs(5))
            .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
            .build(),
        addr,
    );
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut callers = tokio::task::JoinSet::new();
    for c in 0..16i64 {
        let (client, stop) = (client.clone(), stop.clone());
        callers.spawn(async move {
            let (mut ok, mut failed) = (0u64, 0u64);
            let mut i = 0i64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let args = [Value::from(c), Value::from(i)];
                match to_db(&client).call("@echo", &args).await {
                    Ok(ret) => {
                        assert!(
                            values_content_eq(&ret, &args),
                            "a wrong answer: {ret:?} for {args:?}"
                        );
                        ok += 1;
                    }
                    Err(
                        CallError::ConnectionLost { .. }
                        | CallError::Connect { .. }
                        | CallError::NodeDown { .. },
                    ) => {
                        failed += 1;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Err(e) => panic!("unexpected error {e:?}"),
                }
            }
            (ok, failed)
        });
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut listener = Some(listener);
    for _ in 0..2 {
        if let Some(l) = listener.take() {
            l.shutdown().await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        listener = Some(server.listen(addr).await.unwrap());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut ok, mut failed) = (0, 0);
    while let Some(r) = guard("callers", callers.join_next()).await {
        let (o, f) = r.unwrap();
        ok += o;
        failed += f;
    }
    assert!(ok > 100, "{ok} calls answered");
    assert!(
        failed > 0,
        "the restarts failed no call: the test did not restart anything"
    );
    // After the last restart, calls go through again.
    let ret = guard("call after the restarts", async {
        loop {
            match to_db(&client).call("@echo", &[7.into()]).await {
                Ok(r) => return r,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    })
    .await;
    assert!(values_content_eq(&ret, &[7.into()]));
}
