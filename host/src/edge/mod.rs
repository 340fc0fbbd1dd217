//! The edge: one task per TCP connection. Requests are parsed with
//! async-h1's decoder and answered with its encoder; this module owns the
//! connection loop around them (keep-alive, timeouts, size limits, error
//! statuses) and hands WebSocket upgrades to [`ws`].

pub mod assets;
pub mod deflate;
pub mod frames;
pub mod pages;
pub mod request_stream;
pub mod routes;
pub mod ws;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use futures_lite::{AsyncReadExt, FutureExt, io};
use http_types::{Method, Response, StatusCode};
use smol::net::TcpStream;
use smol::{Executor, Timer};

use crate::config::Limits;
use crate::hub::HubHandle;
use crate::live::LiveHandle;
use crate::live::console::Console;
use crate::lua::thread::LuaHandle;
use crate::plan_dir::Token;
use crate::render::Renderers;
use assets::Assets;
use request_stream::RequestStream;

/// Unread request body the server will skip to keep a connection alive.
const MAX_BODY_TO_SKIP: u64 = 64 << 10;

/// What every connection task shares.
pub struct Edge {
    pub hub: HubHandle,
    pub token: Token,
    pub assets: Assets,
    pub limits: Limits,
    /// Spawns the tasks a connection needs beside its own.
    pub spawner: Arc<Executor<'static>>,
    /// The plan: its Lua, its live loop and its console.
    pub plan: PlanParts,
    next_client: AtomicU64,
    live_sessions: AtomicUsize,
}

impl Edge {
    pub fn new(
        hub: HubHandle,
        token: Token,
        assets: Assets,
        limits: Limits,
        spawner: Arc<Executor<'static>>,
        plan: PlanParts,
    ) -> Edge {
        Edge {
            hub,
            token,
            assets,
            limits,
            spawner,
            plan,
            next_client: AtomicU64::new(1),
            live_sessions: AtomicUsize::new(0),
        }
    }

    /// WebSocket sessions still running.
    pub fn live_sessions(&self) -> usize {
        self.live_sessions.load(Ordering::Acquire)
    }
}

/// The parts of the server behind the plan's routes.
pub struct PlanParts {
    pub lua: LuaHandle,
    pub live: LiveHandle,
    pub console: Console,
    /// The renderer plugins in use.
    pub renderers: Arc<Renderers>,
}

/// How a request was answered.
pub enum Reply {
    /// An ordinary response.
    Http(Response),
    /// `101 Switching Protocols`: after it is written the connection
    /// becomes a WebSocket session.
    Upgrade(Response),
}

/// How long a connection ended after an answer keeps reading (and
/// dropping) what the client still sends; see [`linger`].
const LINGER: Duration = Duration::from_secs(2);

/// How a connection's requests came to an end.
#[derive(PartialEq)]
enum Ended {
    /// The client went away, fell silent, or the session took the socket.
    Done,
    /// The server answered and ends the connection; the client may still
    /// be sending (a body the server did not read).
    AfterAnswer,
}

/// Serves one TCP connection until it closes, times out or upgrades.
pub async fn serve_connection(edge: Arc<Edge>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    if serve_requests(edge, &stream).await == Ended::AfterAnswer {
        linger(&stream).await;
    }
}

/// Closing a socket with unread bytes makes the kernel reset the
/// connection, and the client may lose the answer it was sent. So the
/// write side is shut (the client sees the end of the answer) and what
/// still arrives is read and dropped, until the client closes or for
/// [`LINGER`] at most.
async fn linger(stream: &TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let drain = async {
        let mut dropped = [0u8; 8192];
        while matches!(stream.clone().read(&mut dropped).await, Ok(1..)) {}
    };
    drain
        .or(async {
            Timer::after(LINGER).await;
        })
        .await;
}

async fn serve_requests(edge: Arc<Edge>, stream: &TcpStream) -> Ended {
    let requests = RequestStream::new(stream.clone(), edge.limits.max_body_bytes as u64);
    loop {
        let decoded = async_h1::server::decode(requests.clone())
            .or(async {
                Timer::after(edge.limits.header_timeout).await;
                Err(http_types::Error::from_str(StatusCode::RequestTimeout, "header timeout"))
            })
            .await;
        let (mut request, mut body) = match decoded {
            Ok(Some(parts)) => parts,
            Ok(None) => return Ended::Done,
            Err(error) => {
                let Some(status) = status_for_decode_error(&error) else { return Ended::Done };
                tracing::debug!(%error, "bad request head");
                let response = routes::error_response(status, &decode_error_message(&error));
                let _ = write_response(&edge, stream, response, Method::Get, false).await;
                return Ended::AfterAnswer;
            }
        };
        if let Some((status, message)) = framing_error(&request) {
            let response = routes::error_response(status, message);
            let _ = write_response(&edge, stream, response, Method::Get, false).await;
            return Ended::AfterAnswer;
        }
        requests.body_follows(&request);
        let method = request.method();
        let mut keep_alive = !wants_close(&request);
        let (sent_method, target) = requests.take_request_line().unzip();
        // Methods are case-sensitive (RFC 9110, 9.1): the parser is not.
        if sent_method.is_some_and(|sent| sent != method.as_ref()) {
            let message = "unknown method (methods are case-sensitive: GET, not get)";
            let response = routes::error_response(StatusCode::NotImplemented, message);
            let _ = write_response(&edge, stream, response, Method::Get, false).await;
            return Ended::AfterAnswer;
        }
        let reply = routes::route(&edge, &mut request, target.as_deref()).await;
        drop(request);
        match reply {
            Reply::Upgrade(response) => {
                let deflate = response.header("Sec-WebSocket-Extensions").is_some();
                if write_response(&edge, stream, response, method, true).await.is_ok() {
                    // A task of its own: this connection task holds the HTTP
                    // parser's state, which an idle client should not keep.
                    let spawner = edge.spawner.clone();
                    let early = requests.take_buffered();
                    let session = ws::run_session(edge, stream.clone(), early, deflate);
                    spawner.spawn(session).detach();
                }
                return Ended::Done;
            }
            Reply::Http(response) => {
                keep_alive &= !response
                    .header("Connection")
                    .is_some_and(|v| v.as_str().eq_ignore_ascii_case("close"));
                keep_alive &= !requests.withhold_continue();
                // A body left unread that will not be skipped ends the
                // connection: said in the answer, so the client knows to
                // send what it pipelined behind it again.
                keep_alive &= requests.body_left().is_some_and(|left| left <= MAX_BODY_TO_SKIP);
                if write_response(&edge, stream, response, method, keep_alive).await.is_err() {
                    return Ended::Done;
                }
            }
        }
        if !keep_alive {
            return Ended::AfterAnswer;
        }
        // Skip what the handler left of the body so the next request starts
        // at a request line; a large or slow remainder ends the connection.
        let skipped = io::copy((&mut body).take(MAX_BODY_TO_SKIP + 1), io::sink())
            .or(async {
                Timer::after(edge.limits.io_timeout).await;
                Err(std::io::ErrorKind::TimedOut.into())
            })
            .await;
        if !matches!(skipped, Ok(n) if n <= MAX_BODY_TO_SKIP) {
            return Ended::AfterAnswer;
        }
    }
}

/// Writes a response, within the I/O timeout.
async fn write_response(
    edge: &Edge,
    stream: &TcpStream,
    mut response: Response,
    method: Method,
    keep_alive: bool,
) -> std::io::Result<()> {
    if !keep_alive && response.status() != StatusCode::SwitchingProtocols {
        response.insert_header("Connection", "close");
    }
    let mut encoder = async_h1::server::Encoder::new(response, method);
    let mut writer = stream.clone();
    let written = io::copy(&mut encoder, &mut writer).or(timeout(edge.limits.io_timeout)).await;
    written.map(drop)
}

async fn timeout<T>(after: Duration) -> std::io::Result<T> {
    Timer::after(after).await;
    Err(std::io::ErrorKind::TimedOut.into())
}

fn wants_close(request: &http_types::Request) -> bool {
    has_token(request, "Connection", "close")
}

/// Whether a list-valued header holds `token`; the header may come in
/// several lines, each a comma-separated list.
fn has_token(request: &http_types::Request, name: &str, token: &str) -> bool {
    request.header(name).is_some_and(|values| {
        values.iter().any(|v| v.as_str().split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}

/// Why a parsed request's body cannot be told from what follows it, as
/// async-h1 does not check: Content-Length given twice with different
/// values (async-h1 takes the last), or a transfer coding other than
/// chunked alone (async-h1 would read the body as the next request).
fn framing_error(request: &http_types::Request) -> Option<(StatusCode, &'static str)> {
    if let Some(lengths) = request.header("Content-Length") {
        if lengths.iter().any(|l| l.as_str().trim() != lengths.last().as_str().trim()) {
            return Some((StatusCode::BadRequest, "conflicting Content-Length headers"));
        }
        // Digits only (RFC 9110, 8.6): a sign is read by some and not others.
        if !lengths.iter().all(|l| l.as_str().trim().bytes().all(|b| b.is_ascii_digit())) {
            return Some((StatusCode::BadRequest, "Content-Length is not a number of bytes"));
        }
    }
    // One Host (RFC 9112, 3.2): two could name two sites.
    if request.header("Host").is_some_and(|hosts| hosts.iter().count() > 1) {
        return Some((StatusCode::BadRequest, "more than one Host header"));
    }
    let codings = request.header("Transfer-Encoding")?;
    (codings.iter().count() != 1 || !codings.as_str().eq_ignore_ascii_case("chunked"))
        .then_some((StatusCode::NotImplemented, "only the chunked transfer coding is supported"))
}

/// What to tell a client whose request head could not be parsed (the
/// parser's own words are terse: "invalid token").
fn decode_error_message(error: &http_types::Error) -> String {
    let text = error.to_string();
    match text.as_str() {
        "invalid token" => "malformed request line: a character not allowed there (a space or \
                            tab in the path must be percent-encoded)"
            .to_owned(),
        "invalid header name" | "invalid header value" | "invalid new line" => {
            format!("malformed request head: {text}")
        }
        _ => text,
    }
}

/// The status to answer a request head that could not be parsed with, or
/// `None` when the peer just went away or stayed silent.
fn status_for_decode_error(error: &http_types::Error) -> Option<StatusCode> {
    if error.status() == StatusCode::RequestTimeout {
        return None;
    }
    if let Some(io_error) = error.downcast_ref::<std::io::Error>() {
        // Bytes that are not UTF-8 in a header line surface as I/O errors.
        return (io_error.kind() == std::io::ErrorKind::InvalidData)
            .then_some(StatusCode::BadRequest);
    }
    let text = error.to_string();
    if text.contains("Head byte length") || text.contains("too many headers") {
        Some(StatusCode::RequestHeaderFieldsTooLarge)
    } else if text.contains("Unsupported HTTP version") {
        Some(StatusCode::HttpVersionNotSupported)
    } else {
        Some(StatusCode::BadRequest)
    }
}
