//! # skywire-node
//!
//! A node of a skynet cluster, in Rust: it serves services to skynet nodes (they reach it
//! with `cluster.call`, `cluster.send`, `cluster.query` and, for a [`SnaxService`],
//! `cluster.snax`) and calls theirs ([`Remote`], [`Proxy`], [`Snax`]), speaking the wire
//! protocol of skynet's `clusteragent` / `clustersender` byte for byte (through the
//! `skywire-codec` crate). [`Node::open`] listens where the node table names the node, as
//! `cluster.open(name)` does.
//!
//! ```no_run
//! use skywire_node::{service_fn, sync_service_fn, Node, NodeAddress, ServiceError};
//!
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let node = Node::new();
//! // Reachable from skynet as cluster.call("rust", "@echo", ...), ".echo", or its number.
//! let echo = node.register("echo", sync_service_fn(|req| Ok(req.args)))?;
//! node.register("slow", service_fn(|req| async move {
//!     tokio::time::sleep(std::time::Duration::from_millis(10)).await;
//!     if req.args.is_empty() {
//!         return Err(ServiceError::from("no arguments"));
//!     }
//!     Ok(req.args)
//! }))?;
//! let listener = node.listen("0.0.0.0:2528").await?;
//! println!("echo is at {echo}, listening on {}", listener.local_addr());
//!
//! // Calling skynet: the node table is skynet's clustername file.
//! node.load_cluster_file("clustername")?;
//! let ret = node.remote("db")?.call("@echo", &["ping".into(), 42.into()]).await?;
//! let addr = node.remote("db")?.query("echo").await?;
//! node.set_node("db", NodeAddress::Down); // calls to db now fail at once
//! # Ok(()) }
//! ```
//!
//! ## Behaviour
//!
//! - Serving: a service registered as `echo` answers `@echo`, `.echo`, its number and
//!   `:0000000a` (skynet's hex handle form). Address 0 answers name queries like skynet
//!   (the packed address, or the error `name not found`). An unknown `@name` gets
//!   `Invalid name`, an unknown `.name` or address `call to invalid address`. A service's
//!   error text goes back cut to 32 KiB. A push never gets a response. Trace tags reach
//!   the service in [`ServiceRequest::trace`]. Responses go out as they complete and the
//!   parts of a large response interleave with other responses. `.service` answers
//!   skynet's service manager queries (`"QUERY", "snaxd", name`) for snax services.
//! - Snax: a call's first argument is the method id, numbered as skynet numbers a snax
//!   service's Lua file ([`SnaxInterface`]); see `spec/snax.md`.
//! - Calling: one connection per remote node, opened on first use, reopened by the next
//!   call after it drops; sessions allocated as skynet does (from 1, wrapping after
//!   `i32::MAX`). When a connection drops, all its pending calls fail at once with
//!   [`CallError::ConnectionLost`]. A node marked down fails at once. A call can have a
//!   deadline ([`CallOptions::timeout`], [`NodeBuilder::call_timeout`]).
//! - Bounds: reassembly [`Limits`](skywire_codec::Limits), in-flight requests per accepted
//!   connection, in-flight calls per outgoing connection, bytes queued per connection
//!   (see [`NodeBuilder`]); past a bound the producer waits, nothing is dropped.
//! - Logging with `tracing`; [`NodeBuilder::trace`] sees every message.
//! - Metrics for Prometheus ([`NodeBuilder::metrics`], [`Node::listen_metrics`]).
//! - Discovery through etcd (feature `etcd`): [`etcd`], `Node::publish_etcd`,
//!   `Node::follow_etcd`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod accept_task;
mod admission;
mod budget;
mod builder;
pub mod busy_poll;
mod call_options;
mod calling;
mod cluster_config;
mod cluster_watch;
mod direct_read;
mod error;
#[cfg(feature = "etcd")]
pub mod etcd;
mod listener;
mod metrics;
mod metrics_http;
mod node;
mod node_table;
mod outbox;
mod pack;
mod proxy;
mod read_buf;
mod read_loop;
mod registry;
mod remote;
mod reply;
mod service;
mod service_mgr;
mod serving;
mod snax;
mod snax_interface;
mod snax_lua;
mod snax_service;
mod trace;

pub use builder::NodeBuilder;
pub use call_options::{CallOptions, IntoTarget};
pub use cluster_config::{
    ClusterConfig, ClusterFileError, ClusterFileErrorKind, InvalidAddress, NodeAddress,
};
pub use cluster_watch::{ClusterWatch, WatchError, WatchStatus, SETTLE};
pub use error::{CallError, OpenError, RegisterError};
pub use listener::Listener;
pub use metrics_http::MetricsListener;
pub use node::Node;
pub use proxy::{InvalidProxyName, Proxy};
pub use registry::ServiceInfo;
pub use remote::Remote;
pub use service::{
    service_fn, sync_service_fn, typed, Service, ServiceError, ServiceFn, ServiceFuture,
    ServiceRequest, ServiceResult, SyncServiceFn, Typed,
};
pub use skywire_codec::{Session, Target};
pub use snax::{Snax, SnaxMethodError, SnaxMethodRef};
pub use snax_interface::{
    SnaxGroup, SnaxInterface, SnaxInterfaceError, SnaxInterfaceErrorKind, SnaxMethod, SnaxSystem,
    FIRST_METHOD_ID,
};
pub use snax_service::{SnaxService, SnaxServiceBuilder};
pub use trace::{Direction, Role, TraceEvent, TraceHook, TracedMessage};
