//! The table printed by default: one line per case, failures with what was expected.

use crate::case::Outcome;
use crate::run::{tally, CaseReport};

/// One case's lines: `pass  id  note`, or `FAIL  id` then expected / got.
pub fn human_line(r: &CaseReport) -> String {
    let mut s = match &r.outcome {
        Outcome::Pass { note: None } => format!("pass  {}", r.id),
        Outcome::Pass { note: Some(n) } => format!("pass  {}  ({n})", r.id),
        Outcome::Fail(f) => format!(
            "FAIL  {}  [{}] {}\n        expected: {}\n        got:      {}",
            r.id, r.spec, r.description, f.expected, f.got
        ),
        Outcome::Skip { why } => format!("skip  {}  ({why})", r.id),
    };
    if let Some(note) = r.skynet {
        s.push_str(&format!("\n        skynet behaviour: {note}"));
    }
    s
}

/// The closing line: `conform: N passed, N failed, N skipped`.
pub fn human_summary(reports: &[CaseReport]) -> String {
    let (p, f, s) = tally(reports);
    format!("conform: {p} passed, {f} failed, {s} skipped")
}
