//! The `table` library: Lua 5.4's `insert`, `remove`, `concat`, `sort`,
//! `unpack`, `pack` and `move` over piccolo 0.3.3 (which has only `pack` and
//! `unpack`), plus Lua 5.1's `table.getn`, `table.maxn` and global `unpack`.
//!
//! Plain tables, the common case, are read and written raw from Rust; `#t`
//! is piccolo's border ([`Table::length`]). Tables whose metatable has
//! `__index`, `__newindex` or `__len` go through small Lua fallbacks (see
//! [`Fallbacks`]) so that the VM applies those metamethods.
//!
//! `sort` is a binary-insertion and merge sort ([`MergeSort`]) driven as a
//! state machine: each comparison that needs Lua (a comparator, or `__lt`)
//! is a `SequencePoll::Call`, and the sort resumes with its result. Work is
//! charged as fuel (comparisons, moved elements, concatenated bytes), and
//! long loops yield to the host when the fuel runs out.
//!
//! Differences from Lua 5.4.4:
//! - `sort` never raises "invalid order function for sorting": an
//!   inconsistent comparator gives some permutation. It sorts a copy and
//!   writes it back, so a comparator sees the table unsorted, and a failed
//!   sort leaves it unchanged. Comparators may yield (Lua refuses).
//! - With metamethods, arguments are checked before `__len` runs; `move`
//!   compares its tables raw (Lua may call `__eq`); non-tables with
//!   metamethods (userdata) are refused ("table expected").
//! - `unpack` returns at most 999,999 values. `getn` ignores `__len`;
//!   `maxn` returns an integer unless the largest key is a fractional float.
//! - Messages name functions as `table.*` calls do (`'insert'`); Lua uses
//!   the name at the call site (a local alias, or `'table.insert'` in pcall).

use gc_arena::{Collect, Rootable};
use piccolo::{
    BoxSequence, Callback, CallbackReturn, Closure, Context, Error, Execution, Function, Sequence,
    SequencePoll, Singleton, Stack, String as LuaString, Table, Value, meta_ops,
};

use super::located;
use crate::lua::format::{self, Number, number_to_lua_string};

/// Longest string `concat` builds (Lua's `MAXSIZE` for `string.rep`).
const MAX_STRING_SIZE: usize = i32::MAX as usize;

/// Values one call may return (Lua's stack limit, `LUAI_MAXSTACK`).
const MAX_RESULTS: u64 = 1_000_000;

/// Bytes copied per unit of fuel (a unit is about one VM instruction).
const BYTES_PER_FUEL: usize = 32;

/// Fuel per element read or moved: about a table read and a write in the VM.
const FUEL_PER_ELEMENT: u64 = 2;

/// Most fuel one charge takes: keeps the host's fuel arithmetic far from overflow.
const MAX_CHARGE: i32 = 1 << 28;

/// Elements moved or compared between checks of the remaining fuel.
const BATCH: usize = 1024;

/// Strings up to this size are interned; longer ones are allocated directly.
const INTERN_LIMIT: usize = 256;

type CallResult<'gc> = Result<CallbackReturn<'gc>, Failure>;

/// The body of a library function; errors get the caller's position later.
type Body =
    for<'gc, 'e, 's> fn(Context<'gc>, &mut Execution<'gc, 'e>, Stack<'gc, 's>) -> CallResult<'gc>;

/// Adds the functions to the `table` table piccolo created, and `unpack`.
pub fn load_table(ctx: Context<'_>) {
    let table = match ctx.get_global("table") {
        Value::Table(table) => table,
        _ => Table::new(&ctx),
    };
    let functions: [(&str, Body); 9] = [
        ("insert", insert),
        ("remove", remove),
        ("concat", concat),
        ("sort", sort),
        ("unpack", unpack),
        ("pack", pack),
        ("move", lua_move),
        ("getn", getn),
        ("maxn", maxn),
    ];
    for (name, body) in functions {
        let _ = table.set(ctx, name, library(ctx, body));
    }
    let _ = ctx.set_global("table", table);
    // Lua 5.1 compatibility: `unpack` was a global function.
    let _ = ctx.set_global("unpack", table.get(ctx, "unpack"));
}

/// A library function: errors are located at the calling Lua code.
fn library(ctx: Context<'_>, body: Body) -> Callback<'_> {
    Callback::from_fn(&ctx, move |ctx, mut exec, stack| {
        body(ctx, &mut exec, stack).map_err(|failure| failure.raise(ctx, &exec))
    })
}

/* ---------- errors and arguments ---------- */

/// A library error before the caller's position is added: Lua's message.
struct Failure {
    message: String,
    /// Whether the message gets a `chunk:line:` prefix (`luaL_error` does,
    /// errors like "attempt to compare" raised inside `sort` do not).
    located: bool,
}

impl Failure {
    fn new(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), located: true }
    }

    fn plain(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), located: false }
    }

    /// The error value, `chunk:line: message` where located.
    fn raise<'gc>(self, ctx: Context<'gc>, exec: &Execution<'gc, '_>) -> Error<'gc> {
        if self.located {
            located(ctx, exec, self.message)
        } else {
            Value::String(ctx.intern(self.message.as_bytes())).into()
        }
    }

    /// The error value with `place` (a fallback's caller position) as prefix.
    fn raise_at<'gc>(self, ctx: Context<'gc>, place: Value<'gc>) -> Error<'gc> {
        let mut text = match (self.located, place) {
            (true, Value::String(place)) => place.as_bytes().to_vec(),
            _ => Vec::new(),
        };
        text.extend_from_slice(self.message.as_bytes());
        Value::String(ctx.intern(&text)).into()
    }
}

/// The arguments of one call, checked as `luaL_check*` functions do.
struct Args<'gc, 'a> {
    ctx: Context<'gc>,
    values: &'a [Value<'gc>],
    name: &'static str,
}

impl<'gc, 'a> Args<'gc, 'a> {
    fn new(ctx: Context<'gc>, stack: &'a Stack<'gc, '_>, name: &'static str) -> Self {
        Args { ctx, values: &stack[..], name }
    }

    fn get(&self, i: usize) -> Value<'gc> {
        self.values.get(i).copied().unwrap_or(Value::Nil)
    }

    /// `bad argument #N to 'name' (message)`; `i` is 0-based.
    fn bad(&self, i: usize, message: &str) -> Failure {
        Failure::new(format!("bad argument #{} to '{}' ({message})", i + 1, self.name))
    }

    /// `luaL_typeerror`: `<expected> expected, got <type>`.
    fn type_error(&self, i: usize, expected: &str) -> Failure {
        let got = match self.values.get(i) {
            None => "no value".to_owned(),
            Some(value) => type_name(self.ctx, *value),
        };
        self.bad(i, &format!("{expected} expected, got {got}"))
    }

    /// `luaL_checktype(L, i, LUA_TTABLE)`.
    fn table(&self, i: usize) -> Result<Table<'gc>, Failure> {
        match self.get(i) {
            Value::Table(table) => Ok(table),
            _ => Err(self.type_error(i, "table")),
        }
    }

    /// `luaL_checkinteger`: integers, integral floats and numeric strings.
    fn integer(&self, i: usize) -> Result<i64, Failure> {
        let number = match self.get(i) {
            Value::Integer(n) => Some(Number::Integer(n)),
            Value::Number(x) => Some(Number::Float(x)),
            Value::String(s) => format::str_to_number(s.as_bytes()),
            _ => None,
        };
        match number {
            Some(Number::Integer(n)) => Ok(n),
            Some(Number::Float(x)) => format::float_to_integer(x)
                .ok_or_else(|| self.bad(i, "number has no integer representation")),
            None => Err(self.type_error(i, "number")),
        }
    }

    /// `luaL_optinteger` without a default: absent or nil gives `None`.
    fn opt_integer(&self, i: usize) -> Result<Option<i64>, Failure> {
        match self.get(i) {
            Value::Nil => Ok(None),
            _ => self.integer(i).map(Some),
        }
    }

    /// `luaL_optlstring` with an empty default: strings, and numbers in their Lua text form.
    fn opt_string(&self, i: usize) -> Result<LuaString<'gc>, Failure> {
        match self.get(i) {
            Value::Nil => Ok(self.ctx.intern(b"")),
            Value::String(s) => Ok(s),
            value @ (Value::Integer(_) | Value::Number(_)) => {
                let mut text = Vec::new();
                append_text(&mut text, value);
                Ok(self.ctx.intern(&text))
            }
            _ => Err(self.type_error(i, "string")),
        }
    }
}

/// The type name Lua's messages use: a string `__name` metafield, or the type.
fn type_name<'gc>(ctx: Context<'gc>, value: Value<'gc>) -> String {
    match metafield(ctx, value, "__name") {
        Value::String(name) => name.to_str_lossy().into_owned(),
        _ => value.type_name().to_owned(),
    }
}

/// A field of the value's metatable (nil without one).
fn metafield<'gc>(ctx: Context<'gc>, value: Value<'gc>, name: &'static str) -> Value<'gc> {
    let metatable = match value {
        Value::Table(table) => table.metatable(),
        Value::UserData(data) => data.metatable(),
        _ => None,
    };
    metatable.map_or(Value::Nil, |mt| mt.get(ctx, name))
}

/* ---------- small helpers ---------- */

/// Charges fuel for `units` of work, saturating at [`MAX_CHARGE`].
fn charge(exec: &mut Execution<'_, '_>, units: usize) {
    let units = i32::try_from(units).unwrap_or(MAX_CHARGE).min(MAX_CHARGE);
    exec.fuel().consume(units);
}

/// Charges fuel for reading or moving `count` elements (a count from a
/// table's range): [`FUEL_PER_ELEMENT`] each.
fn charge_elements(exec: &mut Execution<'_, '_>, count: u64) {
    let units = count.saturating_mul(FUEL_PER_ELEMENT);
    charge(exec, usize::try_from(units).unwrap_or(usize::MAX));
}

fn get<'gc>(table: Table<'gc>, key: i64) -> Value<'gc> {
    table.get_value(Value::Integer(key))
}

fn set<'gc>(ctx: Context<'gc>, table: Table<'gc>, key: i64, value: Value<'gc>) {
    // Integer keys are always valid, so setting cannot fail.
    let _ = table.set_value(&ctx, Value::Integer(key), value);
}

/// Appends a string or number as `concat` does; false for other values.
fn append_text(out: &mut Vec<u8>, value: Value<'_>) -> bool {
    match value {
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        Value::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::Number(x) => out.extend_from_slice(number_to_lua_string(x).as_bytes()),
        _ => return false,
    }
    true
}

/// A Lua string holding `bytes`, without copying large buffers.
fn new_string(ctx: Context<'_>, bytes: Vec<u8>) -> LuaString<'_> {
    if bytes.len() <= INTERN_LIMIT {
        ctx.intern(&bytes)
    } else {
        LuaString::from_buffer(&ctx, bytes.into_boxed_slice())
    }
}

/// Whether Lua would see metamethods when indexing or measuring `table`.
fn has_access_metamethods<'gc>(ctx: Context<'gc>, table: Table<'gc>) -> bool {
    table.metatable().is_some_and(|mt| {
        ["__index", "__newindex", "__len"].into_iter().any(|name| !mt.get(ctx, name).is_nil())
    })
}

/// The `chunk:line: ` prefix of the calling Lua code, for the fallbacks.
fn position<'gc>(ctx: Context<'gc>, exec: &Execution<'gc, '_>) -> Value<'gc> {
    let text = match exec.upper_lua_frame() {
        Some(frame) => format!("{}:{}: ", frame.chunk_name.to_str_lossy(), frame.current_line),
        None => String::new(),
    };
    Value::String(ctx.intern(text.as_bytes()))
}

/// Tail-calls a Lua fallback with `args`.
fn call_fallback<'gc>(
    ctx: Context<'gc>,
    mut stack: Stack<'gc, '_>,
    pick: fn(&Fallbacks<'gc>) -> Function<'gc>,
    args: impl IntoIterator<Item = Value<'gc>>,
) -> CallResult<'gc> {
    let function = pick(ctx.singleton::<Rootable![Fallbacks<'_>]>());
    stack.clear();
    stack.extend(args);
    Ok(CallbackReturn::Call { function, then: None })
}

fn optional<'gc>(value: Option<i64>) -> Value<'gc> {
    value.map_or(Value::Nil, Value::Integer)
}

/* ---------- resumable steps ---------- */

/// One step of a loop that may call Lua or pause for fuel. On entry the
/// stack holds the results of the previous `Call` (or is as it was left).
trait Step<'gc>: Collect {
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
fn start<'gc, S: Step<'gc> + 'gc>(
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

/* ---------- insert, remove ---------- */

/// `table.insert(t, [pos,] v)`: inserts at `pos` (default: the end),
/// shifting up the elements after it.
fn insert<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack, "insert");
    let table = args.table(0)?;
    let (pos, value) = match args.values.len() {
        2 => (None, args.get(1)),
        3 => (Some(args.integer(1)?), args.get(2)),
        _ => return Err(Failure::new("wrong number of arguments to 'insert'")),
    };
    if has_access_metamethods(ctx, table) {
        let append = Value::Boolean(pos.is_none());
        let args = [position(ctx, exec), table.into(), optional(pos), value, append];
        return call_fallback(ctx, stack, |f| f.insert, args);
    }
    let end = table.length().wrapping_add(1);
    let pos = pos.unwrap_or(end);
    // Lua's check that `pos` is in [1, end], in unsigned arithmetic.
    if (pos as u64).wrapping_sub(1) >= end as u64 {
        return Err(args.bad(1, "position out of bounds"));
    }
    charge_elements(exec, end.abs_diff(pos) + 1);
    for i in (pos + 1..=end).rev() {
        set(ctx, table, i, get(table, i - 1));
    }
    set(ctx, table, pos, value);
    stack.clear();
    Ok(CallbackReturn::Return)
}

/// `table.remove(t [, pos])`: removes and returns `t[pos]` (default: the
/// last element), shifting down the elements after it.
fn remove<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack, "remove");
    let table = args.table(0)?;
    let pos = args.opt_integer(1)?;
    if has_access_metamethods(ctx, table) {
        let given = Value::Boolean(pos.is_some());
        let args = [position(ctx, exec), table.into(), optional(pos), given];
        return call_fallback(ctx, stack, |f| f.remove, args);
    }
    let size = table.length();
    let mut pos = pos.unwrap_or(size);
    // Lua 5.4.4 checks that `pos` is in [1, size + 1] and blames argument #1.
    if pos != size && (pos as u64).wrapping_sub(1) > size as u64 {
        return Err(args.bad(0, "position out of bounds"));
    }
    let result = get(table, pos);
    charge_elements(exec, size.abs_diff(pos) + 1);
    while pos < size {
        set(ctx, table, pos, get(table, pos + 1));
        pos += 1;
    }
    set(ctx, table, pos, Value::Nil);
    stack.replace(ctx, result);
    Ok(CallbackReturn::Return)
}

/* ---------- concat, unpack, pack ---------- */

/// `table.concat(t [, sep [, i [, j]]])`: the strings and numbers of
/// `t[i..=j]` joined by `sep`.
fn concat<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack, "concat");
    let table = args.table(0)?;
    let sep = args.opt_string(1)?;
    let first = args.opt_integer(2)?.unwrap_or(1);
    let last = args.opt_integer(3)?;
    if has_access_metamethods(ctx, table) {
        let args = [position(ctx, exec), table.into(), sep.into(), first.into(), optional(last)];
        return call_fallback(ctx, stack, |f| f.concat, args);
    }
    let last = last.unwrap_or_else(|| table.length());
    let mut out = Vec::new();
    for i in first..=last {
        if i > first {
            out.extend_from_slice(sep.as_bytes());
        }
        let value = get(table, i);
        if !append_text(&mut out, value) {
            let kind = value.type_name();
            return Err(Failure::new(format!(
                "invalid value ({kind}) at index {i} in table for 'concat'"
            )));
        }
        if out.len() > MAX_STRING_SIZE {
            // Lua would run out of memory; the host's memory budget acts too late.
            return Err(Failure::plain("not enough memory"));
        }
    }
    if first <= last {
        charge_elements(exec, last.abs_diff(first) + 1);
    }
    charge(exec, out.len() / BYTES_PER_FUEL + 1);
    stack.replace(ctx, new_string(ctx, out));
    Ok(CallbackReturn::Return)
}

/// `table.unpack(t [, i [, j]])` (and Lua 5.1's global `unpack`): `t[i..=j]`
/// as multiple results. Strings unpack to nils, as Lua indexes them.
fn unpack<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack, "unpack");
    let subject = args.get(0);
    let first = args.opt_integer(1)?.unwrap_or(1);
    let last = args.opt_integer(2)?;
    let last = match (subject, last) {
        (Value::Table(table), _) if has_access_metamethods(ctx, table) => {
            let args = [position(ctx, exec), subject, first.into(), optional(last)];
            return call_fallback(ctx, stack, |f| f.unpack, args);
        }
        (_, Some(last)) => last,
        (Value::Table(table), None) => table.length(),
        (Value::String(s), None) => i64::try_from(s.as_bytes().len()).unwrap_or(i64::MAX),
        (other, None) => {
            let kind = type_name(ctx, other);
            return Err(Failure::plain(format!("attempt to get length of a {kind} value")));
        }
    };
    stack.clear();
    let Some(count) = unpack_count(first, last)? else { return Ok(CallbackReturn::Return) };
    charge_elements(exec, count);
    match subject {
        Value::Table(table) => stack.extend((first..=last).map(|i| get(table, i))),
        Value::String(_) => stack.resize(usize::try_from(count).unwrap_or(0)),
        other => {
            let kind = type_name(ctx, other);
            return Err(Failure::plain(format!("attempt to index a {kind} value")));
        }
    }
    Ok(CallbackReturn::Return)
}

/// How many values `unpack` returns for `first..=last`, refusing more than
/// Lua's stack holds.
fn unpack_count(first: i64, last: i64) -> Result<Option<u64>, Failure> {
    if first > last {
        return Ok(None);
    }
    let below = (last as u64).wrapping_sub(first as u64);
    if below >= MAX_RESULTS - 1 {
        return Err(Failure::new("too many results to unpack"));
    }
    Ok(Some(below + 1))
}

/// `table.pack(...)`: a table of the arguments, with their count as `n`.
fn pack<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let table = Table::new(&ctx);
    for (i, value) in stack[..].iter().enumerate() {
        set(ctx, table, i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1), *value);
    }
    let count = i64::try_from(stack.len()).unwrap_or(i64::MAX);
    let _ = table.set(ctx, "n", count);
    charge(exec, stack.len());
    stack.replace(ctx, table);
    Ok(CallbackReturn::Return)
}

/* ---------- move ---------- */

/// `table.move(a1, f, e, t [, a2])`: copies `a1[f..=e]` to `a2[t..]`
/// (default `a2` is `a1`), in the order that survives overlap; returns `a2`.
fn lua_move<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack, "move");
    let first = args.integer(1)?;
    let last = args.integer(2)?;
    let target = args.integer(3)?;
    let from = args.table(0)?;
    let to = if args.get(4).is_nil() { from } else { args.table(4)? };
    if last < first {
        stack.replace(ctx, to);
        return Ok(CallbackReturn::Return);
    }
    if first <= 0 && last >= i64::MAX + first {
        return Err(args.bad(2, "too many elements to move"));
    }
    let count = last - first + 1;
    if target > i64::MAX - count + 1 {
        return Err(args.bad(3, "destination wrap around"));
    }
    let forward = target > last || target <= first || from != to;
    if has_access_metamethods(ctx, from) || has_access_metamethods(ctx, to) {
        let args = [
            from.into(),
            first.into(),
            target.into(),
            to.into(),
            count.into(),
            Value::Boolean(forward),
        ];
        return call_fallback(ctx, stack, |f| f.moves, args);
    }
    stack.clear();
    start(Move { from, to, first, target, count, done: 0, forward }, ctx, exec, stack)
}

/// A `table.move` in progress; long moves pause when the fuel runs out.
#[derive(Collect)]
#[collect(no_drop)]
struct Move<'gc> {
    from: Table<'gc>,
    to: Table<'gc>,
    #[collect(require_static)]
    first: i64,
    #[collect(require_static)]
    target: i64,
    #[collect(require_static)]
    count: i64,
    /// Elements copied so far.
    #[collect(require_static)]
    done: i64,
    #[collect(require_static)]
    forward: bool,
}

impl<'gc> Step<'gc> for Move<'gc> {
    fn step(
        &mut self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Failure> {
        while self.done < self.count {
            let batch_end = self.count.min(self.done.saturating_add(BATCH as i64));
            for done in self.done..batch_end {
                let i = if self.forward { done } else { self.count - 1 - done };
                set(ctx, self.to, self.target + i, get(self.from, self.first + i));
            }
            charge_elements(exec, batch_end.abs_diff(self.done));
            self.done = batch_end;
            if self.done < self.count && !exec.fuel().should_continue() {
                return Ok(SequencePoll::Pending);
            }
        }
        stack.push_back(self.to.into());
        Ok(SequencePoll::Return)
    }
}

/* ---------- sort ---------- */

/// `table.sort(t [, comp])`: sorts `t[1..=#t]` in place by `comp(a, b)`
/// ("a comes before b"), or by `<` (with `__lt` for other values).
fn sort<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack, "sort");
    let table = args.table(0)?;
    if has_access_metamethods(ctx, table) {
        let args = [position(ctx, exec), table.into(), args.get(1)];
        return call_fallback(ctx, stack, |f| f.sort, args);
    }
    let comparator = args.get(1);
    sort_prefix(ctx, exec, stack, table, table.length(), comparator)
}

/// `sortn(items, n, comp)` for the fallback: sorts `items[1..=n]`.
fn sort_n<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack, "sort");
    let table = args.table(0)?;
    let (len, comparator) = (args.integer(1)?, args.get(2));
    sort_prefix(ctx, exec, stack, table, len, comparator)
}

/// Sorts `table[1..=len]`: checks as Lua does, then runs a [`Sort`].
fn sort_prefix<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
    table: Table<'gc>,
    len: i64,
    comparator: Value<'gc>,
) -> CallResult<'gc> {
    if len < 2 {
        stack.clear();
        return Ok(CallbackReturn::Return);
    }
    if len >= i64::from(i32::MAX) {
        return Err(Failure::new("bad argument #1 to 'sort' (array too big)"));
    }
    let comparator = match comparator {
        Value::Nil => None,
        Value::Function(function) => Some(function),
        other => {
            let got = type_name(ctx, other);
            let message = format!("bad argument #2 to 'sort' (function expected, got {got})");
            return Err(Failure::new(message));
        }
    };
    let items: Vec<Value<'gc>> = (1..=len).map(|i| get(table, i)).collect();
    charge_elements(exec, len.unsigned_abs());
    stack.clear();
    let engine = MergeSort::new(items);
    start(Sort { table, comparator, engine, waiting: false }, ctx, exec, stack)
}

/// A `table.sort` in progress: the values being sorted and how to compare.
#[derive(Collect)]
#[collect(no_drop)]
struct Sort<'gc> {
    table: Table<'gc>,
    comparator: Option<Function<'gc>>,
    engine: MergeSort<Value<'gc>>,
    /// Whether a comparison call is running (its result is on the stack).
    #[collect(require_static)]
    waiting: bool,
}

/// How one comparison is answered.
enum Order<'gc> {
    Known(bool),
    /// Call this function with the two values; its first result decides.
    Call(Function<'gc>),
}

impl<'gc> Step<'gc> for Sort<'gc> {
    fn step(
        &mut self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Failure> {
        if self.waiting {
            self.waiting = false;
            self.engine.answer(stack.get(0).to_bool());
        }
        stack.clear();
        let mut compared = 0;
        while let Some((a, b)) = self.engine.question() {
            let order = match self.comparator {
                Some(function) => Order::Call(function),
                None => less_than(ctx, a, b)?,
            };
            match order {
                Order::Known(less) => self.engine.answer(less),
                Order::Call(function) => {
                    charge(exec, compared + 1);
                    stack.extend([a, b]);
                    self.waiting = true;
                    return Ok(SequencePoll::Call { function, is_tail: false });
                }
            }
            compared += 1;
            if compared == BATCH {
                charge(exec, compared);
                compared = 0;
                if !exec.fuel().should_continue() {
                    return Ok(SequencePoll::Pending);
                }
            }
        }
        let items = self.engine.items();
        charge(exec, compared + items.len());
        for (i, value) in (1..).zip(items) {
            set(ctx, self.table, i, *value);
        }
        Ok(SequencePoll::Return)
    }
}

/// Lua's `a < b` for the default order: numbers and strings directly,
/// other values through an `__lt` metamethod of `a` or else of `b`.
fn less_than<'gc>(ctx: Context<'gc>, a: Value<'gc>, b: Value<'gc>) -> Result<Order<'gc>, Failure> {
    let less = match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x < y,
        (Value::Number(x), Value::Number(y)) => x < y,
        (Value::Integer(i), Value::Number(f)) => integer_less_than_float(i, f),
        (Value::Number(f), Value::Integer(i)) => float_less_than_integer(f, i),
        (Value::String(x), Value::String(y)) => x.as_bytes() < y.as_bytes(),
        _ => return lt_metamethod(ctx, a, b),
    };
    Ok(Order::Known(less))
}

fn lt_metamethod<'gc>(
    ctx: Context<'gc>,
    a: Value<'gc>,
    b: Value<'gc>,
) -> Result<Order<'gc>, Failure> {
    let method = match metafield(ctx, a, "__lt") {
        Value::Nil => metafield(ctx, b, "__lt"),
        method => method,
    };
    if method.is_nil() {
        let (x, y) = (type_name(ctx, a), type_name(ctx, b));
        return Err(Failure::plain(if x == y {
            format!("attempt to compare two {x} values")
        } else {
            format!("attempt to compare {x} with {y}")
        }));
    }
    match meta_ops::call(ctx, method) {
        Ok(function) => Ok(Order::Call(function)),
        Err(_) => Err(Failure::plain(format!("attempt to call a {} value", method.type_name()))),
    }
}

/// 2^63, the first float above every integer.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// Exact `i < f` (Lua's `LTintfloat`); false when `f` is NaN.
fn integer_less_than_float(i: i64, f: f64) -> bool {
    if f.is_nan() || f < -TWO_63 {
        false
    } else if f >= TWO_63 {
        true
    } else {
        // -2^63 <= ceil(f) <= 2^63 - 1024 here: the cast is exact.
        i < f.ceil() as i64
    }
}

/// Exact `f < i` (Lua's `LTfloatint`); false when `f` is NaN.
fn float_less_than_integer(f: f64, i: i64) -> bool {
    if f.is_nan() || f >= TWO_63 {
        false
    } else if f < -TWO_63 {
        true
    } else {
        (f.floor() as i64) < i
    }
}

/// Runs of this many elements are sorted by binary insertion, then merged.
const RUN: usize = 32;

/// Where a [`MergeSort`] is; each phase but `Done` waits for one comparison.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Inserting `items[next]` into the sorted `items[start..next]`: its
    /// place is in `lo..=hi`, and the next question is against the middle.
    Insert {
        start: usize,
        next: usize,
        lo: usize,
        hi: usize,
    },
    /// Asking whether the runs `items[lo..lo + width]` and the one after
    /// it are already in order (first of the right < last of the left?).
    Check {
        width: usize,
        lo: usize,
    },
    /// Merging `scratch` (a copy of the left run) with the right run
    /// `items[lo + width..hi]`; `left` and `right` are the next candidates.
    Merge {
        width: usize,
        lo: usize,
        hi: usize,
        left: usize,
        right: usize,
    },
    Done,
}

/// A stable sort whose comparisons are asked and answered from outside,
/// so that a Lua comparator can run between them. It makes about
/// `n log2 n - 1.3 n` comparisons (fewer than Lua's quicksort), about `4 n`
/// on sorted input, keeps the values a permutation whatever the answers
/// are, and always ends.
#[derive(Collect)]
#[collect(no_drop)]
struct MergeSort<T> {
    items: Vec<T>,
    scratch: Vec<T>,
    #[collect(require_static)]
    phase: Phase,
}

impl<T: Copy> MergeSort<T> {
    fn new(items: Vec<T>) -> Self {
        let mut sort = MergeSort { items, scratch: Vec::new(), phase: Phase::Done };
        sort.phase = sort.insert_from(0, 1);
        sort
    }

    /// The sorted values (meaningful once `question` returns `None`).
    fn items(&self) -> &[T] {
        &self.items
    }

    /// The pair `(a, b)` for which `a < b` must be answered next, or
    /// `None` when the values are sorted.
    fn question(&self) -> Option<(T, T)> {
        match self.phase {
            Phase::Insert { next, lo, hi, .. } => {
                Some((self.items[next], self.items[lo + (hi - lo) / 2]))
            }
            Phase::Check { width, lo } => {
                Some((self.items[lo + width], self.items[lo + width - 1]))
            }
            Phase::Merge { right, left, .. } => Some((self.items[right], self.scratch[left])),
            Phase::Done => None,
        }
    }

    /// Takes the answer to the last question and moves to the next one.
    fn answer(&mut self, less: bool) {
        self.phase = match self.phase {
            Phase::Insert { start, next, lo, hi } => self.after_insert(start, next, lo, hi, less),
            Phase::Check { width, lo } if less => self.merge_from(width, lo),
            Phase::Check { width, lo } => self.check_from(width, lo + 2 * width),
            Phase::Merge { width, lo, hi, left, right } => {
                self.after_merge(width, lo, hi, left, right, less)
            }
            Phase::Done => Phase::Done,
        };
    }

    fn after_insert(
        &mut self,
        start: usize,
        next: usize,
        lo: usize,
        hi: usize,
        less: bool,
    ) -> Phase {
        let mid = lo + (hi - lo) / 2;
        // Upper bound: equal elements stay before the inserted one.
        let (lo, hi) = if less { (lo, mid) } else { (mid + 1, hi) };
        if lo < hi {
            return Phase::Insert { start, next, lo, hi };
        }
        self.items[lo..=next].rotate_right(1);
        self.insert_from(start, next + 1)
    }

    /// The next insertion at or after `items[next]` in the run from `start`,
    /// moving on to later runs, then to merging.
    fn insert_from(&self, mut start: usize, mut next: usize) -> Phase {
        let len = self.items.len();
        loop {
            let end = len.min(start + RUN);
            if next < end {
                return Phase::Insert { start, next, lo: start, hi: next };
            }
            if end >= len {
                return self.check_from(RUN, 0);
            }
            start = end;
            next = end + 1;
        }
    }

    /// The next pair of runs of `width` to merge, at or after `lo`.
    fn check_from(&self, mut width: usize, mut lo: usize) -> Phase {
        let len = self.items.len();
        loop {
            if lo + width < len {
                return Phase::Check { width, lo };
            }
            width *= 2;
            if width >= len {
                return Phase::Done;
            }
            lo = 0;
        }
    }

    fn merge_from(&mut self, width: usize, lo: usize) -> Phase {
        let hi = self.items.len().min(lo + 2 * width);
        self.scratch.clear();
        self.scratch.extend_from_slice(&self.items[lo..lo + width]);
        Phase::Merge { width, lo, hi, left: 0, right: lo + width }
    }

    fn after_merge(
        &mut self,
        width: usize,
        lo: usize,
        hi: usize,
        mut left: usize,
        mut right: usize,
        less: bool,
    ) -> Phase {
        // Everything before `out` is merged: `left` from scratch, the rest from the right run.
        let out = left + right - width;
        if less {
            self.items[out] = self.items[right];
            right += 1;
        } else {
            self.items[out] = self.scratch[left];
            left += 1;
        }
        if left == self.scratch.len() {
            // The rest of the right run is already in place.
            return self.check_from(width, lo + 2 * width);
        }
        if right == hi {
            self.items[out + 1..hi].copy_from_slice(&self.scratch[left..]);
            return self.check_from(width, lo + 2 * width);
        }
        Phase::Merge { width, lo, hi, left, right }
    }
}

/* ---------- Lua 5.1 compatibility ---------- */

/// `table.getn(t)` (Lua 5.1): `#t`, without `__len`.
fn getn<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let table = Args::new(ctx, &stack, "getn").table(0)?;
    stack.replace(ctx, table.length());
    Ok(CallbackReturn::Return)
}

/// `table.maxn(t)` (Lua 5.1): the largest positive numeric key, or 0. An
/// integer, unless the largest key is a non-integral float (Lua 5.1 had
/// only floats; its result prints the same).
fn maxn<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let table = Args::new(ctx, &stack, "maxn").table(0)?;
    let mut max = Value::Integer(0);
    let mut entries = 0;
    for (key, _) in table.iter() {
        entries += 1;
        if let Value::Integer(_) | Value::Number(_) = key
            && matches!(less_than(ctx, max, key), Ok(Order::Known(true)))
        {
            max = key;
        }
    }
    charge(exec, entries);
    stack.replace(ctx, max);
    Ok(CallbackReturn::Return)
}

/* ---------- fallbacks for tables with metamethods ---------- */

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
struct Fallbacks<'gc> {
    insert: Function<'gc>,
    remove: Function<'gc>,
    concat: Function<'gc>,
    unpack: Function<'gc>,
    moves: Function<'gc>,
    sort: Function<'gc>,
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
        Value::String(message) => Err(Failure::new(message.to_str_lossy())),
        _ => Err(Failure::new("table fallback failed")),
    }
}

/// `length(where, n)`: the result of `#t` as an integer (`luaL_len`).
fn length<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let number = match stack.get(0) {
        Value::Integer(n) => Some(n),
        Value::Number(x) => format::float_to_integer(x),
        Value::String(s) => match format::str_to_number(s.as_bytes()) {
            Some(Number::Integer(n)) => Some(n),
            Some(Number::Float(x)) => format::float_to_integer(x),
            None => None,
        },
        _ => None,
    };
    let n = number.ok_or_else(|| Failure::new("object length is not an integer"))?;
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
    let index = Args::new(ctx, &stack, "concat").integer(1)?;
    let kind = value.type_name();
    Err(Failure::new(format!("invalid value ({kind}) at index {index} in table for 'concat'")))
}

/// `count(where, i, j)`: how many values `unpack` returns for `i..=j`.
fn count<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack, "unpack");
    let (first, last) = (args.integer(0)?, args.integer(1)?);
    let count = unpack_count(first, last)?.unwrap_or(0);
    stack.replace(ctx, i64::try_from(count).unwrap_or(0));
    Ok(CallbackReturn::Return)
}

#[cfg(test)]
mod tests {
    //! The sort engine against std's sort, and the fallbacks' compilation.
    use super::*;

    /// Sorts with a Rust comparison, counting the questions.
    fn run(items: Vec<i64>, mut less: impl FnMut(i64, i64) -> bool) -> (Vec<i64>, usize) {
        let mut sort = MergeSort::new(items);
        let mut asked = 0;
        while let Some((a, b)) = sort.question() {
            asked += 1;
            sort.answer(less(a, b));
        }
        (sort.items().to_vec(), asked)
    }

    /// A small deterministic generator (xorshift).
    fn numbers(len: usize, seed: u64, range: i64) -> Vec<i64> {
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % range as u64) as i64
            })
            .collect()
    }

    #[test]
    fn sorts_like_std_for_many_sizes() {
        for len in (0..200).chain([255, 256, 257, 1000, 4099]) {
            for range in [3, 1000] {
                let items = numbers(len, len as u64 + 7, range);
                let mut expected = items.clone();
                expected.sort();
                assert_eq!(run(items, |a, b| a < b).0, expected, "len {len}");
            }
        }
    }

    #[test]
    fn is_stable() {
        let items: Vec<i64> =
            numbers(500, 3, 10).iter().enumerate().map(|(i, k)| k * 1000 + i as i64).collect();
        let (sorted, _) = run(items.clone(), |a, b| a / 1000 < b / 1000);
        let mut expected = items;
        expected.sort_by_key(|v| v / 1000);
        assert_eq!(sorted, expected);
    }

    #[test]
    fn counts_few_comparisons() {
        let n = 10_000;
        let (_, random) = run(numbers(n, 11, 1 << 40), |a, b| a < b);
        assert!(random < n * 13, "{random} comparisons");
        let (_, sorted) = run((0..n as i64).collect(), |a, b| a < b);
        assert!(sorted < n * 5, "{sorted} comparisons on sorted input");
    }

    #[test]
    fn inconsistent_answers_keep_a_permutation_and_end() {
        for len in [2, 5, 33, 100, 1000] {
            let items = numbers(len, 5, 50);
            let mut expected = items.clone();
            expected.sort();
            let mut flip = false;
            let answers: [fn(i64, i64) -> bool; 2] = [|_, _| true, |_, _| false];
            for answer in answers {
                let (mut sorted, asked) = run(items.clone(), answer);
                sorted.sort();
                assert_eq!(sorted, expected);
                assert!(asked < len * 20);
            }
            let (mut sorted, _) = run(items.clone(), |_, _| {
                flip = !flip;
                flip
            });
            sorted.sort();
            assert_eq!(sorted, expected);
        }
    }

    #[test]
    fn mixed_number_comparisons_are_exact() {
        assert!(integer_less_than_float(1, 1.5));
        assert!(!integer_less_than_float(2, 1.5));
        // i64::MAX as a float rounds up to 2^63, which is above every integer.
        assert!(integer_less_than_float(i64::MAX, i64::MAX as f64));
        assert!(!float_less_than_integer(i64::MAX as f64, i64::MAX));
        assert!(!integer_less_than_float(i64::MIN, i64::MIN as f64));
        assert!(integer_less_than_float(i64::MAX, f64::INFINITY));
        assert!(!integer_less_than_float(0, f64::NAN));
        assert!(float_less_than_integer(-1e300, i64::MIN));
        assert!(!float_less_than_integer(f64::NAN, 0));
        assert!(float_less_than_integer(9_007_199_254_740_992.0, 9_007_199_254_740_993));
    }

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
