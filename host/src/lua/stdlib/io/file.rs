//! Lua's file handles: the userdata over a [`Stream`], its metatable and
//! methods (`read`, `lines`, `write`, `close`, `flush`, `seek`, `setvbuf`),
//! and the reading and writing that `io.read`, `io.lines` and `io.write`
//! share with them.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::{Rc, Weak};

use gc_arena::Collect;
use piccolo::{Callback, CallbackReturn, Context, Execution, Stack, Table, UserData, Value};

use super::stream::{MAX_READ, Stream};
use super::{push_failure, strerror};
use crate::lua::format::{self, FormatArg, Number, number_to_lua_string};
use crate::lua::runtime;
use crate::lua::stdlib::args::{
    Args, Body, CallResult, Failure, charge_bytes, library, library_with, new_string,
};
use crate::lua::stdlib::base::memory_failure;

/// Most formats `lines` takes (Lua's `MAXARGLINE`).
const MAX_LINE_FORMATS: usize = 250;

/// The `__name` of file handles, which Lua's messages use ("FILE* expected").
const FILE_TYPE: &str = "FILE*";

/* ---------- file handles ---------- */

/// A stream shared by a userdata and the list of open files; `None` once closed.
pub(super) type Shared = Rc<RefCell<Option<Stream>>>;

/// The Rust value inside a file userdata. Dropping it (when the collector
/// frees the userdata) closes the file.
struct LuaFile(Shared);

thread_local! {
    /// Files open on this thread, for [`flush_open_files`].
    pub(super) static OPEN_FILES: RefCell<Vec<Weak<RefCell<Option<Stream>>>>> =
        const { RefCell::new(Vec::new()) };
}

/// Flushes every open file's buffered writes (before `os.exit`).
pub(in crate::lua::stdlib) fn flush_open_files() {
    OPEN_FILES.with(|files| {
        for file in files.borrow().iter().filter_map(Weak::upgrade) {
            if let Ok(mut file) = file.try_borrow_mut()
                && let Some(stream) = file.as_mut()
            {
                let _ = stream.flush();
            }
        }
    });
}

pub(super) fn new_file<'gc>(
    ctx: Context<'gc>,
    metatable: Table<'gc>,
    stream: Stream,
) -> UserData<'gc> {
    let shared: Shared = Rc::new(RefCell::new(Some(stream)));
    OPEN_FILES.with(|files| {
        let mut files = files.borrow_mut();
        if files.len() >= 64 {
            files.retain(|file| file.strong_count() > 0);
        }
        files.push(Rc::downgrade(&shared));
    });
    let data = UserData::new_static(&ctx, LuaFile(shared));
    data.set_metatable(&ctx, Some(metatable));
    data
}

/// The file handle in a value, open or closed.
pub(super) fn as_file(value: Value<'_>) -> Option<&Shared> {
    match value {
        Value::UserData(data) => data.downcast_static::<LuaFile>().ok().map(|file| &file.0),
        _ => None,
    }
}

/// `tofile`: argument `i` must be an open file.
pub(super) fn open_file<'gc>(args: &Args<'gc, '_>, i: usize) -> Result<&'gc Shared, Failure> {
    let Value::UserData(data) = args.get(i) else {
        return Err(args.type_error(i, FILE_TYPE));
    };
    let file = data.downcast_static::<LuaFile>().map_err(|_| args.type_error(i, FILE_TYPE))?;
    if file.0.borrow().is_none() {
        return Err(Failure::new("attempt to use a closed file"));
    }
    Ok(&file.0)
}

/// Runs `f` on the open stream of `file`.
pub(super) fn with_stream<T>(
    file: &Shared,
    f: impl FnOnce(&mut Stream) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let mut borrowed =
        file.try_borrow_mut().map_err(|_| Failure::new("attempt to use a busy file"))?;
    match borrowed.as_mut() {
        Some(stream) => f(stream),
        None => Err(Failure::new("attempt to use a closed file")),
    }
}

/// The file metatable: methods in `__index`, `__name`, `__tostring`.
pub(super) fn file_metatable(ctx: Context<'_>) -> Table<'_> {
    let methods = Table::new(&ctx);
    let functions: [(&str, Body); 7] = [
        ("close", file_close),
        ("flush", file_flush),
        ("lines", file_lines),
        ("read", file_read),
        ("seek", file_seek),
        ("setvbuf", file_setvbuf),
        ("write", file_write),
    ];
    for (name, body) in functions {
        let _ = methods.set(ctx, name, library(ctx, body));
    }
    let metatable = Table::new(&ctx);
    let _ = metatable.set(ctx, "__index", methods);
    let _ = metatable.set(ctx, "__name", FILE_TYPE);
    let tostring = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let text = match as_file(stack.get(0)) {
            Some(file) if file.borrow().is_none() => "file (closed)".to_owned(),
            Some(file) => format!("file ({:p})", Rc::as_ptr(file)),
            None => "file".to_owned(),
        };
        stack.replace(ctx, ctx.intern(text.as_bytes()));
        Ok(CallbackReturn::Return)
    });
    let _ = metatable.set(ctx, "__tostring", tostring);
    metatable
}

/* ---------- reading ---------- */

/// One format of `read` and `lines`.
enum Format {
    Number,
    Line { keep: bool },
    All,
    Count(usize),
}

/// Parses format `i` of `args` (`luaL_checkinteger` or `luaL_checkstring`).
fn read_format(args: &Args<'_, '_>, i: usize) -> Result<Format, Failure> {
    if let Value::Integer(_) | Value::Number(_) = args.get(i) {
        let count = args.integer(i)?;
        // Lua converts to size_t: a negative count asks for everything.
        return Ok(Format::Count(usize::try_from(count).unwrap_or(usize::MAX)));
    }
    let text = args.string(i)?.as_bytes();
    let text = text.strip_prefix(b"*").unwrap_or(text);
    match text.first() {
        Some(b'n') => Ok(Format::Number),
        Some(b'l') => Ok(Format::Line { keep: false }),
        Some(b'L') => Ok(Format::Line { keep: true }),
        Some(b'a') => Ok(Format::All),
        _ => Err(args.bad(i, "invalid format")),
    }
}

/// What a read produced: values, or Lua's `nil, message, errno`.
pub(super) enum ReadResult<'gc> {
    Values(Vec<Value<'gc>>),
    Failed(io::Error),
}

/// Lua's `g_read`: reads with formats `first..` of `args` (none means one
/// line); a format that finds nothing gives nil and ends the list.
pub(super) fn read_values<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    file: &Shared,
    args: &Args<'gc, '_>,
    first: usize,
) -> Result<ReadResult<'gc>, Failure> {
    // No string read may be larger than the memory budget: one that is
    // fails before it is read whole, not after it took the memory.
    let limit = MAX_READ.min(runtime::memory_limit());
    with_stream(file, |stream| {
        let mut values = Vec::new();
        let count = args.len().saturating_sub(first).max(1);
        for i in first..first + count {
            let format = if args.len() <= first {
                Format::Line { keep: false }
            } else {
                read_format(args, i)?
            };
            match read_one(ctx, stream, format, limit) {
                Ok((value, bytes)) => {
                    charge_bytes(exec, bytes);
                    values.push(value);
                    if value.is_nil() {
                        break;
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::OutOfMemory => {
                    return Err(if limit < MAX_READ {
                        memory_failure()
                    } else {
                        Failure::new("not enough memory")
                    });
                }
                Err(error) => return Ok(ReadResult::Failed(error)),
            }
        }
        Ok(ReadResult::Values(values))
    })
}

/// Reads one value (nil when the format finds nothing) and its size; a
/// string longer than `limit` is an `OutOfMemory` error.
fn read_one<'gc>(
    ctx: Context<'gc>,
    stream: &mut Stream,
    format: Format,
    limit: usize,
) -> io::Result<(Value<'gc>, usize)> {
    let bytes = match format {
        Format::Number => {
            return Ok(match stream.read_number()? {
                Some(Number::Integer(n)) => (Value::Integer(n), 1),
                Some(Number::Float(x)) => (Value::Number(x), 1),
                None => (Value::Nil, 1),
            });
        }
        Format::Line { keep } => stream.read_line(keep, limit)?,
        Format::All => Some(stream.read_all(limit)?),
        Format::Count(0) => stream.fill()?.then(Vec::new),
        Format::Count(count) => stream.read_count(count, limit)?,
    };
    Ok(match bytes {
        Some(bytes) => {
            let size = bytes.len();
            (Value::String(new_string(ctx, bytes)), size)
        }
        None => (Value::Nil, 0),
    })
}

pub(super) fn push_read<'gc>(
    ctx: Context<'gc>,
    stack: &mut Stack<'gc, '_>,
    result: ReadResult<'gc>,
) {
    match result {
        ReadResult::Values(values) => {
            stack.clear();
            stack.extend(values);
        }
        ReadResult::Failed(error) => push_failure(ctx, stack, None, &error),
    }
}

/// `file:read(...)`.
fn file_read<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::method(ctx, &stack[..], "read");
    let file = open_file(&args, 0)?;
    let result = read_values(ctx, exec, file, &args, 1)?;
    push_read(ctx, &mut stack, result);
    Ok(CallbackReturn::Return)
}

/// The iterator of `lines`: the file, its formats, whether to close at the end.
#[derive(Collect)]
#[collect(no_drop)]
struct Lines<'gc> {
    file: Value<'gc>,
    formats: Vec<Value<'gc>>,
    close_at_end: bool,
}

/// Lua's `aux_lines`: an iterator reading `formats` from `file`.
pub(super) fn lines_iterator<'gc>(
    ctx: Context<'gc>,
    args: &Args<'gc, '_>,
    file: Value<'gc>,
    formats: &[Value<'gc>],
    close_at_end: bool,
) -> Result<Callback<'gc>, Failure> {
    if formats.len() > MAX_LINE_FORMATS {
        return Err(args.bad(MAX_LINE_FORMATS + 1, "too many arguments"));
    }
    let state = Lines { file, formats: formats.to_vec(), close_at_end };
    Ok(library_with(ctx, state, |state, ctx, exec, mut stack| {
        next_line(ctx, exec, &mut stack, state)?;
        Ok(CallbackReturn::Return)
    }))
}

/// One step of a `lines` iterator (Lua's `io_readline`).
fn next_line<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: &mut Stack<'gc, '_>,
    state: &Lines<'gc>,
) -> Result<(), Failure> {
    let Some(file) = as_file(state.file) else { return Err(Failure::new("bad file")) };
    if file.borrow().is_none() {
        return Err(Failure::new("file is already closed"));
    }
    // The formats are arguments 2.. of the iterator, as Lua counts them.
    let mut values = vec![state.file];
    values.extend_from_slice(&state.formats);
    let args = Args::new(ctx, &values, "for iterator");
    stack.clear();
    match read_values(ctx, exec, file, &args, 1)? {
        ReadResult::Values(values) if values.first().is_some_and(|v| !v.is_nil()) => {
            stack.extend(values);
        }
        ReadResult::Values(_) => {
            if state.close_at_end {
                let _ = close_stream(file);
            }
        }
        ReadResult::Failed(error) => return Err(Failure::new(strerror(&error))),
    }
    Ok(())
}

/// `file:lines(...)`: the file stays open after the last line.
fn file_lines<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let values = stack[..].to_vec();
    let args = Args::method(ctx, &values, "lines");
    open_file(&args, 0)?;
    let iterator = lines_iterator(ctx, &args, args.get(0), &values[1..], false)?;
    stack.replace(ctx, iterator);
    Ok(CallbackReturn::Return)
}

/* ---------- writing ---------- */

/// Lua's `g_write`: writes arguments `first..` in order; numbers as
/// `%.14g` (floats) or decimal (integers).
pub(super) fn write_values<'gc>(
    exec: &mut Execution<'gc, '_>,
    file: &Shared,
    args: &Args<'gc, '_>,
    first: usize,
) -> Result<io::Result<()>, Failure> {
    with_stream(file, |stream| {
        let mut status = Ok(());
        let mut number = Vec::new();
        for i in first..args.len() {
            number.clear();
            let text = match args.get(i) {
                Value::String(s) => s.as_bytes(),
                Value::Integer(n) => {
                    let _ = write!(number, "{n}");
                    &number[..]
                }
                Value::Number(x) => {
                    number = format::format(b"%.14g", &[FormatArg::Float(x)])
                        .unwrap_or_else(|_| number_to_lua_string(x).into_bytes());
                    &number[..]
                }
                _ => return Err(args.type_error(i, "string")),
            };
            charge_bytes(exec, text.len());
            if status.is_ok() {
                status = stream.write(text);
            }
        }
        Ok(status)
    })
}

/// `file:write(...)`: returns the file, or `nil, message, errno`.
fn file_write<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::method(ctx, &stack[..], "write");
    let file = open_file(&args, 0)?;
    let this = args.get(0);
    match write_values(exec, file, &args, 1)? {
        Ok(()) => stack.replace(ctx, this),
        Err(error) => push_failure(ctx, &mut stack, None, &error),
    }
    Ok(CallbackReturn::Return)
}

/* ---------- other methods ---------- */

/// Flushes and closes; `None` for a standard file, which stays open.
pub(super) fn close_stream(file: &Shared) -> Result<Option<io::Result<()>>, Failure> {
    let standard = with_stream(file, |stream| Ok(stream.is_standard()))?;
    if standard {
        return Ok(None);
    }
    let flushed = with_stream(file, |stream| Ok(stream.flush_writes()))?;
    if let Ok(mut open) = file.try_borrow_mut() {
        drop(open.take());
    }
    Ok(Some(flushed))
}

/// `true`, or `nil, message, errno`.
pub(super) fn push_status<'gc>(
    ctx: Context<'gc>,
    stack: &mut Stack<'gc, '_>,
    status: io::Result<()>,
) {
    match status {
        Ok(()) => stack.replace(ctx, true),
        Err(error) => push_failure(ctx, stack, None, &error),
    }
}

/// What `close` returns: `push_status`, or Lua's refusal for standard files.
pub(super) fn push_closed<'gc>(
    ctx: Context<'gc>,
    stack: &mut Stack<'gc, '_>,
    closed: Option<io::Result<()>>,
) {
    match closed {
        Some(status) => push_status(ctx, stack, status),
        None => stack.replace(ctx, (Value::Nil, ctx.intern(b"cannot close standard file"))),
    }
}

/// `file:close()`.
fn file_close<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::method(ctx, &stack[..], "close");
    let file = open_file(&args, 0)?;
    let closed = close_stream(file)?;
    push_closed(ctx, &mut stack, closed);
    Ok(CallbackReturn::Return)
}

/// `file:flush()`.
fn file_flush<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::method(ctx, &stack[..], "flush");
    let file = open_file(&args, 0)?;
    let status = with_stream(file, |stream| Ok(stream.flush()))?;
    push_status(ctx, &mut stack, status);
    Ok(CallbackReturn::Return)
}

/// `file:seek([whence [, offset]])`: the new position from the start.
fn file_seek<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::method(ctx, &stack[..], "seek");
    let file = open_file(&args, 0)?;
    let whence = args.option(1, Some("cur"), &["set", "cur", "end"])?;
    let offset = args.opt_integer(2)?.unwrap_or(0);
    match with_stream(file, |stream| Ok(stream.seek(whence, offset)))? {
        Ok(position) => stack.replace(ctx, i64::try_from(position).unwrap_or(i64::MAX)),
        Err(error) => push_failure(ctx, &mut stack, None, &error),
    }
    Ok(CallbackReturn::Return)
}

/// `file:setvbuf(mode [, size])`: checked, then ignored (the host buffers).
fn file_setvbuf<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::method(ctx, &stack[..], "setvbuf");
    open_file(&args, 0)?;
    args.option(1, None, &["no", "full", "line"])?;
    args.opt_integer(2)?;
    stack.replace(ctx, true);
    Ok(CallbackReturn::Return)
}
