//! Watches the plan directory: an edit of a `.lua` or data file (after the
//! writes settle) tells the live loop to run the plan again. Hidden files
//! and folders (`.planhost/`, editors' and saves' temporary files) and
//! backups are ignored.

use std::path::Path;
use std::time::Duration;

use notify::RecursiveMode;

use super::{LiveEvent, LiveHandle};
use crate::folder_watch;
use crate::plan_dir::is_plan_file;

/// How long file events settle before the plan runs again (editors and
/// saves write in several steps).
pub const SETTLE: Duration = Duration::from_millis(50);

/// Starts watching `root` for as long as the process lives. `came_back`
/// runs when the directory was deleted and made again, or moved away and
/// back, before the plan runs again.
pub fn watch(
    root: &Path,
    live: LiveHandle,
    came_back: impl Fn() + Send + 'static,
) -> anyhow::Result<()> {
    let base = root.to_path_buf();
    let wanted = move |path: &Path| is_plan_file(&base, path);
    folder_watch::watch(
        "planhost-files",
        vec![root.to_path_buf()],
        RecursiveMode::Recursive,
        SETTLE,
        wanted,
        move |back| {
            if !back.is_empty() {
                came_back();
            }
            live.tell(LiveEvent::FilesChanged);
        },
    )
}
