//! `cargo bench --bench stages`: each pipeline stage alone on the seed release, its inputs prepared by the
//! stages before it outside the timed loop, so a regression points at one stage. `normalize` (the whole
//! pipeline) is in `benches/normalize.rs`; `serialize` here is the JSON encoding the worker adds on top.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

use wirefeed::pipeline::stages::{
    assemble, classify, dateline, dates, decode, entities, language, parse, quotes, speakers,
};
use wirefeed::pipeline::{Format, NerMode, Pipeline, RawInput, Settings};

fn seed() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sayasat-2025-08-22.txt");
    std::fs::read(path).unwrap()
}

fn bench_stages(c: &mut Criterion) {
    // The stages' data as `normalize` reads it; rules mode, as the entities stage gets no model spans here.
    let rules = Pipeline::load(&Settings::with_ner(NerMode::Rules)).unwrap();
    let data = rules.stage_data();
    let body = seed();
    let input = RawInput::from_bytes(&body);
    let mut g = c.benchmark_group("stage");

    g.bench_function("decode", |b| b.iter(|| decode::decode(black_box(&body), Some("text/plain")).unwrap()));
    let decoded = decode::decode(&body, Some("text/plain")).unwrap();

    g.bench_function("parse", |b| {
        b.iter(|| {
            let format =
                parse::choose_format(Format::Auto, Some("text/plain"), black_box(&decoded.text)).unwrap();
            parse::parse(&decoded.text, format).unwrap()
        })
    });
    let format = parse::choose_format(Format::Auto, Some("text/plain"), &decoded.text).unwrap();
    let release = parse::parse(&decoded.text, format).unwrap();
    let text = release.text.as_str();

    g.bench_function("dateline", |b| {
        b.iter(|| dateline::find(black_box(text), &release, data.kb, data.dates))
    });
    let dateline = dateline::find(text, &release, data.kb, data.dates);

    g.bench_function("language", |b| b.iter(|| language::detect(black_box(text), &release, "ru")));
    let language = language::detect(text, &release, "ru");

    let anchor = release.declared_date.or_else(|| dateline.as_ref().and_then(|d| d.date));
    g.bench_function("dates", |b| b.iter(|| dates::find(black_box(text), &release, anchor, data.dates)));
    let found_dates = dates::find(text, &release, anchor, data.dates);

    g.bench_function("entities", |b| {
        b.iter(|| entities::find(black_box(text), &release, dateline.as_ref(), &language, data.kb, &[]))
    });
    let mut found_entities = entities::find(text, &release, dateline.as_ref(), &language, data.kb, &[]);

    g.bench_function("quotes", |b| b.iter(|| quotes::find(black_box(text), &release, data.speech)));
    let mut found_quotes = quotes::find(text, &release, data.speech);

    g.bench_function("resolve_speakers", |b| {
        b.iter_batched(
            || (found_quotes.clone(), found_entities.clone()),
            |(mut q, mut e)| speakers::resolve_speakers(black_box(text), &mut q, &mut e, data.kb),
            criterion::BatchSize::SmallInput,
        )
    });
    speakers::resolve_speakers(text, &mut found_quotes, &mut found_entities, data.kb);

    let ctx = classify::Context {
        lexicon: data.events,
        language: "ru",
        entities: &found_entities,
        quotes: &found_quotes,
        dates: &found_dates,
        dateline: dateline.as_ref(),
        anchor,
    };
    g.bench_function("classify", |b| b.iter(|| classify::classify(black_box(text), &release, &ctx)));
    let events = classify::classify(text, &release, &ctx);

    let parts = || assemble::Parts {
        input: &input,
        decoded: &decoded,
        release: &release,
        dateline: dateline.as_ref(),
        language: language.clone(),
        dates: &found_dates,
        entities: found_entities.clone(),
        quotes: found_quotes.clone(),
        events: events.clone(),
        zones: data.zones,
    };
    // The stages hand their language, entities, quotes and events over to assemble: the copies for each
    // run are made outside the timing; the envelope is dropped inside it, as `iter` does.
    g.bench_function("assemble", |b| {
        b.iter_batched(parts, |p| drop(black_box(assemble::assemble(p))), BatchSize::PerIteration)
    });
    let envelope = assemble::assemble(parts());

    g.bench_function("serialize", |b| b.iter(|| serde_json::to_vec(black_box(&envelope)).unwrap()));
    g.finish();

    let pipeline = Pipeline::builtin();
    c.bench_function("normalize_and_serialize/seed", |b| {
        b.iter(|| serde_json::to_vec(&pipeline.normalize(black_box(&input)).unwrap()).unwrap())
    });
}

criterion_group!(benches, bench_stages);
criterion_main!(benches);
