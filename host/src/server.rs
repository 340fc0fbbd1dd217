//! Starting and stopping the server: the executor threads, the listener,
//! the hub task, the accept loop, and a clean shutdown on SIGINT/SIGTERM.

use std::net::TcpListener as StdListener;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_lite::StreamExt;
use smol::net::TcpListener;
use smol::{Executor, Timer};

use crate::config::ServerConfig;
use crate::edge::{self, Edge, assets::Assets};
use crate::hub::{self, Command};
use crate::lua::runtime::Budget;
use crate::lua::sandbox::Sandbox;
use crate::lua::{self, thread::LuaHandle};
use crate::plan_dir::PlanDir;
use crate::render::{Registry, RenderLimits, registry};

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

/// Runs the server until SIGINT or SIGTERM, then shuts it down cleanly.
/// `on_ready` gets the bound address once the server accepts connections.
pub fn run(
    config: ServerConfig,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), StartError> {
    let plan = PlanDir::open(&config.plan_dir).map_err(|e| StartError::Usage(e.to_string()))?;
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
    raise_open_file_limit();
    let listener = StdListener::bind(config.addr)
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let token = plan.issue_token().map_err(|e| StartError::Usage(e.to_string()))?;
    plan.record_address(addr).map_err(|e| StartError::Usage(e.to_string()))?;
    // Ask for the signals before anything else can receive them.
    let signals =
        async_signal::Signals::new([async_signal::Signal::Term, async_signal::Signal::Int])
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
        let (hub, hub_task) = hub::hub();
        executor.spawn(hub_task).detach();
        let sandbox = Sandbox::new(plan.root(), false).context("opening the plan directory")?;
        let lua = lua::thread::spawn(Budget::default(), sandbox, Some(hub.clone()))
            .context("starting the Lua thread")?;
        load_plan(&lua, plan.root()).await;
        let edge = Arc::new(Edge::new(
            hub.clone(),
            token,
            assets,
            config.limits.clone(),
            executor.clone(),
            Arc::new(registry),
        ));
        let acceptor = executor.spawn(accept_loop(executor.clone(), listener, edge.clone()));
        on_ready(addr);
        let mut signals = signals;
        let signal = signals.next().await;
        tracing::info!(?signal, "shutting down");
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
/// is reported and the server still starts, so it can be fixed live.
async fn load_plan(lua: &LuaHandle, root: &Path) {
    let entry = root.join(PLAN_ENTRY);
    if !entry.exists() {
        tracing::info!("no {PLAN_ENTRY} in {}: serving an empty plan", root.display());
        return;
    }
    match lua.run_file(entry).await {
        Ok(printed) => {
            for line in printed.lines() {
                tracing::info!(target: "planhost::lua", "{line}");
            }
            tracing::info!("loaded {PLAN_ENTRY}");
        }
        Err(error) => tracing::error!("{PLAN_ENTRY} failed: {error}"),
    }
}

async fn accept_loop(executor: Arc<Executor<'static>>, listener: TcpListener, edge: Arc<Edge>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                executor.spawn(edge::serve_connection(edge.clone(), stream)).detach();
            }
            Err(error) => {
                // Out of file descriptors, most likely: back off instead of spinning.
                tracing::warn!(%error, "accept failed");
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
