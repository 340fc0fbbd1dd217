//! The Lua thread: one std::thread owns the piccolo state (it is not
//! `Send`), takes instructions over a flume channel and answers each on its
//! own reply channel. The async side awaits replies and never blocks on Lua.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::api;
use super::frontend::CONSOLE_CHUNK;
use super::journal::{self, Entry, Journal, NotReplayable};
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
    /// Run `path` in a fresh state and keep that state only if it succeeds
    /// (a broken edit leaves the working plan in place); reply with what
    /// it printed.
    Reload { path: PathBuf, reply: flume::Sender<Result<Reloaded, LuaError>> },
    /// Run a line typed at a console: an expression prints its values, as
    /// in the `lua` prompt; an unfinished chunk asks for more.
    Console { chunk: String, reply: flume::Sender<ConsoleReply> },
    /// List the views the plan declared with `planhost.view`.
    Views { reply: flume::Sender<Vec<String>> },
    /// Compute a view: call its function and convert the result to JSON.
    ViewData { name: String, reply: flume::Sender<Result<String, LuaError>> },
    /// How many console commands ran since the plan was loaded, if they
    /// may have changed it: 0 when none ran or the plan's
    /// `planhost.unsaved()` says its files hold it.
    Unsaved { reply: flume::Sender<usize> },
}

/// What a [`LuaInstruction::Reload`] came to, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reloaded {
    /// The plan ran afresh from its files: what it printed.
    Loaded(String),
    /// No file the plan looks at changed since the state in use was loaded
    /// (or saved): that state is what a load would give, so nothing ran,
    /// and an error of a load tried since no longer holds.
    InUse,
    /// No file the plan looks at changed since the last load was tried (a
    /// log written beside the plan, say): nothing ran, and what that load
    /// came to stands.
    Unchanged,
}

/// The answer to a console line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleReply {
    /// What the command printed (also when it failed part way).
    pub printed: String,
    pub outcome: ConsoleOutcome,
    /// The command called `planhost.reload()`: how loading the plan's
    /// files afresh after it went (the error, if the plan in use stayed).
    pub reloaded: Option<Result<(), String>>,
}

/// How a console line ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleOutcome {
    /// It ran.
    Done,
    /// It is the start of a longer chunk: send it again with more lines.
    Incomplete,
    /// It failed; the message names chunk and line.
    Failed(String),
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

    /// Runs the plan's entry file `path` in a fresh state, kept only if it
    /// succeeds. The path is remembered: should a VM panic force a fresh
    /// state later, the file runs again before the failed instruction is
    /// answered.
    pub async fn reload(&self, path: PathBuf) -> Result<Reloaded, LuaError> {
        let (reply, answer) = flume::bounded(1);
        self.ask(LuaInstruction::Reload { path, reply }, answer).await
    }

    /// How many console commands ran since the plan was loaded from its
    /// files, if they may have changed it (see [`LuaInstruction::Unsaved`]).
    pub async fn unsaved(&self) -> usize {
        let (reply, answer) = flume::bounded(1);
        if self.instructions.send_async(LuaInstruction::Unsaved { reply }).await.is_err() {
            return 0;
        }
        answer.recv_async().await.unwrap_or(0)
    }

    /// Runs a console line.
    pub async fn console(&self, chunk: &str) -> ConsoleReply {
        let (reply, answer) = flume::bounded(1);
        let instruction = LuaInstruction::Console { chunk: chunk.to_owned(), reply };
        let gone = || ConsoleReply {
            printed: String::new(),
            outcome: ConsoleOutcome::Failed("the Lua thread has stopped".into()),
            reloaded: None,
        };
        if self.instructions.send_async(instruction).await.is_err() {
            return gone();
        }
        answer.recv_async().await.unwrap_or_else(|_| gone())
    }

    /// The views the plan declared, sorted by name.
    pub async fn views(&self) -> Vec<String> {
        let (reply, answer) = flume::bounded(1);
        if self.instructions.send_async(LuaInstruction::Views { reply }).await.is_err() {
            return Vec::new();
        }
        answer.recv_async().await.unwrap_or_default()
    }

    /// Computes the data of view `name`, as JSON text.
    pub async fn view_data(&self, name: &str) -> Result<String, LuaError> {
        let (reply, answer) = flume::bounded(1);
        self.ask(LuaInstruction::ViewData { name: name.to_owned(), reply }, answer).await
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
pub fn spawn(
    budget: Budget,
    sandbox: Sandbox,
    hub: Option<HubHandle>,
) -> std::io::Result<LuaHandle> {
    let (instructions, inbox) = flume::bounded(64);
    // piccolo's parser and compiler recurse for every level a chunk nests:
    // 64 MiB of address space, committed only as far as a chunk reaches,
    // of which the deepest chunk the front end accepts needs less than half
    // in a debug build (see `frontend::LUA_STACK_BYTES`).
    std::thread::Builder::new()
        .name("planhost-lua".into())
        .stack_size(super::frontend::LUA_STACK_BYTES)
        .spawn(move || lua_main(budget, sandbox, hub, inbox))?;
    Ok(LuaHandle { instructions })
}

/// Quiet time after which the Lua thread finishes a collection cycle (5-10
/// ms for a 2,000-item plan, and a command arriving meanwhile waits). Short
/// enough to fall between the commands of a meeting; long enough not to fall
/// between a change and the views it triggers, nor to take a core while
/// those views are rendered and sent (20-40 ms for a 2,000-item plan to
/// 1,000 clients).
const COLLECT_WHEN_IDLE_FOR: Duration = Duration::from_millis(60);

/// The least time a console command the time budget stopped may take when
/// it runs again after a VM panic, to the instruction it had reached.
const REPLAY_TIME_GUARD: Duration = Duration::from_secs(60);

fn lua_main(
    budget: Budget,
    sandbox: Sandbox,
    hub: Option<HubHandle>,
    inbox: flume::Receiver<LuaInstruction>,
) {
    crate::heap::this_thread_runs_lua();
    let printed = Arc::new(Mutex::new(Vec::<u8>::new()));
    let served = api::Served::default();
    let round = &served.round;
    let register = |runtime: &mut Runtime| {
        let (sandbox, hub, served) = (sandbox.clone(), hub.clone(), served.clone());
        runtime.with_context(|ctx| api::load_planhost(ctx, sandbox, hub, Some(served)));
    };
    let fresh = || {
        let mut runtime = Runtime::new(budget, &sandbox, printed.clone());
        register(&mut runtime);
        runtime
    };
    // A state for looking only: the plan loaded in it publishes nothing
    // (`planhost.broadcast` without a hub).
    let quiet = || {
        let mut runtime = Runtime::new(budget, &sandbox, printed.clone());
        let (sandbox, served) = (sandbox.clone(), served.clone());
        runtime.with_context(|ctx| api::load_planhost(ctx, sandbox, None, Some(served)));
        runtime
    };
    let mut runtime = fresh();
    // The plan's entry file, once one was loaded: run again if a VM panic
    // forces a fresh state, and the console commands since with it.
    let mut plan: Option<PathBuf> = None;
    let mut journal: Option<Journal> = None;
    // A load of the plan's files that was declined, owed until the plan
    // is saved or `planhost.reload()` is called.
    let mut declined: Option<Declined> = None;
    // The last load of the plan (made, declined or failed), while what it
    // came to still holds.
    let mut last_load: Option<LastLoad> = None;
    // Whether the plan ever looked at a file: one it never did changes
    // nothing it holds.
    let looked_at = |file: &Path| sandbox.consulted(file);
    let take_printed = || {
        let output = std::mem::take(&mut *printed.lock().unwrap_or_else(|e| e.into_inner()));
        String::from_utf8_lossy(&output).into_owned()
    };
    // This thread does nothing but Lua: it blocks until an instruction
    // comes, and collects garbage once instructions stop coming for a while.
    let mut garbage = false;
    loop {
        let instruction = if garbage {
            match inbox.recv_timeout(COLLECT_WHEN_IDLE_FOR) {
                Ok(instruction) => instruction,
                Err(flume::RecvTimeoutError::Timeout) => {
                    let start = std::time::Instant::now();
                    runtime.collect_garbage();
                    tracing::debug!("idle collection took {:?}", start.elapsed());
                    garbage = false;
                    continue;
                }
                Err(flume::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match inbox.recv() {
                Ok(instruction) => instruction,
                Err(_) => break,
            }
        };
        garbage = true;
        // The files the last instruction read belong to the state it left.
        let read = sandbox.take_reads();
        // (Saves, and a reload asked for, are looked at right after the
        // console command that made them; commands run again make neither.)
        sandbox.take_saved();
        sandbox.take_written();
        served.reload.take();
        if let Some(journal) = journal.as_mut() {
            journal.note_reads(read);
        }
        // Views computed one after another share a round; anything else
        // may change the plan.
        match instruction {
            LuaInstruction::ViewData { .. } => round.enter(),
            LuaInstruction::Views { .. } => {}
            _ => round.end(),
        }
        // After a VM panic replaced the state, the host API, the plan and
        // the console commands since it was loaded come back before the
        // instruction is answered; its error says so. (`dropped`: they did
        // not, the plan is as its files have it.)
        let dropped = std::cell::Cell::new(false);
        let recover = |runtime: &mut Runtime, journal: &mut Option<Journal>| -> Option<String> {
            if !runtime.take_reset() {
                return None;
            }
            let Some(plan) = plan.as_deref() else {
                register(runtime);
                return None;
            };
            // Decided on the files as they are before the plan runs again
            // (it may write files of its own as it loads).
            let files = journal::snapshot(plan.parent().unwrap_or(Path::new(".")));
            let pending = journal.as_ref().map_or(Ok(Vec::new()), |journal| {
                journal
                    .replayable(&files)
                    .map(<[Entry]>::to_vec)
                    .map_err(|why| (why, journal.count()))
            });
            let (loaded, outcome, panicked) = run_plan(&fresh, plan, &|| drop(take_printed()));
            take_printed();
            // The plan itself may make the VM panic every time: a fresh
            // state again, with the host API.
            *runtime = if panicked { fresh() } else { loaded };
            if let Err(error) = outcome {
                tracing::error!("Lua state reset; loading {} again: {error}", plan.display());
                *journal = None;
                dropped.set(true);
                return Some(format!("; loading {} again failed: {error}", plan.display()));
            }
            let replayed;
            (replayed, *journal) =
                resume(runtime, journal.take(), pending, plan, files, &fresh, &|| {
                    drop(take_printed())
                });
            dropped.set(!matches!(replayed, Replayed::All(_)));
            let note = replayed.note();
            tracing::warn!("Lua state reset; {} loaded again{note}", plan.display());
            Some(format!("; {} was loaded again{note}", plan.display()))
        };
        match instruction {
            LuaInstruction::Exec { chunk, source, reply } => {
                let result = runtime.exec(&chunk, source.as_bytes(), &[]).map(|()| take_printed());
                let _ = reply.send(noted(result, recover(&mut runtime, &mut journal)));
            }
            LuaInstruction::RunFile { path, reply } => {
                let result = run_file(&mut runtime, &path).map(|()| take_printed());
                let _ = reply.send(noted(result, recover(&mut runtime, &mut journal)));
            }
            LuaInstruction::Reload { path, reply } => {
                // The console commands since the same plan was last loaded
                // run again on it when only its Lua files changed (decided
                // before it runs: it may write files as it loads).
                let same_plan = plan.as_deref() == Some(&path);
                let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
                // Taken before the plan runs: a file changed while it loads
                // counts as changed at the next load.
                let files = journal::snapshot(&dir);
                // (A host path, where a script's relative paths are the
                // plan's; absolute, its links kept: a linked `plan.lua`
                // pointed elsewhere is a change.)
                let entry = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
                sandbox.note_looked_at(&entry.to_string_lossy());
                // Nothing to run when the only files that changed are ones
                // the plan never looked at (a log written beside it would
                // otherwise load it after every line it logs): since the
                // state in use saw them (that state is what a load would
                // give, unless one is owed), or since the last load was
                // tried (whatever it came to stands). Touched files, or
                // files written back unchanged, count as unchanged.
                let any_looked_at =
                    |changed: &BTreeSet<PathBuf>| changed.iter().any(|file| looked_at(file));
                let in_use = || {
                    let journal = journal.as_ref()?;
                    // (Not while a load is owed, nor while something said of
                    // the state in use stands: a command that fails on new
                    // code, say.)
                    if declined.as_ref().is_some_and(|d| d.owed || !d.failed_load) {
                        return None;
                    }
                    let changed = journal.changed_since_seen(&files)?;
                    (!any_looked_at(&changed)).then_some((changed, Reloaded::InUse))
                };
                let as_tried = || {
                    let changed = last_load.as_ref()?.files.changed(&files)?;
                    (!any_looked_at(&changed)).then_some((changed, Reloaded::Unchanged))
                };
                if same_plan && let Some((changed, outcome)) = in_use().or_else(as_tried) {
                    if let Some(journal) = journal.as_mut() {
                        journal.take_as_loaded(&changed, &files);
                    }
                    // (Back to the files in use: a failed load's notice
                    // no longer holds; none owed, or it would not be.)
                    if outcome == Reloaded::InUse {
                        declined = None;
                    }
                    // (What the last load came to stands, and whether its
                    // plan failed to run; back to the files in use, none did.)
                    let failed = outcome == Reloaded::Unchanged
                        && last_load.as_ref().is_some_and(|last| last.failed);
                    last_load = Some(LastLoad { files, failed });
                    let _ = reply.send(Ok(outcome));
                    continue;
                }
                // No plan in use and no entry file: the plan is served
                // empty until one comes (which is then a change looked at).
                if journal.is_none() && !path.exists() {
                    last_load = Some(LastLoad { files, failed: true });
                    plan = Some(path);
                    let _ = reply.send(Ok(Reloaded::InUse));
                    continue;
                }
                last_load = Some(LastLoad { files: files.clone(), failed: false });
                let previous = journal.take().filter(|_| same_plan);
                let pending = previous.as_ref().map_or(Ok(&[][..]), |journal| {
                    journal.replayable_on_new_code(&files, &looked_at).map_err(|why| (why, journal))
                });
                // Console commands that could not run again on the files are
                // not dropped: the state in use stays, with them (unless the
                // plan says its files hold it: then nothing is lost).
                let pending = match pending {
                    Ok(commands) => commands.to_vec(),
                    Err(_) if plan_unsaved(&mut runtime) == Some(false) => Vec::new(),
                    Err((why, kept)) => {
                        let reason = match why {
                            NotReplayable::FilesChanged => {
                                format!("{} changed on disk", listed(&kept.changed_reads(&files)))
                            }
                            why => why.to_string(),
                        };
                        let message = decline(&path, &reason, kept.count());
                        tracing::warn!("{message}");
                        journal = previous;
                        declined = Some(Declined::owed(message.clone(), declined.as_ref()));
                        let _ = reply.send(Err(LuaError { message }));
                        continue;
                    }
                };
                let (mut candidate, result, panicked) =
                    run_plan(&fresh, &path, &|| drop(take_printed()));
                let printed = take_printed();
                if result.is_ok() && !panicked {
                    let discard = || drop(take_printed());
                    let replayed = replay(&mut candidate, Ok(pending.clone()), &discard, true);
                    served.reload.take();
                    if let Replayed::Failed(at, of) = replayed {
                        // The state the commands made cannot be had on the
                        // new code: the one in use stays, as after a broken edit.
                        let shown = one_line(&pending[at - 1].chunk);
                        let reason = format!(
                            "console command {at} of {of}, `{shown}`, makes the Lua VM panic on it"
                        );
                        let message = decline(&path, &reason, of);
                        tracing::warn!("{message}");
                        journal = previous;
                        declined = Some(Declined::owed(message.clone(), declined.as_ref()));
                        let _ = reply.send(Err(LuaError { message }));
                        continue;
                    }
                    runtime = candidate;
                    declined = None;
                    journal = Some(match previous.filter(|_| !pending.is_empty()) {
                        Some(mut journal) => {
                            journal.loaded_again(files);
                            journal
                        }
                        None => Journal::start(&dir, files),
                    });
                    plan = Some(path.clone());
                    if let Replayed::Diverged(_, at, error) = &replayed {
                        // Loaded all the same: the command stays in the
                        // journal, and runs again at the next load.
                        let shown = one_line(&pending[at - 1].chunk);
                        let message = format!(
                            "{} was loaded, but console command {at} of {}, `{shown}`, fails on \
                             it, where it ran before: {error}. What it changed is not in the \
                             plan now; the command stays, and runs again when the plan is \
                             loaded next.",
                            path.display(),
                            pending.len()
                        );
                        tracing::warn!("{message}");
                        // Said, but no load is owed: it was made.
                        declined = Some(Declined::said(message.clone()));
                        let _ = reply.send(Err(LuaError { message }));
                        continue;
                    }
                    if !pending.is_empty() {
                        tracing::info!("{} loaded{}", path.display(), replayed.note());
                    }
                } else {
                    // The state in use stays, and what it was made of.
                    journal = previous.or(journal);
                    // Said once at the console too (the browsers show it
                    // over the views): without it, a command of the plan
                    // that did not load fails as a nil global, no more.
                    if let Err(error) = &result {
                        let shown = path.display();
                        let message = match &journal {
                            None => format!(
                                "{shown} did not load: {error}; the console runs without the \
                                 plan until its files load"
                            ),
                            Some(_) => format!(
                                "{shown} did not load again: {error}; the plan in use is the \
                                 one loaded before"
                            ),
                        };
                        declined = Some(Declined::failed(message, declined.as_ref()));
                        if let Some(last) = last_load.as_mut() {
                            last.failed = true;
                        }
                    }
                }
                plan = Some(path);
                let _ = reply.send(result.map(|()| Reloaded::Loaded(printed)));
            }
            LuaInstruction::Console { chunk, reply } => {
                // What a load would come to may change with the state,
                // unless the plan failed to run from its files.
                if last_load.as_ref().is_some_and(|last| !last.failed) {
                    last_load = None;
                }
                let (writes, saves) = (sandbox.writes(), sandbox.saves());
                let since_load = journal.as_ref().map_or(0, Journal::count);
                let mut outcome = console(&mut runtime, &chunk);
                let reload_asked = served.reload.take();
                let stopped_after = runtime.stopped_after();
                let wrote_files = sandbox.writes() != writes;
                let written = sandbox.take_written();
                // Every write went through `planhost.save`: the plan wrote
                // its state back (a file written any other way, an `io`
                // append to a data file say, is no save of the state).
                let only_saved = sandbox.writes() - writes == sandbox.saves() - saves;
                let saved = sandbox.take_saved();
                let printed = take_printed();
                let uncalled = (outcome == ConsoleOutcome::Done)
                    .then(|| uncalled_function(&chunk, &printed))
                    .flatten();
                let mut note = recover(&mut runtime, &mut journal);
                // Kept to run again after a later panic, unless it panicked
                // itself (or was only the start of a longer chunk).
                let failed = matches!(outcome, ConsoleOutcome::Failed(_));
                if note.is_none()
                    && outcome != ConsoleOutcome::Incomplete
                    && let Some(journal) = journal.as_mut()
                {
                    journal.record(Entry { chunk, stopped_after, wrote_files, written, failed });
                    // A command that failed after writing files (a save
                    // that ran out of disk half way) leaves them holding
                    // part of the state: loading them would lose the rest.
                    if wrote_files && matches!(outcome, ConsoleOutcome::Failed(_)) {
                        journal.files_seen_now();
                        note = Some(KEPT_AFTER_FAILED_WRITE.to_owned());
                    } else if wrote_files && only_saved {
                        // A save: the files hold the state if the plan says
                        // so (`planhost.unsaved`), or, for a plan that cannot
                        // say, if the plan loaded from them shows what the
                        // state in use shows (not after `save() cut(4)`, say;
                        // when other files, its code, changed meanwhile, that
                        // cannot be told, and the save is taken at its word).
                        // Then the journal starts afresh from them: without
                        // that, the load its writes set off would drop the
                        // commands after it. Else they are taken as seen, as
                        // after a failed save.
                        let whole = match plan_unsaved(&mut runtime) {
                            Some(unsaved) => !unsaved,
                            None => {
                                let views = views_fingerprint(&mut runtime);
                                journal.others_changed(&saved, &looked_at)
                                    || plan.as_deref().is_some_and(|path| {
                                        let (mut loaded, result, panicked) =
                                            run_plan(&quiet, path, &|| drop(take_printed()));
                                        result.is_ok()
                                            && !panicked
                                            && views_fingerprint(&mut loaded) == views
                                    })
                            }
                        };
                        take_printed();
                        if !(whole && journal.saved_to_files(&saved, &looked_at)) {
                            journal.files_seen_now();
                        }
                    }
                }
                if let (Some(note), ConsoleOutcome::Failed(message)) = (note, &mut outcome) {
                    message.push_str(&note);
                }
                let mut printed = printed;
                if let Some(call) = uncalled {
                    tell(&mut printed, &format!("that is a function: to run it, type {call}"));
                }
                // `planhost.reload()`: the files as they are, afresh.
                // (A panic's recovery ran commands again: not asked by them.)
                served.reload.take();
                let reloaded = reload_asked.then(|| {
                    let Some(path) = plan.clone() else {
                        return Err("no plan was loaded to load again".to_owned());
                    };
                    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
                    let files = journal::snapshot(&dir);
                    let (candidate, result, panicked) =
                        run_plan(&fresh, &path, &|| drop(take_printed()));
                    take_printed();
                    match result {
                        Ok(()) if !panicked => {
                            runtime = candidate;
                            (journal, declined) = (Some(Journal::start(&dir, files)), None);
                            let (since, are) = match since_load {
                                1 => ("the console command".to_owned(), "is"),
                                n => (format!("the {n} console commands"), "are"),
                            };
                            let loaded = format!(
                                "{} loaded from its files; {since} since it was last loaded \
                                 {are} dropped",
                                path.display()
                            );
                            tell(&mut printed, &loaded);
                            Ok(())
                        }
                        Ok(()) => Err(format!("loading {} made the Lua VM panic", path.display())),
                        Err(error) => Err(format!("loading {}: {error}", path.display())),
                    }
                });
                if let Some(Err(error)) = &reloaded {
                    tell(&mut printed, &format!("{error}; the plan in use stays"));
                }
                // A load declined since the last command: said once (with a
                // command that ran: the answer to an unfinished one is not
                // shown).
                if outcome != ConsoleOutcome::Incomplete
                    && let Some(declined) = declined.as_mut().filter(|d| !d.told)
                {
                    declined.told = true;
                    tell(&mut printed, &declined.message);
                }
                let _ = reply.send(ConsoleReply { printed, outcome, reloaded });
            }
            LuaInstruction::Views { reply } => {
                let mut names = Vec::new();
                runtime.with_context(|ctx| names = api::view_names(ctx));
                recover(&mut runtime, &mut journal);
                let _ = reply.send(names);
            }
            LuaInstruction::ViewData { name, reply } => {
                let result = view_data(&mut runtime, &name);
                take_printed();
                let _ = reply.send(noted(result, recover(&mut runtime, &mut journal)));
            }
            LuaInstruction::Call { function, args, reply } => {
                let result = runtime.call_json(&function, &args);
                // What it printed is no command's output.
                take_printed();
                let _ = reply.send(noted(result, recover(&mut runtime, &mut journal)));
            }
            LuaInstruction::Unsaved { reply } => {
                let unsaved = match journal.as_ref() {
                    Some(kept) if kept.count() > 0 && plan_unsaved(&mut runtime) != Some(false) => {
                        kept.count()
                    }
                    _ => 0,
                };
                let _ = reply.send(unsaved);
            }
            LuaInstruction::Reset { reply } => {
                runtime = fresh();
                last_load = None;
                (journal, declined) = (None, None);
                let _ = reply.send(Ok(()));
            }
        }
        // The plan came back from its files: no load is owed any more, and
        // what was said of one no longer holds.
        if dropped.take() {
            declined = None;
        }
    }
}

/// How many times a plan's entry file is run when the Lua VM panics
/// running it. piccolo 0.3.3 can panic growing a table whose integer keys
/// came out of order, depending on the table's hash seeds, which are random
/// per table: a fresh state usually loads the same plan (docs/LUA.md).
const PLAN_RUNS: usize = 3;

/// Runs the plan's entry file `path` in a state from `fresh`, and again in
/// another fresh state (`discard` dropping what the failed run printed)
/// while the VM panics, up to [`PLAN_RUNS`] runs. Returns the last state,
/// its result, and whether that run still panicked.
fn run_plan(
    fresh: &dyn Fn() -> Runtime,
    path: &std::path::Path,
    discard: &dyn Fn(),
) -> (Runtime, Result<(), LuaError>, bool) {
    let mut run = 1;
    loop {
        let mut runtime = fresh();
        let result = run_file(&mut runtime, path);
        let panicked = runtime.take_reset();
        if !panicked || run == PLAN_RUNS {
            return (runtime, result, panicked);
        }
        if let Err(error) = &result {
            tracing::warn!("{}: {error}; running it again in a fresh state", path.display());
        }
        discard();
        run += 1;
    }
}

/// What running the journal's commands again came to.
enum Replayed {
    /// This many ran (none if the journal was empty).
    All(usize),
    /// None ran, for this reason; this many were lost.
    NotRun(NotReplayable, usize),
    /// The command at (counting from 1) of that many made the VM panic.
    Failed(usize, usize),
    /// All of this many ran, but, run strictly, the command at (counting
    /// from 1) failed where it had first run to its end: how.
    Diverged(usize, usize, String),
}

impl Replayed {
    /// What the console is told after "PLAN was loaded again".
    fn note(&self) -> String {
        const LOST: &str = "changes not saved since are lost";
        let since = |n: usize| match n {
            1 => ("the console command since".to_owned(), "was"),
            n => (format!("the {n} console commands since"), "were"),
        };
        match self {
            Replayed::All(0) => String::new(),
            Replayed::All(n) => {
                let (commands, were) = since(*n);
                format!(" and {commands} {were} run again")
            }
            Replayed::NotRun(NotReplayable::TooMany, _) => {
                format!("; too many console commands ran since to run them again ({LOST})")
            }
            Replayed::NotRun(why, n) => {
                let (commands, were) = since(*n);
                format!("; {why}, so {commands} {were} not run again ({LOST})")
            }
            Replayed::Diverged(n, ..) => Replayed::All(*n).note(),
            Replayed::Failed(at, of) => format!(
                "; running the console commands since again failed at command {at} of {of} \
                 ({LOST})"
            ),
        }
    }
}

/// Runs a journal's console commands again on the plan just loaded into
/// `runtime` (or says why they cannot run: why, and how many there were),
/// `discard` dropping what they print. Run `strictly`, the first command
/// that fails where it first ran to its end is reported.
fn replay(
    runtime: &mut Runtime,
    pending: Result<Vec<Entry>, (NotReplayable, usize)>,
    discard: &dyn Fn(),
    strictly: bool,
) -> Replayed {
    let commands = match pending {
        Ok(commands) => commands,
        Err((why, count)) => return Replayed::NotRun(why, count),
    };
    let mut diverged = None;
    for (done, command) in commands.iter().enumerate() {
        let budget = runtime.budget();
        if let Some(used) = command.stopped_after {
            // Stopped at the same instruction as the first time, whatever
            // the clock says: a loaded machine can run it many times slower
            // than it first ran, so the time budget is only a loose guard.
            runtime.set_budget(Budget {
                instructions: used.saturating_sub(1),
                time: budget.time.saturating_mul(4).max(REPLAY_TIME_GUARD),
                ..budget
            });
        }
        let outcome = console(runtime, &command.chunk);
        runtime.set_budget(budget);
        discard();
        if runtime.take_reset() {
            return Replayed::Failed(done + 1, commands.len());
        }
        if let ConsoleOutcome::Failed(error) = outcome
            && strictly
            && !command.failed
        {
            diverged.get_or_insert((done + 1, error));
        }
    }
    match diverged {
        Some((at, error)) => Replayed::Diverged(commands.len(), at, error),
        None => Replayed::All(commands.len()),
    }
}

/// A hash of every declared view's data (or error) as the state in use
/// gives it: what the browsers can see of the plan. None if the plan
/// declares no view.
fn views_fingerprint(runtime: &mut Runtime) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let mut names = Vec::new();
    runtime.with_context(|ctx| names = api::view_names(ctx));
    if names.is_empty() {
        return None;
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for name in names {
        let data = view_data(runtime, &name).map_err(|error| error.message);
        (name, data).hash(&mut hasher);
    }
    Some(hasher.finish())
}

/// A load of the plan's files that was not made, so as not to drop console
/// commands: what the console and the browsers are told.
struct Declined {
    message: String,
    /// The console was told (after the next command).
    told: bool,
    /// The load was not made: the next change of the files makes it, even
    /// if they are as the state in use saw them.
    owed: bool,
    /// It is about a load whose plan failed to run (the files are broken),
    /// not about the state in use.
    failed_load: bool,
}

impl Declined {
    /// A load not made; told already if one was owed and told before
    /// (`before`): the console hears of it once, not at every change of
    /// the files meanwhile.
    fn owed(message: String, before: Option<&Declined>) -> Declined {
        let told = before.is_some_and(|before| before.owed && before.told);
        Declined { message, told, owed: true, failed_load: false }
    }

    /// A load made, with something to say about it.
    fn said(message: String) -> Declined {
        Declined { message, told: false, owed: false, failed_load: false }
    }

    /// A load that failed: said, and a load owed before stays owed.
    fn failed(message: String, before: Option<&Declined>) -> Declined {
        let owed = before.is_some_and(|before| before.owed);
        Declined { message, told: false, owed, failed_load: true }
    }
}

/// The last load of the plan: the files as it found them, and whether the
/// plan failed to run from them (then another try on the same files fails
/// the same way whatever the console did since; else what it came to may
/// depend on the state in use, and any console command ends it).
struct LastLoad {
    files: journal::Snapshot,
    failed: bool,
}

/// What the plan says of its changes: the result of `planhost.unsaved()`,
/// which a plan may define to say whether it holds changes its files do
/// not (the example plan compares the texts it would save); None if it
/// defines none, or it fails.
fn plan_unsaved(runtime: &mut Runtime) -> Option<bool> {
    match runtime.call_json("planhost.unsaved", &[]) {
        Ok(serde_json::Value::Bool(unsaved)) => Some(unsaved),
        _ => None,
    }
}

/// Why `plan` was not loaded again: `reason`, with `count` console
/// commands kept, and the two ways on.
fn decline(plan: &Path, reason: &str, count: usize) -> String {
    let commands = match count {
        1 => "the console command".to_owned(),
        n => format!("the {n} console commands"),
    };
    format!(
        "{} was not loaded again: {reason}, and loading it would drop {commands} run since it \
         was last loaded. The plan in use keeps them: save them to its files (the plan's save \
         command, through planhost.save) and it loads; or planhost.reload() loads the files as \
         they are and drops them.",
        plan.display()
    )
}

/// Up to five paths, then how many more.
fn listed(paths: &[PathBuf]) -> String {
    let mut names: Vec<String> = paths.iter().take(5).map(|p| p.display().to_string()).collect();
    if paths.len() > 5 {
        names.push(format!("{} more", paths.len() - 5));
    }
    match names.len() {
        0 => "its files".to_owned(),
        _ => names.join(", "),
    }
}

/// A chunk's first line, shortened to 60 characters.
fn one_line(chunk: &str) -> String {
    let line = chunk.trim().lines().next().unwrap_or_default();
    let short: String = line.chars().take(60).collect();
    if short.len() < line.len() || chunk.trim().lines().nth(1).is_some() {
        format!("{short} ...")
    } else {
        short
    }
}

/// Adds a line of the host's own to what a console command printed.
fn tell(printed: &mut String, line: &str) {
    if !printed.is_empty() && !printed.ends_with('\n') {
        printed.push('\n');
    }
    printed.push_str("planhost: ");
    printed.push_str(line);
    printed.push('\n');
}

/// Runs a journal's commands again on `runtime`, just loaded from `plan`
/// (see [`replay`]). Returns what came of it and the journal from now on:
/// `journal` going on if all ran, else a new one, the plan then coming
/// back as its files have it.
fn resume(
    runtime: &mut Runtime,
    journal: Option<Journal>,
    pending: Result<Vec<Entry>, (NotReplayable, usize)>,
    plan: &Path,
    files: journal::Snapshot,
    fresh: &dyn Fn() -> Runtime,
    discard: &dyn Fn(),
) -> (Replayed, Option<Journal>) {
    let replayed = replay(runtime, pending, discard, false);
    let dir = plan.parent().unwrap_or(Path::new("."));
    let journal = match (&replayed, journal) {
        (Replayed::All(_), Some(mut journal)) => {
            journal.loaded_again(files);
            Some(journal)
        }
        (Replayed::Failed(..), _) => {
            let files = journal::snapshot(dir);
            let (loaded, _, panicked) = run_plan(fresh, plan, discard);
            discard();
            *runtime = if panicked { fresh() } else { loaded };
            Some(Journal::start(dir, files))
        }
        _ => Some(Journal::start(dir, files)),
    };
    (replayed, journal)
}

/// `result` with `note` added to its error.
fn noted<T>(result: Result<T, LuaError>, note: Option<String>) -> Result<T, LuaError> {
    match note {
        Some(note) => result.map_err(|error| LuaError { message: error.message + &note }),
        None => result,
    }
}

fn run_file(runtime: &mut Runtime, path: &std::path::Path) -> Result<(), LuaError> {
    let chunk = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |name| name.to_string_lossy().into_owned());
    match crate::lua::sandbox::read_plan_file(path) {
        Ok(source) => runtime.exec(&chunk, &source, &[]),
        Err(e) => Err(LuaError { message: format!("cannot open {chunk}: {e}") }),
    }
}

/// For a console line that is only a function's name (`save`, `shell.ls`),
/// whose value was printed as a function, the call that was likely meant
/// (`save()`): a command typed without its parentheses does nothing else.
fn uncalled_function(chunk: &str, printed: &str) -> Option<String> {
    let name = chunk.trim().trim_start_matches('=').trim().trim_end_matches(';').trim_end();
    let is_name = |part: &str| {
        part.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let shown = printed.strip_suffix('\n')?;
    (name.split('.').all(is_name)
        && shown.starts_with("function: ")
        && !shown.contains(['\n', '\t']))
    .then(|| format!("{name}()"))
}

/// Said after the error of a console command that failed after writing
/// files.
const KEPT_AFTER_FAILED_WRITE: &str = "\n(the plan in memory is kept as it is: the files this \
     command wrote before it failed are not loaded)";

/// Runs a console line as the `lua` prompt does: first as an expression
/// list whose values are printed, else as statements, printing what they
/// return. Only a chunk that does not compile for want of its end is
/// incomplete; an error while it runs (one that a `load` inside it
/// returned, say) is its outcome.
fn console(runtime: &mut Runtime, chunk: &str) -> ConsoleOutcome {
    // The prefixes add no line, so error positions match what was typed.
    const PRINT: &str = "if __values.n > 0 then print(table.unpack(__values, 1, __values.n)) end";
    let chunk = &*as_typed(chunk);
    // `f();` is a statement; as an expression list it loses the `;`.
    let trimmed = chunk.trim_end();
    let values = trimmed.strip_suffix(';').unwrap_or(trimmed);
    let printing = if runtime.load(CONSOLE_CHUNK, format!("return {values}").as_bytes()).is_ok() {
        format!("local __values = table.pack({values}\n) {PRINT}")
    } else {
        match runtime.load(CONSOLE_CHUNK, chunk.as_bytes()) {
            Err(error) if unfinished(&error.message) => return ConsoleOutcome::Incomplete,
            Err(error) => return ConsoleOutcome::Failed(error.message),
            Ok(_) => {
                format!("local __values = table.pack((function(...) {chunk}\nend)(...)) {PRINT}")
            }
        }
    };
    match runtime.exec(CONSOLE_CHUNK, printing.as_bytes(), &[]) {
        Ok(()) => ConsoleOutcome::Done,
        Err(error) => ConsoleOutcome::Failed(error.message),
    }
}

/// How a console chunk compiles, as [`console`] judges it before running
/// it, found without running anything (nor any Lua state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkState {
    /// It compiles: sent, it runs.
    Whole,
    /// It stops early: more lines may finish it.
    Unfinished,
    /// It cannot compile, whatever follows.
    Broken,
}

/// [`ChunkState`] of `chunk`, on a thread with the Lua thread's stack (the
/// compiler recurses as deep as the chunk nests).
pub fn chunk_state(chunk: &str) -> ChunkState {
    let judge = || {
        let compiles = |source: &str| {
            crate::lua::frontend::compile(CONSOLE_CHUNK, source.as_bytes())
                .map(drop)
                .map_err(|error| error.to_string())
        };
        let chunk = &*as_typed(chunk);
        let trimmed = chunk.trim_end();
        let values = trimmed.strip_suffix(';').unwrap_or(trimmed);
        if compiles(&format!("return {values}")).is_ok() {
            return ChunkState::Whole;
        }
        match compiles(chunk) {
            Ok(()) => ChunkState::Whole,
            Err(message) if unfinished(&message) => ChunkState::Unfinished,
            Err(_) => ChunkState::Broken,
        }
    };
    crate::lua::frontend::on_stack(crate::lua::frontend::LUA_STACK_BYTES, judge)
        .unwrap_or(ChunkState::Broken)
}

/// A console chunk as the `lua` prompt reads it: `=` at the very start
/// stands for `return ` (Lua 5.1's shorthand, which the 5.4 prompt keeps).
fn as_typed(chunk: &str) -> std::borrow::Cow<'_, str> {
    match chunk.strip_prefix('=') {
        Some(rest) => format!("return {rest}").into(),
        None => chunk.into(),
    }
}

/// Whether a compile error means the chunk stops early (more lines to come).
fn unfinished(message: &str) -> bool {
    message.ends_with(&format!("near {}", super::syntax::EOF))
        || message.contains("unfinished long")
}

/// The error for a view the plan does not declare.
pub fn no_view_named(name: &str) -> String {
    format!("no view named '{name}'")
}

fn view_data(runtime: &mut Runtime, name: &str) -> Result<String, LuaError> {
    if !api::valid_view_name(name) {
        return Err(LuaError { message: no_view_named(name) });
    }
    let mut declared = false;
    runtime.with_context(|ctx| declared = api::view_names(ctx).iter().any(|n| n == name));
    if !declared {
        return Err(LuaError { message: no_view_named(name) });
    }
    runtime.call_json_text(&format!("planhost.views.{name}"), &[]).map_err(|error| {
        let detail = error.message.strip_prefix(&format!("planhost.views.{name}: ")).map_or_else(
            || error.message.clone(),
            |rest| format!("its data cannot be sent: {rest}"),
        );
        LuaError { message: format!("view '{name}': {detail}") }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: String) -> serde_json::Value {
        serde_json::from_str(&text).expect("view data is JSON")
    }

    #[test]
    fn instructions_run_in_order_on_the_lua_thread() {
        let (hub, hub_task) = crate::hub::hub();
        let hub_thread = std::thread::spawn(move || smol::block_on(hub_task));
        let sandbox = Sandbox::new(&std::env::temp_dir(), false).unwrap();
        let lua = spawn(Budget::default(), sandbox, Some(hub)).unwrap();
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

    #[test]
    fn views_computed_together_share_a_round_that_any_other_lua_ends() {
        let sandbox = Sandbox::new(&std::env::temp_dir(), false).unwrap();
        let lua = spawn(Budget::default(), sandbox, None).unwrap();
        smol::block_on(async {
            let setup = "planhost.view('a', function() return {round = planhost.view_round()} end) \
                         planhost.view('b', function() return {round = planhost.view_round()} end)";
            lua.console(setup).await;
            let round = |view: &'static str| {
                let lua = lua.clone();
                async move { json(lua.view_data(view).await.unwrap())["round"].as_i64() }
            };
            let first = round("a").await.expect("a round while views are computed");
            assert_eq!(round("b").await, Some(first));
            assert_eq!(lua.views().await, ["a", "b"], "listing views runs no Lua");
            assert_eq!(round("a").await, Some(first));
            // A console command ends the round, even one that changes nothing;
            // outside views there is no round.
            assert_eq!(lua.console("print(planhost.view_round())").await.printed, "nil\n");
            let second = round("b").await.unwrap();
            assert!(second > first);
            assert_eq!(round("a").await, Some(second));
            lua.exec("x.lua", "x = 1").await.unwrap();
            assert!(round("a").await.unwrap() > second);
        });
    }

    #[test]
    fn console_views_and_reload() {
        let folder = std::env::temp_dir().join(format!("planhost-thread-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        let plan = folder.join("plan.lua");
        std::fs::write(&plan, "n = 2 planhost.view('work', function() return {n = n} end)")
            .unwrap();
        let sandbox = Sandbox::new(&folder, false).unwrap();
        let lua = spawn(Budget::default(), sandbox, None).unwrap();
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.views().await, ["work"]);
            assert_eq!(json(lua.view_data("work").await.unwrap()), serde_json::json!({"n": 2}));
            let done = |printed: &str| ConsoleReply {
                printed: printed.into(),
                outcome: ConsoleOutcome::Done,
                reloaded: None,
            };
            assert_eq!(lua.console("n + 1, 'x'").await, done("3\tx\n"));
            // What a command writes to standard error goes back with it.
            assert_eq!(
                lua.console("local _ = io.stderr:write('oops', 1, '\\n')").await.printed,
                "oops1\n"
            );
            // `=` for `return`, as the `lua` prompt reads a first line.
            assert_eq!(lua.console("=n * 2").await, done("4\n"));
            assert_eq!(chunk_state("=n *"), ChunkState::Unfinished);
            assert_eq!(chunk_state("= = n"), ChunkState::Broken);
            assert_eq!(lua.console("n = 5").await, done(""));
            assert_eq!(lua.console("print(n) -- five").await, done("5\n"));
            assert_eq!(lua.console("for i = 1, 2 do").await.outcome, ConsoleOutcome::Incomplete);
            assert_eq!(lua.console("for i = 1, 2 do\n print(i)\nend").await, done("1\n2\n"));
            // What statements return is printed, as the `lua` prompt does.
            assert_eq!(
                lua.console("local m = n * 2 return m, nil -- ten").await,
                done("10\tnil\n")
            );
            assert_eq!(lua.console("do return end").await, done(""));
            let failed = lua.console("local a = 1\nerror('two')").await.outcome;
            assert_eq!(failed, ConsoleOutcome::Failed("console:2: two".into()));
            let bad = lua.console("local = 1").await.outcome;
            assert!(matches!(bad, ConsoleOutcome::Failed(m) if m.starts_with("console:1:")));
            let failed = lua.console("print('before') error('boom')").await;
            assert_eq!(failed.printed, "before\n");
            assert_eq!(failed.outcome, ConsoleOutcome::Failed("console:1: boom".into()));
            assert_eq!(json(lua.view_data("work").await.unwrap()), serde_json::json!({"n": 5}));
            // A typo in a called name is named, with its line and a guess.
            lua.console("function shout(s) return s end").await;
            let typo = lua.console("x = 1\nshuot('a')").await.outcome;
            let expected = "console:2: attempt to call a nil value (global 'shuot'); \
                            did you mean 'shout'?";
            assert_eq!(typo, ConsoleOutcome::Failed(expected.into()));
            let unknown = lua.console("zzzzzz()").await.outcome;
            let expected = "console:1: attempt to call a nil value (global 'zzzzzz')";
            assert_eq!(unknown, ConsoleOutcome::Failed(expected.into()));
            // Any call of a global, among others and as an argument too.
            let nested = lua.console("shout('x')\nprint(shout(nada()))").await.outcome;
            let expected = "console:2: attempt to call a nil value (global 'nada')";
            assert_eq!(nested, ConsoleOutcome::Failed(expected.into()));
            lua.console("count = 3").await;
            let expected = "console:1: attempt to call a number value (global 'count')";
            assert_eq!(
                lua.console("count()").await.outcome,
                ConsoleOutcome::Failed(expected.into())
            );
            // A global call goes on as it would: a table's `__call`, every
            // value returned, a tail call, a string or table argument.
            lua.console("twice = setmetatable({}, {__call = function(_, a) return a * 2 end})")
                .await;
            assert_eq!(lua.console("twice(21)").await, done("42\n"));
            lua.console("function two(...) return select('#', ...), ... end").await;
            assert_eq!(lua.console("two(nil, 5)").await, done("2\tnil\t5\n"));
            assert_eq!(lua.console("return two(two())").await, done("1\t0\n"));
            assert_eq!(lua.console("two 'a'").await, done("1\ta\n"));
            assert_eq!(lua.console("return select('#', two {})").await, done("2\n"));
            // A call piccolo cannot place keeps its own words (a field's, a
            // local's).
            let expected =
                ConsoleOutcome::Failed("type error, expected function, found nil".into());
            for chunk in ["local t = {} t.f()", "local t = {} t.f() later()", "local f f()"] {
                assert_eq!(lua.console(chunk).await.outcome, expected, "{chunk}");
            }
            // A call ended by `;` is a statement, as in Lua.
            assert_eq!(lua.console("print(n);").await, done("5\n"));
            assert_eq!(lua.console("n ; ").await, done("5\n"));
            // An error that arises while the chunk runs, whatever it says,
            // ends it: it ran once and is not taken for a chunk to go on.
            let failed = lua.console("runs = (runs or 0) + 1 assert(load('return 1 +'))").await;
            assert!(
                matches!(&failed.outcome, ConsoleOutcome::Failed(m) if m.ends_with("near <eof>")),
                "{failed:?}"
            );
            assert_eq!(lua.console("runs").await, done("1\n"));

            // View errors name the view.
            lua.console("planhost.view('bad', function() return {f = print} end)").await;
            let error = lua.view_data("bad").await.unwrap_err().message;
            assert_eq!(
                error,
                "view 'bad': its data cannot be sent: f: a function cannot be converted to JSON"
            );
            lua.console("planhost.view('boom', function() error('no data') end)").await;
            let error = lua.view_data("boom").await.unwrap_err().message;
            assert_eq!(error, "view 'boom': console:1: no data");
            assert_eq!(lua.view_data("nope").await.unwrap_err().message, "no view named 'nope'");
            let bad_name = lua.console("planhost.view('a/b', print)").await.outcome;
            assert!(matches!(bad_name, ConsoleOutcome::Failed(m) if m.contains("view name 'a/b'")));

            // A broken reload keeps the working state; a good one replaces
            // it, and the console commands since run again on it.
            std::fs::write(&plan, "n = 1 error('broken')").unwrap();
            assert!(lua.reload(plan.clone()).await.unwrap_err().message.contains("broken"));
            assert_eq!(json(lua.view_data("work").await.unwrap()), serde_json::json!({"n": 5}));
            // The first command since, `n + 1, 'x'`, fails on code that
            // sets no `n`: loaded all the same, and said.
            std::fs::write(&plan, "planhost.view('other', function() return {} end)").unwrap();
            let error = lua.reload(plan.clone()).await.unwrap_err().message;
            assert!(
                error.ends_with(
                    "plan.lua was loaded, but console command 1 of 34, `n + 1, 'x'`, \
                                 fails on it, where it ran before: cannot add values. What it \
                                 changed is not in the plan now; the command stays, and runs \
                                 again when the plan is loaded next."
                ),
                "{error}"
            );
            assert_eq!(lua.views().await, ["other", "bad", "boom"]);
            // Told to the console too, once.
            let told = lua.console("n").await.printed;
            assert!(told.starts_with("5\nplanhost: ") && told.contains("fails on it"), "{told}");
            assert_eq!(lua.console("n").await.printed, "5\n");
        });
        std::fs::remove_dir_all(folder).unwrap();
    }

    /// A table that loses keys and then grows: piccolo 0.3.3 panics while
    /// rehashing it (docs/LUA.md), which forces a fresh state.
    const VM_PANIC: &str = "local t = {} for i = 1, 100 do t['k' .. i] = i t['k' .. i] = nil end";

    /// A Lua thread sandboxed in a fresh folder holding `plan.lua` with
    /// `source`; returns the folder, the plan file and the thread.
    fn with_plan(label: &str, source: &str) -> (PathBuf, PathBuf, LuaHandle) {
        with_plan_and_budget(label, source, Budget::default())
    }

    fn with_plan_and_budget(
        label: &str,
        source: &str,
        budget: Budget,
    ) -> (PathBuf, PathBuf, LuaHandle) {
        let dir = std::env::temp_dir().join(format!("planhost-{label}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let plan = dir.join("plan.lua");
        std::fs::write(&plan, source).unwrap();
        let sandbox = Sandbox::new(&dir, false).unwrap();
        (dir, plan, spawn(budget, sandbox, None).unwrap())
    }

    #[test]
    fn a_vm_panic_loads_the_plan_again_before_the_error_is_answered() {
        let (dir, plan, lua) = with_plan("reload", "greeting = 'hello'");
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            lua.exec("edit", "greeting = 'changed'").await.unwrap();
            let ConsoleOutcome::Failed(error) = lua.console(VM_PANIC).await.outcome else {
                panic!("the command must fail");
            };
            assert!(error.contains("internal error in the Lua VM"), "{error}");
            assert!(error.ends_with("plan.lua was loaded again"), "{error}");
            // Only console commands are run again; this was not one.
            assert_eq!(lua.console("greeting").await.printed, "hello\n");
            // The same through other instructions, and the host API is back.
            let error = lua.exec("again", VM_PANIC).await.unwrap_err();
            assert!(error.message.contains("was loaded again"), "{}", error.message);
            assert_eq!(lua.console("print(type(planhost.now))").await.printed, "function\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn after_a_vm_panic_the_console_commands_since_the_plan_was_loaded_run_again() {
        let (dir, plan, lua) = with_plan("replay", "greeting = 'hello'");
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(
                lua.console("greeting = greeting .. ' again'").await.outcome,
                ConsoleOutcome::Done
            );
            lua.console("count = (count or 0) + 1").await;
            // A command that failed part way changed the plan all the same.
            let failed = lua.console("partial = true error('stopped')").await.outcome;
            assert!(matches!(failed, ConsoleOutcome::Failed(_)));
            assert_eq!(lua.console("for i = 1, 2 do").await.outcome, ConsoleOutcome::Incomplete);
            let ConsoleOutcome::Failed(error) = lua.console(VM_PANIC).await.outcome else {
                panic!("the command must fail");
            };
            assert!(error.contains("internal error in the Lua VM"), "{error}");
            assert!(
                error.ends_with(
                    "plan.lua was loaded again and the 3 console commands since were run again"
                ),
                "{error}"
            );
            let state = lua.console("print(greeting, count, partial)").await.printed;
            assert_eq!(state, "hello again\t1\ttrue\n");
            // Run again on the plan as loaded, not on top of the state: once.
            let error = lua.exec("again", VM_PANIC).await.unwrap_err();
            assert!(
                error.message.ends_with("the 4 console commands since were run again"),
                "{}",
                error.message
            );
            let state = lua.console("print(greeting, count, partial)").await.printed;
            assert_eq!(state, "hello again\t1\ttrue\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn commands_are_not_run_again_on_files_that_changed_since_the_plan_was_loaded() {
        let (dir, plan, lua) = with_plan("replay-files", "greeting = 'hello'");
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            lua.console("greeting = 'changed'").await;
            // As a save() would: the files may now hold what the commands did.
            std::fs::write(dir.join("work.tsv"), "ID\tName\n").unwrap();
            let ConsoleOutcome::Failed(error) = lua.console(VM_PANIC).await.outcome else {
                panic!("the command must fail");
            };
            assert!(
                error.ends_with(
                    "its files changed since, so the console command since was not run again \
                     (changes not saved since are lost)"
                ),
                "{error}"
            );
            assert_eq!(lua.console("greeting").await.printed, "hello\n");
            // The plan as loaded now is the new starting point.
            lua.console("greeting = 'after'").await;
            let error = lua.exec("again", VM_PANIC).await.unwrap_err();
            // (`greeting` above was a console command too.)
            assert!(
                error.message.ends_with("the 2 console commands since were run again"),
                "{}",
                error.message
            );
            assert_eq!(lua.console("greeting").await.printed, "after\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_command_that_panics_when_run_again_leaves_the_plan_as_its_files_have_it() {
        let (dir, plan, lua) = with_plan("replay-panic", "greeting = 'hello'");
        // Runs once; run again (its mark, a hidden file, is then there) it
        // makes the VM panic.
        let once = format!(
            "greeting = 'changed' local f = io.open('.ran', 'r') \
             if f then f:close() {VM_PANIC} else f = io.open('.ran', 'w') f:write('1') f:close() end"
        );
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.console(&once).await.outcome, ConsoleOutcome::Done);
            let error = lua.exec("panic", VM_PANIC).await.unwrap_err();
            assert!(
                error.message.ends_with(
                    "running the console commands since again failed at command 1 of 1 \
                     (changes not saved since are lost)"
                ),
                "{}",
                error.message
            );
            assert_eq!(lua.console("greeting").await.printed, "hello\n");
            assert_eq!(lua.console("print(type(planhost.now))").await.printed, "function\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_command_the_budget_stopped_does_not_cost_the_edits_around_it() {
        // A loop typed by mistake runs into the budget again when the
        // commands run again; the edits before and after it stay.
        let budget = Budget { time: Duration::from_millis(300), ..Budget::default() };
        let (dir, plan, lua) = with_plan_and_budget("replay-loop", "greeting = 'hello'", budget);
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            lua.console("greeting = 'changed'").await;
            let stopped = lua.console("while true do end").await.outcome;
            assert!(matches!(stopped, ConsoleOutcome::Failed(m) if m.contains("budget")));
            lua.console("count = 1").await;
            let error = lua.exec("panic", VM_PANIC).await.unwrap_err().message;
            assert!(error.ends_with("the 3 console commands since were run again"), "{error}");
            assert_eq!(lua.console("print(greeting, count)").await.printed, "changed\t1\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_command_the_time_budget_stopped_stops_at_the_same_point_when_run_again() {
        let budget = Budget { time: Duration::from_millis(200), ..Budget::default() };
        let (dir, plan, lua) = with_plan_and_budget("replay-same", "n = 0", budget);
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            let stopped = lua.console("while true do n = n + 1 end").await.outcome;
            assert!(matches!(stopped, ConsoleOutcome::Failed(m) if m.contains("time budget")));
            let counted = lua.console("n").await.printed;
            assert_ne!(counted, "0\n");
            // Twice, so that the commands run again also on a state they
            // were run again on.
            for commands in [2, 3] {
                let error = lua.exec("panic", VM_PANIC).await.unwrap_err().message;
                let run_again = format!("the {commands} console commands since were run again");
                assert!(error.ends_with(&run_again), "{error}");
                assert_eq!(lua.console("n").await.printed, counted);
            }
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn after_an_edit_of_the_plans_lua_the_console_commands_since_run_again_on_it() {
        let code = |mark: &str| {
            format!(
                "local f = io.open('work.tsv') if f then f:close() end \
                 greeting = 'hello' function shout(s) return s .. '{mark}' end \
                 planhost.view('greeting', function() return {{greeting = greeting}} end) \
                 planhost.unsaved = function() return greeting ~= 'hello' end"
            )
        };
        let (dir, plan, lua) = with_plan("code-edit", &code("!"));
        std::fs::write(dir.join("work.tsv"), "old").unwrap();
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            lua.console("greeting = shout(greeting)").await;
            // The logic changes on disk: the edit is made again with it.
            std::fs::write(&plan, code("!!")).unwrap();
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.console("greeting").await.printed, "hello!!\n");
            // A plan that fails to load keeps the state and its commands,
            // which run again once it loads.
            std::fs::write(&plan, "error('half written')").unwrap();
            assert!(lua.reload(plan.clone()).await.is_err());
            let printed = lua.console("greeting").await.printed;
            assert!(printed.starts_with("hello!!\nplanhost: "), "{printed}");
            assert!(printed.contains("did not load again: plan.lua:1: half written"), "{printed}");
            std::fs::write(&plan, code("?")).unwrap();
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.console("greeting").await.printed, "hello?\n");
            // A file the plan does not read, or a data file written back as
            // it was: the commands run again.
            std::fs::write(dir.join("README.md"), "notes").unwrap();
            std::fs::write(dir.join("work.tsv"), "old").unwrap();
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.console("greeting").await.printed, "hello?\n");
            // A data file that changed: loading it would drop the edit, so
            // the state in use stays, and the error says why and what to do.
            std::fs::write(dir.join("work.tsv"), "new").unwrap();
            let error = lua.reload(plan.clone()).await.unwrap_err().message;
            assert!(
                error.ends_with(
                    "plan.lua was not loaded again: work.tsv changed on disk, and \
                                 loading it would drop the 5 console commands run since it was \
                                 last loaded. The plan in use keeps them: save them to its files \
                                 (the plan's save command, through planhost.save) and it loads; \
                                 or planhost.reload() loads the files as they are and drops \
                                 them."
                ),
                "{error}"
            );
            // (Not with the start of a longer chunk: its answer is not shown.)
            assert_eq!(lua.console("if true then").await.printed, "");
            assert!(lua.console("greeting").await.printed.starts_with("hello?\nplanhost: "));
            // Changed again meanwhile: still not loaded, and not told again.
            std::fs::write(dir.join("work.tsv"), "newest").unwrap();
            assert!(lua.reload(plan.clone()).await.is_err());
            assert_eq!(lua.console("greeting").await.printed, "hello?\n");
            // Asked for, the files are loaded as they are.
            let reply = lua.console("planhost.reload()").await;
            assert_eq!(reply.reloaded, Some(Ok(())));
            assert!(reply.printed.ends_with(
                "plan.lua loaded from its files; the 7 console \
                                             commands since it was last loaded are dropped\n"
            ));
            assert_eq!(lua.console("greeting").await.printed, "hello\n");
            // Commands after which the plan says its files hold it
            // (`planhost.unsaved`) lose nothing: the load goes ahead.
            lua.console("print(shout(greeting))").await;
            std::fs::write(dir.join("work.tsv"), "newer").unwrap();
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.console("greeting").await.printed, "hello\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn commands_that_saved_files_are_not_run_again_on_them() {
        // n.lua is a Lua file, so only code changed: what keeps the saves
        // from being run again (and counted twice) is that they wrote.
        let load = "local f = io.open('n.lua') \
                    n = f and tonumber(f:read('a'):match('%d+')) or 0 if f then f:close() end";
        let (dir, plan, lua) = with_plan("self-save", load);
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            for (save, loads, saved) in [
                // Written through io: no save of the state (the plan is not
                // loaded, the edit stays); then saved: loaded from it.
                ("local f = io.open('n.lua', 'w') f:write('return ' .. n) f:close()", false, "1"),
                ("planhost.save('n.lua', 'return ' .. n)", true, "2"),
                // Moved away and back, the files hold what they held: the
                // plan is not loaded again, and the edit in memory stays.
                ("os.rename('n.lua', 'm.lua') os.rename('m.lua', 'n.lua')", true, "3"),
            ] {
                lua.console(&format!("n = n + 1 {save}")).await;
                // The watcher loads the plan again after the write.
                assert_eq!(lua.reload(plan.clone()).await.is_ok(), loads, "{save}");
                assert!(lua.console("n").await.printed.starts_with(saved), "{save}");
            }
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_command_that_fails_after_writing_files_keeps_the_plan_in_memory() {
        // A save that runs out of disk half way: the files hold part of the
        // state, and loading them would lose the rest.
        let load = "local f = io.open('work.tsv') n = tonumber(f:read('a')) f:close()";
        let (dir, plan, lua) = with_plan("failed-write", load);
        std::fs::write(dir.join("work.tsv"), "1").unwrap();
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            let save = "n = n + 10 local f = io.open('work.tsv', 'w') f:write(n) f:close() \
                        error('cannot save plan.tsv: No space left on device')";
            let ConsoleOutcome::Failed(error) = lua.console(save).await.outcome else {
                panic!("the save failed")
            };
            assert!(error.ends_with(KEPT_AFTER_FAILED_WRITE), "{error}");
            // The watcher's load after the write: the state stays.
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.console("n = n + 100 return n").await.printed, "111\n");
            // A VM panic now cannot run the commands again on files that
            // hold part of them (the 10 would be added twice): the plan
            // comes back as its files have it, and the error says so.
            let ConsoleOutcome::Failed(error) = lua.console(VM_PANIC).await.outcome else {
                panic!("the VM panicked")
            };
            assert!(error.contains("not run again"), "{error}");
            assert_eq!(lua.console("n").await.printed, "11\n");
            assert_eq!(std::fs::read_to_string(dir.join("work.tsv")).unwrap(), "11");
            // Edited by hand afterwards: a plan without `planhost.unsaved`
            // cannot tell that the command since (`n`) changed nothing, so
            // the load waits for a save or `planhost.reload()`.
            std::fs::write(dir.join("work.tsv"), "7").unwrap();
            let error = lua.reload(plan.clone()).await.unwrap_err().message;
            assert!(error.contains("work.tsv changed on disk"), "{error}");
            assert!(lua.console("n").await.printed.starts_with("11\nplanhost: "));
            assert_eq!(lua.console("planhost.reload()").await.reloaded, Some(Ok(())));
            assert_eq!(lua.console("n").await.printed, "7\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_save_then_a_code_edit_keeps_the_edits_until_they_are_saved() {
        let code = |mark: &str| {
            format!(
                "local f = io.open('work.tsv') n = tonumber(f:read('a')) f:close() \
                 planhost.view('n', function() return {{n = n, mark = '{mark}'}} end)"
            )
        };
        let (dir, plan, lua) = with_plan("failed-save-edit", &code("a"));
        std::fs::write(dir.join("work.tsv"), "1").unwrap();
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            let save = "n = n + 10 planhost.save('work.tsv', tostring(n)) \
                        error('cannot save plan.tsv: No space left on device')";
            assert!(matches!(lua.console(save).await.outcome, ConsoleOutcome::Failed(_)));
            lua.reload(plan.clone()).await.unwrap();
            lua.console("n = n + 100").await;
            // The logic changes: loading it would lose the 100 (and running
            // the half save again would add the 10 twice).
            std::fs::write(&plan, code("b")).unwrap();
            let error = lua.reload(plan.clone()).await.unwrap_err().message;
            assert!(
                error.contains("not loaded again: a console command since wrote files"),
                "{error}"
            );
            let view = json(lua.view_data("n").await.unwrap());
            assert_eq!(view, serde_json::json!({"n": 111, "mark": "a"}));
            // Saved whole, the owed load comes with the save's own writes.
            lua.console("planhost.save('work.tsv', tostring(n))").await;
            lua.reload(plan.clone()).await.unwrap();
            let view = json(lua.view_data("n").await.unwrap());
            assert_eq!(view, serde_json::json!({"n": 111, "mark": "b"}));
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn edits_after_a_save_in_the_same_command_are_not_lost() {
        let code = |mark: &str| {
            format!(
                "local f = io.open('work.tsv') n = tonumber(f:read('a')) f:close() \
                 planhost.view('n', function() return {{n = n, mark = '{mark}'}} end)"
            )
        };
        let (dir, plan, lua) = with_plan("save-then-edit", &code("a"));
        std::fs::write(dir.join("work.tsv"), "1").unwrap();
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            lua.console("n = n + 1 planhost.save('work.tsv', tostring(n)) n = n + 10").await;
            assert_eq!(std::fs::read_to_string(dir.join("work.tsv")).unwrap(), "2");
            // The load the save's writes set off: the state stays.
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.console("n").await.printed, "12\n");
            // New code: the files do not hold the 10, so it is not loaded.
            std::fs::write(&plan, code("b")).unwrap();
            let error = lua.reload(plan.clone()).await.unwrap_err().message;
            assert!(error.contains("wrote files that do not hold all of it"), "{error}");
            let view = json(lua.view_data("n").await.unwrap());
            assert_eq!(view, serde_json::json!({"n": 12, "mark": "a"}));
            // Saved whole: the new code loads, on data holding every edit.
            lua.console("planhost.save('work.tsv', tostring(n))").await;
            lua.reload(plan.clone()).await.unwrap();
            let view = json(lua.view_data("n").await.unwrap());
            assert_eq!(view, serde_json::json!({"n": 12, "mark": "b"}));
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_save_that_wrote_nothing_is_no_write() {
        let load = "local f = io.open('work.tsv') n = tonumber(f:read('a')) f:close()";
        let (dir, plan, lua) = with_plan("save-refused", load);
        std::fs::write(dir.join("work.tsv"), "1").unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            let read_only = std::fs::Permissions::from_mode(0o444);
            std::fs::set_permissions(dir.join("work.tsv"), read_only).unwrap();
        }
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            let reply = lua.console("n = 2 planhost.save('work.tsv', tostring(n))").await;
            let ConsoleOutcome::Failed(error) = reply.outcome else { panic!("saved") };
            // Refused before writing: not a command that wrote files, so no
            // note of files kept, and the commands run again on new code.
            assert!(error.contains("cannot save work.tsv: it is read-only"), "{error}");
            assert!(!error.ends_with(KEPT_AFTER_FAILED_WRITE), "{error}");
            std::fs::write(&plan, format!("{load} m = 1")).unwrap();
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.console("n, m").await.printed, "2\t1\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_reload_asked_for_by_a_command_run_again_is_not_made() {
        let code = "n = 0 planhost.view('n', function() return {n = n} end)";
        let (dir, plan, lua) = with_plan("reload-replayed", code);
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            // Asked for while the plan's file is broken: not made.
            std::fs::write(&plan, "error('half written')").unwrap();
            let reply = lua.console("planhost.reload()").await;
            assert!(matches!(reply.reloaded, Some(Err(ref e)) if e.contains("half written")));
            assert!(reply.printed.contains("the plan in use stays"), "{}", reply.printed);
            lua.console("n = 5").await;
            // Fixed: the commands since run again, `planhost.reload()` among
            // them, which asks for nothing then.
            std::fs::write(&plan, code).unwrap();
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.console("n").await.printed, "5\n");
            assert_eq!(lua.console("n").await.printed, "5\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn commands_that_wrote_lua_files_are_not_run_again_on_new_code() {
        // Run again, the command would write gen.lua again, the watcher
        // would load the plan again, and so on.
        let (dir, plan, lua) = with_plan("wrote-lua", "x = 0 pcall(require, 'gen')");
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            lua.console(
                "x = x + 1 local f = io.open('gen.lua', 'w') f:write('return 1') f:close()",
            )
            .await;
            // Not loaded (the edit would be lost) until asked to.
            assert!(lua.reload(plan.clone()).await.is_err());
            assert!(lua.console("x").await.printed.starts_with("1\nplanhost: "));
            lua.console("planhost.reload()").await;
            assert_eq!(lua.console("x").await.printed, "0\n");
            // Reading files is not writing them.
            lua.console("x = 5 local f = io.open('gen.lua') f:close()").await;
            std::fs::write(&plan, "x = 0 y = 1 pcall(require, 'gen')").unwrap();
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.console("x, y").await.printed, "5\t1\n");
            // A file the plan never looks at, written by a command: loading
            // would give the state in use, so nothing loads, and it stays.
            lua.console("x = 7 local f = io.open('out.html', 'w') f:write('<p>') f:close()").await;
            assert_eq!(lua.reload(plan.clone()).await, Ok(Reloaded::InUse));
            assert_eq!(lua.console("x, y").await.printed, "7\t1\n");
            // Nor does it keep the commands from running again on new code.
            std::fs::write(&plan, "x = 0 y = 2 pcall(require, 'gen')").unwrap();
            assert!(matches!(lua.reload(plan.clone()).await, Ok(Reloaded::Loaded(_))));
            assert_eq!(lua.console("x, y").await.printed, "7\t2\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_plan_that_panics_when_loaded_again_leaves_the_host_api() {
        let (dir, plan, lua) = with_plan("reload-panic", "loaded = (loaded or 0) + 1");
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            // From now on the plan file itself makes the VM panic.
            std::fs::write(&plan, VM_PANIC).unwrap();
            let error = lua.exec("panic", VM_PANIC).await.unwrap_err();
            assert!(error.message.contains("loading"), "{}", error.message);
            assert!(error.message.contains("again failed"), "{}", error.message);
            assert_eq!(lua.console("print(type(planhost.now))").await.printed, "function\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A plan whose first `n` runs make the VM panic (a file counts them),
    /// as piccolo's random table panics do now and then.
    fn panics_first(n: usize) -> String {
        format!(
            "local f = io.open('runs', 'r') local runs = f and tonumber(f:read('a')) or 0 \
             if f then f:close() end \
             f = io.open('runs', 'w') f:write(tostring(runs + 1)) f:close() \
             if runs < {n} then {VM_PANIC} end \
             print('loaded after ' .. runs .. ' panics') loaded = true"
        )
    }

    #[test]
    fn a_plan_load_the_vm_panics_on_is_run_again_in_a_fresh_state() {
        let (dir, plan, lua) = with_plan("load-again", &panics_first(2));
        smol::block_on(async {
            let printed = lua.reload(plan.clone()).await.unwrap();
            let expected = Reloaded::Loaded("loaded after 2 panics\n".into());
            assert_eq!(printed, expected, "only the run that worked prints");
            assert_eq!(lua.console("loaded").await.printed, "true\n");
            // The same when a panic makes the thread load the plan again.
            std::fs::write(dir.join("runs"), "0").unwrap();
            lua.exec("edit", "loaded = false").await.unwrap();
            let error = lua.exec("panic", VM_PANIC).await.unwrap_err();
            // The test changed a file of the plan (`runs`), so the console
            // command since (`loaded`) is not run again.
            assert!(
                error.message.contains("plan.lua was loaded again; its files changed since"),
                "{}",
                error.message
            );
            assert_eq!(lua.console("loaded").await.printed, "true\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_plan_the_vm_always_panics_on_is_tried_three_times() {
        let (dir, plan, lua) = with_plan("load-never", &panics_first(usize::MAX));
        smol::block_on(async {
            let error = lua.reload(plan.clone()).await.unwrap_err();
            assert!(error.message.contains("internal error in the Lua VM"), "{}", error.message);
            assert_eq!(std::fs::read_to_string(dir.join("runs")).unwrap(), PLAN_RUNS.to_string());
            let printed = lua.console("print(type(planhost.now))").await.printed;
            assert!(printed.starts_with("function\nplanhost: "), "{printed}");
            assert!(printed.contains("did not load: internal error in the Lua VM"), "{printed}");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn without_a_plan_a_vm_panic_leaves_a_fresh_state() {
        let sandbox = Sandbox::new(&std::env::temp_dir(), false).unwrap();
        let lua = spawn(Budget::default(), sandbox, None).unwrap();
        smol::block_on(async {
            lua.exec("setup", "kept = 1").await.unwrap();
            let error = lua.exec("panic", VM_PANIC).await.unwrap_err();
            assert!(error.message.ends_with("the Lua state was reset"), "{}", error.message);
            assert_eq!(lua.console("kept").await.printed, "nil\n");
        });
    }

    #[test]
    fn garbage_is_collected_once_instructions_stop_coming() {
        let sandbox = Sandbox::new(&std::env::temp_dir(), false).unwrap();
        let lua = spawn(Budget::default(), sandbox, None).unwrap();
        let kib = |text: String| text.trim().parse::<f64>().expect("a number of KiB");
        smol::block_on(async {
            lua.exec("fill", "junk = {} for i = 1, 200000 do junk[i] = {i} end").await.unwrap();
            let before =
                kib(lua.exec("drop", "junk = nil print(collectgarbage('count'))").await.unwrap());
            // Each check is an instruction, so the thread is idle only
            // between them; a busy machine may need a few tries.
            let mut after = before;
            for _ in 0..50 {
                smol::Timer::after(COLLECT_WHEN_IDLE_FOR * 4).await;
                after = kib(lua.exec("count", "print(collectgarbage('count'))").await.unwrap());
                if after < before - 8.0 * 1024.0 {
                    break;
                }
            }
            assert!(after < before - 8.0 * 1024.0, "{before} KiB before, {after} KiB after");
        });
    }

    #[test]
    fn files_the_plan_never_looked_at_load_nothing() {
        let folder =
            std::env::temp_dir().join(format!("planhost-thread-beside-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(folder.join("lib")).unwrap();
        let plan = folder.join("plan.lua");
        let code = "local model = require 'lib.model' \
                    local extra = pcall(require, 'extra') \
                    local ready = os.rename('READY', 'READY') == true \
                    local file = io.open('work.tsv') local rows = file:read('a') file:close() \
                    planhost.view('work', function() \
                      return {x = model.x, rows = rows, extra = extra, ready = ready, n = n} end)";
        std::fs::write(&plan, code).unwrap();
        std::fs::write(folder.join("lib/model.lua"), "return {x = 1}").unwrap();
        std::fs::write(folder.join("work.tsv"), "ID\n1\n").unwrap();
        std::fs::write(folder.join("notes.lua"), "return 'not used'").unwrap();
        let sandbox = Sandbox::new(&folder, false).unwrap();
        let lua = spawn(Budget::default(), sandbox, None).unwrap();
        let beside = |text: &str| std::fs::write(folder.join("serve.txt"), text).unwrap();
        smol::block_on(async {
            let view = || async { json(lua.view_data("work").await.unwrap()) };
            assert!(matches!(lua.reload(plan.clone()).await, Ok(Reloaded::Loaded(_))));
            std::fs::write(folder.join("work.tsv"), "ID\n2\n").unwrap();
            assert!(matches!(lua.reload(plan.clone()).await, Ok(Reloaded::Loaded(_))));
            assert_eq!(view().await["rows"], "ID\n2\n");
            lua.console("n = 7").await;
            // A log, and a Lua file no one requires: the state in use is what
            // a load would give, and it stays, with the command.
            beside("one line");
            assert_eq!(lua.reload(plan.clone()).await, Ok(Reloaded::InUse));
            std::fs::write(folder.join("notes.lua"), "return 'still not used'").unwrap();
            assert_eq!(lua.reload(plan.clone()).await, Ok(Reloaded::InUse));
            assert_eq!(view().await["n"], 7);
            // A required module, a module looked for and not found: each
            // loads the plan (the command runs again on it).
            std::fs::write(folder.join("lib/model.lua"), "return {x = 2}").unwrap();
            assert!(matches!(lua.reload(plan.clone()).await, Ok(Reloaded::Loaded(_))));
            assert_eq!(
                (view().await["x"].clone(), view().await["n"].clone()),
                (2.into(), 7.into())
            );
            std::fs::write(folder.join("extra.lua"), "return true").unwrap();
            assert!(matches!(lua.reload(plan.clone()).await, Ok(Reloaded::Loaded(_))));
            assert_eq!(view().await["extra"], true);
            // A file whose being there the plan tested by renaming it.
            std::fs::write(folder.join("READY"), "").unwrap();
            assert!(matches!(lua.reload(plan.clone()).await, Ok(Reloaded::Loaded(_))));
            assert_eq!(view().await["ready"], true);
            // A broken entry file: its error, then nothing new while only
            // the log changes; back as it was, the plan in use is what it
            // holds.
            std::fs::write(&plan, "planhost.view(").unwrap();
            assert!(lua.reload(plan.clone()).await.is_err());
            beside("two lines");
            assert_eq!(lua.reload(plan.clone()).await, Ok(Reloaded::Unchanged));
            // (A plan that fails to run from its files fails the same way
            // whatever the console did since.)
            lua.console("m = 1").await;
            beside("three lines");
            assert_eq!(lua.reload(plan.clone()).await, Ok(Reloaded::Unchanged));
            std::fs::write(&plan, code).unwrap();
            beside("four lines");
            assert_eq!(lua.reload(plan.clone()).await, Ok(Reloaded::InUse));
            assert_eq!(view().await["n"], 7);
            // Broken and mended before a command: nothing is said of it.
            std::fs::write(&plan, "planhost.view(").unwrap();
            assert!(lua.reload(plan.clone()).await.is_err());
            std::fs::write(&plan, code).unwrap();
            assert_eq!(lua.reload(plan.clone()).await, Ok(Reloaded::InUse));
            assert_eq!(lua.console("n").await.printed, "7\n");
            // A load declined (a data file read changed under commands not
            // saved) stands while only the log changes, but depends on the
            // state: after a command it is tried again.
            std::fs::write(folder.join("work.tsv"), "ID\n3\n").unwrap();
            assert!(lua.reload(plan.clone()).await.unwrap_err().message.contains("not loaded"));
            beside("five lines");
            assert_eq!(lua.reload(plan.clone()).await, Ok(Reloaded::Unchanged));
            lua.console("m = 2").await;
            beside("six lines");
            assert!(lua.reload(plan.clone()).await.unwrap_err().message.contains("not loaded"));
        });
        drop(lua);
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn a_plan_that_did_not_load_is_named_at_the_next_console_command() {
        let (dir, plan, lua) = with_plan("not-loaded", "error('work item 4 is ranked twice')");
        smol::block_on(async {
            assert!(lua.reload(plan.clone()).await.is_err());
            let reply = lua.console("report()").await;
            assert!(matches!(reply.outcome, ConsoleOutcome::Failed(_)), "{reply:?}");
            let told = "/plan.lua did not load: plan.lua:1: work item 4 is ranked twice; the \
                        console runs without the plan until its files load\n";
            assert!(reply.printed.starts_with("planhost: "), "{reply:?}");
            assert!(reply.printed.ends_with(told), "{reply:?}");
            // Once.
            assert!(!lua.console("report()").await.printed.contains("did not load"));
            // Loaded, then broken: the plan in use stays, and says so.
            std::fs::write(&plan, "function report() print('ok') end").unwrap();
            lua.reload(plan.clone()).await.unwrap();
            assert_eq!(lua.console("report()").await.printed, "ok\n");
            std::fs::write(&plan, "function report(").unwrap();
            assert!(lua.reload(plan.clone()).await.is_err());
            let printed = lua.console("report()").await.printed;
            assert!(printed.starts_with("ok\nplanhost: "), "{printed}");
            assert!(printed.contains("/plan.lua did not load again: "), "{printed}");
            assert!(printed.ends_with("; the plan in use is the one loaded before\n"), "{printed}");
            assert_eq!(lua.console("report()").await.printed, "ok\n");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_command_typed_without_its_parentheses_is_told_how_to_run_it() {
        let sandbox = Sandbox::new(&std::env::temp_dir(), false).unwrap();
        let lua = spawn(Budget::default(), sandbox, None).unwrap();
        smol::block_on(async {
            lua.console("saved = 0 function save() saved = saved + 1 end shell = {ls = save}")
                .await;
            for (typed, call) in
                [("save", "save()"), ("=save ", "save()"), ("shell.ls;", "shell.ls()")]
            {
                let printed = lua.console(typed).await.printed;
                let hint = format!("\nplanhost: that is a function: to run it, type {call}\n");
                assert!(
                    printed.starts_with("function: ") && printed.ends_with(&hint),
                    "{typed}: {printed:?}"
                );
            }
            assert_eq!(lua.console("saved").await.printed, "0\n", "nothing ran");
            for typed in ["save()", "x = save", "print(save)", "saved", "save, save"] {
                assert!(!lua.console(typed).await.printed.contains("planhost:"), "{typed}");
            }
        });
    }

    #[test]
    fn a_command_failing_on_new_code_stays_said_while_only_other_files_change() {
        let (dir, plan, lua) = with_plan("said-beside", "function bump() n = (n or 0) + 1 end");
        smol::block_on(async {
            lua.reload(plan.clone()).await.unwrap();
            lua.console("bump()").await;
            std::fs::write(&plan, "function bump() error('no more bumps') end").unwrap();
            let error = lua.reload(plan.clone()).await.unwrap_err().message;
            assert!(error.contains("fails on it"), "{error}");
            // A log beside the plan: the notice stands (the browsers keep
            // it, and the console hears it).
            std::fs::write(dir.join("serve.txt"), "a line").unwrap();
            assert_eq!(lua.reload(plan.clone()).await, Ok(Reloaded::Unchanged));
            let printed = lua.console("n").await.printed;
            assert!(printed.starts_with("nil\nplanhost: ") && printed.contains("fails on it"));
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_folder_without_a_plan_is_served_empty_until_one_comes() {
        let (dir, plan, lua) = with_plan("no-plan", "");
        std::fs::remove_file(&plan).unwrap();
        smol::block_on(async {
            assert_eq!(lua.reload(plan.clone()).await, Ok(Reloaded::InUse));
            std::fs::write(dir.join("huge.bin"), "data").unwrap();
            assert_eq!(lua.reload(plan.clone()).await, Ok(Reloaded::Unchanged));
            assert_eq!(lua.console("1 + 1").await.printed, "2\n", "nothing to tell");
            std::fs::write(&plan, "x = 1").unwrap();
            assert!(matches!(lua.reload(plan.clone()).await, Ok(Reloaded::Loaded(_))));
            assert_eq!(lua.console("x").await.printed, "1\n");
            // Gone while in use: that is said.
            std::fs::remove_file(&plan).unwrap();
            assert!(lua.reload(plan.clone()).await.is_err());
            assert!(lua.console("x").await.printed.contains("did not load again: cannot open"));
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
