//! `--json`: one object per case.

use serde_json::json;

use crate::case::Outcome;
use crate::run::CaseReport;

/// One case as a JSON object on one line: `id`, `description`, `spec`, `result`
/// (`pass`/`fail`/`skip`), `note` / `expected` and `got` / `why`, `skynet`, `ms`.
pub fn json_line(r: &CaseReport) -> String {
    let mut o = json!({
        "id": r.id,
        "description": r.description,
        "spec": r.spec,
        "result": r.outcome.word(),
        "ms": r.elapsed.as_secs_f64() * 1000.0,
    });
    match &r.outcome {
        Outcome::Pass { note: Some(n) } => o["note"] = json!(n),
        Outcome::Pass { note: None } => {}
        Outcome::Fail(f) => {
            o["expected"] = json!(f.expected);
            o["got"] = json!(f.got);
        }
        Outcome::Skip { why } => o["why"] = json!(why),
    }
    if let Some(s) = r.skynet {
        o["skynet"] = json!(s);
    }
    o.to_string()
}
