//! Library side of the `skywire` command: the pieces its subcommands share and that the
//! conformance suite uses directly.
#![deny(missing_docs)]

pub mod agreement;
pub mod calllog;
pub mod check;
pub mod dissect;
pub mod frame_record;
pub mod human;
pub mod input;
pub mod pcap;
pub mod record;
pub mod relay;
