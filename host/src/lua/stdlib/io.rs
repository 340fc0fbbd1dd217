//! The `io` library, confined to the sandbox.

use piccolo::Context;

use crate::lua::runtime::Output;
use crate::lua::sandbox::Sandbox;

pub fn load_io(_ctx: Context<'_>, _sandbox: &Sandbox, _output: Output) {}
