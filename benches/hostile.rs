//! `cargo bench --bench hostile`: the cost of each hostile release shape of issue 14 and of ordinary copy of
//! the same size, as throughput (criterion reports MiB/s: the cost per MiB is its inverse), in both NER
//! modes. The shapes are generated (`tests/support/hostile.rs`), the same bytes as the test and the README
//! table.

#[path = "../tests/support/hostile.rs"]
mod hostile;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wirefeed::config::ClosedSet as _;
use wirefeed::pipeline::{NerMode, Pipeline, RawInput, Settings};

/// Large enough that a quadratic stage would stand out by orders of magnitude, small enough for ten
/// samples per shape in a reasonable run.
const BYTES: usize = 256 * 1024;

fn bench_hostile(c: &mut Criterion) {
    for mode in [NerMode::Rules, NerMode::Model] {
        let pipeline = Pipeline::load(&Settings::with_ner(mode)).expect("pipeline");
        let mut group = c.benchmark_group(format!("hostile_{}", mode.as_str()));
        group.sample_size(10);
        for shape in hostile::SHAPES {
            let body = hostile::release(shape, BYTES);
            group.throughput(Throughput::Bytes(body.len() as u64));
            group.bench_with_input(BenchmarkId::from_parameter(shape), &body, |b, body| {
                b.iter(|| pipeline.normalize(&RawInput::from_bytes(body)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_hostile);
criterion_main!(benches);
