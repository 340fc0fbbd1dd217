//! The browser client in headless Chromium against a real `planhost serve`
//! (serving `web/` from disk): the morph on its own, the first paint,
//! updates applied in place, the error banner, the view picker, and
//! reconnecting after a restart. Screenshots land in
//! `target/test-artifacts/`.
//!
//! Views are driven two ways: by the plan (`plan.lua`, rendered by the
//! built-in plugins) and by publishing view documents to `view/work/table`
//! through `POST /api/publish`. A published document is newer than the
//! plan's own rendering, which the server only publishes again when the
//! plan changes, so each test waits for that first rendering before it
//! publishes.

use std::net::SocketAddr;
use std::process::Child;

use planhost_tests::browser::{Browser, Page, RECORD_FRAMES, js_string, web_dir};
use planhost_tests::{Server, TempDir, spawn_serve};
use serde_json::{Value, json};

const TOPIC: &str = "view/work/table";

/// A plan with two views, declared in this order (`/api/views` lists them
/// so): `tracks`, and `work` (four items, the cutline after rank 3, the
/// feasible line after rank 2, Sync short of Web).
const PLAN: &str = r#"
local plan = {name = 'Q3', weeks = 13, cutline = 3, feasible_line = 2}
local items = {
  {id = '1', name = 'Login', rank = 1, estimates = {Native = 6, Web = 2}, track = 'Core', triage = 1},
  {id = '2', name = 'Search', rank = 2, estimates = {Web = 1}, track = 'Growth', triage = 1.5},
  {id = '3', name = 'Sync', rank = 3, estimates = {Native = 3, Web = 4}, track = 'Core',
   short = {{skill = 'Web', weeks = 3}}},
  {id = '4', name = 'Offline', rank = 4, estimates = {Native = 2}, track = 'Growth', triage = 2},
}
planhost.view('tracks', function()
  return {
    plan = plan,
    skills = {'Native', 'Web'},
    tracks = {
      {name = 'Core', demand = {Native = 9, Web = 6}, items = {items[1], items[3]}},
      {name = 'Growth', demand = {Web = 1}, items = {items[2], items[4]}},
    },
  }
end)
planhost.view('work', function()
  return {plan = plan, skills = {'Native', 'Web'}, items = items}
end)
"#;

/// A plan directory holding [`PLAN`].
fn plan_dir() -> TempDir {
    let dir = TempDir::new("browser-plan");
    std::fs::write(dir.path().join("plan.lua"), PLAN).expect("writing plan.lua");
    dir
}

/// `planhost serve` on [`plan_dir`], with the client read from `web/`.
fn serve() -> Server {
    let web = web_dir();
    Server::start_in(plan_dir(), &["--web", web.to_str().expect("UTF-8 path")])
}

fn url(server: &Server, path: &str) -> String {
    format!("http://{}{path}", server.addr)
}

/// A work table shaped like the `table` plugin's: one focusable row per
/// `(id, name)`, ranked in the order given.
fn work_table(rows: &[(u32, &str)]) -> String {
    let mut html = String::from(
        "<table id=\"work-table\" class=\"work\"><caption>Q3: 13 weeks</caption>\
         <thead><tr data-key=\"head\"><th scope=\"col\" class=\"rank\">Rank</th>\
         <th scope=\"col\" class=\"name\">Item</th>\
         <th scope=\"col\" class=\"estimate\">Web</th></tr></thead><tbody>",
    );
    for (rank, (id, name)) in rows.iter().enumerate() {
        html += &format!(
            "<tr data-key=\"item-{id}\" tabindex=\"0\"><td class=\"rank\">{}</td>\
             <td class=\"name\">{name}</td><td class=\"estimate\">{}</td></tr>",
            rank + 1,
            id % 5 + 1
        );
    }
    html + "</tbody></table>"
}

/// Publishes a view document (`{"html", "error"}`) to [`TOPIC`]; its rev.
fn publish_view(server: &Server, html: Option<&str>, error: Option<(&str, &str)>) -> u64 {
    let error = error.map(|(source, message)| json!({"source": source, "message": message}));
    let document = json!({"html": html, "error": error}).to_string();
    let published = server.publish_with(TOPIC, &document, "?delivery=latest-wins");
    published["rev"].as_u64().expect("rev")
}

/// Waits until the page shows revision `rev` of its view.
fn wait_rev(page: &Page, rev: u64) {
    page.wait_eq(
        &format!("rev {rev} on screen"),
        "Number(document.getElementById('plan-view')?.dataset.rev)",
        rev,
    );
}

/// Waits for the server's own rendering of the plan on a freshly loaded
/// page, so what a test publishes next is newer.
fn wait_first_rendering(page: &Page) {
    page.wait_for("the first rendering", "document.querySelector('#plan-view [data-key]') != null");
    page.wait_for("a revision", "document.getElementById('plan-view').dataset.rev");
}

/// The keys of the work table's rows, in order.
const ROW_KEYS: &str =
    "[...document.querySelectorAll('#work-table tbody tr')].map((row) => row.dataset.key)";

fn conn_state(page: &Page) -> Value {
    page.eval("document.getElementById('conn').dataset.state")
}

// ---- the morph on its own -------------------------------------------------

/// Loads `web/morph.js` into a blank page and defines `morphCase(before,
/// after, setup)`: it morphs `#root` from `before` to `after` and reports
/// whether the result equals `after`, which keyed nodes survived as the same
/// node, and what the DOM mutations were.
fn morph_page(browser: &Browser) -> Page {
    let page = browser.page();
    page.goto("data:text/html,<!doctype html><title>morph</title><div id=root></div>");
    page.eval(include_str!("../../web/morph.js"));
    page.eval(
        r#"window.morphCase = (before, after, setup) => {
          const root = document.getElementById('root');
          root.innerHTML = before;
          const keyed = new Map([...root.querySelectorAll('[data-key]')].map((n) => [n.dataset.key, n]));
          const first = root.firstChild;
          if (setup) setup(root);
          const observer = new MutationObserver(() => {});
          observer.observe(root, { childList: true, subtree: true, attributes: true, characterData: true });
          morph(root, after);
          const records = observer.takeRecords();
          observer.disconnect();
          const expected = document.createElement('div');
          expected.id = 'root';
          expected.innerHTML = after;
          const name = (n) => n.dataset?.key ?? n.nodeName.toLowerCase();
          return {
            equal: root.isEqualNode(expected),
            html: root.innerHTML,
            firstKept: root.firstChild === first,
            kept: [...keyed].filter(([key, node]) => root.querySelector(`[data-key="${key}"]`) === node).map(([key]) => key),
            added: records.flatMap((r) => [...r.addedNodes]).map(name),
            removed: records.flatMap((r) => [...r.removedNodes]).map(name),
            attributes: records.filter((r) => r.type === 'attributes').map((r) => r.attributeName).sort(),
            texts: records.filter((r) => r.type === 'characterData').length,
          };
        }; true"#,
    );
    page
}

/// Runs one morph case; `setup` is a JavaScript function of the root or "".
fn morph_case(page: &Page, name: &str, before: &str, after: &str, setup: &str) -> Value {
    let setup = if setup.is_empty() { "null" } else { setup };
    let report =
        page.eval(&format!("morphCase({}, {}, {setup})", js_string(before), js_string(after)));
    assert_eq!(report["equal"], true, "{name}: the result differs from the new HTML: {report}");
    report
}

fn list(keys: &[&str]) -> String {
    let items: String =
        keys.iter().map(|k| format!("<li data-key=\"{k}\">{}</li>", k.to_uppercase())).collect();
    format!("<ul>{items}</ul>")
}

#[test]
fn morph_reuses_keyed_nodes_and_moves_the_fewest() {
    let browser = Browser::launch();
    let page = morph_page(&browser);

    let moved = morph_case(
        &page,
        "reorder",
        &list(&["a", "b", "c", "d"]),
        &list(&["d", "a", "b", "c"]),
        "",
    );
    assert_eq!(moved["kept"], json!(["a", "b", "c", "d"]), "reorder: {moved}");
    assert_eq!(moved["firstKept"], true, "reorder: the unkeyed <ul> was replaced: {moved}");
    assert_eq!(
        (&moved["added"], &moved["removed"]),
        (&json!(["d"]), &json!(["d"])),
        "reorder: {moved}"
    );

    let swapped = morph_case(&page, "swap", &list(&["a", "b", "c"]), &list(&["c", "b", "a"]), "");
    assert_eq!(swapped["kept"], json!(["a", "b", "c"]), "swap: {swapped}");
    assert_eq!(swapped["added"].as_array().map(Vec::len), Some(2), "swap moves two: {swapped}");

    let inserted = morph_case(&page, "insert", &list(&["a", "c"]), &list(&["a", "b", "c"]), "");
    assert_eq!(inserted["kept"], json!(["a", "c"]));
    assert_eq!((&inserted["added"], &inserted["removed"]), (&json!(["b"]), &json!([])));

    let deleted = morph_case(&page, "delete", &list(&["a", "b", "c"]), &list(&["a", "c"]), "");
    assert_eq!(deleted["kept"], json!(["a", "c"]));
    assert_eq!((&deleted["added"], &deleted["removed"]), (&json!([]), &json!(["b"])));

    let text = morph_case(
        &page,
        "text change",
        r#"<p data-key="p">Old <b>bold</b> tail</p>"#,
        r#"<p data-key="p">New <b>bold</b> tail</p>"#,
        "",
    );
    assert_eq!(text["kept"], json!(["p"]));
    assert_eq!(
        (&text["added"], &text["removed"], &text["texts"]),
        (&json!([]), &json!([]), &json!(1))
    );

    let attributes = morph_case(
        &page,
        "attribute change",
        r#"<div data-key="r" class="short" title="short: Web 3w" id="x">Sync</div>"#,
        r#"<div data-key="r" class="below-cutline" aria-label="Sync" id="x">Sync</div>"#,
        "",
    );
    assert_eq!(attributes["kept"], json!(["r"]));
    assert_eq!(attributes["attributes"], json!(["aria-label", "class", "title"]), "{attributes}");
    assert_eq!(attributes["texts"], 0);

    let positional = morph_case(
        &page,
        "unkeyed by position",
        "<div><span>1</span><span>2</span></div>",
        "<div><span>1</span><span>3</span><em>4</em></div>",
        "",
    );
    assert_eq!(positional["firstKept"], true);
    assert_eq!((&positional["added"], &positional["removed"]), (&json!(["em"]), &json!([])));
    assert_eq!(positional["texts"], 1);

    let retagged = morph_case(
        &page,
        "same key, other tag",
        r#"<p data-key="x">p</p>"#,
        r#"<div data-key="x">div</div>"#,
        "",
    );
    assert_eq!(retagged["kept"], json!([]));
    assert_eq!((&retagged["added"], &retagged["removed"]), (&json!(["x"]), &json!(["x"])));

    morph_case(
        &page,
        "duplicate keys",
        r#"<i data-key="a">1</i><i data-key="a">2</i><i data-key="b">3</i>"#,
        r#"<i data-key="b">3</i><i data-key="a">1</i><i data-key="a">2</i><i data-key="a">4</i>"#,
        "",
    );

    let svg = morph_case(
        &page,
        "svg",
        r#"<svg viewBox="0 0 10 10"><rect data-key="r1" x="1" width="1" height="1"/><rect data-key="r2" x="2" width="1" height="1"/></svg>"#,
        r#"<svg viewBox="0 0 10 10"><rect data-key="r2" x="5" width="1" height="1"/><rect data-key="r1" x="1" width="1" height="1"/></svg>"#,
        "",
    );
    assert_eq!(svg["kept"], json!(["r1", "r2"]));
    assert_eq!(
        page.eval(
            "[...document.querySelectorAll('#root rect')].every((r) => r instanceof SVGRectElement)"
        ),
        true
    );

    morph_case(&page, "script", "<p>a</p>", "<p>a</p><script>window.scriptRan = true</script>", "");
    assert_eq!(page.eval("window.scriptRan === undefined"), true, "a fragment's script ran");
}

#[test]
fn morph_keeps_focus_and_selection() {
    let browser = Browser::launch();
    let page = morph_page(&browser);
    let buttons = |keys: &[&str]| -> String {
        keys.iter().map(|k| format!("<button data-key=\"{k}\">{k}</button>")).collect()
    };

    // `a` is the node that has to move (b and c keep their order).
    morph_case(
        &page,
        "focused node moved",
        &buttons(&["a", "b", "c"]),
        &buttons(&["b", "c", "a"]),
        "(root) => { window.focusedBefore = root.querySelector('[data-key=a]'); window.focusedBefore.focus(); }",
    );
    assert_eq!(page.eval("document.activeElement === window.focusedBefore"), true);

    morph_case(
        &page,
        "focused input moved",
        r#"<p data-key="p">label</p><input data-key="i" value="hello world">"#,
        r#"<input data-key="i" value="hello world"><p data-key="p">label, changed</p>"#,
        "(root) => { const input = root.querySelector('input'); window.focusedBefore = input; input.focus(); input.setSelectionRange(2, 7); }",
    );
    assert_eq!(page.eval("document.activeElement === window.focusedBefore"), true);
    assert_eq!(
        page.eval("[document.activeElement.selectionStart, document.activeElement.selectionEnd]"),
        json!([2, 7])
    );

    morph_case(
        &page,
        "selected text moved",
        r#"<p data-key="a">alpha</p><p data-key="b">bravo text</p>"#,
        r#"<p data-key="b">bravo text</p><p data-key="a">alpha, changed</p>"#,
        "(root) => { const text = root.querySelector('[data-key=b]').firstChild; getSelection().setBaseAndExtent(text, 2, text, 5); }",
    );
    assert_eq!(page.eval("getSelection().toString()"), "avo");
}

// ---- the client against the server ----------------------------------------

#[test]
fn first_paint_comes_with_the_page_and_the_client_asks_only_for_newer() {
    let server = serve();
    let path = "/view/work?renderer=table";

    let page_html = server.get(path);
    assert_eq!(page_html.status, 200, "{}", page_html.text());
    let text = page_html.text();
    assert!(text.contains("<base href=\"../\">"), "{text}");
    assert!(text.contains("data-topic=\"view/work/table\""), "{text}");
    assert!(text.contains("data-key=\"item-3\""), "{text}");

    let browser = Browser::launch();

    // Without JavaScript the page is the view as it was.
    let plain = browser.page();
    plain.set_javascript(false).goto(&url(&server, path));
    assert_eq!(
        plain.eval(ROW_KEYS),
        json!(["item-1", "item-2", "feasible-line", "item-3", "cutline", "item-4"])
    );
    assert_eq!(
        plain.eval("getComputedStyle(document.body).display"),
        "flex",
        "style.css did not load under /view/"
    );
    // Nor a connection or a picker: links lead to the other views instead.
    for hidden in [".picker", ".conn-group"] {
        let display = format!("getComputedStyle(document.querySelector('{hidden}')).display");
        assert_eq!(plain.eval(&display), "none", "{hidden} shows without JavaScript");
    }
    assert_eq!(
        plain.eval("document.querySelector('.view-links a[aria-current=page]').textContent"),
        "work · table"
    );
    assert_eq!(plain.eval("document.title"), "work · table · planhost");

    // With it, the client takes over the painted view without repainting it.
    let page = browser.page();
    page.before_each_load(RECORD_FRAMES);
    page.goto(&url(&server, path));
    page.eval("window.paintedRow = document.querySelector('[data-key=\"item-3\"]'); true");
    let painted_rev = page.eval("Number(document.getElementById('plan-view').dataset.rev)");
    assert!(painted_rev.as_u64().is_some_and(|rev| rev > 0), "data-rev: {painted_rev}");
    page.wait_eq("the client to be live", "document.getElementById('conn').dataset.state", "live");
    assert_eq!(page.eval("document.querySelector('.view-links') === null"), true);
    assert_eq!(page.eval("getComputedStyle(document.querySelector('.picker')).display"), "flex");
    page.wait_for(
        "a subscribe with since",
        &format!(
            "sentFrames.some((f) => f.type === 'subscribe' && f.topic === {} && f.since === {painted_rev})",
            js_string(TOPIC)
        ),
    );
    server.wait_subscribers(TOPIC, 1);
    assert_eq!(
        page.eval("document.querySelector('[data-key=\"item-3\"]') === window.paintedRow"),
        true
    );
    assert_eq!(page.eval("document.querySelector('#work-table tr.short').title"), "short: Web 3w");
    assert_eq!(page.eval("document.title"), "work · table · planhost");
    assert_eq!(page.eval("document.getElementById('pick-view').value"), "work");
    assert_eq!(page.eval("document.getElementById('pick-renderer').value"), "table");
    assert_eq!(page.eval("document.getElementById('plan-error').hidden"), true);

    let shot = page.screenshot("browser-work-view");
    assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 1000), "{}", shot.display());
    page.set_color_scheme("dark");
    page.screenshot("browser-work-view-dark");
    page.set_color_scheme("light");

    // Another view from the picker keeps the /view/ form of the address,
    // and reloading it paints that view first.
    page.eval(
        "const select = document.getElementById('pick-view');
         select.value = 'tracks';
         select.dispatchEvent(new Event('change'));
         true",
    );
    page.wait_for("the tracks table", "document.getElementById('tracks-table')");
    assert_eq!(page.eval("location.pathname + location.search"), "/view/tracks?renderer=tracks");
    page.eval("location.reload(); true");
    page.wait_for("the reloaded page", "window.paintedRow === undefined");
    assert_eq!(
        page.eval("document.getElementById('plan-view').dataset.topic"),
        "view/tracks/tracks"
    );
    assert!(page.eval("document.getElementById('tracks-table')").is_object());
    page.wait_eq("the client to be live", "document.getElementById('conn').dataset.state", "live");
}

#[test]
fn a_raw_topic_is_shown_as_text() {
    let server = serve();
    let browser = Browser::launch();
    let page = browser.page();
    page.goto(&url(&server, "/?topic=notes"));
    page.wait_eq("the client to be live", "document.getElementById('conn').dataset.state", "live");
    server.wait_subscribers("notes", 1);
    let rev = server.publish("notes", "<b>not markup</b>")["rev"].as_u64().expect("rev");
    wait_rev(&page, rev);
    assert_eq!(
        page.eval("document.querySelector('#plan-view pre.text').textContent"),
        "<b>not markup</b>"
    );
    assert_eq!(page.eval("document.querySelector('#plan-view b')"), Value::Null);
    assert_eq!(page.eval("document.getElementById('topic').textContent"), "notes");
}

#[test]
fn an_update_that_reorders_rows_is_applied_in_place() {
    let server = serve();
    let browser = Browser::launch();
    let page = browser.page();
    page.goto(&url(&server, "/?view=work&renderer=table"));
    wait_first_rendering(&page);

    // Sixty rows, so the view's box scrolls.
    let names: Vec<String> = (1..=60).map(|id| format!("Item {id}")).collect();
    let rows: Vec<(u32, &str)> = (1..=60).zip(names.iter().map(String::as_str)).collect();
    let rev = publish_view(&server, Some(&work_table(&rows)), None);
    wait_rev(&page, rev);
    assert_eq!(page.eval(&format!("{ROW_KEYS}.length")), 60);

    page.eval(
        "window.row = document.querySelector('[data-key=\"item-30\"]');
         window.table = document.getElementById('work-table');
         row.focus();
         document.getElementById('plan-view').scrollTop = 600;
         true",
    );
    assert_eq!(page.eval("document.getElementById('plan-view').scrollTop"), 600);
    assert_eq!(page.eval("document.activeElement === window.row"), true);

    // Reversed, and item 30 renamed.
    let mut reordered = rows.clone();
    reordered.reverse();
    reordered.iter_mut().filter(|(id, _)| *id == 30).for_each(|row| row.1 = "Renamed");
    let rev = publish_view(&server, Some(&work_table(&reordered)), None);
    wait_rev(&page, rev);

    let keys = page.eval(ROW_KEYS);
    assert_eq!(keys[0], "item-60");
    assert_eq!(keys[59], "item-1");
    assert_eq!(page.eval("document.querySelector('[data-key=\"item-30\"]') === window.row"), true);
    assert_eq!(page.eval("document.getElementById('work-table') === window.table"), true);
    assert_eq!(page.eval("row.querySelector('.name').textContent"), "Renamed");
    assert_eq!(page.eval("row.querySelector('.rank').textContent"), "31");
    assert_eq!(page.eval("document.activeElement === window.row"), true, "focus was lost");
    let scrolled = page.eval("document.getElementById('plan-view').scrollTop");
    assert_eq!(scrolled, 600, "the scroll position moved");
    assert_eq!(page.eval("document.getElementById('rev').textContent"), format!("rev {rev}"));
    assert_eq!(page.eval("location.search"), "?view=work&renderer=table");
}

/// Records the page's Content-Security-Policy violations (their
/// directives) in `window.violations`; installed before the client's
/// scripts run.
const RECORD_VIOLATIONS: &str = "window.violations = []; \
    document.addEventListener('securitypolicyviolation', \
    (e) => window.violations.push(e.effectiveDirective));";

/// Waits until the page's image with `onerror` failed to load and the
/// handler either ran (setting `window.pwned`) or was refused by the
/// page's policy; says whether it ran.
fn inline_handler_ran(page: &Page, what: &str) -> bool {
    page.wait_for(
        &format!("the image's error handler to run or be refused ({what})"),
        "window.pwned !== undefined || violations.some((d) => d.startsWith('script-src'))",
    );
    page.eval("window.pwned !== undefined") == true
}

/// A renderer's HTML is trusted with the view's layout, not with script:
/// the page's policy keeps an event handler in it from running, on the
/// first paint and in a live update (applied through `innerHTML`).
#[test]
fn script_in_a_views_html_does_not_run() {
    let server = serve();
    let browser = Browser::launch();
    let page = browser.page();
    page.before_each_load(RECORD_VIOLATIONS);
    let path = "/view/work?renderer=table";
    page.goto(&url(&server, path));
    wait_first_rendering(&page);
    page.wait_eq("the client to be live", "document.getElementById('conn').dataset.state", "live");
    let hostile = "<p data-key=\"hostile\"><img src=\"no-such-image\" \
                   onerror=\"window.pwned = 'inline handler ran'\"> hostile view</p>";
    wait_rev(&page, publish_view(&server, Some(hostile), None));
    assert!(page.eval("document.querySelector('#plan-view img')").is_object());
    assert!(!inline_handler_ran(&page, "live update"), "an inline handler ran in a live update");

    // The page painted with that HTML in it.
    page.goto(&url(&server, path));
    assert!(page.eval("document.querySelector('#plan-view img')").is_object());
    assert!(!inline_handler_ran(&page, "first paint"), "an inline handler ran on the first paint");
    // The client itself still works under the policy.
    page.wait_eq("the client to be live", "document.getElementById('conn').dataset.state", "live");
    assert_eq!(page.eval("violations.filter((d) => !d.startsWith('script-src-attr'))"), json!([]));

    // The client's index page (a static file) shows the view as a message.
    page.goto(&url(&server, "/?view=work&renderer=table"));
    page.wait_for("the hostile view", "document.querySelector('#plan-view img')");
    assert!(!inline_handler_ran(&page, "index page"), "an inline handler ran on the index page");
    assert_eq!(page.eval("violations.filter((d) => !d.startsWith('script-src-attr'))"), json!([]));

    // On the index page as on view pages, nothing from another server
    // loads: a tracking image, a stylesheet (it would tell that server
    // who watches, and when).
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let there = elsewhere.local_addr().unwrap();
    let tracking = format!(
        "<p data-key=\"tracking\"><img src=\"http://{there}/pixel.png\"> \
         <link rel=\"stylesheet\" href=\"http://{there}/look.css\"> tracked view</p>"
    );
    wait_rev(&page, publish_view(&server, Some(&tracking), None));
    page.wait_for(
        "the outside image to be refused",
        "violations.some((d) => d.startsWith('img-src'))",
    );
    page.wait_for(
        "the outside stylesheet to be refused",
        "violations.some((d) => d.startsWith('style-src'))",
    );
    let asked = elsewhere.accept();
    assert!(asked.is_err(), "the page asked another server for {:?}", asked.map(|(_, a)| a));
    // A `data:` image is the view's own.
    let inline = "<p data-key=\"inline\"><img id=\"dot\" src=\"data:image/gif;base64,\
                  R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==\"> own image</p>";
    let before = page.eval("violations.length");
    wait_rev(&page, publish_view(&server, Some(inline), None));
    page.wait_for("the data: image to load", "document.getElementById('dot')?.naturalWidth === 1");
    assert_eq!(page.eval("violations.length"), before, "a data: image was refused");
}

#[test]
fn an_error_shows_in_a_dismissible_banner_over_the_last_good_view() {
    let server = serve();
    let browser = Browser::launch();
    let page = browser.page();
    page.goto(&url(&server, "/?view=work&renderer=table"));
    wait_first_rendering(&page);

    let good = work_table(&[(1, "Login"), (2, "Search"), (3, "Sync")]);
    wait_rev(&page, publish_view(&server, Some(&good), None));
    page.eval("window.row = document.querySelector('[data-key=\"item-2\"]'); true");
    let banner_shown = "!document.getElementById('plan-error').hidden";

    let lua_error = "plan.lua:7: attempt to index a nil value (field 'team')";
    let rev = publish_view(&server, Some(&good), Some(("lua", lua_error)));
    wait_rev(&page, rev);
    page.wait_for("the error banner", banner_shown);
    assert_eq!(page.eval("document.getElementById('plan-error-text').textContent"), lua_error);
    assert_eq!(
        page.eval("document.getElementById('plan-error-source').textContent"),
        "Plan script error"
    );
    assert_eq!(
        page.eval("document.getElementById('plan-error-note').textContent"),
        "Showing the last good view."
    );
    assert_eq!(
        page.eval(ROW_KEYS),
        json!(["item-1", "item-2", "item-3"]),
        "the last good view went"
    );
    assert_eq!(page.eval("document.querySelector('[data-key=\"item-2\"]') === window.row"), true);
    page.screenshot("browser-error-banner");

    page.click("#plan-error-close");
    page.wait_for("the banner to close", &format!("!({banner_shown})"));

    // The same error again stays dismissed; another one shows.
    wait_rev(&page, publish_view(&server, Some(&good), Some(("lua", lua_error))));
    assert_eq!(page.eval(banner_shown), false, "a dismissed error came back");
    let plugin_error = "table: option units: expected weeks or people, got \"days\"";
    wait_rev(&page, publish_view(&server, Some(&good), Some(("plugin", plugin_error))));
    page.wait_for("the plugin error", banner_shown);
    assert_eq!(
        page.eval("document.getElementById('plan-error-source').textContent"),
        "Renderer plugin error"
    );
    assert_eq!(page.eval("document.getElementById('plan-error-text').textContent"), plugin_error);
    // The banner is an alert: an update with the same error leaves it as it
    // is (a screen reader may announce replaced text again).
    page.eval(
        "window.bannerChanges = 0; new MutationObserver((m) => { bannerChanges += m.length; })
           .observe(document.getElementById('plan-error'),
             { subtree: true, childList: true, characterData: true, attributes: true }); true",
    );
    let renamed = work_table(&[(1, "Login"), (2, "Search again"), (3, "Sync")]);
    wait_rev(&page, publish_view(&server, Some(&renamed), Some(("plugin", plugin_error))));
    assert_eq!(page.eval("window.bannerChanges"), 0, "the banner was rewritten");
    wait_rev(&page, publish_view(&server, Some(&good), Some(("plugin", plugin_error))));

    // No error: the banner goes by itself.
    wait_rev(&page, publish_view(&server, Some(&good), None));
    assert_eq!(page.eval(banner_shown), false);
    assert_eq!(page.eval("document.getElementById('view').classList.contains('has-error')"), false);
    assert_eq!(page.eval("document.querySelector('[data-key=\"item-2\"]') === window.row"), true);

    // A view the plan lacks has no good HTML at all: a note, and the error.
    page.goto(&url(&server, "/?view=missing&renderer=table"));
    page.wait_for("the error banner", banner_shown);
    assert_eq!(
        page.eval("document.getElementById('plan-error-source').textContent"),
        "Plan script error"
    );
    assert!(
        page.eval("document.getElementById('plan-error-text').textContent")
            .to_string()
            .contains("missing"),
        "the error does not name the view"
    );
    page.wait_for(
        "the note",
        "document.getElementById('view-note')?.textContent.startsWith('Nothing to show yet')",
    );
    assert_eq!(page.eval("document.getElementById('plan-view').childNodes.length"), 0);
}

/// The note under a view the plan has not rendered (an error and no HTML).
const NOT_RENDERED: &str = "Nothing to show yet: the plan has not rendered this view.";

/// The page's error banner, note and view as `{source, error, note, html}`
/// (`error` null while the banner is hidden).
const SHOWN: &str = "({
  source: document.getElementById('plan-error').hidden ? null : document.getElementById('plan-error-source').textContent,
  error: document.getElementById('plan-error').hidden ? null : document.getElementById('plan-error-text').textContent,
  note: document.getElementById('view-note')?.textContent ?? null,
  html: document.getElementById('plan-view')?.innerHTML ?? null,
})";

#[test]
fn a_name_the_server_refuses_is_reported_without_subscribing() {
    let server = serve();
    let browser = Browser::launch();
    let page = browser.page();
    page.before_each_load(RECORD_FRAMES);
    let markup = "<img src=x onerror=\"window.pwned = 1\">";
    let long = "w".repeat(65);
    let long_path = format!("/?view={long}&renderer=table");
    let cases = [
        ("/?view=work%20&renderer=table", "Plan script error", "no view named 'work '".to_owned()),
        ("/?view=it's&renderer=table", "Plan script error", "no view named 'it's'".to_owned()),
        ("/?view=a%2Fb", "Plan script error", "no view named 'a/b'".to_owned()),
        (
            "/?view=%3Cimg%20src%3Dx%20onerror%3D%22window.pwned%20%3D%201%22%3E&renderer=table",
            "Plan script error",
            format!("no view named '{markup}'"),
        ),
        (long_path.as_str(), "Plan script error", format!("no view named '{long}'")),
        (
            "/?view=work&renderer=no%20such",
            "Renderer plugin error",
            "no renderer named 'no such'".to_owned(),
        ),
        // The same names in a view page's address (a 404 page, the client
        // in it).
        ("/view/it's?renderer=table", "Plan script error", "no view named 'it's'".to_owned()),
        (
            "/view/work?renderer=no%20such",
            "Renderer plugin error",
            "no renderer named 'no such'".to_owned(),
        ),
    ];
    for (path, source, error) in cases {
        page.goto(&url(&server, path));
        page.wait_eq(
            "the client to be live",
            "document.getElementById('conn').dataset.state",
            "live",
        );
        // The catalog topics are subscribed in the same breath as a view would be.
        page.wait_for(
            "the catalog subscriptions",
            "sentFrames.filter((f) => f.type === 'subscribe').length >= 2",
        );
        assert_eq!(
            page.eval(SHOWN),
            json!({"source": source, "error": error, "note": NOT_RENDERED, "html": ""}),
            "{path}"
        );
        assert_eq!(
            page.eval("sentFrames.map((f) => f.topic).sort()"),
            json!(["plan/views", "plugins/errors"]),
            "{path}: subscribed to a view"
        );
        assert_eq!(
            page.eval("document.querySelector('img') === null && window.pwned === undefined"),
            true,
            "{path}"
        );
    }

    // Going back to such an address from a view leaves the view's topic.
    page.goto(&url(&server, "/?view=work&renderer=table"));
    wait_first_rendering(&page);
    server.wait_subscribers(TOPIC, 1);
    page.eval(
        "history.pushState(null, '', '?view=it%27s&renderer=table');
         dispatchEvent(new PopStateEvent('popstate'));
         true",
    );
    server.wait_subscribers(TOPIC, 0);
    assert_eq!(
        page.eval(SHOWN),
        json!({"source": "Plan script error", "error": "no view named 'it's'", "note": NOT_RENDERED, "html": ""})
    );
    assert_eq!(page.eval("document.getElementById('rev').textContent"), "");
    // The picker still leads to the plan's views.
    page.eval(
        "const select = document.getElementById('pick-view');
         select.value = 'work';
         select.dispatchEvent(new Event('change'));
         true",
    );
    wait_first_rendering(&page);
    assert_eq!(page.eval("document.getElementById('plan-error').hidden"), true);
    assert_eq!(page.eval("document.getElementById('view-note')"), Value::Null);
    server.wait_subscribers(TOPIC, 1);
}

#[test]
fn a_first_paint_with_an_error_and_no_html_says_so_as_a_message_would() {
    // A view `chart` whose data the `chart` renderer refuses.
    let dir = plan_dir();
    let chart = "planhost.view('chart', function() return {plan = 'not a plan'} end)";
    std::fs::write(dir.path().join("plan.lua"), format!("{PLAN}\n{chart}\n")).unwrap();
    let web = web_dir();
    let server = Server::start_in(dir, &["--web", web.to_str().expect("UTF-8 path")]);
    let path = "/view/chart?renderer=chart";
    let first = server.get(path);
    assert_eq!(first.status, 200, "{}", first.text());
    assert!(first.text().contains("id=\"plan-view-error\""), "{}", first.text());

    let browser = Browser::launch();
    let page = browser.page();
    page.before_each_load(RECORD_FRAMES);
    page.goto(&url(&server, path));
    let painted_rev = page.eval("Number(document.getElementById('plan-view').dataset.rev)");
    page.wait_eq("the client to be live", "document.getElementById('conn').dataset.state", "live");
    page.wait_for(
        "a subscribe with since",
        &format!(
            "sentFrames.some((f) => f.type === 'subscribe' && f.topic === 'view/chart/chart' && f.since === {painted_rev})"
        ),
    );
    server.wait_subscribers("view/chart/chart", 1);
    let shown = page.eval(SHOWN);
    assert_eq!(shown["source"], "Renderer plugin error", "{shown}");
    assert_eq!(shown["note"], NOT_RENDERED, "{shown}");
    assert_eq!(shown["html"], "", "{shown}");
    assert_eq!(page.eval("document.getElementById('plan-view-error')"), Value::Null);
    page.screenshot("browser-first-paint-error");

    // The live path shows the same.
    page.goto(&url(&server, "/?view=chart&renderer=chart"));
    page.wait_for("the error banner", "!document.getElementById('plan-error').hidden");
    page.wait_eq("the note", "document.getElementById('view-note')?.textContent", NOT_RENDERED);
    assert_eq!(page.eval(SHOWN), shown);

    // The page names its icon, so the browser asks for no /favicon.ico.
    assert_eq!(
        page.eval(
            "document.querySelector('link[rel=icon]').href.startsWith('data:image/svg+xml,')"
        ),
        true
    );
}

#[test]
fn a_view_page_of_a_plan_that_failed_to_load_shows_the_view_once_fixed() {
    let dir = TempDir::new("browser-broken-plan");
    std::fs::write(dir.path().join("plan.lua"), "planhost.view('work', function()\n").unwrap();
    let web = web_dir();
    let server = Server::start_in(dir, &["--web", web.to_str().expect("UTF-8 path")]);
    let path = "/view/work?renderer=table";
    let first = server.get(path);
    assert_eq!(first.status, 503, "{}", first.text());
    assert!(first.text().contains("data-rev=\"0\""), "{}", first.text());

    let browser = Browser::launch();
    let page = browser.page();
    page.before_each_load(RECORD_FRAMES);
    page.goto(&url(&server, path));
    page.wait_eq("the client to be live", "document.getElementById('conn').dataset.state", "live");
    server.wait_subscribers(TOPIC, 1);
    assert_eq!(
        page.eval(&format!(
            "sentFrames.some((f) => f.type === 'subscribe' && f.topic === {} && f.since === 0)",
            js_string(TOPIC)
        )),
        true
    );
    let shown = page.eval(SHOWN);
    assert_eq!(shown["source"], "Plan script error", "{shown}");
    assert!(shown["error"].as_str().is_some_and(|e| e.contains("plan.lua")), "{shown}");
    assert_eq!(shown["note"], NOT_RENDERED, "{shown}");
    assert_eq!(
        page.eval("document.getElementById('plan-error-note').textContent"),
        "There is no good view to show yet."
    );
    // The server's own message for the pair says the same.
    page.wait_for(
        "the pair's message",
        "Number(document.getElementById('plan-view').dataset.rev) > 0",
    );
    let shown = page.eval(SHOWN);
    assert_eq!(shown["source"], "Plan script error", "{shown}");
    assert!(shown["error"].as_str().is_some_and(|e| e.contains("plan.lua")), "{shown}");
    assert_eq!(shown["note"], NOT_RENDERED, "{shown}");

    // The plan is fixed: the view shows, and the picker lists its views.
    std::fs::write(server.plan_dir.path().join("plan.lua"), PLAN).unwrap();
    page.wait_eq("the plan's rows", &format!("{ROW_KEYS}.length"), 6);
    page.wait_eq(
        "the view list",
        "[...document.getElementById('pick-view').options].map((o) => o.value)",
        json!(["tracks", "work"]),
    );
    let shown = page.eval(SHOWN);
    assert_eq!((&shown["error"], &shown["note"]), (&Value::Null, &Value::Null), "{shown}");
    assert_eq!(page.eval("location.pathname + location.search"), path);
}

#[test]
fn the_picker_switches_views_and_follows_history() {
    let server = serve();
    let views = server.get("/api/views").json();
    assert_eq!(
        views,
        json!([{"name": "tracks", "renderers": ["tracks"]}, {"name": "work", "renderers": ["table"]}]),
    );
    let browser = Browser::launch();
    let page = browser.page();
    page.goto(&url(&server, "/"));

    // No view named: the first view listed, with its first renderer.
    page.wait_for("the tracks table", "document.getElementById('tracks-table')");
    assert_eq!(page.eval("location.search"), "?view=tracks&renderer=tracks");
    page.wait_eq(
        "the view list",
        "[...document.getElementById('pick-view').options].map((o) => o.value)",
        json!(["tracks", "work"]),
    );
    server.wait_subscribers("view/tracks/tracks", 1);

    page.eval(
        "const select = document.getElementById('pick-view');
         select.value = 'work';
         select.dispatchEvent(new Event('change'));
         true",
    );
    page.wait_for("the work table", "document.getElementById('work-table')");
    assert_eq!(page.eval("document.getElementById('tracks-table')"), Value::Null);
    assert_eq!(page.eval("location.search"), "?view=work&renderer=table");
    assert_eq!(page.eval("document.getElementById('plan-view').dataset.topic"), TOPIC);
    assert_eq!(page.eval("document.getElementById('pick-renderer').value"), "table");
    server.wait_subscribers(TOPIC, 1);
    server.wait_subscribers("view/tracks/tracks", 0);

    page.eval("history.back(); true");
    page.wait_for("the tracks table again", "document.getElementById('tracks-table')");
    assert_eq!(page.eval("location.search"), "?view=tracks&renderer=tracks");
    assert_eq!(page.eval("document.getElementById('pick-view').value"), "tracks");
    server.wait_subscribers("view/tracks/tracks", 1);
    server.wait_subscribers(TOPIC, 0);
    page.screenshot("browser-tracks-view");
}

/// `planhost serve` at a fixed address ([`Server`] always asks for port
/// 0), killed on drop.
struct PinnedServer {
    child: Child,
    _plan: TempDir,
}

impl PinnedServer {
    fn start(addr: SocketAddr, plan: TempDir) -> PinnedServer {
        let web = web_dir();
        let web = web.to_str().expect("a UTF-8 path");
        let (mut child, listening, _) =
            spawn_serve(plan.path(), &addr.to_string(), &["--web", web]);
        assert_eq!(listening, addr);
        let mut stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        PinnedServer { child, _plan: plan }
    }
}

impl Drop for PinnedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_client_reconnects_after_a_restart_and_resumes_with_since() {
    let first = serve();
    let addr = first.addr;
    let browser = Browser::launch();
    let page = browser.page();
    page.before_each_load(RECORD_FRAMES);
    page.goto(&url(&first, "/?view=work&renderer=table"));
    wait_first_rendering(&page);
    let before = publish_view(&first, Some(&work_table(&[(2, "Search"), (1, "Login")])), None);
    wait_rev(&page, before);
    page.eval("window.row = document.querySelector('[data-key=\"item-2\"]'); true");
    assert_eq!(conn_state(&page), "live");

    drop(first);
    page.wait_eq(
        "the client to notice",
        "document.getElementById('conn').dataset.state === 'live'",
        false,
    );
    page.wait_for("the lost-connection notice", "!document.getElementById('notice').hidden");
    page.wait_eq(
        "a reconnect to fail",
        "document.getElementById('conn').dataset.state",
        "reconnecting",
    );

    // The same port again; revisions keep growing across restarts.
    let _second = PinnedServer::start(addr, plan_dir());
    page.wait_eq(
        "the client to be live again",
        "document.getElementById('conn').dataset.state",
        "live",
    );
    page.wait_for(
        "a subscribe with the last rev",
        &format!("sentFrames.filter((f) => f.type === 'subscribe').at(-1)?.since === {before}"),
    );
    page.wait_for("the notice to clear", "document.getElementById('notice').hidden");

    // The restarted server renders the plan: applied in place too.
    page.wait_eq("the plan's rows", &format!("{ROW_KEYS}.length"), 6);
    assert!(
        page.eval("Number(document.getElementById('plan-view').dataset.rev)").as_u64()
            > Some(before)
    );
    assert_eq!(page.eval("document.querySelector('[data-key=\"item-2\"]') === window.row"), true);
}

#[test]
fn a_view_refused_for_switching_too_fast_is_asked_for_again() {
    let server = serve();
    let browser = Browser::launch();
    let page = browser.page();
    page.goto(&url(&server, "/view/work?renderer=table"));
    page.wait_eq("the client to be live", "document.getElementById('conn').dataset.state", "live");
    // More new views in a second than a client may watch, then the one it
    // shows: refused at first, then asked for again, and drawn.
    // (The notice shows for about a second: every text it shows is kept,
    // so that a slow poll on a busy machine cannot miss it.)
    page.eval(
        "window.noticesShown = []; \
         new MutationObserver(() => noticesShown.push(document.getElementById('notice-text').textContent)) \
           .observe(document.getElementById('notice-text'), { childList: true, characterData: true, subtree: true }); \
         for (let i = 0; i < 40; i++) watch(`view/nope${i}/table`); watch('view/tracks/tracks'); 1",
    );
    page.wait_for(
        "the refusal shown",
        "noticesShown.some((text) => text.includes('try again shortly')) || null",
    );
    page.wait_for(
        "the tracks view drawn",
        "document.querySelector('#plan-view [data-key]') && document.getElementById('notice').hidden || null",
    );
    assert_eq!(page.eval("state.topic"), "view/tracks/tracks");
}
