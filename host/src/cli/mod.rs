//! The command line: `planhost serve`, its options, logging set-up and
//! exit codes (0 clean, 1 runtime failure, 2 bad usage).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use std::sync::{Arc, Mutex};

use crate::config::{Limits, ServerConfig};
use crate::lua::api;
use crate::lua::frontend::{LUA_STACK_BYTES, on_stack};
use crate::lua::runtime::{Budget, Output, Runtime};
use crate::lua::sandbox::Sandbox;
use crate::plan_dir::PlanDir;
use crate::render::registry::default_cache_dir;
use crate::render::{Registry, RenderLimits};
use crate::server::{self, StartError};

mod shell;

/// A live planning server: plan logic in Lua, renderers in WebAssembly,
/// browsers watching over WebSockets.
#[derive(Debug, Parser)]
#[command(name = "planhost", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: CliCommand,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Serve a plan directory over HTTP and WebSockets.
    Serve(ServeArgs),
    /// Run a Lua script the way `lua FILE ARGS...` does.
    Run(RunArgs),
    /// List the renderer plugins: name, version, views, source, status.
    Plugins(PluginsArgs),
    /// Render a view of a plan directory (or a JSON data file) and print
    /// the HTML.
    Render(RenderArgs),
    /// Attach a Lua prompt to a running server's console (piped input
    /// runs line by line; the status is 1 if any line failed).
    Shell(ShellArgs),
}

#[derive(Debug, Args)]
pub struct ShellArgs {
    /// The plan directory the server serves; its `.planhost/` folder holds
    /// the server's address and token.
    #[arg(default_value = ".")]
    pub plan_dir: PathBuf,
    /// Give up on a chunk whose answer takes longer than this (e.g. 30s);
    /// by default the shell waits as long as the server runs it.
    #[arg(long, value_name = "TIME", value_parser = positive_duration)]
    pub timeout: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct PluginsArgs {
    /// A folder of `.wasm` renderer plugins (repeatable); they add to or
    /// override the built-in ones by name.
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The plan directory whose view is rendered (runs its `plan.lua`).
    #[arg(default_value = ".", conflicts_with = "data")]
    pub plan_dir: PathBuf,
    /// The renderer plugin to use (default: the first that draws the view).
    #[arg(long)]
    pub renderer: Option<String>,
    /// The view to render.
    #[arg(long)]
    pub view: String,
    /// Render this JSON data file instead of the plan's view.
    #[arg(long, value_name = "FILE.json")]
    pub data: Option<PathBuf>,
    /// Options passed to the renderer, as KEY=VALUE (repeatable).
    #[arg(long = "option", value_name = "KEY=VALUE", value_parser = parse_option)]
    pub options: Vec<(String, String)>,
    /// A folder of `.wasm` renderer plugins (repeatable).
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
    /// Print a complete HTML page (charset, the browser client's styles),
    /// to open from disk, rather than the renderer's fragment.
    #[arg(long)]
    pub page: bool,
    #[command(flatten)]
    pub lua_limits: LuaLimitArgs,
}

fn parse_option(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').ok_or("expected KEY=VALUE")?;
    Ok((key.to_owned(), value.to_owned()))
}

/// Limits on each thing the Lua thread runs: a chunk, a console line, a
/// view's data. Past one, that run fails with a clear error and the Lua
/// state stays usable.
#[derive(Debug, Args)]
pub struct LuaLimitArgs {
    /// VM instructions one Lua run may take.
    #[arg(long, value_name = "N", default_value_t = Budget::default().instructions,
        value_parser = clap::value_parser!(u64).range(1..))]
    pub lua_instructions: u64,
    /// Wall-clock time one Lua run may take (e.g. 5s, 500ms).
    #[arg(long, value_name = "TIME", default_value = "5s", value_parser = positive_duration)]
    pub lua_time: Duration,
    /// Memory the Lua state may hold, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = (Budget::default().memory_bytes >> 20) as u64,
        value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
    pub lua_memory: u64,
}

impl LuaLimitArgs {
    /// The budget these arguments ask for.
    pub fn budget(&self) -> Budget {
        Budget {
            instructions: self.lua_instructions,
            time: self.lua_time,
            memory_bytes: (self.lua_memory as usize) << 20,
        }
    }
}

/// An address to listen on; a host name is resolved, its first address taken.
fn listen_address(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let mut found = std::net::ToSocketAddrs::to_socket_addrs(text)
        .map_err(|e| format!("not an address (IP:PORT or HOST:PORT): {e}"))?;
    found.next().ok_or_else(|| format!("{text} names no address"))
}

fn positive_duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(duration) if duration.is_zero() => Err("must be more than zero".into()),
        Ok(duration) => Ok(duration),
        Err(error) => Err(error.to_string()),
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run inside this plan directory (its files and modules are the
    /// sandbox) instead of the script's own folder; e.g. a plan's tests.
    #[arg(long, value_name = "PLAN_DIR")]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub lua_limits: LuaLimitArgs,
    /// The script to run.
    pub file: PathBuf,
    /// Arguments for the script (`...` and `arg[1..]`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The plan directory (its `.planhost/` folder receives the publish token).
    #[arg(default_value = ".")]
    pub plan_dir: PathBuf,
    /// Address to listen on, IP:PORT or HOST:PORT (`localhost:8080`); port 0
    /// picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080", value_parser = listen_address)]
    pub addr: SocketAddr,
    /// Serve the browser client from this directory instead of the embedded copy.
    #[arg(long, value_name = "DIR")]
    pub web: Option<PathBuf>,
    /// Executor threads (0: one per core; at most 1024).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=1024))]
    pub threads: u64,
    /// Time allowed for a request head to arrive (e.g. 10s, 500ms).
    #[arg(long, value_parser = positive_duration, default_value = "10s")]
    pub header_timeout: Duration,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = Limits::default().max_body_bytes)]
    pub max_body: usize,
    /// Frames queued for one WebSocket client before it counts as too slow.
    #[arg(long, default_value_t = Limits::default().client_queue_len)]
    pub client_queue: usize,
    /// How often each WebSocket client is pinged.
    #[arg(long, value_parser = positive_duration, default_value = "20s")]
    pub ping_interval: Duration,
    /// A WebSocket client silent for this long is dropped.
    #[arg(long, value_parser = positive_duration, default_value = "45s")]
    pub pong_timeout: Duration,
    /// A WebSocket client whose socket takes no bytes for this long is closed.
    #[arg(long, value_parser = positive_duration, default_value = "15s")]
    pub stuck_timeout: Duration,
    /// A folder of `.wasm` renderer plugins (repeatable); they add to or
    /// override the built-in ones by name.
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
    /// No Lua prompt, even when standard input is a terminal.
    #[arg(long)]
    pub no_console: bool,
    #[command(flatten)]
    pub lua_limits: LuaLimitArgs,
}

impl ServeArgs {
    /// The server configuration these arguments ask for.
    pub fn to_config(&self) -> ServerConfig {
        let limits = Limits {
            header_timeout: self.header_timeout,
            max_body_bytes: self.max_body,
            client_queue_len: self.client_queue.max(1),
            ping_interval: self.ping_interval,
            pong_timeout: self.pong_timeout,
            stuck_timeout: self.stuck_timeout,
            ..Limits::default()
        };
        ServerConfig {
            addr: self.addr,
            plan_dir: self.plan_dir.clone(),
            web_dir: self.web.clone(),
            limits,
            threads: self.threads as usize,
            plugin_dirs: self.plugins.clone(),
            console: !self.no_console,
            lua_budget: self.lua_limits.budget(),
        }
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        CliCommand::Serve(args) => serve(&args),
        CliCommand::Run(args) => run_script(&args),
        CliCommand::Plugins(args) => list_plugins(&args),
        CliCommand::Render(args) => render_view(&args),
        CliCommand::Shell(args) => shell::run(&args),
    }
}

fn load_registry(folders: &[PathBuf]) -> Result<Registry, ExitCode> {
    Registry::load(folders, RenderLimits::default(), default_cache_dir().as_deref()).map_err(
        |error| {
            eprintln!("planhost: {error:#}");
            ExitCode::from(2)
        },
    )
}

/// Prints every plugin as a table whose columns fit their content; exits 1
/// when one failed to load, so the command can check a plugins folder.
fn list_plugins(args: &PluginsArgs) -> ExitCode {
    let registry = match load_registry(&args.plugins) {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    let listed = registry.list();
    // An empty cell is `-`, so every row splits on whitespace into the
    // same columns (the status, last, may hold spaces).
    let cell = |text: String| if text.is_empty() { "-".to_owned() } else { text };
    let mut rows = vec![["NAME", "VERSION", "VIEWS", "SOURCE", "STATUS"].map(str::to_owned)];
    rows.extend(listed.iter().map(|plugin| {
        [
            cell(plugin.name.clone()),
            cell(plugin.version.clone()),
            cell(plugin.views.join(",")),
            cell(plugin.source.clone()),
            plugin.status.clone(),
        ]
    }));
    let mut widths = [0; 4];
    for row in &rows {
        for (width, text) in widths.iter_mut().zip(row) {
            *width = (*width).max(text.chars().count());
        }
    }
    for row in &rows {
        let mut line = String::new();
        for (width, text) in widths.iter().zip(row) {
            line += &format!("{text:<width$} ");
        }
        line += &row[4];
        println!("{line}");
    }
    let failed = listed.iter().filter(|plugin| plugin.status != "ok").count();
    if failed > 0 {
        let plugins = if failed == 1 { "plugin" } else { "plugins" };
        eprintln!("planhost: {failed} {plugins} failed to load");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn render_view(args: &RenderArgs) -> ExitCode {
    let data = match &args.data {
        Some(file) => match std::fs::read_to_string(file) {
            Ok(data) => match serde_json::from_str::<serde_json::Value>(&data) {
                Ok(_) => data,
                Err(error) => {
                    eprintln!("planhost: {} is not JSON: {error}", file.display());
                    return ExitCode::from(2);
                }
            },
            Err(error) => {
                eprintln!("planhost: cannot read {}: {error}", file.display());
                return ExitCode::from(2);
            }
        },
        None => match plan_view_data(&args.plan_dir, &args.view, args.lua_limits.budget()) {
            Ok(data) => data,
            Err((message, code)) => {
                eprintln!("planhost: {message}");
                return ExitCode::from(code);
            }
        },
    };
    let registry = match load_registry(&args.plugins) {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    let listed = registry.list();
    let renderer = match &args.renderer {
        // A name no plugin has is a usage error, as a view no plugin draws.
        Some(renderer) if !listed.iter().any(|p| &p.name == renderer && p.status == "ok") => {
            let known: Vec<&str> = listed.iter().map(|p| p.name.as_str()).collect();
            eprintln!("planhost: no renderer named '{renderer}' (known: {})", known.join(", "));
            return ExitCode::from(2);
        }
        Some(renderer) => renderer.clone(),
        None => match registry.renderers_of(&args.view).into_iter().next() {
            Some(renderer) => renderer,
            None => {
                eprintln!("planhost: no renderer draws view '{}'", args.view);
                return ExitCode::from(2);
            }
        },
    };
    match registry.render(&renderer, &args.view, &data, &args.options) {
        Ok(html) if args.page => {
            print_out(&crate::edge::pages::standalone_page(&args.view, &renderer, &html))
        }
        Ok(html) => print_out(&format!("{html}\n")),
        Err(failure) => {
            eprintln!("planhost: {failure}");
            ExitCode::from(1)
        }
    }
}

/// Writes `text` to standard output: a reader gone (`| head`) is the
/// status a shell reports for a filter it stopped, not a panic.
fn print_out(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(shell::OUTPUT_CLOSED)
        }
        Err(error) => {
            eprintln!("planhost: writing the HTML: {error}");
            ExitCode::from(1)
        }
    }
}

/// Runs a plan directory's `plan.lua` and computes one view's data as JSON
/// text; errors come with the exit status they deserve.
fn plan_view_data(
    plan_dir: &std::path::Path,
    view: &str,
    budget: Budget,
) -> Result<String, (String, u8)> {
    // As `serve` says it: "plan directory ... is not a directory", status 2.
    let plan = PlanDir::open(plan_dir).map_err(|e| (e.to_string(), 2))?;
    let sandbox = Sandbox::new(plan.root(), false)
        .map_err(|e| (format!("cannot open plan directory {}: {e}", plan_dir.display()), 2))?;
    let entry = sandbox.root().join(server::PLAN_ENTRY);
    let lua = crate::lua::thread::spawn(budget, sandbox, None)
        .map_err(|e| (format!("starting the Lua thread: {e}"), 1))?;
    smol::block_on(async {
        let printed = lua.run_file(entry).await.map_err(|e| (e.message, 1))?;
        eprint!("{printed}");
        lua.view_data(view).await.map_err(|e| {
            // Naming a view the plan lacks is a usage error, as naming a
            // renderer there is none of.
            let code = if e.message == crate::lua::thread::no_view_named(view) { 2 } else { 1 };
            (e.message, code)
        })
    })
}

fn run_script(args: &RunArgs) -> ExitCode {
    let name = args.file.display().to_string();
    let source = match std::fs::read(&args.file) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("planhost: cannot open {name}: {error}");
            return ExitCode::from(1);
        }
    };
    // A first line starting with '#' (`#!/usr/bin/env planhost`) is skipped,
    // as `lua` and `loadfile` do; a comment in its place keeps line numbers.
    let source = if source.starts_with(b"#") {
        let end = source.iter().position(|&b| b == b'\n').unwrap_or(source.len());
        [&b"--"[..], &source[end..]].concat()
    } else {
        source
    };
    // The script's folder is its sandbox, as the plan directory is a plan's.
    let folder = match (&args.plan, args.file.parent()) {
        (Some(plan), _) => match PlanDir::open(plan) {
            Ok(plan) => plan.root().to_path_buf(),
            Err(error) => {
                eprintln!("planhost: {error}");
                return ExitCode::from(2);
            }
        },
        (None, Some(parent)) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let sandbox = match Sandbox::new(&folder, true) {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("planhost: cannot open {}: {error}", folder.display());
            return ExitCode::from(1);
        }
    };
    let script = || {
        crate::heap::this_thread_runs_lua();
        let output: Output = Arc::new(Mutex::new(std::io::stdout()));
        let mut runtime = Runtime::new(args.lua_limits.budget(), &sandbox, output);
        runtime.with_context(|ctx| api::load_planhost(ctx, sandbox.clone(), None, None));
        let mut arg = vec![(0, name.clone())];
        arg.extend(args.args.iter().enumerate().map(|(i, a)| (i as i64 + 1, a.clone())));
        runtime.set_global_strings("arg", &arg);
        runtime.exec(&name, &source, &args.args)
    };
    // On the Lua thread's stack, which the front end's nesting limits are
    // measured against (the main thread's is whatever `ulimit -s` says).
    match on_stack(LUA_STACK_BYTES, script) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            eprintln!("planhost: {error}");
            ExitCode::from(1)
        }
        Err(error) => {
            eprintln!("planhost: starting the Lua thread: {error}");
            ExitCode::from(1)
        }
    }
}

fn serve(args: &ServeArgs) -> ExitCode {
    let ready = |addr| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "planhost listening on http://{addr}");
        let _ = out.flush();
    };
    match server::run(args.to_config(), ready) {
        Ok(()) => ExitCode::SUCCESS,
        Err(StartError::Usage(message)) => {
            eprintln!("planhost: {message}");
            ExitCode::from(2)
        }
        Err(StartError::Runtime(error)) => {
            eprintln!("planhost: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: info).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}
