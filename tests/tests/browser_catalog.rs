//! The browser client's picker in headless Chromium against a real
//! `planhost serve` (serving `web/` from disk): its lists of views and
//! renderers follow the plan and the plugins while the page is open, by
//! `plan/views` and `plugins/errors` and after a reconnect, without
//! disturbing the view shown, the selection or the focus.

use planhost_tests::browser::{Browser, Page, RECORD_FRAMES, web_dir};
use planhost_tests::{Server, TempDir, hostile_wasm};
use serde_json::{Value, json};

/// Keeps the messages of `plan/views` and `plugins/errors` from the client
/// (as from a server without them), counting them in `window.dropped`, and
/// counts the connections opened in `window.opened`.
const DROP_CATALOG_TOPICS: &str = r#"
window.dropped = 0;
window.opened = 0;
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('open', () => { window.opened += 1; });
    this.addEventListener('message', (event) => {
      const topic = JSON.parse(event.data).topic;
      if (topic === 'plan/views' || topic === 'plugins/errors') {
        window.dropped += 1;
        event.stopImmediatePropagation();
      }
    });
  }
};
"#;

const VIEW_OPTIONS: &str = "[...document.getElementById('pick-view').options].map((o) => o.value)";
const RENDERER_OPTIONS: &str =
    "[...document.getElementById('pick-renderer').options].map((o) => o.value)";
const BANNER_SHOWN: &str = "!document.getElementById('plan-error').hidden";

/// A plan declaring `views` in order: `work` as the table plugin draws it,
/// any other with data no built-in plugin draws (`echo` is the hostile
/// plugin's).
fn plan(views: &[&str]) -> String {
    let mut lua = String::new();
    for view in views {
        lua += &match *view {
            "work" => "planhost.view('work', function()
  return {plan = {name = 'Q3', weeks = 13, cutline = 2, feasible_line = 1}, skills = {'Web'},
    items = {{id = '1', name = 'Login', rank = 1, estimates = {Web = 2}},
             {id = '2', name = 'Search', rank = 2, estimates = {Web = 1}}}}
end)\n"
                .to_owned(),
            name => format!("planhost.view('{name}', function() return {{n = 1}} end)\n"),
        };
    }
    lua
}

/// `planhost serve` on a plan of `views`, the client read from `web/`.
fn serve(views: &[&str], extra: &[&str]) -> Server {
    let dir = TempDir::new("browser-catalog");
    std::fs::write(dir.path().join("plan.lua"), plan(views)).expect("writing plan.lua");
    let web = web_dir();
    let mut args = vec!["--web", web.to_str().expect("UTF-8 path")];
    args.extend_from_slice(extra);
    Server::start_in(dir, &args)
}

/// Rewrites plan.lua to declare `views`, and waits until the server
/// lists them.
fn write_plan(server: &Server, views: &[&str]) {
    std::fs::write(server.plan_dir.path().join("plan.lua"), plan(views)).expect("plan.lua");
    wait_server_views(server, &format!("the server to list {views:?}"), |names| names == views);
}

/// The names `GET /api/views` lists.
fn server_views(server: &Server) -> Vec<String> {
    let list = server.get("/api/views").json();
    let names = list.as_array().expect("view list").iter();
    names.map(|v| v["name"].as_str().expect("name").to_owned()).collect()
}

/// Polls `GET /api/views` until `check` holds; the names then.
fn wait_server_views(
    server: &Server,
    what: &str,
    check: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let deadline = std::time::Instant::now() + planhost_tests::browser::DEADLINE;
    loop {
        let names = server_views(server);
        if check(&names) {
            return names;
        }
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}: {names:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The server publishes the topics the client follows (`plan/views` and
/// `plugins/errors` soon after start; polled, since the ready line may
/// come first).
fn wait_catalog_topics(server: &Server) {
    let deadline = std::time::Instant::now() + planhost_tests::browser::DEADLINE;
    loop {
        let topics = server.get("/api/topics").json();
        let listed =
            |name: &str| topics.as_array().expect("topics").iter().any(|t| t["topic"] == name);
        if listed("plan/views") && listed("plugins/errors") {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server does not publish plan/views and plugins/errors: {topics}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn url(server: &Server, path: &str) -> String {
    format!("http://{}{path}", server.addr)
}

fn wait_live(page: &Page) {
    page.wait_eq("the client to be live", "document.getElementById('conn').dataset.state", "live");
}

/// Picks `value` in the select `id` as a reader would.
fn pick(page: &Page, id: &str, value: &str) {
    page.eval(&format!(
        "(() => {{
          const select = document.getElementById('{id}');
          select.value = {};
          select.dispatchEvent(new Event('change'));
          return true;
        }})()",
        Value::from(value)
    ));
}

#[test]
fn the_picker_follows_the_views_of_the_plan_without_disturbing_the_page() {
    let server = serve(&["work", "echo"], &[]);
    wait_catalog_topics(&server);
    let browser = Browser::launch();
    let page = browser.page();
    page.before_each_load(RECORD_FRAMES);
    page.goto(&url(&server, "/?view=work&renderer=table"));
    page.wait_for("the work table", "document.querySelector('#plan-view [data-key=\"item-1\"]')");
    wait_live(&page);
    page.wait_eq("the view list", VIEW_OPTIONS, json!(["work", "echo"]));
    // The connection follows both catalog topics beside its view.
    server.wait_subscribers("plan/views", 1);
    server.wait_subscribers("plugins/errors", 1);
    server.wait_subscribers("view/work/table", 1);
    page.eval(
        "window.row = document.querySelector('[data-key=\"item-1\"]');
         document.getElementById('pick-view').focus();
         true",
    );
    let undisturbed = |when: &str| {
        let report = page.eval(
            "({
              focus: document.activeElement.id,
              view: document.getElementById('pick-view').value,
              renderer: document.getElementById('pick-renderer').value,
              row: document.querySelector('[data-key=\"item-1\"]') === window.row,
              address: location.search,
              topic: document.getElementById('plan-view').dataset.topic,
              subscribed: [...new Set(sentFrames.filter((f) => f.type === 'subscribe').map((f) => f.topic))].sort(),
              unsubscribed: sentFrames.filter((f) => f.type === 'unsubscribe').length,
            })",
        );
        assert_eq!(
            report,
            json!({
                "focus": "pick-view", "view": "work", "renderer": "table", "row": true,
                "address": "?view=work&renderer=table", "topic": "view/work/table",
                "subscribed": ["plan/views", "plugins/errors", "view/work/table"],
                "unsubscribed": 0,
            }),
            "{when}: the page was disturbed"
        );
    };
    undisturbed("at first");

    // A view added to plan.lua is offered, in the plan's order.
    write_plan(&server, &["work", "later", "echo"]);
    page.wait_eq("the added view", VIEW_OPTIONS, json!(["work", "later", "echo"]));
    undisturbed("after a view was added");

    // A view removed from plan.lua is no longer offered.
    write_plan(&server, &["work", "echo"]);
    page.wait_eq("the removed view to go", VIEW_OPTIONS, json!(["work", "echo"]));
    undisturbed("after a view was removed");

    // The view shown goes: the server's error for it shows over its last
    // rendering, and it stays listed, last, as the one shown.
    write_plan(&server, &["echo"]);
    page.wait_eq("'work' listed as shown", VIEW_OPTIONS, json!(["echo", "work"]));
    page.wait_for("the error banner", BANNER_SHOWN);
    let error = page.eval("document.getElementById('plan-error-text').textContent");
    assert!(error.as_str().is_some_and(|e| e.contains("no view named 'work'")), "{error}");
    page.screenshot("browser-catalog-view-gone");
    undisturbed("after the view shown went");

    // It comes back: shown again, the error gone.
    write_plan(&server, &["work", "echo"]);
    page.wait_eq("the view list", VIEW_OPTIONS, json!(["work", "echo"]));
    page.wait_for("the banner to go", &format!("!({BANNER_SHOWN})"));
    undisturbed("after the view came back");

    // A view a console command declares is offered too.
    let answer = server.console("planhost.view('extra', function() return {n = 2} end)");
    assert_eq!(answer["status"], "ok", "{answer}");
    page.wait_eq("the console's view", VIEW_OPTIONS, json!(["work", "echo", "extra"]));
    undisturbed("after a console command declared a view");
}

#[test]
fn renderer_plugins_added_or_removed_are_offered_or_withdrawn() {
    let folder = TempDir::new("browser-catalog-plugins");
    let folder_arg = folder.path().to_str().expect("UTF-8 path").to_owned();
    let server = serve(&["work", "echo"], &["--plugins", &folder_arg]);
    wait_catalog_topics(&server);
    let browser = Browser::launch();
    let page = browser.page();

    // No plugin draws `echo`: the renderer named is the only one listed.
    page.goto(&url(&server, "/?view=echo&renderer=table"));
    wait_live(&page);
    page.wait_for("the renderer's error", BANNER_SHOWN);
    page.wait_eq("the renderers", RENDERER_OPTIONS, json!(["table"]));
    assert_eq!(page.eval("document.getElementById('pick-renderer').disabled"), true);
    server.wait_subscribers("plugins/errors", 1);

    // A plugin that draws it appears: offered, the one shown kept.
    let file = folder.path().join("hostile.wasm");
    let staging = folder.path().join("hostile.wasm.part");
    std::fs::copy(hostile_wasm(), &staging).expect("copying the plugin");
    std::fs::rename(&staging, &file).expect("moving the plugin in");
    page.wait_eq("the new renderer", RENDERER_OPTIONS, json!(["hostile", "table"]));
    assert_eq!(page.eval("document.getElementById('pick-renderer').value"), "table");
    assert_eq!(page.eval("document.getElementById('pick-renderer').disabled"), false);
    assert_eq!(
        page.eval("document.querySelector('#pick-renderer option[value=hostile]').title"),
        "Misbehaves on purpose (tests only)"
    );
    assert_eq!(page.eval("location.search"), "?view=echo&renderer=table");

    pick(&page, "pick-renderer", "hostile");
    page.wait_for("the hostile rendering", "document.querySelector('#plan-view [data-key=echo]')");
    assert_eq!(page.eval("location.search"), "?view=echo&renderer=hostile");
    page.wait_for("the banner to go", &format!("!({BANNER_SHOWN})"));
    page.eval("history.back(); true");
    page.wait_for("the renderer's error", BANNER_SHOWN);
    assert_eq!(page.eval(RENDERER_OPTIONS), json!(["hostile", "table"]));

    // The plugin goes: no longer offered.
    std::fs::remove_file(&file).expect("removing the plugin");
    page.wait_eq("the renderer to go", RENDERER_OPTIONS, json!(["table"]));
    assert_eq!(page.eval("location.search"), "?view=echo&renderer=table");
}

#[test]
fn the_lists_are_fetched_again_after_a_reconnect() {
    let server = serve(&["work", "echo"], &[]);
    let browser = Browser::launch();
    let page = browser.page();
    page.before_each_load(DROP_CATALOG_TOPICS);
    page.goto(&url(&server, "/?view=work&renderer=table"));
    page.wait_for("the work table", "document.querySelector('#plan-view [data-key=\"item-1\"]')");
    wait_live(&page);
    page.wait_eq("the view list", VIEW_OPTIONS, json!(["work", "echo"]));
    page.eval("window.row = document.querySelector('[data-key=\"item-1\"]'); true");

    // A view is added while the page hears nothing of it.
    page.wait_eq("the catalog topics' first messages", "window.dropped", 2);
    write_plan(&server, &["work", "later", "echo"]);
    page.wait_for("the announcement to be dropped", "window.dropped >= 3");
    assert_eq!(page.eval(VIEW_OPTIONS), json!(["work", "echo"]));

    // The connection drops and comes back: the lists are fetched again.
    page.eval("state.socket.close(); true");
    page.wait_eq("a new connection", "window.opened", 2);
    wait_live(&page);
    page.wait_eq("the added view", VIEW_OPTIONS, json!(["work", "later", "echo"]));
    assert_eq!(page.eval("document.querySelector('[data-key=\"item-1\"]') === window.row"), true);
    assert_eq!(page.eval("document.getElementById('pick-view').value"), "work");
}

#[test]
fn a_page_listing_topics_for_want_of_views_shows_the_first_view_declared() {
    let server = serve(&[], &[]);
    wait_catalog_topics(&server);
    let browser = Browser::launch();
    let page = browser.page();
    page.goto(&url(&server, "/"));
    page.wait_for("the topic list", "document.querySelector('#plan-view ul.topics')");
    wait_live(&page);
    assert_eq!(page.eval("location.search"), "");

    write_plan(&server, &["work", "echo"]);
    page.wait_for("the work table", "document.querySelector('#plan-view [data-key=\"item-1\"]')");
    assert_eq!(page.eval("location.search"), "?view=work&renderer=table");
    assert_eq!(page.eval(VIEW_OPTIONS), json!(["work", "echo"]));
    server.wait_subscribers("view/work/table", 1);
}
