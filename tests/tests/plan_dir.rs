//! A served plan directory as the file system treats it: one server per
//! directory, its state files, the directory deleted or moved and brought
//! back, and symbolic links the watcher must not follow.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use planhost_tests::{Server, TempDir, next_view, planhost_bin, shell_in, subscribe};
use serde_json::Value;

/// A plan whose one view shows the name in `name.txt` as a one-row table.
const PLAN: &str = r#"
local function name()
  local file = assert(io.open("name.txt"))
  local text = file:read("l")
  file:close()
  return text
end
planhost.view("work", function()
  return {plan = {name = "Q", weeks = 13, cutline = 1}, skills = {"Web"},
    items = {{id = 1, name = name(), rank = 1, estimates = {Web = 1}}}}
end)
"#;

fn write_plan(dir: &Path, name: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("plan.lua"), PLAN).unwrap();
    std::fs::write(dir.join("name.txt"), format!("{name}\n")).unwrap();
}

fn plan(name: &str) -> TempDir {
    let dir = TempDir::new("plan-dir");
    write_plan(dir.path(), name);
    dir
}

/// Waits until the view's HTML shows `name`, reading every update.
async fn wait_for_name(ws: &mut planhost_tests::Ws, name: &str) {
    loop {
        let (_, envelope) = next_view(ws).await;
        if envelope["html"].as_str().is_some_and(|html| html.contains(name)) {
            return;
        }
    }
}

/// `planhost shell DIR` with `input` piped in: (status, stdout, stderr).
fn shell(dir: &Path, input: &str) -> (i32, String, String) {
    let (status, out, err) = shell_in(dir, &[], input.as_bytes());
    (status.unwrap_or(-1), out, err)
}

#[test]
fn a_second_server_of_a_directory_is_refused_and_the_first_keeps_it() {
    let mut server = Server::start_in(plan("First"), &["--no-console"]);
    let second = Command::new(planhost_bin())
        .arg("serve")
        .arg(server.plan_dir.path())
        .args(["--addr", "127.0.0.1:0", "--no-console"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    assert!(second.stdout.is_empty(), "it printed a ready line");
    let error = String::from_utf8_lossy(&second.stderr);
    assert!(
        error.contains("another planhost is serving")
            && error.contains(&format!("(at http://{})", server.addr)),
        "{error}"
    );
    // The first server's token and address are as it wrote them.
    let state = server.plan_dir.path().join(".planhost");
    assert_eq!(std::fs::read_to_string(state.join("token")).unwrap().trim(), server.token);
    assert_eq!(
        std::fs::read_to_string(state.join("addr")).unwrap().trim(),
        server.addr.to_string()
    );
    let (status, out, err) = shell(server.plan_dir.path(), "print(1 + 1)\n");
    assert_eq!((status, out.as_str()), (0, "2\n"), "{err}");

    // A clean exit takes its token and address away: a tool then hears
    // that no server runs, not of a stale address. A new server may start.
    server.signal(rustix::process::Signal::TERM);
    assert!(server.wait_exit(Duration::from_secs(10)).success());
    assert!(!state.join("token").exists() && !state.join("addr").exists());
    let (status, _, err) = shell(server.plan_dir.path(), "print(1)\n");
    assert_eq!(status, 2, "{err}");
    let dir = std::mem::replace(&mut server.plan_dir, TempDir::new("plan-dir-spare"));
    let next = Server::start_in(dir, &["--no-console"]);
    assert_eq!(next.get("/healthz").status, 200);
}

#[test]
fn a_plan_directory_deleted_and_made_again_is_watched_again() {
    let server = Server::start_in(plan("Before"), &["--no-console"]);
    let dir = server.plan_dir.path().to_owned();
    smol::block_on(async {
        let mut ws = server.ws().await;
        subscribe(&mut ws, "view/work/table", None).await;
        wait_for_name(&mut ws, "Before").await;

        // Deleted and made again, as `git clean` or a copy over it would.
        std::fs::remove_dir_all(&dir).unwrap();
        let (_, envelope) = next_view(&mut ws).await;
        assert!(envelope["error"]["message"].as_str().unwrap().contains("plan.lua"), "{envelope}");
        write_plan(&dir, "Again");
        wait_for_name(&mut ws, "Again").await;
        // Watched: a later edit is seen.
        std::fs::write(dir.join("name.txt"), "Edited\n").unwrap();
        wait_for_name(&mut ws, "Edited").await;
        // The state files came back with it: the shell attaches.
        let (status, out, err) = shell(&dir, "print('attached')\n");
        assert_eq!((status, out.as_str()), (0, "attached\n"), "{err}");

        // Moved away and back: the error it gave while away goes.
        let away = dir.with_extension("away");
        std::fs::rename(&dir, &away).unwrap();
        let (_, envelope) = next_view(&mut ws).await;
        assert!(envelope["error"]["message"].as_str().is_some(), "{envelope}");
        std::thread::sleep(Duration::from_millis(1500));
        std::fs::rename(&away, &dir).unwrap();
        let (_, envelope) = next_view(&mut ws).await;
        assert_eq!(envelope["error"], Value::Null, "{envelope}");
        assert!(envelope["html"].as_str().unwrap().contains("Edited"));
        std::fs::write(dir.join("name.txt"), "Last\n").unwrap();
        wait_for_name(&mut ws, "Last").await;
    });
}

/// The inotify watches a process holds.
fn inotify_watches(pid: i32) -> usize {
    let mut count = 0;
    for fd in std::fs::read_dir(format!("/proc/{pid}/fdinfo")).unwrap() {
        let info = std::fs::read_to_string(fd.unwrap().path()).unwrap_or_default();
        count += info.lines().filter(|line| line.starts_with("inotify wd:")).count();
    }
    count
}

#[test]
fn a_symbolic_link_in_the_plan_is_not_followed_by_the_watcher() {
    let outside = TempDir::new("plan-dir-outside");
    for i in 0..40 {
        std::fs::create_dir_all(outside.path().join(format!("tree/{i}/deeper"))).unwrap();
    }
    let dir = plan("Linked");
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("elsewhere")).unwrap();
    std::fs::create_dir_all(dir.path().join(".git/objects/ab")).unwrap();
    let server = Server::start_in(dir, &["--no-console"]);
    // The plan directory and lib/, not the 81 folders behind the link, nor
    // hidden ones (.git/, .planhost/).
    assert_eq!(inotify_watches(server.pid()), 2);
}

/// A server started with its output going to `serve.txt` in the plan
/// directory (not a `*.log` name, so a plan file for the watcher): killed on
/// drop.
struct LoggingBeside {
    child: std::process::Child,
    log: std::path::PathBuf,
    addr: String,
}

impl LoggingBeside {
    fn start(dir: &Path) -> LoggingBeside {
        LoggingBeside::start_as(dir, Command::new(planhost_bin()))
    }

    /// Starts `planhost` as `command` runs it (under another user, say).
    fn start_as(dir: &Path, mut command: Command) -> LoggingBeside {
        let log = dir.join("serve.txt");
        let file = std::fs::File::create(&log).unwrap();
        let child = command
            .arg("serve")
            .arg(dir)
            .args(["--addr", "127.0.0.1:0", "--no-console"])
            .env("RUST_LOG", "planhost=info")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        let mut server = LoggingBeside { child, log, addr: String::new() };
        server.wait_for("planhost listening on", 1);
        let text = std::fs::read_to_string(&server.log).unwrap();
        let line = text.lines().find(|line| line.starts_with("planhost listening on")).unwrap();
        server.addr = line.trim_start_matches("planhost listening on http://").to_owned();
        server
    }

    /// The work view's page (computing the view: the plan reads name.txt).
    fn work_page(&self) -> String {
        let mut stream = std::net::TcpStream::connect(&self.addr).unwrap();
        let request = "GET /view/work?renderer=table HTTP/1.1\r\nHost: x\r\n\r\n";
        std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
        let response = planhost_tests::Response::read_from(&mut stream).unwrap();
        assert_eq!(response.status, 200, "{}", response.text());
        response.text()
    }

    fn count(&self, needle: &str) -> usize {
        std::fs::read_to_string(&self.log).unwrap_or_default().matches(needle).count()
    }

    fn wait_for(&self, needle: &str, count: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while self.count(needle) < count {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            assert!(std::time::Instant::now() < deadline, "no {count} x {needle:?} in:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the log holds once it has kept still for a second (a server
    /// loading its plan after each line it logs never keeps still).
    fn settled(&self) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let mut last = String::new();
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let now = std::fs::read_to_string(&self.log).unwrap();
            if now == last {
                return now;
            }
            assert!(std::time::Instant::now() < deadline, "the log keeps growing:\n{now}");
            last = now;
        }
    }
}

impl Drop for LoggingBeside {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_server_logging_into_its_plan_directory_loads_the_plan_only_when_the_plan_changes() {
    let dir = plan("Logged");
    std::fs::write(dir.path().join("helper.lua"), "return 1\n").unwrap();
    let server = LoggingBeside::start(dir.path());
    assert!(server.work_page().contains("Logged"));
    let log = server.settled();
    assert_eq!(log.matches("reloaded").count(), 0, "{log}");

    // A file the plan reads changes: one load, and the log keeps still.
    std::fs::write(dir.path().join("name.txt"), "Renamed\n").unwrap();
    server.wait_for("reloaded", 1);
    let log = server.settled();
    assert_eq!(log.matches("reloaded").count(), 1, "{log}");
    assert!(server.work_page().contains("Renamed"));

    // A Lua file the plan does not use: nothing to load.
    std::fs::write(dir.path().join("helper.lua"), "return 2\n").unwrap();
    let log = server.settled();
    assert_eq!(log.matches("reloaded").count(), 1, "{log}");

    // A broken edit: its error once, not once for each line it logs.
    std::fs::write(dir.path().join("plan.lua"), "planhost.view(").unwrap();
    server.wait_for("reloading", 1);
    let log = server.settled();
    assert_eq!(log.matches("reloading").count(), 1, "{log}");
    // Mended as it was: the plan in use is what it holds (nothing runs),
    // and the error goes.
    std::fs::write(dir.path().join("plan.lua"), PLAN).unwrap();
    server.wait_for("back to the files the plan in use was loaded from", 1);
    let log = server.settled();
    assert_eq!(log.matches("back to the files").count(), 1, "{log}");
    assert_eq!(log.matches("reloaded").count(), 1, "{log}");
    assert_eq!(log.matches("reloading").count(), 1, "{log}");
    // Mended otherwise: loaded.
    std::fs::write(dir.path().join("plan.lua"), format!("{PLAN}\n-- mended\n")).unwrap();
    server.wait_for("reloaded", 2);
    let log = server.settled();
    assert_eq!(log.matches("reloaded").count(), 2, "{log}");
}

/// A plan whose view shows the name in `names/name.txt`, or in `name.txt`
/// while there is no `names/`.
const NESTED_PLAN: &str = r#"
planhost.view("work", function()
  local file = io.open("names/name.txt") or assert(io.open("name.txt"))
  local name = file:read("l")
  file:close()
  return {plan = {name = "Q", weeks = 13, cutline = 1}, skills = {"Web"},
    items = {{id = 1, name = name, rank = 1, estimates = {Web = 1}}}}
end)
"#;

/// A command that runs planhost as a user whom `locked` (a folder in the
/// plan directory `dir`) keeps out. As root, whom no permission stops:
/// as nobody (setpriv, from util-linux), the plan directory given to
/// nobody and `locked` kept root's and closed, the binary linked into the
/// directory above the plan (the build's may be in a folder nobody cannot
/// enter). Otherwise `locked` is closed to its owner, this user.
fn locked_out(above: &Path, dir: &Path, locked: &Path) -> Command {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    if !root {
        std::fs::set_permissions(locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        return Command::new(planhost_bin());
    }
    const NOBODY: u32 = 65534;
    for entry in walkdir(dir) {
        std::os::unix::fs::chown(&entry, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    std::os::unix::fs::chown(locked, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(locked, std::fs::Permissions::from_mode(0o700)).unwrap();
    let binary = above.join("planhost");
    if std::fs::hard_link(planhost_bin(), &binary).is_err() {
        std::fs::copy(planhost_bin(), &binary).unwrap();
    }
    let mut command = Command::new("setpriv");
    command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(binary);
    command
}

/// `dir` and every path under it.
fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut paths = vec![dir.to_path_buf()];
    let mut at = 0;
    while at < paths.len() {
        if paths[at].is_dir() {
            let entries = std::fs::read_dir(&paths[at]).unwrap();
            paths.extend(entries.map(|entry| entry.unwrap().path()));
        }
        at += 1;
    }
    paths
}

#[test]
fn a_folder_the_server_may_not_read_leaves_the_rest_of_the_plan_watched() {
    // (Was: the whole plan directory went unwatched, and every file
    // written beside the plan loaded it again.)
    let above = TempDir::new("plan-dir-locked");
    let dir = above.path().join("plan");
    write_plan(&dir, "Locked");
    std::fs::write(dir.join("plan.lua"), NESTED_PLAN).unwrap();
    let locked = dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    let _open_again = OpenOnDrop(locked.clone());
    let server = LoggingBeside::start_as(&dir, locked_out(above.path(), &dir, &locked));
    assert!(server.work_page().contains("Locked"));
    let log = server.settled();
    assert!(log.contains(&format!("{}: not watched", locked.display())), "{log}");
    assert!(!log.contains("will not be watched"), "{log}");
    assert_eq!(log.matches("reloaded").count(), 0, "{log}");

    // A file the plan reads: one load, and the log beside it keeps still.
    std::fs::write(dir.join("name.txt"), "Renamed\n").unwrap();
    server.wait_for("reloaded", 1);
    let log = server.settled();
    assert_eq!(log.matches("reloaded").count(), 1, "{log}");
    assert!(server.work_page().contains("Renamed"));

    // A folder made after the start is watched too: a file in it, made,
    // then edited, loads the plan each time.
    std::fs::create_dir(dir.join("names")).unwrap();
    std::fs::write(dir.join("names/name.txt"), "Nested\n").unwrap();
    server.wait_for("reloaded", 2);
    assert!(server.work_page().contains("Nested"));
    std::fs::write(dir.join("names/name.txt"), "Nested again\n").unwrap();
    server.wait_for("reloaded", 3);
    let log = server.settled();
    assert_eq!(log.matches("reloaded").count(), 3, "{log}");
    assert!(server.work_page().contains("Nested again"));
    assert_eq!(log.matches("not watched").count(), 1, "said once: {log}");
}

/// Opens a folder to its owner again when dropped, so that the temporary
/// folder it is in can be removed (when the test runs as its owner).
struct OpenOnDrop(std::path::PathBuf);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}
