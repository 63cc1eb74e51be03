//! The trace hook: a way to watch every message a node receives and sends.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use skywire_codec::{Request, Response};

/// Which side of a connection the node is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The node accepted the connection and serves requests on it.
    Serving,
    /// The node opened the connection to call another node.
    Calling,
}

/// Whether the node received or sent a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Read from the connection.
    Received,
    /// Handed to the connection's writer.
    Sent,
}

/// A whole message (reassembled if it came in parts).
#[derive(Clone, Copy, Debug)]
pub enum TracedMessage<'a> {
    /// A request, push or query.
    Request(&'a Request),
    /// A response.
    Response(&'a Response),
}

/// One message seen by the node.
#[derive(Clone, Copy, Debug)]
pub struct TraceEvent<'a> {
    /// Serving or calling side.
    pub role: Role,
    /// The connection's peer.
    pub peer: SocketAddr,
    /// The message.
    pub message: TracedMessage<'a>,
}

impl TraceEvent<'_> {
    /// Received or sent: a serving node receives requests and sends responses, a calling
    /// node the other way round.
    pub fn direction(&self) -> Direction {
        match (self.role, self.message) {
            (Role::Serving, TracedMessage::Request(_))
            | (Role::Calling, TracedMessage::Response(_)) => Direction::Received,
            _ => Direction::Sent,
        }
    }
}

/// The hook, set with [`NodeBuilder::trace`](crate::NodeBuilder::trace). It is called
/// synchronously on the connection's tasks for every message: a request when it has been
/// read (serving) or queued (calling), a response when it has been queued (serving) or read
/// (calling). Keep it quick.
#[derive(Clone)]
pub struct TraceHook(Arc<dyn Fn(&TraceEvent<'_>) + Send + Sync>);

impl TraceHook {
    /// A hook calling `f`.
    pub fn new(f: impl Fn(&TraceEvent<'_>) + Send + Sync + 'static) -> Self {
        TraceHook(Arc::new(f))
    }

    pub(crate) fn emit(&self, role: Role, peer: SocketAddr, message: TracedMessage<'_>) {
        (self.0)(&TraceEvent {
            role,
            peer,
            message,
        });
    }
}

impl fmt::Debug for TraceHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TraceHook")
    }
}
