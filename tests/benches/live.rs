//! Live-loop benchmark: from a console command to every subscribed
//! WebSocket client holding the new HTML, on the example plan scaled up.
//!
//! ```text
//! cargo bench -p planhost-tests --bench live -- \
//!     [--clients 1,1000] [--rounds 30] [--items 2000] [--commands moves|estimates]
//! ```
//!
//! 1. Scale `examples/quarter` to `--items` work items in a temporary
//!    directory: its Lua code as is, `work.tsv` cycling the 60 example rows
//!    with new ids and distinct names, `people.tsv` cycling the 30 people
//!    the same way (supply grows with demand), `plan.tsv` ranking every copy
//!    of an item where the item was ranked, with the cutline scaled, so the
//!    feasible line and the short-of-staff rows keep the example's shape.
//!    `planhost render DIR --view work --renderer table` must succeed.
//! 2. Where the time of one change goes, in this process with planhost's
//!    own Lua thread and plugin registry, the steps of the server's live
//!    loop one by one: the console command, the `work` view's data, its
//!    render by the `table` plugin, the view envelope and the message frame,
//!    with the same pause between changes as the served rounds (the Lua
//!    thread collects garbage when idle).
//! 3. For each client count N: start `planhost serve DIR` (release build),
//!    connect N clients subscribed
//!    to `view/work/table` and, as browsers do, offering permessage-deflate
//!    (message sizes below are as sent), wait until each holds the first
//!    message, then
//!    (after 5 warm-up changes with one client watching and 3 with all N
//!    watching, not counted, here and in step 2) for `--rounds` rounds run
//!    a planning command (alternately `rank(ID, 1)` pulling an item from
//!    below the cutline to the top and `up(ID)` moving an item near the
//!    cutline up a place; with `--commands estimates`, `est(ID, "Web",
//!    "4S")` or `"5S"` on another item above the cutline each round) with
//!    `POST /api/console`
//!    and time from just before the request to when each client has a
//!    message with a higher `rev` than it held. Clients read frames by hand
//!    (see `support::FrameReader`), looking only at the `rev` near the start,
//!    all on one thread with one level-triggered epoll
//!    (`support::read_frames`); a client whose compressed payload starts
//!    with the bytes another one already inflated takes that head
//!    (`support::InflatedHeads`). Two more
//!    clients check, between rounds, that patches rebuild the whole
//!    messages (one takes patches, the other subscribes after each round
//!    for the whole current message).
//!    Then as many rounds publish the last envelope of step 2 on the same
//!    topic with `POST /api/publish` (latest-wins): the fan-out of the same
//!    bytes without the plan's work, so the two can be told apart.
//!
//! The planhost binary is built with `cargo build --release -p planhost`,
//! unless `PLANHOST_BIN=/path/to/planhost` names one to use instead.
//! `cargo test` runs this file as a check of the bench itself: a 200-item
//! plan, 1 and 20 clients, 4 rounds, planhost's test build, failing unless
//! every client got every round and patches rebuilt the whole messages.
//! `RUST_LOG` is passed on to the server (default `warn`).

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use planhost::live::Envelope;
use planhost::lua::runtime::Budget;
use planhost::lua::sandbox::Sandbox;
use planhost::lua::thread::{self as lua_thread, ConsoleOutcome};
use planhost::protocol::ServerFrame;
use planhost::render::registry::default_cache_dir;
use planhost::render::{Registry, RenderLimits};
use planhost_tests::TempDir;
use smol::net::TcpStream;
use smol::{Executor, Timer};

use support::{
    Client, Frame, FrameReader, InflatedHeads, cpu_ms, http, machine_summary, number_after,
    percentile_ms, read_frames,
};

// The allocator the planhost binary runs with (host/src/main.rs), so the
// steps measured in this process cost what they cost in the server.
#[global_allocator]
static ALLOCATOR: planhost::heap::SplitAllocator = planhost::heap::SplitAllocator;

/// Changes made before the measured rounds of each case, with one client
/// watching: a meeting's server has long done its first renders (plugin
/// instances, allocator pages, the collector's pace) when a change counts.
const WARM_UP_ROUNDS: usize = 5;

/// Changes made next with all N clients watching, timed but not counted:
/// the first messages to a thousand freshly connected sockets pay the
/// kernel's first-use costs (socket buffers, pages), several times a
/// round's cost per client, for any server (the fan-out bench's first
/// round shows the same for Node). Their times are printed apart.
const WARM_UP_AT_SCALE: usize = 3;

/// The view and renderer every client watches.
const VIEW: &str = "work";
const RENDERER: &str = "table";
const TOPIC: &str = "view/work/table";
/// A message frame's JSON puts `rev` within this many bytes of the start.
const REV_WINDOW: usize = 160;
const REV_KEY: &[u8] = b"\"rev\":";
/// How a patch frame starts (`planhost::hub` writes `type` first).
const PATCH_TYPE: &[u8] = b"{\"type\":\"patch\"";
/// Pause between rounds, so each round starts with idle clients.
const ROUND_PAUSE: Duration = Duration::from_millis(100);
/// How long one round may take before its missing deliveries count as lost.
const ROUND_LIMIT: Duration = Duration::from_secs(60);
/// How long all clients may take to connect and get the first message.
const READY_LIMIT: Duration = Duration::from_secs(300);
/// Latency slot of a round the client never saw.
const MISSING: u32 = u32::MAX;

fn main() {
    planhost::heap::keep_freed_pages();
    let options = if support::measuring() { Options::parse() } else { Options::check() };
    let machine = machine_summary();
    support::raise_open_file_limit("live");
    let planhost = support::build_planhost("live");
    let dir = TempDir::new("live");
    let plan = scale_plan(&example_dir(), dir.path(), options.items);
    eprintln!(
        "live: plan of {} work items and {} people, cutline {}, in {}",
        plan.items,
        plan.people,
        plan.cutline,
        dir.path().display()
    );
    let check = check_render(&planhost, dir.path());
    let all_commands =
        plan.commands(WARM_UP_ROUNDS + WARM_UP_AT_SCALE + options.rounds, options.commands);
    let (warm_up, commands) = all_commands.split_at(WARM_UP_ROUNDS);
    let steps = breakdown(dir.path(), warm_up, commands);
    let (mut results, mut failures) = (Vec::new(), Vec::new());
    for &clients in &options.clients {
        eprintln!("live: {clients} clients, {} rounds", options.rounds);
        let server = Server::start(&planhost, dir.path());
        match run_case(server, clients, warm_up, commands, &steps.envelope_text) {
            Ok(result) => results.push(result),
            Err(error) => failures.push(format!("{clients} clients: {error}")),
        }
    }
    print_report(&machine, &plan, &check, &steps, &results);
    for case in &results {
        let short = case.phases.iter().filter(|p| p.per_client_us.len() < p.expected);
        for phase in short {
            failures.push(format!(
                "{} clients, {}: {} of {} deliveries",
                case.clients,
                phase.phase.name(),
                phase.per_client_us.len(),
                phase.expected
            ));
        }
        if case.failed_clients > 0 || case.check.patches == 0 {
            failures.push(format!(
                "{} clients: {} dropped, {} messages rebuilt from patches",
                case.clients, case.failed_clients, case.check.patches
            ));
        }
    }
    if !failures.is_empty() {
        eprintln!("live: failed: {}", failures.join("; "));
        std::process::exit(1);
    }
}

// ---------------------------------------------------------------- options

struct Options {
    clients: Vec<usize>,
    rounds: usize,
    items: usize,
    commands: Commands,
}

/// What the rounds' console commands change.
#[derive(Clone, Copy)]
enum Commands {
    /// The ranking: pulls to the top and moves one place up.
    Moves,
    /// Estimates: an item above the cutline given a new Web estimate.
    Estimates,
}

impl Options {
    /// The check `cargo test` runs: a small plan, few clients and rounds.
    fn check() -> Options {
        Options { clients: vec![1, 20], rounds: 4, items: 200, commands: Commands::Moves }
    }

    fn parse() -> Options {
        let mut options =
            Options { clients: vec![1, 1000], rounds: 30, items: 2000, commands: Commands::Moves };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value =
                || args.next().unwrap_or_else(|| usage(&format!("{arg} needs a value")));
            match arg.as_str() {
                "--clients" => {
                    options.clients = value()
                        .split(',')
                        .map(|n| {
                            n.trim()
                                .parse()
                                .unwrap_or_else(|_| usage(&format!("bad client count {n:?}")))
                        })
                        .collect();
                }
                "--rounds" => {
                    options.rounds = value().parse().unwrap_or_else(|_| usage("bad --rounds"))
                }
                "--items" => {
                    options.items = value().parse().unwrap_or_else(|_| usage("bad --items"))
                }
                "--commands" => {
                    options.commands = match value().as_str() {
                        "moves" => Commands::Moves,
                        "estimates" => Commands::Estimates,
                        other => usage(&format!("--commands is moves or estimates, not {other:?}")),
                    }
                }
                // `cargo bench` appends `--bench` to every bench binary's arguments.
                "--bench" => {}
                other => usage(&format!("unknown argument {other:?}")),
            }
        }
        if options.rounds == 0 || options.clients.contains(&0) || options.items < 2 {
            usage("--rounds and every --clients count must be at least 1, --items at least 2");
        }
        options
    }
}

fn usage(problem: &str) -> ! {
    eprintln!("live: {problem}");
    eprintln!(
        "usage: cargo bench -p planhost-tests --bench live -- [--clients 1,1000] [--rounds 30] [--items 2000] [--commands moves|estimates]"
    );
    std::process::exit(2);
}

// ---------------------------------------------------------------- the plan

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quarter")
}

/// A QPlan file: header line, separator line, rows of tab-separated fields.
struct Tsv {
    header: String,
    separator: String,
    rows: Vec<Vec<String>>,
}

impl Tsv {
    fn read(path: &Path) -> Tsv {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let mut lines = text.lines();
        let header = lines.next().expect("a header line").to_owned();
        let separator = lines.next().expect("a separator line").to_owned();
        let rows = lines
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect();
        Tsv { header, separator, rows }
    }

    fn write(&self, path: &Path) {
        let mut text = format!("{}\n{}\n", self.header, self.separator);
        for row in &self.rows {
            text.push_str(&row.join("\t"));
            text.push('\n');
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }

    fn column(&self, name: &str) -> usize {
        self.header
            .split('\t')
            .position(|c| c.trim() == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// `count` rows cycling these, with ids 1..=count and, from the second
    /// round of the cycle on, the name numbered (`Passkey sign-in 2`). The
    /// second value lists, per original id, the ids of its copies.
    fn cycled(&self, count: usize) -> (Tsv, Vec<(String, Vec<usize>)>) {
        let (id, name) = (self.column("ID"), self.column("Name"));
        let mut copies: Vec<(String, Vec<usize>)> =
            self.rows.iter().map(|row| (row[id].trim().to_owned(), Vec::new())).collect();
        let rows = (0..count)
            .map(|i| {
                let (cycle, original) = (i / self.rows.len(), i % self.rows.len());
                let mut row = self.rows[original].clone();
                row[id] = (i + 1).to_string();
                if cycle > 0 {
                    row[name] = format!("{} {}", row[name].trim(), cycle + 1);
                }
                copies[original].1.push(i + 1);
                row
            })
            .collect();
        let tsv = Tsv { header: self.header.clone(), separator: self.separator.clone(), rows };
        (tsv, copies)
    }
}

/// The scaled plan.
struct ScaledPlan {
    items: usize,
    people: usize,
    cutline: usize,
    /// Work item ids in rank order.
    ranking: Vec<usize>,
}

/// Writes the example scaled to `items` work items into `dir`.
fn scale_plan(example: &Path, dir: &Path, items: usize) -> ScaledPlan {
    std::fs::copy(example.join("plan.lua"), dir.join("plan.lua")).expect("copying plan.lua");
    std::fs::create_dir_all(dir.join("lib")).expect("creating lib/");
    for entry in std::fs::read_dir(example.join("lib")).expect("reading the example's lib/") {
        let path = entry.expect("lib/ entry").path();
        if path.is_file() {
            std::fs::copy(&path, dir.join("lib").join(path.file_name().expect("a file name")))
                .expect("copying lib/");
        }
    }
    let work = Tsv::read(&example.join("work.tsv"));
    let people = Tsv::read(&example.join("people.tsv"));
    let mut plan = Tsv::read(&example.join("plan.tsv"));
    let scale = |n: usize| (n as f64 * items as f64 / work.rows.len() as f64).round() as usize;

    let (scaled_work, copies) = work.cycled(items);
    scaled_work.write(&dir.join("work.tsv"));
    let people_count = scale(people.rows.len()).max(1);
    people.cycled(people_count).0.write(&dir.join("people.tsv"));

    // Every copy of an item takes the item's place in the ranking.
    let (cutline_at, items_at) = (plan.column("Cutline"), plan.column("WorkItems"));
    let row = plan.rows.first_mut().expect("a plan row");
    let ranking: Vec<usize> = row[items_at]
        .split(',')
        .map(str::trim)
        .filter_map(|id| copies.iter().find(|(original, _)| original == id))
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    assert_eq!(ranking.len(), items, "the example ranks every work item");
    let cutline = scale(row[cutline_at].trim().parse().expect("a cutline")).min(items);
    row[cutline_at] = cutline.to_string();
    row[items_at] = ranking.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
    plan.write(&dir.join("plan.tsv"));
    ScaledPlan { items, people: people_count, cutline, ranking }
}

impl ScaledPlan {
    /// The console commands of the rounds. Moves: even rounds pull an item
    /// from below the cutline to rank 1, odd rounds move an item at or a
    /// little above the cutline up one place; every one changes the
    /// ranking. Estimates: each round gives another item above the
    /// cutline a Web estimate of 4 or 5 weeks, which no item of the
    /// example has, so every one changes the view.
    fn commands(&self, rounds: usize, commands: Commands) -> Vec<String> {
        let below = &self.ranking[self.cutline.min(self.items - 1)..];
        let above = &self.ranking[1..self.cutline.max(2)];
        (0..rounds)
            .map(|round| {
                let k = round / 2;
                match commands {
                    Commands::Moves if round % 2 == 0 => {
                        format!("rank({}, 1)", below[(k * 37) % below.len()])
                    }
                    Commands::Moves => {
                        format!("up({})", above[above.len() - 1 - (k * 13) % above.len()])
                    }
                    Commands::Estimates => format!(
                        "est({}, \"Web\", \"{}S\")",
                        above[(round * 29) % above.len()],
                        4 + round % 2
                    ),
                }
            })
            .collect()
    }
}

/// What `planhost render` said about the scaled plan.
struct RenderCheck {
    /// The plan's own summary line (cutline, feasible line).
    summary: String,
    html_bytes: usize,
    wall: Duration,
}

/// `planhost render DIR --view work --renderer table` must succeed.
fn check_render(planhost: &Path, dir: &Path) -> RenderCheck {
    let start = Instant::now();
    let output = Command::new(planhost)
        .arg("render")
        .arg(dir)
        .args(["--view", VIEW, "--renderer", RENDERER])
        .env("RUST_LOG", "warn")
        .output()
        .expect("running planhost render");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "planhost render failed ({}): {stderr}", output.status);
    let summary = stderr.lines().find(|l| l.starts_with("plan ")).unwrap_or_default().to_owned();
    let html_bytes = output.stdout.len().saturating_sub(1); // println!'s newline
    eprintln!(
        "live: planhost render: {html_bytes} bytes of HTML in {:.0} ms; {summary}",
        wall.as_secs_f64() * 1e3
    );
    RenderCheck { summary, html_bytes, wall }
}

// ---------------------------------------------------------------- breakdown

/// Per round, µs of each step of the live loop, sorted.
struct Steps {
    load_ms: f64,
    console: Vec<u32>,
    view_data: Vec<u32>,
    /// For comparison, timed apart from the live loop: a fresh analysis of
    /// the plan (a walk of the whole ranking), and the view function
    /// outside a view round, which makes one (in a round the example plan
    /// takes the last round's analysis up to date instead), without the
    /// conversion of its table to JSON.
    analyze: Vec<u32>,
    view_function: Vec<u32>,
    render: Vec<u32>,
    envelope: Vec<u32>,
    /// The envelope as a patch of the previous one, and that patch's frame size.
    diff: Vec<u32>,
    patch_bytes: Vec<u32>,
    frame: Vec<u32>,
    total: Vec<u32>,
    frame_bytes: usize,
    /// The last round's view envelope, published again by the publish-only rounds.
    envelope_text: String,
}

/// Runs the rounds' commands on planhost's Lua thread and renders the way
/// the live loop does, timing each step (after the warm-up's, not timed).
fn breakdown(dir: &Path, warm_up: &[String], commands: &[String]) -> Steps {
    let sandbox = Sandbox::new(dir, false).expect("opening the plan directory");
    let entry = sandbox.root().join(planhost::server::PLAN_ENTRY);
    let lua = lua_thread::spawn(Budget::default(), sandbox, None).expect("starting Lua");
    let registry = Registry::load(&[], RenderLimits::default(), default_cache_dir().as_deref())
        .expect("loading the built-in plugins");
    let us = |since: Instant| since.elapsed().as_micros().min(u128::from(MISSING - 1)) as u32;
    smol::block_on(async {
        let start = Instant::now();
        lua.run_file(entry).await.expect("running plan.lua");
        let load_ms = start.elapsed().as_secs_f64() * 1e3;
        let mut steps = Steps {
            load_ms,
            console: Vec::new(),
            view_data: Vec::new(),
            analyze: Vec::new(),
            view_function: Vec::new(),
            render: Vec::new(),
            envelope: Vec::new(),
            diff: Vec::new(),
            patch_bytes: Vec::new(),
            frame: Vec::new(),
            total: Vec::new(),
            frame_bytes: 0,
            envelope_text: String::new(),
        };
        // The server renders once before any change (for the first subscriber).
        let first = lua.view_data(VIEW).await.expect("the work view");
        let html = registry.render(RENDERER, VIEW, &first, &[]).expect("rendering the work view");
        let mut previous = serde_json::to_string(&Envelope { html: Some(html), error: None })
            .expect("an envelope");
        for command in warm_up.iter().chain(commands) {
            // Idle between changes, as the served rounds are (the Lua thread
            // collects garbage when idle).
            Timer::after(ROUND_PAUSE).await;
            let start = Instant::now();
            let reply = lua.console(command).await;
            steps.console.push(us(start));
            if let ConsoleOutcome::Failed(error) = reply.outcome {
                panic!("{command}: {error}");
            }
            let at = Instant::now();
            let data = lua.view_data(VIEW).await.expect("the work view");
            steps.view_data.push(us(at));
            let at = Instant::now();
            let html = registry.render(RENDERER, VIEW, &data, &[]).expect("rendering");
            steps.render.push(us(at));
            let at = Instant::now();
            let envelope = Envelope { html: Some(html), error: None };
            let envelope = serde_json::to_string(&envelope).expect("an envelope");
            steps.envelope.push(us(at));
            steps.envelope_text.clone_from(&envelope);
            let at = Instant::now();
            let patch = planhost::patch::diff(&previous, &envelope);
            steps.diff.push(us(at));
            let size = patch.map_or(0, |patch| patch.pieces_json().len() + 100);
            steps.patch_bytes.push(size.min(MISSING as usize - 1) as u32);
            previous.clone_from(&envelope);
            let at = Instant::now();
            let frame = ServerFrame::Message { topic: TOPIC.into(), rev: 1, data: envelope };
            let frame = serde_json::to_string(&frame).expect("a frame");
            steps.frame.push(us(at));
            let round = steps.console.len() - 1;
            let total = [
                &steps.console,
                &steps.view_data,
                &steps.render,
                &steps.envelope,
                &steps.diff,
                &steps.frame,
            ]
            .iter()
            .map(|step| step[round])
            .sum();
            steps.total.push(total);
            steps.frame_bytes = frame.len();
            for (chunk, times) in [
                ("local _ = session.plan:analyze()", &mut steps.analyze),
                (&*format!("local _ = planhost.views.{VIEW}()"), &mut steps.view_function),
            ] {
                let at = Instant::now();
                let reply = lua.console(chunk).await;
                times.push(us(at));
                if let ConsoleOutcome::Failed(error) = reply.outcome {
                    panic!("{chunk}: {error}");
                }
            }
        }
        for list in [
            &mut steps.console,
            &mut steps.view_data,
            &mut steps.analyze,
            &mut steps.view_function,
            &mut steps.render,
            &mut steps.envelope,
            &mut steps.diff,
            &mut steps.patch_bytes,
            &mut steps.frame,
            &mut steps.total,
        ] {
            // (The server's warm-up at scale is not measured either.)
            list.drain(..warm_up.len() + WARM_UP_AT_SCALE);
            list.sort_unstable();
        }
        eprintln!(
            "live: steps of one change in-process: {:.1} ms median",
            percentile_ms(&steps.total, 50.0)
        );
        steps
    })
}

// ---------------------------------------------------------------- server

/// `planhost serve DIR`, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    token: String,
}

impl Server {
    fn start(bin: &Path, dir: &Path) -> Server {
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .arg(dir)
            .args(["--addr", "127.0.0.1:0", "--no-console"])
            // The clients never answer pings: keep them from being dropped.
            .args(["--ping-interval", "600s", "--pong-timeout", "900s"])
            .args(["--stuck-timeout", "60s"])
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()));
        let (child, addr) = support::spawn_until_ready(command, "planhost listening on http://");
        let token =
            std::fs::read_to_string(dir.join(".planhost/token")).expect("reading the token file");
        Server { child, addr, token: token.trim().to_owned() }
    }

    fn cpu_ms(&self) -> u64 {
        cpu_ms(&self.child.id().to_string())
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---------------------------------------------------------------- one case

/// What all clients of one case share with the driver.
struct Shared {
    base: Instant,
    /// The round in progress (`usize::MAX` before the first).
    round: AtomicUsize,
    /// Per round: when the console request started, in ns since `base`.
    round_start: Vec<AtomicU64>,
    /// Per round: clients that have the new HTML.
    delivered: Vec<AtomicUsize>,
    /// Per round: clients that had it as a patch of the previous message.
    patched: Vec<AtomicUsize>,
    /// Clients holding their first message.
    ready: AtomicUsize,
    /// Clients that ended early, and the first reason.
    failed: AtomicUsize,
    first_error: Mutex<Option<String>>,
    /// Message heads the clients inflated, shared (see `InflatedHeads`).
    heads: Arc<InflatedHeads>,
    /// From a round's start until every client has its message: the patch
    /// check waits for this to clear before it parses what it read, so its
    /// work is not part of what the rounds measure.
    in_round: AtomicBool,
}

impl Shared {
    fn new(rounds: usize) -> Shared {
        Shared {
            base: Instant::now(),
            round: AtomicUsize::new(usize::MAX),
            round_start: (0..rounds).map(|_| AtomicU64::new(u64::MAX)).collect(),
            delivered: (0..rounds).map(|_| AtomicUsize::new(0)).collect(),
            patched: (0..rounds).map(|_| AtomicUsize::new(0)).collect(),
            ready: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            first_error: Mutex::new(None),
            heads: Arc::default(),
            in_round: AtomicBool::new(false),
        }
    }

    /// A round's clock is about to start.
    fn start_round(&self) {
        self.in_round.store(true, Ordering::Release);
    }

    /// Every client has the round's message (or the round timed out).
    fn end_round(&self) {
        self.in_round.store(false, Ordering::Release);
    }

    fn now_ns(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64
    }

    fn fail(&self, error: String) {
        self.failed.fetch_add(1, Ordering::AcqRel);
        self.first_error.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(error);
    }

    fn first_error(&self) -> String {
        self.first_error.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default()
    }
}

/// The two kinds of rounds of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A planning command through `POST /api/console`: the whole live loop.
    Console,
    /// The same envelope published with `POST /api/publish/view/work/table`:
    /// the fan-out alone.
    Publish,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Console => "console command",
            Phase::Publish => "publish only",
        }
    }
}

/// The measurements of one kind of round.
struct PhaseResult {
    phase: Phase,
    /// Every delivery's latency, µs, sorted.
    per_client_us: Vec<u32>,
    /// Per round, when the last client had it, µs, sorted.
    all_clients_us: Vec<u32>,
    /// Per round, the HTTP request from send to answer, µs, sorted.
    request_us: Vec<u32>,
    /// Deliveries that came as patches.
    patched: usize,
    /// Median frame payload per message, and all bytes delivered per round.
    message_bytes: usize,
    round_bytes: f64,
    server_cpu_ms: f64,
    bench_cpu_ms: f64,
    expected: usize,
}

/// The measurements of one client count.
struct CaseResult {
    clients: usize,
    phases: Vec<PhaseResult>,
    failed_clients: usize,
    /// What the patch checker found.
    check: PatchCheck,
}

fn run_case(
    mut server: Server,
    clients: usize,
    warm_up: &[String],
    commands: &[String],
    envelope: &str,
) -> Result<CaseResult, String> {
    let executor = Executor::new();
    smol::block_on(executor.run(async {
        warm(&server, warm_up).await?;
        measure(&executor, &mut server, clients, commands, envelope).await
    }))
}

/// Runs the warm-up commands with one client watching, each until its
/// update arrived.
async fn warm(server: &Server, commands: &[String]) -> Result<(), String> {
    let stream = support::connect_raw(server.addr, TOPIC, true, true).await?;
    let mut frames = FrameReader::new();
    let mut update = async || loop {
        let frame = frames.next(&stream, 0, |_| ()).await?;
        if frame.opcode == 1 {
            return Ok::<(), String>(());
        }
    };
    update().await?;
    let auth = format!("Authorization: Bearer {}\r\n", server.token);
    for command in commands {
        let (status, answer) =
            http(server.addr, "POST", "/api/console", &auth, command.as_bytes()).await?;
        if status != 200 {
            return Err(format!("warm-up {command} answered {status}: {answer:?}"));
        }
        update().await?;
    }
    Ok(())
}

/// Server and load generator CPU per round, and the requests' own times.
struct PhaseCost {
    request_us: Vec<u32>,
    /// Deliveries that came as patches.
    patched: usize,
    server_cpu_ms: f64,
    bench_cpu_ms: f64,
}

async fn measure(
    executor: &Executor<'_>,
    server: &mut Server,
    n: usize,
    commands: &[String],
    envelope: &str,
) -> Result<CaseResult, String> {
    let (all, phases) = rounds(commands);
    let shared = Arc::new(Shared::new(all));
    // The check reads and rebuilds whole views: on a thread of its own, so
    // the load clients' thread does not wait for it.
    let (addr, between_rounds) = (server.addr, shared.clone());
    let checker = std::thread::spawn(move || smol::block_on(check_patches(addr, &between_rounds)));
    let fresh = || {
        let state = Deliveries { held: None, latencies: vec![MISSING; all], bytes: vec![0; all] };
        (FrameReader::sharing(shared.heads.clone()), state)
    };
    let topic = (TOPIC, true, true);
    let (clients, failed) = support::connect_clients(executor, server.addr, topic, n, fresh).await;
    failed.into_iter().for_each(|error| shared.fail(error));
    let stop = Arc::new(AtomicBool::new(false));
    let reading = {
        let (shared, stop) = (shared.clone(), stop.clone());
        std::thread::spawn(move || receive(clients, &shared, &stop))
    };
    let costs = run_rounds(server, &shared, n, commands, envelope).await;
    stop.store(true, Ordering::Release);
    let finished = smol::unblock(move || reading.join())
        .await
        .map_err(|_| "the thread reading the clients panicked")?;
    // The patch check's clients end when the server goes.
    server.stop();
    let costs = costs?;
    let check =
        smol::unblock(move || checker.join()).await.map_err(|_| "the patch check panicked")?;
    if let Some(error) = &check.mismatch {
        return Err(format!("patch check: {error}"));
    }
    let cold: Vec<String> = (0..WARM_UP_AT_SCALE)
        .map(|r| {
            let got = finished.iter().map(|f| f.latencies[r]).filter(|&l| l != MISSING);
            format!("{:.0}", f64::from(got.max().unwrap_or(MISSING)) / 1_000.0)
        })
        .collect();
    eprintln!("live: N={n}, warm-up at scale: last client per round (ms): {}", cold.join(" "));
    let failed_clients = shared.failed.load(Ordering::Acquire);
    if failed_clients > 0 {
        eprintln!("live: {failed_clients} clients ended early; first: {}", shared.first_error());
    }
    let phases = phases
        .into_iter()
        .zip(costs)
        .map(|((phase, range), cost)| summarise(n, phase, range, &finished, cost))
        .collect();
    Ok(CaseResult { clients: n, phases, failed_clients, check })
}

/// Warm-up rounds at scale, then the console rounds, then as many
/// publish-only rounds: how many in all, and each phase's rounds.
fn rounds(commands: &[String]) -> (usize, [(Phase, std::ops::Range<usize>); 2]) {
    let (warm, rounds) = (WARM_UP_AT_SCALE, commands.len() - WARM_UP_AT_SCALE);
    let all = warm + 2 * rounds;
    (all, [(Phase::Console, warm..warm + rounds), (Phase::Publish, warm + rounds..all)])
}

/// Once the clients are connected: until each holds the view, then the
/// warm-up rounds and the two phases' rounds; each phase's costs.
async fn run_rounds(
    server: &Server,
    shared: &Shared,
    n: usize,
    commands: &[String],
    envelope: &str,
) -> Result<Vec<PhaseCost>, String> {
    let (_, phases) = rounds(commands);
    let warm = WARM_UP_AT_SCALE;
    wait_ready(shared, n).await?;
    Timer::after(Duration::from_secs(1)).await;
    for (round, command) in commands[..warm].iter().enumerate() {
        console_round(server, shared, round, command).await?;
        wait_round(shared, round, n).await;
        Timer::after(ROUND_PAUSE).await;
    }
    let mut costs = Vec::new();
    for (phase, range) in phases {
        let rounds = range.len();
        let (server_cpu, bench_cpu) = (server.cpu_ms(), cpu_ms("self"));
        let mut request_us = Vec::with_capacity(rounds);
        for round in range.clone() {
            let took = match phase {
                Phase::Console => console_round(server, shared, round, &commands[round]).await?,
                Phase::Publish => publish_round(server, shared, round, envelope, n).await?,
            };
            request_us.push(took);
            wait_round(shared, round, n).await;
            Timer::after(ROUND_PAUSE).await;
        }
        // The pauses are idle time: CPU per round counts the work only.
        let per_round = |spent: u64| spent as f64 / rounds as f64;
        let patched = range.clone().map(|r| shared.patched[r].load(Ordering::Acquire)).sum();
        costs.push(PhaseCost {
            request_us,
            patched,
            server_cpu_ms: per_round(server.cpu_ms().saturating_sub(server_cpu)),
            bench_cpu_ms: per_round(cpu_ms("self").saturating_sub(bench_cpu)),
        });
    }
    Ok(costs)
}

/// Waits until every client holds the view's first message.
async fn wait_ready(shared: &Shared, n: usize) -> Result<(), String> {
    let deadline = Instant::now() + READY_LIMIT;
    loop {
        let ready = shared.ready.load(Ordering::Acquire);
        if ready == n {
            return Ok(());
        }
        let failed = shared.failed.load(Ordering::Acquire);
        if failed > 0 || Instant::now() > deadline {
            return Err(format!(
                "{ready}/{n} clients have the view, {failed} clients failed: {}",
                shared.first_error()
            ));
        }
        Timer::after(Duration::from_millis(20)).await;
    }
}

/// Runs one console command, timed from just before the request; returns
/// the request's own time in µs.
async fn console_round(
    server: &Server,
    shared: &Shared,
    round: usize,
    command: &str,
) -> Result<u32, String> {
    let auth = format!("Authorization: Bearer {}\r\n", server.token);
    shared.start_round();
    let start = Instant::now();
    shared.round_start[round].store(shared.now_ns(), Ordering::Release);
    shared.round.store(round, Ordering::Release);
    let (status, answer) =
        http(server.addr, "POST", "/api/console", &auth, command.as_bytes()).await?;
    let took = start.elapsed().as_micros().min(u128::from(MISSING - 1)) as u32;
    let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap_or_default();
    if status != 200 || answer["status"] != "ok" {
        return Err(format!("{command} answered {status}: {answer}"));
    }
    // `rank A -> B`: a command that moved nothing would publish nothing.
    let output = answer["output"].as_str().unwrap_or_default();
    let moved = output
        .split_once(": rank ")
        .and_then(|(_, rest)| rest.split_once(" (").map(|(ranks, _)| ranks))
        .and_then(|ranks| ranks.split_once(" -> "))
        .is_none_or(|(from, to)| from != to);
    if !moved {
        eprintln!("live: round {round}: {command} did not change the ranking: {output}");
    }
    Ok(took)
}

/// Publishes `envelope` on the view topic as the live loop would, timed
/// from just before the request; returns the request's own time in µs.
async fn publish_round(
    server: &Server,
    shared: &Shared,
    round: usize,
    envelope: &str,
    n: usize,
) -> Result<u32, String> {
    let auth = format!("Authorization: Bearer {}\r\n", server.token);
    let path = format!("/api/publish/{TOPIC}?delivery=latest-wins");
    shared.start_round();
    let start = Instant::now();
    shared.round_start[round].store(shared.now_ns(), Ordering::Release);
    shared.round.store(round, Ordering::Release);
    let (status, answer) = http(server.addr, "POST", &path, &auth, envelope.as_bytes()).await?;
    let took = start.elapsed().as_micros().min(u128::from(MISSING - 1)) as u32;
    let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap_or_default();
    if status != 200 {
        return Err(format!("publish answered {status}: {answer}"));
    }
    // The load clients and the patch check's patched client (its other
    // client subscribes only between rounds).
    let expected = n + 1;
    if answer["subscribers"].as_u64() != Some(expected as u64) {
        eprintln!(
            "live: round {round} reached {} subscribers, expected {expected}",
            answer["subscribers"]
        );
    }
    Ok(took)
}

/// Waits until every client has round `round`, or the round limit passed.
async fn wait_round(shared: &Shared, round: usize, n: usize) {
    let deadline = Instant::now() + ROUND_LIMIT;
    while shared.delivered[round].load(Ordering::Acquire) < n && Instant::now() < deadline {
        Timer::after(Duration::from_millis(1)).await;
    }
    shared.end_round();
    let got = shared.delivered[round].load(Ordering::Acquire);
    if got < n {
        eprintln!("live: round {round}: only {got}/{n} clients had new HTML after {ROUND_LIMIT:?}");
    }
}

// ---------------------------------------------------------------- clients

/// What a client holds and when it got each round's message.
struct Deliveries {
    /// The `rev` of the message it holds.
    held: Option<u64>,
    /// The latency of each round in µs (`MISSING` if never seen).
    latencies: Vec<u32>,
    /// The frame payload bytes of each round's message (0 if never seen).
    bytes: Vec<u32>,
}

/// The `rev` of a message or patch frame, and whether it is a patch,
/// from the payload's first bytes.
fn frame_rev(head: &[u8]) -> Option<(u64, bool)> {
    Some((number_after(head, REV_KEY)?, head.starts_with(PATCH_TYPE)))
}

/// Reads every client's frames until `stop`: a client's first message
/// makes it ready, and then a text frame whose `rev` is above the one it
/// holds belongs to the round in progress.
fn receive(
    mut clients: Vec<Client<Deliveries>>,
    shared: &Shared,
    stop: &AtomicBool,
) -> Vec<Deliveries> {
    let on_frame = |client: &mut Deliveries, frame: Frame<Option<(u64, bool)>>| {
        let now = shared.now_ns();
        let Some((rev, patch)) = frame.head.filter(|_| frame.opcode == 0x1) else {
            return;
        };
        let Some(held) = client.held else {
            client.held = Some(rev);
            shared.ready.fetch_add(1, Ordering::AcqRel);
            return;
        };
        if rev <= held {
            return;
        }
        client.held = Some(rev);
        let round = shared.round.load(Ordering::Acquire);
        if round >= client.latencies.len() || client.latencies[round] != MISSING {
            return;
        }
        let start = shared.round_start[round].load(Ordering::Acquire);
        client.latencies[round] =
            (now.saturating_sub(start) / 1_000).min(u64::from(MISSING - 1)) as u32;
        client.bytes[round] = frame.len.min(u32::MAX as usize) as u32;
        if patch {
            shared.patched[round].fetch_add(1, Ordering::AcqRel);
        }
        shared.delivered[round].fetch_add(1, Ordering::AcqRel);
    };
    if let Err(error) = read_frames(&mut clients, REV_WINDOW, frame_rev, on_frame, stop) {
        shared.fail(format!("reading the clients: {error}"));
    }
    for error in clients.iter().filter_map(|c| c.error.clone()) {
        shared.fail(error);
    }
    clients.into_iter().map(|c| c.state).collect()
}

/// What [`check_patches`] found.
#[derive(Debug, Default)]
struct PatchCheck {
    /// Messages both checking clients held, compared byte for byte.
    compared: usize,
    /// Of those, how many the patching client rebuilt from a patch.
    patches: usize,
    mismatch: Option<String>,
}

/// Two more clients, one taking patches and one subscribing between rounds
/// for the whole current message: every patch must rebuild exactly that
/// data. Runs until the server closes the connections.
async fn check_patches(addr: SocketAddr, shared: &Shared) -> PatchCheck {
    let mut check = PatchCheck::default();
    if let Err(error) = compare_patched_and_whole(addr, shared, &mut check).await {
        check.mismatch = Some(error);
    }
    check
}

async fn compare_patched_and_whole(
    addr: SocketAddr,
    shared: &Shared,
    check: &mut PatchCheck,
) -> Result<(), String> {
    use async_tungstenite::tungstenite::Message;
    use futures_lite::StreamExt;
    type Ws = async_tungstenite::WebSocketStream<TcpStream>;
    async fn send(ws: &mut Ws, frame: serde_json::Value) -> Result<(), String> {
        ws.send(Message::text(frame.to_string())).await.map_err(|e| format!("sending: {e}"))
    }
    async fn open(addr: SocketAddr) -> Result<Ws, String> {
        let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
        let (ws, _) = async_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        Ok(ws)
    }
    /// The next message or patch frame, parsed once no round is running;
    /// `None` once the server closed.
    async fn next(ws: &mut Ws, shared: &Shared) -> Option<serde_json::Value> {
        loop {
            match ws.next().await? {
                Ok(Message::Text(text)) => {
                    while shared.in_round.load(Ordering::Acquire) {
                        Timer::after(Duration::from_millis(1)).await;
                    }
                    return serde_json::from_str(text.as_str()).ok();
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }
    /// The topic's current message, whole, at `rev` or later: subscribed
    /// for just that, between rounds, so the server writes whole messages
    /// (700 KB) outside the rounds, as no browser taking patches needs them.
    async fn current_whole(ws: &mut Ws, shared: &Shared, rev: u64) -> Option<serde_json::Value> {
        let subscribe = serde_json::json!({"type": "subscribe", "topic": TOPIC, "patches": false});
        send(ws, subscribe).await.ok()?;
        let message = loop {
            // Messages published before the last unsubscribe took effect
            // come first: skipped.
            let message = next(ws, shared).await?;
            if message["rev"].as_u64().unwrap_or(0) >= rev {
                break message;
            }
        };
        send(ws, serde_json::json!({"type": "unsubscribe", "topic": TOPIC})).await.ok()?;
        Some(message)
    }
    let (mut patched, mut whole) = (open(addr).await?, open(addr).await?);
    send(&mut patched, serde_json::json!({"type": "subscribe", "topic": TOPIC, "patches": true}))
        .await?;
    let (mut held, mut held_rev) = (String::new(), 0);
    loop {
        let Some(frame) = next(&mut patched, shared).await else { return Ok(()) };
        let rev = frame["rev"].as_u64().unwrap_or(0);
        held = match frame["type"].as_str() {
            Some("patch") => {
                if frame["base"].as_u64() != Some(held_rev) {
                    return Err(format!(
                        "a patch against {} for a client holding {held_rev}",
                        frame["base"]
                    ));
                }
                let length = frame["length"].as_u64().unwrap_or(0) as usize;
                let patch = planhost::patch::Patch::from_json(
                    &frame["pieces"],
                    length,
                    frame["check"].as_u64().unwrap_or(0) as u32,
                )
                .ok_or_else(|| format!("malformed pieces in {rev}"))?;
                check.patches += 1;
                patch.apply(&held).map_err(|e| format!("patch {rev}: {e}"))?
            }
            _ => frame["data"].as_str().unwrap_or_default().to_owned(),
        };
        held_rev = rev;
        // A change published meanwhile makes the whole message newer: then
        // this revision goes unchecked.
        let Some(expected) = current_whole(&mut whole, shared, rev).await else { return Ok(()) };
        if expected["rev"].as_u64() == Some(rev) {
            if expected["data"].as_str() != Some(held.as_str()) {
                return Err(format!("rev {rev}: the patched data differs from the whole message"));
            }
            check.compared += 1;
        }
    }
}

// ---------------------------------------------------------------- report

fn summarise(
    clients: usize,
    phase: Phase,
    range: std::ops::Range<usize>,
    finished: &[Deliveries],
    cost: PhaseCost,
) -> PhaseResult {
    let rounds = range.len();
    let mut per_client_us: Vec<u32> = finished
        .iter()
        .flat_map(|f| f.latencies[range.clone()].iter().copied())
        .filter(|&l| l != MISSING)
        .collect();
    per_client_us.sort_unstable();
    // The first and the last client of each round: where the fan-out
    // starts and where it ends.
    let (first_us, mut all_clients_us): (Vec<u32>, Vec<u32>) = range
        .clone()
        .map(|r| {
            let got = finished.iter().map(|f| f.latencies[r]).filter(|&l| l != MISSING);
            let seen = got.fold(None, |seen: Option<(u32, u32)>, l| {
                Some(seen.map_or((l, l), |(first, last)| (first.min(l), last.max(l))))
            });
            seen.unwrap_or((MISSING, MISSING))
        })
        .unzip();
    let shown = |us: &[u32]| {
        us.iter().map(|&us| format!("{:.0}", f64::from(us) / 1_000.0)).collect::<Vec<_>>().join(" ")
    };
    for (which, us) in [("last", &all_clients_us), ("first", &first_us)] {
        eprintln!(
            "live: N={clients}, {}: {which} client per round (ms): {}",
            phase.name(),
            shown(us)
        );
    }
    all_clients_us.sort_unstable();
    let mut request_us = cost.request_us;
    request_us.sort_unstable();
    let mut sizes: Vec<u32> = finished
        .iter()
        .flat_map(|f| f.bytes[range.clone()].iter().copied())
        .filter(|&b| b > 0)
        .collect();
    sizes.sort_unstable();
    let delivered: u64 = sizes.iter().map(|&b| u64::from(b)).sum();
    PhaseResult {
        phase,
        message_bytes: sizes.get(sizes.len() / 2).map_or(0, |&b| b as usize),
        round_bytes: delivered as f64 / rounds as f64,
        per_client_us,
        all_clients_us,
        request_us,
        server_cpu_ms: cost.server_cpu_ms,
        bench_cpu_ms: cost.bench_cpu_ms,
        patched: cost.patched,
        expected: clients * rounds,
    }
}

fn print_report(
    machine: &str,
    plan: &ScaledPlan,
    check: &RenderCheck,
    steps: &Steps,
    results: &[CaseResult],
) {
    let ms = |sorted: &[u32], p| percentile_ms(sorted, p);
    println!();
    println!("{machine}");
    println!(
        "plan: {} work items, {} people, cutline {}; {}",
        plan.items, plan.people, plan.cutline, check.summary
    );
    println!(
        "planhost render --view {VIEW} --renderer {RENDERER}: {} bytes of HTML, {:.0} ms (whole process)",
        check.html_bytes,
        check.wall.as_secs_f64() * 1e3
    );
    println!();
    println!(
        "| N | rounds | p50 per-client ms | p99 per-client ms | p50 all-clients ms | p99 all-clients ms | delivered | request p50 ms | as patches | message KiB | MiB per round | server CPU ms / round | bench CPU ms / round |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for case in results {
        for r in &case.phases {
            println!(
                "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {}/{}{} | {:.1} | {} | {:.1} | {:.2} | {:.0} | {:.0} |",
                case.clients,
                r.phase.name(),
                ms(&r.per_client_us, 50.0),
                ms(&r.per_client_us, 99.0),
                ms(&r.all_clients_us, 50.0),
                ms(&r.all_clients_us, 99.0),
                r.per_client_us.len(),
                r.expected,
                if case.failed_clients > 0 {
                    format!(" ({} clients dropped)", case.failed_clients)
                } else {
                    String::new()
                },
                ms(&r.request_us, 50.0),
                r.patched,
                r.message_bytes as f64 / 1024.0,
                r.round_bytes / (1024.0 * 1024.0),
                r.server_cpu_ms,
                r.bench_cpu_ms,
            );
        }
    }
    for case in results {
        println!(
            "N={}: a client taking patches and the whole messages fetched between rounds held the same data at {} revisions, {} of them rebuilt from patches.",
            case.clients, case.check.compared, case.check.patches
        );
    }
    println!();
    println!(
        "Steps of one change in this process (plan.lua loaded in {:.0} ms; {} rounds; message frame {} bytes):",
        steps.load_ms,
        steps.total.len(),
        steps.frame_bytes
    );
    println!();
    let sizes = &steps.patch_bytes;
    let size = |p: f64| {
        sizes.get(((sizes.len() as f64 * p / 100.0) as usize).min(sizes.len().saturating_sub(1)))
    };
    println!(
        "Patch frames: p50 {} bytes, largest {} bytes (0: no patch, the message goes whole).",
        size(50.0).copied().unwrap_or(0),
        sizes.last().copied().unwrap_or(0)
    );
    println!();
    println!("| step | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    for (name, sorted) in [
        ("console command (Lua)", &steps.console),
        ("view data (Lua view function to JSON text)", &steps.view_data),
        ("(apart) the view function with a fresh analysis (Lua)", &steps.view_function),
        ("(apart) a fresh analysis of the plan (Lua)", &steps.analyze),
        ("render (table plugin, wasm)", &steps.render),
        ("view envelope (JSON)", &steps.envelope),
        ("patch of the envelope against the previous one", &steps.diff),
        ("message frame (JSON)", &steps.frame),
        ("total", &steps.total),
    ] {
        println!("| {name} | {:.1} | {:.1} |", ms(sorted, 50.0), ms(sorted, 99.0));
    }
}
