//! The Lua thread: one std::thread owns the piccolo state (it is not
//! `Send`), takes instructions over a flume channel and answers each on its
//! own reply channel. The async side awaits replies and never blocks on Lua.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::api;
use super::runtime::{Budget, LuaError, Runtime};
use super::sandbox::Sandbox;
use crate::hub::HubHandle;

/// What the Lua thread is asked to do.
#[derive(Debug)]
pub enum LuaInstruction {
    /// Compile and run a chunk; reply with what it printed.
    Exec { chunk: String, source: String, reply: flume::Sender<Result<String, LuaError>> },
    /// Run a file of the plan (e.g. `plan.lua`); reply with what it printed.
    RunFile { path: PathBuf, reply: flume::Sender<Result<String, LuaError>> },
    /// Call a function (a global, or dotted through tables) with JSON
    /// arguments; reply with its first result as JSON.
    Call {
        function: String,
        args: Vec<serde_json::Value>,
        reply: flume::Sender<Result<serde_json::Value, LuaError>>,
    },
    /// Replace the state with a fresh one (before running the plan again).
    Reset { reply: flume::Sender<Result<(), LuaError>> },
}

/// A cheap handle for sending instructions to the Lua thread.
#[derive(Debug, Clone)]
pub struct LuaHandle {
    instructions: flume::Sender<LuaInstruction>,
}

impl LuaHandle {
    /// Runs a chunk of Lua and returns what it printed.
    pub async fn exec(&self, chunk: &str, source: &str) -> Result<String, LuaError> {
        let (reply, answer) = flume::bounded(1);
        let instruction =
            LuaInstruction::Exec { chunk: chunk.to_owned(), source: source.to_owned(), reply };
        self.ask(instruction, answer).await
    }

    /// Runs a Lua file and returns what it printed.
    pub async fn run_file(&self, path: PathBuf) -> Result<String, LuaError> {
        let (reply, answer) = flume::bounded(1);
        self.ask(LuaInstruction::RunFile { path, reply }, answer).await
    }

    /// Calls a Lua function with JSON arguments and returns its result as JSON.
    pub async fn call(
        &self,
        function: &str,
        args: Vec<serde_json::Value>,
    ) -> Result<serde_json::Value, LuaError> {
        let (reply, answer) = flume::bounded(1);
        let instruction = LuaInstruction::Call { function: function.to_owned(), args, reply };
        self.ask(instruction, answer).await
    }

    /// Starts over with a fresh Lua state.
    pub async fn reset(&self) -> Result<(), LuaError> {
        let (reply, answer) = flume::bounded(1);
        self.ask(LuaInstruction::Reset { reply }, answer).await
    }

    async fn ask<T>(
        &self,
        instruction: LuaInstruction,
        answer: flume::Receiver<Result<T, LuaError>>,
    ) -> Result<T, LuaError> {
        let gone = || LuaError { message: "the Lua thread has stopped".into() };
        self.instructions.send_async(instruction).await.map_err(|_| gone())?;
        answer.recv_async().await.map_err(|_| gone())?
    }
}

/// Starts the Lua thread. It stops when every handle is dropped.
pub fn spawn(budget: Budget, sandbox: Sandbox, hub: HubHandle) -> std::io::Result<LuaHandle> {
    let (instructions, inbox) = flume::bounded(64);
    std::thread::Builder::new()
        .name("planhost-lua".into())
        .spawn(move || lua_main(budget, sandbox, hub, inbox))?;
    Ok(LuaHandle { instructions })
}

fn lua_main(
    budget: Budget,
    sandbox: Sandbox,
    hub: HubHandle,
    inbox: flume::Receiver<LuaInstruction>,
) {
    let printed = Arc::new(Mutex::new(Vec::<u8>::new()));
    let register = |runtime: &mut Runtime| {
        let hub = hub.clone();
        runtime.with_context(|ctx| api::load_planhost(ctx, hub));
    };
    let fresh = || {
        let mut runtime = Runtime::new(budget, &sandbox, printed.clone());
        register(&mut runtime);
        runtime
    };
    let mut runtime = fresh();
    let take_printed = || {
        let output = std::mem::take(&mut *printed.lock().unwrap_or_else(|e| e.into_inner()));
        String::from_utf8_lossy(&output).into_owned()
    };
    // Blocking receive: this thread does nothing but Lua.
    while let Ok(instruction) = inbox.recv() {
        match instruction {
            LuaInstruction::Exec { chunk, source, reply } => {
                let result = runtime.exec(&chunk, source.as_bytes(), &[]);
                let _ = reply.send(result.map(|()| take_printed()));
            }
            LuaInstruction::RunFile { path, reply } => {
                let chunk = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |name| name.to_string_lossy().into_owned(),
                );
                let result = match std::fs::read(&path) {
                    Ok(source) => runtime.exec(&chunk, &source, &[]),
                    Err(e) => Err(LuaError { message: format!("cannot open {chunk}: {e}") }),
                };
                let _ = reply.send(result.map(|()| take_printed()));
            }
            LuaInstruction::Call { function, args, reply } => {
                let _ = reply.send(runtime.call_json(&function, &args));
            }
            LuaInstruction::Reset { reply } => {
                runtime = fresh();
                let _ = reply.send(Ok(()));
            }
        }
        // A VM panic replaced the state: the host API must come back too.
        if runtime.take_reset() {
            register(&mut runtime);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_run_in_order_on_the_lua_thread() {
        let (hub, hub_task) = crate::hub::hub();
        let hub_thread = std::thread::spawn(move || smol::block_on(hub_task));
        let sandbox = Sandbox::new(&std::env::temp_dir(), false).unwrap();
        let lua = spawn(Budget::default(), sandbox, hub).unwrap();
        smol::block_on(async {
            let printed = lua.exec("setup", "count = 1 print('ready')").await.unwrap();
            assert_eq!(printed, "ready\n");
            lua.exec(
                "define",
                "function add(a, b) count = count + 1 return {sum = a + b, count = count} end",
            )
            .await
            .unwrap();
            let result = lua.call("add", vec![2.into(), 3.into()]).await.unwrap();
            assert_eq!(result, serde_json::json!({"sum": 5, "count": 2}));
            let error = lua.exec("bad", "error('nope')").await.unwrap_err();
            assert_eq!(error.message, "bad:1: nope");
            // Overflow checks in piccolo may panic (debug builds) and reset
            // the state; the host API must survive that.
            let _ = lua.exec("shift", "local n = 64 return 1 << n").await;
            let api = lua.exec("api", "print(type(planhost.broadcast))").await.unwrap();
            assert_eq!(api, "function\n");
            lua.reset().await.unwrap();
            let after = lua.exec("after", "print(count)").await.unwrap();
            assert_eq!(after, "nil\n", "a reset forgets the old state");
        });
        drop(lua);
        drop(hub_thread);
    }
}
