//! The differential Lua corpus: every script under `tests/lua/` runs under
//! Debian's `lua5.4` and under `planhost run`; standard output, exit status,
//! the first line of an uncaught error and the `warn` lines on standard
//! error must be the same.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use planhost_tests::planhost_bin;

/// Arguments every script receives.
const ARGS: [&str; 2] = ["alpha", "beta"];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lua")
}

fn run(program: &Path, prefix: &[&str], script: &str) -> Output {
    Command::new(program)
        .args(prefix)
        .arg(script)
        .args(ARGS)
        .current_dir(corpus_dir())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()))
}

/// The lines `warn` wrote to standard error.
fn warnings(output: &Output) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr.lines().filter(|line| line.starts_with("Lua warning: ")).map(str::to_owned).collect()
}

/// The uncaught error's message without the interpreter's own prefix.
fn error_line(output: &Output, prefix: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = stderr.lines().next().unwrap_or("");
    first.strip_prefix(prefix).unwrap_or(first).to_owned()
}

#[test]
fn corpus_matches_lua_5_4() {
    let lua = Path::new("/usr/bin/lua5.4");
    assert!(lua.exists(), "lua5.4 is missing: run .ci/setup (it installs Debian's lua5.4)");
    let mut scripts: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("tests/lua")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".lua"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 6, "the corpus is missing");
    let mut failures = Vec::new();
    for script in &scripts {
        let expected = run(lua, &[], script);
        let actual = run(planhost_bin(), &["run"], script);
        if expected.stdout != actual.stdout {
            failures.push(format!(
                "{script}: stdout differs\n--- lua5.4\n{}--- planhost\n{}",
                String::from_utf8_lossy(&expected.stdout),
                String::from_utf8_lossy(&actual.stdout)
            ));
        }
        if warnings(&expected) != warnings(&actual) {
            failures.push(format!(
                "{script}: warnings differ\n--- lua5.4\n{:?}\n--- planhost\n{:?}",
                warnings(&expected),
                warnings(&actual)
            ));
        }
        if expected.status.code() != actual.status.code() {
            failures.push(format!(
                "{script}: exit {:?} under lua5.4, {:?} under planhost ({})",
                expected.status.code(),
                actual.status.code(),
                String::from_utf8_lossy(&actual.stderr).trim()
            ));
        } else if !expected.status.success() {
            let (want, got) =
                (error_line(&expected, "/usr/bin/lua5.4: "), error_line(&actual, "planhost: "));
            if want != got {
                failures.push(format!(
                    "{script}: error differs\n  lua5.4:   {want}\n  planhost: {got}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scripts differ:\n\n{}",
        failures.len(),
        scripts.len(),
        failures.join("\n\n")
    );
}
