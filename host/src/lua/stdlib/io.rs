//! The `io` library, confined to the sandbox: Lua 5.4's `open`, `lines`,
//! `read`, `write`, `input`, `output`, `close`, `flush`, `type` and the
//! standard files, with files as userdata over a buffered [`Stream`].
//!
//! Paths go through [`Sandbox`]: an escape is a Lua error, a missing file
//! is Lua's `nil, message, errno`. `io.stdout` (and `io.write`) write to the
//! host's [`Output`], the same sink as `print`, so their order is kept.
//! `io.stdin` is the real standard input only under `planhost run`; a plan
//! reads an empty stream. Reads and writes cost fuel per byte; one read may
//! return at most [`stream::MAX_READ`] bytes, and no more than the memory
//! budget. Files a script forgets are closed (and flushed) when the
//! collector frees them; `os.exit` flushes them all through
//! [`flush_open_files`].
//!
//! This file holds the `io` table's functions and the sandbox's paths; the
//! file handles and their methods are in [`file`], the buffering under them
//! in [`stream`].

mod file;
mod stream;

use std::fs::OpenOptions;
use std::io;
use std::path::PathBuf;
use std::rc::Rc;

use gc_arena::Collect;
use piccolo::{CallbackReturn, Context, Execution, Stack, Table, UserData, Value};

use self::file::{
    Shared, as_file, close_stream, file_metatable, lines_iterator, new_file, open_file,
    push_closed, push_read, push_status, read_values, with_stream, write_values,
};
use self::stream::{Stream, Target};
use super::args::{Args, CallResult, Failure, library_with, new_string};
use crate::lua::runtime::Output;
use crate::lua::sandbox::{Sandbox, SandboxError, open_plan_file};

pub(super) use self::file::flush_open_files;

/// The `errno` values of failures the host reports itself (Linux's).
const EBADF: i32 = 9;
const ENOTDIR: i32 = 20;
const EINVAL: i32 = 22;
const ESPIPE: i32 = 29;

/// Registers the `io` table.
pub fn load_io(ctx: Context<'_>, sandbox: &Sandbox, output: Output) {
    let metatable = file_metatable(ctx);
    let stdin = if sandbox.allow_exit() { Target::Stdin } else { Target::NoInput };
    let stdin = new_file(ctx, metatable, Stream::new(stdin, true, false));
    let stdout = new_file(ctx, metatable, Stream::new(Target::Output(output.clone()), false, true));
    // A served plan's standard error is the console's, as its output is:
    // what a command writes there goes back to the shell that ran it.
    let stderr = if sandbox.allow_exit() { Target::Stderr } else { Target::Output(output) };
    let stderr = new_file(ctx, metatable, Stream::new(stderr, false, true));
    let defaults = Table::new(&ctx);
    let _ = defaults.set(ctx, "input", stdin);
    let _ = defaults.set(ctx, "output", stdout);
    let lib = Lib { metatable, defaults };
    let host = Rc::new(sandbox.clone());

    let io = Table::new(&ctx);
    let functions: [(&str, Body); 9] = [
        ("open", open),
        ("lines", io_lines),
        ("read", io_read),
        ("write", io_write),
        ("input", input),
        ("output", output_file),
        ("close", io_close),
        ("flush", io_flush),
        ("type", io_type),
    ];
    for (name, body) in functions {
        let host = host.clone();
        let callback = library_with(ctx, lib, move |lib, ctx, exec, stack| {
            body(ctx, *lib, &host, exec, stack)
        });
        let _ = io.set(ctx, name, callback);
    }
    let _ = io.set(ctx, "stdin", stdin);
    let _ = io.set(ctx, "stdout", stdout);
    let _ = io.set(ctx, "stderr", stderr);
    let _ = ctx.set_global("io", io);
}

/// What the `io` functions share: the file metatable and the default files.
#[derive(Collect, Clone, Copy)]
#[collect(no_drop)]
struct Lib<'gc> {
    metatable: Table<'gc>,
    /// `input` and `output`: the files `io.read` and `io.write` use.
    defaults: Table<'gc>,
}

/// The body of an `io` function.
type Body = for<'gc, 'e, 's> fn(
    Context<'gc>,
    Lib<'gc>,
    &Sandbox,
    &mut Execution<'gc, 'e>,
    Stack<'gc, 's>,
) -> CallResult<'gc>;

/* ---------- failures (shared with `file` and `os`) ---------- */

/// The C library's text for an error (`strerror`), without Rust's suffix.
pub(super) fn strerror(error: &io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(end) => text[..end].to_owned(),
        None => match error.kind() {
            io::ErrorKind::NotFound => "No such file or directory".to_owned(),
            io::ErrorKind::PermissionDenied => "Permission denied".to_owned(),
            _ => text,
        },
    }
}

/// The `errno` Lua returns as the third result of a failure.
pub(super) fn errno(error: &io::Error) -> i64 {
    match (error.raw_os_error(), error.kind()) {
        (Some(code), _) => i64::from(code),
        (None, io::ErrorKind::NotFound) => 2,
        (None, io::ErrorKind::PermissionDenied) => 13,
        (None, _) => 0,
    }
}

/// Lua's failure results `nil, message, errno` (`luaL_fileresult`); the
/// message starts with `name: ` when a file name is given.
pub(super) fn push_failure<'gc>(
    ctx: Context<'gc>,
    stack: &mut Stack<'gc, '_>,
    name: Option<&[u8]>,
    error: &io::Error,
) {
    let mut message = Vec::new();
    if let Some(name) = name {
        message.extend_from_slice(name);
        message.extend_from_slice(b": ");
    }
    message.extend_from_slice(strerror(error).as_bytes());
    stack.replace(ctx, (Value::Nil, new_string(ctx, message), errno(error)));
}

/* ---------- paths ---------- */

/// Where a script's path leads: the real path, or why the file system
/// refused (returned to the script as `nil, message, errno`).
pub(super) type Resolved = Result<PathBuf, io::Error>;

/// Resolves a path for `io.open` and friends. An escape from the sandbox is
/// a [`Failure`] (a Lua error), whether or not the file outside exists.
fn resolve(sandbox: &Sandbox, path: &[u8], write: bool) -> Result<Resolved, Failure> {
    let Ok(text) = std::str::from_utf8(path) else {
        return Ok(Err(io::ErrorKind::NotFound.into()));
    };
    let result = if write { sandbox.writable(text) } else { sandbox.readable(text) };
    match result {
        Ok(real) => Ok(Ok(real)),
        Err(SandboxError::Outside(_)) => Err(outside(path)),
        Err(error @ SandboxError::ServerFiles(_)) => Err(Failure::new(error.to_string())),
        Err(SandboxError::Io(_, error)) => {
            // A missing file outside is still an escape, not "no such file".
            let escape = !write && matches!(sandbox.writable(text), Err(SandboxError::Outside(_)));
            if escape || lexically_outside(sandbox, text) {
                Err(outside(path))
            } else {
                Ok(Err(error))
            }
        }
    }
}

/// Resolves a directory entry for `os.remove` and `os.rename` without
/// following a final symlink: its folder must lie inside the sandbox.
pub(super) fn resolve_entry(sandbox: &Sandbox, path: &[u8]) -> Result<Resolved, Failure> {
    let Ok(text) = std::str::from_utf8(path) else {
        return Ok(Err(io::ErrorKind::NotFound.into()));
    };
    // Whether it works tells whether the entry is there.
    sandbox.note_looked_at(text);
    if lexically_outside(sandbox, text) {
        return Err(outside(path));
    }
    let (folder, name) = match text.trim_end_matches('/').rsplit_once('/') {
        Some(("", name)) => ("/", name),
        Some((folder, name)) => (folder, name),
        None => (".", text),
    };
    if name.is_empty() || name == "." || name == ".." {
        return Ok(Err(io::Error::from_raw_os_error(EINVAL)));
    }
    match sandbox.readable(folder) {
        // `name/` must be a folder, as for the C library.
        Ok(real) if text.ends_with('/') && !real.join(name).is_dir() => {
            Ok(Err(io::Error::from_raw_os_error(ENOTDIR)))
        }
        Ok(real) => match sandbox.inside(text, real.join(name)) {
            Ok(entry) => Ok(Ok(entry)),
            Err(error) => Err(Failure::new(error.to_string())),
        },
        Err(SandboxError::Outside(_)) => Err(outside(path)),
        // Named as given, not by the folder that was refused.
        Err(SandboxError::ServerFiles(_)) => {
            Err(Failure::new(SandboxError::ServerFiles(text.to_owned()).to_string()))
        }
        Err(SandboxError::Io(_, error)) => Ok(Err(error)),
    }
}

/// Whether the path, with `..` resolved as text, names a place outside the
/// root (symlinks are checked by the sandbox itself).
fn lexically_outside(sandbox: &Sandbox, path: &str) -> bool {
    !sandbox.as_text(path).starts_with(sandbox.root())
}

fn outside(path: &[u8]) -> Failure {
    let mut message = path.to_vec();
    message.extend_from_slice(b": outside the plan directory");
    Failure::new(message)
}

/* ---------- reading and writing the default files ---------- */

/// `io.read(...)`: reads the default input.
fn io_read<'gc>(
    ctx: Context<'gc>,
    lib: Lib<'gc>,
    _: &Sandbox,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let file = default_file(ctx, lib, "input")?;
    let args = Args::new(ctx, &stack[..], "read");
    let result = read_values(ctx, exec, file, &args, 0)?;
    push_read(ctx, &mut stack, result);
    Ok(CallbackReturn::Return)
}

/// `io.lines([path, ...])`: lines of a file it opens and closes, or of the
/// default input.
fn io_lines<'gc>(
    ctx: Context<'gc>,
    lib: Lib<'gc>,
    sandbox: &Sandbox,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let values = stack[..].to_vec();
    let args = Args::new(ctx, &values, "lines");
    let formats = values.get(1..).unwrap_or_default();
    if args.get(0).is_nil() {
        let input = lib.defaults.get(ctx, "input");
        open_file(&Args::new(ctx, &[input], "lines"), 0)?;
        let iterator = lines_iterator(ctx, &args, input, formats, false)?;
        stack.replace(ctx, iterator);
        return Ok(CallbackReturn::Return);
    }
    let path = args.string(0)?.as_bytes();
    let file = Value::UserData(open_checked(ctx, lib, sandbox, path, "r")?);
    let iterator = lines_iterator(ctx, &args, file, formats, true)?;
    stack.replace(ctx, (iterator, Value::Nil, Value::Nil, file));
    Ok(CallbackReturn::Return)
}

/// `io.write(...)`: writes to the default output (the host's output).
fn io_write<'gc>(
    ctx: Context<'gc>,
    lib: Lib<'gc>,
    _: &Sandbox,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let file = default_file(ctx, lib, "output")?;
    let args = Args::new(ctx, &stack[..], "write");
    match write_values(exec, file, &args, 0)? {
        Ok(()) => stack.replace(ctx, lib.defaults.get(ctx, "output")),
        Err(error) => push_failure(ctx, &mut stack, None, &error),
    }
    Ok(CallbackReturn::Return)
}

/// `io.close([file])`: closes the file, or the default output.
fn io_close<'gc>(
    ctx: Context<'gc>,
    lib: Lib<'gc>,
    _: &Sandbox,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "close");
    let file =
        if args.get(0).is_nil() { default_file(ctx, lib, "output")? } else { open_file(&args, 0)? };
    let closed = close_stream(file)?;
    push_closed(ctx, &mut stack, closed);
    Ok(CallbackReturn::Return)
}

/// `io.flush()`: flushes the default output.
fn io_flush<'gc>(
    ctx: Context<'gc>,
    lib: Lib<'gc>,
    _: &Sandbox,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let file = default_file(ctx, lib, "output")?;
    let status = with_stream(file, |stream| Ok(stream.flush()))?;
    push_status(ctx, &mut stack, status);
    Ok(CallbackReturn::Return)
}

/* ---------- opening files ---------- */

/// Lua's `l_checkmode`: `r`, `w` or `a`, an optional `+`, then only `b`s.
fn valid_mode(mode: &[u8]) -> bool {
    let rest = match mode.split_first() {
        Some((b'r' | b'w' | b'a', rest)) => rest,
        _ => return false,
    };
    let rest = rest.strip_prefix(b"+").unwrap_or(rest);
    rest.iter().all(|&b| b == b'b')
}

/// Opens `path` with a checked mode: a file, or the file system's refusal.
fn open_stream(sandbox: &Sandbox, path: &[u8], mode: &[u8]) -> Result<io::Result<Stream>, Failure> {
    let plus = mode.contains(&b'+');
    let kind = mode.first().copied().unwrap_or(b'r');
    // (`r+`, `w+`, `a+` read what is there too.)
    if kind == b'r' || plus {
        sandbox.note_read(&String::from_utf8_lossy(path));
    }
    let real = match resolve(sandbox, path, kind != b'r')? {
        Ok(real) => real,
        Err(error) => return Ok(Err(error)),
    };
    let mut options = OpenOptions::new();
    match kind {
        b'r' => options.read(true).write(plus),
        b'w' => options.write(true).create(true).truncate(true).read(plus),
        _ => options.append(true).create(true).read(plus),
    };
    let (readable, writable) = (kind == b'r' || plus, kind != b'r' || plus);
    let opened = open_plan_file(&real, &mut options);
    // A file opened to be written may change; one that failed to open not.
    if opened.is_ok() && writable {
        sandbox.note_write(&String::from_utf8_lossy(path));
    }
    Ok(opened.map(|file| Stream::new(Target::Disk(file), readable, writable)))
}

/// `io.open(path [, mode])`: a file, or `nil, "path: message", errno`.
fn open<'gc>(
    ctx: Context<'gc>,
    lib: Lib<'gc>,
    sandbox: &Sandbox,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "open");
    let path = args.string(0)?.as_bytes();
    let mode = args.opt_string(1)?.map_or(&b"r"[..], |mode| mode.as_bytes());
    if !valid_mode(mode) {
        return Err(args.bad(1, "invalid mode"));
    }
    match open_stream(sandbox, path, mode)? {
        Ok(stream) => stack.replace(ctx, new_file(ctx, lib.metatable, stream)),
        Err(error) => push_failure(ctx, &mut stack, Some(path), &error),
    }
    Ok(CallbackReturn::Return)
}

/// Lua's `opencheckfile`: opens or raises "cannot open file".
fn open_checked<'gc>(
    ctx: Context<'gc>,
    lib: Lib<'gc>,
    sandbox: &Sandbox,
    path: &[u8],
    mode: &str,
) -> Result<UserData<'gc>, Failure> {
    match open_stream(sandbox, path, mode.as_bytes())? {
        Ok(stream) => Ok(new_file(ctx, lib.metatable, stream)),
        Err(error) => {
            let mut message = b"cannot open file '".to_vec();
            message.extend_from_slice(path);
            message.extend_from_slice(format!("' ({})", strerror(&error)).as_bytes());
            Err(Failure::new(message))
        }
    }
}

/// The default input or output, which must be open.
fn default_file<'gc>(
    ctx: Context<'gc>,
    lib: Lib<'gc>,
    which: &'static str,
) -> Result<&'gc Shared, Failure> {
    let closed = || Failure::new(format!("default {which} file is closed"));
    let file = as_file(lib.defaults.get(ctx, which)).ok_or_else(closed)?;
    if file.borrow().is_none() {
        return Err(closed());
    }
    Ok(file)
}

/// `io.input([file])` and `io.output([file])`: sets the default file (a
/// path is opened for reading or writing), returns the current one.
fn set_default<'gc>(
    ctx: Context<'gc>,
    lib: Lib<'gc>,
    sandbox: &Sandbox,
    stack: &mut Stack<'gc, '_>,
    which: &'static str,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], which);
    let new = match args.get(0) {
        Value::Nil => None,
        Value::String(_) | Value::Integer(_) | Value::Number(_) => {
            let path = args.string(0)?.as_bytes();
            let mode = if which == "input" { "r" } else { "w" };
            Some(Value::UserData(open_checked(ctx, lib, sandbox, path, mode)?))
        }
        other => {
            open_file(&args, 0)?;
            Some(other)
        }
    };
    if let Some(file) = new {
        let _ = lib.defaults.set(ctx, which, file);
    }
    stack.replace(ctx, lib.defaults.get(ctx, which));
    Ok(CallbackReturn::Return)
}

fn input<'gc>(
    ctx: Context<'gc>,
    lib: Lib<'gc>,
    sandbox: &Sandbox,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    set_default(ctx, lib, sandbox, &mut stack, "input")
}

fn output_file<'gc>(
    ctx: Context<'gc>,
    lib: Lib<'gc>,
    sandbox: &Sandbox,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    set_default(ctx, lib, sandbox, &mut stack, "output")
}

/// `io.type(value)`: "file", "closed file" or nil.
fn io_type<'gc>(
    ctx: Context<'gc>,
    _: Lib<'gc>,
    _: &Sandbox,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "type");
    let value = args.any(0)?;
    let result = match as_file(value) {
        Some(file) if file.borrow().is_none() => Value::String(ctx.intern(b"closed file")),
        Some(_) => Value::String(ctx.intern(b"file")),
        None => Value::Nil,
    };
    stack.replace(ctx, result);
    Ok(CallbackReturn::Return)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};

    use crate::lua::runtime::{Budget, Runtime};
    use crate::lua::sandbox::Sandbox;

    /// A plan folder `root` inside a scratch folder that also holds `secret`.
    struct Scratch {
        base: PathBuf,
        root: PathBuf,
    }

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let base =
                std::env::temp_dir().join(format!("planhost-io-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&base);
            let root = base.join("plan");
            std::fs::create_dir_all(root.join("data")).unwrap();
            std::fs::write(base.join("secret"), "secret\n").unwrap();
            Scratch { base, root }
        }

        /// Runs `source` in a runtime rooted at the plan folder; returns
        /// what it printed, or the error.
        fn run(&self, source: &str, allow_exit: bool) -> Result<String, String> {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let sandbox = Sandbox::new(&self.root, allow_exit).unwrap();
            let mut lua = Runtime::new(Budget::default(), &sandbox, buffer.clone());
            let result = lua.exec("test.lua", source.as_bytes(), &[]);
            drop(lua);
            let printed = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
            result.map(|()| printed).map_err(|e| e.message)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.base);
        }
    }

    /// Each line of `paths` is tried with `call`; every one must raise an
    /// "outside" error that `pcall` catches, and the script goes on.
    fn assert_refused(scratch: &Scratch, call: &str, paths: &[&str]) {
        for path in paths {
            let source = format!(
                "local ok, err = pcall(function() {call} end)\n\
                 print(ok, err)\nprint('continued')"
            )
            .replace("PATH", path);
            let printed = scratch.run(&source, false).unwrap();
            let expected =
                format!("false\ttest.lua:1: {path}: outside the plan directory\ncontinued\n");
            assert_eq!(printed, expected, "{call} with {path}");
        }
    }

    #[test]
    fn opening_outside_the_sandbox_is_an_error() {
        let scratch = Scratch::new("open");
        std::os::unix::fs::symlink(scratch.base.join("secret"), scratch.root.join("link")).unwrap();
        std::os::unix::fs::symlink(&scratch.base, scratch.root.join("up")).unwrap();
        let secret = scratch.base.join("secret");
        let absolute = secret.to_str().unwrap();
        let escapes = [
            "../x",
            "../secret",
            "data/../../secret",
            absolute,
            "/etc/passwd",
            "link",
            "up/secret",
        ];
        assert_refused(&scratch, "local f = io.open('PATH')", &escapes);
        assert_refused(&scratch, "local f = io.open('PATH', 'r+')", &escapes);
        assert_refused(&scratch, "for l in io.lines('PATH') do end", &escapes);
        assert_refused(&scratch, "io.input('PATH')", &escapes);
        let writes = ["../x", "../secret", absolute, "/tmp/planhost-new", "link", "up/new"];
        assert_refused(&scratch, "local f = io.open('PATH', 'w')", &writes);
        assert_refused(&scratch, "local f = io.open('PATH', 'a+')", &writes);
        assert_refused(&scratch, "io.output('PATH')", &writes);
        assert!(!scratch.base.join("x").exists() && !scratch.base.join("new").exists());
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "secret\n");
    }

    #[test]
    fn remove_and_rename_stay_inside() {
        let scratch = Scratch::new("remove");
        std::fs::write(scratch.root.join("data/a.txt"), "a").unwrap();
        std::os::unix::fs::symlink(&scratch.base, scratch.root.join("up")).unwrap();
        let secret = scratch.base.join("secret");
        let absolute = secret.to_str().unwrap();
        let escapes = ["../secret", absolute, "up/secret", "data/../../secret"];
        assert_refused(&scratch, "os.remove('PATH')", &escapes);
        assert_refused(&scratch, "os.rename('PATH', 'data/b.txt')", &escapes);
        assert_refused(&scratch, "os.rename('data/a.txt', 'PATH')", &escapes);
        assert!(secret.exists() && scratch.root.join("data/a.txt").exists());

        // Inside, a symlink itself is removed, not what it points to.
        let printed = scratch
            .run("print(os.rename('data/a.txt', 'data/b.txt'))\nprint(os.remove('up'))", false)
            .unwrap();
        assert_eq!(printed, "true\ntrue\n");
        assert!(scratch.root.join("data/b.txt").exists() && secret.exists());
    }

    #[test]
    fn files_inside_work_and_unclosed_files_are_flushed() {
        let scratch = Scratch::new("inside");
        let source = "local f = assert(io.open('data/out.txt', 'w'))\n\
                      f:write('kept', 1, '\\n')\n\
                      local g = assert(io.open('/ROOT/data/abs.txt', 'w'))\n\
                      g:write('absolute')\n\
                      print(io.open('data/missing.txt'))\n\
                      print(io.read(), io.read('a'))";
        let source = source.replace("/ROOT", scratch.root.to_str().unwrap());
        let printed = scratch.run(&source, false).unwrap();
        assert_eq!(printed, "nil\tdata/missing.txt: No such file or directory\t2\nnil\t\n");
        // Never closed: dropping the state closed and flushed them.
        assert_eq!(std::fs::read_to_string(scratch.root.join("data/out.txt")).unwrap(), "kept1\n");
        assert_eq!(std::fs::read_to_string(scratch.root.join("data/abs.txt")).unwrap(), "absolute");
    }

    #[test]
    fn collected_files_are_closed() {
        let scratch = Scratch::new("collect");
        std::fs::write(scratch.root.join("data/in.txt"), "x\n").unwrap();
        let source = "for i = 1, 5000 do\n\
                        local f = io.open('data/in.txt') assert(f:read() == 'x')\n\
                      end";
        let sandbox = Sandbox::new(&scratch.root, false).unwrap();
        let mut lua = Runtime::new(Budget::default(), &sandbox, Arc::new(Mutex::new(Vec::new())));
        lua.exec("collect.lua", source.as_bytes(), &[]).unwrap();
        let open = super::file::OPEN_FILES
            .with(|files| files.borrow().iter().filter(|file| file.strong_count() > 0).count());
        assert!(open < 1000, "{open} files still open");
    }

    #[test]
    fn huge_reads_and_writes_cost_fuel() {
        let scratch = Scratch::new("fuel");
        let source = "local f = io.open('data/big.txt', 'w')\n\
                      local chunk = string.rep('x', 1 << 20)\n\
                      for i = 1, 64 do f:write(chunk) end\n\
                      f:close()\n\
                      for i = 1, 1000 do local s = io.open('data/big.txt'):read('a') end";
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sandbox = Sandbox::new(&scratch.root, false).unwrap();
        let budget = Budget { instructions: 20_000_000, ..Budget::default() };
        let mut lua = Runtime::new(budget, &sandbox, buffer);
        let error = lua.exec("fuel.lua", source.as_bytes(), &[]).unwrap_err();
        assert!(error.message.contains("instruction budget exceeded"), "{error}");
    }

    #[test]
    fn exit_is_refused_in_a_plan() {
        let scratch = Scratch::new("exit");
        let printed = scratch.run("print(pcall(os.exit, 0))\nprint(os.execute)", false).unwrap();
        assert_eq!(printed, "false\tos.exit is not available in a plan (use planhost run)\nnil\n");
    }
}
