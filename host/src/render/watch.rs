//! Hot swap: watches the plugin folders and, when a `.wasm` file appears,
//! changes or goes, reloads them on a thread of its own (compiling never
//! runs on the async threads), swaps the registry in, reports load
//! failures on the `plugins/errors` topic and tells the live loop.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use super::renderers::Renderers;
use crate::hub::{Delivery, HubHandle};

/// The topic that carries plugin load failures, as a JSON array of
/// `{name, source, status}` (empty when every plugin loads).
pub const ERRORS_TOPIC: &str = "plugins/errors";

/// How long file events settle before a reload (an editor or a compiler
/// writes a file in several steps).
pub const SETTLE: Duration = Duration::from_millis(100);

/// The current failures, as [`ERRORS_TOPIC`] carries them.
pub fn failures_text(renderers: &Renderers) -> String {
    let failures: Vec<serde_json::Value> = renderers
        .current()
        .failures()
        .iter()
        .map(|f| serde_json::json!({"name": f.name, "source": f.source, "status": f.status}))
        .collect();
    serde_json::Value::Array(failures).to_string()
}

/// Starts watching; `swapped` receives `()` after each swap. The watch
/// lasts as long as the process.
pub fn watch(
    renderers: Arc<Renderers>,
    hub: HubHandle,
    swapped: flume::Sender<()>,
) -> anyhow::Result<()> {
    if renderers.folders().is_empty() {
        return Ok(());
    }
    let (events, inbox) = flume::unbounded::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let touches_wasm = event.is_ok_and(|event| event.paths.iter().any(|p| is_wasm(p)));
        if touches_wasm {
            let _ = events.send(());
        }
    })?;
    for folder in renderers.folders() {
        watcher
            .watch(folder, RecursiveMode::NonRecursive)
            .map_err(|e| anyhow::anyhow!("watching {}: {e}", folder.display()))?;
    }
    std::thread::Builder::new().name("planhost-plugins".into()).spawn(move || {
        let _watcher = watcher;
        while inbox.recv().is_ok() {
            // Let the burst settle, then take everything it queued.
            std::thread::sleep(SETTLE);
            while inbox.try_recv().is_ok() {}
            // Each failure was logged as it happened.
            match renderers.reload() {
                Ok(_) => tracing::info!("plugins reloaded"),
                Err(error) => tracing::error!("reloading plugins: {error:#}"),
            }
            let _ =
                hub.publish_blocking(ERRORS_TOPIC, failures_text(&renderers), Delivery::LatestWins);
            let _ = swapped.send(());
        }
    })?;
    Ok(())
}

fn is_wasm(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "wasm")
}
