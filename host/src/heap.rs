//! The process allocator: mimalloc for the threads that run Lua, the system
//! allocator for everything else.
//!
//! piccolo allocates every Lua table, string and closure on the heap and a
//! change frees them by the ten thousand; mimalloc serves that churn about a
//! third faster than glibc's malloc (a move plus the work view of a
//! 2,000-item plan: 85 -> 60 ms). The network side does better on the system
//! allocator (a 20 KB message to 1,000 clients: 25-30 ms a round against
//! 30-38 on mimalloc). Both measured in docs/BENCHMARKS.md.
//!
//! A block goes back to the allocator it came from, whichever thread frees
//! it: mimalloc knows its own pages.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::c_void;

use mimalloc::MiMalloc;

thread_local! {
    static RUNS_LUA: Cell<bool> = const { Cell::new(false) };
}

/// Marks the calling thread as one that runs Lua: what it allocates from
/// now on comes from mimalloc.
pub fn this_thread_runs_lua() {
    RUNS_LUA.with(|runs| runs.set(true));
}

fn runs_lua() -> bool {
    RUNS_LUA.try_with(Cell::get).unwrap_or(false)
}

/// `mi_option_purge_delay` in mimalloc.h (the same index in v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps pages mimalloc freed instead of handing them back to the OS 10 ms
/// later: every change frees and reallocates tens of MiB of Lua objects,
/// and faulting them in again cost a fifth of a round (perf, the example
/// plan at 2,000 items). Call once, first thing in `main`.
pub fn keep_freed_pages() {
    // SAFETY: setting an option has no preconditions.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// The allocator to install with `#[global_allocator]`.
pub struct SplitAllocator;

fn from_mimalloc(ptr: *mut u8) -> bool {
    // SAFETY: a lookup in mimalloc's page map; any pointer may be asked.
    unsafe { libmimalloc_sys::mi_is_in_heap_region(ptr as *const c_void) }
}

// SAFETY: each call is passed on unchanged to one of two allocators that
// uphold GlobalAlloc's contract, and a block is always freed or grown by the
// allocator that made it.
unsafe impl GlobalAlloc for SplitAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller promised for `layout`.
        unsafe { if runs_lua() { MiMalloc.alloc(layout) } else { System.alloc(layout) } }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller promised for `layout`.
        unsafe {
            if runs_lua() { MiMalloc.alloc_zeroed(layout) } else { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator with `layout`; the page map
        // says which of the two made it.
        unsafe {
            if from_mimalloc(ptr) {
                MiMalloc.dealloc(ptr, layout)
            } else {
                System.dealloc(ptr, layout)
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the block stays with its allocator.
        unsafe {
            if from_mimalloc(ptr) {
                MiMalloc.realloc(ptr, layout, new_size)
            } else {
                System.realloc(ptr, layout, new_size)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_go_back_to_the_allocator_that_made_them() {
        let layout = Layout::from_size_align(64, 16).unwrap();
        let system = std::thread::spawn(move || unsafe { SplitAllocator.alloc(layout) as usize });
        let lua = std::thread::spawn(move || {
            this_thread_runs_lua();
            unsafe { SplitAllocator.alloc(layout) as usize }
        });
        let (system, lua) = (system.join().unwrap() as *mut u8, lua.join().unwrap() as *mut u8);
        assert!(!from_mimalloc(system), "an ordinary thread allocates from the system");
        assert!(from_mimalloc(lua), "a Lua thread allocates from mimalloc");
        // Grown and freed on a thread of the other kind, each stays with its own.
        unsafe {
            let lua = SplitAllocator.realloc(lua, layout, 4096);
            assert!(from_mimalloc(lua));
            this_thread_runs_lua();
            let system = SplitAllocator.realloc(system, layout, 4096);
            assert!(!from_mimalloc(system));
            let grown = Layout::from_size_align(4096, 16).unwrap();
            SplitAllocator.dealloc(system, grown);
            SplitAllocator.dealloc(lua, grown);
        }
    }
}
