//! `cargo run --release --example hostile -- [BYTES] [rules|model]`: the cost of every hostile release shape
//! of issue 14 against ordinary copy of the same size — the README's "Hostile input" table. Each shape is
//! normalised once by a freshly loaded pipeline (cold word caches: a hostile release of distinct words
//! finds none of them cached in a running worker either), three times over, and the fastest of the three
//! is reported with its ratio to `ordinary`.

#[path = "../tests/support/hostile.rs"]
mod hostile;

use std::time::{Duration, Instant};

use wirefeed::pipeline::{NerMode, Pipeline, RawInput, Settings};

fn main() {
    let mut args = std::env::args().skip(1);
    let bytes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1 << 20);
    let ner = args.next().unwrap_or_else(|| "rules".into());
    let mode: NerMode = ner.parse().unwrap_or_else(|e| panic!("{e}"));
    let settings = Settings::with_ner(mode);
    println!("| shape | size | ner | time | ratio | outcome |");
    println!("|---|---|---|---|---|---|");
    let mut ordinary = None;
    for shape in hostile::SHAPES {
        let body = hostile::release(shape, bytes);
        let (best, outcome) = fastest_of_three(&settings, &body);
        let base = *ordinary.get_or_insert(best);
        println!(
            "| {shape} | {} KiB | {ner} | {:.3} s | {:.2} | {outcome} |",
            body.len() / 1024,
            best.as_secs_f64(),
            best.as_secs_f64() / base.as_secs_f64()
        );
    }
}

fn fastest_of_three(settings: &Settings, body: &[u8]) -> (Duration, String) {
    let mut best = Duration::MAX;
    let mut outcome = String::new();
    for _ in 0..3 {
        let pipeline = Pipeline::load(settings).expect("pipeline");
        let started = Instant::now();
        let result = pipeline.normalize(&RawInput::from_bytes(body));
        best = best.min(started.elapsed());
        outcome = match result {
            Ok(env) => {
                let json = serde_json::to_vec(&env).map(|v| v.len()).unwrap_or(0);
                format!(
                    "event {} KiB, {} entities, {} quotes, {} dates, {} warnings",
                    json / 1024,
                    env.x.entities.len(),
                    env.x.quotes.len(),
                    env.x.dates.len(),
                    env.x.warnings.len()
                )
            }
            Err(r) => {
                format!("rejected {}: {}", r.kind.as_str(), r.reason.chars().take(80).collect::<String>())
            }
        };
    }
    (best, outcome)
}
