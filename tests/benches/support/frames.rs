//! Server WebSocket frames read by hand: [`FrameReader`] for one socket,
//! and [`read_frames`], which reads many clients' sockets on one thread.

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_io::Async;
use rustix::event::{Timespec, epoll};
use rustix::net::RecvFlags;
use smol::net::TcpStream;

/// One server frame as [`FrameReader`] saw it.
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
    /// The frame being read, once its header is in: its payload's first
    /// bytes wait in the buffer while the rest is discarded.
    pending: Option<Pending>,
    /// For compressed frames: the inflater and the inflated head.
    inflater: Option<(flate2::Decompress, Vec<u8>)>,
    /// Heads other readers inflated, if this reader shares theirs.
    shared: Option<Arc<InflatedHeads>>,
}

#[derive(Clone, Copy)]
struct Pending {
    opcode: u8,
    compressed: bool,
    len: usize,
    /// Payload bytes in the buffer from `start`.
    kept: usize,
    /// Payload bytes still to discard from the socket.
    discard: usize,
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

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection")
}

impl FrameReader {
    /// The largest `window` a reader accepts.
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
            pending: None,
            inflater: None,
            shared: None,
        }
    }

    /// A reader that shares inflated heads with the others given `shared`.
    pub fn sharing(shared: Arc<InflatedHeads>) -> FrameReader {
        FrameReader { shared: Some(shared), ..FrameReader::new() }
    }

    /// Bytes read from the socket that no frame handed out has used yet.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// The next frame, once all of it arrived, from a smol socket; `look`
    /// gets the first `window` bytes of its payload (fewer if the payload
    /// is shorter).
    pub async fn next<T>(
        &mut self,
        stream: &TcpStream,
        window: usize,
        mut look: impl FnMut(&[u8]) -> T,
    ) -> Result<Frame<T>, String> {
        let socket = Arc::<Async<std::net::TcpStream>>::from(stream.clone());
        loop {
            match self.poll_next(socket.as_fd(), window, &mut look) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    socket.readable().await.map_err(|e| format!("receive: {e}"))?
                }
                frame => return frame.map_err(|e| format!("receive: {e}")),
            }
        }
    }

    /// The next frame if all of it has arrived, reading what it needs from
    /// the non-blocking `socket`; `WouldBlock` when the socket holds no
    /// more for now (what was read stays for the next call).
    pub fn poll_next<T>(
        &mut self,
        socket: BorrowedFd<'_>,
        window: usize,
        look: impl FnOnce(&[u8]) -> T,
    ) -> io::Result<Frame<T>> {
        assert!(window <= Self::MAX_WINDOW, "a frame head window of {window} bytes is too large");
        let mut pending = match self.pending.take() {
            Some(pending) => pending,
            None => self.read_header(socket, window)?,
        };
        while pending.discard > 0 {
            match discard(socket, pending.discard) {
                Ok(0) => return Err(closed()),
                Ok(n) => pending.discard -= n,
                Err(e) => {
                    self.pending = Some(pending);
                    return Err(e);
                }
            }
        }
        let head = if pending.compressed {
            self.inflate_head(pending.kept, window, look)?
        } else {
            look(&self.buf[self.start..self.start + pending.len.min(window)])
        };
        self.start += pending.kept;
        Ok(Frame { opcode: pending.opcode, len: pending.len, head })
    }

    /// Reads a frame's header and as much of its payload as its head
    /// needs; the header is consumed only once all of that is in.
    fn read_header(&mut self, socket: BorrowedFd<'_>, window: usize) -> io::Result<Pending> {
        self.fill(socket, 2)?;
        let (first, short) = (self.buf[self.start], self.buf[self.start + 1] & 0x7f);
        let header = match short {
            126 => 4,
            127 => 10,
            _ => 2,
        };
        self.fill(socket, header)?;
        let b = &self.buf[self.start..self.start + header];
        let len = match short {
            126 => usize::from(u16::from_be_bytes([b[2], b[3]])),
            127 => u64::from_be_bytes(b[2..10].try_into().expect("8 bytes")) as usize,
            n => usize::from(n),
        };
        let compressed = first & 0x40 != 0;
        // As much of a compressed payload as the buffer holds is plenty to
        // inflate the first `window` bytes.
        let need = if compressed { len.min(self.buf.len() - header) } else { len.min(window) };
        self.fill(socket, header + need)?;
        self.start += header;
        let kept = len.min(self.end - self.start);
        Ok(Pending { opcode: first & 0x0f, compressed, len, kept, discard: len - kept })
    }

    /// Makes at least `n` bytes (n <= buffer size) available at `start`,
    /// reading little more than that: what a frame's reader does not look
    /// at is discarded in the kernel ([`discard`]), not copied.
    fn fill(&mut self, socket: BorrowedFd<'_>, n: usize) -> io::Result<()> {
        if self.start + n > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end - self.start < n {
            let wanted = (n - (self.end - self.start)).max(Self::READ_AHEAD);
            let until = (self.end + wanted).min(self.buf.len());
            let (read, _) =
                rustix::net::recv(socket, &mut self.buf[self.end..until], RecvFlags::empty())?;
            if read == 0 {
                return Err(closed());
            }
            self.end += read;
        }
        Ok(())
    }

    /// Inflates the first `window` bytes of the compressed payload whose
    /// first `have` bytes are at `start` (or takes them from the shared
    /// heads), and shows them to `look`.
    fn inflate_head<T>(
        &mut self,
        have: usize,
        window: usize,
        look: impl FnOnce(&[u8]) -> T,
    ) -> io::Result<T> {
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
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("inflate: {e}")))?;
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
}

/// Discards up to `left` bytes from the socket with `MSG_TRUNC`, which on a
/// TCP socket drops them without copying them anywhere (1,000 simulated
/// browsers share the load generator's core; copying every message they
/// skip cost it a quarter of its time). How many it dropped.
fn discard(socket: BorrowedFd<'_>, left: usize) -> io::Result<usize> {
    DISCARD.with_borrow_mut(|sink| {
        let n = left.min(sink.len());
        let (_, discarded) = rustix::net::recv(socket, &mut sink[..n], RecvFlags::TRUNC)?;
        Ok(discarded)
    })
}

/// One client of [`read_frames`].
pub struct Client<C> {
    pub socket: std::net::TcpStream,
    pub frames: FrameReader,
    /// What the caller keeps for this client.
    pub state: C,
    /// Why reading this client stopped early, if it did.
    pub error: Option<String>,
}

impl<C> Client<C> {
    /// A client reading the socket a smol connection left (see
    /// [`super::connect_raw`]).
    pub fn new(stream: TcpStream, frames: FrameReader, state: C) -> io::Result<Client<C>> {
        let socket = Arc::<Async<std::net::TcpStream>>::from(stream);
        let socket = Arc::into_inner(socket)
            .ok_or_else(|| io::Error::other("the socket is still in use"))?
            .into_inner()?;
        socket.set_nonblocking(true)?;
        Ok(Client { socket, frames, state, error: None })
    }
}

/// Reads many clients' frames on this thread until `stop` is set or every
/// client has failed, handing each frame to `on_frame` with its client's
/// state. One level-triggered epoll: a socket is read only as far as the
/// frames it holds, then left until epoll reports it again, so a message
/// costs its own reads and nothing more. (Through smol's reactor each also
/// cost a read that finds nothing and a system call to re-arm the socket,
/// twice the system calls, on the core the server under test shares.)
pub fn read_frames<C, T>(
    clients: &mut [Client<C>],
    window: usize,
    mut look: impl FnMut(&[u8]) -> T,
    mut on_frame: impl FnMut(&mut C, Frame<T>),
    stop: &AtomicBool,
) -> io::Result<()> {
    let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
    for (i, client) in clients.iter().enumerate() {
        let data = epoll::EventData::new_u64(i as u64);
        epoll::add(&epoll, &client.socket, data, epoll::EventFlags::IN)?;
    }
    let mut open = clients.len();
    let mut events = Vec::with_capacity(1024);
    // How often `stop` is looked at when nothing arrives.
    let idle = Timespec { tv_sec: 0, tv_nsec: 20_000_000 };
    while open > 0 && !stop.load(Ordering::Acquire) {
        events.clear();
        match epoll::wait(&epoll, rustix::buffer::spare_capacity(&mut events), Some(&idle)) {
            Err(rustix::io::Errno::INTR) => continue,
            waited => waited?,
        };
        for event in &events {
            let data = event.data;
            let client = &mut clients[data.u64() as usize];
            loop {
                match client.frames.poll_next(client.socket.as_fd(), window, &mut look) {
                    Ok(frame) => {
                        on_frame(&mut client.state, frame);
                        // Nothing read ahead: epoll says when more comes.
                        if client.frames.buffered() == 0 {
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => {
                        epoll::delete(&epoll, &client.socket)?;
                        client.error = Some(format!("receive: {e}"));
                        open -= 1;
                        break;
                    }
                }
            }
        }
    }
    Ok(())
}
