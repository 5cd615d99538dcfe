//! The real-copy fixture set (issue #13): its gold file names every fixture and only fixtures, every record
//! is well formed, and `evaluate` scores the whole set without a rejection (no release may be rejected).
//! The measures themselves are reported, not asserted: they are the baseline the pipeline work improves.

use std::collections::BTreeSet;
use std::path::Path;

use wirefeed::evaluate::{evaluate_dir, gold};
use wirefeed::pipeline::{Format, Pipeline};

const DIR: &str = "tests/fixtures/realcopy";

#[test]
fn the_gold_file_names_every_fixture_once() {
    let records = gold::load(&Path::new(DIR).join("gold.jsonl")).expect("gold file parses");
    let named: Vec<&str> = records.iter().map(|r| r.file.as_str()).collect();
    let unique: BTreeSet<&str> = named.iter().copied().collect();
    assert_eq!(named.len(), unique.len(), "a fixture is named twice");
    for file in &unique {
        assert!(Path::new(DIR).join(file).is_file(), "{file} is in the gold file but not on disk");
    }
    assert!(records.len() >= 40, "the fixture set shrank to {}", records.len());
    for lang in ["ru", "en", "ky", "kk"] {
        assert!(records.iter().any(|r| r.language == lang), "no {lang} fixture");
    }
}

#[test]
fn every_fixture_is_scored_and_none_is_rejected() {
    let records = gold::load(&Path::new(DIR).join("gold.jsonl")).unwrap();
    let report = evaluate_dir(&Pipeline::builtin(), Path::new(DIR), &records, Format::Auto).unwrap();
    assert_eq!(report.unscored, Vec::<String>::new(), "fixtures without a gold record");
    assert_eq!(report.overall.releases, records.len());
    let rejected: Vec<&(String, Vec<String>)> =
        report.misses.iter().filter(|(_, m)| m.iter().any(|m| m.starts_with("rejected"))).collect();
    assert!(rejected.is_empty(), "rejected: {rejected:?}");
}
