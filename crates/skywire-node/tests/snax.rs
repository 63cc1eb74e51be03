//! Snax services, Rust to Rust over loopback, and the captured skynet snax caller replayed
//! into a Rust snax service.
//!
//! The Rust service here is `conform/skynet/snax_counter.lua` written in Rust: the same
//! methods in the same order (checked by reading the Lua file), the same behaviour.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::BytesMut;
use skywire_codec::{Limits, ResponseDecoder};
use skywire_node::{
    sync_service_fn, typed, CallError, Node, NodeAddress, OpenError, ServiceError, Snax, SnaxGroup,
    SnaxInterface, SnaxMethodError, SnaxService, SnaxSystem,
};
use skywire_seri::{values_content_eq, Table, Value};
use support::guard;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// snax_counter.lua's interface, read from the file skynet runs.
fn counter_lua() -> SnaxInterface {
    SnaxInterface::load(repo().join("conform/skynet/snax_counter.lua")).unwrap()
}

/// snax_counter.lua in Rust: `accept.add(n)`, `response.get()`, `accept.note(...)`,
/// `response.echo(...)`, `response.notes()`, `response.fail(text)`.
fn counter() -> SnaxService {
    let total = Arc::new(Mutex::new(0i64));
    let notes: Arc<Mutex<Vec<Value>>> = Arc::default();
    let (t1, t2) = (total.clone(), total);
    let (n1, n2) = (notes.clone(), notes);
    SnaxService::builder()
        .accept(
            "add",
            typed(move |(n,): (i64,)| {
                *t1.lock().unwrap() += n;
                async { Ok::<_, ServiceError>(()) }
            }),
        )
        .response(
            "get",
            sync_service_fn(move |_| Ok(vec![Value::from(*t2.lock().unwrap())])),
        )
        .accept(
            "note",
            sync_service_fn(move |r| {
                let kept = r.args.iter().map(Value::detached).collect();
                n1.lock().unwrap().push(Value::array(kept));
                Ok(vec![])
            }),
        )
        .response("echo", sync_service_fn(|r| Ok(r.args)))
        .response(
            "notes",
            sync_service_fn(move |_| {
                let all = std::mem::take(&mut *n2.lock().unwrap());
                Ok(vec![Value::array(all)])
            }),
        )
        .response(
            "fail",
            sync_service_fn(|r| {
                let text = r.args.first().map(Value::to_string).unwrap_or_default();
                Err(ServiceError::new(text.trim_matches('"').to_owned()))
            }),
        )
        .build()
        .unwrap()
}

async fn serving() -> (Node, skywire_node::Listener) {
    let node = Node::new();
    node.register_snax_at("snax_counter", 10, counter())
        .unwrap();
    node.register("echo", sync_service_fn(|r| Ok(r.args)))
        .unwrap();
    let listener = node.listen("127.0.0.1:0").await.unwrap();
    (node, listener)
}

fn caller(addr: std::net::SocketAddr) -> Node {
    let node = Node::new();
    node.set_node("far", NodeAddress::At(addr.to_string()));
    node
}

fn remote_text(e: &CallError) -> String {
    match e {
        CallError::Remote { text, .. } => String::from_utf8_lossy(text).into_owned(),
        other => panic!("expected an error response, got {other:?}"),
    }
}

#[test]
fn the_rust_counter_has_the_lua_files_ids() {
    assert_eq!(counter().interface(), &counter_lua());
    assert_eq!(counter_lua().id_of(SnaxGroup::Response, "fail"), Some(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snax_calls_between_rust_nodes() {
    let (_server, listener) = serving().await;
    let client = caller(listener.local_addr());
    let c = guard("snax", client.snax("far", "snax_counter", counter_lua()))
        .await
        .unwrap();
    assert_eq!(c.address(), 10);
    guard("post", c.post("add", &[3.into()])).await.unwrap();
    guard("post", c.post("add", &[4.into()])).await.unwrap();
    // Pushes and calls on one connection arrive in order.
    let total = guard("req", c.req("get", &[])).await.unwrap();
    assert_eq!(total, [Value::from(7)]);

    let mut t = Table::from_array(vec![1.into()]);
    t.insert("k", "v");
    let args = vec!["hello".into(), 42.into(), Value::Table(t)];
    let ret = guard("req", c.req("echo", &args)).await.unwrap();
    assert!(values_content_eq(&ret, &args), "{ret:?}");

    guard("post", c.post("note", &["a".into(), 1.into()]))
        .await
        .unwrap();
    guard("post", c.post("note", &["b".into()])).await.unwrap();
    let notes = guard("req", c.req("notes", &[])).await.unwrap();
    assert_eq!(notes[0].to_string(), r#"{{"a", 1}, {"b"}}"#);

    // A failing method's own text comes back.
    let e = guard("req", c.req("fail", &["boom".into()]))
        .await
        .unwrap_err();
    assert_eq!(remote_text(&e), "boom");

    // By id, as skynet sends them.
    assert_eq!(guard("req", c.req(6, &[])).await.unwrap(), [Value::from(7)]);

    // The system methods.
    let e = guard("init", c.req(SnaxSystem::Init, &[]))
        .await
        .unwrap_err();
    assert_eq!(remote_text(&e), "Already init");
    let e = guard("exit", c.req(SnaxSystem::Exit, &[]))
        .await
        .unwrap_err();
    assert!(remote_text(&e).starts_with("exit: "));
    let hotfix = guard("hotfix", c.req(SnaxSystem::Hotfix, &["".into()]))
        .await
        .unwrap();
    assert_eq!(hotfix[0], Value::Boolean(false));
    let profile = guard("profile", c.profile()).await.unwrap();
    let p = profile.as_table().unwrap();
    let count = |name: &str| {
        p.get_str(name)
            .and_then(Value::as_table)
            .and_then(|t| t.get_str("count"))
            .cloned()
    };
    // get: once by name, once by id; add and note twice; fail once (a failure counts,
    // as skynet's timing counts a call that raised).
    assert_eq!(count("get"), Some(Value::from(2)));
    assert_eq!(count("add"), Some(Value::from(2)));
    assert_eq!(count("note"), Some(Value::from(2)));
    assert_eq!(count("fail"), Some(Value::from(1)));
    assert!(
        p.get_str("echo")
            .and_then(Value::as_table)
            .unwrap()
            .get_str("time")
            .unwrap()
            .as_number()
            .unwrap()
            >= 0.0
    );

    // A second handle by address (cluster.snax(node, name, address)).
    let again = Snax::bind(
        client.remote("far").unwrap(),
        10,
        "snax_counter",
        counter_lua(),
    );
    assert_eq!(
        guard("req", again.req("get", &[])).await.unwrap(),
        [Value::from(7)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_server_refuses() {
    let (_server, listener) = serving().await;
    let client = caller(listener.local_addr());
    let far = client.remote("far").unwrap();
    // An accept method called (not pushed): skynet would never answer; refused.
    let e = guard("call", far.call(10u32, &[5.into(), 1.into()]))
        .await
        .unwrap_err();
    assert_eq!(
        remote_text(&e),
        "accept.add answers nothing: send it as a push (post), not a call"
    );
    // Ids that are no method.
    for id in [0, 11, 99] {
        let e = guard("call", far.call(10u32, &[id.into()]))
            .await
            .unwrap_err();
        assert_eq!(
            remote_text(&e),
            format!("snax: unknown method id {id} (this service has ids 1-10)")
        );
    }
    let e = guard("call", far.call(10u32, &["get".into()]))
        .await
        .unwrap_err();
    assert!(remote_text(&e).starts_with("snax: the first argument must be the method id"));
    // A float id with an integral value is the integer (Lua's func[6.0] is func[6]).
    let ret = guard("call", far.call(10u32, &[Value::Real(6.0)]))
        .await
        .unwrap();
    assert_eq!(ret, [Value::from(0)]);
    // Typed arguments that do not fit.
    let e = guard("call", far.call(10u32, &[5.into(), "x".into()])).await;
    assert!(e.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_snax_services() {
    let (_server, listener) = serving().await;
    let client = caller(listener.local_addr());
    let far = client.remote("far").unwrap();
    let q = |args: &[&str]| {
        let args: Vec<Value> = args.iter().map(|a| Value::from(*a)).collect();
        let far = far.clone();
        async move { far.call(".service", &args).await.unwrap() }
    };
    assert_eq!(
        guard("q", q(&["QUERY", "snaxd", "snax_counter"])).await,
        [Value::from(10)]
    );
    assert_eq!(
        guard("q", q(&["GQUERY", "snaxd", "snax_counter"])).await,
        [Value::from(10)]
    );
    // skynet's answer to an unknown command (tests/captures/snax, session 13).
    assert_eq!(
        guard("q", q(&["NOSUCH"])).await,
        [Value::Nil, Value::from("Invalid command NOSUCH")]
    );
    // An unknown name: answered at once (skynet waits for it to be launched).
    let e = guard("snax", client.snax("far", "nosuch", SnaxInterface::new()))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, CallError::SnaxNotFound { node, name, text }
            if node == "far" && name == "nosuch" && text.as_ref() == b"snax service nosuch not found"),
        "{e}"
    );
    // A plain service is not a snax service.
    let e = guard("snax", client.snax("far", "echo", SnaxInterface::new()))
        .await
        .unwrap_err();
    assert!(matches!(e, CallError::SnaxNotFound { .. }), "{e}");
    // Caller-side refusals send nothing: the handle's node is not even reachable.
    let nowhere = Node::new();
    let c = Snax::bind(
        nowhere.remote_at("127.0.0.1:1"),
        10,
        "snax_counter",
        counter_lua(),
    );
    let e = c.post("get", &[]).await.unwrap_err();
    assert!(
        matches!(&e, CallError::SnaxMethod(SnaxMethodError::NotByPost { method, .. }) if method == "response.get"),
        "{e}"
    );
    let e = c.req("nope", &[]).await.unwrap_err();
    assert_eq!(e.to_string(), "request snax_counter:nope no exist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_service_named_service_takes_dot_service() {
    let node = Node::new();
    node.register("service", sync_service_fn(|_| Ok(vec!["mine".into()])))
        .unwrap();
    node.register_snax("c", counter()).unwrap();
    let listener = node.listen("127.0.0.1:0").await.unwrap();
    let client = caller(listener.local_addr());
    let ret = guard(
        "call",
        client
            .remote("far")
            .unwrap()
            .call(".service", &["QUERY".into()]),
    )
    .await
    .unwrap();
    assert_eq!(ret, [Value::from("mine")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_listens_where_the_node_table_says() {
    let node = Node::new();
    node.register_snax("snax_counter", counter()).unwrap();
    // A free port, then the table names it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let table = format!("rust = \"127.0.0.1:{port}\"\nold = false\n");
    node.reload(&skywire_node::ClusterConfig::parse(&table).unwrap());
    let listener = node.open("rust").await.unwrap();
    assert_eq!(listener.local_addr().port(), port);
    let client = caller(listener.local_addr());
    let c = guard("snax", client.snax("far", "snax_counter", counter_lua()))
        .await
        .unwrap();
    assert_eq!(
        guard("req", c.req("get", &[])).await.unwrap(),
        [Value::from(0)]
    );

    let e = node.open("old").await.unwrap_err();
    assert!(matches!(&e, OpenError::NodeDown(n) if n == "old"), "{e}");
    assert!(e.to_string().contains("marked false"), "{e}");
    let e = node.open("nosuch").await.unwrap_err();
    assert!(
        matches!(&e, OpenError::UnknownNode(n) if n == "nosuch"),
        "{e}"
    );
    // The port is taken now: the listen error names the address.
    let e = node.open("rust").await.unwrap_err();
    assert!(
        matches!(&e, OpenError::Listen { addr, .. } if *addr == format!("127.0.0.1:{port}")),
        "{e}"
    );
    // open_port listens on every interface.
    let any = node.open_port(0).await.unwrap();
    assert!(any.local_addr().ip().is_unspecified());
    any.shutdown().await;
    listener.shutdown().await;
}

/// Decodes a whole response stream, by session.
fn responses_by_session(bytes: &[u8]) -> BTreeMap<u32, skywire_codec::Response> {
    let mut dec = ResponseDecoder::new(Limits::DEFAULT);
    dec.feed(bytes);
    let mut out = BTreeMap::new();
    while let Some(r) = dec.next_message().unwrap() {
        out.insert(r.session.get(), r);
    }
    out
}

/// The skynet caller's snax traffic (`cluster.snax` from an unmodified skynet, captured in
/// tests/captures/snax against a skynet snax service) replayed into the Rust counter:
/// every answer carries skynet's values, but for the differences the docs list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_captured_skynet_snax_caller_gets_skynets_answers() {
    let dir = support::captures().join("snax");
    let requests = std::fs::read(dir.join("snax-requests.bin")).unwrap();
    let want = responses_by_session(&std::fs::read(dir.join("snax-responses.bin")).unwrap());
    let (_server, listener) = serving().await;
    let mut conn = tokio::net::TcpStream::connect(listener.local_addr())
        .await
        .unwrap();
    conn.write_all(&requests).await.unwrap();
    conn.shutdown().await.unwrap();
    let mut got = BytesMut::new();
    guard("responses", async {
        while conn.read_buf(&mut got).await.unwrap() > 0 {}
    })
    .await;
    let got = responses_by_session(&got);
    let values = |r: &skywire_codec::Response| skywire_seri::unpack(&r.payload).unwrap();
    let mut same = 0;
    for (session, w) in &want {
        let g = &got[session];
        assert_eq!(g.ok, w.ok, "session {session}");
        match *session {
            // GQUERY: skynet's global service is another instance (11); here one set.
            8 => assert_eq!(values(g), [Value::from(10)]),
            // profile: the same methods and counts; times differ.
            9 => {
                let (g, w) = (values(g), values(w));
                let (g, w) = (g[0].as_table().unwrap(), w[0].as_table().unwrap());
                assert_eq!(g.hash.len(), w.hash.len());
                for (k, v) in &w.hash {
                    let count = |t: &Value| t.as_table().unwrap().get_str("count").cloned();
                    assert_eq!(count(g.get(k).unwrap()), count(v), "profile {k}");
                }
            }
            // Errors: skynet sends "call failed" for all; here the reason.
            _ if !w.ok => {}
            _ => {
                assert!(
                    values_content_eq(&values(g), &values(w)),
                    "session {session}"
                );
                same += 1;
            }
        }
    }
    assert_eq!(same, 7, "sessions answered with skynet's very values");
    // Session 12, `QUERY snaxd snax_nosuch`: skynet never answered; here `nil, text`.
    assert!(!want.contains_key(&12));
    assert_eq!(
        values(&got[&12]),
        [
            Value::Nil,
            Value::from("snax service snax_nosuch not found")
        ]
    );
    assert_eq!(got.len(), want.len() + 1);
}

/// The Rust caller's bytes for the first operations of the captured skynet caller (query,
/// two posts, calls: tests/captures/snax up to its second query, byte 176) are skynet's
/// bytes: recorded by a relay in front of a Rust snax node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_caller_sends_what_skynets_cluster_snax_sends() {
    let captured = std::fs::read(support::captures().join("snax/snax-requests.bin")).unwrap();
    let (_server, listener) = serving().await;
    let upstream = listener.local_addr();
    let relay = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_addr = relay.local_addr().unwrap();
    let recorded = tokio::spawn(async move {
        let (mut down, _) = relay.accept().await.unwrap();
        let mut up = tokio::net::TcpStream::connect(upstream).await.unwrap();
        let (mut dr, mut dw) = down.split();
        let (mut ur, mut uw) = up.split();
        let mut seen = Vec::new();
        let requests = async {
            let mut buf = [0u8; 4096];
            loop {
                let n = dr.read(&mut buf).await.unwrap();
                if n == 0 {
                    uw.shutdown().await.unwrap();
                    return;
                }
                seen.extend_from_slice(&buf[..n]);
                uw.write_all(&buf[..n]).await.unwrap();
            }
        };
        let responses = tokio::io::copy(&mut ur, &mut dw);
        let (_, r) = tokio::join!(requests, responses);
        r.unwrap();
        seen
    });
    let client = caller(relay_addr);
    let c = guard("snax", client.snax("far", "snax_counter", counter_lua()))
        .await
        .unwrap();
    guard("post", c.post("add", &[3.into()])).await.unwrap();
    guard("post", c.post("add", &[4.into()])).await.unwrap();
    guard("req", c.req("get", &[])).await.unwrap();
    let mut t = Table::from_array(vec![1.into()]);
    t.insert("k", "v");
    let args = ["hello".into(), 42.into(), Value::Table(t)];
    guard("req", c.req("echo", &args)).await.unwrap();
    guard("post", c.post("note", &["a".into(), 1.into()]))
        .await
        .unwrap();
    guard("post", c.post("note", &["b".into()])).await.unwrap();
    guard("req", c.req("notes", &[])).await.unwrap();
    assert!(guard("req", c.req("fail", &["boom".into()])).await.is_err());
    guard("close", client.remote("far").unwrap().close())
        .await
        .unwrap();
    client.shutdown();
    let seen = guard("relay", recorded).await.unwrap();
    assert_eq!(seen.len(), 176, "{seen:02x?}");
    assert_eq!(seen, captured[..176]);
}
