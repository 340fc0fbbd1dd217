//! Hot swap: watches the plugin folders and, when a `.wasm` file appears,
//! changes or goes (or a folder comes back), reloads them on a thread of its own (compiling never
//! runs on the async threads), swaps the registry in, reports load
//! failures on the `plugins/errors` topic and tells the live loop.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use notify::RecursiveMode;

use super::renderers::Renderers;
use crate::folder_watch;
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
    let folders = renderers.folders().to_vec();
    folder_watch::watch(
        "planhost-plugins",
        folders,
        RecursiveMode::NonRecursive,
        SETTLE,
        is_wasm,
        move |_| {
            // Each failure was logged as it happened.
            match renderers.reload() {
                Ok(_) => tracing::info!("plugins reloaded"),
                Err(error) => tracing::error!("reloading plugins: {error:#}"),
            }
            let _ =
                hub.publish_blocking(ERRORS_TOPIC, failures_text(&renderers), Delivery::LatestWins);
            let _ = swapped.send(());
        },
    )
}

fn is_wasm(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "wasm")
}
