//! `skywire decode`: print every message (or frame) of captured traffic.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use skywire_cli::dissect::{Message, Step};
use skywire_cli::frame_record::frame_record;
use skywire_cli::human::{frame_line, message_line, DEFAULT_WIDTH};
use skywire_cli::input::{self, Input, InputError, Origin, RunOptions, VisitError, Visitor};
use skywire_cli::pcap::ConnInfo;
use skywire_cli::record::{request_record, response_record};

use super::CmdResult;

/// Arguments of `skywire decode`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  skywire decode capture.pcapng\n  skywire decode --json --requests requests.bin --responses responses.bin\n  skywire decode --frames --port 27538 capture.pcap"
)]
pub struct Args {
    /// pcap or pcapng files (each TCP connection's client side is the requesting side).
    #[arg(value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,
    /// A raw byte stream client -> server (requests), from the first byte of a connection.
    #[arg(long, value_name = "FILE")]
    pub requests: Option<PathBuf>,
    /// A raw byte stream server -> client (responses), from the first byte of a connection.
    #[arg(long, value_name = "FILE")]
    pub responses: Option<PathBuf>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// List frames instead of messages.
    #[arg(long)]
    pub frames: bool,
    /// Text output: show values in full instead of cutting long lines.
    #[arg(long)]
    pub full: bool,
    /// Capture files: only connections with this TCP port on either side.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
}

impl Args {
    /// The inputs named on the command line, in order (raw streams last).
    pub fn inputs(&self) -> Result<Vec<Input>, &'static str> {
        let mut inputs: Vec<Input> = self.captures.iter().cloned().map(Input::Capture).collect();
        if self.requests.is_some() || self.responses.is_some() {
            inputs.push(Input::Streams {
                requests: self.requests.clone(),
                responses: self.responses.clone(),
            });
        }
        if inputs.is_empty() {
            return Err("nothing to decode: name a capture file, or --requests / --responses");
        }
        Ok(inputs)
    }
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
    let inputs = args.inputs()?;
    let stdout = io::stdout();
    let mut printer = Printer {
        out: BufWriter::new(stdout.lock()),
        json: args.json,
        frames: args.frames,
        width: (!args.full).then_some(DEFAULT_WIDTH),
    };
    let options = RunOptions {
        keep_frames: false,
        port: args.port,
        ..RunOptions::default()
    };
    for input in &inputs {
        match input::run(input, options, &mut printer) {
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
