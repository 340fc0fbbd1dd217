//! WebSocket clients: the upgrade handshake, then one session per client
//! that turns its frames into hub commands and writes its outbox to the
//! socket, with pings, a stuck-writer limit and proper close codes.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use async_tungstenite::tungstenite::handshake::derive_accept_key;
use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use futures_lite::{FutureExt, StreamExt};
use http_types::{Request, Response, StatusCode};
use smol::Timer;
use smol::net::TcpStream;

use super::{Edge, Reply, routes::error_response};
use crate::hub::{self, CloseRequest, Command, Outbox, Outgoing};
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
    Incoming(Option<Result<Message, WsError>>),
    Send(Outgoing),
    CloseRequested(CloseRequest),
    Tick,
}

type Socket = WebSocketStream<TcpStream>;

/// Runs a client's session on an upgraded connection until it ends.
pub async fn run_session(edge: Arc<Edge>, stream: TcpStream) {
    let _live = LiveSession::new(&edge);
    let limits = &edge.limits;
    let config = WebSocketConfig::default()
        .read_buffer_size(4 << 10)
        .write_buffer_size(0)
        .max_message_size(Some(limits.max_client_message_bytes))
        .max_frame_size(Some(limits.max_client_message_bytes));
    let mut socket = WebSocketStream::from_raw_socket(stream, Role::Server, Some(config)).await;
    let client = edge.next_client.fetch_add(1, Ordering::Relaxed);
    let (sender, outbox) = hub::outbox(limits.client_queue_len);
    let register = Command::Register {
        client,
        outbox: sender,
        max_subscriptions: limits.max_subscriptions_per_client,
    };
    if edge.hub.send(register).await.is_err() {
        return;
    }
    tracing::debug!(client, "websocket session started");
    let end = session_loop(&edge, client, &mut socket, &outbox).await;
    let _ = edge.hub.send(Command::Disconnect { client }).await;
    if let End::Close(request) = end {
        let frame =
            CloseFrame { code: CloseCode::from(request.code), reason: request.reason.into() };
        let closing = async {
            let _ = socket.close(Some(frame)).await;
            // Wait for the peer's close frame (or its disconnect).
            while let Some(Ok(_)) = socket.next().await {}
        };
        let grace = async {
            Timer::after(limits.shutdown_grace).await;
        };
        closing.or(grace).await;
    }
    tracing::debug!(client, "websocket session ended");
}

async fn session_loop(edge: &Edge, client: u64, socket: &mut Socket, outbox: &Outbox) -> End {
    let limits = &edge.limits;
    let mut last_heard = Instant::now();
    let mut next_ping = Instant::now() + limits.ping_interval;
    loop {
        let event = async {
            Event::CloseRequested(outbox.control.recv_async().await.unwrap_or(hub::CLOSE_SHUTDOWN))
        }
        .or(async { Event::Incoming(socket.next().await) })
        .or(async {
            match outbox.frames.recv_async().await {
                Ok(item) => Event::Send(item),
                // The hub dropped this client: it is shutting down.
                Err(_) => Event::CloseRequested(hub::CLOSE_SHUTDOWN),
            }
        })
        .or(async {
            Timer::at(next_ping).await;
            Event::Tick
        })
        .await;
        let outcome = match event {
            Event::CloseRequested(request) => return End::Close(request),
            Event::Incoming(incoming) => {
                last_heard = Instant::now();
                match incoming {
                    None => return End::Gone,
                    Some(Ok(message)) => handle_message(edge, client, socket, message).await,
                    Some(Err(error)) => return end_for_error(error),
                }
            }
            Event::Send(Outgoing::Frame(frame)) => {
                send(socket, Message::Text(frame.text), limits.stuck_timeout).await
            }
            Event::Send(Outgoing::Latest(slot)) => match slot.take() {
                Some(frame) => send(socket, Message::Text(frame.text), limits.stuck_timeout).await,
                None => Ok(()),
            },
            Event::Tick => {
                if last_heard.elapsed() > limits.pong_timeout {
                    tracing::debug!(client, "no pong: dropping client");
                    return End::Drop;
                }
                next_ping = Instant::now() + limits.ping_interval;
                send(socket, Message::Ping(Default::default()), limits.stuck_timeout).await
            }
        };
        if let Err(end) = outcome {
            return end;
        }
    }
}

/// Acts on one frame from the client.
async fn handle_message(
    edge: &Edge,
    client: u64,
    socket: &mut Socket,
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
        Ok(ClientFrame::Subscribe { topic, since }) => Command::Subscribe { client, topic, since },
        Ok(ClientFrame::Unsubscribe { topic }) => Command::Unsubscribe { client, topic },
        Err(reason) => {
            let error = ServerFrame::error(reason, None).to_json();
            return send(socket, Message::text(error), edge.limits.stuck_timeout).await;
        }
    };
    edge.hub.send(command).await.map_err(|_| End::Close(hub::CLOSE_SHUTDOWN))
}

/// Sends one message; a socket that takes nothing for `stuck` ends the session.
async fn send(socket: &mut Socket, message: Message, stuck: Duration) -> Result<(), End> {
    let sent = async { Some(socket.send(message).await) }
        .or(async {
            Timer::after(stuck).await;
            None
        })
        .await;
    match sent {
        Some(Ok(())) => Ok(()),
        Some(Err(error)) => Err(end_for_error(error)),
        None => {
            tracing::debug!("client stuck: dropping");
            Err(End::Drop)
        }
    }
}

/// The close code for a read or write error (RFC 6455, section 7.4.1).
fn end_for_error(error: WsError) -> End {
    let close = |code, reason| End::Close(CloseRequest { code, reason });
    match error {
        WsError::Capacity(CapacityError::MessageTooLong { .. }) => close(1009, "message too big"),
        WsError::Capacity(_) => close(1009, "frame too big"),
        WsError::Utf8(_) => close(1007, "text frame is not UTF-8"),
        WsError::Protocol(_) => close(1002, "protocol error"),
        _ => End::Gone,
    }
}
