//! The plan directory: which of its files make up the plan, and its
//! `.planhost/` state folder with the lock that keeps a second server out,
//! the publish token (mode 0600, new on every start) and the address the
//! server listens on.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// Name of the state folder inside a plan directory.
pub const STATE_DIR: &str = ".planhost";

/// Why a plan directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanDirError {
    #[error("plan directory {path} does not exist")]
    Missing { path: PathBuf },
    #[error("plan directory {path} is not a directory")]
    NotADirectory { path: PathBuf },
    #[error("plan directory {path} is not readable: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    StateUnwritable { path: PathBuf, source: std::io::Error },
    #[error("another planhost is serving {path}{at}")]
    Busy { path: PathBuf, at: String },
}

/// A plan directory that exists and can be read.
#[derive(Debug, Clone)]
pub struct PlanDir {
    root: PathBuf,
}

impl PlanDir {
    /// Checks that `path` is a readable directory.
    pub fn open(path: &Path) -> Result<PlanDir, PlanDirError> {
        let meta = fs::metadata(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => PlanDirError::Missing { path: path.to_owned() },
            _ => PlanDirError::Unreadable { path: path.to_owned(), source },
        })?;
        if !meta.is_dir() {
            return Err(PlanDirError::NotADirectory { path: path.to_owned() });
        }
        fs::read_dir(path)
            .map_err(|source| PlanDirError::Unreadable { path: path.to_owned(), source })?;
        let root = fs::canonicalize(path)
            .map_err(|source| PlanDirError::Unreadable { path: path.to_owned(), source })?;
        Ok(PlanDir { root })
    }

    /// The directory itself, canonicalised.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `PLAN_DIR/.planhost`.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR)
    }

    /// Creates a fresh random token and stores it in `.planhost/token`
    /// (mode 0600), replacing the previous one.
    pub fn issue_token(&self) -> Result<Token, PlanDirError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| PlanDirError::StateUnwritable {
            path: self.state_dir().join("token"),
            source: std::io::Error::other(e.to_string()),
        })?;
        let token = Token(bytes.iter().map(|b| format!("{b:02x}")).collect());
        self.write_state_file("token", &format!("{}\n", token.0))?;
        Ok(token)
    }

    /// Records the listening address in `.planhost/addr`, for tools that
    /// attach to a running server.
    pub fn record_address(&self, addr: SocketAddr) -> Result<(), PlanDirError> {
        self.write_state_file("addr", &format!("{addr}\n"))
    }

    /// Takes the directory for one server: locks `.planhost/lock` (held
    /// until the claim is dropped or the process ends, however it ends) and
    /// issues a token. A directory another server holds is refused, naming
    /// its address, before its token and address are touched.
    pub fn claim(&self) -> Result<Claim, PlanDirError> {
        let lock = self.lock()?;
        let token = self.issue_token()?;
        Ok(Claim { plan: self.clone(), token, addr: Mutex::new(None), lock: Mutex::new(lock) })
    }

    fn lock(&self) -> Result<File, PlanDirError> {
        let path = self.state_dir().join("lock");
        let fail = |source| PlanDirError::StateUnwritable { path: path.clone(), source };
        self.make_state_dir().map_err(fail)?;
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(fail)?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(fs::TryLockError::WouldBlock) => {
                let at = fs::read_to_string(self.state_dir().join("addr"))
                    .map(|addr| format!(" (at http://{})", addr.trim()))
                    .unwrap_or_default();
                Err(PlanDirError::Busy { path: self.root.clone(), at })
            }
            Err(fs::TryLockError::Error(source)) => Err(fail(source)),
        }
    }

    /// `.planhost/`, made private if it is not there.
    fn make_state_dir(&self) -> std::io::Result<()> {
        let dir = self.state_dir();
        match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.is_dir() => Ok(()),
            Ok(_) => Err(std::io::Error::other(format!(
                "{} exists and is not a directory",
                dir.display()
            ))),
            Err(_) => fs::DirBuilder::new().mode(0o700).create(&dir),
        }
    }

    /// Writes a state file atomically: a private temporary file, then rename.
    fn write_state_file(&self, name: &str, contents: &str) -> Result<(), PlanDirError> {
        let dir = self.state_dir();
        let path = dir.join(name);
        let fail = |source| PlanDirError::StateUnwritable { path: path.clone(), source };
        self.make_state_dir().map_err(fail)?;
        let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let _ = fs::remove_file(&temp);
            let mut file =
                OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temp)?;
            file.write_all(contents.as_bytes())?;
            file.sync_all()?;
            fs::rename(&temp, &path)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&temp);
            fail(e)
        })
    }
}

/// A server's hold on its plan directory (see [`PlanDir::claim`]). Dropped
/// at a clean exit, it removes the token and address it wrote, so tools
/// see that no server runs instead of trying a stale address.
pub struct Claim {
    plan: PlanDir,
    token: Token,
    addr: Mutex<Option<SocketAddr>>,
    lock: Mutex<File>,
}

impl Claim {
    /// The token this server accepts.
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// Records the listening address in `.planhost/addr`.
    pub fn record_address(&self, addr: SocketAddr) -> Result<(), PlanDirError> {
        *self.addr.lock().unwrap_or_else(|e| e.into_inner()) = Some(addr);
        self.plan.record_address(addr)
    }

    /// Writes the lock, token and address again, after the directory was
    /// deleted and made again (they went with it).
    pub fn renew(&self) -> Result<(), PlanDirError> {
        use std::os::unix::fs::MetadataExt;
        let mut held = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let same = |a: &fs::Metadata, b: &fs::Metadata| (a.dev(), a.ino()) == (b.dev(), b.ino());
        let path = self.plan.state_dir().join("lock");
        // Moved away and back, the directory still has the file locked.
        let still_held = held
            .metadata()
            .ok()
            .zip(fs::metadata(&path).ok())
            .is_some_and(|(held, found)| same(&held, &found));
        if !still_held {
            *held = self.plan.lock()?;
        }
        drop(held);
        self.plan.write_state_file("token", &format!("{}\n", self.token.0))?;
        match *self.addr.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(addr) => self.plan.record_address(addr),
            None => Ok(()),
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let state = self.plan.state_dir();
        let ours = |name: &str, text: String| {
            let path = state.join(name);
            if fs::read_to_string(&path).is_ok_and(|found| found.trim() == text) {
                let _ = fs::remove_file(path);
            }
        };
        ours("token", self.token.0.clone());
        if let Some(addr) = *self.addr.lock().unwrap_or_else(|e| e.into_inner()) {
            ours("addr", addr.to_string());
        }
    }
}

/// The secret that authorises `POST /api/publish`.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Compares a presented token in time independent of where it differs.
    pub fn matches(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The token text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

/// Whether a change to `path` can change the plan: any file under `root`
/// except hidden ones, ones in hidden folders, backups (`*.bak`, `*~`),
/// editors' swap files and logs (`*.log`, `*.out`).
pub fn is_plan_file(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else { return false };
    let hidden = relative.components().any(|component| match component {
        Component::Normal(name) => name.to_string_lossy().starts_with('.'),
        _ => false,
    });
    let name = relative.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    !name.is_empty() && !hidden && !is_scratch(&name)
}

/// Whether a file of this name is a backup (`*.bak`, `*~`), an editor's
/// swap or temporary file, or a log, not part of the plan. (A server whose
/// output goes to a file beside the plan, `planhost serve . > serve.log`,
/// would otherwise load the plan again after every line it logs, and log
/// that it did.)
pub fn is_scratch(name: &str) -> bool {
    name.ends_with(".log")
        || name.ends_with(".out")
        || name.ends_with(".bak")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
        || name.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("planhost-plandir-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_claimed_directory_is_refused_to_a_second_claim_until_let_go() {
        let dir = temp_dir("claim");
        let plan = PlanDir::open(&dir).unwrap();
        let first = plan.claim().unwrap();
        first.record_address("127.0.0.1:4321".parse().unwrap()).unwrap();
        let refused = plan.claim().err().expect("a second claim");
        assert_eq!(
            refused.to_string(),
            format!(
                "another planhost is serving {} (at http://127.0.0.1:4321)",
                plan.root().display()
            )
        );
        // Refused before touching the first one's token.
        let token = fs::read_to_string(dir.join(".planhost/token")).unwrap();
        assert_eq!(token.trim(), first.token().as_str());

        // The directory deleted and made again: renewed, all three are back.
        fs::remove_dir_all(&dir).unwrap();
        fs::create_dir(&dir).unwrap();
        first.renew().unwrap();
        assert_eq!(fs::read_to_string(dir.join(".planhost/token")).unwrap(), token);
        assert_eq!(fs::read_to_string(dir.join(".planhost/addr")).unwrap(), "127.0.0.1:4321\n");
        assert!(matches!(plan.claim(), Err(PlanDirError::Busy { .. })));
        // Renewing a directory that did not change keeps the lock it holds.
        first.renew().unwrap();

        drop(first);
        assert!(!dir.join(".planhost/token").exists() && !dir.join(".planhost/addr").exists());
        let second = plan.claim().unwrap();
        drop(second);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn token_is_private_and_replaced_each_time() {
        let dir = temp_dir("token");
        let plan = PlanDir::open(&dir).unwrap();
        let first = plan.issue_token().unwrap();
        let path = dir.join(".planhost/token");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap().trim(), first.as_str());
        let second = plan.issue_token().unwrap();
        assert_ne!(first.as_str(), second.as_str());
        assert_eq!(second.as_str().len(), 64);
        assert!(second.matches(second.as_str()));
        assert!(!second.matches(first.as_str()));
        assert!(!second.matches(""));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_and_non_directories_are_refused() {
        let dir = temp_dir("bad");
        assert!(matches!(PlanDir::open(&dir.join("nope")), Err(PlanDirError::Missing { .. })));
        fs::write(dir.join("file"), "x").unwrap();
        assert!(matches!(
            PlanDir::open(&dir.join("file")),
            Err(PlanDirError::NotADirectory { .. })
        ));
        fs::remove_dir_all(dir).unwrap();
    }

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
            "serve.log",
            "nohup.out",
        ] {
            assert!(!is_plan_file(root, &root.join(no)), "{no}");
        }
        assert!(!is_plan_file(root, Path::new("/elsewhere/plan.lua")));
    }
}
