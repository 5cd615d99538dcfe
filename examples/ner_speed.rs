//! Speed of the slovnet NER port: model load time, articles per second on one thread, peak RSS; then the
//! whole `normalize` pipeline on the same articles in both NER modes (issue #7 compares the whole pipeline in
//! model mode with natasha's NER alone, `scripts/natasha_speed.py`).
//!
//! `cargo run --release --example ner_speed -- tests/fixtures/factrueval-dev-txt [rounds]`
//! (pin to one core with `taskset -c 0` for a one-core figure).

use std::path::{Path, PathBuf};
use std::time::Instant;

use wirefeed::config::ClosedSet;
use wirefeed::pipeline::ner::NerModel;
use wirefeed::pipeline::{NerMode, Pipeline, RawInput, Settings};

/// Peak resident memory of this process in KiB (`VmHWM`), where /proc exists.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time this thread has run, in seconds (`/proc/thread-self/schedstat`, nanoseconds): unlike wall time,
/// it does not count the time other processes on a busy machine took the core away.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(stat.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

fn read_texts(dir: &Path) -> Vec<String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read_to_string(p).expect("UTF-8 text")).collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "tests/fixtures/factrueval-dev-txt".into()));
    let rounds: usize = args.next().map(|r| r.parse().expect("rounds is a number")).unwrap_or(5);
    let texts = read_texts(&dir);
    let rss_before = peak_rss_kib();

    let started = Instant::now();
    let cpu_started = cpu_seconds();
    let model = NerModel::load(&Settings::default().model_path()).expect("model loads");
    let load = started.elapsed();
    let load_cpu = cpu_seconds().zip(cpu_started).map(|(end, start)| end - start);
    let rss_loaded = peak_rss_kib();

    // one warm-up round, then timed rounds
    let spans: usize = texts.iter().map(|t| model.tag(t).len()).sum();
    let started = Instant::now();
    let cpu_started = cpu_seconds();
    for _ in 0..rounds {
        for text in &texts {
            std::hint::black_box(model.tag(text));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu_started).map(|(end, start)| end - start);
    let articles = (texts.len() * rounds) as f64;
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    println!("documents      {} ({} chars), {} rounds, {spans} spans per round", texts.len(), chars, rounds);
    let or_na = |v: Option<f64>, scale: f64| v.map_or("n/a".to_owned(), |v| format!("{:.1}", v * scale));
    println!("model load     {:.1} ms wall, {} ms CPU", load.as_secs_f64() * 1e3, or_na(load_cpu, 1e3));
    println!("articles/s     {:.1} wall, {} CPU", articles / elapsed, or_na(cpu.map(|c| 1.0 / c), articles));
    println!("ms/article     {:.3} wall", elapsed * 1e3 / articles);
    let kib = |v: Option<u64>| v.map_or("n/a".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println!(
        "peak RSS       before load {}, after load {}, end {}",
        kib(rss_before),
        kib(rss_loaded),
        kib(peak_rss_kib())
    );
    drop(model);
    for &mode in NerMode::ALL {
        let rate = normalize_rate(&texts, rounds, mode);
        println!(
            "normalize/s    {:.1} wall, {} CPU  whole pipeline, ner = {mode}",
            rate.0,
            or_na(rate.1, 1.0)
        );
    }
}

/// Articles per second (wall, CPU) of the whole pipeline in one NER mode, after a warm-up round. An article
/// the pipeline rejects still counts: it was read and judged.
fn normalize_rate(texts: &[String], rounds: usize, ner: NerMode) -> (f64, Option<f64>) {
    let pipeline = Pipeline::load(&Settings::with_ner(ner)).expect("pipeline loads");
    let run = || {
        for text in texts {
            let _ = std::hint::black_box(pipeline.normalize(&RawInput::from_bytes(text.as_bytes())));
        }
    };
    run();
    let started = Instant::now();
    let cpu_started = cpu_seconds();
    for _ in 0..rounds {
        run();
    }
    let articles = (texts.len() * rounds) as f64;
    let cpu = cpu_seconds().zip(cpu_started).map(|(end, start)| end - start);
    (articles / started.elapsed().as_secs_f64(), cpu.map(|c| articles / c))
}
