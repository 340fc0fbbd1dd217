//! What the library functions written in Rust share: the [`Failure`] they
//! return, the [`Args`] checker (Lua's `luaL_check*`), type names and
//! metafields, fuel charges, Lua strings from bytes, their registration as
//! callbacks, and [`Step`] loops that resume after calls into Lua.

use gc_arena::Collect;
use piccolo::{
    BoxSequence, Callback, CallbackReturn, Context, Error, Execution, Sequence, SequencePoll,
    Stack, String as LuaString, Table, Value,
};

use super::{caller_position, located};
use crate::lua::format::{self, Number, number_to_lua_string};

/// Longest string a library function builds (Lua's `MAXSIZE`, `INT_MAX` bytes).
pub(super) const MAX_STRING_SIZE: usize = i32::MAX as usize;

/// Values one call may return (Lua's stack limit, `LUAI_MAXSTACK`).
pub(super) const MAX_RESULTS: usize = 1_000_000;

/// Bytes copied, read or written per unit of fuel (a unit is about one VM
/// instruction).
const BYTES_PER_FUEL: usize = 32;

/// Most fuel one charge takes: keeps the host's fuel arithmetic far from overflow.
const MAX_CHARGE: i32 = 1 << 28;

/// Strings up to this size are interned; longer ones are allocated directly.
const INTERN_LIMIT: usize = 256;

/* ---------- errors ---------- */

/// A library error before the caller's position is added: Lua's message.
pub(super) struct Failure {
    message: Vec<u8>,
    /// Whether the message gets a `chunk:line:` prefix (`luaL_error` does;
    /// errors like "attempt to compare" raised inside `table.sort` do not).
    located: bool,
}

impl Failure {
    /// An error located at the calling Lua code, as `luaL_error` raises it.
    pub(super) fn new(message: impl Into<Vec<u8>>) -> Failure {
        Failure { message: message.into(), located: true }
    }

    /// An error raised as it is, without a position.
    pub(super) fn plain(message: impl Into<Vec<u8>>) -> Failure {
        Failure { message: message.into(), located: false }
    }

    /// The error value: `chunk:line: message` as [`located`] builds it (the
    /// message alone where plain).
    pub(super) fn raise<'gc>(self, ctx: Context<'gc>, exec: &Execution<'gc, '_>) -> Error<'gc> {
        if !self.located {
            return Value::String(ctx.intern(&self.message)).into();
        }
        match String::from_utf8(self.message) {
            Ok(message) => located(ctx, exec, message),
            // A format conversion may quote any byte; keep them as Lua does.
            Err(bytes) => {
                let mut text = caller_position(exec).into_bytes();
                text.extend_from_slice(bytes.as_bytes());
                Value::String(ctx.intern(&text)).into()
            }
        }
    }

    /// The error value with `place` (a caller position passed to a Lua
    /// fallback, see `table`) as the prefix where located.
    pub(super) fn raise_at<'gc>(self, ctx: Context<'gc>, place: Value<'gc>) -> Error<'gc> {
        let mut text = match (self.located, place) {
            (true, Value::String(place)) => place.as_bytes().to_vec(),
            _ => Vec::new(),
        };
        text.extend_from_slice(&self.message);
        Value::String(ctx.intern(&text)).into()
    }

    #[cfg(test)]
    pub(super) fn message(&self) -> &[u8] {
        &self.message
    }
}

/* ---------- arguments ---------- */

/// The arguments of one call, checked as `luaL_check*` functions do.
pub(super) struct Args<'gc, 'a> {
    ctx: Context<'gc>,
    values: &'a [Value<'gc>],
    name: &'static str,
    /// Arguments not counted in messages: 1 for methods (`self`).
    shift: usize,
}

impl<'gc, 'a> Args<'gc, 'a> {
    pub(super) fn new(ctx: Context<'gc>, values: &'a [Value<'gc>], name: &'static str) -> Self {
        Args { ctx, values, name, shift: 0 }
    }

    /// Arguments of a method: messages count from the first after `self`.
    pub(super) fn method(ctx: Context<'gc>, values: &'a [Value<'gc>], name: &'static str) -> Self {
        Args { ctx, values, name, shift: 1 }
    }

    pub(super) fn get(&self, i: usize) -> Value<'gc> {
        self.values.get(i).copied().unwrap_or(Value::Nil)
    }

    pub(super) fn len(&self) -> usize {
        self.values.len()
    }

    /// `bad argument #N to 'name' (message)`; `i` is 0-based. A bad `self`
    /// is #1: Lua's number when the method is called with a dot.
    pub(super) fn bad(&self, i: usize, message: &str) -> Failure {
        let number = if i < self.shift { i + 1 } else { i + 1 - self.shift };
        Failure::new(format!("bad argument #{number} to '{}' ({message})", self.name))
    }

    /// `luaL_typeerror`: `<expected> expected, got <type>`, the type named
    /// by [`type_name`].
    pub(super) fn type_error(&self, i: usize, expected: &str) -> Failure {
        let got = self.values.get(i).map(|&value| type_name(self.ctx, value));
        self.expected(i, expected, got)
    }

    /// [`Args::type_error`] with the bare type (no `__name`), as the base
    /// library and the chunk loaders report it.
    pub(super) fn plain_type_error(&self, i: usize, expected: &str) -> Failure {
        let got = self.values.get(i).map(|value| value.type_name().to_owned());
        self.expected(i, expected, got)
    }

    fn expected(&self, i: usize, expected: &str, got: Option<String>) -> Failure {
        let got = got.as_deref().unwrap_or("no value");
        self.bad(i, &format!("{expected} expected, got {got}"))
    }

    /// `luaL_checkany`.
    pub(super) fn any(&self, i: usize) -> Result<Value<'gc>, Failure> {
        self.values.get(i).copied().ok_or_else(|| self.bad(i, "value expected"))
    }

    /// `luaL_checktype(L, i, LUA_TTABLE)`.
    pub(super) fn table(&self, i: usize) -> Result<Table<'gc>, Failure> {
        match self.get(i) {
            Value::Table(table) => Ok(table),
            _ => Err(self.type_error(i, "table")),
        }
    }

    /// `luaL_checklstring`: strings, and numbers in their Lua text form.
    pub(super) fn string(&self, i: usize) -> Result<LuaString<'gc>, Failure> {
        match self.get(i) {
            Value::String(s) => Ok(s),
            Value::Integer(n) => Ok(self.ctx.intern(n.to_string().as_bytes())),
            Value::Number(x) => Ok(self.ctx.intern(number_to_lua_string(x).as_bytes())),
            _ => Err(self.type_error(i, "string")),
        }
    }

    /// `luaL_optlstring`: absent or nil gives `None`.
    pub(super) fn opt_string(&self, i: usize) -> Result<Option<LuaString<'gc>>, Failure> {
        match self.get(i) {
            Value::Nil => Ok(None),
            _ => self.string(i).map(Some),
        }
    }

    /// `luaL_checknumber`: numbers and numeric strings, as a float.
    pub(super) fn number(&self, i: usize) -> Result<f64, Failure> {
        match to_number(self.get(i)) {
            Some(Number::Integer(n)) => Ok(n as f64),
            Some(Number::Float(x)) => Ok(x),
            None => Err(self.type_error(i, "number")),
        }
    }

    /// `luaL_optnumber`: absent or nil gives `None` (the caller's default).
    pub(super) fn opt_number(&self, i: usize) -> Result<Option<f64>, Failure> {
        match self.get(i) {
            Value::Nil => Ok(None),
            _ => self.number(i).map(Some),
        }
    }

    /// `luaL_checkinteger`: integers, integral floats and numeric strings.
    pub(super) fn integer(&self, i: usize) -> Result<i64, Failure> {
        match to_number(self.get(i)) {
            Some(Number::Integer(n)) => Ok(n),
            Some(Number::Float(x)) => format::float_to_integer(x)
                .ok_or_else(|| self.bad(i, "number has no integer representation")),
            None => Err(self.type_error(i, "number")),
        }
    }

    /// `luaL_optinteger`: absent or nil gives `None` (the caller's default).
    pub(super) fn opt_integer(&self, i: usize) -> Result<Option<i64>, Failure> {
        match self.get(i) {
            Value::Nil => Ok(None),
            _ => self.integer(i).map(Some),
        }
    }

    /// `luaL_checkoption`: the index of the argument in `names`.
    pub(super) fn option(
        &self,
        i: usize,
        default: Option<&str>,
        names: &[&str],
    ) -> Result<usize, Failure> {
        let given = match (self.get(i), default) {
            (Value::Nil, Some(default)) => default.as_bytes(),
            _ => self.string(i)?.as_bytes(),
        };
        names.iter().position(|name| name.as_bytes() == given).ok_or_else(|| {
            self.bad(i, &format!("invalid option '{}'", String::from_utf8_lossy(given)))
        })
    }
}

/* ---------- values ---------- */

/// A number as `lua_tonumber` sees it: numbers and numeric strings.
pub(super) fn to_number(value: Value<'_>) -> Option<Number> {
    match value {
        Value::Integer(n) => Some(Number::Integer(n)),
        Value::Number(x) => Some(Number::Float(x)),
        Value::String(s) => format::str_to_number(s.as_bytes()),
        _ => None,
    }
}

/// An integer as `lua_tointeger` sees it: integers, integral floats and
/// numeric strings.
pub(super) fn to_integer(value: Value<'_>) -> Option<i64> {
    match to_number(value)? {
        Number::Integer(n) => Some(n),
        Number::Float(x) => format::float_to_integer(x),
    }
}

/// The type name Lua's messages use: a string `__name` metafield, or the type.
pub(super) fn type_name<'gc>(ctx: Context<'gc>, value: Value<'gc>) -> String {
    match metafield(ctx, value, "__name") {
        Value::String(name) => name.to_str_lossy().into_owned(),
        _ => value.type_name().to_owned(),
    }
}

/// A field of the value's metatable (nil without one).
pub(super) fn metafield<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    name: &'static str,
) -> Value<'gc> {
    let metatable = match value {
        Value::Table(table) => table.metatable(),
        Value::UserData(data) => data.metatable(),
        _ => None,
    };
    metatable.map_or(Value::Nil, |mt| mt.get(ctx, name))
}

/// A Lua string holding `bytes`, without copying large buffers.
pub(super) fn new_string(ctx: Context<'_>, bytes: Vec<u8>) -> LuaString<'_> {
    if bytes.len() <= INTERN_LIMIT {
        ctx.intern(&bytes)
    } else {
        LuaString::from_buffer(&ctx, bytes.into_boxed_slice())
    }
}

/// A Lua string copied from `bytes`.
pub(super) fn slice_string<'gc>(ctx: Context<'gc>, bytes: &[u8]) -> LuaString<'gc> {
    if bytes.len() <= INTERN_LIMIT { ctx.intern(bytes) } else { LuaString::from_slice(&ctx, bytes) }
}

/* ---------- fuel ---------- */

/// Charges fuel for `units` of work, saturating at [`MAX_CHARGE`].
pub(super) fn charge(exec: &mut Execution<'_, '_>, units: usize) {
    let units = i32::try_from(units).unwrap_or(MAX_CHARGE).min(MAX_CHARGE);
    exec.fuel().consume(units);
}

/// Fuel for producing, scanning, reading or writing `bytes` bytes.
pub(super) fn bytes_cost(bytes: usize) -> usize {
    bytes / BYTES_PER_FUEL + 1
}

/// Charges fuel for `bytes` bytes ([`bytes_cost`]).
pub(super) fn charge_bytes(exec: &mut Execution<'_, '_>, bytes: usize) {
    charge(exec, bytes_cost(bytes));
}

/* ---------- registration ---------- */

pub(super) type CallResult<'gc> = Result<CallbackReturn<'gc>, Failure>;

/// The body of a library function; errors get the caller's position later.
pub(super) type Body =
    for<'gc, 'e, 's> fn(Context<'gc>, &mut Execution<'gc, 'e>, Stack<'gc, 's>) -> CallResult<'gc>;

/// A library function: its failure is raised at the calling Lua code.
pub(super) fn library(ctx: Context<'_>, body: Body) -> Callback<'_> {
    library_with(ctx, (), move |(), ctx, exec, stack| body(ctx, exec, stack))
}

/// [`library`] for a body that also receives `root` (state kept with the callback).
pub(super) fn library_with<'gc, R, F>(ctx: Context<'gc>, root: R, body: F) -> Callback<'gc>
where
    R: 'gc + Collect,
    F: 'static + Fn(&R, Context<'gc>, &mut Execution<'gc, '_>, Stack<'gc, '_>) -> CallResult<'gc>,
{
    Callback::from_fn_with(&ctx, root, move |root, ctx, mut exec, stack| {
        body(root, ctx, &mut exec, stack).map_err(|failure| failure.raise(ctx, &exec))
    })
}

/* ---------- resumable steps ---------- */

/// One step of a loop that may call Lua or pause for fuel. On entry the
/// stack holds the results of the previous `Call` (or the callback's
/// arguments at first, or is as it was left after a pause).
pub(super) trait Step<'gc>: Collect {
    fn step(
        &mut self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Failure>;
}

/// Runs a [`Step`] as a piccolo [`Sequence`].
#[derive(Collect)]
#[collect(no_drop)]
struct Resume<S>(S);

impl<'gc, S: Step<'gc>> Sequence<'gc> for Resume<S> {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        mut exec: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        self.0.step(ctx, &mut exec, &mut stack).map_err(|failure| failure.raise(ctx, &exec))
    }
}

/// Starts a step loop inside its callback; it is boxed only if it must wait.
pub(super) fn start<'gc, S: Step<'gc> + 'gc>(
    mut steps: S,
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    Ok(match steps.step(ctx, exec, &mut stack)? {
        SequencePoll::Call { function, .. } => {
            CallbackReturn::Call { function, then: Some(BoxSequence::new(&ctx, Resume(steps))) }
        }
        SequencePoll::Pending => CallbackReturn::Sequence(BoxSequence::new(&ctx, Resume(steps))),
        _ => CallbackReturn::Return,
    })
}
