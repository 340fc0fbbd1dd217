//! The console commands run since the plan was last loaded, kept so that
//! when a VM panic forces a fresh Lua state, the plan is loaded again and
//! the commands are run again: edits not yet saved survive piccolo's
//! panics (docs/LUA.md).
//!
//! Running them again is right only on the data they first ran on: a
//! `save()` among them, or an edit on disk, may already hold some of them.
//! So the journal notes what the plan directory's files hold (a hash of
//! each one's content) as loading the plan left them, and which of them
//! the plan read as data (through `io`), and offers its commands only while
//! those are unchanged. The watcher loads the plan again after a change to
//! its files: when no file it read as data changed (its Lua code was
//! edited, or a file it does not read), the commands run again on the new
//! code and the journal goes on; else the Lua thread keeps the state in
//! use and the journal, and says why, until the plan is saved or loaded
//! afresh (`planhost.reload()`). Files whose content did not change
//! (touched, or saved unchanged) count as unchanged.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Commands kept at most; past that a panic loses what was not saved.
const MAX_COMMANDS: usize = 10_000;
/// Bytes of command text kept at most.
const MAX_BYTES: usize = 8 << 20;

/// Whether the plan ever looked at a file (relative to its directory): one
/// it never did cannot change what it holds (`Sandbox::consulted`).
pub type LookedAt<'a> = &'a dyn Fn(&Path) -> bool;

/// The console commands since the plan was loaded.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    /// The plan directory's files when the plan was loaded (None if they
    /// could not be read: then nothing is run again).
    files: Option<Fingerprint>,
    /// The files as the state in use has seen them: as loaded, or as a
    /// command that failed half way through writing them left them.
    seen: Option<Fingerprint>,
    /// The files (relative to `dir`) the plan went to read as data since.
    read: BTreeSet<PathBuf>,
    commands: Vec<Entry>,
    bytes: usize,
    /// More commands came than are kept.
    overflowed: bool,
    /// Files other than a save's changed beside it: the state in use does
    /// not hold them, so a load is owed even while the files are as seen.
    owed: bool,
}

/// A console command as it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub chunk: String,
    /// The VM instructions it had used when a budget stopped it, if one
    /// did: run again, it stops there too, with the same edits made.
    pub stopped_after: Option<u64>,
    /// It went to change a file (open one for writing, remove, rename or
    /// save one): run again on new code, it would change the plan's files
    /// again and set off another load (if the plan looks at them).
    pub wrote_files: bool,
    /// Those files, relative to the plan directory (empty if not known).
    pub written: BTreeSet<PathBuf>,
    /// It failed (run again, it is expected to fail again).
    pub failed: bool,
}

/// Why the commands cannot be run again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReplayable {
    /// The plan's files (or, for new code, the files it read as data)
    /// changed since it was loaded.
    FilesChanged,
    /// Its folder holds files that cannot be read, or too many, to tell.
    FilesUnknown,
    /// More commands ran than the journal keeps.
    TooMany,
    /// A command wrote files (only new code is then not offered them).
    WroteFiles,
}

impl std::fmt::Display for NotReplayable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotReplayable::FilesChanged => "its files changed since",
            NotReplayable::FilesUnknown => {
                "its folder has too many files, or unreadable ones, to tell whether they changed"
            }
            NotReplayable::TooMany => "more console commands ran since than are kept to run again",
            NotReplayable::WroteFiles => {
                "a console command since wrote files that do not hold all of it (a save \
                 followed by more edits in the same command, a save that failed part way, or a \
                 write through io)"
            }
        })
    }
}

/// What a plan directory's files held at one moment, taken before the plan
/// is loaded from them: a file that changes while the plan loads then
/// counts as changed (taken after, it would count as loaded).
#[derive(Debug, Clone)]
pub struct Snapshot(Option<Fingerprint>);

impl Snapshot {
    /// The files that differ between this snapshot and a later one `now`
    /// (made, changed or gone); None if either could not be taken.
    pub fn changed(&self, now: &Snapshot) -> Option<BTreeSet<PathBuf>> {
        Some(changed_between(self.0.as_ref()?, now.0.as_ref()?))
    }
}

fn changed_between(then: &Fingerprint, now: &Fingerprint) -> BTreeSet<PathBuf> {
    let differs = |path: &&PathBuf| then.get(*path) != now.get(*path);
    then.keys().chain(now.keys()).filter(differs).cloned().collect()
}

/// What the plan's files in `dir` hold now.
pub fn snapshot(dir: &Path) -> Snapshot {
    Snapshot(fingerprint(dir))
}

impl Journal {
    /// A new journal for the plan in `dir`, just loaded from the files as
    /// `files` found them.
    pub fn start(dir: &Path, files: Snapshot) -> Journal {
        Journal {
            dir: dir.to_path_buf(),
            seen: files.0.clone(),
            files: files.0,
            read: BTreeSet::new(),
            commands: Vec::new(),
            bytes: 0,
            overflowed: false,
            owed: false,
        }
    }

    /// Notes a command that ran (whether it succeeded or not: a failed one
    /// may have changed the plan before it failed): see [`Entry`].
    pub fn record(&mut self, entry: Entry) {
        if self.commands.len() >= MAX_COMMANDS || self.bytes + entry.chunk.len() > MAX_BYTES {
            self.overflowed = true;
            return;
        }
        self.bytes += entry.chunk.len();
        self.commands.push(entry);
    }

    /// Notes files the plan went to read as data.
    pub fn note_reads(&mut self, read: BTreeSet<PathBuf>) {
        self.read.extend(read);
    }

    /// The plan was loaded again from the files as `files` found them, and
    /// the commands run again on it: those are the files to compare with.
    pub fn loaded_again(&mut self, files: Snapshot) {
        self.seen.clone_from(&files.0);
        self.files = files.0;
        self.owed = false;
    }

    /// A command that wrote files only through `planhost.save` ran to its
    /// end, saving `saved`. If all of them are files the plan reads as
    /// data, it saved the plan: the files as they are now hold the state,
    /// so the journal starts afresh from them, the commands before it
    /// dropped and the ones after it kept, to run again on them. The load
    /// its writes set off is then skipped as a load of what they held
    /// (unless other files changed meanwhile, a code edit say), and after
    /// a change of the Lua code the commands since it run again on the
    /// saved data. Returns whether it was taken for a save. (Other writes,
    /// of code or of files the plan does not read, leave the journal as it
    /// is: such a command is not run again.)
    pub fn saved_to_files(&mut self, saved: &BTreeSet<PathBuf>, looked_at: LookedAt) -> bool {
        if saved.is_empty() || !saved.iter().all(|path| self.read.contains(path)) {
            return false;
        }
        let now = fingerprint(&self.dir);
        let Some(owed) = self.changed_besides(saved, &now, looked_at) else { return false };
        let read = std::mem::take(&mut self.read);
        *self = Journal { read, owed, ..Journal::start(&self.dir, Snapshot(now)) };
        true
    }

    /// Whether files other than `saved` that the plan looked at changed
    /// since the state in use saw them (a code edit not loaded yet, say);
    /// None if that is not known. (A log written beside the plan meanwhile
    /// changes nothing the plan holds.)
    fn changed_besides(
        &self,
        saved: &BTreeSet<PathBuf>,
        now: &Option<Fingerprint>,
        looked_at: LookedAt,
    ) -> Option<bool> {
        let changed = changed_between(self.seen.as_ref()?, now.as_ref()?);
        Some(changed.iter().any(|path| !saved.contains(path) && looked_at(path)))
    }

    /// Whether files other than `saved` changed since the state in use saw
    /// them, or it cannot be told: then loading the plan from its files
    /// does not show what the state in use would with them.
    pub fn others_changed(&self, saved: &BTreeSet<PathBuf>, looked_at: LookedAt) -> bool {
        self.changed_besides(saved, &fingerprint(&self.dir), looked_at).unwrap_or(true)
    }

    /// A command's writes are taken as part of the state: loading the
    /// files as they are now would not give it. (Running the commands again
    /// on them would apply some twice: the files they ran on are the ones
    /// loaded, and those stay to compare with for that.)
    pub fn files_seen_now(&mut self) {
        self.seen = fingerprint(&self.dir);
    }

    /// The files that differ from what the state in use has seen; None if
    /// that cannot be told, or a load is owed whatever the files hold.
    pub fn changed_since_seen(&self, now: &Snapshot) -> Option<BTreeSet<PathBuf>> {
        if self.owed {
            return None;
        }
        Some(changed_between(self.seen.as_ref()?, now.0.as_ref()?))
    }

    /// `paths`, none of them a file the plan looks at, changed: taken as
    /// they are in `now`, as though the plan had been loaded with them
    /// (which would give the state in use), so that they count as
    /// unchanged when the commands are run again.
    pub fn take_as_loaded(&mut self, paths: &BTreeSet<PathBuf>, now: &Snapshot) {
        let Some(now) = &now.0 else { return };
        for fingerprint in [&mut self.files, &mut self.seen].into_iter().flatten() {
            for path in paths {
                match now.get(path) {
                    Some(state) => fingerprint.insert(path.clone(), *state),
                    None => fingerprint.remove(path),
                };
            }
        }
    }

    /// Whether a command it holds wrote files the plan looks at (a
    /// `save()`, say), as far as `looked_at` knows now.
    fn wrote_files_looked_at(&self, looked_at: LookedAt) -> bool {
        self.commands.iter().any(|entry| {
            entry.wrote_files
                && (entry.written.is_empty() || entry.written.iter().any(|file| looked_at(file)))
        })
    }

    /// How many commands it holds.
    pub fn count(&self) -> usize {
        self.commands.len()
    }

    /// The commands to run again on the plan loaded from the files as `now`
    /// found them, if that gives the state they first ran on.
    pub fn replayable(&self, now: &Snapshot) -> Result<&[Entry], NotReplayable> {
        self.offered(now, |then, now| then == now)
    }

    /// The files the plan read as data that `now` finds changed since it
    /// was loaded.
    pub fn changed_reads(&self, now: &Snapshot) -> Vec<PathBuf> {
        match (&self.files, &now.0) {
            (Some(then), Some(now)) => {
                self.read.iter().filter(|path| then.get(*path) != now.get(*path)).cloned().collect()
            }
            _ => Vec::new(),
        }
    }

    /// The commands to run again on the plan loaded from its files after
    /// only its Lua files changed: the same data, new code. Not when one of
    /// them wrote files the plan looks at: running it again would write
    /// them again, and the watcher would load the plan again, and again.
    /// (Files it never looked at, an export say, set off no load.)
    pub fn replayable_on_new_code(
        &self,
        now: &Snapshot,
        looked_at: LookedAt,
    ) -> Result<&[Entry], NotReplayable> {
        if self.wrote_files_looked_at(looked_at) {
            return Err(NotReplayable::WroteFiles);
        }
        self.offered(now, |then, now| self.read.iter().all(|path| then.get(path) == now.get(path)))
    }

    fn offered(
        &self,
        now: &Snapshot,
        same: impl Fn(&Fingerprint, &Fingerprint) -> bool,
    ) -> Result<&[Entry], NotReplayable> {
        if self.overflowed {
            return Err(NotReplayable::TooMany);
        }
        if self.commands.is_empty() {
            // Nothing to lose, whatever the files say.
            return Ok(&[]);
        }
        match (&self.files, &now.0) {
            (Some(then), Some(now)) if same(then, now) => Ok(&self.commands),
            (Some(_), Some(_)) => Err(NotReplayable::FilesChanged),
            _ => Err(NotReplayable::FilesUnknown),
        }
    }
}

/// What each of a plan's files holds, by path relative to the plan
/// directory.
type Fingerprint = BTreeMap<PathBuf, FileState>;

/// A file as a snapshot saw it: how it looks (size, modification time) and,
/// unless the folder held too many files to read them all, a hash of its
/// content. Two states are the same file content if both have a content
/// hash, else if they look the same: a snapshot of a folder that grew past
/// the files hashed still compares with one taken before.
#[derive(Debug, Clone, Copy)]
struct FileState {
    look: u64,
    content: Option<u64>,
}

impl PartialEq for FileState {
    fn eq(&self, other: &FileState) -> bool {
        match (self.content, other.content) {
            (Some(mine), Some(theirs)) => mine == theirs,
            _ => self.look == other.look,
        }
    }
}

/// Files whose content is hashed at most: past that many (a folder of
/// build output or packages beside the plan), every file is known by its
/// size and modification time instead, which a walk reads without opening
/// a file (a file saved unchanged then counts as changed).
const MAX_HASHED_FILES: usize = 10_000;

/// Files looked at most: a folder holding more is not a plan's (nothing is
/// run again there rather than every reload walking it).
const MAX_FILES: usize = 200_000;

/// Files larger than this are known by size and modification time instead
/// of content (a plan's files are far smaller; hashing a stray video on
/// every load would not be).
const MAX_HASHED: u64 = 64 << 20;

/// The files under `dir` that make up the plan, as the watcher counts them
/// (hidden ones such as `.planhost/`, backups and editors' files left
/// out); None if they cannot all be read or there are too many.
fn fingerprint(dir: &Path) -> Option<Fingerprint> {
    fingerprint_within(dir, MAX_HASHED_FILES, MAX_FILES)
}

fn fingerprint_within(dir: &Path, max_hashed: usize, max_files: usize) -> Option<Fingerprint> {
    let mut files = Vec::new();
    collect(dir, Path::new(""), &mut files, 0, max_files)?;
    let by_content = files.len() <= max_hashed;
    Some(
        files
            .into_iter()
            .map(|(path, meta)| {
                let content = by_content.then(|| content_hash(&dir.join(&path), &meta));
                (path, FileState { look: look_hash(&meta), content })
            })
            .collect(),
    )
}

/// A file known by how it looks: size and modification time.
fn look_hash(meta: &std::fs::Metadata) -> u64 {
    let mut hasher = DefaultHasher::new();
    (meta.len(), meta.modified().ok(), meta.file_type().is_symlink()).hash(&mut hasher);
    hasher.finish()
}

fn content_hash(path: &Path, meta: &std::fs::Metadata) -> u64 {
    let mut hasher = DefaultHasher::new();
    let target = meta.is_symlink().then(|| std::fs::read_link(path).ok()).flatten();
    if let Some(target) = target {
        target.hash(&mut hasher);
    } else if meta.len() > MAX_HASHED || !meta.is_file() {
        (meta.len(), meta.modified().ok()).hash(&mut hasher);
    } else {
        let mut content = Vec::with_capacity(meta.len() as usize);
        match std::fs::File::open(path).and_then(|mut file| file.read_to_end(&mut content)) {
            Ok(_) => content.hash(&mut hasher),
            // Unreadable (the plan cannot read it either): known as it looks.
            Err(_) => {
                (meta.len(), meta.modified().ok(), meta.permissions().readonly()).hash(&mut hasher)
            }
        }
    }
    hasher.finish()
}

/// Folders deeper than this are not looked into (a plan is a few levels).
const MAX_DEPTH: usize = 16;

type FileNote = (PathBuf, std::fs::Metadata);

fn collect(
    dir: &Path,
    relative: &Path,
    files: &mut Vec<FileNote>,
    depth: usize,
    max_files: usize,
) -> Option<()> {
    if depth > MAX_DEPTH {
        return Some(());
    }
    // A file or folder that goes between the listing and the look at it
    // (a log written and removed beside the plan) is not there; one that
    // cannot be read makes the whole unknown, unless the plan cannot reach
    // into it either (below).
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && depth > 0 => return Some(()),
        // A folder the server may neither list nor enter (another user's):
        // the plan runs as the server does, so nothing in it can reach the
        // plan. It is one entry, known by how it looks (once the server
        // may list it, what it holds counts as changed).
        Err(error)
            if error.kind() == std::io::ErrorKind::PermissionDenied
                && depth > 0
                && std::fs::symlink_metadata(dir.join(".")).is_err() =>
        {
            files.push((relative.to_path_buf(), std::fs::symlink_metadata(dir).ok()?));
            return Some(());
        }
        Err(_) => return None,
    };
    for entry in entries {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        // Not following symlinks: a link's own change counts, as the
        // watcher sees it.
        let meta = match std::fs::symlink_metadata(entry.path()) {
            Ok(meta) => meta,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            // In a folder the server may list but not enter: out of the
            // plan's reach as above.
            Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => continue,
            Err(_) => return None,
        };
        let path = relative.join(&name);
        if meta.is_dir() {
            collect(&entry.path(), &path, files, depth + 1, max_files)?;
        } else if !crate::plan_dir::is_scratch(&name.to_string_lossy()) {
            files.push((path, meta));
            if files.len() > max_files {
                return None;
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(chunk: &str) -> Entry {
        Entry {
            chunk: chunk.to_owned(),
            stopped_after: None,
            wrote_files: false,
            written: BTreeSet::new(),
            failed: false,
        }
    }

    fn plan_dir(label: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("planhost-journal-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("lib")).unwrap();
        std::fs::create_dir_all(dir.join(".planhost")).unwrap();
        std::fs::write(dir.join("plan.lua"), "x = 1").unwrap();
        std::fs::write(dir.join("lib/work.lua"), "return {}").unwrap();
        dir
    }

    #[test]
    fn commands_are_offered_while_the_files_are_as_loaded() {
        let dir = plan_dir("same");
        let mut journal = Journal::start(&dir, snapshot(&dir));
        assert_eq!(journal.count(), 0);
        journal.record(entry("rank(2, 1)"));
        journal.record(entry("cut(3)"));
        // The server's own files do not count.
        std::fs::write(dir.join(".planhost/token"), "secret").unwrap();
        let chunks: Vec<&str> =
            journal.replayable(&snapshot(&dir)).unwrap().iter().map(|e| e.chunk.as_str()).collect();
        assert_eq!(chunks, ["rank(2, 1)", "cut(3)"]);
        assert_eq!(journal.count(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_changed_added_or_removed_file_stops_the_replay() {
        for (label, change) in [
            (
                "edit",
                (|dir: &Path| std::fs::write(dir.join("lib/work.lua"), "return {1}").unwrap())
                    as fn(&Path),
            ),
            ("add", |dir: &Path| std::fs::write(dir.join("work.tsv"), "ID\n").unwrap()),
            ("remove", |dir: &Path| std::fs::remove_file(dir.join("lib/work.lua")).unwrap()),
        ] {
            let dir = plan_dir(label);
            let mut journal = Journal::start(&dir, snapshot(&dir));
            journal.record(entry("save()"));
            change(&dir);
            assert_eq!(
                journal.replayable(&snapshot(&dir)),
                Err(NotReplayable::FilesChanged),
                "{label}"
            );
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn new_code_on_the_same_data_takes_the_commands_other_data_does_not() {
        let dir = plan_dir("new-code");
        std::fs::write(dir.join("work.tsv"), "ID\n").unwrap();
        let mut journal = Journal::start(&dir, snapshot(&dir));
        journal.note_reads(BTreeSet::from([PathBuf::from("work.tsv"), "extra.tsv".into()]));
        journal.record(entry("rank(2, 1)"));
        std::fs::write(dir.join("lib/work.lua"), "return {1}").unwrap();
        std::fs::write(dir.join("lib/new.lua"), "return {}").unwrap();
        // Files the plan did not read are not its data; nor is a data file
        // written back as it was.
        std::fs::write(dir.join("notes.txt"), "agenda").unwrap();
        std::fs::write(dir.join("work.tsv"), "ID\n").unwrap();
        assert_eq!(
            journal.replayable_on_new_code(&snapshot(&dir), &|_| true).map(<[Entry]>::len),
            Ok(1)
        );
        assert_eq!(journal.replayable(&snapshot(&dir)), Err(NotReplayable::FilesChanged));
        std::fs::write(dir.join("work.tsv"), "ID\n1\n").unwrap();
        assert_eq!(
            journal.replayable_on_new_code(&snapshot(&dir), &|_| true),
            Err(NotReplayable::FilesChanged)
        );
        // A file the plan looked for and did not find counts when it comes.
        std::fs::write(dir.join("work.tsv"), "ID\n").unwrap();
        assert_eq!(
            journal.replayable_on_new_code(&snapshot(&dir), &|_| true).map(<[Entry]>::len),
            Ok(1)
        );
        std::fs::write(dir.join("extra.tsv"), "more").unwrap();
        assert_eq!(
            journal.replayable_on_new_code(&snapshot(&dir), &|_| true),
            Err(NotReplayable::FilesChanged)
        );
        std::fs::remove_file(dir.join("extra.tsv")).unwrap();
        let mut journal = Journal::start(&dir, snapshot(&dir));
        // A command that wrote a file the plan never looks at (an export)
        // runs again; one that wrote one it looks at, or files not known,
        // does not.
        let export = BTreeSet::from([PathBuf::from("export.html")]);
        journal.record(Entry { wrote_files: true, written: export, ..entry("export()") });
        let looked_at = |path: &Path| path != Path::new("export.html");
        let now = snapshot(&dir);
        assert_eq!(journal.replayable_on_new_code(&now, &looked_at).map(<[Entry]>::len), Ok(1));
        assert_eq!(journal.replayable_on_new_code(&now, &|_| true), Err(NotReplayable::WroteFiles));
        journal.record(Entry { wrote_files: true, ..entry("save()") });
        assert_eq!(
            journal.replayable_on_new_code(&now, &looked_at),
            Err(NotReplayable::WroteFiles)
        );
        std::fs::write(dir.join("lib/work.lua"), "return {2}").unwrap();
        assert_eq!(
            journal.replayable_on_new_code(&snapshot(&dir), &|_| true),
            Err(NotReplayable::WroteFiles)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_command_that_rewrote_only_data_files_saved_the_plan() {
        let dir = plan_dir("saved");
        std::fs::write(dir.join("work.tsv"), "ID\n").unwrap();
        let mut journal = Journal::start(&dir, snapshot(&dir));
        journal.note_reads(BTreeSet::from([PathBuf::from("work.tsv")]));
        journal.record(entry("rank(2, 1)"));
        let saved = |paths: &[&str]| paths.iter().map(PathBuf::from).collect::<BTreeSet<_>>();
        // Nothing saved, or a file the plan does not read (code): no save,
        // the commands stay.
        assert!(!journal.saved_to_files(&saved(&[]), &|_| true));
        std::fs::write(dir.join("gen.lua"), "return 1").unwrap();
        std::fs::write(dir.join("work.tsv"), "ID\n2\n").unwrap();
        assert!(!journal.saved_to_files(&saved(&["gen.lua", "work.tsv"]), &|_| true));
        assert_eq!(journal.count(), 1);
        // The data alone: a save. The commands before it are in the files;
        // the files as they are now are what the state has seen.
        journal.files_seen_now();
        std::fs::write(dir.join("work.tsv"), "ID\n2\n1\n").unwrap();
        assert!(journal.saved_to_files(&saved(&["work.tsv"]), &|_| true));
        assert_eq!(journal.count(), 0);
        assert!(as_loaded(&journal, &dir));
        journal.record(entry("cut(3)"));
        std::fs::write(dir.join("plan.lua"), "x = 2").unwrap();
        assert_eq!(
            journal.replayable_on_new_code(&snapshot(&dir), &|_| true).map(<[Entry]>::len),
            Ok(1)
        );
        // A save beside a code edit the state has not loaded: the load the
        // save sets off is owed, though the files are as the save left them.
        std::fs::write(dir.join("work.tsv"), "ID\n1\n2\n").unwrap();
        assert!(journal.saved_to_files(&saved(&["work.tsv"]), &|_| true));
        assert!(!as_loaded(&journal, &dir));
        // Beside a file the plan never looked at (a log), nothing is owed.
        std::fs::write(dir.join("work.tsv"), "ID\n2\n1\n").unwrap();
        journal.loaded_again(snapshot(&dir));
        std::fs::write(dir.join("serve.txt"), "a line").unwrap();
        std::fs::write(dir.join("work.tsv"), "ID\n1\n2\n").unwrap();
        let looked_at = |path: &Path| path != Path::new("serve.txt");
        assert!(journal.others_changed(&saved(&["work.tsv"]), &|_| true));
        assert!(!journal.others_changed(&saved(&["work.tsv"]), &looked_at));
        assert!(journal.saved_to_files(&saved(&["work.tsv"]), &looked_at));
        assert_eq!(journal.changed_since_seen(&snapshot(&dir)).map(|c| c.len()), Some(0));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Whether the files hold what the state in use saw: loading them
    /// again would give that state.
    fn as_loaded(journal: &Journal, dir: &Path) -> bool {
        journal.changed_since_seen(&snapshot(dir)).is_some_and(|changed| changed.is_empty())
    }

    #[test]
    fn files_changed_beside_the_plan_can_be_taken_as_loaded_and_then_count_as_unchanged() {
        let dir = plan_dir("beside");
        std::fs::write(dir.join("work.tsv"), "ID\n").unwrap();
        let mut journal = Journal::start(&dir, snapshot(&dir));
        journal.note_reads(BTreeSet::from([PathBuf::from("work.tsv")]));
        journal.record(entry("rank(2, 1)"));
        std::fs::write(dir.join("serve.txt"), "listening\n").unwrap();
        let now = snapshot(&dir);
        let changed = journal.changed_since_seen(&now).unwrap();
        assert_eq!(changed, BTreeSet::from([PathBuf::from("serve.txt")]));
        assert_eq!(before_load(&dir).changed(&now), None, "a snapshot that failed tells nothing");
        // Before it is taken, the commands would not run again after a
        // panic (the files differ from those loaded); after, they would.
        assert_eq!(journal.replayable(&now), Err(NotReplayable::FilesChanged));
        journal.take_as_loaded(&changed, &now);
        assert!(as_loaded(&journal, &dir));
        assert_eq!(journal.replayable(&snapshot(&dir)).map(<[Entry]>::len), Ok(1));
        // A file gone beside the plan, likewise.
        std::fs::remove_file(dir.join("serve.txt")).unwrap();
        let now = snapshot(&dir);
        let changed = journal.changed_since_seen(&now).unwrap();
        journal.take_as_loaded(&changed, &now);
        assert_eq!(journal.replayable(&snapshot(&dir)).map(<[Entry]>::len), Ok(1));
        // What changed between two snapshots, made, changed and gone.
        let then = snapshot(&dir);
        std::fs::write(dir.join("notes.txt"), "x").unwrap();
        std::fs::write(dir.join("work.tsv"), "ID\n1\n").unwrap();
        let between = then.changed(&snapshot(&dir)).unwrap();
        let names: Vec<_> = between.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["notes.txt", "work.tsv"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A snapshot of a folder that could not be read.
    fn before_load(dir: &Path) -> Snapshot {
        snapshot(&dir.join("missing-folder"))
    }

    #[test]
    fn files_holding_what_they_held_are_unchanged_whatever_their_times() {
        let dir = plan_dir("unchanged");
        std::fs::write(dir.join("work.tsv"), "ID\n").unwrap();
        let journal = Journal::start(&dir, snapshot(&dir));
        assert!(as_loaded(&journal, &dir));
        let file = std::fs::File::options().append(true).open(dir.join("work.tsv")).unwrap();
        file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(9))
            .unwrap();
        std::fs::write(dir.join("plan.lua"), "x = 1").unwrap();
        assert!(as_loaded(&journal, &dir));
        std::fs::write(dir.join("plan.lua"), "x = 2").unwrap();
        assert!(!as_loaded(&journal, &dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_changed_while_the_plan_loads_counts_as_changed() {
        let dir = plan_dir("during-load");
        std::fs::write(dir.join("work.tsv"), "ID\n").unwrap();
        let before = snapshot(&dir);
        // (The plan loads here, and an editor saves meanwhile.)
        std::fs::write(dir.join("work.tsv"), "ID\n1\n").unwrap();
        let journal = Journal::start(&dir, before);
        assert!(!as_loaded(&journal, &dir), "the load may have read either");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_empty_journal_has_nothing_to_lose_when_the_files_change() {
        let dir = plan_dir("empty");
        let journal = Journal::start(&dir, snapshot(&dir));
        std::fs::write(dir.join("work.tsv"), "ID\n").unwrap();
        assert_eq!(journal.replayable(&snapshot(&dir)), Ok(&[][..]));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn files_that_come_and_go_beside_the_plan_leave_the_snapshot_known() {
        // (A race: without the fix nearly every run of this loop met a file
        // removed between the listing and its metadata.)
        let dir = plan_dir("churn");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let started = std::sync::Arc::new(std::sync::Barrier::new(2));
        let churn = {
            let (dir, stop, started) = (dir.clone(), stop.clone(), started.clone());
            std::thread::spawn(move || {
                started.wait();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    for i in 0..50 {
                        let _ = std::fs::write(dir.join(format!("out{i}.log")), "x");
                    }
                    let _ = std::fs::create_dir(dir.join("tmp"));
                    let _ = std::fs::write(dir.join("tmp/part"), "x");
                    for i in 0..50 {
                        let _ = std::fs::remove_file(dir.join(format!("out{i}.log")));
                    }
                    let _ = std::fs::remove_dir_all(dir.join("tmp"));
                }
            })
        };
        started.wait();
        let unknown = (0..2000).filter(|_| snapshot(&dir).0.is_none()).count();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        churn.join().unwrap();
        assert_eq!(unknown, 0, "snapshots taken for unknown");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_large_folder_is_compared_by_how_its_files_look_a_huge_one_not_at_all() {
        let dir = plan_dir("many");
        assert!(fingerprint_within(&dir, 2, 3).is_some(), "plan.lua and lib/work.lua");
        std::fs::write(dir.join("work.tsv"), "ID\n").unwrap();
        // Past the files hashed, each is known by how it looks, which still
        // compares with a snapshot taken by content.
        let looked = fingerprint_within(&dir, 2, 3).expect("three files are listed");
        let hashed = fingerprint_within(&dir, 3, 3).unwrap();
        assert!(looked.values().all(|file| file.content.is_none()));
        assert_eq!(looked, hashed);
        // Saved unchanged with a new time: the same by content, not by look.
        let file = std::fs::File::options().append(true).open(dir.join("work.tsv")).unwrap();
        file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(9))
            .unwrap();
        assert_eq!(fingerprint_within(&dir, 3, 3).unwrap(), hashed);
        assert_ne!(fingerprint_within(&dir, 2, 3).unwrap(), looked);
        assert_ne!(fingerprint_within(&dir, 2, 3).unwrap(), hashed);
        std::fs::write(dir.join("notes.txt"), "agenda").unwrap();
        assert!(fingerprint_within(&dir, 2, 3).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn past_its_limits_the_journal_offers_nothing() {
        let dir = plan_dir("full");
        let mut journal = Journal::start(&dir, snapshot(&dir));
        let big = "x".repeat(MAX_BYTES / 2);
        journal.record(entry(&big));
        journal.record(entry(&big));
        journal.record(entry("one more"));
        assert_eq!(journal.replayable(&snapshot(&dir)), Err(NotReplayable::TooMany));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
