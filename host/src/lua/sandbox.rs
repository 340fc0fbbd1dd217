//! The sandbox: the one directory a script's files may live in (the plan
//! directory, or a script's own folder under `planhost run`), and whether
//! the script may end the process.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::plan_dir::STATE_DIR;

/// Opens a file without blocking on it: a pipe or a device named like a
/// plan file would hold the Lua thread in `open` (a FIFO waits there for a
/// writer, or a reader) and every command behind it, for ever. Such files
/// are refused with `InvalidInput`; regular files and folders open as
/// `options` says.
pub fn open_plan_file(real: &Path, options: &mut OpenOptions) -> io::Result<File> {
    let special = |kind: std::fs::FileType| {
        kind.is_fifo() || kind.is_socket() || kind.is_char_device() || kind.is_block_device()
    };
    let refused = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a pipe or a device would hold the plan up)",
        )
    };
    // Looked at first for the message (a pipe with no reader fails to open
    // for writing with "No such device or address"), and again once open,
    // as it may have been replaced in between.
    if std::fs::metadata(real).is_ok_and(|meta| special(meta.file_type())) {
        return Err(refused());
    }
    let nonblocking = rustix::fs::OFlags::NONBLOCK;
    let file = options.custom_flags(nonblocking.bits() as i32).open(real)?;
    if special(file.metadata()?.file_type()) {
        return Err(refused());
    }
    let flags = rustix::fs::fcntl_getfl(&file)?;
    rustix::fs::fcntl_setfl(&file, flags - nonblocking)?;
    Ok(file)
}

/// A file's bytes, read as [`open_plan_file`] opens it.
pub fn read_plan_file(real: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_plan_file(real, OpenOptions::new().read(true))?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Where a script may read and write, and what else it may do.
#[derive(Debug, Clone)]
pub struct Sandbox {
    root: PathBuf,
    allow_exit: bool,
    /// Times scripts went to change a file, shared by every copy.
    writes: Arc<AtomicU64>,
    /// Those of them that were `planhost.save` calls.
    saves: Arc<AtomicU64>,
    /// The files `planhost.save` went to write since last asked, relative
    /// to the root.
    saved: Arc<Mutex<BTreeSet<PathBuf>>>,
    /// The files scripts went to read as data since last asked, relative
    /// to the root, shared by every copy.
    reads: Arc<Mutex<BTreeSet<PathBuf>>>,
    /// The files scripts went to change since last asked (found or not,
    /// relative to the root).
    written: Arc<Mutex<BTreeSet<PathBuf>>>,
    /// Every file of the root scripts looked at, as data or as code,
    /// found or not, relative to the root; None once there were more than
    /// [`MAX_CONSULTED`] (then any file may be one).
    consulted: Arc<Mutex<Option<BTreeSet<PathBuf>>>>,
}

/// Files [`Sandbox::consulted`] keeps apart at most.
const MAX_CONSULTED: usize = 100_000;

/// Links followed at most resolving one path, as Linux allows.
const MAX_LINKS: usize = 40;

/// `path` (absolute, without `..`) with its longest existing beginning
/// resolved to its real path: where a file that is not there would be.
fn nearest_real(path: &Path) -> PathBuf {
    let mut missing = Vec::new();
    let mut at = path;
    loop {
        if let Ok(real) = at.canonicalize() {
            return missing.iter().rev().fold(real, |whole, name| whole.join(name));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name);
                at = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

impl Sandbox {
    /// A sandbox rooted at `root`, which must exist.
    pub fn new(root: &Path, allow_exit: bool) -> io::Result<Sandbox> {
        Ok(Sandbox {
            root: root.canonicalize()?,
            allow_exit,
            writes: Arc::default(),
            saves: Arc::default(),
            saved: Arc::default(),
            reads: Arc::default(),
            written: Arc::default(),
            consulted: Arc::new(Mutex::new(Some(BTreeSet::new()))),
        })
    }

    /// A script goes to read `path` as data (`io.open`, `io.lines`, ...),
    /// whether or not it exists: the Lua thread then knows which of the
    /// plan's files its state depends on. Paths outside are not noted.
    pub fn note_read(&self, path: &str) {
        let noted = self.files_on_the_way(path);
        self.note_consulted(&noted);
        self.reads.lock().unwrap_or_else(|e| e.into_inner()).extend(noted);
    }

    /// A script looks at `path`: reads it as code, resolves it to read it,
    /// or tests it (by renaming or removing it); found or not. (So is the
    /// plan's entry file.)
    pub fn note_looked_at(&self, path: &str) {
        self.note_consulted(&self.files_on_the_way(path));
    }

    fn note_consulted(&self, noted: &[PathBuf]) {
        let mut consulted = self.consulted.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(paths) = consulted.as_mut() {
            paths.extend(noted.iter().cloned());
            if paths.len() > MAX_CONSULTED {
                *consulted = None;
            }
        }
    }

    /// Whether a script ever looked at `path` (relative to the root) as
    /// data or as code, found or not ([`Sandbox::note_read`],
    /// [`Sandbox::note_looked_at`], and every path resolved for reading): a file
    /// none did cannot change what the plan computes.
    pub fn consulted(&self, path: &Path) -> bool {
        let consulted = self.consulted.lock().unwrap_or_else(|e| e.into_inner());
        consulted.as_ref().is_none_or(|paths| paths.contains(path))
    }

    /// The files of the root that reading `path` depends on, relative to
    /// the root: the file (a missing one named by its folder's real path
    /// and its name) and the links on the way. Paths outside give none.
    fn files_on_the_way(&self, path: &str) -> Vec<PathBuf> {
        let mut noted = Vec::new();
        let Ok(joined) = self.join(path) else { return noted };
        noted.extend(self.where_it_is(&joined, path));
        // And the links on the way, and on their targets' ways
        // (`current.tsv -> latest.tsv -> q1.tsv`, `data -> data-2024`):
        // pointed elsewhere, they change what was read.
        self.links_on_the_way(&joined, &mut noted, 0);
        noted
    }

    /// The file `path` (as given; `joined` to the root) names, by its real
    /// path relative to the root; a missing one by where it would be: its
    /// nearest existing folder's real path and the rest as written (`..`
    /// taken away). None outside the root.
    fn where_it_is(&self, joined: &Path, path: &str) -> Option<PathBuf> {
        let real = joined.canonicalize().unwrap_or_else(|_| nearest_real(&self.as_text(path)));
        self.relative(&real)
    }

    /// Notes every symbolic link met resolving `path` (absolute), as the
    /// kernel meets them: a link's target is walked in its place, the rest
    /// of the path after it.
    fn links_on_the_way(&self, path: &Path, noted: &mut Vec<PathBuf>, followed: usize) {
        if followed > MAX_LINKS {
            return;
        }
        let mut walked = PathBuf::new();
        let mut rest = path.components();
        while let Some(component) = rest.next() {
            match component {
                Component::ParentDir => {
                    walked.pop();
                    continue;
                }
                Component::CurDir => continue,
                other => walked.push(other),
            }
            if !walked.symlink_metadata().is_ok_and(|meta| meta.is_symlink()) {
                continue;
            }
            // The link itself, where it lives (its folder's links followed).
            let folder = walked.parent().and_then(|folder| folder.canonicalize().ok());
            if let (Some(folder), Some(name)) = (folder, walked.file_name()) {
                noted.extend(self.relative(&folder.join(name)));
            }
            let Ok(target) = std::fs::read_link(&walked) else { return };
            walked.pop();
            let next = walked.join(target).join(rest.as_path());
            return self.links_on_the_way(&next, noted, followed + 1);
        }
    }

    /// `path` relative to the root, if it lies inside.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        path.strip_prefix(&self.root).ok().map(Path::to_path_buf)
    }

    /// The files noted by [`Sandbox::note_read`] since the last call.
    pub fn take_reads(&self) -> BTreeSet<PathBuf> {
        std::mem::take(&mut *self.reads.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// A script is about to change a file: open one for writing, remove or
    /// rename one, save one. Every function that lets a script change files
    /// calls this (the Lua thread then knows which console commands did).
    pub fn note_write(&self, path: &str) {
        self.writes.fetch_add(1, Ordering::Relaxed);
        let Ok(joined) = self.join(path) else { return };
        if let Some(file) = self.where_it_is(&joined, path) {
            self.written.lock().unwrap_or_else(|e| e.into_inner()).insert(file);
        }
    }

    /// The files noted by [`Sandbox::note_write`] since the last call.
    pub fn take_written(&self) -> BTreeSet<PathBuf> {
        std::mem::take(&mut *self.written.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// How many times scripts in this sandbox (and its copies) went to
    /// change a file.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// A script is about to save a file through `planhost.save` (the plan
    /// writing its own state back): counted as a write, and as a save.
    pub fn note_save(&self, target: &Path) {
        self.saves.fetch_add(1, Ordering::Relaxed);
        self.note_write(&target.to_string_lossy());
    }

    /// `planhost.save` goes to write `target` (a path within the root).
    pub fn note_saved(&self, target: &Path) {
        if let Ok(relative) = target.strip_prefix(&self.root) {
            let mut saved = self.saved.lock().unwrap_or_else(|e| e.into_inner());
            saved.insert(relative.to_path_buf());
        }
    }

    /// The files `planhost.save` went to write since the last call.
    pub fn take_saved(&self) -> BTreeSet<PathBuf> {
        std::mem::take(&mut *self.saved.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// How many of the writes were saves through `planhost.save`.
    pub fn saves(&self) -> u64 {
        self.saves.load(Ordering::Relaxed)
    }

    /// The directory itself, canonical.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `os.exit` may end the process (only under `planhost run`).
    pub fn allow_exit(&self) -> bool {
        self.allow_exit
    }

    /// Resolves a path a script gave (relative to the root, or absolute) to
    /// a file that may be read: it must exist and, with every symlink
    /// followed, lie inside the root.
    pub fn readable(&self, path: &str) -> Result<PathBuf, SandboxError> {
        let joined = self.join(path)?;
        self.note_looked_at(path);
        let real = joined.canonicalize().map_err(|e| SandboxError::Io(path.to_owned(), e))?;
        self.inside(path, real)
    }

    /// Resolves a path for writing: the file may be new, but its folder
    /// must exist inside the root, and an existing file (or symlink) must
    /// resolve inside the root too.
    pub fn writable(&self, path: &str) -> Result<PathBuf, SandboxError> {
        let joined = self.join(path)?;
        if joined.symlink_metadata().is_ok() {
            return self.readable(path);
        }
        let name = joined.file_name().ok_or_else(|| SandboxError::Outside(path.to_owned()))?;
        let parent = joined.parent().unwrap_or(&self.root);
        let real_parent =
            parent.canonicalize().map_err(|e| SandboxError::Io(path.to_owned(), e))?;
        self.inside(path, real_parent.join(name))
    }

    fn join(&self, path: &str) -> Result<PathBuf, SandboxError> {
        if path.is_empty() || path.contains('\0') {
            return Err(SandboxError::Io(path.to_owned(), io::ErrorKind::NotFound.into()));
        }
        let given = Path::new(path);
        // `..` is resolved by canonicalisation below; refusing it outright
        // would also refuse harmless `sub/../file`, so only the result counts.
        let joined = if given.is_absolute() { given.to_path_buf() } else { self.root.join(given) };
        if joined.components().any(|c| matches!(c, Component::Prefix(_))) {
            return Err(SandboxError::Outside(path.to_owned()));
        }
        // The server's own folder is refused before the file system is
        // asked, so that what is there cannot be told from what is not.
        if self.as_text(path).starts_with(self.root.join(STATE_DIR)) {
            return Err(SandboxError::ServerFiles(path.to_owned()));
        }
        Ok(joined)
    }

    /// `path` made absolute (relative to the root) with `.` and `..`
    /// resolved as text, symlinks not followed.
    pub fn as_text(&self, path: &str) -> PathBuf {
        let given = Path::new(path);
        let mut normal =
            if given.is_absolute() { PathBuf::from("/") } else { self.root.to_path_buf() };
        for component in given.components() {
            match component {
                Component::ParentDir => {
                    normal.pop();
                }
                Component::Normal(part) => normal.push(part),
                _ => {}
            }
        }
        normal
    }

    /// `real` (a resolved path) if a plan may use it: inside the root, out
    /// of the server's own folder.
    pub fn inside(&self, path: &str, real: PathBuf) -> Result<PathBuf, SandboxError> {
        if !real.starts_with(&self.root) {
            return Err(SandboxError::Outside(path.to_owned()));
        }
        // The server's own files (its console token, address and lock):
        // a plan that could write them would lock the console out or let
        // a second server start on the directory.
        if real.starts_with(self.root.join(STATE_DIR)) {
            return Err(SandboxError::ServerFiles(path.to_owned()));
        }
        Ok(real)
    }
}

/// Why a path was refused.
#[derive(Debug)]
pub enum SandboxError {
    /// The path leaves the sandbox (by `..`, an absolute path or a symlink).
    Outside(String),
    /// The file system said no (missing file, missing folder, ...).
    Io(String, io::Error),
    /// The path is in the server's own folder, `.planhost/`.
    ServerFiles(String),
}

impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SandboxError::Outside(path) => write!(f, "{path}: outside the plan directory"),
            SandboxError::ServerFiles(path) => {
                write!(f, "{path}: the server's own files ({STATE_DIR}/) are out of a plan's reach")
            }
            SandboxError::Io(path, error) => {
                // The wording Lua's io library uses (strerror).
                let text = match error.kind() {
                    io::ErrorKind::NotFound => "No such file or directory".to_owned(),
                    io::ErrorKind::PermissionDenied => "Permission denied".to_owned(),
                    _ => error.to_string(),
                };
                write!(f, "{path}: {text}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let base = std::env::temp_dir().join(format!("planhost-sandbox-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("plan");
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::write(root.join("data/work.tsv"), "x").unwrap();
        std::fs::write(base.join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(base.join("secret"), root.join("link")).unwrap();
        std::os::unix::fs::symlink(&base, root.join("up")).unwrap();
        let sandbox = Sandbox::new(&root, false).unwrap();

        assert!(sandbox.readable("data/work.tsv").is_ok());
        assert!(sandbox.readable("data/../data/work.tsv").is_ok());
        let absolute = root.join("data/work.tsv");
        assert!(sandbox.readable(absolute.to_str().unwrap()).is_ok());
        assert!(sandbox.writable("data/new.tsv").is_ok());
        assert!(sandbox.writable("new.txt").is_ok());

        for escape in ["../secret", "data/../../secret", "link", "up/secret", "/etc/passwd"] {
            assert!(
                matches!(sandbox.readable(escape), Err(SandboxError::Outside(_))),
                "{escape} was readable"
            );
        }
        for escape in ["../new", "/tmp/new", "link", "up/new"] {
            assert!(
                matches!(sandbox.writable(escape), Err(SandboxError::Outside(_))),
                "{escape} was writable"
            );
        }
        // The server's own folder, however named.
        std::fs::create_dir_all(root.join(".planhost")).unwrap();
        std::fs::write(root.join(".planhost/token"), "t").unwrap();
        std::os::unix::fs::symlink(".planhost", root.join("state")).unwrap();
        for reserved in
            [".planhost/token", "./.planhost/../.planhost/token", ".planhost", "state/lock"]
        {
            assert!(
                matches!(sandbox.writable(reserved), Err(SandboxError::ServerFiles(_))),
                "{reserved} was writable"
            );
        }
        assert!(matches!(sandbox.readable(".planhost/token"), Err(SandboxError::ServerFiles(_))));
        // What is not there is refused alike.
        for missing in [".planhost/nothere", ".planhost/nothere/", "sub/../.planhost/x"] {
            assert!(
                matches!(sandbox.readable(missing), Err(SandboxError::ServerFiles(_))),
                "{missing}"
            );
        }
        assert!(matches!(sandbox.readable("missing"), Err(SandboxError::Io(..))));
        assert!(matches!(sandbox.writable("no/such/dir/file"), Err(SandboxError::Io(..))));
        assert!(sandbox.readable("a\0b").is_err());
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn reads_are_noted_by_their_path_in_the_root() {
        let root = std::env::temp_dir().join(format!("planhost-reads-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::write(root.join("data/work.tsv"), "x").unwrap();
        let sandbox = Sandbox::new(&root, false).unwrap();
        let absolute = root.join("data/work.tsv");
        for path in ["data/work.tsv", "./data/../data/work.tsv", absolute.to_str().unwrap()] {
            sandbox.note_read(path);
        }
        // Missing files count (the plan looked for them), outside ones not.
        sandbox.note_read("./data/extra.tsv");
        sandbox.note_read("../elsewhere.tsv");
        let read: Vec<PathBuf> = sandbox.take_reads().into_iter().collect();
        assert_eq!(read, [PathBuf::from("data/extra.tsv"), "data/work.tsv".into()]);
        assert!(sandbox.take_reads().is_empty(), "taken");
        // Links on the way are read too: pointed elsewhere, they change it.
        std::os::unix::fs::symlink("work.tsv", root.join("data/current.tsv")).unwrap();
        std::os::unix::fs::symlink("data", root.join("now")).unwrap();
        sandbox.note_read("now/current.tsv");
        let read: Vec<PathBuf> = sandbox.take_reads().into_iter().collect();
        assert_eq!(read, [PathBuf::from("data/current.tsv"), "data/work.tsv".into(), "now".into()]);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn every_file_and_link_a_path_depends_on_is_looked_at() {
        let root = std::env::temp_dir().join(format!("planhost-looked-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("plans")).unwrap();
        std::fs::create_dir_all(root.join("d1")).unwrap();
        let link = |target: &str, name: &str| {
            std::os::unix::fs::symlink(target, root.join(name)).unwrap();
        };
        std::fs::write(root.join("plans/a.lua"), "").unwrap();
        std::fs::write(root.join("q1.tsv"), "").unwrap();
        link("plans/a.lua", "plan.lua");
        link("q1.tsv", "latest.tsv");
        link("latest.tsv", "current.tsv");
        link("d1", "data");
        let sandbox = Sandbox::new(&root, false).unwrap();
        let looked_at = |path: &str| sandbox.consulted(Path::new(path));
        assert!(!looked_at("plan.lua") && !looked_at("q1.tsv"));
        // The entry file, given by its absolute path, through a link.
        sandbox.note_looked_at(root.join("plan.lua").to_str().unwrap());
        assert!(looked_at("plan.lua") && looked_at("plans/a.lua"));
        // A chain of links: each one, and the file.
        sandbox.note_read("current.tsv");
        assert!(looked_at("current.tsv") && looked_at("latest.tsv") && looked_at("q1.tsv"));
        // A file not there yet, under a linked folder: where it would be.
        sandbox.note_read("data/extra/over.tsv");
        assert!(looked_at("data") && looked_at("d1/extra/over.tsv"));
        // Resolved for reading, found or not.
        assert!(sandbox.readable("missing.lua").is_err());
        assert!(looked_at("missing.lua"));
        assert!(!looked_at("notes.txt"));
        // A script that looks for files without end: past the bound, any
        // file may be one it looked at (the set stops growing).
        for i in 0..=MAX_CONSULTED {
            sandbox.note_looked_at(&format!("missing-{i}.tsv"));
        }
        assert!(looked_at("notes.txt"));
        std::fs::remove_dir_all(root).unwrap();
    }
}
