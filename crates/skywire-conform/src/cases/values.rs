//! Every lua-seri vector echoed (spec/lua-seri.md): the node must unpack the bytes skynet
//! wrote and pack the values again exactly as skynet packs them: every type, every integer
//! width and string form at its boundary, arrays around the 31-item escape, nesting to
//! skynet's limit. Hash parts may come back in another order (Lua's `next` order is the
//! receiving node's); then the values are compared and the bytes must still be canonical.

use bytes::Bytes;
use skywire_seri::Value;

use super::{call, echo, expect_payload, expect_values};
use crate::case::{Case, Failure};
use crate::vectors;

/// Values whose first argument the contract treats as a command cannot be echoed.
fn is_command(values: &[Value]) -> bool {
    matches!(
        values.first().and_then(Value::as_bytes),
        Some(b"fail" | b"big" | b"sleep" | b"pushes")
    )
}

/// True when some table in `values` has two or more hash pairs (their order may differ).
fn has_unordered(values: &[Value]) -> bool {
    values.iter().any(|v| match v {
        Value::Table(t) => {
            t.hash.len() > 1
                || has_unordered(&t.array)
                || t.hash
                    .iter()
                    .any(|(k, v)| has_unordered(&[k.clone(), v.clone()]))
        }
        _ => false,
    })
}

/// The answer's payload is `packed`, or (hash order aside) the same values packed the way
/// skynet packs: the received bytes are what packing the received values gives.
fn expect_echo(
    a: &crate::wire::Answer,
    values: &[Value],
    packed: &[u8],
) -> Result<Option<String>, Failure> {
    if expect_payload(a, packed).is_ok() {
        return Ok(None);
    }
    if !has_unordered(values) {
        return expect_payload(a, packed).map(|_| None);
    }
    expect_values(a, values)?;
    let got = skywire_seri::unpack(&a.payload).unwrap_or_default();
    let canonical = skywire_seri::pack(&got).unwrap_or_default();
    if canonical[..] != a.payload[..] {
        return Err(Failure::new(
            "the values packed as skynet packs them",
            format!(
                "non-canonical bytes {}",
                hex::encode(&a.payload[..a.payload.len().min(64)])
            ),
        ));
    }
    Ok(Some("hash pairs in another order".into()))
}

pub(super) fn cases() -> Vec<Case> {
    let file = match vectors::lua_seri() {
        Ok(f) => f,
        Err(e) => {
            return vec![Case::new(
                "value/vectors",
                "lua-seri.md",
                "the embedded vectors load",
                move |_| {
                    let e = e.to_string();
                    async move { Err(Failure::new("spec/vectors/lua-seri.json to load", e)) }
                },
            )]
        }
    };
    let mut cases = Vec::new();
    for v in file.vectors {
        let (Ok(values), Ok(packed), Ok(alts)) = (v.values(), v.packed(), v.unpacks_from()) else {
            continue;
        };
        if is_command(&values) {
            continue;
        }
        let packed = Bytes::from(packed);
        let vals = values.clone();
        let p = packed.clone();
        cases.push(Case::new(
            format!("value/{}", v.id),
            "lua-seri.md §2-4",
            format!(
                "echo of {}: skynet's bytes unpacked and packed again exactly",
                v.description
            ),
            move |t| {
                let (vals, p) = (vals.clone(), p.clone());
                async move {
                    let a = call(&t, echo(), p.clone()).await?;
                    expect_echo(&a, &vals, &p)
                }
            },
        ));
        for (k, alt) in alts.into_iter().enumerate() {
            let (vals, p, alt) = (values.clone(), packed.clone(), Bytes::from(alt));
            cases.push(Case::new(
                format!("value/{}/accepts-{}", v.id, k + 1),
                "lua-seri.md §5.1",
                format!(
                    "{} in a form skynet reads but never writes ({}), echoed in skynet's form",
                    v.description,
                    hex::encode(&alt[..alt.len().min(12)])
                ),
                move |t| {
                    let (vals, p, alt) = (vals.clone(), p.clone(), alt.clone());
                    async move {
                        let a = call(&t, echo(), alt).await?;
                        expect_echo(&a, &vals, &p)
                    }
                },
            ));
        }
    }
    cases
}
