//! permessage-deflate (RFC 7692) without context takeover in either
//! direction: the handshake's negotiation, the one compression of a message
//! that every client negotiating it then shares, and the inflating of
//! compressed client messages before tungstenite (which knows no
//! extensions) reads them.
//!
//! Without context takeover each message is compressed on its own, so the
//! server compresses a message once, not once per client, and keeps no
//! compression state per connection. A view update of a few dozen KiB of
//! HTML shrinks several times over on the wire (measured in
//! docs/BENCHMARKS.md).

use std::collections::VecDeque;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::frames;

/// The extension as the server accepts it.
pub const RESPONSE: &str =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

/// What ends every compressed message's deflate data (RFC 7692, 7.2.1): the
/// sender strips it, the receiver puts it back.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Whether the values of the request's `Sec-WebSocket-Extensions` headers
/// hold a permessage-deflate offer the server can accept: its parameters
/// known, none twice, and the server's window left at 15 bits (the one it
/// compresses with). Other extensions are ignored.
pub fn accepts_offer<'a>(headers: impl IntoIterator<Item = &'a str>) -> bool {
    headers.into_iter().flat_map(|value| value.split(',')).any(acceptable)
}

/// One offer: `permessage-deflate; client_max_window_bits; ...`.
fn acceptable(offer: &str) -> bool {
    let mut parts = offer.split(';').map(str::trim);
    if !parts.next().is_some_and(|name| name.eq_ignore_ascii_case("permessage-deflate")) {
        return false;
    }
    let mut seen: Vec<String> = Vec::new();
    for parameter in parts {
        let (name, value) = match parameter.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim().trim_matches('"'))),
            None => (parameter, None),
        };
        let name = name.to_ascii_lowercase();
        if seen.contains(&name) {
            return false;
        }
        let fine = match (name.as_str(), value) {
            ("server_no_context_takeover" | "client_no_context_takeover", None) => true,
            ("client_max_window_bits", None) => true,
            ("client_max_window_bits", Some(bits)) => window_bits(bits).is_some(),
            ("server_max_window_bits", Some(bits)) => window_bits(bits) == Some(15),
            _ => false,
        };
        if !fine {
            return false;
        }
        seen.push(name);
    }
    true
}

/// A window size as RFC 7692 writes it: 8 to 15, in digits with no sign
/// or leading zero (`08` and `+9` are declined).
fn window_bits(text: &str) -> Option<u8> {
    if text.starts_with(['0', '+']) {
        return None;
    }
    let bits: u8 = text.parse().ok()?;
    (8..=15).contains(&bits).then_some(bits)
}

/// A message's payload compressed on its own, as a frame with RSV1 carries
/// it; None if the compressor fails (the message then goes uncompressed,
/// which a client that negotiated compression takes too).
pub fn compress(payload: &[u8]) -> Option<Vec<u8>> {
    // zlib-rs at the default level: 1.8 ms for a whole 660 KiB work view
    // (24 KiB out), 0.1 ms for 40 KiB; level 1 saves little time and sends
    // 60% more.
    let mut compressor = Compress::new(Compression::default(), false);
    let mut out = Vec::with_capacity(payload.len() / 4 + 64);
    loop {
        let read = compressor.total_in() as usize;
        compressor.compress_vec(&payload[read..], &mut out, FlushCompress::Sync).ok()?;
        let done = compressor.total_in() as usize == payload.len();
        if done && out.len() < out.capacity() {
            break;
        }
        out.reserve(out.capacity().max(64));
    }
    if out.ends_with(&TAIL) {
        out.truncate(out.len() - TAIL.len());
    }
    Some(out)
}

/// Buffer room an idle connection keeps: a large message's is given back
/// once it has been passed on.
const KEEP: usize = 4 << 10;

/// Why a compressed client message cannot be passed on.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Breaks RFC 6455 or 7692 (bad RSV1 use, bad deflate data).
    Protocol,
    /// Larger than the server takes, compressed or not.
    TooBig,
}

/// The client's frames as they come off the socket, compressed messages
/// replaced by the same messages uncompressed (one masked frame each, with
/// a zero mask), everything else passed on byte for byte. A message that
/// cannot be inflated, or inflates past `limit`, ends the stream of frames
/// with one tungstenite refuses for the same reason, so the session closes
/// with the right code (1002 or 1009).
pub struct Inflater {
    limit: usize,
    /// Bytes read from the socket, not yet a whole frame.
    pending: Vec<u8>,
    /// Bytes for tungstenite.
    ready: VecDeque<u8>,
    /// The compressed message being gathered: its opcode and data so far.
    message: Option<(u8, Vec<u8>)>,
    /// After a refusal (or a frame too big to gather) everything is passed
    /// on as it comes: tungstenite ends the session on what it sees first.
    passing_through: bool,
}

impl Inflater {
    pub fn new(limit: usize) -> Inflater {
        Inflater {
            limit,
            pending: Vec::new(),
            ready: VecDeque::new(),
            message: None,
            passing_through: false,
        }
    }

    /// Takes bytes read from the socket.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.passing_through {
            self.ready.extend(bytes);
            return;
        }
        self.pending.extend_from_slice(bytes);
        let mut pending = std::mem::take(&mut self.pending);
        let mut start = 0;
        while let Some(frame) = FrameView::parse(&pending[start..], self.limit) {
            match frame {
                FrameView::Whole { header_len, payload_len } => {
                    let end = start + header_len + payload_len;
                    if let Err(refusal) = self.frame(&pending[start..end], header_len, payload_len)
                    {
                        self.refuse(refusal);
                        self.ready.extend(&pending[end..]);
                        return;
                    }
                    start = end;
                }
                // A header that promises more than the limit (or is not
                // masked): tungstenite refuses it as it is.
                FrameView::PassOn => {
                    self.passing_through = true;
                    self.ready.extend(&pending[start..]);
                    return;
                }
            }
        }
        pending.drain(..start);
        if pending.is_empty() && pending.capacity() > KEEP {
            pending = Vec::new();
        }
        self.pending = pending;
    }

    /// Moves up to `buf.len()` bytes for tungstenite into `buf`.
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.ready.len());
        for (slot, byte) in buf.iter_mut().zip(self.ready.drain(..n)) {
            *slot = byte;
        }
        if self.ready.is_empty() && self.ready.capacity() > KEEP {
            self.ready = VecDeque::new();
        }
        n
    }

    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// At the end of the stream: what never made a whole frame goes on as
    /// it is (tungstenite reports the truncated frame).
    pub fn finish(&mut self) {
        self.ready.extend(self.pending.drain(..));
    }

    fn frame(
        &mut self,
        frame: &[u8],
        header_len: usize,
        payload_len: usize,
    ) -> Result<(), Refusal> {
        let (first, opcode) = (frame[0], frame[0] & 0x0f);
        let (fin, rsv1) = (first & 0x80 != 0, first & 0x40 != 0);
        let is_control = opcode >= 0x8;
        match (&mut self.message, is_control, rsv1, opcode) {
            (_, true, false, _) | (None, false, false, 0x0..=0x2) => {
                self.ready.extend(frame);
                Ok(())
            }
            (None, false, true, 0x1 | 0x2) => {
                if payload_len > self.limit {
                    return Err(Refusal::TooBig);
                }
                let data = unmask(frame, header_len, payload_len);
                self.message = Some((opcode, data));
                if fin { self.inflate_message() } else { Ok(()) }
            }
            (Some((_, data)), false, false, 0x0) => {
                if data.len() + payload_len > self.limit {
                    return Err(Refusal::TooBig);
                }
                data.extend(unmask(frame, header_len, payload_len));
                if fin { self.inflate_message() } else { Ok(()) }
            }
            _ => Err(Refusal::Protocol),
        }
    }

    fn inflate_message(&mut self) -> Result<(), Refusal> {
        let Some((opcode, mut data)) = self.message.take() else {
            return Ok(());
        };
        data.extend_from_slice(&TAIL);
        let message = inflate(&data, self.limit)?;
        let (header, len) = masked_header(opcode, message.len());
        self.ready.extend(&header[..len]);
        self.ready.extend(&message);
        Ok(())
    }

    /// Queues a frame tungstenite refuses for `refusal`'s reason, and passes
    /// everything after it on untouched.
    fn refuse(&mut self, refusal: Refusal) {
        self.passing_through = true;
        self.message = None;
        match refusal {
            // A text frame with RSV1 set: "reserved bits are non-zero".
            Refusal::Protocol => self.ready.extend([0xc1, 0x80, 0, 0, 0, 0]),
            // A frame header promising more than the limit.
            Refusal::TooBig => {
                let (header, len) = masked_header(0x1, self.limit + 1);
                self.ready.extend(&header[..len]);
            }
        }
    }
}

/// Inflates one message's deflate data (its tail put back), refusing output
/// past `limit`.
fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>, Refusal> {
    let mut inflater = Decompress::new(false);
    let mut out = Vec::with_capacity((data.len() * 4).min(limit) + 64);
    loop {
        let (read, written) = (inflater.total_in(), inflater.total_out());
        let status = inflater
            .decompress_vec(&data[read as usize..], &mut out, FlushDecompress::Sync)
            .map_err(|_| Refusal::Protocol)?;
        if out.len() > limit {
            return Err(Refusal::TooBig);
        }
        let left = data.len() - inflater.total_in() as usize;
        if status == Status::StreamEnd {
            // A final block may end the message; then only the tail put
            // back is left over.
            return if left <= TAIL.len() { Ok(out) } else { Err(Refusal::Protocol) };
        }
        if left == 0 && out.len() < out.capacity() {
            return Ok(out);
        }
        if out.len() == out.capacity() {
            out.reserve(out.capacity().min(limit + 1 - out.len()).max(64));
        } else if inflater.total_in() == read && inflater.total_out() == written {
            // No progress with room to write: the data is cut short.
            return Err(Refusal::Protocol);
        }
    }
}

/// The payload of a whole client frame, unmasked.
fn unmask(frame: &[u8], header_len: usize, payload_len: usize) -> Vec<u8> {
    let key = &frame[header_len - 4..header_len];
    let payload = &frame[header_len..header_len + payload_len];
    payload.iter().enumerate().map(|(i, byte)| byte ^ key[i % 4]).collect()
}

/// A final frame header as a client sends it, masked with a zero key (so
/// the payload goes as it is), and its length.
fn masked_header(opcode: u8, len: usize) -> ([u8; 14], usize) {
    let mut plain = [0u8; 10];
    let at = frames::encode_header(&mut plain, opcode, len);
    let mut header = [0u8; 14];
    header[..at].copy_from_slice(&plain[..at]);
    header[1] |= 0x80;
    (header, at + 4)
}

/// What the start of the pending bytes holds.
enum FrameView {
    /// A whole masked frame of at most the limit: header and payload sizes.
    Whole { header_len: usize, payload_len: usize },
    /// A frame the inflater does not gather (unmasked, or too big).
    PassOn,
}

impl FrameView {
    /// The first frame in `bytes`, or None until all of it has arrived.
    /// A frame longer than `limit` is passed on for tungstenite to refuse.
    fn parse(bytes: &[u8], limit: usize) -> Option<FrameView> {
        let (&b1, rest) = bytes.get(1).zip(bytes.get(2..))?;
        if b1 & 0x80 == 0 {
            return Some(FrameView::PassOn);
        }
        let (extra, len) = match b1 & 0x7f {
            126 => (2, u64::from(u16::from_be_bytes(rest.get(..2)?.try_into().ok()?))),
            127 => (8, u64::from_be_bytes(rest.get(..8)?.try_into().ok()?)),
            n => (0, u64::from(n)),
        };
        if len > limit as u64 {
            return Some(FrameView::PassOn);
        }
        let header_len = 2 + extra + 4;
        let payload_len = len as usize;
        (bytes.len() >= header_len + payload_len)
            .then_some(FrameView::Whole { header_len, payload_len })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 64 << 10;

    /// A masked client frame: `first` is FIN/RSV/opcode.
    fn client_frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let mut frame = vec![first];
        match payload.len() {
            n @ 0..=125 => frame.push(0x80 | n as u8),
            n @ 126..=0xffff => {
                frame.push(0x80 | 126);
                frame.extend((n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend((n as u64).to_be_bytes());
            }
        }
        frame.extend(key);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        frame
    }

    fn compressed(payload: &[u8]) -> Vec<u8> {
        compress(payload).expect("the compressor works")
    }

    fn drain(inflater: &mut Inflater) -> Vec<u8> {
        let mut out = vec![0; 1 << 20];
        let n = inflater.read(&mut out);
        out.truncate(n);
        out
    }

    /// What tungstenite is given for a message: one final masked frame
    /// with a zero key.
    fn plain_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
        let (header, len) = masked_header(opcode, payload.len());
        [&header[..len], payload].concat()
    }

    fn text(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| b"<tr data-key=\"7\"><td>row</td></tr>"[i % 34] ^ (i / 997) as u8 & 1)
            .collect()
    }

    #[test]
    fn offers_are_accepted_only_as_the_server_can_honour_them() {
        let accepts = |value: &str| accepts_offer([value]);
        assert!(accepts("permessage-deflate"));
        assert!(accepts("permessage-deflate; client_max_window_bits"), "what browsers send");
        assert!(accepts(
            "PerMessage-Deflate; client_max_window_bits=\"12\"; server_no_context_takeover"
        ));
        assert!(accepts(
            "permessage-deflate; server_max_window_bits=15; client_no_context_takeover"
        ));
        assert!(!accepts("permessage-deflate; server_max_window_bits=10"), "compresses with 15");
        assert!(!accepts("permessage-deflate; client_max_window_bits=16"));
        assert!(!accepts("permessage-deflate; client_max_window_bits=08"));
        assert!(!accepts("permessage-deflate; client_max_window_bits=+9"));
        assert!(!accepts("permessage-deflate; server_no_context_takeover=1"));
        assert!(!accepts("permessage-deflate; unknown_parameter"));
        assert!(!accepts(
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover"
        ));
        assert!(!accepts("x-webkit-deflate-frame"));
        assert!(!accepts(""));
        assert!(accepts("permessage-deflate; server_max_window_bits=9, permessage-deflate"));
        assert!(accepts_offer(["x-other", "permessage-deflate"]), "one header line each");
        assert!(!accepts_offer([]));
    }

    #[test]
    fn compressed_messages_inflate_back_and_end_without_the_tail() {
        for payload in [Vec::new(), b"x".to_vec(), text(100_000)] {
            let compressed = compressed(&payload);
            assert!(!compressed.ends_with(&TAIL));
            assert_eq!(inflate(&[&compressed[..], &TAIL].concat(), LIMIT * 4), Ok(payload.clone()));
        }
        assert!(compressed(&text(100_000)).len() < 20_000, "HTML rows shrink");
    }

    #[test]
    fn a_compressed_message_reaches_tungstenite_uncompressed() {
        let message = text(3000);
        let mut inflater = Inflater::new(LIMIT);
        inflater.push(&client_frame(0xc1, &compressed(&message)));
        assert_eq!(drain(&mut inflater), plain_frame(0x1, &message));
    }

    #[test]
    fn fragments_byte_by_byte_with_a_ping_between_them_come_out_as_one_message() {
        let message = text(5000);
        let compressed = compressed(&message);
        let (a, b) = compressed.split_at(compressed.len() / 2);
        let ping = client_frame(0x89, b"hi");
        let uncompressed = client_frame(0x81, b"plain");
        let stream =
            [client_frame(0x41, a), ping.clone(), client_frame(0x80, b), uncompressed.clone()]
                .concat();
        let mut inflater = Inflater::new(LIMIT);
        let mut out = Vec::new();
        for byte in stream {
            inflater.push(&[byte]);
            out.extend(drain(&mut inflater));
        }
        assert_eq!(out, [ping, plain_frame(0x1, &message), uncompressed].concat());
    }

    #[test]
    fn a_message_inflating_past_the_limit_is_refused_as_too_big() {
        let bomb = vec![b'a'; LIMIT * 16];
        let compressed = compressed(&bomb);
        assert!(compressed.len() < LIMIT);
        let mut inflater = Inflater::new(LIMIT);
        inflater.push(&client_frame(0xc1, &compressed));
        let out = drain(&mut inflater);
        // A header promising limit + 1 bytes: tungstenite's "frame too big".
        assert_eq!(out[..2], [0x81, 0x80 | 127]);
        assert_eq!(u64::from_be_bytes(out[2..10].try_into().unwrap()), LIMIT as u64 + 1);
    }

    #[test]
    fn compressed_fragments_adding_up_past_the_limit_are_refused() {
        let mut inflater = Inflater::new(1000);
        inflater.push(&client_frame(0x41, &[0; 600]));
        inflater.push(&client_frame(0x80, &[0; 600]));
        assert_eq!(drain(&mut inflater)[..2], [0x81, 0x80 | 126]);
    }

    #[test]
    fn broken_deflate_data_and_misused_rsv1_are_protocol_errors() {
        let refused = [0xc1, 0x80, 0, 0, 0, 0];
        let compressed = compressed(b"hello");
        let cases: Vec<Vec<u8>> = vec![
            client_frame(0xc1, &[0xff, 0xff, 0xff, 0xff]),
            client_frame(0xc0, &compressed),
            client_frame(0xc9, b"ping with rsv1"),
            [client_frame(0x41, &compressed), client_frame(0x81, b"new message")].concat(),
            [client_frame(0x41, &compressed), client_frame(0xc0, &compressed)].concat(),
        ];
        for (i, case) in cases.into_iter().enumerate() {
            let mut inflater = Inflater::new(LIMIT);
            inflater.push(&case);
            assert_eq!(drain(&mut inflater), refused, "case {i}");
        }
    }

    #[test]
    fn unmasked_and_oversized_frames_pass_on_for_tungstenite_to_refuse() {
        let unmasked = [0x81, 0x02, b'h', b'i'];
        let mut inflater = Inflater::new(LIMIT);
        inflater.push(&unmasked);
        inflater.push(b"more");
        assert_eq!(drain(&mut inflater), [&unmasked[..], b"more"].concat());
        let big = [0x82, 0x80 | 127, 0, 0, 0, 0, 1, 0, 0, 0];
        let mut inflater = Inflater::new(LIMIT);
        inflater.push(&big);
        assert_eq!(drain(&mut inflater), big);
    }

    #[test]
    fn buffers_a_large_message_needed_are_given_back() {
        let mut inflater = Inflater::new(LIMIT);
        inflater.push(&client_frame(0xc1, &compressed(&text(60_000))));
        assert_eq!(drain(&mut inflater).len(), 60_000 + 8);
        assert!(inflater.pending.capacity() <= KEEP && inflater.ready.capacity() <= KEEP);
    }

    #[test]
    fn a_truncated_frame_at_the_end_goes_on_as_it_is() {
        let frame = client_frame(0x81, b"cut short");
        let mut inflater = Inflater::new(LIMIT);
        inflater.push(&frame[..5]);
        assert!(!inflater.has_ready());
        inflater.finish();
        assert_eq!(drain(&mut inflater), frame[..5]);
    }
}
