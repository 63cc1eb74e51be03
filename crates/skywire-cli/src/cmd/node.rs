//! `skywire node` (not implemented yet).

use super::CmdResult;

/// Arguments of `skywire node`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `skywire node`.
pub fn run(_args: Args) -> CmdResult {
    Err("not implemented yet".into())
}
