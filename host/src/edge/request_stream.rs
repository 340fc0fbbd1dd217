//! A connection's bytes as async-h1's decoder reads them. The decoder
//! reads through a buffer of its own and drops it with the request, so
//! bytes it read ahead are lost: a request sent right behind another
//! (HTTP/1.1 pipelining) would vanish and its client wait for nothing.
//! [`RequestStream`] never hands the decoder a byte past the part of the
//! request it is reading (a head one line at a time, a body up to its
//! length or, chunked, up to each chunk's end); what comes after waits
//! here for the next request, or for the WebSocket session after an
//! upgrade.
//!
//! It also answers `Expect: 100-continue` itself, in order with the
//! responses: async-h1 would send the `100 Continue` from a task on
//! another executor, which can race the final answer; and it keeps each
//! head's request line as sent, as the decoder's URL has `..` and `\`
//! resolved away.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use futures_lite::{AsyncRead, AsyncWrite};
use http_types::Request;
use http_types::content::ContentLength;
use http_types::headers::TRANSFER_ENCODING;
use smol::net::TcpStream;

/// Bytes read from the socket at a time.
const READ_SIZE: usize = 8 << 10;
/// Longest chunk-size line (with extensions) followed; a longer one makes
/// the decoder fail the body, which ends the connection.
const MAX_CHUNK_LINE: usize = 4 << 10;
/// The go-ahead a client that sent `Expect: 100-continue` waits for.
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
/// Longest line looked at as a possible `Expect` field (longer ones go to
/// async-h1 as they are).
const MAX_EXPECT_LINE: usize = 256;
/// Most of a request line kept (the decoder refuses longer heads anyway).
const MAX_REQUEST_LINE: usize = 16 << 10;

/// The connection, shared by the decoder of each request in turn and the
/// edge that tells it where a body begins.
#[derive(Clone)]
pub struct RequestStream {
    stream: TcpStream,
    state: Arc<Mutex<State>>,
}

struct State {
    /// Bytes read from the socket and not handed on yet: `buffer[start..end]`.
    buffer: Box<[u8]>,
    start: usize,
    end: usize,
    part: Part,
    /// The last byte handed on.
    last: u8,
    /// The head being read asks for `100 Continue` (that field is kept
    /// from async-h1).
    expects_continue: bool,
    /// `CONTINUE` is to go out before the body is read; this much of it
    /// has been written.
    continue_owed: bool,
    continue_written: usize,
    /// The request line of the head being read, as it went by (blank lines
    /// before it skipped), and whether it has ended.
    request_line: Vec<u8>,
    request_line_ended: bool,
    /// The largest body taken, and what the chunk-size lines of the chunked
    /// body being read declared so far: past the limit the body is refused
    /// at once, not after its bytes were waited for.
    body_limit: u64,
    declared: u64,
}

/// Why a chunked body's read failed when its chunk-size lines declared more
/// than the server's body limit (the edge answers 413).
#[derive(Debug)]
pub struct DeclaredTooLarge;

impl std::fmt::Display for DeclaredTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the chunked body declares more than the body limit")
    }
}

impl std::error::Error for DeclaredTooLarge {}

impl DeclaredTooLarge {
    /// Whether `error` is this refusal.
    pub fn is(error: &io::Error) -> bool {
        error.get_ref().is_some_and(|inner| inner.is::<DeclaredTooLarge>())
    }
}

/// What the decoder reads now, which decides how far it may read.
#[derive(Debug, PartialEq)]
enum Part {
    /// A request head's lines, each handed on up to its end. A line ended
    /// by LF alone (typed by hand, say) gets the CR async-h1 needs.
    Lines,
    /// A body of known length (or a trailer section, once its end is in
    /// view): this many bytes are left, then lines.
    Body(u64),
    /// A chunked body's size line, as much of it as has gone by.
    ChunkSize(Vec<u8>),
    /// A chunk's data: this many bytes are left, then its CRLF.
    ChunkData(u64),
    /// The CRLF closing a chunk's data; the next size line follows.
    ChunkEnd,
    /// A chunked body's trailer section, up to its empty line: handed on
    /// whole, as async-h1 parses it from one read.
    Trailers,
}

impl RequestStream {
    pub fn new(stream: TcpStream, body_limit: u64) -> RequestStream {
        let state = State {
            buffer: vec![0; READ_SIZE].into_boxed_slice(),
            start: 0,
            end: 0,
            part: Part::Lines,
            last: 0,
            expects_continue: false,
            continue_owed: false,
            continue_written: 0,
            request_line: Vec::new(),
            request_line_ended: false,
            body_limit,
            declared: 0,
        };
        RequestStream { stream, state: Arc::new(Mutex::new(state)) }
    }

    /// The decoder read `request`'s head: its body, if it has one, comes
    /// next. Decided from the headers as async-h1 decides it.
    pub fn body_follows(&self, request: &Request) {
        let chunked = request
            .header(TRANSFER_ENCODING)
            .is_some_and(|te| te.as_str().eq_ignore_ascii_case("chunked"));
        let length = ContentLength::from_headers(request).ok().flatten().map(|l| l.len());
        let mut state = self.state();
        state.part = match (chunked, length) {
            (true, _) => Part::ChunkSize(Vec::new()),
            (false, Some(length)) if length > 0 => Part::Body(length),
            _ => Part::Lines,
        };
        state.declared = 0;
        let expects_continue = std::mem::take(&mut state.expects_continue);
        state.continue_owed = expects_continue && state.part != Part::Lines;
        state.continue_written = 0;
    }

    /// The final answer to the request is about to be written: a client
    /// still waiting for `100 Continue` is not sent it any more. Returns
    /// whether one was waiting: its connection must end, as the body it
    /// may yet send cannot be told from a next request.
    pub fn withhold_continue(&self) -> bool {
        std::mem::take(&mut self.state().continue_owed)
    }

    /// How much of the current request's body has not come in yet: `Some(0)`
    /// once it is all in (or it has none), the bytes left of a body of known
    /// length, `None` in a chunked body (its length is not known).
    pub fn body_left(&self) -> Option<u64> {
        match self.state().part {
            Part::Lines => Some(0),
            Part::Body(left) => Some(left),
            _ => None,
        }
    }

    /// The method and the request target (`/path?query`) of the head the
    /// decoder read last, as the client wrote them; the next head's line is
    /// kept from here.
    pub fn take_request_line(&self) -> Option<(String, String)> {
        let mut state = self.state();
        state.request_line_ended = false;
        let line = std::mem::take(&mut state.request_line);
        let line = std::str::from_utf8(&line).ok()?;
        let mut parts = line.trim_ascii_end().split(' ');
        let (method, target) = (parts.next()?, parts.next()?);
        Some((method.to_owned(), target.to_owned()))
    }

    /// The bytes received after the request the decoder read last (the
    /// start of a WebSocket session's stream after an upgrade).
    pub fn take_buffered(&self) -> Vec<u8> {
        let mut state = self.state();
        let bytes = state.buffer[state.start..state.end].to_vec();
        state.start = state.end;
        bytes
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Part {
    /// What to do with `available`, the bytes waiting here (not empty),
    /// `last` being the byte handed on before them.
    fn step(&mut self, available: &[u8], last: u8) -> Step {
        match self {
            Part::Lines => head_step(available, last),
            Part::ChunkSize(line) => chunk_size_step(line, available),
            Part::ChunkEnd => Step::Hand(line_end(available).unwrap_or(available.len())),
            Part::Body(left) | Part::ChunkData(left) => Step::Hand(clamp(available.len(), *left)),
            Part::Trailers => {
                // Up to the first empty line, once it is here.
                let mut end = 0;
                while let Some(line) = line_end(&available[end..]) {
                    end += line;
                    if matches!(available[end - line..end], [b'\n'] | [b'\r', b'\n']) {
                        *self = Part::Body(end as u64);
                        return Step::Hand(end);
                    }
                }
                Step::Wait
            }
        }
    }

    /// `bytes` were handed on: move along the request. Returns the size a
    /// chunk-size line they ended declares.
    fn passed(&mut self, bytes: &[u8]) -> Option<u64> {
        let line_ended = bytes.last() == Some(&b'\n');
        match self {
            Part::Lines | Part::Trailers => {}
            Part::Body(left) => {
                *left -= bytes.len() as u64;
                if *left == 0 {
                    *self = Part::Lines;
                }
            }
            Part::ChunkSize(line) => {
                if line.len() + bytes.len() > MAX_CHUNK_LINE {
                    *self = Part::Lines;
                    return None;
                }
                line.extend_from_slice(bytes);
                if line_ended {
                    let size = chunk_size(line);
                    *self = match size {
                        Some(0) => Part::Trailers,
                        Some(size) => Part::ChunkData(size),
                        None => Part::Lines,
                    };
                    return size;
                }
            }
            Part::ChunkData(left) => {
                *left -= bytes.len() as u64;
                if *left == 0 {
                    *self = Part::ChunkEnd;
                }
            }
            Part::ChunkEnd => {
                if line_ended {
                    *self = Part::ChunkSize(Vec::new());
                }
            }
        }
        None
    }
}

/// What to do with the start of the bytes waiting to be handed on.
#[derive(Debug, PartialEq)]
enum Step {
    /// Hand on this many bytes.
    Hand(usize),
    /// Hand on a CR first: the line ends in LF alone.
    Cr,
    /// Keep this line from the decoder: `Expect: 100-continue`.
    Withhold(usize),
    /// Leave out this many bytes: a chunk's extensions.
    Skip(usize),
    /// Wait for more bytes: the line may be that field.
    Wait,
}

/// `bytes`, handed on from a head whose request line has not ended yet, go
/// to that line; returns whether it ended.
fn note_request_line(line: &mut Vec<u8>, bytes: &[u8]) -> bool {
    let room = MAX_REQUEST_LINE.saturating_sub(line.len());
    line.extend_from_slice(&bytes[..bytes.len().min(room)]);
    if bytes.last() != Some(&b'\n') {
        return false;
    }
    if line.trim_ascii().is_empty() {
        line.clear();
        return false;
    }
    true
}

/// The next step through a head at `available`, `last` being the byte
/// handed on before it.
fn head_step(available: &[u8], last: u8) -> Step {
    if available[0] == b'\n' && last != b'\r' {
        return Step::Cr;
    }
    let end = line_end(available);
    if last == b'\n' {
        let line = &available[..end.unwrap_or(available.len())];
        let field = b"expect:";
        let prefix = line.len().min(field.len());
        if line.len() <= MAX_EXPECT_LINE && line[..prefix].eq_ignore_ascii_case(&field[..prefix]) {
            if end.is_none() {
                return Step::Wait;
            }
            let value = line[field.len().min(line.len())..].trim_ascii();
            if value.eq_ignore_ascii_case(b"100-continue") {
                return Step::Withhold(line.len());
            }
        }
    }
    Step::Hand(match end {
        // Up to a bare LF, for the CR to go before it.
        Some(end) if end > 1 && available[end - 2] != b'\r' => end - 1,
        Some(end) => end,
        None => available.len(),
    })
}

/// The next step through a chunk-size line at `available`, `line` being
/// what of it went by: the size's hex digits and the line's end go to the
/// decoder, the extensions between them (`;name=value`, which RFC 9112
/// lets a recipient ignore and async-h1 refuses) are left out. A line that
/// starts with no digit goes as it is, for the decoder to refuse.
fn chunk_size_step(line: &[u8], available: &[u8]) -> Step {
    let digits_before = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits_before == line.len() {
        let digits = available.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if digits > 0 {
            return Step::Hand(digits);
        }
        if digits_before == 0 {
            return Step::Hand(line_end(available).unwrap_or(available.len()));
        }
    }
    let rest = available.iter().position(|&b| b == b'\r' || b == b'\n');
    match rest.unwrap_or(available.len()) {
        0 => Step::Hand(line_end(available).unwrap_or(1)),
        // Past the longest line followed, the decoder gets it, to refuse.
        rest if line.len() + rest > MAX_CHUNK_LINE => Step::Hand(rest),
        rest => Step::Skip(rest),
    }
}

/// The size a chunk-size line gives (hex digits, then maybe extensions);
/// `None` if it gives none the decoder would take.
fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let text = std::str::from_utf8(&line[..digits]).ok()?;
    u64::from_str_radix(text, 16).ok()
}

/// The length of `bytes`' first line, with its LF.
fn line_end(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n').map(|i| i + 1)
}

fn clamp(len: usize, left: u64) -> usize {
    usize::try_from(left).map_or(len, |left| len.min(left))
}

impl AsyncRead for RequestStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let this = self.get_mut();
        let mut guard = this.state.lock().unwrap_or_else(|e| e.into_inner());
        let state = &mut *guard;
        // The body is being read: a client waiting for the go-ahead gets it.
        while state.continue_owed {
            let rest = &CONTINUE[state.continue_written..];
            match Pin::new(&mut this.stream).poll_write(cx, rest) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => state.continue_written += n,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
            state.continue_owed = state.continue_written < CONTINUE.len();
        }
        if matches!(state.part, Part::ChunkData(_)) && state.declared > state.body_limit {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, DeclaredTooLarge)));
        }
        loop {
            let available = &state.buffer[state.start..state.end];
            if !available.is_empty() {
                match state.part.step(available, state.last) {
                    Step::Hand(n) => {
                        let n = n.min(out.len());
                        out[..n].copy_from_slice(&available[..n]);
                        if state.part == Part::Lines && !state.request_line_ended {
                            let line = &mut state.request_line;
                            state.request_line_ended = note_request_line(line, &out[..n]);
                        }
                        if let Some(size) = state.part.passed(&available[..n]) {
                            state.declared = state.declared.saturating_add(size);
                        }
                        state.start += n;
                        state.last = out[n - 1];
                        return Poll::Ready(Ok(n));
                    }
                    Step::Cr => {
                        out[0] = b'\r';
                        state.last = b'\r';
                        return Poll::Ready(Ok(1));
                    }
                    Step::Withhold(n) => {
                        state.start += n;
                        state.expects_continue = true;
                        continue;
                    }
                    Step::Skip(n) => {
                        // Counted against the line's length all the same.
                        state.part.passed(&available[..n]);
                        state.start += n;
                        continue;
                    }
                    Step::Wait => {}
                }
                // A line or trailer section still coming: keep what came.
                if state.start == 0 && state.end == state.buffer.len() {
                    let error = io::Error::new(io::ErrorKind::InvalidData, "trailers too long");
                    return Poll::Ready(Err(error));
                }
                state.buffer.copy_within(state.start..state.end, 0);
                (state.start, state.end) = (0, state.end - state.start);
            } else if let Part::Body(left) = state.part {
                // A body's bytes go straight to the reader when none wait here.
                let limit = clamp(out.len(), left);
                let read = Pin::new(&mut this.stream).poll_read(cx, &mut out[..limit]);
                if let Poll::Ready(Ok(n @ 1..)) = read {
                    state.part.passed(&out[..n]);
                    state.last = out[n - 1];
                }
                return read;
            } else {
                (state.start, state.end) = (0, 0);
            }
            let end = state.end;
            match Pin::new(&mut this.stream).poll_read(cx, &mut state.buffer[end..]) {
                Poll::Ready(Ok(0)) if end > 0 => {
                    // The peer stopped sending inside trailers: hand on
                    // what there is, for the decoder to refuse.
                    state.part = Part::Body(end as u64);
                }
                Poll::Ready(Ok(0)) => return Poll::Ready(Ok(0)),
                Poll::Ready(Ok(n)) => state.end += n,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl AsyncWrite for RequestStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_close(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands `input` on as `poll_read` would with `chunk` bytes in view at
    /// a time, starting in `part`; returns the pieces the decoder gets and
    /// the part after (stopping where more bytes must come).
    fn pieces(mut part: Part, input: &[u8], chunk: usize) -> (Vec<Vec<u8>>, Part) {
        let (mut out, mut rest, mut last) = (Vec::new(), input, 0);
        while !rest.is_empty() {
            let window = &rest[..chunk.min(rest.len())];
            let n = match part.step(window, last) {
                Step::Hand(n) => {
                    out.push(window[..n].to_vec());
                    last = window[n - 1];
                    n
                }
                Step::Cr => {
                    out.push(b"\r".to_vec());
                    last = b'\r';
                    continue;
                }
                Step::Withhold(n) => n,
                Step::Skip(n) => n,
                Step::Wait => break,
            };
            part.passed(&window[..n]);
            rest = &rest[n..];
        }
        (out, part)
    }

    #[test]
    fn a_head_goes_one_line_at_a_time() {
        let (out, part) = pieces(Part::Lines, b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET", 100);
        assert_eq!(out, [&b"GET / HTTP/1.1\r\n"[..], b"Host: a\r\n", b"\r\n", b"GET"]);
        assert_eq!(part, Part::Lines);
        let (out, _) = pieces(Part::Lines, b"GET / HTTP/1.1\nHost: a\n\n", 100);
        assert_eq!(out.concat(), b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    #[test]
    fn a_head_line_ended_by_lf_alone_gets_a_cr() {
        assert_eq!(head_step(b"GET / HTTP/1.1\nHost: a", 0), Step::Hand(14));
        assert_eq!(head_step(b"\nHost: a", b'1'), Step::Cr);
        assert_eq!(head_step(b"\nHost: a", b'\r'), Step::Hand(1));
        assert_eq!(head_step(b"Host: a\r\n", b'\n'), Step::Hand(9));
    }

    #[test]
    fn expect_100_continue_is_kept_from_the_decoder() {
        let line = b"expect:  100-Continue \r\nHost: a\r\n";
        assert_eq!(head_step(line, b'\n'), Step::Withhold(24));
        assert_eq!(head_step(b"Expect: 100-continue\n", b'\n'), Step::Withhold(21));
        // Only at the start of a line, and only that value.
        assert_eq!(head_step(line, b'x'), Step::Hand(24));
        assert_eq!(head_step(b"Expect: other\r\n", b'\n'), Step::Hand(15));
        // A line that may still become the field waits for its end.
        assert_eq!(head_step(b"Exp", b'\n'), Step::Wait);
        assert_eq!(head_step(b"Expect: 100-", b'\n'), Step::Wait);
        assert_eq!(head_step(b"Host", b'\n'), Step::Hand(4));
        let long = [&b"Expect: "[..], &[b' '; MAX_EXPECT_LINE]].concat();
        assert_eq!(head_step(&long, b'\n'), Step::Hand(long.len()));
    }

    #[test]
    fn a_body_ends_at_its_length() {
        let (out, part) = pieces(Part::Body(5), b"hello\nGET", 100);
        assert_eq!(out[0], b"hello");
        assert_eq!(part, Part::Lines);
        let (out, part) = pieces(Part::Body(5), b"hel", 2);
        assert_eq!(out, [&b"he"[..], b"l"]);
        assert_eq!(part, Part::Body(2));
    }

    #[test]
    fn a_chunked_body_ends_after_its_last_chunk() {
        let body = b"4\r\nab\nc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\nMore: y\r\n\r\nGET";
        let (out, part) = pieces(Part::ChunkSize(Vec::new()), body, 100);
        assert_eq!(out[..3], [&b"4"[..], b"\r\n", b"ab\nc"], "data goes by size, not lines");
        assert_eq!(out[3..7], [&b"\r\n"[..], b"10", b"\r\n", b"0123456789abcdef"]);
        assert_eq!(out[7..10], [&b"\r\n"[..], b"0", b"\r\n"]);
        assert_eq!(out[10..], [&b"Trailer: x\r\nMore: y\r\n\r\n"[..], b"GET"]);
        assert_eq!(part, Part::Lines);
        let (out, part) = pieces(Part::ChunkSize(Vec::new()), b"0\r\n\r\nGET", 100);
        assert_eq!(out, [&b"0"[..], b"\r\n", b"\r\n", b"GET"]);
        assert_eq!(part, Part::Lines);
    }

    #[test]
    fn trailers_wait_for_their_empty_line() {
        let (out, part) = pieces(Part::Trailers, b"Trailer: x\r\nMore", 100);
        assert!(out.is_empty());
        assert_eq!(part, Part::Trailers);
    }

    #[test]
    fn chunk_extensions_are_left_out() {
        let handed = |text: &[u8], chunk| {
            let (out, part) = pieces(Part::ChunkSize(Vec::new()), text, chunk);
            (out.concat(), part)
        };
        for chunk in [1, 2, 100] {
            let (out, part) = handed(b"1f ; name=\"a;b\";x\r\n", chunk);
            assert_eq!(out, b"1f\r\n", "pieces of {chunk}");
            assert_eq!(part, Part::ChunkData(31));
            assert_eq!(handed(b"a\r\n", chunk).0, b"a\r\n");
        }
        // No size: the line goes as it is, for the decoder to refuse.
        assert_eq!(handed(b";x\r\n", 100).0, b";x\r\n");
        assert_eq!(handed(b"zz\r\n", 100).0, b"zz\r\n");
        // Past the longest line followed, the rest goes to the decoder,
        // which refuses it.
        let long = [&b"5;"[..], &[b'x'; MAX_CHUNK_LINE], b"\r\n"].concat();
        let (out, _) = handed(&long, 100);
        assert!(out.starts_with(b"5x") && out.ends_with(b"x\r\n"), "{out:?}");
    }

    #[test]
    fn a_size_line_split_across_reads_is_put_together() {
        let (out, part) = pieces(Part::ChunkSize(Vec::new()), b"1f\r\n", 1);
        assert_eq!(out.len(), 4);
        assert_eq!(part, Part::ChunkData(31));
    }

    #[test]
    fn the_request_line_is_kept_across_pieces_after_blank_lines() {
        let mut line = Vec::new();
        assert!(!note_request_line(&mut line, b"\r\n"), "a blank line before the head");
        assert!(line.is_empty());
        assert!(!note_request_line(&mut line, b"GET /a/"));
        assert!(note_request_line(&mut line, b"../b HTTP/1.1\r\n"));
        assert_eq!(line, b"GET /a/../b HTTP/1.1\r\n");
        let mut long = Vec::new();
        assert!(!note_request_line(&mut long, &vec![b'x'; MAX_REQUEST_LINE + 10]));
        assert!(note_request_line(&mut long, b"\r\n"));
        assert_eq!(long.len(), MAX_REQUEST_LINE);
    }

    #[test]
    fn a_broken_size_line_falls_back_to_lines() {
        let (_, part) = pieces(Part::ChunkSize(Vec::new()), b"zz\r\n", 100);
        assert_eq!(part, Part::Lines);
        let long = vec![b'1'; MAX_CHUNK_LINE + 1];
        let (_, part) = pieces(Part::ChunkSize(Vec::new()), &long, 100);
        assert_eq!(part, Part::Lines);
    }
}
