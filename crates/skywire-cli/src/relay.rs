//! The forwarding core of `skywire proxy`: every accepted connection relayed to an upstream
//! node byte for byte, both directions taken apart as they pass, with faults injected on
//! request.
//!
//! Each accepted connection gets one upstream connection and one task. Each direction
//! (requests: caller to upstream; responses: upstream to caller) reads into one fixed-size
//! buffer and writes all of it before reading again, so the proxy never holds more than a
//! buffer per direction and never reads faster than the other side takes the bytes: a slow
//! reader slows the writer down, as it would without the proxy.
//!
//! What passes is reported as [`Event`]s on a bounded channel (a slow consumer slows the
//! relay down too): connections opening and closing, each chunk forwarded (when asked, for
//! a capture file) and each whole message, decoded with a [`StreamDissector`] once its last
//! frame has been forwarded. A direction that stops decoding (bytes that are not the
//! cluster protocol) is reported once ([`Event::Undecodable`]) and still forwarded unchanged.
//!
//! [`Faults`] change what is forwarded: hold each chunk ([`Faults::delay`]), close after a
//! number of bytes or inside a frame ([`Faults::cut_after`], [`Faults::cut_mid_frame`]),
//! reset after a number of messages ([`Faults::reset_every`]), stop reading
//! ([`Faults::stall`]). Each applies to the [`Directions`] it is given.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use skywire_capture::dissect::{Decoded, StreamDissector};
use skywire_capture::pcap::Side;

/// Bytes each direction of a connection reads at a time (its one buffer).
pub const BUFFER_SIZE: usize = 16 * 1024;

/// Which directions of a connection a fault applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Directions {
    /// Caller to upstream.
    pub requests: bool,
    /// Upstream to caller.
    pub responses: bool,
}

impl Directions {
    /// Both directions.
    pub const BOTH: Directions = Directions {
        requests: true,
        responses: true,
    };
    /// The request direction only.
    pub const REQUESTS: Directions = Directions {
        requests: true,
        responses: false,
    };
    /// The response direction only.
    pub const RESPONSES: Directions = Directions {
        requests: false,
        responses: true,
    };

    /// True when `side` is one of them.
    pub fn has(self, side: Side) -> bool {
        match side {
            Side::Requests => self.requests,
            Side::Responses => self.responses,
        }
    }
}

/// When a direction stops being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stall {
    /// Once its first whole message has been forwarded (with the rest of that chunk).
    AfterFirstMessage,
    /// Once this many bytes of it have been forwarded.
    AfterBytes(u64),
}

/// Faults to inject; the default injects none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Hold each chunk this long before forwarding it (in `delay_on`).
    pub delay: Option<Duration>,
    /// Where [`delay`](Self::delay) applies.
    pub delay_on: Directions,
    /// Close both sides once this many bytes have been forwarded on a connection (counting
    /// the directions in `cut_on` together).
    pub cut_after: Option<u64>,
    /// Close both sides after forwarding the first byte of this frame (1 = the first) of a
    /// direction in `cut_on` (each direction counts its own frames).
    pub cut_mid_frame: Option<u64>,
    /// Where the cuts apply.
    pub cut_on: Directions,
    /// Reset both sides (RST) once this many messages have been forwarded on a connection
    /// (counting the directions in `reset_on` together), right after the last one's end.
    pub reset_every: Option<u64>,
    /// Which messages [`reset_every`](Self::reset_every) counts.
    pub reset_on: Directions,
    /// Stop reading a direction in `stall_on`: the sender's writes back up, as against a
    /// slow reader.
    pub stall: Option<Stall>,
    /// Where [`stall`](Self::stall) applies.
    pub stall_on: Directions,
}

/// How a connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Both directions reached their end (each end was passed on as a FIN).
    Finished,
    /// A stalled direction's other side went away: closed.
    Abandoned,
    /// Closed by [`Faults::cut_after`] / [`Faults::cut_mid_frame`].
    Cut,
    /// Reset by [`Faults::reset_every`].
    Reset,
    /// The upstream could not be reached: the caller's connection was closed.
    Unreachable(String),
    /// Reading or writing failed (e.g. a peer reset): both sides were reset.
    Failed(String),
}

impl Ending {
    /// True when the proxy closed the sockets with RST (linger 0) rather than FIN.
    pub fn is_reset(&self) -> bool {
        matches!(self, Ending::Reset | Ending::Failed(_))
    }
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ending::Finished => f.write_str("finished"),
            Ending::Abandoned => f.write_str("closed (the other side went away while stalled)"),
            Ending::Cut => f.write_str("cut (closed by --cut-after / --cut-mid-frame)"),
            Ending::Reset => f.write_str("reset (by --reset-every)"),
            Ending::Unreachable(e) => write!(f, "upstream unreachable: {e}"),
            Ending::Failed(e) => write!(f, "failed: {e}"),
        }
    }
}

/// When something happened: the wall clock (for printing) and the monotonic clock (for
/// measuring).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// Wall-clock time.
    pub wall: SystemTime,
    /// Monotonic time.
    pub mono: Instant,
}

impl Stamp {
    /// Now.
    pub fn now() -> Stamp {
        Stamp {
            wall: SystemTime::now(),
            mono: Instant::now(),
        }
    }
}

/// What the relay reports, in order per connection and direction.
#[derive(Debug)]
pub enum Event {
    /// A connection was accepted and its upstream connection made.
    Open {
        /// Connection number, from 0 in order of acceptance.
        conn: usize,
        /// The caller.
        client: SocketAddr,
        /// The proxy's address on the accepted connection.
        local: SocketAddr,
        /// The upstream node.
        upstream: SocketAddr,
        /// When.
        at: Stamp,
    },
    /// Bytes forwarded (only with [`RelayConfig::chunks`]).
    Data {
        /// Connection number.
        conn: usize,
        /// Direction.
        side: Side,
        /// The bytes.
        data: Vec<u8>,
        /// When they had been written.
        at: Stamp,
    },
    /// A direction's end (FIN) was passed on.
    Eof {
        /// Connection number.
        conn: usize,
        /// Direction.
        side: Side,
        /// When.
        at: Stamp,
    },
    /// A whole message, once its last frame had been forwarded.
    Message {
        /// Connection number.
        conn: usize,
        /// Direction.
        side: Side,
        /// The message.
        message: Box<Decoded>,
        /// When its last frame had been written.
        at: Stamp,
    },
    /// A direction stopped decoding (reported once; its bytes are still forwarded).
    Undecodable {
        /// Connection number.
        conn: usize,
        /// Direction.
        side: Side,
        /// Why.
        error: String,
        /// When.
        at: Stamp,
    },
    /// The connection is over (both sockets closed).
    Closed {
        /// Connection number.
        conn: usize,
        /// How.
        how: Ending,
        /// When.
        at: Stamp,
    },
}

/// What a [`Relay`] needs.
#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// The upstream node, `HOST:PORT`.
    pub upstream: String,
    /// Faults to inject.
    pub faults: Faults,
    /// Report every chunk forwarded ([`Event::Data`]), for a capture file.
    pub chunks: bool,
}

/// Relays connections to the upstream node (see the [module docs](self)).
#[derive(Debug)]
pub struct Relay {
    config: RelayConfig,
    events: mpsc::Sender<Event>,
}

/// What the two directions of a connection share.
#[derive(Debug, Default, Clone)]
struct ConnState {
    ending: Option<Ending>,
    /// Direction done (its end passed on), by [`Side::index`].
    done: [bool; 2],
}

struct Shared {
    state: watch::Sender<ConnState>,
    /// Bytes counted for the cut, both directions.
    cut_bytes: AtomicU64,
    /// Messages counted for the reset, both directions.
    messages: AtomicU64,
}

impl Shared {
    /// Ends the connection (the first ending given wins).
    fn end(&self, how: Ending) {
        self.state.send_modify(|s| {
            if s.ending.is_none() {
                s.ending = Some(how);
            }
        });
    }
}

/// Counts frame starts in a stream (2-byte big-endian length, then the body), whatever the
/// bodies hold.
#[derive(Debug, Default)]
struct FrameWalker {
    header_have: u8,
    header_first: u8,
    body_left: usize,
    started: u64,
}

impl FrameWalker {
    /// Walks `chunk`; the offset in it of the first byte of frame number `n` (from 1), if
    /// that frame starts in it (the walk stops there).
    fn find_start(&mut self, chunk: &[u8], n: u64) -> Option<usize> {
        let mut i = 0;
        while i < chunk.len() {
            if self.body_left > 0 {
                let skip = self.body_left.min(chunk.len() - i);
                self.body_left -= skip;
                i += skip;
                continue;
            }
            let b = chunk[i];
            if self.header_have == 0 {
                self.started += 1;
                if self.started == n {
                    return Some(i);
                }
                self.header_first = b;
                self.header_have = 1;
            } else {
                self.body_left = usize::from(u16::from_be_bytes([self.header_first, b]));
                self.header_have = 0;
            }
            i += 1;
        }
        None
    }
}

/// What a chunk turned out to hold, reported once it has been forwarded.
#[derive(Debug)]
enum Found {
    /// A message, with the offset in the chunk just past its last frame.
    Message(usize, Box<Decoded>),
    /// The direction stopped decoding here.
    Undecodable(String),
}

/// What to do once a chunk has been forwarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum After {
    Go,
    Cut,
    Reset,
    Stall,
}

/// One direction of a connection.
struct Pump<'a> {
    relay: &'a Relay,
    conn: usize,
    side: Side,
    shared: &'a Shared,
    dissector: Option<StreamDissector>,
    walker: FrameWalker,
    /// Bytes forwarded so far.
    forwarded: u64,
    /// Messages forwarded so far.
    messages: u64,
}

impl Relay {
    /// A relay reporting on `events`.
    pub fn new(config: RelayConfig, events: mpsc::Sender<Event>) -> Relay {
        Relay { config, events }
    }

    /// Accepts connections on `listener` and relays each in its own task, numbered from 0;
    /// returns only when accepting fails.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> std::io::Result<()> {
        let mut next = 0usize;
        loop {
            let (stream, peer) = listener.accept().await?;
            let conn = next;
            next += 1;
            let relay = Arc::clone(&self);
            tokio::spawn(async move { relay.connection(conn, stream, peer).await });
        }
    }

    async fn send(&self, e: Event) {
        // A consumer that went away just stops the reports, not the relaying.
        let _ = self.events.send(e).await;
    }

    /// Relays one accepted connection until it is over.
    pub async fn connection(&self, conn: usize, mut client: TcpStream, peer: SocketAddr) {
        let local = client.local_addr().unwrap_or(peer);
        let mut upstream = match TcpStream::connect(&self.config.upstream).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(conn, upstream = %self.config.upstream, "cannot connect: {e}");
                drop(client);
                let how = Ending::Unreachable(e.to_string());
                self.send(Event::Closed {
                    conn,
                    how,
                    at: Stamp::now(),
                })
                .await;
                return;
            }
        };
        let _ = client.set_nodelay(true);
        let _ = upstream.set_nodelay(true);
        let upstream_addr = upstream.peer_addr().unwrap_or(local);
        tracing::debug!(conn, %peer, upstream = %upstream_addr, "connection");
        self.send(Event::Open {
            conn,
            client: peer,
            local,
            upstream: upstream_addr,
            at: Stamp::now(),
        })
        .await;
        let shared = Shared {
            state: watch::Sender::new(ConnState::default()),
            cut_bytes: AtomicU64::new(0),
            messages: AtomicU64::new(0),
        };
        {
            let (cr, cw) = client.split();
            let (ur, uw) = upstream.split();
            let requests = Pump::new(self, conn, Side::Requests, &shared);
            let responses = Pump::new(self, conn, Side::Responses, &shared);
            tokio::join!(requests.run(cr, uw), responses.run(ur, cw));
        }
        let how = shared
            .state
            .borrow()
            .ending
            .clone()
            .unwrap_or(Ending::Finished);
        if how.is_reset() {
            reset_on_close(&client);
            reset_on_close(&upstream);
        }
        drop(client);
        drop(upstream);
        tracing::debug!(conn, %how, "closed");
        self.send(Event::Closed {
            conn,
            how,
            at: Stamp::now(),
        })
        .await;
    }
}

/// Linger 0: closing the socket sends RST instead of FIN.
fn reset_on_close(s: &TcpStream) {
    let _ = s.set_zero_linger();
}

impl<'a> Pump<'a> {
    fn new(relay: &'a Relay, conn: usize, side: Side, shared: &'a Shared) -> Self {
        let dissector = match side {
            Side::Requests => StreamDissector::requests(false),
            Side::Responses => StreamDissector::responses(false),
        };
        Pump {
            relay,
            conn,
            side,
            shared,
            dissector: Some(dissector),
            walker: FrameWalker::default(),
            forwarded: 0,
            messages: 0,
        }
    }

    fn faults(&self) -> &Faults {
        &self.relay.config.faults
    }

    /// Resolves once the connection is ending (or, with `or_other_done`, once the other
    /// direction is done).
    async fn ending(&self, or_other_done: bool) {
        let other = 1 - self.side.index();
        let mut rx = self.shared.state.subscribe();
        let _ = rx
            .wait_for(|s| s.ending.is_some() || (or_other_done && s.done[other]))
            .await;
    }

    async fn run<R, W>(mut self, mut from: R, mut to: W)
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let mut buf = vec![0u8; BUFFER_SIZE];
        loop {
            let n = tokio::select! {
                r = from.read(&mut buf) => r,
                () = self.ending(false) => return,
            };
            let n = match n {
                Ok(0) => {
                    let _ = to.shutdown().await;
                    self.send(Event::Eof {
                        conn: self.conn,
                        side: self.side,
                        at: Stamp::now(),
                    })
                    .await;
                    self.shared.state.send_modify(|s| {
                        s.done[self.side.index()] = true;
                    });
                    return;
                }
                Ok(n) => n,
                Err(e) => return self.fail(format!("reading the {}: {e}", self.side)),
            };
            let (limit, messages, mut after) = self.plan(&buf[..n]);
            if let (Some(d), true) = (self.faults().delay, self.faults().delay_on.has(self.side)) {
                tokio::select! {
                    () = tokio::time::sleep(d) => {}
                    () = self.ending(false) => return,
                }
            }
            if limit > 0 {
                tokio::select! {
                    r = to.write_all(&buf[..limit]) => {
                        if let Err(e) = r {
                            return self.fail(format!("writing the {}: {e}", self.side));
                        }
                    }
                    () = self.ending(false) => return,
                }
                let _ = to.flush().await;
            }
            self.report(&buf[..limit], messages).await;
            self.forwarded += limit as u64;
            if after == After::Go {
                after = self.stall_after();
            }
            match after {
                After::Go => {}
                After::Cut => return self.shared.end(Ending::Cut),
                After::Reset => return self.shared.end(Ending::Reset),
                After::Stall => {
                    tracing::debug!(conn = self.conn, side = %self.side, "stalled");
                    self.ending(true).await;
                    return self.shared.end(Ending::Abandoned);
                }
            }
        }
    }

    fn fail(&self, why: String) {
        tracing::debug!(conn = self.conn, "{why}");
        self.shared.end(Ending::Failed(why));
    }

    /// Whether the stall begins now.
    fn stall_after(&self) -> After {
        if !self.faults().stall_on.has(self.side) {
            return After::Go;
        }
        match self.faults().stall {
            Some(Stall::AfterFirstMessage) if self.messages >= 1 => After::Stall,
            Some(Stall::AfterBytes(b)) if self.forwarded >= b => After::Stall,
            _ => After::Go,
        }
    }

    /// How much of a chunk just read to forward, the messages it completes (with their
    /// end offsets in the chunk), and what to do after forwarding it.
    fn plan(&mut self, chunk: &[u8]) -> (usize, Vec<Found>, After) {
        let f = *self.faults();
        let mut limit = chunk.len();
        let mut after = After::Go;
        if f.cut_on.has(self.side) {
            if let Some(max) = f.cut_after {
                let before = self
                    .shared
                    .cut_bytes
                    .fetch_add(limit as u64, Ordering::SeqCst);
                let allowed = max.saturating_sub(before);
                if allowed <= limit as u64 {
                    // `allowed` is at most `limit`, a usize.
                    limit = allowed as usize;
                    after = After::Cut;
                }
            }
            if let Some(n) = f.cut_mid_frame {
                if let Some(at) = self.walker.find_start(&chunk[..limit], n) {
                    limit = at + 1;
                    after = After::Cut;
                }
            }
        }
        if let (Some(Stall::AfterBytes(b)), true) = (f.stall, f.stall_on.has(self.side)) {
            let allowed = b.saturating_sub(self.forwarded);
            if allowed <= limit as u64 && after == After::Go {
                limit = allowed as usize;
                after = After::Stall;
            }
        }
        let mut messages = Vec::new();
        self.decode(&chunk[..limit], &mut messages);
        if let (Some(every), true) = (f.reset_every, f.reset_on.has(self.side)) {
            for (i, found) in messages.iter().enumerate() {
                let Found::Message(end, _) = found else {
                    continue;
                };
                let count = self.shared.messages.fetch_add(1, Ordering::SeqCst) + 1;
                if count >= every {
                    limit = *end;
                    after = After::Reset;
                    messages.truncate(i + 1);
                    break;
                }
            }
        }
        (limit, messages, after)
    }

    /// Feeds the dissector; the messages completed, with their end offsets in `chunk`.
    fn decode(&mut self, chunk: &[u8], out: &mut Vec<Found>) {
        let Some(d) = &mut self.dissector else { return };
        d.feed(chunk);
        loop {
            match d.next_step() {
                Ok(None) => return,
                Ok(Some(step)) => {
                    if let Some(m) = step.message {
                        let end = step.frame.offset + step.frame.wire_len() as u64;
                        let rel = end.saturating_sub(self.forwarded);
                        out.push(Found::Message(
                            usize::try_from(rel).unwrap_or(chunk.len()),
                            Box::new(m),
                        ));
                    }
                }
                Err(e) => {
                    tracing::debug!(conn = self.conn, side = %self.side, "stopped decoding: {e}");
                    self.dissector = None;
                    out.push(Found::Undecodable(e.to_string()));
                    return;
                }
            }
        }
    }

    async fn send(&self, e: Event) {
        self.relay.send(e).await;
    }

    async fn report(&mut self, data: &[u8], found: Vec<Found>) {
        let at = Stamp::now();
        let (conn, side) = (self.conn, self.side);
        if self.relay.config.chunks && !data.is_empty() {
            let data = data.to_vec();
            self.send(Event::Data {
                conn,
                side,
                data,
                at,
            })
            .await;
        }
        for f in found {
            let e = match f {
                Found::Undecodable(error) => Event::Undecodable {
                    conn,
                    side,
                    error,
                    at,
                },
                Found::Message(_, message) => {
                    self.messages += 1;
                    Event::Message {
                        conn,
                        side,
                        message,
                        at,
                    }
                }
            };
            self.send(e).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walker_finds_frame_starts_across_chunks() {
        // Frames: len 2 "ab", len 0, len 1 "c".
        let stream = b"\x00\x02ab\x00\x00\x00\x01c";
        for n in 1..=3u64 {
            let want = [0usize, 4, 6][(n - 1) as usize];
            for cut in 0..stream.len() {
                let mut w = FrameWalker::default();
                let got = match w.find_start(&stream[..cut], n) {
                    Some(at) => Some(at),
                    None => w.find_start(&stream[cut..], n).map(|at| at + cut),
                };
                assert_eq!(got, Some(want), "frame {n}, cut at {cut}");
            }
        }
        assert_eq!(FrameWalker::default().find_start(stream, 4), None);
    }
}
