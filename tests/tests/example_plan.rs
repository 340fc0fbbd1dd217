//! The example plan in `examples/quarter`: its Lua tests pass under
//! `planhost run --plan` (and print the same under Debian's `lua5.4`), a
//! failing assertion fails the script with the test's file and line, and
//! the plan itself loads on the Lua thread, serves its four views as JSON
//! in the renderers' shapes and answers the planning commands at the
//! console.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use planhost::lua::runtime::Budget;
use planhost::lua::sandbox::Sandbox;
use planhost::lua::thread::{self, ConsoleOutcome, ConsoleReply, LuaHandle, Reloaded};
use planhost_tests::{TempDir, planhost_bin};
use serde_json::{Value, json};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn example() -> PathBuf {
    workspace().join("examples/quarter")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `planhost run --plan PLAN SCRIPT`, from the workspace root. (The tests'
/// wall-clock budget is a minute, not the interactive 5 seconds: the
/// property tests take seconds in a debug build, longer on a busy machine;
/// the instruction budget still stops a runaway script.)
fn run_in_plan(plan: &Path, script: &Path) -> Output {
    Command::new(planhost_bin())
        .current_dir(workspace())
        .arg("run")
        .args(["--lua-time", "60s"])
        .arg("--plan")
        .arg(plan)
        .arg(script)
        .env("RUST_LOG", "planhost=warn")
        .stdin(Stdio::null())
        .output()
        .expect("running planhost")
}

/// The plan's Lua tests, `tests/*.lua`, sorted.
fn lua_tests() -> Vec<PathBuf> {
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(example().join("tests"))
        .expect("examples/quarter/tests")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "lua"))
        .collect();
    scripts.sort();
    scripts
}

/// Every Lua test passes and ends with its one-line summary. The scripts
/// use no planhost API, so Debian's `lua5.4`, run from the plan directory,
/// prints exactly the same. One test runs them all in turn: some save
/// into the plan's `tests/tmp/` scratch folders.
/// View data as the Lua thread writes it, parsed.
fn parsed(text: String) -> serde_json::Value {
    serde_json::from_str(&text).expect("view data is JSON")
}

#[test]
fn lua_tests_pass_and_match_lua54() {
    let lua = Path::new("/usr/bin/lua5.4");
    assert!(lua.exists(), "lua5.4 is missing: run .ci/setup (it installs Debian's lua5.4)");
    let scripts = lua_tests();
    let names: Vec<String> =
        scripts.iter().map(|s| s.file_stem().unwrap().to_string_lossy().into_owned()).collect();
    for expected in
        ["test_estimates", "test_plan", "test_roundtrip", "test_shell", "test_tsv", "test_views"]
    {
        assert!(names.iter().any(|n| n == expected), "{expected}.lua missing from {names:?}");
    }
    for (script, name) in scripts.iter().zip(&names) {
        let output = run_in_plan(&example(), script);
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert!(output.status.success(), "{name} failed under planhost:\n{stdout}{stderr}");
        assert!(stderr.is_empty(), "{name} wrote to stderr: {stderr}");
        let summary = stdout.lines().last().unwrap_or_default();
        let count = summary
            .strip_prefix(&format!("{name}: "))
            .and_then(|rest| rest.strip_suffix(" passed"))
            .and_then(|n| n.parse::<u32>().ok());
        assert!(count.is_some_and(|n| n > 0), "{name}: unexpected summary {summary:?}");

        let reference = Command::new(lua)
            .current_dir(example())
            .arg(Path::new("tests").join(script.file_name().unwrap()))
            .stdin(Stdio::null())
            .output()
            .expect("running lua5.4");
        assert!(
            reference.status.success(),
            "{name} failed under lua5.4:\n{}{}",
            text(&reference.stdout),
            text(&reference.stderr)
        );
        assert_eq!(
            text(&reference.stdout),
            stdout,
            "{name}: lua5.4 and planhost print differently"
        );
    }
    // The tests clean up their scratch space.
    for folder in ["tests/tmp/shell", "tests/tmp/roundtrip"] {
        let left: Vec<_> = std::fs::read_dir(example().join(folder))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != ".gitignore")
            .collect();
        assert!(left.is_empty(), "{folder} left behind {left:?}");
    }
}

/// A failing assertion fails the script (exit 1) and names the test's
/// file and line; the other cases still run and the summary counts them.
#[test]
fn a_failing_assertion_exits_nonzero_with_file_and_line() {
    let dir = TempDir::new("example-plan-bad");
    std::fs::create_dir_all(dir.path().join("tests/lib")).unwrap();
    std::fs::copy(example().join("tests/lib/check.lua"), dir.path().join("tests/lib/check.lua"))
        .unwrap();
    let script = dir.path().join("tests/test_bad.lua");
    std::fs::write(
        &script,
        "local check = require(\"tests.lib.check\")\n\
         local t = check.suite(\"test_bad\")\n\
         t.case(\"passes\", function() check.eq({ 1, 2 }, { 1, 2 }) end)\n\
         t.case(\"fails\", function()\n\
         \x20 check.eq({ weeks = 13 }, { weeks = 13.5 }, \"supply\")\n\
         end)\n\
         t.done()\n",
    )
    .unwrap();
    let output = run_in_plan(dir.path(), &script);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    let shown = script.display();
    assert!(
        stderr.contains(&format!(
            "FAIL test_bad: fails: {shown}:5: supply: at .weeks: expected 13.5, got 13\n"
        )),
        "{stderr}"
    );
    assert!(stderr.ends_with("planhost: test_bad: 1 failed, 1 passed\n"), "{stderr}");
    assert!(text(&output.stdout).is_empty());

    // Outside a case, the first failure is the script's uncaught error.
    let top = dir.path().join("tests/test_top.lua");
    std::fs::write(
        &top,
        "local check = require(\"tests.lib.check\")\ncheck.raises(function() end, \"boom\")\n",
    )
    .unwrap();
    let output = run_in_plan(dir.path(), &top);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!("planhost: {}:2: expected an error containing \"boom\", got none\n", top.display())
    );
}

/// A copy of the plan (its Lua and data files, not its tests) in a fresh
/// directory, and a Lua thread sandboxed to it, as `planhost serve` runs it.
fn plan_copy() -> (TempDir, LuaHandle) {
    let dir = TempDir::new("example-plan");
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    for name in ["plan.lua", "work.tsv", "people.tsv", "plan.tsv"] {
        std::fs::copy(example().join(name), dir.path().join(name)).unwrap();
    }
    for entry in std::fs::read_dir(example().join("lib")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join("lib").join(path.file_name().unwrap())).unwrap();
    }
    let sandbox = Sandbox::new(dir.path(), false).unwrap();
    let lua = thread::spawn(Budget::default(), sandbox, None).unwrap();
    (dir, lua)
}

fn number_map(value: &Value, at: &str) {
    // An empty Lua table arrives as [].
    if value.as_array().is_some_and(|a| a.is_empty()) {
        return;
    }
    let map = value.as_object().unwrap_or_else(|| panic!("{at}: object expected, got {value}"));
    for (key, weeks) in map {
        assert!(weeks.is_number(), "{at}.{key}: number expected, got {weeks}");
    }
}

/// `with_running`: the item carries its running demand (the chart's items;
/// the other views leave it out, as their renderers do not show it).
fn check_item(item: &Value, rank: u64, with_running: bool) {
    let at = format!("item at rank {rank}");
    assert!(item["id"].is_u64(), "{at}: id {}", item["id"]);
    assert!(item["name"].is_string(), "{at}: name");
    assert_eq!(item["rank"], json!(rank), "{at}: rank");
    number_map(&item["estimates"], &format!("{at}.estimates"));
    if with_running {
        assert!(item.get("running").is_some(), "{at}: no running demand");
        number_map(&item["running"], &format!("{at}.running"));
    } else {
        assert!(item.get("running").is_none(), "{at}: running {}", item["running"]);
    }
    assert!(item["track"].is_null() || item["track"].is_string(), "{at}: track");
    assert!(item["triage"].is_null() || item["triage"].is_number(), "{at}: triage");
    for short in item["short"].as_array().unwrap_or_else(|| panic!("{at}: short")) {
        assert!(short["skill"].is_string() && short["weeks"].is_number(), "{at}: {short}");
    }
}

const SKILLS: [&str; 5] = ["Native", "Web", "Apps", "Server", "QA"];

#[test]
fn the_plan_serves_its_views_in_the_renderers_shapes() {
    let (dir, lua) = plan_copy();
    smol::block_on(async {
        let Reloaded::Loaded(printed) = lua.reload(dir.path().join("plan.lua")).await.unwrap()
        else {
            panic!("a first load runs the plan");
        };
        assert!(
            printed.starts_with(
                "plan 2026Q1: 60 ranked items, 30 people, 13 weeks; cutline 42, feasible line 32\n"
            ),
            "{printed}"
        );
        assert_eq!(lua.views().await, ["work", "tracks", "staff", "chart"]);
        let plan = json!({"name": "2026Q1", "weeks": 13, "cutline": 42, "feasible_line": 32});

        for name in ["work", "chart"] {
            let view = parsed(lua.view_data(name).await.unwrap());
            assert_eq!(view["plan"], plan, "{name}");
            assert_eq!(view["skills"], json!(SKILLS), "{name}");
            assert_eq!(
                view["supply"],
                json!({"Native": 101.4, "Web": 97.5, "Apps": 39, "Server": 93.6, "QA": 58.5})
            );
            let items = view["items"].as_array().unwrap();
            assert_eq!(items.len(), 60);
            for (i, item) in items.iter().enumerate() {
                let rank = i as u64 + 1;
                check_item(item, rank, name == "chart");
                let short = !item["short"].as_array().unwrap().is_empty();
                assert_eq!(short, (33..=42).contains(&rank), "{name}: short at rank {rank}");
            }
            assert_eq!(
                items[41]["short"],
                json!([{"skill": "Server", "weeks": 12.4}, {"skill": "QA", "weeks": 0.5}])
            );
        }

        let tracks = parsed(lua.view_data("tracks").await.unwrap());
        assert_eq!(tracks["plan"], plan);
        let names: Vec<&str> = tracks["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Growth", "Onboarding", "Payments", "Platform", "(none)"]);
        for track in tracks["tracks"].as_array().unwrap() {
            number_map(&track["demand"], "track demand");
            for group in track["triage"].as_array().unwrap() {
                assert!(group["count"].is_u64(), "{group}");
                assert!(group["triage"].is_null() || group["triage"].is_number(), "{group}");
                number_map(&group["demand"], "triage demand");
            }
            for item in track["items"].as_array().unwrap() {
                check_item(item, item["rank"].as_u64().unwrap(), false);
            }
        }

        let staff = parsed(lua.view_data("staff").await.unwrap());
        assert_eq!(staff["plan"], plan);
        assert_eq!(staff["skills"], json!(SKILLS));
        let people = staff["people"].as_array().unwrap();
        assert_eq!(people.len(), 30);
        assert_eq!(
            people[3],
            json!({"id": 4, "name": "Dara Okafor", "skills": {"Native": 0.5, "QA": 0.5},
                   "track": "Payments"})
        );
        assert_eq!(
            staff["demand"],
            json!({"Native": 67, "Web": 66, "Apps": 25, "Server": 106, "QA": 59})
        );
    });
}

fn done(printed: &str) -> ConsoleReply {
    ConsoleReply { printed: printed.into(), outcome: ConsoleOutcome::Done, reloaded: None }
}

fn failed(message: &str) -> ConsoleReply {
    ConsoleReply {
        printed: String::new(),
        outcome: ConsoleOutcome::Failed(message.into()),
        reloaded: None,
    }
}

#[test]
fn a_planning_meeting_at_the_console() {
    let (dir, lua) = plan_copy();
    let original = std::fs::read_to_string(dir.path().join("work.tsv")).unwrap();
    smol::block_on(async {
        lua.reload(dir.path().join("plan.lua")).await.unwrap();
        assert_eq!(
            lua.console("add(\"Card freeze\", \"Native:S,Web:S,Server:S\", \"track:Payments\")")
                .await,
            done("added 61 'Card freeze' at rank 61\n61\n")
        );
        assert_eq!(
            lua.console("est(61, \"Native\", \"2S\", \"QA\", \"S\")").await,
            done(
                "61 'Card freeze': Native:2S,Web:S,Server:S,QA:S \
                 (Native 2, Web 1, Server 1, QA 1)\n"
            )
        );
        assert_eq!(lua.console("triage(61, 1)").await, done("61 'Card freeze': triage 1\n"));
        assert_eq!(
            lua.console("rank(61, 1)").await,
            done("61 'Card freeze': rank 61 -> 1 (cutline 42, feasible line 33)\n")
        );
        assert_eq!(lua.console("cut(33)").await, done("cutline 42 -> 33 (feasible line 33)\n"));
        assert_eq!(
            lua.console("feasible()").await,
            done("feasible line 33 (cutline 33): every committed item can be staffed\n")
        );
        let work = parsed(lua.view_data("work").await.unwrap());
        assert_eq!(work["plan"]["cutline"], json!(33));
        assert_eq!(work["items"][0]["name"], json!("Card freeze"));
        assert_eq!(work["items"][0]["triage"], json!(1));

        assert_eq!(lua.console("show(99)").await, failed("show: no work item 99"));
        assert_eq!(
            lua.console("est(3, \"Web\", \"XL\")").await,
            failed(
                "est: bad size 'XL' for Web in 3 'Self-service refunds': \
                 use S, M, L or Q with an optional factor, e.g. M or 2L"
            )
        );
        assert_eq!(
            lua.console("up(3, -1)").await,
            failed(
                "up: bad number of places '-1' for 3 'Self-service refunds' \
                 (a whole number, 0 or more)"
            )
        );
        assert_eq!(lua.console("cut(99)").await, failed("cut: cutline 99 is out of range 0..61"));

        assert_eq!(
            lua.console("save()").await,
            done("saved work.tsv, plan.tsv (previous versions in *.bak)\n")
        );
        assert_eq!(std::fs::read_to_string(dir.path().join("work.tsv.bak")).unwrap(), original);
        assert!(!dir.path().join("people.tsv.bak").exists());

        // A fresh state reproduces the saved plan; a broken file keeps the
        // working one.
        lua.reload(dir.path().join("plan.lua")).await.unwrap();
        assert_eq!(parsed(lua.view_data("work").await.unwrap()), work);
        std::fs::write(dir.path().join("plan.tsv"), "ID\tName\n").unwrap();
        let error = lua.reload(dir.path().join("plan.lua")).await.unwrap_err();
        assert!(error.message.contains("plan.tsv:1: missing column NumWeeks"), "{}", error.message);
        assert_eq!(parsed(lua.view_data("work").await.unwrap()), work);
    });
}

/// The views the host computes after each command are made from the last
/// round's analysis (`Plan:analyze_again`): after each command of a
/// meeting's worth of moves and edits, they are what a fresh state shows
/// after the same commands (its first views make a fresh analysis).
#[test]
fn views_made_again_after_each_command_are_those_a_fresh_state_shows() {
    let (dir, lua) = plan_copy();
    let views = ["work", "tracks", "staff", "chart"];
    let commands = [
        "rank(60, 1)",  // from the bottom to the top
        "down(60, 40)", // past the feasible line and the cutline
        "up(60)",       // one place, below the cutline
        "rank(12, 42)", // to the cutline
        "rank(12, 43)", // just past it
        "triage(5, 2)", // a row built again, the rest kept
        "rank(3, 30)",  // near the feasible line
        "tag(7, \"track\", \"Growth\")",
        "rank(44, 2)",
        "rank(55, 36)", // into the ranks short of staff
        "rank(56, 37)",
        "down(1, 59)",            // to the bottom
        "est(20, \"QA\", \"Q\")", // running demand from its rank down
        "est(20, \"QA\", \"-\")", // and back
        "rank(20, 1)",
        "up(21, 3)",
        "cut(36)",                     // the cutline up past the short rows
        "cut(45)",                     // and down
        "hire(\"Ida\", \"Server:1\")", // more Server, which rows are short of
        "assign(#session.plan.people.list, \"Server\", 0.5)", // less again
        // An item among those short of staff, more and less.
        "est(session.plan.plan.ranking[38], \"Server\", \"Q\")",
        "est(session.plan.plan.ranking[38], \"Server\", \"-\")",
        "est(9, \"Data\", \"S\")", // a skill new to the plan: a walk
    ];
    let all = |lua: LuaHandle| async move {
        let mut data = Vec::new();
        for view in views {
            data.push(parsed(lua.view_data(view).await.unwrap()));
        }
        data
    };
    let done = |reply: ConsoleReply, command: &str| {
        assert!(matches!(reply.outcome, ConsoleOutcome::Done), "{command}: {reply:?}");
    };
    smol::block_on(async {
        lua.reload(dir.path().join("plan.lua")).await.unwrap();
        let first = all(lua.clone()).await;
        for (step, command) in commands.iter().enumerate() {
            done(lua.console(command).await, command);
            let made_again = all(lua.clone()).await;
            // (A new state each time: a load runs the console commands since
            // the last one again.)
            let (fresh_dir, fresh) = plan_copy();
            fresh.reload(fresh_dir.path().join("plan.lua")).await.unwrap();
            for earlier in &commands[..=step] {
                done(fresh.console(earlier).await, earlier);
            }
            let afresh = all(fresh.clone()).await;
            for (view, (made_again, afresh)) in views.iter().zip(made_again.iter().zip(&afresh)) {
                assert_eq!(made_again, afresh, "{view} after {command}");
            }
            assert_ne!(made_again[0], first[0], "{command} changed the work view");
        }
    });
}

/// The built-in renderers accept the plan's view data: each view is
/// rendered by the built-in plugin that lists it (a plugin that does not
/// render its view yet is skipped).
#[test]
fn the_built_in_renderers_render_the_views() {
    let plugins = Command::new(planhost_bin()).arg("plugins").output().expect("planhost plugins");
    assert!(plugins.status.success());
    let listing = text(&plugins.stdout);
    // NAME VERSION VIEWS SOURCE STATUS
    let renderer_of = |view: &str| {
        listing.lines().skip(1).find_map(|line| {
            let columns: Vec<&str> = line.split_whitespace().collect();
            let lists = columns.get(2)?.split(',').any(|v| v == view);
            (lists && columns.last() == Some(&"ok")).then(|| columns[0].to_owned())
        })
    };
    let (dir, lua) = plan_copy();
    smol::block_on(async {
        lua.reload(dir.path().join("plan.lua")).await.unwrap();
        for view in ["work", "tracks", "staff", "chart"] {
            let Some(renderer) = renderer_of(view) else { continue };
            let data = lua.view_data(view).await.unwrap();
            let file = dir.path().join(format!("{view}.json"));
            std::fs::write(&file, &data).unwrap();
            let output = Command::new(planhost_bin())
                .args(["render", "--renderer", &renderer, "--view", view, "--data"])
                .arg(&file)
                .output()
                .expect("planhost render");
            let stderr = text(&output.stderr);
            if stderr.contains(&format!("cannot render view '{view}'")) {
                continue;
            }
            assert!(output.status.success(), "{renderer} on the {view} view: {stderr}");
            let html = text(&output.stdout);
            assert!(html.contains('<'), "{renderer} on the {view} view printed {html:?}");
            if view != "chart" {
                assert!(
                    html.contains("Cashback rewards") || html.contains("Dara Okafor"),
                    "{view}"
                );
            }
        }
    });
}
