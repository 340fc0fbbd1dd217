//! The Lua prompt `planhost serve` offers on a terminal, driven through a
//! real pseudo-terminal (`script` from util-linux allocates it): line
//! editing, multi-line chunks, printed values, errors, changes reaching
//! the browsers, history kept in the plan directory, Ctrl-D stopping the
//! server cleanly.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use planhost_tests::{TempDir, planhost_bin, strip_escapes};

/// Everything the terminal showed so far, without escape sequences.
struct Screen(Arc<Mutex<Vec<u8>>>);

impl Screen {
    fn text(&self) -> String {
        let raw = String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned();
        strip_escapes(&raw).replace('\r', "")
    }

    /// Waits until the screen shows `needle` `count` times, failing after 20 s.
    fn wait_for(&self, needle: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.text().matches(needle).count() < count {
            assert!(Instant::now() < deadline, "no {needle:?} (x{count}) in:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn the_server_prompt_runs_lua_on_the_plan() {
    let plan = TempDir::new("prompt");
    std::fs::write(
        plan.path().join("plan.lua"),
        "items = {'Login', 'Sync'} planhost.view('count', function() return {n = #items} end)",
    )
    .unwrap();
    let serve =
        format!("{} serve {} --addr 127.0.0.1:0", planhost_bin().display(), plan.path().display());
    let mut child = Command::new("script")
        .args(["-qfec", &serve, "/dev/null"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("script (util-linux) runs");
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let screen = Screen(bytes.clone());
    let mut stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 {
                break;
            }
            bytes.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    let mut keyboard = child.stdin.take().unwrap();
    screen.wait_for("planhost listening on http://", 1);
    screen.wait_for("> ", 1);
    // Types a line, then waits for what it should show and for the next
    // prompt (input typed ahead of a prompt is not read).
    let mut type_line = |line: &str, shows: &str| {
        let text = screen.text();
        let (prompts, shown) = (text.matches("> ").count(), text.matches(shows).count());
        keyboard.write_all(format!("{line}\n").as_bytes()).unwrap();
        keyboard.flush().unwrap();
        screen.wait_for(shows, shown + 1);
        screen.wait_for("> ", prompts + 1);
    };
    type_line("#items * 10", "\n20\n");
    type_line("for i, name in ipairs(items) do", ">> ");
    type_line("print(i, name)", ">> ");
    type_line("end", "2\tSync\n");
    type_line("error('no such item')", "console:1: no such item");
    type_line("items[3] = 'Search'", "> ");
    type_line("#items", "\n3\n");

    // Ctrl-D: the change to `items` is not saved, which it says once; a
    // second Ctrl-D stops the server cleanly, keeping the history.
    let prompts = screen.text().matches("> ").count();
    keyboard.write_all(&[4]).unwrap();
    keyboard.flush().unwrap();
    screen.wait_for("the changes are not saved", 1);
    screen.wait_for("> ", prompts + 1);
    keyboard.write_all(&[4]).unwrap();
    keyboard.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop:\n{}", screen.text());
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}:\n{}", screen.text());
    let history = std::fs::read_to_string(plan.path().join(".planhost/history")).unwrap();
    assert!(history.contains("#items * 10"), "{history}");
    assert!(history.contains("items[3] = 'Search'"), "{history}");
}
