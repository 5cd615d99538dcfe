//! Token F1 of the raw slovnet NER output on factRuEval, scored as `../shared/eval/README.md` describes
//! (the convention of natasha's published comparison), with natasha's own spans beside it when given.
//!
//! `cargo run --release --example ner_eval -- /work/shared/eval/factrueval-2016-dev [natasha.jsonl]`
//!
//! Gold: PER = each Person object from its first span's start to its last span's end; ORG = `org_name` spans of
//! Org objects; LOC = `loc_name` spans of Location and LocOrg objects. Tokens: `\w+` runs and single other
//! non-space characters; a token carries a type when it lies inside a span of that type.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use wirefeed::pipeline::ner::{self, NerModel};
use wirefeed::pipeline::Settings;

const TYPES: [&str; 3] = ["PER", "LOC", "ORG"];

/// Char-offset spans per type.
type Spans = Vec<(usize, usize, &'static str)>;

fn type_index(name: &str) -> usize {
    TYPES.iter().position(|t| *t == name).expect("known type")
}

/// Gold spans of one document from its `.spans` and `.objects` files.
fn gold(base: &Path) -> Spans {
    let read = |ext: &str| std::fs::read_to_string(base.with_extension(ext)).unwrap_or_default();
    let mut spans: HashMap<String, (String, usize, usize)> = HashMap::new();
    for line in read("spans").lines() {
        let fields: Vec<&str> = line.split('#').next().unwrap_or("").split_whitespace().collect();
        if let [id, kind, start, len, ..] = fields[..] {
            let (start, len): (usize, usize) = (start.parse().unwrap(), len.parse().unwrap());
            spans.insert(id.to_owned(), (kind.to_owned(), start, start + len));
        }
    }
    let mut out = Spans::new();
    for line in read("objects").lines() {
        let fields: Vec<&str> = line.split('#').next().unwrap_or("").split_whitespace().collect();
        let [_, kind, ids @ ..] = &fields[..] else { continue };
        let members: Vec<&(String, usize, usize)> = ids.iter().filter_map(|id| spans.get(*id)).collect();
        match *kind {
            "Person" if !members.is_empty() => {
                let start = members.iter().map(|m| m.1).min().unwrap();
                let end = members.iter().map(|m| m.2).max().unwrap();
                out.push((start, end, "PER"));
            }
            "Org" => out.extend(members.iter().filter(|m| m.0 == "org_name").map(|m| (m.1, m.2, "ORG"))),
            "Location" | "LocOrg" => {
                out.extend(members.iter().filter(|m| m.0 == "loc_name").map(|m| (m.1, m.2, "LOC")))
            }
            _ => {}
        }
    }
    out
}

/// Per type: which eval tokens (char ranges) of the text it covers.
fn token_labels(tokens: &[(usize, usize)], spans: &Spans) -> Vec<[bool; 3]> {
    tokens
        .iter()
        .map(|&(s, e)| {
            let mut labels = [false; 3];
            for &(start, end, kind) in spans {
                if start <= s && e <= end {
                    labels[type_index(kind)] = true;
                }
            }
            labels
        })
        .collect()
}

/// True/false positives and false negatives per type.
#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn f1(&self) -> (f64, f64, f64) {
        let p = self.tp as f64 / (self.tp + self.fp).max(1) as f64;
        let r = self.tp as f64 / (self.tp + self.fn_).max(1) as f64;
        let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        (p, r, f)
    }
}

fn score(counts: &mut [Counts; 3], gold: &[[bool; 3]], predicted: &[[bool; 3]]) {
    for (g, p) in gold.iter().zip(predicted) {
        for t in 0..3 {
            match (g[t], p[t]) {
                (true, true) => counts[t].tp += 1,
                (false, true) => counts[t].fp += 1,
                (true, false) => counts[t].fn_ += 1,
                _ => {}
            }
        }
    }
}

/// natasha's spans per document from the parity fixture.
fn natasha_spans(path: &Path) -> HashMap<String, Spans> {
    #[derive(serde::Deserialize)]
    struct Line {
        doc: String,
        spans: Vec<(usize, usize, String)>,
    }
    let text = std::fs::read_to_string(path).expect("natasha fixture");
    text.lines()
        .map(|l| serde_json::from_str::<Line>(l).expect("fixture line"))
        .map(|l| (l.doc, l.spans.into_iter().map(|(s, e, k)| (s, e, TYPES[type_index(&k)])).collect()))
        .collect()
}

fn print_table(name: &str, counts: &[Counts; 3]) {
    print!("{name:<22}");
    for c in counts {
        let (p, r, f) = c.f1();
        print!("  {p:.3} {r:.3} {f:.3}");
    }
    println!();
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "../shared/eval/factrueval-2016-dev".into()));
    let natasha = args.next().map(|p| natasha_spans(Path::new(&p)));
    let model = NerModel::load(&Settings::default().model_path()).expect("model");
    let token_re = Regex::new(r"\w+|[^\w\s]").unwrap();

    let mut docs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("eval directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    docs.sort();
    let (mut ours, mut theirs) = ([Counts::default(); 3], [Counts::default(); 3]);
    for path in &docs {
        let text = std::fs::read_to_string(path).expect("UTF-8 document");
        let char_at: Vec<usize> = {
            // byte offset -> char offset, for every byte offset
            let mut v = vec![0; text.len() + 1];
            let mut chars = 0;
            for (i, slot) in v.iter_mut().enumerate() {
                *slot = chars;
                if i < text.len() && text.is_char_boundary(i + 1) {
                    chars += 1;
                }
            }
            v
        };
        let tokens: Vec<(usize, usize)> =
            token_re.find_iter(&text).map(|m| (char_at[m.start()], char_at[m.end()])).collect();
        let gold_labels = token_labels(&tokens, &gold(path));
        let predicted: Spans = model
            .tag(&text)
            .into_iter()
            .map(|(s, k)| (char_at[s.start], char_at[s.end], ner::label(k)))
            .collect();
        score(&mut ours, &gold_labels, &token_labels(&tokens, &predicted));
        if let Some(natasha) = &natasha {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let spans = natasha.get(&name).cloned().unwrap_or_default();
            score(&mut theirs, &gold_labels, &token_labels(&tokens, &spans));
        }
    }
    println!("{} documents; token precision / recall / F1", docs.len());
    println!("{:<22}  {:<17}  {:<17}  {:<17}", "", "PER", "LOC", "ORG");
    print_table("wirefeed slovnet port", &ours);
    if natasha.is_some() {
        print_table("natasha 1.6.0", &theirs);
    }
}
