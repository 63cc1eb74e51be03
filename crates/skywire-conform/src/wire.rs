//! A client connection to the node under test that checks every response byte against the
//! spec's rules itself (spec/protocol.md §3), independently of `skywire-codec`'s decoders,
//! which accept more than skynet sends.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use skywire_codec::{Request, MULTI_PART};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::case::Failure;

/// Response packet types (spec/protocol.md §3).
const ERROR: u8 = 0;
const OK: u8 = 1;
const BEGIN: u8 = 2;
const PART: u8 = 3;
const LAST: u8 = 4;

/// One whole response, as the node sent it.
#[derive(Clone, Debug)]
pub struct Answer {
    /// Its session.
    pub session: u32,
    /// An ok response (false: an error response).
    pub ok: bool,
    /// The payload (ok) or the error text.
    pub payload: Bytes,
    /// How many frames it came in.
    pub frames: usize,
}

/// What the reading side saw.
enum Event {
    /// One frame body, and the stream offset of its length header.
    Frame(Bytes, u64),
    /// The node closed the connection (or reset it: the text says which).
    Closed(String),
}

/// A connection to the node under test.
pub struct Conn {
    write: OwnedWriteHalf,
    events: mpsc::UnboundedReceiver<Event>,
    open: HashMap<u32, Partial>,
    ready: VecDeque<Answer>,
    closed: Option<String>,
}

/// A multi-part response being received.
struct Partial {
    declared: usize,
    data: Vec<u8>,
    frames: usize,
}

/// What the node did with a connection within a while.
#[derive(Clone, Debug)]
pub enum Reaction {
    /// It closed the connection.
    Closed(String),
    /// It sent a response.
    Answered(Answer),
    /// It sent something that breaks the response rules.
    Broke(String),
    /// Nothing: the connection is open and silent.
    Silent,
}

impl std::fmt::Display for Reaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reaction::Closed(how) => write!(f, "closed the connection ({how})"),
            Reaction::Answered(a) => write!(f, "answered: {}", describe(a)),
            Reaction::Broke(why) => write!(f, "sent bytes breaking the response rules: {why}"),
            Reaction::Silent => f.write_str("ignored it (connection open, nothing sent)"),
        }
    }
}

/// A frame as the wire carries it: 2-byte big-endian length, then `body` (at most 0xffff
/// bytes). For request bytes built by hand, which the codec would refuse to cut (wrong
/// sizes, bad fields).
pub(crate) fn frame(body: &[u8]) -> Vec<u8> {
    debug_assert!(body.len() <= 0xffff, "one frame body");
    let mut f = (body.len() as u16).to_be_bytes().to_vec();
    f.extend_from_slice(body);
    f
}

/// A by-name packet of type `ty` (0x80 request, 0x81 multi-part header) to `@echo`, framed:
/// type, name length, name, `session`, then `rest` (the payload, or the declared size).
pub(crate) fn to_echo(ty: u8, session: u32, rest: &[u8]) -> Vec<u8> {
    frame(&[&[ty, 5][..], b"@echo", &session.to_le_bytes(), rest].concat())
}

/// A one-line description of an answer.
pub fn describe(a: &Answer) -> String {
    if a.ok {
        match skywire_seri::unpack(&a.payload) {
            Ok(vs) if a.payload.len() <= 200 => format!(
                "session {} ok: {}",
                a.session,
                vs.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ok(_) => format!("session {} ok, {} bytes", a.session, a.payload.len()),
            Err(e) => format!(
                "session {} ok, {} bytes that do not unpack ({e})",
                a.session,
                a.payload.len()
            ),
        }
    } else {
        let text = String::from_utf8_lossy(&a.payload[..a.payload.len().min(120)]).into_owned();
        format!("session {} error {text:?}", a.session)
    }
}

impl Conn {
    /// Connects to `addr` within `timeout`.
    pub async fn connect(addr: SocketAddr, timeout: Duration) -> Result<Conn, Failure> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| Failure::new("a connection", format!("no connection within {timeout:?}")))?
            .map_err(|e| Failure::new("a connection", format!("connect failed: {e}")))?;
        let _ = stream.set_nodelay(true);
        let (mut read, write) = stream.into_split();
        let (tx, events) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(1 << 16);
            let mut chunk = vec![0u8; 1 << 16];
            let mut offset = 0u64;
            loop {
                match read.read(&mut chunk).await {
                    Ok(0) => {
                        let how = if buf.is_empty() {
                            "end of stream".to_string()
                        } else {
                            format!(
                                "end of stream inside a frame, {} bytes left over",
                                buf.len()
                            )
                        };
                        let _ = tx.send(Event::Closed(how));
                        return;
                    }
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    Err(e) => {
                        let _ = tx.send(Event::Closed(e.to_string()));
                        return;
                    }
                }
                let mut at = 0;
                while buf.len() - at >= 2 {
                    let len = u16::from_be_bytes([buf[at], buf[at + 1]]) as usize;
                    if buf.len() - at - 2 < len {
                        break;
                    }
                    let body = Bytes::copy_from_slice(&buf[at + 2..at + 2 + len]);
                    if tx.send(Event::Frame(body, offset)).is_err() {
                        return;
                    }
                    offset += 2 + len as u64;
                    at += 2 + len;
                }
                buf.drain(..at);
            }
        });
        Ok(Conn {
            write,
            events,
            open: HashMap::new(),
            ready: VecDeque::new(),
            closed: None,
        })
    }

    /// Writes raw bytes.
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.write
            .write_all(bytes)
            .await
            .map_err(|e| Failure::new("the node to read the request", format!("write failed: {e}")))
    }

    /// Writes a request's frames, as skynet's sender would.
    pub async fn send(&mut self, req: &Request) -> Result<(), Failure> {
        let mut out = Vec::new();
        req.write_frames(&mut out)
            .map_err(|e| Failure::new("a request the codec can frame", e.to_string()))?;
        self.send_raw(&out).await
    }

    /// Closes the writing side (the node sees the end of the stream).
    pub async fn shutdown_write(&mut self) {
        let _ = self.write.shutdown().await;
    }

    /// Waits until `deadline` for the next whole response, checking each frame.
    pub async fn next_answer(&mut self, deadline: Instant) -> Result<Answer, Failure> {
        loop {
            if let Some(a) = self.ready.pop_front() {
                return Ok(a);
            }
            if let Some(how) = &self.closed {
                return Err(Failure::new(
                    "a response",
                    format!("the node closed the connection ({how})"),
                ));
            }
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Err(_) => {
                    let open: Vec<_> = self.open.keys().collect();
                    let detail = if open.is_empty() {
                        String::new()
                    } else {
                        format!(" (multi-part responses left open: sessions {open:?})")
                    };
                    return Err(Failure::new(
                        "a response",
                        format!("nothing more before the case's deadline{detail}"),
                    ));
                }
                Ok(None) => self.closed = Some("reader gone".into()),
                Ok(Some(Event::Closed(how))) => self.closed = Some(how),
                Ok(Some(Event::Frame(body, offset))) => self.take(body).map_err(|why| {
                    Failure::new(
                        "frames following spec/protocol.md §3",
                        format!("frame at response byte {offset}: {why}"),
                    )
                })?,
            }
        }
    }

    /// Waits for the answers of `sessions` (any order), failing on any other answer.
    pub async fn answers_for(
        &mut self,
        sessions: &[u32],
        deadline: Instant,
    ) -> Result<HashMap<u32, Answer>, Failure> {
        let mut got = HashMap::new();
        while got.len() < sessions.len() {
            let a = self.next_answer(deadline).await?;
            if !sessions.contains(&a.session) || got.contains_key(&a.session) {
                return Err(Failure::new(
                    format!("answers for sessions {sessions:?} only, one each"),
                    describe(&a),
                ));
            }
            got.insert(a.session, a);
        }
        Ok(got)
    }

    /// The answer of one call.
    pub async fn answer_for(&mut self, session: u32, deadline: Instant) -> Result<Answer, Failure> {
        let mut all = self.answers_for(&[session], deadline).await?;
        all.remove(&session)
            .ok_or_else(|| Failure::new("an answer", "none"))
    }

    /// Watches the connection for `wait`: what the node did.
    pub async fn react(&mut self, wait: Duration) -> Reaction {
        match self.next_answer(Instant::now() + wait).await {
            Ok(a) => Reaction::Answered(a),
            Err(_) if self.closed.is_some() => {
                Reaction::Closed(self.closed.clone().unwrap_or_default())
            }
            Err(f) if f.got.starts_with("frame at") => Reaction::Broke(f.got),
            Err(_) => Reaction::Silent,
        }
    }

    /// Fails if anything at all arrives within `wait` (pushes are never answered).
    pub async fn expect_silence(&mut self, wait: Duration) -> Result<(), Failure> {
        match self.react(wait).await {
            Reaction::Silent => Ok(()),
            other => Err(Failure::new(
                "nothing (a push is never answered)",
                other.to_string(),
            )),
        }
    }

    /// One response frame body through the rules.
    fn take(&mut self, body: Bytes) -> Result<(), String> {
        if body.len() < 5 {
            return Err(format!(
                "body of {} bytes: a response body has at least 5",
                body.len()
            ));
        }
        let session = u32::from_le_bytes([body[0], body[1], body[2], body[3]]);
        let ty = body[4];
        let rest = body.slice(5..);
        let in_progress = self.open.contains_key(&session);
        match ty {
            ERROR | OK => {
                if in_progress {
                    return Err(format!("session {session}: a one-frame response while its multi-part response is open"));
                }
                if rest.len() > MULTI_PART {
                    return Err(format!(
                        "session {session}: {} {} bytes in one frame; skynet cuts error text to 0x8000 bytes and sends ok payloads over 0x8000 as multi-part",
                        if ty == OK { "ok payload of" } else { "error text of" },
                        rest.len()
                    ));
                }
                self.ready.push_back(Answer {
                    session,
                    ok: ty == OK,
                    payload: rest,
                    frames: 1,
                });
            }
            BEGIN => {
                if in_progress {
                    return Err(format!(
                        "session {session}: a second multi-part begin while one is open"
                    ));
                }
                if rest.len() != 4 {
                    return Err(format!(
                        "session {session}: multi-part begin body of {} bytes, must be exactly 9",
                        body.len()
                    ));
                }
                let declared = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                if declared <= MULTI_PART {
                    return Err(format!("session {session}: multi-part response declaring {declared} bytes; skynet sends up to 0x8000 bytes in one ok frame"));
                }
                self.open.insert(
                    session,
                    Partial {
                        declared,
                        data: Vec::new(),
                        frames: 1,
                    },
                );
            }
            PART | LAST => {
                let Some(p) = self.open.get_mut(&session) else {
                    return Err(format!(
                        "session {session}: a part (type {ty}) with no multi-part begin"
                    ));
                };
                p.frames += 1;
                let left = p.declared - p.data.len();
                if ty == PART && rest.len() != MULTI_PART {
                    return Err(format!("session {session}: part {} carries {} bytes; every part but the last carries exactly 0x8000", p.frames - 1, rest.len()));
                }
                if ty == PART && left <= MULTI_PART {
                    return Err(format!("session {session}: part {} is marked 'more follow' but only {left} bytes were left: it should be the last part (type 4)", p.frames - 1));
                }
                if ty == LAST && rest.len() != left {
                    return Err(format!("session {session}: last part carries {} bytes, {left} of the declared {} were left", rest.len(), p.declared));
                }
                p.data.extend_from_slice(&rest);
                if ty == LAST {
                    if let Some(p) = self.open.remove(&session) {
                        self.ready.push_back(Answer {
                            session,
                            ok: true,
                            payload: Bytes::from(p.data),
                            frames: p.frames,
                        });
                    }
                }
            }
            other => return Err(format!("session {session}: unknown response type {other}")),
        }
        Ok(())
    }
}
