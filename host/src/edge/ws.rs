//! WebSocket clients: the upgrade handshake, then one session per client
//! that turns its frames into hub commands and writes its outbox to the
//! socket, with pings, a stuck-writer limit and proper close codes.

use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use async_tungstenite::tungstenite::handshake::derive_accept_key;
use async_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use futures_lite::{AsyncWriteExt, FutureExt, StreamExt, future};
use http_types::{Request, Response, StatusCode};
use smol::net::TcpStream;
use smol::{Async, Task, Timer};

use super::{Edge, Reply, deflate, frames, routes::error_response};
use crate::hub::{
    self, CloseRequest, Command, Frame, Offer, Outbox, OutboxSender, Outgoing, Sent, Text, Wire,
};
use crate::protocol::{ClientFrame, ServerFrame};

/// Checks an upgrade request (RFC 6455, section 4.2.1) and answers 101, or
/// the error status that fits.
pub fn handshake(request: &Request) -> Reply {
    let header = |name: &str| request.header(name).map(|v| v.as_str().to_owned());
    let has_token = |name: &str, token: &str| super::has_token(request, name, token);
    if !has_token("Upgrade", "websocket") || !has_token("Connection", "upgrade") {
        let mut response =
            error_response(StatusCode::UpgradeRequired, "WebSocket upgrade required");
        response.insert_header("Upgrade", "websocket");
        return Reply::Http(response);
    }
    if header("Sec-WebSocket-Version").as_deref() != Some("13") {
        let mut response =
            error_response(StatusCode::UpgradeRequired, "WebSocket version 13 required");
        response.insert_header("Sec-WebSocket-Version", "13");
        return Reply::Http(response);
    }
    let Some(key) = header("Sec-WebSocket-Key").filter(|k| is_valid_key(k)) else {
        return Reply::Http(error_response(StatusCode::BadRequest, "bad Sec-WebSocket-Key"));
    };
    // Bytes after the head are the client's first frames: a body would be
    // read as frames.
    let body = header("Content-Length").is_some_and(|length| length.trim() != "0")
        || header("Transfer-Encoding").is_some();
    if body {
        return Reply::Http(error_response(
            StatusCode::BadRequest,
            "an upgrade request has no body",
        ));
    }
    if let Some(origin) = header("Origin")
        && !same_origin(&origin, header("Host").as_deref())
    {
        return Reply::Http(error_response(
            StatusCode::Forbidden,
            "cross-origin WebSocket refused",
        ));
    }
    let mut response = Response::new(StatusCode::SwitchingProtocols);
    response.insert_header("Upgrade", "websocket");
    response.insert_header("Connection", "Upgrade");
    response.insert_header("Sec-WebSocket-Accept", derive_accept_key(key.as_bytes()));
    let offers = request.header("Sec-WebSocket-Extensions");
    if deflate::accepts_offer(offers.into_iter().flatten().map(|v| v.as_str())) {
        response.insert_header("Sec-WebSocket-Extensions", deflate::RESPONSE);
    }
    Reply::Upgrade(response)
}

/// A key is 16 random bytes in base64: 22 symbols and `==`.
fn is_valid_key(key: &str) -> bool {
    let key = key.trim();
    key.len() == 24
        && key.ends_with("==")
        && key[..22].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Browsers send `Origin`; a page from another site may not subscribe.
fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h.trim()))
}

/// Counts a session as live for as long as it exists.
struct LiveSession<'a>(&'a Edge);

impl<'a> LiveSession<'a> {
    fn new(edge: &'a Edge) -> Self {
        edge.live_sessions.fetch_add(1, Ordering::AcqRel);
        LiveSession(edge)
    }
}

impl Drop for LiveSession<'_> {
    fn drop(&mut self) {
        self.0.live_sessions.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Why a session ends.
enum End {
    /// The peer closed or vanished; nothing more to send.
    Gone,
    /// Close with this code and wait briefly for the peer's answer.
    Close(CloseRequest),
    /// The socket takes no bytes, or the peer stopped answering: just drop it.
    Drop,
}

enum Event {
    ReaderEnded(End),
    Send(Outgoing),
    Reply(Vec<u8>),
    CloseRequested(CloseRequest),
    Tick,
}

/// Runs a client's session on an upgraded connection until it ends;
/// `early` holds what the client sent right behind its upgrade request,
/// `deflate` says the handshake agreed on permessage-deflate.
///
/// Reading and writing are two tasks: the writer wakes for the outbox, its
/// ping timer and tungstenite's control replies; the reader only when the
/// socket has bytes, so a busy outbox never costs a read attempt. While
/// the writer waits with nothing to write, the hub writes frames to the
/// socket itself (see `hub::outbox`).
pub async fn run_session(edge: Arc<Edge>, stream: TcpStream, early: Vec<u8>, deflate: bool) {
    let _live = LiveSession::new(&edge);
    let limits = &edge.limits;
    let config = WebSocketConfig::default()
        .read_buffer_size(1 << 10)
        .max_message_size(Some(limits.max_client_message_bytes))
        .max_frame_size(Some(limits.max_client_message_bytes));
    let inflate_up_to = deflate.then_some(limits.max_client_message_bytes);
    let (read_side, replies) = frames::ReadSide::new(stream.clone(), early, inflate_up_to);
    let socket = WebSocketStream::from_raw_socket(read_side, Role::Server, Some(config)).await;
    let client = edge.next_client.fetch_add(1, Ordering::Relaxed);
    let wire = SocketWire { socket: Arc::from(stream.clone()), deflate };
    let (hub_sender, outbox) = hub::direct_outbox(limits.client_queue_len, wire);
    let register = Command::Register {
        client,
        outbox: hub_sender.clone(),
        max_subscriptions: limits.max_subscriptions_per_client,
    };
    if edge.hub.send(register).await.is_err() {
        return;
    }
    tracing::debug!(client, "websocket session started");
    let heard = Arc::new(Heard::new());
    let mut reader = Some(edge.spawner.spawn(read_loop(
        edge.clone(),
        client,
        socket,
        hub_sender,
        heard.clone(),
    )));
    let mut writer = Writer { stream, stuck: limits.stuck_timeout, deflate };
    let end = write_loop(&edge, &mut writer, &outbox, &replies, &mut reader, &heard).await;
    let _ = edge.hub.send(Command::Disconnect { client }).await;
    if let End::Close(request) = end {
        let closing = async {
            let payload = frames::close_payload(request.code, request.reason);
            if writer.frame(frames::CLOSE, &payload).await.is_ok() {
                // The reader ends at the peer's close frame (or its disconnect).
                if let Some(reader) = reader.as_mut() {
                    reader.await;
                } else {
                    // It ended first (the client broke the rules): what the
                    // client sent after is read and dropped until it closes,
                    // as closing a socket with unread bytes resets it and
                    // the client would lose the close frame.
                    let _ = writer.stream.shutdown(std::net::Shutdown::Write);
                    // (On the heap: every idle session's future would
                    // otherwise hold room for it.)
                    let mut rest = vec![0u8; 4096];
                    use futures_lite::AsyncReadExt;
                    while matches!(writer.stream.read(&mut rest).await, Ok(n) if n > 0) {}
                }
            }
        };
        let grace = async {
            Timer::after(limits.shutdown_grace).await;
        };
        closing.or(grace).await;
    }
    drop(reader);
    tracing::debug!(client, "websocket session ended");
}

/// The client's connection as the hub writes to it while the session has
/// nothing to write.
#[derive(Debug)]
struct SocketWire {
    socket: Arc<Async<std::net::TcpStream>>,
    deflate: bool,
}

impl Wire for SocketWire {
    fn send_now(&self, text: &Text) -> Sent {
        let (opcode, payload) = message_frame(text, self.deflate);
        match frames::write_frame_now(self.socket.get_ref(), opcode, payload) {
            (Ok(n), len) if n == len => Sent::Whole,
            (Ok(n), _) => Sent::Part(n),
            (Err(_), _) => Sent::Part(0),
        }
    }
}

/// A message's opcode and payload: compressed if the client agreed to that.
fn message_frame(text: &Text, deflate: bool) -> (u8, &[u8]) {
    match deflate.then(|| text.compressed_with(deflate::compress)).flatten() {
        Some(compressed) => (frames::TEXT | frames::COMPRESSED, compressed),
        None => (frames::TEXT, text.as_bytes()),
    }
}

/// The session's writing to its client's socket.
struct Writer {
    stream: TcpStream,
    /// A write that makes no progress for this long ends the session.
    stuck: Duration,
    /// Messages go compressed (permessage-deflate).
    deflate: bool,
}

impl Writer {
    /// Writes a message, compressed if the client agreed to that.
    async fn text(&mut self, text: &Text) -> Result<(), End> {
        self.text_from(text, 0).await
    }

    /// Writes what is left of a message's frame after its first `written` bytes.
    async fn text_from(&mut self, text: &Text, written: usize) -> Result<(), End> {
        let (opcode, payload) = message_frame(text, self.deflate);
        let stuck = self.stuck;
        let mut writing =
            pin!(frames::write_frame_from(&mut self.stream, opcode, payload, written));
        Self::finish(&mut writing, stuck).await
    }

    /// Writes one frame; the stuck timer only starts if the write has to wait.
    async fn frame(&mut self, opcode: u8, payload: &[u8]) -> Result<(), End> {
        let stuck = self.stuck;
        let mut writing = pin!(frames::write_frame(&mut self.stream, opcode, payload));
        Self::finish(&mut writing, stuck).await
    }

    /// Writes bytes tungstenite framed (its control replies).
    async fn raw(&mut self, bytes: &[u8]) -> Result<(), End> {
        let stuck = self.stuck;
        let mut writing = pin!(self.stream.write_all(bytes));
        Self::finish(&mut writing, stuck).await
    }

    async fn finish(
        writing: &mut Pin<&mut impl Future<Output = std::io::Result<()>>>,
        stuck: Duration,
    ) -> Result<(), End> {
        let written = match future::poll_once(writing.as_mut()).await {
            Some(result) => Some(result),
            None => {
                let deadline = async {
                    Timer::after(stuck).await;
                    None
                };
                async { Some(writing.as_mut().await) }.or(deadline).await
            }
        };
        match written {
            Some(Ok(())) => Ok(()),
            Some(Err(_)) => Err(End::Gone),
            None => {
                tracing::debug!("client stuck: dropping");
                Err(End::Drop)
            }
        }
    }
}

/// When the client was last heard from, as milliseconds since `start`.
struct Heard {
    start: Instant,
    millis: AtomicU64,
}

impl Heard {
    fn new() -> Heard {
        Heard { start: Instant::now(), millis: AtomicU64::new(0) }
    }

    fn now(&self) {
        self.millis.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn silent_for(&self) -> Duration {
        self.start
            .elapsed()
            .saturating_sub(Duration::from_millis(self.millis.load(Ordering::Relaxed)))
    }
}

/// Writes the outbox, pings and control replies until the session ends.
async fn write_loop(
    edge: &Edge,
    writer: &mut Writer,
    outbox: &Outbox,
    replies: &flume::Receiver<Vec<u8>>,
    reader: &mut Option<Task<End>>,
    heard: &Heard,
) -> End {
    let limits = &edge.limits;
    let mut ping = Timer::interval(limits.ping_interval);
    // Streams keep their wake-up registrations across iterations, so a
    // delivery costs no re-registration on the channels.
    let mut control = outbox.control.stream();
    let mut queued_replies = replies.stream();
    let mut frames = outbox.frames.stream();
    loop {
        // The hub may write while this waits; it takes the socket back
        // before writing anything, the rest of a frame the hub began first.
        outbox.release();
        let event =
            async { Event::CloseRequested(control.next().await.unwrap_or(hub::CLOSE_SHUTDOWN)) }
                .or(async {
                    match reader.as_mut() {
                        Some(task) => Event::ReaderEnded(task.await),
                        None => future::pending().await,
                    }
                })
                .or(async {
                    match queued_replies.next().await {
                        Some(bytes) => Event::Reply(bytes),
                        None => future::pending().await,
                    }
                })
                .or(async {
                    match frames.next().await {
                        Some(item) => Event::Send(item),
                        // The hub dropped this client: it is shutting down.
                        None => Event::CloseRequested(hub::CLOSE_SHUTDOWN),
                    }
                })
                .or(async {
                    (&mut ping).await;
                    Event::Tick
                })
                .await;
        if let Some(rest) = outbox.claim()
            && let Err(end) = writer.text_from(&rest.text, rest.written).await
        {
            return end;
        }
        let outcome = match event {
            Event::CloseRequested(request) => return End::Close(request),
            Event::ReaderEnded(end) => {
                // A finished task must not be polled again.
                *reader = None;
                // Answer what the reader saw last, such as the peer's close.
                for bytes in replies.try_iter() {
                    if writer.raw(&bytes).await.is_err() {
                        break;
                    }
                }
                return end;
            }
            Event::Reply(bytes) => writer.raw(&bytes).await,
            Event::Send(Outgoing::Frame(frame)) => writer.text(&frame.text).await,
            Event::Send(Outgoing::Latest(slot)) => match slot.take_text() {
                Some(text) => writer.text(&text).await,
                None => Ok(()),
            },
            // Finished above.
            Event::Send(Outgoing::Resume) => Ok(()),
            Event::Tick => {
                if heard.silent_for() > limits.pong_timeout {
                    tracing::debug!("no pong: dropping client");
                    return End::Drop;
                }
                writer.frame(frames::PING, &[]).await
            }
        };
        if let Err(end) = outcome {
            return end;
        }
    }
}

/// Reads the client's frames until it closes, errs or breaks the protocol.
async fn read_loop(
    edge: Arc<Edge>,
    client: u64,
    mut receiver: WebSocketStream<frames::ReadSide>,
    replies: OutboxSender,
    heard: Arc<Heard>,
) -> End {
    while let Some(incoming) = receiver.next().await {
        heard.now();
        let message = match incoming {
            Ok(message) => message,
            Err(error) => return end_for_error(error),
        };
        if let Err(end) = handle_message(&edge, client, &replies, message).await {
            return end;
        }
    }
    End::Gone
}

/// Acts on one frame from the client.
async fn handle_message(
    edge: &Edge,
    client: u64,
    replies: &OutboxSender,
    message: Message,
) -> Result<(), End> {
    let text = match message {
        Message::Text(text) => text,
        Message::Binary(_) => {
            return Err(End::Close(CloseRequest {
                code: 1003,
                reason: "binary frames are not supported",
            }));
        }
        // tungstenite answers pings and close frames itself.
        Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_) => {
            return Ok(());
        }
    };
    let command = match ClientFrame::parse(text.as_str()) {
        Ok(ClientFrame::Subscribe { topic, since, patches }) => {
            Command::Subscribe { client, topic, since, patches }
        }
        Ok(ClientFrame::Unsubscribe { topic }) => Command::Unsubscribe { client, topic },
        Err((reason, topic)) => {
            let error = ServerFrame::error(reason, topic.as_deref()).to_json();
            let frame = Frame::whole(0, error);
            return match replies.offer(frame) {
                Offer::Queued => Ok(()),
                Offer::Full | Offer::Gone => Err(End::Close(hub::CLOSE_TOO_SLOW)),
            };
        }
    };
    edge.hub.send(command).await.map_err(|_| End::Close(hub::CLOSE_SHUTDOWN))
}

/// The close code for a read or write error (RFC 6455, section 7.4.1).
fn end_for_error(error: WsError) -> End {
    tracing::debug!(%error, "websocket read ended");
    let close = |code, reason| End::Close(CloseRequest { code, reason });
    match error {
        WsError::Capacity(CapacityError::MessageTooLong { .. }) => close(1009, "message too big"),
        WsError::Capacity(_) => close(1009, "frame too big"),
        WsError::Utf8(_) => close(1007, "text frame is not UTF-8"),
        WsError::Protocol(_) => close(1002, "protocol error"),
        WsError::Io(error) if error.get_ref().is_some_and(|e| e.is::<frames::ControlFlood>()) => {
            close(1008, "control frames arrive faster than they can be answered")
        }
        _ => End::Gone,
    }
}
