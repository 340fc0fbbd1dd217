//! The Lua runtime: plan scripts run on piccolo, a pure-Rust Lua VM, behind
//! a front end that makes ordinary Lua 5.4 code run correctly on it.

pub mod api;
pub mod attributes;
pub mod close;
pub mod diagnose;
pub mod format;
pub mod frontend;
pub mod journal;
pub mod json;
pub mod pattern;
pub mod runtime;
pub mod sandbox;
pub mod stdlib;
pub mod syntax;
pub mod thread;
