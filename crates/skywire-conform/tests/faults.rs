//! The suite against nodes: a skywire node serving the contract and the faulty node with
//! no fault pass every case; each deliberate fault fails exactly the cases named for it
//! (and each case that can fail is named for some fault or for skynet behaviour).

use std::collections::BTreeSet;
use std::time::Duration;

use skywire_conform::faulty::{serve, Fault};
use skywire_conform::{cases, run, selected, Outcome, Target};
use tokio::net::TcpListener;

fn target(addr: std::net::SocketAddr) -> Target {
    Target {
        addr,
        case_timeout: Duration::from_secs(3),
        settle: Duration::from_millis(150),
    }
}

/// The IDs of the cases that failed, with what they said (for the assertion message).
async fn failures(addr: std::net::SocketAddr) -> (BTreeSet<String>, String) {
    let reports = run(&cases::all(), &target(addr), |_| {}).await;
    let mut ids = BTreeSet::new();
    let mut text = String::new();
    for r in &reports {
        if let Outcome::Fail(f) = &r.outcome {
            ids.insert(r.id.clone());
            text.push_str(&format!("{}: {f}\n", r.id));
        }
    }
    (ids, text)
}

async fn faulty(fault: Option<Fault>) -> (BTreeSet<String>, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let node = tokio::spawn(serve(listener, fault));
    let got = failures(addr).await;
    node.abort();
    got
}

/// The cases `patterns` select (IDs, `prefix/`, `prefix*`).
fn expected(patterns: &[&str]) -> BTreeSet<String> {
    let patterns: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
    let set: BTreeSet<String> = cases::all()
        .into_iter()
        .map(|c| c.id)
        .filter(|id| selected(id, &patterns))
        .collect();
    assert!(!set.is_empty(), "{patterns:?} selects nothing");
    set
}

async fn check(fault: Fault, patterns: &[&str]) {
    let (got, text) = faulty(Some(fault)).await;
    let want = expected(patterns);
    assert_eq!(got, want, "{}: failures were\n{text}", fault.name());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skywire_node_passes_every_case() {
    let node = skywire_node::Node::new();
    skywire_conform::contract::register(&node).unwrap();
    let listener = node.listen("127.0.0.1:0").await.unwrap();
    let (got, text) = failures(listener.local_addr()).await;
    assert!(got.is_empty(), "failures:\n{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faulty_node_without_a_fault_passes_every_case() {
    let (got, text) = faulty(None).await;
    assert!(got.is_empty(), "failures:\n{text}");
}

/// One test a fault: `name: Fault => patterns;` checks that the faulty node with that fault
/// fails exactly the cases `patterns` select (see [`check`]).
macro_rules! fault_tests {
    ($($name:ident: $fault:ident => $patterns:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            check(Fault::$fault, $patterns).await;
        }
    )*};
}

/// Every case whose payloads go multi-part in one direction or the other.
const MULTI_PART_CASES: &[&str] = &[
    "request/multipart/",
    "response/multipart/",
    "value/string/long2/65535",
    "value/string/long4/",
    "push/multipart/",
    "push/mixed",
    "trace/multipart",
    "session/near-max-multipart",
    "interleave/",
    "concurrency/100-calls",
];

/// Cases with a message of three parts or more.
const THREE_PARTS: &[&str] = &[
    "request/multipart/0x10001-3-parts",
    "request/multipart/0x17fff-3-parts",
    "request/multipart/0x18*",
    "request/multipart/1mib-32-parts",
    "request/multipart/by-address",
    "value/string/long2/65535",
    "value/string/long4/",
    "push/multipart/at-name",
    "push/mixed",
    "trace/multipart",
    "interleave/multipart-requests",
];

fault_tests! {
    fragmenting_at_0x7fff: FragmentAt7fff => &[MULTI_PART_CASES, &["response/small/0x8000"]].concat();
    losing_the_tail_past_two_parts: LosesTailPastTwoParts => &[
        THREE_PARTS,
        &[
            "response/multipart/0x10001-3-parts",
            "response/multipart/0x17fff-3-parts",
            "response/multipart/0x18*",
            "response/multipart/0x1fffe-4-parts",
            "response/multipart/1mib-32-parts",
            "interleave/large-response-and-small",
        ],
    ]
    .concat();
    miscounting_request_parts: MiscountsRequestParts => THREE_PARTS;
    answering_pushes: AnswersPushes => &["push/"];
    a_trace_tag_eating_the_next_request: TraceEatsNextRequest => &["trace/"];
    a_32_bit_integer_at_2_to_31: IntegerWidthAt2To31 => &[
        "value/integer/i64/2147483648",
        "value/integer/i64/4294967295",
    ];
    long_strings_with_a_2_byte_length: LongStringTwoByteLength => &[
        "value/string/long4/",
        "request/multipart/0x17fff-3-parts",
        "request/multipart/0x18*",
        "request/multipart/1mib-32-parts",
        "response/multipart/0x17fff-3-parts",
        "response/multipart/0x18*",
        "response/multipart/0x1fffe-4-parts",
        "response/multipart/1mib-32-parts",
        "interleave/",
    ];
    never_answering_queries: NeverAnswersQueries => &[
        "query/",
        "target/address",
        "request/multipart/by-address",
        "push/small/address",
        "push/multipart/address",
    ];
    closing_on_an_unknown_target: ClosesOnUnknownTarget => &[
        "target/unknown-*",
        "target/long-name",
        "push/unknown-name",
        "push/unknown-address",
    ];
    sixteen_bit_sessions: SixteenBitSessions => &["session/near-max*"];
    answering_in_request_order: AnswersInRequestOrder => &["response/order/completion"];
    dying_on_bad_input: DiesOnBadInput => &["hostile/"];
}

#[test]
fn every_fault_has_a_test_and_a_name() {
    let names: BTreeSet<_> = Fault::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(names.len(), Fault::ALL.len());
    for f in Fault::ALL {
        assert_eq!(Fault::from_name(f.name()), Some(f));
    }
}
