//! The accepting side: [`Listener`].

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::accept_task::AcceptTask;
use crate::admission::Refusal;
use crate::metrics::{Bound, Side};
use crate::node::Shared;
use crate::serving::serve;

/// A node's listening socket (what skynet's `cluster.open` opens). Serving stops when it
/// is shut down or dropped, or when the node shuts down.
#[derive(Debug)]
pub struct Listener {
    task: AcceptTask,
}

impl Listener {
    pub(crate) fn start(listener: TcpListener, shared: Arc<Shared>) -> std::io::Result<Listener> {
        let cancel = shared.shutdown.child_token();
        let draining = shared.draining.clone();
        let connection_cancel = cancel.clone();
        let task = AcceptTask::spawn(
            listener,
            cancel,
            "listener",
            async move { draining.cancelled().await },
            move |stream, peer| accept(stream, peer, &shared, &connection_cancel),
        )?;
        tracing::info!(local_addr = %task.local_addr(), "listening");
        Ok(Listener { task })
    }

    /// The address it listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.task.local_addr()
    }

    /// Stops accepting and closes every connection it accepted at once: requests in
    /// flight are abandoned (their services are cancelled), so callers see the connection
    /// drop.
    pub async fn shutdown(self) {
        self.task.shutdown().await;
    }
}

/// Admits an accepted connection (or refuses it) and spawns its serving task.
fn accept(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    shared: &Arc<Shared>,
    cancel: &tokio_util::sync::CancellationToken,
) {
    let permit = match shared.admission.admit(peer.ip()) {
        Ok(p) => p,
        Err(why) => {
            tracing::warn!(%peer, "refusing connection: {why}");
            shared.config.metrics.refused(match why {
                Refusal::NotAllowed => Bound::Allowlist,
                Refusal::Full { .. } => Bound::MaxConnections,
            });
            drop(stream);
            return;
        }
    };
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(%peer, "set_nodelay: {e}");
    }
    shared.config.metrics.opened(Side::Serving);
    tokio::spawn(serve(stream, peer, shared.clone(), cancel.clone(), permit));
}
