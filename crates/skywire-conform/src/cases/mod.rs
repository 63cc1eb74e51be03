//! Every case of `skywire conform HOST:PORT`, one module per part of the spec, and the
//! helpers they share.

mod hostile;
mod pushes;
mod sessions;
mod sizes;
mod targets;
mod trace;
mod values;

use bytes::Bytes;
use skywire_codec::{Request, Session, Target as Dest};
use skywire_seri::Value;
use tokio::time::Instant;

use crate::case::{Case, Failure, Target};
use crate::contract;
use crate::wire::{describe, Answer, Conn};

/// Every case, in the order they run.
pub fn all() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(sizes::cases());
    cases.extend(values::cases());
    cases.extend(targets::cases());
    cases.extend(pushes::cases());
    cases.extend(trace::cases());
    cases.extend(sessions::cases());
    cases.extend(hostile::cases());
    cases
}

/// The deadline of a case's own waits: a little inside the runner's timeout, so a case
/// says what it was waiting for instead of just timing out.
pub(crate) fn deadline(t: &Target) -> Instant {
    Instant::now() + t.case_timeout.mul_f64(0.9)
}

/// `@echo`.
pub(crate) fn echo() -> Dest {
    Dest::Name(Bytes::from_static(b"@echo"))
}

/// A fresh connection to the node.
pub(crate) async fn connect(t: &Target) -> Result<Conn, Failure> {
    Conn::connect(t.addr, t.case_timeout).await
}

/// Packs values (the cases only pack what can be packed).
pub(crate) fn pack(values: &[Value]) -> Bytes {
    skywire_seri::pack(values).unwrap_or_default()
}

/// Sends one call with `payload` to `to` on a fresh connection and returns its answer.
pub(crate) async fn call(t: &Target, to: Dest, payload: Bytes) -> Result<Answer, Failure> {
    let mut conn = connect(t).await?;
    call_on(&mut conn, t, to, Session::FIRST, payload).await
}

/// Sends one call on `conn` and waits for its answer.
pub(crate) async fn call_on(
    conn: &mut Conn,
    t: &Target,
    to: Dest,
    session: Session,
    payload: Bytes,
) -> Result<Answer, Failure> {
    conn.send(&Request::call(to, session, payload)).await?;
    conn.answer_for(session.get(), deadline(t)).await
}

/// The answer must be ok with exactly `want` as its payload.
pub(crate) fn expect_payload(a: &Answer, want: &[u8]) -> Result<(), Failure> {
    if !a.ok {
        return Err(Failure::new(
            format!("an ok response of {} bytes", want.len()),
            describe(a),
        ));
    }
    if a.payload[..] == *want {
        return Ok(());
    }
    let at = a
        .payload
        .iter()
        .zip(want)
        .position(|(x, y)| x != y)
        .unwrap_or(a.payload.len().min(want.len()));
    let show = |b: &[u8]| hex::encode(&b[at.min(b.len())..(at + 16).min(b.len())]);
    Err(Failure::new(
        format!("{} payload bytes, at byte {at}: {}", want.len(), show(want)),
        format!(
            "{} bytes, at byte {at}: {}",
            a.payload.len(),
            show(&a.payload)
        ),
    ))
}

/// The answer must be ok and unpack to values equal to `want` (hash parts compared as
/// unordered maps).
pub(crate) fn expect_values(a: &Answer, want: &[Value]) -> Result<(), Failure> {
    let show = |vs: &[Value]| crate::text::values(vs, 200);
    if !a.ok {
        return Err(Failure::new(show(want), describe(a)));
    }
    let got = skywire_seri::unpack(&a.payload)
        .map_err(|e| Failure::new(show(want), format!("a payload that does not unpack: {e}")))?;
    if skywire_seri::values_content_eq(&got, want) {
        Ok(())
    } else {
        Err(Failure::new(show(want), show(&got)))
    }
}

/// The answer must be an error response.
pub(crate) fn expect_error(a: &Answer) -> Result<(), Failure> {
    if a.ok {
        return Err(Failure::new("an error response", describe(a)));
    }
    Ok(())
}

/// After a case that may have upset the node: a fresh connection must still get a correct
/// answer.
pub(crate) async fn still_serving(t: &Target) -> Result<(), Failure> {
    let args = [Value::from("still there?"), Value::from(1)];
    let a = call(t, echo(), pack(&args)).await.map_err(|f| {
        Failure::new(
            format!("the node still serving a fresh connection: {}", f.expected),
            f.got,
        )
    })?;
    expect_values(&a, &args)
}

/// The contract's `"pushes"`, on `conn` with `session`, polled until `n` pushes came or the
/// case's deadline: pushes travel through the node asynchronously (skynet may deliver a push
/// after a later call).
pub(crate) async fn pushes(
    conn: &mut Conn,
    t: &Target,
    mut session: Session,
    n: usize,
) -> Result<Vec<Value>, Failure> {
    let end = deadline(t);
    let mut got = Vec::new();
    loop {
        let a = call_on(conn, t, echo(), session, pack(&["pushes".into()])).await?;
        session = session.successor();
        if !a.ok {
            return Err(Failure::new(
                "the contract's \"pushes\" answered",
                describe(&a),
            ));
        }
        let vs = skywire_seri::unpack(&a.payload)
            .map_err(|e| Failure::new("\"pushes\" to unpack", e.to_string()))?;
        got.extend(vs);
        if got.len() >= n || Instant::now() + std::time::Duration::from_millis(50) > end {
            return Ok(got);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// One string (padded with nils where no string fits) packing to exactly `n` bytes
/// (`n >= 3`), made of `byte`.
pub(crate) fn payload_of(n: usize, byte: u8) -> (Vec<Value>, Bytes) {
    // A string of `len` bytes packs to 1 + len (< 32), 3 + len (< 0x10000) or 5 + len.
    let (len, pad) = if n >= 5 + 0x10000 {
        (n - 5, 0)
    } else if n >= 3 + 32 && n - 3 < 0x10000 {
        (n - 3, 0)
    } else if n >= 3 + 32 {
        (0xffff, n - 3 - 0xffff)
    } else {
        (
            n.saturating_sub(1).min(31),
            n.saturating_sub(1).saturating_sub(31),
        )
    };
    let mut values = vec![Value::string(Bytes::from(vec![byte; len]))];
    values.extend(std::iter::repeat_n(Value::Nil, pad));
    let bytes = pack(&values);
    debug_assert_eq!(bytes.len(), n);
    (values, bytes)
}

/// The contract's `"big"` answer for `n` bytes.
pub(crate) fn big_answer(n: usize) -> Bytes {
    pack(&[Value::string(Bytes::from(vec![contract::BIG_BYTE; n]))])
}

/// Appends the frames of `req` to `out`.
pub(crate) fn frames_of(req: &Request, out: &mut Vec<u8>) {
    let _ = req.write_frames(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_have_the_asked_size() {
        for n in [
            3,
            10,
            33,
            34,
            35,
            36,
            0x7fff,
            0x8000,
            0x10002,
            0x10003,
            0x10004,
            0x10005,
            0x10006,
            1 << 20,
        ] {
            let (_, b) = payload_of(n, b'x');
            assert_eq!(b.len(), n, "{n}");
        }
    }

    /// `protocol.md §2.4, §5`, `lua-seri.md §2-4`, `errors.md: reassembly`: the file's
    /// headings have each section.
    fn spec_section_exists(spec: &str) -> bool {
        let (file, rest) = match spec.split_once(": ") {
            Some((file, name)) => (file, name),
            None => spec.split_once(' ').unwrap_or((spec, "")),
        };
        let named = spec.contains(": ");
        let text = match file {
            "protocol.md" => include_str!("../../../../spec/protocol.md"),
            "lua-seri.md" => include_str!("../../../../spec/lua-seri.md"),
            "errors.md" => include_str!("../../../../spec/errors.md"),
            _ => return false,
        };
        let headings: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with('#'))
            .map(|l| l.trim_start_matches('#').trim())
            .collect();
        if named {
            return headings.iter().any(|h| h.to_lowercase().contains(rest));
        }
        rest.split('§').skip(1).all(|s| {
            let s = s.trim_end_matches([',', ' ']);
            s.split('-').all(|n| {
                headings
                    .iter()
                    .any(|h| h.starts_with(&format!("{n} ")) || h.starts_with(&format!("{n}. ")))
            })
        }) && rest.contains('§')
    }

    #[test]
    fn every_id_is_unique_and_well_formed() {
        let cases = all();
        let mut seen = std::collections::HashSet::new();
        for c in &cases {
            assert!(seen.insert(c.id.clone()), "duplicate id {}", c.id);
            assert!(
                c.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"/-_.".contains(&b)),
                "id {}",
                c.id
            );
            assert!(
                spec_section_exists(c.spec),
                "{}: no such section: {}",
                c.id,
                c.spec
            );
        }
        assert!(cases.len() > 60, "{} cases", cases.len());
    }
}
