//! The faulty node's responses: packed and framed as skynet does, except where a fault
//! says otherwise.

use skywire_codec::{Response, Session, MULTI_PART};
use skywire_seri::Value;

use super::Fault;

/// Packs `values` as the top-level arguments of a payload (one value after another),
/// with the value faults applied.
pub(super) fn pack(values: &[Value], fault: Option<Fault>) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        let v = match (fault, v) {
            // A 32-bit writer: the value's low 32 bits, read back as a negative i32.
            (Some(Fault::IntegerWidthAt2To31), Value::Integer(i))
                if (1 << 31..1 << 32).contains(i) =>
            {
                Value::Integer(i64::from(*i as u32 as i32))
            }
            _ => v.clone(),
        };
        let packed = skywire_seri::pack(std::slice::from_ref(&v)).unwrap_or_default();
        match (fault, &v) {
            // The long-string header 0x25 + u32 length, written as 0x15 + u16 length.
            (Some(Fault::LongStringTwoByteLength), Value::String(s)) if s.len() >= 0x10000 => {
                out.push(0x15);
                out.extend_from_slice(&(s.len() as u16).to_le_bytes());
                out.extend_from_slice(s);
            }
            _ => out.extend_from_slice(&packed),
        }
    }
    out
}

fn frame(out: &mut Vec<u8>, session: u32, ty: u8, data: &[u8]) {
    out.extend_from_slice(&((data.len() + 5) as u16).to_be_bytes());
    out.extend_from_slice(&session.to_le_bytes());
    out.push(ty);
    out.extend_from_slice(data);
}

/// The frames of one response.
pub(super) fn response(
    session: u32,
    result: Result<Vec<u8>, Vec<u8>>,
    fault: Option<Fault>,
) -> Vec<u8> {
    let session = if fault == Some(Fault::SixteenBitSessions) {
        session & 0xffff
    } else {
        session
    };
    let mut out = Vec::new();
    let payload = match result {
        Err(text) => {
            let _ = Response::error(Session::new(session), text).write_frames(&mut out);
            return out;
        }
        Ok(p) => p,
    };
    let part = match fault {
        Some(Fault::FragmentAt7fff) => MULTI_PART - 1,
        _ => MULTI_PART,
    };
    if payload.len() <= part {
        frame(&mut out, session, 1, &payload);
        return out;
    }
    frame(&mut out, session, 2, &(payload.len() as u32).to_le_bytes());
    let mut chunks: Vec<&[u8]> = payload.chunks(part).collect();
    if fault == Some(Fault::LosesTailPastTwoParts) && chunks.len() >= 3 {
        chunks.pop();
    }
    let last = chunks.len() - 1;
    for (i, c) in chunks.into_iter().enumerate() {
        frame(&mut out, session, if i == last { 4 } else { 3 }, c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn without_a_fault_it_frames_as_the_codec_does() {
        for n in [0, 1, 0x7fff, 0x8000, 0x8001, 0x10000, 0x10001, 0x30000] {
            let payload = vec![7u8; n];
            let mut want = Vec::new();
            Response::ok(Session::new(9), Bytes::from(payload.clone()))
                .write_frames(&mut want)
                .unwrap();
            assert_eq!(response(9, Ok(payload), None), want, "{n}");
        }
        let values = vec![
            Value::from(1i64 << 31),
            Value::string(Bytes::from(vec![b'x'; 0x10000])),
            Value::Nil,
        ];
        assert_eq!(
            pack(&values, None),
            skywire_seri::pack(&values).unwrap()[..]
        );
    }

    #[test]
    fn the_value_faults() {
        assert_eq!(
            pack(&[Value::from(1i64 << 31)], Some(Fault::IntegerWidthAt2To31)),
            [0x22, 0, 0, 0, 0x80]
        );
        let s = pack(
            &[Value::string(Bytes::from(vec![b'x'; 0x10001]))],
            Some(Fault::LongStringTwoByteLength),
        );
        assert_eq!(&s[..3], [0x15, 1, 0]);
    }
}
