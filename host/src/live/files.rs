//! Watches the plan directory: an edit of a `.lua` or data file (after the
//! writes settle) tells the live loop to run the plan again. Hidden files
//! and folders (`.planhost/`, editors' and saves' temporary files) and
//! backups are ignored.

use std::path::{Component, Path};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use super::{LiveEvent, LiveHandle};

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

/// Whether a change to `path` can change the plan: any file under `root`
/// except hidden ones, ones in hidden folders, backups (`*.bak`, `*~`) and
/// editors' swap files.
pub fn is_plan_file(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else { return false };
    let hidden = relative.components().any(|component| match component {
        Component::Normal(name) => name.to_string_lossy().starts_with('.'),
        _ => false,
    });
    let name = relative.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let scratch = name.ends_with(".bak")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
        || name.starts_with('#');
    !name.is_empty() && !hidden && !scratch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plan_files_count() {
        let root = Path::new("/plans/q");
        for yes in ["plan.lua", "lib/work.lua", "work.tsv", "data/people.tsv"] {
            assert!(is_plan_file(root, &root.join(yes)), "{yes}");
        }
        for no in [
            ".planhost/token",
            ".work.tsv.42.tmp",
            "work.tsv.bak",
            "plan.lua~",
            ".plan.lua.swp",
            "lib/#work.lua#",
            ".git/index",
        ] {
            assert!(!is_plan_file(root, &root.join(no)), "{no}");
        }
        assert!(!is_plan_file(root, Path::new("/elsewhere/plan.lua")));
    }
}
