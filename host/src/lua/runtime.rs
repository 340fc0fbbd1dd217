//! The Lua VM owner: one piccolo state with the host's helpers and library,
//! running code under instruction, time and memory budgets. Not `Send`:
//! it lives on the Lua thread.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gc_arena::metrics::Pacing;
use piccolo::{
    Executor, Fuel, Function, Lua, StashedExecutor, StashedFunction, Table, Value, Variadic,
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
    /// Set when a panic replaced the state; see [`Runtime::take_reset`].
    was_reset: bool,
    /// The VM instructions the last run had used when a budget stopped it.
    stopped_after: Option<u64>,
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
        let helpers = lua.enter(|ctx| {
            stdlib::load(ctx, sandbox, output);
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
            was_reset: false,
            stopped_after: None,
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
        let lua = &mut self.lua;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lua.enter(f))) {
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
    pub fn collect_garbage(&mut self) {
        self.lua.gc_collect();
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
        self.enter(|ctx| match ctx.fetch(&executor).take_result::<Function>(ctx) {
            Ok(Ok(function)) => Ok(ctx.stash(function)),
            Ok(Err(error)) => Err(LuaError::new(stdlib::error_text(ctx, &error))),
            Err(mode) => Err(LuaError::new(mode.to_string())),
        })?
    }

    /// Calls a function with string arguments (a script's `...`).
    pub fn call(&mut self, function: &StashedFunction, args: &[String]) -> Result<(), LuaError> {
        let executor = self.enter(|ctx| {
            let args: Vec<Value> =
                args.iter().map(|a| Value::String(ctx.intern(a.as_bytes()))).collect();
            ctx.stash(Executor::start(ctx, ctx.fetch(function), Variadic(args)))
        })?;
        self.finish(&executor)?;
        self.enter(|ctx| {
            match ctx.fetch(&executor).take_result::<piccolo::Variadic<Vec<Value>>>(ctx) {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(error)) => Err(LuaError::new(stdlib::error_text(ctx, &error))),
                Err(mode) => Err(LuaError::new(mode.to_string())),
            }
        })?
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
        self.enter(|ctx| match ctx.fetch(&executor).take_result::<Variadic<Vec<Value>>>(ctx) {
            Ok(Ok(values)) => {
                let first = values.first().copied().unwrap_or(Value::Nil);
                json::to_json_text(first).map_err(|e| LuaError::new(format!("{path}: {e}")))
            }
            Ok(Err(error)) => Err(LuaError::new(stdlib::error_text(ctx, &error))),
            Err(mode) => Err(LuaError::new(mode.to_string())),
        })?
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

    /// Steps an executor to completion within the budget. On a budget error
    /// the executor is abandoned; the state stays usable.
    fn finish(&mut self, executor: &StashedExecutor) -> Result<(), LuaError> {
        let started = Instant::now();
        let mut used: u64 = 0;
        self.stopped_after = None;
        loop {
            let mut fuel = Fuel::with(SLICE);
            let done = self.enter(|ctx| ctx.fetch(executor).step(ctx, &mut fuel))?;
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
            if self.lua.total_memory() > self.budget.memory_bytes {
                self.lua.gc_collect();
                if self.lua.total_memory() > self.budget.memory_bytes {
                    return Err(LuaError::new(format!(
                        "memory limit exceeded ({} MiB)",
                        self.budget.memory_bytes >> 20
                    )));
                }
            }
        }
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
        // Overflow checks inside piccolo may panic (debug builds) or wrap
        // (release builds); either way the process and the state go on.
        let shifted = lua.exec("shift.lua", b"local n = 64 print(1 << n)", &[]);
        if let Err(error) = shifted {
            assert!(error.message.contains("internal error in the Lua VM"), "{error}");
        }
        lua.exec("after.lua", b"print('alive')", &[]).unwrap();
        assert!(printed(&out).ends_with("alive\n"));
    }
}
