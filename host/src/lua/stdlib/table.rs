//! The `table` library over piccolo 0.3.3's `pack`/`unpack`.

use piccolo::Context;

pub fn load_table(_ctx: Context<'_>) {}
