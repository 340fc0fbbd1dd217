//! What the benches share: whether a run measures, the planhost binary,
//! starting a server and waiting for its ready line, CPU time and machine
//! figures, percentiles, one-shot HTTP requests and a raw reader of server
//! WebSocket frames. Each bench includes it with `mod support;`.

#![allow(dead_code)] // Each bench uses its own part of it.

mod frames;

#[allow(unused_imports)] // As above.
pub use frames::{Client, Frame, FrameReader, InflatedHeads, read_frames};

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use smol::net::TcpStream;

/// Each client is a socket: lift the soft open-file limit to the hard one.
/// `bench` names the bench in messages.
pub fn raise_open_file_limit(bench: &str) {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    limit.current = limit.maximum;
    if let Err(error) = setrlimit(Resource::Nofile, limit) {
        eprintln!("{bench}: could not raise the open file limit: {error}");
    }
}

// ---------------------------------------------------------------- servers

/// Whether this run measures: `cargo bench` passes `--bench`. Run by
/// `cargo test` instead, a bench checks that it still works: a small load
/// on the test build, every delivery and every check required, and a
/// failing exit status otherwise.
pub fn measuring() -> bool {
    std::env::args().skip(1).any(|arg| arg == "--bench")
}

/// The planhost binary: `$PLANHOST_BIN` if set, else the release build
/// (`cargo build --release -p planhost`, a no-op when it is fresh), or the
/// test build when not [`measuring`].
pub fn build_planhost(bench: &str) -> PathBuf {
    if let Some(bin) = std::env::var_os("PLANHOST_BIN") {
        eprintln!("{bench}: using PLANHOST_BIN={}", bin.to_string_lossy());
        return PathBuf::from(bin);
    }
    if !measuring() {
        eprintln!("{bench}: a check run (cargo test): figures of a test build, not measurements");
        return planhost_tests::planhost_bin().to_path_buf();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", "planhost", "--bin", "planhost"])
        .status()
        .expect("running cargo build for planhost");
    assert!(status.success(), "building planhost failed");
    // The bench runs from target/release/deps/; the binary sits one level up.
    let exe = std::env::current_exe().expect("bench executable path");
    let bin = exe.parent().and_then(Path::parent).expect("target dir").join("planhost");
    assert!(bin.exists(), "{} missing after the build", bin.display());
    bin
}

/// Starts a server and waits for its one ready line `PREFIX ADDR`.
pub fn spawn_until_ready(mut command: Command, prefix: &str) -> (Child, SocketAddr) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {command:?}: {e}"));
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("reading the server's ready line");
    let addr = line
        .trim()
        .strip_prefix(prefix)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("unexpected ready line {line:?} from {command:?}"));
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (child, addr)
}

/// User plus system CPU time of all threads of process `pid` (or `self`), in ms.
pub fn cpu_ms(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
    let after_comm = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_comm.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect();
    // /proc reports clock ticks at USER_HZ, which is 100 on Linux.
    fields.get(11).zip(fields.get(12)).map_or(0, |(u, s)| (u + s) * 10)
}

/// Resident memory of process `pid` in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("reading the server's /proc status (did it exit?)");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc status")
}

// ---------------------------------------------------------------- report

/// Cores, CPU model and load average, since other work skews the numbers.
pub fn machine_summary() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("?", |m| m.trim_start_matches([' ', '\t', ':']));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("machine: {cores} cores, {model}; load average before the run: {}", load.join(" "))
}

/// Nearest-rank percentile of sorted µs values, in ms.
pub fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    f64::from(sorted[rank.min(sorted.len()) - 1]) / 1_000.0
}

// ---------------------------------------------------------------- HTTP

/// One HTTP/1.1 request on a fresh connection (`Connection: close`);
/// returns the status and the body.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &[u8],
) -> Result<(u16, Vec<u8>), String> {
    let fail = |e: std::io::Error| format!("{method} {path}: {e}");
    let mut stream = TcpStream::connect(addr).await.map_err(fail)?;
    let _ = stream.set_nodelay(true);
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n",
        body.len()
    );
    // One write: head and body must not wait on each other's ACK.
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request).await.map_err(fail)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.map_err(fail)?;
    parse_response(&response).ok_or_else(|| format!("{method} {path}: malformed response"))
}

/// Status and body of a response (Content-Length, or up to the close).
fn parse_response(bytes: &[u8]) -> Option<(u16, Vec<u8>)> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..end]).ok()?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let rest = &bytes[end + 4..];
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(rest.len());
    Some((status, rest[..length.min(rest.len())].to_vec()))
}

// ---------------------------------------------------------------- WebSocket

/// Connects to `/ws`, subscribes to `topic`, and hands back the raw
/// socket. The server answers a subscribe only after reading it, and the
/// subscribe is the last thing sent here, so no frame of the server is
/// left behind in tungstenite's buffer. With `deflate` the client offers
/// permessage-deflate as browsers do (the server must agree; its messages
/// then come compressed, which [`FrameReader`] reads).
pub async fn connect_raw(
    addr: SocketAddr,
    topic: &str,
    patches: bool,
    deflate: bool,
) -> Result<TcpStream, String> {
    use async_tungstenite::tungstenite::client::IntoClientRequest;
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let config = WebSocketConfig::default().read_buffer_size(1 << 10);
    let mut request = format!("ws://{addr}/ws").into_client_request().map_err(|e| e.to_string())?;
    if deflate {
        let offer = "permessage-deflate; client_max_window_bits".parse().expect("a header value");
        request.headers_mut().insert("Sec-WebSocket-Extensions", offer);
    }
    let (mut ws, response) =
        async_tungstenite::client_async_with_config(request, stream, Some(config))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
    if deflate && !response.headers().contains_key("Sec-WebSocket-Extensions") {
        return Err("the server did not agree to permessage-deflate".into());
    }
    let subscribe = serde_json::json!({"type": "subscribe", "topic": topic, "patches": patches});
    ws.send(Message::text(subscribe.to_string())).await.map_err(|e| format!("subscribe: {e}"))?;
    Ok(ws.into_inner())
}

/// Handshakes in flight at once, so the listen backlog never overflows.
const CONCURRENT_CONNECTS: usize = 128;

/// Connects `n` clients subscribed to `topic` as [`connect_raw`] does, a
/// bounded number of handshakes at a time, each to be read by the frame
/// reader and with the state `client` gives it; the reasons of those that
/// failed come second.
pub async fn connect_clients<C>(
    executor: &smol::Executor<'_>,
    addr: SocketAddr,
    (topic, patches, deflate): (&str, bool, bool),
    n: usize,
    mut client: impl FnMut() -> (FrameReader, C),
) -> (Vec<Client<C>>, Vec<String>) {
    let gate = std::sync::Arc::new(smol::lock::Semaphore::new(CONCURRENT_CONNECTS));
    let tasks: Vec<smol::Task<Result<TcpStream, String>>> = (0..n)
        .map(|_| {
            let (gate, topic) = (gate.clone(), topic.to_owned());
            executor.spawn(async move {
                let _permit = gate.acquire().await;
                connect_raw(addr, &topic, patches, deflate).await
            })
        })
        .collect();
    let (mut clients, mut failed) = (Vec::with_capacity(n), Vec::new());
    for task in tasks {
        let (frames, state) = client();
        let connected = task.await.and_then(|stream| {
            Client::new(stream, frames, state).map_err(|e| format!("taking the socket: {e}"))
        });
        match connected {
            Ok(client) => clients.push(client),
            Err(error) => failed.push(error),
        }
    }
    (clients, failed)
}

/// The decimal number right after `key` in `head`, if `key` occurs.
pub fn number_after(head: &[u8], key: &[u8]) -> Option<u64> {
    let at = head.windows(key.len()).position(|w| w == key)? + key.len();
    let digits = head[at..].iter().take_while(|b| b.is_ascii_digit());
    digits.fold(None, |n, &d| Some(n.unwrap_or(0) * 10 + u64::from(d - b'0')))
}
