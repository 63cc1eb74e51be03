//! The metrics endpoint: [`MetricsListener`], a minimal HTTP/1.1 server answering
//! `GET /metrics` (and `GET /`) with the node's metrics, one request per connection.
//!
//! A scrape is one small request; the server reads at most [`MAX_REQUEST_HEAD`] bytes of
//! it within [`REQUEST_TIMEOUT`], answers and closes. Anything else gets `404`, `405` or
//! `400`; nothing a client sends makes it allocate more or wait longer.

use std::net::SocketAddr;
use std::sync::Weak;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::accept_task::AcceptTask;
use crate::node::Shared;

/// Most bytes of a request's head (request line and headers) read before answering `400`.
pub(crate) const MAX_REQUEST_HEAD: usize = 8 << 10;
/// How long a client may take to send its request head.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The content type of the text exposition `prometheus-client` writes (OpenMetrics 1.0;
/// Prometheus asks for it and reads it).
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A node's metrics endpoint ([`Node::listen_metrics`](crate::Node::listen_metrics)). It
/// stops when shut down or dropped, or when the node shuts down.
#[derive(Debug)]
pub struct MetricsListener {
    task: AcceptTask,
}

impl MetricsListener {
    pub(crate) fn start(
        listener: TcpListener,
        shared: Weak<Shared>,
        cancel: CancellationToken,
    ) -> std::io::Result<MetricsListener> {
        let request_cancel = cancel.clone();
        let task = AcceptTask::spawn(
            listener,
            cancel,
            "metrics endpoint",
            std::future::pending(),
            move |stream, peer| {
                let shared = shared.clone();
                let cancel = request_cancel.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = cancel.cancelled() => {}
                        r = answer(stream, &shared) => if let Err(e) = r {
                            tracing::debug!(%peer, "metrics request: {e}");
                        }
                    }
                });
            },
        )?;
        let local_addr = task.local_addr();
        tracing::info!(%local_addr, "metrics at http://{local_addr}/metrics");
        Ok(MetricsListener { task })
    }

    /// The address it listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.task.local_addr()
    }

    /// Stops serving the metrics.
    pub async fn shutdown(self) {
        self.task.shutdown().await;
    }
}

/// What a request head asks for.
#[derive(Debug, PartialEq, Eq)]
enum Asked {
    Metrics,
    NotFound,
    WrongMethod,
    Bad,
}

/// Reads the request line from a complete head.
fn parse_head(head: &[u8]) -> Asked {
    let line = head
        .split(|&b| b == b'\r' || b == b'\n')
        .next()
        .unwrap_or_default();
    let mut words = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version)) = (words.next(), words.next(), words.next())
    else {
        return Asked::Bad;
    };
    if !version.starts_with(b"HTTP/1.") {
        return Asked::Bad;
    }
    if method != b"GET" {
        return Asked::WrongMethod;
    }
    let path = target.split(|&b| b == b'?').next().unwrap_or_default();
    match path {
        b"/metrics" | b"/" => Asked::Metrics,
        _ => Asked::NotFound,
    }
}

async fn answer(mut stream: TcpStream, shared: &Weak<Shared>) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let read = tokio::time::timeout(REQUEST_TIMEOUT, async {
        let mut chunk = [0u8; 1024];
        loop {
            if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
                return Ok::<bool, std::io::Error>(true);
            }
            if head.len() >= MAX_REQUEST_HEAD {
                return Ok(false);
            }
            let room = (MAX_REQUEST_HEAD - head.len()).min(chunk.len());
            let n = stream.read(&mut chunk[..room]).await?;
            if n == 0 {
                return Ok(false);
            }
            head.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    let complete = match read {
        Ok(r) => r?,
        Err(_) => return Ok(()),
    };
    let asked = if complete {
        parse_head(&head)
    } else {
        Asked::Bad
    };
    let (status, content_type, body) = match asked {
        Asked::Metrics => match shared
            .upgrade()
            .and_then(|s| crate::node::render_metrics(&s))
        {
            Some(text) => ("200 OK", CONTENT_TYPE, text),
            None => (
                "503 Service Unavailable",
                "text/plain",
                "metrics are off or the node is gone\n".to_owned(),
            ),
        },
        Asked::NotFound => (
            "404 Not Found",
            "text/plain",
            "the metrics are at /metrics\n".to_owned(),
        ),
        Asked::WrongMethod => (
            "405 Method Not Allowed",
            "text/plain",
            "GET only\n".to_owned(),
        ),
        Asked::Bad => ("400 Bad Request", "text/plain", "bad request\n".to_owned()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        assert_eq!(
            parse_head(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            Asked::Metrics
        );
        assert_eq!(parse_head(b"GET /?x=1 HTTP/1.0\r\n\r\n"), Asked::Metrics);
        assert_eq!(parse_head(b"GET /other HTTP/1.1\r\n\r\n"), Asked::NotFound);
        assert_eq!(
            parse_head(b"POST /metrics HTTP/1.1\r\n\r\n"),
            Asked::WrongMethod
        );
        assert_eq!(parse_head(b"GET /metrics\r\n\r\n"), Asked::Bad);
        assert_eq!(parse_head(b"GET /metrics SPDY/3\r\n\r\n"), Asked::Bad);
        assert_eq!(parse_head(b""), Asked::Bad);
    }
}
