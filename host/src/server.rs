//! Starting and stopping the server: the executor threads, the listener,
//! the hub's tasks, the accept loop, and a clean shutdown on SIGINT/SIGTERM/SIGHUP.

use std::net::TcpListener as StdListener;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_lite::StreamExt;
use smol::net::TcpListener;
use smol::{Executor, Timer};

use crate::config::ServerConfig;
use crate::edge::{self, Edge, PlanParts, assets::Assets};
use crate::hub::{self, Command, HubHandle};
use crate::live::console::Console;
use crate::live::{Live, LiveEvent, LiveHandle, VIEW_TOPIC_PREFIX, files, terminal};
use crate::lua::sandbox::Sandbox;
use crate::lua::{self, thread::LuaHandle, thread::Reloaded};
use crate::plan_dir::PlanDir;
use crate::render::{Registry, RenderLimits, Renderers, registry, watch};

/// The file a plan directory's Lua starts from.
pub const PLAN_ENTRY: &str = "plan.lua";

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The user asked for something impossible (exit status 2).
    #[error("{0}")]
    Usage(String),
    /// Something failed at run time (exit status 1).
    #[error(transparent)]
    Runtime(#[from] anyhow::Error),
}

/// Runs the server until SIGINT, SIGTERM or SIGHUP, then shuts it down cleanly.
/// `on_ready` gets the bound address once the server accepts connections.
pub fn run(
    config: ServerConfig,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), StartError> {
    let plan = PlanDir::open(&config.plan_dir).map_err(|e| StartError::Usage(e.to_string()))?;
    let claim = Arc::new(plan.claim().map_err(|e| StartError::Usage(e.to_string()))?);
    let assets = match &config.web_dir {
        None => Assets::Embedded,
        Some(dir) => Assets::from_dir(dir)
            .map_err(|e| StartError::Usage(format!("web directory {}: {e}", dir.display())))?,
    };
    let registry = Registry::load(
        &config.plugin_dirs,
        RenderLimits::default(),
        registry::default_cache_dir().as_deref(),
    )
    .map_err(|e| StartError::Usage(format!("{e:#}")))?;
    let renderers = Arc::new(Renderers::new(registry, config.plugin_dirs.clone()));
    raise_open_file_limit();
    let listener = StdListener::bind(config.addr)
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    claim.record_address(addr).map_err(|e| StartError::Usage(e.to_string()))?;
    // Ask for the signals before anything else can receive them. SIGHUP
    // too: the terminal that ran it closed (an SSH session dropped), which
    // must not leave clients without a close frame, nor the plan directory
    // with the address of a server that is gone.
    let signals = async_signal::Signals::new([
        async_signal::Signal::Term,
        async_signal::Signal::Int,
        async_signal::Signal::Hup,
    ])
    .context("installing signal handlers")?;

    let executor = Arc::new(Executor::new());
    let threads = if config.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        config.threads
    };
    let (stop_workers, workers_stopped) = flume::bounded::<()>(1);
    let workers: Vec<_> = (1..threads)
        .map(|i| {
            let executor = executor.clone();
            let stopped = workers_stopped.clone();
            std::thread::Builder::new()
                .name(format!("planhost-worker-{i}"))
                .spawn(move || smol::block_on(executor.run(stopped.recv_async())))
        })
        .collect::<Result<_, _>>()
        .context("starting worker threads")?;

    let main = async {
        let listener = TcpListener::try_from(listener).context("registering the listener")?;
        let (hub, hub_tasks, watched) = hub::hub_watching(VIEW_TOPIC_PREFIX, threads);
        for task in hub_tasks {
            executor.spawn(task).detach();
        }
        let sandbox = Sandbox::new(plan.root(), false).context("opening the plan directory")?;
        let lua = lua::thread::spawn(config.lua_budget, sandbox, Some(hub.clone()))
            .context("starting the Lua thread")?;
        let entry = plan.root().join(PLAN_ENTRY);
        let plan_error = load_plan(&lua, &entry).await;
        let live = Live::new(lua.clone(), renderers.clone(), hub.clone(), entry, plan_error);
        let (live, live_task) = live.start(watched);
        executor.spawn(live_task).detach();
        // (Weak: the claim ends with `run`, letting go of the directory.)
        let renewed = Arc::downgrade(&claim);
        let came_back = move || {
            let Some(claim) = renewed.upgrade() else { return };
            if let Err(error) = claim.renew() {
                tracing::error!("the plan directory came back, but {error}");
            }
        };
        if let Err(error) = files::watch(plan.root(), live.clone(), came_back) {
            tracing::warn!("plan files will not be watched: {error:#}");
        }
        start_plugin_watch(&renderers, &hub, &live).await;
        let console = Console::new(lua.clone(), live.clone());
        let lua_at_shutdown = lua.clone();
        let parts = PlanParts { lua, live, console: console.clone(), renderers };
        let edge = Arc::new(Edge::new(
            hub.clone(),
            claim.token().clone(),
            assets,
            config.limits.clone(),
            executor.clone(),
            parts,
        ));
        let acceptor = executor.spawn(accept_loop(executor.clone(), listener, edge.clone()));
        on_ready(addr);
        if config.console && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            terminal::start(console, plan.state_dir().join("history"))
                .context("starting the console")?;
        }
        let mut signals = signals;
        let signal = signals.next().await;
        tracing::info!(?signal, "shutting down");
        // (Not waiting long on a command still running.)
        let unsaved = futures_lite::FutureExt::or(lua_at_shutdown.unsaved(), async {
            Timer::after(Duration::from_secs(1)).await;
            0
        })
        .await;
        if unsaved > 0 {
            tracing::warn!(
                "the plan was changed at the console since it was loaded ({unsaved} commands \
                 ran), and the changes were not saved: they are lost"
            );
        }
        drop(acceptor);
        let _ = hub.send(Command::Shutdown).await;
        let deadline = Instant::now() + config.limits.shutdown_grace + Duration::from_secs(1);
        while edge.live_sessions() > 0 && Instant::now() < deadline {
            Timer::after(Duration::from_millis(10)).await;
        }
        anyhow::Ok(())
    };
    let result = smol::block_on(executor.run(main));
    drop(stop_workers);
    for worker in workers {
        let _ = worker.join();
    }
    result.map_err(StartError::Runtime)
}

/// Runs the plan's entry point, `plan.lua`, if there is one. A broken plan
/// is reported (and its error returned) and the server still starts, so it
/// can be fixed live.
async fn load_plan(lua: &LuaHandle, entry: &Path) -> Option<String> {
    if !entry.exists() {
        tracing::info!("no {}: serving an empty plan", entry.display());
        return None;
    }
    match lua.reload(entry.to_path_buf()).await {
        Ok(loaded) => {
            // (The first load of a plan always runs it.)
            if let Reloaded::Loaded(printed) = loaded {
                for line in printed.lines() {
                    tracing::info!(target: "planhost::lua", "{line}");
                }
            }
            tracing::info!("loaded {PLAN_ENTRY}");
            None
        }
        Err(error) => {
            tracing::error!("{PLAN_ENTRY} failed: {error}");
            Some(error.message)
        }
    }
}

/// Publishes the plugins that failed to load, then watches the plugin
/// folders: each swap is published the same way and re-renders the views.
async fn start_plugin_watch(renderers: &Arc<Renderers>, hub: &HubHandle, live: &LiveHandle) {
    let failures = watch::failures_text(renderers);
    let _ = hub.publish(watch::ERRORS_TOPIC, failures, hub::Delivery::LatestWins).await;
    let (swapped, swaps) = flume::unbounded();
    if let Err(error) = watch::watch(renderers.clone(), hub.clone(), swapped) {
        tracing::warn!("plugin folders will not be watched: {error:#}");
        return;
    }
    let live = live.clone();
    std::thread::spawn(move || {
        while swaps.recv().is_ok() {
            live.tell(LiveEvent::PluginsSwapped);
        }
    });
}

async fn accept_loop(executor: Arc<Executor<'static>>, listener: TcpListener, edge: Arc<Edge>) {
    // Failures since the last warning, and when it was written.
    let (mut failed, mut warned): (u64, Option<Instant>) = (0, None);
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                executor.spawn(edge::serve_connection(edge.clone(), stream)).detach();
            }
            Err(error) => {
                // Out of file descriptors, most likely: back off instead of
                // spinning, and warn once every 10 s while it lasts.
                failed += 1;
                if warned.is_none_or(|at| at.elapsed() >= Duration::from_secs(10)) {
                    tracing::warn!(%error, "accept failed ({failed} times since the last warning)");
                    (failed, warned) = (0, Some(Instant::now()));
                }
                Timer::after(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Lifts the soft limit on open files to the hard limit: each client is a socket.
fn raise_open_file_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        if let Err(error) = setrlimit(Resource::Nofile, limit) {
            tracing::debug!(%error, "could not raise the open file limit");
        }
    }
}
