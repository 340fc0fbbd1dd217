//! The `io` library, confined to the sandbox: Lua 5.4's `open`, `lines`,
//! `read`, `write`, `input`, `output`, `close`, `flush`, `type` and the
//! standard files, with files as userdata over a buffered [`Stream`].
//!
//! Paths go through [`Sandbox`]: an escape is a Lua error, a missing file
//! is Lua's `nil, message, errno`. `io.stdout` (and `io.write`) write to the
//! host's [`Output`], the same sink as `print`, so their order is kept.
//! `io.stdin` is the real standard input only under `planhost run`; a plan
//! reads an empty stream. Reads and writes cost fuel per byte; one read may
//! return at most [`MAX_READ`] bytes. Files a script forgets are closed
//! (and flushed) when the collector frees them; `os.exit` flushes them all
//! through [`flush_open_files`].

use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};
use std::rc::{Rc, Weak};

use gc_arena::Collect;
use piccolo::{
    Callback, CallbackReturn, Context, Error, Execution, Stack, String as LuaString, Table,
    UserData, Value,
};

use super::located;
use crate::lua::format::{self, FormatArg, Number, number_to_lua_string};
use crate::lua::runtime::Output;
use crate::lua::sandbox::{Sandbox, SandboxError};

/// Bytes a disk file reads ahead and buffers before writing.
const BUFFER_SIZE: usize = 16 * 1024;

/// Bytes read or written per unit of fuel (a unit is about one VM instruction).
const BYTES_PER_FUEL: usize = 32;

/// Most fuel one charge takes: keeps the host's fuel arithmetic far from overflow.
const MAX_CHARGE: i32 = 1 << 28;

/// Longest string one read format may return; more is "not enough memory".
const MAX_READ: usize = 256 << 20;

/// Longest numeral `read("n")` accepts (Lua's `L_MAXLENNUM`).
const MAX_NUMERAL: usize = 200;

/// Most formats `lines` takes (Lua's `MAXARGLINE`).
const MAX_LINE_FORMATS: usize = 250;

/// Strings up to this size are interned; longer ones are allocated directly.
const INTERN_LIMIT: usize = 256;

/// The `__name` of file handles, which Lua's messages use ("FILE* expected").
const FILE_TYPE: &str = "FILE*";

const EBADF: i32 = 9;
const ENOTDIR: i32 = 20;
const EINVAL: i32 = 22;
const ESPIPE: i32 = 29;

/// Registers the `io` table.
pub fn load_io(ctx: Context<'_>, sandbox: &Sandbox, output: Output) {
    let metatable = file_metatable(ctx);
    let stdin = if sandbox.allow_exit() { Target::Stdin } else { Target::NoInput };
    let stdin = new_file(ctx, metatable, Stream::new(stdin, true, false));
    let stdout = new_file(ctx, metatable, Stream::new(Target::Output(output), false, true));
    let stderr = new_file(ctx, metatable, Stream::new(Target::Stderr, false, true));
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
        let callback = Callback::from_fn_with(&ctx, lib, move |lib, ctx, mut exec, stack| {
            body(ctx, *lib, &host, &mut exec, stack).map_err(|failure| failure.raise(ctx, &exec))
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

type CallResult<'gc> = Result<CallbackReturn<'gc>, Failure>;

/// The body of an `io` function.
type Body = for<'gc, 'e, 's> fn(
    Context<'gc>,
    Lib<'gc>,
    &Sandbox,
    &mut Execution<'gc, 'e>,
    Stack<'gc, 's>,
) -> CallResult<'gc>;

/// The body of a file method (`self` is argument 0).
type Method =
    for<'gc, 'e, 's> fn(Context<'gc>, &mut Execution<'gc, 'e>, Stack<'gc, 's>) -> CallResult<'gc>;

/* ---------- errors and arguments (shared with `os`) ---------- */

/// A library error before the caller's position is added: Lua's message.
pub(super) struct Failure(Vec<u8>);

impl Failure {
    pub(super) fn new(message: impl Into<Vec<u8>>) -> Failure {
        Failure(message.into())
    }

    /// The error value `chunk:line: message`.
    pub(super) fn raise<'gc>(self, ctx: Context<'gc>, exec: &Execution<'gc, '_>) -> Error<'gc> {
        match String::from_utf8(self.0) {
            Ok(message) => located(ctx, exec, message),
            Err(bytes) => {
                let mut text = match exec.upper_lua_frame() {
                    Some(frame) => {
                        let chunk = frame.chunk_name.to_str_lossy();
                        format!("{chunk}:{}: ", frame.current_line).into_bytes()
                    }
                    None => Vec::new(),
                };
                text.extend_from_slice(bytes.as_bytes());
                Value::String(ctx.intern(&text)).into()
            }
        }
    }
}

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
    fn method(ctx: Context<'gc>, values: &'a [Value<'gc>], name: &'static str) -> Self {
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

    /// `luaL_typeerror`: `<expected> expected, got <type>`.
    pub(super) fn type_error(&self, i: usize, expected: &str) -> Failure {
        let got = match self.values.get(i) {
            None => "no value".to_owned(),
            Some(value) => type_name(self.ctx, *value),
        };
        self.bad(i, &format!("{expected} expected, got {got}"))
    }

    /// `luaL_checkany`.
    pub(super) fn any(&self, i: usize) -> Result<Value<'gc>, Failure> {
        self.values.get(i).copied().ok_or_else(|| self.bad(i, "value expected"))
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

    /// `luaL_checkinteger`: integers, integral floats and numeric strings.
    pub(super) fn integer(&self, i: usize) -> Result<i64, Failure> {
        match to_number(self.get(i)) {
            Some(Number::Integer(n)) => Ok(n),
            Some(Number::Float(x)) => format::float_to_integer(x)
                .ok_or_else(|| self.bad(i, "number has no integer representation")),
            None => Err(self.type_error(i, "number")),
        }
    }

    /// `luaL_optinteger`: absent or nil gives `default`.
    pub(super) fn opt_integer(&self, i: usize, default: i64) -> Result<i64, Failure> {
        match self.get(i) {
            Value::Nil => Ok(default),
            _ => self.integer(i),
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

/// A number as `lua_tonumber` sees it: numbers and numeric strings.
pub(super) fn to_number(value: Value<'_>) -> Option<Number> {
    match value {
        Value::Integer(n) => Some(Number::Integer(n)),
        Value::Number(x) => Some(Number::Float(x)),
        Value::String(s) => format::str_to_number(s.as_bytes()),
        _ => None,
    }
}

/// The type name Lua's messages use: a string `__name` metafield, or the type.
fn type_name<'gc>(ctx: Context<'gc>, value: Value<'gc>) -> String {
    let metatable = match value {
        Value::Table(table) => table.metatable(),
        Value::UserData(data) => data.metatable(),
        _ => None,
    };
    match metatable.map(|mt| mt.get(ctx, "__name")) {
        Some(Value::String(name)) => name.to_str_lossy().into_owned(),
        _ => value.type_name().to_owned(),
    }
}

/* ---------- small helpers (shared with `os`) ---------- */

/// Charges fuel for `bytes` bytes of input or output.
pub(super) fn charge(exec: &mut Execution<'_, '_>, bytes: usize) {
    let units = bytes / BYTES_PER_FUEL + 1;
    let units = i32::try_from(units).unwrap_or(MAX_CHARGE).min(MAX_CHARGE);
    exec.fuel().consume(units);
}

/// A Lua string holding `bytes`, without copying large buffers.
pub(super) fn new_string(ctx: Context<'_>, bytes: Vec<u8>) -> LuaString<'_> {
    if bytes.len() <= INTERN_LIMIT {
        ctx.intern(&bytes)
    } else {
        LuaString::from_buffer(&ctx, bytes.into_boxed_slice())
    }
}

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
        Ok(real) => Ok(Ok(real.join(name))),
        Err(SandboxError::Outside(_)) => Err(outside(path)),
        Err(SandboxError::Io(_, error)) => Ok(Err(error)),
    }
}

/// Whether the path, with `..` resolved as text, names a place outside the
/// root (symlinks are checked by the sandbox itself).
fn lexically_outside(sandbox: &Sandbox, path: &str) -> bool {
    let given = Path::new(path);
    let mut normal =
        if given.is_absolute() { PathBuf::from("/") } else { sandbox.root().to_path_buf() };
    for component in given.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::Normal(part) => normal.push(part),
            _ => {}
        }
    }
    !normal.starts_with(sandbox.root())
}

fn outside(path: &[u8]) -> Failure {
    let mut message = path.to_vec();
    message.extend_from_slice(b": outside the plan directory");
    Failure::new(message)
}

/* ---------- streams ---------- */

/// Where a stream's bytes go or come from.
enum Target {
    Disk(File),
    /// The process's standard input (only under `planhost run`).
    Stdin,
    /// An empty standard input (plans have none).
    NoInput,
    /// The host's output, shared with `print`.
    Output(Output),
    Stderr,
}

/// A file with Lua's `FILE*` behaviour: buffered reads (with look-ahead for
/// `read("n")`), buffered writes to disk, and seeks that account for both.
struct Stream {
    target: Target,
    readable: bool,
    writable: bool,
    /// Read-ahead; `rbuf[rpos..]` is not yet consumed.
    rbuf: Vec<u8>,
    rpos: usize,
    /// Writes not yet on disk.
    wbuf: Vec<u8>,
}

fn os_error(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

fn too_large() -> io::Error {
    io::Error::new(io::ErrorKind::OutOfMemory, "not enough memory")
}

impl Stream {
    fn new(target: Target, readable: bool, writable: bool) -> Stream {
        Stream { target, readable, writable, rbuf: Vec::new(), rpos: 0, wbuf: Vec::new() }
    }

    fn is_standard(&self) -> bool {
        !matches!(self.target, Target::Disk(_))
    }

    fn raw_read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            let result = match &mut self.target {
                Target::Disk(file) => file.read(buffer),
                Target::Stdin => io::stdin().read(buffer),
                Target::NoInput => Ok(0),
                Target::Output(_) | Target::Stderr => Err(os_error(EBADF)),
            };
            match result {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    fn raw_write(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.target {
            Target::Disk(file) => file.write_all(data),
            Target::Output(output) => {
                let mut output = output.lock().unwrap_or_else(|e| e.into_inner());
                output.write_all(data)
            }
            Target::Stderr => io::stderr().write_all(data),
            Target::Stdin | Target::NoInput => Err(os_error(EBADF)),
        }
    }

    /// Makes unread bytes available; false at end of file.
    fn fill(&mut self) -> io::Result<bool> {
        if self.rpos < self.rbuf.len() {
            return Ok(true);
        }
        if !self.readable {
            return Err(os_error(EBADF));
        }
        self.flush_writes()?;
        let mut buffer = std::mem::take(&mut self.rbuf);
        buffer.resize(BUFFER_SIZE, 0);
        let result = self.raw_read(&mut buffer);
        let count = *result.as_ref().unwrap_or(&0);
        buffer.truncate(count);
        self.rbuf = buffer;
        self.rpos = 0;
        result.map(|n| n > 0)
    }

    /// The next byte, not consumed.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(if self.fill()? { self.rbuf.get(self.rpos).copied() } else { None })
    }

    /// Takes up to `limit` buffered bytes (after a successful `fill`).
    fn take_buffered(&mut self, limit: usize, out: &mut Vec<u8>) {
        let available = &self.rbuf[self.rpos..];
        let count = available.len().min(limit);
        out.extend_from_slice(&available[..count]);
        self.rpos += count;
    }

    /// A line (`None` at end of file), with its newline if `keep`.
    fn read_line(&mut self, keep: bool) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        while self.fill()? {
            let available = &self.rbuf[self.rpos..];
            if let Some(end) = available.iter().position(|&b| b == b'\n') {
                line.extend_from_slice(&available[..end + usize::from(keep)]);
                self.rpos += end + 1;
                return Ok(Some(line));
            }
            self.take_buffered(usize::MAX, &mut line);
            if line.len() > MAX_READ {
                return Err(too_large());
            }
        }
        Ok((!line.is_empty()).then_some(line))
    }

    /// Everything up to the end of the file.
    fn read_all(&mut self) -> io::Result<Vec<u8>> {
        let mut all = Vec::new();
        while self.fill()? {
            self.take_buffered(usize::MAX, &mut all);
            if all.len() > MAX_READ {
                return Err(too_large());
            }
        }
        Ok(all)
    }

    /// Up to `count` bytes (`None` when none are left).
    fn read_count(&mut self, count: usize) -> io::Result<Option<Vec<u8>>> {
        let mut bytes = Vec::new();
        while bytes.len() < count && self.fill()? {
            if bytes.len() >= MAX_READ {
                return Err(too_large());
            }
            self.take_buffered(count - bytes.len(), &mut bytes);
        }
        Ok((!bytes.is_empty()).then_some(bytes))
    }

    /// A numeral as `read("n")` scans it (Lua's `read_number`); the bytes
    /// are consumed even when they do not form a number.
    fn read_number(&mut self) -> io::Result<Option<Number>> {
        while let Some(b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') = self.peek()? {
            self.rpos += 1;
        }
        let mut numeral = Numeral { text: Vec::new(), overflow: false };
        numeral.accept(self, b"-+")?;
        let mut count = 0;
        let mut hex = false;
        if numeral.accept(self, b"00")? {
            hex = numeral.accept(self, b"xX")?;
            count = usize::from(!hex);
        }
        count += numeral.digits(self, hex)?;
        if numeral.accept(self, b"..")? {
            count += numeral.digits(self, hex)?;
        }
        if count > 0 && numeral.accept(self, if hex { b"pP" } else { b"eE" })? {
            numeral.accept(self, b"-+")?;
            numeral.digits(self, false)?;
        }
        if numeral.overflow {
            return Ok(None);
        }
        Ok(format::str_to_number(&numeral.text))
    }

    /// Drops the read-ahead, moving the file back to the logical position.
    fn discard_read_ahead(&mut self) -> io::Result<()> {
        let unread = self.rbuf.len() - self.rpos;
        self.rbuf.clear();
        self.rpos = 0;
        match &mut self.target {
            Target::Disk(file) if unread > 0 => {
                let back = i64::try_from(unread).unwrap_or(i64::MAX);
                file.seek(SeekFrom::Current(-back)).map(|_| ())
            }
            _ => Ok(()),
        }
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if !self.writable {
            return Err(os_error(EBADF));
        }
        if self.rpos < self.rbuf.len() {
            self.discard_read_ahead()?;
        }
        if !matches!(self.target, Target::Disk(_)) {
            return self.raw_write(data);
        }
        if self.wbuf.len() + data.len() < BUFFER_SIZE {
            self.wbuf.extend_from_slice(data);
            return Ok(());
        }
        // A large write goes straight to the file, after what is buffered.
        self.flush_writes()?;
        self.raw_write(data)
    }

    fn flush_writes(&mut self) -> io::Result<()> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.wbuf);
        self.raw_write(&pending)
    }

    /// `fflush`: buffered writes reach the file (or the host's output).
    fn flush(&mut self) -> io::Result<()> {
        self.flush_writes()?;
        match &mut self.target {
            Target::Output(output) => output.lock().unwrap_or_else(|e| e.into_inner()).flush(),
            Target::Stderr => io::stderr().flush(),
            _ => Ok(()),
        }
    }

    /// `fseek` then `ftell`.
    fn seek(&mut self, whence: usize, offset: i64) -> io::Result<u64> {
        if !matches!(self.target, Target::Disk(_)) {
            return Err(os_error(ESPIPE));
        }
        self.flush_writes()?;
        let unread = i64::try_from(self.rbuf.len() - self.rpos).unwrap_or(i64::MAX);
        self.rbuf.clear();
        self.rpos = 0;
        let position = match whence {
            0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| os_error(EINVAL))?),
            1 => SeekFrom::Current(offset.checked_sub(unread).ok_or_else(|| os_error(EINVAL))?),
            _ => SeekFrom::End(offset),
        };
        match &mut self.target {
            Target::Disk(file) => file.seek(position),
            _ => Err(os_error(ESPIPE)),
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        let _ = self.flush_writes();
    }
}

/// The numeral `read_number` collects, at most [`MAX_NUMERAL`] bytes.
struct Numeral {
    text: Vec<u8>,
    overflow: bool,
}

impl Numeral {
    /// Consumes the next byte if it is one of `set` (Lua's `test2`).
    fn accept(&mut self, stream: &mut Stream, set: &[u8; 2]) -> io::Result<bool> {
        match stream.peek()? {
            Some(b) if set.contains(&b) => Ok(self.push(stream, b)),
            _ => Ok(false),
        }
    }

    /// Consumes digits (hexadecimal ones if `hex`); returns how many.
    fn digits(&mut self, stream: &mut Stream, hex: bool) -> io::Result<usize> {
        let mut count = 0;
        while let Some(b) = stream.peek()? {
            let digit = if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() };
            if !digit || !self.push(stream, b) {
                break;
            }
            count += 1;
        }
        Ok(count)
    }

    /// Lua's `nextc`: keeps the byte unless the numeral is too long.
    fn push(&mut self, stream: &mut Stream, b: u8) -> bool {
        if self.text.len() >= MAX_NUMERAL {
            self.overflow = true;
            return false;
        }
        self.text.push(b);
        stream.rpos += 1;
        true
    }
}

/* ---------- file handles ---------- */

/// A stream shared by a userdata and the list of open files; `None` once closed.
type Shared = Rc<RefCell<Option<Stream>>>;

/// The Rust value inside a file userdata. Dropping it (when the collector
/// frees the userdata) closes the file.
struct LuaFile(Shared);

thread_local! {
    /// Files open on this thread, for [`flush_open_files`].
    static OPEN_FILES: RefCell<Vec<Weak<RefCell<Option<Stream>>>>> =
        const { RefCell::new(Vec::new()) };
}

/// Flushes every open file's buffered writes (before `os.exit`).
pub(super) fn flush_open_files() {
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

fn new_file<'gc>(ctx: Context<'gc>, metatable: Table<'gc>, stream: Stream) -> UserData<'gc> {
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
fn as_file(value: Value<'_>) -> Option<&Shared> {
    match value {
        Value::UserData(data) => data.downcast_static::<LuaFile>().ok().map(|file| &file.0),
        _ => None,
    }
}

/// `tofile`: argument `i` must be an open file.
fn open_file<'gc>(args: &Args<'gc, '_>, i: usize) -> Result<&'gc Shared, Failure> {
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
fn with_stream<T>(
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
fn file_metatable(ctx: Context<'_>) -> Table<'_> {
    let methods = Table::new(&ctx);
    let functions: [(&str, Method); 7] = [
        ("close", file_close),
        ("flush", file_flush),
        ("lines", file_lines),
        ("read", file_read),
        ("seek", file_seek),
        ("setvbuf", file_setvbuf),
        ("write", file_write),
    ];
    for (name, body) in functions {
        let callback = Callback::from_fn(&ctx, move |ctx, mut exec, stack| {
            body(ctx, &mut exec, stack).map_err(|failure| failure.raise(ctx, &exec))
        });
        let _ = methods.set(ctx, name, callback);
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
enum ReadResult<'gc> {
    Values(Vec<Value<'gc>>),
    Failed(io::Error),
}

/// Lua's `g_read`: reads with formats `first..` of `args` (none means one
/// line); a format that finds nothing gives nil and ends the list.
fn read_values<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    file: &Shared,
    args: &Args<'gc, '_>,
    first: usize,
) -> Result<ReadResult<'gc>, Failure> {
    with_stream(file, |stream| {
        let mut values = Vec::new();
        let count = args.len().saturating_sub(first).max(1);
        for i in first..first + count {
            let format = if args.len() <= first {
                Format::Line { keep: false }
            } else {
                read_format(args, i)?
            };
            match read_one(ctx, stream, format) {
                Ok((value, bytes)) => {
                    charge(exec, bytes);
                    values.push(value);
                    if value.is_nil() {
                        break;
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::OutOfMemory => {
                    return Err(Failure::new("not enough memory"));
                }
                Err(error) => return Ok(ReadResult::Failed(error)),
            }
        }
        Ok(ReadResult::Values(values))
    })
}

/// Reads one value (nil when the format finds nothing) and its size.
fn read_one<'gc>(
    ctx: Context<'gc>,
    stream: &mut Stream,
    format: Format,
) -> io::Result<(Value<'gc>, usize)> {
    let bytes = match format {
        Format::Number => {
            return Ok(match stream.read_number()? {
                Some(Number::Integer(n)) => (Value::Integer(n), 1),
                Some(Number::Float(x)) => (Value::Number(x), 1),
                None => (Value::Nil, 1),
            });
        }
        Format::Line { keep } => stream.read_line(keep)?,
        Format::All => Some(stream.read_all()?),
        Format::Count(0) => stream.fill()?.then(Vec::new),
        Format::Count(count) => stream.read_count(count)?,
    };
    Ok(match bytes {
        Some(bytes) => {
            let size = bytes.len();
            (Value::String(new_string(ctx, bytes)), size)
        }
        None => (Value::Nil, 0),
    })
}

fn push_read<'gc>(ctx: Context<'gc>, stack: &mut Stack<'gc, '_>, result: ReadResult<'gc>) {
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

/// The iterator of `lines`: the file, its formats, whether to close at the end.
#[derive(Collect)]
#[collect(no_drop)]
struct Lines<'gc> {
    file: Value<'gc>,
    formats: Vec<Value<'gc>>,
    close_at_end: bool,
}

/// Lua's `aux_lines`: an iterator reading `formats` from `file`.
fn lines_iterator<'gc>(
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
    Ok(Callback::from_fn_with(&ctx, state, |state, ctx, mut exec, mut stack| {
        next_line(ctx, &mut exec, &mut stack, state)
            .map_err(|failure| failure.raise(ctx, &exec))?;
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

/* ---------- writing ---------- */

/// Lua's `g_write`: writes arguments `first..` in order; numbers as
/// `%.14g` (floats) or decimal (integers).
fn write_values<'gc>(
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
            charge(exec, text.len());
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

/* ---------- other methods ---------- */

/// Flushes and closes; `None` for a standard file, which stays open.
fn close_stream(file: &Shared) -> Result<Option<io::Result<()>>, Failure> {
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
fn push_status<'gc>(ctx: Context<'gc>, stack: &mut Stack<'gc, '_>, status: io::Result<()>) {
    match status {
        Ok(()) => stack.replace(ctx, true),
        Err(error) => push_failure(ctx, stack, None, &error),
    }
}

/// What `close` returns: `push_status`, or Lua's refusal for standard files.
fn push_closed<'gc>(ctx: Context<'gc>, stack: &mut Stack<'gc, '_>, closed: Option<io::Result<()>>) {
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

/// `file:seek([whence [, offset]])`: the new position from the start.
fn file_seek<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::method(ctx, &stack[..], "seek");
    let file = open_file(&args, 0)?;
    let whence = args.option(1, Some("cur"), &["set", "cur", "end"])?;
    let offset = args.opt_integer(2, 0)?;
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
    args.opt_integer(2, 0)?;
    stack.replace(ctx, true);
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
    Ok(options.open(real).map(|file| Stream::new(Target::Disk(file), readable, writable)))
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
        let open = super::OPEN_FILES
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
