//! `skywire bench` (not implemented yet).

use super::CmdResult;

/// Arguments of `skywire bench`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `skywire bench`.
pub fn run(_args: Args) -> CmdResult {
    Err("not implemented yet".into())
}
