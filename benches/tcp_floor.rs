//! The floor under a node-to-node row: the same bytes on the wire, over one loopback TCP
//! connection, with no protocol at all. What the kernel's copies, wake-ups and TCP cost on
//! this machine bounds any node's calls/s for the row it stands under.
//!
//! A row is given by its shape: each "call" sends a request of `--request` bytes and gets
//! back a response of `--response` bytes (the bytes a call of the row puts on the wire in
//! each direction, frame headers included), with `--in-flight` calls outstanding at any
//! time, as `skywire bench --callers N` keeps them on its one connection.
//!
//! Both sides use plain blocking sockets and batch all they can: a read takes whatever has
//! arrived (up to [`READ_BUFFER`]), and all the whole messages in it are answered in one
//! write. Nobody looks at the bytes: the floor pays no user-space copy beyond the kernel's.
//! - The server answers every whole request read with a response.
//! - The client starts with `--in-flight` requests in one write, then sends one request per
//!   whole response it reads.
//!
//! Which is faster depends on the row, so each row is measured both ways, one after the
//! other, and the faster is the floor:
//! - **one thread per side**, reading and writing in turn (fewest wake-ups: best when one
//!   message is in flight). The client's writes do not block (`MSG_DONTWAIT`): a write the
//!   kernel cannot take whole is finished while reading, through `poll`, so that neither
//!   side can wait on the other forever however large the messages.
//! - **two threads per side**, a reader and a writer (the reader hands the count of whole
//!   messages to the writer): reads and writes overlap, as in a node whose connection has a
//!   reader and a writer task on a multi-threaded runtime.
//!
//! `--busy-poll-us U`: every reader, after a read that finds nothing, tries again without
//! sleeping (`MSG_DONTWAIT`, yielding the CPU between tries) for up to U µs before a
//! blocking read, as `skywire node --busy-poll-us` and `skywire bench --busy-poll-us` do.
//!
//! Responses counted are those that arrive after `--warmup` seconds; requests stop being
//! made `--seconds` after that, and the ones outstanding are still waited for. `cpu_s` is
//! the CPU time of the whole process (client and server threads) over the faster run,
//! warm-up included. Every byte is accounted for: the run fails unless as many whole
//! responses came back as whole requests were answered.
//!
//! Run: `cargo bench --bench tcp_floor -- --row NAME --request BYTES --response BYTES
//! --in-flight N --seconds S [--warmup S] [--busy-poll-us U]` (prints one JSON line).
//! `bench/run.sh` runs one after each node row, with that row's bytes per call.

use std::io::{self, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags};
use rustix::io::Errno;
use rustix::net::{recv, send, RecvFlags, SendFlags};
use rustix::time::{clock_gettime, ClockId, Timespec};

const USAGE: &str = "usage: tcp_floor --row NAME --request BYTES --response BYTES \
--in-flight N --seconds S [--warmup S] [--busy-poll-us U]";

/// No response for this long while requests are outstanding: the run fails.
const STALL: Duration = Duration::from_secs(10);

/// Read buffer of every reader. Measured on the 2-vCPU benchmark machine: 64 KiB (one
/// loopback segment at most) did well on every row; 256 KiB cost twice the CPU per message
/// on the 100,000-byte row and halved its rate, 16 KiB was slower on the 4 KiB row.
const READ_BUFFER: usize = 64 * 1024;

/// The shape of one row.
#[derive(Debug)]
struct Row {
    name: String,
    request: usize,
    response: usize,
    in_flight: usize,
    seconds: f64,
    warmup: f64,
    busy_poll: Duration,
}

/// How each side reads and writes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Threads {
    /// One thread per side, reading and writing in turn.
    One,
    /// A reader and a writer thread per side.
    Two,
}

/// What one run measured.
struct Measured {
    /// Responses that arrived after the warm-up.
    messages: u64,
    /// From the end of the warm-up to the last response.
    seconds: f64,
    /// CPU seconds of the process, all its threads, warm-up included.
    cpu_s: f64,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.messages as f64 / self.seconds
    }
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench` to harness-less benches.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.is_empty() {
        // Plain `cargo bench`: nothing to measure without a row.
        eprintln!("tcp_floor: no row given (bench/run.sh gives one per node row)\n{USAGE}");
        return ExitCode::SUCCESS;
    }
    let row = match parse(&args) {
        Ok(row) => row,
        Err(e) => {
            eprintln!("tcp_floor: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runs = [Threads::One, Threads::Two].map(|t| measure(&row, t));
    let [one, two] = match runs {
        [Ok(one), Ok(two)] => [one, two],
        [Err(e), _] | [_, Err(e)] => {
            eprintln!("tcp_floor {}: {e}", row.name);
            return ExitCode::FAILURE;
        }
    };
    let (best, threads) = if one.rate() >= two.rate() {
        (&one, 1)
    } else {
        (&two, 2)
    };
    let line = serde_json::json!({
        "floor_row": row.name,
        "request_bytes": row.request,
        "response_bytes": row.response,
        "in_flight": row.in_flight,
        "busy_poll_us": row.busy_poll.as_micros() as u64,
        "msgs_per_s": best.rate().round(),
        "threads_per_side": threads,
        "messages": best.messages,
        "seconds": (best.seconds * 1000.0).round() / 1000.0,
        "cpu_s": (best.cpu_s * 100.0).round() / 100.0,
        "one_thread_msgs_per_s": one.rate().round(),
        "two_threads_msgs_per_s": two.rate().round(),
    });
    println!("{line}");
    ExitCode::SUCCESS
}

fn parse(args: &[String]) -> Result<Row, String> {
    let mut row = Row {
        name: String::new(),
        request: 0,
        response: 0,
        in_flight: 0,
        seconds: 0.0,
        warmup: 0.0,
        busy_poll: Duration::ZERO,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag}: no value"))?;
        match flag.as_str() {
            "--row" => row.name = value.clone(),
            "--request" => row.request = number(flag, value)?,
            "--response" => row.response = number(flag, value)?,
            "--in-flight" => row.in_flight = number(flag, value)?,
            "--seconds" => row.seconds = number(flag, value)?,
            "--warmup" => row.warmup = number(flag, value)?,
            "--busy-poll-us" => row.busy_poll = Duration::from_micros(number(flag, value)?),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if row.name.is_empty() || row.request == 0 || row.response == 0 || row.in_flight == 0 {
        return Err("--row, --request, --response and --in-flight are needed (sizes > 0)".into());
    }
    if !(row.seconds > 0.0 && row.warmup >= 0.0) {
        return Err("--seconds must be > 0 and --warmup >= 0".into());
    }
    Ok(row)
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: not a number: {value}"))
}

fn cpu_seconds() -> f64 {
    let t = clock_gettime(ClockId::ProcessCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

fn measure(row: &Row, threads: Threads) -> io::Result<Measured> {
    let cpu_before = cpu_seconds();
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let client = TcpStream::connect(addr)?;
    client.set_nodelay(true)?;
    client.set_read_timeout(Some(STALL))?;
    let (server, _) = listener.accept()?;
    server.set_nodelay(true)?;
    let shape = (row.request, row.response, row.in_flight, row.busy_poll);
    let server = std::thread::spawn(move || serve(server, shape, threads));
    let driven = drive(&client, row, threads);
    // The server ends at the end of the stream (or at once if the client failed).
    let _ = client.shutdown(Shutdown::Both);
    let answered = join(server)?;
    let (messages, seconds, received) = driven?;
    if received != answered {
        return Err(io::Error::other(format!(
            "{answered} requests answered, {received} responses received"
        )));
    }
    if messages == 0 || seconds <= 0.0 {
        return Err(io::Error::other("no response arrived after the warm-up"));
    }
    Ok(Measured {
        messages,
        seconds,
        cpu_s: cpu_seconds() - cpu_before,
    })
}

fn join<T>(t: JoinHandle<io::Result<T>>) -> io::Result<T> {
    t.join()
        .map_err(|_| io::Error::other("a thread panicked"))?
}

/// Reads what `s` has into `buf`, blocking; with `spin` > 0, first tries again without
/// sleeping for up to that long while the socket is empty. 0: end of stream.
fn read(s: &TcpStream, buf: &mut [u8], spin: Duration) -> io::Result<usize> {
    if !spin.is_zero() {
        let until = Instant::now() + spin;
        loop {
            match recv(s, &mut *buf, RecvFlags::DONTWAIT) {
                Ok((n, _)) => return Ok(n),
                Err(Errno::WOULDBLOCK) | Err(Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
            if Instant::now() >= until {
                break;
            }
            // Lets another thread that wants this CPU run (the other side, when a third
            // process holds the other CPU), as skywire's busy polling yields to its runtime.
            std::thread::yield_now();
        }
    }
    loop {
        match recv(s, &mut *buf, RecvFlags::empty()) {
            Ok((n, _)) => return Ok(n),
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// `count` messages of `buf.len() / max` bytes each, written from `buf` (which holds `max`
/// of them) in as few writes as it takes.
fn write_messages(s: &mut TcpStream, buf: &[u8], max: usize, count: usize) -> io::Result<()> {
    let size = buf.len() / max;
    let mut owed = count * size;
    while owed > 0 {
        let k = owed.min(buf.len());
        s.write_all(&buf[..k])?;
        owed -= k;
    }
    Ok(())
}

/// A writer thread: `first` messages at once, then as many as it is told, all that are
/// waiting in one write, until the sender hangs up.
fn writer(
    mut s: TcpStream,
    size: usize,
    max: usize,
    first: usize,
    counts: mpsc::Receiver<usize>,
) -> JoinHandle<io::Result<()>> {
    std::thread::spawn(move || {
        let buf = vec![0x33u8; max * size];
        let mut count = first;
        loop {
            write_messages(&mut s, &buf, max, count)?;
            count = match counts.recv() {
                Ok(k) => k,
                Err(_) => return Ok(()),
            };
            count += counts.try_iter().sum::<usize>();
        }
    })
}

/// The server: answers every whole request read with a response, all those of one read in
/// one write, until the client ends the stream. Returns the requests answered.
fn serve(
    mut s: TcpStream,
    (request, response, in_flight, busy_poll): (usize, usize, usize, Duration),
    threads: Threads,
) -> io::Result<u64> {
    let mut buf = vec![0u8; READ_BUFFER];
    // The client never has more than `in_flight` requests outstanding.
    let answers = vec![0x5au8; in_flight * response];
    let mut to_writer = match threads {
        Threads::One => None,
        Threads::Two => {
            let (tx, rx) = mpsc::channel();
            Some((tx, writer(s.try_clone()?, response, in_flight, 0, rx)))
        }
    };
    let mut partial = 0; // bytes of the request not yet whole
    let mut answered = 0u64;
    loop {
        let n = read(&s, &mut buf, busy_poll)?;
        if n == 0 {
            break;
        }
        let whole = (partial + n) / request;
        partial = (partial + n) % request;
        answered += whole as u64;
        match &to_writer {
            _ if whole == 0 => {}
            None => write_messages(&mut s, &answers, in_flight, whole)?,
            // A writer that stopped has failed: its error comes with the join below.
            Some((tx, _)) => {
                if tx.send(whole).is_err() {
                    break;
                }
            }
        }
    }
    if let Some((tx, w)) = to_writer.take() {
        drop(tx);
        join(w)?;
    }
    if partial != 0 {
        return Err(io::Error::other("the stream ended inside a request"));
    }
    Ok(answered)
}

/// Where the client's requests go.
enum Requests {
    /// Sent by the reading thread itself without blocking: the bytes still to send (whole
    /// requests, less what a short send took) out of `buf`.
    Inline { buf: Vec<u8>, owed: usize },
    /// Counted out to a writer thread.
    Thread {
        tx: mpsc::Sender<usize>,
        writer: JoinHandle<io::Result<()>>,
    },
}

/// The client: keeps `in_flight` requests outstanding until the run is over, then waits
/// for the outstanding ones. Returns the responses counted, the seconds they took, and all
/// the responses received (warm-up included).
fn drive(s: &TcpStream, row: &Row, threads: Threads) -> io::Result<(u64, f64, u64)> {
    let mut requests = match threads {
        Threads::One => Requests::Inline {
            buf: vec![0xa5u8; row.in_flight * row.request],
            owed: row.in_flight * row.request,
        },
        Threads::Two => {
            let (tx, rx) = mpsc::channel();
            let writer = writer(
                s.try_clone()?,
                row.request,
                row.in_flight,
                row.in_flight,
                rx,
            );
            Requests::Thread { tx, writer }
        }
    };
    let mut buf = vec![0u8; READ_BUFFER];
    let measure_from = Instant::now() + Duration::from_secs_f64(row.warmup);
    let end = measure_from + Duration::from_secs_f64(row.seconds);
    // Requests sent or to send without a whole response yet.
    let mut outstanding = row.in_flight;
    let mut partial = 0; // bytes of the response not yet whole
    let (mut counted, mut last, mut received) = (0u64, measure_from, 0u64);
    loop {
        let mut blocked = false;
        if let Requests::Inline { buf, owed } = &mut requests {
            while *owed > 0 {
                match send(s, &buf[..*owed], SendFlags::DONTWAIT) {
                    Ok(n) => *owed -= n,
                    Err(Errno::WOULDBLOCK) => break,
                    Err(Errno::INTR) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            blocked = *owed > 0;
        }
        if outstanding == 0 {
            break;
        }
        let stalled = || {
            io::Error::other(format!(
                "no response for {} s with {outstanding} requests outstanding",
                STALL.as_secs()
            ))
        };
        let n = if !blocked {
            match read(s, &mut buf, row.busy_poll) {
                Ok(n) => n,
                // The socket's read timeout.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(stalled()),
                Err(e) => return Err(e),
            }
        } else {
            // The kernel took part of the write: wait until it takes more or a response
            // comes, so that the server, which may be blocked writing, is read.
            let mut fds = [PollFd::new(s, PollFlags::IN | PollFlags::OUT)];
            let timeout = Timespec {
                tv_sec: STALL.as_secs() as _,
                tv_nsec: 0,
            };
            match poll(&mut fds, Some(&timeout)) {
                Ok(0) => return Err(stalled()),
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
            if fds[0].revents().is_empty() || fds[0].revents() == PollFlags::OUT {
                continue;
            }
            match recv(s, &mut buf[..], RecvFlags::DONTWAIT) {
                Ok((n, _)) => n,
                Err(Errno::WOULDBLOCK) | Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if n == 0 {
            return Err(io::Error::other(format!(
                "server closed with {outstanding} requests outstanding"
            )));
        }
        let now = Instant::now();
        let whole = (partial + n) / row.response;
        partial = (partial + n) % row.response;
        outstanding = outstanding
            .checked_sub(whole)
            .ok_or_else(|| io::Error::other("more responses than requests"))?;
        received += whole as u64;
        if now >= measure_from {
            counted += whole as u64;
            last = now;
        }
        if now < end && whole > 0 {
            outstanding += whole;
            match &mut requests {
                Requests::Inline { owed, .. } => *owed += whole * row.request,
                Requests::Thread { tx, .. } => {
                    if tx.send(whole).is_err() {
                        break;
                    }
                }
            }
        }
    }
    if let Requests::Thread { tx, writer } = requests {
        drop(tx);
        join(writer)?;
    }
    if outstanding != 0 {
        return Err(io::Error::other("the writer stopped"));
    }
    Ok((
        counted,
        last.duration_since(measure_from).as_secs_f64(),
        received,
    ))
}
