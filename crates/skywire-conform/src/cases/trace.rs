//! Trace tags (spec/protocol.md §2.5): a `0x04` packet before a request is accepted and the
//! request is answered as usual, small or multi-part.

use skywire_codec::{Request, Session};
use skywire_seri::Value;

use super::{connect, deadline, echo, expect_payload, pack, payload_of};
use crate::case::{Case, CaseResult, Target};

async fn traced(t: Target, payload: bytes::Bytes) -> CaseResult {
    let mut conn = connect(&t).await?;
    let req = Request::call(echo(), Session::FIRST, payload.clone())
        .with_trace(&b"(db-conform-1):0000000b-1"[..]);
    conn.send(&req).await?;
    let a = conn.answer_for(1, deadline(&t)).await?;
    expect_payload(&a, &payload)?;
    // The tag belongs to that one request: the next, untraced, is answered too.
    let next = pack(&["after".into()]);
    conn.send(&Request::call(echo(), Session::new(2), next.clone()))
        .await?;
    expect_payload(&conn.answer_for(2, deadline(&t)).await?, &next)?;
    Ok(None)
}

pub(super) fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "trace/small",
            "protocol.md §2.5",
            "a trace tag, then a small call: answered, and the next call too",
            |t| traced(t, pack(&[Value::from("traced"), 1.into()])),
        ),
        Case::new(
            "trace/multipart",
            "protocol.md §2.5",
            "a trace tag, then a 0x10001-byte call (3 parts): answered",
            |t| traced(t, payload_of(0x10001, b't').1),
        ),
    ]
}
