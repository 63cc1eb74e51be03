//! Targets and name queries (spec/protocol.md §2.2, §4, §5): `@name`, `.name`, a number,
//! address 0; unknown ones answered with an error, never a hang or a close.

use bytes::Bytes;
use skywire_codec::Target as Dest;
use skywire_seri::Value;

use super::{call, echo, expect_error, expect_values, pack};
use crate::case::{Case, Failure, Target};
use crate::wire::describe;

/// Asks the node for `echo`'s address (`cluster.query`).
pub(crate) async fn query_echo(t: &Target) -> Result<u32, Failure> {
    query(t, "echo").await
}

async fn query(t: &Target, name: &str) -> Result<u32, Failure> {
    let a = call(t, Dest::Address(0), pack(&[name.into()])).await?;
    if !a.ok {
        return Err(Failure::new(
            format!("the address of {name:?}"),
            describe(&a),
        ));
    }
    match skywire_seri::unpack(&a.payload).as_deref() {
        Ok([v]) => match v.as_integer() {
            Some(n) if n > 0 && n <= u32::MAX as i64 => Ok(n as u32),
            _ => Err(Failure::new("one positive integer address", v.to_string())),
        },
        _ => Err(Failure::new("one packed integer", describe(&a))),
    }
}

fn args(what: &str) -> Vec<Value> {
    vec![what.into(), 42.into()]
}

fn name(n: &'static str) -> Dest {
    Dest::Name(Bytes::from_static(n.as_bytes()))
}

pub(super) fn cases() -> Vec<Case> {
    vec![
        Case::new("target/at-name", "protocol.md §2.2", "a call to @echo (0x80 packet) is answered", |t| async move {
            let a = call(&t, echo(), pack(&args("by @name"))).await?;
            expect_values(&a, &args("by @name"))?;
            Ok(None)
        }),
        Case::new("target/dot-name", "protocol.md §2.2", "a call to .echo (a local service name) is answered", |t| async move {
            let a = call(&t, name(".echo"), pack(&args("by .name"))).await?;
            expect_values(&a, &args("by .name"))?;
            Ok(None)
        }),
        Case::new("target/address", "protocol.md §2.2", "a call to the address a name query returned (0x00 packet) is answered", |t| async move {
            let addr = query_echo(&t).await?;
            let a = call(&t, Dest::Address(addr), pack(&args("by number"))).await?;
            expect_values(&a, &args("by number"))?;
            Ok(Some(format!("echo is at {addr}")))
        }),
        Case::new("query/hit", "protocol.md §5", "a name query (address 0) for echo answers with one integer address", |t| async move {
            let addr = query_echo(&t).await?;
            Ok(Some(format!("echo is at {addr}")))
        }),
        Case::new("query/hit-second-name", "protocol.md §5", "echo and echo2 answer queries with different addresses", |t| async move {
            let (a, b) = (query_echo(&t).await?, query(&t, "echo2").await?);
            if a == b {
                return Err(Failure::new("two different addresses", format!("both {a}")));
            }
            Ok(Some(format!("echo {a}, echo2 {b}")))
        }),
        Case::new("query/miss", "protocol.md §5", "a name query for an unknown name gets an error response", |t| async move {
            let a = call(&t, Dest::Address(0), pack(&["no-such-name".into()])).await?;
            expect_error(&a)?;
            Ok(None)
        }),
        Case::new("target/unknown-at-name", "protocol.md §4", "a call to an unknown @name gets an error response, not a hang or a close", |t| async move {
            let a = call(&t, name("@no-such-service"), pack(&args("x"))).await?;
            expect_error(&a)?;
            Ok(None)
        }),
        Case::new("target/unknown-dot-name", "protocol.md §4", "a call to an unknown .name gets an error response", |t| async move {
            let a = call(&t, name(".no-such-service"), pack(&args("x"))).await?;
            expect_error(&a)?;
            Ok(None)
        }),
        Case::new("target/unknown-address", "protocol.md §4", "a call to an address no service has gets an error response", |t| async move {
            let a = call(&t, Dest::Address(0x00ff_fff0), pack(&args("x"))).await?;
            expect_error(&a)?;
            Ok(None)
        }),
        Case::new("target/long-name", "protocol.md §2.1", "a 255-byte name (the longest a packet carries) is read whole: an unknown name's error, then the node still serves", |t| async move {
            let mut n = vec![b'@'];
            n.extend(std::iter::repeat_n(b'n', 254));
            let a = call(&t, Dest::Name(Bytes::from(n)), pack(&args("x"))).await?;
            expect_error(&a)?;
            super::still_serving(&t).await?;
            Ok(None)
        }),
        Case::new("response/error/service-fails", "protocol.md §3", "a service that raises gets an error response (type 0)", |t| async move {
            let a = call(&t, echo(), pack(&["fail".into(), 123.into()])).await?;
            expect_error(&a)?;
            Ok(Some(format!("error text {:?}", String::from_utf8_lossy(&a.payload))))
        }),
    ]
}
