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

/// How long mimalloc keeps a freed page before handing it back to the OS.
///
/// Its default, 10 ms, hands back the pages a change frees before the next
/// change allocates them again: every change frees and reallocates tens of
/// MiB of Lua objects, and faulting them in again cost a fifth of a round
/// (perf, the example plan at 2,000 items: 14% in `clear_page`). Keeping
/// them for good (-1, the setting before this one) made a script's spike
/// permanent: `local s = "x" while true do s = s .. s end` left the server
/// at 2.1 GB resident for as long as the server ran.
///
/// Two minutes keeps the live loop's pages between the changes of a
/// meeting, which come seconds to a minute or so apart (a change after a
/// quiet spell longer than the delay faults its working set in once again,
/// a few ms for tens of MiB). Checked with `planhost run` of
/// `tests/benches/lua/plan.lua` (10,000 items, 25 rounds, about 6 s of
/// churn): with -1, 420 page faults; with 5 s, 4,000 to 5,000 (pages a
/// phase freed were purged and faulted in again); with 10 s, 450, and the
/// same user time as with -1 (within the machine's noise, 6.2-6.8 s). Pages
/// are handed back only when mimalloc runs (an allocation or a free), and
/// whole segments, where large strings live, wait ten times as long
/// (`arena_purge_mult`): a spike goes back sooner, at the Lua thread's
/// next idle collection ([`release_after_spike`]).
const PURGE_DELAY_MS: std::ffi::c_long = 120_000;

/// Sets mimalloc's purge delay ([`PURGE_DELAY_MS`]). Call once, first
/// thing in `main`, before anything is allocated from mimalloc (a segment
/// made while purging is off can never be purged).
pub fn keep_freed_pages() {
    // SAFETY: setting an option has no preconditions.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
}

/// How much larger than now the Lua heap must have been since the last
/// idle collection for the pages to go back at once: the collector lets a
/// plan's heap grow to about twice what it keeps (`GC_PAUSE_FACTOR` in
/// `lua/runtime.rs`), and a little more while a cycle runs, so only growth
/// well past that is a spike.
const SPIKE_FACTOR: usize = 4;

/// Growth below this is never a spike (a small plan's normal churn).
const SPIKE_SLACK: usize = 128 << 20;

/// Called by the Lua thread after a full collection while idle, with the
/// most its Lua heap held since the last call and what it holds now: if
/// that peak was a spike (more than [`SPIKE_FACTOR`] times what is held now
/// plus [`SPIKE_SLACK`]), hands every free mimalloc page back to the OS now
/// instead of after the purge delay, which would wait for the next command
/// to make mimalloc run. Returns whether it did. The live loop's churn
/// never reaches that, so its pages stay.
pub fn release_after_spike(peak: usize, held: usize) -> bool {
    if peak <= held.saturating_mul(SPIKE_FACTOR).saturating_add(SPIKE_SLACK) {
        return false;
    }
    // SAFETY: `mi_collect` has no preconditions; `force` purges free
    // pages whatever their delay.
    unsafe { libmimalloc_sys::mi_collect(true) };
    true
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
    fn only_a_spike_hands_pages_back_at_once() {
        const MIB: usize = 1 << 20;
        // The live loop's churn: the heap grows to about twice what it keeps.
        assert!(!release_after_spike(150 * MIB, 60 * MIB));
        assert!(!release_after_spike(100 * MIB, 0));
        // `s = s .. s` up to the default budget, then collected.
        assert!(release_after_spike(512 * MIB, MIB));
        assert!(release_after_spike(1000 * MIB, 200 * MIB));
    }

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
