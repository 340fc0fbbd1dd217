//! Shared helpers for planhost's end-to-end tests: start the real binary on
//! 127.0.0.1 port 0, speak raw HTTP/1.1 to it, and connect real WebSocket
//! clients.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::Message;
use futures_lite::StreamExt;

pub mod browser;

pub use async_tungstenite::tungstenite;

/// A WebSocket client connection.
pub type Ws = WebSocketStream<smol::net::TcpStream>;

/// The `planhost` binary, built once per test process.
pub fn planhost_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "planhost", "--bin", "planhost"])
            .status()
            .expect("running cargo build");
        assert!(status.success(), "building planhost failed");
        // tests run from target/<profile>/deps/; the binary sits one level up.
        let exe = std::env::current_exe().expect("test executable path");
        let bin = exe.parent().and_then(Path::parent).expect("target dir").join("planhost");
        assert!(bin.exists(), "{} missing after build", bin.display());
        bin
    })
}

/// `planhost shell ARGS DIR` with `input` piped in: its status, stdout and
/// stderr. The input is written beside the reading; a shell that stops
/// early closes its input, which is no error here.
pub fn shell_in(dir: &Path, args: &[&str], input: &[u8]) -> (Option<i32>, String, String) {
    let mut child = Command::new(planhost_bin())
        .arg("shell")
        .args(args)
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting planhost shell");
    let (mut stdin, input) = (child.stdin.take().expect("stdin"), input.to_vec());
    let writer = std::thread::spawn(move || match stdin.write_all(&input) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.expect("writing the shell's input"),
    });
    let output = child.wait_with_output().expect("running planhost shell");
    writer.join().expect("the input writer");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code(), text(&output.stdout), text(&output.stderr))
}

/// A fresh empty directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("planhost-test-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("creating temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Builds `tests/plugins/hostile` (a plugin that misbehaves on request)
/// for wasm32-wasip2 once per test process; its path.
pub fn hostile_wasm() -> &'static Path {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| test_plugin_wasm("hostile", None))
}

/// Builds the test plugin `tests/plugins/NAME` for wasm32-wasip2 (with a
/// cargo feature, if one is given); the path of a copy of the component
/// for that feature. The test plugins share one target folder, and so
/// their dependencies, built once.
pub fn test_plugin_wasm(name: &str, feature: Option<&str>) -> PathBuf {
    // One build at a time: every feature links to the same output file.
    static BUILDS: Mutex<()> = Mutex::new(());
    let _one_at_a_time = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
    let target = root.join("target/wasm-test-plugins");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--release", "--quiet", "--target", "wasm32-wasip2", "--manifest-path"])
        .arg(root.join(format!("tests/plugins/{name}/Cargo.toml")))
        .arg("--target-dir")
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR");
    if let Some(feature) = feature {
        build.args(["--features", feature]);
    }
    let status = build.status().expect("running cargo");
    assert!(status.success(), "building the {name} plugin failed");
    let built = target.join(format!("wasm32-wasip2/release/planhost_plugin_{name}.wasm"));
    let copy = target.join(format!("{name}-{}.wasm", feature.unwrap_or("plain")));
    std::fs::copy(&built, &copy).expect("copying the component");
    copy
}

/// Spawns `planhost serve DIR --addr ADDR EXTRA...` and reads its ready
/// line: the child (its standard output still to drain), the address it
/// listens on, and the line.
pub fn spawn_serve(dir: &Path, addr: &str, extra: &[&str]) -> (Child, SocketAddr, String) {
    let mut child = Command::new(planhost_bin())
        .arg("serve")
        .arg(dir)
        .args(["--addr", addr])
        .args(extra)
        .env("RUST_LOG", "planhost=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting planhost");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("reading the ready line");
    let addr = line
        .trim()
        .strip_prefix("planhost listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .expect("address in the ready line");
    child.stdout = Some(stdout.into_inner());
    (child, addr, line)
}

/// A command line run on a real pseudo-terminal (`script` from
/// util-linux allocates it): what it shows, and a keyboard. Killed on drop.
pub struct Terminal {
    pub child: Child,
    keyboard: ChildStdin,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl Terminal {
    /// Runs `shell` (a command line for `sh -c`; start it with `exec` so
    /// that the program itself is in the terminal's foreground and gets
    /// its SIGINT) and waits for its first prompt (`> `).
    pub fn run(shell: &str) -> Terminal {
        let mut child = Command::new("script")
            .args(["-qfec", shell, "/dev/null"])
            .env("RUST_LOG", "planhost=warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("script (util-linux) runs");
        let screen = Arc::new(Mutex::new(Vec::new()));
        let mut stdout = child.stdout.take().expect("stdout");
        let bytes = screen.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                bytes.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&chunk[..n]);
            }
        });
        let keyboard = child.stdin.take().expect("stdin");
        let terminal = Terminal { child, keyboard, screen };
        terminal.wait_for("> ", 1);
        terminal
    }

    /// Everything shown so far, without escape sequences.
    pub fn text(&self) -> String {
        let raw = String::from_utf8_lossy(&self.screen.lock().unwrap_or_else(|e| e.into_inner()))
            .into_owned();
        strip_escapes(&raw).replace('\r', "")
    }

    pub fn count(&self, needle: &str) -> usize {
        self.text().matches(needle).count()
    }

    /// Waits until the screen shows `needle` `count` times, failing after 20 s.
    pub fn wait_for(&self, needle: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.count(needle) < count {
            assert!(Instant::now() < deadline, "no {needle:?} (x{count}) in:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn press(&mut self, keys: &[u8]) {
        self.keyboard.write_all(keys).expect("typing");
        self.keyboard.flush().expect("typing");
    }

    /// Types a line, then waits for what it should show and for the next
    /// prompt (`>> ` too; input typed ahead of a prompt is not read).
    pub fn type_line(&mut self, line: &str, shows: &str) {
        let (prompts, shown) = (self.count("> "), self.count(shows));
        self.press(format!("{line}\n").as_bytes());
        self.wait_for(shows, shown + 1);
        self.wait_for("> ", prompts + 1);
    }

    /// Waits for the program to exit, failing after `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "no exit within {limit:?}:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ctrl-D, then the exit status.
    pub fn quit(mut self) -> ExitStatus {
        self.press(&[4]);
        self.wait_exit(Duration::from_secs(20))
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Terminal output without its escape sequences (`ESC [ ... letter`).
pub fn strip_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            // Parameters, then one final letter (or `~`).
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() || c == '~' {
                    break;
                }
            }
        }
    }
    out
}

/// A running `planhost serve`, killed on drop.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub token: String,
    pub plan_dir: TempDir,
    pub stdout_line: String,
}

impl Server {
    /// Starts `planhost serve` on an empty plan directory with extra arguments.
    pub fn start(extra: &[&str]) -> Server {
        Server::start_in(TempDir::new("plan"), extra)
    }

    /// Starts `planhost serve PLAN_DIR --addr 127.0.0.1:0 EXTRA...`.
    pub fn start_in(plan_dir: TempDir, extra: &[&str]) -> Server {
        let (mut child, addr, line) = spawn_serve(plan_dir.path(), "127.0.0.1:0", extra);
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let token = std::fs::read_to_string(plan_dir.path().join(".planhost/token"))
            .expect("token file")
            .trim()
            .to_owned();
        // Keep draining stdout so the child never blocks on it.
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stdout.read_to_string(&mut rest);
            assert!(rest.is_empty(), "planhost printed more on stdout: {rest:?}");
        });
        Server { child, addr, token, plan_dir, stdout_line: line }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Sends a signal to the server.
    pub fn signal(&self, signal: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_raw(self.pid()).expect("pid");
        rustix::process::kill_process(pid, signal).expect("kill");
    }

    /// Waits for the process to exit, failing after `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "planhost did not exit within {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends raw bytes and reads the whole answer until the server closes.
    pub fn raw(&self, request: &[u8]) -> Response {
        let mut stream = self.connect();
        stream.write_all(request).expect("writing request");
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        Response::parse(&bytes)
            .unwrap_or_else(|| panic!("no HTTP response to {:?}", String::from_utf8_lossy(request)))
    }

    /// A plain TCP connection with a 10 s read timeout.
    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).expect("connecting");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        stream
    }

    /// `GET path` on a fresh connection.
    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], b"")
    }

    /// Any request on a fresh connection, closed after the response.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut head =
            format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.raw(&bytes)
    }

    /// Publishes through `POST /api/publish/TOPIC` with the server's token.
    pub fn publish(&self, topic: &str, data: &str) -> serde_json::Value {
        self.publish_with(topic, data, "")
    }

    /// Publishes with a query string such as `?delivery=latest-wins`.
    pub fn publish_with(&self, topic: &str, data: &str, query: &str) -> serde_json::Value {
        let auth = format!("Bearer {}", self.token);
        let response = self.request(
            "POST",
            &format!("/api/publish/{topic}{query}"),
            &[("Authorization", &auth)],
            data.as_bytes(),
        );
        assert_eq!(response.status, 200, "publish failed: {}", response.text());
        response.json()
    }

    /// Runs a console line through `POST /api/console` with the server's
    /// token; returns the answer (`status`, `output`, `error`).
    pub fn console(&self, chunk: &str) -> serde_json::Value {
        let auth = format!("Bearer {}", self.token);
        let response =
            self.request("POST", "/api/console", &[("Authorization", &auth)], chunk.as_bytes());
        assert_eq!(response.status, 200, "console failed: {}", response.text());
        response.json()
    }

    /// Subscriber count of a topic per `GET /api/topics` (0 if absent).
    pub fn subscribers(&self, topic: &str) -> u64 {
        let topics = self.get("/api/topics").json();
        topics
            .as_array()
            .expect("topic list")
            .iter()
            .find(|t| t["topic"] == topic)
            .map_or(0, |t| t["subscribers"].as_u64().expect("count"))
    }

    /// Polls until `topic` has exactly `count` subscribers, failing after 10 s.
    pub fn wait_subscribers(&self, topic: &str, count: u64) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.subscribers(topic);
            if now == count {
                return;
            }
            assert!(Instant::now() < deadline, "{topic}: {now} subscribers, expected {count}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Opens a WebSocket client at `/ws`.
    pub async fn ws(&self) -> Ws {
        let stream = smol::net::TcpStream::connect(self.addr).await.expect("connecting");
        let url = format!("ws://{}/ws", self.addr);
        let (ws, _) =
            async_tungstenite::client_async(url, stream).await.expect("websocket handshake");
        ws
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsed HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// Parses the first response in `bytes` (Content-Length bodies only).
    pub fn parse(bytes: &[u8]) -> Option<Response> {
        let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = std::str::from_utf8(&bytes[..end]).ok()?;
        let mut lines = head.split("\r\n");
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let rest = &bytes[end + 4..];
        let len = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(rest.len())
            .min(rest.len());
        Some(Response { status, headers, body: rest[..len].to_vec() })
    }

    /// Reads one complete response (head plus Content-Length body) from a
    /// keep-alive connection.
    pub fn read_from(stream: &mut TcpStream) -> Option<Response> {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            if let Some(response) = Response::parse(&bytes) {
                let declared = response.header("content-length").and_then(|v| v.parse().ok());
                if declared.is_none_or(|len: usize| response.body.len() >= len) {
                    return Some(response);
                }
            }
            let n = stream.read(&mut buf).ok()?;
            if n == 0 {
                return Response::parse(&bytes);
            }
            bytes.extend_from_slice(&buf[..n]);
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("bad JSON {:?}: {e}", self.text()))
    }
}

/// A WebSocket client on a plain TCP stream that writes frames byte by
/// byte, for frames a well-behaved client library refuses to send.
pub struct RawWs(pub TcpStream);

impl RawWs {
    /// Connects and completes the handshake.
    pub fn connect(server: &Server) -> RawWs {
        RawWs::connect_with(server, "").0
    }

    /// Connects with `extra` request headers (each ending in CRLF);
    /// returns the 101 response's head too.
    pub fn connect_with(server: &Server, extra: &str) -> (RawWs, String) {
        RawWs::connect_sending(server, extra, &[])
    }

    /// Connects with `extra` request headers, sending `early` (frames) in
    /// the same write as the upgrade request, before its answer.
    pub fn connect_sending(server: &Server, extra: &str, early: &[u8]) -> (RawWs, String) {
        let mut stream = server.connect();
        let request = format!(
            "GET /ws HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n",
            server.addr
        );
        stream.write_all(&[request.as_bytes(), early].concat()).expect("handshake");
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).expect("handshake response");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        (RawWs(stream), head)
    }

    /// Writes one final frame; `masked` as clients must (RFC 6455, 5.3).
    /// `opcode` may carry RSV bits (`0x40`: compressed).
    pub fn write_frame(&mut self, opcode: u8, payload: &[u8], masked: bool) {
        self.write_fragment(0x80 | opcode, payload, masked);
    }

    /// Writes one frame with `first` as its first byte (FIN, RSV, opcode).
    pub fn write_fragment(&mut self, first: u8, payload: &[u8], masked: bool) {
        let _ = self.0.write_all(&RawWs::frame(first, payload, masked));
    }

    /// The bytes of one frame with `first` as its first byte.
    pub fn frame(first: u8, payload: &[u8], masked: bool) -> Vec<u8> {
        let mut frame = vec![first];
        let mask_bit = if masked { 0x80 } else { 0 };
        match payload.len() {
            n if n < 126 => frame.push(mask_bit | n as u8),
            n if n <= 0xffff => {
                frame.push(mask_bit | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(mask_bit | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let key = [0x12, 0x34, 0x56, 0x78];
        if masked {
            frame.extend_from_slice(&key);
            frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        } else {
            frame.extend_from_slice(payload);
        }
        frame
    }

    /// Reads one frame: (opcode, payload), or `None` at end of stream.
    pub fn read_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        self.read_frame_whole().map(|(first, payload)| (first & 0x0f, payload))
    }

    /// Reads one frame: (first byte with FIN, RSV and opcode, payload).
    pub fn read_frame_whole(&mut self) -> Option<(u8, Vec<u8>)> {
        let mut head = [0u8; 2];
        self.0.read_exact(&mut head).ok()?;
        let len = match head[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                self.0.read_exact(&mut b).ok()?;
                u16::from_be_bytes(b) as usize
            }
            127 => {
                let mut b = [0u8; 8];
                self.0.read_exact(&mut b).ok()?;
                u64::from_be_bytes(b) as usize
            }
            n => n as usize,
        };
        let mut payload = vec![0u8; len];
        self.0.read_exact(&mut payload).ok()?;
        Some((head[0], payload))
    }

    /// Reads frames until a close frame, returning its code.
    pub fn close_code(&mut self) -> Option<u16> {
        loop {
            let (opcode, payload) = self.read_frame()?;
            if opcode == 0x8 {
                return payload.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]]));
            }
        }
    }
}

/// Sends a JSON text frame.
pub async fn send_json(ws: &mut Ws, value: serde_json::Value) {
    ws.send(Message::text(value.to_string())).await.expect("sending frame");
}

/// Subscribes to `topic`.
pub async fn subscribe(ws: &mut Ws, topic: &str, since: Option<u64>) {
    let mut frame = serde_json::json!({"type": "subscribe", "topic": topic});
    if let Some(since) = since {
        frame["since"] = since.into();
    }
    send_json(ws, frame).await;
}

/// The next data frame as JSON (pings are skipped), failing after 10 s.
pub async fn next_json(ws: &mut Ws) -> serde_json::Value {
    match next_message(ws, Duration::from_secs(10)).await {
        Some(Message::Text(text)) => serde_json::from_str(text.as_str()).expect("JSON frame"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// The next message on a view topic: its rev and its envelope
/// (`{"html", "error"}`), failing after 10 s.
pub async fn next_view(ws: &mut Ws) -> (u64, serde_json::Value) {
    view_message(&next_json(ws).await)
}

/// The rev and the envelope of a message frame on a view topic.
pub fn view_message(frame: &serde_json::Value) -> (u64, serde_json::Value) {
    assert_eq!(frame["type"], "message", "{frame}");
    let data = frame["data"].as_str().expect("message data");
    let envelope = serde_json::from_str(data).expect("view envelope JSON");
    (frame["rev"].as_u64().expect("rev"), envelope)
}

/// The next non-ping message, `None` when the stream ended or `limit` passed.
pub async fn next_message(ws: &mut Ws, limit: Duration) -> Option<Message> {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = futures_lite::FutureExt::or(async { ws.next().await }, async {
            smol::Timer::after(left).await;
            None
        })
        .await;
        match message {
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(message)) => return Some(message),
            _ => return None,
        }
    }
}

/// Whether nothing but pings arrives within `quiet`.
pub async fn stays_quiet(ws: &mut Ws, quiet: Duration) -> bool {
    next_message(ws, quiet).await.is_none()
}
