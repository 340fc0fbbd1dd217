//! One renderer plugin: a component validated against the `renderer`
//! world, compiled once and pre-instantiated, rendered in a fresh instance
//! per call under a deadline, a memory cap and an output cap.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder, Trap};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::{self, RendererPre};
use super::pool::{INSTANCE_SLOTS, Slot, Slots};

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
/// needs to start (no files, sockets, environment or arguments), and the
/// memory cap.
pub struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
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
        let pre = RendererPre::new(linker.instantiate_pre(&component)?)?;
        let _slot = take_slot(slots, limits).map_err(wasmtime::Error::msg)?;
        let mut store = new_store(engine, limits);
        // Said as a render's failure is, not as wasmtime's backtrace.
        let info_failed = |error: wasmtime::Error| {
            wasmtime::Error::msg(format!("its info call {}", describe(&error, limits)))
        };
        let instance = pre.instantiate(&mut store).map_err(info_failed)?;
        let info = instance.call_info(&mut store).map_err(info_failed)?;
        let info = Info {
            name: info.name,
            version: info.version,
            description: info.description,
            views: info.views,
        };
        if info.name.is_empty()
            || !info.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            wasmtime::bail!("plugin name {:?} must be letters, digits, '-' or '_'", info.name);
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
        let instance = self.pre.instantiate(&mut store).map_err(|e| fail(describe(&e, limits)))?;
        let options: Vec<(&str, &str)> =
            options.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
        let request = bindings::RenderRequest { view, data, options: &options };
        let html = match instance.call_render(&mut store, request) {
            Ok(Ok(html)) => html,
            Ok(Err(error)) => return Err(fail(render_error(error))),
            Err(error) => return Err(fail(describe(&error, limits))),
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
    text.bytes()
        .map(|byte| match byte {
            b'"' | b'\\' => 4,
            b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 3,
            0x00..=0x1f => 7,
            _ => 1,
        })
        .sum()
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
    let state = State {
        wasi: WasiCtx::builder().build(),
        table: ResourceTable::new(),
        limits: StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            .trap_on_grow_failure(true)
            .build(),
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    let ticks = limits.deadline.as_millis().div_ceil(EPOCH_TICK.as_millis()).max(1);
    store.set_epoch_deadline(ticks as u64);
    store
}

fn render_error(error: bindings::RenderError) -> String {
    match error {
        bindings::RenderError::UnknownView(view) => format!("cannot render view '{view}'"),
        bindings::RenderError::InvalidData(why) => format!("invalid view data: {why}"),
        bindings::RenderError::Failed(why) => format!("render failed: {why}"),
    }
}

/// Says why a call into the plugin failed, in the user's terms.
fn describe(error: &wasmtime::Error, limits: RenderLimits) -> String {
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => {
            format!("exceeded its time limit ({} ms)", limits.deadline.as_millis())
        }
        Some(Trap::UnreachableCodeReached) => "trapped (the plugin panicked or aborted)".into(),
        // Its text without the "wasm trap: " wasmtime puts before it.
        Some(trap) => {
            let text = trap.to_string();
            format!("trapped: {}", text.strip_prefix("wasm trap: ").unwrap_or(&text))
        }
        None => {
            let text = format!("{error:#}");
            if text.contains("memory") && text.contains("grow") {
                format!("exceeded its memory limit ({} MiB)", limits.memory_bytes >> 20)
            } else {
                text
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sent_len;

    #[test]
    fn the_counted_length_is_that_of_the_html_in_a_message_frame() {
        let every_ascii: String = (0u8..=0x7f).map(char::from).collect();
        for text in [
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
}
