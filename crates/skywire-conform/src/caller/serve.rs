//! The recording node of `skywire conform --serve`: it accepts callers, relays their bytes
//! to a skywire node serving the contract (so they get real answers), and keeps every byte
//! each connection sent, for [`super::compare`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use crate::contract;

/// When to stop recording.
#[derive(Clone, Copy, Debug)]
pub struct Until {
    /// The script's number of steps: once that many requests and pushes came...
    pub steps: usize,
    /// ...stop when every connection closed, or nothing came for this long.
    pub idle: Duration,
    /// Stop anyway after this long.
    pub limit: Duration,
}

fn lock(s: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    s.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Default)]
struct State {
    conns: Vec<Vec<u8>>,
    open: usize,
    seen: bool,
}

/// An error setting up the recording node.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The contract node could not start.
    #[error("contract node: {0}")]
    Register(#[from] skywire_node::RegisterError),
    /// Listening or connecting on loopback failed.
    #[error("contract node: {0}")]
    Io(#[from] std::io::Error),
}

/// Accepts callers on `listener` until `until` says stop; returns what each connection
/// sent, in the order they connected.
pub async fn record(listener: TcpListener, until: Until) -> Result<Vec<Vec<u8>>, ServeError> {
    let node = skywire_node::Node::new();
    contract::register(&node)?;
    let upstream = node.listen("127.0.0.1:0").await?;
    let up_addr = upstream.local_addr();
    let state = Arc::new(Mutex::new(State::default()));
    let start = Instant::now();
    let mut last_len = 0;
    let mut last_change = Instant::now();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((client, _)) = accepted else { continue };
                let index = {
                    let mut s = lock(&state);
                    s.conns.push(Vec::new());
                    s.open += 1;
                    s.seen = true;
                    s.conns.len() - 1
                };
                let state = state.clone();
                tokio::spawn(async move {
                    relay(client, up_addr, &state, index).await;
                    lock(&state).open -= 1;
                });
            }
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        let done = {
            let s = lock(&state);
            let total: usize = s.conns.iter().map(Vec::len).sum();
            if total != last_len {
                last_len = total;
                last_change = Instant::now();
            }
            let refs: Vec<&[u8]> = s.conns.iter().map(Vec::as_slice).collect();
            let steps = super::compare::count_steps(&refs);
            let finished = s.seen
                && steps >= until.steps
                && (s.open == 0 || last_change.elapsed() >= until.idle);
            (finished || start.elapsed() >= until.limit).then(|| s.conns.clone())
        };
        if let Some(conns) = done {
            upstream.shutdown().await;
            node.shutdown();
            return Ok(conns);
        }
    }
}

/// Relays one caller to the contract node, keeping what the caller sent.
async fn relay(
    client: TcpStream,
    up_addr: std::net::SocketAddr,
    state: &Arc<Mutex<State>>,
    index: usize,
) {
    let Ok(up) = TcpStream::connect(up_addr).await else {
        return;
    };
    let _ = (client.set_nodelay(true), up.set_nodelay(true));
    let (mut cr, mut cw) = client.into_split();
    let (mut ur, mut uw) = up.into_split();
    let back = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut ur, &mut cw).await;
        let _ = cw.shutdown().await;
    });
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match cr.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        lock(state).conns[index].extend_from_slice(&buf[..n]);
        if uw.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = uw.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), back).await;
}
