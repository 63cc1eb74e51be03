//! `skywire decode`: print every message (or frame) of captured traffic.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use skywire_capture::dissect::{Message, Step};
use skywire_capture::format::frame_json::frame_record;
use skywire_capture::format::human::{frame_line, message_line, DEFAULT_WIDTH};
use skywire_capture::format::message_json::{request_record, response_record};
use skywire_capture::pcap::ConnInfo;
use skywire_capture::traffic::{self, InputError, Origin, RunOptions, VisitError, Visitor};

use super::traffic_args::InputArgs;
use super::CmdResult;

/// Arguments of `skywire decode`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  skywire decode capture.pcapng\n  skywire decode --json --requests requests.bin --responses responses.bin\n  skywire decode --frames --port 27538 capture.pcap"
)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// List frames instead of messages.
    #[arg(long)]
    pub frames: bool,
    /// Text output: show values in full instead of cutting long lines.
    #[arg(long)]
    pub full: bool,
}

struct Printer<W: Write> {
    out: W,
    json: bool,
    frames: bool,
    width: Option<usize>,
}

impl<W: Write> Visitor for Printer<W> {
    fn connection(&mut self, info: &ConnInfo) -> Result<(), VisitError> {
        if !self.json {
            writeln!(
                self.out,
                "[conn {}] connection {} -> {}",
                info.conn, info.client, info.server
            )?;
        }
        Ok(())
    }

    fn step(&mut self, origin: Origin, step: Step) -> Result<(), VisitError> {
        if self.frames {
            let line = if self.json {
                frame_record(&step.frame, &step.packet, origin.conn).to_json_line()
            } else {
                frame_line(
                    &origin,
                    step.frame.offset,
                    step.frame.wire_len(),
                    &step.packet,
                )
            };
            writeln!(self.out, "{line}")?;
        } else if let Some(m) = &step.message {
            let line = if self.json {
                match &m.message {
                    Message::Request(r) => request_record(r, origin.conn),
                    Message::Response(r) => response_record(r, origin.conn),
                }
                .to_json_line()
            } else {
                message_line(&origin, m, self.width)
            };
            writeln!(self.out, "{line}")?;
        }
        Ok(())
    }
}

/// True when the error is the reader of our output going away (`| head`).
fn broken_pipe(e: &InputError) -> bool {
    matches!(e, InputError::Visitor(v)
        if v.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}

/// Runs `skywire decode`.
pub fn run(args: Args) -> CmdResult {
    let inputs = args.input.inputs("decode")?;
    let stdout = io::stdout();
    let mut printer = Printer {
        out: BufWriter::new(stdout.lock()),
        json: args.json,
        frames: args.frames,
        width: (!args.full).then_some(DEFAULT_WIDTH),
    };
    let options = RunOptions {
        keep_frames: false,
        port: args.input.port,
        ..RunOptions::default()
    };
    for input in &inputs {
        match traffic::run(input, options, &mut printer) {
            Ok(_) => {}
            Err(e) if broken_pipe(&e) => return Ok(ExitCode::SUCCESS),
            Err(e) => {
                // Show what was decoded before the error, then the error.
                let _ = printer.out.flush();
                return Err(e.into());
            }
        }
    }
    match printer.out.flush() {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        r => {
            r?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
