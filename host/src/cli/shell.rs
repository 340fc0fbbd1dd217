//! `planhost shell`: a Lua prompt attached to a running server's console.
//! The address and token come from the plan directory's `.planhost/`; each
//! chunk is one `POST /api/console` request.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use futures_lite::FutureExt;
use http_types::{Method, Request, Url};

use super::ShellArgs;
use crate::live::console::{ConsoleAnswer, TOO_LARGE};
use crate::live::terminal::{self, End};
use crate::plan_dir::STATE_DIR;

pub fn run(args: &ShellArgs) -> ExitCode {
    let server = match Server::find(&args.plan_dir) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("planhost: {error:#}");
            return ExitCode::from(2);
        }
    };
    // Status 1: a chunk failed; 2: the server could not be found or
    // reached (whether recorded or not), so nothing more could run.
    let send = |chunk: &str| smol::block_on(server.send_waiting(chunk, args.timeout));
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        match terminal::interact(send, None) {
            End::Eof | End::Interrupt => ExitCode::SUCCESS,
            End::Failed => ExitCode::from(2),
        }
    } else {
        match terminal::feed(std::io::stdin().lock(), send) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
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

/// A running server, as its plan directory records it.
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
    ) -> anyhow::Result<ConsoleAnswer> {
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
            Err(anyhow::anyhow!("the server at {} did not answer within {waited}", self.addr))
        };
        self.send(chunk).or(limit).or(notice).await
    }

    async fn send(&self, chunk: &str) -> anyhow::Result<ConsoleAnswer> {
        let stream = smol::net::TcpStream::connect(self.addr).await.with_context(|| {
            format!("cannot reach the server at {} (is it running?)", self.addr)
        })?;
        let url = Url::parse(&format!("http://{}/api/console", self.addr))?;
        let mut request = Request::new(Method::Post, url);
        request.insert_header("Authorization", format!("Bearer {}", self.token));
        request.insert_header("Content-Type", "text/plain; charset=utf-8");
        request.set_body(chunk);
        let mut response = async_h1::connect(stream, request)
            .await
            .map_err(|e| anyhow::anyhow!("talking to the server at {}: {e}", self.addr))?;
        let body = response.body_string().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        // A chunk too large is not run (see `terminal::feed` for the lines
        // after it).
        if response.status() == http_types::StatusCode::PayloadTooLarge {
            let said = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
                .unwrap_or_else(|| body.trim().to_owned());
            let error = Some(format!("not run: the chunk is too large ({said})"));
            return Ok(ConsoleAnswer { status: TOO_LARGE.into(), output: String::new(), error });
        }
        if !response.status().is_success() {
            anyhow::bail!("the server said {}: {}", response.status(), body.trim());
        }
        serde_json::from_str(&body).context("the server's answer is not a console answer")
    }
}
