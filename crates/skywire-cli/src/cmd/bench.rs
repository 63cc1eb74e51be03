//! `skywire bench HOST:PORT`: a load generator in the spirit of `redis-benchmark`.
//!
//! It calls a service (default `@echo`) with `("ping", i, payload)` from many concurrent
//! callers over one or more connections, checks that every reply gives back `"ping"`, the
//! same `i` and the same payload, and reports calls/s, MB/s and latency percentiles.
//!
//! It speaks the cluster protocol itself, through the sans-IO codec, rather than through
//! the node's client: it measures the node on the other side, so it must add as little of
//! its own cost as it can (no task, channel or future per call; replies verified in place),
//! and it must work against any node serving an echo, a skynet node included.
//!
//! A caller here is a slot that always has one call outstanding: when its reply comes back
//! and checks out, it makes the next call at once (a closed loop, like `redis-benchmark`'s
//! clients). The latency of a call runs from the moment it is made (before packing) to the
//! moment its reply is decoded.

mod conn;
mod cpu;
mod out_queue;
mod payload;
mod report;

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use skywire_codec::Target;

use super::CmdResult;
use conn::{Plan, Stop};
use report::Report;

/// Arguments of `skywire bench`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    skywire bench 127.0.0.1:2528\n  \
    skywire bench 127.0.0.1:2528 --callers 64 --duration 10\n  \
    skywire bench 127.0.0.1:2528 --callers 8 --size 100000 --json\n  \
    skywire bench 127.0.0.1:2528 --connections 4 --callers 256 --calls 1000000")]
pub struct Args {
    /// The node to load: HOST:PORT.
    #[arg(value_name = "HOST:PORT")]
    pub addr: String,
    /// The service called: `@name`, `.name` or a numeric address.
    #[arg(long, default_value = "@echo")]
    pub target: String,
    /// TCP connections to open (callers are spread evenly over them; connections beyond
    /// --callers are held open, idle, for the whole run).
    #[arg(long, short = 'c', default_value_t = 1)]
    pub connections: usize,
    /// Concurrent callers in all: calls outstanding at any time.
    #[arg(long, short = 'n', default_value_t = 1)]
    pub callers: usize,
    /// Bytes of the payload string sent as the third argument (0: an empty string).
    #[arg(long, short = 's', default_value_t = 0)]
    pub size: usize,
    /// Seconds to measure for (after the warm-up). Default 10 unless --calls is given.
    #[arg(long, short = 'd', conflicts_with = "calls")]
    pub duration: Option<f64>,
    /// Make exactly this many calls, then stop.
    #[arg(long)]
    pub calls: Option<u64>,
    /// Seconds of calls made before measuring starts (not counted).
    #[arg(long, default_value_t = 0.0)]
    pub warmup: f64,
    /// Give up when no reply has come for this many seconds while calls are outstanding.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// Threads for the client's runtime (1: everything on one thread).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Busy-poll the sockets: after a read finds nothing, try again for up to this many
    /// microseconds before sleeping (0: off). Cuts the latency of one-at-a-time calls where
    /// waking a sleeping CPU is slow, at the price of a busy core; see `skywire node
    /// --busy-poll-us`.
    #[arg(long, value_name = "MICROSECONDS", default_value_t = 0)]
    pub busy_poll_us: u64,
    /// Print one JSON object on one line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `skywire bench`.
pub fn run(args: Args) -> CmdResult {
    let addr = resolve(&args.addr)?;
    let target = parse_target(&args.target)?;
    if args.connections == 0 || args.callers == 0 {
        return Err("--connections and --callers must be at least 1".into());
    }
    let seconds = |name: &str, v: f64| -> Result<Duration, String> {
        Duration::try_from_secs_f64(v).map_err(|_| format!("--{name}: not a number of seconds"))
    };
    let stop = match args.calls {
        Some(0) => return Err("--calls must be at least 1".into()),
        Some(n) => Stop::AfterCalls(n),
        None => Stop::After(seconds("duration", args.duration.unwrap_or(10.0))?),
    };
    let plan = Arc::new(Plan {
        target,
        payload: payload::Payload::new(args.size),
        warmup: seconds("warmup", args.warmup)?,
        timeout: seconds("timeout", args.timeout)?,
        busy_poll: Duration::from_micros(args.busy_poll_us),
        stop,
    });

    let runtime = super::runtime::with_threads(args.threads.max(1))?;
    let cpu_before = cpu::process_cpu_seconds();
    let outcome = runtime.block_on(conn::run(addr, args.connections, args.callers, plan))?;
    let client_cpu_seconds = cpu::process_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let report = Report {
        addr: args.addr.clone(),
        target: args.target.clone(),
        connections: args.connections,
        callers: args.callers,
        size: args.size,
        client_cpu_seconds,
        outcome,
    };
    if args.json {
        println!("{}", report.json());
    } else {
        print!("{}", report.text());
    }
    Ok(if report.outcome.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn resolve(addr: &str) -> Result<SocketAddr, String> {
    addr.to_socket_addrs()
        .map_err(|e| format!("{addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("{addr}: no address"))
}

/// `@name` / `.name` (or any other name) as a by-name target, digits as an address.
fn parse_target(s: &str) -> Result<Target, String> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<u32>()
            .map(Target::Address)
            .map_err(|_| format!("--target {s}: address out of range"));
    }
    Target::name(s.as_bytes().to_vec()).map_err(|e| format!("--target {s}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(parse_target("12").unwrap(), Target::Address(12));
        assert_eq!(
            parse_target("@echo").unwrap().as_name(),
            Some(&b"@echo"[..])
        );
        assert!(parse_target("").is_err());
        assert!(parse_target("99999999999").is_err());
        assert!(parse_target(&"x".repeat(256)).is_err());
    }
}
