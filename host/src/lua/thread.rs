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

    async fn ask(
        &self,
        instruction: LuaInstruction,
        answer: flume::Receiver<Result<String, LuaError>>,
    ) -> Result<String, LuaError> {
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
    let mut runtime = Runtime::new(budget, &sandbox, printed.clone());
    runtime.with_context(|ctx| api::load_planhost(ctx, hub));
    // Blocking receive: this thread does nothing but Lua.
    while let Ok(instruction) = inbox.recv() {
        let (result, reply) = match instruction {
            LuaInstruction::Exec { chunk, source, reply } => {
                (runtime.exec(&chunk, source.as_bytes(), &[]), reply)
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
                (result, reply)
            }
        };
        let output = std::mem::take(&mut *printed.lock().unwrap_or_else(|e| e.into_inner()));
        let _ = reply.send(result.map(|()| String::from_utf8_lossy(&output).into_owned()));
    }
}
