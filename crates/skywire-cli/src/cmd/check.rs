//! `skywire check`: verify captured traffic against skynet's encoding and logs.

use std::path::PathBuf;
use std::process::ExitCode;

use skywire_capture::check::{check, CheckOptions};

use super::traffic_args::InputArgs;
use super::CmdResult;

/// Arguments of `skywire check`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Checks: every stream decodes; every message re-encodes to exactly its frames and every payload re-packs to exactly its bytes; every response answers a request; with --log, requests and responses agree with the calling node's log (and with --pushes, pushes with the serving node's). Exits 1 on any mismatch.\n\nExamples:\n  skywire check --log calls.jsonl --pushes pushes.jsonl capture.pcapng\n  skywire check --requests requests.bin --responses responses.bin --log calls.jsonl"
)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// The calling node's log of finished operations (`calls.jsonl` of a capture folder),
    /// for all the traffic given.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// The serving node's log of received pushes (`pushes.jsonl`).
    #[arg(long, value_name = "FILE")]
    pub pushes: Option<PathBuf>,
}

/// Runs `skywire check`.
pub fn run(args: Args) -> CmdResult {
    let inputs = args.input.inputs("check")?;
    let report = check(
        &inputs,
        &CheckOptions {
            calls: args.log.clone(),
            pushes: args.pushes.clone(),
            port: args.input.port,
        },
    )?;
    for r in &report.inputs {
        outln!(
            "{}: {} messages ({} requests, {} responses), {} frames, {} bytes",
            r.name,
            r.totals.messages,
            r.requests,
            r.responses,
            r.totals.frames,
            r.totals.bytes
        )?;
    }
    if report.unanswered > 0 {
        outln!(
            "{} call(s) or query(ies) got no response",
            report.unanswered
        )?;
    }
    if let (Some(log), Some((ops, pushes))) = (&args.log, report.log_lines) {
        let pushes = match (&args.pushes, pushes) {
            (Some(p), Some(n)) => format!("; push log {}: {n} pushes", p.display()),
            _ => String::new(),
        };
        outln!("log {}: {ops} operations{pushes}", log.display())?;
    }
    for m in &report.mismatches {
        outln!("mismatch: {}: {}", m.place, m.what)?;
    }
    let t = report.totals();
    if report.passed() {
        outln!(
            "check passed: {} messages, {} frames, {} bytes, 0 mismatches",
            t.messages,
            t.frames,
            t.bytes
        )?;
        Ok(ExitCode::SUCCESS)
    } else {
        outln!(
            "check FAILED: {} messages, {} frames, {} bytes, {} mismatch(es)",
            t.messages,
            t.frames,
            t.bytes,
            report.mismatches.len()
        )?;
        Ok(ExitCode::FAILURE)
    }
}
