//! The node table: node name -> where it is, plus the remotes built from it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::cluster_config::{ClusterConfig, NodeAddress};
use crate::error::CallError;
use crate::remote::{Place, Remote, RemoteSettings};

/// The nodes this node can call.
pub(crate) struct NodeTable {
    settings: RemoteSettings,
    nodes: RwLock<HashMap<String, (NodeAddress, Remote)>>,
    direct: Mutex<HashMap<String, Remote>>,
    changed: Notify,
    nowaiting: AtomicBool,
    wait_for_nodes: bool,
}

impl NodeTable {
    pub(crate) fn new(settings: RemoteSettings, wait_for_nodes: bool) -> Self {
        NodeTable {
            settings,
            nodes: RwLock::new(HashMap::new()),
            direct: Mutex::new(HashMap::new()),
            changed: Notify::new(),
            nowaiting: AtomicBool::new(false),
            wait_for_nodes,
        }
    }

    /// Applies a table the way skynet's `cluster.reload` does: every node it names gets the
    /// new address (a node whose address changed has its connection closed), nodes it does
    /// not name are left alone; `__nowaiting` is taken.
    pub(crate) fn reload(&self, config: &ClusterConfig) {
        if let Some(nw) = config.nowaiting() {
            self.nowaiting.store(nw, Ordering::Relaxed);
        }
        {
            let mut nodes = self.nodes.write().unwrap_or_else(PoisonError::into_inner);
            for (name, addr) in config.nodes() {
                match nodes.get_mut(name) {
                    Some((old, remote)) => {
                        if old != addr {
                            tracing::info!(node = %name, from = %old, to = %addr, "node changed");
                            *old = addr.clone();
                            remote.set_place(place_of(addr));
                        }
                    }
                    None => {
                        tracing::debug!(node = %name, at = %addr, "node added");
                        let remote = Remote::new(name.clone(), place_of(addr), &self.settings);
                        nodes.insert(name.clone(), (addr.clone(), remote));
                    }
                }
            }
        }
        self.changed.notify_waiters();
    }

    /// Takes a node out of the table; calls through handles to it fail with
    /// [`CallError::UnknownNode`].
    pub(crate) fn remove(&self, name: &str) -> bool {
        let removed = self
            .nodes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name);
        match removed {
            Some((_, remote)) => {
                remote.set_place(Place::Removed);
                true
            }
            None => false,
        }
    }

    /// The table as it is now.
    pub(crate) fn snapshot(&self) -> ClusterConfig {
        let nodes = self.nodes.read().unwrap_or_else(PoisonError::into_inner);
        let mut c = ClusterConfig::new();
        for (name, (addr, _)) in nodes.iter() {
            c.set_node(name.clone(), addr.clone());
        }
        if self.nowaiting.load(Ordering::Relaxed) {
            c.set_option("nowaiting", skywire_seri::Value::Boolean(true));
        }
        c
    }

    /// The remote for a node in the table.
    pub(crate) fn get(&self, name: &str) -> Option<Remote> {
        let nodes = self.nodes.read().unwrap_or_else(PoisonError::into_inner);
        nodes.get(name).map(|(_, r)| r.clone())
    }

    /// The remote for a node, waiting for it to be added if the node is set to wait and the
    /// table does not say `__nowaiting`, for at most `timeout`.
    pub(crate) async fn resolve(
        &self,
        name: &str,
        timeout: Option<Duration>,
    ) -> Result<Remote, CallError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(r) = self.get(name) {
                return Ok(r);
            }
            if !self.wait_for_nodes || self.nowaiting.load(Ordering::Relaxed) {
                return Err(CallError::UnknownNode { node: name.into() });
            }
            tracing::info!(node = %name, "waiting for cluster node");
            match deadline {
                None => changed.await,
                Some(d) => {
                    if tokio::time::timeout_at(d.into(), changed).await.is_err() {
                        return Err(CallError::Timeout {
                            node: name.into(),
                            after: timeout.unwrap_or_default(),
                        });
                    }
                }
            }
        }
    }

    /// The remote for a `host:port` outside the table (one per address, shared).
    pub(crate) fn direct(&self, addr: &str) -> Remote {
        let mut direct = self.direct.lock().unwrap_or_else(PoisonError::into_inner);
        direct
            .entry(addr.to_owned())
            .or_insert_with(|| {
                Remote::new(addr.to_owned(), Place::At(addr.to_owned()), &self.settings)
            })
            .clone()
    }

    /// Closes every connection (node shutdown).
    /// Every remote, of the table and direct ones.
    pub(crate) fn remotes(&self) -> Vec<Remote> {
        let mut all: Vec<Remote> = {
            let nodes = self.nodes.read().unwrap_or_else(PoisonError::into_inner);
            nodes.values().map(|(_, r)| r.clone()).collect()
        };
        let direct = self.direct.lock().unwrap_or_else(PoisonError::into_inner);
        all.extend(direct.values().cloned());
        all
    }

    pub(crate) fn shut(&self) {
        let nodes = self.nodes.read().unwrap_or_else(PoisonError::into_inner);
        for (_, r) in nodes.values() {
            r.shut();
        }
        drop(nodes);
        let direct = self.direct.lock().unwrap_or_else(PoisonError::into_inner);
        for r in direct.values() {
            r.shut();
        }
    }
}

fn place_of(addr: &NodeAddress) -> Place {
    match addr {
        NodeAddress::At(a) => Place::At(a.clone()),
        NodeAddress::Down => Place::Down,
    }
}
