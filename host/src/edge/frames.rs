//! The server's side of WebSocket framing. tungstenite parses what clients
//! send; what the server sends is written here, straight to the socket:
//! a frame header and the payload in one vectored write, so a payload
//! shared by every subscriber is never copied per client.
//!
//! tungstenite still writes its own control replies (pongs, the close
//! answer). [`ReadSide`] hands those bytes to the session's writer over a
//! channel, so that only the session writes to the socket, or the hub
//! while the session has nothing to write (see `hub::outbox`).

use std::io::{self, IoSlice, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::{AsyncRead, AsyncWrite, AsyncWriteExt};
use smol::net::TcpStream;

use super::deflate::Inflater;

/// Frame opcodes (RFC 6455, section 5.2).
pub const TEXT: u8 = 0x1;
/// RSV1 on a message's first frame: its payload is compressed
/// (permessage-deflate, see `deflate`). Goes with an opcode: `TEXT | COMPRESSED`.
pub const COMPRESSED: u8 = 0x40;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;

/// Control replies tungstenite may queue before the writer takes them; a
/// client that makes it queue more (a ping flood) is closed with 1008
/// ([`ControlFlood`]).
pub const CONTROL_QUEUE: usize = 64;

/// The error a ping flood meets: more control replies are owed than
/// [`CONTROL_QUEUE`] holds.
#[derive(Debug)]
pub struct ControlFlood;

impl std::fmt::Display for ControlFlood {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("control frames arrive faster than they can be answered")
    }
}

impl std::error::Error for ControlFlood {}

/// Writes one final, unmasked frame (`opcode` may carry `COMPRESSED`).
pub async fn write_frame(stream: &mut TcpStream, opcode: u8, payload: &[u8]) -> io::Result<()> {
    write_frame_from(stream, opcode, payload, 0).await
}

/// Writes what is left of a frame after its first `written` bytes.
pub async fn write_frame_from(
    stream: &mut TcpStream,
    opcode: u8,
    payload: &[u8],
    mut written: usize,
) -> io::Result<()> {
    let mut header = [0u8; 10];
    let header_len = encode_header(&mut header, opcode, payload.len());
    let total = header_len + payload.len();
    while written < total {
        let n = if written < header_len {
            let parts = [IoSlice::new(&header[written..header_len]), IoSlice::new(payload)];
            stream.write_vectored(&parts).await?
        } else {
            stream.write(&payload[written - header_len..]).await?
        };
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        written += n;
    }
    Ok(())
}

/// Writes as much of a frame as `stream` (non-blocking) takes now, in one
/// vectored write; returns how many bytes and the frame's length.
pub fn write_frame_now(
    mut stream: &std::net::TcpStream,
    opcode: u8,
    payload: &[u8],
) -> (io::Result<usize>, usize) {
    let mut header = [0u8; 10];
    let header_len = encode_header(&mut header, opcode, payload.len());
    let parts = [IoSlice::new(&header[..header_len]), IoSlice::new(payload)];
    (stream.write_vectored(&parts), header_len + payload.len())
}

/// A close frame's payload: the code, then the reason.
pub fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    payload
}

/// Fills `header` for a frame of `len` bytes; returns the header's length.
pub(super) fn encode_header(header: &mut [u8; 10], opcode: u8, len: usize) -> usize {
    header[0] = 0x80 | opcode;
    match len {
        0..=125 => {
            header[1] = len as u8;
            2
        }
        126..=0xffff => {
            header[1] = 126;
            header[2..4].copy_from_slice(&(len as u16).to_be_bytes());
            4
        }
        _ => {
            header[1] = 127;
            header[2..10].copy_from_slice(&(len as u64).to_be_bytes());
            10
        }
    }
}

/// The socket as tungstenite sees it: reads come from the connection
/// (compressed messages inflated on the way when the client negotiated
/// permessage-deflate), writes go to the session's writer.
pub struct ReadSide {
    stream: TcpStream,
    /// Bytes that came before the session began, read before the socket.
    early: Vec<u8>,
    replies: flume::Sender<Vec<u8>>,
    inflater: Option<Inflater>,
    /// The connection reached its end (the inflater still hands on what
    /// it holds).
    ended: bool,
}

impl ReadSide {
    /// Wraps `stream`, whose first bytes were already read as `early`; the
    /// writer drains the returned receiver. With `inflate_up_to`, compressed
    /// client messages are inflated, up to that many bytes each.
    pub fn new(
        stream: TcpStream,
        mut early: Vec<u8>,
        inflate_up_to: Option<usize>,
    ) -> (ReadSide, flume::Receiver<Vec<u8>>) {
        let (replies, queued) = flume::bounded(CONTROL_QUEUE);
        let mut inflater = inflate_up_to.map(Inflater::new);
        if let Some(inflater) = inflater.as_mut() {
            inflater.push(&std::mem::take(&mut early));
        }
        (ReadSide { stream, early, replies, inflater, ended: false }, queued)
    }
}

impl AsyncRead for ReadSide {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let Some(inflater) = this.inflater.as_mut() else {
            if !this.early.is_empty() {
                let n = buf.len().min(this.early.len());
                buf[..n].copy_from_slice(&this.early[..n]);
                this.early.drain(..n);
                return Poll::Ready(Ok(n));
            }
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        };
        loop {
            if inflater.has_ready() || this.ended {
                return Poll::Ready(Ok(inflater.read(buf)));
            }
            let mut chunk = [0u8; 4096];
            match Pin::new(&mut this.stream).poll_read(cx, &mut chunk) {
                Poll::Ready(Ok(0)) => {
                    inflater.finish();
                    this.ended = true;
                }
                Poll::Ready(Ok(n)) => inflater.push(&chunk[..n]),
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl AsyncWrite for ReadSide {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(match self.replies.try_send(buf.to_vec()) {
            Ok(()) => Ok(buf.len()),
            Err(flume::TrySendError::Full(_)) => Err(io::Error::other(ControlFlood)),
            Err(flume::TrySendError::Disconnected(_)) => Err(io::ErrorKind::BrokenPipe.into()),
        })
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_use_the_shortest_length_form() {
        let mut header = [0u8; 10];
        assert_eq!(encode_header(&mut header, TEXT, 5), 2);
        assert_eq!(header[..2], [0x81, 5]);
        assert_eq!(encode_header(&mut header, TEXT, 126), 4);
        assert_eq!(header[..4], [0x81, 126, 0, 126]);
        assert_eq!(encode_header(&mut header, TEXT, 20 << 10), 4);
        assert_eq!(encode_header(&mut header, PING, 0), 2);
        assert_eq!(header[..2], [0x89, 0]);
        assert_eq!(encode_header(&mut header, TEXT, 70_000), 10);
        assert_eq!(header[..10], [0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    }

    #[test]
    fn close_payload_is_code_then_reason() {
        assert_eq!(close_payload(1001, "bye"), vec![0x03, 0xe9, b'b', b'y', b'e']);
    }
}
