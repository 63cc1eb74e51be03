//! One module per subcommand. Each has clap `Args` and a `run` that returns the exit code,
//! or an error that `main` prints on one line.

pub mod bench;
pub mod call;
pub mod check;
pub mod decode;
pub mod node;

/// What a subcommand returns: an exit code, or an error printed as one line.
pub type CmdResult = Result<std::process::ExitCode, Box<dyn std::error::Error + Send + Sync>>;
