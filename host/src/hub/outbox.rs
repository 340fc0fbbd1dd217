//! A client's outgoing queue: bounded, filled by the hub without ever
//! waiting, drained by the client's session.

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
}

/// The session's end of a client's queue.
#[derive(Debug)]
pub struct Outbox {
    /// Frames to write, in order.
    pub frames: flume::Receiver<Outgoing>,
    /// A request to close the connection, taking priority over frames.
    pub control: flume::Receiver<CloseRequest>,
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
    let (frames_tx, frames_rx) = flume::bounded(capacity.max(1));
    let (control_tx, control_rx) = flume::bounded(1);
    (
        OutboxSender { frames: frames_tx, control: control_tx },
        Outbox { frames: frames_rx, control: control_rx },
    )
}

impl OutboxSender {
    /// Queues a frame that every subscriber must see.
    pub fn offer(&self, frame: Frame) -> Offer {
        self.queue(Outgoing::Frame(frame))
    }

    /// Puts a frame in a latest-wins slot, queueing a notice only if the
    /// slot was empty.
    pub fn offer_latest(&self, slot: &Arc<LatestSlot>, frame: Frame) -> Offer {
        if slot.put(frame) { self.queue(Outgoing::Latest(slot.clone())) } else { Offer::Queued }
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
        tx.offer_latest(&slot, patched(1, 0));
        assert_eq!(taken(&slot).as_deref(), Some("1"), "nothing sent yet: the whole message");
        tx.offer_latest(&slot, patched(2, 1));
        assert_eq!(taken(&slot).as_deref(), Some("patch 1->2"));
        // 3 is skipped by a lagging client: 4's patch is against 3, not 2.
        tx.offer_latest(&slot, patched(3, 2));
        tx.offer_latest(&slot, patched(4, 3));
        assert_eq!(taken(&slot).as_deref(), Some("4"));
        tx.offer_latest(&slot, frame(5));
        assert_eq!(taken(&slot).as_deref(), Some("5"));
        tx.offer_latest(&slot, patched(6, 5));
        assert_eq!(taken(&slot).as_deref(), Some("patch 5->6"));
        let plain = Arc::new(LatestSlot::new(false));
        tx.offer_latest(&plain, frame(1));
        assert_eq!(taken(&plain).as_deref(), Some("1"));
        tx.offer_latest(&plain, patched(2, 1));
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
            assert_eq!(tx.offer_latest(&slot, frame(rev)), Offer::Queued);
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
}
