//! A conformance case: a stable ID, what it checks, where the spec says so, and how to run it.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// What one case found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The node did what the spec says; `note` tells what it did where that varies
    /// (hostile input: closed, ignored, answered).
    Pass {
        /// What the node did, where several behaviours conform.
        note: Option<String>,
    },
    /// It did not.
    Fail(Failure),
    /// The case could not be run.
    Skip {
        /// Why not.
        why: String,
    },
}

impl Outcome {
    /// `pass`, `fail` or `skip`.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Pass { .. } => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::Skip { .. } => "skip",
        }
    }
}

/// What was expected and what came instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What the spec asks for.
    pub expected: String,
    /// What the node did.
    pub got: String,
}

impl Failure {
    /// A failure: `expected`, but `got`.
    pub fn new(expected: impl Into<String>, got: impl Into<String>) -> Failure {
        Failure {
            expected: expected.into(),
            got: got.into(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "expected {}; got {}", self.expected, self.got)
    }
}

/// What a case's body returns: `Ok(note)` passes.
pub type CaseResult = Result<Option<String>, Failure>;

/// The future of a case's body.
pub type CaseFuture = Pin<Box<dyn Future<Output = CaseResult> + Send>>;

/// Where a case runs and with what bounds.
#[derive(Clone, Debug)]
pub struct Target {
    /// The node under test.
    pub addr: SocketAddr,
    /// A case that takes longer fails (the run goes on).
    pub case_timeout: Duration,
    /// How long to watch a connection for a reaction that should not come (an answer to a
    /// push) or that may come (the node's reaction to bad input).
    pub settle: Duration,
}

/// One conformance case.
#[derive(Clone)]
pub struct Case {
    /// Stable ID, slash-separated (`request/multipart/3-parts`).
    pub id: String,
    /// One line: what it checks.
    pub description: String,
    /// The section of `spec/` it checks (`protocol.md §2.3`).
    pub spec: &'static str,
    /// What skynet itself does where it departs from the spec (shown with the result).
    pub skynet: Option<&'static str>,
    body: Arc<dyn Fn(Target) -> CaseFuture + Send + Sync>,
}

impl Case {
    /// A case whose body is `body`.
    pub fn new<F, Fut>(
        id: impl Into<String>,
        spec: &'static str,
        description: impl Into<String>,
        body: F,
    ) -> Case
    where
        F: Fn(Target) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CaseResult> + Send + 'static,
    {
        Case {
            id: id.into(),
            description: description.into(),
            spec,
            skynet: None,
            body: Arc::new(move |t| Box::pin(body(t))),
        }
    }

    /// The same case, with a note on what skynet does here.
    pub fn skynet_behaviour(mut self, note: &'static str) -> Case {
        self.skynet = Some(note);
        self
    }

    /// Runs the body (no timeout: the runner adds it).
    pub fn run(&self, target: Target) -> CaseFuture {
        (self.body)(target)
    }
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("id", &self.id)
            .field("spec", &self.spec)
            .finish()
    }
}
