//! `skywire conform` as a user runs it: against `skywire node --conform` (every case
//! passes, JUnit report written), against a faulty node (its cases fail, exit 1), and
//! `--serve` with `skywire call`/`send`/`query` as the caller under test.

mod common;

use std::process::Command;

use common::child::{skywire, Running, SKYWIRE};
use skywire_codec::{Limits, RequestDecoder};
use skywire_conform::caller::script::{parse, Step, BASIC, BASIC_EXPECTED};

fn start(args: &[&str]) -> Running {
    Running::start(args)
}

fn temp(name: &str) -> std::path::PathBuf {
    common::child::temp_path("conform-cli", name)
}

#[test]
fn a_skywire_node_passes_and_the_junit_report_says_so() {
    let node = start(&["node", "--conform", "--listen", "127.0.0.1:0"]);
    let junit = temp("report.xml");
    let out = skywire(&["conform", &node.addr, "--junit", junit.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("conform: ") && last.ends_with(" passed, 0 failed, 0 skipped"),
        "{last}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"0\""), "{xml}");
    assert!(xml.matches("<testcase ").count() > 200);
}

#[test]
fn a_faulty_node_fails_its_cases_and_the_exit_code_says_so() {
    let node = start(&[
        "node",
        "--conform",
        "--fault",
        "answers-pushes",
        "--listen",
        "127.0.0.1:0",
    ]);
    let out = skywire(&["conform", &node.addr, "push/small", "query/hit", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let result = |id: &str| {
        lines
            .iter()
            .find(|l| l["id"] == id)
            .map(|l| l["result"].clone())
    };
    assert_eq!(result("push/small/at-name"), Some("fail".into()));
    assert_eq!(result("push/small/several"), Some("fail".into()));
    assert_eq!(result("query/hit"), Some("pass".into()));
    assert_eq!(lines.len(), 4);
}

/// Each step as `skywire call`/`send`/`query` arguments; `None` for steps whose arguments
/// do not fit on a command line (the kernel takes at most 128 KiB per argument).
fn command_line(addr: &str, step: &Step) -> Option<Vec<String>> {
    let target = |t: &skywire_codec::Target| match t {
        skywire_codec::Target::Address(a) => a.to_string(),
        skywire_codec::Target::Name(n) => String::from_utf8(n.to_vec()).unwrap(),
    };
    let (mut v, args) = match step {
        Step::Call {
            target: t,
            args,
            trace,
            ..
        } => {
            let mut v = vec!["call".to_string()];
            if *trace {
                v.extend(["--trace-tag".into(), "(cli)conform".into()]);
            }
            v.extend([addr.to_string(), target(t)]);
            (v, args)
        }
        Step::Send { target: t, args } => (vec!["send".into(), addr.into(), target(t)], args),
        Step::Query { name, .. } => return Some(vec!["query".into(), addr.into(), name.clone()]),
    };
    for a in args {
        let lit = a.to_string();
        if lit.len() > 100_000 {
            return None;
        }
        v.push(lit);
    }
    Some(v)
}

#[test]
fn skywire_call_send_and_query_send_what_skynet_sent() {
    // The script's steps that fit on command lines, and skynet's frames for those steps.
    let steps = parse(BASIC).unwrap();
    let mut dec = RequestDecoder::new(Limits::DEFAULT);
    dec.feed(BASIC_EXPECTED);
    let mut script = String::new();
    let mut expected = Vec::new();
    let mut chosen = Vec::new();
    for (line, step) in BASIC.lines().zip(&steps) {
        let req = dec.next_message().unwrap().unwrap();
        if command_line("x", step).is_some() {
            script.push_str(line);
            script.push('\n');
            req.write_frames(&mut expected).unwrap(); // skynet's bytes: the caller test checks the codec reproduces them
            chosen.push(step.clone());
        }
    }
    assert!(chosen.len() >= 30, "{} steps fit", chosen.len());
    let (s, e) = (temp("script.jsonl"), temp("expected.bin"));
    std::fs::write(&s, script).unwrap();
    std::fs::write(&e, &expected).unwrap();
    let mut serve = start(&[
        "conform",
        "--serve",
        "127.0.0.1:0",
        "--script",
        s.to_str().unwrap(),
        "--expected",
        e.to_str().unwrap(),
        "--wait",
        "60",
    ]);
    for step in &chosen {
        let args = command_line(&serve.addr, step).unwrap();
        let out = Command::new(SKYWIRE).args(&args).output().unwrap();
        // Calls the contract fails exit 1; that is part of the script.
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{args:?}: {out:?}"
        );
    }
    let status = serve.child.wait().unwrap();
    let rest = serve.rest();
    assert!(status.success(), "{rest}");
    assert!(rest.contains(" 0 deviations"), "{rest}");
}
