//! The gold file: what a person read in each release, one JSON object a line (JSON Lines).
//!
//! It exists so that the facts a reader expects (dateline, people, quotes, events, places) are written once,
//! beside the releases, in a form a user can write for their own feed without touching the code. The format
//! is documented in the README ("Real copy") and in [`super`].

use std::path::Path;

use serde::{Deserialize, Serialize};

/// One release's expected facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldRelease {
    /// The release's file name inside the evaluated directory.
    pub file: String,
    /// `ru`, `en`, `ky`, `kk`: the language the breakdown files the release under.
    pub language: String,
    /// `wire`, `json` or `plain` to force the input layout of this file; else the command's `--format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The dateline, or `null` when the release has none.
    pub dateline: Option<GoldDateline>,
    /// The people named, in the nominative.
    #[serde(default)]
    pub people: Vec<GoldPerson>,
    /// The quotes, each by its first words.
    #[serde(default)]
    pub quotes: Vec<GoldQuote>,
    /// The events the release reports, with their status.
    #[serde(default)]
    pub events: Vec<GoldEvent>,
    /// The places named, in the nominative.
    #[serde(default)]
    pub places: Vec<String>,
    /// Free text for the person keeping the file (why a value is what it is); not scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The dateline as the agency wrote it, city in the nominative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldDateline {
    /// The city as the agency wrote it (Нур-Султан stays Нур-Султан), nominative; `null` if none.
    pub city: Option<String>,
    /// The agency as written in the dateline; `null` if the dateline names none.
    pub agency: Option<String>,
    /// `YYYY-MM-DD`; `--MM-DD` when the dateline gives no year and the release no date; `null` if no date.
    pub date: Option<String>,
}

/// A person the release names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldPerson {
    /// Full name in the nominative, as the release spells it.
    pub name: String,
    /// Other spellings that count as the same name, e.g. the knowledge base's canonical one
    /// (Erdogan → Erdoğan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// ISO 3166-1 alpha-2 of the country the person acts for; `null` if none applies.
    pub country: Option<String>,
}

impl GoldPerson {
    /// The name and its aliases.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// A quote the release carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldQuote {
    /// Who said it: a person's nominative name or an organisation's name; `null` if nobody is named.
    pub speaker: Option<String>,
    /// The first words of the quoted text, enough to tell it from the release's other quotes.
    pub starts: String,
}

/// An event the release reports.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldEvent {
    /// A wirefeed event type (SPEC §3), e.g. `diplomacy.visit`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether it happened, is only planned, or was called off or denied.
    pub status: EventStatus,
}

/// The status of an event: the one `x.events[].status` carries.
pub use crate::event::EventStatus;

/// Why a gold file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GoldError {
    /// The file could not be opened or read.
    #[error("cannot read the gold file {path}: {source}")]
    Io {
        /// The gold file.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A line is not a gold record.
    #[error("gold file {path}, line {line}: {message}")]
    Line {
        /// The gold file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The JSON error, with its column.
        message: String,
    },
}

/// Reads a gold file: one [`GoldRelease`] a line; blank lines and lines starting with `#` are skipped.
pub fn load(path: &Path) -> Result<Vec<GoldRelease>, GoldError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| GoldError::Io { path: path.display().to_string(), source })?;
    parse(&text).map_err(|(line, message)| GoldError::Line {
        path: path.display().to_string(),
        line,
        message,
    })
}

/// Parses gold text; on error the 1-based line and the JSON error.
pub fn parse(text: &str) -> Result<Vec<GoldRelease>, (usize, String)> {
    let mut releases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let release: GoldRelease = serde_json::from_str(line).map_err(|e| (i + 1, e.to_string()))?;
        releases.push(release);
    }
    Ok(releases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_record_with_defaults_and_skips_comments() {
        let text = "# comment\n\n{\"file\":\"a.txt\",\"language\":\"ru\",\"dateline\":null}\n";
        let gold = parse(text).unwrap();
        assert_eq!(gold.len(), 1);
        assert_eq!(gold[0].file, "a.txt");
        assert!(gold[0].people.is_empty() && gold[0].events.is_empty() && gold[0].dateline.is_none());
    }

    #[test]
    fn names_the_line_of_a_bad_record() {
        let text = "{\"file\":\"a.txt\",\"language\":\"ru\",\"dateline\":null}\n{\"file\":1}\n";
        let (line, message) = parse(text).unwrap_err();
        assert_eq!(line, 2);
        assert!(message.contains("invalid type"), "{message}");
    }

    #[test]
    fn rejects_an_unknown_status_and_unknown_fields() {
        let bad_status = r#"{"file":"a","language":"ru","dateline":null,"events":[{"type":"statement","status":"maybe"}]}"#;
        assert!(parse(bad_status).is_err());
        let unknown = r#"{"file":"a","language":"ru","dateline":null,"peoples":[]}"#;
        assert!(parse(unknown).is_err());
    }
}
