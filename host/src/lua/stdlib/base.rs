//! The base library: piccolo 0.3.3's, with Lua 5.4's behaviour where it
//! differs (`print`, `tostring`, `error`) and what it lacks (`tonumber`,
//! `rawlen`, `rawequal`, `xpcall`, `warn`, `_G`).

use gc_arena::Collect;
use piccolo::{
    BoxSequence, Callback, CallbackReturn, Context, Error, Execution, Function, Sequence,
    SequencePoll, Stack, Table, Value,
};

use super::args::{Args, Body, CallResult, Failure, library, library_with, metafield};
use super::located;
use crate::lua::format::{Number, number_to_lua_string, str_to_number};
use crate::lua::runtime::{self, Output, Room};

pub fn load_base(ctx: Context<'_>, output: Output, warnings: Warnings) {
    set(ctx, ctx.globals(), "print", print(ctx, output));
    set(ctx, ctx.globals(), "warn", warn(ctx, warnings));
    set(ctx, ctx.globals(), "tostring", library(ctx, tostring));
    set(ctx, ctx.globals(), "error", Callback::from_fn(&ctx, error));
    set(ctx, ctx.globals(), "tonumber", library(ctx, tonumber));
    set(ctx, ctx.globals(), "rawlen", library(ctx, rawlen));
    set(ctx, ctx.globals(), "rawequal", library(ctx, rawequal));
    set(ctx, ctx.globals(), "xpcall", library(ctx, xpcall));
    set(ctx, ctx.globals(), "next", library(ctx, next));
    let _ = ctx.set_global("_G", ctx.globals());
    let _ = ctx.set_global("_VERSION", "Lua 5.4");
}

/// Where `warn` writes once warnings are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warnings {
    /// Standard error, as the `lua` program does (`planhost run`).
    Stderr,
    /// The server log, at warning level (a plan under `planhost serve`).
    Log,
}

/// `warn(msg1, ...)`: as the `lua` program's warning function, warnings
/// start off; a single argument `"@on"` or `"@off"` turns them on or off
/// (other `@` messages are ignored); when on, the arguments are written
/// together as one `Lua warning: ...` line.
fn warn(ctx: Context<'_>, warnings: Warnings) -> Callback<'_> {
    library_with(ctx, std::cell::Cell::new(false), move |on, ctx, _, mut stack| {
        let args = Args::new(ctx, &stack[..], "warn");
        let mut text = Vec::new();
        // At least one message: no argument is Lua's error for argument #1.
        for i in 0..stack.len().max(1) {
            text.extend_from_slice(args.string(i)?.as_bytes());
        }
        if stack.len() == 1 && text.first() == Some(&b'@') {
            match &text[1..] {
                b"on" => on.set(true),
                b"off" => on.set(false),
                _ => {}
            }
        } else if on.get() {
            let text = String::from_utf8_lossy(&text);
            match warnings {
                Warnings::Stderr => {
                    use std::io::Write;
                    let _ = writeln!(std::io::stderr().lock(), "Lua warning: {text}");
                }
                Warnings::Log => tracing::warn!(target: "planhost::lua", "Lua warning: {text}"),
            }
        }
        stack.clear();
        Ok(CallbackReturn::Return)
    })
}

fn set<'gc>(ctx: Context<'gc>, table: Table<'gc>, name: &'static str, callback: Callback<'gc>) {
    let _ = table.set(ctx, name, callback);
}

/// An error value with a plain message.
pub fn message<'gc>(ctx: Context<'gc>, text: &str) -> Error<'gc> {
    Value::String(ctx.intern(text.as_bytes())).into()
}

/// The `__tostring` metamethod of a value, if it has one.
fn tostring_method<'gc>(ctx: Context<'gc>, value: Value<'gc>) -> Option<Function<'gc>> {
    match metafield(ctx, value, "__tostring") {
        Value::Function(f) => Some(f),
        _ => None,
    }
}

fn tostring<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let value = Args::new(ctx, &stack[..], "tostring").any(0)?;
    if let Some(method) = tostring_method(ctx, value) {
        stack.clear();
        stack.push_back(value);
        return Ok(CallbackReturn::Call { function: method, then: None });
    }
    let text = to_lua_string(ctx, value);
    stack.replace(ctx, Value::String(ctx.intern(&text)));
    Ok(CallbackReturn::Return)
}

fn print(ctx: Context<'_>, output: Output) -> Callback<'_> {
    Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let values: Vec<Value> = stack.drain(..).collect();
        let sequence = PrintSequence { values, next: 0, output: output.clone() };
        Ok(CallbackReturn::Sequence(BoxSequence::new(&ctx, sequence)))
    })
}

/// `print`, as Lua 5.4's: converts each value in turn (calling `__tostring`
/// where present) and writes it, after a tab from the second on, then
/// writes the newline. Nothing is gathered first: a line of many large
/// strings costs no copy of them, and the output's cap (`PRINT_LIMIT` in
/// `lua/runtime.rs`) drops what passes it.
#[derive(Collect)]
#[collect(no_drop)]
struct PrintSequence<'gc> {
    values: Vec<Value<'gc>>,
    next: usize,
    #[collect(require_static)]
    output: Output,
}

impl<'gc> Sequence<'gc> for PrintSequence<'gc> {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        let output = self.output.clone();
        let mut out = output.lock().unwrap_or_else(|e| e.into_inner());
        // Coming back from a `__tostring` call: its result is on the stack.
        if self.next > 0 && tostring_method(ctx, self.values[self.next - 1]).is_some() {
            let Value::String(text) = stack.get(0) else {
                return Err(message(ctx, "'__tostring' must return a string"));
            };
            if self.next > 1 {
                let _ = out.write_all(b"\t");
            }
            let _ = out.write_all(text.as_bytes());
        }
        stack.clear();
        while self.next < self.values.len() {
            let value = self.values[self.next];
            self.next += 1;
            if let Some(method) = tostring_method(ctx, value) {
                stack.push_back(value);
                return Ok(SequencePoll::Call { function: method, is_tail: false });
            }
            if self.next > 1 {
                let _ = out.write_all(b"\t");
            }
            let _ = match value {
                Value::String(text) => out.write_all(text.as_bytes()),
                _ => out.write_all(&to_lua_string(ctx, value)),
            };
        }
        let _ = out.write_all(b"\n");
        let _ = out.flush();
        Ok(SequencePoll::Return)
    }
}

fn error<'gc>(
    ctx: Context<'gc>,
    exec: Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let value = stack.get(0);
    let level = match stack.get(1) {
        Value::Integer(level) => level,
        Value::Number(level) => level as i64,
        _ => 1,
    };
    // Lua adds a position to string messages unless the level is 0. piccolo
    // only shows the nearest Lua frame, so level 2 and above use it too.
    if let (Value::String(text), true) = (value, level > 0)
        && exec.upper_lua_frame().is_some()
    {
        return Err(located(ctx, &exec, text.to_str_lossy().into_owned()));
    }
    Err(value.into())
}

/// `next(t [, k])`: like piccolo's, but the end of the table is one `nil`.
fn next<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let Value::Table(table) = stack.get(0) else {
        return Err(Args::new(ctx, &stack[..], "next").plain_type_error(0, "table"));
    };
    let key = stack.get(1);
    stack.clear();
    match table.next(key) {
        piccolo::table::NextValue::Found { key, value } => {
            stack.push_back(key);
            stack.push_back(value);
        }
        piccolo::table::NextValue::Last => stack.push_back(Value::Nil),
        piccolo::table::NextValue::NotFound => return Err(Failure::new("invalid key to 'next'")),
    }
    Ok(CallbackReturn::Return)
}

fn tonumber<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "tonumber");
    let value = args.get(0);
    let result = match args.get(1) {
        Value::Nil => match args.any(0)? {
            Value::Integer(_) | Value::Number(_) => value,
            Value::String(s) => match str_to_number(s.as_bytes()) {
                Some(Number::Integer(i)) => Value::Integer(i),
                Some(Number::Float(f)) => Value::Number(f),
                None => Value::Nil,
            },
            _ => Value::Nil,
        },
        base => {
            let base = match base {
                Value::Integer(b) => b,
                Value::Number(b) if b.fract() == 0.0 => b as i64,
                _ => return Err(args.plain_type_error(1, "number")),
            };
            let Value::String(digits) = value else {
                return Err(args.plain_type_error(0, "string"));
            };
            if !(2..=36).contains(&base) {
                return Err(args.bad(1, "base out of range"));
            }
            parse_in_base(digits.as_bytes(), base as u32).map_or(Value::Nil, Value::Integer)
        }
    };
    stack.replace(ctx, result);
    Ok(CallbackReturn::Return)
}

/// Lua's `l_str2int` for an explicit base: optional spaces and `-`, at
/// least one digit, wrapping on overflow.
fn parse_in_base(text: &[u8], base: u32) -> Option<i64> {
    let trimmed = text.trim_ascii();
    let (negative, digits) = match trimmed.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for &d in digits {
        let digit = (d as char).to_digit(36).filter(|&v| v < base)?;
        n = n.wrapping_mul(base as i64).wrapping_add(digit as i64);
    }
    Some(if negative { n.wrapping_neg() } else { n })
}

fn rawlen<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let len = match stack.get(0) {
        Value::Table(t) => t.length(),
        Value::String(s) => s.as_bytes().len() as i64,
        _ => {
            let args = Args::new(ctx, &stack[..], "rawlen");
            return Err(args.plain_type_error(0, "table or string"));
        }
    };
    stack.replace(ctx, len);
    Ok(CallbackReturn::Return)
}

fn rawequal<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "rawequal");
    let equal = raw_equal(args.any(0)?, args.any(1)?);
    stack.replace(ctx, equal);
    Ok(CallbackReturn::Return)
}

/// Equality without metamethods: numbers by value, strings by content,
/// everything else by identity.
pub fn raw_equal<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Boolean(x), Value::Boolean(y)) => x == y,
        (Value::Integer(x), Value::Integer(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Integer(x), Value::Number(y)) | (Value::Number(y), Value::Integer(x)) => {
            x as f64 == y
        }
        (Value::String(x), Value::String(y)) => x.as_bytes() == y.as_bytes(),
        (Value::Table(x), Value::Table(y)) => x == y,
        (Value::Function(x), Value::Function(y)) => x == y,
        (Value::Thread(x), Value::Thread(y)) => x == y,
        (Value::UserData(x), Value::UserData(y)) => x == y,
        _ => false,
    }
}

/// `xpcall(f, handler, ...)`: like `pcall`, but an error goes through
/// `handler` first.
fn xpcall<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let Value::Function(function) = stack.get(0) else {
        let got = stack.get(0).type_name();
        return Err(Failure::new(format!("attempt to call a {got} value")));
    };
    let handler = stack.get(1);
    stack.pop_front();
    stack.pop_front();
    let then = BoxSequence::new(&ctx, Xpcall { handler, handling: false });
    Ok(CallbackReturn::Call { function, then: Some(then) })
}

#[derive(Collect)]
#[collect(no_drop)]
struct Xpcall<'gc> {
    handler: Value<'gc>,
    handling: bool,
}

impl<'gc> Sequence<'gc> for Xpcall<'gc> {
    fn poll(
        &mut self,
        _: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        if self.handling {
            // The handler's first result is the error value.
            let result = stack.get(0);
            stack.clear();
            stack.push_back(Value::Boolean(false));
            stack.push_back(result);
        } else {
            stack.push_front(Value::Boolean(true));
        }
        Ok(SequencePoll::Return)
    }

    fn error(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        error: Error<'gc>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        stack.clear();
        if self.handling {
            // The handler itself failed: report its error, as Lua does.
            stack.push_back(Value::Boolean(false));
            stack.push_back(error.to_value(ctx));
            return Ok(SequencePoll::Return);
        }
        self.handling = true;
        stack.push_back(error.to_value(ctx));
        match self.handler {
            Value::Function(handler) => {
                Ok(SequencePoll::Call { function: handler, is_tail: false })
            }
            _ => {
                stack.clear();
                stack.push_back(Value::Boolean(false));
                stack.push_back(error.to_value(ctx));
                Ok(SequencePoll::Return)
            }
        }
    }
}

/// Lua's name for a value's type (without `__name`; see `args::type_name`).
pub fn type_name(value: Value<'_>) -> &'static str {
    value.type_name()
}

/// Converts a value as Lua 5.4's `tostring` does (without `__tostring`).
pub fn to_lua_string<'gc>(_ctx: Context<'gc>, value: Value<'gc>) -> Vec<u8> {
    let address = |kind: &str, ptr: *const ()| format!("{kind}: {ptr:p}").into_bytes();
    match value {
        Value::Nil => b"nil".to_vec(),
        Value::Boolean(b) => {
            if b {
                b"true".to_vec()
            } else {
                b"false".to_vec()
            }
        }
        Value::Integer(i) => i.to_string().into_bytes(),
        Value::Number(n) => number_to_lua_string(n).into_bytes(),
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Table(t) => address("table", gc_arena::Gc::as_ptr(t.into_inner()).cast()),
        Value::Function(Function::Closure(c)) => {
            address("function", gc_arena::Gc::as_ptr(c.into_inner()).cast())
        }
        Value::Function(Function::Callback(c)) => {
            address("function", gc_arena::Gc::as_ptr(c.into_inner()).cast())
        }
        Value::Thread(t) => address("thread", gc_arena::Gc::as_ptr(t.into_inner()).cast()),
        Value::UserData(u) => address("userdata", gc_arena::Gc::as_ptr(u.into_inner()).cast()),
    }
}

/// The text of an error that escaped to the host, as Lua's standalone
/// interpreter shows it: a string or a number as it is, any other value as
/// `(error object is a T value)`. (A `__tostring` metamethod, which the
/// interpreter calls first, needs the VM: the runtime runs it before
/// falling back to this.)
pub fn error_text<'gc>(ctx: Context<'gc>, error: &Error<'gc>) -> String {
    match error {
        Error::Lua(value) => match value.0 {
            Value::String(_) | Value::Integer(_) | Value::Number(_) => {
                String::from_utf8_lossy(&to_lua_string(ctx, value.0)).into_owned()
            }
            other => format!("(error object is a {} value)", other.type_name()),
        },
        Error::Runtime(error) => error.to_string(),
    }
}

/* ---------- the memory budget in library functions ---------- */

/// Whether a result of `bytes` bytes that a library function is about to
/// build fits in the memory budget (`runtime::room_for`): `Ok(true)`, build
/// it; `Ok(false)`, the VM stops for a collection and the function must
/// return [`call_again`] (or pause, for a step loop) without having
/// changed anything; `Err`, the limit is exceeded.
#[inline]
pub(super) fn room<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    bytes: usize,
) -> Result<bool, Failure> {
    match runtime::room_for(ctx, exec, bytes) {
        Room::Fits => Ok(true),
        Room::AfterCollection => Ok(false),
        Room::Exceeded => Err(memory_failure()),
    }
}

/// [`room`] for a step loop ([`super::args::Step`]), which pauses
/// (`SequencePoll::Pending`) on `Ok(false)` and asks again when resumed:
/// `again` remembers that it was refused once, so that a result that still
/// does not fit after the collection is an error.
pub(super) fn room_in_step<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    bytes: usize,
    again: &mut bool,
) -> Result<bool, Failure> {
    let answer = if std::mem::take(again) {
        runtime::retrying(|| runtime::room_for(ctx, exec, bytes))
    } else {
        runtime::room_for(ctx, exec, bytes)
    };
    match answer {
        Room::Fits => Ok(true),
        Room::AfterCollection => {
            *again = true;
            Ok(false)
        }
        Room::Exceeded => Err(memory_failure()),
    }
}

/// The error of a library call whose result would pass the memory budget:
/// the runtime's own message, without a position (as Lua's "not enough
/// memory").
pub(super) fn memory_failure() -> Failure {
    Failure::plain(runtime::memory_error())
}

/// What a library function returns when [`room`] asked for a collection:
/// a call of `body` with the same arguments (the stack must be as the
/// function received it), made once the runtime has collected; a result
/// that still does not fit is then an error.
pub(super) fn call_again<'gc>(ctx: Context<'gc>, body: Body) -> CallResult<'gc> {
    let again = Callback::from_fn(&ctx, move |ctx, mut exec, stack| {
        runtime::retrying(|| body(ctx, &mut exec, stack)).map_err(|f| f.raise(ctx, &exec))
    });
    Ok(CallbackReturn::Call { function: again.into(), then: None })
}

#[cfg(test)]
mod tests {
    use super::parse_in_base;

    #[test]
    fn bases() {
        assert_eq!(parse_in_base(b"ff", 16), Some(255));
        assert_eq!(parse_in_base(b"  -101 ", 2), Some(-5));
        assert_eq!(parse_in_base(b"zz", 36), Some(1295));
        assert_eq!(parse_in_base(b"8", 8), None);
        assert_eq!(parse_in_base(b"", 10), None);
        assert_eq!(parse_in_base(b"-", 10), None);
        assert_eq!(parse_in_base(b"1 2", 10), None);
    }
}
