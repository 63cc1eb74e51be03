//! Running cases: a selection, one after another, each bounded by its timeout.

use std::time::{Duration, Instant};

use crate::case::{Case, Failure, Outcome, Target};

/// The result of one case.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// The case's ID.
    pub id: String,
    /// What it checks.
    pub description: String,
    /// The spec section.
    pub spec: &'static str,
    /// What skynet itself does here, where it departs from the spec.
    pub skynet: Option<&'static str>,
    /// What happened.
    pub outcome: Outcome,
    /// How long it took.
    pub elapsed: Duration,
}

/// Whether `id` is selected by `patterns`: an exact ID, a prefix ending in `/`, or a
/// prefix followed by `*`. No patterns selects everything.
pub fn selected(id: &str, patterns: &[String]) -> bool {
    patterns.is_empty()
        || patterns.iter().any(|p| {
            if let Some(prefix) = p.strip_suffix('*') {
                id.starts_with(prefix)
            } else if p.ends_with('/') {
                id.starts_with(p.as_str())
            } else {
                id == p || id.starts_with(&format!("{p}/"))
            }
        })
}

/// Runs each case in turn against `target`, calling `progress` after each.
pub async fn run(
    cases: &[Case],
    target: &Target,
    mut progress: impl FnMut(&CaseReport),
) -> Vec<CaseReport> {
    let mut reports = Vec::with_capacity(cases.len());
    for case in cases {
        let start = Instant::now();
        let outcome =
            match tokio::time::timeout(target.case_timeout, case.run(target.clone())).await {
                Ok(Ok(note)) => Outcome::Pass { note },
                Ok(Err(f)) => Outcome::Fail(f),
                Err(_) => Outcome::Fail(Failure::new(
                    format!("the case to finish within {:?}", target.case_timeout),
                    "it did not (the node hung or is too slow)",
                )),
            };
        let report = CaseReport {
            id: case.id.clone(),
            description: case.description.clone(),
            spec: case.spec,
            skynet: case.skynet,
            outcome,
            elapsed: start.elapsed(),
        };
        progress(&report);
        reports.push(report);
    }
    reports
}

/// (passed, failed, skipped).
pub fn tally(reports: &[CaseReport]) -> (usize, usize, usize) {
    reports
        .iter()
        .fold((0, 0, 0), |(p, f, s), r| match r.outcome {
            Outcome::Pass { .. } => (p + 1, f, s),
            Outcome::Fail(_) => (p, f + 1, s),
            Outcome::Skip { .. } => (p, f, s + 1),
        })
}

#[cfg(test)]
mod tests {
    use super::selected;

    #[test]
    fn selection() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(selected("a/b", &[]));
        assert!(selected(
            "request/multipart/3-parts",
            &p(&["request/multipart/3-parts"])
        ));
        assert!(selected("request/multipart/3-parts", &p(&["request"])));
        assert!(selected("request/multipart/3-parts", &p(&["request/"])));
        assert!(selected(
            "request/multipart/3-parts",
            &p(&["request/multi*"])
        ));
        assert!(!selected("request/multipart/3-parts", &p(&["req"])));
        assert!(!selected(
            "response/small/0x8000",
            &p(&["request", "value/"])
        ));
    }
}
