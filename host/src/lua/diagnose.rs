//! The nearest name for a call of a global that is not a function (a typo
//! such as `rnak(12, 1)` at the console): what the console's error
//! suggests (`did you mean 'rank'?`, see `stdlib::global_call_helper`).

use piccolo::{Context, Value};

/// Names further than this many edits from every function get no guess.
const MAX_EDITS: usize = 2;

/// The global function whose name is fewest edits from `name`, if one is
/// close (ties go to the first in alphabetical order).
pub fn nearest_function(ctx: Context<'_>, name: &str) -> Option<String> {
    ctx.globals()
        .iter()
        .filter_map(|(key, value)| match (key, value) {
            (Value::String(key), Value::Function(_)) => Some(key.to_str_lossy().into_owned()),
            _ => None,
        })
        .map(|candidate| (strsim::levenshtein(name, &candidate), candidate))
        .filter(|(edits, candidate)| *edits <= MAX_EDITS && *edits < candidate.len())
        .min()
        .map(|(_, candidate)| candidate)
}
