//! `skywire call`, `skywire send`, `skywire query` (not implemented yet).

use super::CmdResult;

/// Arguments of `skywire call`.
#[derive(clap::Args, Debug)]
pub struct CallArgs {}

/// Arguments of `skywire send`.
#[derive(clap::Args, Debug)]
pub struct SendArgs {}

/// Arguments of `skywire query`.
#[derive(clap::Args, Debug)]
pub struct QueryArgs {}

/// Runs `skywire call`.
pub fn run_call(_args: CallArgs) -> CmdResult {
    Err("not implemented yet".into())
}

/// Runs `skywire send`.
pub fn run_send(_args: SendArgs) -> CmdResult {
    Err("not implemented yet".into())
}

/// Runs `skywire query`.
pub fn run_query(_args: QueryArgs) -> CmdResult {
    Err("not implemented yet".into())
}
