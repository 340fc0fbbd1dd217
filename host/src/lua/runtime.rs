//! The Lua VM owner: one piccolo state with the host's helpers and library,
//! running code under instruction, time and memory budgets. Not `Send`:
//! it lives on the Lua thread.

use std::cell::Cell;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gc_arena::metrics::Pacing;
use piccolo::meta_ops::{self, MetaResult};
use piccolo::{
    Context, Error, Execution, Executor, Fuel, Function, Lua, StashedExecutor, StashedFunction,
    Table, Value, Variadic,
};

use super::sandbox::Sandbox;
use super::{frontend, json, stdlib};

/// Limits on one instruction to the Lua thread (one chunk or call).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// VM instructions (piccolo fuel) one instruction may use.
    pub instructions: u64,
    /// Wall-clock time one instruction may take.
    pub time: Duration,
    /// Memory the whole Lua state may hold.
    pub memory_bytes: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { instructions: 400_000_000, time: Duration::from_secs(5), memory_bytes: 512 << 20 }
    }
}

/// A Lua error as text: `chunk:line: message` where the position is known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LuaError {
    pub message: String,
}

impl LuaError {
    fn new(message: impl Into<String>) -> LuaError {
        LuaError { message: message.into() }
    }
}

/// Where `print` and `io.write` go.
pub type Output = Arc<Mutex<dyn Write + Send>>;

/// Most bytes one run (a chunk, a console command, a call) may print
/// through `print` and `io.write` when the output is kept in memory to be
/// sent on (a served plan, the console): past it the rest is dropped, the
/// run goes on, and [`OUTPUT_CUT_NOTE`] ends what was printed. `planhost
/// run` streams to standard output and has no cap.
pub const PRINT_LIMIT: usize = 16 << 20;

/// The line that ends the output of a run that printed more than [`PRINT_LIMIT`].
pub const OUTPUT_CUT_NOTE: &str = "[output cut: more than 16 MiB printed]\n";

/// Fuel given to the VM between checks of the budget.
const SLICE: i32 = 10_000;

/// One Lua state and what scripts may use in it.
pub struct Runtime {
    lua: Lua,
    helpers: StashedFunctionList,
    budget: Budget,
    /// What the state was made from, to make a fresh one after a VM panic.
    sandbox: Sandbox,
    output: Output,
    /// `output` as scripts write to it, with the [`PRINT_LIMIT`] cap.
    printed: Arc<Mutex<CappedOutput>>,
    /// Set when a panic replaced the state; see [`Runtime::take_reset`].
    was_reset: bool,
    /// The VM instructions the last run had used when a budget stopped it.
    stopped_after: Option<u64>,
    /// The most memory the state was seen to hold (between slices) since
    /// the last idle collection; see [`Runtime::collect_garbage`].
    heap_peak: usize,
}

/// The hidden helpers every compiled chunk receives, in `frontend::HELPERS` order.
struct StashedFunctionList(Vec<StashedFunction>);

/// How far the heap grows past what the last collection kept before the
/// next collection starts, as a share of that (see [`Runtime::new`]).
const GC_PAUSE_FACTOR: f64 = 1.0;

impl Runtime {
    /// A fresh state with the standard library; `print` writes to
    /// `output`, files are confined to `sandbox`.
    pub fn new(budget: Budget, sandbox: &Sandbox, output: Output) -> Runtime {
        let mut lua = Lua::core();
        // A collection starts once the heap has grown by as much as it held
        // after the last (gc-arena's default waits for half): a plan's data
        // is mostly live, so fewer cycles mean less tracing per change
        // (moving an item and rebuilding the work view of a 2,000-item plan:
        // 82 -> 69 ms median).
        lua.gc_metrics().set_pacing(Pacing::default().with_pause_factor(GC_PAUSE_FACTOR));
        let (kept_sandbox, kept_output) = (sandbox.clone(), output.clone());
        // `planhost run` (the one sandbox that allows `os.exit`) streams to
        // standard output; everything else keeps what a run prints in memory.
        let limit = (!sandbox.allow_exit()).then_some(PRINT_LIMIT);
        let printed = Arc::new(Mutex::new(CappedOutput::new(output, limit)));
        let script_output: Output = printed.clone();
        MEMORY_LIMIT.with(|limit| limit.set(budget.memory_bytes));
        let helpers = lua.enter(|ctx| {
            stdlib::load(ctx, sandbox, script_output);
            let library = |table: &'static str, name: &'static str| match ctx.get_global(table) {
                Value::Table(t) => match t.get(ctx, name) {
                    Value::Function(f) => f,
                    _ => unreachable!("the core library defines {table}.{name}"),
                },
                _ => unreachable!("the core library defines {table}"),
            };
            let Value::Function(select) = ctx.get_global("select") else {
                unreachable!("the core library defines select")
            };
            // In `frontend::HELPERS` order.
            let helpers = [
                select,
                Function::Callback(stdlib::method_helper(ctx)),
                Function::Callback(stdlib::close_helper(ctx)),
                library("table", "pack"),
                library("table", "unpack"),
                Function::Callback(stdlib::concat_helper(ctx)),
                Function::Callback(stdlib::first_helper(ctx)),
                Function::Callback(stdlib::idiv_helper(ctx)),
                Function::Callback(stdlib::index_helper(ctx)),
                Function::Callback(stdlib::forlimit_helper(ctx)),
                Function::Callback(stdlib::shift_helper(ctx)),
                Function::Callback(stdlib::mod_helper(ctx)),
                Function::Callback(stdlib::global_call_helper(ctx)),
            ];
            stdlib::chunks::load_chunks(ctx, sandbox, helpers);
            helpers.iter().map(|h| ctx.stash(*h)).collect()
        });
        Runtime {
            lua,
            helpers: StashedFunctionList(helpers),
            budget,
            sandbox: kept_sandbox,
            output: kept_output,
            printed,
            was_reset: false,
            stopped_after: None,
            heap_peak: 0,
        }
    }

    /// Runs `f` with the state's context, e.g. to register host functions.
    pub fn with_context(&mut self, f: impl for<'gc> FnOnce(piccolo::Context<'gc>)) {
        let _ = self.enter(f);
    }

    /// Enters the state, turning a panic inside piccolo (it has assertions
    /// and overflow checks a hostile script can trip) into an error. The
    /// state may be inconsistent after one, so it is replaced by a fresh
    /// state: the script's globals are lost, the process lives on.
    fn enter<R>(
        &mut self,
        f: impl for<'gc> FnOnce(piccolo::Context<'gc>) -> R,
    ) -> Result<R, LuaError> {
        MEMORY_LIMIT.with(|limit| limit.set(self.budget.memory_bytes));
        let lua = &mut self.lua;
        IN_VM.with(|in_vm| in_vm.set(true));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lua.enter(f)));
        IN_VM.with(|in_vm| in_vm.set(false));
        match outcome {
            Ok(result) => Ok(result),
            Err(panic) => {
                let what = frontend::panic_message(panic.as_ref());
                *self = Runtime::new(self.budget, &self.sandbox.clone(), self.output.clone());
                self.was_reset = true;
                Err(LuaError::new(format!(
                    "internal error in the Lua VM ({what}); the Lua state was reset"
                )))
            }
        }
    }

    /// Whether the state was replaced (after a VM panic) since the last
    /// call: host functions registered with `with_context` must be again.
    pub fn take_reset(&mut self) -> bool {
        std::mem::take(&mut self.was_reset)
    }

    /// Finishes a collection cycle now. Called while no instruction waits,
    /// so that the next one starts with no collector debt (a change and its
    /// views allocate less than the pause lets the heap grow, so they then
    /// run without tracing at all).
    ///
    /// Then, if the state held far more memory since the last such call
    /// than it holds now (a script built large strings and dropped them, or
    /// ran into the memory limit), the allocator hands its free pages back
    /// to the system: see [`crate::heap::release_after_spike`].
    pub fn collect_garbage(&mut self) {
        self.lua.gc_collect();
        let held = self.lua.total_memory();
        crate::heap::release_after_spike(self.heap_peak, held);
        self.heap_peak = held;
    }

    /// The budget applied to each instruction.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// Sets the budget applied to each instruction.
    pub fn set_budget(&mut self, budget: Budget) {
        self.budget = budget;
    }

    /// If the instruction budget or the time budget stopped the last run,
    /// the VM instructions it had used by then: a run of the same code on
    /// the same state with one fewer allowed stops at the same point.
    pub fn stopped_after(&self) -> Option<u64> {
        self.stopped_after
    }

    /// Compiles a chunk into a function, without running it.
    pub fn load(&mut self, chunk: &str, source: &[u8]) -> Result<StashedFunction, LuaError> {
        self.stopped_after = None;
        let helpers = self.helpers.0.clone();
        let executor = self.enter(|ctx| {
            let wrapper = stdlib::chunks::compile(ctx, chunk, source, ctx.globals())
                .map_err(|e| LuaError::new(e.to_string()))?;
            let args: Vec<Value> = helpers.iter().map(|h| Value::Function(ctx.fetch(h))).collect();
            Ok(ctx.stash(Executor::start(ctx, wrapper.into(), Variadic(args))))
        })??;
        self.finish(&executor)?;
        let outcome =
            self.enter(|ctx| match ctx.fetch(&executor).take_result::<Function>(ctx) {
                Ok(Ok(function)) => Ok(ctx.stash(function)),
                Ok(Err(error)) => Err(failure(ctx, error)),
                Err(mode) => Err(Failure::Text(LuaError::new(mode.to_string()))),
            })?;
        outcome.map_err(|failure| self.error_message(failure))
    }

    /// Calls a function with string arguments (a script's `...`).
    pub fn call(&mut self, function: &StashedFunction, args: &[String]) -> Result<(), LuaError> {
        self.start_printing();
        let executor = self.enter(|ctx| {
            let args: Vec<Value> =
                args.iter().map(|a| Value::String(ctx.intern(a.as_bytes()))).collect();
            ctx.stash(Executor::start(ctx, ctx.fetch(function), Variadic(args)))
        })?;
        self.finish(&executor)?;
        let outcome = self.enter(|ctx| {
            match ctx.fetch(&executor).take_result::<piccolo::Variadic<Vec<Value>>>(ctx) {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(error)) => Err(failure(ctx, error)),
                Err(mode) => Err(Failure::Text(LuaError::new(mode.to_string()))),
            }
        })?;
        outcome.map_err(|failure| self.error_message(failure))
    }

    /// Calls the function at `path` (a global name, or dotted through
    /// tables: `plan.views.work`) with JSON arguments; returns its first
    /// result as JSON (`null` when it returns nothing).
    pub fn call_json(
        &mut self,
        path: &str,
        args: &[serde_json::Value],
    ) -> Result<serde_json::Value, LuaError> {
        let text = self.call_json_text(path, args)?;
        serde_json::from_str(&text).map_err(|e| LuaError::new(format!("{path}: {e}")))
    }

    /// As [`Runtime::call_json`], the result as JSON text (object keys sorted).
    pub fn call_json_text(
        &mut self,
        path: &str,
        args: &[serde_json::Value],
    ) -> Result<String, LuaError> {
        self.start_printing();
        let executor = self.enter(|ctx| {
            let mut value = Value::Table(ctx.globals());
            for part in path.split('.') {
                value = match value {
                    Value::Table(table) => table.get(ctx, ctx.intern(part.as_bytes())),
                    _ => Value::Nil,
                };
            }
            let Value::Function(function) = value else {
                return Err(LuaError::new(format!("{path} is not a function")));
            };
            let args: Vec<Value> = args.iter().map(|a| json::from_json(ctx, a)).collect();
            Ok(ctx.stash(Executor::start(ctx, function, Variadic(args))))
        })??;
        self.finish(&executor)?;
        let outcome = self.enter(|ctx| {
            match ctx.fetch(&executor).take_result::<Variadic<Vec<Value>>>(ctx) {
                Ok(Ok(values)) => {
                    let first = values.first().copied().unwrap_or(Value::Nil);
                    json::to_json_text(first)
                        .map_err(|e| Failure::Text(LuaError::new(format!("{path}: {e}"))))
                }
                Ok(Err(error)) => Err(failure(ctx, error)),
                Err(mode) => Err(Failure::Text(LuaError::new(mode.to_string()))),
            }
        })?;
        outcome.map_err(|failure| self.error_message(failure))
    }

    /// Compiles and runs a chunk.
    pub fn exec(&mut self, chunk: &str, source: &[u8], args: &[String]) -> Result<(), LuaError> {
        let function = self.load(chunk, source)?;
        self.call(&function, args)
    }

    /// Sets a global to a table of strings (e.g. `arg`).
    pub fn set_global_strings(&mut self, name: &str, values: &[(i64, String)]) {
        let _ = self.enter(|ctx| {
            let table = Table::new(&ctx);
            for (index, value) in values {
                let _ = table.set(ctx, *index, ctx.intern(value.as_bytes()));
            }
            let _ = ctx.set_global(ctx.intern(name.as_bytes()), table);
        });
    }

    /// Starts a run's output: the [`PRINT_LIMIT`] counts from here.
    fn start_printing(&mut self) {
        self.printed.lock().unwrap_or_else(|e| e.into_inner()).restart();
    }

    /// The message of an error that ended a run, as Lua's standalone
    /// interpreter reports it: strings and numbers as they are, the result
    /// of a `__tostring` metamethod (run here, under the budget), else
    /// `(error object is a T value)`.
    fn error_message(&mut self, failure: Failure) -> LuaError {
        let (executor, kind) = match failure {
            Failure::Text(error) => return error,
            Failure::ToString { executor, kind } => (executor, kind),
        };
        // The run itself ended in an error, not at a budget: running the
        // metamethod must not make it look as if it had.
        let stopped_after = self.stopped_after;
        let ran = self.finish(&executor);
        self.stopped_after = stopped_after;
        if let Err(error) = ran {
            return error;
        }
        let text = self.enter(|ctx| match ctx.fetch(&executor).take_result::<Value>(ctx) {
            Ok(Ok(Value::String(text))) => text.to_str_lossy().into_owned(),
            Ok(Ok(_)) => format!("(error object is a {kind} value)"),
            Ok(Err(error)) => stdlib::error_text(ctx, &error),
            Err(mode) => mode.to_string(),
        });
        LuaError::new(text.unwrap_or_else(|error| error.message))
    }

    /// Steps an executor to completion within the budget. On a budget error
    /// the executor is abandoned; the state stays usable.
    fn finish(&mut self, executor: &StashedExecutor) -> Result<(), LuaError> {
        let started = Instant::now();
        let mut used: u64 = 0;
        self.stopped_after = None;
        COLLECTION_ASKED.with(|asked| asked.set(false));
        loop {
            let mut fuel = Fuel::with(SLICE);
            let done = self.enter(|ctx| ctx.fetch(executor).step(ctx, &mut fuel))?;
            let held = self.lua.total_memory();
            self.heap_peak = self.heap_peak.max(held);
            if done {
                return Ok(());
            }
            used += (SLICE - fuel.remaining().min(SLICE)).max(0) as u64;
            if used > self.budget.instructions {
                self.stopped_after = Some(used);
                return Err(LuaError::new(format!(
                    "instruction budget exceeded ({} instructions)",
                    self.budget.instructions
                )));
            }
            if started.elapsed() > self.budget.time {
                self.stopped_after = Some(used);
                return Err(LuaError::new(format!(
                    "time budget exceeded ({} ms)",
                    self.budget.time.as_millis()
                )));
            }
            // A library function that found no room for its result beside
            // what the heap holds stopped the slice to ask for a collection
            // (see [`room_for`]); it runs again next, once, on the heap
            // that is left.
            let asked = COLLECTION_ASKED.with(|asked| asked.replace(false));
            if asked || held > self.budget.memory_bytes {
                self.lua.gc_collect();
                if self.lua.total_memory() > self.budget.memory_bytes {
                    return Err(LuaError::new(memory_limit_message(self.budget.memory_bytes)));
                }
            }
        }
    }
}

/// How a run ended in an error, before its message is known.
enum Failure {
    Text(LuaError),
    /// The error value has a `__tostring` metamethod: this executor runs it.
    ToString {
        executor: StashedExecutor,
        kind: &'static str,
    },
}

fn failure<'gc>(ctx: Context<'gc>, error: Error<'gc>) -> Failure {
    if let Error::Lua(value) = &error
        && matches!(value.0, Value::Table(_) | Value::UserData(_))
        && let Ok(MetaResult::Call(call)) = meta_ops::tostring(ctx, value.0)
    {
        let executor = ctx.stash(Executor::start(ctx, call.function, call.args[0]));
        return Failure::ToString { executor, kind: value.0.type_name() };
    }
    Failure::Text(LuaError::new(stdlib::error_text(ctx, &error)))
}

/* ---------- memory budget inside library functions ---------- */

thread_local! {
    /// The memory budget of the state this thread runs ([`Runtime::enter`]
    /// sets it each time).
    static MEMORY_LIMIT: Cell<usize> = const { Cell::new(usize::MAX) };
    /// Set by [`room_for`] when a result may fit once garbage is collected:
    /// the runtime collects before the next slice.
    static COLLECTION_ASKED: Cell<bool> = const { Cell::new(false) };
    /// Set while a call runs again after such a collection ([`retrying`]).
    static RETRYING: Cell<bool> = const { Cell::new(false) };
    /// Set while [`Runtime::enter`] runs the VM, whose panics it catches.
    static IN_VM: Cell<bool> = const { Cell::new(false) };
}

/// Reports a panic of the Lua VM, which [`Runtime::enter`] catches and
/// turns into the script's error, as one warning in the log instead of the
/// default panic report (a backtrace too, under `RUST_BACKTRACE`), which
/// reads as a crash of the server. Every other panic keeps the default.
pub fn report_vm_panics_briefly() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if IN_VM.with(Cell::get) {
            let what = info.to_string().replace('\n', " ");
            tracing::warn!("the Lua VM panicked ({what}): the script's error says so");
        } else {
            default(info);
        }
    }));
}

/// Results up to this size are not checked: between two checks of the
/// budget (a slice) the fuel library functions charge per byte (a unit
/// per 32) keeps what small results add to a few MiB.
pub const UNCHECKED_RESULT: usize = 64 << 10;

/// What [`room_for`] says of a result about to be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// Build it.
    Fits,
    /// It does not fit beside what the heap holds now, garbage included,
    /// but might once garbage is collected: the VM stops after this call
    /// (its fuel is interrupted) and the runtime collects. The caller makes
    /// the same call again then (`stdlib::base::call_again`, or a paused
    /// step), inside [`retrying`], without changing anything now.
    AfterCollection,
    /// It would not fit even then: fail with [`memory_limit_message`].
    Exceeded,
}

/// Whether `bytes` more bytes, the result a library function (or `..`) is
/// about to build in one allocation, fit in the state's memory budget:
/// the limit less what the heap holds ([`gc_arena::metrics::Metrics`] counts every
/// `Gc` and the buffers piccolo owns). The VM checks the budget only
/// between slices of instructions, after allocations are made; this lets
/// a single call that would allocate gigabytes fail before it does.
/// Results under [`UNCHECKED_RESULT`] pass with one comparison.
#[inline]
pub fn room_for(ctx: Context<'_>, exec: &mut Execution<'_, '_>, bytes: usize) -> Room {
    if bytes <= UNCHECKED_RESULT || bytes <= room_left(ctx) {
        return Room::Fits;
    }
    short_of_room(exec, bytes)
}

#[cold]
fn short_of_room(exec: &mut Execution<'_, '_>, bytes: usize) -> Room {
    if bytes > MEMORY_LIMIT.with(Cell::get) || RETRYING.with(Cell::get) {
        return Room::Exceeded;
    }
    COLLECTION_ASKED.with(|asked| asked.set(true));
    exec.fuel().interrupt();
    Room::AfterCollection
}

/// The memory budget of the state this thread runs.
pub fn memory_limit() -> usize {
    MEMORY_LIMIT.with(Cell::get)
}

/// Bytes the state may still allocate before its memory budget is spent.
pub fn room_left(ctx: Context<'_>) -> usize {
    MEMORY_LIMIT.with(Cell::get).saturating_sub(ctx.metrics().total_allocation())
}

/// Runs `f` as the second try of a call that [`room_for`] stopped for a
/// collection: a result that still does not fit is then [`Room::Exceeded`].
pub fn retrying<R>(f: impl FnOnce() -> R) -> R {
    let before = RETRYING.with(|retrying| retrying.replace(true));
    let result = f();
    RETRYING.with(|retrying| retrying.set(before));
    result
}

/// The error of a run, or of a library call, past the memory budget.
pub fn memory_limit_message(limit: usize) -> String {
    format!("memory limit exceeded ({} MiB)", limit >> 20)
}

/// [`memory_limit_message`] for the budget of the state this thread runs.
pub fn memory_error() -> String {
    memory_limit_message(MEMORY_LIMIT.with(Cell::get))
}

/* ---------- capped output ---------- */

/// The output as scripts write to it: with a limit, a run's bytes past it
/// are dropped and [`OUTPUT_CUT_NOTE`] is written once in their place.
struct CappedOutput {
    inner: Output,
    limit: Option<usize>,
    /// Bytes written in this run.
    written: usize,
    /// Whether this run's output was cut.
    cut: bool,
    /// Whether the last byte written ended a line (or nothing was written).
    at_line_start: bool,
}

impl CappedOutput {
    fn new(inner: Output, limit: Option<usize>) -> CappedOutput {
        CappedOutput { inner, limit, written: 0, cut: false, at_line_start: true }
    }

    /// A new run: its output counts from zero.
    fn restart(&mut self) {
        self.written = 0;
        self.cut = false;
        self.at_line_start = true;
    }
}

impl Write for CappedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Some(limit) = self.limit else { return inner.write(buf) };
        if self.cut || buf.is_empty() {
            return Ok(buf.len());
        }
        let room = limit.saturating_sub(self.written);
        let kept = &buf[..buf.len().min(room)];
        inner.write_all(kept)?;
        self.written += kept.len();
        if let Some(&last) = kept.last() {
            self.at_line_start = last == b'\n';
        }
        if kept.len() < buf.len() {
            self.cut = true;
            if !self.at_line_start {
                inner.write_all(b"\n")?;
            }
            inner.write_all(OUTPUT_CUT_NOTE.as_bytes())?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime(budget: Budget) -> (Runtime, Arc<Mutex<Vec<u8>>>) {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sandbox = Sandbox::new(&std::env::temp_dir(), false).unwrap();
        (Runtime::new(budget, &sandbox, buffer.clone()), buffer)
    }

    fn printed(buffer: &Arc<Mutex<Vec<u8>>>) -> String {
        String::from_utf8(std::mem::take(&mut *buffer.lock().unwrap())).unwrap()
    }

    #[test]
    fn an_endless_loop_hits_the_instruction_budget_and_the_state_stays_usable() {
        let budget = Budget { instructions: 2_000_000, ..Budget::default() };
        let (mut lua, out) = runtime(budget);
        lua.exec("setup", b"counter = 41", &[]).unwrap();
        let error = lua.exec("loop", b"while true do end", &[]).unwrap_err();
        assert!(error.message.contains("instruction budget exceeded"), "{error}");
        lua.exec("after", b"counter = counter + 1 print(counter)", &[]).unwrap();
        assert_eq!(printed(&out), "42\n");
    }

    #[test]
    fn a_slow_loop_hits_the_time_budget() {
        let budget = Budget { time: Duration::from_millis(50), ..Budget::default() };
        let (mut lua, _) = runtime(budget);
        let error = lua.exec("loop", b"local t = {} while true do t[1] = 1 end", &[]).unwrap_err();
        assert!(error.message.contains("time budget exceeded"), "{error}");
    }

    #[test]
    fn memory_is_capped() {
        let budget = Budget { memory_bytes: 32 << 20, ..Budget::default() };
        let (mut lua, out) = runtime(budget);
        let error = lua
            .exec("hog", b"local t = {} for i = 1, 1e9 do t[i] = tostring(i) end", &[])
            .unwrap_err();
        assert!(error.message.contains("memory limit exceeded"), "{error}");
        lua.exec("after", b"print('still here')", &[]).unwrap();
        assert_eq!(printed(&out), "still here\n");
    }

    /// A runtime with a 64 MiB memory budget.
    fn small() -> (Runtime, Arc<Mutex<Vec<u8>>>) {
        runtime(Budget { memory_bytes: 64 << 20, ..Budget::default() })
    }

    /// Runs `script`, expecting the memory error, quickly and without the
    /// heap ever holding much more than the budget.
    fn refused(lua: &mut Runtime, script: &str) {
        let started = Instant::now();
        let error = lua.exec("hog.lua", script.as_bytes(), &[]).unwrap_err();
        assert_eq!(error.message, "memory limit exceeded (64 MiB)", "{script}");
        assert!(started.elapsed() < Duration::from_secs(2), "{script}: {:?}", started.elapsed());
        assert!(lua.heap_peak < 80 << 20, "{script}: the heap reached {} bytes", lua.heap_peak);
    }

    #[test]
    fn library_calls_check_their_result_against_the_memory_budget_first() {
        let (mut lua, out) = small();
        for script in [
            "x = string.rep('x', 2^31 - 1)",
            "x = ('ab'):rep(1e8, ',')",
            "local big = string.rep('y', 1000000) x = ('x'):rep(4000):gsub('x', big)",
            "local big = string.rep('y', 1000000) x = ('x'):rep(4000):gsub('x', {x = big})",
            "local big = string.rep('y', 1000000) \
             x = ('x'):rep(4000):gsub('x', function() return big end)",
            "local s = ('y'):rep(1000000) x = ('x'):rep(100):gsub('x', '%0' .. s)",
            "local s = 'x' while true do s = s .. s end",
            "local s = ('x'):rep(1e6) local t = {} for i = 1, 200 do t[i] = s end \
             x = table.concat(t)",
            "local s = ('x'):rep(1e6) x = string.format(('%s'):rep(100), \
             table.unpack((function() local t = {} for i = 1, 100 do t[i] = s end return t end)()))",
            "local s = ('x'):rep(30e6) x = s:upper() .. s:lower()",
        ] {
            refused(&mut lua, script);
        }
        // The state goes on; the error can be caught.
        let script = "print(pcall(string.rep, 'x', 2^30)) print(#('x'):rep(1000, ','))";
        lua.exec("after.lua", script.as_bytes(), &[]).unwrap();
        assert_eq!(printed(&out), "false\tmemory limit exceeded (64 MiB)\n1999\n");
    }

    #[test]
    fn garbage_does_not_count_against_a_large_result() {
        // 40 MiB strings dropped one after another: each fits once the last
        // is collected, which the runtime does when a call asks for it.
        let (mut lua, out) = small();
        let script = "local n = 0 for i = 1, 10 do local s = ('x'):rep(40e6) n = n + #s end \
                      for i = 1, 5 do local s = ('x'):rep(10e6) .. ('y'):rep(10e6) \
                      s = s .. s n = n + #s end \
                      for i = 1, 5 do local s = ('x'):rep(1e5):gsub('x', 'yy'):rep(200) n = n + #s end \
                      print(n)";
        lua.exec("churn.lua", script.as_bytes(), &[]).unwrap();
        assert_eq!(printed(&out), "800000000\n");
    }

    #[test]
    fn gsub_counts_its_result_as_it_grows_and_charges_what_it_adds() {
        // Within the budget, the result is right and its buffer is counted
        // while it grows (the heap's peak shows it).
        let (mut lua, out) = small();
        let script = "local big = ('y'):rep(1e5) local r, n = ('x'):rep(300):gsub('x', big) \
                      print(#r, n, r == big:rep(300))";
        lua.exec("gsub.lua", script.as_bytes(), &[]).unwrap();
        assert_eq!(printed(&out), "30000000\t300\ttrue\n");
        assert!(lua.heap_peak >= 30_000_000, "{}", lua.heap_peak);
        // Fuel follows the bytes added, not the bytes matched: 30 MB of
        // replacement text costs about a million instructions.
        let budget = Budget { instructions: 500_000, ..Budget::default() };
        lua.set_budget(budget);
        let error = lua.exec("gsub.lua", script.as_bytes(), &[]).unwrap_err();
        assert!(error.message.contains("instruction budget exceeded"), "{error}");
    }

    #[test]
    fn what_a_run_prints_is_capped() {
        let (mut lua, out) = runtime(Budget::default());
        let script = "local s = ('z'):rep(1e6 - 1) for i = 1, 40 do print(s) end \
                      io.write('more') done = true";
        lua.exec("print.lua", script.as_bytes(), &[]).unwrap();
        let text = printed(&out);
        assert_eq!(text.len(), PRINT_LIMIT + OUTPUT_CUT_NOTE.len() + 1, "ends a line first");
        assert!(text.ends_with(&format!("z\n{OUTPUT_CUT_NOTE}")));
        assert_eq!(text.matches("output cut").count(), 1);
        // The run went on; the next one prints afresh.
        lua.exec("after.lua", b"print(done)", &[]).unwrap();
        assert_eq!(printed(&out), "true\n");
        // `print` converts and writes argument by argument, as Lua does.
        let script = "local t = setmetatable({}, {__tostring = function() io.write('<') return 'T' end}) \
                      print(1, t, 2.0)";
        lua.exec("order.lua", script.as_bytes(), &[]).unwrap();
        assert_eq!(printed(&out), "1<\tT\t2.0\n");
    }

    #[test]
    fn error_objects_are_reported_as_the_lua_program_does() {
        let (mut lua, _) = runtime(Budget::default());
        let cases = [
            ("error(setmetatable({}, {__tostring = function() return 'custom!' end}))", "custom!"),
            ("error({})", "(error object is a table value)"),
            ("error(nil)", "(error object is a nil value)"),
            ("error(true)", "(error object is a boolean value)"),
            ("error(42)", "42"),
            ("error(2.0)", "2.0"),
            (
                "error(setmetatable({}, {__tostring = function() return 5 end}))",
                "(error object is a table value)",
            ),
            (
                "error(setmetatable({}, {__tostring = function() error('inner') end}))",
                "e.lua:1: inner",
            ),
        ];
        for (script, want) in cases {
            let error = lua.exec("e.lua", script.as_bytes(), &[]).unwrap_err();
            assert_eq!(error.message, want, "{script}");
        }
        // A `__tostring` that never ends meets the budget.
        lua.set_budget(Budget { instructions: 1_000_000, ..Budget::default() });
        let script = "error(setmetatable({}, {__tostring = function() while true do end end}))";
        let error = lua.exec("e.lua", script.as_bytes(), &[]).unwrap_err();
        assert!(error.message.contains("instruction budget exceeded"), "{error}");
        assert_eq!(lua.stopped_after(), None, "the run itself ended in its error");
    }

    #[test]
    fn loops_held_open_count_against_the_memory_cap() {
        // Each `pairs` loop keeps the table's keys; a script holding many
        // loops open must hit the cap, not grow the process unchecked.
        let budget = Budget { memory_bytes: 64 << 20, ..Budget::default() };
        let (mut lua, _) = runtime(budget);
        let script = b"local t = {} for i = 1, 100000 do t[i] = i end \
                       local held = {} for j = 1, 400 do held[j] = pairs(t) end";
        let error = lua.exec("loops", script, &[]).unwrap_err();
        assert!(error.message.contains("memory limit exceeded"), "{error}");
    }

    #[test]
    fn syntax_and_runtime_errors_name_chunk_and_line() {
        let (mut lua, _) = runtime(Budget::default());
        let error = lua.exec("plan.lua", b"local x = 1\nlocal = 2", &[]).unwrap_err();
        assert!(error.message.starts_with("plan.lua:2:"), "{error}");
        let error = lua.exec("plan.lua", b"\n\nerror('boom')", &[]).unwrap_err();
        assert_eq!(error.message, "plan.lua:3: boom");
    }

    #[test]
    fn loading_code_stays_inside_the_sandbox() {
        let base = std::env::temp_dir().join(format!("planhost-rt-sandbox-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("plan");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(base.join("outside.lua"), "print('escaped')").unwrap();
        std::os::unix::fs::symlink(base.join("outside.lua"), root.join("link.lua")).unwrap();
        std::fs::write(root.join("inside.lua"), "return 'inside'").unwrap();
        let sandbox = Sandbox::new(&root, false).unwrap();
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let mut lua = Runtime::new(Budget::default(), &sandbox, buffer.clone());
        let script = br#"
            print(dofile('inside.lua'))
            for _, path in ipairs({'../outside.lua', 'link.lua', '/etc/passwd'}) do
                local ok, err = pcall(dofile, path)
                print(ok, (err:gsub('^[^:]*:%d+: ', '')))
                print(pcall(loadfile, path))
            end
            package.path = '../?.lua'
            print(pcall(require, 'outside'))
            print(loadstring('return 5.1')())
        "#;
        lua.exec("sandbox.lua", script, &[]).unwrap();
        let out = printed(&buffer);
        assert!(!out.contains("escaped"), "{out}");
        assert!(out.starts_with("inside\n"), "{out}");
        assert_eq!(out.matches("outside the plan directory").count(), 7, "{out}");
        assert!(out.ends_with("5.1\n"), "{out}");
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn calls_take_and_give_json() {
        let (mut lua, _) = runtime(Budget::default());
        let script = br#"
            plan = {views = {}}
            function plan.views.work(filter)
                return {title = "Work", min = filter.min, items = {{id = 1, weeks = 2.5}, {id = 2, weeks = 3}}, empty = {}}
            end
            function cyclic() local t = {} t.self = t return t end
            function mixed() return {1, 2, x = 3} end
            function holds_function() return {items = {{f = print}}} end
            function nothing() end
        "#;
        lua.exec("views.lua", script, &[]).unwrap();
        let value = lua.call_json("plan.views.work", &[serde_json::json!({"min": 3})]).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"title": "Work", "min": 3, "items": [{"id": 1, "weeks": 2.5}, {"id": 2, "weeks": 3}], "empty": []})
        );
        assert_eq!(lua.call_json("nothing", &[]).unwrap(), serde_json::Value::Null);
        let error = lua.call_json("cyclic", &[]).unwrap_err();
        assert!(error.message.contains("self: the table contains itself"), "{error}");
        let error = lua.call_json("mixed", &[]).unwrap_err();
        assert!(error.message.contains("key 1 in a table that is not a sequence"), "{error}");
        let error = lua.call_json("holds_function", &[]).unwrap_err();
        assert!(error.message.contains("items[1].f: a function cannot be converted"), "{error}");
        assert!(lua.call_json("missing.function", &[]).is_err());
    }

    #[test]
    fn json_text_has_sorted_keys_lua_numbers_and_escapes() {
        let (mut lua, _) = runtime(Budget::default());
        let script = r#"
            function view()
                return {zeta = 1, alpha = 3.0, mid = {2.5, -0, "a\"b<\n", true}, empty = {},
                        ["é"] = "ü", nested = {b = {c = {}}, a = false}}
            end
        "#;
        lua.exec("view.lua", script.as_bytes(), &[]).unwrap();
        assert_eq!(
            lua.call_json_text("view", &[]).unwrap(),
            r#"{"alpha":3.0,"empty":[],"mid":[2.5,0,"a\"b<\n",true],"nested":{"a":false,"b":{"c":[]}},"zeta":1,"é":"ü"}"#
        );
        assert_eq!(
            lua.call_json("view", &[]).unwrap(),
            serde_json::from_str::<serde_json::Value>(&lua.call_json_text("view", &[]).unwrap())
                .unwrap()
        );
    }

    #[test]
    fn what_piccolo_cannot_compile_is_an_error_not_a_crash() {
        let (mut lua, out) = runtime(Budget::default());
        let error = lua
            .exec("jump.lua", b"x = 1\nfor i = 1, 2 do goto done end\n::done::", &[])
            .unwrap_err();
        assert!(
            error.message.starts_with("jump.lua:2: 'goto done' leaves a 'for' loop"),
            "{error}"
        );
        // Shifts and `%` are the host's (piccolo 0.3.3 overflowed in them).
        lua.exec("shift.lua", b"local n = 64 print(1 << n, math.mininteger % -1)", &[]).unwrap();
        lua.exec("after.lua", b"print('alive')", &[]).unwrap();
        assert!(printed(&out).ends_with("0\t0\nalive\n"), "{}", printed(&out));
    }
}
