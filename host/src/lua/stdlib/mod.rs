//! The library scripts see: piccolo's core library with the host's fixes
//! and additions, registered per table in `load_*` functions.

mod args;
pub mod base;
mod builtins;
pub mod chunks;
mod compare;
mod coroutine;
mod io;
mod math;
mod os;
mod string;
mod table;
mod utf8;

use gc_arena::Collect;
use piccolo::meta_ops::{self, MetaResult};
use piccolo::{
    BoxSequence, Callback, CallbackReturn, Context, Error, Execution, Function, Sequence,
    SequencePoll, Stack, Value,
};

use args::metafield;
pub use base::error_text;

use super::format::{self, Number};
use super::runtime::Output;
use super::sandbox::Sandbox;

/// Loads everything into the globals of `ctx`.
pub fn load(ctx: Context<'_>, sandbox: &Sandbox, output: Output) {
    // A script run as `lua` would (`planhost run`) warns on standard error;
    // a served plan, in the server log.
    let warnings = if sandbox.allow_exit() { base::Warnings::Stderr } else { base::Warnings::Log };
    base::load_base(ctx, output.clone(), warnings);
    builtins::load_builtins(ctx);
    math::load_math(ctx);
    coroutine::load_coroutine(ctx);
    string::load_string(ctx);
    table::load_table(ctx);
    utf8::load_utf8(ctx);
    os::load_os(ctx, sandbox);
    io::load_io(ctx, sandbox, output);
}

/// `(method)(object, name, args...)`: calls `object:name(args...)`. Strings
/// find their methods in the `string` table, as if they had Lua's string
/// metatable; anything else is indexed as Lua would, `__index` included.
pub fn method_helper(ctx: Context<'_>) -> Callback<'_> {
    let string_table = ctx.get_global("string");
    Callback::from_fn_with(&ctx, string_table, |string_table, ctx, exec, mut stack| {
        let object = stack.pop_front();
        let name = stack.pop_front();
        stack.push_front(object);
        let method = match (object, string_table) {
            (Value::String(_), Value::Table(strings)) => strings.get(ctx, name),
            _ => match meta_ops::index(ctx, object, name) {
                Ok(MetaResult::Value(value)) => value,
                Ok(MetaResult::Call(call)) => {
                    // `__index` is a function: call it, then the method it returns.
                    let args: Vec<Value> = stack.drain(..).collect();
                    stack.extend(call.args);
                    let then = BoxSequence::new(&ctx, CallIndexResult { args, name });
                    return Ok(CallbackReturn::Call { function: call.function, then: Some(then) });
                }
                Err(_) => {
                    let kind = object.type_name();
                    let message = format!("attempt to index a {kind} value (method '{name}')");
                    return Err(located(ctx, &exec, message));
                }
            },
        };
        let function = callable(ctx, &exec, method, name)?;
        match (object, function) {
            // A library function (a host callback) on a string runs right
            // here, as if it were this call, so its argument errors can be
            // numbered as Lua numbers them for methods.
            (Value::String(_), Function::Callback(callback)) => callback
                .call(ctx, exec, stack)
                .map_err(|error| method_argument_error(ctx, error, name)),
            _ => Ok(CallbackReturn::Call { function, then: None }),
        }
    })
}

/// `(global)(value, name, args...)`: calls `value`, the global `name`, with
/// `args`, as `name(args...)` does; or fails naming it, at the caller's
/// line, with the function nearest its name: `console:1: attempt to call
/// a nil value (global 'shwo'); did you mean 'show'?` (the console's
/// chunks call globals through it).
pub fn global_call_helper(ctx: Context<'_>) -> Callback<'_> {
    Callback::from_fn(&ctx, |ctx, exec, mut stack| {
        let value = stack.pop_front();
        let name = stack.pop_front();
        match meta_ops::call(ctx, value) {
            Ok(function) => Ok(CallbackReturn::Call { function, then: None }),
            Err(_) => {
                let kind = value.type_name();
                let mut message = format!("attempt to call a {kind} value (global '{name}')");
                if let Value::String(name) = name
                    && let Some(near) = super::diagnose::nearest_function(ctx, &name.to_str_lossy())
                {
                    message += &format!("; did you mean '{near}'?");
                }
                Err(located(ctx, &exec, message))
            }
        }
    })
}

/// Lua's numbering of argument errors for a library function called as a
/// method (`("x"):rep()`): `self` does not count, so `bad argument #2 to
/// 'rep'` becomes `#1`, and an error in `self` reads `calling 'char' on bad
/// self (...)`.
fn method_argument_error<'gc>(
    ctx: Context<'gc>,
    error: Error<'gc>,
    name: Value<'gc>,
) -> Error<'gc> {
    let (Error::Lua(piccolo::error::LuaError(Value::String(message))), Value::String(name)) =
        (&error, name)
    else {
        return error;
    };
    match renumber_method_argument(message.as_bytes(), name.as_bytes()) {
        Some(text) => Value::String(ctx.intern(&text)).into(),
        None => error,
    }
}

/// `prefix bad argument #N to 'name' (why)` with `self` not counted, or
/// `None` if `message` is not an argument error of `name`.
fn renumber_method_argument(message: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    const BAD: &[u8] = b"bad argument #";
    let at = memchr::memmem::find(message, BAD)?;
    let after = &message[at + BAD.len()..];
    let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
    let number: u64 = std::str::from_utf8(&after[..digits]).ok()?.parse().ok()?;
    let why = after[digits..].strip_prefix(b" to '")?.strip_prefix(name)?.strip_prefix(b"' ")?;
    let mut text = message[..at].to_vec();
    if number <= 1 {
        text.extend_from_slice(b"calling '");
        text.extend_from_slice(name);
        text.extend_from_slice(b"' on bad self ");
    } else {
        text.extend_from_slice(BAD);
        text.extend_from_slice((number - 1).to_string().as_bytes());
        text.extend_from_slice(b" to '");
        text.extend_from_slice(name);
        text.extend_from_slice(b"' ");
    }
    text.extend_from_slice(why);
    Some(text)
}

/// `(index)(object, key, description)`: Lua's `object.key` for the names
/// of the string library's functions (the front end rewrites `s.len` and
/// `("x").rep` into this). Strings read the `string` table, as if they had
/// Lua's string metatable; anything else is indexed as Lua would, `__index`
/// included. `description` (`local 's'`) names the object in the error
/// for a value that cannot be indexed.
pub fn index_helper(ctx: Context<'_>) -> Callback<'_> {
    let string_table = ctx.get_global("string");
    Callback::from_fn_with(&ctx, string_table, |string_table, ctx, exec, mut stack| {
        let (object, key, description) = (stack.get(0), stack.get(1), stack.get(2));
        let value = match (object, string_table) {
            (Value::String(_), Value::Table(strings)) => strings.get(ctx, key),
            _ => match meta_ops::index(ctx, object, key) {
                Ok(MetaResult::Value(value)) => value,
                Ok(MetaResult::Call(call)) => {
                    stack.clear();
                    stack.extend(call.args);
                    let then = BoxSequence::new(&ctx, FirstResult);
                    return Ok(CallbackReturn::Call { function: call.function, then: Some(then) });
                }
                Err(_) => {
                    let kind = object.type_name();
                    let message = match description {
                        Value::String(what) => {
                            format!("attempt to index a {kind} value ({})", what.to_str_lossy())
                        }
                        _ => format!("attempt to index a {kind} value"),
                    };
                    return Err(located(ctx, &exec, message));
                }
            },
        };
        stack.clear();
        stack.push_back(value);
        Ok(CallbackReturn::Return)
    })
}

/// Keeps the first result of a call (an `__index` function's).
#[derive(Collect)]
#[collect(require_static)]
struct FirstResult;

impl<'gc> Sequence<'gc> for FirstResult {
    fn poll(
        &mut self,
        _: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        stack.resize(1);
        Ok(SequencePoll::Return)
    }
}

/// `(forlimit)(a, b, c)`: the limit of `for v = a, b, c` as Lua 5.4's
/// `forprep` takes it. With `a` and `c` integers the loop counts in
/// integers: a float limit is rounded towards the start (floor counting
/// up, ceil counting down) and kept within the integers, and a limit the
/// loop cannot reach ends it before its first pass (see
/// [`integer_limit`]). A zero step is an error. Otherwise the limit goes as
/// it is (a float loop, as piccolo runs it).
pub fn forlimit_helper(ctx: Context<'_>) -> Callback<'_> {
    Callback::from_fn(&ctx, |ctx, exec, mut stack| {
        let (initial, limit, step) = (stack.get(0), stack.get(1), stack.get(2));
        let (Value::Integer(_), Value::Integer(step)) = (initial, step) else {
            if matches!(step, Value::Integer(0)) {
                return Err(located(ctx, &exec, "'for' step is zero".into()));
            }
            stack.replace(ctx, limit);
            return Ok(CallbackReturn::Return);
        };
        if step == 0 {
            return Err(located(ctx, &exec, "'for' step is zero".into()));
        }
        let limit = match args::to_number(limit) {
            Some(Number::Integer(limit)) => Value::Integer(limit),
            Some(Number::Float(limit)) => integer_limit(limit, step),
            None => {
                let kind = limit.type_name();
                let message = format!("bad 'for' limit (number expected, got {kind})");
                return Err(located(ctx, &exec, message));
            }
        };
        stack.replace(ctx, limit);
        Ok(CallbackReturn::Return)
    })
}

/// A float limit as Lua 5.4's `forlimit` takes it for an integer loop by
/// `step`: rounded towards the start and kept within the integers; past
/// the end the loop counts towards (NaN counts as below the integers), an
/// infinity the loop is already past, which ends it before its first pass
/// whatever its start (an integer limit cannot, at either end of the
/// integers).
fn integer_limit<'gc>(limit: f64, step: i64) -> Value<'gc> {
    // 2^63: the first float past the integers.
    const END: f64 = 9_223_372_036_854_775_808.0;
    let up = step > 0;
    let never = Value::Number(if up { f64::NEG_INFINITY } else { f64::INFINITY });
    let rounded = if up { limit.floor() } else { limit.ceil() };
    if rounded >= END {
        if up { Value::Integer(i64::MAX) } else { never }
    } else if rounded >= -END {
        Value::Integer(rounded as i64)
    } else if up {
        // Below the integers, or NaN.
        never
    } else {
        Value::Integer(i64::MIN)
    }
}

/// `(shift)(a, n, right)`: Lua's `a << n` (`a >> n` when `right`). Both
/// operands must be integers or floats with an integer value (not strings,
/// as in Lua 5.4); a count past 63 either way gives 0, a negative count
/// shifts the other way, and a right shift brings in zeros.
pub fn shift_helper(ctx: Context<'_>) -> Callback<'_> {
    Callback::from_fn(&ctx, |ctx, exec, mut stack| {
        let (a, n, right) = (stack.get(0), stack.get(1), stack.get(2).to_bool());
        // A value that is no number is named first, as Lua does.
        let number = |value: Value<'_>| matches!(value, Value::Integer(_) | Value::Number(_));
        if let Some(culprit) = [a, n].into_iter().find(|value| !number(*value)) {
            let kind = culprit.type_name();
            let message = format!("attempt to perform bitwise operation on a {kind} value");
            return Err(located(ctx, &exec, message));
        }
        let integer = |value: Value<'_>| match value {
            Value::Integer(i) => Some(i),
            Value::Number(x) => format::float_to_integer(x),
            _ => None,
        };
        let (Some(x), Some(count)) = (integer(a), integer(n)) else {
            return Err(located(ctx, &exec, "number has no integer representation".into()));
        };
        let left = if right { 0i64.wrapping_sub(count) } else { count };
        let bits = x as u64;
        let shifted = match left {
            64.. | ..=-64 => 0,
            0.. => bits << left,
            _ => bits >> left.unsigned_abs(),
        };
        stack.replace(ctx, Value::Integer(shifted as i64));
        Ok(CallbackReturn::Return)
    })
}

/// `(mod)(a, b)`: Lua's `a % b`, the remainder of the floor division,
/// with the sign of `b`. Integers: no overflow (`math.mininteger % -1` is
/// 0); any float makes it `fmod` moved into `b`'s sign, so an infinite
/// divisor leaves a finite `a` as it is, or gives the divisor when their
/// signs differ.
pub fn mod_helper(ctx: Context<'_>) -> Callback<'_> {
    arithmetic_helper(
        ctx,
        "attempt to perform 'n%0'",
        |x, y| {
            let remainder = x.wrapping_rem(y);
            let moved = remainder != 0 && (remainder < 0) != (y < 0);
            if moved { remainder.wrapping_add(y) } else { remainder }
        },
        |x, y| {
            let remainder = x % y;
            let moved = remainder != 0.0 && (remainder < 0.0) != (y < 0.0);
            if moved { remainder + y } else { remainder }
        },
    )
}

/// `(idiv)(a, b)`: Lua's floor division `a // b`. Integers round toward
/// minus infinity (0.3.3 rounds toward zero); any float makes it
/// `floor(a / b)`.
pub fn idiv_helper(ctx: Context<'_>) -> Callback<'_> {
    arithmetic_helper(
        ctx,
        "attempt to divide by zero",
        |x, y| {
            let quotient = x.wrapping_div(y);
            let adjust = (x.wrapping_rem(y) != 0) && ((x < 0) != (y < 0));
            if adjust { quotient - 1 } else { quotient }
        },
        |x, y| (x / y).floor(),
    )
}

/// A helper for an operator piccolo 0.3.3 computes wrongly: `integers`
/// for two integers (a zero divisor is Lua's error `on_zero`), `floats`
/// once either is a float; numeric strings convert as in arithmetic.
fn arithmetic_helper<'gc>(
    ctx: Context<'gc>,
    on_zero: &'static str,
    integers: fn(i64, i64) -> i64,
    floats: fn(f64, f64) -> f64,
) -> Callback<'gc> {
    Callback::from_fn(&ctx, move |ctx, exec, mut stack| {
        let (a, b) = (stack.get(0), stack.get(1));
        let result = match (args::to_number(a), args::to_number(b)) {
            (Some(Number::Integer(_)), Some(Number::Integer(0))) => {
                return Err(located(ctx, &exec, on_zero.into()));
            }
            (Some(Number::Integer(x)), Some(Number::Integer(y))) => Value::Integer(integers(x, y)),
            (Some(x), Some(y)) => Value::Number(floats(as_float(x), as_float(y))),
            _ => {
                let culprit = if args::to_number(a).is_none() { a } else { b };
                let kind = culprit.type_name();
                let message = format!("attempt to perform arithmetic on a {kind} value");
                return Err(located(ctx, &exec, message));
            }
        };
        stack.replace(ctx, result);
        Ok(CallbackReturn::Return)
    })
}

fn as_float(number: Number) -> f64 {
    match number {
        Number::Integer(i) => i as f64,
        Number::Float(f) => f,
    }
}

/// `(first)(...)`: only the first value, as parentheses give in Lua.
pub fn first_helper(ctx: Context<'_>) -> Callback<'_> {
    Callback::from_fn(&ctx, |_, _, mut stack| {
        let first = stack.get(0);
        stack.clear();
        stack.push_back(first);
        Ok(CallbackReturn::Return)
    })
}

/// `(concat)(a, b, ...)`: Lua's `a .. b .. ...`, numbers formatted as Lua
/// 5.4 does; `__concat` metamethods apply pairwise from the right.
pub fn concat_helper(ctx: Context<'_>) -> Callback<'_> {
    Callback::from_fn(&ctx, |ctx, mut exec, mut stack| {
        if plain_size(&stack[..]).is_some() {
            return concat_plain(ctx, &mut exec, stack).map_err(|f| f.raise(ctx, &exec));
        }
        let values: Vec<Value> = stack.drain(..).collect();
        // Report a plain error here, where the calling Lua frame is known.
        if let Some(culprit) = values
            .iter()
            .find(|v| plain_size(&[**v]).is_none() && concat_handler(ctx, **v).is_none())
        {
            let kind = culprit.type_name();
            return Err(located(ctx, &exec, format!("attempt to concatenate a {kind} value")));
        }
        let sequence = ConcatFold { values, accumulator: Value::Nil, started: false };
        Ok(CallbackReturn::Sequence(BoxSequence::new(&ctx, sequence)))
    })
}

/// Bytes a number takes at most as text (`-9223372036854775808`,
/// `-1.7976931348623e+308`).
const NUMBER_TEXT: usize = 24;

/// At most how many bytes the concatenation of `values` takes, if they are
/// all strings and numbers.
fn plain_size(values: &[Value<'_>]) -> Option<usize> {
    values.iter().try_fold(0usize, |size, value| match value {
        Value::String(s) => Some(size.saturating_add(s.as_bytes().len())),
        Value::Integer(_) | Value::Number(_) => Some(size.saturating_add(NUMBER_TEXT)),
        _ => None,
    })
}

/// A concatenation of strings and numbers only (the common case): its size
/// is known before it is built, so a large one is checked against the
/// memory budget first and built in one buffer of its size that becomes the
/// string; small ones are interned.
fn concat_plain<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> args::CallResult<'gc> {
    let size = plain_size(&stack[..]).unwrap_or(0);
    if !base::room(ctx, exec, size)? {
        return base::call_again(ctx, concat_plain);
    }
    let mut bytes = Vec::with_capacity(size);
    for value in stack[..].iter() {
        append_plain(&mut bytes, *value);
    }
    exec.fuel().consume((bytes.len() / 64).min(1 << 20) as i32);
    let text = if bytes.len() <= super::runtime::UNCHECKED_RESULT {
        ctx.intern(&bytes)
    } else {
        piccolo::String::from_buffer(&ctx, bytes.into_boxed_slice())
    };
    stack.replace(ctx, text);
    Ok(CallbackReturn::Return)
}

/// Appends a string or number as `..` writes it; None for other values.
fn append_plain(bytes: &mut Vec<u8>, value: Value<'_>) -> Option<()> {
    match value {
        Value::String(s) => bytes.extend_from_slice(s.as_bytes()),
        Value::Integer(i) => bytes.extend_from_slice(itoa::Buffer::new().format(i).as_bytes()),
        Value::Number(n) => bytes.extend_from_slice(format::number_to_lua_string(n).as_bytes()),
        _ => return None,
    }
    Some(())
}

/// A value's `__concat` metamethod, as a callable function.
fn concat_handler<'gc>(ctx: Context<'gc>, value: Value<'gc>) -> Option<Function<'gc>> {
    match metafield(ctx, value, "__concat") {
        Value::Nil => None,
        handler => meta_ops::call(ctx, handler).ok(),
    }
}

/// A concatenation involving other values: fold from the right, calling
/// `__concat` where an operand is not a string or number.
#[derive(Collect)]
#[collect(no_drop)]
struct ConcatFold<'gc> {
    values: Vec<Value<'gc>>,
    accumulator: Value<'gc>,
    started: bool,
}

impl<'gc> Sequence<'gc> for ConcatFold<'gc> {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        exec: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        if self.started {
            // Back from a `__concat` call.
            self.accumulator = stack.get(0);
        } else {
            self.started = true;
            self.accumulator = self.values.pop().unwrap_or(Value::Nil);
        }
        stack.clear();
        while let Some(left) = self.values.pop() {
            let right = self.accumulator;
            let mut bytes = Vec::new();
            if append_plain(&mut bytes, left).is_some() && append_plain(&mut bytes, right).is_some()
            {
                self.accumulator = Value::String(ctx.intern(&bytes));
                continue;
            }
            let handler = [left, right].into_iter().find_map(|v| concat_handler(ctx, v));
            let Some(handler) = handler else {
                let culprit =
                    if append_plain(&mut Vec::new(), left).is_none() { left } else { right };
                let kind = culprit.type_name();
                return Err(located(ctx, &exec, format!("attempt to concatenate a {kind} value")));
            };
            stack.push_back(left);
            stack.push_back(right);
            return Ok(SequencePoll::Call { function: handler, is_tail: false });
        }
        stack.push_back(self.accumulator);
        Ok(SequencePoll::Return)
    }
}

/// `(close)(value, name, body, ...)`: runs `body(...)`, then `value`'s
/// `__close(value, error)` however `body` ends, then returns `body`'s
/// results or raises its error (see `lua/close.rs`).
pub fn close_helper(ctx: Context<'_>) -> Callback<'_> {
    Callback::from_fn(&ctx, |ctx, exec, mut stack| {
        let value = stack.pop_front();
        let name = stack.pop_front();
        let Value::Function(body) = stack.pop_front() else {
            return Err(located(ctx, &exec, "internal error: (close) without a body".into()));
        };
        if matches!(value, Value::Nil | Value::Boolean(false)) {
            return Ok(CallbackReturn::Call { function: body, then: None });
        }
        let Ok(closer) = meta_ops::call(ctx, metafield(ctx, value, "__close")) else {
            let name = name.to_string();
            return Err(located(ctx, &exec, format!("variable '{name}' got a non-closable value")));
        };
        let scope = CloseScope { value, closer, results: Vec::new(), error: None, closing: false };
        Ok(CallbackReturn::Call { function: body, then: Some(BoxSequence::new(&ctx, scope)) })
    })
}

/// The rest of a `<close>` scope has run (or failed): close the value.
#[derive(Collect)]
#[collect(no_drop)]
struct CloseScope<'gc> {
    value: Value<'gc>,
    closer: Function<'gc>,
    results: Vec<Value<'gc>>,
    error: Option<Value<'gc>>,
    closing: bool,
}

impl<'gc> CloseScope<'gc> {
    fn close(&mut self, stack: &mut Stack<'gc, '_>, error: Value<'gc>) -> SequencePoll<'gc> {
        self.closing = true;
        stack.clear();
        stack.push_back(self.value);
        stack.push_back(error);
        SequencePoll::Call { function: self.closer, is_tail: false }
    }
}

impl<'gc> Sequence<'gc> for CloseScope<'gc> {
    fn poll(
        &mut self,
        _: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        if !self.closing {
            self.results = stack.drain(..).collect();
            return Ok(self.close(&mut stack, Value::Nil));
        }
        if let Some(error) = self.error.take() {
            return Err(error.into());
        }
        stack.clear();
        stack.extend(self.results.drain(..));
        Ok(SequencePoll::Return)
    }

    fn error(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        error: Error<'gc>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        if self.closing {
            // `__close` itself failed: its error wins, as in Lua.
            return Err(error);
        }
        let value = error.to_value(ctx);
        self.error = Some(value);
        Ok(self.close(&mut stack, value))
    }
}

/// After an `__index` function produced the method: call it.
#[derive(Collect)]
#[collect(no_drop)]
struct CallIndexResult<'gc> {
    args: Vec<Value<'gc>>,
    name: Value<'gc>,
}

impl<'gc> Sequence<'gc> for CallIndexResult<'gc> {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        exec: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        let function = callable(ctx, &exec, stack.get(0), self.name)?;
        stack.clear();
        stack.extend(self.args.drain(..));
        Ok(SequencePoll::Call { function, is_tail: true })
    }
}

fn callable<'gc>(
    ctx: Context<'gc>,
    exec: &Execution<'gc, '_>,
    method: Value<'gc>,
    name: Value<'gc>,
) -> Result<Function<'gc>, Error<'gc>> {
    match method {
        Value::Function(function) => Ok(function),
        // Tables and userdata may be callable through `__call`.
        Value::Table(_) | Value::UserData(_) if meta_ops::call(ctx, method).is_ok() => {
            Ok(meta_ops::call(ctx, method)?)
        }
        other => {
            let kind = other.type_name();
            Err(located(ctx, exec, format!("attempt to call a {kind} value (method '{name}')")))
        }
    }
}

/// An error value `chunk:line: message`, located at the calling Lua code.
pub fn located<'gc>(ctx: Context<'gc>, exec: &Execution<'gc, '_>, message: String) -> Error<'gc> {
    let text = caller_position(exec) + &message;
    Value::String(ctx.intern(text.as_bytes())).into()
}

/// The `chunk:line: ` prefix of the calling Lua code (empty without one).
fn caller_position(exec: &Execution<'_, '_>) -> String {
    match exec.upper_lua_frame() {
        Some(frame) => format!("{}:{}: ", frame.chunk_name.to_str_lossy(), frame.current_line),
        None => String::new(),
    }
}
