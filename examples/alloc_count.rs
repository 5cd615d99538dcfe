//! `cargo run --release --example alloc_count -- [rules|model]`: counts the heap allocations (and the bytes
//! asked for) of one `normalize` of the seed release and of one `serde_json::to_vec` of its envelope, after a
//! warm-up so that lazily built tables are not counted. Allocation counts are exact and do not depend on the
//! load of the machine, unlike timings.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use wirefeed::config::PipelineConfig;
use wirefeed::pipeline::{Pipeline, RawInput};

/// The system allocator, counting every allocation and reallocation and the bytes each asks for.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A regrowth costs a call to the allocator like a fresh allocation does: count it as one.
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations and bytes made while `work` runs.
fn count<T>(work: impl FnOnce() -> T) -> (usize, usize, T) {
    let (calls, bytes) = (ALLOCATIONS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    let out = work();
    (ALLOCATIONS.load(Ordering::Relaxed) - calls, BYTES.load(Ordering::Relaxed) - bytes, out)
}

fn main() {
    let ner = std::env::args().nth(1).unwrap_or_else(|| "rules".into());
    let pipeline = Pipeline::load(&PipelineConfig { ner, ..Default::default() }).expect("pipeline loads");
    let seed = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sayasat-2025-08-22.txt"))
        .expect("seed sample");
    // Warm-up: lazily built tables and caches are filled on the first calls.
    for _ in 0..3 {
        let envelope = pipeline.normalize(&RawInput::from_bytes(&seed)).expect("seed normalises");
        serde_json::to_vec(&envelope).expect("envelope serialises");
    }
    let input = RawInput::from_bytes(&seed);
    let (calls, bytes, envelope) = count(|| pipeline.normalize(&input).expect("seed normalises"));
    println!("normalize: {calls} allocations, {bytes} bytes");
    let (calls, bytes, json) = count(|| serde_json::to_vec(&envelope).expect("envelope serialises"));
    println!("to_vec:    {calls} allocations, {bytes} bytes ({} bytes of JSON)", json.len());
}
