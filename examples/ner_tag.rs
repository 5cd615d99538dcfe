//! Print the NER model's output for every `*.txt` of a directory, one JSON line per file in the format of
//! `scripts/natasha_reference.py`, so the two can be compared with `diff` on any texts:
//!
//! `cargo run --release --example ner_tag -- DIR [--words] > ours.jsonl` (`--words`: add the token texts)
//! `python3 scripts/natasha_reference.py DIR > natasha.jsonl && diff ours.jsonl natasha.jsonl`

use std::path::PathBuf;

use wirefeed::pipeline::ner::{self, NerModel};
use wirefeed::pipeline::Settings;

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: ner_tag DIR [--words]"));
    let with_words = std::env::args().any(|a| a == "--words");
    let model = NerModel::load(&Settings::default().model_path()).expect("model");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("readable directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("UTF-8 text");
        let tagged = model.tag_tokens(&text);
        let tags: String = tagged.iter().map(|t| ner::tag_code(&model.tag_names()[t.tag])).collect();
        let chars = |byte: usize| text[..byte].chars().count();
        let spans: Vec<(usize, usize, &str)> = model
            .spans(&tagged)
            .into_iter()
            .map(|(s, k)| (chars(s.start), chars(s.end), ner::label(k)))
            .collect();
        let record = serde_json::json!({
            "doc": path.file_name().unwrap().to_string_lossy(),
            "tokens": tagged.len(),
            "tags": tags,
            "spans": spans,
        });
        let mut record = record;
        if with_words {
            let words: Vec<&str> = tagged.iter().map(|t| t.span.of(&text)).collect();
            record["words"] = serde_json::json!(words);
        }
        println!("{record}");
    }
}
