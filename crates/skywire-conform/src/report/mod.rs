//! The three forms of a run's results: a table for people, JSON lines, JUnit XML.

mod human;
mod json;
mod junit;

pub use human::{human_line, human_summary};
pub use json::json_line;
pub use junit::junit_xml;
