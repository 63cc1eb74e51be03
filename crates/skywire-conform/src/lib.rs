//! # skywire-conform
//!
//! A conformance suite for skynet's cluster protocol and lua-seri, for any implementation:
//!
//! - **serving side, live** ([`cases`], [`run`]): named cases with stable IDs, each tied to a
//!   section of `spec/`, run against a node that serves the [`contract`]; pass / fail (what
//!   was expected, what came) / skip; reports for people, as JSON lines and as JUnit XML
//!   ([`report`]). `skywire conform HOST:PORT` is built on it.
//! - **calling side** ([`caller`]): a node serving the contract records what a caller under
//!   test sends while it performs a published caller script, and every byte is compared
//!   with what skynet sent for the same script. `skywire conform --serve ADDR`.
//! - **portable vectors** ([`vectors`]): the JSON files of `spec/vectors/`, whose bytes came
//!   from skynet, loaded.
//! - **faults** ([`faulty`]): a node that breaks one rule on purpose, to prove each case can
//!   fail.
//!
//! | module | holds |
//! |---|---|
//! | [`case`] | a case, its outcome, where it runs |
//! | [`cases`] | every case, one module per part of the spec |
//! | [`wire`] | a client connection that checks each response frame against the spec |
//! | [`run`] | running a selection of cases with timeouts |
//! | [`report`] | human, JSON and JUnit output |
//! | [`contract`] | what a node under test serves, and a skywire node serving it |
//! | [`caller`] | caller scripts and the byte comparison of what a caller sent |
//! | [`vectors`] | the vector files' schema and loaders |
//! | [`faulty`] | a deliberately broken node |
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod caller;
pub mod case;
pub mod cases;
pub mod contract;
pub mod faulty;
pub mod report;
pub mod run;
mod text;
pub mod vectors;
pub mod wire;

pub use case::{Case, Failure, Outcome, Target};
pub use run::{run, selected, tally, CaseReport};
