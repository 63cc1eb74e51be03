//! Discovery at scale (bench/etcd_fleet.sh runs it; not a test): N simulated nodes join
//! one etcd and leave it, one watcher (a child process, so its memory is its own) follows
//! them.
//!
//! ```text
//! etcd_fleet URL [N]         the bench: prints the figures
//! etcd_fleet --watch URL P   the watcher: prints `ready`, `join NAME T`, `leave NAME T`
//!                            (T: Unix time in µs), and on end of input `stats ...`
//! ```
//!
//! Each simulated node is a `Node` with two services (three keys: its node key and two
//! names) published under its own lease, with its own etcd connection, at a made-up
//! address (nothing connects to it). A join is timed from the `publish_etcd` call to the
//! watcher seeing the node; a leave from the `withdraw` call (a lease revoke) to the
//! watcher seeing it gone.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use skywire_node::etcd::{self, EtcdConfig, Publication};
use skywire_node::{sync_service_fn, Node};

/// Extra nodes that join and leave one at a time into the full fleet.
const ONE_AT_A_TIME: usize = 50;

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// VmRSS of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    if args.first().map(String::as_str) == Some("--watch") {
        rt.block_on(watcher(&args[1], &args[2]));
    } else {
        let url = args.first().expect("usage: etcd_fleet URL [N]");
        let n = args.get(1).map_or(200, |s| s.parse().expect("N"));
        rt.block_on(bench(url, n));
    }
}

async fn watcher(url: &str, prefix: &str) {
    let rss_start = rss_kib();
    let w = etcd::watch(EtcdConfig::new([url], prefix));
    let mut rx = w.subscribe();
    let stdin_closed = tokio::task::spawn_blocking(|| {
        let mut s = String::new();
        while std::io::stdin().read_line(&mut s).is_ok_and(|n| n > 0) {}
    });
    tokio::pin!(stdin_closed);
    let (mut nodes, mut gone) = (BTreeSet::new(), BTreeSet::new());
    let mut ready = false;
    let mut out = std::io::stdout().lock();
    loop {
        tokio::select! {
            _ = &mut stdin_closed => break,
            r = rx.changed() => if r.is_err() { break },
        }
        let s = rx.borrow_and_update().clone();
        if s.connected && !ready {
            ready = true;
            let _ = writeln!(out, "ready");
        }
        let t = now_us();
        for n in s.fleet.nodes().keys().filter(|n| !nodes.contains(*n)) {
            let _ = writeln!(out, "join {n} {t}");
        }
        for n in s.fleet.gone().iter().filter(|n| !gone.contains(*n)) {
            let _ = writeln!(out, "leave {n} {t}");
        }
        let _ = out.flush();
        nodes = s.fleet.nodes().keys().cloned().collect();
        gone = s.fleet.gone().clone();
    }
    let s = w.state();
    let _ = writeln!(
        out,
        "stats updates={} rss_start_kib={rss_start} rss_kib={}",
        s.updates,
        rss_kib()
    );
}

/// A node with two services (`echo`, `kv`), published as `name` at `addr`.
fn simulated(config: &EtcdConfig, name: &str, addr: &str) -> (Node, Publication) {
    let node = Node::new();
    for service in ["echo", "kv"] {
        node.register(service, sync_service_fn(|r| Ok(r.args)))
            .expect("register");
    }
    let p = node
        .publish_etcd(config.clone(), name, addr)
        .expect("publish");
    (node, p)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

fn report(what: &str, start: &HashMap<String, u64>, seen: &HashMap<String, u64>) {
    let mut d: Vec<u64> = start
        .iter()
        .map(|(n, t0)| seen[n].saturating_sub(*t0))
        .collect();
    d.sort_unstable();
    println!(
        "{what}: n={} p50={:.1} ms p99={:.1} ms max={:.1} ms",
        d.len(),
        percentile(&d, 0.5),
        percentile(&d, 0.99),
        percentile(&d, 1.0)
    );
}

/// Reads the watcher's lines starting with `tag` until it has one per node: name -> time.
fn collect(next: &dyn Fn(&str) -> String, tag: &str, n: usize) -> (HashMap<String, u64>, u64) {
    let mut seen = HashMap::new();
    let mut lines = 0;
    while seen.len() < n {
        let l = next(tag);
        lines += 1;
        if let Some((name, t)) = l.strip_prefix(tag).and_then(|r| r.split_once(' ')) {
            seen.insert(name.to_owned(), t.parse::<u64>().expect("time"));
        }
    }
    (seen, lines)
}

async fn bench(url: &str, n: usize) {
    let prefix = format!("/fleet-{}", std::process::id());
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .args(["--watch", url, &prefix])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("watcher");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let (tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for l in stdout.lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    let next = move |what: &str| {
        lines
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("watcher: no {what}: {e}"))
    };
    assert_eq!(next("ready"), "ready");

    let config = EtcdConfig::new([url], &prefix).ttl(Duration::from_secs(30));
    let names: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
    let mut started = HashMap::new();
    let mut pubs: Vec<(Node, Publication)> = Vec::new();
    let t0 = Instant::now();
    for (i, name) in names.iter().enumerate() {
        started.insert(name.clone(), now_us());
        let addr = format!("10.0.{}.{}:2528", i / 250, i % 250 + 1);
        pubs.push(simulated(&config, name, &addr));
    }
    let (joined, _) = collect(&next, "join ", n);
    let converged = t0.elapsed();
    let mut client = etcd_client::Client::connect([url], None)
        .await
        .expect("etcd");
    let count = etcd_client::GetOptions::new()
        .with_prefix()
        .with_count_only();
    let keys = client
        .get(prefix.as_str(), Some(count))
        .await
        .expect("count")
        .count();
    println!("nodes={n} keys={keys} ({} per node)", keys as usize / n);
    println!(
        "join: all {n} visible to the watcher {:.0} ms after the first publish",
        converged.as_secs_f64() * 1e3
    );
    report("join (publish_etcd -> watcher sees it)", &started, &joined);

    // One at a time into the full fleet: each join, then each leave, on its own.
    let (mut one_start, mut one_joined, mut one_left_start, mut one_left) = (
        HashMap::new(),
        HashMap::new(),
        HashMap::new(),
        HashMap::new(),
    );
    for i in 0..ONE_AT_A_TIME {
        let name = format!("x{i}");
        one_start.insert(name.clone(), now_us());
        let (_node, p) = simulated(&config, &name, "10.1.0.1:2528");
        let (seen, _) = collect(&next, "join ", 1);
        one_joined.extend(seen);
        one_left_start.insert(name.clone(), now_us());
        p.withdraw().await;
        let (seen, _) = collect(&next, "leave ", 1);
        one_left.extend(seen);
    }
    report(
        &format!("one join into the {n} (publish_etcd -> watcher sees it)"),
        &one_start,
        &one_joined,
    );
    report(
        &format!("one leave from the {n} (withdraw -> watcher sees it gone)"),
        &one_left_start,
        &one_left,
    );

    let mut left_start = HashMap::new();
    let t1 = Instant::now();
    let mut withdrawals = Vec::new();
    for ((_, p), name) in pubs.into_iter().zip(&names) {
        left_start.insert(name.clone(), now_us());
        withdrawals.push(tokio::spawn(p.withdraw()));
    }
    let (left, _) = collect(&next, "leave ", n);
    println!(
        "leave: all {n} gone for the watcher {:.0} ms after the first revoke",
        t1.elapsed().as_secs_f64() * 1e3
    );
    report(
        "leave (withdraw -> watcher sees it gone)",
        &left_start,
        &left,
    );
    drop(child.stdin.take());
    let stats = next("stats");
    println!("watcher: {stats}");
    let _ = child.wait();
    for w in withdrawals {
        let _ = w.await;
    }
}
