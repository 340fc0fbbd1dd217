//! Lua prompts on a terminal, as the `lua` prompt behaves: line editing
//! and history, unfinished chunks continued on the next line, values of
//! expressions printed. Used by `planhost serve` on a terminal and by
//! `planhost shell`; piped input is fed line by line the same way.

use std::io::BufRead;
use std::path::PathBuf;

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use super::console::{Console, ConsoleAnswer, TOO_LARGE};

const PROMPT: &str = "> ";
const CONTINUE: &str = ">> ";

/// Starts the server's own prompt on a thread of its own. Ctrl-D ends the
/// server (SIGTERM to itself, so it shuts down cleanly); Ctrl-C clears the
/// line, and a second Ctrl-C on an empty line ends the server too.
pub fn start(console: Console, history: PathBuf) -> std::io::Result<()> {
    std::thread::Builder::new().name("planhost-console".into()).spawn(move || {
        let run = |chunk: &str| Ok(smol::block_on(console.run(chunk)));
        let end = interact(run, Some(history));
        let signal = match end {
            End::Interrupt => rustix::process::Signal::INT,
            End::Eof | End::Failed => rustix::process::Signal::TERM,
        };
        let _ = rustix::process::kill_process(rustix::process::getpid(), signal);
    })?;
    Ok(())
}

/// How an interactive session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Ctrl-D.
    Eof,
    /// Ctrl-C twice on an empty line.
    Interrupt,
    /// The terminal could not be used, or the server went away.
    Failed,
}

/// Runs an interactive prompt; `run` executes a chunk. Output goes to
/// stdout, errors to stderr.
pub fn interact(
    mut run: impl FnMut(&str) -> anyhow::Result<ConsoleAnswer>,
    history: Option<PathBuf>,
) -> End {
    let Ok(mut editor) = DefaultEditor::new() else { return End::Failed };
    if let Some(history) = &history {
        let _ = editor.load_history(history);
    }
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
                pending = if pending.is_empty() { line } else { format!("{pending}\n{line}") };
                match run(&pending) {
                    Ok(answer) if answer.status == "incomplete" => continue,
                    Ok(answer) => {
                        let _ = editor.add_history_entry(pending.as_str());
                        show(&answer);
                    }
                    Err(error) => {
                        eprintln!("planhost: {error:#}");
                        break End::Failed;
                    }
                }
                pending.clear();
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
            Err(error) => {
                eprintln!("planhost: console: {error}");
                break End::Failed;
            }
        }
    };
    if let Some(history) = &history {
        let _ = editor.save_history(history);
    }
    end
}

/// Feeds lines from `input` (a pipe or a file) as if typed; returns
/// whether every chunk ran without error. A chunk still unfinished at the
/// end of the input is run as it is, so its syntax error is reported.
pub fn feed(
    input: impl BufRead,
    mut run: impl FnMut(&str) -> anyhow::Result<ConsoleAnswer>,
) -> anyhow::Result<bool> {
    let mut pending = String::new();
    let mut all_ok = true;
    // A line whose bytes were replaced ran on other text than was sent.
    let altered = std::cell::Cell::new(false);
    let mut lines = input.split(b'\n').enumerate().map(|(index, line)| {
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
    loop {
        let line = lines.next().transpose()?;
        let at_end = line.is_none();
        if let Some(line) = line {
            if pending.is_empty() && line.trim().is_empty() {
                continue;
            }
            pending = if pending.is_empty() { line } else { format!("{pending}\n{line}") };
        }
        if pending.is_empty() {
            break;
        }
        let answer = run(&pending)?;
        if answer.status == "incomplete" && !at_end {
            continue;
        }
        if answer.status == "incomplete" {
            eprintln!("planhost: unfinished chunk at end of input: {pending}");
            all_ok = false;
        } else if answer.status == TOO_LARGE && pending.contains('\n') {
            // It grew line by line: the lines still to come may belong to
            // it (the rest of a long string), and run alone they would be
            // commands no one typed.
            show(&answer);
            eprintln!(
                "planhost: stopped: the lines after an unfinished chunk that grew too large \
                 were not run"
            );
            return Ok(false);
        } else {
            all_ok &= answer.status == "ok";
            show(&answer);
        }
        pending.clear();
        if at_end {
            break;
        }
    }
    Ok(all_ok && !altered.get())
}

fn show(answer: &ConsoleAnswer) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(answer.output.as_bytes());
    let _ = out.flush();
    if let Some(error) = &answer.error {
        eprintln!("{error}");
    }
}
