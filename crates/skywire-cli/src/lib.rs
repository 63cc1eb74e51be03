//! Library side of the `skywire` command: the pieces its subcommands share and that the
//! conformance suite uses directly.
#![deny(missing_docs)]

pub mod pcap;
pub mod record;
