//! `cargo run --release --example normalize_loop -- [rules|model] [N] [THREADS]`: normalises the seed release N
//! times (default 200) in one pipeline, for profilers (`perf record`, `valgrind --tool=callgrind`) whose
//! instruction counts are steadier than wall-clock timings on a shared machine. With THREADS > 1 (default 1)
//! that many threads share the one pipeline, as the worker's pool does, each normalising N times: CPU time per
//! call against THREADS = 1 shows what sharing costs (locks, cache lines bouncing between cores).

use std::path::Path;
use std::sync::Arc;

use wirefeed::pipeline::{NerMode, Pipeline, RawInput, Settings};

fn main() {
    let mut args = std::env::args().skip(1);
    let ner = args.next().map_or(Ok(NerMode::Rules), |mode| mode.parse()).unwrap_or_else(|e| panic!("{e}"));
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
    let threads: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1).max(1);
    let pipeline = Arc::new(Pipeline::load(&Settings::with_ner(ner)).expect("pipeline loads"));
    let seed = Arc::new(
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sayasat-2025-08-22.txt"))
            .expect("seed sample"),
    );
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (pipeline, seed) = (Arc::clone(&pipeline), Arc::clone(&seed));
            std::thread::spawn(move || normalise_many(&pipeline, &seed, runs))
        })
        .collect();
    let people: usize = workers.into_iter().map(|w| w.join().expect("a loop thread")).sum();
    println!("{threads} thread(s) x {runs} runs, {people} people in total");
}

/// Normalises `seed` `runs` times; returns the people found, so the work cannot be optimised away.
fn normalise_many(pipeline: &Pipeline, seed: &[u8], runs: usize) -> usize {
    let mut people = 0usize;
    for _ in 0..runs {
        let envelope = pipeline.normalize(&RawInput::from_bytes(seed)).expect("seed normalises");
        people += envelope.item.people.len();
    }
    people
}
