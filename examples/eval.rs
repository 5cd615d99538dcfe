//! Token-level NER evaluation on factRuEval-2016 (see `/work/shared/eval/README.md` for the convention):
//! gold PER = Person objects (first span start to last span end), ORG = `org_name` spans of Org objects,
//! LOC = `loc_name` spans of Location and LocOrg objects; predictions = the mentions of `x.entities` from
//! `Pipeline::normalize` of each `book_N.txt` as plain text; tokens = `\w+` runs and single other characters.
//!
//! Usage: `cargo run --release --example eval -- /work/shared/eval/factrueval-2016-dev [RELEASE]`: with a
//! release file as well, it also times `normalize` of that release (e.g. the seed sample).

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use wirefeed::pipeline::{Format, Pipeline, RawInput};

const TYPES: [&str; 3] = ["PER", "LOC", "ORG"];

/// Char ranges `[start, end)` per type.
type Spans = HashMap<&'static str, Vec<(usize, usize)>>;

fn tokens(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let s = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((s, i));
        } else {
            out.push((i, i + 1));
            i += 1;
        }
    }
    out
}

fn gold(dir: &Path, book: &str) -> Spans {
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{book}.{ext}"))).unwrap_or_default();
    let mut spans: HashMap<String, (String, usize, usize)> = HashMap::new();
    for line in read("spans").lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() >= 4 {
            let (start, len) = (f[2].parse().unwrap_or(0), f[3].parse().unwrap_or(0));
            spans.insert(f[0].to_string(), (f[1].to_string(), start, start + len));
        }
    }
    let mut out: Spans = HashMap::new();
    for line in read("objects").lines() {
        let line = line.split('#').next().unwrap_or("");
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 3 {
            continue;
        }
        let parts: Vec<&(String, usize, usize)> = f[2..].iter().filter_map(|id| spans.get(*id)).collect();
        match f[1] {
            "Person" => {
                if let (Some(s), Some(e)) = (parts.iter().map(|p| p.1).min(), parts.iter().map(|p| p.2).max()) {
                    out.entry("PER").or_default().push((s, e));
                }
            }
            "Org" => out.entry("ORG").or_default().extend(parts.iter().filter(|p| p.0 == "org_name").map(|p| (p.1, p.2))),
            "Location" | "LocOrg" => {
                out.entry("LOC").or_default().extend(parts.iter().filter(|p| p.0 == "loc_name").map(|p| (p.1, p.2)))
            }
            _ => {}
        }
    }
    out
}

fn predicted(pipeline: &Pipeline, text: &str) -> Spans {
    let mut out: Spans = HashMap::new();
    let input = RawInput { format: Format::Plain, ..RawInput::from_bytes(text.as_bytes()) };
    let Ok(envelope) = pipeline.normalize(&input) else { return out };
    let chars: Vec<char> = text.chars().collect();
    for e in &envelope.x.entities {
        let kind = match e.kind.as_str() {
            "person" => "PER",
            "place" => "LOC",
            "organisation" => "ORG",
            _ => continue,
        };
        for m in &e.mentions {
            let (start, end) = align(&chars, m.start, m.end, &m.text);
            out.entry(kind).or_default().push((start, end));
        }
    }
    out
}

/// The mention's offsets in the file's chars: as given when the text there matches, else the nearest
/// occurrence of the mention's text (should decoding have shifted offsets).
fn align(chars: &[char], start: usize, end: usize, text: &str) -> (usize, usize) {
    let want: Vec<char> = text.chars().collect();
    if chars.get(start..end) == Some(&want[..]) {
        return (start, end);
    }
    let n = want.len();
    (0..chars.len().saturating_sub(n) + 1)
        .filter(|&s| chars[s..s + n] == want[..])
        .min_by_key(|&s| s.abs_diff(start))
        .map(|s| (s, s + n))
        .unwrap_or((start, end))
}

/// Prints the gold spans of `ty` missed and the predicted spans not in gold (`EVAL_DEBUG=ORG`).
fn show_errors(text: &str, gold: &Spans, pred: &Spans, ty: &str) {
    let chars: Vec<char> = text.chars().collect();
    let show = |&(s, e): &(usize, usize)| chars.get(s..e).map(|c| c.iter().collect::<String>()).unwrap_or_default();
    let (g, p) = (gold.get(ty).cloned().unwrap_or_default(), pred.get(ty).cloned().unwrap_or_default());
    for span in &g {
        if !p.iter().any(|q| q.0 <= span.0 && span.1 <= q.1) {
            println!("FN {ty} {}", show(span));
        }
    }
    for span in &p {
        if !g.iter().any(|q| q.0 <= span.0 && span.1 <= q.1) {
            println!("FP {ty} {}", show(span));
        }
    }
}

fn inside(token: (usize, usize), spans: &[(usize, usize)]) -> bool {
    spans.iter().any(|&(s, e)| s <= token.0 && token.1 <= e)
}

/// Times `normalize` of one release (wire format sniffed) over 2000 runs.
fn time_release(pipeline: &Pipeline, path: &str) {
    let bytes = std::fs::read(path).expect("release file");
    let input = RawInput::from_bytes(&bytes);
    for _ in 0..200 {
        let _ = pipeline.normalize(&input);
    }
    let runs = 2000;
    let (t, cpu) = (Instant::now(), cpu_ns());
    for _ in 0..runs {
        let _ = std::hint::black_box(pipeline.normalize(&input));
    }
    let wall = t.elapsed().as_secs_f64() * 1e6 / runs as f64;
    match (cpu, cpu_ns()) {
        (Some(a), Some(b)) => println!(
            "normalize {path}: {:.1} µs CPU per release ({wall:.1} µs wall clock)",
            (b - a) as f64 / 1e3 / runs as f64
        ),
        _ => println!("normalize {path}: {wall:.1} µs per release (wall clock)"),
    }
}

/// CPU time of this thread in ns (Linux `schedstat`): on a shared machine wall-clock time overstates cost.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: eval <factrueval directory>");
    let dir = Path::new(&dir);
    let t = Instant::now();
    let pipeline = Pipeline::builtin();
    eprintln!("pipeline loaded in {:?}", t.elapsed());
    let mut books: Vec<String> = std::fs::read_dir(dir)
        .expect("readable directory")
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".txt")).map(str::to_string))
        .collect();
    books.sort();
    let mut counts: HashMap<&str, (usize, usize, usize)> = HashMap::new();
    let started = Instant::now();
    for book in &books {
        let text = std::fs::read_to_string(dir.join(format!("{book}.txt"))).expect("book text");
        let gold = gold(dir, book);
        let pred = predicted(&pipeline, &text);
        if let Ok(ty) = std::env::var("EVAL_DEBUG") {
            show_errors(&text, &gold, &pred, &ty);
        }
        for token in tokens(&text) {
            for ty in TYPES {
                let g = gold.get(ty).is_some_and(|s| inside(token, s));
                let p = pred.get(ty).is_some_and(|s| inside(token, s));
                let c = counts.entry(ty).or_default();
                match (g, p) {
                    (true, true) => c.0 += 1,
                    (false, true) => c.1 += 1,
                    (true, false) => c.2 += 1,
                    _ => {}
                }
            }
        }
    }
    let elapsed = started.elapsed();
    println!("{} documents from {} ({:.1} documents/s)", books.len(), dir.display(), books.len() as f64 / elapsed.as_secs_f64());
    println!("{:<5} {:>9} {:>9} {:>9} {:>7} {:>7} {:>7}", "type", "precision", "recall", "f1", "tp", "fp", "fn");
    for ty in TYPES {
        let (tp, fp, fneg) = counts.get(ty).copied().unwrap_or_default();
        let p = tp as f64 / (tp + fp).max(1) as f64;
        let r = tp as f64 / (tp + fneg).max(1) as f64;
        let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        println!("{ty:<5} {p:>9.3} {r:>9.3} {f:>9.3} {tp:>7} {fp:>7} {fneg:>7}");
    }
    if let Some(release) = std::env::args().nth(2) {
        time_release(&pipeline, &release);
    }
}
