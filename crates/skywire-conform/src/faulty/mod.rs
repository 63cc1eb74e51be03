//! A node that serves the contract and breaks one rule on purpose: proof that the cases
//! can fail. Each [`Fault`] is a wire bug seen in other implementations of this protocol;
//! `tests/faults.rs` runs the whole suite against each and checks that exactly the cases
//! named for it fail.
//!
//! With no fault it is a second, small implementation of the serving side (the codec's
//! request decoder, the contract's services, its own response framing) and passes every
//! case. It is a test instrument, not a node to deploy: `skywire node --conform --fault
//! NAME` runs it, and that flag is hidden from `--help`.

mod conn;
mod encode;

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::Notify;

/// One deliberate departure from the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Responses go multi-part above 0x7fff bytes, in parts of 0x7fff (skynet: above
    /// 0x8000, parts of 0x8000).
    FragmentAt7fff,
    /// A response of three or more parts loses its last part; the one before is marked last.
    LosesTailPastTwoParts,
    /// Request parts are counted wrong past two: the second `0x02` part of a message is
    /// taken as its last.
    MiscountsRequestParts,
    /// Pushes are answered (an empty ok response with the push's session).
    AnswersPushes,
    /// A trace packet swallows the request after it.
    TraceEatsNextRequest,
    /// Integers from 2^31 to 2^32 - 1 are written as 32-bit (the bits of a negative i32).
    IntegerWidthAt2To31,
    /// Top-level strings of 64 KiB and more are written with a 2-byte length.
    LongStringTwoByteLength,
    /// Name queries (address 0) are never answered.
    NeverAnswersQueries,
    /// A request to an unknown name or address closes the connection.
    ClosesOnUnknownTarget,
    /// Response sessions are cut to 16 bits.
    SixteenBitSessions,
    /// Responses go out in request order, each waiting for the ones before.
    AnswersInRequestOrder,
    /// The first undecodable packet stops the whole node (it stops accepting).
    DiesOnBadInput,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 12] = [
        Fault::FragmentAt7fff,
        Fault::LosesTailPastTwoParts,
        Fault::MiscountsRequestParts,
        Fault::AnswersPushes,
        Fault::TraceEatsNextRequest,
        Fault::IntegerWidthAt2To31,
        Fault::LongStringTwoByteLength,
        Fault::NeverAnswersQueries,
        Fault::ClosesOnUnknownTarget,
        Fault::SixteenBitSessions,
        Fault::AnswersInRequestOrder,
        Fault::DiesOnBadInput,
    ];

    /// Its name on the command line (`fragment-at-0x7fff`).
    pub fn name(self) -> &'static str {
        match self {
            Fault::FragmentAt7fff => "fragment-at-0x7fff",
            Fault::LosesTailPastTwoParts => "loses-tail-past-two-parts",
            Fault::MiscountsRequestParts => "miscounts-request-parts",
            Fault::AnswersPushes => "answers-pushes",
            Fault::TraceEatsNextRequest => "trace-eats-next-request",
            Fault::IntegerWidthAt2To31 => "integer-width-at-2^31",
            Fault::LongStringTwoByteLength => "long-string-2-byte-length",
            Fault::NeverAnswersQueries => "never-answers-queries",
            Fault::ClosesOnUnknownTarget => "closes-on-unknown-target",
            Fault::SixteenBitSessions => "16-bit-sessions",
            Fault::AnswersInRequestOrder => "answers-in-request-order",
            Fault::DiesOnBadInput => "dies-on-bad-input",
        }
    }

    /// The fault named `name`.
    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Serves the contract on `listener`, with `fault` (or none), until the task is dropped
/// (or, with [`Fault::DiesOnBadInput`], until the first bad packet).
pub async fn serve(listener: TcpListener, fault: Option<Fault>) {
    let die = Arc::new(Notify::new());
    let services = Arc::new(conn::Services::default());
    loop {
        let accepted = tokio::select! {
            biased;
            _ = die.notified() => return,
            a = listener.accept() => a,
        };
        let Ok((sock, peer)) = accepted else { continue };
        let (services, die) = (services.clone(), die.clone());
        tokio::spawn(async move {
            let bad_input = conn::serve_connection(sock, peer, fault, services).await;
            if bad_input && fault == Some(Fault::DiesOnBadInput) {
                die.notify_one();
            }
        });
    }
}
