//! `to_payload` / `to_payload_into` give exactly what `pack(&to_values(x)?)` gives: the same
//! bytes, or the same error, for any Rust value the mapping takes (nil fields and entries
//! left out, nils kept in sequences and variants, length hints missing or wrong, NaN and nil
//! keys, integers out of range, `Value`s passed through, nesting around skynet's limit of 32).

use std::collections::BTreeMap;

use bytes::BytesMut;
use proptest::prelude::*;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use skywire_seri::{
    pack, to_payload, to_payload_into, to_values, EncodeError, SerdeError, Table, Value,
};

/// The reference: the tree, then `pack`.
fn reference<T: Serialize + ?Sized>(x: &T) -> Result<Vec<u8>, SerdeError> {
    let values = to_values(x)?;
    Ok(pack(&values)?.to_vec())
}

/// Both entry points against the reference (into an empty buffer and after other bytes).
fn agrees<T: Serialize + ?Sized>(x: &T) -> Result<(), TestCaseError> {
    let want = reference(x);
    prop_assert_eq!(to_payload(x).map(|b| b.to_vec()), want.clone());
    let mut out = BytesMut::from(&b"before"[..]);
    let got = to_payload_into(x, &mut out).map(|()| out[6..].to_vec());
    prop_assert_eq!(got.clone(), want);
    if got.is_err() {
        prop_assert_eq!(&out[..], b"before");
    }
    Ok(())
}

/// A Rust value of every shape the mapping has, serialized as its variant's content.
#[derive(Serialize, Debug, Clone)]
#[serde(untagged)]
enum Node {
    Unit(()),
    Bool(bool),
    Int(i64),
    Big(u64),
    Wide(i128),
    Real(f64),
    Str(String),
    Char(char),
    Opt(Option<Box<Node>>),
    List(Vec<Node>),
    Map(BTreeMap<String, Node>),
    Fields(Fields),
    Tagged(Tagged),
    Hinted(Hinted),
    Pairs(Pairs),
    Raw(Value),
}

#[derive(Serialize, Debug, Clone)]
struct Fields {
    a: Option<Box<Node>>,
    name: String,
    b: Box<Node>,
}

#[derive(Serialize, Debug, Clone)]
enum Tagged {
    Unit,
    New(Box<Node>),
    Tuple(Box<Node>, Option<i8>),
    Named { x: Box<Node>, y: Option<u8> },
}

/// A sequence that gives `hint` as its length, right or not.
#[derive(Debug, Clone)]
struct Hinted {
    hint: Option<usize>,
    items: Vec<Node>,
}

impl Serialize for Hinted {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(self.hint)?;
        for item in &self.items {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

/// A map with keys of any shape (nil, NaN, tables, ...).
#[derive(Debug, Clone)]
struct Pairs(Vec<(Node, Node)>);

impl Serialize for Pairs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

fn real() -> impl Strategy<Value = f64> {
    prop_oneof![any::<f64>(), Just(f64::NAN), Just(-0.0), Just(3.0)]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,40}",
        // Around the short/long string boundary (32) and long strings.
        (30usize..34).prop_map(|n| "y".repeat(n)),
        Just("x".repeat(70_000)),
    ]
}

fn raw_value() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        Just(Value::Nil),
        any::<i64>().prop_map(Value::Integer),
        real().prop_map(Value::Real),
        "[a-z]{0,4}".prop_map(Value::from),
        any::<u64>().prop_map(Value::LightUserdata),
    ];
    scalar.prop_recursive(3, 16, 4, |inner| {
        (
            prop::collection::vec(inner.clone(), 0..4),
            // Keys as they come: nil and NaN ones too, which `pack` refuses.
            prop::collection::vec((inner.clone(), inner), 0..3),
        )
            .prop_map(|(array, hash)| Value::Table(Table { array, hash }))
    })
}

fn leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        Just(Node::Unit(())),
        any::<bool>().prop_map(Node::Bool),
        any::<i64>().prop_map(Node::Int),
        prop_oneof![0..=i64::MAX as u64, Just(u64::MAX)].prop_map(Node::Big),
        prop_oneof![Just(i128::from(i64::MIN)), Just(i128::from(i64::MIN) - 1)]
            .prop_map(Node::Wide),
        real().prop_map(Node::Real),
        text().prop_map(Node::Str),
        any::<char>().prop_map(Node::Char),
        Just(Node::Opt(None)),
        Just(Node::Tagged(Tagged::Unit)),
        raw_value().prop_map(Node::Raw),
    ]
}

fn node() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        let boxed = inner.clone().prop_map(Box::new);
        prop_oneof![
            inner.clone().prop_map(|n| Node::Opt(Some(Box::new(n)))),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Node::List),
            // Arrays longer than a table head's cookie holds (31).
            prop::collection::vec(inner.clone(), 29..34).prop_map(Node::List),
            prop::collection::btree_map("[a-c]{0,2}", inner.clone(), 0..4).prop_map(Node::Map),
            (prop::option::of(boxed.clone()), "[a-z]{0,3}", boxed.clone())
                .prop_map(|(a, name, b)| Node::Fields(Fields { a, name, b })),
            boxed.clone().prop_map(|n| Node::Tagged(Tagged::New(n))),
            (boxed.clone(), any::<Option<i8>>())
                .prop_map(|(n, o)| Node::Tagged(Tagged::Tuple(n, o))),
            (boxed, any::<Option<u8>>()).prop_map(|(x, y)| Node::Tagged(Tagged::Named { x, y })),
            (
                prop_oneof![Just(None), (0usize..40).prop_map(Some)],
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5),
                    prop::collection::vec(inner.clone(), 28..36),
                ],
            )
                .prop_map(|(hint, items)| Node::Hinted(Hinted { hint, items })),
            prop::collection::vec((inner.clone(), inner), 0..4).prop_map(|p| Node::Pairs(Pairs(p))),
        ]
    })
}

/// How one level of nesting wraps what is inside.
#[derive(Debug, Clone, Copy)]
enum Wrap {
    List,
    Field,
    OptionalField,
    Entry,
    Variant,
}

fn wrap(n: Node, how: Wrap) -> Node {
    match how {
        Wrap::List => Node::List(vec![n]),
        Wrap::Field => Node::Fields(Fields {
            a: None,
            name: "n".into(),
            b: Box::new(n),
        }),
        Wrap::OptionalField => Node::Fields(Fields {
            a: Some(Box::new(n)),
            name: String::new(),
            b: Box::new(Node::Opt(None)),
        }),
        Wrap::Entry => Node::Map(BTreeMap::from([("k".into(), n)])),
        Wrap::Variant => Node::Tagged(Tagged::New(Box::new(n))),
    }
}

/// A value nested around skynet's limit: 28 to 35 tables, the innermost holding a nil
/// (left out of a hash, kept in an array), a scalar, or an empty table.
fn deep() -> impl Strategy<Value = Node> {
    let how = prop_oneof![
        Just(Wrap::List),
        Just(Wrap::Field),
        Just(Wrap::OptionalField),
        Just(Wrap::Entry),
        Just(Wrap::Variant),
    ];
    let innermost = prop_oneof![
        Just(Node::Opt(None)),
        Just(Node::Int(1)),
        Just(Node::List(vec![])),
        Just(Node::Map(BTreeMap::new())),
        Just(Node::Raw(Value::Nil)),
        Just(Node::Raw(Value::array(vec![Value::from(1)]))),
    ];
    (innermost, prop::collection::vec(how, 28..36))
        .prop_map(|(n, hows)| hows.into_iter().fold(n, wrap))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn one_value_packs_as_its_tree(n in node()) {
        agrees(&n)?;
    }

    #[test]
    fn argument_lists_pack_as_their_trees(
        ns in prop::collection::vec(node(), 0..4),
        cmd in "[a-z]{0,6}",
    ) {
        agrees(&ns)?;
        agrees(&(cmd.as_str(), &ns))?;
        if let [a, b, ..] = &ns[..] {
            agrees(&(a, Some(b), None::<u8>, ()))?;
        }
    }

    #[test]
    fn nesting_around_the_limit_packs_as_its_tree(n in deep(), m in deep()) {
        agrees(&n)?;
        agrees(&("deep", &n, &m))?;
    }
}

/// Cases the generators may miss, each checked against the reference and against what
/// skynet's rules give.
#[test]
fn edges_against_the_reference_and_skynet() {
    #[derive(Serialize)]
    struct S {
        a: Option<i32>,
        b: (),
        c: i32,
    }
    // Nil fields left out: `{c = 5}` is table head, "c", 5, end.
    let s = S {
        a: None,
        b: (),
        c: 5,
    };
    assert_eq!(
        to_payload(&s).unwrap()[..],
        [0x06, 0x0c, b'c', 0x0a, 0x05, 0x00]
    );
    agrees(&s).unwrap();

    // `None` as a variant's content is kept: `{New = nil}`.
    #[derive(Serialize)]
    enum E {
        New(Option<u8>),
    }
    assert_eq!(
        to_payload(&E::New(None)).unwrap()[..],
        [0x06, 0x1c, b'N', b'e', b'w', 0x00, 0x00]
    );

    // A sequence of unknown length, longer than a head's cookie: escaped head (after the
    // argument "h").
    let h = Hinted {
        hint: None,
        items: vec![Node::Int(0); 40],
    };
    let p = to_payload(&("h", &h)).unwrap();
    assert_eq!(p[..5], [0x0c, b'h', 0x06 | (31 << 3), 0x0a, 40]);
    assert_eq!(p.len(), 5 + 40 + 1);
    agrees(&("h", &h)).unwrap();

    // An empty table in 32 tables packs; one item in it is too deep.
    let nest = |inner: Node| ((0..32).fold(inner, |n, _| Node::List(vec![n])),);
    assert!(to_payload(&nest(Node::List(vec![]))).is_ok());
    assert_eq!(
        to_payload(&nest(Node::List(vec![Node::Opt(None)]))),
        Err(SerdeError::Encode(EncodeError::TooDeep { depth: 33 }))
    );

    // Keys `pack` refuses, and the serializer's own errors.
    let nan = Pairs(vec![(Node::Real(f64::NAN), Node::Int(1))]);
    assert_eq!(
        to_payload(&nan),
        Err(SerdeError::Encode(EncodeError::NanKey))
    );
    let nil = Pairs(vec![(Node::Opt(None), Node::Int(1))]);
    assert_eq!(to_payload(&nil), Err(SerdeError::NilKey));
    assert!(matches!(
        to_payload(&("x", u64::MAX)),
        Err(SerdeError::IntegerOutOfRange { .. })
    ));
    // A NaN key whose value is nil is left out with its pair, as in the tree.
    agrees(&Pairs(vec![(Node::Real(f64::NAN), Node::Opt(None))])).unwrap();
}
