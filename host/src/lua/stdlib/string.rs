//! The `string` library over piccolo 0.3.3's: Lua 5.4's `byte`, `char`,
//! `rep`, `format`, `find`, `match`, `gmatch` (and Lua 5.1's `gfind`) and
//! `gsub` added; `pack`, `unpack` and `packsize` live in [`pack`]; `len`,
//! `sub`, `lower`, `upper` and `reverse` replaced (piccolo's format floats
//! without `.0` and word their errors as type errors).
//!
//! Matching and formatting are done by [`pattern`] and [`format`]; this file
//! checks arguments as `lauxlib` does, converts between Lua values and bytes,
//! and charges fuel for work proportional to string sizes. `gsub` with a
//! function or an `__index` table, and `format` with `__tostring`, call Lua
//! through a [`Step`] loop that resumes after each call.
//!
//! A function whose result may be large checks its size against the
//! memory budget before building it ([`room`]): `rep`, `format`, `char`,
//! `sub`, `lower`, `upper`, `reverse`, the values of `byte`, and `gsub`
//! each time its result grows (the result is counted as the state's
//! memory while it is built).

mod pack;

use std::cell::Cell;
use std::ops::Range;

use gc_arena::{Collect, Gc};
use piccolo::meta_ops::{self, MetaResult};
use piccolo::{
    CallbackReturn, Context, Execution, Function, SequencePoll, Stack, String as LuaString, Table,
    Value,
};

use super::args::{
    Args, Body, CallResult, Failure, MAX_RESULTS, MAX_STRING_SIZE, Step, bytes_cost, charge,
    charge_bytes, library, library_with, metafield, new_string, slice_string, start, type_name,
};
use super::base::{call_again, room, room_in_step};
use crate::lua::format::{self, FormatArg, FormatError, number_to_lua_string};
use crate::lua::pattern::{self, Capture, Match, PatternError};
use crate::lua::runtime;

/// Adds the functions to the `string` table piccolo created.
pub fn load_string(ctx: Context<'_>) {
    let Value::Table(string) = ctx.get_global("string") else { return };
    let functions: [(&str, Body); 17] = [
        ("len", len),
        ("sub", sub),
        ("lower", lower),
        ("upper", upper),
        ("reverse", reverse),
        ("byte", byte),
        ("char", char),
        ("rep", rep),
        ("format", format),
        ("find", find),
        ("match", lua_match),
        ("gmatch", gmatch),
        ("gfind", gmatch),
        ("gsub", gsub),
        ("pack", pack::pack),
        ("unpack", pack::unpack),
        ("packsize", pack::packsize),
    ];
    for (name, body) in functions {
        let _ = string.set(ctx, name, library(ctx, body));
    }
}

impl From<PatternError> for Failure {
    fn from(error: PatternError) -> Failure {
        Failure::new(error.to_string())
    }
}

impl From<FormatError> for Failure {
    fn from(error: FormatError) -> Failure {
        Failure::new(error.message_bytes())
    }
}

/* ---------- small helpers ---------- */

fn integer<'gc>(n: usize) -> Value<'gc> {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Lua's `posrelatI`: a 1-based start position; negative counts from the
/// end; anything before the start is clipped to 1.
fn start_position(pos: i64, len: usize) -> usize {
    let from_end = usize::try_from(pos.unsigned_abs()).unwrap_or(usize::MAX);
    match pos {
        1.. => usize::try_from(pos).unwrap_or(usize::MAX),
        0 => 1,
        _ if from_end > len => 1,
        _ => len - from_end + 1,
    }
}

/// Lua's `getendpos`: a 1-based end position clipped to `0..=len`.
fn end_position(pos: i64, len: usize) -> usize {
    let from_end = usize::try_from(pos.unsigned_abs()).unwrap_or(usize::MAX);
    match pos {
        0.. => usize::try_from(pos).unwrap_or(usize::MAX).min(len),
        _ if from_end > len => 0,
        _ => len - from_end + 1,
    }
}

/// A capture as the value Lua pushes: a substring or a position.
fn capture_value<'gc>(ctx: Context<'gc>, subject: &[u8], capture: Capture) -> Value<'gc> {
    match capture {
        Capture::Str(range) => {
            Value::String(slice_string(ctx, subject.get(range).unwrap_or_default()))
        }
        Capture::Position(position) => integer(position),
    }
}

fn push_captures<'gc>(
    ctx: Context<'gc>,
    stack: &mut Stack<'gc, '_>,
    subject: &[u8],
    captures: Vec<Capture>,
) {
    stack.extend(captures.into_iter().map(|capture| capture_value(ctx, subject, capture)));
}

/* ---------- len, sub, lower, upper, reverse ---------- */

/// `string.len(s)`: the length in bytes.
fn len<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let s = Args::new(ctx, &stack[..], "len").string(0)?;
    stack.replace(ctx, integer(s.as_bytes().len()));
    Ok(CallbackReturn::Return)
}

/// `string.sub(s, i [, j])`: the bytes `s[i..=j]`, positions as `byte`'s.
fn sub<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "sub");
    let s = args.string(0)?;
    let bytes = s.as_bytes();
    let first = start_position(args.integer(1)?, bytes.len());
    let last = end_position(args.opt_integer(2)?.unwrap_or(-1), bytes.len());
    let result = if first > last {
        ctx.intern(b"")
    } else if first == 1 && last == bytes.len() {
        s
    } else {
        if !room(ctx, exec, last - first + 1)? {
            return call_again(ctx, sub);
        }
        charge_bytes(exec, last - first + 1);
        slice_string(ctx, &bytes[first - 1..last])
    };
    stack.replace(ctx, result);
    Ok(CallbackReturn::Return)
}

fn lower<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    map_bytes(ctx, exec, stack, ("lower", lower), |bytes| bytes.to_ascii_lowercase())
}

fn upper<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    map_bytes(ctx, exec, stack, ("upper", upper), |bytes| bytes.to_ascii_uppercase())
}

fn reverse<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    map_bytes(ctx, exec, stack, ("reverse", reverse), |bytes| bytes.iter().rev().copied().collect())
}

/// A function of the bytes of its string argument (case is changed for
/// ASCII letters only, as in the C locale).
fn map_bytes<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
    (name, body): (&'static str, Body),
    f: fn(&[u8]) -> Vec<u8>,
) -> CallResult<'gc> {
    let s = Args::new(ctx, &stack[..], name).string(0)?;
    if !room(ctx, exec, s.as_bytes().len())? {
        return call_again(ctx, body);
    }
    charge_bytes(exec, s.as_bytes().len());
    stack.replace(ctx, new_string(ctx, f(s.as_bytes())));
    Ok(CallbackReturn::Return)
}

/* ---------- byte, char, rep ---------- */

/// `string.byte(s [, i [, j]])`: the byte values of `s[i..=j]`.
fn byte<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "byte");
    let s = args.string(0)?.as_bytes();
    let i = args.opt_integer(1)?.unwrap_or(1);
    let first = start_position(i, s.len());
    let last = end_position(args.opt_integer(2)?.unwrap_or(i), s.len());
    if first > last {
        stack.clear();
        return Ok(CallbackReturn::Return);
    }
    let count = last - first + 1;
    if count >= MAX_RESULTS {
        return Err(Failure::new("stack overflow (string slice too long)"));
    }
    if !room(ctx, exec, count * size_of::<Value>())? {
        return call_again(ctx, byte);
    }
    stack.clear();
    charge(exec, count);
    stack.extend(s[first - 1..last].iter().map(|&b| Value::Integer(i64::from(b))));
    Ok(CallbackReturn::Return)
}

/// `string.char(...)`: a string of the given byte values.
fn char<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "char");
    if !room(ctx, exec, args.len())? {
        return call_again(ctx, char);
    }
    let mut bytes = Vec::with_capacity(args.len());
    for i in 0..args.len() {
        let code = args.integer(i)?;
        bytes.push(u8::try_from(code).map_err(|_| args.bad(i, "value out of range"))?);
    }
    charge(exec, bytes.len());
    stack.replace(ctx, new_string(ctx, bytes));
    Ok(CallbackReturn::Return)
}

/// `string.rep(s, n [, sep])`: `n` copies of `s` separated by `sep`.
fn rep<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "rep");
    let s = args.string(0)?.as_bytes();
    let n = args.integer(1)?;
    let sep = args.opt_string(2)?.map_or(&[][..], |sep| sep.as_bytes());
    let size = repeat_size(s, n, sep)?;
    if !room(ctx, exec, size)? {
        return call_again(ctx, rep);
    }
    let result = repeat_to(s, sep, size);
    charge_bytes(exec, result.len());
    stack.replace(ctx, new_string(ctx, result));
    Ok(CallbackReturn::Return)
}

/// The length of `string.rep(s, n, sep)`, refusing results over
/// [`MAX_STRING_SIZE`] as Lua does.
fn repeat_size(s: &[u8], n: i64, sep: &[u8]) -> Result<usize, Failure> {
    let Ok(n @ 1..) = usize::try_from(n) else { return Ok(0) };
    let unit = s.len() + sep.len();
    if unit == 0 {
        return Ok(0);
    }
    if unit > MAX_STRING_SIZE / n {
        return Err(Failure::new("resulting string too large"));
    }
    Ok(unit * n - sep.len())
}

/// The bytes of `string.rep`.
#[cfg(test)]
fn repeat(s: &[u8], n: i64, sep: &[u8]) -> Result<Vec<u8>, Failure> {
    Ok(repeat_to(s, sep, repeat_size(s, n, sep)?))
}

/// `s`, then `sep s` until `size` bytes ([`repeat_size`]), in one
/// allocation of that size (the buffer becomes the Lua string as it is).
fn repeat_to(s: &[u8], sep: &[u8], size: usize) -> Vec<u8> {
    let mut result = Vec::with_capacity(size);
    if size == 0 {
        return result;
    }
    // `s`, then `sep s` over and over: the part after the first `s` is
    // whole units, so it doubles by copying itself.
    result.extend_from_slice(s);
    if result.len() < size {
        result.extend_from_slice(sep);
        result.extend_from_slice(s);
    }
    while result.len() < size {
        let copy = (result.len() - s.len()).min(size - result.len());
        result.extend_from_within(s.len()..s.len() + copy);
    }
    result
}

/* ---------- format ---------- */

/// `string.format(fmt, ...)`. Arguments that `%s` converts and that have a
/// `__tostring` metamethod are converted first, in order, by calling it.
fn format<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "format");
    let fmt = args.string(0)?;
    let values = &stack[1..];
    let mut todo: Vec<usize> = format::tostring_arg_indices(fmt.as_bytes())
        .into_iter()
        .filter(|&i| values.get(i).is_some_and(|&v| !metafield(ctx, v, "__tostring").is_nil()))
        .collect();
    if todo.is_empty() {
        if !room(ctx, exec, format_size(fmt.as_bytes(), values, &[]))? {
            return call_again(ctx, format);
        }
        let result = render(ctx, fmt, values, &[])?;
        charge(exec, bytes_cost(result.len()) + values.len());
        stack.replace(ctx, new_string(ctx, result));
        return Ok(CallbackReturn::Return);
    }
    todo.reverse();
    let values = values.to_vec();
    let texts = vec![None; values.len()];
    start(Format { fmt, values, texts, todo, waiting: None, again: false }, ctx, exec, stack)
}

/// Most bytes one format item gives beyond the string it converts: a
/// width and a precision of two digits each (`%99.99f` of `1e308` is 410
/// bytes), `table: 0x...`, the quotes and escapes of `%q`.
const FORMAT_ITEM: usize = 512;

/// At least the length of `string.format(fmt, ...)`: the format, each
/// argument's item, and the strings converted (four times over if `%q`,
/// which may escape every byte as `\ddd`, is in the format; the format is
/// searched for it only when that could matter).
fn format_size(fmt: &[u8], values: &[Value<'_>], texts: &[Option<LuaString<'_>>]) -> usize {
    let strings: usize = values
        .iter()
        .enumerate()
        .map(|(i, value)| match (value, texts.get(i).copied().flatten()) {
            (_, Some(text)) => text.as_bytes().len(),
            (Value::String(s), None) => s.as_bytes().len(),
            _ => 0,
        })
        .sum();
    let items = fmt.len().saturating_add(values.len().saturating_mul(FORMAT_ITEM));
    let most = items.saturating_add(strings.saturating_mul(4));
    if most <= runtime::UNCHECKED_RESULT || memchr::memmem::find(fmt, b"%q").is_some() {
        most
    } else {
        items.saturating_add(strings)
    }
}

/// Formats `values` with `fmt`; `texts` holds `__tostring` results by index.
fn render<'gc>(
    ctx: Context<'gc>,
    fmt: LuaString<'gc>,
    values: &[Value<'gc>],
    texts: &[Option<LuaString<'gc>>],
) -> Result<Vec<u8>, Failure> {
    let names: Vec<String> = values
        .iter()
        .map(|&value| match value {
            Value::Table(_) | Value::Function(_) | Value::Thread(_) | Value::UserData(_) => {
                type_name(ctx, value)
            }
            _ => String::new(),
        })
        .collect();
    let args: Vec<FormatArg<'_>> = values
        .iter()
        .enumerate()
        .map(|(i, &value)| {
            let text = texts.get(i).copied().flatten().map(LuaString::as_bytes);
            format_arg(value, text, &names[i])
        })
        .collect();
    Ok(format::format(fmt.as_bytes(), &args)?)
}

/// A `string.format` call waiting for `__tostring` results.
#[derive(Collect)]
#[collect(no_drop)]
struct Format<'gc> {
    fmt: LuaString<'gc>,
    values: Vec<Value<'gc>>,
    /// `__tostring` results by argument index.
    texts: Vec<Option<LuaString<'gc>>>,
    /// Argument indices still to convert, the next one last.
    #[collect(require_static)]
    todo: Vec<usize>,
    /// The argument whose `__tostring` is running.
    #[collect(require_static)]
    waiting: Option<usize>,
    /// Whether the result's size was refused once, before a collection.
    #[collect(require_static)]
    again: bool,
}

impl<'gc> Step<'gc> for Format<'gc> {
    fn step(
        &mut self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Failure> {
        if let Some(i) = self.waiting.take() {
            let text = match stack.get(0) {
                Value::String(s) => s,
                Value::Integer(n) => ctx.intern(n.to_string().as_bytes()),
                Value::Number(x) => ctx.intern(number_to_lua_string(x).as_bytes()),
                _ => return Err(Failure::new("'__tostring' must return a string")),
            };
            if let Some(slot) = self.texts.get_mut(i) {
                *slot = Some(text);
            }
        }
        stack.clear();
        if let Some(i) = self.todo.pop() {
            let value = self.values.get(i).copied().unwrap_or_default();
            let Ok(MetaResult::Call(call)) = meta_ops::tostring(ctx, value) else {
                let method = metafield(ctx, value, "__tostring");
                return Err(Failure::new(format!(
                    "attempt to call a {} value",
                    method.type_name()
                )));
            };
            self.waiting = Some(i);
            stack.extend(call.args);
            return Ok(SequencePoll::Call { function: call.function, is_tail: false });
        }
        let size = format_size(self.fmt.as_bytes(), &self.values, &self.texts);
        if !room_in_step(ctx, exec, size, &mut self.again)? {
            return Ok(SequencePoll::Pending);
        }
        let result = render(ctx, self.fmt, &self.values, &self.texts)?;
        charge(exec, bytes_cost(result.len()) + self.values.len());
        stack.push_back(Value::String(new_string(ctx, result)));
        Ok(SequencePoll::Return)
    }
}

/// A Lua value as the format engine sees it.
fn format_arg<'gc: 'a, 'a>(
    value: Value<'gc>,
    tostring: Option<&'a [u8]>,
    type_name: &'a str,
) -> FormatArg<'a> {
    let ptr = match value {
        Value::Nil => return FormatArg::Nil,
        Value::Boolean(b) => return FormatArg::Bool(b),
        Value::Integer(n) => return FormatArg::Integer(n),
        Value::Number(x) => return FormatArg::Float(x),
        Value::String(s) => return FormatArg::Str(s.as_bytes()),
        Value::Table(t) => Gc::as_ptr(t.into_inner()).addr(),
        Value::Function(Function::Closure(c)) => Gc::as_ptr(c.into_inner()).addr(),
        Value::Function(Function::Callback(c)) => Gc::as_ptr(c.into_inner()).addr(),
        Value::Thread(t) => Gc::as_ptr(t.into_inner()).addr(),
        Value::UserData(u) => Gc::as_ptr(u.into_inner()).addr(),
    };
    FormatArg::Other { type_name, tostring, ptr }
}

/* ---------- find, match, gmatch ---------- */

/// `string.find(s, pattern [, init [, plain]])`: start, end and captures.
fn find<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    search(ctx, exec, stack, "find")
}

/// `string.match(s, pattern [, init])`: the captures (or the whole match).
fn lua_match<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    search(ctx, exec, stack, "match")
}

/// Lua's `str_find_aux`: the shared body of `find` and `match`.
fn search<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
    name: &'static str,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], name);
    let s = args.string(0)?.as_bytes();
    let p = args.string(1)?.as_bytes();
    let init = start_position(args.opt_integer(2)?.unwrap_or(1), s.len()) - 1;
    let find = name == "find";
    let plain = find && (args.get(3).to_bool() || pattern::is_plain(p));
    stack.clear();
    if init > s.len() {
        stack.push_back(Value::Nil);
        return Ok(CallbackReturn::Return);
    }
    if plain {
        let found = pattern::find_plain(s, p, init);
        charge_bytes(exec, found.map_or(s.len(), |at| at + p.len()) - init);
        match found {
            Some(at) => stack.extend([integer(at + 1), integer(at + p.len())]),
            None => stack.push_back(Value::Nil),
        }
        return Ok(CallbackReturn::Return);
    }
    let found = pattern::find_at(s, p, init)?;
    charge(exec, found.as_ref().map_or(s.len(), |m| m.range.end) - init + 1);
    match found {
        None => stack.push_back(Value::Nil),
        Some(m) if find => {
            stack.extend([integer(m.range.start + 1), integer(m.range.end)]);
            push_captures(ctx, &mut stack, s, m.find_captures()?);
        }
        Some(m) => push_captures(ctx, &mut stack, s, m.captures()?),
    }
    Ok(CallbackReturn::Return)
}

/// `string.gmatch(s, pattern [, init])` (also `gfind`): an iterator over
/// the matches; a leading `^` is an ordinary character here.
fn gmatch<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "gmatch");
    let subject = args.string(0)?;
    let pattern = args.string(1)?;
    let len = subject.as_bytes().len();
    let init = (start_position(args.opt_integer(2)?.unwrap_or(1), len) - 1).min(len + 1);
    let state = GmatchState { subject, pattern, pos: Cell::new(init), last_match: Cell::new(None) };
    let iterator = library_with(ctx, Gc::new(&ctx, state), |state, ctx, exec, stack| {
        state.next(ctx, exec, stack)
    });
    stack.replace(ctx, iterator);
    Ok(CallbackReturn::Return)
}

/// What a `gmatch` iterator remembers between calls.
#[derive(Collect)]
#[collect(no_drop)]
struct GmatchState<'gc> {
    subject: LuaString<'gc>,
    pattern: LuaString<'gc>,
    /// Where the next search starts (0-based byte offset).
    pos: Cell<usize>,
    /// End of the previous match: an empty match may not end there again.
    last_match: Cell<Option<usize>>,
}

impl<'gc> GmatchState<'gc> {
    /// Lua's `gmatch_aux`: the captures of the next match, or nothing.
    fn next(
        &self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> CallResult<'gc> {
        let (subject, pattern) = (self.subject.as_bytes(), self.pattern.as_bytes());
        stack.clear();
        let first = self.pos.get();
        for pos in first..=subject.len() {
            let found = pattern::match_here(subject, pattern, pos)?;
            if let Some(m) = found.filter(|m| Some(m.range.end) != self.last_match.get()) {
                charge(exec, m.range.end - first + 1);
                self.pos.set(m.range.end);
                self.last_match.set(Some(m.range.end));
                push_captures(ctx, &mut stack, subject, m.captures()?);
                return Ok(CallbackReturn::Return);
            }
        }
        charge(exec, subject.len().saturating_sub(first) + 1);
        Ok(CallbackReturn::Return)
    }
}

/* ---------- gsub ---------- */

/// `string.gsub(s, pattern, repl [, n])`: `repl` is a string (with `%0`-`%9`),
/// a table indexed by the first capture, or a function called with the captures.
fn gsub<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "gsub");
    let subject = args.string(0)?;
    let pattern = args.string(1)?;
    let len = subject.as_bytes().len();
    let max =
        args.opt_integer(3)?.unwrap_or(i64::try_from(len).unwrap_or(i64::MAX).saturating_add(1));
    let replacement = match args.get(2) {
        Value::String(s) => Replacement::Text(s),
        Value::Integer(_) | Value::Number(_) => Replacement::Text(args.string(2)?),
        Value::Table(table) => Replacement::Table(table),
        Value::Function(function) => Replacement::Function(function),
        _ => return Err(args.type_error(2, "string/function/table")),
    };
    let (anchored, pattern_start) = match pattern.as_bytes().first() {
        Some(b'^') => (true, 1),
        _ => (false, 0),
    };
    let references = match replacement {
        Replacement::Text(text) => text.as_bytes().iter().filter(|&&b| b == b'%').count(),
        _ => 0,
    };
    let state = Gsub {
        subject,
        pattern,
        pattern_start,
        replacement,
        references,
        anchored,
        max,
        count: 0,
        pos: 0,
        last_match: None,
        done: false,
        changed: false,
        out: Built::new(),
        again: false,
        pending: None,
    };
    start(state, ctx, exec, stack)
}

/// What `gsub` replaces matches with.
#[derive(Collect)]
#[collect(no_drop)]
enum Replacement<'gc> {
    Text(LuaString<'gc>),
    Table(Table<'gc>),
    Function(Function<'gc>),
}

/// A `gsub` in progress (Lua's `str_gsub` loop, resumable after calls).
#[derive(Collect)]
#[collect(no_drop)]
struct Gsub<'gc> {
    subject: LuaString<'gc>,
    pattern: LuaString<'gc>,
    /// 1 when the pattern starts with the `^` anchor, which is skipped.
    #[collect(require_static)]
    pattern_start: usize,
    replacement: Replacement<'gc>,
    /// `%` signs in a replacement string: each may bring in a whole match.
    #[collect(require_static)]
    references: usize,
    #[collect(require_static)]
    anchored: bool,
    /// Most replacements to make.
    #[collect(require_static)]
    max: i64,
    #[collect(require_static)]
    count: i64,
    /// Next byte of the subject to examine.
    #[collect(require_static)]
    pos: usize,
    /// End of the previous match: an empty match may not end there again.
    #[collect(require_static)]
    last_match: Option<usize>,
    #[collect(require_static)]
    done: bool,
    /// Whether any replacement differed from the matched text.
    #[collect(require_static)]
    changed: bool,
    #[collect(require_static)]
    out: Built,
    /// Whether the memory budget refused to grow `out` once, before a collection.
    #[collect(require_static)]
    again: bool,
    /// The match whose replacement a function or `__index` call computes
    /// (its result on the stack when the step resumes).
    #[collect(require_static)]
    pending: Option<Range<usize>>,
}

/// What one turn of the `gsub` loop asks of its step.
enum Turn<'gc> {
    Next,
    /// Call this function (its arguments pushed) for the replacement.
    Call(Function<'gc>),
    /// Pause for a collection before the result may grow ([`room_in_step`]).
    Wait,
}

impl<'gc> Step<'gc> for Gsub<'gc> {
    fn step(
        &mut self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Failure> {
        if let Some(range) = self.pending.clone() {
            let value = stack.get(0);
            if !self.grow(ctx, exec, value_size(value, &range))? {
                return Ok(SequencePoll::Pending);
            }
            self.pending = None;
            self.add_value(exec, value, range)?;
        }
        stack.clear();
        while !self.done && self.count < self.max {
            match self.advance(ctx, exec, stack)? {
                Turn::Next => {}
                Turn::Call(function) => return Ok(SequencePoll::Call { function, is_tail: false }),
                Turn::Wait => return Ok(SequencePoll::Pending),
            }
            if !exec.fuel().should_continue() {
                return Ok(SequencePoll::Pending);
            }
        }
        if self.changed && !self.grow(ctx, exec, self.subject.as_bytes().len() - self.pos)? {
            return Ok(SequencePoll::Pending);
        }
        self.finish(ctx, exec, stack);
        Ok(SequencePoll::Return)
    }
}

/// Most bytes a replacement value adds (numbers as text at most 24 bytes).
fn value_size(value: Value<'_>, matched: &Range<usize>) -> usize {
    match value {
        Value::Nil | Value::Boolean(false) => matched.len(),
        Value::String(s) => s.as_bytes().len(),
        Value::Integer(_) | Value::Number(_) => 24,
        _ => 0,
    }
}

impl<'gc> Gsub<'gc> {
    /// Room in `out` for `more` bytes, within the memory budget.
    #[inline]
    fn grow(
        &mut self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        more: usize,
    ) -> Result<bool, Failure> {
        let bytes = &self.out.bytes;
        if bytes.len().saturating_add(more) <= bytes.capacity() {
            return Ok(true);
        }
        self.out.reserve(ctx, exec, more, &mut self.again)
    }

    /// One turn of Lua's loop: replace a match at `pos`, or copy one byte.
    /// Nothing changes before the result has room for what the turn adds.
    fn advance(
        &mut self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Turn<'gc>, Failure> {
        let subject = self.subject.as_bytes();
        let pattern = self.pattern.as_bytes().get(self.pattern_start..).unwrap_or_default();
        let found = pattern::match_here(subject, pattern, self.pos)?;
        let Some(m) = found.filter(|m| Some(m.range.end) != self.last_match) else {
            match subject.get(self.pos) {
                Some(&b) => {
                    if !self.grow(ctx, exec, 1)? {
                        return Ok(Turn::Wait);
                    }
                    self.out.bytes.push(b);
                    self.pos += 1;
                }
                None => self.done = true,
            }
            self.done |= self.anchored;
            charge(exec, 1);
            return Ok(Turn::Next);
        };
        if let Replacement::Text(text) = self.replacement {
            // Each `%` reference brings in at most the match or a position.
            let each = m.range.len().max(20);
            let most = text.as_bytes().len().saturating_add(self.references.saturating_mul(each));
            if !self.grow(ctx, exec, most)? {
                return Ok(Turn::Wait);
            }
        }
        self.done = self.anchored;
        charge_bytes(exec, m.range.len());
        self.count += 1;
        self.pos = m.range.end;
        self.last_match = Some(m.range.end);
        self.replace(ctx, exec, &m, stack)
    }

    /// Adds the replacement of `m`, or pushes the arguments of the call
    /// that computes it and returns the function.
    fn replace(
        &mut self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        m: &Match,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Turn<'gc>, Failure> {
        let subject = self.subject.as_bytes();
        match self.replacement {
            Replacement::Text(text) => {
                let before = self.out.bytes.len();
                pattern::expand_replacement(text.as_bytes(), subject, m, &mut self.out.bytes)?;
                charge_bytes(exec, self.out.bytes.len() - before);
                self.changed = true;
                Ok(Turn::Next)
            }
            Replacement::Table(table) => {
                let key = capture_value(ctx, subject, m.capture(0)?);
                match meta_ops::index(ctx, Value::Table(table), key) {
                    Ok(MetaResult::Value(value)) => {
                        if !self.grow(ctx, exec, value_size(value, &m.range))? {
                            // Added when the step resumes, as a call's result.
                            self.pending = Some(m.range.clone());
                            stack.push_back(value);
                            return Ok(Turn::Wait);
                        }
                        self.add_value(exec, value, m.range.clone()).map(|()| Turn::Next)
                    }
                    Ok(MetaResult::Call(call)) => {
                        self.pending = Some(m.range.clone());
                        stack.extend(call.args);
                        Ok(Turn::Call(call.function))
                    }
                    Err(error) => Err(Failure::new(error.to_string())),
                }
            }
            Replacement::Function(function) => {
                self.pending = Some(m.range.clone());
                push_captures(ctx, stack, subject, m.captures()?);
                Ok(Turn::Call(function))
            }
        }
    }

    /// Lua's `add_value` for a table or function result: false or nil keeps
    /// the matched text; strings and numbers replace it.
    fn add_value(
        &mut self,
        exec: &mut Execution<'gc, '_>,
        value: Value<'gc>,
        range: Range<usize>,
    ) -> Result<(), Failure> {
        let out = &mut self.out.bytes;
        let before = out.len();
        match value {
            Value::Nil | Value::Boolean(false) => {
                let matched = self.subject.as_bytes().get(range).unwrap_or_default();
                out.extend_from_slice(matched);
                charge_bytes(exec, out.len() - before);
                return Ok(());
            }
            Value::String(s) => out.extend_from_slice(s.as_bytes()),
            Value::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
            Value::Number(x) => out.extend_from_slice(number_to_lua_string(x).as_bytes()),
            other => {
                let kind = other.type_name();
                return Err(Failure::new(format!("invalid replacement value (a {kind})")));
            }
        }
        charge_bytes(exec, out.len() - before);
        self.changed = true;
        Ok(())
    }

    /// Pushes the result string (or the unchanged argument) and the count.
    fn finish(
        &mut self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        stack: &mut Stack<'gc, '_>,
    ) {
        let result = if self.changed {
            let rest = self.subject.as_bytes().get(self.pos..).unwrap_or_default();
            self.out.bytes.extend_from_slice(rest);
            charge_bytes(exec, rest.len());
            Value::String(self.out.take_string(ctx))
        } else {
            // Lua returns argument 1, already converted to a string.
            Value::String(self.subject)
        };
        stack.extend([result, Value::Integer(self.count)]);
    }
}

/// A result built a piece at a time (`gsub`'s). Past
/// [`runtime::UNCHECKED_RESULT`] it is counted as memory of the Lua state
/// while it grows (an external allocation in the arena's metrics, as
/// piccolo counts its own buffers, so the budget's checks between slices
/// see it too), and it grows only where the budget has room. Smaller, it
/// grows as a `Vec` does, at no cost beyond that.
struct Built {
    bytes: Vec<u8>,
    /// Bytes reported to `metrics` (the capacity when last grown, once
    /// past the unchecked size).
    counted: usize,
    /// The state's metrics, from the first growth that is counted.
    metrics: Option<gc_arena::metrics::Metrics>,
}

impl Built {
    fn new() -> Built {
        Built { bytes: Vec::new(), counted: 0, metrics: None }
    }

    /// Makes room for `more` bytes: doubling the capacity where the budget
    /// allows, else as far as it allows. `Ok(false)`: the VM stops for a collection,
    /// and the caller pauses and asks again ([`room_in_step`]).
    #[inline(never)]
    fn reserve<'gc>(
        &mut self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        more: usize,
        again: &mut bool,
    ) -> Result<bool, Failure> {
        let needed = self.bytes.len().saturating_add(more);
        if needed <= self.bytes.capacity() {
            return Ok(true);
        }
        let doubled = needed.max(self.bytes.capacity().saturating_mul(2)).max(64);
        if doubled <= runtime::UNCHECKED_RESULT {
            self.bytes.reserve_exact(doubled - self.bytes.len());
            return Ok(true);
        }
        // Short of room to double, half the room there is (growing by what
        // each piece needs would copy the buffer over and over; taking all
        // of it would leave nothing for what the script allocates before
        // the buffer is done, and the heap past the budget between slices
        // ends the run, where a refused growth is an error `pcall` catches).
        let room = self.counted.saturating_add(runtime::room_left(ctx) / 2);
        let target = doubled.min(room).max(needed);
        // The growth is checked whole however small the step: past the
        // budget, a few bytes more of a large buffer are no small result.
        let grow = target - self.counted;
        let checked = if grow <= runtime::room_left(ctx) {
            grow
        } else {
            grow.max(runtime::UNCHECKED_RESULT + 1)
        };
        if !room_in_step(ctx, exec, checked, again)? {
            return Ok(false);
        }
        self.bytes.reserve_exact(target - self.bytes.len());
        let capacity = self.bytes.capacity();
        let metrics = self.metrics.get_or_insert_with(|| ctx.metrics().clone());
        metrics.mark_external_allocation(capacity - self.counted);
        self.counted = capacity;
        Ok(true)
    }

    /// The bytes as a Lua string (which counts them itself from then on).
    fn take_string<'gc>(&mut self, ctx: Context<'gc>) -> LuaString<'gc> {
        self.uncount();
        new_string(ctx, std::mem::take(&mut self.bytes))
    }

    fn uncount(&mut self) {
        if let Some(metrics) = &self.metrics {
            metrics.mark_external_deallocation(std::mem::take(&mut self.counted));
        }
    }
}

impl Drop for Built {
    fn drop(&mut self) {
        self.uncount();
    }
}

#[cfg(test)]
mod tests {
    //! Position rules and `rep` limits, checked against lua5.4 (5.4.4).
    use super::*;

    #[test]
    fn start_positions_follow_posrelat() {
        let cases = [(1, 5, 1), (3, 5, 3), (9, 5, 9), (0, 5, 1), (-1, 5, 5), (-5, 5, 1)];
        for (pos, len, want) in cases {
            assert_eq!(start_position(pos, len), want, "start_position({pos}, {len})");
        }
        assert_eq!(start_position(-6, 5), 1);
        assert_eq!(start_position(i64::MIN, 5), 1);
        assert_eq!(start_position(i64::MAX, 0), usize::try_from(i64::MAX).unwrap());
    }

    #[test]
    fn end_positions_are_clipped() {
        let cases = [(0, 5, 0), (3, 5, 3), (9, 5, 5), (-1, 5, 5), (-5, 5, 1), (-6, 5, 0)];
        for (pos, len, want) in cases {
            assert_eq!(end_position(pos, len), want, "end_position({pos}, {len})");
        }
        assert_eq!(end_position(i64::MIN, 5), 0);
        assert_eq!(end_position(i64::MAX, 5), 5);
    }

    #[test]
    fn repeat_fills_exactly_its_size() {
        for (s, sep) in [(&b"ab"[..], &b""[..]), (b"ab", b", "), (b"", b"-"), (b"x", b"yz")] {
            for n in 0..40 {
                let naive = vec![s; n].join(sep);
                let built = repeat(s, n as i64, sep).map_err(|f| f.message().to_vec()).unwrap();
                assert_eq!(built, naive, "{n}");
                assert_eq!(built.capacity(), naive.len(), "one allocation of the size");
                assert_eq!(repeat_size(s, n as i64, sep).ok(), Some(naive.len()));
            }
        }
    }

    #[test]
    fn repeat_builds_and_refuses_like_lua() {
        let text = |r: Result<Vec<u8>, Failure>| {
            String::from_utf8(r.map_err(|f| f.message().to_vec()).unwrap())
        };
        assert_eq!(text(repeat(b"ab", 3, b"")), Ok("ababab".into()));
        assert_eq!(text(repeat(b"ab", 3, b", ")), Ok("ab, ab, ab".into()));
        assert_eq!(text(repeat(b"ab", 1, b",")), Ok("ab".into()));
        assert_eq!(text(repeat(b"ab", 0, b",")), Ok(String::new()));
        assert_eq!(text(repeat(b"ab", i64::MIN, b"")), Ok(String::new()));
        assert_eq!(text(repeat(b"", i64::MAX, b"")), Ok(String::new()));
        let too_large = |r: Result<Vec<u8>, Failure>| r.err().map(|f| f.message().to_vec());
        assert_eq!(
            too_large(repeat(b"x", 1 << 31, b"")),
            Some(b"resulting string too large".to_vec())
        );
        assert_eq!(
            too_large(repeat(b"ab", i64::MAX, b"")),
            Some(b"resulting string too large".to_vec())
        );
        assert_eq!(
            too_large(repeat(b"", 1 << 31, b",")),
            Some(b"resulting string too large".to_vec())
        );
    }
}
