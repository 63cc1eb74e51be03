//! The `skywire` binary as a child process: started on a free port, its address read from
//! the `listening on ADDR` line it prints first, its later lines read with a deadline, and
//! killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// The binary under test.
pub const SKYWIRE: &str = env!("CARGO_BIN_EXE_skywire");

/// How long a test waits for a line it expects.
const LINE_WAIT: Duration = Duration::from_secs(10);

/// A running `skywire` command, killed when dropped.
pub struct Running {
    pub child: Child,
    /// The address from its first line.
    pub addr: String,
    lines: Receiver<String>,
    /// Every line read after the first, in order.
    pub seen: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Starts `skywire ARGS`, standard error inherited.
    pub fn start(args: &[&str]) -> Running {
        Running::spawn(args, Stdio::inherit())
    }

    /// Starts `skywire ARGS` with standard error written to `log`.
    pub fn start_logging(args: &[&str], log: &Path) -> Running {
        Running::spawn(args, std::fs::File::create(log).unwrap().into())
    }

    fn spawn(args: &[&str], stderr: Stdio) -> Running {
        let mut child = Command::new(SKYWIRE)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        // "listening on 127.0.0.1:PORT", maybe followed by " (...)" or ": ...".
        let addr = first
            .strip_prefix("listening on ")
            .and_then(|rest| rest.split([' ', '\n']).next())
            .map(|a| a.trim_end_matches([':', ',']).to_owned())
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Running {
            child,
            addr,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next line (without its newline), waiting at most 10 s; `None` once the command
    /// closed its output.
    pub fn next_line(&mut self) -> Option<String> {
        match self.lines.recv_timeout(LINE_WAIT) {
            Ok(l) => {
                self.seen.push(l.clone());
                Some(l)
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => None,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("no line within {LINE_WAIT:?}; so far: {:#?}", self.seen)
            }
        }
    }

    /// Every line until the command closes its output, each followed by a newline.
    pub fn rest(&mut self) -> String {
        let mut out = String::new();
        while let Some(l) = self.next_line() {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }

    /// Waits (at most 10 s) for a line matching `pred`, looking first at the lines already
    /// read.
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        if let Some(l) = self.seen.iter().find(|l| pred(l)) {
            return l.clone();
        }
        let deadline = Instant::now() + LINE_WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if pred(&l) {
                        return l;
                    }
                }
                Err(_) => panic!("no line {what}; lines so far: {:#?}", self.seen),
            }
        }
    }

    /// Sends SIGINT (what Ctrl-C sends).
    pub fn interrupt(&self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

/// Runs `skywire ARGS` to the end.
pub fn skywire(args: &[&str]) -> Output {
    Command::new(SKYWIRE).args(args).output().unwrap()
}

/// The standard output of a command that must have succeeded.
pub fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Standard error, as text.
pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A path `name` in this test process's own temporary folder `skywire-TEST-PID`.
pub fn temp_path(test: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skywire-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Waits (at most 5 s) until the file `log` has a line containing `what`; its whole text.
pub fn wait_for_log(log: &Path, what: &str) -> String {
    for _ in 0..200 {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains(what) {
            return text;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!(
        "no log line with {what:?}: {:?}",
        std::fs::read_to_string(log)
    );
}
