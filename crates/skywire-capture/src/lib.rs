//! # skywire-capture
//!
//! skynet cluster traffic as it was captured: read a pcap/pcapng file (or the raw byte
//! streams of a connection), put each TCP connection back together, take both directions
//! apart into frames and messages with the codec's own reassembly, check the result
//! against skynet's encoding and logs, and print it. The `skywire decode`, `skywire check`
//! and `skywire proxy` commands are built on it; the fuzz targets and the capture
//! conformance tests use it directly.
//!
//! | module | holds |
//! |---|---|
//! | [`pcap`] | capture files: [`pcap::CaptureReader`] (pcap and pcapng, five link types, TCP reassembly by sequence number, connections in order of appearance) and [`pcap::write`] (pcapng and TCP packets, for `skywire proxy --write` and tests) |
//! | [`traffic`] | where traffic comes from ([`traffic::Input`]: a capture or raw streams) and one driver ([`traffic::run`]) that feeds every stream to a [`traffic::Visitor`], every error naming file and offset |
//! | [`dissect`] | one direction of a connection taken apart: each frame with its packet and, when it completes one, the message and the frames it was made of (the codec's stream decoder reports them) |
//! | [`check`] | `skywire check`: decodes, re-encodes byte for byte, agrees with skynet's logs ([`check::call_log`], [`check::agreement`]) |
//! | [`format`] | output forms: one line per message or frame for people ([`format::human`]), one JSON object per message ([`format::message_json`], also `skywire node --trace`) or per frame ([`format::frame_json`]) |
//!
//! Data flows one way: `pcap` → `traffic` → `dissect` → `check` / `format`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod check;
pub mod dissect;
pub mod format;
pub mod pcap;
pub mod traffic;
