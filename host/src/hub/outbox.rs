//! A client's outgoing queue: bounded, filled by the hub (and its fan-out
//! helper) without ever waiting, drained by the client's session.
//!
//! While the session has nothing to write, the hub writes a frame straight
//! to the connection through its [`Wire`] instead of queueing it: a
//! fan-out to many idle clients then costs one write each, not a queue
//! entry, a task wake-up and a write. Whatever the connection does not
//! take at once the session finishes before anything else, and while the
//! session writes (or holds queued frames) the hub queues, so frames never
//! interleave and keep their order.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use async_tungstenite::tungstenite::protocol::frame::Utf8Bytes;

/// A frame's JSON text, shared by every recipient, with room for one
/// compressed form of it (made by the first session that sends it
/// compressed, then shared the same way; None if compressing failed).
/// The text itself may be written only when a session first needs it
/// ([`Text::later`]).
#[derive(Debug, Clone)]
pub struct Text(Arc<TextInner>);

#[derive(Debug)]
struct TextInner {
    body: Body,
    compressed: OnceLock<Option<Box<[u8]>>>,
}

#[derive(Debug)]
enum Body {
    Ready(Utf8Bytes),
    Later(LazyLock<Utf8Bytes, Writing>),
}

type Writing = Box<dyn FnOnce() -> Utf8Bytes + Send>;

impl Text {
    pub fn new(text: impl Into<Utf8Bytes>) -> Text {
        Text::with(Body::Ready(text.into()))
    }

    /// A text `write` makes when it is first needed (by whichever thread
    /// needs it first; the others wait for it). A large message that most
    /// recipients get as a patch is then not written before the patches go.
    pub fn later(write: impl FnOnce() -> String + Send + 'static) -> Text {
        Text::with(Body::Later(LazyLock::new(Box::new(move || write().into()))))
    }

    fn with(body: Body) -> Text {
        Text(Arc::new(TextInner { body, compressed: OnceLock::new() }))
    }

    fn text(&self) -> &Utf8Bytes {
        match &self.0.body {
            Body::Ready(text) => text,
            Body::Later(text) => text,
        }
    }

    pub fn as_str(&self) -> &str {
        self.text().as_str()
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.text().as_bytes()
    }

    /// The compressed form, made with `compress` by the first caller.
    pub fn compressed_with(
        &self,
        compress: impl FnOnce(&[u8]) -> Option<Vec<u8>>,
    ) -> Option<&[u8]> {
        let made =
            self.0.compressed.get_or_init(|| compress(self.as_bytes()).map(Vec::into_boxed_slice));
        made.as_deref()
    }
}

/// An encoded server frame shared by every recipient: cloning it only bumps
/// a reference count.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The topic's revision this frame carries.
    pub rev: u64,
    /// The JSON text of the frame.
    pub text: Text,
    /// The same message as a patch of the topic's previous one, for
    /// subscribers that hold that one.
    pub patch: Option<PatchFrame>,
}

impl Frame {
    /// A frame without a patch form.
    pub fn whole(rev: u64, text: impl Into<Utf8Bytes>) -> Frame {
        Frame { rev, text: Text::new(text), patch: None }
    }
}

/// A message as a patch frame (see [`crate::patch`]).
#[derive(Debug, Clone)]
pub struct PatchFrame {
    /// The revision the patch applies to.
    pub base: u64,
    /// The JSON text of the patch frame.
    pub text: Text,
}

/// One item in a client's queue.
#[derive(Debug)]
pub enum Outgoing {
    /// Send this frame.
    Frame(Frame),
    /// Send whatever is newest in this latest-wins slot (possibly nothing,
    /// if a later notice already took it).
    Latest(Arc<LatestSlot>),
    /// The hub began a frame the connection did not take whole: see
    /// [`Outbox::claim`].
    Resume,
}

/// Why and how the hub wants a client closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseRequest {
    /// WebSocket close code (RFC 6455, section 7.4).
    pub code: u16,
    /// Short human-readable reason.
    pub reason: &'static str,
}

/// The newest undelivered frame of one latest-wins subscription. A lagging
/// client holds at most one queue entry per such topic; newer publishes just
/// replace the frame waiting in the slot.
#[derive(Debug, Default)]
pub struct LatestSlot {
    pending: Mutex<Option<Frame>>,
    /// The subscriber applies patch frames.
    patches: bool,
    /// The revision of the last frame taken for sending on this
    /// subscription (0 before the first).
    sent: AtomicU64,
}

impl LatestSlot {
    /// A slot for a subscriber that does (or does not) apply patches.
    pub fn new(patches: bool) -> LatestSlot {
        LatestSlot { patches, ..LatestSlot::default() }
    }

    /// Stores `frame`, returning true if the slot was empty (so a notice
    /// must be queued).
    fn put(&self, frame: Frame) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.replace(frame).is_none()
    }

    /// Takes the waiting frame, if any.
    pub fn take(&self) -> Option<Frame> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Takes the waiting frame as the text to send: its patch form when
    /// the subscriber applies patches and was last sent the patch's base,
    /// else the whole message.
    pub fn take_text(&self) -> Option<Text> {
        let frame = self.take()?;
        let sent = self.sent.swap(frame.rev, Ordering::Relaxed);
        match frame.patch {
            Some(patch) if self.patches && sent != 0 && patch.base == sent => Some(patch.text),
            _ => Some(frame.text),
        }
    }
}

/// The hub's end of a client's queue.
#[derive(Debug, Clone)]
pub struct OutboxSender {
    frames: flume::Sender<Outgoing>,
    control: flume::Sender<CloseRequest>,
    direct: Option<Arc<Direct>>,
}

/// The session's end of a client's queue.
#[derive(Debug)]
pub struct Outbox {
    /// Frames to write, in order.
    pub frames: flume::Receiver<Outgoing>,
    /// A request to close the connection, taking priority over frames.
    pub control: flume::Receiver<CloseRequest>,
    direct: Option<Arc<Direct>>,
}

/// A client's connection as the hub may write to it, provided by the session.
pub trait Wire: Send + Sync + std::fmt::Debug {
    /// Writes `text` as this client's frame, as much of it as the
    /// connection takes now, without waiting.
    fn send_now(&self, text: &Text) -> Sent;
}

/// How much of a frame [`Wire::send_now`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// All of it.
    Whole,
    /// This many bytes of it (0 also when writing failed: the session then
    /// meets the error when it goes on).
    Part(usize),
}

/// A frame the hub began writing; the session writes the rest before
/// anything else.
#[derive(Debug)]
pub struct Rest {
    pub text: Text,
    /// Bytes of the frame already written.
    pub written: usize,
}

/// The connection's write side as the hub and the session share it.
#[derive(Debug)]
struct Direct {
    wire: Box<dyn Wire>,
    state: Mutex<DirectState>,
}

#[derive(Debug)]
struct DirectState {
    /// The session holds the connection (it is writing, or frames wait in
    /// its queue): the hub queues. When it does not, queue and latest-wins
    /// slots are empty.
    session_holds: bool,
    rest: Option<Rest>,
}

impl Direct {
    fn state(&self) -> std::sync::MutexGuard<'_, DirectState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Outbox {
    /// Lets the hub write to the connection directly, if nothing waits to
    /// be written. The session calls it whenever it is about to wait.
    pub fn release(&self) {
        if let Some(direct) = &self.direct {
            let mut state = direct.state();
            if state.rest.is_none() && self.frames.is_empty() {
                state.session_holds = false;
            }
        }
    }

    /// Takes the connection back before the session writes anything;
    /// returns the frame the hub began, if any, which must be finished
    /// first.
    pub fn claim(&self) -> Option<Rest> {
        let mut state = self.direct.as_ref()?.state();
        state.session_holds = true;
        state.rest.take()
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        // The session is gone: the hub must not write to its connection.
        if let Some(direct) = &self.direct {
            direct.state().session_holds = true;
        }
    }
}

/// What happened to an offered frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// Queued, or merged into a pending latest-wins slot.
    Queued,
    /// The queue is full: the client is too slow.
    Full,
    /// The session is gone.
    Gone,
}

/// Creates a client queue holding at most `capacity` entries.
pub fn outbox(capacity: usize) -> (OutboxSender, Outbox) {
    outbox_with(capacity, None)
}

/// Creates a client queue holding at most `capacity` entries, whose frames
/// the hub writes to `wire` itself while the session has nothing to write.
/// The session holds the connection until its first [`Outbox::release`].
pub fn direct_outbox(capacity: usize, wire: impl Wire + 'static) -> (OutboxSender, Outbox) {
    let state = Mutex::new(DirectState { session_holds: true, rest: None });
    outbox_with(capacity, Some(Arc::new(Direct { wire: Box::new(wire), state })))
}

fn outbox_with(capacity: usize, direct: Option<Arc<Direct>>) -> (OutboxSender, Outbox) {
    let (frames_tx, frames_rx) = flume::bounded(capacity.max(1));
    let (control_tx, control_rx) = flume::bounded(1);
    (
        OutboxSender { frames: frames_tx, control: control_tx, direct: direct.clone() },
        Outbox { frames: frames_rx, control: control_rx, direct },
    )
}

impl OutboxSender {
    /// Sends or queues a frame that every subscriber must see.
    pub fn offer(&self, frame: Frame) -> Offer {
        self.offer_to(frame, None)
    }

    /// Sends a frame to the client; a subscriber of a latest-wins topic
    /// passes its `slot` (see [`LatestSlot`]). The hub writes it to the
    /// connection at once while the session has nothing to write; else it
    /// is queued (on a latest-wins topic it replaces the frame waiting in
    /// the slot, and a notice is queued only if the slot was empty).
    pub fn offer_to(&self, frame: Frame, slot: Option<&Arc<LatestSlot>>) -> Offer {
        let Some(direct) = &self.direct else { return self.enqueue(frame, slot) };
        // Held across the queueing too, so the session's `release` sees
        // every frame queued before it lets go.
        let mut state = direct.state();
        if state.session_holds {
            return self.enqueue(frame, slot);
        }
        let text = match slot {
            None => frame.text,
            Some(slot) => {
                slot.put(frame);
                match slot.take_text() {
                    Some(text) => text,
                    None => return Offer::Queued,
                }
            }
        };
        match direct.wire.send_now(&text) {
            Sent::Whole => Offer::Queued,
            Sent::Part(written) => {
                state.session_holds = true;
                state.rest = Some(Rest { text, written });
                // The queue is empty while the session does not hold the
                // connection, so this wakes it.
                self.queue(Outgoing::Resume)
            }
        }
    }

    fn enqueue(&self, frame: Frame, slot: Option<&Arc<LatestSlot>>) -> Offer {
        match slot {
            None => self.queue(Outgoing::Frame(frame)),
            Some(slot) if slot.put(frame) => self.queue(Outgoing::Latest(slot.clone())),
            Some(_) => Offer::Queued,
        }
    }

    /// Asks the session to close; the first request wins.
    pub fn close(&self, request: CloseRequest) {
        let _ = self.control.try_send(request);
    }

    fn queue(&self, item: Outgoing) -> Offer {
        match self.frames.try_send(item) {
            Ok(()) => Offer::Queued,
            Err(flume::TrySendError::Full(_)) => Offer::Full,
            Err(flume::TrySendError::Disconnected(_)) => Offer::Gone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(rev: u64) -> Frame {
        Frame::whole(rev, format!("{rev}"))
    }

    fn patched(rev: u64, base: u64) -> Frame {
        let patch = PatchFrame { base, text: Text::new(format!("patch {base}->{rev}")) };
        Frame { patch: Some(patch), ..frame(rev) }
    }

    #[test]
    fn a_patch_goes_only_to_a_subscriber_holding_its_base() {
        let (tx, rx) = outbox(4);
        let taken = |slot: &LatestSlot| slot.take_text().map(|t| t.as_str().to_owned());
        let slot = Arc::new(LatestSlot::new(true));
        tx.offer_to(patched(1, 0), Some(&slot));
        assert_eq!(taken(&slot).as_deref(), Some("1"), "nothing sent yet: the whole message");
        tx.offer_to(patched(2, 1), Some(&slot));
        assert_eq!(taken(&slot).as_deref(), Some("patch 1->2"));
        // 3 is skipped by a lagging client: 4's patch is against 3, not 2.
        tx.offer_to(patched(3, 2), Some(&slot));
        tx.offer_to(patched(4, 3), Some(&slot));
        assert_eq!(taken(&slot).as_deref(), Some("4"));
        tx.offer_to(frame(5), Some(&slot));
        assert_eq!(taken(&slot).as_deref(), Some("5"));
        tx.offer_to(patched(6, 5), Some(&slot));
        assert_eq!(taken(&slot).as_deref(), Some("patch 5->6"));
        let plain = Arc::new(LatestSlot::new(false));
        tx.offer_to(frame(1), Some(&plain));
        assert_eq!(taken(&plain).as_deref(), Some("1"));
        tx.offer_to(patched(2, 1), Some(&plain));
        assert_eq!(taken(&plain).as_deref(), Some("2"), "a subscriber that did not ask");
        drop(rx);
    }

    #[test]
    fn a_later_text_is_written_once_when_first_needed() {
        let writes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = writes.clone();
        let text = Text::later(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            "written".to_owned()
        });
        let copy = text.clone();
        assert_eq!(writes.load(Ordering::SeqCst), 0, "nothing needed it yet");
        let readers: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn({
                    let copy = copy.clone();
                    move || copy.as_str().to_owned()
                })
            })
            .collect();
        for reader in readers {
            assert_eq!(reader.join().unwrap(), "written");
        }
        assert_eq!(text.as_bytes(), b"written");
        assert_eq!(text.compressed_with(|bytes| Some(bytes.to_vec())), Some(&b"written"[..]));
        assert_eq!(writes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn latest_slot_keeps_one_notice_and_the_newest_frame() {
        let (tx, rx) = outbox(4);
        let slot = Arc::new(LatestSlot::default());
        for rev in 1..=10 {
            assert_eq!(tx.offer_to(frame(rev), Some(&slot)), Offer::Queued);
        }
        assert_eq!(rx.frames.len(), 1);
        let Ok(Outgoing::Latest(s)) = rx.frames.try_recv() else { panic!("expected a notice") };
        assert_eq!(s.take().map(|f| f.rev), Some(10));
        assert!(s.take().is_none());
    }

    #[test]
    fn full_and_gone_are_reported() {
        let (tx, rx) = outbox(2);
        assert_eq!(tx.offer(frame(1)), Offer::Queued);
        assert_eq!(tx.offer(frame(2)), Offer::Queued);
        assert_eq!(tx.offer(frame(3)), Offer::Full);
        drop(rx);
        assert_eq!(tx.offer(frame(4)), Offer::Gone);
    }

    /// A wire writing a text's bytes as they are (no framing) to a real,
    /// non-blocking TCP connection, and the connection's other end.
    #[derive(Debug)]
    struct RawWire(std::net::TcpStream);

    impl Wire for RawWire {
        fn send_now(&self, text: &Text) -> Sent {
            use std::io::Write;
            match (&self.0).write(text.as_bytes()) {
                Ok(n) if n == text.as_bytes().len() => Sent::Whole,
                Ok(n) => Sent::Part(n),
                Err(_) => Sent::Part(0),
            }
        }
    }

    fn wired(capacity: usize) -> (OutboxSender, Outbox, std::net::TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let sender = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (receiver, _) = listener.accept().unwrap();
        sender.set_nonblocking(true).unwrap();
        receiver.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        let (tx, rx) = direct_outbox(capacity, RawWire(sender));
        (tx, rx, receiver)
    }

    fn read_exactly(receiver: &mut std::net::TcpStream, n: usize) -> Vec<u8> {
        use std::io::Read;
        let mut bytes = vec![0; n];
        receiver.read_exact(&mut bytes).unwrap();
        bytes
    }

    fn is_resume(item: Result<Outgoing, flume::TryRecvError>) -> bool {
        matches!(item, Ok(Outgoing::Resume))
    }

    #[test]
    fn the_hub_writes_directly_only_while_the_session_lets_go() {
        let (tx, rx, mut receiver) = wired(8);
        assert_eq!(tx.offer(frame(1)), Offer::Queued);
        assert_eq!(rx.frames.len(), 1, "the session holds the connection until it lets go");
        rx.release();
        assert_eq!(tx.offer(frame(2)), Offer::Queued);
        assert_eq!(rx.frames.len(), 2, "frames wait behind what is queued");
        assert!(matches!(rx.frames.try_recv(), Ok(Outgoing::Frame(f)) if f.rev == 1));
        assert!(rx.claim().is_none());
        assert!(matches!(rx.frames.try_recv(), Ok(Outgoing::Frame(f)) if f.rev == 2));
        rx.release();
        assert_eq!(tx.offer(frame(3)), Offer::Queued);
        assert_eq!(tx.offer(frame(4)), Offer::Queued);
        assert!(rx.frames.is_empty(), "written straight to the connection");
        assert_eq!(read_exactly(&mut receiver, 2), b"34");
        assert!(rx.claim().is_none());
        assert_eq!(tx.offer(frame(5)), Offer::Queued);
        assert_eq!(rx.frames.len(), 1, "claimed: the hub queues again");
        drop(rx);
        assert_eq!(tx.offer(frame(6)), Offer::Gone, "a gone session's connection is not written");
    }

    #[test]
    fn what_the_connection_does_not_take_the_session_finishes_first() {
        let (tx, rx, mut receiver) = wired(8);
        rx.release();
        // Far more than a socket buffer holds.
        let big = "b".repeat(64 << 20);
        assert_eq!(tx.offer(Frame::whole(1, big.clone())), Offer::Queued);
        assert!(is_resume(rx.frames.try_recv()), "the session is woken to go on");
        assert_eq!(tx.offer(frame(2)), Offer::Queued);
        rx.release();
        assert_eq!(rx.frames.len(), 1, "still held: the rest is not written yet");
        let rest = rx.claim().expect("the rest of the big frame");
        assert_eq!(rest.text.as_str().len(), big.len());
        assert!(rest.written > 0 && rest.written < big.len(), "written {}", rest.written);
        assert!(rx.claim().is_none(), "the rest is handed over once");
        assert_eq!(read_exactly(&mut receiver, rest.written), big.as_bytes()[..rest.written]);
        assert!(matches!(rx.frames.try_recv(), Ok(Outgoing::Frame(f)) if f.rev == 2));
    }

    #[test]
    fn a_direct_write_on_a_latest_wins_topic_sends_the_patch_to_a_holder_of_its_base() {
        let (tx, rx, mut receiver) = wired(8);
        let slot = Arc::new(LatestSlot::new(true));
        rx.release();
        assert_eq!(tx.offer_to(patched(1, 0), Some(&slot)), Offer::Queued);
        assert_eq!(tx.offer_to(patched(2, 1), Some(&slot)), Offer::Queued);
        assert_eq!(read_exactly(&mut receiver, 1 + 10), b"1patch 1->2");
        assert!(slot.take().is_none() && rx.frames.is_empty());
    }
}
