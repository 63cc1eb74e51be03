//! A skywire node performing a caller script against `HOST:PORT`, one step at a time, as
//! the skynet caller in `conform/skynet/conform_caller.lua` does: the Rust caller under test.

use skywire_node::{CallError, CallOptions, Node};

use super::script::Step;

/// Performs `steps` against `addr` on one connection; returns the steps whose results
/// were not what the script says (`(step, why)`).
pub async fn play(steps: &[Step], addr: &str) -> Vec<(usize, String)> {
    let node = Node::new();
    let remote = node.remote_at(addr);
    let mut wrong = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let problem = match step {
            Step::Call {
                target,
                args,
                trace,
                ret,
            } => {
                let mut opts = CallOptions::new();
                if *trace {
                    opts = opts.trace(format!("(rust-db-{})conform", i + 1));
                }
                match (remote.call_with(target, args, &opts).await, ret) {
                    (Ok(got), Some(want)) if skywire_seri::values_content_eq(&got, want) => None,
                    (Err(CallError::Remote { .. }), None) => None,
                    (got, want) => Some(format!("expected {want:?}, got {got:?}")),
                }
            }
            Step::Send { target, args } => {
                let sent = remote.send(target, args).await;
                remote.flush().await;
                sent.err().map(|e| format!("send failed: {e}"))
            }
            Step::Query { name, ret } => match (remote.query(name).await, ret) {
                (Ok(got), Some(want)) if got == *want => None,
                (Err(CallError::Remote { .. }), None) => None,
                (got, want) => Some(format!("expected {want:?}, got {got:?}")),
            },
        };
        if let Some(p) = problem {
            wrong.push((i, p));
        }
    }
    if let Err(e) = remote.close().await {
        wrong.push((steps.len(), format!("closing: {e}")));
    }
    wrong
}
