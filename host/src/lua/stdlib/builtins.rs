//! Base functions piccolo 0.3.3 gets wrong: `getmetatable` and
//! `setmetatable` (the string metatable, `__metatable` protection),
//! `pairs` (assigning to a visited field must not end the loop), `assert`
//! (position, argument check), `pcall` (a non-function is a caught error),
//! `collectgarbage` (Lua's options).

use std::cell::Cell;

use gc_arena::allocator_api::MetricsAlloc;
use piccolo::{Callback, CallbackReturn, Context, Execution, Function, Stack, Table, Value};

use super::args::{Args, CallResult, Failure, library, library_with, metafield};

pub fn load_builtins(ctx: Context<'_>) {
    let globals = ctx.globals();
    // Strings share one metatable whose `__index` is the `string` table, so
    // `getmetatable("").__index == string` as in Lua.
    let string_meta = Table::new(&ctx);
    let _ = string_meta.set(ctx, "__index", ctx.get_global("string"));
    let _ = globals.set(ctx, "getmetatable", library_with(ctx, string_meta, getmetatable));
    let _ = globals.set(ctx, "setmetatable", library(ctx, setmetatable));
    let _ = globals.set(ctx, "pairs", library(ctx, pairs));
    let _ = globals.set(ctx, "assert", Callback::from_fn(&ctx, assert));
    if let Value::Function(original) = ctx.get_global("pcall") {
        let _ = globals.set(ctx, "pcall", library_with(ctx, original, pcall));
    }
    let _ = globals.set(ctx, "collectgarbage", library(ctx, collectgarbage));
}

fn getmetatable<'gc>(
    string_meta: &Table<'gc>,
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let value = Args::new(ctx, &stack[..], "getmetatable").any(0)?;
    let meta = match value {
        Value::Table(t) => t.metatable(),
        Value::UserData(u) => u.metatable(),
        Value::String(_) => Some(*string_meta),
        _ => None,
    };
    let result = match meta {
        // A `__metatable` field stands in for the real metatable.
        Some(meta) => match meta.get(ctx, "__metatable") {
            Value::Nil => Value::Table(meta),
            protected => protected,
        },
        None => Value::Nil,
    };
    stack.replace(ctx, result);
    Ok(CallbackReturn::Return)
}

fn setmetatable<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "setmetatable");
    let table = args.table(0)?;
    let meta = match args.get(1) {
        Value::Nil => None,
        Value::Table(meta) => Some(meta),
        _ => return Err(args.type_error(1, "nil or table")),
    };
    if args.len() < 2 {
        return Err(args.type_error(1, "nil or table"));
    }
    if !metafield(ctx, Value::Table(table), "__metatable").is_nil() {
        return Err(Failure::new("cannot change a protected metatable"));
    }
    table.set_metatable(&ctx, meta);
    stack.replace(ctx, table);
    Ok(CallbackReturn::Return)
}

/// `pairs(t)`: `__pairs` if present; otherwise the keys are taken when the
/// loop starts and each step reads the current value, skipping cleared
/// fields. piccolo 0.3.3's own traversal can stop early when a visited
/// field is assigned during the loop, which Lua allows.
fn pairs<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "pairs");
    let value = args.any(0)?;
    if let Value::Function(method) = metafield(ctx, value, "__pairs") {
        stack.clear();
        stack.push_back(value);
        return Ok(CallbackReturn::Call { function: method, then: None });
    }
    let table = args.table(0)?;
    // The keys and how far the loop has got live in the step function itself:
    // one allocation per loop, no table lookups to advance. The keys count
    // toward the state's memory, as a table of them would.
    let mut keys = allocator_api2::vec::Vec::new_in(MetricsAlloc::new(&ctx));
    keys.extend(table.iter().map(|(key, _)| key));
    let step = Callback::from_fn_with(
        &ctx,
        (table, keys, Cell::new(0usize)),
        |(table, keys, at), _, _, mut stack| {
            stack.clear();
            let mut next = at.get();
            while next < keys.len() {
                let key = keys[next];
                next += 1;
                let value = table.get_value(key);
                if !value.is_nil() {
                    at.set(next);
                    stack.push_back(key);
                    stack.push_back(value);
                    return Ok(CallbackReturn::Return);
                }
            }
            at.set(next);
            stack.push_back(Value::Nil);
            Ok(CallbackReturn::Return)
        },
    );
    stack.clear();
    stack.push_back(Value::Function(Function::Callback(step)));
    stack.push_back(Value::Table(table));
    stack.push_back(Value::Nil);
    Ok(CallbackReturn::Return)
}

fn assert<'gc>(
    ctx: Context<'gc>,
    exec: Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, piccolo::Error<'gc>> {
    if stack.is_empty() {
        return Err(Failure::new("bad argument #1 to 'assert' (value expected)").raise(ctx, &exec));
    }
    if !matches!(stack.get(0), Value::Nil | Value::Boolean(false)) {
        return Ok(CallbackReturn::Return);
    }
    match stack.get(1) {
        Value::Nil => Err(Failure::new("assertion failed!").raise(ctx, &exec)),
        // Lua positions string messages (it raises them through `error`).
        Value::String(message) => Err(Failure::new(message.as_bytes().to_vec()).raise(ctx, &exec)),
        other => Err(other.into()),
    }
}

/// `pcall(f, ...)`: piccolo's, but a value that cannot be called is a
/// caught error, as in Lua.
fn pcall<'gc>(
    original: &Function<'gc>,
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "pcall");
    let target = args.any(0)?;
    if piccolo::meta_ops::call(ctx, target).is_err() {
        let kind = target.type_name();
        stack.clear();
        stack.push_back(Value::Boolean(false));
        stack.push_back(Value::String(
            ctx.intern(format!("attempt to call a {kind} value").as_bytes()),
        ));
        return Ok(CallbackReturn::Return);
    }
    Ok(CallbackReturn::Call { function: *original, then: None })
}

/// `collectgarbage([opt [, arg]])`: the collector runs between host steps,
/// so requests are acknowledged with Lua's return values.
fn collectgarbage<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "collectgarbage");
    let option = match args.opt_string(0)? {
        Some(option) => option.to_str_lossy().into_owned(),
        None => "collect".to_owned(),
    };
    let result: Value = match option.as_str() {
        "collect" | "stop" | "restart" => Value::Integer(0),
        "count" => Value::Number(ctx.metrics().total_allocation() as f64 / 1024.0),
        "step" => Value::Boolean(false),
        "isrunning" => Value::Boolean(true),
        "incremental" | "generational" => Value::String(ctx.intern(b"incremental")),
        other => return Err(args.bad(0, &format!("invalid option '{other}'"))),
    };
    stack.replace(ctx, result);
    Ok(CallbackReturn::Return)
}
