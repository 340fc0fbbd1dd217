//! The console: Lua lines typed at the server's terminal or sent by
//! `planhost shell`. Each runs on the Lua thread; a line that ran (or
//! failed part way) tells the live loop the plan may have changed.

use serde::{Deserialize, Serialize};

use super::{LiveEvent, LiveHandle};
use crate::lua::thread::{ConsoleOutcome, ConsoleReply, LuaHandle};

/// The status a shell gives a chunk the server refused for its size: not
/// run, and where it would have ended is unknown.
pub const TOO_LARGE: &str = "too-large";

/// A console line's answer as `POST /api/console` sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleAnswer {
    /// `ok`, `incomplete` (send the line again with more) or `error`; a
    /// shell makes [`TOO_LARGE`] of a chunk the server refused unread.
    pub status: String,
    /// What the line printed.
    pub output: String,
    /// The error, naming chunk and line, when `status` is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Runs console lines and reports changes.
#[derive(Debug, Clone)]
pub struct Console {
    lua: LuaHandle,
    live: LiveHandle,
}

impl Console {
    pub fn new(lua: LuaHandle, live: LiveHandle) -> Console {
        Console { lua, live }
    }

    /// How many console commands since the plan was loaded may have
    /// changed it (see [`LuaHandle::unsaved`]).
    pub async fn unsaved(&self) -> usize {
        self.lua.unsaved().await
    }

    /// Runs one line (or a chunk of several).
    pub async fn run(&self, chunk: &str) -> ConsoleAnswer {
        let reply = self.lua.console(chunk).await;
        let reloaded = reply.reloaded.clone();
        let answer = ConsoleAnswer::from(reply);
        if let Some(result) = reloaded {
            self.live.tell(LiveEvent::Reloaded(result));
        } else if answer.status != "incomplete" {
            // Even a failed line may have changed the plan before failing.
            self.live.tell(LiveEvent::PlanChanged);
        }
        answer
    }
}

impl From<ConsoleReply> for ConsoleAnswer {
    fn from(reply: ConsoleReply) -> ConsoleAnswer {
        let (status, error) = match reply.outcome {
            ConsoleOutcome::Done => ("ok", None),
            ConsoleOutcome::Incomplete => ("incomplete", None),
            ConsoleOutcome::Failed(message) => ("error", Some(message)),
        };
        ConsoleAnswer { status: status.into(), output: reply.printed, error }
    }
}
