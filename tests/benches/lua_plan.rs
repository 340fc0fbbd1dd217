//! Lua benchmark: a plan computation over 10,000 work items
//! (`benches/lua/plan.lua`: estimate parsing with patterns, ranking with
//! `table.sort`, running demand, feasible line, tracks, HTML with
//! `string.format` and `table.concat`) under `planhost run` and Debian's
//! `lua5.4`, and what each front-end rewrite costs per operation.
//!
//! ```text
//! cargo bench -p planhost-tests --bench lua_plan [-- --items 10000 --rounds 5 --runs 5]
//! ```
//!
//! `cargo test` runs it as a check of the bench itself: 200 items, one run,
//! planhost's test build, and 1,000 iterations of each rewrite case.

mod support;

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use piccolo::{Closure, Executor, Fuel, Lua};
use planhost::lua::runtime::{Budget, Runtime};
use planhost::lua::sandbox::Sandbox;

fn main() {
    let planhost = support::build_planhost("lua_plan");
    if !support::measuring() {
        // Run by `cargo test`: a check that the bench still works (both
        // interpreters agree on a small plan, every rewrite case runs).
        plan_benchmark(200, 1, 1, &planhost);
        rewrite_costs(1_000);
        return;
    }
    let mut items = 10_000;
    let mut rounds = 5;
    let mut runs = 5;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value =
            || args.next().and_then(|v| v.parse().ok()).expect("a number after the flag");
        match flag.as_str() {
            "--items" => items = value(),
            "--rounds" => rounds = value(),
            "--runs" => runs = value(),
            _ => {} // cargo passes --bench
        }
    }
    plan_benchmark(items, rounds, runs, &planhost);
    rewrite_costs(2_000_000);
}

/// Runs the plan script under both interpreters, alternating, and reports
/// medians.
fn plan_benchmark(items: usize, rounds: usize, runs: usize, planhost: &Path) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/lua");
    let lua = Path::new("/usr/bin/lua5.4");
    let mut times = [Vec::new(), Vec::new()];
    let mut outputs = [String::new(), String::new()];
    for _ in 0..runs {
        for (i, (program, prefix)) in [(planhost, vec!["run"]), (lua, vec![])].iter().enumerate() {
            let started = Instant::now();
            let output = Command::new(program)
                .args(prefix)
                .args(["plan.lua", &items.to_string(), &rounds.to_string()])
                .current_dir(&folder)
                .output()
                .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
            times[i].push(started.elapsed());
            assert!(
                output.status.success(),
                "{}: {}",
                program.display(),
                String::from_utf8_lossy(&output.stderr)
            );
            outputs[i] = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        }
    }
    assert_eq!(outputs[0], outputs[1], "planhost and lua5.4 disagree");
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (ours, theirs) = (median(&mut times[0]), median(&mut times[1]));
    println!("plan computation ({}), median of {runs} runs:", outputs[0]);
    println!("| interpreter | median s |\n|---|---:|");
    println!("| planhost run | {:.3} |", ours.as_secs_f64());
    println!("| lua5.4 | {:.3} |", theirs.as_secs_f64());
    println!("ratio planhost/lua5.4: {:.2}\n", ours.as_secs_f64() / theirs.as_secs_f64());
}

/// Micro-benchmarks: each loop runs on piccolo as-is and through the
/// front end; the difference per iteration is what the rewrite costs.
/// Only code piccolo 0.3.3 runs correctly is used (every argument given).
fn rewrite_costs(n: usize) {
    let cases = [
        (
            "call with parameters (missing-parameter rewrite)",
            "local function add(a, b) return a + b end local x = 0 for i = 1, N do x = add(x, i) end",
        ),
        (
            "method call on a table (method helper)",
            "local o = {v = 0} function o:inc(n) self.v = self.v + n end for i = 1, N do o:inc(1) end",
        ),
        ("concatenation (concat helper)", "local s for i = 1, N do s = 'a' .. i end"),
        (
            "multiple assignment (temporaries)",
            "local a, b, c = 1, 2, 0 for i = 1, N do a, b = b, a c = c + a end",
        ),
    ];
    println!("front-end rewrite cost, {n} iterations each (ns per iteration):");
    println!("| operation | piccolo as-is | through the front end | cost |\n|---|---:|---:|---:|");
    for (name, body) in cases {
        let source = format!("local N = {n} {body}");
        let raw = best_of(3, || time_raw(&source));
        let ours = best_of(3, || time_front_end(&source));
        let per = |d: Duration| d.as_nanos() as f64 / n as f64;
        println!("| {name} | {:.1} | {:.1} | {:+.1} |", per(raw), per(ours), per(ours) - per(raw));
    }
}

fn best_of(n: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..n).map(|_| f()).min().unwrap_or_default()
}

fn time_raw(source: &str) -> Duration {
    let mut lua = Lua::core();
    let executor = lua.enter(|ctx| {
        let closure = Closure::load(ctx, Some("bench"), source.as_bytes()).expect("compiles");
        ctx.stash(Executor::start(ctx, closure.into(), ()))
    });
    let started = Instant::now();
    loop {
        let mut fuel = Fuel::with(10_000);
        if lua.enter(|ctx| ctx.fetch(&executor).step(ctx, &mut fuel)) {
            break;
        }
    }
    started.elapsed()
}

fn time_front_end(source: &str) -> Duration {
    let sandbox = Sandbox::new(&std::env::temp_dir(), false).expect("temp dir");
    let output = Arc::new(Mutex::new(Vec::<u8>::new()));
    let budget =
        Budget { instructions: u64::MAX, time: Duration::from_secs(600), ..Budget::default() };
    let mut runtime = Runtime::new(budget, &sandbox, output);
    let function = runtime.load("bench", source.as_bytes()).expect("compiles");
    let started = Instant::now();
    runtime.call(&function, &[]).expect("runs");
    started.elapsed()
}
