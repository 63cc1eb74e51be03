//! Sessions, interleaving and ordering (spec/protocol.md §2.4, §2.6, §3.2): answers are
//! matched by session, whatever the session's value, however requests interleave, and go
//! out as they complete.

use std::collections::HashMap;

use bytes::Bytes;
use skywire_codec::{Request, Session};
use skywire_seri::Value;

use super::{connect, deadline, echo, expect_payload, frames_of, pack, payload_of};
use crate::case::{Case, Failure};

pub(super) fn cases() -> Vec<Case> {
    vec![
        Case::new("session/near-max", "protocol.md §2.4", "calls with sessions 0x7ffffffe and 0x7fffffff (the last before skynet wraps to 1), then 1, each answered with its own session", |t| async move {
            let mut conn = connect(&t).await?;
            for s in [0x7fff_fffe, 0x7fff_ffff, 1] {
                let p = pack(&["session".into(), Value::from(i64::from(s))]);
                conn.send(&Request::call(echo(), Session::new(s), p.clone())).await?;
                expect_payload(&conn.answer_for(s, deadline(&t)).await?, &p)?;
            }
            Ok(None)
        }),
        Case::new("session/near-max-multipart", "protocol.md §2.4", "a multi-part call with session 0x7fffffff is answered", |t| async move {
            let mut conn = connect(&t).await?;
            let (_, p) = payload_of(0x9000, b's');
            conn.send(&Request::call(echo(), Session::MAX, p.clone())).await?;
            expect_payload(&conn.answer_for(0x7fff_ffff, deadline(&t)).await?, &p)?;
            Ok(None)
        }),
        Case::new("interleave/multipart-requests", "protocol.md §2.6", "the parts of three multi-part calls interleaved with each other and with a small call: each answered exactly", |t| async move {
            let mut conn = connect(&t).await?;
            let payloads: Vec<Bytes> = [(0x10001, b'x'), (0x8001, b'y'), (0x18000, b'z')]
                .into_iter()
                .map(|(n, b)| payload_of(n, b).1)
                .collect();
            // Each call's frames, then round-robin: header 1, header 2, header 3, part 1.1, ...
            let mut per: Vec<Vec<Vec<u8>>> = Vec::new();
            for (i, p) in payloads.iter().enumerate() {
                let req = Request::call(echo(), Session::new(i as u32 + 1), p.clone());
                let frames = req.frames().map_err(|e| Failure::new("frames", e.to_string()))?;
                per.push(frames.map(|f| f.to_vec()).collect());
            }
            let small = pack(&["small in between".into()]);
            let mut out = Vec::new();
            for k in 0.. {
                let mut any = false;
                for f in &per {
                    if let Some(frame) = f.get(k) {
                        out.extend_from_slice(frame);
                        any = true;
                    }
                }
                if k == 1 {
                    frames_of(&Request::call(echo(), Session::new(4), small.clone()), &mut out);
                }
                if !any {
                    break;
                }
            }
            conn.send_raw(&out).await?;
            let got = conn.answers_for(&[1, 2, 3, 4], deadline(&t)).await?;
            for (i, p) in payloads.iter().chain([&small]).enumerate() {
                expect_payload(&got[&(i as u32 + 1)], p)?;
            }
            Ok(None)
        }),
        Case::new("concurrency/100-calls", "protocol.md §3.2", "100 calls of mixed sizes written at once on one connection, each answered by its session", |t| async move {
            let mut conn = connect(&t).await?;
            let mut want = HashMap::new();
            let mut out = Vec::new();
            for s in 1..=100u32 {
                let p = if s % 10 == 0 {
                    payload_of(0x8000 + s as usize * 7, b'c').1
                } else {
                    pack(&["call".into(), Value::from(i64::from(s))])
                };
                frames_of(&Request::call(echo(), Session::new(s), p.clone()), &mut out);
                want.insert(s, p);
            }
            conn.send_raw(&out).await?;
            let sessions: Vec<u32> = (1..=100).collect();
            let got = conn.answers_for(&sessions, deadline(&t)).await?;
            for (s, p) in &want {
                expect_payload(&got[s], p)?;
            }
            Ok(None)
        }),
        Case::new("response/order/completion", "protocol.md §3.2", "a slow call (\"sleep\", 30) then a quick one: the quick one is answered first", |t| async move {
            let mut conn = connect(&t).await?;
            let slow = pack(&["sleep".into(), 30.into()]);
            let quick = pack(&["quick".into()]);
            let mut out = Vec::new();
            frames_of(&Request::call(echo(), Session::new(1), slow.clone()), &mut out);
            frames_of(&Request::call(echo(), Session::new(2), quick.clone()), &mut out);
            conn.send_raw(&out).await?;
            let first = conn.next_answer(deadline(&t)).await?;
            if first.session != 2 {
                return Err(Failure::new("session 2 (quick) answered first", format!("session {} first", first.session)));
            }
            expect_payload(&first, &quick)?;
            expect_payload(&conn.answer_for(1, deadline(&t)).await?, &slow)?;
            Ok(None)
        }),
        Case::new("interleave/large-response-and-small", "protocol.md §3.2", "a 1 MiB answer in progress does not hold back a small one: both answered exactly", |t| async move {
            let mut conn = connect(&t).await?;
            let mut out = Vec::new();
            let n = (1 << 20) - 5;
            frames_of(&Request::call(echo(), Session::new(1), pack(&["big".into(), Value::from(n as i64)])), &mut out);
            let quick = pack(&["quick".into()]);
            frames_of(&Request::call(echo(), Session::new(2), quick.clone()), &mut out);
            conn.send_raw(&out).await?;
            let got = conn.answers_for(&[1, 2], deadline(&t)).await?;
            expect_payload(&got[&1], &super::big_answer(n))?;
            expect_payload(&got[&2], &quick)?;
            Ok(None)
        }),
    ]
}
