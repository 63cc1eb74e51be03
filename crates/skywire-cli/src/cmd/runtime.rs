//! The tokio runtime a command runs on, by its `--threads` option.

use std::io;

use tokio::runtime::{Builder, Runtime};

/// A runtime with `threads` worker threads: 1 runs everything on the calling thread
/// (tokio's current-thread runtime), 0 one worker per CPU (tokio's default), any other
/// number that many workers.
pub fn with_threads(threads: usize) -> io::Result<Runtime> {
    match threads {
        1 => Builder::new_current_thread().enable_all().build(),
        0 => Builder::new_multi_thread().enable_all().build(),
        n => Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build(),
    }
}
