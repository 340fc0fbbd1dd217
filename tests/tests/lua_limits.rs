//! Lua chunks that nest too deeply for piccolo's recursive parser and
//! compiler are refused ("chunk too complex") instead of overflowing the Lua
//! thread's stack, which aborted the whole server and lost its unsaved
//! edits; `planhost run` refuses them the same way. The limits are close
//! to Lua's own: generated plans with deep table literals and long
//! expressions run. Also: `planhost run` skips a `#!` first line as `lua`
//! does.

use std::path::Path;
use std::process::{Command, Output};

use planhost_tests::{Server, TempDir, planhost_bin};

/// `n` `<close>` locals, numbered from `first`.
fn close_locals(first: usize, n: usize) -> String {
    let locals: Vec<String> =
        (first..first + n).map(|i| format!("local c{i} <close> = nil")).collect();
    locals.join(" ")
}

/// `n` `<close>` locals in one block.
fn closes(n: usize) -> String {
    format!("do {} end", close_locals(1, n))
}

/// `blocks` nested `do` blocks of 200 `<close>` locals each around a chain
/// of `n` suffixes: 6 blocks and 189 suffixes are as deep as a chunk may
/// go (5,000 levels), and take the most stack.
fn closed(blocks: usize, n: usize) -> String {
    let opened: String =
        (0..blocks).map(|i| format!("do {} ", close_locals(i * 1000, 200))).collect();
    format!("x = {{}} x.a = x {opened}y = x{}{}", ".a".repeat(n), " end".repeat(blocks))
}

/// Flat chunks that each crashed the server, and what they now give
/// (after the chunk name and line).
fn reproductions() -> Vec<(String, &'static str)> {
    vec![
        (
            format!("x = {{}} y = x{}", ".a".repeat(20_000)),
            "chunk too complex (suffix chain of more than 1000)",
        ),
        (
            format!("x = 100{}", " // 1".repeat(2_000)),
            "chunk too complex (more than 1000 operators in one expression)",
        ),
        (closes(500), "chunk too complex (more than 200 <close> variables in one block)"),
        (
            format!("f = function() return f end f{}", "()".repeat(20_000)),
            "chunk too complex (suffix chain of more than 1000)",
        ),
        (
            format!("x = {}1{}", "(".repeat(10_000), ")".repeat(10_000)),
            "chunk too complex (more than 190 nested functions, blocks or brackets)",
        ),
        (closed(7, 1_000), "chunk too complex (more than 5000 levels of nesting)"),
    ]
}

#[test]
fn the_server_survives_chunks_too_complex_to_compile() {
    let server = Server::start(&[]);
    assert_eq!(server.console("x = 41")["status"], "ok");
    for (chunk, error) in reproductions() {
        let answer = server.console(&chunk);
        assert_eq!(answer["status"], "error", "{answer:.300}");
        assert_eq!(answer["error"], format!("console:1: {error}"));
        // The server is alive, its state untouched.
        let answer = server.console("x + 1");
        assert_eq!(answer["output"], "42\n", "after {error}: {answer}");
    }
    // What the limits let through still runs.
    let chain = format!("t = {{}} t.a = t\nreturn t{} == t", ".a".repeat(999));
    assert_eq!(server.console(&chain)["output"], "true\n");
    // The console's own wrapping (`table.pack((function(...) <line> end)(...))`)
    // takes three of the 190 nesting levels.
    let nested = format!("return {}x{}", "(".repeat(187), ")".repeat(187));
    assert_eq!(server.console(&nested)["output"], "41\n");
    let divisions = format!("return 100{}", " // 1".repeat(200));
    assert_eq!(server.console(&divisions)["output"], "100\n");
    let sum = format!("return 0{}", " + 1".repeat(1_000));
    assert_eq!(server.console(&sum)["output"], "1000\n");
    // Nearly as deep as a chunk may go, on the Lua thread's stack.
    let deep = format!("{}\nreturn y == x", closed(6, 150));
    assert_eq!(server.console(&deep)["output"], "true\n");
    // `load` refuses such a chunk as Lua code may see.
    let answer = server.console("load('x = {} y = x' .. ('.a'):rep(20000), '=deep')");
    let refusal = "nil\tdeep:1: chunk too complex (suffix chain of more than 1000)\n";
    assert_eq!(answer["output"], refusal, "{answer}");
}

fn run(dir: &Path, script: &str, args: &[&str]) -> Output {
    Command::new(planhost_bin())
        .arg("run")
        .arg(script)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running planhost run")
}

#[test]
fn planhost_run_refuses_chunks_too_complex_to_compile() {
    let dir = TempDir::new("limits");
    for (i, (chunk, error)) in reproductions().into_iter().enumerate() {
        let name = format!("deep{i}.lua");
        std::fs::write(dir.path().join(&name), format!("print('start')\n{chunk}\n")).unwrap();
        let output = run(dir.path(), &name, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr:.300}");
        assert_eq!(stderr, format!("planhost: {name}:2: {error}\n"));
        assert!(output.stdout.is_empty(), "nothing ran");
    }
}

/// A generated plan: a table literal nested 180 deep, a list nested 100
/// deep and a sum of 150 terms (each refused before the limits were
/// raised to Lua's).
fn generated_plan() -> String {
    let record = format!("{}nil{}", "{depth = 1, inner = ".repeat(180), "}".repeat(180));
    let list = format!("{}{}", "{".repeat(100), "}".repeat(100));
    let terms: Vec<String> = (1..=150).map(|i| i.to_string()).collect();
    format!(
        "local record = {record}\n\
         local list = {list}\n\
         local sum = {}\n\
         local function depth(t, key) local n = 0 while t do n = n + 1 t = t[key] end return n end\n\
         result = {{depth(record, 'inner'), depth(list, 1), sum}}\n\
         print(table.unpack(result))\n",
        terms.join(" + ")
    )
}

#[test]
fn planhost_run_runs_generated_plans_and_the_deepest_chunks_allowed() {
    let dir = TempDir::new("generated");
    std::fs::write(dir.path().join("generated.lua"), generated_plan()).unwrap();
    let output = run(dir.path(), "generated.lua", &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "180\t100\t11325\n");
    // The deepest chunk the limits let through needs more stack than a
    // main thread has (28 MB in a debug build): `planhost run` compiles on
    // a thread with the Lua thread's stack.
    std::fs::write(dir.path().join("deepest.lua"), format!("{}\nprint(y == x)", closed(6, 189)))
        .unwrap();
    let output = run(dir.path(), "deepest.lua", &[]);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "true\n");
    std::fs::write(dir.path().join("deeper.lua"), closed(6, 190)).unwrap();
    let output = run(dir.path(), "deeper.lua", &[]);
    let refusal = "planhost: deeper.lua:1: chunk too complex (more than 5000 levels of nesting)\n";
    assert_eq!(String::from_utf8_lossy(&output.stderr), refusal);
}

#[test]
fn a_server_runs_a_generated_plan() {
    let dir = TempDir::new("generated-plan");
    std::fs::write(dir.path().join("plan.lua"), generated_plan()).unwrap();
    let server = Server::start_in(dir, &[]);
    let answer = server.console("return table.concat(result, ' ')");
    assert_eq!(answer["output"], "180 100 11325\n", "{answer}");
}

#[test]
fn planhost_run_skips_a_shebang_line() {
    let dir = TempDir::new("shebang");
    let script = "#!/usr/bin/env planhost\nprint(arg[0], ...)\nerror('at line ' .. 3)\n";
    std::fs::write(dir.path().join("sb.lua"), script).unwrap();
    let output = run(dir.path(), "sb.lua", &["a", "b"]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "sb.lua\ta\tb\n");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "planhost: sb.lua:3: at line 3\n");
    assert_eq!(output.status.code(), Some(1));
    // A shebang line alone, without a line break.
    std::fs::write(dir.path().join("only.lua"), "#!/usr/bin/env planhost").unwrap();
    let output = run(dir.path(), "only.lua", &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // As `lua5.4` does.
    let lua = Command::new("/usr/bin/lua5.4")
        .args(["sb.lua", "a", "b"])
        .current_dir(dir.path())
        .output()
        .expect("lua5.4 (installed by .ci/setup)");
    assert_eq!(lua.stdout, b"sb.lua\ta\tb\n");
}

#[test]
fn a_vm_panic_is_the_script_s_error_and_one_log_line_not_a_crash_report() {
    let dir = TempDir::new("vm-panic");
    // A table that loses keys and then grows: piccolo 0.3.3 panics while
    // rehashing it (docs/LUA.md).
    let panics = "local t = {} for i = 1, 100 do t['k' .. i] = i t['k' .. i] = nil end\n";
    std::fs::write(dir.path().join("p.lua"), panics).unwrap();
    let output = Command::new(planhost_bin())
        .args(["run", "p.lua"])
        .env("RUST_BACKTRACE", "1")
        .current_dir(dir.path())
        .output()
        .expect("running planhost run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.ends_with("the Lua state was reset\n"), "{stderr}");
    let warning: Vec<&str> = stderr.lines().filter(|l| l.contains("the Lua VM panicked")).collect();
    assert_eq!(warning.len(), 1, "{stderr}");
    // No default panic report, and no backtrace.
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
    assert!(!stderr.contains("thread 'planhost-lua"), "{stderr}");
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
}
