//! Renderer plugins: the built-in ones, a plugins folder, and a
//! deliberately hostile plugin (endless loop, trap, unbounded allocation,
//! huge output, panic) that must never take the host or other plugins down.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use planhost::render::registry::MAX_PLUGIN_FILE_BYTES;
use planhost::render::{Registry, RenderLimits};
use planhost_tests::{
    Server, TempDir, hostile_wasm, next_json, next_message, next_view, planhost_bin, stays_quiet,
    subscribe, test_plugin_wasm, tungstenite::Message,
};

/// A plugins folder holding the hostile plugin and a file that is not wasm.
fn plugins_folder() -> TempDir {
    let dir = TempDir::new("plugins");
    std::fs::copy(hostile_wasm(), dir.path().join("hostile.wasm")).unwrap();
    std::fs::write(dir.path().join("broken.wasm"), b"\0asm this is not a component").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"ignored: not a .wasm file").unwrap();
    dir
}

const WORK: &str = r#"{"plan": {"name": "Q3", "weeks": 13, "cutline": 1, "feasible_line": 1},
  "skills": ["Web"],
  "items": [{"id": "7", "name": "<script>alert(1)</script>", "rank": 1, "estimates": {"Web": 2}}]}"#;

#[test]
fn hostile_renders_fail_cleanly_and_others_keep_working() {
    let folder = plugins_folder();
    let limits = RenderLimits::default();
    let registry = Registry::load(&[folder.path().to_owned()], limits, None).expect("registry");
    let table = || registry.render("table", "work", WORK, &[]).expect("the table plugin renders");
    let before = table();
    assert!(before.contains("data-key=\"item-7\""), "{before}");
    assert!(before.contains("&lt;script&gt;"), "plan data must be escaped: {before}");
    assert!(!before.contains("<script>"), "{before}");

    let cases = [
        ("loop", "exceeded its time limit (1000 ms)"),
        ("trap", "trapped (the plugin panicked or aborted)"),
        ("alloc", "exceeded its memory limit (64 MiB)"),
        ("huge", "exceeds the limit of 8388608 bytes"),
        // The panic's message, from the plugin's stderr.
        ("panic", "trapped (the plugin panicked at src/lib.rs:"),
        ("panic", ": the hostile plugin panics)"),
        ("invalid", "invalid view data: nothing is ever valid here"),
        ("hoard", "held more than 4096 host resources at once"),
        ("missing-view", "cannot render view 'missing-view'"),
    ];
    for (view, expected) in cases {
        let failure = registry.render("hostile", view, "{}", &[]).unwrap_err();
        assert_eq!(failure.plugin, "hostile");
        assert!(failure.reason.contains(expected), "{view}: {failure}");
        // Every other plugin is untouched by what just happened.
        assert_eq!(table(), before, "after {view}");
    }
    // Each render gets a fresh instance: nothing survives from the last one.
    for _ in 0..3 {
        assert_eq!(
            registry.render("hostile", "echo", "{}", &[]).unwrap(),
            "<p data-key=\"echo\">2 call 1</p>"
        );
    }
    let missing = registry.render("nope", "work", WORK, &[]).unwrap_err();
    assert_eq!(missing.to_string(), "plugin 'nope': no such renderer");
}

#[test]
fn a_render_blocked_in_a_sleep_ends_at_its_deadline() {
    let folder = plugins_folder();
    let registry = std::sync::Arc::new(
        Registry::load(&[folder.path().to_owned()], RenderLimits::default(), None)
            .expect("registry"),
    );
    // The plugin sleeps for an hour in the host (a WASI clock subscription),
    // where the epoch deadline cannot reach it. A minute here only bounds
    // the wait for a render that never ends; it is not a speed check.
    let (sender, receiver) = std::sync::mpsc::channel();
    let sleeper = registry.clone();
    std::thread::spawn(move || sender.send(sleeper.render("hostile", "sleep", "{}", &[])));
    let outcome = receiver.recv_timeout(Duration::from_secs(60));
    let failure = outcome.expect("the sleeping render to end").unwrap_err();
    assert!(failure.reason.contains("exceeded its time limit (1000 ms)"), "{failure}");
    // A sleep within the deadline just sleeps.
    let napped = registry.render("hostile", "nap", "{}", &[]).expect("a short sleep renders");
    assert_eq!(napped, "<p data-key=\"nap\">rested</p>");
}

/// What `planhost plugins --plugins FOLDER` prints, for a folder where a
/// plugin fails to load (the command then exits 1, having listed them all).
fn plugins_listing(folder: &Path) -> String {
    let output = Command::new(planhost_bin())
        .arg("plugins")
        .arg("--plugins")
        .arg(folder)
        .output()
        .expect("planhost plugins");
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn listing_shows_sources_and_load_errors() {
    let folder = plugins_folder();
    let text = plugins_listing(folder.path());
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing from:\n{text}"))
            .to_owned()
    };
    assert!(line("table").contains("built-in") && line("table").ends_with("ok"), "{text}");
    let hostile = line("hostile");
    assert!(hostile.contains("hostile.wasm") && hostile.ends_with("ok"), "{hostile}");
    let broken = line("broken");
    assert!(broken.contains("broken.wasm") && !broken.ends_with(" ok"), "{broken}");
    assert!(!text.contains("notes"), "{text}");
    // One line per plugin, however long the load error.
    assert_eq!(text.lines().count(), 7, "a header, four built-ins, two files:\n{text}");
}

#[test]
fn a_second_file_of_a_plugins_name_and_a_pipe_are_refused_without_hanging() {
    let folder = TempDir::new("plugins-same-name");
    std::fs::copy(hostile_wasm(), folder.path().join("a.wasm")).unwrap();
    std::fs::copy(hostile_wasm(), folder.path().join("b.wasm")).unwrap();
    let pipe = folder.path().join("pipe.wasm");
    let made = Command::new("mkfifo").arg(&pipe).status().unwrap();
    assert!(made.success());
    let registry = Registry::load(&[folder.path().to_owned()], RenderLimits::default(), None)
        .expect("the folder loads");
    let list = registry.list();
    let of = |file: &str| {
        list.iter()
            .find(|p| p.source.ends_with(file))
            .unwrap_or_else(|| panic!("{file} missing from {list:?}"))
    };
    assert_eq!(of("a.wasm").status, "ok");
    let a = folder.path().join("a.wasm");
    assert_eq!(of("b.wasm").name, "hostile");
    assert_eq!(of("b.wasm").status, format!("the name 'hostile' is taken by {}", a.display()));
    assert_eq!(of("pipe.wasm").status, "not a regular file");
}

#[test]
fn render_command_prints_html_or_a_clear_error() {
    let folder = plugins_folder();
    let data = folder.path().join("work.json");
    std::fs::write(&data, WORK).unwrap();
    let render = |renderer: &str, view: &str| {
        Command::new(planhost_bin())
            .args(["render", "--renderer", renderer, "--view", view, "--data"])
            .arg(&data)
            .arg("--plugins")
            .arg(folder.path())
            .output()
            .expect("planhost render")
    };
    let ok = render("table", "work");
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("<table id=\"work-table\""));
    let looping = render("hostile", "loop");
    assert_eq!(looping.status.code(), Some(1));
    // The broken file in the folder is logged first; the verdict comes last.
    let stderr = String::from_utf8_lossy(&looping.stderr);
    assert_eq!(
        stderr.trim().lines().last(),
        Some("planhost: plugin 'hostile': exceeded its time limit (1000 ms)"),
        "{stderr}"
    );
    let missing_data = Command::new(planhost_bin())
        .args(["render", "--renderer", "table", "--view", "work", "--data", "/nonexistent.json"])
        .output()
        .unwrap();
    assert_eq!(missing_data.status.code(), Some(2));
}

#[test]
fn the_server_lists_its_plugins() {
    let server = Server::start(&[]);
    let plugins = server.get("/api/plugins").json();
    let table = plugins.as_array().unwrap().iter().find(|p| p["name"] == "table").expect("table");
    assert_eq!(table["source"], "built-in");
    assert_eq!(table["status"], "ok");
    assert_eq!(table["views"], serde_json::json!(["work"]));
}

/// Polls `GET /api/plugins` until `check` holds, failing after 10 s.
fn wait_plugins(server: &Server, what: &str, check: impl Fn(&[serde_json::Value]) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let list = server.get("/api/plugins").json();
        if check(list.as_array().unwrap()) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: {list}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn plugins_swap_while_serving_and_a_broken_file_keeps_the_old_version() {
    let plan = TempDir::new("swap-plan");
    std::fs::write(
        plan.path().join("plan.lua"),
        "n = 1 planhost.view('echo', function() return {n = n} end)",
    )
    .unwrap();
    let folder = TempDir::new("swap-plugins");
    let folder_arg = folder.path().to_str().unwrap().to_owned();
    let server = Server::start_in(plan, &["--plugins", &folder_arg]);
    let file = folder.path().join("hostile.wasm");
    smol::block_on(async {
        let mut view = server.ws().await;
        subscribe(&mut view, "view/echo/hostile", None).await;
        let (_, envelope) = next_view(&mut view).await;
        assert_eq!(envelope["html"], serde_json::Value::Null);
        assert_eq!(envelope["error"]["source"], "plugin");
        assert_eq!(envelope["error"]["message"], "plugin 'hostile': no such renderer");
        let mut errors = server.ws().await;
        subscribe(&mut errors, "plugins/errors", None).await;
        assert_eq!(next_json(&mut errors).await["data"], "[]");

        // A new plugin appears: the view renders with it.
        let staging = folder.path().join("hostile.wasm.part");
        std::fs::copy(hostile_wasm(), &staging).unwrap();
        std::fs::rename(&staging, &file).unwrap();
        let (_, envelope) = next_view(&mut view).await;
        assert_eq!(envelope["html"], "<p data-key=\"echo\">7 call 1</p>");
        assert_eq!(envelope["error"], serde_json::Value::Null);
        let source = file.to_str().unwrap();
        wait_plugins(&server, "hostile listed", |list| {
            list.iter().any(|p| p["name"] == "hostile" && p["source"] == source)
        });
        assert_eq!(next_json(&mut errors).await["data"], "[]");

        // The file is broken by a bad build: reported, the old one serves.
        std::fs::write(&file, b"\0asm\x0d\0\x01\0 truncated component").unwrap();
        let failures: serde_json::Value =
            serde_json::from_str(next_json(&mut errors).await["data"].as_str().unwrap()).unwrap();
        assert_eq!(failures[0]["name"], "hostile");
        assert_eq!(failures[0]["source"], source);
        assert!(!failures[0]["status"].as_str().unwrap().is_empty());
        let list = server.get("/api/plugins").json();
        let hostile: Vec<_> =
            list.as_array().unwrap().iter().filter(|p| p["name"] == "hostile").collect();
        assert_eq!(hostile.len(), 2, "the serving version and the failure: {list}");
        assert!(hostile.iter().any(|p| p["status"] == "ok"));
        assert_eq!(server.console("n = 22")["status"], "ok");
        let (_, envelope) = next_view(&mut view).await;
        assert_eq!(envelope["html"], "<p data-key=\"echo\">8 call 1</p>", "the old version");

        // Removed: the view keeps its last HTML and says why it is stale.
        std::fs::remove_file(&file).unwrap();
        let (_, envelope) = next_view(&mut view).await;
        assert_eq!(envelope["html"], "<p data-key=\"echo\">8 call 1</p>");
        assert_eq!(envelope["error"]["message"], "plugin 'hostile': no such renderer");
        assert_eq!(next_json(&mut errors).await["data"], "[]");
        wait_plugins(&server, "hostile gone", |list| list.iter().all(|p| p["name"] != "hostile"));
    });
}

#[test]
fn a_plugin_change_reloads_once_and_a_folder_made_again_is_watched_again() {
    let plan = TempDir::new("again-plan");
    std::fs::write(
        plan.path().join("plan.lua"),
        "n = 1 planhost.view('echo', function() return {n = n} end)",
    )
    .unwrap();
    let folder = TempDir::new("again-plugins");
    std::fs::copy(hostile_wasm(), folder.path().join("hostile.wasm")).unwrap();
    let folder_arg = folder.path().to_str().unwrap().to_owned();
    let server = Server::start_in(plan, &["--plugins", &folder_arg]);
    smol::block_on(async {
        let mut errors = server.ws().await;
        subscribe(&mut errors, "plugins/errors", None).await;
        assert_eq!(next_json(&mut errors).await["data"], "[]");

        // One change, one reload: loading the plugins reads their files,
        // and a read must not count as a change (it did: ten reloads a
        // second, for ever).
        let file =
            std::fs::File::options().append(true).open(folder.path().join("hostile.wasm")).unwrap();
        file.set_modified(std::time::SystemTime::now()).unwrap();
        drop(file);
        assert_eq!(next_json(&mut errors).await["data"], "[]");
        assert!(stays_quiet(&mut errors, Duration::from_millis(1500)).await, "reloaded again");

        // The folder deleted and made again (a clean build does that):
        // deleted, its plugins go with it and it is listed as failed; made
        // again, it is watched again.
        std::fs::remove_dir_all(folder.path()).unwrap();
        let failures: serde_json::Value =
            serde_json::from_str(next_json(&mut errors).await["data"].as_str().unwrap()).unwrap();
        assert_eq!(failures[0]["source"], folder_arg.as_str(), "{failures}");
        assert!(failures[0]["status"].as_str().unwrap().contains("No such file"), "{failures}");
        let listed = server.get("/api/plugins").json();
        assert!(!listed.as_array().unwrap().iter().any(|p| p["name"] == "hostile"), "{listed}");
        std::fs::create_dir(folder.path()).unwrap();
        std::fs::copy(hostile_wasm(), folder.path().join("hostile.wasm")).unwrap();
        assert_eq!(next_json(&mut errors).await["data"], "[]");
        // And it is watched: a change in the new folder is seen.
        std::fs::write(folder.path().join("broken.wasm"), b"\0asm not a component").unwrap();
        let failures: serde_json::Value =
            serde_json::from_str(next_json(&mut errors).await["data"].as_str().unwrap()).unwrap();
        assert_eq!(failures[0]["name"], "broken", "{failures}");
    });
}

/// The `info` features of `tests/plugins/misfit`, each a component of its
/// own.
const MISFIT_INFO_FEATURES: [&str; 6] =
    ["info-loop", "info-panic", "info-alloc", "info-out-of-bounds", "info-sleep", "long-name"];

/// `tests/plugins/misfit`, built with `feature` if one is given.
fn misfit_wasm(feature: Option<&str>) -> PathBuf {
    test_plugin_wasm("misfit", feature)
}

/// A built-in plugin's component as the build left it.
fn builtin_wasm(name: &str) -> PathBuf {
    // planhost_bin is target/<profile>/planhost; host/build.rs builds the
    // built-ins into target/wasm-plugins.
    let target = planhost_bin().parent().and_then(Path::parent).expect("target dir");
    target.join(format!("wasm-plugins/wasm32-wasip2/plugin/planhost_plugin_{name}.wasm"))
}

#[test]
fn removing_a_file_that_overrode_a_built_in_brings_the_built_in_back() {
    let plan = TempDir::new("override-plan");
    std::fs::write(
        plan.path().join("plan.lua"),
        "planhost.view('work', function() return {plan = {name = 'Q3', weeks = 13, \
         cutline = 1, feasible_line = 1}, skills = {'Web'}, items = {{id = '7', \
         name = 'Seven', rank = 1, estimates = {Web = 2}}}} end)",
    )
    .unwrap();
    let folder = TempDir::new("override-plugins");
    for name in ["table", "chart"] {
        std::fs::copy(builtin_wasm(name), folder.path().join(format!("{name}.wasm"))).unwrap();
    }
    let folder_arg = folder.path().to_str().unwrap().to_owned();
    let server = Server::start_in(plan, &["--plugins", &folder_arg]);
    let source_of = |name: &str| {
        let list = server.get("/api/plugins").json();
        let plugin = list.as_array().unwrap().iter().find(|p| p["name"] == name).cloned();
        plugin.unwrap_or_else(|| panic!("{name} missing from {list}"))["source"].clone()
    };
    for name in ["table", "chart"] {
        assert_eq!(source_of(name), folder.path().join(format!("{name}.wasm")).to_str().unwrap());
    }
    smol::block_on(async {
        let mut errors = server.ws().await;
        subscribe(&mut errors, "plugins/errors", None).await;
        assert_eq!(next_json(&mut errors).await["data"], "[]");

        std::fs::remove_file(folder.path().join("table.wasm")).unwrap();
        std::fs::remove_file(folder.path().join("chart.wasm")).unwrap();
        assert_eq!(next_json(&mut errors).await["data"], "[]");
        // Both removals may take more than one reload to be seen.
        wait_plugins(&server, "the built-ins back", |list| {
            ["table", "chart"]
                .iter()
                .all(|name| list.iter().any(|p| p["name"] == *name && p["source"] == "built-in"))
        });
        assert_eq!(
            server.get("/api/views").json(),
            serde_json::json!([{"name": "work", "renderers": ["table"]}])
        );
        // A watcher of the view gets the built-in's HTML, not an error.
        let mut view = server.ws().await;
        subscribe(&mut view, "view/work/table", None).await;
        let (_, envelope) = next_view(&mut view).await;
        assert_eq!(envelope["error"], serde_json::Value::Null, "{envelope}");
        assert!(envelope["html"].as_str().unwrap().contains("data-key=\"item-7\""), "{envelope}");
    });
}

#[test]
fn a_plugin_file_over_the_size_limit_is_refused_unread() {
    let folder = TempDir::new("plugins-too-large");
    // Sparse: a component header, then a hole up to one byte over the limit.
    let path = folder.path().join("big.wasm");
    std::fs::write(&path, b"\0asm\x0d\0\x01\0").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(MAX_PLUGIN_FILE_BYTES + 1)
        .unwrap();
    let expected = "too large: 67108865 bytes, over the limit of 67108864 bytes (64 MiB)";
    let status_of_big = |registry: &Registry| {
        let list = registry.list();
        let big = list.iter().find(|p| p.name == "big").cloned();
        big.unwrap_or_else(|| panic!("big missing from {list:?}")).status
    };
    let folders = [folder.path().to_owned()];
    let registry = Registry::load(&folders, RenderLimits::default(), None).expect("registry");
    assert_eq!(status_of_big(&registry), expected, "at start");
    assert_eq!(status_of_big(&registry.reload(&folders).unwrap()), expected, "on reload");

    let text = plugins_listing(folder.path());
    let line = text.lines().find(|l| l.starts_with("big ")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.ends_with(expected), "{line}");
}

#[test]
fn output_is_capped_as_it_is_sent_not_as_raw_bytes() {
    let folder = TempDir::new("plugins-escaped");
    std::fs::copy(misfit_wasm(None), folder.path().join("misfit.wasm")).unwrap();
    let registry = Registry::load(&[folder.path().to_owned()], RenderLimits::default(), None)
        .expect("registry");
    assert!(registry.failures().is_empty(), "{:?}", registry.failures());
    // Plain text right at the cap still renders.
    assert_eq!(registry.render("misfit", "fill", "{}", &[]).expect("at the cap").len(), 8 << 20);
    let quotes = registry.render("misfit", "quotes", "{}", &[]).unwrap_err();
    assert_eq!(
        quotes.to_string(),
        "plugin 'misfit': output of 2097153 bytes is 8388612 bytes as sent (the HTML travels as a \
         JSON string inside a JSON string: quotes, backslashes and control characters are escaped \
         twice), which exceeds the limit of 8388608 bytes"
    );

    // Served: the watcher gets a short error, not 56 MB of escaped NULs.
    let plan = TempDir::new("escaped-plan");
    std::fs::write(plan.path().join("plan.lua"), "planhost.view('nul', function() return {} end)")
        .unwrap();
    let folder_arg = folder.path().to_str().unwrap().to_owned();
    let server = Server::start_in(plan, &["--plugins", &folder_arg]);
    smol::block_on(async {
        let mut view = server.ws().await;
        subscribe(&mut view, "view/nul/misfit", None).await;
        let Some(Message::Text(text)) = next_message(&mut view, Duration::from_secs(10)).await
        else {
            panic!("no text frame for view/nul/misfit");
        };
        assert!(text.len() < 1000, "a frame of {} bytes", text.len());
        let frame: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
        let envelope: serde_json::Value =
            serde_json::from_str(frame["data"].as_str().unwrap()).unwrap();
        assert_eq!(envelope["html"], serde_json::Value::Null);
        assert_eq!(envelope["error"]["source"], "plugin");
        assert_eq!(
            envelope["error"]["message"],
            "plugin 'misfit': output of 8000000 bytes is 56000000 bytes as sent (the HTML travels as \
             a JSON string inside a JSON string: quotes, backslashes and control characters are \
             escaped twice), which exceeds the limit of 8388608 bytes"
        );
    });
}

#[test]
fn an_info_call_that_fails_is_listed_as_clearly_as_a_failed_render() {
    let folder = TempDir::new("plugins-bad-info");
    for feature in MISFIT_INFO_FEATURES {
        std::fs::copy(misfit_wasm(Some(feature)), folder.path().join(format!("{feature}.wasm")))
            .unwrap();
    }
    let registry = Registry::load(&[folder.path().to_owned()], RenderLimits::default(), None)
        .expect("registry");
    let status_of = |name: &str| {
        let failures = registry.failures();
        let failure = failures.iter().find(|f| f.name == name).cloned();
        failure.unwrap_or_else(|| panic!("{name} missing from {failures:?}")).status
    };
    assert_eq!(status_of("info-loop"), "its info call exceeded its time limit (1000 ms)");
    let panicked = status_of("info-panic");
    assert!(panicked.starts_with("its info call trapped (the plugin panicked at src/lib.rs:"));
    assert!(panicked.ends_with(": the misfit plugin panics in info)"), "{panicked}");
    // Blocked in the host (an hour's sleep), out of the epoch's reach.
    assert_eq!(status_of("info-sleep"), "its info call exceeded its time limit (1000 ms)");
    // It would name a renderer in topics and URLs, which take at most 64.
    assert_eq!(
        status_of("long-name"),
        format!("plugin name \"{}\" must be 1 to 64 letters, digits, '-' or '_'", "m".repeat(65))
    );
    assert_eq!(status_of("info-alloc"), "its info call exceeded its memory limit (64 MiB)");
    assert_eq!(
        status_of("info-out-of-bounds"),
        "its info call trapped: out of bounds memory access"
    );
    assert!(!registry.has("misfit"));
}
