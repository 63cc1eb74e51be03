//! Metrics: a node's Prometheus endpoint, scraped over real HTTP and read with an
//! independent parser of the text format (`prometheus-parse`); `promtool check metrics`
//! too when the Debian `prometheus` package is installed. The expected values are what the
//! test itself did (calls made, failures provoked, connections refused) and what the
//! other side of each connection counted.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use skywire_node::{service_fn, sync_service_fn, Node, NodeAddress, ServiceError};
use skywire_seri::Value;
use support::guard;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One HTTP GET over a fresh connection: status line and body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (String, String, String) {
    let mut s = TcpStream::connect(addr)
        .await
        .expect("connect to the endpoint");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).expect("UTF-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.lines().next().unwrap_or_default().to_owned();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .expect("Content-Length")
        .parse()
        .unwrap();
    assert_eq!(length, body.len(), "Content-Length matches the body");
    (status, head.to_owned(), body.to_owned())
}

/// The samples of a scrape, by name and sorted labels.
struct Scrape {
    text: String,
    samples: HashMap<String, f64>,
}

impl Scrape {
    fn parse(text: String) -> Scrape {
        let lines = text.lines().map(|l| Ok(l.to_owned()));
        let parsed = prometheus_parse::Scrape::parse(lines).expect("the exposition parses");
        let mut samples = HashMap::new();
        for s in parsed.samples {
            let mut labels: Vec<_> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            labels.sort();
            let value = match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                prometheus_parse::Value::Histogram(h) => {
                    // Cumulative buckets, +Inf last and equal to the count.
                    let counts: Vec<f64> = h.iter().map(|b| b.count).collect();
                    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
                    let inf = h
                        .iter()
                        .find(|b| b.less_than.is_infinite())
                        .map(|b| b.count);
                    samples.insert(
                        format!("{}_inf|{}", s.metric, labels.join(",")),
                        inf.unwrap_or(-1.0),
                    );
                    continue;
                }
                prometheus_parse::Value::Summary(_) => continue,
            };
            samples.insert(format!("{}|{}", s.metric, labels.join(",")), value);
        }
        Scrape { text, samples }
    }

    /// The value of `name{labels}` (labels as `k=v`, sorted), or 0 when absent.
    fn get(&self, name: &str, labels: &[&str]) -> f64 {
        let mut l: Vec<&str> = labels.to_vec();
        l.sort();
        *self
            .samples
            .get(&format!("{name}|{}", l.join(",")))
            .unwrap_or(&0.0)
    }

    fn has(&self, name: &str, labels: &[&str]) -> bool {
        let mut l: Vec<&str> = labels.to_vec();
        l.sort();
        self.samples
            .contains_key(&format!("{name}|{}", l.join(",")))
    }
}

async fn scrape(addr: std::net::SocketAddr) -> Scrape {
    let (status, head, body) = guard("scrape", http_get(addr, "/metrics")).await;
    assert_eq!(status, "HTTP/1.1 200 OK", "{head}");
    assert!(
        head.contains("Content-Type: application/openmetrics-text"),
        "{head}"
    );
    Scrape::parse(body)
}

/// `promtool check metrics` on the text, when promtool is installed (the Debian
/// `prometheus` package; `.ci/run` installs it). It parses the text (a syntax error fails
/// here) and lints it. promtool 2.42 reads the Prometheus 0.0.4 format, where a counter's
/// samples carry the family's name; in OpenMetrics (what the node serves, and what
/// Prometheus asks for first) they carry `_total` after it, so promtool sees `X_total`
/// without help text. That one lint, for a counter `X` whose `# HELP` and `# TYPE X
/// counter` are there, is the only one allowed.
fn promtool_check(text: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("promtool not installed: skipping its check");
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let unexplained: Vec<&str> = report
        .lines()
        .filter(|l| {
            let counter = l
                .strip_suffix(" no help text")
                .and_then(|n| n.strip_suffix("_total"));
            !counter.is_some_and(|c| {
                text.contains(&format!("# TYPE {c} counter\n"))
                    && text.contains(&format!("# HELP {c} "))
            })
        })
        .collect();
    assert!(
        unexplained.is_empty() && (out.status.success() || !report.is_empty()),
        "promtool check metrics:\n{report}\n--- text ---\n{text}"
    );
}

/// Polls `cond` on fresh scrapes until it holds (the counts are updated by the node's
/// tasks, not by the call returning), within the hang guard.
async fn scrape_until(
    addr: std::net::SocketAddr,
    what: &str,
    cond: impl Fn(&Scrape) -> bool,
) -> Scrape {
    guard(what, async {
        loop {
            let s = scrape(addr).await;
            if cond(&s) {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scraped_metrics_count_what_the_nodes_did() {
    // The serving node: a service answered at once, one that waits, one that fails.
    let server = Node::builder().metrics().max_connections(2).build();
    server
        .register("echo", sync_service_fn(|req| Ok(req.args)))
        .unwrap();
    server
        .register(
            "slow",
            service_fn(|req| async move {
                tokio::time::sleep(Duration::from_millis(2)).await;
                Ok(req.args)
            }),
        )
        .unwrap();
    server
        .register("fail", sync_service_fn(|_| Err(ServiceError::from("no"))))
        .unwrap();
    let listener = server.listen("127.0.0.1:0").await.unwrap();
    let server_metrics = server.listen_metrics("127.0.0.1:0").await.unwrap();

    // The calling node, with its own endpoint.
    let client = Node::builder().metrics().build();
    client.set_node(
        "srv",
        NodeAddress::at(listener.local_addr().to_string()).unwrap(),
    );
    client.set_node("gone", NodeAddress::Down);
    let client_metrics = client.listen_metrics("127.0.0.1:0").await.unwrap();

    let srv = client.remote("srv").unwrap();
    const ECHO: usize = 37;
    const SLOW: usize = 5;
    for i in 0..ECHO {
        let ret = guard("echo", srv.call("@echo", &[Value::from(i as i64)])).await;
        assert_eq!(ret.unwrap(), [Value::from(i as i64)]);
    }
    for _ in 0..SLOW {
        guard("slow", srv.call("@slow", &["x".into()]))
            .await
            .unwrap();
    }
    // Failures of three kinds on the serving side, two on the calling side.
    assert!(guard("fail", srv.call("@fail", &[])).await.is_err());
    assert!(guard("nope", srv.call("@nope", &[])).await.is_err());
    assert!(guard("addr", srv.call(999u32, &[])).await.is_err());
    guard("push", srv.send("@echo", &["p".into()]))
        .await
        .unwrap();
    let down = client.remote("gone").unwrap();
    assert!(guard("down", down.call("@echo", &[])).await.is_err());
    // Confirms the push arrived (a query after it, answered).
    guard("confirm", srv.confirm()).await.unwrap();

    // Two connections refused by max_connections = 2: the client's, and two more.
    let _a = TcpStream::connect(listener.local_addr()).await.unwrap();
    let _b = TcpStream::connect(listener.local_addr()).await.unwrap();

    let s = scrape_until(server_metrics.local_addr(), "server counts", |s| {
        s.get("skywire_requests_served_total", &["service=echo"]) == (ECHO + 1) as f64
            && s.get("skywire_requests_served_total", &["service=slow"]) == SLOW as f64
            && s.get(
                "skywire_connections_refused_total",
                &["bound=max_connections"],
            ) >= 1.0
    })
    .await;
    promtool_check(&s.text);
    assert_eq!(
        s.get("skywire_requests_served_total", &["service=fail"]),
        1.0
    );
    assert_eq!(
        s.get("skywire_request_duration_seconds_inf", &["service=echo"]),
        (ECHO + 1) as f64
    );
    assert_eq!(
        s.get("skywire_request_duration_seconds_inf", &["service=slow"]),
        SLOW as f64
    );
    for kind in ["service_error", "invalid_name", "invalid_address"] {
        assert_eq!(
            s.get(
                "skywire_errors_total",
                &["side=serving", &format!("kind={kind}")]
            ),
            1.0,
            "{kind}\n{}",
            s.text
        );
    }
    // _a took the second slot; _b was refused (and anything more).
    assert_eq!(
        s.get("skywire_connections", &["side=serving"]),
        2.0,
        "{}",
        s.text
    );
    assert!(s.get("skywire_connections_opened_total", &["side=serving"]) >= 2.0);
    assert_eq!(s.get("skywire_requests_in_flight", &[]), 0.0);
    assert!(
        s.has("skywire_reassembly_buffered_bytes", &["side=serving"]),
        "{}",
        s.text
    );
    assert!(s.get("skywire_memory_budget_bytes", &[]) > 0.0);

    let c = scrape(client_metrics.local_addr()).await;
    promtool_check(&c.text);
    // Calls: echo, slow, the three failing ones (the confirming query is the node's own,
    // not counted); the down node's.
    assert_eq!(
        c.get("skywire_calls_total", &["node=srv"]),
        (ECHO + SLOW + 3) as f64,
        "{}",
        c.text
    );
    assert_eq!(c.get("skywire_calls_total", &["node=gone"]), 1.0);
    assert_eq!(c.get("skywire_pushes_total", &["node=srv"]), 1.0);
    assert_eq!(
        c.get("skywire_call_duration_seconds_inf", &["node=srv"]),
        (ECHO + SLOW + 3) as f64
    );
    assert_eq!(
        c.get("skywire_errors_total", &["side=calling", "kind=remote"]),
        3.0
    );
    assert_eq!(
        c.get("skywire_errors_total", &["side=calling", "kind=node_down"]),
        1.0
    );
    assert_eq!(c.get("skywire_connections", &["side=calling"]), 1.0);
    assert_eq!(
        c.get("skywire_connections_opened_total", &["side=calling"]),
        1.0
    );
    assert_eq!(c.get("skywire_calls_in_flight", &[]), 0.0);

    // Bytes: what one side wrote, the other read (all is answered and confirmed; the
    // refused connections sent nothing). Counted independently, at write and at read.
    let sent = c.get("skywire_sent_bytes_total", &["side=calling"]);
    assert!(sent > 0.0);
    assert_eq!(
        s.get("skywire_received_bytes_total", &["side=serving"]),
        sent
    );
    let answered = scrape_until(client_metrics.local_addr(), "responses read", |c| {
        c.get("skywire_received_bytes_total", &["side=calling"])
            == s.get("skywire_sent_bytes_total", &["side=serving"])
    })
    .await;
    assert!(answered.get("skywire_received_bytes_total", &["side=calling"]) > 0.0);

    // Other paths and methods.
    let (status, _, _) = http_get(server_metrics.local_addr(), "/other").await;
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    server.shutdown();
    client.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowlist_refusals_and_metrics_off() {
    let node = Node::builder()
        .metrics()
        .allow("192.0.2.0/24".parse().unwrap())
        .build();
    let listener = node.listen("127.0.0.1:0").await.unwrap();
    let endpoint = node.listen_metrics("127.0.0.1:0").await.unwrap();
    for _ in 0..3 {
        let mut s = TcpStream::connect(listener.local_addr()).await.unwrap();
        // Refused: closed at once, so the read ends.
        let mut buf = [0u8; 1];
        let _ = guard("refused", s.read(&mut buf)).await;
    }
    let s = scrape_until(endpoint.local_addr(), "refusals", |s| {
        s.get("skywire_connections_refused_total", &["bound=allowlist"]) == 3.0
    })
    .await;
    assert_eq!(
        s.get("skywire_connections_opened_total", &["side=serving"]),
        0.0
    );

    // A node without metrics renders nothing and its endpoint says so.
    let off = Node::new();
    assert!(off.metrics_text().is_none());
    let e = off.listen_metrics("127.0.0.1:0").await.unwrap();
    let (status, _, _) = http_get(e.local_addr(), "/metrics").await;
    assert_eq!(status, "HTTP/1.1 503 Service Unavailable");
    node.shutdown();
}
