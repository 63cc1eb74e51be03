//! The `futures-io` codecs under smol, over real loopback TCP connections.
//!
//! Expected bytes are skynet's: `tests/captures/basic/requests.bin` is the raw stream one
//! unmodified skynet node sent another (38 requests: its log, `calls.jsonl`, lists 31 calls,
//! 4 sends and 3 queries). Sent over TCP and read through `Framed<_, ServerCodec>`, every
//! request must come out, and re-encoded they must give back skynet's bytes exactly.
#![cfg(feature = "futures-io")]

use std::net::Shutdown;
use std::path::Path;

use bytes::{Bytes, BytesMut};
use futures_util::{AsyncWriteExt, SinkExt, StreamExt};
use skywire_codec::futures_io::{Framed, FramedRead};
use skywire_codec::{
    ClientCodec, CodecError, DecodeErrorKind, PacketError, Request, Response, ServerCodec, Session,
    Target,
};
use smol::net::{TcpListener, TcpStream};

fn capture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/captures/basic")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A loopback listener on a free port and its address.
async fn listen() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    (listener, addr)
}

#[test]
fn skynets_request_stream_decodes_through_framed_and_each_call_is_answered() {
    let stream = capture("requests.bin");
    smol::block_on(async {
        let (listener, addr) = listen().await;
        // The serving side: every request through the codec's Stream, every call and
        // query answered with its own payload through its Sink.
        let server = smol::spawn(async move {
            let (conn, _) = listener.accept().await?;
            let mut conn = Framed::new(conn, ServerCodec::default());
            let mut got = Vec::new();
            while let Some(req) = conn.next().await {
                let req: Request = req?;
                if !req.push {
                    conn.send(Response::ok(req.session, req.payload.clone()))
                        .await?;
                }
                got.push(req);
            }
            Ok::<_, CodecError>(got)
        });

        let conn = TcpStream::connect(addr).await.expect("connect");
        // Skynet's bytes in odd-sized writes, while the answers are read at the same time.
        let mut writer = conn.clone();
        let bytes = stream.clone();
        let write = smol::spawn(async move {
            for chunk in bytes.chunks(4093) {
                writer.write_all(chunk).await?;
            }
            // Closing a smol `TcpStream` shuts its write half: the server's stream ends.
            writer.close().await
        });
        let mut answers = FramedRead::new(conn, ClientCodec::default());
        let mut responses = Vec::new();
        while let Some(r) = answers.next().await {
            responses.push(r.expect("a response"));
        }
        write.await.expect("the stream is written");
        let requests = server.await.expect("the server decodes it all");

        assert_eq!(requests.len(), 38);
        let mut again = BytesMut::new();
        for r in &requests {
            r.write_frames(&mut again).expect("encodes");
        }
        assert!(
            again[..] == stream[..],
            "re-encoded requests differ from skynet's bytes"
        );
        let calls: Vec<&Request> = requests.iter().filter(|r| !r.push).collect();
        assert_eq!((calls.len(), responses.len()), (34, 34));
        for (call, resp) in calls.iter().zip(&responses) {
            assert_eq!((resp.session, resp.ok), (call.session, true));
            assert_eq!(resp.payload, call.payload);
        }
    });
}

/// Closes the write half, so the server's stream ends.
fn conn_shutdown(conn: &TcpStream) -> std::io::Result<()> {
    conn.shutdown(Shutdown::Write)
}

#[test]
fn a_client_sends_through_the_sink_and_reads_through_the_stream() {
    smol::block_on(async {
        let (listener, addr) = listen().await;
        let server = smol::spawn(async move {
            let (conn, _) = listener.accept().await?;
            let mut conn = Framed::new(conn, ServerCodec::default());
            let mut pushes = 0;
            while let Some(req) = conn.next().await {
                let req = req?;
                if req.push {
                    pushes += 1;
                } else {
                    let answer = match &req.target {
                        Target::Name(n) if &n[..] == b"@fail" => {
                            Response::error(req.session, "boom")
                        }
                        _ => Response::ok(req.session, req.payload),
                    };
                    conn.send(answer).await?;
                }
            }
            Ok::<_, CodecError>(pushes)
        });

        let conn = TcpStream::connect(addr).await.expect("connect");
        let mut client = Framed::new(conn.clone(), ClientCodec::default());
        // Multi-part both ways (0x10001 bytes: a header and 3 parts), a multi-part push,
        // a small call by address, a call answered with an error.
        let big = Bytes::from(vec![0x51; 0x10001]);
        let echo = Target::name("@echo").expect("a name");
        client
            .send(Request::call(echo.clone(), Session::new(1), big.clone()))
            .await
            .expect("sent");
        client
            .send(Request::push(echo.clone(), Session::new(2), big.clone()))
            .await
            .expect("sent");
        client
            .send(Request::call(
                Target::Address(10),
                Session::new(3),
                Bytes::from_static(b"\x0a\x07"),
            ))
            .await
            .expect("sent");
        client
            .send(Request::call(
                Target::name("@fail").expect("a name"),
                Session::new(4),
                Bytes::new(),
            ))
            .await
            .expect("sent");
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(client.next().await.expect("a response").expect("decodes"));
        }
        assert_eq!((got[0].session.get(), got[0].ok), (1, true));
        assert_eq!(got[0].payload, big);
        assert_eq!(
            (got[1].session.get(), &got[1].payload[..]),
            (3, &b"\x0a\x07"[..])
        );
        assert_eq!(
            (got[2].session.get(), got[2].ok, &got[2].payload[..]),
            (4, false, &b"boom"[..])
        );

        // A call that cannot be encoded fails in the Sink, before anything is written.
        let e = client
            .send(Request::call(
                Target::Address(10),
                Session::PUSH,
                Bytes::new(),
            ))
            .await
            .expect_err("session 0 is a push");
        assert!(
            matches!(e, CodecError::Encode(PacketError::CallWithoutSession)),
            "{e}"
        );

        conn_shutdown(&conn).expect("shutdown");
        assert_eq!(server.await.expect("the server ends cleanly"), 1);
        assert!(
            client.next().await.is_none(),
            "the server closed without more answers"
        );
    });
}

#[test]
fn a_stream_cut_inside_a_frame_is_an_error_at_its_offset() {
    smol::block_on(async {
        let (listener, addr) = listen().await;
        let server = smol::spawn(async move {
            let (conn, _) = listener.accept().await.expect("accept");
            let mut conn = Framed::new(conn, ServerCodec::default());
            let first = conn.next().await;
            let second = conn.next().await;
            (first, second)
        });
        let mut conn = TcpStream::connect(addr).await.expect("connect");
        // spec/vectors/frames-invalid.json, request/framing/truncated-header/after-message:
        // a whole call to "@echo", then one byte of the next frame's header.
        conn.write_all(b"\x00\x10\x80\x05@echo\x01\x00\x00\x00\x24ping\x00")
            .await
            .expect("written");
        conn_shutdown(&conn).expect("shutdown");
        let (first, second) = server.await;
        let first = first.expect("a request").expect("decodes");
        assert_eq!(
            (first.session.get(), &first.payload[..]),
            (1, &b"\x24ping"[..])
        );
        match second {
            Some(Err(CodecError::Decode(e))) => {
                assert_eq!(e.offset(), 18);
                assert!(
                    matches!(e.kind(), DecodeErrorKind::TruncatedFrame { .. }),
                    "{e}"
                );
            }
            other => panic!("wanted a truncated frame at 18, got {other:?}"),
        }
    });
}
