//! What the benches share: whether a run measures, the planhost binary,
//! starting a server and waiting for its ready line, CPU time and machine
//! figures, percentiles, one-shot HTTP requests and a raw reader of server
//! WebSocket frames. Each bench includes it with `mod support;`.

#![allow(dead_code)] // Each bench uses its own part of it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

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

/// One server frame as [`FrameReader::next`] saw it.
pub struct Frame<T> {
    pub opcode: u8,
    /// Payload bytes.
    pub len: usize,
    /// What the caller took from the payload's first bytes.
    pub head: T,
}

/// Server frames (unmasked, final) read from one reused buffer: the caller
/// looks at the first bytes of each payload, the rest is skipped, nothing is
/// allocated per message. A compressed frame (RSV1, permessage-deflate
/// without context takeover) is inflated only as far as the caller looks.
pub struct FrameReader {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// For compressed frames: the inflater and the inflated head.
    inflater: Option<(flate2::Decompress, Vec<u8>)>,
    /// Heads other readers inflated, if this reader shares theirs.
    shared: Option<Arc<InflatedHeads>>,
}

/// The heads of the last few compressed payloads some reader inflated,
/// each with the compressed bytes it came from. The server sends every
/// client of a message the same compressed bytes; a reader whose payload
/// starts with the same bytes that were inflated holds the same head, and
/// takes it from here instead of inflating it again (1,000 simulated
/// browsers share the load generator's core; each real one would inflate
/// on its own machine).
#[derive(Default)]
pub struct InflatedHeads {
    recent: Mutex<VecDeque<InflatedHead>>,
}

struct InflatedHead {
    window: usize,
    /// The compressed bytes inflated (a prefix of the payload).
    input: Box<[u8]>,
    head: Box<[u8]>,
}

impl InflatedHeads {
    /// How many recent payloads are remembered.
    const KEPT: usize = 4;

    /// Copies the head of `payload` into `out` if it is known; its length.
    fn find(&self, window: usize, payload: &[u8], out: &mut [u8]) -> Option<usize> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let known = recent
            .iter()
            .find(|known| known.window == window && payload.starts_with(&known.input))?;
        out[..known.head.len()].copy_from_slice(&known.head);
        Some(known.head.len())
    }

    fn remember(&self, window: usize, input: &[u8], head: &[u8]) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() == Self::KEPT {
            recent.pop_front();
        }
        recent.push_back(InflatedHead { window, input: input.into(), head: head.into() });
    }
}

thread_local! {
    /// The buffer `recv` is handed when discarding (`MSG_TRUNC` on TCP never
    /// writes to it): one per thread, whatever the number of clients.
    static DISCARD: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 64 << 10]);
}

impl FrameReader {
    /// The largest `window` [`FrameReader::next`] accepts.
    pub const MAX_WINDOW: usize = 32 << 10;

    /// A read asks for at least this much: a small frame (a compressed
    /// patch, a ping) comes in one read, a large one's unread rest is
    /// discarded without a copy.
    const READ_AHEAD: usize = 4 << 10;

    pub fn new() -> FrameReader {
        FrameReader {
            buf: vec![0; Self::MAX_WINDOW],
            start: 0,
            end: 0,
            inflater: None,
            shared: None,
        }
    }

    /// A reader that shares inflated heads with the others given `shared`.
    pub fn sharing(shared: Arc<InflatedHeads>) -> FrameReader {
        FrameReader { shared: Some(shared), ..FrameReader::new() }
    }

    /// Makes at least `n` bytes (n <= buffer size) available at `start`,
    /// reading little more than that: what a frame's reader does not look
    /// at is discarded in the kernel ([`FrameReader::skip`]), not copied.
    async fn fill(&mut self, stream: &mut TcpStream, n: usize) -> Result<(), String> {
        if self.start + n > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end - self.start < n {
            let wanted = (n - (self.end - self.start)).max(Self::READ_AHEAD);
            let until = (self.end + wanted).min(self.buf.len());
            let read = stream
                .read(&mut self.buf[self.end..until])
                .await
                .map_err(|e| format!("receive: {e}"))?;
            if read == 0 {
                return Err("the server closed the connection".into());
            }
            self.end += read;
        }
        Ok(())
    }

    /// The next frame, once all of it arrived; `look` gets the first
    /// `window` bytes of its payload (fewer if the payload is shorter).
    pub async fn next<T>(
        &mut self,
        stream: &mut TcpStream,
        window: usize,
        look: impl FnOnce(&[u8]) -> T,
    ) -> Result<Frame<T>, String> {
        assert!(window <= Self::MAX_WINDOW, "a frame head window of {window} bytes is too large");
        self.fill(stream, 2).await?;
        let (opcode, short) = (self.buf[self.start] & 0x0f, self.buf[self.start + 1] & 0x7f);
        let compressed = self.buf[self.start] & 0x40 != 0;
        let (header, len) = match short {
            126 => {
                self.fill(stream, 4).await?;
                let b = &self.buf[self.start + 2..self.start + 4];
                (4, usize::from(u16::from_be_bytes([b[0], b[1]])))
            }
            127 => {
                self.fill(stream, 10).await?;
                let mut b = [0u8; 8];
                b.copy_from_slice(&self.buf[self.start + 2..self.start + 10]);
                (10, u64::from_be_bytes(b) as usize)
            }
            n => (2, usize::from(n)),
        };
        self.start += header;
        if compressed {
            // As much of the payload as the buffer holds is plenty to
            // inflate the first `window` bytes.
            let have = len.min(self.buf.len());
            self.fill(stream, have).await?;
            let head = self.inflate_head(have, window, look)?;
            self.skip(stream, len).await?;
            return Ok(Frame { opcode, len, head });
        }
        let head = len.min(window);
        self.fill(stream, head).await?;
        let head = look(&self.buf[self.start..self.start + head]);
        self.skip(stream, len).await?;
        Ok(Frame { opcode, len, head })
    }

    /// Inflates the first `window` bytes of the compressed payload whose
    /// first `have` bytes are at `start` (or takes them from the shared
    /// heads), and shows them to `look`.
    fn inflate_head<T>(
        &mut self,
        have: usize,
        window: usize,
        look: impl FnOnce(&[u8]) -> T,
    ) -> Result<T, String> {
        let (inflater, out) = self
            .inflater
            .get_or_insert_with(|| (flate2::Decompress::new(false), vec![0; Self::MAX_WINDOW]));
        let payload = &self.buf[self.start..self.start + have];
        if let Some(head_len) = self.shared.as_ref().and_then(|s| s.find(window, payload, out)) {
            return Ok(look(&out[..head_len]));
        }
        // Only the start of the input: the inflater decodes all the
        // input it is given into its own window, whatever the output
        // asked for, and a client must not spend a message's worth of
        // CPU per message (a browser inflates its own messages).
        let mut input_len = have.min(window * 4 + 256);
        loop {
            inflater.reset(false);
            let input = &self.buf[self.start..self.start + input_len];
            inflater
                .decompress(input, &mut out[..window], flate2::FlushDecompress::Sync)
                .map_err(|e| format!("inflate: {e}"))?;
            if inflater.total_out() as usize == window || input_len == have {
                break;
            }
            input_len = have.min(input_len * 2);
        }
        let head = &out[..inflater.total_out() as usize];
        if let Some(shared) = &self.shared {
            shared.remember(window, &self.buf[self.start..self.start + input_len], head);
        }
        Ok(look(head))
    }

    /// Skips a payload of `len` bytes at `start`: what the buffer holds,
    /// then the rest straight from the socket with `MSG_TRUNC`, which on a
    /// TCP socket discards the bytes without copying them anywhere (1,000
    /// simulated browsers share the load generator's core; copying every
    /// message they skip cost it a quarter of its time).
    async fn skip(&mut self, stream: &mut TcpStream, len: usize) -> Result<(), String> {
        let here = len.min(self.end - self.start);
        self.start += here;
        let mut left = len - here;
        if left == 0 {
            return Ok(());
        }
        let socket = Arc::<async_io::Async<std::net::TcpStream>>::from(stream.clone());
        while left > 0 {
            let discarded = socket
                .read_with(|socket| {
                    DISCARD.with_borrow_mut(|sink| {
                        let n = left.min(sink.len());
                        rustix::net::recv(socket, &mut sink[..n], rustix::net::RecvFlags::TRUNC)
                            .map(|(_, discarded)| discarded)
                            .map_err(std::io::Error::from)
                    })
                })
                .await
                .map_err(|e| format!("receive: {e}"))?;
            if discarded == 0 {
                return Err("the server closed the connection".into());
            }
            left -= discarded;
        }
        Ok(())
    }
}

/// The decimal number right after `key` in `head`, if `key` occurs.
pub fn number_after(head: &[u8], key: &[u8]) -> Option<u64> {
    let at = head.windows(key.len()).position(|w| w == key)? + key.len();
    let digits = head[at..].iter().take_while(|b| b.is_ascii_digit());
    digits.fold(None, |n, &d| Some(n.unwrap_or(0) * 10 + u64::from(d - b'0')))
}
