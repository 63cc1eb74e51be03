//! One module per subcommand. Each has clap `Args` and a `run` that returns the exit code,
//! or an error that `main` prints on one line.

/// `println!` for what a subcommand prints: returns an `io::Result` instead of panicking,
/// and treats a reader that went away (`skywire ... | head`) as the end of the output.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cmd::write_stdout(format_args!($($arg)*))
    };
}

pub mod bench;
pub mod call;
pub mod check;
pub mod conform;
mod conform_serve;
mod counter;
pub mod decode;
#[cfg(feature = "etcd")]
pub mod discover;
pub mod logging;
pub mod node;
#[cfg(feature = "etcd")]
mod node_etcd;
pub mod proxy;
mod runtime;
pub mod snax;
mod traffic_args;

/// What a subcommand returns: an exit code, or an error printed as one line.
pub type CmdResult = Result<std::process::ExitCode, Box<dyn std::error::Error + Send + Sync>>;

/// A listener on `addr`, or the one-line error every subcommand gives when it cannot.
pub async fn listen(addr: &str) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))
}

/// Writes one line to standard output. A closed pipe is not an error: like other Unix tools,
/// we just stop printing. (`println!` would panic there.)
pub fn write_stdout(line: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{line}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// Waits for Ctrl-C (or, on Unix, SIGTERM).
pub async fn wait_for_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
