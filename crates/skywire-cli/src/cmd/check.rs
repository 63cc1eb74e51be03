//! `skywire check` (not implemented yet).

use super::CmdResult;

/// Arguments of `skywire check`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `skywire check`.
pub fn run(_args: Args) -> CmdResult {
    Err("not implemented yet".into())
}
