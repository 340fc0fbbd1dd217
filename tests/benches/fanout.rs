//! Fan-out benchmark: one 20 KB publish reaching N idle WebSocket clients,
//! planhost against a Node `ws` peer that speaks the same protocol.
//!
//! ```text
//! cargo bench -p planhost-tests --bench fanout -j1 -- \
//!     [--clients 100,1000,5000] [--rounds 20] [--server planhost|node|both] \
//!     [--repeat 1]
//! ```
//!
//! For each N and each server: start the server on 127.0.0.1 port 0, read
//! its RSS once it stops changing, connect N clients subscribed to `bench`,
//! wait until `GET /api/topics` counts N subscribers, read the settled RSS
//! again, then publish `--rounds` 20 KB messages through
//! `POST /api/publish/bench` and time when each client gets each one. The
//! clients are read on one thread with one level-triggered epoll
//! (`support::read_frames`): a message costs a client two reads, the head
//! and the rest discarded in the kernel, and nothing else.
//!
//! `--repeat K` does all of it K times, a report after each run, then
//! each client count's ratios run by run, their median, and the ratio of
//! the p99s over all runs' deliveries pooled: one run's p99 is its worst
//! round or two, so a single run says little about a server's tail.
//!
//! The planhost binary is built with `cargo build --release -p planhost`,
//! unless `PLANHOST_BIN=/path/to/planhost` names one to use instead.
//! `cargo test` runs this file as a check of the bench itself: 100 clients,
//! 3 rounds, planhost's test build, failing unless every client got every
//! round.
//! The Node peer (`benches/node/ws-broadcast.js`) needs `node`; its
//! `node_modules` is installed with `npm install` on first use. Without
//! `node` the peer is skipped with a message.

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use smol::{Executor, Timer};

use support::{
    Client, Frame, FrameReader, cpu_ms, http, machine_summary, percentile_ms, read_frames,
    spawn_until_ready,
};

/// Size of each published body.
const BODY_BYTES: usize = 20 << 10;
/// Where the round marker sits: `round=NNNNNN;` opens every body.
const MARKER: &[u8] = b"round=";
/// A message frame's JSON puts `data` within this many bytes of the start.
const MARKER_WINDOW: usize = 160;
/// Pause between rounds, so each round starts with idle clients.
const ROUND_PAUSE: Duration = Duration::from_millis(50);
/// How long one round may take before its missing deliveries count as lost.
const ROUND_LIMIT: Duration = Duration::from_secs(20);
/// How long all clients may take to connect and subscribe.
const SUBSCRIBE_LIMIT: Duration = Duration::from_secs(120);
/// Latency slot of a round the client never saw.
const MISSING: u32 = u32::MAX;

fn main() {
    let options = if support::measuring() { Options::parse() } else { Options::check() };
    support::raise_open_file_limit("fanout");
    let planhost = options.wants(Kind::Planhost).then(|| support::build_planhost("fanout"));
    let node_dir = options.wants(Kind::Node).then(node_peer_dir).flatten();
    let (mut runs, mut failures) = (Vec::new(), Vec::new());
    for run in 1..=options.repeat {
        if options.repeat > 1 {
            eprintln!("fanout: run {run} of {}", options.repeat);
        }
        let machine = machine_summary();
        let mut results = Vec::new();
        for &clients in &options.clients {
            for kind in [Kind::Planhost, Kind::Node] {
                let peer = match kind {
                    Kind::Planhost => planhost.as_deref().map(Peer::start_planhost),
                    Kind::Node => node_dir.as_deref().map(Peer::start_node),
                };
                let Some(peer) = peer else { continue };
                eprintln!(
                    "fanout: {} with {clients} clients, {} rounds",
                    kind.name(),
                    options.rounds
                );
                match run_case(peer, clients, options.rounds) {
                    Ok(result) => results.push(result),
                    Err(error) => failures.push(format!(
                        "run {run}: {} with {clients} clients: {error}",
                        kind.name()
                    )),
                }
            }
        }
        print_report(&machine, &results);
        for r in
            results.iter().filter(|r| r.per_client_us.len() < r.expected || r.failed_clients > 0)
        {
            failures.push(format!(
                "run {run}: {} with {} clients: {} of {} deliveries, {} clients dropped",
                r.kind.name(),
                r.clients,
                r.per_client_us.len(),
                r.expected,
                r.failed_clients
            ));
        }
        runs.push(results);
    }
    if options.repeat > 1 {
        print_runs_summary(&options.clients, &runs);
    }
    if !failures.is_empty() {
        eprintln!("fanout: failed: {}", failures.join("; "));
        std::process::exit(1);
    }
}

// ---------------------------------------------------------------- options

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Planhost,
    Node,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Planhost => "planhost",
            Kind::Node => "node",
        }
    }
}

struct Options {
    clients: Vec<usize>,
    rounds: usize,
    servers: Vec<Kind>,
    /// Whole runs, one after another, each with its own report.
    repeat: usize,
}

impl Options {
    fn parse() -> Options {
        let mut options = Options {
            clients: vec![100, 1000, 5000],
            rounds: 20,
            servers: vec![Kind::Planhost, Kind::Node],
            repeat: 1,
        };
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
                "--repeat" => {
                    options.repeat = value().parse().unwrap_or_else(|_| usage("bad --repeat"))
                }
                "--server" => {
                    options.servers = match value().as_str() {
                        "planhost" => vec![Kind::Planhost],
                        "node" => vec![Kind::Node],
                        "both" => vec![Kind::Planhost, Kind::Node],
                        other => usage(&format!("unknown server {other:?}")),
                    }
                }
                // `cargo bench` appends `--bench` to every bench binary's arguments.
                "--bench" => {}
                other => usage(&format!("unknown argument {other:?}")),
            }
        }
        if options.rounds == 0 || options.repeat == 0 || options.clients.contains(&0) {
            usage("--rounds, --repeat and every --clients count must be at least 1");
        }
        options
    }

    /// The check `cargo test` runs: planhost only (Node may be missing),
    /// a few rounds, enough clients for the hub to share each publish with
    /// its fan-out helper (on a machine of two cores or more).
    fn check() -> Options {
        Options { clients: vec![100], rounds: 3, servers: vec![Kind::Planhost], repeat: 1 }
    }

    fn wants(&self, kind: Kind) -> bool {
        self.servers.contains(&kind)
    }
}

fn usage(problem: &str) -> ! {
    eprintln!("fanout: {problem}");
    eprintln!(
        "usage: cargo bench -p planhost-tests --bench fanout -- [--clients 100,1000,5000] [--rounds 20] [--server planhost|node|both] [--repeat 1]"
    );
    std::process::exit(2);
}

// ---------------------------------------------------------------- servers

/// The Node peer's folder with its dependencies installed, or `None` (with
/// a message) when Node or the install is unavailable.
fn node_peer_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/node");
    let node = Command::new("node").arg("--version").stdout(Stdio::null()).status();
    if !node.is_ok_and(|s| s.success()) {
        eprintln!("fanout: `node` is not installed: skipping the Node peer");
        return None;
    }
    if !dir.join("node_modules/ws").exists() {
        eprintln!("fanout: npm install in {}", dir.display());
        let npm = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status();
        if !npm.is_ok_and(|s| s.success()) {
            eprintln!("fanout: npm install failed: skipping the Node peer");
            return None;
        }
    }
    Some(dir)
}

/// A server under test, killed on drop.
struct Peer {
    kind: Kind,
    child: Child,
    addr: SocketAddr,
    token: String,
    plan_dir: Option<PathBuf>,
}

impl Peer {
    fn start_planhost(bin: &Path) -> Peer {
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let n = STARTS.fetch_add(1, Ordering::Relaxed);
        let plan_dir =
            std::env::temp_dir().join(format!("planhost-fanout-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&plan_dir);
        std::fs::create_dir_all(&plan_dir).expect("creating the plan directory");
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .arg(&plan_dir)
            .args(["--addr", "127.0.0.1:0", "--ping-interval", "600s", "--pong-timeout", "900s"])
            .args(["--stuck-timeout", "60s"])
            .env("RUST_LOG", "warn");
        let (child, addr) = spawn_until_ready(command, "planhost listening on http://");
        let token = std::fs::read_to_string(plan_dir.join(".planhost/token"))
            .expect("reading the token file");
        Peer {
            kind: Kind::Planhost,
            child,
            addr,
            token: token.trim().to_owned(),
            plan_dir: Some(plan_dir),
        }
    }

    fn start_node(dir: &Path) -> Peer {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let token = format!("bench-{:x}-{nanos:x}", std::process::id());
        let mut command = Command::new("node");
        command.arg("ws-broadcast.js").current_dir(dir).env("PORT", "0").env("TOKEN", &token);
        let (child, addr) = spawn_until_ready(command, "node-ws listening on http://");
        Peer { kind: Kind::Node, child, addr, token, plan_dir: None }
    }

    /// Resident memory in KiB.
    fn rss_kib(&self) -> u64 {
        support::rss_kib(self.child.id())
    }

    fn cpu_ms(&self) -> u64 {
        cpu_ms(&self.child.id().to_string())
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = &self.plan_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

// ---------------------------------------------------------------- one case

/// What all clients of one case share with the driver.
struct Shared {
    base: Instant,
    /// Per round: when the publish started, in ns since `base`.
    round_start: Vec<AtomicU64>,
    /// Per round: clients that have the message.
    delivered: Vec<AtomicUsize>,
    /// Clients that ended early, and the first reason.
    failed: AtomicUsize,
    first_error: Mutex<Option<String>>,
}

impl Shared {
    fn new(rounds: usize) -> Shared {
        Shared {
            base: Instant::now(),
            round_start: (0..rounds).map(|_| AtomicU64::new(u64::MAX)).collect(),
            delivered: (0..rounds).map(|_| AtomicUsize::new(0)).collect(),
            failed: AtomicUsize::new(0),
            first_error: Mutex::new(None),
        }
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

/// The measurements of one server with one client count.
struct CaseResult {
    kind: Kind,
    clients: usize,
    /// Every delivery's latency, µs, sorted.
    per_client_us: Vec<u32>,
    /// Per round, when the last client had it, µs, sorted.
    all_clients_us: Vec<u32>,
    costs: Costs,
    expected: usize,
    failed_clients: usize,
}

/// Memory and CPU of one case.
struct Costs {
    rss_idle_kib_per_conn: f64,
    rss_after_rounds_kib: u64,
    /// CPU per round of the server, and of this load generator.
    server_cpu_ms: f64,
    bench_cpu_ms: f64,
}

fn run_case(mut peer: Peer, clients: usize, rounds: usize) -> Result<CaseResult, String> {
    let executor = Executor::new();
    smol::block_on(executor.run(measure(&executor, &mut peer, clients, rounds)))
}

async fn measure(
    executor: &Executor<'_>,
    peer: &mut Peer,
    n: usize,
    rounds: usize,
) -> Result<CaseResult, String> {
    let rss_empty = settled_rss_kib(peer).await;
    let shared = Arc::new(Shared::new(rounds));
    let topic = ("bench", false, false);
    let (clients, failed) = support::connect_clients(executor, peer.addr, topic, n, || {
        (FrameReader::new(), vec![MISSING; rounds])
    })
    .await;
    failed.into_iter().for_each(|error| shared.fail(error));
    let stop = Arc::new(AtomicBool::new(false));
    let reading = {
        let (shared, stop) = (shared.clone(), stop.clone());
        std::thread::spawn(move || receive(clients, &shared, &stop))
    };
    let costs = run_rounds(peer, &shared, n, rounds, rss_empty).await;
    stop.store(true, Ordering::Release);
    let latencies = smol::unblock(move || reading.join())
        .await
        .map_err(|_| "the thread reading the clients panicked")?;
    peer.stop();
    let costs = costs?;
    if shared.failed.load(Ordering::Acquire) > 0 {
        eprintln!(
            "fanout: {} clients ended early; first: {}",
            shared.failed.load(Ordering::Acquire),
            shared.first_error()
        );
    }
    Ok(summarise(peer.kind, n, rounds, &latencies, &shared, costs))
}

/// Once every client is subscribed: the idle memory, then the timed rounds.
async fn run_rounds(
    peer: &Peer,
    shared: &Shared,
    n: usize,
    rounds: usize,
    rss_empty: u64,
) -> Result<Costs, String> {
    wait_subscribers(peer, shared, n).await?;
    Timer::after(Duration::from_secs(1)).await;
    let rss_idle = settled_rss_kib(peer).await;
    let (server_cpu, bench_cpu) = (peer.cpu_ms(), cpu_ms("self"));
    for round in 0..rounds {
        publish_round(peer, shared, round, n).await?;
        wait_round(shared, round, n).await;
        Timer::after(ROUND_PAUSE).await;
    }
    let per_round = |spent: u64| spent as f64 / rounds as f64;
    Ok(Costs {
        rss_idle_kib_per_conn: rss_idle.saturating_sub(rss_empty) as f64 / n as f64,
        rss_after_rounds_kib: peer.rss_kib(),
        server_cpu_ms: per_round(peer.cpu_ms().saturating_sub(server_cpu)),
        bench_cpu_ms: per_round(cpu_ms("self").saturating_sub(bench_cpu)),
    })
}

/// Resident memory once it stops changing: a server that has said it
/// listens may still be setting up, and memory it takes then is not the
/// connections'. Readings 100 ms apart until two agree, for at most 3 s.
async fn settled_rss_kib(peer: &Peer) -> u64 {
    let mut last = peer.rss_kib();
    for _ in 0..30 {
        Timer::after(Duration::from_millis(100)).await;
        let now = peer.rss_kib();
        if now == last {
            break;
        }
        last = now;
    }
    last
}

/// Polls `GET /api/topics` until `bench` has `n` subscribers.
async fn wait_subscribers(peer: &Peer, shared: &Shared, n: usize) -> Result<(), String> {
    let deadline = Instant::now() + SUBSCRIBE_LIMIT;
    loop {
        let (status, body) = http(peer.addr, "GET", "/api/topics", "", b"").await?;
        let topics: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| format!("GET /api/topics ({status}): {e}"))?;
        let subscribed = topics
            .as_array()
            .and_then(|list| list.iter().find(|t| t["topic"] == "bench"))
            .and_then(|t| t["subscribers"].as_u64())
            .unwrap_or(0) as usize;
        if subscribed == n {
            return Ok(());
        }
        let failed = shared.failed.load(Ordering::Acquire);
        if failed > 0 || Instant::now() > deadline {
            return Err(format!(
                "{subscribed}/{n} subscribed, {failed} clients failed: {}",
                shared.first_error()
            ));
        }
        Timer::after(Duration::from_millis(50)).await;
    }
}

/// Times one publish from just before the POST.
async fn publish_round(peer: &Peer, shared: &Shared, round: usize, n: usize) -> Result<(), String> {
    let body = payload(round);
    let auth = format!("Authorization: Bearer {}\r\n", peer.token);
    shared.round_start[round].store(shared.now_ns(), Ordering::Release);
    let (status, answer) =
        http(peer.addr, "POST", "/api/publish/bench", &auth, body.as_bytes()).await?;
    let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap_or_default();
    if status != 200 {
        return Err(format!("publish answered {status}: {answer}"));
    }
    if answer["subscribers"].as_u64() != Some(n as u64) {
        eprintln!(
            "fanout: round {round} reached {} subscribers, expected {n}",
            answer["subscribers"]
        );
    }
    Ok(())
}

/// Waits until every client has round `round`, or the round limit passed.
async fn wait_round(shared: &Shared, round: usize, n: usize) {
    let deadline = Instant::now() + ROUND_LIMIT;
    while shared.delivered[round].load(Ordering::Acquire) < n && Instant::now() < deadline {
        Timer::after(Duration::from_millis(1)).await;
    }
    let got = shared.delivered[round].load(Ordering::Acquire);
    if got < n {
        eprintln!(
            "fanout: round {round}: only {got}/{n} clients had the message after {ROUND_LIMIT:?}"
        );
    }
}

/// A body of `BODY_BYTES` ASCII bytes opening with `round=NNNNNN;`.
fn payload(round: usize) -> String {
    let mut body = format!("round={round:06};");
    let filler = b"abcdefghijklmnopqrstuvwxyz0123456789";
    body.extend((0..BODY_BYTES - body.len()).map(|i| filler[i % filler.len()] as char));
    body
}

// ---------------------------------------------------------------- clients

/// Reads every client's frames until `stop`, noting when each round
/// arrives; each client's latencies.
fn receive(
    mut clients: Vec<Client<Vec<u32>>>,
    shared: &Shared,
    stop: &AtomicBool,
) -> Vec<Vec<u32>> {
    let on_frame = |latencies: &mut Vec<u32>, frame: Frame<Option<usize>>| {
        let now = shared.now_ns();
        let Some(round) = frame.head.filter(|&r| frame.opcode == 0x1 && r < latencies.len()) else {
            return;
        };
        if latencies[round] != MISSING {
            return;
        }
        let start = shared.round_start[round].load(Ordering::Acquire);
        latencies[round] = (now.saturating_sub(start) / 1_000).min(u64::from(MISSING - 1)) as u32;
        shared.delivered[round].fetch_add(1, Ordering::AcqRel);
    };
    if let Err(error) = read_frames(&mut clients, MARKER_WINDOW, round_marker, on_frame, stop) {
        shared.fail(format!("reading the clients: {error}"));
    }
    for error in clients.iter().filter_map(|c| c.error.clone()) {
        shared.fail(error);
    }
    clients.into_iter().map(|c| c.state).collect()
}

/// The round number after `round=` in the first `MARKER_WINDOW` bytes.
fn round_marker(frame: &[u8]) -> Option<usize> {
    support::number_after(&frame[..frame.len().min(MARKER_WINDOW)], MARKER).map(|n| n as usize)
}

// ---------------------------------------------------------------- report

fn summarise(
    kind: Kind,
    clients: usize,
    rounds: usize,
    latencies: &[Vec<u32>],
    shared: &Shared,
    costs: Costs,
) -> CaseResult {
    let mut per_client_us: Vec<u32> =
        latencies.iter().flatten().copied().filter(|&l| l != MISSING).collect();
    per_client_us.sort_unstable();
    let mut all_clients_us: Vec<u32> = (0..rounds)
        .map(|r| latencies.iter().map(|l| l[r]).filter(|&l| l != MISSING).max().unwrap_or(MISSING))
        .collect();
    let by_round: Vec<String> =
        all_clients_us.iter().map(|&us| format!("{:.0}", f64::from(us) / 1_000.0)).collect();
    eprintln!(
        "fanout: {} N={clients}: last client per round (ms): {}",
        kind.name(),
        by_round.join(" ")
    );
    all_clients_us.sort_unstable();
    CaseResult {
        kind,
        clients,
        per_client_us,
        all_clients_us,
        costs,
        expected: clients * rounds,
        failed_clients: shared.failed.load(Ordering::Acquire),
    }
}

fn print_report(machine: &str, results: &[CaseResult]) {
    println!();
    println!("{machine}");
    println!();
    println!(
        "| server | N | p50 per-client ms | p99 per-client ms | p50 all-clients ms | p99 all-clients ms | RSS KiB / idle conn | delivered | server CPU ms / round | bench CPU ms / round | server RSS after rounds MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {}/{}{} | {:.1} | {:.1} | {:.1} |",
            r.kind.name(),
            r.clients,
            percentile_ms(&r.per_client_us, 50.0),
            percentile_ms(&r.per_client_us, 99.0),
            percentile_ms(&r.all_clients_us, 50.0),
            percentile_ms(&r.all_clients_us, 99.0),
            r.costs.rss_idle_kib_per_conn,
            r.per_client_us.len(),
            r.expected,
            if r.failed_clients > 0 {
                format!(" ({} clients dropped)", r.failed_clients)
            } else {
                String::new()
            },
            r.costs.server_cpu_ms,
            r.costs.bench_cpu_ms,
            r.costs.rss_after_rounds_kib as f64 / 1024.0,
        );
    }
    print_ratios(results);
}

/// planhost over Node for one client count of one run.
struct Ratios {
    clients: usize,
    p99_per_client: f64,
    p99_all_clients: f64,
    rss_per_idle_conn: f64,
}

fn ratios(results: &[CaseResult]) -> Vec<Ratios> {
    let find = |kind, n| results.iter().find(|r| r.kind == kind && r.clients == n);
    let p99 = |sorted: &[u32]| percentile_ms(sorted, 99.0);
    results
        .iter()
        .filter(|r| r.kind == Kind::Planhost)
        .filter_map(|p| {
            let node = find(Kind::Node, p.clients)?;
            Some(Ratios {
                clients: p.clients,
                p99_per_client: p99(&p.per_client_us) / p99(&node.per_client_us),
                p99_all_clients: p99(&p.all_clients_us) / p99(&node.all_clients_us),
                rss_per_idle_conn: p.costs.rss_idle_kib_per_conn / node.costs.rss_idle_kib_per_conn,
            })
        })
        .collect()
}

fn print_ratios(results: &[CaseResult]) {
    let rows = ratios(results);
    if rows.is_empty() {
        return;
    }
    println!();
    println!(
        "| N | p99 per-client planhost/node | p99 all-clients planhost/node | RSS per idle conn planhost/node |"
    );
    println!("|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {:.2} | {:.2} | {:.2} |",
            r.clients, r.p99_per_client, r.p99_all_clients, r.rss_per_idle_conn
        );
    }
}

/// After `--repeat`: each client count's ratios run by run, their median,
/// and the ratio of the p99s over every run's deliveries pooled.
fn print_runs_summary(clients: &[usize], runs: &[Vec<CaseResult>]) {
    let per_run: Vec<Vec<Ratios>> = runs.iter().map(|results| ratios(results)).collect();
    if per_run.iter().all(Vec::is_empty) {
        return;
    }
    println!();
    println!("Over {} runs (planhost/node):", runs.len());
    println!();
    println!(
        "| N | p99 per-client, run by run | median | pooled | p99 all-clients median | pooled | RSS per idle conn median |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for &n in clients {
        let of_n: Vec<&Ratios> = per_run.iter().flatten().filter(|r| r.clients == n).collect();
        if of_n.is_empty() {
            continue;
        }
        let values = |f: fn(&Ratios) -> f64| of_n.iter().map(|r| f(r)).collect::<Vec<f64>>();
        let per_client = values(|r| r.p99_per_client);
        let listed: Vec<String> = per_client.iter().map(|v| format!("{v:.2}")).collect();
        // Only runs with both servers, as for the ratios.
        let both = |results: &&Vec<CaseResult>| {
            [Kind::Planhost, Kind::Node]
                .iter()
                .all(|&kind| results.iter().any(|r| r.kind == kind && r.clients == n))
        };
        let pooled = |kind, all: bool| {
            let mut pooled: Vec<u32> = runs
                .iter()
                .filter(both)
                .flatten()
                .filter(|r| r.kind == kind && r.clients == n)
                .flat_map(|r| if all { &r.all_clients_us } else { &r.per_client_us })
                .copied()
                .collect();
            pooled.sort_unstable();
            percentile_ms(&pooled, 99.0)
        };
        let pooled_ratio = |all| pooled(Kind::Planhost, all) / pooled(Kind::Node, all);
        println!(
            "| {n} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            listed.join(" "),
            median(per_client),
            pooled_ratio(false),
            median(values(|r| r.p99_all_clients)),
            pooled_ratio(true),
            median(values(|r| r.rss_per_idle_conn)),
        );
    }
}

/// The median of the values that are numbers (a ratio with a side that
/// delivered nothing is not).
fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| !v.is_nan());
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
