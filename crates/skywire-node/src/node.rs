//! [`Node`]: services, listeners, the node table, calls.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::net::{TcpListener, ToSocketAddrs};
use tokio_util::sync::CancellationToken;

use crate::admission::Admission;
use crate::budget::MemoryBudget;
use crate::builder::{Config, NodeBuilder};
use crate::cluster_config::{ClusterConfig, ClusterFileError, NodeAddress};
use crate::cluster_watch::{ClusterWatch, WatchError};
use crate::error::{CallError, OpenError, RegisterError};
use crate::listener::Listener;
use crate::metrics::{Metrics, State};
use crate::metrics_http::MetricsListener;
use crate::node_table::NodeTable;
use crate::proxy::{InvalidProxyName, Proxy};
use crate::registry::{Registry, ServiceInfo};
use crate::remote::{Remote, RemoteSettings};
use crate::service::Service;
use crate::snax::Snax;
use crate::snax_interface::SnaxInterface;
use crate::snax_service::SnaxService;

/// What every part of a node shares.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) registry: RwLock<Registry>,
    pub(crate) table: NodeTable,
    pub(crate) shutdown: CancellationToken,
    /// Set by [`Node::shutdown`]; cheaper to read than the token.
    pub(crate) down: Arc<AtomicBool>,
    /// What the served connections hold, all together.
    pub(crate) budget: MemoryBudget,
    /// Who may connect, and how many at once.
    pub(crate) admission: Admission,
    /// Set by [`Node::graceful_shutdown`]: listeners stop accepting, served connections
    /// stop reading and finish what they started.
    pub(crate) draining: CancellationToken,
}

/// The node's metrics, with the gauges read from its state now.
pub(crate) fn render_metrics(shared: &Shared) -> Option<String> {
    let metrics = &shared.config.metrics;
    if !metrics.is_on() {
        return None;
    }
    let (calling_open, calls_in_flight) = shared.table.connection_stats();
    metrics.render(&State {
        serving_open: shared.admission.in_use(),
        calling_open,
        calls_in_flight,
        budget_used: shared.budget.used(),
        budget_limit: shared.budget.limit(),
    })
}

/// A node of a skynet cluster: it serves its services to other nodes and calls theirs.
/// Cheap to clone (a handle); everything here may be called from any task.
///
/// ```no_run
/// use skywire_node::{sync_service_fn, Node, NodeAddress};
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let node = Node::new();
/// node.register("echo", sync_service_fn(|req| Ok(req.args)))?;
/// let listener = node.listen("0.0.0.0:2528").await?;
///
/// node.set_node("db", NodeAddress::at("127.0.0.1:2529")?);
/// let ret = node.remote("db")?.call("@echo", &["ping".into()]).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Node {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("services", &self.services())
            .finish_non_exhaustive()
    }
}

impl Default for Node {
    fn default() -> Self {
        Node::new()
    }
}

impl Node {
    /// A node with the default settings.
    pub fn new() -> Node {
        NodeBuilder::default().build()
    }

    /// Settings for a node.
    pub fn builder() -> NodeBuilder {
        NodeBuilder::default()
    }

    pub(crate) fn from_config(mut config: Config) -> Node {
        if config.record_metrics {
            config.metrics = Metrics::recording();
        }
        let shutdown = CancellationToken::new();
        let down = Arc::new(AtomicBool::new(false));
        let remote = RemoteSettings {
            config: config.clone(),
            shutdown: down.clone(),
            nowaiting: Arc::new(AtomicBool::new(false)),
        };
        let table = NodeTable::new(remote);
        let budget = MemoryBudget::new(config.memory_budget);
        let admission = Admission::new(config.allow.clone(), config.max_connections);
        Node {
            shared: Arc::new(Shared {
                budget,
                admission,
                draining: CancellationToken::new(),
                config,
                registry: RwLock::new(Registry::default()),
                table,
                shutdown,
                down,
            }),
        }
    }

    // ---- services ----

    /// Registers `service` as `name` at the next free address (counting up from 1) and
    /// returns the address. It is then reachable as `@name`, `.name` and by the address.
    pub fn register(&self, name: &str, service: impl Service) -> Result<u32, RegisterError> {
        self.registry()
            .register(name, None, Arc::new(service), &self.shared.config.metrics)
    }

    /// Registers `service` as `name` at a chosen address (not 0, not taken).
    pub fn register_at(
        &self,
        name: &str,
        address: u32,
        service: impl Service,
    ) -> Result<u32, RegisterError> {
        self.registry().register(
            name,
            Some(address),
            Arc::new(service),
            &self.shared.config.metrics,
        )
    }

    /// Registers a snax service as `name` at the next free address: skynet nodes find it
    /// with `cluster.snax(node, name)` (`.service`'s `"QUERY", "snaxd", name` answers its
    /// address) and call its methods by id. Like any service it is also reachable as
    /// `@name`, `.name` and by its address; [`unregister`](Self::unregister) removes it.
    pub fn register_snax(&self, name: &str, service: SnaxService) -> Result<u32, RegisterError> {
        let interface = service.interface().clone();
        self.registry().register_snax(
            name,
            None,
            Arc::new(service),
            interface,
            &self.shared.config.metrics,
        )
    }

    /// [`register_snax`](Self::register_snax) at a chosen address.
    pub fn register_snax_at(
        &self,
        name: &str,
        address: u32,
        service: SnaxService,
    ) -> Result<u32, RegisterError> {
        let interface = service.interface().clone();
        self.registry().register_snax(
            name,
            Some(address),
            Arc::new(service),
            interface,
            &self.shared.config.metrics,
        )
    }

    /// The interface of the snax service `name`, if one is registered: its
    /// [`to_lua_stub`](SnaxInterface::to_lua_stub) is the file a skynet caller needs.
    pub fn snax_interface(&self, name: &str) -> Option<SnaxInterface> {
        self.shared
            .registry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .snax_interface(name)
            .cloned()
    }

    /// Removes a service; returns its address if it was registered. Requests already
    /// dispatched to it finish.
    pub fn unregister(&self, name: &str) -> Option<u32> {
        self.registry().unregister(name)
    }

    /// The registered services, by address.
    pub fn services(&self) -> Vec<ServiceInfo> {
        self.shared
            .registry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .list()
    }

    fn registry(&self) -> std::sync::RwLockWriteGuard<'_, Registry> {
        self.shared
            .registry
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    // ---- serving ----

    /// Listens on `addr` and serves the registered services to every node that connects.
    pub async fn listen(&self, addr: impl ToSocketAddrs) -> std::io::Result<Listener> {
        let listener = TcpListener::bind(addr).await?;
        self.serve(listener)
    }

    /// Listens where the node table's entry for `name` says: skynet's `cluster.open(name)`,
    /// the usual way a node names itself in a shared `clustername` file.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// let node = skywire_node::Node::new();
    /// node.load_cluster_file("clustername")?; // rust = "127.0.0.1:2528", db = ...
    /// let listener = node.open("rust").await?;
    /// # Ok(()) }
    /// ```
    pub async fn open(&self, name: &str) -> Result<Listener, OpenError> {
        let addr = match self.cluster().nodes().get(name) {
            Some(NodeAddress::At(a)) => a.clone(),
            Some(NodeAddress::Down) => return Err(OpenError::NodeDown(name.to_owned())),
            None => return Err(OpenError::UnknownNode(name.to_owned())),
        };
        self.listen(addr.as_str())
            .await
            .map_err(|source| OpenError::Listen { addr, source })
    }

    /// Listens on `port` of every interface (`0.0.0.0:port`): skynet's `cluster.open(port)`.
    pub async fn open_port(&self, port: u16) -> std::io::Result<Listener> {
        self.listen(("0.0.0.0", port)).await
    }

    /// Serves on a socket already bound.
    pub fn serve(&self, listener: TcpListener) -> std::io::Result<Listener> {
        Listener::start(listener, self.shared.clone())
    }

    // ---- metrics ----

    /// The node's metrics in the Prometheus text exposition (OpenMetrics 1.0, what
    /// `prometheus-client` writes), or `None` when the node does not record them
    /// ([`NodeBuilder::metrics`]).
    pub fn metrics_text(&self) -> Option<String> {
        render_metrics(&self.shared)
    }

    /// Serves [`metrics_text`](Self::metrics_text) over HTTP at `addr` (`GET /metrics`),
    /// for Prometheus to scrape, until the returned listener is dropped or the node shuts
    /// down. A node that does not record metrics answers `503`.
    pub async fn listen_metrics(
        &self,
        addr: impl ToSocketAddrs,
    ) -> std::io::Result<MetricsListener> {
        let listener = TcpListener::bind(addr).await?;
        MetricsListener::start(
            listener,
            Arc::downgrade(&self.shared),
            self.shared.shutdown.child_token(),
        )
    }

    // ---- the node table ----

    /// Applies a node table as skynet's `cluster.reload` does: each node it names gets the
    /// given address or is marked down (when a node's address changes, its connection is
    /// closed and its pending calls fail with [`CallError::ConnectionLost`]; the next call
    /// connects to the new address); nodes it does not name are kept; `__nowaiting` is
    /// taken.
    pub fn reload(&self, config: &ClusterConfig) {
        self.shared.table.reload(config);
    }

    /// Reads a skynet `clustername` file and applies it ([`reload`](Self::reload)).
    pub fn load_cluster_file(&self, path: impl AsRef<Path>) -> Result<(), ClusterFileError> {
        let config = ClusterConfig::load(path)?;
        self.reload(&config);
        Ok(())
    }

    /// Reads a skynet `clustername` file, applies it, and follows it: each time the file
    /// changes it is read again and applied with [`reload`](Self::reload)'s semantics
    /// (skynet's `cluster.reload`); a file that does not parse is logged with its line and
    /// column and the table stays as it was (see [`ClusterWatch`]). Watching stops when
    /// the returned handle is dropped or the node shuts down. Call it within a tokio
    /// runtime.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// let node = skywire_node::Node::new();
    /// let watch = node.watch_cluster_file("clustername")?;
    /// // ... edit the file: the node follows.
    /// if let Some(e) = watch.status().last_error {
    ///     eprintln!("{e}"); // clustername:3:7: expected `name = value`...
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch_cluster_file(&self, path: impl AsRef<Path>) -> Result<ClusterWatch, WatchError> {
        ClusterWatch::start(self.clone(), path.as_ref())
    }

    /// Cancelled when the node shuts down.
    pub(crate) fn shutdown_token(&self) -> CancellationToken {
        self.shared.shutdown.clone()
    }

    /// Sets one node's address (or marks it down).
    pub fn set_node(&self, name: &str, address: NodeAddress) {
        self.reload(&ClusterConfig::new().with_node(name, address));
    }

    /// Takes a node out of the table (skynet has no way to do this); returns whether it was
    /// there.
    pub fn remove_node(&self, name: &str) -> bool {
        self.shared.table.remove(name)
    }

    /// The node table as it is now.
    pub fn cluster(&self) -> ClusterConfig {
        self.shared.table.snapshot()
    }

    // ---- calling ----

    /// The handle for a node in the table: everything a node calls goes through one
    /// ([`Remote::call`] is `cluster.call`, [`Remote::send`] `cluster.send`,
    /// [`Remote::query`] `cluster.query`).
    ///
    /// For a node that is not in the table it fails at once with
    /// [`CallError::UnknownNode`], unless the node waits for unknown nodes
    /// ([`NodeBuilder::wait_for_unknown_nodes`]) and the table does not say
    /// `__nowaiting`: then the handle's calls wait for the node to be added (each within
    /// its deadline). After [`shutdown`](Self::shutdown) it fails with
    /// [`CallError::Shutdown`].
    ///
    /// ```no_run
    /// # async fn f(node: skywire_node::Node) -> Result<(), skywire_node::CallError> {
    /// let ret = node.remote("db")?.call("@echo", &["ping".into()]).await?;
    /// let addr = node.remote("db")?.query("echo").await?;
    /// # Ok(()) }
    /// ```
    pub fn remote(&self, node: &str) -> Result<Remote, CallError> {
        if self.is_shut_down() {
            return Err(CallError::Shutdown);
        }
        self.shared.table.remote(node)
    }

    /// The handle for a node at `host:port`, outside the node table (what
    /// `skywire call HOST:PORT` uses). One connection per address, shared by all handles.
    pub fn remote_at(&self, addr: &str) -> Remote {
        self.shared.table.direct(addr)
    }

    /// A handle to the snax service `name` on `node`: skynet's `cluster.snax(node, name)`.
    /// It asks the node's `.service` for the address, then calls methods by the ids
    /// `interface` gives (the caller's copy of the service's interface: its Lua file, or
    /// the list of its methods). See [`Snax`] and [`Remote::snax`].
    ///
    /// ```no_run
    /// # async fn f(node: skywire_node::Node) -> Result<(), Box<dyn std::error::Error>> {
    /// use skywire_node::SnaxInterface;
    /// let counter = node
    ///     .snax("db", "counter", SnaxInterface::from_list(["accept.add", "response.get"])?)
    ///     .await?;
    /// counter.post("add", &[3.into()]).await?;
    /// let total = counter.req("get", &[]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn snax(
        &self,
        node: &str,
        name: &str,
        interface: SnaxInterface,
    ) -> Result<Snax, CallError> {
        self.remote(node)?.snax(name, interface).await
    }

    /// A handle for one remote service, `"node@name"` or `"node.name"` (skynet's
    /// `cluster.proxy`).
    pub fn proxy(&self, full_name: &str) -> Result<Proxy, InvalidProxyName> {
        let (node, target) = Proxy::split(full_name)?;
        Ok(Proxy::new(self.shared.table.entry(&node), target))
    }

    // ---- lifetime ----

    /// Shuts the node down: every listener stops and closes its connections, every
    /// outgoing connection closes (pending calls fail), and later calls fail with
    /// [`CallError::Shutdown`].
    pub fn shutdown(&self) {
        self.shared.down.store(true, Ordering::Release);
        self.shared.shutdown.cancel();
        self.shared.table.shut();
    }

    /// Shuts the node down gracefully, within `deadline`: listeners stop accepting; served
    /// connections stop reading, finish the requests already running and write their
    /// responses, then close; every outgoing connection confirms its pushes (see
    /// [`Remote::confirm`]) and writes what is queued, then closes. Whatever is still
    /// going at the deadline is cut, as [`shutdown`](Self::shutdown) does, which is also
    /// where it ends.
    pub async fn graceful_shutdown(&self, deadline: Duration) {
        let end = tokio::time::Instant::now() + deadline;
        self.shared.draining.cancel();
        let remotes = self.shared.table.remotes();
        let outgoing = async {
            for r in remotes {
                if let Err(e) = r.close().await {
                    tracing::warn!(node = r.name(), "shutting down: {e}");
                }
            }
        };
        let serving = self.shared.admission.all_done();
        if tokio::time::timeout_at(end, async { tokio::join!(outgoing, serving) })
            .await
            .is_err()
        {
            tracing::warn!("shutting down: not done within {deadline:?}, cutting what is left");
        }
        self.shutdown();
    }

    /// True once [`shutdown`](Self::shutdown) was called.
    pub fn is_shut_down(&self) -> bool {
        self.shared.down.load(Ordering::Acquire)
    }
}
