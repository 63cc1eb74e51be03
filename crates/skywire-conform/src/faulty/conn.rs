//! One connection of the faulty node: the codec's request decoder (after the frame-level
//! faults), the contract's services, responses through [`super::encode`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use skywire_codec::{Limits, Request, RequestDecoder, Target};
use skywire_node::ServiceRequest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::{encode, Fault};
use crate::contract::{self, ContractEcho};

/// The contract's two services.
#[derive(Default)]
pub(super) struct Services {
    echo: ContractEcho,
    echo2: ContractEcho,
}

impl Services {
    fn find(&self, target: &Target) -> Option<(u32, &ContractEcho)> {
        let name = match target {
            Target::Address(contract::ECHO_ADDRESS) => contract::ECHO,
            Target::Address(contract::ECHO2_ADDRESS) => contract::ECHO2,
            Target::Address(_) => return None,
            Target::Name(n) => std::str::from_utf8(n).ok()?.get(1..)?,
        };
        match name {
            contract::ECHO => Some((contract::ECHO_ADDRESS, &self.echo)),
            contract::ECHO2 => Some((contract::ECHO2_ADDRESS, &self.echo2)),
            _ => None,
        }
    }
}

/// Rewrites whole frames for the frame-level faults; bytes of an unfinished frame wait.
#[derive(Default)]
struct FrameFaults {
    pending: Vec<u8>,
    /// `0x02` parts seen per session.
    parts: HashMap<u32, usize>,
    /// A trace packet was seen: drop the next frame.
    eat_next: bool,
}

impl FrameFaults {
    fn rewrite(&mut self, chunk: &[u8], fault: Fault) -> Vec<u8> {
        self.pending.extend_from_slice(chunk);
        let mut out = Vec::new();
        let mut at = 0;
        while self.pending.len() - at >= 2 {
            let len = u16::from_be_bytes([self.pending[at], self.pending[at + 1]]) as usize;
            if self.pending.len() - at - 2 < len {
                break;
            }
            let mut frame = self.pending[at..at + 2 + len].to_vec();
            at += 2 + len;
            let ty = frame.get(2).copied();
            match fault {
                Fault::TraceEatsNextRequest if self.eat_next => {
                    self.eat_next = false;
                    continue;
                }
                Fault::TraceEatsNextRequest if ty == Some(4) => {
                    self.eat_next = true;
                    continue;
                }
                Fault::MiscountsRequestParts if ty == Some(2) && len >= 5 => {
                    let session = u32::from_le_bytes([frame[3], frame[4], frame[5], frame[6]]);
                    let n = self.parts.entry(session).or_default();
                    *n += 1;
                    if *n == 2 {
                        frame[2] = 3;
                    }
                }
                _ => {}
            }
            out.extend_from_slice(&frame);
        }
        self.pending.drain(..at);
        out
    }
}

/// Serves one connection until it ends; true when it ended on undecodable input.
pub(super) async fn serve_connection(
    sock: TcpStream,
    peer: SocketAddr,
    fault: Option<Fault>,
    services: Arc<Services>,
) -> bool {
    let _ = sock.set_nodelay(true);
    let (mut rd, mut wr) = sock.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let writer = tokio::spawn(async move {
        while let Some(bytes) = rx.recv().await {
            if wr.write_all(&bytes).await.is_err() {
                return;
            }
        }
    });
    let mut dec = RequestDecoder::new(Limits::DEFAULT);
    let mut frame_faults = FrameFaults::default();
    let mut chunk = vec![0u8; 1 << 16];
    let bad_input = 'read: loop {
        let n = match rd.read(&mut chunk).await {
            Ok(0) | Err(_) => break dec.finish().is_err(),
            Ok(n) => n,
        };
        match fault {
            Some(f @ (Fault::TraceEatsNextRequest | Fault::MiscountsRequestParts)) => {
                dec.feed(&frame_faults.rewrite(&chunk[..n], f))
            }
            _ => dec.feed(&chunk[..n]),
        }
        loop {
            match dec.next_message() {
                Ok(Some(req)) => {
                    if !handle(req, peer, fault, &services, &tx).await {
                        break 'read false;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!("faulty node: {e}");
                    break 'read true;
                }
            }
        }
    };
    if bad_input && fault == Some(Fault::DiesOnBadInput) {
        // Dies at once, as a crash would: nothing queued is flushed, and the listener is
        // gone before the peer can look again.
        return true;
    }
    drop(tx);
    let _ = writer.await;
    bad_input
}

/// Handles one request; false to close the connection.
async fn handle(
    req: Request,
    peer: SocketAddr,
    fault: Option<Fault>,
    services: &Arc<Services>,
    tx: &mpsc::UnboundedSender<Vec<u8>>,
) -> bool {
    let session = req.session.get();
    if req.push && fault == Some(Fault::AnswersPushes) {
        let _ = tx.send(encode::response(session, Ok(Vec::new()), fault));
    }
    if req.target.is_query() {
        if req.push || fault == Some(Fault::NeverAnswersQueries) {
            return true;
        }
        let name = skywire_seri::unpack(&req.payload).ok().and_then(|vs| {
            let n = vs.first()?.as_bytes()?.to_vec();
            Some(Target::Name(Bytes::from([b"@".as_slice(), &n].concat())))
        });
        let result = match name.as_ref().and_then(|n| services.find(n)) {
            Some((address, _)) => Ok(encode::pack(&[i64::from(address).into()], fault)),
            None => Err(b"name not found".to_vec()),
        };
        let _ = tx.send(encode::response(session, result, fault));
        return true;
    }
    let Some((address, service)) = services.find(&req.target) else {
        if fault == Some(Fault::ClosesOnUnknownTarget) {
            return false;
        }
        if !req.push {
            let _ = tx.send(encode::response(
                session,
                Err(b"Invalid name".to_vec()),
                fault,
            ));
        }
        return true;
    };
    let args = match skywire_seri::unpack(&req.payload) {
        Ok(args) => args,
        Err(e) => {
            if !req.push {
                let _ = tx.send(encode::response(
                    session,
                    Err(e.to_string().into_bytes()),
                    fault,
                ));
            }
            return true;
        }
    };
    let sreq = ServiceRequest {
        target: req.target.clone(),
        address,
        session: req.session,
        push: req.push,
        trace: req.trace.clone(),
        args,
        payload: req.payload.clone(),
        peer,
    };
    let (service, tx) = (service.clone(), tx.clone());
    let push = req.push;
    let work = async move {
        let result = service.handle(sreq).await;
        if !push {
            let result = result
                .map(|vs| encode::pack(&vs, fault))
                .map_err(|e| e.text().to_vec());
            let _ = tx.send(encode::response(session, result, fault));
        }
    };
    // Pushes are taken in arrival order (they finish at once); calls run concurrently.
    if push || fault == Some(Fault::AnswersInRequestOrder) {
        work.await;
    } else {
        tokio::spawn(work);
    }
    true
}
