//! One renderer plugin: a component validated against the `renderer`
//! world, compiled once and pre-instantiated, rendered in a fresh instance
//! per call under a deadline, a memory cap and an output cap.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, Linker, Resource, ResourceTable, ResourceTableError};
use wasmtime::{Engine, Store, StoreContextMut, StoreLimits, StoreLimitsBuilder, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::p2::{DynPollable, Pollable, subscribe};
use wasmtime_wasi::{HostMonotonicClock, WasiCtx, WasiCtxView, WasiView};

use super::bindings::{self, RendererPre};
use super::pool::{INSTANCE_SLOTS, Slot, Slots};
use crate::lua::api::{MAX_VIEW_NAME, valid_view_name};

/// Limits on one render.
#[derive(Debug, Clone, Copy)]
pub struct RenderLimits {
    /// Wall-clock time a render may take.
    pub deadline: Duration,
    /// Linear memory the instance may grow to.
    pub memory_bytes: usize,
    /// Largest HTML accepted back, counted as it is sent (see
    /// [`sent_len`]).
    pub output_bytes: usize,
}

impl Default for RenderLimits {
    fn default() -> Self {
        RenderLimits {
            deadline: Duration::from_secs(1),
            memory_bytes: 64 << 20,
            output_bytes: 8 << 20,
        }
    }
}

/// How often the engine's epoch advances; deadlines are counted in these.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// What a plugin says about itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Info {
    pub name: String,
    pub version: String,
    pub description: String,
    pub views: Vec<String>,
}

/// A render that did not produce HTML; `Display` names the plugin and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plugin '{plugin}': {reason}")]
pub struct RenderFailure {
    pub plugin: String,
    pub reason: String,
}

/// Per-instance state: WASI with no capabilities beyond what a guest's std
/// needs to start (no files, sockets, environment or arguments), the
/// memory cap, and when the call must end.
pub struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
    /// Where the guest's monotonic clock starts.
    started: Instant,
    deadline: Instant,
    /// What the guest wrote to stderr (a panic's message), kept to a few KiB.
    stderr: MemoryOutputPipe,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// A loaded plugin, ready to render.
pub struct Plugin {
    info: Info,
    pre: RendererPre<State>,
    /// The instance slots of the engine `pre` belongs to.
    slots: Arc<Slots>,
}

impl Plugin {
    /// Compiles and validates a component and asks it for its info, in an
    /// instance taken from `slots` (those of `engine`'s pool), so a
    /// component that does not fit the pool fails here rather than when
    /// rendering.
    pub fn load(
        engine: &Engine,
        slots: &Arc<Slots>,
        bytes: &[u8],
        limits: RenderLimits,
    ) -> wasmtime::Result<Plugin> {
        let component = Component::new(engine, bytes)?;
        let mut linker = Linker::<State>::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        end_sleeps_by_the_deadline(&mut linker)?;
        let pre = RendererPre::new(linker.instantiate_pre(&component)?)?;
        let _slot = take_slot(slots, limits).map_err(wasmtime::Error::msg)?;
        let mut store = new_store(engine, limits);
        let stderr = store.data().stderr.clone();
        // Said as a render's failure is, not as wasmtime's backtrace.
        let info_failed = |error: wasmtime::Error| {
            let why = describe(&error, limits, &stderr);
            wasmtime::Error::msg(format!("its info call {why}"))
        };
        let instance = pre.instantiate(&mut store).map_err(info_failed)?;
        let info = instance.call_info(&mut store).map_err(info_failed)?;
        if Instant::now() > store.data().deadline {
            return Err(info_failed(Trap::Interrupt.into()));
        }
        let info = Info {
            name: info.name,
            version: info.version,
            description: info.description,
            views: info.views,
        };
        // (It names a renderer in view topics and URLs, as a view's name does.)
        if !valid_view_name(&info.name) {
            let shown: String = info.name.chars().take(MAX_VIEW_NAME + 1).collect();
            wasmtime::bail!(
                "plugin name {shown:?}{} must be 1 to {MAX_VIEW_NAME} letters, digits, '-' or '_'",
                if shown.len() < info.name.len() { " (cut here)" } else { "" }
            );
        }
        Ok(Plugin { info, pre, slots: slots.clone() })
    }

    pub fn info(&self) -> &Info {
        &self.info
    }

    /// Renders one view in a fresh instance, so no state survives a render.
    pub fn render(
        &self,
        view: &str,
        data: &str,
        options: &[(String, String)],
        limits: RenderLimits,
    ) -> Result<String, RenderFailure> {
        let fail = |reason: String| RenderFailure { plugin: self.info.name.clone(), reason };
        // Declared before the store, so dropped after it: the instance is
        // back in its slot by the time the slot is counted free.
        let _slot = take_slot(&self.slots, limits).map_err(fail)?;
        let mut store = new_store(self.pre.engine(), limits);
        let stderr = store.data().stderr.clone();
        let failed = |error: wasmtime::Error| fail(describe(&error, limits, &stderr));
        let instance = self.pre.instantiate(&mut store).map_err(failed)?;
        let options: Vec<(&str, &str)> =
            options.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
        let request = bindings::RenderRequest { view, data, options: &options };
        let outcome = instance.call_render(&mut store, request);
        log_stderr(&self.info.name, view, &stderr);
        let html = match outcome {
            Ok(_) if Instant::now() > store.data().deadline => {
                return Err(failed(Trap::Interrupt.into()));
            }
            Ok(Ok(html)) => html,
            Ok(Err(error)) => return Err(fail(render_error(error))),
            Err(error) => return Err(failed(error)),
        };
        if html.len() > limits.output_bytes {
            return Err(fail(format!(
                "output of {} bytes exceeds the limit of {} bytes",
                html.len(),
                limits.output_bytes
            )));
        }
        // The HTML reaches browsers escaped twice, where a control
        // character grows to 7 bytes: the cap counts it that way, or 8 MB
        // of NULs would be a 56 MB message.
        let sent_bytes = sent_len(&html);
        if sent_bytes > limits.output_bytes {
            return Err(fail(format!(
                "output of {} bytes is {sent_bytes} bytes as sent (the HTML travels as a JSON \
                 string inside a JSON string: quotes, backslashes and control characters are \
                 escaped twice), which exceeds the limit of {} bytes",
                html.len(),
                limits.output_bytes
            )));
        }
        Ok(html)
    }
}

/// The bytes `text` takes in a view's message: the view envelope holds
/// it as a JSON string, and the message frame holds the envelope's text as
/// a JSON string again (see docs/PROTOCOL.md). serde_json writes `"`, `\`
/// and the control characters with a short escape (`\n`, `\t`, ...) as 2
/// bytes, the other control characters as 6 (`\u0000`); each escape's
/// backslash is escaped again: 4, 3 and 7 bytes, anything else 1.
pub fn sent_len(text: &str) -> usize {
    // The HTML of a large view is hundreds of kilobytes with quotes in
    // every tag: counted in blocks with byte-wide sums, which the compiler
    // vectorises, and byte by byte only in a block with a control character.
    let mut len = text.len();
    for block in text.as_bytes().chunks(255) {
        let (quoted, control) = block.iter().fold((0u8, 0u8), |(quoted, control), &b| {
            (quoted + u8::from(b == b'"' || b == b'\\'), control + u8::from(b < 0x20))
        });
        len += 3 * usize::from(quoted);
        if control > 0 {
            len += block
                .iter()
                .map(|&byte| match byte {
                    b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
                    0x00..=0x1f => 6,
                    _ => 0,
                })
                .sum::<usize>();
        }
    }
    len
}

/// A free instance slot, waiting for one up to the render deadline.
fn take_slot(slots: &Arc<Slots>, limits: RenderLimits) -> Result<Slot, String> {
    slots.take(limits.deadline).ok_or_else(|| {
        format!(
            "too many renders at once: all {INSTANCE_SLOTS} instance slots stayed busy for {} ms",
            limits.deadline.as_millis()
        )
    })
}

fn new_store(engine: &Engine, limits: RenderLimits) -> Store<State> {
    let started = Instant::now();
    let stderr = MemoryOutputPipe::new(STDERR_KEPT);
    let state = State {
        wasi: WasiCtx::builder()
            .monotonic_clock(GuestClock(started))
            .stderr(stderr.clone())
            .build(),
        table: {
            let mut table = ResourceTable::new();
            table.set_max_capacity(HOST_RESOURCES);
            table
        },
        limits: StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            .trap_on_grow_failure(true)
            .build(),
        started,
        deadline: started + limits.deadline,
        stderr,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    let ticks = limits.deadline.as_millis().div_ceil(EPOCH_TICK.as_millis()).max(1);
    store.set_epoch_deadline(ticks as u64);
    store
}

/// The guest's `wasi:clocks/monotonic-clock`: nanoseconds since its store
/// was made.
struct GuestClock(Instant);

impl HostMonotonicClock for GuestClock {
    fn resolution(&self) -> u64 {
        1
    }

    fn now(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A guest's sleep (`wasi:clocks` subscriptions, what `std::thread::sleep`
/// and timed polls block on), over by its call's deadline at the latest.
/// The epoch deadline interrupts only running wasm: a guest blocked in the
/// host for wasmtime-wasi's own sleep would hold its render, and every
/// render queued behind it, for as long as it asked. Past the deadline the
/// next epoch check or the check after the call fails it.
struct Sleep {
    until: Instant,
}

#[wasmtime_wasi::async_trait]
impl Pollable for Sleep {
    async fn ready(&mut self) {
        smol::Timer::at(self.until).await;
    }
}

/// Puts [`Sleep`] in place of wasmtime-wasi's subscriptions to the
/// monotonic clock. (The interface's version is that of the WASI that
/// `add_to_linker_sync` defines; were it another, the shadowing would add
/// an instance nothing imports, and the plugin tests' sleeping render
/// would fail.)
fn end_sleeps_by_the_deadline(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    fn sleep(
        mut store: StoreContextMut<'_, State>,
        until: Option<Instant>,
    ) -> wasmtime::Result<(Resource<DynPollable>,)> {
        let state = store.data_mut();
        let until = until.map_or(state.deadline, |until| until.min(state.deadline));
        let sleep = state.table.push(Sleep { until })?;
        Ok((subscribe(&mut state.table, sleep)?,))
    }
    linker.allow_shadowing(true);
    let mut clock = linker.instance("wasi:clocks/monotonic-clock@0.2.12")?;
    clock.func_wrap(
        "subscribe-duration",
        |store: StoreContextMut<'_, State>, (nanos,): (u64,)| {
            sleep(store, Instant::now().checked_add(Duration::from_nanos(nanos)))
        },
    )?;
    clock.func_wrap(
        "subscribe-instant",
        |store: StoreContextMut<'_, State>, (when,): (u64,)| {
            let started = store.data().started;
            sleep(store, started.checked_add(Duration::from_nanos(when)))
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

fn render_error(error: bindings::RenderError) -> String {
    match error {
        bindings::RenderError::UnknownView(view) => format!("cannot render view '{view}'"),
        bindings::RenderError::InvalidData(why) => format!("invalid view data: {why}"),
        bindings::RenderError::Failed(why) => format!("render failed: {why}"),
    }
}

/// Most of a guest's stderr kept per call (a write past it is refused).
const STDERR_KEPT: usize = 16 << 10;

/// Host resources (streams, clock subscriptions) a render may hold at
/// once. A render needs a handful; wasmtime's own bound, a million, let a
/// plugin that never dropped them take 100 MB and more of the server's
/// memory per render before it failed.
const HOST_RESOURCES: usize = 4096;

/// Says why a call into the plugin failed, in the user's terms, with the
/// message of a panic that said why on stderr (as Rust's std does).
fn describe(error: &wasmtime::Error, limits: RenderLimits, stderr: &MemoryOutputPipe) -> String {
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => {
            format!("exceeded its time limit ({} ms)", limits.deadline.as_millis())
        }
        Some(Trap::UnreachableCodeReached) => match panic_message(&stderr.contents()) {
            Some(message) => format!("trapped (the plugin {message})"),
            None => "trapped (the plugin panicked or aborted)".into(),
        },
        // Its text without the "wasm trap: " wasmtime puts before it.
        Some(trap) => {
            let text = trap.to_string();
            format!("trapped: {}", text.strip_prefix("wasm trap: ").unwrap_or(&text))
        }
        None => {
            let text = format!("{error:#}");
            if text.contains("memory") && text.contains("grow") {
                format!("exceeded its memory limit ({} MiB)", limits.memory_bytes >> 20)
            } else if error.downcast_ref::<ResourceTableError>().is_some() {
                format!("held more than {HOST_RESOURCES} host resources at once ({text})")
            } else {
                text
            }
        }
    }
}

/// A Rust panic's report on a guest's stderr as one line (`panicked at
/// src/lib.rs:4:9: why`), without the thread's name, the backtrace hint
/// and control characters.
fn panic_message(stderr: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let start = text.find("panicked at ")?;
    let report: String = text[start..]
        .lines()
        .filter(|line| !line.trim_start().starts_with("note: "))
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    Some(one_line(&report))
}

/// Error text on one line, at most 600 characters: wasmtime's errors
/// spread byte arrays over dozens of lines, which broke the listing, the
/// log line and the `plugins/errors` entries.
pub(super) fn one_line(text: &str) -> String {
    const MAX: usize = 600;
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &joined[..cut]),
        None => joined,
    }
}

/// What a plugin wrote to stderr during a call, for its author (debug log).
fn log_stderr(plugin: &str, view: &str, stderr: &MemoryOutputPipe) {
    let said = stderr.contents();
    if !said.is_empty() {
        let said = String::from_utf8_lossy(&said);
        tracing::debug!(target: "planhost::plugin", plugin, view, "stderr: {}", said.trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::{panic_message, sent_len};

    #[test]
    fn the_counted_length_is_that_of_the_html_in_a_message_frame() {
        let every_ascii: String = (0u8..=0x7f).map(char::from).collect();
        // Longer than a block, with blocks of plain text between.
        let long = format!("{}{every_ascii}é\"{}", "<td>x</td>".repeat(60), "a\\b".repeat(300));
        for text in [
            long.as_str(),
            "",
            "<p class=\"a\">plain text</p>",
            "a\\b\nc\r\td\u{8}\u{c}",
            "\0\u{1}\u{1f}\u{7f}",
            "é ✓ 🎉",
            every_ascii.as_str(),
        ] {
            // The envelope's JSON string, then that inside the frame's.
            let envelope = serde_json::to_string(text).unwrap();
            let sent = serde_json::to_string(&envelope).unwrap();
            // Less the quotes around each.
            assert_eq!(sent_len(text), sent.len() - 2 - 4, "{text:?}");
        }
        assert_eq!(sent_len(&"\0".repeat(1000)), 7000);
    }

    #[test]
    fn a_panic_is_quoted_from_stderr_on_one_line() {
        let report = b"thread '<unnamed>' panicked at src/lib.rs:40:20:\nthe plugin \x1b[2Jpanics\n\
                       note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(
            panic_message(report).as_deref(),
            Some("panicked at src/lib.rs:40:20: the plugin [2Jpanics")
        );
        assert_eq!(panic_message(b"just a line\n"), None);
        let long = format!("panicked at a.rs:1:1:\n{}", "x".repeat(1000));
        assert_eq!(panic_message(long.as_bytes()).unwrap().chars().count(), 603);
    }
}
