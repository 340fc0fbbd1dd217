//! The live loop of a real `planhost serve`: console commands, edits on
//! disk, Lua and plugin errors, reconnects, view pages, `planhost shell`
//! and `planhost render` on a plan directory.

use std::process::Command;
use std::time::{Duration, Instant};

use async_tungstenite::tungstenite::Message;
use planhost::patch::Patch;
use planhost_tests::{
    Server, TempDir, Ws, next_json, next_message, next_view, planhost_bin, send_json, shell_in,
    stays_quiet, subscribe, view_message,
};
use serde_json::{Value, json};

const PLAN: &str = r#"
local function load_items()
  local items = {}
  for line in io.lines("items.txt") do
    local id, name, web = line:match("^(%d+)\t([^\t]+)\t(%d+)$")
    if id then
      items[#items + 1] = {id = tonumber(id), name = name, estimates = {Web = tonumber(web)}}
    end
  end
  return items
end
reload_items = load_items
items = load_items()

function rank(id, position)
  for i, item in ipairs(items) do
    if item.id == id then
      table.remove(items, i)
      table.insert(items, position, item)
      print(("moved %d to %d"):format(id, position))
      return
    end
  end
  error("no work item " .. id)
end

planhost.view("work", function()
  if not items then error("no items loaded") end
  local list = {}
  for i, item in ipairs(items) do
    list[i] = {id = item.id, name = item.name, rank = i, estimates = item.estimates}
  end
  return {plan = {name = "Q", weeks = 13, cutline = 2}, skills = {"Web"}, items = list}
end)
"#;

const ITEMS: &str = "1\tLogin\t2\n2\tSync\t3\n3\tSearch\t1\n";

fn plan_dir() -> TempDir {
    let dir = TempDir::new("live");
    std::fs::write(dir.path().join("plan.lua"), PLAN).unwrap();
    std::fs::write(dir.path().join("items.txt"), ITEMS).unwrap();
    dir
}

/// The work item keys of a rendered table, in order.
fn order(html: &str) -> Vec<String> {
    html.split("data-key=\"item-")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

fn html(envelope: &Value) -> &str {
    envelope["html"].as_str().unwrap_or_else(|| panic!("no html in {envelope}"))
}

async fn watchers(server: &Server, count: usize) -> Vec<Ws> {
    let mut clients = Vec::new();
    for _ in 0..count {
        let mut ws = server.ws().await;
        subscribe(&mut ws, "view/work/table", None).await;
        clients.push(ws);
    }
    clients
}

#[test]
fn a_console_command_reaches_every_subscriber_with_a_higher_rev() {
    let server = Server::start_in(plan_dir(), &[]);
    smol::block_on(async {
        let mut clients = watchers(&server, 5).await;
        let mut first = 0;
        for ws in &mut clients {
            let (rev, envelope) = next_view(ws).await;
            assert_eq!(order(html(&envelope)), ["1", "2", "3"]);
            assert_eq!(envelope["error"], Value::Null);
            first = rev;
        }
        let answer = server.console("rank(3, 1)");
        assert_eq!(answer["status"], "ok", "{answer}");
        assert_eq!(answer["output"], "moved 3 to 1\n");
        for ws in &mut clients {
            let (rev, envelope) = next_view(ws).await;
            assert!(rev > first, "rev {rev} after {first}");
            assert_eq!(order(html(&envelope)), ["3", "1", "2"]);
        }

        // A command that changes nothing the view shows publishes nothing.
        assert_eq!(server.console("unrelated = 1")["status"], "ok");
        assert!(stays_quiet(&mut clients[0], Duration::from_millis(300)).await);

        // Expressions print their values; unfinished chunks ask for more.
        assert_eq!(server.console("#items, items[1].name")["output"], "3\tSearch\n");
        assert_eq!(server.console("for i = 1, 2 do")["status"], "incomplete");
        let failed = server.console("rank(99, 1)");
        assert_eq!(failed["status"], "error");
        assert!(failed["error"].as_str().unwrap().contains("no work item 99"), "{failed}");

        // The console needs the token.
        let response = server.request("POST", "/api/console", &[], b"items = {}");
        assert_eq!(response.status, 401);
        assert_eq!(server.console("#items")["output"], "3\n", "nothing ran");
    });
}

#[test]
fn planhost_shell_attaches_to_the_running_server() {
    let server = Server::start_in(plan_dir(), &[]);
    let shell = |input: &[u8]| shell_in(server.plan_dir.path(), &[], input);
    smol::block_on(async {
        let mut clients = watchers(&server, 2).await;
        for ws in &mut clients {
            next_view(ws).await;
        }
        let (code, out, err) =
            shell(b"rank(2, 1)\nfor _, item in ipairs(items) do\n  print(item.name)\nend\n");
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(out, "moved 2 to 1\nSync\nLogin\nSearch\n");
        for ws in &mut clients {
            let (_, envelope) = next_view(ws).await;
            assert_eq!(order(html(&envelope)), ["2", "1", "3"]);
        }
    });
    let (code, out, err) = shell(b"print('before')\nerror('boom')\nprint('after')\n");
    assert_eq!(code, Some(1), "a failed line makes the status 1");
    assert_eq!(out, "before\nafter\n");
    assert!(err.contains("console:1: boom"), "{err}");
    let (code, _, err) = shell(b"for i = 1, 2 do\n");
    assert_eq!(code, Some(1));
    assert!(err.contains("unfinished"), "{err}");
    // A line that is not UTF-8 is said (and the status is 1), and the
    // lines after it run.
    let mut input = b"print('one')\r\nprint('caf".to_vec();
    input.extend_from_slice(b"\xe9')\nprint('three');\n");
    let (code, out, err) = shell(&input);
    assert_eq!(code, Some(1), "the line ran on other text: {err}");
    assert_eq!(out, "one\ncaf\u{fffd}\nthree\n");
    assert!(err.contains("line 2 is not UTF-8"), "{err}");
    // A chunk over the server's limit fails alone; the next line runs.
    let mut input = format!("s = '{}'\n", "y".repeat(1 << 20)).into_bytes();
    input.extend_from_slice(b"print('after')\n");
    let (code, out, err) = shell(&input);
    assert_eq!((code, out.as_str()), (Some(1), "after\n"), "{err}");
    assert!(err.contains("not run: the chunk is too large"), "{err}");
    // One that grew too large line by line stops the session: the lines
    // after it may be its own (here the rest of a long string), and run
    // one by one they would be commands no one typed.
    let mut input = String::from("note = [[\n");
    for _ in 0..60 {
        input.push_str(&"y".repeat(20_000));
        input.push('\n');
    }
    input.push_str("print('inside the string')\n]]\nprint('after')\n");
    let (code, out, err) = shell(input.as_bytes());
    assert_eq!((code, out.as_str()), (Some(1), ""), "{err}");
    assert!(err.contains("not run: the chunk is too large"), "{err}");
    assert!(err.contains("stopped"), "{err}");
    // One that broke before it grew too large stops where the prompt stops
    // it (its error), and the lines after run on their own.
    let row = format!("  \"{}\",\n", "x".repeat(300));
    let input =
        format!("t = {{\n{}  x = = 1,\n{}}}\nprint('after')\n", row.repeat(2100), row.repeat(1500));
    let (code, out, err) = shell(input.as_bytes());
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("console:2102:"), "{}", &err[..err.len().min(400)]);
    assert!(!err.contains("too large"), "{}", &err[..err.len().min(400)]);
    assert!(out.ends_with("after\n"), "{out}");

    // Without a server recorded in the directory: a clear error.
    let empty = TempDir::new("no-server");
    let output = Command::new(planhost_bin()).arg("shell").arg(empty.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no server recorded"));
    // A server recorded but gone (a stale .planhost): the same status.
    std::fs::create_dir(empty.path().join(".planhost")).unwrap();
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    std::fs::write(empty.path().join(".planhost/addr"), gone.to_string()).unwrap();
    std::fs::write(empty.path().join(".planhost/token"), "x").unwrap();
    let (code, _, err) = shell_in(empty.path(), &[], b"print(1)\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot reach the server"), "{err}");
    // Something on the port that never answers (a server stopped with
    // Ctrl-Z): --timeout gives up, with status 2.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std::fs::write(empty.path().join(".planhost/addr"), silent.local_addr().unwrap().to_string())
        .unwrap();
    let (code, _, err) = shell_in(empty.path(), &["--timeout", "1s"], b"print(1)\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("did not answer within 1s"), "{err}");
    drop(silent);
}

#[test]
fn an_edit_on_disk_rerenders_and_bursts_coalesce() {
    let server = Server::start_in(plan_dir(), &[]);
    smol::block_on(async {
        let mut clients = watchers(&server, 2).await;
        let mut first = 0;
        for ws in &mut clients {
            first = next_view(ws).await.0;
        }
        let file = server.plan_dir.path().join("items.txt");
        for i in 0..10 {
            std::fs::write(&file, format!("{ITEMS}4\tExport {i}\t2\n")).unwrap();
        }
        for ws in &mut clients {
            let mut seen = 0;
            loop {
                let (rev, envelope) = next_view(ws).await;
                assert!(rev > first);
                seen += 1;
                if html(&envelope).contains("Export 9") {
                    break;
                }
            }
            assert!(seen < 10, "ten writes in a burst gave {seen} renders");
            assert!(stays_quiet(ws, Duration::from_millis(200)).await);
        }
        // Files the plan does not read from (hidden, backups) change nothing.
        std::fs::write(server.plan_dir.path().join("items.txt.bak"), "x").unwrap();
        std::fs::write(server.plan_dir.path().join(".hidden"), "x").unwrap();
        assert!(stays_quiet(&mut clients[0], Duration::from_millis(300)).await);
    });
}

#[test]
fn console_commands_arriving_while_a_round_runs_are_rendered_together() {
    let server = Server::start_in(plan_dir(), &[]);
    smol::block_on(async {
        let mut ws = watchers(&server, 1).await.remove(0);
        let (first, shown) = next_view(&mut ws).await;
        // The view function now takes 300 ms and counts its runs, so the ten
        // moves below queue up behind the round the first change starts.
        let slow = "local view = planhost.views.work\n\
                    runs = 0\n\
                    planhost.view('work', function()\n\
                    runs = runs + 1\n\
                    local t = os.clock() while os.clock() - t < 0.3 do end\n\
                    return view() end)";
        assert_eq!(server.console(slow)["status"], "ok");
        std::thread::scope(|scope| {
            for k in 0..10 {
                let server = &server;
                scope.spawn(move || {
                    let answer = server.console(&format!("rank({}, 1)", 1 + k % 3));
                    assert_eq!(answer["status"], "ok", "{answer}");
                });
            }
        });
        let ids = "local ids = {} for i, item in ipairs(items) do ids[i] = item.id end \
                   return table.concat(ids, ',')";
        let last = server.console(ids)["output"].as_str().unwrap().trim().to_owned();
        let expected: Vec<&str> = last.split(',').collect();
        let mut renders = 0;
        // The moves may end where they started (their order is the threads'):
        // then the view is the same and nothing new is sent. A round on the
        // way may also show the final order before a later one moves away
        // from it and back: the client must end holding it, then hear
        // nothing more.
        let mut holding = order(html(&shown));
        loop {
            let wait = if holding == expected { 800 } else { 10_000 };
            let Some(message) = next_message(&mut ws, Duration::from_millis(wait)).await else {
                assert_eq!(holding, expected, "no view of the final order within 10 s");
                break;
            };
            let Message::Text(text) = message else { panic!("expected a text frame: {message:?}") };
            let (rev, envelope) = view_message(&serde_json::from_str(text.as_str()).unwrap());
            assert!(rev > first);
            renders += 1;
            holding = order(html(&envelope));
        }
        // Eleven changes (and the `ids` line): the round the first starts,
        // then one or two for the rest, not one each.
        let runs: u32 = server.console("runs")["output"].as_str().unwrap().trim().parse().unwrap();
        assert!((1..=3).contains(&runs), "eleven changes ran the view {runs} times");
        assert!(renders <= runs, "{renders} renders from {runs} runs");
    });
}

#[test]
fn lua_and_plugin_errors_reach_clients_while_the_last_good_view_stays() {
    let server = Server::start_in(plan_dir(), &[]);
    smol::block_on(async {
        let mut ws = watchers(&server, 1).await.remove(0);
        let (_, good) = next_view(&mut ws).await;

        // The view function fails.
        assert_eq!(server.console("items = nil")["status"], "ok");
        let (_, envelope) = next_view(&mut ws).await;
        assert_eq!(envelope["html"], good["html"], "the last good HTML stays");
        assert_eq!(envelope["error"]["source"], "lua");
        let message = envelope["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("view 'work': plan.lua:"), "{message}");
        assert!(message.ends_with("no items loaded"), "{message}");

        // Fixed: the error clears.
        assert_eq!(server.console("items = reload_items()")["status"], "ok");
        let (_, envelope) = next_view(&mut ws).await;
        assert_eq!(envelope, serde_json::json!({"html": good["html"], "error": null}));

        // The plugin refuses the data.
        assert_eq!(server.console("items[1].estimates = 'lots'")["status"], "ok");
        let (_, envelope) = next_view(&mut ws).await;
        assert_eq!(envelope["html"], good["html"]);
        assert_eq!(envelope["error"]["source"], "plugin");
        let message = envelope["error"]["message"].as_str().unwrap();
        assert!(message.contains("plugin 'table'") && message.contains("estimates"), "{message}");
        assert_eq!(server.console("items = reload_items()")["status"], "ok");
        assert_eq!(next_view(&mut ws).await.1["error"], Value::Null);

        // A broken edit of plan.lua: the running plan stays, the error shows.
        let entry = server.plan_dir.path().join("plan.lua");
        std::fs::write(&entry, format!("{PLAN}\nthis is not lua\n")).unwrap();
        let (_, envelope) = next_view(&mut ws).await;
        assert_eq!(envelope["html"], good["html"]);
        assert_eq!(envelope["error"]["source"], "lua");
        assert!(envelope["error"]["message"].as_str().unwrap().contains("plan.lua"), "{envelope}");
        // The old state keeps running, and the console hears why once.
        let output = server.console("#items")["output"].as_str().unwrap().to_owned();
        assert!(output.starts_with("3\nplanhost: "), "{output}");
        assert!(output.contains("plan.lua did not load again: plan.lua:36:"), "{output}");
        assert!(output.ends_with("the plan in use is the one loaded before\n"), "{output}");
        assert_eq!(server.console("#items")["output"], "3\n");
        std::fs::write(&entry, PLAN).unwrap();
        assert_eq!(
            next_view(&mut ws).await.1,
            serde_json::json!({"html": good["html"], "error": null})
        );
    });
}

#[test]
fn patch_frames_rebuild_exactly_the_views_whole_messages_carry() {
    // Enough rows that a move changes a small part of the table.
    let dir = plan_dir();
    let items: String =
        (1..=80).map(|i| format!("{i}\tWork item {i} café 🚀\t{}\n", i % 5 + 1)).collect();
    std::fs::write(dir.path().join("items.txt"), items).unwrap();
    let server = Server::start_in(dir, &[]);
    smol::block_on(async {
        let mut patched = server.ws().await;
        let topic = "view/work/table";
        send_json(&mut patched, json!({"type": "subscribe", "topic": topic, "patches": true}))
            .await;
        let mut whole = watchers(&server, 1).await.remove(0);
        let first = next_json(&mut patched).await;
        assert_eq!(first["type"], "message", "the first message is whole: {first}");
        let (mut rev, mut data) =
            (first["rev"].as_u64().unwrap(), first["data"].as_str().unwrap().to_owned());
        next_view(&mut whole).await;
        let mut patches = 0;
        for command in [
            "rank(70, 1)",
            "rank(3, 40)",
            "rank(70, 80)",
            "items[5].name = '<b>x</b>'",
            "rank(1, 2)",
        ] {
            assert_eq!(server.console(command)["status"], "ok", "{command}");
            let frame = next_json(&mut patched).await;
            let expected = next_json(&mut whole).await;
            assert_eq!(frame["rev"], expected["rev"]);
            assert!(frame["rev"].as_u64().unwrap() > rev);
            data = match frame["type"].as_str() {
                Some("patch") => {
                    patches += 1;
                    assert_eq!(frame["base"].as_u64(), Some(rev), "{command}");
                    let length = frame["length"].as_u64().unwrap() as usize;
                    let patch = Patch::from_json(
                        &frame["pieces"],
                        length,
                        frame["check"].as_u64().unwrap_or(0) as u32,
                    )
                    .expect("pieces");
                    let size = frame.to_string().len();
                    assert!(size * 2 < data.len(), "{command}: a patch of {size} bytes");
                    patch.apply(&data).unwrap_or_else(|e| panic!("{command}: {e}"))
                }
                _ => frame["data"].as_str().unwrap().to_owned(),
            };
            assert_eq!(data, expected["data"].as_str().unwrap(), "{command}");
            rev = frame["rev"].as_u64().unwrap();
        }
        assert!(patches >= 4, "only {patches} of 5 changes came as patches");
        // The page escaped the name in the rebuilt view too.
        assert!(data.contains("&lt;b&gt;x&lt;/b&gt;"));
    });
}

#[test]
fn a_reconnect_with_the_latest_rev_gets_nothing_stale() {
    let server = Server::start_in(plan_dir(), &[]);
    smol::block_on(async {
        let mut ws = watchers(&server, 1).await.remove(0);
        next_view(&mut ws).await;
        server.console("rank(3, 1)");
        let (latest, envelope) = next_view(&mut ws).await;
        drop(ws);

        let mut back = server.ws().await;
        subscribe(&mut back, "view/work/table", Some(latest)).await;
        assert!(stays_quiet(&mut back, Duration::from_millis(300)).await);
        server.console("rank(1, 1)");
        let (rev, newer) = next_view(&mut back).await;
        assert!(rev > latest);
        assert_eq!(order(html(&newer)), ["1", "3", "2"]);

        let mut behind = server.ws().await;
        subscribe(&mut behind, "view/work/table", Some(latest)).await;
        let (caught_up, current) = next_view(&mut behind).await;
        assert_eq!((caught_up, &current), (rev, &newer));
        assert_ne!(current, envelope);
    });
}

#[test]
fn view_pages_and_the_views_api() {
    let server = Server::start_in(plan_dir(), &[]);
    let views = server.get("/api/views").json();
    let work = &views.as_array().unwrap()[0];
    assert_eq!(work["name"], "work");
    assert!(work["renderers"].as_array().unwrap().iter().any(|r| r == "table"), "{views}");

    let page = server.get("/view/work?renderer=table");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let text = page.text();
    assert!(text.contains("<base href=\"../\">"), "{text}");
    assert!(text.contains("data-topic=\"view/work/table\""), "{text}");
    assert_eq!(order(&text), ["1", "2", "3"]);
    let rev: u64 =
        text.split("data-rev=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    assert!(!text.contains("<!--planhost:view-->"));
    // Its title names the view; without JavaScript, links lead to the
    // others (the picker needs JavaScript).
    assert!(text.contains("<title>work · table · planhost</title>"), "{text}");
    let links = text.split("<nav class=\"view-links\"").nth(1).expect("links").split("</nav>");
    let links = links.into_iter().next().unwrap();
    assert!(
        links.contains("<a href=\"view/work?renderer=table\" aria-current=\"page\">"),
        "{links}"
    );
    assert!(!text.contains("<!--planhost:links-->"));

    // The page's rev is the topic's: subscribing with it brings nothing stale.
    smol::block_on(async {
        let mut ws = server.ws().await;
        subscribe(&mut ws, "view/work/table", Some(rev)).await;
        assert!(stays_quiet(&mut ws, Duration::from_millis(300)).await);
    });
    assert_eq!(order(&server.get("/view/work").text()), ["1", "2", "3"], "default renderer");
    assert_eq!(order(&server.get("/view/work?renderer=").text()), ["1", "2", "3"]);
    // A name is percent-decoded, as a browser may encode any letter.
    assert_eq!(order(&server.get("/view/w%6Frk?renderer=t%61ble").text()), ["1", "2", "3"]);

    for missing in
        ["/view/nope", "/view/work?renderer=nope", "/view/..%2fapi", "/view/", "/view/%ff"]
    {
        assert_eq!(server.get(missing).status, 404, "{missing}");
    }
    // A view address naming nothing is the client's page (which says so
    // over its picker), the message and the links for readers without
    // JavaScript; names from the address are escaped.
    let missing = server.get("/view/%3Cimg%20src%3Dx%3E?renderer=table");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-type"), Some("text/html; charset=utf-8"));
    let text = missing.text();
    assert!(text.contains("no view named &#39;&lt;img src=x&gt;&#39;"), "{text}");
    assert!(!text.contains("<img src=x>"), "{text}");
    assert!(text.contains("<a href=\"view/work?renderer=table\">"), "{text}");
    // Deeper under /view/, its links and assets still lead to the root.
    for (deeper, base) in [("/view/work/", "../../"), ("/view/a/b/c", "../../../")] {
        let text = server.get(deeper).text();
        assert!(text.contains(&format!("<base href=\"{base}\">")), "{deeper}: {text}");
    }
    let json_error = server.get("/api/nothing");
    assert_eq!(json_error.header("x-content-type-options"), Some("nosniff"));
    // Hostile data is escaped by the renderer on the page too.
    server.console("items[1].name = '<script>alert(1)</script>'");
    let text = server.get("/view/work").text();
    assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!text.contains("<script>alert(1)"));
}

#[test]
fn render_prints_a_view_of_a_plan_directory() {
    let dir = plan_dir();
    let render = |args: &[&str]| {
        let output =
            Command::new(planhost_bin()).arg("render").arg(dir.path()).args(args).output().unwrap();
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        (output.status.code(), text(&output.stdout), text(&output.stderr))
    };
    let (code, out, err) = render(&["--view", "work", "--renderer", "table"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(order(&out), ["1", "2", "3"]);
    assert!(out.contains("Login"));
    // As a page to open from disk: a whole document with its charset, the
    // client's styles inlined, no script, and the same view in it.
    let (code, page, err) = render(&["--view", "work", "--renderer", "table", "--page"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        page.starts_with("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")
    );
    assert!(page.contains("<title>work · table · planhost</title>"), "{page}");
    assert!(page.contains(":where(#plan-view) table {"), "the client's styles: {page}");
    assert!(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'"), "{page}");
    let view = format!(
        "<div id=\"plan-view\" tabindex=\"0\" data-view=\"work\" data-renderer=\"table\">{}</div>",
        out.trim_end()
    );
    assert!(page.contains(&view), "{page}");
    assert!(page.ends_with("</html>\n") && !page.contains("<script"), "{page}");
    // Naming what is not there is a usage error (2), as for the other
    // subcommands; the plan or a plugin failing is 1.
    let (code, _, err) = render(&["--view", "nope"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no view named 'nope'"), "{err}");
    let (code, _, err) = render(&["--view", "work", "--renderer", "nope"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no renderer named 'nope' (known: chart, staff, table"), "{err}");
    // Data from a file: it must be JSON, and no plan directory goes with it.
    let data = dir.path().join("data.json");
    std::fs::write(&data, "not json").unwrap();
    let output = Command::new(planhost_bin())
        .args(["render", "--view", "work", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not JSON"));
    let (code, _, err) = render(&["--view", "work", "--data", data.to_str().unwrap()]);
    assert_eq!(code, Some(2), "a plan directory and --data: {err}");
    std::fs::write(dir.path().join("plan.lua"), "error('broken plan')").unwrap();
    let (code, _, err) = render(&["--view", "work", "--renderer", "table"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("plan.lua:1: broken plan"), "{err}");
}

#[test]
fn views_are_listed_in_the_order_the_plan_declares_them() {
    let dir = TempDir::new("order");
    let view = |name: &str| format!("planhost.view('{name}', function() return {{}} end)\n");
    let plan = ["work", "chart", "staff", "a-first"].map(view).concat() + &view("chart");
    std::fs::write(dir.path().join("plan.lua"), plan).unwrap();
    let server = Server::start_in(dir, &[]);
    let names: Vec<String> = server
        .get("/api/views")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["work", "chart", "staff", "a-first"], "declared again: same place");
}

#[test]
fn topics_of_views_or_renderers_that_do_not_exist_go_when_no_one_watches() {
    let server = Server::start_in(plan_dir(), &[]);
    let topic_names = || -> Vec<String> {
        let topics = server.get("/api/topics").json();
        let list = topics.as_array().expect("topic list").iter();
        list.map(|t| t["topic"].as_str().unwrap().to_owned()).collect()
    };
    smol::block_on(async {
        // Watched and left: the declared view's topic keeps its message,
        // the made-up ones (each got the error) go.
        let mut ws = server.ws().await;
        subscribe(&mut ws, "view/work/table", None).await;
        next_view(&mut ws).await;
        // (Within the 32 new views a second a client may watch.)
        for n in 0..15 {
            subscribe(&mut ws, &format!("view/made-up-{n}/table"), None).await;
            let (_, envelope) = next_view(&mut ws).await;
            assert!(envelope["error"].to_string().contains("no view named"), "{envelope}");
            // Renderers named at random.
            subscribe(&mut ws, &format!("view/work/made-up-{n}"), None).await;
            let (_, envelope) = next_view(&mut ws).await;
            assert!(envelope["error"]["message"].is_string(), "{envelope}");
        }
        drop(ws);
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let names = topic_names();
        if !names.iter().any(|name| name.contains("made-up-")) {
            assert!(names.contains(&"view/work/table".to_owned()), "{names:?}");
            break;
        }
        assert!(Instant::now() < deadline, "still there: {names:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A view declared later is kept as any other.
    assert_eq!(server.console("planhost.view('later', function() return {} end)")["status"], "ok");
    smol::block_on(async {
        let mut ws = server.ws().await;
        subscribe(&mut ws, "view/later/table", None).await;
        next_view(&mut ws).await;
    });
    server.wait_subscribers("view/later/table", 0);
    std::thread::sleep(Duration::from_millis(300));
    assert!(topic_names().contains(&"view/later/table".to_owned()));
}

#[test]
fn hostile_console_commands_leave_the_server_and_the_plan_running() {
    let server = Server::start_in(plan_dir(), &[]);
    smol::block_on(async {
        let mut ws = watchers(&server, 1).await.remove(0);
        let (_, good) = next_view(&mut ws).await;
        let hostile = [
            // The instruction or the time budget, whichever a loaded
            // machine reaches first.
            ("while true do end", "budget exceeded"),
            ("local t = {} while true do t[#t + 1] = string.rep('x', 1 << 20) end", "memory limit"),
            ("local function f() return f() + 1 end f()", "memory limit"),
            ("os.exit(1)", "os.exit is not available in a plan"),
            ("planhost.save('/etc/planhost-test', 'x')", "outside the plan directory"),
            ("planhost.save('../escape.txt', 'x')", "outside the plan directory"),
            ("io.open('/etc/passwd')", "outside the plan directory"),
            ("string.rep('x', 1 << 40)", "resulting string too large"),
            // The server's own files: its token, address and lock.
            ("planhost.save('.planhost/token', 'x')", "the server's own files"),
            ("os.remove('.planhost/lock')", "the server's own files"),
            ("os.rename('.planhost', 'moved')", "the server's own files"),
            ("io.open('.planhost/token')", "the server's own files"),
            ("io.open('./.planhost/../.planhost/addr', 'w')", "the server's own files"),
            // What is not there is refused alike: nothing tells what is.
            ("io.open('.planhost/nothere')", ".planhost/nothere: the server's own files"),
            ("io.open('.planhost/nothere/')", ".planhost/nothere/: the server's own files"),
            ("os.remove('.planhost/lock')", ".planhost/lock: the server's own files"),
        ];
        for (chunk, expected) in hostile {
            let answer = server.console(chunk);
            assert_eq!(answer["status"], "error", "{chunk}: {answer}");
            assert!(answer["error"].as_str().unwrap().contains(expected), "{chunk}: {answer}");
        }
        // The plan still answers and its view is unchanged.
        assert_eq!(server.console("#items")["output"], "3\n");
        assert_eq!(server.get("/healthz").status, 200);
        assert!(stays_quiet(&mut ws, Duration::from_millis(300)).await, "nothing changed");
        assert_eq!(server.console("rank(2, 1)")["status"], "ok");
        let (_, envelope) = next_view(&mut ws).await;
        assert_eq!(order(html(&envelope)), ["2", "1", "3"]);
        assert_ne!(envelope, good);
    });
    assert!(!server.plan_dir.path().parent().unwrap().join("escape.txt").exists());
    let state = server.plan_dir.path().join(".planhost");
    assert_eq!(std::fs::read_to_string(state.join("token")).unwrap().trim(), server.token);
    assert!(state.join("lock").exists());

    // A chunk past 1 MiB is refused before it is compiled (piccolo's
    // compiler, outside the Lua memory budget, takes gigabytes for 16 MiB).
    let auth = format!("Bearer {}", server.token);
    let huge = "x = 1\n".repeat((1 << 20) / 6 + 1);
    let refused =
        server.request("POST", "/api/console", &[("Authorization", &auth)], huge.as_bytes());
    assert_eq!(refused.status, 413, "{}", refused.text());
    assert!(refused.text().contains("limit 1048576 bytes"), "{}", refused.text());
    assert_eq!(server.console("return 1 + 1")["output"], "2\n");
}

/// A table that loses keys and then grows: piccolo 0.3.3 panics while
/// rehashing it (docs/LUA.md), which forces a fresh Lua state.
const VM_PANIC: &str = "local t = {} for i = 1, 100 do t['k' .. i] = i t['k' .. i] = nil end";

#[test]
fn after_a_vm_panic_the_plan_and_the_console_commands_since_come_back() {
    let server = Server::start_in(plan_dir(), &[]);
    smol::block_on(async {
        let mut ws = watchers(&server, 1).await.remove(0);
        next_view(&mut ws).await;
        assert_eq!(server.console("rank(2, 1)")["status"], "ok");
        assert_eq!(order(html(&next_view(&mut ws).await.1)), ["2", "1", "3"]);

        let answer = server.console(VM_PANIC);
        assert_eq!(answer["status"], "error", "{answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.contains("internal error in the Lua VM"), "{error}");
        assert!(
            error.contains("plan.lua was loaded again and the console command since was run again"),
            "{error}"
        );

        // The unsaved move survived: the view is unchanged (nothing is
        // sent), and the next change builds on it.
        assert!(stays_quiet(&mut ws, Duration::from_millis(300)).await, "nothing changed");
        assert_eq!(server.console("#items")["output"], "3\n");
        assert_eq!(server.console("rank(3, 1)")["status"], "ok");
        let (_, envelope) = next_view(&mut ws).await;
        assert_eq!(order(html(&envelope)), ["3", "2", "1"]);
        assert_eq!(server.get("/healthz").status, 200);
    });
}

#[test]
fn an_edit_of_the_plans_lua_keeps_the_console_edits_not_saved() {
    let server = Server::start_in(plan_dir(), &[]);
    smol::block_on(async {
        let mut ws = watchers(&server, 1).await.remove(0);
        next_view(&mut ws).await;
        assert_eq!(server.console("rank(3, 1)")["status"], "ok");
        assert_eq!(order(html(&next_view(&mut ws).await.1)), ["3", "1", "2"]);

        // The plan's logic changes on disk (names in capitals): the new
        // code shows the move, which is run again on it.
        let upper = PLAN.replace("name = item.name,", "name = item.name:upper(),");
        assert_ne!(upper, PLAN);
        std::fs::write(server.plan_dir.path().join("plan.lua"), upper).unwrap();
        let (_, envelope) = next_view(&mut ws).await;
        assert!(html(&envelope).contains("SEARCH"), "{}", html(&envelope));
        assert_eq!(order(html(&envelope)), ["3", "1", "2"]);
        assert_eq!(server.console("#items")["output"], "3\n");

        // A data file edited on disk: loading it would drop the move (never
        // saved to the files), so the plan in use stays and the watchers
        // are told why, over the view they had.
        let items = server.plan_dir.path().join("items.txt");
        std::fs::write(&items, format!("{ITEMS}4\tExport\t2\n")).unwrap();
        let (_, envelope) = next_view(&mut ws).await;
        assert_eq!(order(html(&envelope)), ["3", "1", "2"]);
        assert_eq!(envelope["error"]["source"], "lua");
        let message = envelope["error"]["message"].as_str().unwrap();
        assert!(message.contains("plan.lua was not loaded again: items.txt changed"), "{message}");
        // The console hears it with its next command, once.
        let told = server.console("#items")["output"].as_str().unwrap().to_owned();
        assert!(told.starts_with("3\nplanhost: ") && told.contains("items.txt changed"), "{told}");
        assert_eq!(server.console("#items")["output"], "3\n");
        // Asked to, the plan loads its files as they are, and the error goes.
        let reload = server.console("planhost.reload()");
        assert!(reload["output"].as_str().unwrap().contains("loaded from its files"), "{reload}");
        // (A round that began before the live loop heard of the load may
        // show the loaded plan under the old error first.)
        loop {
            let (_, envelope) = next_view(&mut ws).await;
            assert_eq!(order(html(&envelope)), ["1", "2", "3", "4"]);
            if envelope["error"] == Value::Null {
                break;
            }
        }
    });
}

#[test]
fn commands_right_after_a_save_survive_the_load_it_sets_off_and_new_code() {
    let server = Server::start_in(plan_dir(), &[]);
    let save = "function save() local lines = {} for i, it in ipairs(items) do \
                  lines[i] = ('%d\\t%s\\t%d\\n'):format(it.id, it.name, it.estimates.Web) \
                end planhost.save('items.txt', table.concat(lines)) end";
    assert_eq!(server.console(save)["status"], "ok");
    smol::block_on(async {
        let mut ws = watchers(&server, 1).await.remove(0);
        next_view(&mut ws).await;
        // As piped to `planhost shell`: the next command comes before the
        // watcher has seen the save's writes.
        for command in ["rank(2, 1)", "save()", "rank(3, 1)"] {
            assert_eq!(server.console(command)["status"], "ok", "{command}");
        }
        let saved = std::fs::read_to_string(server.plan_dir.path().join("items.txt")).unwrap();
        assert!(saved.starts_with("2\tSync"), "{saved}");
        // New code on the saved data: the move after the save is run again.
        let upper = PLAN.replace("name = item.name,", "name = item.name:upper(),");
        std::fs::write(server.plan_dir.path().join("plan.lua"), upper).unwrap();
        loop {
            let (_, envelope) = next_view(&mut ws).await;
            if html(&envelope).contains("SEARCH") {
                assert_eq!(order(html(&envelope)), ["3", "2", "1"]);
                break;
            }
        }
        // A row appended to the data file by hand from the console is no
        // save of the state: loading the file would drop the move after the
        // save, so the plan in use stays until it is asked to load.
        let append =
            "local f = assert(io.open('items.txt', 'a')) f:write('4\\tExport\\t2\\n') f:close()";
        assert_eq!(server.console(append)["status"], "ok");
        loop {
            let (_, envelope) = next_view(&mut ws).await;
            if let Some(message) = envelope["error"]["message"].as_str() {
                assert!(message.contains("wrote files that do not hold all of it"), "{message}");
                assert_eq!(order(html(&envelope)), ["3", "2", "1"]);
                break;
            }
        }
        assert_eq!(server.console("planhost.reload()")["status"], "ok");
        loop {
            let (_, envelope) = next_view(&mut ws).await;
            if order(html(&envelope)).len() == 4 {
                assert_eq!(order(html(&envelope)), ["2", "1", "3", "4"]);
                break;
            }
        }
    });
    assert_eq!(server.console("items[4].name")["output"], "Export\n");
}

#[test]
fn unsaved_edits_survive_a_load_in_a_folder_of_many_files_they_leave_alone() {
    let plan_dir = plan_dir();
    // Each load of the plan marks its state.
    let marked = format!("{PLAN}\nloaded_at = planhost.now()\n");
    std::fs::write(plan_dir.path().join("plan.lua"), marked).unwrap();
    let server = Server::start_in(plan_dir, &[]);
    assert_eq!(server.console("rank(3, 1)")["status"], "ok");
    let loaded_at = server.console("loaded_at")["output"].clone();
    // Packages installed beside the plan: more files than are hashed. The
    // plan never looks at them: nothing loads.
    let packages = server.plan_dir.path().join("node_modules");
    std::fs::create_dir(&packages).unwrap();
    for i in 0..10_050 {
        std::fs::write(packages.join(format!("m{i}.js")), "x").unwrap();
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(server.console("loaded_at")["output"], loaded_at, "loaded for files it never read");
    // Its code changes (known now by size and time, as its data): loaded
    // again, and the move must come through it.
    let edited = format!("{PLAN}\nloaded_at = planhost.now() -- edited\n");
    std::fs::write(server.plan_dir.path().join("plan.lua"), edited).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.console("loaded_at")["output"] == loaded_at {
        assert!(Instant::now() < deadline, "the plan was not loaded again");
        std::thread::sleep(Duration::from_millis(100));
    }
    let order = server.console("for _, it in ipairs(items) do io.write(it.id, ' ') end");
    assert_eq!(order["output"], "3 1 2 ", "the move was lost");
}

#[test]
fn a_pipe_named_like_a_plan_file_is_refused_and_holds_nothing_up() {
    let mkfifo = |path: &std::path::Path| {
        let made = Command::new("mkfifo").arg(path).status().expect("mkfifo");
        assert!(made.success());
    };
    // (There from the start: a data file that comes later would make the
    // commands below count as run on other data.)
    let plan_dir = plan_dir();
    mkfifo(&plan_dir.path().join("pipe.txt"));
    let server = Server::start_in(plan_dir, &[]);
    let dir = server.plan_dir.path();
    // Opened to be read or written, or loaded as code: each would wait in
    // `open` for the other end, and the Lua thread with it.
    for chunk in [
        "print(io.open('pipe.txt'))",
        "print(io.open('pipe.txt', 'w'))",
        "print(loadfile('pipe.txt'))",
        "print(pcall(io.lines, 'pipe.txt'))",
    ] {
        let answer = server.console(chunk);
        assert!(
            answer["output"].as_str().unwrap().contains("not a regular file"),
            "{chunk}: {answer}"
        );
    }
    smol::block_on(async {
        let mut ws = watchers(&server, 1).await.remove(0);
        next_view(&mut ws).await;
        // plan.lua replaced by a pipe: the load fails, the last good plan
        // stays, and the console still answers.
        let plan = dir.join("plan.lua");
        std::fs::rename(&plan, dir.join("plan.lua.orig")).unwrap();
        mkfifo(&plan);
        let (_, envelope) = next_view(&mut ws).await;
        assert!(
            envelope["error"]["message"].to_string().contains("not a regular file"),
            "{envelope}"
        );
        assert_eq!(server.console("rank(3, 1)")["status"], "ok");
        std::fs::remove_file(&plan).unwrap();
        std::fs::rename(dir.join("plan.lua.orig"), &plan).unwrap();
        loop {
            let (_, envelope) = next_view(&mut ws).await;
            if envelope["error"].is_null() {
                assert_eq!(order(html(&envelope)), ["3", "1", "2"]);
                break;
            }
        }
    });
}

#[test]
fn a_plan_that_fails_at_start_shows_its_error_until_it_is_fixed() {
    let dir = plan_dir();
    std::fs::write(dir.path().join("plan.lua"), format!("{PLAN}\nerror('boom <b>at start</b>')"))
        .unwrap();
    let server = Server::start_in(dir, &["--no-console"]);
    smol::block_on(async {
        // Its views were declared before the error, but a plan that failed
        // is not run: the watchers hear why, not "no view named 'work'".
        let mut ws = server.ws().await;
        subscribe(&mut ws, "view/work/table", None).await;
        let (_, envelope) = next_view(&mut ws).await;
        assert_eq!(envelope["html"], Value::Null);
        let message = envelope["error"]["message"].as_str().unwrap();
        assert!(message.contains("boom <b>at start</b>"), "{envelope}");
        assert!(message.starts_with("plan.lua:"), "{envelope}");
        let mut names = server.ws().await;
        subscribe(&mut names, "plan/views", None).await;
        assert_eq!(next_json(&mut names).await["data"], "[]");
        // The page says so too (escaped), and watches the view.
        let page = server.get("/view/work?renderer=table");
        assert_eq!(page.status, 503);
        let text = page.text();
        assert!(text.contains("boom &lt;b&gt;at start&lt;/b&gt;"), "{text}");
        assert!(text.contains("data-topic=\"view/work/table\" data-rev=\"0\""), "{text}");
        // Still 404 for what could never be a view.
        assert_eq!(server.get("/view/a%20b?renderer=table").status, 404);
        // A command of the plan fails, and the console hears why, once
        // (not only "attempt to call a nil value").
        let reply = server.console("reload_items()");
        assert_eq!(reply["status"], "error", "{reply}");
        let output = reply["output"].as_str().unwrap();
        assert!(output.contains("plan.lua did not load: plan.lua:"), "{reply}");
        assert!(output.contains("boom <b>at start</b>"), "{reply}");
        assert!(!server.console("reload_items()")["output"].to_string().contains("did not load"));

        // Fixed: the view arrives, and the names with it.
        std::fs::write(server.plan_dir.path().join("plan.lua"), PLAN).unwrap();
        let (_, envelope) = next_view(&mut ws).await;
        assert_eq!(envelope["error"], Value::Null, "{envelope}");
        assert_eq!(order(html(&envelope)), ["1", "2", "3"]);
        assert_eq!(next_json(&mut names).await["data"], "[\"work\"]");
        assert_eq!(server.get("/view/work?renderer=table").status, 200);
        // A view a console command declares is named too; nothing is
        // published while the names stay the same.
        server.console("x = 1");
        assert!(stays_quiet(&mut names, Duration::from_millis(300)).await);
        server.console("planhost.view('more', function() return {} end)");
        assert_eq!(next_json(&mut names).await["data"], "[\"work\",\"more\"]");

        // Broken again while the last good state serves: a view's own error
        // is its own, not the plan's.
        server.console("items = nil");
        let (_, envelope) = next_view(&mut ws).await;
        let own = envelope["error"]["message"].as_str().unwrap().to_owned();
        assert!(own.contains("no items loaded"), "{envelope}");
        std::fs::write(server.plan_dir.path().join("plan.lua"), "error('broken again')").unwrap();
        assert!(stays_quiet(&mut ws, Duration::from_millis(800)).await, "the view's error stays");
    });
}

#[test]
fn a_client_inventing_views_as_fast_as_it_can_is_held_back() {
    let server = Server::start_in(plan_dir(), &[]);
    smol::block_on(async {
        let mut bystander = watchers(&server, 1).await.remove(0);
        next_view(&mut bystander).await;
        // Each new view subscription is work for the live loop (computed,
        // rendered, published, forgotten): past a few a second, refused.
        let mut storm = server.ws().await;
        let limit = 32;
        for i in 0..limit + 8 {
            subscribe(&mut storm, &format!("view/nope{i}/table"), None).await;
        }
        let (mut refused, mut answered) = (Vec::new(), 0);
        while refused.len() + answered < limit + 8 {
            let frame = next_json(&mut storm).await;
            match frame["type"].as_str() {
                Some("error") => {
                    let message = frame["message"].as_str().unwrap();
                    assert!(
                        message.starts_with(
                            "too many new view subscriptions (limit 32 a \
                                                 second)"
                        ),
                        "{frame}"
                    );
                    refused.push(frame["topic"].as_str().unwrap().to_owned());
                }
                Some("message") => answered += 1,
                _ => panic!("{frame}"),
            }
        }
        let expected: Vec<String> =
            (limit..limit + 8).map(|i| format!("view/nope{i}/table")).collect();
        assert_eq!(refused, expected);
        // The views of everyone else go on.
        assert_eq!(server.console("rank(3, 1)")["status"], "ok");
        assert_eq!(order(html(&next_view(&mut bystander).await.1)), ["3", "1", "2"]);
    });
}

#[test]
fn a_save_is_checked_without_the_plans_broadcasts() {
    // A save loads the plan once more to compare; that load publishes
    // nothing (a real load does).
    let dir = TempDir::new("save-check");
    let plan = "local f = io.open('n.txt') n = tonumber(f:read('a')) f:close() \
                planhost.broadcast('loads', 'loaded with ' .. n) \
                planhost.view('n', function() return {n = n} end) \
                function save() planhost.save('n.txt', tostring(n)) end";
    std::fs::write(dir.path().join("plan.lua"), plan).unwrap();
    std::fs::write(dir.path().join("n.txt"), "1").unwrap();
    let server = Server::start_in(dir, &[]);
    smol::block_on(async {
        let mut loads = server.ws().await;
        subscribe(&mut loads, "loads", None).await;
        let first = next_json(&mut loads).await;
        assert_eq!(first["data"], "loaded with 1", "{first}");
        assert_eq!(server.console("n = 2 save()")["status"], "ok");
        assert!(stays_quiet(&mut loads, Duration::from_millis(800)).await, "a broadcast");
        assert_eq!(std::fs::read_to_string(server.plan_dir.path().join("n.txt")).unwrap(), "2");
    });
}
