//! Lua fallbacks of the `table` functions for tables whose metatable has
//! `__index`, `__newindex` or `__len`, and the helpers they call.

use gc_arena::Collect;
use piccolo::{
    Callback, CallbackReturn, Closure, Context, Execution, Function, Singleton, Stack, Table, Value,
};

use super::{concat, sort_n, unpack, unpack_count};
use crate::lua::stdlib::args::{Args, Body, CallResult, Failure, library, to_integer};

/// Lua versions of the functions for tables whose metatable has `__index`,
/// `__newindex` or `__len`: the VM then applies the metamethods. Rust has
/// checked the arguments; each chunk gets the caller's position first (for
/// its errors). Their environment holds only the helpers in [`Fallbacks::env`].
const FALLBACK_INSERT: &str = r#"
local where, t, pos, v, append = ...
local e = length(where, #t) + 1
if append then
  pos = e
elseif pos < 1 or pos > e then
  fail(where, "bad argument #2 to 'insert' (position out of bounds)")
end
for i = e, pos + 1, -1 do
  t[i] = t[i - 1]
end
t[pos] = v
"#;

const FALLBACK_REMOVE: &str = r#"
local where, t, pos, given = ...
local size = length(where, #t)
if not given then
  pos = size
elseif pos ~= size and (pos < 1 or pos > size + 1) then
  fail(where, "bad argument #1 to 'remove' (position out of bounds)")
end
local result = t[pos]
while pos < size do
  t[pos] = t[pos + 1]
  pos = pos + 1
end
t[pos] = nil
return result
"#;

const FALLBACK_CONCAT: &str = r#"
local where, t, sep, i, j = ...
if j == nil then
  j = length(where, #t)
end
local parts = {}
for k = i, j do
  parts[k - i + 1] = part(where, t[k], k)
end
return rawconcat(parts, sep)
"#;

const FALLBACK_UNPACK: &str = r#"
local where, t, i, j = ...
if j == nil then
  j = length(where, #t)
end
local n = count(where, i, j)
local values = {}
for k = 1, n do
  values[k] = t[i + k - 1]
end
return rawunpack(values, 1, n)
"#;

const FALLBACK_MOVE: &str = r#"
local a1, f, t, a2, n, forward = ...
if forward then
  for i = 0, n - 1 do
    a2[t + i] = a1[f + i]
  end
else
  for i = n - 1, 0, -1 do
    a2[t + i] = a1[f + i]
  end
end
return a2
"#;

const FALLBACK_SORT: &str = r#"
local where, t, comp = ...
local n = length(where, #t)
local items = {}
local before = {}
for i = 1, n do
  local v = t[i]
  items[i] = v
  before[i] = v
end
sortn(where, items, n, comp)
for i = 1, n do
  if not same(items[i], before[i]) then
    t[i] = items[i]
  end
end
"#;

/// The compiled fallbacks, created on first use in each Lua state.
#[derive(Collect)]
#[collect(no_drop)]
pub(super) struct Fallbacks<'gc> {
    pub(super) insert: Function<'gc>,
    pub(super) remove: Function<'gc>,
    pub(super) concat: Function<'gc>,
    pub(super) unpack: Function<'gc>,
    pub(super) moves: Function<'gc>,
    pub(super) sort: Function<'gc>,
}

impl<'gc> Singleton<'gc> for Fallbacks<'gc> {
    fn create(ctx: Context<'gc>) -> Self {
        let env = Fallbacks::env(ctx);
        let load = |name: &str, source: &str| match compile(ctx, env, name, source) {
            Ok(function) => function,
            Err(message) => broken(ctx, message),
        };
        Fallbacks {
            insert: load("insert", FALLBACK_INSERT),
            remove: load("remove", FALLBACK_REMOVE),
            concat: load("concat", FALLBACK_CONCAT),
            unpack: load("unpack", FALLBACK_UNPACK),
            moves: load("move", FALLBACK_MOVE),
            sort: load("sort", FALLBACK_SORT),
        }
    }
}

impl<'gc> Fallbacks<'gc> {
    /// The fallbacks' private globals: helpers that check values as the
    /// Rust functions do and raise errors at the given position.
    fn env(ctx: Context<'gc>) -> Table<'gc> {
        let env = Table::new(&ctx);
        let helpers: [(&str, Body); 5] = [
            ("fail", fail),
            ("length", length),
            ("part", part),
            ("count", count),
            ("sortn", sort_n),
        ];
        for (name, body) in helpers {
            let _ = env.set(ctx, name, positioned(ctx, body));
        }
        let _ = env.set(ctx, "rawconcat", library(ctx, concat));
        let _ = env.set(ctx, "rawunpack", library(ctx, unpack));
        let same = Callback::from_fn(&ctx, |ctx, _, mut stack| {
            let same = identical(stack.get(0), stack.get(1));
            stack.replace(ctx, same);
            Ok(CallbackReturn::Return)
        });
        let _ = env.set(ctx, "same", same);
        env
    }
}

/// Whether two values are the same value of the same subtype (`1` is
/// not `1.0` here: the sort fallback must write back a changed subtype).
fn identical<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Boolean(x), Value::Boolean(y)) => x == y,
        (Value::Integer(x), Value::Integer(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Table(x), Value::Table(y)) => x == y,
        (Value::Function(x), Value::Function(y)) => x == y,
        (Value::Thread(x), Value::Thread(y)) => x == y,
        (Value::UserData(x), Value::UserData(y)) => x == y,
        _ => false,
    }
}

/// Compiles one fallback chunk with `env` as its globals.
fn compile<'gc>(
    ctx: Context<'gc>,
    env: Table<'gc>,
    name: &str,
    source: &str,
) -> Result<Function<'gc>, String> {
    let chunk = format!("=table.{name}");
    Closure::load_with_env(ctx, Some(&chunk), source.as_bytes(), env)
        .map(Function::Closure)
        .map_err(|error| format!("table.{name}: internal fallback does not compile: {error}"))
}

/// A function that raises `message` (should a fallback fail to compile).
fn broken(ctx: Context<'_>, message: String) -> Function<'_> {
    let message = ctx.intern(message.as_bytes());
    Function::Callback(Callback::from_fn_with(&ctx, message, |message, _, _, _| {
        Err(Value::String(*message).into())
    }))
}

/// A fallback helper: its first argument is the position its errors get.
fn positioned(ctx: Context<'_>, body: Body) -> Callback<'_> {
    Callback::from_fn(&ctx, move |ctx, mut exec, mut stack| {
        let place = stack.pop_front();
        body(ctx, &mut exec, stack).map_err(|failure| failure.raise_at(ctx, place))
    })
}

/// `fail(where, message)`: raises `where .. message`.
fn fail<'gc>(
    _: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    match stack.get(0) {
        Value::String(message) => Err(Failure::new(message.to_str_lossy().into_owned())),
        _ => Err(Failure::new("table fallback failed")),
    }
}

/// `length(where, n)`: the result of `#t` as an integer (`luaL_len`).
fn length<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let n =
        to_integer(stack.get(0)).ok_or_else(|| Failure::new("object length is not an integer"))?;
    stack.replace(ctx, n);
    Ok(CallbackReturn::Return)
}

/// `part(where, v, k)`: `v` if `concat` accepts it, else Lua's error for index `k`.
fn part<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let value = stack.get(0);
    if let Value::String(_) | Value::Integer(_) | Value::Number(_) = value {
        stack.replace(ctx, value);
        return Ok(CallbackReturn::Return);
    }
    let index = Args::new(ctx, &stack[..], "concat").integer(1)?;
    let kind = value.type_name();
    Err(Failure::new(format!("invalid value ({kind}) at index {index} in table for 'concat'")))
}

/// `count(where, i, j)`: how many values `unpack` returns for `i..=j`.
fn count<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "unpack");
    let (first, last) = (args.integer(0)?, args.integer(1)?);
    let count = unpack_count(first, last)?.unwrap_or(0);
    stack.replace(ctx, i64::try_from(count).unwrap_or(0));
    Ok(CallbackReturn::Return)
}

#[cfg(test)]
mod tests {
    //! The fallbacks' compilation.
    use super::*;

    #[test]
    fn fallbacks_compile() {
        let mut lua = piccolo::Lua::core();
        lua.enter(|ctx| {
            let env = Fallbacks::env(ctx);
            for (name, source) in [
                ("insert", FALLBACK_INSERT),
                ("remove", FALLBACK_REMOVE),
                ("concat", FALLBACK_CONCAT),
                ("unpack", FALLBACK_UNPACK),
                ("move", FALLBACK_MOVE),
                ("sort", FALLBACK_SORT),
            ] {
                if let Err(message) = compile(ctx, env, name, source) {
                    panic!("{message}");
                }
            }
        });
    }
}
