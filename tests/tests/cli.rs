//! The `planhost` command line: version, help, exit codes, the one ready
//! line on stdout.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use planhost_tests::{Server, TempDir, planhost_bin};

fn run(args: &[&str]) -> std::process::Output {
    Command::new(planhost_bin()).args(args).stdin(Stdio::null()).output().expect("running planhost")
}

#[test]
fn version_and_help() {
    let version = run(&["--version"]);
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("planhost {}", env!("CARGO_PKG_VERSION"))
    );
    let help = run(&["serve", "--help"]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for option in ["--addr", "--web", "[PLAN_DIR]"] {
        assert!(text.contains(option), "serve --help lacks {option}");
    }
    assert_eq!(run(&["--bogus"]).status.code(), Some(2));
    assert_eq!(run(&["serve", "--addr", "nowhere"]).status.code(), Some(2));
}

#[test]
fn serve_refuses_settings_it_cannot_run_with() {
    // 100,000 threads aborted with a panic; zero timeouts started a server
    // that dropped requests or pinged a client without pause.
    let dir = TempDir::new("cli-settings");
    let plan = dir.path().to_str().unwrap();
    for (flag, value) in [
        ("--threads", "100000"),
        ("--header-timeout", "0s"),
        ("--ping-interval", "0s"),
        ("--pong-timeout", "0ms"),
        ("--stuck-timeout", "0s"),
    ] {
        let output = run(&["serve", plan, "--addr", "127.0.0.1:0", flag, value]);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(flag) && !stderr.contains("panicked"), "{flag}: {stderr}");
    }
    assert!(!dir.path().join(".planhost/addr").exists());
}

#[test]
fn serve_listens_on_a_host_name() {
    let dir = TempDir::new("cli-host-name");
    let mut child = Command::new(planhost_bin())
        .args(["serve", dir.path().to_str().unwrap(), "--addr", "localhost:0", "--no-console"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let addr = line.trim().strip_prefix("planhost listening on http://").expect("the ready line");
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{line}");
}

fn assert_usage_error(args: &[&str], expect: &str) {
    let output = run(args);
    assert_eq!(output.status.code(), Some(2), "{args:?}");
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line expected: {stderr:?}");
    assert!(stderr.contains(expect), "{stderr:?} lacks {expect:?}");
}

#[test]
fn bad_plan_directories_exit_2_with_one_line() {
    let dir = TempDir::new("cli");
    let missing = dir.path().join("missing");
    assert_usage_error(
        &["serve", missing.to_str().unwrap(), "--addr", "127.0.0.1:0"],
        "does not exist",
    );
    let file = dir.path().join("plan.txt");
    std::fs::write(&file, "x").unwrap();
    assert_usage_error(
        &["serve", file.to_str().unwrap(), "--addr", "127.0.0.1:0"],
        "not a directory",
    );
    // A plan directory whose state folder is taken by a file.
    let blocked = dir.path().join("blocked");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join(".planhost"), "x").unwrap();
    assert_usage_error(&["serve", blocked.to_str().unwrap(), "--addr", "127.0.0.1:0"], ".planhost");
    let web = dir.path().join("no-web");
    let plan = dir.path().to_str().unwrap();
    assert_usage_error(
        &["serve", plan, "--addr", "127.0.0.1:0", "--web", web.to_str().unwrap()],
        "web directory",
    );
}

#[test]
fn render_and_run_refuse_bad_plan_directories_as_serve_does() {
    let dir = TempDir::new("cli-render");
    let missing = dir.path().join("missing");
    let missing = missing.to_str().unwrap();
    let file = dir.path().join("plan.lua");
    std::fs::write(&file, "x = 1").unwrap();
    let file = file.to_str().unwrap();
    for (plan, expect) in [(missing, "does not exist"), (file, "is not a directory")] {
        let said = format!("planhost: plan directory {plan} {expect}\n");
        for args in [
            &["serve", plan, "--addr", "127.0.0.1:0"][..],
            &["render", plan, "--view", "work"],
            &["run", "--plan", plan, file],
        ] {
            let output = run(args);
            assert_eq!(output.status.code(), Some(2), "{args:?}");
            assert!(output.stdout.is_empty(), "{args:?}");
            assert_eq!(String::from_utf8_lossy(&output.stderr), said, "{args:?}");
        }
    }
}

#[test]
fn address_in_use_exits_1() {
    let server = Server::start(&[]);
    let dir = TempDir::new("busy");
    let output = run(&["serve", dir.path().to_str().unwrap(), "--addr", &server.addr.to_string()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot listen"), "{stderr}");
}

#[test]
fn prints_exactly_one_line_and_exits_zero_on_sigterm() {
    let dir = TempDir::new("oneline");
    let mut child = Command::new(planhost_bin())
        .args(["serve", dir.path().to_str().unwrap(), "--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 256];
    let n = stdout.read(&mut first).unwrap();
    let line = String::from_utf8_lossy(&first[..n]).to_string();
    assert!(line.starts_with("planhost listening on http://127.0.0.1:"), "{line:?}");
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0, "the real port is printed");
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(format!("{line}{rest}").lines().count(), 1, "stdout: {line}{rest}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn lua_limits_come_from_the_command_line() {
    let dir = TempDir::new("cli-limits");
    let script = |name: &str, source: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, source).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let spin = script("spin.lua", "while true do end");
    let hoard =
        script("hoard.lua", "local t = {} for i = 1, 1e8 do t[i] = ('x'):rep(100) .. i end");
    let limited = [
        (vec!["--lua-time", "300ms", &spin], "time budget exceeded (300 ms)"),
        (
            vec!["--lua-instructions", "100000", &spin],
            "instruction budget exceeded (100000 instructions)",
        ),
        (vec!["--lua-memory", "16", &hoard], "memory limit exceeded (16 MiB)"),
    ];
    for (args, expected) in limited {
        let output = run(&[&["run"][..], &args].concat());
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    for (flag, value) in
        [("--lua-time", "0s"), ("--lua-memory", "0"), ("--lua-instructions", "many")]
    {
        let output = run(&["run", flag, value, &spin]);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}");
        assert!(String::from_utf8_lossy(&output.stderr).contains(flag), "{flag} {value}");
    }
}

#[test]
fn render_runs_the_plan_under_the_lua_limits_given() {
    // A view that never ends: the limits given stop it, as under `run`.
    let dir = TempDir::new("cli-render-limits");
    std::fs::write(
        dir.path().join("plan.lua"),
        "planhost.view('work', function() while true do end end)",
    )
    .unwrap();
    let plan = dir.path().to_str().unwrap();
    for (flag, value, expected) in [
        ("--lua-time", "300ms", "time budget exceeded (300 ms)"),
        ("--lua-instructions", "100000", "instruction budget exceeded (100000 instructions)"),
    ] {
        let output = run(&["render", plan, "--view", "work", flag, value]);
        assert_eq!(output.status.code(), Some(1), "{flag}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{flag}: {stderr}");
    }
    let output = run(&["render", plan, "--view", "work", "--lua-time", "0s"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_plugin_cache_that_cannot_be_made_is_warned_of_not_fatal() {
    // The cache goes under XDG_CACHE_HOME; a file there cannot hold it.
    let dir = TempDir::new("cli-no-cache");
    let blocked = dir.path().join("not-a-folder");
    std::fs::write(&blocked, "").unwrap();
    std::fs::write(
        dir.path().join("plan.lua"),
        "planhost.view('work', function() return {plan = {name = 'Q', weeks = 13, cutline = 0}, \
         skills = {}, items = {}} end)",
    )
    .unwrap();
    let plan = dir.path().to_str().unwrap();
    let rendered = Command::new(planhost_bin())
        .args(["render", plan, "--view", "work", "--renderer", "table"])
        .env("XDG_CACHE_HOME", &blocked)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&rendered.stderr);
    assert!(rendered.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&rendered.stdout).contains("<table"), "{stderr}");
    let warning = format!("plugin cache {}/planhost/wasmtime", blocked.display());
    assert!(stderr.contains(&warning) && stderr.contains("without it"), "{stderr}");

    let mut served = Command::new(planhost_bin())
        .args(["serve", plan, "--addr", "127.0.0.1:0", "--no-console"])
        .env("XDG_CACHE_HOME", &blocked)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(served.stdout.take().unwrap()).read_line(&mut line).unwrap();
    served.kill().unwrap();
    served.wait().unwrap();
    assert!(line.starts_with("planhost listening on http://127.0.0.1:"), "{line:?}");
}

#[test]
fn a_served_plan_runs_under_the_lua_limits_given() {
    let server = Server::start(&["--lua-time", "250ms"]);
    let answer = server.console("while true do end");
    assert_eq!(answer["status"], "error", "{answer}");
    let error = answer["error"].as_str().unwrap();
    assert!(error.contains("time budget exceeded (250 ms)"), "{error}");
    assert_eq!(server.console("1 + 1")["output"], "2\n", "the state stays usable");
}

#[test]
fn planhost_reload_is_an_error_outside_a_served_plan() {
    let dir = TempDir::new("cli-reload");
    let script = dir.path().join("reload.lua");
    std::fs::write(&script, "planhost.reload()").unwrap();
    let output = run(&["run", "--plan", dir.path().to_str().unwrap(), script.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("reload.lua:1: planhost.reload works in a served plan (planhost serve)"),
        "{stderr}"
    );
}

/// The text of `line` from character `column` on.
fn from_column(line: &str, column: usize) -> String {
    line.chars().skip(column).collect()
}

#[test]
fn plugins_lists_in_columns_that_fit_and_exits_1_when_a_plugin_failed() {
    assert_eq!(run(&["plugins"]).status.code(), Some(0), "the built-ins alone all load");

    let dir = TempDir::new("cli-plugins");
    // A source path far longer than the table's columns used to be.
    let folder = dir.path().join("a-plugins-folder-whose-path-runs-long");
    std::fs::create_dir(&folder).unwrap();
    let garbage = folder.join("x.wasm");
    std::fs::write(&garbage, b"garbage bytes, no component").unwrap();
    let output = run(&["plugins", "--plugins", folder.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "a failed load is status 1:\n{stdout}\n{stderr}");
    assert!(stderr.contains("planhost: 1 plugin failed to load"), "{stderr}");

    // Everything is listed all the same, each column under its head.
    let header = stdout.lines().next().expect("a header line");
    let column = |name: &str| {
        header.find(name).unwrap_or_else(|| panic!("no {name} in the header:\n{stdout}"))
    };
    for line in stdout.lines().skip(1) {
        let chars: Vec<char> = line.chars().collect();
        for name in ["VERSION", "VIEWS", "SOURCE", "STATUS"] {
            let at = column(name);
            assert!(
                chars.get(at - 1) == Some(&' ') && chars.get(at).is_some_and(|c| *c != ' '),
                "{name} of {line:?} does not start under its head:\n{stdout}"
            );
        }
    }
    let row = |name: &str| {
        stdout
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{stdout}"))
    };
    for built_in in ["table", "tracks", "staff", "chart"] {
        assert!(from_column(row(built_in), column("SOURCE")).starts_with("built-in "), "{stdout}");
        assert_eq!(from_column(row(built_in), column("STATUS")), "ok", "{stdout}");
    }
    let failed = row("x");
    let source = garbage.to_str().unwrap();
    assert!(from_column(failed, column("SOURCE")).starts_with(source), "{stdout}");
    assert_ne!(from_column(failed, column("STATUS")), "ok", "{stdout}");
}
