//! Lua prompts on a terminal, as the `lua` prompt behaves: line editing
//! and history, unfinished chunks continued on the next line, values of
//! expressions printed. Used by `planhost serve` on a terminal and by
//! `planhost shell`; piped input is fed line by line the same way.

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::PathBuf;

use rustyline::error::ReadlineError;
use rustyline::history::{DefaultHistory, History};
use rustyline::{Config, DefaultEditor};

use super::console::{Console, ConsoleAnswer, TOO_LARGE};
use super::lua_lines::LuaLines;
use crate::edge::routes::MAX_CONSOLE_CHUNK;
use crate::lua::thread::{ChunkState, chunk_state};

const PROMPT: &str = "> ";
const CONTINUE: &str = ">> ";

/// Starts the server's own prompt on a thread of its own. Ctrl-D ends the
/// server (SIGTERM to itself, so it shuts down cleanly), unless console
/// commands changed the plan since it was loaded: then it says so once,
/// and a second Ctrl-D ends it. Ctrl-C clears the line, and a second Ctrl-C
/// on an empty line ends the server too.
pub fn start(console: Console, history: PathBuf) -> std::io::Result<()> {
    std::thread::Builder::new().name("planhost-console".into()).spawn(move || {
        let mut warned = false;
        let end = loop {
            let run = |chunk: &str| Ok(smol::block_on(console.run(chunk)));
            let end = interact(run, Some(history.clone()), WhileRunning::KeepEditor);
            if end != End::Eof || warned {
                break end;
            }
            let unsaved = smol::block_on(console.unsaved());
            if unsaved == 0 {
                break end;
            }
            warned = true;
            eprintln!("{}", unsaved_warning(unsaved));
        };
        let signal = match end {
            End::Interrupt => rustix::process::Signal::INT,
            End::Eof | End::Failed | End::OutputClosed => rustix::process::Signal::TERM,
        };
        let _ = rustix::process::kill_process(rustix::process::getpid(), signal);
    })?;
    Ok(())
}

/// What Ctrl-D at the server's prompt says when `count` console commands
/// changed the plan since it was loaded.
fn unsaved_warning(count: usize) -> String {
    let ran = match count {
        1 => "1 command ran".to_owned(),
        n => format!("{n} commands ran"),
    };
    format!(
        "planhost: the plan was changed at the console since it was loaded ({ran}), and the \
         changes are not saved: save them first (the plan's save command), or press Ctrl-D \
         again to stop the server and lose them"
    )
}

/// How an interactive session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Ctrl-D.
    Eof,
    /// Ctrl-C twice on an empty line.
    Interrupt,
    /// The terminal could not be used.
    Failed,
    /// Standard output (or error) was closed, its reader gone: nothing
    /// more could be shown.
    OutputClosed,
}

/// Why a chunk sent to be run got no answer.
#[derive(Debug, thiserror::Error)]
pub enum NoAnswer {
    /// It reached no server that would run it (none listening, or the
    /// token refused): nothing ran.
    #[error("{0:#}")]
    NotRun(anyhow::Error),
    /// It was sent, but no answer came that could be read: it may have run.
    #[error("{0:#}")]
    Lost(anyhow::Error),
    /// Ctrl-C while waiting for the answer.
    #[error("stopped waiting; the command may still finish on the server")]
    Interrupted,
}

/// What happens to Ctrl-C while a chunk runs, the terminal back in its
/// usual mode (the terminal sends SIGINT).
///
/// rustyline catches SIGINT for as long as an editor exists, not only
/// while it reads a line: its handler writes to a pipe that only
/// `readline` reads, so a Ctrl-C between lines only echoes `^C`, and the
/// next prompt takes it as typed there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhileRunning {
    /// One editor for the session, which takes it (the server's prompt:
    /// its chunks are bounded by the Lua limits, and a SIGINT reaching the
    /// server would stop it).
    KeepEditor,
    /// An editor for each line, gone while the chunk runs, so that SIGINT
    /// reaches the handler installed before the session (the shell's wait
    /// for an answer, which `run` gives up as [`NoAnswer::Interrupted`]).
    Interruptible,
}

/// Runs an interactive prompt; `run` executes a chunk. Output goes to
/// stdout, errors to stderr. A chunk that gets no answer is reported and
/// the prompt stays: one that did not run keeps the lines before it
/// pending (the line just typed is in the history, to send again), one
/// that may have run is dropped (and is in the history).
pub fn interact(
    mut run: impl FnMut(&str) -> Result<ConsoleAnswer, NoAnswer>,
    history: Option<PathBuf>,
    while_running: WhileRunning,
) -> End {
    let mut editor = match LineEditor::new(history.as_deref(), while_running) {
        Ok(editor) => editor,
        Err(_) => return End::Failed,
    };
    let mut pending = String::new();
    let mut interrupted = false;
    let end = loop {
        let prompt = if pending.is_empty() { PROMPT } else { CONTINUE };
        match editor.readline(prompt) {
            Ok(line) => {
                interrupted = false;
                if pending.is_empty() && line.trim().is_empty() {
                    continue;
                }
                let chunk =
                    if pending.is_empty() { line.clone() } else { format!("{pending}\n{line}") };
                match run(&chunk) {
                    Ok(answer) if answer.status == "incomplete" => pending = chunk,
                    Ok(answer) => {
                        editor.remember(&chunk);
                        pending.clear();
                        if let Err(error) = show(&answer) {
                            break output_failed(&error);
                        }
                    }
                    Err(NoAnswer::NotRun(error)) => {
                        eprintln!("planhost: {error:#}");
                        editor.remember(&line);
                    }
                    Err(error) => {
                        // After the `^C` the terminal echoed.
                        if matches!(error, NoAnswer::Interrupted)
                            && std::io::IsTerminal::is_terminal(&std::io::stderr())
                        {
                            eprintln!();
                        }
                        eprintln!("planhost: {error}");
                        editor.remember(&chunk);
                        pending.clear();
                    }
                }
            }
            Err(ReadlineError::Interrupted) => {
                if pending.is_empty() && interrupted {
                    break End::Interrupt;
                }
                if pending.is_empty() {
                    eprintln!("(Ctrl-C again or Ctrl-D to quit)");
                }
                pending.clear();
                interrupted = true;
            }
            Err(ReadlineError::Eof) => break End::Eof,
            // The prompt could not be written.
            Err(ReadlineError::Io(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                break End::OutputClosed;
            }
            Err(error) => {
                eprintln!("planhost: console: {error}");
                break End::Failed;
            }
        }
    };
    if let Some(history) = &history {
        editor.save_history(history);
    }
    end
}

/// How a session ends when an answer could not be shown.
fn output_failed(error: &std::io::Error) -> End {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return End::OutputClosed;
    }
    eprintln!("planhost: writing the answer: {error}");
    End::Failed
}

/// The line editor of a prompt and its history, kept for the session or
/// made anew for each line (see [`WhileRunning`]).
struct LineEditor {
    editor: Option<DefaultEditor>,
    /// The history while no editor holds it; `None` while one does, or
    /// after it was lost with an editor that could not be made.
    history: Option<DefaultHistory>,
    per_line: bool,
}

impl LineEditor {
    fn new(
        history: Option<&std::path::Path>,
        while_running: WhileRunning,
    ) -> rustyline::Result<LineEditor> {
        let config = Config::default();
        let mut lines = DefaultHistory::with_config(&config);
        if let Some(history) = history {
            let _ = lines.load(history);
        }
        // Made now even when made for each line, so that a terminal that
        // cannot be used ends the session before it starts.
        let editor = DefaultEditor::with_history(config, lines)?;
        let per_line = while_running == WhileRunning::Interruptible;
        Ok(LineEditor { editor: Some(editor), history: None, per_line })
    }

    fn readline(&mut self, prompt: &str) -> rustyline::Result<String> {
        let mut editor = match (self.editor.take(), self.history.take()) {
            (Some(editor), _) => editor,
            (None, Some(history)) => DefaultEditor::with_history(Config::default(), history)?,
            // Lost with an editor that could not be made, which ended the
            // session.
            (None, None) => return Err(std::io::Error::other("no line editor").into()),
        };
        let line = editor.readline(prompt);
        if self.per_line {
            // The editor goes, and its SIGINT handler with it.
            self.history = Some(std::mem::take(editor.history_mut()));
        } else {
            self.editor = Some(editor);
        }
        line
    }

    fn history(&mut self) -> Option<&mut DefaultHistory> {
        match &mut self.editor {
            Some(editor) => Some(editor.history_mut()),
            None => self.history.as_mut(),
        }
    }

    fn remember(&mut self, entry: &str) {
        if let Some(history) = self.history() {
            let _ = history.add(entry);
        }
    }

    fn save_history(&mut self, path: &std::path::Path) {
        if let Some(history) = self.history() {
            let _ = history.save(path);
        }
    }
}

/// How feeding piped input ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedEnd {
    /// Every chunk ran without error.
    AllOk,
    /// Some chunk failed, or a line was not UTF-8.
    SomeFailed,
    /// Standard output (or error) was closed, its reader gone; the lines
    /// after the chunk whose answer could not be shown were not sent.
    OutputClosed,
}

/// Feeds lines from `input` (a pipe or a file) as if typed, until the
/// input ends or the answers can no longer be shown. A chunk still
/// unfinished at the end of the input is run as it is, so its syntax error
/// is reported.
///
/// The `lua` prompt compiles its lines again after each one until they
/// make a chunk; here a chunk that [`LuaLines`] shows to be unfinished is
/// sent only after 1, 2, 4, 8... lines (to meet a syntax error in it
/// soon), so a long one costs a few compilations, not one per line. A
/// chunk that then fails is cut back to the first of its prefixes that
/// fails, which is where the prompt would have stopped; the lines after
/// that one are fed again.
pub fn feed(
    input: impl BufRead,
    run: impl FnMut(&str) -> anyhow::Result<ConsoleAnswer>,
) -> anyhow::Result<FeedEnd> {
    feed_showing(input, run, show)
}

/// [`feed`], with `show` for each chunk's answer.
fn feed_showing(
    input: impl BufRead,
    mut run: impl FnMut(&str) -> anyhow::Result<ConsoleAnswer>,
    mut show: impl FnMut(&ConsoleAnswer) -> std::io::Result<()>,
) -> anyhow::Result<FeedEnd> {
    let mut all_ok = true;
    // A line whose bytes were replaced ran on other text than was sent.
    let altered = std::cell::Cell::new(false);
    let mut input = input.split(b'\n').enumerate().map(|(index, line)| {
        let mut line = line?;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        // Lua source is text: a stray byte (a Latin-1 `é`) must not end
        // the session, nor pass silently.
        Ok::<_, std::io::Error>(String::from_utf8(line).unwrap_or_else(|error| {
            eprintln!(
                "planhost: line {} is not UTF-8; its invalid bytes were replaced by U+FFFD",
                index + 1
            );
            altered.set(true);
            String::from_utf8_lossy(error.as_bytes()).into_owned()
        }))
    });
    // Lines read but not yet part of a chunk (after a chunk was cut back).
    let mut again = VecDeque::new();
    let mut chunk = Chunk::default();
    loop {
        let line = match again.pop_front() {
            Some(line) => Some(line),
            None => input.next().transpose()?,
        };
        let at_end = line.is_none();
        if let Some(line) = line {
            if chunk.is_empty() && line.trim().is_empty() {
                continue;
            }
            chunk.push(line);
        }
        if chunk.is_empty() {
            break;
        }
        if !at_end && !chunk.worth_sending() {
            continue;
        }
        let mut answer = run(chunk.text())?;
        if answer.status == "incomplete" && !at_end {
            chunk.incomplete_at_length();
            continue;
        }
        // Where the prompt would have stopped, if that is before: the first
        // prefix that is not unfinished (found by compiling, which runs
        // nothing), sent in its place; the lines after it are fed again.
        if let Some(lines) = chunk.prompt_would_stop(&answer) {
            answer = run(chunk.prefix(lines))?;
            // Before any lines cut back earlier, which come after these.
            for line in chunk.lines.drain(lines..).rev() {
                again.push_front(line);
            }
        }
        if answer.status == "incomplete" {
            eprintln!("planhost: unfinished chunk at end of input: {}", chunk.text());
            all_ok = false;
        } else if answer.status == TOO_LARGE && chunk.lines.len() > 1 {
            // It grew line by line: the lines still to come may belong to
            // it (the rest of a long string), and run alone they would be
            // commands no one typed.
            if let Err(error) = show(&answer) {
                return output_closed(error);
            }
            eprintln!(
                "planhost: stopped: the lines after an unfinished chunk that grew too large \
                 were not run"
            );
            return Ok(FeedEnd::SomeFailed);
        } else {
            all_ok &= answer.status == "ok";
            // As `lua` dies of SIGPIPE at its next write once its reader
            // has gone (`| head -1`), nothing more is sent.
            if let Err(error) = show(&answer) {
                return output_closed(error);
            }
        }
        chunk = Chunk::default();
        if at_end && again.is_empty() {
            break;
        }
    }
    Ok(if all_ok && !altered.get() { FeedEnd::AllOk } else { FeedEnd::SomeFailed })
}

/// How feeding ends when an answer could not be shown: any error but a
/// closed pipe is one.
fn output_closed(error: std::io::Error) -> anyhow::Result<FeedEnd> {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return Ok(FeedEnd::OutputClosed);
    }
    Err(anyhow::Error::new(error).context("writing the answer"))
}

/// The lines of a chunk being fed, joined as sent.
#[derive(Default)]
struct Chunk {
    text: String,
    /// Each line, and where it ends in `text`.
    lines: Vec<String>,
    ends: Vec<usize>,
    scan: LuaLines,
    /// Lines in the longest prefix sent and found unfinished.
    incomplete_lines: usize,
}

impl Chunk {
    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn push(&mut self, line: String) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(&line);
        self.scan.feed(&line);
        self.ends.push(self.text.len());
        self.lines.push(line);
    }

    fn text(&self) -> &str {
        &self.text
    }

    fn prefix(&self, lines: usize) -> &str {
        &self.text[..self.ends[lines - 1]]
    }

    /// Whether to send it now: it may be whole, it has doubled in lines
    /// since it was last found unfinished, or it is too large to be run
    /// (for the server to say so).
    fn worth_sending(&self) -> bool {
        self.scan.may_be_complete()
            || self.lines.len() >= 2 * self.incomplete_lines
            || self.text.len() > MAX_CONSOLE_CHUNK
    }

    fn incomplete_at_length(&mut self) {
        self.incomplete_lines = self.lines.len();
    }

    /// After `answer` to the whole chunk: the lines of the shorter prefix
    /// the `lua` prompt would have stopped at (run or failed), if any. Only
    /// a chunk that does not compile is looked into (one that compiled has
    /// run, and had no whole prefix: the scan saw none); for one refused as
    /// too large, the prefix before its last line, which was never sent.
    fn prompt_would_stop(&self, answer: &ConsoleAnswer) -> Option<usize> {
        let last = match answer.status.as_str() {
            "error" => self.lines.len(),
            TOO_LARGE if self.lines.len() > 1 => self.lines.len() - 1,
            _ => return None,
        };
        match chunk_state(self.prefix(last)) {
            ChunkState::Unfinished => return None,
            // The scan took a whole prefix for unfinished: it runs now.
            ChunkState::Whole if last < self.lines.len() => return Some(last),
            ChunkState::Whole => return None,
            ChunkState::Broken => {}
        }
        // Prefixes up to `low` lines are unfinished, `high` is not.
        let (mut low, mut high) = (self.incomplete_lines, last);
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            if chunk_state(self.prefix(middle)) == ChunkState::Unfinished {
                low = middle;
            } else {
                high = middle;
            }
        }
        (high < self.lines.len()).then_some(high)
    }
}

/// Shows an answer: what it printed on stdout, its error on stderr.
fn show(answer: &ConsoleAnswer) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(answer.output.as_bytes())?;
    out.flush()?;
    if let Some(error) = &answer.error {
        writeln!(std::io::stderr(), "{error}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lua::runtime::Budget;
    use crate::lua::sandbox::Sandbox;

    /// What a piped `input` shows, fed to a fresh Lua state: every answer
    /// shown (output and error), and the chunks sent to be run.
    struct Fed {
        shown: Vec<ConsoleAnswer>,
        sent: Vec<String>,
    }

    fn lua_state(label: &str) -> crate::lua::thread::LuaHandle {
        let folder =
            std::env::temp_dir().join(format!("planhost-feed-{label}-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        crate::lua::thread::spawn(Budget::default(), Sandbox::new(&folder, false).unwrap(), None)
            .unwrap()
    }

    fn fed(input: &str) -> Fed {
        let lua = lua_state("fed");
        let mut sent = Vec::new();
        let mut shown = Vec::new();
        let run = |chunk: &str| {
            sent.push(chunk.to_owned());
            Ok(ConsoleAnswer::from(smol::block_on(lua.console(chunk))))
        };
        let show = |answer: &ConsoleAnswer| {
            shown.push(answer.clone());
            Ok(())
        };
        feed_showing(input.as_bytes(), run, show).unwrap();
        Fed { shown, sent }
    }

    /// What the `lua` prompt shows for the same lines: each line added to
    /// the chunk and the chunk compiled again until it is not unfinished.
    fn prompt(input: &str) -> Vec<ConsoleAnswer> {
        let lua = lua_state("prompt");
        let mut shown = Vec::new();
        let mut pending = String::new();
        for line in input.lines() {
            if pending.is_empty() && line.trim().is_empty() {
                continue;
            }
            pending = if pending.is_empty() { line.to_owned() } else { pending + "\n" + line };
            let answer = ConsoleAnswer::from(smol::block_on(lua.console(&pending)));
            if answer.status != "incomplete" {
                shown.push(answer);
                pending.clear();
            }
        }
        assert!(pending.is_empty(), "the inputs here end with a whole chunk: {pending}");
        shown
    }

    #[test]
    fn a_long_chunk_is_sent_a_few_times_not_once_per_line() {
        let mut input = String::from("t = {\n");
        for i in 0..3000 {
            input.push_str(&format!("  {{ id = {i}, name = \"{}\" }},\n", "n".repeat(200)));
        }
        input.push_str("}\nprint(#t, t[3000].id)\n");
        let fed = fed(&input);
        let outputs: Vec<&str> = fed.shown.iter().map(|a| a.output.as_str()).collect();
        assert_eq!(outputs, ["", "3000\t2999\n"]);
        // After 1, 2, 4 ... 2048 lines, then whole (it was sent once per
        // line, 3,002 times, compiling 1 GB in all).
        assert_eq!(fed.sent.len(), 12 + 1 + 1, "{:?}", fed.sent.iter().map(|s| s.len()));
    }

    #[test]
    fn nothing_more_is_sent_once_the_output_is_closed() {
        let mut sent = Vec::new();
        let run = |chunk: &str| {
            sent.push(chunk.to_owned());
            Ok(ConsoleAnswer { status: "ok".into(), output: "shown\n".into(), error: None })
        };
        let closed = |_: &ConsoleAnswer| Err(std::io::ErrorKind::BrokenPipe.into());
        let end = feed_showing("print(1)\nprint(2)\nprint(3)\n".as_bytes(), run, closed).unwrap();
        assert_eq!(end, FeedEnd::OutputClosed);
        assert_eq!(sent, ["print(1)"]);
    }

    #[test]
    fn what_is_shown_is_what_the_lua_prompt_shows() {
        let filler = "  1,\n".repeat(40);
        let inputs = [
            // Whole chunks, one line or several.
            "x = 1\nprint(x)\nfor i = 1, 2 do\n  print(i)\nend\nx\n".to_owned(),
            "s = [[\nend (\n]] print(#s)\nlocal function f(a,\n b)\n return a + b\nend\n"
                .to_owned(),
            // An unfinished expression the scan takes for whole.
            "y = 1 +\n 2\nprint(y)\n".to_owned(),
            // Errors: the chunk stops where the prompt stops it, and the
            // lines after run as chunks of their own.
            "print((1)\nprint('two')\nprint('three')\n".to_owned(),
            format!("t = {{\n{filler}  x = = 1,\n{filler}}}\nprint('after')\n"),
            format!("do\n{}  local = 1\n  print('in')\nprint('after')\n", "  x = 1\n".repeat(9)),
            "if true then\n  error('runtime')\nend\nprint('after')\n".to_owned(),
            // A string the scan cannot place, ended by a backslash.
            "s = 'one\\\ntwo'\nprint('after')\n".to_owned(),
            // A numeral right before a keyword; a quoted string a backslash
            // carries to the next line inside an open table.
            "do\n  a = 1\n  b = 2\n  repeat n = (n or 0) + 1until true\nend\nprint(n)\nx = = 1\n"
                .to_owned(),
            "t = {\n 1,\n 'a\\\nb',\n}\nprint(#t)\n".to_owned(),
        ];
        for input in &inputs {
            let expected = prompt(input);
            let fed = fed(input);
            assert_eq!(fed.shown, expected, "{input}");
        }
    }
}
