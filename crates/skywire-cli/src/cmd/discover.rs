//! `skywire discover`: keeps a skynet `clustername` file up to date from etcd (written
//! atomically: a temporary file in the same directory, then renamed over it), and after
//! each write calls the skynet node's reload service (`conform/skynet/reload.lua`: one
//! `cluster.reload()` per call) so the node takes the new table.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use skywire_node::etcd::{self, EtcdConfig, FleetState};
use skywire_node::Node;

use super::CmdResult;

/// Arguments of `skywire discover`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// An etcd endpoint (`http://127.0.0.1:2379`); repeat for more.
    #[arg(long = "etcd", value_name = "URL", required = true)]
    endpoints: Vec<String>,
    /// The key prefix the nodes publish under (spec/discovery.md).
    #[arg(long, value_name = "PREFIX", default_value = "/skywire")]
    prefix: String,
    /// The `clustername` file to keep up to date (the skynet node's `cluster` setting).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// After each write, call the reload service of the skynet node at this address
    /// (`cluster.open`ed there; its Lua is conform/skynet/reload.lua). Retried every
    /// second until it answers.
    #[arg(long, value_name = "HOST:PORT")]
    reload_node: Option<String>,
    /// The cluster name the reload service registered (`cluster.register`).
    #[arg(long, value_name = "NAME", default_value = "reload")]
    reload_service: String,
    /// Write the file once the prefix has been read (and reload), then exit.
    #[arg(long)]
    once: bool,
    /// Log lines as text or as JSON lines.
    #[arg(long, value_enum, default_value_t = super::logging::LogFormat::Text)]
    log_format: super::logging::LogFormat,
}

/// How long the reload service gets to answer.
const RELOAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait before calling the reload service again after it failed.
const RELOAD_RETRY: Duration = Duration::from_secs(1);

/// Runs `skywire discover`.
pub fn run(args: Args) -> CmdResult {
    super::logging::init(args.log_format);
    let rt = super::runtime::with_threads(1)?;
    rt.block_on(async {
        tokio::select! {
            r = discover(&args) => r,
            r = super::wait_for_signal() => r.map(|()| ExitCode::SUCCESS).map_err(Into::into),
        }
    })
}

async fn discover(args: &Args) -> CmdResult {
    let watch = etcd::watch(EtcdConfig::new(
        args.endpoints.iter().cloned(),
        &args.prefix,
    ));
    let mut states = watch.subscribe();
    let caller = Node::new();
    let mut written: Option<String> = None;
    let mut reload_due = false;
    loop {
        let state: FleetState = states.borrow_and_update().clone();
        if state.connected {
            let text = state.fleet.clustername().to_string();
            if written.as_deref() != Some(&text) {
                write_atomically(&args.out, &text)?;
                outln!(
                    "wrote {}: {} nodes, {} down",
                    args.out.display(),
                    state.fleet.nodes().len(),
                    state.fleet.gone().len()
                )?;
                written = Some(text);
                reload_due = args.reload_node.is_some();
            }
        }
        if let (true, Some(at)) = (reload_due, &args.reload_node) {
            let target = format!("@{}", args.reload_service);
            let remote = caller.remote_at(at);
            match tokio::time::timeout(RELOAD_TIMEOUT, remote.call(target.as_str(), &[])).await {
                Ok(Ok(_)) => {
                    outln!("reloaded {at}")?;
                    reload_due = false;
                }
                Ok(Err(e)) => tracing::warn!("reload at {at}: {e}; trying again"),
                Err(_) => tracing::warn!("reload at {at}: no answer within {RELOAD_TIMEOUT:?}"),
            }
        }
        if args.once && written.is_some() && !reload_due {
            return Ok(ExitCode::SUCCESS);
        }
        if reload_due {
            let _ = tokio::time::timeout(RELOAD_RETRY, states.changed()).await;
        } else if states.changed().await.is_err() {
            return Err("the etcd watch ended".into());
        }
    }
}

/// Writes `text` to a temporary file beside `path`, flushes it, and renames it over
/// `path`: a reader sees the old file or the new one, never half of one.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let name = path
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", path.display()))?;
    let tmp = path.with_file_name(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let fail = |e: std::io::Error| format!("{}: {e}", tmp.display());
    let mut f = std::fs::File::create(&tmp).map_err(fail)?;
    f.write_all(text.as_bytes()).map_err(fail)?;
    f.sync_all().map_err(fail)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{} -> {}: {e}", tmp.display(), path.display())
    })
}
