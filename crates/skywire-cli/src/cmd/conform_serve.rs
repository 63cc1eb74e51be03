//! `skywire conform --serve ADDR`: listen as a node serving the contract while a caller
//! under test performs the caller script, then compare every byte it sent with what
//! skynet's sender sent for the same script.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use skywire_conform::caller::compare::{compare, Deviation};
use skywire_conform::caller::script::{parse, Step, BASIC, BASIC_EXPECTED};
use skywire_conform::caller::serve::{record, Until};
use skywire_conform::report::junit_xml;
use skywire_conform::{CaseReport, Failure, Outcome};

use super::conform::Args;
use super::CmdResult;

/// Runs `skywire conform --serve LISTEN`.
pub fn run(listen: &str, args: &Args) -> CmdResult {
    let (script, expected) = match (&args.script, &args.expected) {
        (Some(s), Some(e)) => (
            std::fs::read_to_string(s).map_err(|err| format!("{}: {err}", s.display()))?,
            std::fs::read(e).map_err(|err| format!("{}: {err}", e.display()))?,
        ),
        _ => (BASIC.to_string(), BASIC_EXPECTED.to_vec()),
    };
    let steps = parse(&script)?;
    let rt = super::runtime::with_threads(2)?;
    let conns = rt.block_on(async {
        let listener = super::listen(listen).await?;
        outln!(
            "listening on {}: perform the caller script ({} steps), then close the connection",
            listener.local_addr()?,
            steps.len()
        )?;
        let until = Until {
            steps: steps.len(),
            idle: Duration::from_secs(2),
            limit: Duration::from_secs(args.wait),
        };
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(record(listener, until).await?)
    })?;
    let refs: Vec<&[u8]> = conns.iter().map(Vec::as_slice).collect();
    let devs = compare(&expected, &refs);
    let received: usize = refs.iter().map(|c| c.len()).sum();
    if args.json() {
        for d in &devs {
            outln!(
                "{}",
                json!({
                    "step": d.step.map(|s| s + 1),
                    "operation": d.step.and_then(|s| steps.get(s)).map(Step::summary),
                    "offset": d.offset,
                    "deviation": d.what,
                })
            )?;
        }
    } else {
        for d in &devs {
            outln!("{}", human(d, &steps))?;
        }
        outln!(
            "conform --serve: {} connections, {received} bytes; {} of {} steps as skynet sends them, {} deviations",
            conns.len(),
            steps.len() - devs.iter().filter_map(|d| d.step).collect::<std::collections::BTreeSet<_>>().len().min(steps.len()),
            steps.len(),
            devs.len()
        )?;
    }
    if let Some(path) = args.junit() {
        std::fs::write(
            path,
            junit_xml("skywire-conform-caller", &reports(&steps, &devs)),
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(if devs.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn human(d: &Deviation, steps: &[Step]) -> String {
    let at = d
        .offset
        .map(|o| format!(" at byte {o}"))
        .unwrap_or_default();
    match d.step {
        Some(k) => format!(
            "step {} ({}){at}: {}",
            k + 1,
            steps
                .get(k)
                .map_or_else(|| "beyond the script".into(), Step::summary),
            d.what
        ),
        None => format!("{at}: {}", d.what),
    }
}

/// One JUnit case per step: `caller/step-001`.
fn reports(steps: &[Step], devs: &[Deviation]) -> Vec<CaseReport> {
    let mut out: Vec<CaseReport> = steps
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let mine: Vec<&Deviation> = devs.iter().filter(|d| d.step == Some(k)).collect();
            CaseReport {
                id: format!("caller/step-{:03}", k + 1),
                description: s.summary(),
                spec: "protocol.md §2",
                skynet: None,
                outcome: if mine.is_empty() {
                    Outcome::Pass { note: None }
                } else {
                    Outcome::Fail(Failure::new(
                        "the bytes skynet's sender wrote for this step",
                        mine.iter()
                            .map(|d| human(d, steps))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ))
                },
                elapsed: Duration::ZERO,
            }
        })
        .collect();
    for d in devs
        .iter()
        .filter(|d| d.step.is_none_or(|k| k >= steps.len()))
    {
        out.push(CaseReport {
            id: "caller/stream".into(),
            description: "the stream as a whole".into(),
            spec: "protocol.md §1",
            skynet: None,
            outcome: Outcome::Fail(Failure::new(
                "whole frames, one step per operation",
                human(d, steps),
            )),
            elapsed: Duration::ZERO,
        });
    }
    out
}
