//! `skywire conform --serve`: to come.

use super::conform::Args;
use super::CmdResult;

/// Runs `skywire conform --serve LISTEN`.
pub fn run(_listen: &str, _args: &Args) -> CmdResult {
    Err("--serve: not yet".into())
}
