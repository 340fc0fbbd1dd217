//! The `planhost` binary: parse arguments, run, map errors to exit codes.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: planhost::heap::SplitAllocator = planhost::heap::SplitAllocator;

fn main() -> ExitCode {
    planhost::heap::keep_freed_pages();
    planhost::lua::runtime::report_vm_panics_briefly();
    planhost::cli::main()
}
