//! Where render instances live: wasmtime's pooling instance allocator, with
//! a fixed number of instance slots per engine, and the gate that makes a
//! render wait for a free slot rather than fail when they are all in use.
//!
//! A slot is reserved once and reused: when a render's store is dropped,
//! its linear memory is reset to the component's initial image in place,
//! so the next render starts from exactly the state a new instance has,
//! without mapping fresh memory and faulting it in page by page. The pages
//! kept mapped (up to [`MEMORY_KEEP_RESIDENT`]) are copied back from the
//! image or zeroed; any beyond are returned to the kernel.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use wasmtime::{Config, Enabled, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::plugin::RenderLimits;

/// Render instances that may exist at once per engine (a registry and the
/// registries reloaded from it share one). Renders run on blocking threads;
/// the server renders one view at a time, so this leaves room for plugin
/// loads, reloads and other callers at once. Each slot reserves address
/// space (4 GiB of it per linear memory, for wasmtime's bounds-check-free
/// memories) but takes physical memory only for what guests touch.
pub const INSTANCE_SLOTS: u32 = 16;

/// Core instances and tables a component may hold (a Rust component built
/// with the guest SDK has 3 core instances and 2 tables).
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;
const TABLES_PER_COMPONENT: u32 = 8;
/// Linear memories a component may hold (one for a Rust component).
const MEMORIES_PER_COMPONENT: u32 = 2;

/// Bytes of a slot's linear memory kept mapped between renders, where the
/// kernel can list the pages that are mapped (PAGEMAP_SCAN, Linux 6.7+):
/// a reset rewrites those, within the memory the render could reach (its
/// initial size and what it grew to), and no others. A 10,000-item table
/// render reaches about 9.5 MiB; a small render after it starts again from
/// the component's initial memory (about 1 MiB).
pub const MEMORY_KEEP_RESIDENT: usize = 16 << 20;
/// The same without PAGEMAP_SCAN, where the kept part is rewritten whole
/// after every render: enough for a small render's stack and heap.
const MEMORY_KEEP_RESIDENT_UNSCANNED: usize = 1 << 20;
/// Bytes of a slot's table kept mapped between renders.
const TABLE_KEEP_RESIDENT: usize = 1 << 20;

/// Sets `config` to allocate instances from a pool sized for `limits`.
pub fn configure(config: &mut Config, limits: RenderLimits) {
    let keep_resident = if PoolingAllocationConfig::is_pagemap_scan_available() {
        MEMORY_KEEP_RESIDENT
    } else {
        MEMORY_KEEP_RESIDENT_UNSCANNED
    };
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(INSTANCE_SLOTS)
        .total_core_instances(INSTANCE_SLOTS * CORE_INSTANCES_PER_COMPONENT)
        .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
        .total_memories(INSTANCE_SLOTS * MEMORIES_PER_COMPONENT)
        .max_memories_per_component(MEMORIES_PER_COMPONENT)
        .total_tables(INSTANCE_SLOTS * TABLES_PER_COMPONENT)
        .max_tables_per_component(TABLES_PER_COMPONENT)
        // The store's limiter enforces the cap with a clear error; the pool
        // never lets a memory grow past it either.
        .max_memory_size(limits.memory_bytes)
        .linear_memory_keep_resident(keep_resident)
        .table_keep_resident(TABLE_KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
}

/// Counts the instance slots in use, so a render waits for one to be free
/// (up to its deadline) instead of failing in wasmtime with the pool
/// exhausted.
#[derive(Debug)]
pub struct Slots {
    in_use: Mutex<u32>,
    freed: Condvar,
}

impl Slots {
    pub fn new() -> Arc<Slots> {
        Arc::new(Slots { in_use: Mutex::new(0), freed: Condvar::new() })
    }

    /// Takes a slot, waiting up to `wait` for one; `None` if none came free.
    pub fn take(self: &Arc<Slots>, wait: Duration) -> Option<Slot> {
        let until = Instant::now() + wait;
        let mut in_use = self.in_use.lock().unwrap_or_else(|e| e.into_inner());
        while *in_use >= INSTANCE_SLOTS {
            let left = until.checked_duration_since(Instant::now())?;
            in_use = self.freed.wait_timeout(in_use, left).unwrap_or_else(|e| e.into_inner()).0;
        }
        *in_use += 1;
        Some(Slot(self.clone()))
    }
}

/// A slot in use; dropping it (after the store that used it) frees it.
pub struct Slot(Arc<Slots>);

impl Drop for Slot {
    fn drop(&mut self) {
        *self.0.in_use.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::thread;
    use std::time::{Duration, Instant};

    use super::{INSTANCE_SLOTS, Slots};
    use crate::render::{Registry, RenderLimits};

    #[test]
    fn a_full_pool_waits_for_a_slot_then_gives_up() {
        let slots = Slots::new();
        let mut taken: Vec<_> =
            (0..INSTANCE_SLOTS).map(|_| slots.take(Duration::ZERO).expect("a free slot")).collect();
        let started = Instant::now();
        assert!(slots.take(Duration::from_millis(50)).is_none());
        assert!(started.elapsed() >= Duration::from_millis(50));

        let freeing = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            taken.pop();
            taken
        });
        assert!(slots.take(Duration::from_secs(5)).is_some(), "a freed slot is handed on");
        drop(freeing.join().unwrap());
        assert_eq!(*slots.in_use.lock().unwrap(), 0);
    }

    #[test]
    fn more_renders_at_once_than_slots_wait_their_turn() {
        let registry = Registry::load(&[], RenderLimits::default(), None).expect("built-ins load");
        assert!(registry.failures().is_empty(), "{:?}", registry.failures());
        // Long enough (a few ms) that the threads' renders overlap.
        let items: Vec<String> = (1..=2000)
            .map(|rank| {
                format!(r#"{{"id": {rank}, "name": "<b>{rank}", "rank": {rank}, "estimates": {{"Web": 2}}}}"#)
            })
            .collect();
        let data = format!(
            r#"{{"plan": {{"name": "Q3", "weeks": 13, "cutline": 5}}, "skills": ["Web"], "items": [{}]}}"#,
            items.join(",")
        );
        let expected = registry.render("table", "work", &data, &[]).expect("a render");
        thread::scope(|scope| {
            let renders: Vec<_> = (0..INSTANCE_SLOTS * 3)
                .map(|_| scope.spawn(|| registry.render("table", "work", &data, &[])))
                .collect();
            for render in renders {
                match render.join().unwrap() {
                    Ok(html) => assert!(html == expected, "a render differs"),
                    Err(failure) => panic!("{failure}"),
                }
            }
        });
    }
}
