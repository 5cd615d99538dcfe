//! `cargo run --release --example golden -- [rules|model] [DIR…] > out.jsonl`: normalises every file of the
//! given directories (default: `samples`, `samples/bad`, `tests/fixtures/factrueval-dev-txt`,
//! `tests/fixtures/ner-edge-cases`) with a fixed receipt time and prints one JSON line per file: the envelope
//! or the rejection.
//!
//! Speed work must not change what the pipeline finds: run it before and after a change and `diff` the two
//! outputs. Any difference is either a bug or a behaviour change to explain in the commit.

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use wirefeed::pipeline::{Format, NerMode, Pipeline, RawInput, Settings};

const DEFAULT_DIRS: &[&str] =
    &["samples", "samples/bad", "tests/fixtures/factrueval-dev-txt", "tests/fixtures/ner-edge-cases"];

fn main() {
    let mut args = std::env::args().skip(1);
    let ner = args.next().map_or(Ok(NerMode::Rules), |mode| mode.parse()).unwrap_or_else(|e| panic!("{e}"));
    let mut dirs: Vec<PathBuf> = args.map(PathBuf::from).collect();
    if dirs.is_empty() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        dirs = DEFAULT_DIRS.iter().map(|d| root.join(d)).collect();
    }
    let pipeline = Pipeline::load(&Settings::with_ner(ner)).expect("pipeline loads");
    for path in files_of(&dirs) {
        let body = std::fs::read(&path).expect("readable file");
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let input = RawInput {
            body: &body,
            content_type: None,
            message_id: Some(&name),
            format: Format::Auto,
            received_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid instant"),
            redelivered: false,
        };
        let line = match pipeline.normalize(&input) {
            Ok(envelope) => serde_json::json!({ "file": name, "event": envelope }),
            Err(r) => {
                serde_json::json!({ "file": name, "rejected": { "kind": r.kind.as_str(), "stage": r.stage, "reason": r.reason } })
            }
        };
        println!("{line}");
    }
}

/// The regular files of the directories, sorted by path (so two runs print in the same order).
fn files_of(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display())))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "LICENSE" && n != "README.md"))
        .collect();
    files.sort();
    files
}
