//! Pushes (`cluster.send`, spec/protocol.md §2.3, §2.4): small and multi-part, by name and
//! by number, delivered (checked through the contract's `"pushes"`) and never answered.

use skywire_codec::{Request, Session, Target as Dest};
use skywire_seri::Value;

use super::{connect, echo, pack, payload_of, pushes};
use crate::case::{Case, CaseResult, Failure, Target};

/// Sends `args` as pushes to `to` on one connection (`multi` of them multi-part), checks
/// nothing answers them, and that `"pushes"` returns them all.
async fn push_and_check(t: Target, to: Dest, args: Vec<Vec<Value>>) -> CaseResult {
    let mut conn = connect(&t).await?;
    // Drain what earlier cases (or other callers) left.
    let mut session = Session::FIRST;
    pushes(&mut conn, &t, session, 0).await?;
    session = session.successor();
    for a in &args {
        let payload = pack(a);
        // A multi-part push carries a session of its own (and uses it up); a small one 0.
        let s = if payload.len() >= skywire_codec::MULTI_PART {
            let s = session;
            session = session.successor();
            s
        } else {
            Session::PUSH
        };
        conn.send(&Request::push(to.clone(), s, payload)).await?;
    }
    conn.expect_silence(t.settle).await?;
    let got = pushes(&mut conn, &t, session, args.len()).await?;
    let want: Vec<Value> = args
        .iter()
        .map(|a| Value::Table(skywire_seri::Table::from_array(a.clone())))
        .collect();
    if !skywire_seri::values_content_eq(&got, &want) {
        let show = |vs: &[Value]| {
            let each: Vec<String> = vs
                .iter()
                .map(|v| crate::text::shorten(&v.to_string(), 60))
                .collect();
            each.join(", ")
        };
        return Err(Failure::new(
            format!(
                "\"pushes\" to return the {} pushes sent: {}",
                want.len(),
                show(&want)
            ),
            format!("{} pushes: {}", got.len(), show(&got)),
        ));
    }
    Ok(None)
}

/// `tag` and one long string, packing to exactly `n` bytes (no nil padding: a push's
/// arguments come back from `"pushes"` as an array, where trailing nils vanish).
fn big(tag: &str, n: usize, byte: u8) -> Vec<Value> {
    let (mut v, _) = payload_of(n - pack(&[tag.into()]).len(), byte);
    debug_assert_eq!(v.len(), 1);
    v.insert(0, tag.into());
    v
}

/// A push nobody can take must still not be answered.
async fn push_unanswered(t: Target, to: Dest) -> CaseResult {
    let mut conn = connect(&t).await?;
    conn.send(&Request::push(to, Session::PUSH, pack(&["nobody".into()])))
        .await?;
    conn.expect_silence(t.settle).await?;
    super::still_serving(&t).await?;
    Ok(None)
}

pub(super) fn cases() -> Vec<Case> {
    vec![
        Case::new("push/unknown-name", "protocol.md §2.4", "a small push to an unknown @name is not answered", |t| {
            push_unanswered(t, Dest::Name(bytes::Bytes::from_static(b"@no-such-service")))
        })
        .skynet_behaviour("skynet answers it with an error response for session 0 (\"Invalid name\"), which its sender cannot match to any call"),
        Case::new("push/unknown-address", "protocol.md §2.4", "a small push to an address no service has is not answered", |t| {
            push_unanswered(t, Dest::Address(0x00ff_fff0))
        }),
        Case::new("push/address-0", "protocol.md §2.4, §5", "a small push to address 0 (a query's address) is not answered", |t| {
            push_unanswered(t, Dest::Address(0))
        })
        .skynet_behaviour("skynet treats it as a name query and answers it, for session 0"),
        Case::new(
            "push/small/at-name",
            "protocol.md §2.4",
            "a small push to @echo (session 0) is delivered and never answered",
            |t| push_and_check(t, echo(), vec![vec!["push by name".into(), 7.into()]]),
        ),
        Case::new(
            "push/small/address",
            "protocol.md §2.4",
            "a small push to echo's number is delivered and never answered",
            |t| async move {
                let addr = super::targets::query_echo(&t).await?;
                push_and_check(t, Dest::Address(addr), vec![vec!["push by number".into()]]).await
            },
        ),
        Case::new(
            "push/small/several",
            "protocol.md §2.4",
            "ten small pushes in a row are all delivered, in order",
            |t| {
                push_and_check(
                    t,
                    echo(),
                    (0..10).map(|i| vec!["push".into(), i.into()]).collect(),
                )
            },
        ),
        Case::new(
            "push/multipart/at-name",
            "protocol.md §2.3",
            "a 0x10001-byte push to @echo (0xc1 header, 3 parts) is delivered and never answered",
            |t| push_and_check(t, echo(), vec![big("large push", 0x10001, b'P')]),
        ),
        Case::new(
            "push/multipart/address",
            "protocol.md §2.3",
            "a 0x8000-byte push to a number (0x41 header, 1 part) is delivered and never answered",
            |t| async move {
                let addr = super::targets::query_echo(&t).await?;
                push_and_check(
                    t,
                    Dest::Address(addr),
                    vec![big("large push by number", 0x8000, b'p')],
                )
                .await
            },
        ),
        Case::new(
            "push/mixed",
            "protocol.md §2.4",
            "small and multi-part pushes mixed are all delivered",
            |t| {
                push_and_check(
                    t,
                    echo(),
                    vec![
                        vec!["a".into()],
                        big("b", 0x9000, b'b'),
                        vec!["c".into()],
                        big("d", 0x20000, b'd'),
                    ],
                )
            },
        ),
    ]
}
