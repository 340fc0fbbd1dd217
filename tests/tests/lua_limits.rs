//! Lua chunks that nest too deeply for piccolo's recursive parser and
//! compiler are refused ("chunk too complex") instead of overflowing the Lua
//! thread's stack, which aborted the whole server and lost its unsaved
//! edits; `planhost run` refuses them the same way. Also: `planhost run`
//! skips a `#!` first line as `lua` does.

use std::path::Path;
use std::process::{Command, Output};

use planhost_tests::{Server, TempDir, planhost_bin};

/// `n` `<close>` locals in one block.
fn closes(n: usize) -> String {
    let locals: Vec<String> = (1..=n).map(|i| format!("local c{i} <close> = nil")).collect();
    format!("do {} end", locals.join(" "))
}

/// Flat chunks that each crashed the server, and what they now give
/// (after the chunk name and line).
fn reproductions() -> Vec<(String, &'static str)> {
    vec![
        (
            format!("x = {{}} y = x{}", ".a".repeat(20_000)),
            "chunk too complex (suffix chain of more than 100)",
        ),
        (
            format!("x = 100{}", " // 1".repeat(1_000)),
            "chunk too complex (more than 100 operators in one expression)",
        ),
        (closes(500), "chunk too complex (more than 25 <close> variables in one block)"),
        (
            format!("f = function() return f end f{}", "()".repeat(20_000)),
            "chunk too complex (suffix chain of more than 100)",
        ),
        (
            format!("x = {}1{}", "(".repeat(10_000), ")".repeat(10_000)),
            "chunk too complex (more than 32 nested functions, blocks or brackets)",
        ),
        // The deepest the parser goes at the limits: 32 loops, and 165
        // unary operators pending in them (piccolo's parser allows 200 levels).
        (
            format!(
                "{}x = {}1{}",
                "for i = 1, 0 do ".repeat(32),
                "- ".repeat(165),
                " end".repeat(32)
            ),
            "chunk too complex (more than 160 levels of nesting)",
        ),
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
    let chain = format!("t = {{}} t.a = t\nreturn t{} == t", ".a".repeat(99));
    assert_eq!(server.console(&chain)["output"], "true\n");
    // The console's own wrapping (`table.pack((function(...) <line> end)(...))`)
    // takes three of the 32 nesting levels.
    let nested = format!("return {}x{}", "(".repeat(29), ")".repeat(29));
    assert_eq!(server.console(&nested)["output"], "41\n");
    let divisions = format!("return 100{}", " // 1".repeat(99));
    assert_eq!(server.console(&divisions)["output"], "100\n");
    // `load` refuses such a chunk as Lua code may see.
    let answer = server.console("load('x = {} y = x' .. ('.a'):rep(20000), '=deep')");
    let refusal = "nil\tdeep:1: chunk too complex (suffix chain of more than 100)\n";
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
