//! Renderer plugins: WebAssembly components that turn a view's JSON data
//! into an HTML fragment, run by wasmtime under limits.

mod bindings;
pub mod plugin;
mod pool;
pub mod registry;
pub mod renderers;
pub mod watch;

pub use plugin::{RenderFailure, RenderLimits};
pub use registry::{Listing, Registry, Source};
pub use renderers::Renderers;
