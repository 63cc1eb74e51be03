//! Bounds for the whole node, not only per connection: a node-wide memory budget, a
//! bound on connections, a peer allowlist, a deadline for multi-part requests and an
//! optional idle timeout. Each bad peer is closed; normal calls on other connections go
//! on meanwhile.

use std::time::Duration;

use skywire_node::{sync_service_fn, Node};
use skywire_seri::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const GUARD: Duration = Duration::from_secs(20);

fn frame(body: &[u8]) -> Vec<u8> {
    let mut f = (body.len() as u16).to_be_bytes().to_vec();
    f.extend_from_slice(body);
    f
}

/// A multi-part request header to `@echo` declaring `size` bytes.
fn header(session: u32, size: u32) -> Vec<u8> {
    let mut b = vec![0x81, 5];
    b.extend_from_slice(b"@echo");
    b.extend_from_slice(&session.to_le_bytes());
    b.extend_from_slice(&size.to_le_bytes());
    frame(&b)
}

/// A part (more follow) of `session`.
fn part(session: u32) -> Vec<u8> {
    let mut b = vec![2];
    b.extend_from_slice(&session.to_le_bytes());
    b.extend_from_slice(&[b'f'; 0x8000]);
    frame(&b)
}

async fn echo_node(builder: skywire_node::NodeBuilder) -> (Node, String) {
    let node = builder.build();
    node.register("echo", sync_service_fn(|r| Ok(r.args)))
        .unwrap();
    let listener = node.listen("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().to_string();
    std::mem::forget(listener); // serves until the test ends
    (node, addr)
}

/// True once the node closed `sock` (within the guard).
async fn closed_by_node(sock: &mut TcpStream) -> bool {
    let mut b = [0u8; 64];
    loop {
        match tokio::time::timeout(GUARD, sock.read(&mut b)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

/// The test process's resident memory, from /proc (Linux).
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split(' ')
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

async fn a_call_works(addr: &str) {
    let client = Node::new();
    let remote = client.remote_at(addr);
    let ret = tokio::time::timeout(GUARD, remote.call("@echo", &["ok?".into()]))
        .await
        .expect("call hung")
        .unwrap();
    assert_eq!(ret, [Value::from("ok?")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_budget_holds_for_the_whole_node() {
    const BUDGET: usize = 32 << 20;
    const FLOODERS: usize = 100;
    const EACH: u32 = 2 << 20; // each flooder declares 2 MiB and sends it all but one part
    let (_node, addr) = echo_node(Node::builder().memory_budget(BUDGET)).await;
    let before = rss();
    let mut flooders = Vec::new();
    for _ in 0..FLOODERS {
        let addr = addr.clone();
        flooders.push(tokio::spawn(async move {
            let mut sock = TcpStream::connect(&addr).await.unwrap();
            if sock.write_all(&header(1, EACH)).await.is_err() {
                return false;
            }
            for _ in 0..(EACH as usize / 0x8000 - 1) {
                if sock.write_all(&part(1)).await.is_err() {
                    return false; // closed by the node
                }
            }
            // Everything but the last part was written (the kernel takes it even from a
            // connection the node has closed): kept only if the node has not closed it.
            let mut b = [0u8; 1];
            // Still open: nothing to read before the timeout.
            tokio::time::timeout(Duration::from_secs(3), sock.read(&mut b))
                .await
                .is_err()
        }));
    }
    // Meanwhile, a normal call on another connection.
    tokio::time::sleep(Duration::from_millis(500)).await;
    a_call_works(&addr).await;
    let grown = rss().saturating_sub(before);
    let mut kept = 0;
    for f in flooders {
        kept += usize::from(f.await.unwrap());
    }
    assert!(
        kept <= BUDGET / EACH as usize,
        "{kept} flooders kept their 2 MiB each"
    );
    assert!(kept >= 1, "the budget has room for some");
    // Under the budget plus a margin for buffers and the allocator (without the budget:
    // 100 x 2 MiB = 200 MiB).
    assert!(
        grown < BUDGET + (32 << 20),
        "RSS grew by {} MiB",
        grown >> 20
    );
}

#[tokio::test]
async fn connections_beyond_the_bound_are_closed_at_once() {
    let (_node, addr) = echo_node(Node::builder().max_connections(2)).await;
    let one = TcpStream::connect(&addr).await.unwrap();
    let _two = TcpStream::connect(&addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut three = TcpStream::connect(&addr).await.unwrap();
    assert!(
        closed_by_node(&mut three).await,
        "the third connection was kept"
    );
    drop(one);
    tokio::time::sleep(Duration::from_millis(100)).await;
    a_call_works(&addr).await;
}

#[tokio::test]
async fn peers_outside_the_allowlist_are_closed() {
    let (_node, addr) = echo_node(Node::builder().allow("10.0.0.0/8".parse().unwrap())).await;
    let mut sock = TcpStream::connect(&addr).await.unwrap();
    assert!(
        closed_by_node(&mut sock).await,
        "a peer outside the allowlist was kept"
    );
    let (_node, addr) = echo_node(
        Node::builder()
            .allow("10.0.0.0/8".parse().unwrap())
            .allow("127.0.0.0/8".parse().unwrap()),
    )
    .await;
    a_call_works(&addr).await;
}

#[tokio::test]
async fn an_unfinished_multi_part_request_times_out() {
    let builder = Node::builder().multi_part_timeout(Duration::from_millis(300));
    let (_node, addr) = echo_node(builder).await;
    let mut sock = TcpStream::connect(&addr).await.unwrap();
    sock.write_all(&header(1, 0x10000)).await.unwrap();
    sock.write_all(&part(1)).await.unwrap();
    assert!(
        closed_by_node(&mut sock).await,
        "kept open with a multi-part request unfinished"
    );
    a_call_works(&addr).await;
}

#[tokio::test]
async fn idle_connections_are_kept_unless_an_idle_timeout_is_set() {
    let (_node, addr) = echo_node(Node::builder()).await;
    let mut sock = TcpStream::connect(&addr).await.unwrap();
    let mut b = [0u8; 1];
    let quiet = tokio::time::timeout(Duration::from_millis(800), sock.read(&mut b)).await;
    assert!(
        quiet.is_err(),
        "an idle connection was closed without an idle timeout"
    );
    let (_node, addr) = echo_node(Node::builder().idle_timeout(Duration::from_millis(200))).await;
    let mut sock = TcpStream::connect(&addr).await.unwrap();
    assert!(closed_by_node(&mut sock).await);
}
