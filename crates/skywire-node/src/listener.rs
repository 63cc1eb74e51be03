//! The accepting side: [`Listener`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::admission::Refusal;
use crate::metrics::{Bound, Side};
use crate::node::Shared;
use crate::serving::serve;

/// A node's listening socket (what skynet's `cluster.open` opens). Serving stops when it
/// is shut down or dropped, or when the node shuts down.
#[derive(Debug)]
pub struct Listener {
    local_addr: SocketAddr,
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Listener {
    pub(crate) fn start(listener: TcpListener, shared: Arc<Shared>) -> std::io::Result<Listener> {
        let local_addr = listener.local_addr()?;
        let cancel = shared.shutdown.child_token();
        let task = tokio::spawn(accept_loop(listener, shared, cancel.clone()));
        tracing::info!(%local_addr, "listening");
        Ok(Listener {
            local_addr,
            cancel,
            task: Some(task),
        })
    }

    /// The address it listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting and closes every connection it accepted at once: requests in
    /// flight are abandoned (their services are cancelled), so callers see the connection
    /// drop.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, cancel: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            _ = shared.draining.cancelled() => return,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((stream, peer)) => {
                let permit = match shared.admission.admit(peer.ip()) {
                    Ok(p) => p,
                    Err(why) => {
                        tracing::warn!(%peer, "refusing connection: {why}");
                        shared.config.metrics.refused(match why {
                            Refusal::NotAllowed => Bound::Allowlist,
                            Refusal::Full { .. } => Bound::MaxConnections,
                        });
                        drop(stream);
                        continue;
                    }
                };
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(%peer, "set_nodelay: {e}");
                }
                shared.config.metrics.opened(Side::Serving);
                tokio::spawn(serve(stream, peer, shared.clone(), cancel.clone(), permit));
            }
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!("accept failed: {e}");
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                }
            }
        }
    }
}
