//! Cuts the conformance captures (`tests/captures/*`) into seed corpora for the fuzz
//! targets. Run by `fuzz/seed.sh`:
//!
//! ```text
//! skywire-fuzz-seed CAPTURES_DIR CORPUS_DIR
//! ```
//!
//! Writes, into `CORPUS_DIR/<target>/`:
//!
//! - `request_stream`, `response_stream`: runs of whole consecutive frames of each
//!   `requests.bin` / `responses.bin`, at most [`MAX_SEED`] bytes each, after the two
//!   parameter bytes those targets read (chunking, limits);
//! - `roundtrip`: runs of at most [`MAX_ROUNDTRIP_SEED`] bytes (so that multi-part messages
//!   are in) after its one flag byte (bit 0: the direction);
//! - `seri_unpack`: every distinct message payload of at most [`MAX_SEED`] bytes;
//! - `pcap`: from each `capture.pcapng`, its first 64 KiB, and small files of a handful of
//!   consecutive packets each, both as pcapng and converted to legacy pcap;
//! - `lua_literal`: every value of those payloads printed as a Lua literal (`Display`) in at
//!   most [`MAX_LITERAL_SEED`] bytes, a few hand-written literals and a `clustername` file.
//!
//! File names are a hash of the contents, so running it again changes nothing.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::error::Error;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use bytes::Bytes;
use skywire_codec::{FrameDecoder, RequestDecoder, ResponseDecoder};

/// Largest seed for the stream targets and seri_unpack (small seeds mutate best; their
/// `-max_len` in smoke.sh and long.sh is larger).
const MAX_SEED: usize = 2048;
/// Largest roundtrip seed (its `-max_len`): room for multi-part messages of a few parts.
const MAX_ROUNDTRIP_SEED: usize = 0x1_1000;
/// Largest lua_literal seed (its `-max_len`).
const MAX_LITERAL_SEED: usize = 4096;
/// Largest pcap seed (the pcap target's `-max_len`).
const MAX_PCAP_SEED: usize = 65536;
/// Packets per small pcap seed.
const PACKETS_PER_SEED: usize = 6;
/// Small pcap seeds per capture file.
const PCAP_SEEDS: usize = 40;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [captures, corpus] = &args[..] else {
        return Err("usage: skywire-fuzz-seed CAPTURES_DIR CORPUS_DIR".into());
    };
    let mut out = Corpus {
        root: corpus.clone(),
        written: HashSet::new(),
    };
    let mut dirs: Vec<PathBuf> = fs::read_dir(captures)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        for (file, side) in [("requests.bin", 0u8), ("responses.bin", 1u8)] {
            let path = dir.join(file);
            if path.is_file() {
                stream_seeds(&fs::read(&path)?, side, &mut out)?;
            }
        }
        let pcapng = dir.join("capture.pcapng");
        if pcapng.is_file() {
            pcap_seeds(&fs::read(&pcapng)?, &mut out)?;
        }
    }
    // Forms the captures' values never print as: escapes, long strings, comments, hex and
    // special numbers; and a `clustername` file.
    for text in [
        r#""\x41\65\u{48}\z   \a\b\f\v\r\t\"\'\
""#,
        "[==[long\n]] string]==]",
        r#"--[[ comment ]] {1, 2; [3] = 0x10, k = -.5e3, ["x y"] = {}} -- end"#,
        "{0x1p4, 0xffffffffffffffff, 9223372036854775808, math.huge, -math.huge, 0/0, -(1/0)}",
        "{math.pi, math.maxinteger, math.mininteger, userdata(0x00007f0000001000), nil, true}",
        "db = '127.0.0.1:2528'; old = false\n__nowaiting = true\nweb = \"10.0.0.2:2529\"",
    ] {
        out.add("lua_literal", text.as_bytes())?;
    }
    for target in [
        "lua_literal",
        "seri_unpack",
        "seri_pack",
        "request_stream",
        "response_stream",
        "roundtrip",
        "pcap",
    ] {
        fs::create_dir_all(corpus.join(target))?;
    }
    Ok(())
}

struct Corpus {
    root: PathBuf,
    written: HashSet<(String, u64)>,
}

impl Corpus {
    /// Writes one seed (once per distinct content).
    fn add(&mut self, target: &str, data: &[u8]) -> Result<()> {
        let mut h = DefaultHasher::new();
        data.hash(&mut h);
        let hash = h.finish();
        if !self.written.insert((target.to_owned(), hash)) {
            return Ok(());
        }
        let dir = self.root.join(target);
        fs::create_dir_all(&dir)?;
        fs::write(dir.join(format!("seed-{hash:016x}")), data)?;
        Ok(())
    }
}

/// Stream seeds (runs of whole frames) and payload seeds from one direction's stream.
fn stream_seeds(stream: &[u8], side: u8, out: &mut Corpus) -> Result<()> {
    let target = if side == 0 {
        "request_stream"
    } else {
        "response_stream"
    };
    // Runs of frames, and every frame on its own.
    let singles = runs(stream, 0);
    for (i, run) in runs(stream, MAX_SEED).iter().chain(&singles).enumerate() {
        // Chunking varies from seed to seed; limits stay the defaults (0).
        let mut seed = vec![(i as u8).wrapping_mul(37), 0];
        seed.extend_from_slice(run);
        out.add(target, &seed)?;
    }
    for (i, run) in runs(stream, MAX_ROUNDTRIP_SEED).iter().enumerate() {
        let mut seed = vec![side | ((i as u8) << 1)];
        seed.extend_from_slice(run);
        out.add("roundtrip", &seed)?;
    }

    // Payloads, for seri_unpack.
    let whole = Bytes::copy_from_slice(stream);
    let mut payloads = Vec::new();
    if side == 0 {
        let mut d = RequestDecoder::default();
        d.feed(&whole);
        while let Some(r) = d.next_message()? {
            payloads.push(r.payload);
        }
    } else {
        let mut d = ResponseDecoder::default();
        d.feed(&whole);
        while let Some(r) = d.next_message()? {
            if r.ok {
                payloads.push(r.payload);
            }
        }
    }
    for p in payloads
        .iter()
        .filter(|p| !p.is_empty() && p.len() <= MAX_SEED)
    {
        out.add("seri_unpack", p)?;
    }
    // Each value printed as a Lua literal, for lua_literal.
    for p in &payloads {
        for v in skywire_seri::unpack(p).unwrap_or_default() {
            let text = v.to_string();
            if text.len() <= MAX_LITERAL_SEED {
                out.add("lua_literal", text.as_bytes())?;
            }
        }
    }
    Ok(())
}

/// Cuts a stream into runs of whole consecutive frames of at most `max` bytes each (a frame
/// longer than that is left out); `max` 0: every frame of at most [`MAX_SEED`] bytes alone.
fn runs(stream: &[u8], max: usize) -> Vec<Vec<u8>> {
    if max == 0 {
        let mut frames = FrameDecoder::new();
        frames.feed(stream);
        return std::iter::from_fn(|| frames.next_frame())
            .filter(|f| f.wire_len() <= MAX_SEED)
            .map(|f| {
                let mut v = (f.body.len() as u16).to_be_bytes().to_vec();
                v.extend_from_slice(&f.body);
                v
            })
            .collect();
    }
    let mut frames = FrameDecoder::new();
    frames.feed(stream);
    let mut runs = vec![Vec::new()];
    while let Some(f) = frames.next_frame() {
        let wire = f.wire_len();
        if wire > max {
            continue;
        }
        if runs.last().is_some_and(|r| r.len() + wire > max) {
            runs.push(Vec::new());
        }
        if let Some(run) = runs.last_mut() {
            run.extend_from_slice(&(f.body.len() as u16).to_be_bytes());
            run.extend_from_slice(&f.body);
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// A pcapng block: its type and its whole bytes.
struct Block<'a> {
    ty: u32,
    bytes: &'a [u8],
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The blocks of a little-endian pcapng file (as the captures are).
fn blocks(file: &[u8]) -> Result<Vec<Block<'_>>> {
    let mut v = Vec::new();
    let mut pos = 0;
    while pos < file.len() {
        let ty = le32(file, pos).ok_or("truncated block")?;
        let len = le32(file, pos + 4).ok_or("truncated block")? as usize;
        if len < 12 || pos + len > file.len() {
            return Err(format!("bad pcapng block at {pos}").into());
        }
        v.push(Block {
            ty,
            bytes: &file[pos..pos + len],
        });
        pos += len;
    }
    Ok(v)
}

const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 1;
const EPB: u32 = 6;

fn pcap_seeds(file: &[u8], out: &mut Corpus) -> Result<()> {
    out.add("pcap", &file[..file.len().min(MAX_PCAP_SEED)])?;
    let blocks = blocks(file)?;
    let head: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.ty == SHB || b.ty == IDB)
        .collect();
    let packets: Vec<&Block> = blocks.iter().filter(|b| b.ty == EPB).collect();
    let Some(link) = head
        .iter()
        .find(|b| b.ty == IDB)
        .and_then(|b| b.bytes.get(8..10))
        .map(|l| u16::from_le_bytes([l[0], l[1]]))
    else {
        return Err("no interface description block".into());
    };
    // Evenly spread starting points: the handshake, small calls, multi-part traffic, the end.
    let step = (packets.len() / PCAP_SEEDS).max(1);
    for start in (0..packets.len()).step_by(step).take(PCAP_SEEDS) {
        let window = &packets[start..(start + PACKETS_PER_SEED).min(packets.len())];
        let mut ng: Vec<u8> = head.iter().flat_map(|b| b.bytes.iter().copied()).collect();
        let mut legacy = legacy_header(link);
        for p in window {
            if ng.len() + p.bytes.len() > MAX_PCAP_SEED {
                break;
            }
            ng.extend_from_slice(p.bytes);
            legacy_record(p.bytes, &mut legacy);
        }
        out.add("pcap", &ng)?;
        out.add("pcap", &legacy)?;
    }
    Ok(())
}

/// A legacy pcap file header (little-endian, microseconds) for link type `link`.
fn legacy_header(link: u16) -> Vec<u8> {
    let mut h = Vec::with_capacity(24);
    h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&4u16.to_le_bytes());
    h.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    h.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    h.extend_from_slice(&262_144u32.to_le_bytes()); // snaplen
    h.extend_from_slice(&u32::from(link).to_le_bytes());
    h
}

/// Appends an enhanced packet block's packet as a legacy pcap record.
fn legacy_record(epb: &[u8], out: &mut Vec<u8>) {
    // type, length, interface, timestamp high, timestamp low, captured, original, data.
    let (Some(hi), Some(lo), Some(cap), Some(orig)) =
        (le32(epb, 12), le32(epb, 16), le32(epb, 20), le32(epb, 24))
    else {
        return;
    };
    let Some(data) = epb.get(28..28 + cap as usize) else {
        return;
    };
    let ts = (u64::from(hi) << 32) | u64::from(lo); // microseconds (the default resolution)
    out.extend_from_slice(&((ts / 1_000_000) as u32).to_le_bytes());
    out.extend_from_slice(&((ts % 1_000_000) as u32).to_le_bytes());
    out.extend_from_slice(&cap.to_le_bytes());
    out.extend_from_slice(&orig.to_le_bytes());
    out.extend_from_slice(data);
}
