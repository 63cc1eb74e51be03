//! The floor under the "8 callers, 100,000-byte argument echoed" row: the same bytes echoed
//! over loopback TCP with no protocol at all (a thread reads 100,000-byte messages and
//! writes each back; the client keeps 8 in flight). What the kernel's copies and TCP cost
//! on this machine bounds any node's calls/s for that row.
//!
//! Run: `cargo bench --bench tcp_floor` (prints one JSON line: messages per second).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const MSG: usize = 100_000;
const IN_FLIGHT: usize = 8;

fn main() {
    let seconds: f64 = std::env::var("TCP_FLOOR_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        s.set_nodelay(true).expect("nodelay");
        let mut buf = vec![0u8; MSG];
        while s.read_exact(&mut buf).is_ok() {
            if s.write_all(&buf).is_err() {
                break;
            }
        }
    });
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut reader = stream.try_clone().expect("clone");
    // One token per message the writer may send: the reader returns one per echo.
    let (tokens, wait) = mpsc::channel::<bool>();
    let mut writer = stream;
    let sender = std::thread::spawn(move || {
        let msg = vec![7u8; MSG];
        while let Ok(true) = wait.recv() {
            if writer.write_all(&msg).is_err() {
                break;
            }
        }
        let _ = writer.shutdown(std::net::Shutdown::Write);
    });
    for _ in 0..IN_FLIGHT {
        tokens.send(true).expect("writer alive");
    }
    let mut buf = vec![0u8; MSG];
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    let mut n = 0u64;
    while Instant::now() < end {
        reader.read_exact(&mut buf).expect("echo");
        n += 1;
        tokens.send(true).expect("writer alive");
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let _ = tokens.send(false);
    // Drain what is still in flight so that both threads end.
    for _ in 0..IN_FLIGHT {
        if reader.read_exact(&mut buf).is_err() {
            break;
        }
    }
    drop(reader);
    sender.join().expect("writer");
    server.join().expect("server");
    println!(
        "{{\"bench\":\"tcp_floor_100000B_x8\",\"messages_per_s\":{rate:.0},\"seconds\":{seconds}}}"
    );
}
