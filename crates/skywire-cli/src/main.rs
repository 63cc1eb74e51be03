//! `skywire`: decode, check, serve and call skynet cluster traffic.
//!
//! The binary only: the capture library it decodes and checks with is `skywire-capture`,
//! the suite `skywire conform` runs is `skywire-conform`, the node is `skywire-node`.
//!
//! | file | holds |
//! |---|---|
//! | `main.rs` | the command line and its dispatch |
//! | `cmd/mod.rs` | what every subcommand shares: `outln!`, the exit-code type, signal waiting |
//! | `cmd/decode.rs`, `cmd/check.rs` | `skywire decode`, `skywire check` |
//! | `cmd/traffic_args.rs` | the capture/stream arguments those two take |
//! | `cmd/node.rs` | `skywire node` (demo services, or the conformance contract) |
//! | `cmd/call.rs` | `skywire call`, `send`, `query`, and their arguments read as Lua literals |
//! | `cmd/snax.rs` | `skywire snax`: `req`, `post` (`cluster.snax`), `ids`, `stub` |
//! | `cmd/counter.rs` | `counter`, the demo snax service of `skywire node` |
//! | `cmd/proxy.rs`, `relay.rs` | `skywire proxy`: its output and capture, and the forwarding core with its faults |
//! | `cmd/bench.rs`, `cmd/bench/` | `skywire bench`: connections, payloads, the out queue, CPU time, the report |
//! | `cmd/conform.rs`, `cmd/conform_serve.rs` | `skywire conform`, and its `--serve` side |
//! | `cmd/discover.rs`, `cmd/node_etcd.rs` | `skywire discover`, `skywire node --etcd` (feature `etcd`) |
//! | `cmd/logging.rs` | logs of the long-running subcommands |

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod relay;

/// The binary's allocator: mimalloc keeps freed memory for reuse, where glibc malloc gives
/// the ~100 KB buffers of large messages back to the OS and faults them in again on the
/// next message (BENCHMARKS.md, the 100,000-byte row). Only the binary chooses it: the
/// library crates leave the allocator to their users.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The skynet cluster protocol, from the command line.
#[derive(Parser, Debug)]
#[command(name = "skywire", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print every message of captured traffic (pcap/pcapng or raw streams).
    Decode(cmd::decode::Args),
    /// Verify captured traffic: it decodes, re-encodes byte for byte, agrees with a log.
    Check(cmd::check::Args),
    /// Run a node serving the demo services `echo`, `kv` and the snax service `counter`.
    Node(cmd::node::Args),
    /// Call a service on a node (`cluster.call`) and print what it returns.
    Call(cmd::call::CallArgs),
    /// Push a message to a service on a node (`cluster.send`); no reply.
    Send(cmd::call::SendArgs),
    /// Ask a node for the address of a cluster name (`cluster.query`).
    Query(cmd::call::QueryArgs),
    /// Call snax services (`cluster.snax`), number a snax file's methods, write stubs.
    Snax(cmd::snax::Args),
    /// Sit between two nodes: forward, print each message, capture, inject faults.
    Proxy(cmd::proxy::Args),
    /// Load-test a node that serves an echo (a skynet node included).
    Bench(cmd::bench::Args),
    /// Run the conformance suite against a node (or, with --serve, a caller).
    Conform(cmd::conform::Args),
    /// Keep a skynet `clustername` file up to date from etcd, and tell skynet to reload it.
    #[cfg(feature = "etcd")]
    Discover(cmd::discover::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (name, result) = match cli.command {
        Command::Decode(a) => ("decode", cmd::decode::run(a)),
        Command::Check(a) => ("check", cmd::check::run(a)),
        Command::Node(a) => ("node", cmd::node::run(a)),
        Command::Call(a) => ("call", cmd::call::run_call(a)),
        Command::Send(a) => ("send", cmd::call::run_send(a)),
        Command::Query(a) => ("query", cmd::call::run_query(a)),
        Command::Snax(a) => ("snax", cmd::snax::run(a)),
        Command::Proxy(a) => ("proxy", cmd::proxy::run(a)),
        Command::Bench(a) => ("bench", cmd::bench::run(a)),
        Command::Conform(a) => ("conform", cmd::conform::run(a)),
        #[cfg(feature = "etcd")]
        Command::Discover(a) => ("discover", cmd::discover::run(a)),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("skywire {name}: {e}");
            ExitCode::FAILURE
        }
    }
}
