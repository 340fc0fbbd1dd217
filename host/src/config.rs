//! Server settings: the values `planhost serve` runs with, and their defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::lua::runtime::Budget;

/// Everything the server needs to start; built from the command line.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// The plan directory; `.planhost/` inside it holds the publish token.
    pub plan_dir: PathBuf,
    /// Serve the browser client from this directory instead of the copy
    /// embedded in the binary.
    pub web_dir: Option<PathBuf>,
    /// Limits that protect the server from slow or hostile peers.
    pub limits: Limits,
    /// Worker threads for the async executor; 0 means one per core.
    pub threads: usize,
    /// Folders of `.wasm` renderer plugins, beside the built-in ones.
    pub plugin_dirs: Vec<PathBuf>,
    /// Offer a Lua prompt when standard input is a terminal.
    pub console: bool,
    /// Limits on each run of the plan's Lua.
    pub lua_budget: Budget,
}

/// Limits on what a peer may send and how long it may take.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time allowed for a request's head to arrive, and for an idle
    /// keep-alive connection to send its next request.
    pub header_timeout: Duration,
    /// Time allowed to read a request body or write a response.
    pub io_timeout: Duration,
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Largest WebSocket message accepted from a client (closed with 1009 beyond).
    pub max_client_message_bytes: usize,
    /// Frames queued for one WebSocket client before it counts as too slow.
    pub client_queue_len: usize,
    /// Topics one WebSocket client may subscribe to at once.
    pub max_subscriptions_per_client: usize,
    /// How often the server pings each WebSocket client.
    pub ping_interval: Duration,
    /// A client silent for this long (no pong, no frame) is dropped.
    pub pong_timeout: Duration,
    /// A client whose socket accepts no bytes for this long is closed.
    pub stuck_timeout: Duration,
    /// Time given to clients to acknowledge the close at shutdown.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(30),
            max_body_bytes: 16 << 20,
            max_client_message_bytes: 64 << 10,
            client_queue_len: 64,
            max_subscriptions_per_client: 256,
            ping_interval: Duration::from_secs(20),
            pong_timeout: Duration::from_secs(45),
            stuck_timeout: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(2),
        }
    }
}
