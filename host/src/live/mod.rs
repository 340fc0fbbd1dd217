//! The live loop: after every change (a console command, an edit in the
//! plan directory, a plugin swap, a client starting to watch a view) it
//! recomputes the watched views, renders each watched (view, renderer)
//! pair once and publishes to `view/<name>/<renderer>` only what changed.
//! Changes arriving together are handled as one.

pub mod console;
pub mod files;
pub mod lua_lines;
pub mod terminal;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::hub::{Command, Delivery, Delta, HubHandle, WatchEvent};
use crate::lua::api::valid_view_name;
use crate::lua::thread::{LuaHandle, Reloaded, no_view_named};
use crate::render::Renderers;

/// Topics the live loop produces start with this.
pub const VIEW_TOPIC_PREFIX: &str = "view/";

/// The topic that carries the names of the plan's views, as a JSON array
/// in declaration order: published at start and whenever they change.
pub const VIEWS_TOPIC: &str = "plan/views";

/// How long the loop waits for more changes to join a round that starts
/// within this time of the last one's end (a burst). A change that finds
/// the loop idle starts a round at once.
pub const COALESCE: Duration = Duration::from_millis(3);

/// Events one round takes in at most.
const MAX_EVENTS_PER_ROUND: usize = 1024;

/// The topic of a (view, renderer) pair.
pub fn view_topic(view: &str, renderer: &str) -> String {
    format!("{VIEW_TOPIC_PREFIX}{view}/{renderer}")
}

/// The (view, renderer) pair a topic names, if it is a view topic.
pub fn parse_view_topic(topic: &str) -> Option<Pair> {
    let (view, renderer) = topic.strip_prefix(VIEW_TOPIC_PREFIX)?.split_once('/')?;
    (valid_view_name(view) && valid_view_name(renderer))
        .then(|| Pair { view: view.to_owned(), renderer: renderer.to_owned() })
}

/// A view rendered by one renderer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pair {
    pub view: String,
    pub renderer: String,
}

/// What a view topic carries (as the message's `data`, JSON text): the
/// last good HTML, and the error that stopped a newer one, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub html: Option<String>,
    pub error: Option<ViewError>,
}

/// Why a view shows older HTML than the plan's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewError {
    /// `lua` (the plan or the view function failed) or `plugin`.
    pub source: String,
    pub message: String,
}

impl ViewError {
    pub fn lua(message: impl Into<String>) -> ViewError {
        ViewError { source: "lua".into(), message: message.into() }
    }

    fn plugin(message: impl Into<String>) -> ViewError {
        ViewError { source: "plugin".into(), message: message.into() }
    }
}

/// A pair as last published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub envelope: Envelope,
    /// The revision it was published with.
    pub rev: u64,
    /// The envelope as the message's data, which the next one is written
    /// against as a patch.
    pub text: Arc<str>,
}

/// What the live loop is told.
#[derive(Debug)]
pub enum LiveEvent {
    /// The plan's state may have changed (a console command ran).
    PlanChanged,
    /// Files in the plan directory changed: run the plan again.
    FilesChanged,
    /// A console command loaded the plan's files afresh
    /// (`planhost.reload()`): the error if the plan in use stayed.
    Reloaded(Result<(), String>),
    /// The renderer plugins were swapped.
    PluginsSwapped,
    /// A view topic gained its first or lost its last subscriber.
    Watch(WatchEvent),
    /// Bring a pair up to date now and answer with it (a page's first paint).
    Show { pair: Pair, reply: flume::Sender<Option<Shown>> },
}

/// A cheap handle for telling the live loop about changes.
#[derive(Debug, Clone)]
pub struct LiveHandle {
    events: flume::Sender<LiveEvent>,
    plan_error: Arc<Mutex<Option<String>>>,
}

impl LiveHandle {
    /// Why the plan's entry point last failed to run, while it stays failed.
    pub fn plan_error(&self) -> Option<String> {
        self.plan_error.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Tells the loop something changed.
    pub fn tell(&self, event: LiveEvent) {
        let _ = self.events.send(event);
    }

    /// The pair, rendered from the plan's current state.
    pub async fn show(&self, pair: Pair) -> Option<Shown> {
        let (reply, answer) = flume::bounded(1);
        self.events.send_async(LiveEvent::Show { pair, reply }).await.ok()?;
        answer.recv_async().await.ok().flatten()
    }
}

/// Everything one round of the loop must do.
#[derive(Default)]
struct Round {
    reload: bool,
    /// Re-render every watched pair (the plan or the plugins changed).
    everything: bool,
    /// The plugins changed: even unchanged view data must be rendered again.
    plugins_swapped: bool,
    /// Pairs that must be brought up to date whatever else happens.
    pairs: BTreeSet<Pair>,
    /// Pairs whose last watcher left.
    unwatched: BTreeSet<Pair>,
    replies: Vec<(Pair, flume::Sender<Option<Shown>>)>,
}

/// The loop's state.
pub struct Live {
    lua: LuaHandle,
    renderers: Arc<Renderers>,
    hub: HubHandle,
    /// The plan's entry point, run again when its files change.
    entry: PathBuf,
    watched: BTreeSet<Pair>,
    shown: HashMap<Pair, Shown>,
    /// The view data each pair was last rendered from.
    rendered_from: HashMap<Pair, Arc<str>>,
    /// Why the last run of the entry point failed, while it stays failed.
    plan_error: Option<String>,
    /// The same, for the handles.
    shared_plan_error: Arc<Mutex<Option<String>>>,
    /// The view names last published on [`VIEWS_TOPIC`].
    views_published: Option<Vec<String>>,
}

impl Live {
    /// A loop over the plan run by `lua` from `entry`; `plan_error` is
    /// the error of the first run, if it failed.
    pub fn new(
        lua: LuaHandle,
        renderers: Arc<Renderers>,
        hub: HubHandle,
        entry: PathBuf,
        plan_error: Option<String>,
    ) -> Live {
        Live {
            lua,
            renderers,
            hub,
            entry,
            watched: BTreeSet::new(),
            shown: HashMap::new(),
            rendered_from: HashMap::new(),
            shared_plan_error: Arc::new(Mutex::new(plan_error.clone())),
            plan_error,
            views_published: None,
        }
    }

    /// Starts the loop; it runs until every handle and `watch` are gone.
    pub fn start(
        self,
        watch: flume::Receiver<WatchEvent>,
    ) -> (LiveHandle, impl Future<Output = ()> + Send + 'static) {
        let (events, inbox) = flume::unbounded();
        let plan_error = self.shared_plan_error.clone();
        let forward = events.clone();
        let watch_task = async move {
            while let Ok(event) = watch.recv_async().await {
                if forward.send(LiveEvent::Watch(event)).is_err() {
                    break;
                }
            }
        };
        let task = async move {
            let main = self.run(inbox);
            futures_lite::future::zip(main, watch_task).await;
        };
        (LiveHandle { events, plan_error }, task)
    }

    async fn run(mut self, inbox: flume::Receiver<LiveEvent>) {
        // The first change after a quiet spell goes out at once; changes
        // that arrive while a round runs, or right after, are one burst and
        // join the next round together.
        let mut last_round_end: Option<Instant> = None;
        self.publish_views().await;
        while let Ok(event) = inbox.recv_async().await {
            let mut round = Round::default();
            self.note(event, &mut round);
            if last_round_end.is_some_and(|end| end.elapsed() < COALESCE) {
                smol::Timer::after(COALESCE).await;
            }
            // (Bounded, so that a round's work is: the rest join the next.)
            for event in inbox.try_iter().take(MAX_EVENTS_PER_ROUND) {
                self.note(event, &mut round);
            }
            self.process(round).await;
            last_round_end = Some(Instant::now());
        }
    }

    fn note(&mut self, event: LiveEvent, round: &mut Round) {
        match event {
            LiveEvent::PlanChanged => round.everything = true,
            LiveEvent::Reloaded(result) => {
                round.everything = true;
                if result.is_ok() {
                    self.set_plan_error(None);
                }
            }
            // (Every watched view is drawn again if the plan loads.)
            LiveEvent::FilesChanged => round.reload = true,
            LiveEvent::PluginsSwapped => {
                round.plugins_swapped = true;
                round.everything = true;
            }
            LiveEvent::Watch(WatchEvent::Watched(topic)) => {
                if let Some(pair) = parse_view_topic(&topic) {
                    self.watched.insert(pair.clone());
                    round.pairs.insert(pair);
                }
            }
            LiveEvent::Watch(WatchEvent::Unwatched(topic)) => {
                if let Some(pair) = parse_view_topic(&topic) {
                    self.watched.remove(&pair);
                    round.unwatched.insert(pair);
                }
            }
            LiveEvent::Show { pair, reply } => {
                round.pairs.insert(pair.clone());
                round.replies.push((pair, reply));
            }
        }
    }

    async fn process(&mut self, mut round: Round) {
        if round.reload {
            match self.lua.reload(self.entry.clone()).await {
                Ok(Reloaded::Loaded(printed)) => {
                    for line in printed.lines() {
                        tracing::info!(target: "planhost::lua", "{line}");
                    }
                    tracing::info!("reloaded {}", self.entry.display());
                    self.set_plan_error(None);
                    round.everything = true;
                }
                // Said nowhere: a log written beside the plan would grow
                // by a line for each line.
                Ok(Reloaded::Unchanged) => {}
                Ok(Reloaded::InUse) => {
                    if self.plan_error.is_some() {
                        let entry = self.entry.display();
                        tracing::info!(
                            "{entry}: back to the files the plan in use was loaded from"
                        );
                        self.set_plan_error(None);
                        round.everything = true;
                    }
                }
                Err(error) => {
                    tracing::error!("reloading {}: {error}", self.entry.display());
                    self.set_plan_error(Some(error.message));
                    round.everything = true;
                }
            }
        }
        let mut targets = round.pairs;
        if round.everything {
            targets.extend(self.watched.iter().cloned());
        }
        let mut by_view: BTreeMap<String, Vec<Pair>> = BTreeMap::new();
        let mut unwatched = round.unwatched;
        for pair in targets {
            by_view.entry(pair.view.clone()).or_default().push(pair.clone());
            unwatched.insert(pair);
        }
        for (view, pairs) in by_view {
            let started = Instant::now();
            let data = self.lua.view_data(&view).await.map(Arc::<str>::from);
            tracing::debug!(view, "view data in {:?}", started.elapsed());
            for pair in pairs {
                let started = Instant::now();
                self.update(pair, &data, round.plugins_swapped).await;
                tracing::debug!(view, "rendered and published in {:?}", started.elapsed());
            }
        }
        for (pair, reply) in round.replies {
            let _ = reply.send(self.shown.get(&pair).cloned());
        }
        // After the views: a console command may declare one.
        if round.everything {
            self.publish_views().await;
        }
        self.forget_unknown(unwatched).await;
    }

    /// Drops what is kept for pairs no one watches that name a view the
    /// plan does not declare or a renderer that is not loaded, their topics
    /// with it: a client naming views or renderers at random would
    /// otherwise leave a topic (holding the error) behind for each. Other
    /// pairs' topics keep their current message.
    async fn forget_unknown(&mut self, pairs: BTreeSet<Pair>) {
        let registry = self.renderers.current();
        for pair in pairs {
            let declared =
                self.views_published.as_ref().is_some_and(|names| names.contains(&pair.view));
            if (declared && registry.has(&pair.renderer)) || self.watched.contains(&pair) {
                continue;
            }
            self.shown.remove(&pair);
            self.rendered_from.remove(&pair);
            let topic = view_topic(&pair.view, &pair.renderer);
            if self.hub.send(Command::Forget { topic }).await.is_err() {
                return;
            }
        }
    }

    fn set_plan_error(&mut self, error: Option<String>) {
        self.plan_error.clone_from(&error);
        *self.shared_plan_error.lock().unwrap_or_else(|e| e.into_inner()) = error;
    }

    /// Publishes the plan's view names if they are not those last published.
    async fn publish_views(&mut self) {
        let names = self.lua.views().await;
        if self.views_published.as_ref() == Some(&names) {
            return;
        }
        let text = serde_json::to_string(&names).unwrap_or_default();
        match self.hub.publish(VIEWS_TOPIC, text, Delivery::LatestWins).await {
            Ok(_) => self.views_published = Some(names),
            Err(error) => tracing::warn!("publishing {VIEWS_TOPIC}: {error}"),
        }
    }

    /// Renders one pair from its view's data and publishes if it changed.
    async fn update(
        &mut self,
        pair: Pair,
        data: &Result<Arc<str>, crate::lua::runtime::LuaError>,
        plugins_swapped: bool,
    ) {
        let previous = self.shown.remove(&pair);
        // The same data rendered by the same plugins gives the same HTML.
        let render = match data {
            Ok(data)
                if plugins_swapped
                    || previous.is_none()
                    || self.rendered_from.get(&pair).is_none_or(|from| from != data) =>
            {
                Some(data.clone())
            }
            _ => None,
        };
        let step = Step {
            registry: self.renderers.current(),
            pair: pair.clone(),
            lua_error: data.as_ref().err().map(|error| {
                // A view a plan that failed to load never declared: the
                // plan's error is the cause to show.
                let undeclared = error.message == no_view_named(&pair.view);
                match &self.plan_error {
                    Some(plan_error) if undeclared => ViewError::lua(plan_error),
                    _ => ViewError::lua(&error.message),
                }
            }),
            plan_error: self.plan_error.clone().map(ViewError::lua),
            render,
            previous,
        };
        let made = smol::unblock(move || step.run()).await;
        match made.rendered {
            Some(Ok(data)) => {
                self.rendered_from.insert(pair.clone(), data);
            }
            Some(Err(())) => {
                self.rendered_from.remove(&pair);
            }
            None => {}
        }
        let Some(Made { envelope, text, delta }) = made.changed else {
            if let Some(previous) = made.previous {
                self.shown.insert(pair, previous);
            }
            return;
        };
        let topic = view_topic(&pair.view, &pair.renderer);
        match self.hub.publish_delta(&topic, text.clone(), Delivery::LatestWins, delta).await {
            Ok(published) => {
                self.shown.insert(pair, Shown { envelope, rev: published.rev, text });
            }
            Err(error) => {
                tracing::warn!("publishing {topic}: {error}");
                if let Some(previous) = made.previous {
                    self.shown.insert(pair, previous);
                }
            }
        }
    }
}

/// One pair's render, envelope and patch, run on one blocking thread: the
/// 700 KB of HTML of a large view is written, wrapped and compared while
/// it is in that core's cache, in one hop off the executor instead of two
/// (and the last good HTML is copied only when it is shown again).
struct Step {
    registry: Arc<crate::render::Registry>,
    pair: Pair,
    /// The view function failed.
    lua_error: Option<ViewError>,
    /// The plan itself failed to load (its last good state is running).
    plan_error: Option<ViewError>,
    /// The view's data when it must be rendered anew.
    render: Option<Arc<str>>,
    previous: Option<Shown>,
}

/// What a [`Step`] made.
struct StepOutcome {
    /// The data rendered, or `Err` if the plugin failed; `None`: no render.
    rendered: Option<Result<Arc<str>, ()>>,
    /// The new envelope, unless it equals the one shown.
    changed: Option<Made>,
    /// The pair as shown before, handed back.
    previous: Option<Shown>,
}

/// A pair's new envelope, as the message's text, and as a patch of the
/// last one when the patch is worth sending.
struct Made {
    envelope: Envelope,
    text: Arc<str>,
    delta: Option<Delta>,
}

impl Step {
    fn run(self) -> StepOutcome {
        let Step { registry, pair, lua_error, plan_error, render, previous } = self;
        let last_good = || previous.as_ref().and_then(|shown| shown.envelope.html.clone());
        let (envelope, rendered) = match (lua_error, render) {
            (Some(error), _) => (Envelope { html: last_good(), error: Some(error) }, None),
            (None, None) => {
                // The HTML shown stays: only a changed plan error is news
                // (checked before copying that HTML into a new envelope).
                if previous.as_ref().is_some_and(|shown| shown.envelope.error == plan_error) {
                    return StepOutcome { rendered: None, changed: None, previous };
                }
                (Envelope { html: last_good(), error: plan_error }, None)
            }
            (None, Some(input)) => match registry.render(&pair.renderer, &pair.view, &input, &[]) {
                Ok(html) => (Envelope { html: Some(html), error: plan_error }, Some(Ok(input))),
                Err(failure) => {
                    // For the plugin's author; a renderer no one loaded is
                    // the watcher's mistake, not news for the log.
                    if registry.has(&pair.renderer) {
                        tracing::warn!(view = %pair.view, "rendering: {failure}");
                    }
                    let error = ViewError::plugin(failure.to_string());
                    (Envelope { html: last_good(), error: Some(error) }, Some(Err(())))
                }
            },
        };
        if previous.as_ref().is_some_and(|shown| shown.envelope == envelope) {
            return StepOutcome { rendered, changed: None, previous };
        }
        let text: Arc<str> = serde_json::to_string(&envelope).unwrap_or_default().into();
        let delta = previous.as_ref().and_then(|shown| {
            crate::patch::diff(&shown.text, &text).map(|patch| Delta { base: shown.rev, patch })
        });
        StepOutcome { rendered, changed: Some(Made { envelope, text, delta }), previous }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_topics_name_a_view_and_a_renderer() {
        assert_eq!(
            parse_view_topic("view/work/table"),
            Some(Pair { view: "work".into(), renderer: "table".into() })
        );
        assert_eq!(view_topic("work", "table"), "view/work/table");
        for other in ["view/work", "view/work/table/x", "view//table", "news", "view/a b/t"] {
            assert_eq!(parse_view_topic(other), None, "{other}");
        }
    }
}
