//! Live `clustername` reload: a node watching its file follows each change with skynet's
//! `cluster.reload` semantics, and keeps its table when the file does not parse. Every
//! wait is for the watch's status or a call's outcome, bounded by the hang guard.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use skywire_node::{
    service_fn, sync_service_fn, CallError, ClusterWatch, Listener, Node, NodeAddress, WatchStatus,
};
use skywire_seri::Value;
use support::guard;
use tokio::sync::{watch, Notify};

/// A serving node whose `who` answers `name`, and whose `hold` says it started, then waits
/// until released.
struct Server {
    _node: Node,
    listener: Listener,
    started: Arc<Notify>,
    release: Arc<Notify>,
}

async fn server(name: &'static str) -> Server {
    let node = Node::new();
    node.register("who", sync_service_fn(move |_| Ok(vec![Value::from(name)])))
        .unwrap();
    let release = Arc::new(Notify::new());
    let started = Arc::new(Notify::new());
    let (r, st) = (release.clone(), started.clone());
    node.register(
        "hold",
        service_fn(move |_| {
            let (r, st) = (r.clone(), st.clone());
            async move {
                st.notify_one();
                r.notified().await;
                Ok(vec![])
            }
        }),
    )
    .unwrap();
    let listener = node.listen("127.0.0.1:0").await.unwrap();
    Server {
        _node: node,
        listener,
        started,
        release,
    }
}

fn temp_dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("skywire-watch-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Replaces `path` the way atomic writers do: a temporary file renamed over it.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Waits until the watch has read the file `reads` times in all.
async fn read_times(status: &mut watch::Receiver<WatchStatus>, reads: u64) -> WatchStatus {
    guard(
        "the watch to read the file",
        status.wait_for(|s| s.reads >= reads),
    )
    .await
    .unwrap()
    .clone()
}

async fn who(node: &Node, at: &str) -> Result<Vec<Value>, CallError> {
    guard("call", async { node.remote(at)?.call("@who", &[]).await }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_file_moves_marks_down_and_keeps_the_table_on_a_syntax_error() {
    let a = server("a").await;
    let b = server("b").await;
    let (la, lb) = (&a.listener, &b.listener);
    let dir = temp_dir("follow");
    let file = dir.join("clustername");
    std::fs::write(&file, format!("x = \"{}\"\n", la.local_addr())).unwrap();

    let node = Node::new();
    let watch: ClusterWatch = node.watch_cluster_file(&file).unwrap();
    let mut status = watch.subscribe();
    assert_eq!(watch.status().reloads, 1);
    assert_eq!(who(&node, "x").await.unwrap(), [Value::from("a")]);

    // A call waiting on a, then x moves to b (an atomic replacement): the waiting call
    // fails, the next goes to b.
    let x = node.remote("x").unwrap();
    let pending = tokio::spawn(async move { x.call("@hold", &[]).await });
    guard("hold to start", a.started.notified()).await;
    replace(&file, &format!("x = \"{}\"\n-- moved\n", lb.local_addr()));
    let s = read_times(&mut status, 1).await;
    assert_eq!(s.reloads, 2, "{s:?}");
    let lost = guard("pending call", pending).await.unwrap().unwrap_err();
    assert!(matches!(lost, CallError::ConnectionLost { .. }), "{lost:?}");
    a.release.notify_waiters();
    assert_eq!(who(&node, "x").await.unwrap(), [Value::from("b")]);

    // A syntax error on line 2: reported where it is, the table kept.
    std::fs::write(&file, format!("x = \"{}\"\ny = = 1\n", la.local_addr())).unwrap();
    let s = guard("the error", status.wait_for(|s| s.last_error.is_some()))
        .await
        .unwrap()
        .clone();
    let e = s.last_error.unwrap();
    assert_eq!((e.line, e.column), (2, 5), "{e}");
    assert!(e.to_string().contains("clustername:2:5:"), "{e}");
    assert_eq!(s.reloads, 2);
    assert_eq!(
        node.cluster().nodes()["x"],
        NodeAddress::at(lb.local_addr().to_string()).unwrap()
    );
    assert_eq!(who(&node, "x").await.unwrap(), [Value::from("b")]);

    // `false`: down, calls fail at once; written in place (truncate and write).
    std::fs::write(&file, "x = false\n").unwrap();
    let s = guard("x down", status.wait_for(|s| s.reloads >= 3))
        .await
        .unwrap()
        .clone();
    assert!(s.last_error.is_none());
    let e = who(&node, "x").await.unwrap_err();
    assert!(matches!(e, CallError::NodeDown { .. }), "{e:?}");

    // A node the file no longer names keeps its address (skynet's reload keeps it).
    replace(&file, &format!("y = \"{}\"\n", la.local_addr()));
    guard("y added", status.wait_for(|s| s.reloads >= 4))
        .await
        .unwrap();
    assert_eq!(who(&node, "y").await.unwrap(), [Value::from("a")]);
    assert_eq!(node.cluster().nodes()["x"], NodeAddress::Down);
    drop(watch);
    node.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_callers_learn_of_a_node_and_nowaiting_turns_waiting_off() {
    let a = server("a").await;
    let la = &a.listener;
    let dir = temp_dir("wait");
    let file = dir.join("clustername");
    std::fs::write(&file, "-- nothing yet\n").unwrap();
    let node = Node::builder().wait_for_unknown_nodes(true).build();
    let watch = node.watch_cluster_file(&file).unwrap();
    let mut status = watch.subscribe();

    // A call to a node nobody named yet waits (skynet without __nowaiting)...
    let waiting = {
        let node = node.clone();
        tokio::spawn(async move { node.remote("later")?.call("@who", &[]).await })
    };
    // ...until the file names it.
    replace(&file, &format!("later = \"{}\"\n", la.local_addr()));
    let ret = guard("the waiting call", waiting).await.unwrap().unwrap();
    assert_eq!(ret, [Value::from("a")]);

    // __nowaiting = true: a call to an unknown node fails at once.
    replace(
        &file,
        &format!("later = \"{}\"\n__nowaiting = true\n", la.local_addr()),
    );
    guard("nowaiting", status.wait_for(|s| s.reloads >= 3))
        .await
        .unwrap();
    let e = who(&node, "ghost").await.unwrap_err();
    assert!(matches!(e, CallError::UnknownNode { .. }), "{e:?}");

    // A first read that fails is an error, and nothing is applied.
    let bad = dir.join("bad");
    std::fs::write(&bad, "later = 12\n").unwrap();
    let e = Node::new().watch_cluster_file(&bad).unwrap_err();
    assert!(e.to_string().contains("bad:1:"), "{e}");
    node.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}
