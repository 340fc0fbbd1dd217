//! Code loaded at run time: `load`, `loadstring`, `loadfile`, `dofile`, and
//! modules through `require` and the `package` table. Everything compiles
//! through the host's front end, and files come only from the sandbox.

use gc_arena::Collect;
use piccolo::{
    BoxSequence, CallbackReturn, Closure, Context, Error, Execution, Function, FunctionPrototype,
    Sequence, SequencePoll, Stack, Table, Value,
};

use super::args::{Args, CallResult, Failure, library_with};
use super::base::type_name;
use crate::lua::frontend::{self, SyntaxError};
use crate::lua::sandbox::{Sandbox, SandboxError, read_plan_file};

/// The hidden helpers every compiled chunk receives (`frontend::HELPERS`).
pub type Helpers<'gc> = [Function<'gc>; frontend::HELPERS.len()];

/// Compiles `source` into the chunk's wrapper closure, with `env` as its
/// `_ENV`. Calling the wrapper with the helpers returns the script's
/// function (see `frontend`).
pub fn compile<'gc>(
    ctx: Context<'gc>,
    chunk_name: &str,
    source: &[u8],
    env: Table<'gc>,
) -> Result<Closure<'gc>, SyntaxError> {
    let compiled = frontend::compile(chunk_name, source)?;
    let proto = FunctionPrototype::from_compiled_map_strings(
        &ctx,
        ctx.intern(chunk_name.as_bytes()),
        &compiled,
        |s| ctx.intern(s),
    );
    Ok(Closure::new(&ctx, proto, Some(env)).expect("a compiled chunk has only the _ENV upvalue"))
}

/// Registers the loading functions and the `package` table.
pub fn load_chunks<'gc>(ctx: Context<'gc>, sandbox: &Sandbox, helpers: Helpers<'gc>) {
    let globals = ctx.globals();
    let load = library_with(ctx, helpers, load);
    let _ = globals.set(ctx, "load", load);
    // Lua 5.1 compatibility.
    let _ = globals.set(ctx, "loadstring", load);

    let root = Root { helpers, sandbox: sandbox.clone() };
    let _ = globals.set(ctx, "loadfile", library_with(ctx, root.clone(), loadfile));
    let _ = globals.set(ctx, "dofile", library_with(ctx, root.clone(), dofile));

    let package = Table::new(&ctx);
    let _ = package.set(ctx, "path", "./?.lua;./?/init.lua");
    let _ = package.set(ctx, "cpath", "");
    let _ = package.set(ctx, "config", "/\n;\n?\n!\n-\n");
    let loaded = Table::new(&ctx);
    for name in ["string", "table", "math", "coroutine", "os", "io", "utf8"] {
        let _ = loaded.set(ctx, name, ctx.get_global(name));
    }
    let _ = loaded.set(ctx, "_G", globals);
    let _ = loaded.set(ctx, "package", package);
    let _ = package.set(ctx, "loaded", loaded);
    let _ = package.set(ctx, "preload", Table::new(&ctx));
    let _ = package.set(ctx, "searchpath", library_with(ctx, root.clone(), searchpath));
    let _ = globals.set(ctx, "package", package);
    let _ = globals.set(ctx, "require", library_with(ctx, (root, package), require));
}

#[derive(Clone, Collect)]
#[collect(no_drop)]
struct Root<'gc> {
    helpers: Helpers<'gc>,
    #[collect(require_static)]
    sandbox: Sandbox,
}

/// Lua's `luaO_chunkid`: how a chunk is named in messages.
fn display_name(chunk_name: &[u8]) -> String {
    const ID_SIZE: usize = 60;
    let text = String::from_utf8_lossy(chunk_name);
    if let Some(rest) = text.strip_prefix('=').or_else(|| text.strip_prefix('@')) {
        return rest.chars().take(ID_SIZE - 1).collect();
    }
    let first_line = text.split('\n').next().unwrap_or("");
    let room = ID_SIZE - "[string \"...\"]".len() - 1;
    if first_line.len() < text.len() || first_line.len() > room {
        let cut: String = first_line.chars().take(room).collect();
        format!("[string \"{cut}...\"]")
    } else {
        format!("[string \"{first_line}\"]")
    }
}

/// Leaves `nil, message` on the stack, as the loaders report failure.
fn fail<'gc>(ctx: Context<'gc>, stack: &mut Stack<'gc, '_>, text: &str) -> CallResult<'gc> {
    stack.clear();
    stack.push_back(Value::Nil);
    stack.push_back(Value::String(ctx.intern(text.as_bytes())));
    Ok(CallbackReturn::Return)
}

/// The environment argument of `load`/`loadfile`, or the globals.
fn environment<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    name: &'static str,
) -> Result<Table<'gc>, Failure> {
    match stack.get(index) {
        Value::Table(env) => Ok(env),
        Value::Nil if stack.len() <= index => Ok(ctx.globals()),
        _ => Err(Args::new(ctx, &stack[..], name).plain_type_error(index, "table")),
    }
}

/// Whether a `mode` argument allows text chunks (binary ones never load).
fn check_mode<'gc>(ctx: Context<'gc>, stack: &Stack<'gc, '_>, index: usize) -> Result<(), String> {
    match stack.get(index) {
        Value::String(mode) if !mode.as_bytes().contains(&b't') => {
            let _ = ctx;
            Err(format!("attempt to load a text chunk (mode is '{}')", mode.to_str_lossy()))
        }
        _ => Ok(()),
    }
}

/// Calls the wrapper so the caller gets the script's function.
fn instantiate<'gc>(
    wrapper: Closure<'gc>,
    helpers: &Helpers<'gc>,
    stack: &mut Stack<'gc, '_>,
) -> CallResult<'gc> {
    stack.clear();
    stack.extend(helpers.iter().map(|h| Value::Function(*h)));
    Ok(CallbackReturn::Call { function: wrapper.into(), then: None })
}

/// `load(chunk [, chunkname [, mode [, env]]])`.
fn load<'gc>(
    helpers: &Helpers<'gc>,
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let env = environment(ctx, &stack, 3, "load")?;
    if let Err(text) = check_mode(ctx, &stack, 2) {
        return fail(ctx, &mut stack, &text);
    }
    let chunk = stack.get(0);
    let name_arg = match stack.get(1) {
        Value::String(name) => Some(name.as_bytes().to_vec()),
        _ => None,
    };
    match chunk {
        Value::String(source) => {
            let name = display_name(&name_arg.unwrap_or_else(|| source.as_bytes().to_vec()));
            match compile(ctx, &name, source.as_bytes(), env) {
                Ok(wrapper) => instantiate(wrapper, helpers, &mut stack),
                Err(error) => fail(ctx, &mut stack, &error.to_string()),
            }
        }
        Value::Function(reader) => {
            let name = display_name(&name_arg.unwrap_or_else(|| b"=(load)".to_vec()));
            stack.clear();
            let sequence = ReadChunk { reader, helpers: *helpers, env, name, source: Vec::new() };
            Ok(CallbackReturn::Call {
                function: reader,
                then: Some(BoxSequence::new(&ctx, sequence)),
            })
        }
        other => Err(Failure::plain(format!(
            "bad argument #1 to 'load' (string expected, got {})",
            type_name(other)
        ))),
    }
}

/// `load` with a reader function: calls it until it returns nothing or "".
#[derive(Collect)]
#[collect(no_drop)]
struct ReadChunk<'gc> {
    reader: Function<'gc>,
    helpers: Helpers<'gc>,
    env: Table<'gc>,
    #[collect(require_static)]
    name: String,
    #[collect(require_static)]
    source: Vec<u8>,
}

impl<'gc> Sequence<'gc> for ReadChunk<'gc> {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        mut exec: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        let piece = match stack.get(0) {
            Value::Nil => None,
            Value::String(s) if s.as_bytes().is_empty() => None,
            Value::String(s) => Some(s.as_bytes()),
            _ => {
                let _ = fail(ctx, &mut stack, "reader function must return a string");
                return Ok(SequencePoll::Return);
            }
        };
        if let Some(piece) = piece {
            exec.fuel().consume(piece.len().min(1 << 20) as i32 / 64);
            self.source.extend_from_slice(piece);
            stack.clear();
            return Ok(SequencePoll::Call { function: self.reader, is_tail: false });
        }
        match compile(ctx, &self.name, &self.source, self.env) {
            Ok(wrapper) => {
                stack.clear();
                stack.extend(self.helpers.iter().map(|h| Value::Function(*h)));
                Ok(SequencePoll::Call { function: wrapper.into(), is_tail: true })
            }
            Err(error) => {
                let _ = fail(ctx, &mut stack, &error.to_string());
                Ok(SequencePoll::Return)
            }
        }
    }
}

/// Reads and compiles a file of the sandbox. `Ok(Err(text))` is a failure
/// the loader reports as `nil, text`; escapes are raised as errors.
fn compile_file<'gc>(
    ctx: Context<'gc>,
    sandbox: &Sandbox,
    path: &str,
    env: Table<'gc>,
) -> Result<Result<Closure<'gc>, String>, Failure> {
    let real = match sandbox.readable(path) {
        Ok(real) => real,
        Err(SandboxError::Outside(_)) => {
            return Err(Failure::plain(format!("cannot open {path}: outside the plan directory")));
        }
        Err(error @ SandboxError::Io(..)) => return Ok(Err(format!("cannot open {error}"))),
        Err(error @ SandboxError::ServerFiles(_)) => {
            return Err(Failure::plain(format!("cannot open {error}")));
        }
    };
    let source = match read_plan_file(&real) {
        Ok(source) => source,
        Err(error) => return Ok(Err(format!("cannot read {path}: {error}"))),
    };
    // A first line starting with '#' (a shebang) is skipped, as Lua does.
    let source = if source.starts_with(b"#") {
        let end = source.iter().position(|&b| b == b'\n').unwrap_or(source.len());
        let mut kept = b"--".to_vec();
        kept.extend_from_slice(&source[end..]);
        kept
    } else {
        source
    };
    Ok(compile(ctx, path, &source, env).map_err(|e| e.to_string()))
}

fn path_argument<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    name: &'static str,
) -> Result<String, Failure> {
    match stack.get(0) {
        Value::String(path) => Ok(path.to_str_lossy().into_owned()),
        Value::Nil => Err(Failure::new(format!("{name}: reading standard input is not supported"))),
        _ => Err(Args::new(ctx, &stack[..], name).plain_type_error(0, "string")),
    }
}

/// `loadfile(filename [, mode [, env]])`.
fn loadfile<'gc>(
    root: &Root<'gc>,
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let path = path_argument(ctx, &stack, "loadfile")?;
    let env = environment(ctx, &stack, 2, "loadfile")?;
    if let Err(text) = check_mode(ctx, &stack, 1) {
        return fail(ctx, &mut stack, &text);
    }
    match compile_file(ctx, &root.sandbox, &path, env)? {
        Ok(wrapper) => instantiate(wrapper, &root.helpers, &mut stack),
        Err(text) => fail(ctx, &mut stack, &text),
    }
}

/// `dofile(filename)`: runs the file and returns what it returns.
fn dofile<'gc>(
    root: &Root<'gc>,
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let path = path_argument(ctx, &stack, "dofile")?;
    let wrapper = match compile_file(ctx, &root.sandbox, &path, ctx.globals())? {
        Ok(wrapper) => wrapper,
        Err(text) => return Err(Failure::plain(text)),
    };
    stack.clear();
    stack.extend(root.helpers.iter().map(|h| Value::Function(*h)));
    let then = BoxSequence::new(&ctx, RunChunk { args: Vec::new(), module: None });
    Ok(CallbackReturn::Call { function: wrapper.into(), then: Some(then) })
}

/// After a wrapper returned the script's function: call it, and for
/// `require` record what it returned.
#[derive(Collect)]
#[collect(no_drop)]
struct RunChunk<'gc> {
    args: Vec<Value<'gc>>,
    module: Option<(Table<'gc>, Value<'gc>, Value<'gc>)>,
}

impl<'gc> Sequence<'gc> for RunChunk<'gc> {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        if !self.args.is_empty() || self.module.is_some() {
            if let Value::Function(script) = stack.get(0)
                && !self.args.is_empty()
            {
                // First return: the script's function. Run it.
                stack.clear();
                stack.extend(self.args.drain(..));
                let is_tail = self.module.is_none();
                return Ok(SequencePoll::Call { function: script, is_tail });
            }
            // Second return: the module's value.
            if let Some((loaded, name, path)) = self.module.take() {
                let value = stack.get(0);
                if !value.is_nil() {
                    let _ = loaded.set(ctx, name, value);
                } else if loaded.get(ctx, name).is_nil() {
                    let _ = loaded.set(ctx, name, true);
                }
                stack.clear();
                stack.push_back(loaded.get(ctx, name));
                stack.push_back(path);
            }
            return Ok(SequencePoll::Return);
        }
        // dofile: run the script's function as a tail call.
        match stack.get(0) {
            Value::Function(script) => {
                stack.clear();
                Ok(SequencePoll::Call { function: script, is_tail: true })
            }
            _ => Ok(SequencePoll::Return),
        }
    }
}

/// The `package.path` templates for `name`, in order.
fn candidates(name: &str, path: &str) -> Vec<String> {
    let file = name.replace('.', "/");
    path.split(';').filter(|t| !t.is_empty()).map(|t| t.replace('?', &file)).collect()
}

fn package_path<'gc>(ctx: Context<'gc>, package: Table<'gc>) -> Result<String, Failure> {
    match package.get(ctx, "path") {
        Value::String(path) => Ok(path.to_str_lossy().into_owned()),
        _ => Err(Failure::plain("'package.path' must be a string")),
    }
}

/// `require(name)`: `package.loaded`, then `package.preload`, then the
/// files `package.path` names inside the sandbox.
fn require<'gc>(
    (root, package): &(Root<'gc>, Table<'gc>),
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let name_value = stack.get(0);
    let Value::String(name) = name_value else {
        return Err(Args::new(ctx, &stack[..], "require").plain_type_error(0, "string"));
    };
    let name_text = name.to_str_lossy().into_owned();
    let Value::Table(loaded) = package.get(ctx, "loaded") else {
        return Err(Failure::plain("'package.loaded' must be a table"));
    };
    let already = loaded.get(ctx, name_value);
    if !already.is_nil() {
        stack.replace(ctx, already);
        return Ok(CallbackReturn::Return);
    }
    let mut tried = vec![format!("no field package.preload['{name_text}']")];
    if let Value::Table(preload) = package.get(ctx, "preload")
        && let Value::Function(loader) = preload.get(ctx, name_value)
    {
        let marker = Value::String(ctx.intern(b":preload:"));
        stack.clear();
        stack.push_back(name_value);
        stack.push_back(marker);
        let module = Some((loaded, name_value, marker));
        let then = BoxSequence::new(&ctx, RunChunk { args: Vec::new(), module });
        return Ok(CallbackReturn::Call { function: loader, then: Some(then) });
    }
    for candidate in candidates(&name_text, &package_path(ctx, *package)?) {
        match compile_file(ctx, &root.sandbox, &candidate, ctx.globals())? {
            Ok(wrapper) => {
                let path = Value::String(ctx.intern(candidate.as_bytes()));
                stack.clear();
                stack.extend(root.helpers.iter().map(|h| Value::Function(*h)));
                let module = Some((loaded, name_value, path));
                let then =
                    BoxSequence::new(&ctx, RunChunk { args: vec![name_value, path], module });
                return Ok(CallbackReturn::Call { function: wrapper.into(), then: Some(then) });
            }
            Err(text) if text.starts_with("cannot open") => {
                tried.push(format!("no file '{candidate}'"))
            }
            Err(text) => {
                let text = format!(
                    "error loading module '{name_text}' from file '{candidate}':\n\t{text}"
                );
                return Err(Failure::plain(text));
            }
        }
    }
    let text = format!("module '{name_text}' not found:\n\t{}", tried.join("\n\t"));
    Err(Failure::plain(text))
}

/// `package.searchpath(name, path [, sep [, rep]])`.
fn searchpath<'gc>(
    root: &Root<'gc>,
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let (Value::String(name), Value::String(path)) = (stack.get(0), stack.get(1)) else {
        return Err(Failure::plain("bad argument to 'searchpath' (string expected)"));
    };
    let sep = match stack.get(2) {
        Value::String(s) => s.to_str_lossy().into_owned(),
        _ => ".".to_owned(),
    };
    let rep = match stack.get(3) {
        Value::String(s) => s.to_str_lossy().into_owned(),
        _ => "/".to_owned(),
    };
    let file = if sep.is_empty() {
        name.to_str_lossy().into_owned()
    } else {
        name.to_str_lossy().replace(&sep, &rep)
    };
    let mut tried = Vec::new();
    for template in path.to_str_lossy().split(';').filter(|t| !t.is_empty()) {
        let candidate = template.replace('?', &file);
        if root.sandbox.readable(&candidate).is_ok() {
            stack.replace(ctx, Value::String(ctx.intern(candidate.as_bytes())));
            return Ok(CallbackReturn::Return);
        }
        tried.push(format!("no file '{candidate}'"));
    }
    fail(ctx, &mut stack, &tried.join("\n\t"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_names_as_lua_shows_them() {
        assert_eq!(display_name(b"=stdin"), "stdin");
        assert_eq!(display_name(b"@plan.lua"), "plan.lua");
        assert_eq!(display_name(b"return 1"), "[string \"return 1\"]");
        assert_eq!(display_name(b"x = 1\ny = 2"), "[string \"x = 1...\"]");
        let long = "x".repeat(100);
        assert_eq!(display_name(long.as_bytes()), format!("[string \"{}...\"]", "x".repeat(45)));
    }

    #[test]
    fn module_names_become_paths() {
        assert_eq!(
            candidates("plan.work", "./?.lua;./?/init.lua"),
            vec!["./plan/work.lua".to_owned(), "./plan/work/init.lua".to_owned()]
        );
    }
}
