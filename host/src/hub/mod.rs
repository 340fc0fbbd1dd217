//! The hub: the sole owner of topics and their subscribers. Every change
//! arrives as a [`Command`] on one channel; a publish is encoded once and
//! the same bytes are offered to every subscriber's outbox without waiting
//! on any client (a large publish shared with a fan-out helper task).

mod outbox;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

pub use outbox::{
    CloseRequest, Frame, LatestSlot, Offer, Outbox, OutboxSender, Outgoing, PatchFrame, Rest, Sent,
    Text, Wire, direct_outbox, outbox,
};

use crate::patch::Patch;
use crate::protocol::ServerFrame;

/// With more than one executor thread, a publish to at least
/// [`SHARE_FROM`] subscribers gives every [`SHARE_EVERY`]th of them to the
/// fan-out helper, a task of its own that writes to them on another thread
/// while the hub writes to the rest; the hub waits for it before its next
/// command, so frames to a client keep their order. One task wake-up per
/// publish, not one per client (docs/BENCHMARKS.md, twenty-third session).
const SHARE_EVERY: usize = 3;
/// Below this many subscribers the hub writes to every one itself.
const SHARE_FROM: usize = 64;

/// A task the caller runs on its executor for the hub to work.
pub type HubTask = std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Identifies one WebSocket client for the life of the process.
pub type ClientId = u64;

/// How a topic's messages reach a client that lags behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// Every message is queued; a client whose queue fills is closed.
    Every,
    /// Only the newest message matters; a lagging client skips stale ones.
    LatestWins,
}

/// Close code for a client that cannot keep up (RFC 6455: policy violation).
pub const CLOSE_TOO_SLOW: CloseRequest = CloseRequest { code: 1008, reason: "client too slow" };
/// Close code sent to every client when the server stops (going away).
pub const CLOSE_SHUTDOWN: CloseRequest =
    CloseRequest { code: 1001, reason: "server shutting down" };
/// Close code for the clients of a share the fan-out helper stopped
/// without finishing: they may have missed a frame (they reconnect with
/// `since` and get the current message).
pub const CLOSE_SERVER_ERROR: CloseRequest = CloseRequest { code: 1011, reason: "server error" };

/// What the hub is asked to do.
#[derive(Debug)]
pub enum Command {
    /// A WebSocket client connected.
    Register { client: ClientId, outbox: OutboxSender, max_subscriptions: usize },
    /// Start sending `topic` to `client`, first its current message if
    /// newer than `since`; on a latest-wins topic, as patches if `patches`.
    Subscribe { client: ClientId, topic: String, since: Option<u64>, patches: bool },
    /// Stop sending `topic` to `client`.
    Unsubscribe { client: ClientId, topic: String },
    /// The client's connection is gone.
    Disconnect { client: ClientId },
    /// Publish `data` on `topic` to every subscriber; `delta` writes it
    /// against the topic's current message.
    Publish {
        topic: String,
        data: Arc<str>,
        delivery: Delivery,
        delta: Option<Delta>,
        reply: flume::Sender<Published>,
    },
    /// Drop `topic` and its current message if no one subscribes to it.
    Forget { topic: String },
    /// Describe every topic.
    ListTopics { reply: flume::Sender<Vec<TopicInfo>> },
    /// Close every client and refuse new ones.
    Shutdown,
}

/// A message written as a patch of the topic's message `base`. The hub
/// keeps it only if `base` is still the topic's current message.
#[derive(Debug, Clone)]
pub struct Delta {
    pub base: u64,
    pub patch: Patch,
}

/// The outcome of a publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    pub topic: String,
    pub rev: u64,
    /// Subscribers the message was offered to.
    pub subscribers: usize,
}

/// One topic as `GET /api/topics` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicInfo {
    pub topic: String,
    /// Revision of the current message; absent if nothing was published yet.
    pub rev: Option<u64>,
    pub subscribers: usize,
    pub delivery: Delivery,
}

/// A cheap handle for sending commands to the hub task.
#[derive(Debug, Clone)]
pub struct HubHandle {
    commands: flume::Sender<Command>,
}

impl HubHandle {
    /// Sends a command, waiting if the hub is busy. Fails only once the hub stopped.
    pub async fn send(&self, command: Command) -> Result<(), HubClosed> {
        self.commands.send_async(command).await.map_err(|_| HubClosed)
    }

    /// Publishes `data` on `topic` and reports the revision it got.
    pub async fn publish(
        &self,
        topic: &str,
        data: impl Into<Arc<str>>,
        delivery: Delivery,
    ) -> Result<Published, HubClosed> {
        self.publish_delta(topic, data, delivery, None).await
    }

    /// Publishes `data` on `topic`, with its patch against the current
    /// message for subscribers that hold that one.
    pub async fn publish_delta(
        &self,
        topic: &str,
        data: impl Into<Arc<str>>,
        delivery: Delivery,
        delta: Option<Delta>,
    ) -> Result<Published, HubClosed> {
        let (reply, answer) = flume::bounded(1);
        let data = data.into();
        self.send(Command::Publish { topic: topic.to_owned(), data, delivery, delta, reply })
            .await?;
        answer.recv_async().await.map_err(|_| HubClosed)
    }

    /// Publishes from a thread that is not async (the Lua thread), blocking
    /// until the hub has taken the message.
    pub fn publish_blocking(
        &self,
        topic: &str,
        data: impl Into<Arc<str>>,
        delivery: Delivery,
    ) -> Result<Published, HubClosed> {
        let (reply, answer) = flume::bounded(1);
        let (topic, data) = (topic.to_owned(), data.into());
        let command = Command::Publish { topic, data, delivery, delta: None, reply };
        self.commands.send(command).map_err(|_| HubClosed)?;
        answer.recv().map_err(|_| HubClosed)
    }

    /// Lists every topic with its revision and subscriber count.
    pub async fn topics(&self) -> Result<Vec<TopicInfo>, HubClosed> {
        let (reply, answer) = flume::bounded(1);
        self.send(Command::ListTopics { reply }).await?;
        answer.recv_async().await.map_err(|_| HubClosed)
    }
}

/// The hub task has stopped.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the hub has stopped")]
pub struct HubClosed;

/// A topic under the watched prefix gained its first subscriber or lost
/// its last one (see [`hub_watching`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    Watched(String),
    Unwatched(String),
}

/// Creates a hub that writes to every subscriber itself; run the returned
/// future on the executor to serve commands.
pub fn hub() -> (HubHandle, impl Future<Output = ()> + Send + 'static) {
    hub_with(None, None)
}

/// Creates a hub that reports when topics starting with `prefix` gain
/// their first subscriber or lose their last one, so whoever produces
/// those topics works only for topics someone watches. `threads`: how many
/// threads run the executor; with more than one, a large publish is shared
/// with a fan-out helper. Spawn every returned task on that executor.
pub fn hub_watching(
    prefix: &'static str,
    threads: usize,
) -> (HubHandle, Vec<HubTask>, flume::Receiver<WatchEvent>) {
    let (events, watch) = flume::unbounded();
    let (helper, helper_task) = match threads {
        0 | 1 => (None, None),
        _ => {
            let (shares, to_help) = flume::bounded(1);
            let (answer, answers) = flume::bounded(1);
            (Some(Helper { shares, answers }), Some(fan_out_helper(to_help, answer)))
        }
    };
    let (handle, task) = hub_with(Some(Watcher { prefix, events }), helper);
    let mut tasks: Vec<HubTask> = vec![Box::pin(task)];
    tasks.extend(helper_task.map(|task| Box::pin(task) as HubTask));
    (handle, tasks, watch)
}

fn hub_with(
    watcher: Option<Watcher>,
    helper: Option<Helper>,
) -> (HubHandle, impl Future<Output = ()> + Send + 'static) {
    let (commands, inbox) = flume::bounded(4096);
    let mut hub = Hub::new();
    hub.watcher = watcher;
    hub.helper = helper;
    let task = async move {
        while let Ok(command) = inbox.recv_async().await {
            if let Some((mut publishing, reply)) = hub.handle(command) {
                hub.await_share(&mut publishing).await;
                let _ = reply.try_send(hub.finish_publish(publishing));
            }
        }
    };
    (HubHandle { commands }, task)
}

/// The hub's end of its fan-out helper.
struct Helper {
    shares: flume::Sender<Share>,
    /// For each share, in order: its clients that could not take the frame.
    /// (One channel for all: if the helper stops, receiving fails.)
    answers: flume::Receiver<Vec<ClientId>>,
}

/// Subscribers of one publish given to the fan-out helper.
struct Share {
    frame: Frame,
    latest_wins: bool,
    clients: Vec<(ClientId, OutboxSender, Arc<LatestSlot>)>,
}

impl Share {
    /// Offers the frame to every client of the share; returns those too
    /// slow or gone.
    fn offer(&self) -> Vec<ClientId> {
        let slot = |slot| self.latest_wins.then_some(slot);
        self.clients
            .iter()
            .filter(|(_, outbox, s)| outbox.offer_to(self.frame.clone(), slot(s)) != Offer::Queued)
            .map(|(id, _, _)| *id)
            .collect()
    }
}

/// Writes the shares of publishes the hub gives it, one at a time.
async fn fan_out_helper(shares: flume::Receiver<Share>, answers: flume::Sender<Vec<ClientId>>) {
    while let Ok(share) = shares.recv_async().await {
        if answers.send_async(share.offer()).await.is_err() {
            return; // the hub is gone
        }
    }
}

/// A publish as the hub leaves it: done, or waiting for the helper's share.
struct Publishing {
    published: Published,
    /// Clients that could not take the frame (of the hub's own part).
    lagging: Vec<ClientId>,
    /// The clients given to the helper, if it has a share to write.
    shared: Option<Vec<ClientId>>,
}

struct Topic {
    current: Option<Frame>,
    delivery: Delivery,
    subscribers: HashMap<ClientId, Arc<LatestSlot>>,
}

struct Client {
    outbox: OutboxSender,
    topics: HashSet<String>,
    max_subscriptions: usize,
    /// Watched topics this client was first to subscribe to in the current
    /// second, and when that second began (see [`MAX_NEW_WATCHED_PER_SECOND`]).
    new_watched: (Instant, u32),
}

/// Watched topics (views) one client may be first to subscribe to per
/// second. Each is work for the live loop (the view computed, rendered and
/// published, then forgotten): a client subscribing and unsubscribing
/// invented views as fast as it can would otherwise queue it without
/// bound and stall every view. A browser subscribes to one or two.
pub const MAX_NEW_WATCHED_PER_SECOND: u32 = 32;

struct Watcher {
    prefix: &'static str,
    events: flume::Sender<WatchEvent>,
}

impl Watcher {
    fn tell(&self, topic: &str, event: impl FnOnce(String) -> WatchEvent) {
        if topic.starts_with(self.prefix) {
            let _ = self.events.send(event(topic.to_owned()));
        }
    }
}

/// The hub's state; only the hub task touches it.
struct Hub {
    watcher: Option<Watcher>,
    topics: HashMap<String, Topic>,
    clients: HashMap<ClientId, Client>,
    /// The last revision handed out. Seeded from the clock so revisions keep
    /// growing across restarts and a reconnecting client's `since` stays meaningful.
    last_rev: u64,
    shutting_down: bool,
    /// Where to give a large publish's share (see [`SHARE_EVERY`]); None:
    /// the hub writes to every subscriber itself.
    helper: Option<Helper>,
}

impl Hub {
    fn new() -> Hub {
        let micros = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
        Hub {
            watcher: None,
            topics: HashMap::new(),
            clients: HashMap::new(),
            last_rev: u64::try_from(micros).unwrap_or(0),
            shutting_down: false,
            helper: None,
        }
    }

    /// Carries out `command`; a publish the helper shares is returned with
    /// whom to answer, to be finished once the helper is done.
    fn handle(&mut self, command: Command) -> Option<(Publishing, flume::Sender<Published>)> {
        match command {
            Command::Register { client, outbox, max_subscriptions } => {
                if self.shutting_down {
                    outbox.close(CLOSE_SHUTDOWN);
                    return None;
                }
                let state = Client {
                    outbox,
                    topics: HashSet::new(),
                    max_subscriptions,
                    new_watched: (Instant::now(), 0),
                };
                self.clients.insert(client, state);
            }
            Command::Subscribe { client, topic, since, patches } => {
                self.subscribe(client, topic, since, patches)
            }
            Command::Unsubscribe { client, topic } => self.unsubscribe(client, &topic),
            Command::Disconnect { client } => self.disconnect(client),
            Command::Publish { topic, data, delivery, delta, reply } => {
                let publishing = self.publish(topic, data, delivery, delta);
                if publishing.shared.is_some() {
                    return Some((publishing, reply));
                }
                let _ = reply.try_send(self.finish_publish(publishing));
            }
            Command::Forget { topic } => {
                if self.topics.get(&topic).is_some_and(|entry| entry.subscribers.is_empty()) {
                    self.topics.remove(&topic);
                }
            }
            Command::ListTopics { reply } => {
                let _ = reply.try_send(self.list_topics());
            }
            Command::Shutdown => {
                self.shutting_down = true;
                for client in self.clients.values() {
                    client.outbox.close(CLOSE_SHUTDOWN);
                }
            }
        }
        None
    }

    /// Waits until the helper has written its share of `publishing`:
    /// nothing else may reach a client before. If the helper stopped (it
    /// panicked), its share may have missed the frame: those clients are
    /// closed, and the hub writes every publish itself from then on.
    async fn await_share(&mut self, publishing: &mut Publishing) {
        let Some(shared) = publishing.shared.take() else { return };
        let answer = match &self.helper {
            Some(helper) => helper.answers.recv_async().await.ok(),
            None => None,
        };
        match answer {
            Some(lagging) => publishing.lagging.extend(lagging),
            None => {
                tracing::error!(clients = shared.len(), "the fan-out helper stopped");
                self.helper = None;
                for id in shared {
                    self.drop_client(id, CLOSE_SERVER_ERROR);
                }
            }
        }
    }

    /// Ends a publish once every subscriber was offered it: drops the
    /// clients that could not take it.
    fn finish_publish(&mut self, publishing: Publishing) -> Published {
        for id in publishing.lagging {
            self.drop_client(id, CLOSE_TOO_SLOW);
        }
        publishing.published
    }

    fn subscribe(&mut self, id: ClientId, topic: String, since: Option<u64>, patches: bool) {
        let Some(client) = self.clients.get_mut(&id) else { return };
        if client.topics.contains(&topic) {
            return;
        }
        if client.topics.len() >= client.max_subscriptions {
            let limit = client.max_subscriptions;
            let error =
                ServerFrame::error(format!("too many subscriptions (limit {limit})"), Some(&topic));
            let frame = Frame::whole(0, error.to_json());
            if client.outbox.offer(frame) != Offer::Queued {
                self.drop_client(id, CLOSE_TOO_SLOW);
            }
            return;
        }
        let first = self.topics.get(&topic).is_none_or(|entry| entry.subscribers.is_empty());
        if first && self.watcher.as_ref().is_some_and(|watcher| topic.starts_with(watcher.prefix)) {
            let (since, count) = &mut client.new_watched;
            if since.elapsed().as_secs() >= 1 {
                (*since, *count) = (Instant::now(), 0);
            }
            if *count >= MAX_NEW_WATCHED_PER_SECOND {
                let error = ServerFrame::error(
                    format!(
                        "too many new view subscriptions (limit {MAX_NEW_WATCHED_PER_SECOND} a \
                         second): try again shortly"
                    ),
                    Some(&topic),
                );
                if client.outbox.offer(Frame::whole(0, error.to_json())) != Offer::Queued {
                    self.drop_client(id, CLOSE_TOO_SLOW);
                }
                return;
            }
            *count += 1;
        }
        client.topics.insert(topic.clone());
        let topic_name = topic.clone();
        let entry = self.topics.entry(topic).or_insert_with(|| Topic {
            current: None,
            delivery: Delivery::Every,
            subscribers: HashMap::new(),
        });
        let slot = Arc::new(LatestSlot::new(patches));
        entry.subscribers.insert(id, slot.clone());
        if entry.subscribers.len() == 1
            && let Some(watcher) = &self.watcher
        {
            watcher.tell(&topic_name, WatchEvent::Watched);
        }
        let Some(current) = entry.current.clone() else { return };
        if since.is_some_and(|since| since >= current.rev) {
            return;
        }
        let slot = (entry.delivery == Delivery::LatestWins).then_some(&slot);
        let offer = client.outbox.offer_to(current, slot);
        if offer != Offer::Queued {
            self.drop_client(id, CLOSE_TOO_SLOW);
        }
    }

    fn unsubscribe(&mut self, id: ClientId, topic: &str) {
        if let Some(client) = self.clients.get_mut(&id) {
            client.topics.remove(topic);
        }
        self.leave_topic(id, topic);
    }

    /// Removes one subscription, and the topic itself once it holds nothing.
    fn leave_topic(&mut self, id: ClientId, topic: &str) {
        let Some(entry) = self.topics.get_mut(topic) else { return };
        if let Some(slot) = entry.subscribers.remove(&id) {
            // A notice may still sit in the queue; make it deliver nothing.
            slot.take();
            if entry.subscribers.is_empty()
                && let Some(watcher) = &self.watcher
            {
                watcher.tell(topic, WatchEvent::Unwatched);
            }
        }
        if entry.subscribers.is_empty() && entry.current.is_none() {
            self.topics.remove(topic);
        }
    }

    fn disconnect(&mut self, id: ClientId) {
        let Some(client) = self.clients.remove(&id) else { return };
        for topic in &client.topics {
            self.leave_topic(id, topic);
        }
    }

    fn drop_client(&mut self, id: ClientId, reason: CloseRequest) {
        if let Some(client) = self.clients.get(&id) {
            client.outbox.close(reason);
        }
        self.disconnect(id);
    }

    fn publish(
        &mut self,
        topic: String,
        data: Arc<str>,
        delivery: Delivery,
        delta: Option<Delta>,
    ) -> Publishing {
        self.last_rev += 1;
        let rev = self.last_rev;
        let entry = self.topics.entry(topic.clone()).or_insert_with(|| Topic {
            current: None,
            delivery,
            subscribers: HashMap::new(),
        });
        // Only subscribers of a latest-wins topic are sent patches; a patch
        // against anything but the current message would not fit.
        let current_rev = entry.current.as_ref().map(|current| current.rev);
        let patch = delta
            .filter(|delta| delivery == Delivery::LatestWins && current_rev == Some(delta.base))
            .map(|delta| PatchFrame {
                base: delta.base,
                text: Text::new(encode_patch(&topic, rev, &delta)),
            });
        // With a patch, the whole message is written only when a session
        // first needs it (a subscriber without patches, or behind): those
        // that take the patch need not wait for a large message's encoding.
        let whole = if patch.is_some() {
            let (topic, data) = (topic.clone(), data.clone());
            Text::later(move || encode_message(&topic, rev, &data))
        } else {
            Text::new(encode_message(&topic, rev, &data))
        };
        let frame = Frame { rev, text: whole, patch };
        entry.delivery = delivery;
        entry.current = Some(Frame { patch: None, ..frame.clone() });
        let latest_wins = delivery == Delivery::LatestWins;
        let subscribers = entry.subscribers.len();
        let mut lagging = Vec::new();
        // The helper's share first, so it writes while the hub writes the rest.
        let sharing = self.helper.as_ref().filter(|_| subscribers >= SHARE_FROM);
        let cut = sharing.is_some();
        let mut shared = None;
        if let Some(helper) = sharing {
            let clients = entry.subscribers.iter().step_by(SHARE_EVERY);
            let clients: Vec<_> = clients
                .filter_map(|(id, slot)| {
                    Some((*id, self.clients.get(id)?.outbox.clone(), slot.clone()))
                })
                .collect();
            let ids = clients.iter().map(|(id, _, _)| *id).collect();
            let share = Share { frame: frame.clone(), latest_wins, clients };
            match helper.shares.try_send(share) {
                Ok(()) => shared = Some(ids),
                // The helper stopped (it panicked): the hub writes its share,
                // and every publish from now on.
                Err(error) => {
                    lagging.extend(error.into_inner().offer());
                    self.helper = None;
                }
            }
        }
        for (n, (id, slot)) in entry.subscribers.iter().enumerate() {
            if cut && n % SHARE_EVERY == 0 {
                continue;
            }
            let Some(client) = self.clients.get(id) else { continue };
            if client.outbox.offer_to(frame.clone(), latest_wins.then_some(slot)) != Offer::Queued {
                lagging.push(*id);
            }
        }
        Publishing { published: Published { topic, rev, subscribers }, lagging, shared }
    }

    fn list_topics(&self) -> Vec<TopicInfo> {
        let mut list: Vec<TopicInfo> = self
            .topics
            .iter()
            .map(|(name, topic)| TopicInfo {
                topic: name.clone(),
                rev: topic.current.as_ref().map(|f| f.rev),
                subscribers: topic.subscribers.len(),
                delivery: topic.delivery,
            })
            .collect();
        list.sort_by(|a, b| a.topic.cmp(&b.topic));
        list
    }
}

/// Encodes a message frame without copying `data` into an owned struct first.
fn encode_message(topic: &str, rev: u64, data: &str) -> String {
    #[derive(Serialize)]
    struct Message<'a> {
        r#type: &'static str,
        topic: &'a str,
        rev: u64,
        data: &'a str,
    }
    serde_json::to_string(&Message { r#type: "message", topic, rev, data }).unwrap_or_default()
}

/// Encodes a patch frame (docs/PROTOCOL.md, "Patches").
fn encode_patch(topic: &str, rev: u64, delta: &Delta) -> String {
    let topic = serde_json::to_string(topic).unwrap_or_default();
    let Delta { base, patch } = delta;
    let (length, check, pieces) = (patch.length, patch.check, patch.pieces_json());
    format!(
        r#"{{"type":"patch","topic":{topic},"rev":{rev},"base":{base},"length":{length},"check":{check},"pieces":{pieces}}}"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(hub: &mut Hub, id: ClientId, queue: usize) -> Outbox {
        let (tx, rx) = outbox(queue);
        hub.handle(Command::Register { client: id, outbox: tx, max_subscriptions: 4 });
        rx
    }

    fn publish(hub: &mut Hub, topic: &str, data: &str, delivery: Delivery) -> Published {
        let (reply, answer) = flume::bounded(1);
        let (topic, data) = (topic.to_owned(), data.into());
        let publish = Command::Publish { topic, data, delivery, delta: None, reply };
        assert!(hub.handle(publish).is_none(), "no helper: the hub writes to every subscriber");
        answer.try_recv().unwrap()
    }

    fn received(rx: &Outbox) -> Vec<ServerFrame> {
        rx.frames
            .try_iter()
            .filter_map(|item| match item {
                Outgoing::Frame(f) => Some(f),
                Outgoing::Latest(slot) => slot.take(),
                Outgoing::Resume => panic!("these outboxes have no wire to resume on"),
            })
            .map(|f| serde_json::from_str(f.text.as_str()).unwrap())
            .collect()
    }

    /// Frames a client's queue holds, by revision, in the order queued.
    fn revisions(rx: &Outbox) -> Vec<u64> {
        rx.frames
            .try_iter()
            .map(|item| match item {
                Outgoing::Frame(frame) => frame.rev,
                other => panic!("expected a frame, got {other:?}"),
            })
            .collect()
    }

    /// Runs `test` against a hub with its fan-out helper, both spawned on
    /// an executor of two threads; fails if it takes over a minute.
    fn with_helper<T, F: Future<Output = T>>(test: impl FnOnce(HubHandle) -> F) -> T {
        let executor = Arc::new(smol::Executor::new());
        let (stop, stopped) = flume::bounded::<()>(1);
        let worker = {
            let executor = executor.clone();
            std::thread::spawn(move || smol::block_on(executor.run(stopped.recv_async())))
        };
        let (hub, tasks, _watch) = hub_watching("view/", 2);
        assert_eq!(tasks.len(), 2, "two threads: the hub and its fan-out helper");
        for task in tasks {
            executor.spawn(task).detach();
        }
        let outcome = smol::block_on(executor.run(within_a_minute(test(hub))));
        drop(stop);
        let _stopped = worker.join().unwrap();
        outcome
    }

    /// `test`, failing it if it takes over a minute (a hub that never
    /// answers would otherwise hang the suite).
    async fn within_a_minute<T>(test: impl Future<Output = T>) -> T {
        let timeout = async {
            smol::Timer::after(std::time::Duration::from_secs(60)).await;
            panic!("the hub did not answer within a minute")
        };
        smol::future::or(test, timeout).await
    }

    async fn join(hub: &HubHandle, id: ClientId, outbox: OutboxSender, topic: &str) {
        let register = Command::Register { client: id, outbox, max_subscriptions: 4 };
        hub.send(register).await.unwrap();
        subscribe(hub, id, topic).await;
    }

    async fn subscribe(hub: &HubHandle, id: ClientId, topic: &str) {
        let topic = topic.to_owned();
        let command = Command::Subscribe { client: id, topic, since: None, patches: false };
        hub.send(command).await.unwrap();
    }

    /// Registers a client on topic `t` for each queue size in `queues`,
    /// then publishes three messages on it with `delivery`.
    fn three_publishes_with_helper(
        queues: &[usize],
        delivery: Delivery,
    ) -> (Vec<Outbox>, Vec<Published>) {
        with_helper(|hub| async move {
            let mut outboxes = Vec::new();
            for (id, &queue) in (0..).zip(queues) {
                let (tx, rx) = outbox(queue);
                join(&hub, id, tx, "t").await;
                outboxes.push(rx);
            }
            let mut published = Vec::new();
            for n in 0..3 {
                published.push(hub.publish("t", format!("{n}"), delivery).await.unwrap());
            }
            (outboxes, published)
        })
    }

    #[test]
    fn a_large_publish_shared_with_the_helper_reaches_every_subscriber_once_in_order() {
        // 150 clients read; 150 never do and hold one frame at most.
        let (readers, total) = (150, 300);
        let queues: Vec<usize> = (0..total).map(|i| if i < readers { 8 } else { 1 }).collect();
        let (outboxes, published) = three_publishes_with_helper(&queues, Delivery::Every);
        let subscribers: Vec<usize> = published.iter().map(|p| p.subscribers).collect();
        assert_eq!(subscribers, [total, total, readers], "the slow ones are dropped");
        let revs: Vec<u64> = published.iter().map(|p| p.rev).collect();
        for (id, rx) in outboxes.iter().enumerate() {
            if id < readers {
                assert_eq!(revisions(rx), revs, "client {id}: each message once, in order");
                assert!(rx.control.is_empty());
            } else {
                // Its first frame queued; the second found the queue full.
                assert_eq!(rx.control.try_recv(), Ok(CLOSE_TOO_SLOW), "client {id}");
                assert_eq!(revisions(rx), revs[..1]);
            }
        }
    }

    #[test]
    fn on_a_latest_wins_topic_the_helper_leaves_lagging_clients_only_the_newest() {
        let (outboxes, published) = three_publishes_with_helper(&[1; 200], Delivery::LatestWins);
        assert!(published.iter().all(|p| p.subscribers == 200), "no one is dropped");
        let newest = published[2].rev;
        for (id, rx) in outboxes.iter().enumerate() {
            let queued: Vec<Outgoing> = rx.frames.try_iter().collect();
            let [Outgoing::Latest(slot)] = &queued[..] else {
                panic!("client {id}: expected one latest-wins notice, got {queued:?}")
            };
            assert_eq!(slot.take().map(|frame| frame.rev), Some(newest), "client {id}");
            assert!(rx.control.is_empty());
        }
    }

    /// Every frame written to any client, as (client, topic, rev).
    type WireLog = Arc<std::sync::Mutex<Vec<(ClientId, String, u64)>>>;

    /// A connection that takes every frame whole, into the log.
    #[derive(Debug)]
    struct Logged {
        client: ClientId,
        log: WireLog,
    }

    impl Wire for Logged {
        fn send_now(&self, text: &Text) -> Sent {
            let frame = serde_json::from_str(text.as_str()).unwrap();
            let ServerFrame::Message { topic, rev, .. } = frame else { panic!("{frame:?}") };
            self.log.lock().unwrap().push((self.client, topic, rev));
            Sent::Whole
        }
    }

    #[test]
    fn the_hub_takes_no_command_until_its_helper_has_written_its_share() {
        // This test is the helper: it holds the share a while before writing it.
        let (shares, to_help) = flume::bounded(1);
        let (answer, answers) = flume::bounded(1);
        let (hub, task) = hub_with(None, Some(Helper { shares, answers }));
        let executor = smol::Executor::new();
        executor.spawn(task).detach();
        let log = WireLog::default();
        let clients = SHARE_FROM as ClientId;
        let written = |topic: &str| log.lock().unwrap().iter().filter(|e| e.1 == topic).count();
        let test = async {
            let u = hub.publish("u", "current", Delivery::Every).await.unwrap().rev;
            let mut outboxes = Vec::new();
            for id in 0..clients {
                let (tx, rx) = direct_outbox(8, Logged { client: id, log: log.clone() });
                rx.release(); // the session is idle: the hub and the helper write
                join(&hub, id, tx, "t").await;
                outboxes.push(rx);
            }
            let first = executor.spawn({
                let hub = hub.clone();
                async move { hub.publish("t", "1", Delivery::Every).await.unwrap().rev }
            });
            let share = to_help.recv_async().await.unwrap();
            for id in 0..clients {
                subscribe(&hub, id, "u").await;
            }
            smol::Timer::after(std::time::Duration::from_millis(50)).await;
            assert_eq!(written("u"), 0, "the subscribes wait for the share");
            assert_eq!(written("t"), clients as usize - share.clients.len());
            answer.send(share.offer()).unwrap();
            let first = first.await;
            hub.topics().await.unwrap(); // the subscribes are done
            assert!(outboxes.iter().all(|rx| rx.frames.is_empty()), "all written at once");
            (first, u)
        };
        let (first, u) = smol::block_on(executor.run(within_a_minute(test)));
        let log = log.lock().unwrap();
        for id in 0..clients {
            let got: Vec<(&str, u64)> = log
                .iter()
                .filter(|(client, _, _)| *client == id)
                .map(|(_, topic, rev)| (topic.as_str(), *rev))
                .collect();
            assert_eq!(got, [("t", first), ("u", u)], "client {id}");
        }
    }

    /// A hub whose helper is the caller's (the two ends returned), with
    /// `clients` clients on topic `t`.
    fn hub_sharing(
        clients: usize,
    ) -> (Hub, flume::Receiver<Share>, flume::Sender<Vec<ClientId>>, Vec<Outbox>) {
        let mut hub = Hub::new();
        let (shares, to_help) = flume::bounded(1);
        let (answer, answers) = flume::bounded(1);
        hub.helper = Some(Helper { shares, answers });
        let outboxes = (0..clients as ClientId)
            .map(|id| {
                let rx = client(&mut hub, id, 8);
                hub.subscribe(id, "t".into(), None, false);
                rx
            })
            .collect();
        (hub, to_help, answer, outboxes)
    }

    #[test]
    fn a_share_the_helper_never_answers_closes_its_clients() {
        let total = SHARE_FROM * 3;
        let (mut hub, to_help, answer, outboxes) = hub_sharing(total);
        let (reply, _answer) = flume::bounded(1);
        let (topic, data) = ("t".to_owned(), "x".into());
        let command =
            Command::Publish { topic, data, delivery: Delivery::Every, delta: None, reply };
        let (mut publishing, _reply) = hub.handle(command).expect("a share for the helper");
        let share = to_help.try_recv().unwrap();
        let shared: HashSet<ClientId> = share.clients.iter().map(|(id, _, _)| *id).collect();
        assert_eq!(shared.len(), total / SHARE_EVERY);
        for (id, rx) in (0..).zip(&outboxes) {
            let written = usize::from(!shared.contains(&id));
            assert_eq!(rx.frames.len(), written, "client {id}: the hub writes all but the share");
        }
        // The helper stops (as if it panicked) before it answers.
        drop((share, to_help, answer));
        smol::block_on(hub.await_share(&mut publishing));
        hub.finish_publish(publishing);
        for (id, rx) in (0..).zip(&outboxes) {
            let closed = rx.control.try_recv().ok();
            assert_eq!(closed, shared.contains(&id).then_some(CLOSE_SERVER_ERROR), "client {id}");
        }
        assert!(hub.helper.is_none(), "the hub writes alone from then on");
        let published = publish(&mut hub, "t", "y", Delivery::Every);
        assert_eq!(published.subscribers, total - shared.len());
    }

    #[test]
    fn without_its_helper_the_hub_writes_the_share_itself() {
        let (mut hub, to_help, answer, outboxes) = hub_sharing(SHARE_FROM * 2);
        drop((to_help, answer));
        let published = publish(&mut hub, "t", "x", Delivery::Every);
        assert_eq!(published.subscribers, outboxes.len());
        for rx in &outboxes {
            assert_eq!(revisions(rx), [published.rev]);
        }
        assert!(hub.helper.is_none(), "the hub writes alone from then on");
    }

    #[test]
    fn watched_topics_are_reported_on_first_and_last_subscriber() {
        let (events, watch) = flume::unbounded();
        let mut hub = Hub::new();
        hub.watcher = Some(Watcher { prefix: "view/", events });
        let _a = client(&mut hub, 1, 8);
        let _b = client(&mut hub, 2, 8);
        let subscribe = |hub: &mut Hub, client, topic: &str| {
            hub.handle(Command::Subscribe {
                client,
                topic: topic.into(),
                since: None,
                patches: false,
            })
        };
        subscribe(&mut hub, 1, "view/work/table");
        subscribe(&mut hub, 2, "view/work/table");
        subscribe(&mut hub, 1, "news");
        assert_eq!(
            watch.try_iter().collect::<Vec<_>>(),
            [WatchEvent::Watched("view/work/table".into())]
        );
        hub.handle(Command::Unsubscribe { client: 1, topic: "view/work/table".into() });
        assert_eq!(watch.try_iter().count(), 0, "one subscriber is left");
        hub.handle(Command::Disconnect { client: 2 });
        assert_eq!(
            watch.try_iter().collect::<Vec<_>>(),
            [WatchEvent::Unwatched("view/work/table".into())]
        );
    }

    #[test]
    fn subscribers_share_one_encoding_and_revisions_grow() {
        let mut hub = Hub::new();
        let a = client(&mut hub, 1, 8);
        let b = client(&mut hub, 2, 8);
        for id in [1, 2] {
            hub.subscribe(id, "t".into(), None, false);
        }
        let first = publish(&mut hub, "t", "one", Delivery::Every);
        let second = publish(&mut hub, "t", "two", Delivery::Every);
        assert!(second.rev > first.rev);
        assert_eq!(first.subscribers, 2);
        let (Ok(Outgoing::Frame(fa)), Ok(Outgoing::Frame(fb))) =
            (a.frames.try_recv(), b.frames.try_recv())
        else {
            panic!("both clients should have a frame");
        };
        // Same allocation, not a copy per client.
        assert_eq!(fa.text.as_str().as_ptr(), fb.text.as_str().as_ptr());
        assert_eq!(received(&a).len(), 1);
    }

    #[test]
    fn subscribe_sends_current_only_if_newer_than_since() {
        let mut hub = Hub::new();
        let rx = client(&mut hub, 1, 8);
        let p = publish(&mut hub, "t", "x", Delivery::Every);
        hub.subscribe(1, "t".into(), Some(p.rev), false);
        assert!(received(&rx).is_empty());
        hub.unsubscribe(1, "t");
        hub.subscribe(1, "t".into(), Some(p.rev - 1), false);
        assert_eq!(
            received(&rx),
            vec![ServerFrame::Message { topic: "t".into(), rev: p.rev, data: "x".into() }]
        );
    }

    #[test]
    fn lagging_client_skips_to_newest_on_latest_wins_topic() {
        let mut hub = Hub::new();
        let rx = client(&mut hub, 1, 2);
        hub.subscribe(1, "view".into(), None, false);
        for i in 0..100 {
            publish(&mut hub, "view", &format!("v{i}"), Delivery::LatestWins);
        }
        let got = received(&rx);
        assert_eq!(got.len(), 1);
        assert!(matches!(&got[0], ServerFrame::Message { data, .. } if data == "v99"));
        assert!(rx.control.try_recv().is_err(), "a latest-wins lag must not close the client");
    }

    #[test]
    fn a_delta_becomes_a_patch_frame_only_against_the_current_message() {
        let mut hub = Hub::new();
        let rx = client(&mut hub, 1, 8);
        hub.subscribe(1, "view".into(), None, true);
        let old = "<ul><li data-key=a>one</li><li data-key=b>two</li></ul>".repeat(8);
        let new = old.replacen("two", "deux", 1);
        let delta = |base| Some(Delta { base, patch: crate::patch::diff(&old, &new).unwrap() });
        let first = publish(&mut hub, "view", &old, Delivery::LatestWins);
        let taken = |rx: &Outbox| match rx.frames.try_recv() {
            Ok(Outgoing::Latest(slot)) => slot.take_text().map(|t| t.as_str().to_owned()),
            other => panic!("expected a latest-wins notice, got {other:?}"),
        };
        assert!(taken(&rx).unwrap().starts_with(r#"{"type":"message""#));
        let second = hub
            .publish("view".into(), new.as_str().into(), Delivery::LatestWins, delta(first.rev))
            .published;
        let text = taken(&rx).unwrap();
        let frame: ServerFrame = serde_json::from_str(&text).unwrap();
        let ServerFrame::Patch { rev, base, length, .. } = frame else { panic!("{text}") };
        assert_eq!((rev, base, length), (second.rev, first.rev, new.len()));
        // A delta against an older message than the current one is dropped.
        let third = hub
            .publish("view".into(), old.as_str().into(), Delivery::LatestWins, delta(first.rev))
            .published;
        let text = taken(&rx).unwrap();
        assert!(matches!(
            serde_json::from_str(&text).unwrap(),
            ServerFrame::Message { rev, .. } if rev == third.rev
        ));
        // Late subscribers get the whole message, never a patch.
        let late = client(&mut hub, 2, 8);
        hub.subscribe(2, "view".into(), None, true);
        assert!(taken(&late).unwrap().starts_with(r#"{"type":"message""#));
        // A topic where every message counts carries no patches.
        hub.subscribe(1, "log".into(), None, true);
        let base = publish(&mut hub, "log", &old, Delivery::Every);
        hub.publish("log".into(), new.as_str().into(), Delivery::Every, delta(base.rev));
        let frames: Vec<_> = received(&rx).into_iter().collect();
        assert_eq!(frames.len(), 2);
        assert!(frames.iter().all(|f| matches!(f, ServerFrame::Message { .. })), "{frames:?}");
    }

    #[test]
    fn overflowing_client_is_closed_and_removed() {
        let mut hub = Hub::new();
        let rx = client(&mut hub, 1, 2);
        hub.subscribe(1, "t".into(), None, false);
        for i in 0..3 {
            publish(&mut hub, "t", &format!("{i}"), Delivery::Every);
        }
        assert_eq!(rx.control.try_recv(), Ok(CLOSE_TOO_SLOW));
        assert!(hub.clients.is_empty());
        assert_eq!(hub.list_topics()[0].subscribers, 0);
    }

    #[test]
    fn disconnect_removes_subscriptions_and_empty_topics() {
        let mut hub = Hub::new();
        let _rx = client(&mut hub, 1, 8);
        hub.subscribe(1, "a".into(), None, false);
        hub.subscribe(1, "b".into(), None, false);
        publish(&mut hub, "b", "kept", Delivery::Every);
        hub.handle(Command::Disconnect { client: 1 });
        let topics = hub.list_topics();
        assert_eq!(topics.len(), 1, "a topic with no message and no subscriber is dropped");
        assert_eq!(topics[0].topic, "b");
        assert_eq!(topics[0].subscribers, 0);
    }

    #[test]
    fn subscription_limit_answers_with_an_error() {
        let mut hub = Hub::new();
        let rx = client(&mut hub, 1, 8);
        for i in 0..5 {
            hub.subscribe(1, format!("t{i}"), None, false);
        }
        let got = received(&rx);
        assert!(matches!(&got[..], [ServerFrame::Error { topic: Some(t), .. }] if t == "t4"));
    }

    #[test]
    fn shutdown_closes_clients_and_refuses_new_ones() {
        let mut hub = Hub::new();
        let a = client(&mut hub, 1, 8);
        hub.handle(Command::Shutdown);
        assert_eq!(a.control.try_recv(), Ok(CLOSE_SHUTDOWN));
        let b = client(&mut hub, 2, 8);
        assert_eq!(b.control.try_recv(), Ok(CLOSE_SHUTDOWN));
    }
}
