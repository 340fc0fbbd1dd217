//! Base functions that behave differently in Lua 5.4 than in piccolo 0.3.3:
//! `print` and `tostring` (number and table formatting), `error` (adds the
//! caller's position).

use piccolo::{Callback, CallbackReturn, Context, Error, Function, Value};

use crate::lua::format::number_to_lua_string;
use crate::lua::runtime::Output;

pub fn load_base(ctx: Context<'_>, output: Output) {
    let print = Callback::from_fn(&ctx, move |ctx, _, stack| {
        let mut line = Vec::new();
        for i in 0..stack.len() {
            let value = &stack.get(i);
            if i > 0 {
                line.push(b'\t');
            }
            line.extend_from_slice(&to_lua_string(ctx, *value));
        }
        line.push(b'\n');
        let mut out = output.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(&line);
        let _ = out.flush();
        Ok(CallbackReturn::Return)
    });
    let _ = ctx.set_global("print", print);

    let tostring = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        if stack.is_empty() {
            return Err(message(ctx, "bad argument #1 to 'tostring' (value expected)"));
        }
        let text = to_lua_string(ctx, stack.get(0));
        stack.replace(ctx, Value::String(ctx.intern(&text)));
        Ok(CallbackReturn::Return)
    });
    let _ = ctx.set_global("tostring", tostring);

    let error = Callback::from_fn(&ctx, |ctx, exec, stack| {
        let value = stack.get(0);
        let level = match stack.get(1) {
            Value::Integer(level) => level,
            Value::Number(level) => level as i64,
            _ => 1,
        };
        // Lua adds the position for string messages at level 1 (the caller).
        if let (Value::String(text), 1) = (value, level)
            && let Some(frame) = exec.upper_lua_frame()
        {
            let located = format!(
                "{}:{}: {}",
                frame.chunk_name.to_str_lossy(),
                frame.current_line,
                text.to_str_lossy()
            );
            return Err(Value::String(ctx.intern(located.as_bytes())).into());
        }
        Err(value.into())
    });
    let _ = ctx.set_global("error", error);
}

/// Converts a value as Lua 5.4's `tostring` does (without `__tostring`).
pub fn to_lua_string<'gc>(ctx: Context<'gc>, value: Value<'gc>) -> Vec<u8> {
    let _ = ctx;
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
        Value::Table(t) => {
            format!("table: {:p}", gc_arena::Gc::as_ptr(t.into_inner())).into_bytes()
        }
        Value::Function(Function::Closure(c)) => {
            format!("function: {:p}", gc_arena::Gc::as_ptr(c.into_inner())).into_bytes()
        }
        Value::Function(Function::Callback(c)) => {
            format!("function: builtin: {:p}", gc_arena::Gc::as_ptr(c.into_inner())).into_bytes()
        }
        Value::Thread(t) => {
            format!("thread: {:p}", gc_arena::Gc::as_ptr(t.into_inner())).into_bytes()
        }
        Value::UserData(u) => {
            format!("userdata: {:p}", gc_arena::Gc::as_ptr(u.into_inner())).into_bytes()
        }
    }
}

/// The text of an error that escaped to the host.
pub fn error_text<'gc>(ctx: Context<'gc>, error: &Error<'gc>) -> String {
    match error {
        Error::Lua(value) => String::from_utf8_lossy(&to_lua_string(ctx, value.0)).into_owned(),
        Error::Runtime(error) => error.to_string(),
    }
}

fn message<'gc>(ctx: Context<'gc>, text: &str) -> Error<'gc> {
    Value::String(ctx.intern(text.as_bytes())).into()
}
