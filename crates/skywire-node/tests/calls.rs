//! Two Rust nodes over loopback: calls, pushes, queries, errors, fragmentation boundaries,
//! many calls at once.

mod support;

use std::sync::{Arc, Mutex};

use skywire_codec::{Target, MULTI_PART};
use skywire_node::{typed, CallError, CallOptions, Node, ServiceError, TracedMessage};
use skywire_seri::{values_content_eq, Value};
use support::*;

fn remote_text(e: &CallError) -> String {
    match e {
        CallError::Remote { text, .. } => String::from_utf8_lossy(text).into_owned(),
        other => panic!("expected an error response, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_by_cluster_name_local_name_number_and_hex_handle() {
    let (server, listener, _s) = serving_node().await;
    let echo = server
        .services()
        .into_iter()
        .find(|s| s.name == "echo")
        .unwrap()
        .address;
    let client = client_for(listener.local_addr());
    let args = sample_args();
    for target in [
        "@echo".to_string(),
        ".echo".to_string(),
        format!(":{echo:08x}"),
    ] {
        let ret = guard("call", to_db(&client).call(target.as_str(), &args)).await;
        let ret = ret.unwrap_or_else(|e| panic!("{target}: {e}"));
        assert!(values_content_eq(&ret, &args), "{target}: {ret:?}");
    }
    let ret = guard("call", to_db(&client).call(echo, &args))
        .await
        .unwrap();
    assert!(values_content_eq(&ret, &args));
    // No arguments in, none out.
    assert!(guard("call", to_db(&client).call("@echo", &[]))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addresses_are_assigned_from_one_and_can_be_fixed() {
    let node = Node::new();
    let a = node
        .register("a", skywire_node::sync_service_fn(|r| Ok(r.args)))
        .unwrap();
    let b = node
        .register_at("b", 0x0a, skywire_node::sync_service_fn(|r| Ok(r.args)))
        .unwrap();
    assert_eq!((a, b), (1, 10));
    let (server, listener) = (node.clone(), node.listen("127.0.0.1:0").await.unwrap());
    let client = client_for(listener.local_addr());
    assert_eq!(guard("query", to_db(&client).query("a")).await.unwrap(), 1);
    assert_eq!(guard("query", to_db(&client).query("b")).await.unwrap(), 10);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_arrive_and_get_no_response() {
    let (_server, listener, s) = serving_node().await;
    let client = client_for(listener.local_addr());
    let small = vec![Value::from("small"), 1.into()];
    let large = vec![Value::from("large"), value_packing_to(MULTI_PART + 10)];
    guard("send", to_db(&client).send("@record", &small))
        .await
        .unwrap();
    guard("send", to_db(&client).send(".record", &large))
        .await
        .unwrap();
    let got = s.recorder.wait_for(2).await;
    assert!(got.iter().all(|r| r.push));
    // Sent on one connection to one service: arrival order is kept.
    assert!(values_content_eq(&got[0].args, &small));
    assert!(values_content_eq(&got[1].args, &large));
    assert_eq!(
        got[0].session.get(),
        0,
        "a small push goes out with session 0"
    );
    assert_ne!(got[1].session.get(), 0, "a multi-part push uses a session");
    // A push to a failing service or an unknown name is dropped quietly: the next call's
    // answer is the first thing back.
    guard("send", to_db(&client).send("@fail", &["x".into()]))
        .await
        .unwrap();
    guard("send", to_db(&client).send("@nobody", &[]))
        .await
        .unwrap();
    assert_answers(
        "call",
        to_db(&client).call("@echo", &[5.into()]),
        &[5.into()],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_hit_and_miss() {
    let (server, listener, _s) = serving_node().await;
    let client = client_for(listener.local_addr());
    for info in server.services() {
        let got = guard("query", to_db(&client).query(&info.name))
            .await
            .unwrap();
        assert_eq!(got, info.address, "{}", info.name);
    }
    let e = guard("query", to_db(&client).query("nobody"))
        .await
        .unwrap_err();
    assert_eq!(remote_text(&e), "name not found");
    assert!(e.is_unknown_target());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_targets_get_skynets_error_texts() {
    let (_server, listener, _s) = serving_node().await;
    let client = client_for(listener.local_addr());
    for (target, text) in [
        (Target::name("@nobody").unwrap(), "Invalid name"),
        (Target::name(".nobody").unwrap(), "call to invalid address"),
        (Target::Address(0x7777), "call to invalid address"),
        (Target::name("nobody").unwrap(), "call to invalid address"),
    ] {
        let e = guard("call", to_db(&client).call(&target, &[]))
            .await
            .unwrap_err();
        assert_eq!(remote_text(&e), text, "{target:?}");
        assert!(e.is_unknown_target(), "{target:?}");
    }
    // Targets that cannot be sent at all.
    let e = to_db(&client).call("", &[]).await.unwrap_err();
    assert!(matches!(e, CallError::Packet(_)), "{e:?}");
    let e = to_db(&client)
        .call("@".repeat(256).as_str(), &[])
        .await
        .unwrap_err();
    assert!(matches!(e, CallError::Packet(_)), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_service_sends_its_text_cut_to_32_kib() {
    let (_server, listener, _s) = serving_node().await;
    let client = client_for(listener.local_addr());
    let e = guard("call", to_db(&client).call("@fail", &["boom: 42".into()]))
        .await
        .unwrap_err();
    assert_eq!(remote_text(&e), "boom: 42");
    assert!(!e.is_unknown_target());
    let long: Vec<u8> = (0..MULTI_PART + 5000)
        .map(|i| b'a' + (i % 26) as u8)
        .collect();
    let e = guard(
        "call",
        to_db(&client).call("@fail", &[Value::string(long.clone())]),
    )
    .await
    .unwrap_err();
    assert_eq!(e.remote_text().unwrap().as_ref(), &long[..0x8000]);
    // The connection is still good.
    assert_db_answers(&client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payloads_across_every_fragmentation_boundary_both_ways() {
    // What went over the wire, per direction, from the calling node's trace hook.
    let seen: Arc<Mutex<Vec<(bool, usize)>>> = Arc::default();
    let log = seen.clone();
    let (_server, listener, _s) = serving_node().await;
    let traced = Node::builder()
        .trace(move |ev| {
            let item = match ev.message {
                TracedMessage::Request(r) => (true, r.payload.len()),
                TracedMessage::Response(r) => (false, r.payload.len()),
            };
            log.lock().unwrap().push(item);
        })
        .build();
    let client = client_with(traced, listener.local_addr());
    let sizes = [
        MULTI_PART - 2,
        MULTI_PART - 1,
        MULTI_PART,
        MULTI_PART + 1,
        2 * MULTI_PART - 1,
        2 * MULTI_PART,
        2 * MULTI_PART + 1,
        3 * MULTI_PART,
        200_000,
    ];
    for &n in &sizes {
        // Request of n bytes, echoed: response of n bytes.
        assert_echoes(&client, n).await;
        // Small request, response of exactly n bytes.
        let ret = guard(
            "big",
            to_db(&client).call("@big", &[Value::Integer(n as i64)]),
        )
        .await
        .unwrap();
        assert_eq!(skywire_seri::packed_len(&ret).unwrap(), n);
        assert!(values_content_eq(&ret, &[value_packing_to(n)]));
    }
    let seen = seen.lock().unwrap();
    for &n in &sizes {
        assert!(
            seen.contains(&(true, n)),
            "request of {n} bytes on the wire"
        );
        assert!(
            seen.contains(&(false, n)),
            "response of {n} bytes on the wire"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_calls_in_flight_with_random_sizes() {
    let (_server, listener, s) = serving_node().await;
    let client = client_for(listener.local_addr());
    let remote = to_db(&client);
    // Half of them wait at the gate until all 1000 are sent, so they really are in flight
    // together.
    let mut tasks = tokio::task::JoinSet::new();
    let mut seed: u64 = 0x5eed;
    for i in 0..1000u64 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let len = (seed >> 33) as usize % 70_000;
        let byte = b'a' + (i % 26) as u8;
        let args = vec![Value::Integer(i as i64), Value::string(vec![byte; len])];
        let target = if i % 2 == 0 { "@gated" } else { "@echo" };
        let r = remote.clone();
        tasks.spawn(async move {
            let ret = r.call(target, &args).await;
            (args, ret)
        });
    }
    s.gate.wait_running(500).await;
    s.gate.open_all();
    let mut n = 0;
    while let Some(joined) = guard("1000 calls", tasks.join_next()).await {
        let (args, ret) = joined.unwrap();
        let ret = ret.unwrap();
        assert!(values_content_eq(&ret, &args), "call {:?}", args[0]);
        n += 1;
    }
    assert_eq!(n, 1000);
    assert_eq!(s.gate.max_running(), 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_tags_reach_the_service() {
    let (_server, listener, _s) = serving_node().await;
    let client = client_for(listener.local_addr());
    let opts = CallOptions::new().trace("(client-db-1)tag");
    let ret = guard("call", to_db(&client).call_with("@trace", &[], &opts))
        .await
        .unwrap();
    assert!(values_content_eq(
        &ret,
        &[Value::string("(client-db-1)tag")]
    ));
    // With a multi-part request too.
    let ret = guard(
        "call",
        to_db(&client).call_with("@trace", &[value_packing_to(MULTI_PART * 2)], &opts),
    )
    .await
    .unwrap();
    assert!(values_content_eq(
        &ret,
        &[Value::string("(client-db-1)tag")]
    ));
    // And none without.
    assert_answers("call", to_db(&client).call("@trace", &[]), &[Value::Nil]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxies_and_typed_services() {
    let (server, listener, _s) = serving_node().await;
    server
        .register(
            "add",
            typed(|(a, b): (i64, i64)| async move { Ok::<_, ServiceError>(a + b) }),
        )
        .unwrap();
    let client = client_for(listener.local_addr());
    let echo = client.proxy("db@echo").unwrap();
    assert_eq!(echo.node_name(), "db");
    let ret = guard("proxy call", echo.call(&["x".into()])).await.unwrap();
    assert!(values_content_eq(&ret, &["x".into()]));
    let local = client.proxy("db.echo").unwrap();
    assert!(guard("proxy call", local.call(&[]))
        .await
        .unwrap()
        .is_empty());
    assert!(client.proxy("nonsense").is_err());

    let sum: i64 = guard("typed", to_db(&client).call_typed("@add", &(2, 40)))
        .await
        .unwrap();
    assert_eq!(sum, 42);
    let e = guard(
        "typed",
        to_db(&client).call_typed::<_, i64>("@add", &("x", 1)),
    )
    .await
    .unwrap_err();
    assert!(remote_text(&e).contains("expected"), "{e}");

    // A typed service reads the payload itself, and one that does not unpack gets the
    // same answer as from an untyped service (a string header announcing 5 bytes, with 1).
    let bad = bytes::Bytes::from_static(b"\x2c\x61");
    let db = to_db(&client);
    let opts = CallOptions::new();
    let typed_err = guard("typed", db.call_raw("@add", bad.clone(), &opts))
        .await
        .unwrap_err();
    let untyped_err = guard("untyped", db.call_raw("@echo", bad, &opts))
        .await
        .unwrap_err();
    assert!(
        remote_text(&untyped_err).starts_with("undecodable arguments: "),
        "{untyped_err}"
    );
    assert_eq!(remote_text(&typed_err), remote_text(&untyped_err));

    // Results that do not pack (tables nested deeper than skynet packs) get the text an
    // untyped service's would.
    fn nested(depth: usize) -> Value {
        (0..depth).fold(Value::Nil, |inner, _| Value::array(vec![inner]))
    }
    server
        .register(
            "deep_typed",
            typed(|(): ()| async { Ok::<_, ServiceError>(nested(40)) }),
        )
        .unwrap();
    server
        .register(
            "deep",
            skywire_node::sync_service_fn(|_| Ok(vec![nested(40)])),
        )
        .unwrap();
    let typed_err = guard("typed", db.call("@deep_typed", &[]))
        .await
        .unwrap_err();
    let untyped_err = guard("untyped", db.call("@deep", &[])).await.unwrap_err();
    assert!(
        remote_text(&untyped_err).starts_with("cannot pack the results: "),
        "{untyped_err}"
    );
    assert_eq!(remote_text(&typed_err), remote_text(&untyped_err));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_trace_hook_sees_every_message() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let server = Node::builder()
        .trace(move |ev| {
            let line = match ev.message {
                TracedMessage::Request(r) => {
                    format!("{:?} {} {}", ev.direction(), r.kind().as_str(), r.session)
                }
                TracedMessage::Response(r) => {
                    format!("{:?} response {} {}", ev.direction(), r.session, r.ok)
                }
            };
            log.lock().unwrap().push(line);
        })
        .build();
    let (_server, listener, _s) = serving_node_with(server).await;
    let client = client_for(listener.local_addr());
    guard("call", to_db(&client).call("@echo", &[]))
        .await
        .unwrap();
    guard("send", to_db(&client).send("@record", &[]))
        .await
        .unwrap();
    let _ = guard("query", to_db(&client).query("nobody")).await;
    guard("call", to_db(&client).call("@echo", &[]))
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "Received call 1",
            "Sent response 1 true",
            "Received push 0",
            "Received query 2",
            "Sent response 2 false",
            "Received call 3",
            "Sent response 3 true",
        ]
    );
}

/// Busy polling on both nodes, on a runtime with one thread: the spinning readers must
/// let the services, the writers and the other side run, or nothing here would finish
/// within the hang guard (the spin window is twice as long).
#[tokio::test(flavor = "current_thread")]
async fn busy_polling_nodes_on_one_thread_answer_calls_pushes_and_large_messages() {
    let spin = HANG_GUARD * 2;
    let (_server, listener, s) = serving_node_with(Node::builder().busy_poll(spin).build()).await;
    let client = client_with(
        Node::builder().busy_poll(spin).build(),
        listener.local_addr(),
    );
    for n in [100, MULTI_PART - 1, MULTI_PART, MULTI_PART + 1, 200_000] {
        assert_echoes(&client, n).await;
    }
    guard("send", to_db(&client).send("@record", &["pushed".into()]))
        .await
        .unwrap();
    let got = guard("push", s.recorder.wait_for(1)).await;
    assert!(got[0].push && values_content_eq(&got[0].args, &["pushed".into()]));
    // The address a query gives reaches the service.
    let echo = guard("query", to_db(&client).query("echo")).await.unwrap();
    let args = ["by number".into()];
    assert_answers("call", to_db(&client).call(echo, &args), &args).await;
    // Many calls at once over the one connection.
    let remote = to_db(&client);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200i64 {
        let r = remote.clone();
        tasks.spawn(async move { (i, r.call("@echo", &[i.into()]).await) });
    }
    let mut n = 0;
    while let Some(joined) = guard("200 calls", tasks.join_next()).await {
        let (i, ret) = joined.unwrap();
        assert!(values_content_eq(&ret.unwrap(), &[i.into()]));
        n += 1;
    }
    assert_eq!(n, 200);
}

/// `@echo` on node "db" returns an argument that packs to `n` bytes unchanged.
async fn assert_echoes(client: &Node, n: usize) {
    let arg = value_packing_to(n);
    let ret = guard(
        "echo",
        to_db(client).call("@echo", std::slice::from_ref(&arg)),
    )
    .await
    .unwrap();
    assert!(values_content_eq(&ret, &[arg]), "echo of {n} bytes");
}
