//! The example plan in headless Chromium: the page of the `work` view, an
//! item moved from the console, and the new order on screen within 2 s,
//! applied in place. Screenshots land in `target/test-artifacts/`.

use std::path::Path;
use std::time::{Duration, Instant};

use planhost_tests::browser::Browser;
use planhost_tests::{Server, TempDir};
use serde_json::Value;

/// How soon a console change must show in the browser (the issue's bound;
/// a deadline for polling, not a performance measurement).
const CHANGE_SHOWN_WITHIN: Duration = Duration::from_secs(2);

const ROW_KEYS: &str = "[...document.querySelectorAll('#plan-view tbody tr[data-key^=\"item-\"]')].map((r) => r.dataset.key)";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') || name == "tmp" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

fn example_plan() -> TempDir {
    let dir = TempDir::new("browser-quarter");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quarter");
    copy_dir(&example, dir.path());
    dir
}

/// Counts the types of the WebSocket frames the page receives in `__frames`.
const RECORD_FRAME_TYPES: &str = "window.__frames = []; \
    window.WebSocket = class extends WebSocket { constructor(...args) { super(...args); \
    this.addEventListener('message', (e) => window.__frames.push(JSON.parse(e.data).type)); } };";

fn frame_types(page: &planhost_tests::browser::Page) -> Vec<String> {
    keys(page.eval("window.__frames"))
}

/// Moves the item at `from` (0-based) to rank `to` from the console and
/// waits until the page shows the new order.
fn move_item(
    server: &Server,
    page: &planhost_tests::browser::Page,
    order: &mut Vec<String>,
    from: usize,
    to: usize,
) {
    let key = order.remove(from);
    let id = key.trim_start_matches("item-");
    let answer = server.console(&format!("rank({id}, {to})"));
    assert_eq!(answer["status"], "ok", "{answer}");
    order.insert(to - 1, key);
    let asked = Instant::now();
    while keys(page.eval(ROW_KEYS)) != *order {
        assert!(asked.elapsed() < CHANGE_SHOWN_WITHIN, "the page never showed {order:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn keys(value: Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_owned()).collect()
}

#[test]
fn moving_an_item_from_the_console_shows_in_the_browser() {
    let server = Server::start_in(example_plan(), &[]);
    let browser = Browser::launch();
    let page = browser.page();
    page.before_each_load(RECORD_FRAME_TYPES);
    page.goto(&format!("http://{}/view/work?renderer=table", server.addr));
    page.wait_for(
        "the live connection",
        "document.getElementById('conn').dataset.state === 'live'",
    );
    let before = keys(page.eval(ROW_KEYS));
    assert_eq!(before.len(), 60, "the example plan ranks 60 items");
    let moved = before[9].clone();
    let id: u32 = moved.trim_start_matches("item-").parse().unwrap();
    // Mark the row's node: an update applied in place keeps it.
    page.eval(&format!("document.querySelector('[data-key=\"{moved}\"]').marked = true"));
    page.screenshot("example-plan-before-move");

    let answer = server.console(&format!("rank({id}, 1)"));
    assert_eq!(answer["status"], "ok", "{answer}");
    let asked = Instant::now();
    let mut expected = before.clone();
    let row = expected.remove(9);
    expected.insert(0, row);
    loop {
        let now = keys(page.eval(ROW_KEYS));
        if now == expected {
            break;
        }
        assert!(
            asked.elapsed() < CHANGE_SHOWN_WITHIN,
            "after {CHANGE_SHOWN_WITHIN:?} the browser shows {now:?}, expected {expected:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let kept =
        page.eval(&format!("document.querySelector('[data-key=\"{moved}\"]').marked === true"));
    assert_eq!(kept, Value::Bool(true), "the moved row is the same node, moved in place");
    let first_rank = page
        .eval(&format!("document.querySelector('[data-key=\"{moved}\"] td').textContent.trim()"));
    assert_eq!(first_rank, "1");
    let shot = page.screenshot("example-plan-after-move");
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000, "{}", shot.display());

    // The next change comes as a patch of the message the page holds.
    let mut order = expected;
    move_item(&server, &page, &mut order, 30, 2);
    let frames = frame_types(&page);
    assert_eq!(frames.last().map(String::as_str), Some("patch"), "frames: {frames:?}");
    // A page whose copy no longer matches refuses the patch (its checksum
    // differs) and asks for the whole view again.
    page.eval("state.data = 'x' + state.data.slice(1)");
    move_item(&server, &page, &mut order, 40, 3);
    let frames = frame_types(&page);
    assert_eq!(frames[frames.len() - 2..], ["patch", "message"], "frames: {frames:?}");
    move_item(&server, &page, &mut order, 50, 4);
    assert_eq!(frame_types(&page).last().map(String::as_str), Some("patch"));

    // The other views of the plan render in the same page.
    for (view, probe) in [
        ("chart", "document.querySelector('#plan-view svg') != null"),
        ("tracks", "document.querySelectorAll('#plan-view [data-key]').length > 4"),
        ("staff", "document.querySelectorAll('#plan-view [data-key]').length > 4"),
    ] {
        page.goto(&format!("http://{}/view/{view}", server.addr));
        page.wait_for(&format!("the {view} view"), probe);
        page.screenshot(&format!("example-plan-{view}"));
    }
}

#[test]
fn a_long_unbroken_name_wraps_instead_of_pushing_the_other_columns_away() {
    let server = Server::start_in(example_plan(), &[]);
    let answer = server.console(r#"add(string.rep("L", 5000), "Web:S", "track:Payments")"#);
    assert_eq!(answer["status"], "ok", "{answer}");
    let browser = Browser::launch();
    let page = browser.page();
    for view in ["work", "tracks"] {
        page.goto(&format!("http://{}/view/{view}", server.addr));
        page.wait_for(
            &format!("the {view} view with the long name"),
            "document.getElementById('plan-view').textContent.includes('L'.repeat(5000))",
        );
        let fits = page.eval(
            "[...document.querySelectorAll('#plan-view table')]
               .every((t) => t.scrollWidth <= document.documentElement.clientWidth)",
        );
        assert_eq!(fits, Value::Bool(true), "a {view} table is wider than the page");
    }
}

/// Where the page shows what, by what is drawn on top at a point:
/// `inBox(x, y)` gives the nearest `thead`, `tfoot` or `tbody` painted at
/// that point of the view's box (x, y from its top left corner).
const PAINTED_AT: &str = "window.inBox = (x, y) => { \
    const box = document.getElementById('plan-view').getBoundingClientRect(); \
    const hit = document.elementFromPoint(box.left + x, box.top + y); \
    return hit?.closest('thead, tfoot, tbody')?.localName ?? null; };";

#[test]
fn the_work_tables_header_and_supply_row_stay_in_sight_while_it_scrolls() {
    let server = Server::start_in(example_plan(), &[]);
    let browser = Browser::launch();
    let page = browser.page();
    page.goto(&format!("http://{}/view/work?renderer=table", server.addr));
    page.wait_for(
        "the live connection",
        "document.getElementById('conn').dataset.state === 'live'",
    );
    page.eval(PAINTED_AT);
    // The view scrolls in its own box, not the page (60 items are taller
    // than the window).
    let boxed = page.eval(
        "(() => { const box = document.getElementById('plan-view'); \
           return [box.scrollHeight > box.clientHeight + 500, \
                   document.documentElement.scrollHeight <= window.innerHeight]; })()",
    );
    assert_eq!(boxed, serde_json::json!([true, true]), "box taller than shown, page not");
    // The keys scroll it from the start: it has the focus.
    assert_eq!(page.eval("document.activeElement.id"), "plan-view");
    page.press("PageDown");
    page.wait_for(
        "PageDown to scroll the view",
        "document.getElementById('plan-view').scrollTop > 200",
    );
    page.eval("document.getElementById('plan-view').scrollTop = 0");
    let bottom = "document.getElementById('plan-view').clientHeight - 4";

    // The top of the header's first cell within the box (the cells stick,
    // not the row).
    let head_top = "Math.round(document.querySelector('#plan-view thead th').getBoundingClientRect().top \
        - document.getElementById('plan-view').getBoundingClientRect().top)";

    // At the top: the header where the table puts it, the supply row at the
    // box's foot over the rows it covers, not after the last row.
    let at_first = page.eval(head_top).as_i64().unwrap();
    assert!(at_first > 0, "the header starts below the view's title: {at_first}");
    assert_eq!(page.eval(&format!("inBox(40, {at_first} + 4)")), "thead");
    assert_eq!(page.eval(&format!("inBox(40, {bottom})")), "tfoot");
    assert_eq!(page.eval(&format!("inBox(40, {at_first} + 100)")), "tbody");

    // Half way down: the header stuck to the box's top.
    page.eval("document.getElementById('plan-view').scrollTop = 700");
    assert_eq!(page.eval(head_top), 0);
    assert_eq!(page.eval("inBox(40, 4)"), "thead");
    assert_eq!(page.eval(&format!("inBox(40, {bottom})")), "tfoot");
    page.screenshot("example-plan-work-scrolled");

    // A change keeps the box where it was, and the rows under the header.
    let order = keys(page.eval(ROW_KEYS));
    let answer = server.console(&format!("rank({}, 1)", order[40].trim_start_matches("item-")));
    assert_eq!(answer["status"], "ok", "{answer}");
    let moved_first = format!("{ROW_KEYS}[0] === {:?}", order[40]);
    page.wait_for("the moved item first", &moved_first);
    assert_eq!(page.eval("document.getElementById('plan-view').scrollTop"), 700);
    assert_eq!(page.eval(head_top), 0);
    assert_eq!(page.eval("inBox(40, 4)"), "thead");

    // Narrowed, the box scrolls sideways too: the rank and item columns
    // stay at its left edge, in the body, the head and the supply row.
    page.eval("document.getElementById('plan-view').style.width = '520px'");
    page.eval("document.getElementById('plan-view').scrollLeft = 1e6");
    let stuck = page.eval(
        "(() => { const box = document.getElementById('plan-view'); \
           const r = box.getBoundingClientRect(); \
           const row = [...box.querySelectorAll('tbody tr[data-key^=\"item-\"]')].find((tr) => { \
             const b = tr.getBoundingClientRect(); return b.top > r.top + 40 && b.bottom < r.bottom - 40; }); \
           const y = (row.getBoundingClientRect().top + row.getBoundingClientRect().bottom) / 2; \
           const cell = (x, y) => document.elementFromPoint(r.left + x, y)?.closest('td, th'); \
           return [box.scrollLeft > 100, cell(8, y)?.cellIndex, cell(80, y)?.cellIndex, \
             cell(8, r.top + 4)?.textContent, cell(80, r.top + 4)?.textContent, \
             cell(8, r.top + box.clientHeight - 4)?.textContent]; })()",
    );
    page.screenshot("example-plan-work-scrolled-sideways");
    assert_eq!(stuck, serde_json::json!([true, 0, 1, "Rank", "Item", "Supply"]));
    page.eval("document.getElementById('plan-view').style.width = ''");

    // At the end: the supply row where it belongs, below the last row.
    page.eval("document.getElementById('plan-view').scrollTop = 1e6");
    let last_row_above_supply = page.eval(
        "document.querySelector('#plan-view tbody tr:last-child').getBoundingClientRect().bottom \
           <= document.querySelector('#plan-view tr.supply').getBoundingClientRect().top + 1",
    );
    assert_eq!(last_row_above_supply, Value::Bool(true));
}
