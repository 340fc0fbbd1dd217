//! planhost: a live planning server. This library holds everything behind
//! the `planhost` binary; `main.rs` only parses arguments and maps errors to
//! exit codes.
//!
//! Data flows one way: the edge (HTTP and WebSocket connections) sends
//! commands to the hub, the hub fans messages out to per-client outboxes,
//! and each client session writes its outbox to its socket (an idle
//! client's frame the hub writes itself, see `hub::outbox`).

// Only `heap` (the process allocator) may use unsafe code.
#![deny(unsafe_code)]

pub mod cli;
pub mod config;
pub mod edge;
pub mod folder_watch;
pub mod heap;
pub mod hub;
pub mod live;
pub mod lua;
pub mod patch;
pub mod plan_dir;
pub mod protocol;
pub mod render;
pub mod server;
