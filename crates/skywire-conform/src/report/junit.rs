//! `--junit FILE`: JUnit XML, the report CI systems read.

use crate::case::Outcome;
use crate::run::{tally, CaseReport};

/// XML text and attribute escaping; characters XML 1.0 cannot carry become `?`.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// The whole run as one `<testsuite>` named `suite`; each case's class is its ID's first
/// two segments (`request.multipart`).
pub fn junit_xml(suite: &str, reports: &[CaseReport]) -> String {
    let (_, failed, skipped) = tally(reports);
    let total: f64 = reports.iter().map(|r| r.elapsed.as_secs_f64()).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"{0}\" tests=\"{1}\" failures=\"{2}\" skipped=\"{3}\" time=\"{4:.3}\">\n<testsuite name=\"{0}\" tests=\"{1}\" failures=\"{2}\" errors=\"0\" skipped=\"{3}\" time=\"{4:.3}\">\n",
        esc(suite), reports.len(), failed, skipped, total
    ));
    for r in reports {
        let class: Vec<&str> = r.id.split('/').take(2).collect();
        x.push_str(&format!(
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
            esc(&class.join(".")),
            esc(&r.id),
            r.elapsed.as_secs_f64()
        ));
        match &r.outcome {
            Outcome::Pass { note } => {
                if let Some(n) = note {
                    x.push_str(&format!("<system-out>{}</system-out>", esc(n)));
                }
            }
            Outcome::Fail(f) => x.push_str(&format!(
                "\n    <failure message=\"{}\" type=\"{}\">expected: {}\ngot: {}</failure>\n  ",
                esc(&r.description),
                esc(r.spec),
                esc(&f.expected),
                esc(&f.got)
            )),
            Outcome::Skip { why } => x.push_str(&format!("<skipped message=\"{}\"/>", esc(why))),
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("</testsuite>\n</testsuites>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Failure;
    use std::time::Duration;

    #[test]
    fn escapes_and_counts() {
        let r = |id: &str, outcome| CaseReport {
            id: id.into(),
            description: "d <&>".into(),
            spec: "protocol.md §1",
            skynet: None,
            outcome,
            elapsed: Duration::from_millis(5),
        };
        let x = junit_xml(
            "s",
            &[
                r("a/b/c", Outcome::Pass { note: None }),
                r("a/b/d", Outcome::Fail(Failure::new("\"x\"", "y\u{1}"))),
                r("e", Outcome::Skip { why: "w".into() }),
            ],
        );
        assert!(x.contains("tests=\"3\" failures=\"1\""), "{x}");
        assert!(x.contains("skipped=\"1\""), "{x}");
        assert!(x.contains("classname=\"a.b\" name=\"a/b/d\""), "{x}");
        assert!(x.contains("message=\"d &lt;&amp;&gt;\""), "{x}");
        assert!(x.contains("expected: &quot;x&quot;\ngot: y?"), "{x}");
        assert!(x.contains("<skipped message=\"w\"/>"), "{x}");
    }
}
