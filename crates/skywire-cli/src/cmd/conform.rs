//! `skywire conform`: the conformance suite against a live node (`HOST:PORT`), or, with
//! `--serve`, a node that checks what a caller under test sends.

use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use skywire_conform::report::{human_line, human_summary, json_line, junit_xml};
use skywire_conform::{cases, selected, tally, Target};

use super::CmdResult;

/// Arguments of `skywire conform`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The node under test serves the contract of conform/README.md \
(`skywire node --conform` does; conform/skynet/ has it for skynet). \
Examples:\n  skywire conform 127.0.0.1:2528\n  skywire conform 127.0.0.1:2528 request/multipart value/integer --junit report.xml\n  skywire conform --list hostile/\n  skywire conform --serve 127.0.0.1:2529"
)]
pub struct Args {
    /// The node under test, `HOST:PORT` (with `--list`: taken as a case pattern).
    #[arg(value_name = "HOST:PORT")]
    addr: Option<String>,
    /// Run only these cases: an ID, a prefix (`request/multipart`, `value/`), or `prefix*`.
    #[arg(value_name = "CASE")]
    cases: Vec<String>,
    /// List the cases (ID, spec section, description) instead of running them.
    #[arg(long)]
    list: bool,
    /// One JSON object per case on standard output instead of the table.
    #[arg(long)]
    json: bool,
    /// Also write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// A case that takes longer fails; the run goes on.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// How long to watch for a reaction that should not come (an answer to a push) or may
    /// come (the node's reaction to bad input).
    #[arg(long, value_name = "MILLISECONDS", default_value_t = 300)]
    settle_ms: u64,
    /// Test a caller instead: listen at ADDR as a node serving the contract, record what
    /// callers send and compare it with what skynet sent for the caller script.
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "list")]
    serve: Option<String>,
    /// With `--serve`: the caller script the caller performs (default: the built-in one,
    /// conform/caller/basic.jsonl, the captures' basic scenario).
    #[arg(long, value_name = "FILE", requires_all = ["serve", "expected"])]
    pub(super) script: Option<PathBuf>,
    /// With `--script`: the byte stream skynet's sender wrote for that script.
    #[arg(long, value_name = "FILE", requires = "script")]
    pub(super) expected: Option<PathBuf>,
    /// With `--serve`: stop waiting for the caller after this long.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub(super) wait: u64,
}

impl Args {
    /// `--json`.
    pub(super) fn json(&self) -> bool {
        self.json
    }

    /// `--junit`.
    pub(super) fn junit(&self) -> Option<&PathBuf> {
        self.junit.as_ref()
    }
}

/// Runs `skywire conform`.
pub fn run(args: Args) -> CmdResult {
    if let Some(listen) = &args.serve {
        return super::conform_serve::run(listen, &args);
    }
    let mut patterns = args.cases.clone();
    if args.list {
        patterns.extend(args.addr.clone());
        for c in cases::all()
            .into_iter()
            .filter(|c| selected(&c.id, &patterns))
        {
            outln!("{:<48} {:<36} {}", c.id, c.spec, c.description)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let addr = args
        .addr
        .as_deref()
        .ok_or("give the node under test as HOST:PORT (or --list, or --serve ADDR)")?;
    let addr = addr
        .to_socket_addrs()
        .map_err(|e| format!("{addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("{addr}: no address"))?;
    if !(args.timeout > 0.0 && args.timeout < 3600.0) {
        return Err("--timeout takes seconds between 0 and 3600".into());
    }
    let target = Target {
        addr,
        case_timeout: Duration::from_secs_f64(args.timeout),
        settle: Duration::from_millis(args.settle_ms),
    };
    let chosen: Vec<_> = cases::all()
        .into_iter()
        .filter(|c| selected(&c.id, &patterns))
        .collect();
    if chosen.is_empty() {
        return Err(format!("no case matches {patterns:?} (see --list)").into());
    }
    let rt = super::runtime::with_threads(2)?;
    let json = args.json;
    let mut out_err = None;
    let reports = rt.block_on(skywire_conform::run(&chosen, &target, |r| {
        let line = if json { json_line(r) } else { human_line(r) };
        if let Err(e) = outln!("{line}") {
            out_err.get_or_insert(e);
        }
    }));
    if let Some(e) = out_err {
        return Err(e.into());
    }
    if !json {
        outln!("{}", human_summary(&reports))?;
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, junit_xml("skywire-conform", &reports))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let (_, failed, _) = tally(&reports);
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
