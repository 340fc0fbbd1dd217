//! Watches folders for file changes: the events a filter keeps settle into
//! one call, reads of files are not changes, symbolic links are not
//! followed, and a folder deleted and made again (or moved away and back)
//! is watched again once it is back.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

/// How often the watched folders are checked for being gone or replaced
/// (a watch follows the folder it was set on, not its path).
const RECHECK: Duration = Duration::from_secs(1);

/// What a watched folder's path names: a device and inode, or nothing.
type Identity = Option<(u64, u64)>;

fn identity(folder: &Path) -> Identity {
    std::fs::metadata(folder).ok().filter(|m| m.is_dir()).map(|m| (m.dev(), m.ino()))
}

/// Watches `folders` on a thread named `name` for as long as the process
/// lives. `wanted` picks the paths whose changes count; `changed` runs once
/// per burst of such changes (after `settle`), with the folders that came
/// back since the last call (empty for plain file changes).
pub fn watch(
    name: &str,
    folders: Vec<PathBuf>,
    mode: RecursiveMode,
    settle: Duration,
    wanted: impl Fn(&Path) -> bool + Send + 'static,
    mut changed: impl FnMut(&[PathBuf]) + Send + 'static,
) -> anyhow::Result<()> {
    let (events, inbox) = flume::unbounded::<()>();
    let roots = folders.clone();
    let handler = move |event: notify::Result<notify::Event>| {
        let counts = match event {
            // A lost event (the kernel's queue overflowed) may have been any.
            Err(_) => true,
            Ok(event) if event.need_rescan() => true,
            // Reading a file (the plugin loader does) is not a change.
            Ok(event) if event.kind.is_access() => false,
            Ok(event) => event.paths.iter().any(|path| roots.contains(path) || wanted(path)),
        };
        if counts {
            let _ = events.send(());
        }
    };
    let config = notify::Config::default().with_follow_symlinks(false);
    let mut watcher = notify::RecommendedWatcher::new(handler, config)?;
    let mut seen = Vec::with_capacity(folders.len());
    for folder in &folders {
        watcher
            .watch(folder, mode)
            .map_err(|e| anyhow::anyhow!("watching {}: {e}", folder.display()))?;
        seen.push(identity(folder));
    }
    std::thread::Builder::new().name(name.to_owned()).spawn(move || {
        loop {
            let event = match inbox.recv_timeout(RECHECK) {
                Ok(()) => true,
                Err(flume::RecvTimeoutError::Timeout) => false,
                Err(flume::RecvTimeoutError::Disconnected) => break,
            };
            if event {
                // Let the burst settle, then take everything it queued.
                std::thread::sleep(settle);
                while inbox.try_recv().is_ok() {}
            }
            let back = recheck(&mut watcher, &folders, &mut seen, mode);
            if event || !back.is_empty() {
                changed(&back);
            }
        }
    })?;
    Ok(())
}

/// Watches again each folder whose path names another folder than it did
/// (or one again); returns those that are back.
fn recheck(
    watcher: &mut impl Watcher,
    folders: &[PathBuf],
    seen: &mut [Identity],
    mode: RecursiveMode,
) -> Vec<PathBuf> {
    let mut back = Vec::new();
    for (folder, seen) in folders.iter().zip(seen.iter_mut()) {
        let now = identity(folder);
        if now == *seen {
            continue;
        }
        let _ = watcher.unwatch(folder);
        *seen = now;
        if now.is_none() {
            tracing::warn!("{} is gone; watching for it to come back", folder.display());
            continue;
        }
        match watcher.watch(folder, mode) {
            Ok(()) => {
                tracing::info!("{} is back; watching it again", folder.display());
                back.push(folder.clone());
            }
            // Gone again already: the next check tries again.
            Err(_) => *seen = None,
        }
    }
    back
}
