//! The Lua prompt `planhost serve` offers on a terminal, driven through a
//! real pseudo-terminal (`script` from util-linux allocates it): line
//! editing, multi-line chunks, printed values, errors, changes reaching
//! the browsers, history kept in the plan directory, Ctrl-D stopping the
//! server cleanly.

use planhost_tests::{TempDir, Terminal, planhost_bin};

#[test]
fn the_server_prompt_runs_lua_on_the_plan() {
    let plan = TempDir::new("prompt");
    std::fs::write(
        plan.path().join("plan.lua"),
        "items = {'Login', 'Sync'} planhost.view('count', function() return {n = #items} end)",
    )
    .unwrap();
    let serve = format!(
        "exec {} serve {} --addr 127.0.0.1:0",
        planhost_bin().display(),
        plan.path().display()
    );
    let mut screen = Terminal::run(&serve);
    assert!(screen.text().contains("planhost listening on http://"), "{}", screen.text());
    let mut type_line = |line: &str, shows: &str| screen.type_line(line, shows);
    type_line("#items * 10", "\n20\n");
    type_line("for i, name in ipairs(items) do", ">> ");
    type_line("print(i, name)", ">> ");
    type_line("end", "2\tSync\n");
    type_line("error('no such item')", "console:1: no such item");
    type_line("items[3] = 'Search'", "> ");
    type_line("#items", "\n3\n");

    // Ctrl-D: the change to `items` is not saved, which it says once; a
    // second Ctrl-D stops the server cleanly, keeping the history.
    let prompts = screen.count("> ");
    screen.press(&[4]);
    screen.wait_for("the changes are not saved", 1);
    screen.wait_for("> ", prompts + 1);
    let status = screen.quit();
    assert!(status.success(), "{status}");
    let history = std::fs::read_to_string(plan.path().join(".planhost/history")).unwrap();
    assert!(history.contains("#items * 10"), "{history}");
    assert!(history.contains("items[3] = 'Search'"), "{history}");
}
