//! `cargo run --release --example alloc_count -- [rules|model]`: counts the heap allocations (and the bytes
//! asked for) of one `normalize` of the seed release and of one `serde_json::to_vec` of its envelope, after a
//! warm-up so that lazily built tables are not counted. Allocation counts are exact and do not depend on the
//! load of the machine, unlike timings.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use wirefeed::pipeline::stages::{
    assemble, classify, dateline, dates, decode, entities, language, parse, quotes, speakers,
};
use wirefeed::pipeline::{Format, NerMode, Pipeline, RawInput, Settings, StageData};

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
    let ner = std::env::args()
        .nth(1)
        .map_or(Ok(NerMode::Rules), |mode| mode.parse())
        .unwrap_or_else(|e| panic!("{e}"));
    let pipeline = Pipeline::load(&Settings::with_ner(ner)).expect("pipeline loads");
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
    count_stages(pipeline.stage_data(), &seed);
}

/// Prints the allocations of each stage run alone (no model spans, as in rules mode), its inputs made by the
/// stages before it, the way `benches/stages.rs` times them; each stage is run once untimed first.
fn count_stages(data: StageData<'_>, seed: &[u8]) {
    let StageData { kb, dates: lexicon, speech, events, zones } = data;
    let input = RawInput::from_bytes(seed);
    let stage = |name: &str, run: &mut dyn FnMut()| {
        run();
        let (calls, bytes, ()) = count(run);
        println!("  {name:<17} {calls:>4} allocations, {bytes:>7} bytes");
    };

    let decoded = decode::decode(seed, Some("text/plain")).expect("decodes");
    stage("decode", &mut || drop(decode::decode(seed, Some("text/plain"))));
    let format = parse::choose_format(Format::Auto, Some("text/plain"), &decoded.text).expect("format");
    let release = parse::parse(&decoded.text, format).expect("parses");
    stage("parse", &mut || {
        let format = parse::choose_format(Format::Auto, Some("text/plain"), &decoded.text).expect("format");
        drop(parse::parse(&decoded.text, format))
    });
    let text = release.text.as_str();
    let found_dateline = dateline::find(text, &release, kb, lexicon);
    stage("dateline", &mut || drop(dateline::find(text, &release, kb, lexicon)));
    let found_language = language::detect(text, &release, "ru");
    stage("language", &mut || drop(language::detect(text, &release, "ru")));
    let anchor = release.declared_date.or_else(|| found_dateline.as_ref().and_then(|d| d.date));
    let found_dates = dates::find(text, &release, anchor, lexicon);
    stage("dates", &mut || drop(dates::find(text, &release, anchor, lexicon)));
    let mut found_entities =
        entities::find(text, &release, found_dateline.as_ref(), &found_language, kb, &[]);
    stage("entities", &mut || {
        drop(entities::find(text, &release, found_dateline.as_ref(), &found_language, kb, &[]))
    });
    let mut found_quotes = quotes::find(text, &release, speech);
    stage("quotes", &mut || drop(quotes::find(text, &release, speech)));
    speakers::resolve_speakers(text, &mut found_quotes, &mut found_entities, kb);
    let ctx = classify::Context {
        lexicon: events,
        language: "ru",
        entities: &found_entities,
        quotes: &found_quotes,
        dates: &found_dates,
        dateline: found_dateline.as_ref(),
        anchor,
    };
    stage("classify", &mut || drop(classify::classify(text, &release, &ctx)));
    let found_events = classify::classify(text, &release, &ctx);
    let parts = || assemble::Parts {
        input: &input,
        decoded: &decoded,
        release: &release,
        dateline: found_dateline.as_ref(),
        language: found_language.clone(),
        dates: &found_dates,
        entities: found_entities.clone(),
        quotes: found_quotes.clone(),
        events: found_events.clone(),
        zones,
    };
    // The parts are copied outside the count: assemble takes them over from the stages before it.
    let _ = assemble::assemble(parts());
    let owned = parts();
    let (calls, bytes, _envelope) = count(|| assemble::assemble(owned));
    println!("  {:<17} {calls:>4} allocations, {bytes:>7} bytes", "assemble");
}
