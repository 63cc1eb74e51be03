//! [`AcceptTask`]: a listening socket's accept loop running as a task, stopped by a token;
//! what both [`Listener`](crate::Listener) and [`MetricsListener`](crate::MetricsListener)
//! are made of.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long the loop waits after a failed accept (out of file descriptors and the like)
/// rather than spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// An accept loop on its task. It stops when `cancel` is cancelled, when shut down, or when
/// dropped.
#[derive(Debug)]
pub(crate) struct AcceptTask {
    local_addr: SocketAddr,
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl AcceptTask {
    /// Spawns [`accept_until`]`(listener, stop, what, on_accept)`, where `stop` is
    /// `cancel` or what `also_stop` gives.
    pub(crate) fn spawn<S>(
        listener: TcpListener,
        cancel: CancellationToken,
        what: &'static str,
        also_stop: S,
        on_accept: impl FnMut(TcpStream, SocketAddr) + Send + 'static,
    ) -> std::io::Result<AcceptTask>
    where
        S: Future<Output = ()> + Send + 'static,
    {
        let local_addr = listener.local_addr()?;
        let token = cancel.clone();
        let stop = async move {
            tokio::select! {
                biased;
                _ = token.cancelled() => {}
                _ = also_stop => {}
            }
        };
        let task = tokio::spawn(accept_until(listener, stop, what, on_accept));
        Ok(AcceptTask {
            local_addr,
            cancel,
            task: Some(task),
        })
    }

    /// The address it listens on (with the real port when bound to port 0).
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Cancels the loop and waits for its task to end.
    pub(crate) async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for AcceptTask {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Accepts connections and hands each to `on_accept` until `stop` completes; a failed
/// accept is logged (as `what`'s) and retried after [`ACCEPT_RETRY`].
async fn accept_until(
    listener: TcpListener,
    stop: impl Future<Output = ()>,
    what: &'static str,
    mut on_accept: impl FnMut(TcpStream, SocketAddr),
) {
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            biased;
            _ = &mut stop => return,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((stream, peer)) => on_accept(stream, peer),
            Err(e) => {
                tracing::warn!("{what}: accept failed: {e}");
                tokio::select! {
                    _ = &mut stop => return,
                    _ = tokio::time::sleep(ACCEPT_RETRY) => {}
                }
            }
        }
    }
}
