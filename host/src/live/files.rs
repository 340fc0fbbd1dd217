//! Watches the plan directory: an edit of a `.lua` or data file (after the
//! writes settle) tells the live loop to run the plan again. Hidden files
//! and folders (`.planhost/`, editors' and saves' temporary files) and
//! backups are ignored.

use std::path::Path;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use super::{LiveEvent, LiveHandle};
use crate::plan_dir::is_plan_file;

/// How long file events settle before the plan runs again (editors and
/// saves write in several steps).
pub const SETTLE: Duration = Duration::from_millis(50);

/// Starts watching `root` for as long as the process lives.
pub fn watch(root: &Path, live: LiveHandle) -> anyhow::Result<()> {
    let (events, inbox) = flume::unbounded::<()>();
    let base = root.to_path_buf();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if event.kind.is_access() {
            return;
        }
        if event.paths.iter().any(|path| is_plan_file(&base, path)) {
            let _ = events.send(());
        }
    })?;
    watcher
        .watch(root, RecursiveMode::Recursive)
        .map_err(|e| anyhow::anyhow!("watching {}: {e}", root.display()))?;
    std::thread::Builder::new().name("planhost-files".into()).spawn(move || {
        let _watcher = watcher;
        while inbox.recv().is_ok() {
            std::thread::sleep(SETTLE);
            while inbox.try_recv().is_ok() {}
            live.tell(LiveEvent::FilesChanged);
        }
    })?;
    Ok(())
}
