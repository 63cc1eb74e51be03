//! [`Publication`]: a node's keys under its lease, kept alive, published again when lost.

use std::collections::BTreeMap;
use std::sync::Arc;

use etcd_client::{Client, PutOptions, Txn, TxnOp};
use tokio::sync::watch as channel;
use tokio_util::sync::CancellationToken;

use super::config::EtcdConfig;
use super::keys;
use super::EtcdError;
use crate::node::Node;

/// What a [`Publication`] has done so far.
#[derive(Clone, Debug, Default)]
pub struct PublishState {
    /// The lease the keys are under now (`None` while they are not published).
    pub lease: Option<i64>,
    /// Times everything was published under a new lease (the first time included).
    pub grants: u64,
    /// The last error (`None` once published again after it).
    pub last_error: Option<Arc<EtcdError>>,
}

/// A node published in etcd ([`Node::publish_etcd`]). Dropping it (or shutting the node
/// down) revokes the lease, so the node's keys go at once.
#[derive(Debug)]
pub struct Publication {
    state: channel::Receiver<PublishState>,
    stop: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Publication {
    fn drop(&mut self) {
        // The task revokes the lease and ends.
        self.stop.cancel();
    }
}

/// etcd's default `--max-txn-ops`: the most operations one transaction may hold.
const MAX_TXN_OPS: usize = 128;

impl Publication {
    pub(crate) fn start(node: Node, config: EtcdConfig, name: String, address: String) -> Self {
        let (tx, state) = channel::channel(PublishState::default());
        let stop = node.shutdown_token().child_token();
        let task = tokio::spawn(run(node, config, name, address, tx, stop.clone()));
        Publication {
            state,
            stop,
            task: Some(task),
        }
    }

    /// What the publication has done so far.
    pub fn state(&self) -> PublishState {
        self.state.borrow().clone()
    }

    /// A receiver of [`state`](Self::state) that sees each change.
    pub fn subscribe(&self) -> channel::Receiver<PublishState> {
        self.state.clone()
    }

    /// Revokes the lease (the keys go at once) and waits for that to be done.
    pub async fn withdraw(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

async fn run(
    node: Node,
    config: EtcdConfig,
    name: String,
    address: String,
    tx: channel::Sender<PublishState>,
    stop: CancellationToken,
) {
    let mut retry = config.backoff();
    loop {
        let mut lease = None;
        let result = tokio::select! {
            r = session(&node, &config, &name, &address, &tx, &mut lease, &mut retry) => r,
            _ = stop.cancelled() => Ok(()),
        };
        if let Some((mut client, id)) = lease.filter(|_| stop.is_cancelled()) {
            match config.ask("revoke", client.lease_revoke(id)).await {
                Ok(_) => tracing::info!(node = %name, "etcd: withdrawn (lease {id:x} revoked)"),
                Err(e) => tracing::warn!(node = %name, "{e}; the keys expire with the lease"),
            }
            return;
        }
        let Err(e) = result else { return };
        if stop.is_cancelled() {
            return;
        }
        let delay = retry.next_delay();
        tracing::warn!(node = %name, "{e}; publishing again in {delay:?}");
        tx.send_modify(|s| {
            s.lease = None;
            s.last_error = Some(Arc::new(e));
        });
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.cancelled() => return,
        }
    }
}

/// The cluster names to publish: every registered service with a name the layout takes.
fn names_of(node: &Node) -> BTreeMap<String, String> {
    node.services()
        .into_iter()
        .filter(|s| keys::valid_service_name(&s.name))
        .map(|s| (s.name, s.address.to_string()))
        .collect()
}

/// One lease: grant it, put the keys, renew it (and follow the services) until something
/// fails. `lease` holds the client and lease once granted, for revoking it.
async fn session(
    node: &Node,
    config: &EtcdConfig,
    name: &str,
    address: &str,
    tx: &channel::Sender<PublishState>,
    lease: &mut Option<(Client, i64)>,
    retry: &mut super::config::Backoff,
) -> Result<(), EtcdError> {
    let prefix = config.prefix();
    let mut client = config.connect().await?;
    let id = config
        .ask("grant", client.lease_grant(config.ttl_secs(), None))
        .await?
        .id();
    *lease = Some((client.clone(), id));
    // The names, then the node key last, in one transaction when they fit: one revision,
    // one watch event batch per join.
    let mut names = names_of(node);
    let mut ops = name_ops(prefix, name, id, &BTreeMap::new(), &names);
    ops.push(TxnOp::put(
        keys::node_key(prefix, name),
        address,
        Some(PutOptions::new().with_lease(id)),
    ));
    commit(config, &mut client, ops).await?;
    tracing::info!(node = %name, at = %address, "etcd: published (lease {id:x})");
    tx.send_modify(|s| {
        s.lease = Some(id);
        s.grants += 1;
        s.last_error = None;
    });
    retry.reset();
    let (mut keeper, mut replies) = config
        .ask("keep-alive", client.lease_keep_alive(id))
        .await?;
    let mut tick = tokio::time::interval(config.renew_every());
    tick.tick().await;
    loop {
        tick.tick().await;
        config.ask("keep-alive", keeper.keep_alive()).await?;
        match config.ask("keep-alive", replies.message()).await? {
            Some(r) if r.ttl() > 0 => {}
            _ => return Err(EtcdError::LeaseLost { id }),
        }
        let now = names_of(node);
        if now != names {
            commit(
                config,
                &mut client,
                name_ops(prefix, name, id, &names, &now),
            )
            .await?;
            names = now;
        }
    }
}

/// Puts for the names new or changed from `before` to `now`, deletes for those gone.
fn name_ops(
    prefix: &str,
    name: &str,
    lease: i64,
    before: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Vec<TxnOp> {
    let puts = now
        .iter()
        .filter(|(service, addr)| before.get(*service) != Some(*addr))
        .map(|(service, addr)| {
            let key = keys::name_key(prefix, name, service);
            TxnOp::put(
                key,
                addr.as_str(),
                Some(PutOptions::new().with_lease(lease)),
            )
        });
    let deletes = before
        .keys()
        .filter(|s| !now.contains_key(*s))
        .map(|service| TxnOp::delete(keys::name_key(prefix, name, service), None));
    puts.chain(deletes).collect()
}

/// Applies `ops` in transactions of at most [`MAX_TXN_OPS`], in order.
async fn commit(
    config: &EtcdConfig,
    client: &mut Client,
    ops: Vec<TxnOp>,
) -> Result<(), EtcdError> {
    let mut ops = ops.into_iter().peekable();
    while ops.peek().is_some() {
        let batch: Vec<TxnOp> = ops.by_ref().take(MAX_TXN_OPS).collect();
        config
            .ask("put", client.txn(Txn::new().and_then(batch)))
            .await?;
    }
    Ok(())
}
