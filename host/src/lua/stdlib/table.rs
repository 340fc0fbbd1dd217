//! The `table` library: Lua 5.4's `insert`, `remove`, `concat`, `sort`,
//! `unpack`, `pack` and `move` over piccolo 0.3.3 (which has only `pack` and
//! `unpack`), plus Lua 5.1's `table.getn`, `table.maxn` and global `unpack`.
//!
//! Plain tables, the common case, are read and written raw from Rust; `#t`
//! is piccolo's border ([`Table::length`]). Tables whose metatable has
//! `__index`, `__newindex` or `__len` go through small Lua fallbacks (see
//! [`fallback`]) so that the VM applies those metamethods.
//!
//! `sort` is a binary-insertion and merge sort ([`merge_sort`]) driven as a
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

mod fallback;
mod merge_sort;

use gc_arena::{Collect, Rootable};
use piccolo::{CallbackReturn, Context, Execution, Function, SequencePoll, Stack, Table, Value};

use self::fallback::Fallbacks;
use self::merge_sort::MergeSort;
use super::args::{
    Args, Body, CallResult, Failure, MAX_RESULTS, MAX_STRING_SIZE, Step, charge, charge_bytes,
    library, new_string, start, type_name,
};
use super::base::{call_again, room};
use super::caller_position;
use super::compare::{Order, less_than};
use crate::lua::format::number_to_lua_string;

/// Fuel per element read or moved: about a table read and a write in the VM.
const FUEL_PER_ELEMENT: u64 = 2;

/// What `concat`'s buffer grows to as `Vec` grows it, before its growth
/// is checked against the memory budget.
const BUFFER_START: usize = 4096;

/// Elements moved or compared between checks of the remaining fuel.
const BATCH: usize = 1024;

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

/* ---------- small helpers ---------- */

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

/// Whether Lua would see metamethods when indexing or measuring `table`.
fn has_access_metamethods<'gc>(ctx: Context<'gc>, table: Table<'gc>) -> bool {
    table.metatable().is_some_and(|mt| {
        ["__index", "__newindex", "__len"].into_iter().any(|name| !mt.get(ctx, name).is_nil())
    })
}

/// The `chunk:line: ` prefix of the calling Lua code, for the fallbacks.
fn position<'gc>(ctx: Context<'gc>, exec: &Execution<'gc, '_>) -> Value<'gc> {
    Value::String(ctx.intern(caller_position(exec).as_bytes()))
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

/* ---------- insert, remove ---------- */

/// `table.insert(t, [pos,] v)`: inserts at `pos` (default: the end),
/// shifting up the elements after it.
fn insert<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "insert");
    let table = args.table(0)?;
    let (pos, value) = match args.len() {
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
    let args = Args::new(ctx, &stack[..], "remove");
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
    let args = Args::new(ctx, &stack[..], "concat");
    let table = args.table(0)?;
    let sep = args.opt_string(1)?.unwrap_or_else(|| ctx.intern(b""));
    let first = args.opt_integer(2)?.unwrap_or(1);
    let last = args.opt_integer(3)?;
    if has_access_metamethods(ctx, table) {
        let args = [position(ctx, exec), table.into(), sep.into(), first.into(), optional(last)];
        return call_fallback(ctx, stack, |f| f.concat, args);
    }
    let last = last.unwrap_or_else(|| table.length());
    let mut out = Vec::new();
    for i in first..=last {
        let value = get(table, i);
        // Before the buffer grows, the memory budget must have room for it.
        let piece = match value {
            Value::String(s) => s.as_bytes().len(),
            _ => 24,
        };
        let needed = out.len().saturating_add(sep.as_bytes().len()).saturating_add(piece);
        if needed > out.capacity() && needed > BUFFER_START {
            if needed > MAX_STRING_SIZE {
                // Lua would run out of memory first.
                return Err(Failure::plain("not enough memory"));
            }
            let target = needed.max(out.capacity().saturating_mul(2)).min(MAX_STRING_SIZE);
            if !room(ctx, exec, target)? {
                return call_again(ctx, concat);
            }
            out.reserve_exact(target - out.len());
        }
        if i > first {
            out.extend_from_slice(sep.as_bytes());
        }
        if !append_text(&mut out, value) {
            let kind = value.type_name();
            return Err(Failure::new(format!(
                "invalid value ({kind}) at index {i} in table for 'concat'"
            )));
        }
    }
    if first <= last {
        charge_elements(exec, last.abs_diff(first) + 1);
    }
    charge_bytes(exec, out.len());
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
    let args = Args::new(ctx, &stack[..], "unpack");
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
    let Some(count) = unpack_count(first, last)? else {
        stack.clear();
        return Ok(CallbackReturn::Return);
    };
    // The values go on the stack: the memory budget must have room for them.
    if !room(ctx, exec, usize::try_from(count).unwrap_or(usize::MAX) * size_of::<Value>())? {
        return call_again(ctx, unpack);
    }
    stack.clear();
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
    if below >= MAX_RESULTS as u64 - 1 {
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
    if !room(ctx, exec, stack.len() * size_of::<Value>())? {
        return call_again(ctx, pack);
    }
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
    let args = Args::new(ctx, &stack[..], "move");
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
    let args = Args::new(ctx, &stack[..], "sort");
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
    let args = Args::new(ctx, &stack[..], "sort");
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

/* ---------- Lua 5.1 compatibility ---------- */

/// `table.getn(t)` (Lua 5.1): `#t`, without `__len`.
fn getn<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let table = Args::new(ctx, &stack[..], "getn").table(0)?;
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
    let table = Args::new(ctx, &stack[..], "maxn").table(0)?;
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
