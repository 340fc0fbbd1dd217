//! Renderer plugin benchmark: the `table` plugin run as wasm through the
//! host's real path (`planhost::render::Registry`, the server's default
//! limits, a fresh instance per render) against the same rendering code
//! compiled natively (`table::render` below), in the same run.
//!
//! 1. The `work` view of a generated 10,000-item plan, wasm against native.
//! 2. Start-up: `Registry::load` of every built-in plugin with an empty
//!    compiled-code cache (cold) and with a filled one (warm).
//! 3. Per-call cost: a 1-item plan rendered repeatedly, wasm against native.
//!
//! ```text
//! cargo bench -p planhost-tests --bench render [-- --items 10000 --runs 15 --calls 5000]
//! ```
//!
//! `cargo test` runs it as a check of the bench itself: a 200-item plan,
//! one run, 20 calls (wasm and native must still render the same HTML).
//!
//! `--parts big,start,calls` runs only some of the three (e.g. under
//! `perf record`). `--plugins DIR` loads DIR's `*.wasm` over the built-ins, as
//! `planhost serve --plugins` does (e.g. a `table.wasm` built with other
//! settings).

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use planhost::render::{Registry, RenderLimits};
use planhost_guest::RenderRequest;
use serde_json::{Value, json};

/// Render targets: wasm at most this many times native on the big plan.
const RATIO_TARGET: f64 = 1.5;
/// Loading every built-in plugin from a warm cache: under this.
const WARM_START_TARGET: Duration = Duration::from_millis(50);
/// Per-call cost of wasm over native on a tiny plan: under this.
const OVERHEAD_TARGET: Duration = Duration::from_micros(100);

const SKILLS: [&str; 5] = ["Native", "Web", "Backend", "QA", "Design"];
const TRACKS: [&str; 8] =
    ["Payments", "Onboarding", "Search", "Sync", "Admin", "Reports", "Mobile", "Platform"];

/// The `table` plugin's own source compiled natively, as a module of this
/// bench. (An `rlib` crate type on the plugin would do the same, but cargo
/// then skips LTO for its wasm build, making the component 18% larger and
/// about 30% slower here.)
#[path = "../../plugins/table/src/lib.rs"]
#[allow(unused)] // cargo builds benches with cfg(test): its unit tests compile, unused.
mod table;
// The plugin's modules name each other from its crate root.
use table::{format, work};

fn main() {
    // Run by `cargo test` (no `--bench`): a check that the bench still
    // works, on a small plan and few calls.
    let measuring = support::measuring();
    let (mut items, mut runs, mut calls) =
        if measuring { (10_000, 15, 5_000) } else { (200, 1, 20) };
    if !measuring {
        eprintln!("render: a check run (cargo test): figures of a test build, not measurements");
    }
    let mut folders = Vec::new();
    let mut parts = String::from("big,start,calls");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value =
            || args.next().and_then(|v| v.parse().ok()).expect("a number after the flag");
        match flag.as_str() {
            "--items" => items = value(),
            "--runs" => runs = value(),
            "--calls" => calls = value(),
            "--parts" => parts = args.next().expect("a list of parts"),
            "--plugins" => folders.push(PathBuf::from(args.next().expect("a folder"))),
            _ => {} // cargo passes --bench
        }
    }
    let limits = RenderLimits::default();
    let cache = TempDir::new("warm");
    let registry =
        Registry::load(&folders, limits, Some(cache.path())).expect("built-in plugins load");
    for listing in registry.list().iter().filter(|p| p.name == "table") {
        println!("table plugin: {} ({})\n", listing.source, listing.status);
    }

    let wants = |part: &str| parts.split(',').any(|p| p == part);
    let big = wants("big").then(|| big_render(&registry, items, runs));
    let start = wants("start").then(|| start_up(limits, runs));
    let tiny = wants("calls").then(|| tiny_render(&registry, calls));

    println!("## summary against targets");
    if let Some(big) = big {
        println!(
            "- {items}-item work view, median wasm/native: {big:.2} \
             (target at most {RATIO_TARGET}): {}",
            verdict(big <= RATIO_TARGET)
        );
    }
    if let Some(start) = start {
        println!(
            "- start-up from a warm cache, median: {:.1} ms (target under {} ms): {}",
            ms(start),
            WARM_START_TARGET.as_millis(),
            verdict(start < WARM_START_TARGET)
        );
    }
    if let Some((mean, p50)) = tiny {
        println!(
            "- per-call overhead on a 1-item plan, wasm - native: mean {:.1} us, p50 {:.1} us \
             (target under {} us): {}",
            us(mean),
            us(p50),
            OVERHEAD_TARGET.as_micros(),
            verdict(mean < OVERHEAD_TARGET && p50 < OVERHEAD_TARGET)
        );
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// Renders the big plan as wasm and natively, alternating, after warm-up
/// rounds; prints medians and returns the median ratio wasm/native.
fn big_render(registry: &Registry, items: usize, runs: usize) -> f64 {
    let data = work_view(items);
    let wasm = || registry.render("table", "work", &data, &[]).expect("wasm render");
    let native = || native_render(&data);
    let (html_wasm, html_native) = (wasm(), native());
    assert_eq!(html_wasm, html_native, "wasm and native renders differ");
    let short = html_wasm.matches(r#"class="short""#).count();
    assert!(short > 0, "the plan has short items");
    for _ in 0..3 {
        wasm();
        native();
    }
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..runs {
        times[0].push(timed(|| drop(wasm())));
        times[1].push(timed(|| drop(native())));
    }
    // Where the wasm time goes: a fresh instance and the data copied in,
    // refused before parsing (an unknown view), and page faults per render.
    let mut refused: Vec<Duration> = (0..runs)
        .map(|_| timed(|| drop(registry.render("table", "no-such-view", &data, &[]).unwrap_err())))
        .collect();
    let faults = |f: &dyn Fn()| {
        let before = minor_faults();
        f();
        minor_faults() - before
    };
    let (wasm_faults, native_faults) = (faults(&|| drop(wasm())), faults(&|| drop(native())));
    let [wasm_times, native_times] = &mut times;
    let (w, n) = (median(wasm_times), median(native_times));
    println!(
        "## work view, {items} items ({} KiB JSON in, {} KiB HTML out), \
         {short} of them short of staff; {runs} runs after 3 warm-up",
        data.len() >> 10,
        html_wasm.len() >> 10
    );
    println!("| renderer | median ms | min ms | max ms |\n|---|---:|---:|---:|");
    for (name, v) in [("wasm (Registry::render)", &*wasm_times), ("native", &*native_times)] {
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} |",
            ms(v[v.len() / 2]),
            ms(v[0]),
            ms(v[v.len() - 1])
        );
    }
    println!(
        "| wasm, unknown view (instance + data copied in, no parse) | {:.2} | {:.2} | {:.2} |",
        ms(median(&mut refused)),
        ms(refused[0]),
        ms(refused[refused.len() - 1])
    );
    println!("minor page faults per render: wasm {wasm_faults}, native {native_faults}");
    let ratio = w.as_secs_f64() / n.as_secs_f64();
    println!("ratio wasm/native (medians): {ratio:.2}\n");
    ratio
}

/// Loads every built-in plugin with an empty cache folder, then again with
/// the folder that load filled, alternating; returns the warm median.
fn start_up(limits: RenderLimits, runs: usize) -> Duration {
    let load = |dir: &Path| {
        let started = Instant::now();
        let registry = Registry::load(&[], limits, Some(dir)).expect("built-in plugins load");
        let elapsed = started.elapsed();
        let list = registry.list();
        assert!(list.iter().all(|p| p.status == "ok"), "{list:?}");
        (elapsed, list.into_iter().map(|p| p.name).collect::<Vec<_>>())
    };
    let warm_dir = TempDir::new("start");
    let (_, names) = load(warm_dir.path());
    load(warm_dir.path());
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let empty = TempDir::new(&format!("cold-{run}"));
        cold.push(load(empty.path()).0);
        warm.push(load(warm_dir.path()).0);
    }
    let (c, w) = (median(&mut cold), median(&mut warm));
    println!(
        "## start-up: Registry::load of the {} built-in plugins ({}), {runs} runs each",
        names.len(),
        names.join(", ")
    );
    println!("| cache | median ms | min ms | max ms |\n|---|---:|---:|---:|");
    for (name, v) in [("cold (empty folder)", &cold), ("warm", &warm)] {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} |",
            ms(v[v.len() / 2]),
            ms(v[0]),
            ms(v[v.len() - 1])
        );
    }
    println!("cold/warm: {:.1}x\n", c.as_secs_f64() / w.as_secs_f64());
    w
}

/// Renders a 1-item plan `calls` times each way, alternating call by call;
/// prints mean, p50 and p99 per call and returns the mean and p50
/// differences.
fn tiny_render(registry: &Registry, calls: usize) -> (Duration, Duration) {
    let data = work_view(1);
    let wasm = || registry.render("table", "work", &data, &[]).expect("wasm render");
    let native = || native_render(&data);
    assert_eq!(wasm(), native(), "wasm and native renders differ");
    for _ in 0..calls / 10 {
        wasm();
        native();
    }
    let (mut w, mut n) = (Vec::with_capacity(calls), Vec::with_capacity(calls));
    for _ in 0..calls {
        w.push(timed(|| drop(wasm())));
        n.push(timed(|| drop(native())));
    }
    let faults = |f: &dyn Fn()| {
        let before = minor_faults();
        for _ in 0..100 {
            f();
        }
        (minor_faults() - before) as f64 / 100.0
    };
    let (wasm_faults, native_faults) = (faults(&|| drop(wasm())), faults(&|| drop(native())));
    let (sw, sn) = (Stats::of(&mut w), Stats::of(&mut n));
    println!(
        "## per call: 1-item work view ({} bytes JSON), {calls} calls each after {} warm-up",
        data.len(),
        calls / 10
    );
    println!("| renderer | mean us | p50 us | p99 us |\n|---|---:|---:|---:|");
    for (name, s) in [("wasm (Registry::render)", sw), ("native", sn)] {
        println!("| {name} | {:.1} | {:.1} | {:.1} |", us(s.mean), us(s.p50), us(s.p99));
    }
    let diff = |a: Duration, b: Duration| us(a) - us(b);
    println!(
        "| overhead (wasm - native) | {:.1} | {:.1} | {:.1} |",
        diff(sw.mean, sn.mean),
        diff(sw.p50, sn.p50),
        diff(sw.p99, sn.p99)
    );
    println!("minor page faults per call: wasm {wasm_faults:.1}, native {native_faults:.1}\n");
    (sw.mean.saturating_sub(sn.mean), sw.p50.saturating_sub(sn.p50))
}

/// The native render, given what the host gives the component: owned
/// copies of the view name and data.
fn native_render(data: &str) -> String {
    let request = RenderRequest { view: "work".into(), data: data.to_owned(), options: vec![] };
    table::render(&request).expect("native render")
}

/// A plan's `work` view with `n` items, the same every run: five skills,
/// eight tracks (a tenth of the items untracked), triage levels (a few
/// untriaged), estimates in T-shirt weeks on one to three skills, names that
/// need escaping now and then; supply set so the feasible line falls near
/// 30% of the ranking and the cutline at 40%, the items between them short
/// of staff by the skills whose running demand exceeds supply.
fn work_view(n: usize) -> String {
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let sizes = [0.5, 1.0, 2.0, 3.0, 6.0, 1.5];
    let mut items: Vec<(Vec<(usize, f64)>, Value)> = Vec::with_capacity(n);
    for rank in 1..=n {
        let mut estimates: Vec<(usize, f64)> = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let skill = rng.below(SKILLS.len());
            if !estimates.iter().any(|(s, _)| *s == skill) {
                estimates.push((skill, sizes[rng.below(sizes.len())]));
            }
        }
        // Lua's JSON gives ids as strings or numbers.
        let id =
            if rank % 3 == 0 { json!(1000 + rank) } else { json!(format!("w{}", 1000 + rank)) };
        let mut item = json!({
            "id": id,
            "name": name(&mut rng, rank),
            "rank": rank,
            "estimates": weeks_by_skill(estimates.iter().map(|&(s, w)| (s, w))),
        });
        if rng.below(10) != 0 {
            item["track"] = json!(TRACKS[rng.below(TRACKS.len())]);
        }
        if rng.below(20) != 0 {
            item["triage"] = json!([1.0, 1.5, 2.0, 2.0, 3.0, 4.0][rng.below(6)]);
        }
        items.push((estimates, item));
    }
    // Supply: the running demand at 30% of the ranking, so staffing fails
    // there; the feasible line is the last item before the first overrun.
    let mut running = [0.0f64; SKILLS.len()];
    let at = (n * 3 / 10).max(1);
    for (estimates, _) in &items[..at] {
        for &(s, w) in estimates {
            running[s] += w;
        }
    }
    let supply: Vec<f64> = running.iter().map(|r| r.floor()).collect();
    let cutline = (n * 4 / 10).max(1);
    let mut running = [0.0f64; SKILLS.len()];
    let mut feasible = None;
    for (i, (estimates, item)) in items.iter_mut().enumerate() {
        for &(s, w) in estimates.iter() {
            running[s] += w;
        }
        let over: Vec<Value> = (0..SKILLS.len())
            .filter(|&s| running[s] > supply[s])
            .map(|s| json!({"skill": SKILLS[s], "weeks": running[s] - supply[s]}))
            .collect();
        if !over.is_empty() && feasible.is_none() {
            feasible = Some(i);
        }
        if feasible.is_some() && i < cutline {
            item["short"] = Value::Array(over);
        }
    }
    let view = json!({
        "plan": {"name": "2026Q3", "weeks": 13, "cutline": cutline, "feasible_line": feasible},
        "skills": SKILLS,
        "supply": weeks_by_skill(supply.iter().copied().enumerate()),
        "items": items.into_iter().map(|(_, item)| item).collect::<Vec<_>>(),
    });
    view.to_string()
}

/// `{"Web": 3, ...}` from (skill index, weeks).
fn weeks_by_skill(weeks: impl Iterator<Item = (usize, f64)>) -> Value {
    Value::Object(weeks.map(|(s, w)| (SKILLS[s].to_owned(), json!(w))).collect())
}

fn name(rng: &mut Rng, rank: usize) -> String {
    const VERBS: [&str; 8] =
        ["Sync", "Export", "Import", "Migrate", "Speed up", "Redesign", "Audit", "Localise"];
    const THINGS: [&str; 10] = [
        "invoices",
        "user settings",
        "search results",
        "the <admin> page",
        "offline mode",
        "CSV & PDF reports",
        "push notifications",
        "\"smart\" filters",
        "payments to Zürich",
        "the onboarding flow",
    ];
    format!("{} {} (#{rank})", VERBS[rng.below(VERBS.len())], THINGS[rng.below(THINGS.len())])
}

/// splitmix64: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Clone, Copy)]
struct Stats {
    mean: Duration,
    p50: Duration,
    p99: Duration,
}

impl Stats {
    fn of(v: &mut [Duration]) -> Stats {
        v.sort();
        let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
        Stats { mean: v.iter().sum::<Duration>() / v.len() as u32, p50: at(0.5), p99: at(0.99) }
    }
}

/// This process's minor page faults so far (`/proc/self/stat` field 10).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after_name = &stat[stat.rfind(')').expect("(comm)") + 2..];
    after_name.split(' ').nth(7).and_then(|v| v.parse().ok()).expect("minflt")
}

fn timed(f: impl FnOnce()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

/// Sorts `v` and returns its median.
fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// A folder under the system temp folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir()
            .join(format!("planhost-render-bench-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("creating a temp folder");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
