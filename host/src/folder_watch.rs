//! Watches folders for file changes: the events a filter keeps settle into
//! one call, reads of files are not changes, symbolic links are not
//! followed, hidden folders under a recursive watch are not watched, a
//! folder under it that cannot be watched (one the server may not read) is
//! left out without losing the others, and a folder deleted and made again
//! (or moved away and back) is watched again once it is back.

use std::collections::BTreeMap;
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
    let mut trees = Vec::with_capacity(folders.len());
    for folder in folders {
        let watching =
            |e: &dyn std::fmt::Display| anyhow::anyhow!("watching {}: {e}", folder.display());
        if identity(&folder).is_none() {
            return Err(watching(&"no such folder"));
        }
        let mut tree = Tree::new(folder.clone(), mode);
        tree.sync(&mut watcher).map_err(|e| watching(&e))?;
        trees.push(tree);
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
            let mut back = Vec::new();
            for tree in &mut trees {
                if tree.recheck(&mut watcher, event) {
                    back.push(tree.root.clone());
                }
            }
            if event || !back.is_empty() {
                changed(&back);
            }
        }
    })?;
    Ok(())
}

/// One watched folder and, for a recursive watch, every folder under it,
/// each watched on its own. (notify's recursive watch fails whole when one
/// folder under the root cannot be watched, and a plan directory holding a
/// folder the server may not read would then not be watched at all.)
struct Tree {
    root: PathBuf,
    recursive: bool,
    /// The folders watched, by what their paths named when they were.
    watched: BTreeMap<PathBuf, Identity>,
    /// Folders that could not be watched (said once each).
    refused: BTreeMap<PathBuf, Identity>,
    /// The system's limit on watches was reached (said once).
    at_limit: bool,
    /// The root is gone (said once).
    gone: bool,
}

impl Tree {
    fn new(root: PathBuf, mode: RecursiveMode) -> Tree {
        let recursive = mode == RecursiveMode::Recursive;
        let (watched, refused) = (BTreeMap::new(), BTreeMap::new());
        Tree { root, recursive, watched, refused, at_limit: false, gone: false }
    }

    /// The folders the watch covers now: the root, and for a recursive
    /// watch the folders under it (links not followed), but hidden ones
    /// (`.git`, `.planhost`: nothing in them is a plan's file).
    fn folders(&self) -> BTreeMap<PathBuf, Identity> {
        if !self.recursive {
            return BTreeMap::from([(self.root.clone(), identity(&self.root))]);
        }
        let hidden = |entry: &walkdir::DirEntry| {
            entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
        };
        walkdir::WalkDir::new(&self.root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|entry| !hidden(entry))
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_dir())
            .map(|entry| {
                let identity = entry.metadata().ok().map(|m| (m.dev(), m.ino()));
                (entry.into_path(), identity)
            })
            .collect()
    }

    /// Watches the folders the watch covers that are not watched yet (or
    /// are other folders than the ones watched under their paths), and no
    /// longer those that are gone. An error only for the root.
    fn sync(&mut self, watcher: &mut impl Watcher) -> notify::Result<()> {
        let now = self.folders();
        let stale: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|(path, seen)| now.get(*path) != Some(*seen))
            .map(|(path, _)| path.clone())
            .collect();
        for path in stale {
            let _ = watcher.unwatch(&path);
            self.watched.remove(&path);
        }
        self.refused.retain(|path, seen| now.get(path) == Some(seen));
        let unwatched: Vec<(PathBuf, Identity)> = now
            .into_iter()
            .filter(|(folder, seen)| !self.watched.contains_key(folder) && seen.is_some())
            .collect();
        for (at, (folder, seen)) in unwatched.iter().enumerate() {
            match watcher.watch(folder, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    if self.refused.remove(folder).is_some() {
                        tracing::info!("{}: watched now", folder.display());
                    }
                    self.watched.insert(folder.clone(), *seen);
                }
                Err(error) if *folder == self.root => return Err(error),
                // Every other folder would fail the same way: said once
                // with how many, and tried again after the next change.
                Err(error) if matches!(error.kind, notify::ErrorKind::MaxFilesWatch) => {
                    if !self.at_limit {
                        tracing::warn!(
                            "{}: {} folders not watched, the system's limit on watches reached \
                             (fs.inotify.max_user_watches); changes inside them are not seen",
                            self.root.display(),
                            unwatched.len() - at
                        );
                    }
                    self.at_limit = true;
                    return Ok(());
                }
                Err(error) => {
                    if self.refused.insert(folder.clone(), *seen).is_none() {
                        tracing::warn!(
                            "{}: not watched ({error}); changes inside it are not seen",
                            folder.display()
                        );
                    }
                }
            }
        }
        self.at_limit = false;
        Ok(())
    }

    /// Watches the tree again where it changed: the folders under it after
    /// an event (`event`), the root if its path names another folder than
    /// it did. Returns whether the root is back (made again, or moved back).
    fn recheck(&mut self, watcher: &mut impl Watcher, event: bool) -> bool {
        let root = identity(&self.root);
        let root_seen = self.watched.get(&self.root).copied();
        if root.is_none() {
            if !self.gone {
                tracing::warn!("{} is gone; watching for it to come back", self.root.display());
                self.gone = true;
                for path in std::mem::take(&mut self.watched).into_keys() {
                    let _ = watcher.unwatch(&path);
                }
            }
            return false;
        }
        let back = root_seen != Some(root);
        if !back && !event {
            return false;
        }
        match self.sync(watcher) {
            // Gone again already: the next check tries again.
            Err(_) => false,
            Ok(()) => {
                if back {
                    tracing::info!("{} is back; watching it again", self.root.display());
                    self.gone = false;
                }
                back
            }
        }
    }
}
