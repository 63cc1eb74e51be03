//! Discovery through a real etcd (feature `etcd`; Debian `etcd-server`): nodes publish
//! themselves and follow the prefix; a crashed node's key expires and calls to it fail at
//! once; a node back on a new port is followed; etcd restarted, everything recovers.
//! Every wait is for a watch's state, bounded by the hang guard.
#![cfg(feature = "etcd")]

#[path = "support/etcd_server.rs"]
mod etcd_server;
mod support;

use std::time::Duration;

use etcd_server::EtcdServer;
use skywire_node::etcd::{EtcdConfig, FleetState, FleetWatch, Publication, PublishState};
use skywire_node::{sync_service_fn, CallError, Listener, Node, NodeAddress};
use skywire_seri::Value;
use support::guard;
use tokio::sync::watch;

/// Short TTL and retries, so expiry and recovery take a few seconds.
fn config(etcd: &EtcdServer, prefix: &str) -> EtcdConfig {
    EtcdConfig::new([etcd.url()], prefix)
        .ttl(Duration::from_secs(2))
        .retry(Duration::from_millis(50), Duration::from_millis(400))
        .request_timeout(Duration::from_secs(1))
}

/// A node whose `who` answers `tag`, listening on a free port, published as `name` and
/// following the prefix.
struct Member {
    node: Node,
    listener: Listener,
    who: u32,
    published: Publication,
    follow: FleetWatch,
}

async fn member(config: &EtcdConfig, name: &str, tag: &'static str) -> Member {
    let node = Node::new();
    let who = node
        .register("who", sync_service_fn(move |_| Ok(vec![Value::from(tag)])))
        .unwrap();
    let listener = node.listen("127.0.0.1:0").await.unwrap();
    let published = node
        .publish_etcd(config.clone(), name, &listener.local_addr().to_string())
        .unwrap();
    let follow = node.follow_etcd(config.clone());
    Member {
        node,
        listener,
        who,
        published,
        follow,
    }
}

impl Member {
    fn addr(&self) -> NodeAddress {
        NodeAddress::At(self.listener.local_addr().to_string())
    }
}

/// Waits until the watch's state satisfies `ok`.
async fn until(what: &str, mut rx: watch::Receiver<FleetState>, ok: impl Fn(&FleetState) -> bool) {
    guard(what, rx.wait_for(|s| ok(s)))
        .await
        .expect("watch ended");
}

/// Waits until the publication's state satisfies `ok`.
async fn until_published(
    what: &str,
    mut rx: watch::Receiver<PublishState>,
    ok: impl Fn(&PublishState) -> bool,
) {
    guard(what, rx.wait_for(|s| ok(s)))
        .await
        .expect("publication ended");
}

/// `who` on `node` as seen from `from`.
async fn who(from: &Node, node: &str) -> Result<Vec<Value>, CallError> {
    from.remote(node)?.call("@who", &[]).await
}

fn at(fleet: &FleetState, node: &str) -> Option<NodeAddress> {
    fleet.fleet.nodes().get(node).cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_discover_and_call_each_other() {
    let etcd = EtcdServer::start();
    let c = config(&etcd, "/three");
    let members = [
        member(&c, "a", "I am a").await,
        member(&c, "b", "I am b").await,
        member(&c, "c", "I am c").await,
    ];
    let names = ["a", "b", "c"];
    for m in &members {
        let want: Vec<(String, NodeAddress)> = names
            .iter()
            .zip(&members)
            .map(|(n, m)| (n.to_string(), m.addr()))
            .collect();
        until("the three in every table", m.follow.subscribe(), |s| {
            want.iter().all(|(n, a)| at(s, n).as_ref() == Some(a))
        })
        .await;
    }
    for (from, m) in members.iter().enumerate() {
        for (to, name) in names.iter().enumerate() {
            let got = who(&m.node, name).await.unwrap();
            assert_eq!(
                got,
                [Value::from(format!("I am {name}").as_str())],
                "{from} -> {to}"
            );
            // The registry answers cluster.query: the address `register` gave.
            assert_eq!(
                m.follow.state().fleet.query(name, "who"),
                Some(members[to].who)
            );
        }
    }
    // The node tables hold exactly what was published.
    let table = members[0].node.cluster();
    assert_eq!(table.nodes().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_values_are_skipped_and_the_last_good_one_kept() {
    let etcd = EtcdServer::start();
    let c = config(&etcd, "/bad");
    let a = member(&c, "a", "I am a").await;
    let good = a.addr();
    until("a sees itself", a.follow.subscribe(), |s| {
        at(s, "a") == Some(good.clone())
    })
    .await;
    let mut client = etcd_client::Client::connect([etcd.url()], None)
        .await
        .unwrap();
    for (key, value) in [
        ("/bad/nodes/a", "no port here"),
        ("/bad/nodes/not-lua", "127.0.0.1:1"),
        ("/bad/nodes/z", "127.0.0.1:9"),
    ] {
        client.put(key, value, None).await.unwrap();
    }
    until("z seen", a.follow.subscribe(), |s| at(s, "z").is_some()).await;
    let s = a.follow.state();
    assert_eq!(s.skipped, 2);
    assert_eq!(
        at(&s, "a"),
        Some(good.clone()),
        "the bad value did not replace the good one"
    );
    assert!(at(&s, "not-lua").is_none());
    assert_eq!(a.node.cluster().nodes()["a"], good);
}

/// A node in its own runtime, to crash: shutting the runtime down drops its tasks
/// without letting them run (no lease revoked, no goodbye).
fn crashable(
    config: EtcdConfig,
    name: &'static str,
    tag: &'static str,
) -> (
    tokio::runtime::Runtime,
    tokio::sync::oneshot::Receiver<NodeAddress>,
) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    rt.spawn(async move {
        let m = member(&config, name, tag).await;
        let _ = tx.send(m.addr());
        std::future::pending::<()>().await;
        drop(m);
    });
    (rt, rx)
}

/// Under `prefix`: node "a", and node "b" (answering `b_tag`) in a runtime of its own, seen
/// by a and called once, then crashed. Gives the config, a, and where b was.
async fn a_then_b_crashed(
    etcd: &EtcdServer,
    prefix: &str,
    b_tag: &'static str,
) -> (EtcdConfig, Member, NodeAddress) {
    let c = config(etcd, prefix);
    let a = member(&c, "a", "I am a").await;
    let (rt, addr) = crashable(c.clone(), "b", b_tag);
    let b_addr = guard("b starts", addr).await.unwrap();
    until("a sees b", a.follow.subscribe(), |s| {
        at(s, "b") == Some(b_addr.clone())
    })
    .await;
    assert_eq!(who(&a.node, "b").await.unwrap(), [Value::from(b_tag)]);
    rt.shutdown_background();
    (c, a, b_addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_node_expires_and_calls_to_it_fail_at_once() {
    let etcd = EtcdServer::start();
    let (_, a, b_addr) = a_then_b_crashed(&etcd, "/crash", "I am b").await;
    // Crashed, not withdrawn: the key stays until its lease expires.
    assert_eq!(at(&a.follow.state(), "b"), Some(b_addr.clone()));
    until("b's key expires", a.follow.subscribe(), |s| {
        s.fleet.gone().contains("b")
    })
    .await;
    assert_eq!(a.node.cluster().nodes()["b"], NodeAddress::Down);
    let err = who(&a.node, "b").await.unwrap_err();
    assert!(matches!(err, CallError::NodeDown { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_back_on_a_new_port_is_followed() {
    let etcd = EtcdServer::start();
    let (c, a, first) = a_then_b_crashed(&etcd, "/moved", "first b").await;
    // Back at once, before the old lease expires, on another port.
    let b = member(&c, "b", "second b").await;
    assert_ne!(b.addr(), first);
    until("a sees b moved", a.follow.subscribe(), |s| {
        at(s, "b") == Some(b.addr())
    })
    .await;
    assert_eq!(who(&a.node, "b").await.unwrap(), [Value::from("second b")]);
    // The old lease expiring does not take the new key with it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(at(&a.follow.state(), "b"), Some(b.addr()));
    assert_eq!(who(&a.node, "b").await.unwrap(), [Value::from("second b")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_etcd_restarts_everything_recovers() {
    let mut etcd = EtcdServer::start();
    let c = config(&etcd, "/restart");
    let a = member(&c, "a", "I am a").await;
    let b = member(&c, "b", "I am b").await;
    until("a sees b", a.follow.subscribe(), |s| {
        at(s, "b") == Some(b.addr())
    })
    .await;
    etcd.kill();
    until("a notices", a.follow.subscribe(), |s| {
        !s.connected && s.last_error.is_some()
    })
    .await;
    // The last good table is kept: b is still called.
    assert_eq!(who(&a.node, "b").await.unwrap(), [Value::from("I am b")]);
    etcd.restart();
    // b is published again: under a new lease if it saw etcd go, or still under its old
    // one if no keep-alive of it failed meanwhile (etcd keeps leases across a restart and
    // renews them), which a quick restart allows.
    until_published("b published again", b.published.subscribe(), |s| {
        s.lease.is_some() && s.last_error.is_none()
    })
    .await;
    until("a watches again", a.follow.subscribe(), |s| s.connected).await;
    // A node that joins after the restart is seen by both.
    let d = member(&c, "d", "I am d").await;
    for m in [&a, &b] {
        until("d seen", m.follow.subscribe(), |s| {
            at(s, "d") == Some(d.addr())
        })
        .await;
    }
    until("d sees a and b", d.follow.subscribe(), |s| {
        at(s, "a") == Some(a.addr()) && at(s, "b") == Some(b.addr())
    })
    .await;
    assert_eq!(who(&d.node, "a").await.unwrap(), [Value::from("I am a")]);
    assert_eq!(who(&a.node, "d").await.unwrap(), [Value::from("I am d")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_node_goes_at_once() {
    let etcd = EtcdServer::start();
    let c = config(&etcd, "/leave").ttl(Duration::from_secs(60));
    let a = member(&c, "a", "I am a").await;
    let b = member(&c, "b", "I am b").await;
    until("a sees b", a.follow.subscribe(), |s| {
        at(s, "b") == Some(b.addr())
    })
    .await;
    // A 60 s lease: only the revoke can make b go within the hang guard.
    b.published.withdraw().await;
    until("b gone", a.follow.subscribe(), |s| {
        s.fleet.gone().contains("b")
    })
    .await;
    assert!(a.follow.state().fleet.query("b", "who").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_follow_the_registry() {
    let etcd = EtcdServer::start();
    let c = config(&etcd, "/names");
    let a = member(&c, "a", "I am a").await;
    until("a's who", a.follow.subscribe(), |s| {
        s.fleet.query("a", "who") == Some(a.who)
    })
    .await;
    let kv = a
        .node
        .register("kv", sync_service_fn(|r| Ok(r.args)))
        .unwrap();
    until("kv published at a renewal", a.follow.subscribe(), |s| {
        s.fleet.query("a", "kv") == Some(kv)
    })
    .await;
    a.node.unregister("who");
    until("who withdrawn", a.follow.subscribe(), |s| {
        s.fleet.query("a", "who").is_none()
    })
    .await;
    assert_eq!(a.follow.state().fleet.query("a", "kv"), Some(kv));
}
