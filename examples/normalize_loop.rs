//! `cargo run --release --example normalize_loop -- [rules|model] [N]`: normalises the seed release N times
//! (default 200) in one pipeline, for profilers (`perf record`, `valgrind --tool=callgrind`) whose instruction
//! counts are steadier than wall-clock timings on a shared machine.

use std::path::Path;

use wirefeed::config::PipelineConfig;
use wirefeed::pipeline::{Pipeline, RawInput};

fn main() {
    let mut args = std::env::args().skip(1);
    let ner = args.next().unwrap_or_else(|| "rules".into());
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
    let pipeline = Pipeline::load(&PipelineConfig { ner, ..Default::default() }).expect("pipeline loads");
    let seed = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sayasat-2025-08-22.txt"))
        .expect("seed sample");
    let mut people = 0usize;
    for _ in 0..runs {
        let envelope = pipeline.normalize(&RawInput::from_bytes(&seed)).expect("seed normalises");
        people += envelope.item.people.len();
    }
    println!("{runs} runs, {people} people in total");
}
