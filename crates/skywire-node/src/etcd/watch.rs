//! [`FleetWatch`]: one watch of a prefix, read in full on each (re)connection and then
//! followed event by event; optionally applied to a node's table.

use std::sync::Arc;

use etcd_client::{EventType, GetOptions, WatchOptions};
use tokio::sync::watch as channel;
use tokio_util::sync::CancellationToken;

use super::config::{Backoff, EtcdConfig};
use super::fleet::Fleet;
use super::EtcdError;
use crate::cluster_config::ClusterConfig;
use crate::node::Node;

/// What a [`FleetWatch`] has seen so far.
#[derive(Clone, Debug, Default)]
pub struct FleetState {
    /// The fleet as last read (kept as it was while etcd cannot be reached).
    pub fleet: Arc<Fleet>,
    /// Whether the watch is running now (false before the first read and after an error,
    /// until the next read succeeds).
    pub connected: bool,
    /// Times the fleet was read in full (the first read included) or changed by an event.
    pub updates: u64,
    /// Keys or values skipped because they did not follow the layout.
    pub skipped: u64,
    /// The last etcd error (`None` once a read has succeeded after it).
    pub last_error: Option<Arc<EtcdError>>,
}

/// A watch of the keys under a prefix ([`watch`], [`Node::follow_etcd`]). It stops when
/// dropped (or, following a node, when the node shuts down).
#[derive(Debug)]
pub struct FleetWatch {
    state: channel::Receiver<FleetState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FleetWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Watches the keys under `config`'s prefix (for tools that are not nodes: `skywire
/// discover`). Call it within a tokio runtime.
pub fn watch(config: EtcdConfig) -> FleetWatch {
    FleetWatch::start(config, None)
}

impl FleetWatch {
    pub(crate) fn start(config: EtcdConfig, node: Option<Node>) -> FleetWatch {
        let (tx, state) = channel::channel(FleetState::default());
        let stop = node
            .as_ref()
            .map_or_else(CancellationToken::new, Node::shutdown_token);
        let task = tokio::spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = follow(config, node, tx) => {}
            }
        });
        FleetWatch { state, task }
    }

    /// What the watch has seen so far.
    pub fn state(&self) -> FleetState {
        self.state.borrow().clone()
    }

    /// A receiver of [`state`](Self::state) that sees each change.
    pub fn subscribe(&self) -> channel::Receiver<FleetState> {
        self.state.clone()
    }
}

/// Reads and watches until stopped; after an error, waits and starts again.
async fn follow(config: EtcdConfig, node: Option<Node>, tx: channel::Sender<FleetState>) {
    let mut fleet = Fleet::default();
    let mut applied: Option<ClusterConfig> = None;
    let mut retry = config.backoff();
    loop {
        let e = session(&config, &mut fleet, &mut retry, &tx, &node, &mut applied).await;
        let delay = retry.next_delay();
        tracing::warn!(
            prefix = config.prefix(),
            "{e}; the table is kept, retrying in {delay:?}"
        );
        tx.send_modify(|s| {
            s.connected = false;
            s.last_error = Some(Arc::new(e));
        });
        tokio::time::sleep(delay).await;
    }
}

/// Publishes the fleet and applies it to the node (when its table changed).
fn publish(
    fleet: &Fleet,
    tx: &channel::Sender<FleetState>,
    node: &Option<Node>,
    applied: &mut Option<ClusterConfig>,
    skipped: u64,
) {
    if let Some(node) = node {
        let table = fleet.cluster_config();
        if applied.as_ref() != Some(&table) {
            tracing::info!(
                nodes = fleet.nodes().len(),
                gone = fleet.gone().len(),
                "etcd: node table changed"
            );
            node.reload(&table);
            *applied = Some(table);
        }
    }
    tx.send_modify(|s| {
        s.fleet = Arc::new(fleet.clone());
        s.connected = true;
        s.updates += 1;
        s.skipped += skipped;
        s.last_error = None;
    });
}

/// One connection: read the prefix, then follow its events until something fails.
async fn session(
    config: &EtcdConfig,
    fleet: &mut Fleet,
    retry: &mut Backoff,
    tx: &channel::Sender<FleetState>,
    node: &Option<Node>,
    applied: &mut Option<ClusterConfig>,
) -> EtcdError {
    let prefix = config.prefix();
    let mut client = match config.connect().await {
        Ok(c) => c,
        Err(e) => return e,
    };
    let read = config.ask(
        "get",
        client.get(prefix, Some(GetOptions::new().with_prefix())),
    );
    let resp = match read.await {
        Ok(r) => r,
        Err(e) => return e,
    };
    let revision = resp.header().map_or(0, |h| h.revision());
    let mut fresh = Fleet::default();
    let mut skipped = 0;
    for kv in resp.kvs() {
        if let Err(e) = fresh.put(prefix, kv.key(), kv.value()) {
            tracing::warn!("etcd: {e}; skipped");
            skipped += 1;
        }
    }
    fleet.replace(fresh);
    publish(fleet, tx, node, applied, skipped);
    retry.reset();
    let options = WatchOptions::new()
        .with_prefix()
        .with_start_revision(revision + 1);
    let mut stream = match config
        .ask("watch", client.watch(prefix, Some(options)))
        .await
    {
        Ok(s) => s,
        Err(e) => return e,
    };
    loop {
        let resp = match stream.message().await {
            Ok(Some(r)) => r,
            Ok(None) => {
                return EtcdError::WatchEnded {
                    prefix: prefix.to_owned(),
                }
            }
            Err(source) => {
                return EtcdError::Etcd {
                    op: "watch",
                    endpoints: config.endpoints().join(","),
                    source,
                }
            }
        };
        if resp.canceled() {
            return EtcdError::WatchCancelled {
                prefix: prefix.to_owned(),
                reason: resp.cancel_reason().to_owned(),
            };
        }
        if resp.events().is_empty() {
            continue;
        }
        let mut skipped = 0;
        for ev in resp.events() {
            let Some(kv) = ev.kv() else { continue };
            let done = match ev.event_type() {
                EventType::Put => fleet.put(prefix, kv.key(), kv.value()),
                EventType::Delete => fleet.delete(prefix, kv.key()),
            };
            if let Err(e) = done {
                tracing::warn!("etcd: {e}; skipped");
                skipped += 1;
            }
        }
        publish(fleet, tx, node, applied, skipped);
    }
}
