//! The `coroutine` library as Lua 5.4 has it, over piccolo 0.3.3's threads:
//! `create`, `resume`, `yield`, `status`, `running`, `isyieldable`, `wrap`
//! and `close` (piccolo lacks `wrap`, `close` and `isyieldable`, words its
//! errors as "bad thread mode", calls a thread that waits on another
//! "running" where Lua says "normal", and lets the main thread yield,
//! which silently ends the script).
//!
//! A dead coroutine does not remember how it died in piccolo, yet
//! `close` must return the error of one that failed: `resume` records the
//! error of a coroutine it saw fail, keyed by a weak reference so the
//! record never keeps the coroutine alive.

use std::collections::HashMap;

use gc_arena::lock::RefLock;
use gc_arena::{Collect, Gc, GcWeak, Mutation, Rootable};
use piccolo::thread::ThreadInner;
use piccolo::{
    BoxSequence, CallbackReturn, Context, Error, Execution, Function, Sequence, SequencePoll,
    Singleton, Stack, Table, Thread, ThreadMode, Value,
};

use super::args::{Args, Body, CallResult, Failure, library, library_with};

/// Replaces and adds to the `coroutine` table piccolo created.
pub fn load_coroutine(ctx: Context<'_>) {
    let coroutine = match ctx.get_global("coroutine") {
        Value::Table(coroutine) => coroutine,
        _ => Table::new(&ctx),
    };
    let functions: [(&str, Body); 8] = [
        ("create", create),
        ("resume", resume),
        ("yield", lua_yield),
        ("status", status),
        ("running", running),
        ("isyieldable", isyieldable),
        ("wrap", wrap),
        ("close", close),
    ];
    for (name, body) in functions {
        let _ = coroutine.set(ctx, name, library(ctx, body));
    }
    let _ = ctx.set_global("coroutine", coroutine);
}

/* ---------- what the library remembers about threads ---------- */

type WeakThread<'gc> = GcWeak<'gc, ThreadInner<'gc>>;

/// Threads by address, held weakly: a record never keeps its thread
/// alive, and its address cannot be reused while the record holds it.
#[derive(Collect)]
#[collect(no_drop)]
struct WeakMap<'gc, V> {
    entries: HashMap<usize, (WeakThread<'gc>, V)>,
    /// Size after the last sweep of collected threads.
    #[collect(require_static)]
    swept: usize,
}

impl<'gc, V> Default for WeakMap<'gc, V> {
    fn default() -> Self {
        WeakMap { entries: HashMap::new(), swept: 0 }
    }
}

impl<'gc, V> WeakMap<'gc, V> {
    fn key(thread: Thread<'gc>) -> usize {
        Gc::as_ptr(thread.into_inner()) as usize
    }

    fn insert(&mut self, mc: &Mutation<'gc>, thread: Thread<'gc>, value: V) {
        let weak = Gc::downgrade(thread.into_inner());
        self.entries.insert(Self::key(thread), (weak, value));
        // Sweep records of collected threads once the map has doubled.
        if self.entries.len() > 2 * self.swept.max(16) {
            self.entries.retain(|_, (weak, _)| weak.upgrade(mc).is_some());
            self.swept = self.entries.len();
        }
    }

    fn contains(&self, thread: Thread<'gc>) -> bool {
        self.entries.contains_key(&Self::key(thread))
    }

    fn remove(&mut self, thread: Thread<'gc>) -> Option<V> {
        self.entries.remove(&Self::key(thread)).map(|(_, value)| value)
    }
}

#[derive(Collect, Default)]
#[collect(no_drop)]
struct Records<'gc> {
    /// Coroutines `resume` saw fail, with their error (for `close`).
    failed: WeakMap<'gc, Value<'gc>>,
    /// Threads `running` reported as a main thread (for `isyieldable`).
    main: WeakMap<'gc, ()>,
}

#[derive(Collect, Clone, Copy)]
#[collect(no_drop)]
struct Registry<'gc>(Gc<'gc, RefLock<Records<'gc>>>);

impl<'gc> Singleton<'gc> for Registry<'gc> {
    fn create(ctx: Context<'gc>) -> Self {
        Registry(Gc::new(&ctx, RefLock::new(Records::default())))
    }
}

fn registry(ctx: Context<'_>) -> Registry<'_> {
    *ctx.singleton::<Rootable![Registry<'_>]>()
}

/* ---------- arguments and states ---------- */

fn thread_arg<'gc>(args: &Args<'gc, '_>, i: usize) -> Result<Thread<'gc>, Failure> {
    match args.get(i) {
        Value::Thread(thread) => Ok(thread),
        _ => Err(args.type_error(i, "thread")),
    }
}

fn function_arg<'gc>(args: &Args<'gc, '_>, i: usize) -> Result<Function<'gc>, Failure> {
    match args.get(i) {
        Value::Function(function) => Ok(function),
        _ => Err(args.type_error(i, "function")),
    }
}

/// Lua's four states of a coroutine.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    Suspended,
    Normal,
    Dead,
}

impl State {
    fn of(thread: Thread<'_>) -> State {
        match thread.mode() {
            ThreadMode::Stopped => State::Dead,
            // The thread running this library function.
            ThreadMode::Running => State::Running,
            // Waiting: it resumed another coroutine.
            ThreadMode::Normal | ThreadMode::Waiting => State::Normal,
            ThreadMode::Suspended | ThreadMode::Result => State::Suspended,
        }
    }

    fn name(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Suspended => "suspended",
            State::Normal => "normal",
            State::Dead => "dead",
        }
    }
}

/* ---------- functions ---------- */

/// `coroutine.create(f)`: a suspended coroutine that will run `f`.
fn create<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let function = function_arg(&Args::new(ctx, &stack[..], "create"), 0)?;
    stack.replace(ctx, new_coroutine(ctx, function));
    Ok(CallbackReturn::Return)
}

fn new_coroutine<'gc>(ctx: Context<'gc>, function: Function<'gc>) -> Thread<'gc> {
    let thread = Thread::new(ctx);
    // A new thread is stopped, so starting it cannot fail.
    let _ = thread.start_suspended(&ctx, function);
    thread
}

/// Lua's message when `thread` cannot be resumed, if it cannot.
fn not_resumable(thread: Thread<'_>) -> Option<&'static str> {
    match State::of(thread) {
        State::Suspended => None,
        State::Dead => Some("cannot resume dead coroutine"),
        State::Running | State::Normal => Some("cannot resume non-suspended coroutine"),
    }
}

/// `coroutine.resume(co, ...)`: `true` and what `co` yields or returns,
/// or `false` and its error.
fn resume<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let thread = thread_arg(&Args::new(ctx, &stack[..], "resume"), 0)?;
    if let Some(message) = not_resumable(thread) {
        stack.clear();
        stack.push_back(Value::Boolean(false));
        stack.push_back(Value::String(ctx.intern(message.as_bytes())));
        return Ok(CallbackReturn::Return);
    }
    stack.pop_front();
    let then = BoxSequence::new(&ctx, Resumed { thread });
    Ok(CallbackReturn::Resume { thread, then: Some(then) })
}

/// Back from a `resume`: prepends the status, records a failure.
#[derive(Collect)]
#[collect(no_drop)]
struct Resumed<'gc> {
    thread: Thread<'gc>,
}

impl<'gc> Sequence<'gc> for Resumed<'gc> {
    fn poll(
        &mut self,
        _: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        stack.push_front(Value::Boolean(true));
        Ok(SequencePoll::Return)
    }

    fn error(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        error: Error<'gc>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        let value = error.to_value(ctx);
        if State::of(self.thread) == State::Dead {
            registry(ctx).0.borrow_mut(&ctx).failed.insert(&ctx, self.thread, value);
        }
        stack.clear();
        stack.push_back(Value::Boolean(false));
        stack.push_back(value);
        Ok(SequencePoll::Return)
    }
}

/// `coroutine.yield(...)`: suspends the running coroutine; the main
/// thread cannot yield.
fn lua_yield<'gc>(
    _: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    _: Stack<'gc, '_>,
) -> CallResult<'gc> {
    if exec.current_thread().is_main {
        return Err(Failure::plain("attempt to yield from outside a coroutine"));
    }
    Ok(CallbackReturn::Yield { to_thread: None, then: None })
}

/// `coroutine.status(co)`: `"running"`, `"suspended"`, `"normal"` or `"dead"`.
fn status<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let thread = thread_arg(&Args::new(ctx, &stack[..], "status"), 0)?;
    stack.replace(ctx, Value::String(ctx.intern(State::of(thread).name().as_bytes())));
    Ok(CallbackReturn::Return)
}

/// `coroutine.running()`: the running coroutine and whether it is the
/// main thread.
fn running<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let current = exec.current_thread();
    if current.is_main {
        registry(ctx).0.borrow_mut(&ctx).main.insert(&ctx, current.thread, ());
    }
    stack.clear();
    stack.push_back(Value::Thread(current.thread));
    stack.push_back(Value::Boolean(current.is_main));
    Ok(CallbackReturn::Return)
}

/// `coroutine.isyieldable([co])`: whether `co` (default: the running
/// coroutine) may yield, that is, is not a main thread.
fn isyieldable<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "isyieldable");
    let current = exec.current_thread();
    let yieldable = match args.get(0) {
        Value::Nil if args.len() == 0 => !current.is_main,
        _ => {
            let thread = thread_arg(&args, 0)?;
            if thread == current.thread {
                !current.is_main
            } else {
                !registry(ctx).0.borrow().main.contains(thread)
            }
        }
    };
    stack.replace(ctx, yieldable);
    Ok(CallbackReturn::Return)
}

/// `coroutine.close(co)`: kills a suspended or dead coroutine; `true`, or
/// `false` and the error of a coroutine that died in one.
fn close<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let thread = thread_arg(&Args::new(ctx, &stack[..], "close"), 0)?;
    let state = State::of(thread);
    if matches!(state, State::Running | State::Normal) {
        return Err(Failure::new(format!("cannot close a {} coroutine", state.name())));
    }
    if state == State::Suspended {
        // Not running, so the reset cannot fail.
        let _ = thread.reset(&ctx);
    }
    let failure = registry(ctx).0.borrow_mut(&ctx).failed.remove(thread);
    stack.clear();
    stack.push_back(Value::Boolean(failure.is_none()));
    stack.extend(failure);
    Ok(CallbackReturn::Return)
}

/// `coroutine.wrap(f)`: a function that resumes a new coroutine running
/// `f`, returning what it yields and raising its errors (a string error
/// gets the caller's position, as in Lua).
fn wrap<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let function = function_arg(&Args::new(ctx, &stack[..], "wrap"), 0)?;
    let thread = new_coroutine(ctx, function);
    let wrapped = library_with(ctx, thread, |&thread, ctx, _, _| {
        if let Some(message) = not_resumable(thread) {
            return Err(Failure::new(message));
        }
        let then = BoxSequence::new(&ctx, WrapResumed);
        Ok(CallbackReturn::Resume { thread, then: Some(then) })
    });
    stack.replace(ctx, wrapped);
    Ok(CallbackReturn::Return)
}

/// Back from a wrapped coroutine: its results as they are, its error
/// raised again.
#[derive(Collect)]
#[collect(require_static)]
struct WrapResumed;

impl<'gc> Sequence<'gc> for WrapResumed {
    fn poll(
        &mut self,
        _: Context<'gc>,
        _: Execution<'gc, '_>,
        _: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        Ok(SequencePoll::Return)
    }

    fn error(
        &mut self,
        ctx: Context<'gc>,
        exec: Execution<'gc, '_>,
        error: Error<'gc>,
        _: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        match error.to_value(ctx) {
            Value::String(message) => Err(Failure::new(message.as_bytes()).raise(ctx, &exec)),
            _ => Err(error),
        }
    }
}
