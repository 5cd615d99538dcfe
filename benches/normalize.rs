//! `cargo bench --bench normalize`: the whole pipeline (model mode, and `seed_rules` in rules mode) on the seed release and on a long release, plus the
//! pipeline's load time.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wirefeed::pipeline::{NerMode, Pipeline, RawInput, Settings};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)).unwrap()
}

/// A long release: the seed's body repeated to about 40 KB.
fn long_release() -> Vec<u8> {
    let seed = String::from_utf8(sample("sayasat-2025-08-22.txt")).unwrap();
    let (head, body) = seed.split_once("\n\n").unwrap();
    let mut out = format!("{head}\n\n");
    while out.len() < 40_000 {
        out.push_str(body);
        out.push_str("\n\n");
    }
    out.into_bytes()
}

fn bench_normalize(c: &mut Criterion) {
    let pipeline = Pipeline::builtin();
    let rules = Pipeline::load(&Settings::with_ner(NerMode::Rules)).unwrap();
    let seed = sample("sayasat-2025-08-22.txt");
    let long = long_release();
    let mut group = c.benchmark_group("normalize");
    group.throughput(Throughput::Elements(1));
    group.bench_function("seed", |b| b.iter(|| pipeline.normalize(&RawInput::from_bytes(&seed)).unwrap()));
    group.bench_function("seed_rules", |b| b.iter(|| rules.normalize(&RawInput::from_bytes(&seed)).unwrap()));
    group.bench_function("long_40kb", |b| {
        b.iter(|| pipeline.normalize(&RawInput::from_bytes(&long)).unwrap())
    });
    group.finish();
    c.bench_function("pipeline_load", |b| b.iter(Pipeline::builtin));
}

criterion_group!(benches, bench_normalize);
criterion_main!(benches);
