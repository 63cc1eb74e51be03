//! `skywire proxy`: sits between two nodes, forwards every byte unchanged, prints each
//! message as `skywire decode` does (with a timestamp and, for responses, the call's
//! response time), optionally writes a pcapng capture, and injects faults on request.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::relay::{Directions, Event, Faults, Relay, RelayConfig, Stall, Stamp};
use serde::Serialize;
use skywire_capture::dissect::Message;
use skywire_capture::format::human::{message_line, DEFAULT_WIDTH};
use skywire_capture::format::message_json::{request_record, response_record, Record};
use skywire_capture::pcap::write::{PcapNgWriter, TcpConversation, WriteError};
use skywire_capture::pcap::Side;
use skywire_capture::traffic::Origin;

use super::CmdResult;

/// Which direction(s) of a connection a fault applies to.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectionArg {
    /// Caller to upstream.
    Requests,
    /// Upstream to caller.
    Responses,
    /// Both.
    Both,
}

impl From<DirectionArg> for Directions {
    fn from(d: DirectionArg) -> Directions {
        match d {
            DirectionArg::Requests => Directions::REQUESTS,
            DirectionArg::Responses => Directions::RESPONSES,
            DirectionArg::Both => Directions::BOTH,
        }
    }
}

/// Arguments of `skywire proxy`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The first line printed is `listening on ADDR` (the real address, also with port 0).\n\
Then one line per message, as `skywire decode` prints it, after a UTC time of day; a\n\
response ends with `rtt=...ms`: from the request's last frame to the response's last frame\n\
(matched by session on the connection). --json: one `skywire decode --json` object per\n\
message with \"ts\" and, for responses, \"rtt_us\".\n\n\
Faults apply to the direction(s) --direction gives; without it: --delay, --cut-after and\n\
--cut-mid-frame both, --reset-every responses, --stall-* responses.\n\n\
Examples:\n  skywire proxy --listen 127.0.0.1:2529 --upstream 127.0.0.1:2528\n  \
skywire proxy --listen 127.0.0.1:2529 --upstream 127.0.0.1:2528 --json --write calls.pcapng\n  \
skywire proxy --listen 127.0.0.1:2529 --upstream 127.0.0.1:2528 --delay 200 --direction responses"
)]
pub struct Args {
    /// Address to accept callers on, `HOST:PORT` (port 0: any free port).
    #[arg(long, value_name = "ADDR")]
    pub listen: String,
    /// The node to forward to, `HOST:PORT`. One upstream connection per accepted one.
    #[arg(long, value_name = "HOST:PORT")]
    pub upstream: String,
    /// One JSON object per message instead of text.
    #[arg(long)]
    pub json: bool,
    /// Text output: show values in full instead of cutting long lines.
    #[arg(long)]
    pub full: bool,
    /// Also write the traffic as a pcapng file that `skywire decode` and tshark read:
    /// Ethernet/IP/TCP packets with the addresses of the caller's connection to the proxy,
    /// a handshake at the start and FIN (or RST) at the end.
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Fault: hold each chunk this many milliseconds before forwarding it.
    #[arg(long, value_name = "MS")]
    pub delay: Option<u64>,
    /// Fault: close both sides once this many bytes have gone through a connection (the
    /// directions chosen counted together).
    #[arg(long, value_name = "BYTES")]
    pub cut_after: Option<u64>,
    /// Fault: close both sides inside frame N of a direction (1 = the first), after its
    /// first byte.
    #[arg(long, value_name = "N")]
    pub cut_mid_frame: Option<u64>,
    /// Fault: reset the connection (RST to both sides) after N messages, right after the
    /// Nth one's last byte (--direction both: requests and responses counted together).
    #[arg(long, value_name = "N")]
    pub reset_every: Option<u64>,
    /// Fault: stop reading the upstream after the first response has gone through, acting
    /// as a slow reader: the upstream's writes back up (--direction requests: stop reading
    /// the caller after its first request).
    #[arg(long, conflicts_with = "stall_after")]
    pub stall_reads: bool,
    /// Fault: like --stall-reads, but after this many bytes have gone through.
    #[arg(long, value_name = "BYTES")]
    pub stall_after: Option<u64>,
    /// Where the faults apply (default: see below).
    #[arg(long, value_enum)]
    pub direction: Option<DirectionArg>,
}

impl Args {
    fn faults(&self) -> Faults {
        let dir = |default: Directions| self.direction.map_or(default, Directions::from);
        Faults {
            delay: self.delay.map(Duration::from_millis),
            delay_on: dir(Directions::BOTH),
            cut_after: self.cut_after,
            cut_mid_frame: self.cut_mid_frame,
            cut_on: dir(Directions::BOTH),
            reset_every: self.reset_every,
            reset_on: dir(Directions::RESPONSES),
            stall: if self.stall_reads {
                Some(Stall::AfterFirstMessage)
            } else {
                self.stall_after.map(Stall::AfterBytes)
            },
            stall_on: dir(Directions::RESPONSES),
        }
    }
}

/// Runs `skywire proxy` until Ctrl-C or SIGTERM.
pub fn run(args: Args) -> CmdResult {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    if args.reset_every == Some(0) || args.cut_mid_frame == Some(0) {
        return Err("--reset-every and --cut-mid-frame count from 1".into());
    }
    let pcap = match &args.write {
        Some(path) => {
            let file =
                File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            Some(PcapNgWriter::ethernet(BufWriter::new(file))?)
        }
        None => None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Event>(256);
    let mut printer = Printer {
        json: args.json,
        width: (!args.full).then_some(DEFAULT_WIDTH),
        pcap,
        convs: HashMap::new(),
        calls: HashMap::new(),
    };
    let config = RelayConfig {
        upstream: args.upstream.clone(),
        faults: args.faults(),
        chunks: printer.pcap.is_some(),
    };
    let listener = rt.block_on(super::listen(&args.listen))?;
    outln!("listening on {}", listener.local_addr()?)?;
    // Printing and file writing on their own thread, fed through the bounded channel.
    let output = std::thread::spawn(move || -> Result<(), String> {
        while let Some(e) = rx.blocking_recv() {
            printer.event(e).map_err(|e| e.to_string())?;
            if rx.is_empty() {
                printer.flush().map_err(|e| e.to_string())?;
            }
        }
        printer.flush().map_err(|e| e.to_string())
    });
    let relay = Arc::new(Relay::new(config, tx));
    let result = rt.block_on(async {
        tokio::select! {
            r = relay.serve(listener) => r.map_err(|e| format!("accepting: {e}")),
            r = super::wait_for_signal() => r.map_err(|e| e.to_string()),
        }
    });
    // Dropping the runtime ends the connection tasks and with them the last senders.
    drop(rt);
    let written = output
        .join()
        .map_err(|_| "the output thread panicked".to_string())?;
    result?;
    written?;
    Ok(ExitCode::SUCCESS)
}

/// A `--json` line: the `skywire decode --json` record with a timestamp and response time.
#[derive(Serialize)]
struct JsonLine<'a> {
    ts: String,
    #[serde(flatten)]
    record: &'a Record,
    #[serde(skip_serializing_if = "Option::is_none")]
    rtt_us: Option<u64>,
}

/// A stream that stopped decoding, as a `--json` line.
#[derive(Serialize)]
struct JsonUndecodable<'a> {
    ts: String,
    conn: usize,
    dir: &'static str,
    stream_error: &'a str,
}

struct Printer {
    json: bool,
    width: Option<usize>,
    pcap: Option<PcapNgWriter<BufWriter<File>>>,
    convs: HashMap<usize, TcpConversation>,
    /// Calls waiting for their response: (connection, session) -> when the request had
    /// gone through.
    calls: HashMap<(usize, u32), Instant>,
}

fn dir_name(side: Side) -> &'static str {
    match side {
        Side::Requests => "request",
        Side::Responses => "response",
    }
}

/// Seconds since the epoch (0 before it).
fn since_epoch(t: SystemTime) -> Duration {
    t.duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// UTC time of day, `HH:MM:SS.ffffff`.
fn time_of_day(t: SystemTime) -> String {
    let d = since_epoch(t);
    let s = d.as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        d.subsec_micros()
    )
}

/// RFC 3339 UTC with microseconds: `2024-05-01T12:34:56.789012Z`.
fn rfc3339(t: SystemTime) -> String {
    let d = since_epoch(t);
    let days = (d.as_secs() / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{}Z", time_of_day(t))
}

impl Printer {
    fn event(&mut self, e: Event) -> Result<(), Box<dyn std::error::Error>> {
        match e {
            Event::Open {
                conn,
                client,
                local,
                upstream,
                at,
            } => {
                if let Some(w) = &mut self.pcap {
                    let mut c = TcpConversation::new(client, local, 1, 1);
                    for p in c.handshake()? {
                        w.packet(since_epoch(at.wall), &p)?;
                    }
                    self.convs.insert(conn, c);
                }
                if !self.json {
                    outln!(
                        "{} [conn {conn}] connection {client} -> {local} -> {upstream}",
                        time_of_day(at.wall)
                    )?;
                }
            }
            Event::Data {
                conn,
                side,
                data,
                at,
            } => self.packets(conn, at, |c| c.data(side == Side::Requests, &data))?,
            Event::Eof { conn, side, at } => {
                self.packets(conn, at, |c| Ok(vec![c.fin(side == Side::Requests)?]))?;
            }
            Event::Message {
                conn,
                side,
                message,
                at,
            } => {
                // The capture holds the message before its line is printed.
                self.flush()?;
                self.message(conn, side, &message, at)?;
            }
            Event::Undecodable {
                conn,
                side,
                error,
                at,
            } => {
                if self.json {
                    let line = JsonUndecodable {
                        ts: rfc3339(at.wall),
                        conn,
                        dir: dir_name(side),
                        stream_error: &error,
                    };
                    outln!("{}", serde_json::to_string(&line)?)?;
                } else {
                    outln!(
                        "{} [conn {conn}] {side}: stopped decoding ({error}); still forwarding",
                        time_of_day(at.wall)
                    )?;
                }
            }
            Event::Closed { conn, how, at } => {
                if let Some(mut c) = self.convs.remove(&conn) {
                    if let Some(w) = &mut self.pcap {
                        let ts = since_epoch(at.wall);
                        if how.is_reset() {
                            w.packet(ts, &c.rst(false)?)?;
                        } else if !matches!(how, crate::relay::Ending::Finished) {
                            w.packet(ts, &c.fin(false)?)?;
                            w.packet(ts, &c.fin(true)?)?;
                        }
                        w.flush()?;
                    }
                }
                self.calls.retain(|(c, _), _| *c != conn);
                if !self.json {
                    outln!("{} [conn {conn}] closed: {how}", time_of_day(at.wall))?;
                }
            }
        }
        Ok(())
    }

    fn packets(
        &mut self,
        conn: usize,
        at: Stamp,
        make: impl FnOnce(&mut TcpConversation) -> Result<Vec<Vec<u8>>, WriteError>,
    ) -> Result<(), WriteError> {
        if let (Some(w), Some(c)) = (&mut self.pcap, self.convs.get_mut(&conn)) {
            for p in make(c)? {
                w.packet(since_epoch(at.wall), &p)?;
            }
        }
        Ok(())
    }

    fn message(
        &mut self,
        conn: usize,
        side: Side,
        m: &skywire_capture::dissect::Decoded,
        at: Stamp,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let rtt = match &m.message {
            Message::Request(r) => {
                if !r.session.is_push() {
                    self.calls.insert((conn, r.session.get()), at.mono);
                }
                None
            }
            Message::Response(r) => self
                .calls
                .remove(&(conn, r.session.get()))
                .map(|sent| at.mono.saturating_duration_since(sent)),
        };
        if self.json {
            let record = match &m.message {
                Message::Request(r) => request_record(r, Some(conn)),
                Message::Response(r) => response_record(r, Some(conn)),
            };
            let line = JsonLine {
                ts: rfc3339(at.wall),
                record: &record,
                rtt_us: rtt.map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
            };
            outln!("{}", serde_json::to_string(&line)?)?;
        } else {
            let origin = Origin {
                conn: Some(conn),
                side,
            };
            let line = message_line(&origin, m, self.width);
            match rtt {
                Some(d) => outln!(
                    "{} {line} rtt={:.3}ms",
                    time_of_day(at.wall),
                    d.as_secs_f64() * 1e3
                )?,
                None => outln!("{} {line}", time_of_day(at.wall))?,
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), WriteError> {
        match &mut self.pcap {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let t = UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
        assert_eq!(rfc3339(t), "2023-11-14T22:13:20.123456Z");
        assert_eq!(time_of_day(t), "22:13:20.123456");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
    }
}
