//! Scoring wirefeed on real copy (issue #13): a directory of releases, a gold file of what a reader finds in
//! each, and the measures the issue sets targets for. `wirefeed evaluate DIR --gold FILE` is the command; a
//! user points it at their own feed to see how wirefeed does on it.
//!
//! The gold file is JSON Lines, one record per release ([`gold::GoldRelease`]):
//! `{"file", "language", "format"?, "dateline": {"city", "agency", "date"} | null,
//! "people": [{"name", "aliases"?, "country"}], "quotes": [{"speaker", "starts"}],
//! "events": [{"type", "status"}], "places": [..], "note"?}`.
//!
//! Each release file may start with a line holding only its source URL (`http://…` or `https://…`): that
//! line is dropped before the release is normalised, so studied pages can be kept with their address.
//!
//! Matching rules (`matching`):
//! - dateline city, agency and date are scored per release; a gold `null` is right only when nothing was
//!   found (none = none counts). City: exact after NFC. Agency: ignoring case, quote marks, slashes and
//!   brackets. Date: ISO equality; a gold `--MM-DD` (no year in the dateline nor in the release) matches any
//!   year.
//! - people: a found person (`x.entities`, type person) is right when its name equals a gold name (or one
//!   of its `aliases`) exactly after NFC (case-sensitive, so a damaged ending is a miss). Precision over
//!   found people, recall over gold people; country is scored on the found gold people that have a gold
//!   country.
//! - quotes: a gold quote is found when its `starts` words occur in a found quote's text (NFC, lower case,
//!   quote marks dropped, white space collapsed); each found quote serves one gold quote. Its speaker is
//!   right when the quote's speaker entity (or the speaker as written) is named like the gold speaker or,
//!   when the speaker is a gold person, one of that person's aliases; a gold `null` speaker wants none.
//!   Speaker accuracy is over all gold quotes.
//! - events: (type, status) pairs, once per release, the status from `x.events[].status` (absent: happened);
//!   `other` is "no event" and not scored. Also reported with the status ignored.
//! - places: recall of gold places among found places (`x.entities`, type place), exact after NFC or
//!   another name of the same knowledge-base place ("Киргизия" found as Кыргызстан).
//! - a rejected release counts as missing everything, its dateline included.
//!
//! Totals are micro-averages over releases, overall and per gold language.

pub mod gold;
mod matching;
pub mod report;
mod scoring;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::pipeline::{Format, Pipeline, RawInput};
use gold::GoldRelease;
use report::Report;

/// Why an evaluation could not run (a bad release is scored, never an error).
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The directory could not be listed, or a file the gold names could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A gold record names a layout other than wire, json or plain.
    #[error("gold record for {file}: unknown format {format:?}; use wire, json or plain")]
    Format {
        /// The release file.
        file: String,
        /// What the record said.
        format: String,
    },
}

/// A found place matches a gold one named alike, or named by another variant of the same knowledge-base
/// place: gold keeps the name as written ("Киргизия", "Нур-Султан", "Мәскеу"), the entity its record's
/// canonical name, and linking the two is the stage's job.
fn same_place(pipeline: &Pipeline, gold: &str, found: &str) -> bool {
    let kb = pipeline.kb();
    matching::same_name(gold, found)
        || matches!((kb.place(gold), kb.place(found)), (Some(a), Some(b)) if std::ptr::eq(a, b))
}

/// Normalises every release the gold names and scores it; files in `dir` the gold does not name are listed
/// as unscored.
pub fn evaluate_dir(
    pipeline: &Pipeline,
    dir: &Path,
    gold: &[GoldRelease],
    format: Format,
) -> Result<Report, EvalError> {
    let mut report = Report::default();
    for record in gold {
        let path = dir.join(&record.file);
        let bytes = std::fs::read(&path).map_err(|source| EvalError::Io { path: path.clone(), source })?;
        let mut input = RawInput::from_bytes(strip_source_line(&bytes));
        input.format = record_format(record)?.unwrap_or(format);
        let outcome = pipeline.normalize(&input);
        let outcome = outcome.as_ref().map_err(|r| r.reason.as_str());
        let score =
            scoring::score_release_with(record, outcome, &|gold, found| same_place(pipeline, gold, found));
        report.overall.add(&score.counts);
        report.by_language.entry(record.language.clone()).or_default().add(&score.counts);
        if !score.misses.is_empty() {
            report.misses.push((record.file.clone(), score.misses));
        }
    }
    report.unscored = unscored_files(dir, gold)?;
    Ok(report)
}

fn record_format(record: &GoldRelease) -> Result<Option<Format>, EvalError> {
    let Some(name) = record.format.as_deref() else { return Ok(None) };
    match name {
        "wire" => Ok(Some(Format::Wire)),
        "json" => Ok(Some(Format::Json)),
        "plain" => Ok(Some(Format::Plain)),
        other => Err(EvalError::Format { file: record.file.clone(), format: other.to_string() }),
    }
}

/// The release without a first line that holds only an `http(s)://` address (the page it was taken from).
pub fn strip_source_line(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == b'\n').unwrap_or(bytes.len());
    let line = bytes[..end].trim_ascii();
    let is_url = (line.starts_with(b"http://") || line.starts_with(b"https://"))
        && !line.iter().any(|b| b.is_ascii_whitespace());
    if is_url {
        &bytes[(end + 1).min(bytes.len())..]
    } else {
        bytes
    }
}

/// Regular files in `dir` that no gold record names, skipping hidden files, `*.jsonl` (gold files kept
/// beside the releases) and `*.md` (notes about them).
fn unscored_files(dir: &Path, gold: &[GoldRelease]) -> Result<Vec<String>, EvalError> {
    let named: BTreeSet<&str> = gold.iter().map(|g| g.file.as_str()).collect();
    let entries =
        std::fs::read_dir(dir).map_err(|source| EvalError::Io { path: dir.to_path_buf(), source })?;
    let mut unscored = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file
            && !name.starts_with('.')
            && !name.ends_with(".jsonl")
            && !name.ends_with(".md")
            && !named.contains(name.as_str())
        {
            unscored.push(name);
        }
    }
    unscored.sort();
    Ok(unscored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_only_a_bare_url_first_line() {
        assert_eq!(strip_source_line(b"https://a.kg/x\nBody"), b"Body");
        assert_eq!(strip_source_line(b"  http://a.kg/x  \r\nBody"), b"Body");
        assert_eq!(strip_source_line(b"https://a.kg/x"), b"");
        assert_eq!(strip_source_line(b"https://a.kg/x is a page\nBody"), b"https://a.kg/x is a page\nBody");
        assert_eq!(strip_source_line(b" date 2025-01-01 Title\n"), b" date 2025-01-01 Title\n");
    }

    #[test]
    fn scores_a_directory_and_lists_unscored_files() {
        let dir = std::env::temp_dir().join(format!("wirefeed-evaluate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("a.txt"),
            "https://example.org/a\n date 2025-03-04 Заголовок\n\nМОСКВА, 4 марта. /ТАСС/. Текст релиза.\n",
        )
        .unwrap();
        std::fs::write(dir.join("b.txt"), "not in gold").unwrap();
        std::fs::write(dir.join("gold.jsonl"), "").unwrap();
        let gold = gold::parse(
            r#"{"file":"a.txt","language":"ru","dateline":{"city":"Москва","agency":"ТАСС","date":"2025-03-04"}}"#,
        )
        .unwrap();
        let report = evaluate_dir(&Pipeline::builtin(), &dir, &gold, Format::Auto).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(report.overall.releases, 1);
        assert_eq!(report.overall.rejected, 0);
        assert_eq!((report.overall.city_ok, report.overall.agency_ok, report.overall.date_ok), (1, 1, 1));
        assert_eq!(report.by_language["ru"].releases, 1);
        assert_eq!(report.unscored, vec!["b.txt".to_string()]);
    }

    #[test]
    fn an_unknown_format_in_the_gold_is_an_error() {
        let record = gold::parse(r#"{"file":"a","language":"ru","format":"xml","dateline":null}"#).unwrap();
        assert!(matches!(record_format(&record[0]), Err(EvalError::Format { .. })));
    }
}
