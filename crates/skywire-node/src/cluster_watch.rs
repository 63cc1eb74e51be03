//! Live `clustername` reload: [`ClusterWatch`], a node following its file.
//!
//! skynet reads its `clustername` file when `cluster.reload()` is called, and only then.
//! A watched file is read again each time it changes (the `notify` crate: inotify on
//! Linux) and applied with [`Node::reload`], skynet's `cluster.reload` semantics: a node
//! whose address changed has its connection closed and its pending calls failed, `false`
//! marks a node down (calls fail at once), `__nowaiting` is taken, and a node the file no
//! longer names keeps the address it had (as skynet keeps it). A file that does not parse
//! is logged with its line and column, and the table stays as it was.
//!
//! The file's directory is watched, not the file: editors and atomic writers
//! (`write tmp; rename tmp clustername`) replace the file, and a watch on the old file
//! would see nothing after the first replacement. Changes are applied once they have
//! settled for [`SETTLE`]: a writer that truncates and then writes is not read half way.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::{watch, Notify};

use crate::cluster_config::{ClusterConfig, ClusterFileError};
use crate::node::Node;

/// How long a file must go without changing before it is read again.
pub const SETTLE: Duration = Duration::from_millis(50);

/// Why a file cannot be watched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WatchError {
    /// The first read of the file failed (nothing was applied).
    #[error(transparent)]
    File(#[from] ClusterFileError),
    /// The operating system's file watching failed (inotify limits, a missing directory).
    #[error("cannot watch {path}: {source}")]
    Watch {
        /// The directory watched.
        path: PathBuf,
        /// What `notify` said.
        source: notify::Error,
    },
}

/// What a watch has done so far ([`ClusterWatch::status`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WatchStatus {
    /// Times the file was read and applied (the first read included) with a table that
    /// differed from the one applied before it.
    pub reloads: u64,
    /// Times the file was read again after a change (applied or not).
    pub reads: u64,
    /// The error of the last read, when it failed (the table applied before is kept);
    /// `None` after a read that succeeded.
    pub last_error: Option<ClusterFileError>,
}

/// A node following a `clustername` file ([`Node::watch_cluster_file`]). Watching stops
/// when this is dropped or the node shuts down.
#[derive(Debug)]
pub struct ClusterWatch {
    path: PathBuf,
    status: watch::Receiver<WatchStatus>,
    task: tokio::task::JoinHandle<()>,
    _watcher: notify::RecommendedWatcher,
}

impl Drop for ClusterWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ClusterWatch {
    /// Reads `path`, applies it to `node`, and follows it.
    pub(crate) fn start(node: Node, path: &Path) -> Result<ClusterWatch, WatchError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let first = ClusterConfig::load(&path)?;
        node.reload(&first);
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_owned);
        let changed = Arc::new(Notify::new());
        let watched = path.clone();
        let signal = changed.clone();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                match event {
                    Ok(e) if e.paths.contains(&watched) => signal.notify_one(),
                    Ok(_) => {}
                    // Overflow and the like: read again to be sure.
                    Err(e) => {
                        tracing::warn!(path = %watched.display(), "watching: {e}");
                        signal.notify_one();
                    }
                }
            })
            .map_err(|source| WatchError::Watch {
                path: dir.clone(),
                source,
            })?;
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(|source| WatchError::Watch {
                path: dir.clone(),
                source,
            })?;
        let (tx, status) = watch::channel(WatchStatus {
            reloads: 1,
            ..WatchStatus::default()
        });
        tracing::info!(path = %path.display(), "watching the cluster file");
        let task = tokio::spawn(follow(node, path.clone(), first, changed, tx));
        Ok(ClusterWatch {
            path,
            status,
            task,
            _watcher: watcher,
        })
    }

    /// The file watched (made absolute).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the watch has done so far.
    pub fn status(&self) -> WatchStatus {
        self.status.borrow().clone()
    }

    /// A receiver of [`status`](Self::status) that sees each change (to wait for a reload
    /// with a deadline, say).
    pub fn subscribe(&self) -> watch::Receiver<WatchStatus> {
        self.status.clone()
    }
}

/// Reads the file again after each settled change, until the node shuts down.
async fn follow(
    node: Node,
    path: PathBuf,
    mut applied: ClusterConfig,
    changed: Arc<Notify>,
    status: watch::Sender<WatchStatus>,
) {
    let shutdown = node.shutdown_token();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = changed.notified() => {}
        }
        // Settle: wait until the file has not changed for SETTLE.
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(SETTLE) => break,
                _ = changed.notified() => {}
            }
        }
        match ClusterConfig::load(&path) {
            Ok(config) => {
                let differs = config != applied;
                if differs {
                    tracing::info!(path = %path.display(), "cluster file changed: reloading");
                    node.reload(&config);
                    applied = config;
                }
                status.send_modify(|s| {
                    s.reads += 1;
                    s.reloads += u64::from(differs);
                    s.last_error = None;
                });
            }
            Err(e) => {
                tracing::warn!("{e}; the node table stays as it was");
                status.send_modify(|s| {
                    s.reads += 1;
                    s.last_error = Some(e);
                });
            }
        }
    }
}
