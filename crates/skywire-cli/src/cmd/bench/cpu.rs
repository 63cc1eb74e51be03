//! CPU time used by this process (Linux `/proc/self/stat`), to report what the client
//! itself cost beside what it measured.

/// User plus system CPU seconds this process has used so far, if the platform says.
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    cpu_seconds_from_stat(&stat)
}

/// Fields 14 and 15 (utime, stime) of a `/proc/PID/stat` line, in clock ticks of
/// `USER_HZ` (100 per second on Linux), as seconds. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted from the last `)`.
fn cpu_seconds_from_stat(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // `rest` starts at field 3 (state): utime is the 12th field after it.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / USER_HZ)
}

/// Clock ticks per second of the times in `/proc/PID/stat`.
const USER_HZ: f64 = 100.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime() {
        // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt
        // majflt cmajflt utime stime ...
        let line = "4242 (sky wire) (x)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 3";
        assert_eq!(cpu_seconds_from_stat(line), Some(3.0));
        assert_eq!(cpu_seconds_from_stat("garbage"), None);
    }
}
