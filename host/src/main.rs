//! The `planhost` binary: parse arguments, run, map errors to exit codes.

use std::process::ExitCode;

// piccolo allocates every Lua table, string and closure on the heap; mimalloc
// serves those small, short-lived blocks faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (the same index in v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Keep freed pages instead of handing them back to the OS 10 ms later:
    // every Lua round frees and reallocates tens of MiB, and faulting them in
    // again cost a fifth of a round (measured with perf on the example plan).
    // SAFETY: setting an option has no preconditions.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    planhost::cli::main()
}
