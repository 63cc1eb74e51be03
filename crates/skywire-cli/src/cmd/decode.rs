//! `skywire decode` (not implemented yet).

use super::CmdResult;

/// Arguments of `skywire decode`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `skywire decode`.
pub fn run(_args: Args) -> CmdResult {
    Err("not implemented yet".into())
}
