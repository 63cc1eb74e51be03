//! What a caller sent against what skynet sent, frame by frame (spec/protocol.md §2).
//!
//! Both streams are cut into frames and grouped into *steps*, one per request or push (a
//! trace packet belongs to the request after it, parts to their header's session). Sessions
//! are renumbered in order of first appearance on both sides, so a caller whose sessions
//! start elsewhere still compares; the session rules themselves (the first is 1, each
//! request and multi-part push takes the next, a small push carries 0) are checked on the
//! raw numbers. A trace tag's bytes are the caller's own: only its place is compared.

use std::collections::HashMap;

/// One difference from skynet's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// The script step (0-based) it belongs to, when it belongs to one.
    pub step: Option<usize>,
    /// Its byte offset in what the caller sent (all its connections, one after another).
    pub offset: Option<usize>,
    /// What differs.
    pub what: String,
}

/// One frame of a request-direction stream.
#[derive(Clone, Debug)]
struct Frame {
    /// Offset of its length header in the whole recording.
    offset: usize,
    /// The frame, header included, sessions renumbered.
    bytes: Vec<u8>,
    /// Its raw session, where it carries one, and where in `bytes` that sits.
    session: Option<(u32, usize)>,
    /// Which connection it came on.
    conn: usize,
}

/// Where the session field of a frame sits (index into the frame, header included).
fn session_at(frame: &[u8]) -> Option<usize> {
    let body = frame.get(2..)?;
    let at = match *body.first()? {
        0x00 | 0x01 | 0x41 => 5,
        0x80 | 0x81 | 0xc1 => 2 + *body.get(1)? as usize,
        0x02 | 0x03 => 1,
        _ => return None,
    };
    (body.len() >= at + 4).then_some(at + 2)
}

fn is_new_message(ty: u8) -> bool {
    matches!(ty, 0x00 | 0x80 | 0x01 | 0x41 | 0x81 | 0xc1)
}

/// Cuts each connection's bytes into frames; a connection ending inside a frame is a
/// deviation.
fn cut(conns: &[&[u8]], devs: &mut Vec<Deviation>) -> Vec<Frame> {
    let mut out = Vec::new();
    let mut base = 0;
    for (conn, c) in conns.iter().enumerate() {
        let mut at = 0;
        while at < c.len() {
            let len = match c.get(at..at + 2) {
                Some(h) => u16::from_be_bytes([h[0], h[1]]) as usize,
                None => usize::MAX,
            };
            if len == usize::MAX || c.len() - at - 2 < len {
                devs.push(Deviation {
                    step: None,
                    offset: Some(base + at),
                    what: format!(
                        "the connection ended inside a frame ({} bytes left over)",
                        c.len() - at
                    ),
                });
                break;
            }
            let bytes = c[at..at + 2 + len].to_vec();
            let session = session_at(&bytes).map(|i| {
                (
                    u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]),
                    i,
                )
            });
            out.push(Frame {
                offset: base + at,
                bytes,
                session,
                conn,
            });
            at += 2 + len;
        }
        base += c.len();
    }
    out
}

/// Drops delivery confirmations: name queries at the very end of a connection that carried
/// pushes. A caller may confirm that the peer took its pushes before it closes (skywire's
/// `Remote::close` and `skywire send` do: skynet drops pushes still in its agent when the
/// connection closes); skynet's own sender never does, and no script step asks for it.
fn drop_confirmations(frames: &mut Vec<Frame>) {
    let is_push = |f: &Frame| match f.bytes.get(2) {
        Some(0x00 | 0x80) => f.session.is_some_and(|(s, _)| s == 0),
        Some(0x41 | 0xc1) => true,
        _ => false,
    };
    let is_query = |f: &Frame| {
        f.bytes.get(2) == Some(&0x00)
            && f.bytes.get(3..7) == Some(&[0, 0, 0, 0][..])
            && f.session.is_some_and(|(s, _)| s != 0)
    };
    let mut keep = vec![true; frames.len()];
    let mut i = frames.len();
    while i > 0 {
        let conn = frames[i - 1].conn;
        let start = frames[..i]
            .iter()
            .rposition(|f| f.conn != conn)
            .map_or(0, |p| p + 1);
        let pushed = frames[start..i].iter().any(is_push);
        let mut j = i;
        while pushed && j > start && is_query(&frames[j - 1]) {
            keep[j - 1] = false;
            j -= 1;
        }
        i = start;
    }
    let mut k = keep.into_iter();
    frames.retain(|_| k.next().unwrap_or(true));
}

/// Renumbers sessions in order of first appearance over all connections (0 stays 0; a
/// session number used again on another connection is another session).
fn renumber(frames: &mut [Frame]) {
    let mut map = HashMap::new();
    for f in frames {
        if let Some((s, i)) = f.session {
            if s != 0 {
                let n = map.len() as u32 + 1;
                let new = *map.entry((f.conn, s)).or_insert(n);
                f.bytes[i..i + 4].copy_from_slice(&new.to_le_bytes());
            }
        }
    }
}

/// Groups frames into steps: a request or push with the trace packet before it and its
/// parts.
fn steps(frames: &[Frame]) -> Vec<Vec<&Frame>> {
    let mut steps: Vec<Vec<&Frame>> = Vec::new();
    let mut of_session = HashMap::new();
    let mut trace: Vec<&Frame> = Vec::new();
    for f in frames {
        let ty = f.bytes.get(2).copied().unwrap_or(0xff);
        if ty == 0x04 {
            trace.push(f);
        } else if is_new_message(ty) {
            let mut step = std::mem::take(&mut trace);
            step.push(f);
            if let Some((s, _)) = f.session {
                if s != 0 || matches!(ty, 0x01 | 0x41 | 0x81 | 0xc1) {
                    of_session.insert((f.conn, s), steps.len());
                }
            }
            steps.push(step);
        } else {
            let k = f
                .session
                .and_then(|(s, _)| of_session.get(&(f.conn, s)).copied());
            match k.or(steps.len().checked_sub(1)) {
                Some(k) => steps[k].push(f),
                None => steps.push(vec![f]),
            }
        }
    }
    if !trace.is_empty() {
        steps.push(trace);
    }
    steps
}

/// Names the field at `i` of a request-direction frame.
fn field(frame: &[u8], i: usize) -> String {
    if i < 2 {
        return "the frame length".into();
    }
    let ty = frame.get(2).copied().unwrap_or(0);
    if i == 2 {
        return "the packet type".into();
    }
    let b = i - 2; // index into the body
    let name_len = frame.get(3).copied().unwrap_or(0) as usize;
    let named = matches!(ty, 0x80 | 0x81 | 0xc1);
    let what = match ty {
        0x00 | 0x01 | 0x41 if b < 5 => "the address",
        0x00 | 0x01 | 0x41 if b < 9 => "the session",
        0x01 | 0x41 => "the total size",
        _ if named && b == 1 => "the name length",
        _ if named && b < 2 + name_len => "the name",
        _ if named && b < 6 + name_len => "the session",
        0x81 | 0xc1 => "the total size",
        0x02 | 0x03 if b < 5 => "the session",
        0x02 | 0x03 => "the part's data",
        _ => "the payload",
    };
    let payload_start = match ty {
        0x00 => Some(9),
        0x80 => Some(6 + name_len),
        0x02 | 0x03 => Some(5),
        _ => None,
    };
    match payload_start {
        Some(p) if b >= p => format!("{what}, byte {} of it", b - p),
        _ => what.into(),
    }
}

fn type_name(ty: Option<u8>) -> String {
    let n = match ty {
        Some(0x00) => "0x00 request by number",
        Some(0x80) => "0x80 request by name",
        Some(0x01) => "0x01 multi-part request header by number",
        Some(0x41) => "0x41 multi-part push header by number",
        Some(0x81) => "0x81 multi-part request header by name",
        Some(0xc1) => "0xc1 multi-part push header by name",
        Some(0x02) => "0x02 part (more follow)",
        Some(0x03) => "0x03 last part",
        Some(0x04) => "0x04 trace tag",
        Some(t) => return format!("{t:#04x} (unknown)"),
        None => "nothing",
    };
    n.into()
}

/// The session rules on the raw numbers: on the first connection the first session is 1;
/// each request or multi-part push takes the one after the last (0x7fffffff is followed by
/// 1); a small push carries 0; a later connection starts at 1 or goes on.
fn session_rules(
    conns: &[&[u8]],
    frames: &[Frame],
    steps_of: &HashMap<usize, usize>,
    devs: &mut Vec<Deviation>,
) {
    let mut last: Option<u32> = None;
    let mut conn_end = 0;
    let mut conn_no = 0;
    let mut first_in_conn = true;
    for (i, f) in frames.iter().enumerate() {
        while conn_no < conns.len() && f.offset >= conn_end + conns[conn_no].len() {
            conn_end += conns[conn_no].len();
            conn_no += 1;
            first_in_conn = true;
        }
        let ty = f.bytes.get(2).copied().unwrap_or(0);
        let Some((s, _)) = f.session else { continue };
        if !is_new_message(ty) {
            continue;
        }
        let step = steps_of.get(&i).copied();
        let dev = |what: String| Deviation {
            step,
            offset: Some(f.offset),
            what,
        };
        if s == 0 {
            if matches!(ty, 0x01 | 0x41 | 0x81 | 0xc1) {
                devs.push(dev("a multi-part header with session 0: a multi-part push carries a session of its own".into()));
            }
            continue;
        }
        let next = match last {
            None | Some(0x7fff_ffff) => 1,
            Some(l) => l + 1,
        };
        let fine = s == next || (first_in_conn && conn_no > 0 && s == 1);
        if !fine {
            let why = match last {
                None => format!("the first session is {s}; skynet's sender starts at 1"),
                Some(l) => format!("session {s} after {l}; each request and multi-part push takes the next session ({next}), a small push none"),
            };
            devs.push(dev(why));
        }
        last = Some(s);
        first_in_conn = false;
    }
}

/// How many steps (requests and pushes) the whole frames of `conns` hold.
pub fn count_steps(conns: &[&[u8]]) -> usize {
    let frames = cut(conns, &mut Vec::new());
    steps(&frames)
        .iter()
        .filter(|s| {
            s.iter()
                .any(|f| f.bytes.get(2).is_some_and(|&t| is_new_message(t)))
        })
        .count()
}

/// Compares `got` (each connection's bytes, in order) with `expected` (skynet's stream).
pub fn compare(expected: &[u8], got: &[&[u8]]) -> Vec<Deviation> {
    let mut devs = Vec::new();
    let mut ignore = Vec::new();
    let mut want = cut(&[expected], &mut ignore);
    let mut have = cut(got, &mut devs);
    drop_confirmations(&mut have);
    let mut steps_of = HashMap::new();
    {
        let have_steps = steps(&have);
        let index: HashMap<usize, usize> = have
            .iter()
            .enumerate()
            .map(|(i, f)| (f.offset, i))
            .collect();
        for (k, st) in have_steps.iter().enumerate() {
            for f in st {
                if let Some(&i) = index.get(&f.offset) {
                    steps_of.insert(i, k);
                }
            }
        }
    }
    session_rules(got, &have, &steps_of, &mut devs);
    renumber(&mut want);
    renumber(&mut have);
    let (want_steps, have_steps) = (steps(&want), steps(&have));
    for k in 0..want_steps.len().max(have_steps.len()) {
        let (Some(w), Some(h)) = (want_steps.get(k), have_steps.get(k)) else {
            let what = if k >= have_steps.len() {
                format!(
                    "{} more steps: the caller stopped after {} of {}",
                    want_steps.len() - k,
                    have_steps.len(),
                    want_steps.len()
                )
            } else {
                format!("{} steps more than the script has", have_steps.len() - k)
            };
            devs.push(Deviation {
                step: Some(k),
                offset: have_steps.get(k).and_then(|s| s.first()).map(|f| f.offset),
                what,
            });
            break;
        };
        if let Some(d) = compare_step(k, w, h) {
            devs.push(d);
        }
    }
    devs.sort_by_key(|d| (d.step, d.offset));
    devs
}

/// Where the payload (or part data) starts in a frame, header included.
fn payload_start(frame: &[u8]) -> Option<usize> {
    let body = frame.get(2..)?;
    let at = match *body.first()? {
        0x00 => 9,
        0x80 => 6 + *body.get(1)? as usize,
        0x02 | 0x03 => 5,
        _ => return None,
    };
    (body.len() >= at).then_some(at + 2)
}

/// True when the two steps differ only inside their payloads, and the payloads are the
/// same values with hash pairs in another order, packed as skynet packs: Lua's `next`
/// order is the sender's (skynet's own string hashes are seeded per run), so it is no
/// deviation.
fn same_but_hash_order(want: &[&Frame], have: &[&Frame]) -> bool {
    if want.len() != have.len() {
        return false;
    }
    let mut payloads = (Vec::new(), Vec::new());
    for (w, h) in want.iter().zip(have) {
        if w.bytes.len() != h.bytes.len() || w.bytes.get(2) == Some(&0x04) {
            if w.bytes.get(2) == Some(&0x04) && h.bytes.get(2) == Some(&0x04) {
                continue;
            }
            return false;
        }
        let p = payload_start(&w.bytes).unwrap_or(w.bytes.len());
        if w.bytes[..p] != h.bytes[..p] {
            return false;
        }
        payloads.0.extend_from_slice(&w.bytes[p..]);
        payloads.1.extend_from_slice(&h.bytes[p..]);
    }
    let (Ok(a), Ok(b)) = (
        skywire_seri::unpack(&payloads.0.into()),
        skywire_seri::unpack(&payloads.1.clone().into()),
    ) else {
        return false;
    };
    skywire_seri::values_content_eq(&a, &b)
        && skywire_seri::pack(&b).is_ok_and(|again| again[..] == payloads.1[..])
}

fn compare_step(k: usize, want: &[&Frame], have: &[&Frame]) -> Option<Deviation> {
    if same_but_hash_order(want, have) {
        return None;
    }
    let dev = |offset: Option<usize>, what: String| {
        Some(Deviation {
            step: Some(k),
            offset,
            what,
        })
    };
    for j in 0..want.len().max(have.len()) {
        let (w, h) = (want.get(j), have.get(j));
        let (wt, ht) = (
            w.and_then(|f| f.bytes.get(2).copied()),
            h.and_then(|f| f.bytes.get(2).copied()),
        );
        if wt != ht {
            return dev(
                h.map(|f| f.offset + 2)
                    .or_else(|| have.last().map(|f| f.offset)),
                format!(
                    "frame {} of the step: expected {}, got {}",
                    j + 1,
                    type_name(wt),
                    type_name(ht)
                ),
            );
        }
        let (Some(w), Some(h)) = (w, h) else { continue };
        if wt == Some(0x04) {
            continue; // the tag's bytes are the caller's own
        }
        if w.bytes != h.bytes {
            let i = w
                .bytes
                .iter()
                .zip(&h.bytes)
                .position(|(a, b)| a != b)
                .unwrap_or(w.bytes.len().min(h.bytes.len()));
            let show = |b: &[u8]| hex::encode(&b[i.min(b.len())..(i + 8).min(b.len())]);
            let what = if i < 2 {
                format!(
                    "frame {} ({}): length {} bytes, skynet's is {}",
                    j + 1,
                    type_name(wt),
                    h.bytes.len() - 2,
                    w.bytes.len() - 2
                )
            } else {
                format!(
                    "frame {} ({}): {} differs: expected {}, got {}",
                    j + 1,
                    type_name(wt),
                    field(&w.bytes, i),
                    show(&w.bytes),
                    show(&h.bytes)
                )
            };
            // A length that differs is reported at the frame's start.
            return dev(Some(h.offset + if i < 2 { 0 } else { i }), what);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{frame, to_echo};

    const PING: &[u8] = b"\x24ping";
    const PONG: &[u8] = b"\x24pong";
    const PUSH: &[u8] = b"\x24push";

    /// Small requests to `@echo` (packet 0x80, name length 5), one a `(session, payload)`.
    fn small(requests: &[(u32, &[u8])]) -> Vec<u8> {
        requests
            .iter()
            .flat_map(|&(session, payload)| to_echo(0x80, session, payload))
            .collect()
    }

    /// The one deviation of `d`, which must say `text`.
    #[track_caller]
    fn the_one<'a>(d: &'a [Deviation], text: &str) -> &'a Deviation {
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].what.contains(text), "{d:?}");
        &d[0]
    }

    #[test]
    fn equal_streams_and_renumbered_sessions() {
        let want = small(&[(1, PING), (2, PONG)]);
        assert!(compare(&want, &[&want]).is_empty());
        // One call per connection, each starting at 1 (as `skywire call` runs do).
        let (a, b) = (small(&[(1, PING)]), small(&[(1, PONG)]));
        assert!(
            compare(&want, &[&a, &b]).is_empty(),
            "{:?}",
            compare(&want, &[&a, &b])
        );
    }

    /// A name query (packet 0x00 to address 0) whose one argument is the short string
    /// `name`.
    fn query(session: u32, name: &[u8]) -> Vec<u8> {
        let string = [0x04 | (name.len() as u8) << 3];
        frame(
            &[
                &[0x00, 0, 0, 0, 0][..],
                &session.to_le_bytes(),
                &string,
                name,
            ]
            .concat(),
        )
    }

    #[test]
    fn a_confirming_query_after_pushes_is_no_deviation() {
        let want = small(&[(1, PING), (0, PUSH)]);
        let got = [small(&[(1, PING), (0, PUSH)]), query(2, b"echo")].concat();
        assert!(
            compare(&want, &[&got]).is_empty(),
            "{:?}",
            compare(&want, &[&got])
        );
        // Without a push before it, a trailing query is a step of its own.
        let want = small(&[(1, PING)]);
        let got = [small(&[(1, PING)]), query(2, b"echo")].concat();
        assert!(compare(&want, &[&got])
            .iter()
            .any(|d| d.what.contains("more than the script")));
        // Nor is a query followed by more requests dropped.
        let want = small(&[(0, PUSH), (1, PING)]);
        let got = [small(&[(0, PUSH)]), query(1, b"echo"), small(&[(2, PING)])].concat();
        assert!(!compare(&want, &[&got]).is_empty());
    }

    #[test]
    fn each_kind_of_difference() {
        let want = small(&[(1, PING), (0, PUSH), (2, PONG)]);
        let deviations = |got: &[(u32, &[u8])]| compare(&want, &[&small(got)]);
        // A payload byte.
        let d = deviations(&[(1, b"\x24pinG"), (0, PUSH), (2, PONG)]);
        let one = the_one(&d, "the payload, byte 4");
        assert_eq!(one.step, Some(0));
        assert_eq!(one.offset, Some(2 + 1 + 1 + 5 + 4 + 4));
        // A small push that took a session: rule broken, and the bytes differ.
        let d = deviations(&[(1, PING), (2, PUSH), (3, PONG)]);
        assert!(
            d.iter()
                .any(|d| d.step == Some(1) && d.what.contains("the session")),
            "{d:?}"
        );
        // Sessions that skip one.
        the_one(
            &deviations(&[(1, PING), (0, PUSH), (3, PONG)]),
            "session 3 after 1",
        );
        // A first session that is not 1.
        the_one(
            &deviations(&[(7, PING), (0, PUSH), (8, PONG)]),
            "first session is 7",
        );
        // A step missing.
        let d = deviations(&[(1, PING), (0, PUSH)]);
        assert!(d[0].what.contains("stopped after 2 of 3"), "{d:?}");
        // Cut inside a frame.
        let got = small(&[(1, PING), (0, PUSH)]);
        let d = compare(&want, &[&got[..got.len() - 1]]);
        assert!(d.iter().any(|d| d.what.contains("inside a frame")), "{d:?}");
    }
}
