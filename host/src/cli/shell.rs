//! `planhost shell`: a Lua prompt attached to a running server's console.
//! The address and token come from the plan directory's `.planhost/`; each
//! chunk is one `POST /api/console` request.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use async_signal::{Signal, Signals};
use futures_lite::{FutureExt, StreamExt};
use http_types::{Method, Request, StatusCode, Url};

use super::ShellArgs;
use crate::live::console::{ConsoleAnswer, TOO_LARGE};
use crate::live::terminal::{self, End, FeedEnd, NoAnswer, WhileRunning};
use crate::plan_dir::STATE_DIR;

/// The status when standard output was closed: 128 + SIGPIPE, what a
/// shell reports for `lua` or `cat` killed by SIGPIPE once their reader
/// has gone (`| head -1`), so `set -o pipefail` sees the same as for any
/// filter, and neither 1 (a chunk failed) nor 2 (no server) is claimed.
pub(super) const OUTPUT_CLOSED: u8 = 128 + 13;

pub fn run(args: &ShellArgs) -> ExitCode {
    let server = match Server::find(&args.plan_dir) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("planhost: {error:#}");
            return ExitCode::from(2);
        }
    };
    let mut attached = Attached { plan_dir: &args.plan_dir, server, timeout: args.timeout };
    // Status 1: a chunk failed; 2: the server could not be found or
    // reached (whether recorded or not), so nothing more could run. At the
    // prompt a chunk that gets no answer is reported and the prompt stays.
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        // Asked for before the first line editor is made, which keeps this
        // handler to give back once it is gone (see `WhileRunning`); if it
        // cannot be had, Ctrl-C while waiting ends the shell.
        let mut ctrl_c = Signals::new([Signal::Int]).ok();
        let send = |chunk: &str| smol::block_on(attached.send_until_ctrl_c(chunk, ctrl_c.as_mut()));
        match terminal::interact(send, None, WhileRunning::Interruptible) {
            End::Eof | End::Interrupt => ExitCode::SUCCESS,
            End::Failed => ExitCode::from(2),
            End::OutputClosed => ExitCode::from(OUTPUT_CLOSED),
        }
    } else {
        let send = |chunk: &str| Ok(smol::block_on(attached.send(chunk))?);
        match terminal::feed(std::io::stdin().lock(), send) {
            Ok(FeedEnd::AllOk) => ExitCode::SUCCESS,
            Ok(FeedEnd::SomeFailed) => ExitCode::from(1),
            Ok(FeedEnd::OutputClosed) => ExitCode::from(OUTPUT_CLOSED),
            Err(error) => {
                eprintln!("planhost: {error:#}");
                ExitCode::from(2)
            }
        }
    }
}

/// After this long without an answer the shell says it is still waiting
/// (a server stopped with Ctrl-Z, or something else on its port, never
/// answers; a long command answers in the end).
const WAITING_NOTICE: Duration = Duration::from_secs(10);

/// The server a shell talks to: the one its plan directory records, read
/// again when the one it knew refuses a chunk unread.
struct Attached<'a> {
    plan_dir: &'a Path,
    server: Server,
    timeout: Option<Duration>,
}

impl Attached<'_> {
    /// Sends a chunk. One that did not run because nothing listens at the
    /// address or the token is refused (the server was restarted, on the
    /// same port or another) is sent once more, if the plan directory now
    /// records another server.
    async fn send(&mut self, chunk: &str) -> Result<ConsoleAnswer, NoAnswer> {
        let refused = match self.server.send_waiting(chunk, self.timeout).await {
            Err(NoAnswer::NotRun(error)) => error,
            answered => return answered,
        };
        match Server::find(self.plan_dir) {
            Ok(server) if server != self.server => self.server = server,
            // Gone, not restarted.
            Ok(_) => return Err(NoAnswer::NotRun(refused)),
            Err(error) => return Err(NoAnswer::NotRun(error)),
        }
        let answer = self.server.send_waiting(chunk, self.timeout).await?;
        eprintln!("planhost: reconnected to the server at {} (it was restarted)", self.server.addr);
        Ok(answer)
    }

    /// [`Attached::send`], given up at Ctrl-C (SIGINT, which `ctrl_c`
    /// catches).
    async fn send_until_ctrl_c(
        &mut self,
        chunk: &str,
        ctrl_c: Option<&mut Signals>,
    ) -> Result<ConsoleAnswer, NoAnswer> {
        let Some(ctrl_c) = ctrl_c else { return self.send(chunk).await };
        // A Ctrl-C from before this chunk was sent is not about it.
        while let Some(Some(Ok(_))) = futures_lite::future::poll_once(ctrl_c.next()).await {}
        let interrupted = async {
            match ctrl_c.next().await {
                Some(Ok(_)) => Err(NoAnswer::Interrupted),
                _ => std::future::pending().await,
            }
        };
        self.send(chunk).or(interrupted).await
    }
}

/// A running server, as its plan directory records it.
#[derive(PartialEq, Eq)]
struct Server {
    addr: std::net::SocketAddr,
    token: String,
}

impl Server {
    fn find(plan_dir: &Path) -> anyhow::Result<Server> {
        let state = plan_dir.join(STATE_DIR);
        let read = |name: &str| {
            std::fs::read_to_string(state.join(name)).with_context(|| {
                format!(
                    "no server recorded in {} (is `planhost serve {}` running?)",
                    state.display(),
                    plan_dir.display()
                )
            })
        };
        let addr = read("addr")?;
        let addr = addr.trim().parse().with_context(|| format!("bad address {addr:?}"))?;
        Ok(Server { addr, token: read("token")?.trim().to_owned() })
    }

    /// [`Server::send`], saying on stderr when the answer is slow to come,
    /// and failing past `timeout` if one is given.
    async fn send_waiting(
        &self,
        chunk: &str,
        timeout: Option<Duration>,
    ) -> Result<ConsoleAnswer, NoAnswer> {
        let notice = async {
            smol::Timer::after(WAITING_NOTICE).await;
            eprintln!(
                "planhost: still waiting for the server at {} to answer (Ctrl-C to stop{})",
                self.addr,
                if timeout.is_some() { "" } else { "; --timeout gives up by itself" }
            );
            std::future::pending().await
        };
        let limit = async {
            match timeout {
                Some(timeout) => smol::Timer::after(timeout).await,
                None => std::future::pending().await,
            };
            let waited = humantime::format_duration(timeout.unwrap_or_default());
            let error =
                anyhow::anyhow!("the server at {} did not answer within {waited}", self.addr);
            Err(NoAnswer::Lost(error))
        };
        self.send(chunk).or(limit).or(notice).await
    }

    async fn send(&self, chunk: &str) -> Result<ConsoleAnswer, NoAnswer> {
        let stream = smol::net::TcpStream::connect(self.addr).await.map_err(|error| {
            let error = anyhow::Error::new(error);
            NoAnswer::NotRun(
                error.context(format!("cannot reach the server at {} (is it running?)", self.addr)),
            )
        })?;
        let url = Url::parse(&format!("http://{}/api/console", self.addr))
            .map_err(|e| NoAnswer::NotRun(e.into()))?;
        let mut request = Request::new(Method::Post, url);
        request.insert_header("Authorization", format!("Bearer {}", self.token));
        request.insert_header("Content-Type", "text/plain; charset=utf-8");
        request.set_body(chunk);
        let lost = |error: http_types::Error| {
            NoAnswer::Lost(anyhow::anyhow!("talking to the server at {}: {error}", self.addr))
        };
        let mut response = async_h1::connect(stream, request).await.map_err(lost)?;
        let body = response.body_string().await.map_err(lost)?;
        // A chunk too large is not run (see `terminal::feed` for the lines
        // after it).
        if response.status() == StatusCode::PayloadTooLarge {
            let said = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
                .unwrap_or_else(|| body.trim().to_owned());
            let error = Some(format!("not run: the chunk is too large ({said})"));
            return Ok(ConsoleAnswer { status: TOO_LARGE.into(), output: String::new(), error });
        }
        let said = || anyhow::anyhow!("the server said {}: {}", response.status(), body.trim());
        // The token is checked before the chunk is read: it did not run.
        if response.status() == StatusCode::Unauthorized {
            return Err(NoAnswer::NotRun(said()));
        }
        if !response.status().is_success() {
            return Err(NoAnswer::Lost(said()));
        }
        serde_json::from_str(&body)
            .context("the server's answer is not a console answer")
            .map_err(NoAnswer::Lost)
    }
}
