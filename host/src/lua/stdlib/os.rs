//! The `os` library: time and dates, the environment, `exit`.

use piccolo::Context;

use crate::lua::sandbox::Sandbox;

pub fn load_os(_ctx: Context<'_>, _sandbox: &Sandbox) {}
