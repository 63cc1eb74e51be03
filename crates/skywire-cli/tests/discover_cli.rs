//! `skywire node --etcd` and `skywire discover` against a real etcd (feature `etcd`;
//! Debian `etcd-server`): two CLI nodes publish themselves, `discover` writes the
//! `clustername` file skynet would load (read back with our parser and compared with the
//! addresses the nodes print), replaces it atomically, marks a killed node `false` once its
//! lease expires, and calls the reload service after each write.
#![cfg(feature = "etcd")]

mod common;
#[path = "../../skywire-node/tests/support/etcd_server.rs"]
mod etcd_server;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::child::{temp_path, Running, SKYWIRE};
use etcd_server::EtcdServer;
use skywire_node::{sync_service_fn, ClusterConfig, Node, NodeAddress};

/// `skywire discover ARGS`, its output lines sent to a channel, killed when dropped.
struct Discover {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Drop for Discover {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Discover {
    fn start(args: &[&str]) -> Discover {
        let mut child = Command::new(SKYWIRE)
            .arg("discover")
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in out.lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        Discover { child, lines }
    }

    /// Waits (at most 15 s) for a line starting with `start`.
    fn wait_for(&self, start: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(15)) {
                Ok(l) if l.starts_with(start) => return l,
                Ok(_) => {}
                Err(e) => panic!("no line {start:?}: {e}"),
            }
        }
    }
}

/// `--etcd URL --prefix /cli --out OUT`.
fn discover_args<'a>(url: &'a str, out: &'a std::path::Path) -> Vec<&'a str> {
    vec![
        "--etcd",
        url,
        "--prefix",
        "/cli",
        "--out",
        out.to_str().unwrap(),
    ]
}

fn node(etcd: &EtcdServer, name: &str) -> Running {
    Running::start(&[
        "node",
        "--listen",
        "127.0.0.1:0",
        "--etcd",
        &etcd.url(),
        "--etcd-prefix",
        "/cli",
        "--etcd-ttl",
        "2",
        "--name",
        name,
    ])
}

#[test]
fn discover_keeps_the_clustername_file_and_reloads() {
    let etcd = EtcdServer::start();
    let a = node(&etcd, "a");
    let mut b = Some(node(&etcd, "b"));
    let b_addr = b.as_ref().unwrap().addr.clone();
    let out = temp_path("discover", "clustername");
    let _ = std::fs::remove_file(&out);

    // The reload service, as the skynet node runs it: it reads the file when called.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let reloads: Arc<Mutex<Vec<String>>> = Arc::default();
    let (reloader, reload_at) = rt.block_on(async {
        let node = Node::new();
        let (seen, path) = (reloads.clone(), out.clone());
        node.register(
            "reload",
            sync_service_fn(move |_| {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                seen.lock().unwrap().push(text);
                Ok(vec![true.into()])
            }),
        )
        .unwrap();
        let l = node.listen("127.0.0.1:0").await.unwrap();
        let at = l.local_addr().to_string();
        (Box::new((node, l)), at)
    });

    let url = etcd.url();
    let mut args = discover_args(&url, &out);
    args.extend(["--reload-node", &reload_at]);
    let d = Discover::start(&args);
    // The nodes publish a moment after they listen: wait for the write that has both.
    while d.wait_for("wrote ") != format!("wrote {}: 2 nodes, 0 down", out.display()) {}
    d.wait_for("reloaded ");
    let text = std::fs::read_to_string(&out).unwrap();
    let table = ClusterConfig::parse(&text).unwrap();
    let want = ClusterConfig::new()
        .with_node("a", NodeAddress::At(a.addr.clone()))
        .with_node("b", NodeAddress::At(b_addr.clone()));
    assert_eq!(table.nodes(), want.nodes(), "{text}");
    assert_eq!(table.nowaiting(), Some(true));
    assert_eq!(
        reloads.lock().unwrap().last(),
        Some(&text),
        "reloaded after the write"
    );
    let inode = std::fs::metadata(&out).unwrap().ino();

    // b dies: once its lease expires it is written down, in a new file (renamed over).
    drop(b.take());
    assert_eq!(
        d.wait_for("wrote "),
        format!("wrote {}: 1 nodes, 1 down", out.display())
    );
    d.wait_for("reloaded ");
    let text = std::fs::read_to_string(&out).unwrap();
    let table = ClusterConfig::parse(&text).unwrap();
    assert_eq!(table.nodes()["a"], NodeAddress::At(a.addr.clone()));
    assert_eq!(table.nodes()["b"], NodeAddress::Down);
    assert_eq!(reloads.lock().unwrap().last(), Some(&text));
    assert_ne!(
        std::fs::metadata(&out).unwrap().ino(),
        inode,
        "replaced, not rewritten"
    );
    let dir = out.parent().unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    drop(reloader);
}

#[test]
fn discover_once_writes_and_exits() {
    let etcd = EtcdServer::start();
    let a = node(&etcd, "solo");
    let out = temp_path("discover-once", "clustername");
    let url = etcd.url();
    // The node publishes a moment after it listens: ask until it is there (bounded).
    for _ in 0..100 {
        let mut args = vec!["discover"];
        args.extend(discover_args(&url, &out));
        args.push("--once");
        let o = common::child::skywire(&args);
        assert!(o.status.success(), "{}", common::child::stderr_of(&o));
        let table = ClusterConfig::parse(&std::fs::read_to_string(&out).unwrap()).unwrap();
        if let Some(addr) = table.nodes().get("solo") {
            assert_eq!(addr, &NodeAddress::At(a.addr.clone()));
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("solo never published");
}
