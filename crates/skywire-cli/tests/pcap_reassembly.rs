//! The pcap reader against streams whose bytes are known: skynet's own recorded streams
//! (`tests/captures/basic/requests.bin` / `responses.bin`) cut into TCP segments, written
//! as capture files with reordering, retransmissions, overlaps, sequence numbers that
//! wrap, several link types and both file formats. What comes out must be those bytes
//! exactly, and must check clean against skynet's log of that run.

mod common;

use std::collections::HashMap;

use std::path::Path;

use common::*;
use skywire_capture::check::{check, CheckOptions};
use skywire_capture::pcap::{
    CaptureError, CaptureErrorKind, CaptureOptions, CaptureReader, Event, Side,
};
use skywire_capture::traffic::Input;

/// Every stream of a capture, reassembled: (conn, side) -> bytes; checks that chunks
/// come contiguous and that Open comes before a connection's data.
fn streams(file: &[u8], options: CaptureOptions) -> HashMap<(usize, Side), Vec<u8>> {
    let mut r = CaptureReader::with_options(file, options).unwrap();
    let mut out: HashMap<(usize, Side), Vec<u8>> = HashMap::new();
    let mut opened = 0;
    while let Some(e) = r.next_event().unwrap() {
        match e {
            Event::Open(info) => {
                assert_eq!(info.conn, opened, "connections numbered in order");
                opened += 1;
            }
            Event::Data(c) => {
                assert!(c.conn < opened, "data before its connection was announced");
                let s = out.entry((c.conn, c.side)).or_default();
                assert_eq!(c.stream_offset, s.len() as u64, "chunks are contiguous");
                s.extend_from_slice(&c.data);
            }
        }
    }
    out
}

/// The streams of an Ethernet pcap (little-endian) of `packets`, with the default options.
fn ethernet_streams(packets: &[Vec<u8>]) -> HashMap<(usize, Side), Vec<u8>> {
    streams(
        &pcap(Link::Ethernet, packets, false),
        CaptureOptions::default(),
    )
}

/// Reads a capture to its end: the first error, if any.
fn read_all(file: &[u8]) -> Result<(), CaptureError> {
    let mut r = CaptureReader::new(file)?;
    while r.next_event()?.is_some() {}
    Ok(())
}

/// Reads events until the first error, which there must be.
fn first_error(mut r: CaptureReader<'_>) -> CaptureError {
    loop {
        match r.next_event() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("no error"),
            Err(e) => break e,
        }
    }
}

/// Appends to `c`'s packets a new connection on the same ports (the client's initial
/// sequence number `client_isn`) that sends `req` again.
fn connect_again(c: &mut Conversation, client_isn: u32, req: &[u8]) {
    let mut again = Conversation::new(Link::Ethernet, c.client, c.server, client_isn, 1);
    again.handshake();
    again.send(true, req, 1000);
    c.packets.extend(again.packets);
}

fn basic() -> (Vec<u8>, Vec<u8>) {
    let dir = capture("basic");
    (
        std::fs::read(dir.join("requests.bin")).unwrap(),
        std::fs::read(dir.join("responses.bin")).unwrap(),
    )
}

/// The first `frames` frames of the basic capture's request stream.
fn basic_requests(frames: usize) -> Vec<u8> {
    frame_prefix(&basic().0, frames).to_vec()
}

/// An Ethernet conversation from `client_port` to skynet's port 27538 with these initial
/// sequence numbers, its handshake done.
fn connected(client_port: u16, client_isn: u32, server_isn: u32) -> Conversation {
    let (client, server) = (v4(client_port), v4(27538));
    let mut c = Conversation::new(Link::Ethernet, client, server, client_isn, server_isn);
    c.handshake();
    c
}

fn write_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("pcap_reassembly");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn scrambled_segments_with_wrapping_sequence_numbers_give_back_skynets_bytes() {
    let (req, resp) = basic();
    // Both initial sequence numbers close to 2^32: both streams wrap.
    let mut c = Conversation::new(
        Link::Ethernet,
        v4(40534),
        v4(27538),
        u32::MAX - 100_000,
        u32::MAX - 5,
    );
    c.handshake();
    let req_segs = c.segments(true, &req, 1448);
    let resp_segs = c.segments(false, &resp, 1200);
    c.send_segments(true, &scramble(&req_segs));
    c.send_segments(false, &scramble(&resp_segs));
    let file = pcap(Link::Ethernet, &c.packets, false);

    let got = streams(&file, CaptureOptions::default());
    assert_eq!(got.len(), 2);
    assert!(got[&(0, Side::Requests)] == req, "request stream differs");
    assert!(
        got[&(0, Side::Responses)] == resp,
        "response stream differs"
    );

    // And the whole thing agrees with skynet's log of the run.
    let path = write_file("scrambled.pcap", &file);
    let dir = capture("basic");
    let report = check(
        &[Input::Capture(path)],
        &CheckOptions {
            calls: Some(dir.join("calls.jsonl")),
            pushes: Some(dir.join("pushes.jsonl")),
            port: None,
        },
    )
    .unwrap();
    assert!(report.passed(), "{:#?}", report.mismatches);
    assert_eq!(report.totals().bytes, (req.len() + resp.len()) as u64);
}

#[test]
fn every_link_type_and_file_format_reads_the_same() {
    let (req, resp) = basic();
    let (req, resp) = (frame_prefix(&req, 40), frame_prefix(&resp, 30));
    for link in [
        Link::Ethernet,
        Link::RawIp,
        Link::Null,
        Link::Sll,
        Link::Sll2,
    ] {
        for (client, server) in [(v4(5000), v4(27538)), (v6(5000), v6(27538))] {
            let mut c = Conversation::new(link, client, server, 1000, 9000);
            c.handshake();
            c.send(true, req, 700);
            c.send(false, resp, 900);
            let files = [
                ("pcap", pcap(link, &c.packets, false)),
                ("big-endian pcap", pcap(link, &c.packets, true)),
                ("pcapng", pcapng(link, &c.packets)),
            ];
            for (what, file) in files {
                let got = streams(&file, CaptureOptions::default());
                let ctx = format!("{link:?} {client} {what}");
                assert_eq!(got.len(), 2, "{ctx}");
                assert!(got[&(0, Side::Requests)] == req, "{ctx}: requests");
                assert!(got[&(0, Side::Responses)] == resp, "{ctx}: responses");
            }
        }
    }
}

#[test]
fn the_client_is_who_sent_the_syn_or_else_who_spoke_first() {
    let (req, resp) = basic();
    let (req, resp) = (frame_prefix(&req, 3), frame_prefix(&resp, 3));
    // No handshake captured: the first packet (from the client) decides.
    let mut c = Conversation::new(Link::Ethernet, v4(41000), v4(27538), 7, 70);
    c.send(true, req, 1000);
    c.send(false, resp, 1000);
    let got = ethernet_streams(&c.packets);
    assert!(got[&(0, Side::Requests)] == req);

    // The capture starts with the server's SYN-ACK: its receiver is the client, even though
    // the server's packet comes first.
    let mut c = connected(41001, 7, 70);
    c.packets.remove(0); // lose the SYN
    c.send(false, resp, 1000); // (responses first, to be sure the order does not decide)
    c.send(true, req, 1000);
    let file = pcap(Link::Ethernet, &c.packets, false);
    let mut r = CaptureReader::new(&file).unwrap();
    let Some(Event::Open(info)) = r.next_event().unwrap() else {
        panic!("no connection")
    };
    assert_eq!((info.client, info.server), (v4(41001), v4(27538)));
    let got = streams(&file, CaptureOptions::default());
    assert!(got[&(0, Side::Requests)] == req);
    assert!(got[&(0, Side::Responses)] == resp);
}

#[test]
fn connections_are_numbered_in_order_of_appearance_and_filtered_by_port() {
    let req = &basic_requests(2)[..];
    let mut a = Conversation::new(Link::Ethernet, v4(50001), v4(27538), 1, 1);
    let mut b = Conversation::new(Link::Ethernet, v4(50002), v4(27539), 1, 1);
    a.handshake();
    b.handshake();
    a.send(true, req, 100);
    b.send(true, &req[..10], 100);
    // b appears first in the file, a second; a UDP packet in between is skipped.
    let mut packets = vec![b.packets[0].clone(), udp_packet(v4(53), v4(54), b"dns?")];
    packets.extend(a.packets.iter().cloned());
    packets.extend(b.packets[1..].iter().cloned());
    let file = pcap(Link::Ethernet, &packets, false);
    let got = streams(&file, CaptureOptions::default());
    assert_eq!(got[&(0, Side::Requests)], &req[..10]); // b
    assert!(got[&(1, Side::Requests)] == req); // a
    let only_a = streams(
        &file,
        CaptureOptions {
            port: Some(27538),
            ..CaptureOptions::default()
        },
    );
    assert_eq!(only_a.len(), 1);
    assert!(only_a[&(0, Side::Requests)] == req);
}

#[test]
fn a_gap_that_never_fills_is_an_error_at_the_end_of_the_file() {
    let req = &basic_requests(20)[..];
    let mut c = connected(40000, 100, 200);
    let mut segs = c.segments(true, req, 100);
    let lost = segs.remove(3); // stream bytes 300..400
    assert_eq!(lost.1.len(), 100);
    c.send_segments(true, &segs);
    let file = pcap(Link::Ethernet, &c.packets, false);
    let err = first_error(CaptureReader::new(&file).unwrap());
    assert_eq!(err.offset(), file.len() as u64);
    match err.kind() {
        CaptureErrorKind::Gap {
            conn,
            side,
            from,
            to,
            waiting,
            ..
        } => {
            assert_eq!((*conn, *side, *from, *to), (0, Side::Requests, 300, 400));
            assert_eq!(*waiting, req.len() - 400);
        }
        other => panic!("{other:?}"),
    }

    // With a small limit on what may wait, the error comes at the packet that exceeds it.
    let err = first_error(
        CaptureReader::with_options(
            &file,
            CaptureOptions {
                max_waiting: 250,
                ..CaptureOptions::default()
            },
        )
        .unwrap(),
    );
    assert!(err.offset() < file.len() as u64);
    assert!(
        matches!(
            err.kind(),
            CaptureErrorKind::GapTooLarge {
                from: 300,
                limit: 250,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_closed_connection_reopened_on_the_same_ports_is_a_new_connection() {
    let req = &basic_requests(2)[..];
    let mut c = connected(40000, 100, 200);
    c.send(true, req, 1000);
    let fin = Flags {
        fin: true,
        ack: Some(c.server_seq),
        ..Flags::default()
    };
    c.packets.push(tcp_packet(
        Link::Ethernet,
        c.client,
        c.server,
        c.client_seq,
        fin,
        &[],
    ));
    connect_again(&mut c, 5_000_000, req);
    let got = ethernet_streams(&c.packets);
    assert!(got[&(0, Side::Requests)] == req);
    assert!(got[&(1, Side::Requests)] == req);

    // Without its end captured, and with a retransmitted SYN in the first: the retransmitted
    // SYN keeps the connection, a SYN with another sequence number starts a new one.
    let mut c = connected(40001, 100, 200);
    c.packets.insert(1, c.packets[0].clone());
    c.send(true, req, 1000);
    connect_again(&mut c, 7_000_000, req);
    let got = ethernet_streams(&c.packets);
    assert_eq!(got.len(), 2);
    assert!(got[&(0, Side::Requests)] == req);
    assert!(got[&(1, Side::Requests)] == req);
}

#[test]
fn arbitrary_and_cut_files_fail_cleanly() {
    let pcapng_file = std::fs::read(capture("pcap-basic").join("capture.pcapng")).unwrap();
    // Every cut of the file's first 2 KiB, and some later ones, is read without panicking;
    // a cut inside a block is an error naming an offset inside the file.
    let cuts = (0..2048).chain((2048..pcapng_file.len()).step_by(49_999));
    for cut in cuts {
        let part = &pcapng_file[..cut];
        if let Err(e) = read_all(part) {
            assert!(e.offset() <= cut as u64, "cut {cut}: {e}");
        }
    }
    // Pseudo-random bytes after a valid pcap header.
    let mut x: u32 = 12345;
    for round in 0..200 {
        let mut file = pcap(Link::Ethernet, &[], false);
        for _ in 0..(round * 7) {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            file.push((x >> 16) as u8);
        }
        assert!(read_all(&file).is_err(), "round {round}: garbage accepted");
    }
}

/// A request stream that opens a multi-part call of `size` bytes on `session` and sends its
/// first 10 bytes.
fn open_multi_part(session: u32, size: u32) -> Vec<u8> {
    let mut s = Vec::new();
    let header = [
        &[0x01][..],
        &10u32.to_le_bytes(),
        &session.to_le_bytes(),
        &size.to_le_bytes(),
    ]
    .concat();
    s.extend_from_slice(&(header.len() as u16).to_be_bytes());
    s.extend_from_slice(&header);
    let part = [&[0x02][..], &session.to_le_bytes(), &[0x24; 10]].concat();
    s.extend_from_slice(&(part.len() as u16).to_be_bytes());
    s.extend_from_slice(&part);
    s
}

#[test]
fn open_multi_part_messages_are_bounded_over_all_connections() {
    use skywire_capture::traffic::{run, InputError, Origin, RunOptions, VisitError, Visitor};
    struct Nothing;
    impl Visitor for Nothing {
        fn step(&mut self, _: Origin, _: skywire_capture::dissect::Step) -> Result<(), VisitError> {
            Ok(())
        }
    }
    // Each connection opens one message of 600 000 bytes and never finishes it: one is
    // within a budget of 1 MiB (plus the file's length), the second is not.
    let mut packets = Vec::new();
    for port in [50001, 50002, 50003] {
        let mut c = connected(port, 1, 1);
        c.send(true, &open_multi_part(1, 600_000), 1400);
        packets.extend(c.packets);
    }
    let path = write_file(
        "open-multi-part.pcap",
        &pcap(Link::Ethernet, &packets, false),
    );
    let options = RunOptions {
        max_open_bytes: 1 << 20,
        ..RunOptions::default()
    };
    match run(&Input::Capture(path.clone()), options, &mut Nothing) {
        Err(e @ InputError::TooMuchOpen { .. }) => {
            let InputError::TooMuchOpen {
                place, reserved, ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(place.origin.and_then(|o| o.conn), Some(1), "{e}");
            assert_eq!(*reserved, 1_200_000);
            assert!(e.to_string().contains("connection 1 requests"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // With the default budget the same file decodes as far as it goes: its streams end
    // with the messages unfinished.
    let err = run(&Input::Capture(path), RunOptions::default(), &mut Nothing).unwrap_err();
    assert!(err.to_string().contains("unfinished"), "{err}");
}

#[test]
fn bit_flips_in_a_capture_give_results_or_errors_never_panics() {
    use skywire_capture::traffic::{
        run_capture, InputError, Origin, RunOptions, VisitError, Visitor,
    };
    struct Count(u64);
    impl Visitor for Count {
        fn step(&mut self, _: Origin, _: skywire_capture::dissect::Step) -> Result<(), VisitError> {
            self.0 += 1;
            Ok(())
        }
    }
    let (req, resp) = basic();
    let mut c = connected(40000, 1, 1);
    c.send(true, frame_prefix(&req, 12), 300);
    c.send(false, frame_prefix(&resp, 12), 300);
    for (name, clean) in [
        ("flip.pcap", pcap(Link::Ethernet, &c.packets, false)),
        ("flip.pcapng", pcapng(Link::Ethernet, &c.packets)),
    ] {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (mut ok, mut failed) = (0, 0);
        for _ in 0..1500 {
            let mut file = clean.clone();
            for _ in 0..=(next() % 4) {
                let at = (next() % file.len() as u64) as usize;
                file[at] ^= 1 << (next() % 8);
            }
            match run_capture(Path::new(name), &file, RunOptions::default(), &mut Count(0)) {
                Ok(_) => ok += 1,
                Err(e) => {
                    failed += 1;
                    // Every error names a place inside the file.
                    let offset = match &e {
                        InputError::Capture { source, .. } => source.offset(),
                        InputError::Stream { place, .. } => place.file_offset.unwrap_or(0),
                        InputError::NoMessages { offset, .. } => *offset,
                        InputError::TooMuchOpen { place, .. } => place.file_offset.unwrap_or(0),
                        other => panic!("{other}"),
                    };
                    assert!(offset <= file.len() as u64, "{e}");
                }
            }
        }
        // Flips in payload bytes leave the capture readable, flips in headers do not: both
        // outcomes must have happened.
        assert!(ok > 0 && failed > 0, "{name}: {ok} ok, {failed} failed");
    }
}
