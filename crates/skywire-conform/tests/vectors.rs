//! Our own implementation held to every portable vector in `spec/vectors/` (the embedded
//! copies `skywire_conform::vectors` loads): skywire-seri to `lua-seri.json` and
//! `lua-seri-invalid.json`, skywire-codec to `messages.json` and `frames-invalid.json`.
//!
//! Every check collects its failures and reports them all, by vector ID, before failing.

use bytes::Bytes;
use skywire_codec::{
    DecodeError, DecodeErrorKind, PacketError, ReassemblyError, Request, RequestDecoder, Response,
    ResponseDecoder, Session, Target,
};
use skywire_conform::vectors::{
    self, Direction, InvalidStream, InvalidVector, MessageVector, SeriVector,
};
use skywire_seri::{pack, unpack, values_content_eq, values_exact_eq, EncodeError, Table, Value};

/// A vector's ID, which names it in the failures.
trait Id {
    fn id(&self) -> &str;
}

impl Id for SeriVector {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Id for InvalidVector {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Id for MessageVector {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Id for InvalidStream {
    fn id(&self) -> &str {
        &self.vector.id
    }
}

/// An accepted form of a vector: (its vector, the form as written, its bytes).
impl Id for (&SeriVector, &String, Vec<u8>) {
    fn id(&self) -> &str {
        &self.0.id
    }
}

/// Checks every one of `vectors` and fails with every problem `check` finds, one a line,
/// behind the vector's ID.
fn check_each<V: Id>(what: &str, vectors: &[V], check: impl Fn(&V) -> Result<(), String>) {
    assert!(!vectors.is_empty(), "{what}: no vectors");
    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|v| check(v).err().map(|e| format!("{}: {e}", v.id())))
        .collect();
    let checked = vectors.len();
    assert!(
        failures.is_empty(),
        "{what}: {} of {checked} vectors fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A rejection checked against the invalid vector `v`: `class` (of `e`) must be its error,
/// at its offset.
fn rejected_as_said(
    v: &InvalidVector,
    class: &str,
    offset: u64,
    e: &dyn std::fmt::Display,
) -> Result<(), String> {
    if class != v.error || offset != v.offset {
        return Err(format!(
            "expected {} at {}, got {class} at {offset} ({e})",
            v.error, v.offset
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// lua-seri.json

/// Copies the NaN bit patterns of `from` into the NaNs at the same places in `v`.
///
/// The JSON value form writes every NaN as `{"real": "nan"}`, without its bits, and
/// `values_from_json` makes it `f64::NAN` (`7ff8000000000000`); skynet's Lua computes
/// `0.0/0.0` as `fff8000000000000` on x86. Our encoder carries a NaN's bits as they are,
/// so to hold it to skynet's bytes it must be given skynet's NaN: the one `packed` holds.
fn adopt_nan_bits(v: &mut Value, from: &Value) {
    match (v, from) {
        (Value::Real(x), Value::Real(y)) if x.is_nan() && y.is_nan() => *x = *y,
        (Value::Table(t), Value::Table(u)) => {
            for (a, b) in t.array.iter_mut().zip(&u.array) {
                adopt_nan_bits(a, b);
            }
            for ((ka, va), (kb, vb)) in t.hash.iter_mut().zip(&u.hash) {
                adopt_nan_bits(ka, kb);
                adopt_nan_bits(va, vb);
            }
        }
        _ => {}
    }
}

/// Every NaN made the same NaN, so that NaN equals NaN whatever its bits.
fn one_nan(v: &mut Value) {
    match v {
        Value::Real(x) if x.is_nan() => *x = f64::NAN,
        Value::Table(t) => {
            t.array.iter_mut().for_each(one_nan);
            for (k, v) in &mut t.hash {
                one_nan(k);
                one_nan(v);
            }
        }
        _ => {}
    }
}

/// `values_exact_eq`, with NaN equal to NaN whatever the bits.
fn exact_eq_nan(a: &[Value], b: &[Value]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.iter_mut().chain(b.iter_mut()).for_each(one_nan);
    values_exact_eq(&a, &b)
}

/// `values_content_eq`, with NaN equal to NaN whatever the bits.
fn content_eq_nan(a: &[Value], b: &[Value]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.iter_mut().chain(b.iter_mut()).for_each(one_nan);
    values_content_eq(&a, &b)
}

#[test]
fn lua_seri_pack_gives_skynets_bytes() {
    let file = vectors::lua_seri().unwrap();
    assert_eq!(file.format, "skywire-vectors/lua-seri/1");
    check_each("lua-seri pack", &file.vectors, |v| {
        let mut values = v.values().unwrap();
        let packed = v.packed().unwrap();
        if let Ok(skynets) = unpack(&Bytes::from(packed.clone())) {
            for (a, b) in values.iter_mut().zip(&skynets) {
                adopt_nan_bits(a, b);
            }
        }
        match pack(&values) {
            Ok(got) if got[..] == packed[..] => Ok(()),
            Ok(got) => Err(format!(
                "pack gives {}, skynet {}",
                hex::encode(&got),
                v.packed
            )),
            Err(e) => Err(format!("pack fails: {e}")),
        }
    });
}

#[test]
fn lua_seri_unpack_gives_the_values() {
    let file = vectors::lua_seri().unwrap();
    check_each("lua-seri unpack", &file.vectors, |v| {
        let values = v.values().unwrap();
        match unpack(&Bytes::from(v.packed().unwrap())) {
            Ok(got) if exact_eq_nan(&got, &values) => Ok(()),
            Ok(got) => Err(format!("unpack gives {got:?}")),
            Err(e) => Err(format!("unpack fails: {e}")),
        }
    });
}

#[test]
fn lua_seri_other_accepted_forms_unpack_to_the_values() {
    let file = vectors::lua_seri().unwrap();
    // One item a form: (its vector, the form as written, its bytes).
    let forms: Vec<(&SeriVector, &String, Vec<u8>)> = file
        .vectors
        .iter()
        .flat_map(|v| {
            let bytes = v.unpacks_from().unwrap();
            v.unpacks_from
                .iter()
                .zip(bytes)
                .map(move |(f, b)| (v, f, b))
        })
        .collect();
    check_each(
        "lua-seri unpacks_from",
        &forms,
        |(v, form, bytes)| match unpack(&Bytes::from(bytes.clone())) {
            // Alternative forms may list hash pairs in another order than `values`.
            Ok(got) if content_eq_nan(&got, &v.values().unwrap()) => Ok(()),
            Ok(got) => Err(format!("{form} unpacks to {got:?}")),
            Err(e) => Err(format!("{form} fails: {e}")),
        },
    );
}

#[test]
fn lua_seri_skynet_only_forms_do_not_panic() {
    let file = vectors::lua_seri().unwrap();
    let mut checked = 0;
    for v in &file.vectors {
        for form in &v.unpacks_from_skynet_only {
            checked += 1;
            let bytes = hex::decode(form).unwrap();
            // Rejected or read somehow: both are fine, as long as it returns.
            let _ = unpack(&Bytes::from(bytes));
        }
    }
    assert!(checked > 0);
}

/// `depth` tables nested inside each other; the innermost holds `inner`.
fn nested(depth: usize, inner: Vec<Value>) -> Value {
    let mut v = Value::Table(Table::from_array(inner));
    for _ in 1..depth {
        v = Value::Table(Table::from_array(vec![v]));
    }
    v
}

#[test]
fn lua_seri_packer_rejections() {
    let file = vectors::lua_seri().unwrap();
    let ids: Vec<&str> = file
        .rejected_by_packer
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    // The two that are values skywire can build; the others (a function, a coroutine)
    // have no Value.
    for (id, value) in [
        ("table/nested/34", nested(34, vec![])),
        (
            "table/nested/33-with-item",
            nested(33, vec![Value::Integer(1)]),
        ),
    ] {
        assert!(ids.contains(&id), "{id} is not in rejected_by_packer");
        assert!(
            matches!(pack(&[value]), Err(EncodeError::TooDeep { depth: 33 })),
            "{id}: pack must fail with TooDeep at depth 33"
        );
    }
    // And the accepted neighbours really pack.
    assert!(pack(&[nested(33, vec![])]).is_ok());
    assert!(pack(&[nested(32, vec![Value::Integer(1)])]).is_ok());
}

// ---------------------------------------------------------------------------------------
// lua-seri-invalid.json

#[test]
fn lua_seri_invalid_payloads_are_rejected_where_the_spec_says() {
    let file = vectors::lua_seri_invalid().unwrap();
    assert_eq!(file.format, "skywire-vectors/lua-seri-invalid/1");
    check_each("lua-seri invalid", &file.vectors, |v| {
        match unpack(&Bytes::from(v.bytes().unwrap())) {
            Ok(got) => Err(format!("accepted as {got:?}")),
            Err(e) => rejected_as_said(v, e.kind().class(), e.offset() as u64, &e),
        }
    });
}

// ---------------------------------------------------------------------------------------
// messages.json

/// The 0x04 frame carrying a trace tag.
/// Feeds `frames` to `dec`: they must make exactly one message, and leave nothing open.
fn only_message<A: skywire_codec::Assemble>(
    mut dec: skywire_codec::StreamDecoder<A>,
    frames: &[Vec<u8>],
) -> Result<A::Message, String>
where
    A::Message: std::fmt::Debug,
{
    for f in frames {
        dec.feed(f);
    }
    let got = dec
        .next_message()
        .map_err(|e| format!("decode: {e}"))?
        .ok_or("decode: no message")?;
    if let Some(extra) = dec.next_message().map_err(|e| format!("decode: {e}"))? {
        return Err(format!("decode: a second message {extra:?}"));
    }
    dec.finish().map_err(|e| format!("decode: {e}"))?;
    Ok(got)
}

fn trace_frame(tag: &[u8]) -> Vec<u8> {
    let len = u16::try_from(tag.len() + 1).unwrap();
    let mut f = len.to_be_bytes().to_vec();
    f.push(0x04);
    f.extend_from_slice(tag);
    f
}

fn target_of(v: &MessageVector) -> Target {
    match v.target.as_ref() {
        Some(serde_json::Value::String(name)) => Target::name(name.clone().into_bytes()).unwrap(),
        Some(serde_json::Value::Number(n)) => {
            Target::Address(u32::try_from(n.as_u64().unwrap()).unwrap())
        }
        other => panic!("{}: bad target {other:?}", v.id),
    }
}

/// Decodes the vector's frames (after its trace frame, if any) and checks them against its
/// fields; then builds the message from its fields and checks the frames we cut.
fn check_request(v: &MessageVector) -> Result<(), String> {
    let payload = v.payload().unwrap();
    let frames = v.frames().unwrap();
    let trace = v.trace.as_ref().map(|t| hex::decode(t).unwrap());
    let target = target_of(v);
    let push = match v.kind.as_str() {
        "call" => false,
        "push" => true,
        k => return Err(format!("kind {k} in the request direction")),
    };

    let mut dec = RequestDecoder::default();
    if let Some(tag) = &trace {
        dec.feed(&trace_frame(tag));
    }
    let got = only_message(dec, &frames)?;
    if got.session.get() != v.session
        || got.push != push
        || got.target != target
        || got.trace.as_deref() != trace.as_deref()
        || got.payload[..] != payload[..]
    {
        return Err(format!(
            "decoded as session {} push {} target {} trace {:?}, payload of {} bytes (equal: {})",
            got.session.get(),
            got.push,
            got.target,
            got.trace,
            got.payload.len(),
            got.payload[..] == payload[..]
        ));
    }

    let session = Session::new(v.session);
    let payload = Bytes::from(payload);
    let mut req = if push {
        Request::push(target, session, payload)
    } else {
        Request::call(target, session, payload)
    };
    if let Some(tag) = &trace {
        req = req.with_trace(Bytes::from(tag.clone()));
    }
    let mut ours: Vec<Vec<u8>> = req
        .frames()
        .map_err(|e| format!("frames: {e}"))?
        .map(|f| f.to_vec())
        .collect();
    if let Some(tag) = &trace {
        if ours.is_empty() || ours.remove(0) != trace_frame(tag) {
            return Err("frames: the first frame is not the trace frame".into());
        }
    }
    compare_frames(&ours, &frames)
}

fn check_response(v: &MessageVector) -> Result<(), String> {
    let payload = v.payload().unwrap();
    let frames = v.frames().unwrap();
    let ok = match v.kind.as_str() {
        "ok" => true,
        "error" => false,
        k => return Err(format!("kind {k} in the response direction")),
    };
    if v.target.is_some() || v.trace.is_some() {
        return Err("a response has no target or trace".into());
    }

    let got = only_message(ResponseDecoder::default(), &frames)?;
    if got.session.get() != v.session || got.ok != ok || got.payload[..] != payload[..] {
        return Err(format!(
            "decoded as session {} ok {}, payload of {} bytes (equal: {})",
            got.session.get(),
            got.ok,
            got.payload.len(),
            got.payload[..] == payload[..]
        ));
    }

    let session = Session::new(v.session);
    let resp = if ok {
        Response::ok(session, Bytes::from(payload))
    } else {
        Response::error(session, Bytes::from(payload))
    };
    let ours: Vec<Vec<u8>> = resp
        .frames()
        .map_err(|e| format!("frames: {e}"))?
        .map(|f| f.to_vec())
        .collect();
    compare_frames(&ours, &frames)
}

fn compare_frames(ours: &[Vec<u8>], skynets: &[Vec<u8>]) -> Result<(), String> {
    if ours.len() != skynets.len() {
        return Err(format!(
            "frames: we cut {} frames, skynet sent {}",
            ours.len(),
            skynets.len()
        ));
    }
    for (i, (a, b)) in ours.iter().zip(skynets).enumerate() {
        if a != b {
            let at = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(0);
            return Err(format!(
                "frames: frame {i} differs (ours {} bytes, skynet's {}, first difference at {at})",
                a.len(),
                b.len()
            ));
        }
    }
    Ok(())
}

#[test]
fn messages_decode_and_encode_as_skynet_sent_them() {
    let file = vectors::messages().unwrap();
    assert_eq!(file.format, "skywire-vectors/messages/1");
    check_each("messages", &file.vectors, |v| match v.direction {
        Direction::Requests => check_request(v),
        Direction::Responses => check_response(v),
    });
}

// ---------------------------------------------------------------------------------------
// frames-invalid.json

fn stream_class(kind: &DecodeErrorKind) -> &'static str {
    match kind {
        DecodeErrorKind::TruncatedFrame { .. } => "truncated-frame",
        DecodeErrorKind::Unfinished { .. } => "unfinished",
        DecodeErrorKind::Packet(p) => match p {
            PacketError::Empty => "empty-packet",
            PacketError::UnknownType { .. } => "unknown-packet-type",
            PacketError::BadLength { .. } => "bad-length",
            PacketError::EmptyName => "empty-name",
            PacketError::ZeroSession { .. } => "zero-session",
            _ => "(unmapped packet error)",
        },
        DecodeErrorKind::Reassembly(r) => match r {
            ReassemblyError::PartWithoutHeader { .. } => "part-without-header",
            ReassemblyError::SessionInUse { .. } => "session-in-use",
            ReassemblyError::SizeMismatch { .. } => "size-mismatch",
            ReassemblyError::MessageTooLarge { .. } => "message-too-large",
            ReassemblyError::TooManyPartial { .. } => "too-many-partial",
            ReassemblyError::BufferLimit { .. } => "buffer-limit",
            _ => "(unmapped reassembly error)",
        },
        _ => "(unmapped)",
    }
}

/// Feeds the whole stream, takes messages until the first error, then finishes: the first
/// error, or `None` if the stream decodes cleanly.
fn first_error<A: skywire_codec::Assemble>(bytes: &[u8]) -> Option<DecodeError> {
    let mut dec = skywire_codec::StreamDecoder::<A>::default();
    dec.feed(bytes);
    loop {
        match dec.next_message() {
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) => return Some(e),
        }
    }
    dec.finish().err()
}

#[test]
fn invalid_frame_streams_fail_where_the_spec_says() {
    let file = vectors::frames_invalid().unwrap();
    assert_eq!(file.format, "skywire-vectors/frames-invalid/1");
    check_each("frames invalid", &file.vectors, |s| {
        let v = &s.vector;
        let bytes = v.bytes().unwrap();
        let err = match s.direction {
            Direction::Requests => first_error::<skywire_codec::RequestAssembler>(&bytes),
            Direction::Responses => first_error::<skywire_codec::ResponseAssembler>(&bytes),
        };
        match err {
            None => Err("accepted".into()),
            Some(e) => rejected_as_said(v, stream_class(e.kind()), e.offset(), &e),
        }
    });
}
