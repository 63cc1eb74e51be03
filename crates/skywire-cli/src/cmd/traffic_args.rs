//! The traffic `decode` and `check` read: capture files and/or raw byte streams.

use std::path::PathBuf;

use skywire_capture::traffic::Input;

/// Where the traffic comes from (shared by `skywire decode` and `skywire check`).
#[derive(clap::Args, Debug)]
pub struct InputArgs {
    /// pcap or pcapng files (each TCP connection's client side is the requesting side).
    #[arg(value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,
    /// A raw byte stream client -> server (requests), from the first byte of a connection.
    #[arg(long, value_name = "FILE")]
    pub requests: Option<PathBuf>,
    /// A raw byte stream server -> client (responses), from the first byte of a connection.
    #[arg(long, value_name = "FILE")]
    pub responses: Option<PathBuf>,
    /// Capture files: only connections with this TCP port on either side.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
}

impl InputArgs {
    /// The inputs named on the command line, in order (raw streams last); `verb` names the
    /// subcommand in the error when there are none.
    pub fn inputs(&self, verb: &str) -> Result<Vec<Input>, String> {
        let mut inputs: Vec<Input> = self.captures.iter().cloned().map(Input::Capture).collect();
        if self.requests.is_some() || self.responses.is_some() {
            inputs.push(Input::Streams {
                requests: self.requests.clone(),
                responses: self.responses.clone(),
            });
        }
        if inputs.is_empty() {
            return Err(format!(
                "nothing to {verb}: name a capture file, or --requests / --responses"
            ));
        }
        Ok(inputs)
    }
}
