//! Stage 2: text → a [`Release`]: headline, paragraphs and header facts, for the wire, JSON and plain layouts
//! (SPEC §1).
//!
//! - **wire**: first non-blank line `date YYYY-MM-DD <headline>` (an RFC 3339 time in place of the date is
//!   kept as the publication time), then paragraphs separated by blank lines.
//!   `\r\n`, several blank lines, leading and trailing blanks are tolerated. A text without the `date` header
//!   is parsed as plain, with a warning; an impossible header date (`2025-13-45`) is dropped, with a warning.
//! - **json**: an object with `headline` and `body` (strings, required) and optional `id`, `source`,
//!   `published` (`YYYY-MM-DD` or RFC 3339), `language`, `url`, `byline`; or `{"text": "<wire text>", …}`,
//!   parsed as wire with the other fields layered on top. For a `headline`/`body` object the analysed
//!   [`Release::text`] is the headline (whitespace runs collapsed to one space), a blank line (`"\n\n"`) and
//!   the body as sent, so that all spans index one string; offsets in the envelope count in that string.
//! - **plain**: first non-blank line is the headline, the rest the body.
//!
//! In every layout a headline over [`MAX_HEADLINE_CHARS`] is rejected: it means the release has no line
//! breaks (a whole text, or a megabyte of garbage, on one line).

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate};
use regex::Regex;
use serde_json::{Map, Value};

use super::types::{Format, RejectKind, Rejection, Span};

const STAGE: &str = "parse";

/// The longest headline accepted, in characters. Wire headlines run to 100–300; anything near this limit
/// is a whole release (or garbage) on one line.
pub const MAX_HEADLINE_CHARS: usize = 1000;

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

impl Release {
    /// A release of `text` with only its layout, headline and paragraphs known.
    fn bare(text: String, format: Format, headline: Span, paragraphs: Vec<Span>) -> Self {
        Release {
            text,
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
        }
    }
}

fn reject(reason: impl Into<String>) -> Rejection {
    Rejection::new(RejectKind::Parse, STAGE, reason)
}

/// The layout to parse `text` as: the forced one; else from the content type (`text/plain` → wire,
/// `application/json` or any `+json` type → json); else, when there is no content type or it is
/// `application/octet-stream`, sniffed (a body starting with `{`, or with `[` and then `{`, is JSON). Any other content type is
/// rejected (kind `parse`): a PNG or PDF sent to the feed is an operator's mistake worth naming.
pub fn choose_format(forced: Format, content_type: Option<&str>, text: &str) -> Result<Format, Rejection> {
    if forced != Format::Auto {
        return Ok(forced);
    }
    let media = content_type.map(media_type).unwrap_or_default();
    match media.as_str() {
        "text/plain" => Ok(Format::Wire),
        "application/json" | "text/json" => Ok(Format::Json),
        m if m.ends_with("+json") => Ok(Format::Json),
        "" | "application/octet-stream" => Ok(sniff(text)),
        other => {
            Err(reject(format!("unsupported content type {other:?}; send text/plain or application/json")))
        }
    }
}

/// The media type of a content type, lower case, without parameters (`Text/Plain; charset=utf-8` →
/// `text/plain`).
fn media_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// JSON when the text opens like JSON (`{`, or `[` and then what opens a JSON value: `{`, `[`, `]`, `"`,
/// a digit or `-`), else wire: a wire release may well open with a bracket (`[Срочно] …`).
fn sniff(text: &str) -> Format {
    let mut chars = text.trim_start().chars();
    match chars.next() {
        Some('{') => Format::Json,
        Some('[') => match chars.as_str().trim_start().chars().next() {
            Some('{' | '[' | ']' | '"' | '-' | '0'..='9') => Format::Json,
            _ => Format::Wire,
        },
        _ => Format::Wire,
    }
}

/// Parses decoded text. Rejects (kind `parse`) what is not a release: an empty text, broken JSON, a JSON
/// value that is not an object, a field of the wrong type, a missing headline.
pub fn parse(text: &str, format: Format) -> Result<Release, Rejection> {
    parse_text(Cow::Borrowed(text), format)
}

/// [`parse`] of a text the caller hands over: a wire or plain release keeps it as its text instead of
/// copying it (the pipeline has no further use for the decoded text).
pub fn parse_owned(text: String, format: Format) -> Result<Release, Rejection> {
    parse_text(Cow::Owned(text), format)
}

fn parse_text(text: Cow<'_, str>, format: Format) -> Result<Release, Rejection> {
    if text.trim().is_empty() {
        return Err(reject(
            "empty release: the body is empty or only whitespace; send a headline and a body",
        ));
    }
    let mut release = match format {
        Format::Json => parse_json(&text),
        Format::Plain => parse_plain(text.into_owned()),
        Format::Auto if sniff(&text) == Format::Json => parse_json(&text),
        Format::Wire | Format::Auto => parse_wire(text.into_owned()),
    }?;
    check_headline_length(&release)?;
    check_headline_visible(&release)?;
    let (declared, warning) = dated_in_range(release.declared_date);
    release.declared_date = declared;
    release.warnings.extend(warning);
    if let Some(warning) = truncation_warning(&release) {
        release.warnings.push(warning);
    }
    Ok(release)
}

/// Rejects a headline longer than [`MAX_HEADLINE_CHARS`]: that is a release without line breaks (a whole
/// text, or a megabyte of garbage, on one line), not a headline.
fn check_headline_length(release: &Release) -> Result<(), Rejection> {
    let headline = release.headline.of(&release.text);
    if headline.chars().nth(MAX_HEADLINE_CHARS).is_none() {
        return Ok(());
    }
    Err(reject(format!(
        "the headline is {} characters long (at most {MAX_HEADLINE_CHARS}): the release seems to have no line \
         breaks; put the headline on the first line and separate paragraphs with blank lines",
        headline.chars().count()
    )))
}

/// Rejects a headline with nothing visible in it (only spaces and zero-width characters): a release needs
/// a headline a person can see.
fn check_headline_visible(release: &Release) -> Result<(), Rejection> {
    if release.headline.of(&release.text).chars().any(|c| !is_invisible(c)) {
        return Ok(());
    }
    Err(reject(
        "the headline is only spaces and zero-width characters (U+200B…, U+2060…, U+FEFF); send a headline a \
         person can read",
    ))
}

/// Whitespace and the format characters that print as nothing: zero-width spaces and joiners, direction
/// marks and embeddings, word joiner and invisible operators, BOM, soft hyphen, Mongolian vowel separator,
/// combining grapheme joiner.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{feff}'
                | '\u{ad}'
                | '\u{180e}'
                | '\u{34f}'
        )
}

/// The years a release date may fall in: a header date outside them (`0000-01-01`, `9999-12-31`) is a
/// placeholder or a typo, and dates computed from it would be out of any calendar a reader uses.
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// `date` when its year is in [`DATE_YEARS`]; otherwise none, and a warning.
fn dated_in_range(date: Option<NaiveDate>) -> (Option<NaiveDate>, Option<String>) {
    use chrono::Datelike as _;
    match date {
        Some(d) if !DATE_YEARS.contains(&d.year()) => (
            None,
            Some(format!(
                "the release date {d} is outside the years {}–{}: ignored, the release is processed without a date",
                DATE_YEARS.start(),
                DATE_YEARS.end()
            )),
        ),
        other => (other, None),
    }
}

/// A warning when the last paragraph stops mid-sentence (on a letter, a digit, a comma…): a release cut
/// in transit. Closing punctuation, quotes and brackets count as a proper end.
fn truncation_warning(release: &Release) -> Option<String> {
    let last = release.paragraphs.last()?.of(&release.text);
    let end = last.chars().next_back()?;
    if end.is_alphanumeric() || matches!(end, ',' | ';' | ':' | '-' | '–' | '—' | '(' | '«' | '\u{fffd}')
    {
        let tail: Vec<char> = last.chars().rev().take(30).collect();
        let tail: String = tail.into_iter().rev().collect();
        Some(format!("the text ends mid-sentence (\"…{tail}\"): the release may be truncated"))
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------------------
// Lines and paragraphs

/// One line of the text: the byte range of its content without leading/trailing whitespace (and `\r`),
/// and where the next line starts.
#[derive(Debug, Clone, Copy)]
struct Line {
    content: Span,
    next: usize,
}

/// The lines of `text` from byte `from` on.
fn lines_from(text: &str, from: usize) -> impl Iterator<Item = Line> + '_ {
    let mut pos = from;
    std::iter::from_fn(move || {
        if pos >= text.len() {
            return None;
        }
        let rest = &text[pos..];
        // A line ends at "\n", "\r\n" or a lone "\r" (old Mac line ends still turn up in wire copy).
        let len = memchr::memchr2(b'\n', b'\r', rest.as_bytes()).unwrap_or(rest.len());
        let terminator = if rest.as_bytes()[len..].starts_with(b"\r\n") { 2 } else { 1 };
        let raw = &rest[..len];
        let start = pos + (raw.len() - raw.trim_start().len());
        let end = (pos + raw.trim_end().len()).max(start);
        let line = Line { content: Span::new(start, end), next: pos + len + terminator };
        pos = line.next;
        Some(line)
    })
}

/// Paragraphs from byte `from` on: runs of non-blank lines, separated by one or more blank lines.
fn paragraphs_from(text: &str, from: usize) -> Vec<Span> {
    // Room for a typical release's paragraphs (the seed has a dozen), so the list is not regrown 4 → 8 → 16.
    let mut out = Vec::with_capacity(16);
    let mut current: Option<Span> = None;
    for line in lines_from(text, from) {
        if line.content.is_empty() {
            out.extend(current.take());
        } else {
            let start = current.map_or(line.content.start, |c| c.start);
            current = Some(Span::new(start, line.content.end));
        }
    }
    out.extend(current);
    out
}

/// The first non-blank line.
fn first_line(text: &str) -> Option<Line> {
    lines_from(text, 0).find(|l| !l.content.is_empty())
}

// ---------------------------------------------------------------------------------------------------------
// Wire and plain

/// `date <token> <headline>` on a (trimmed) first line: the regex [`wire_header`] reads by hand (a regex
/// with captures cost more than the rest of the stage). Kept for the test that holds the two to the same
/// answers.
#[cfg(test)]
static WIRE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^date[ \t]+(?P<date>\S+)(?:[ \t]+(?P<headline>.*\S))?$").expect("valid header regex")
});

/// Where the date token and the headline of a wire header line are (byte ranges into the line).
#[derive(Debug, Clone, PartialEq, Eq)]
struct WireHeader {
    date: std::ops::Range<usize>,
    headline: Option<std::ops::Range<usize>>,
}

/// Reads `date <token> <headline>` the way the regex `(?i)^date[ \t]+(?P<date>\S+)(?:[ \t]+(?P<headline>.*\S))?$`
/// does: the keyword in any case, spaces or tabs, a token of non-whitespace, and optionally spaces or tabs
/// and a headline that runs to the end of the line (no line feed in it) and ends on a non-whitespace char.
fn wire_header(line: &str) -> Option<WireHeader> {
    let bytes = line.as_bytes();
    if bytes.len() < 4 || !bytes[..4].eq_ignore_ascii_case(b"date") {
        return None;
    }
    let blanks_from = |at: usize| bytes[at..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    let date_start = 4 + blanks_from(4);
    if date_start == 4 {
        return None;
    }
    let date_end = line[date_start..].find(char::is_whitespace).map_or(line.len(), |n| date_start + n);
    if date_end == date_start {
        return None;
    }
    if date_end == line.len() {
        return Some(WireHeader { date: date_start..date_end, headline: None });
    }
    // After the token: spaces or tabs, then the headline to the end of the line. Any other whitespace
    // right after the token, a line feed in the headline or a line ending in whitespace is no header.
    let headline_start = date_end + blanks_from(date_end);
    let headline = &line[headline_start..];
    let ends_on_text = headline.chars().next_back().is_some_and(|c| !c.is_whitespace());
    if headline_start == date_end || !ends_on_text || headline.contains('\n') {
        return None;
    }
    Some(WireHeader { date: date_start..date_end, headline: Some(headline_start..line.len()) })
}

/// A token that is meant as an ISO date, valid or not (`2025-13-45`).
static DATE_LIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}-\d{1,2}-\d{1,2}(?:[Tt]\S*)?$").expect("valid date regex"));

fn parse_wire(text: String) -> Result<Release, Rejection> {
    let Some(first) = first_line(&text) else {
        return Err(reject("empty release: the body has no text"));
    };
    let line = first.content.of(&text);
    let header = wire_header(line).filter(|h| DATE_LIKE.is_match(&line[h.date.clone()]));
    let Some(header) = header else {
        let mut release = parse_plain(text)?;
        release.warnings.insert(
            0,
            "no `date YYYY-MM-DD <headline>` header on the first line: parsed as plain text (first line = \
             headline), without a release date"
                .into(),
        );
        return Ok(release);
    };
    let date_token = line[header.date].to_string();
    let mut warnings = Vec::new();
    let (headline, body_from) = match header.headline {
        Some(h) => (Span::new(first.content.start + h.start, first.content.start + h.end), first.next),
        None => {
            // "date 2025-08-22" alone on its line: the next non-blank line is the headline.
            let Some(next) = lines_from(&text, first.next).find(|l| !l.content.is_empty()) else {
                return Err(reject(format!(
                    "the wire header {:?} has no headline; put the headline after the date on the first line",
                    shown(line)
                )));
            };
            warnings.push("the headline is on the line after the `date` header, not on it".to_string());
            (next.content, next.next)
        }
    };
    let paragraphs = paragraphs_from(&text, body_from);
    let mut release = Release::bare(text, Format::Wire, headline, paragraphs);
    release.warnings = warnings;
    if let Ok(date) = NaiveDate::parse_from_str(&date_token, "%Y-%m-%d") {
        release.declared_date = Some(date);
    } else if let Ok(time) = DateTime::parse_from_rfc3339(&date_token) {
        // Some feeds put the full time in the header: keep it, as JSON `published` is kept.
        release.published = Some(time);
        release.declared_date = Some(time.date_naive());
    } else {
        release.warnings.push(format!(
            "the header date {:?} is not a valid date: the release is processed without a date",
            shown(&date_token)
        ));
    }
    Ok(release)
}

/// At most 60 chars of `s`, with "…" when cut: how a reason quotes what the sender wrote (a hostile
/// header line may run to megabytes).
fn shown(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

fn parse_plain(text: String) -> Result<Release, Rejection> {
    let Some(first) = first_line(&text) else {
        return Err(reject("empty release: the body has no text"));
    };
    let paragraphs = paragraphs_from(&text, first.next);
    Ok(Release::bare(text, Format::Plain, first.content, paragraphs))
}

// ---------------------------------------------------------------------------------------------------------
// JSON

fn parse_json(text: &str) -> Result<Release, Rejection> {
    // serde_json stops at 128 levels of nesting, so a hostile 100,000-deep document is an error, not a
    // stack overflow.
    let value: Value = serde_json::from_str(text)
        .map_err(|e| reject(format!("invalid JSON: {e}; send one complete JSON object")))?;
    let Value::Object(object) = value else {
        return Err(reject(format!(
            "expected a JSON object with \"headline\" and \"body\" (or \"text\"), found {}",
            json_kind(&value)
        )));
    };
    check_json_strings(&object)?;
    if object.contains_key("text") && (object.contains_key("headline") || object.contains_key("body")) {
        return Err(reject(
            "the JSON object has \"text\" and also \"headline\" or \"body\": it is ambiguous which one is the \
             release; send either \"text\" (the wire text) or \"headline\" and \"body\"",
        ));
    }
    let mut release = match string_field(&object, "text")? {
        Some(wire) if wire.trim().is_empty() => {
            return Err(reject("empty release: the JSON \"text\" is empty; send the wire text in it"));
        }
        Some(wire) => {
            let mut release = parse_wire(wire)?;
            release.format = Format::Json;
            release
        }
        None => headline_and_body(&object)?,
    };
    release.native_id = id_field(&object)?;
    release.source = string_field(&object, "source")?;
    release.language =
        string_field(&object, "language")?.and_then(|l| well_formed_language(&l, &mut release.warnings));
    release.url = string_field(&object, "url")?;
    release.byline = string_field(&object, "byline")?;
    if let Some(published) = string_field(&object, "published")? {
        apply_published(&mut release, &published);
    }
    Ok(release)
}

/// The JSON fields that are text: held to the rule of decoded text (no NUL, at most 5% control
/// characters); the metadata fields, which end up in ids and headers, to none at all.
fn check_json_strings(object: &Map<String, Value>) -> Result<(), Rejection> {
    for (name, value) in object {
        let Value::String(s) = value else { continue };
        let result = if matches!(name.as_str(), "headline" | "body" | "text") {
            super::decode::check_is_text(s)
        } else {
            match s.chars().position(char::is_control) {
                Some(at) => Err(reject(format!(
                    "a control character (U+{:04X}) at character {at}",
                    s.chars().nth(at).map_or(0, u32::from)
                ))),
                None => Ok(()),
            }
        };
        if let Err(e) = result {
            let why = e.reason.strip_prefix("the body is not text: ").unwrap_or(&e.reason);
            return Err(reject(format!("the JSON field \"{name}\" is not text: {why}")));
        }
    }
    Ok(())
}

/// A declared language that is a well-formed BCP 47 tag (`ru`, `ky-Cyrl-KG`; `en_US` is read as
/// `en-US`); anything else (`ru.diplomacy.talks`) is dropped with a warning, and the language detected.
fn well_formed_language(declared: &str, warnings: &mut Vec<String>) -> Option<String> {
    let tag = declared.trim().replace('_', "-");
    if tag.is_empty() || oxilangtag::LanguageTag::parse(tag.as_str()).is_ok() {
        return Some(declared.to_string());
    }
    let shown: String = declared.chars().take(40).collect();
    warnings.push(format!(
        "the JSON \"language\" {shown:?} is not a BCP 47 language tag: ignored, the language is detected"
    ));
    None
}

/// `headline` + `"\n\n"` + `body` as the analysed text.
fn headline_and_body(object: &Map<String, Value>) -> Result<Release, Rejection> {
    let headline = string_field(object, "headline")?.unwrap_or_default();
    let headline = headline.split_whitespace().collect::<Vec<_>>().join(" ");
    if headline.is_empty() {
        return Err(reject("the JSON object has no \"headline\" (or it is empty); a release needs one"));
    }
    let Some(body) = string_field(object, "body")? else {
        return Err(reject("the JSON object has no \"body\"; send \"headline\" and \"body\", or \"text\""));
    };
    let text = format!("{headline}\n\n{body}");
    let headline_span = Span::new(0, headline.len());
    let paragraphs = paragraphs_from(&text, headline.len() + 2);
    let mut release = Release::bare(text, Format::Json, headline_span, paragraphs);
    if release.paragraphs.is_empty() {
        release.warnings.push("the JSON \"body\" is empty: only a headline was sent".into());
    }
    Ok(release)
}

/// `published` as a date (`2025-08-22`) or an RFC 3339 time; anything else is dropped with a warning.
fn apply_published(release: &mut Release, published: &str) {
    let in_range = |date: NaiveDate| {
        use chrono::Datelike as _;
        DATE_YEARS.contains(&date.year())
    };
    let parsed_date = DateTime::parse_from_rfc3339(published)
        .map(|t| t.date_naive())
        .or_else(|_| NaiveDate::parse_from_str(published, "%Y-%m-%d"));
    if parsed_date.is_ok_and(|d| !in_range(d)) {
        release.warnings.push(format!(
            "\"published\" {published:?} is outside the years {}–{}: ignored",
            DATE_YEARS.start(),
            DATE_YEARS.end()
        ));
        return;
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(published) {
        release.published = Some(time);
        release.declared_date = release.declared_date.or(Some(time.date_naive()));
    } else if let Ok(date) = NaiveDate::parse_from_str(published, "%Y-%m-%d") {
        release.declared_date = release.declared_date.or(Some(date));
    } else {
        release.warnings.push(format!(
            "\"published\" {published:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 time: ignored"
        ));
    }
}

/// An optional string field: absent or `null` → `None`; any other type is a rejection naming the field.
fn string_field(object: &Map<String, Value>, name: &str) -> Result<Option<String>, Rejection> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(name, "a string", other)),
    }
}

/// `id` may be a string or an integer (some feeds number their releases).
fn id_field(object: &Map<String, Value>) -> Result<Option<String>, Rejection> {
    match object.get("id") {
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
        Some(Value::Number(n)) => Err(wrong_type("id", "a string or an integer", &Value::Number(n.clone()))),
        _ => Ok(string_field(object, "id")?.filter(|s| !s.trim().is_empty())),
    }
}

fn wrong_type(name: &str, expected: &str, found: &Value) -> Rejection {
    reject(format!("the JSON field \"{name}\" must be {expected}, found {}", json_kind(found)))
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> String {
        let path = format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"));
        String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
    }

    fn paragraphs(r: &Release) -> Vec<&str> {
        r.paragraphs.iter().map(|p| p.of(&r.text)).collect()
    }

    #[test]
    fn a_text_handed_over_parses_as_the_same_text_lent() {
        let texts = [
            sample("sayasat-2025-08-22.txt"),
            "Заголовок\n\nТекст.".to_string(),
            r#"{"headline": "H", "body": "B."}"#.to_string(),
            "   ".to_string(),
        ];
        for text in texts {
            for format in [Format::Auto, Format::Wire, Format::Plain, Format::Json] {
                let lent = parse(&text, format).map_err(|r| r.to_string());
                let owned = parse_owned(text.clone(), format).map_err(|r| r.to_string());
                assert_eq!(lent, owned, "{format:?} {text:?}");
            }
        }
    }

    fn reason(result: Result<Release, Rejection>) -> String {
        let err = result.unwrap_err();
        assert_eq!((err.kind, err.stage), (RejectKind::Parse, "parse"));
        err.reason
    }

    /// What the header regex captures of `line`, as byte ranges.
    fn header_by_regex(line: &str) -> Option<WireHeader> {
        let caps = WIRE_HEADER.captures(line)?;
        Some(WireHeader {
            date: caps.name("date")?.range(),
            headline: caps.name("headline").map(|h| h.range()),
        })
    }

    #[test]
    fn the_hand_read_header_agrees_with_the_regex() {
        for line in [
            "date 2025-08-22 Заголовок новости",
            "DaTe\t2025-08-22\t \tTitle  words",
            "date 2025-08-22",
            "date  2025-08-22 ",
            "date 2025-08-22\u{a0}Title",
            "date\u{a0}2025-08-22 Title",
            "date2025-08-22 Title",
            "dates 2025-08-22 Title",
            "date 2025-08-22 Title\nmore",
            "date 2025-08-22 Title\u{3000}",
            "date 2025-08-22 \u{a0}Title",
            "date 2025-08-22T10:00:00+06:00 Заголовок",
            "dat",
            "",
            "date ",
            "date \t",
            " date 2025-08-22 Title",
            "ｄate 2025 x",
        ] {
            assert_eq!(wire_header(line), header_by_regex(line), "{line:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_hand_read_header_agrees_with_the_regex_on_any_line(
            rest in "[ \t\u{a0}\u{2009}a-zЯ0-9\n-]{0,12}",
            keyword in proptest::sample::select(vec!["date", "DATE", "Date", "dat", "date2"]),
        ) {
            let line = format!("{keyword}{rest}");
            proptest::prop_assert_eq!(wire_header(&line), header_by_regex(&line));
        }
    }

    #[test]
    fn wire_header_headline_and_paragraphs() {
        let r = parse(" date 2025-08-22 Заголовок новости \n\nПервый абзац.\n\nВторой абзац.", Format::Wire)
            .unwrap();
        assert_eq!(r.format, Format::Wire);
        assert_eq!(r.headline.of(&r.text), "Заголовок новости");
        assert_eq!(r.declared_date, NaiveDate::from_ymd_opt(2025, 8, 22));
        assert_eq!(paragraphs(&r), ["Первый абзац.", "Второй абзац."]);
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn wire_tolerates_crlf_many_blank_lines_and_trailing_spaces() {
        let text = "\r\n  \r\ndate 2025-03-04   Title  \r\n\r\n\r\n  \r\nOne   \r\nstill one\r\n \r\n\r\nTwo \r\n\r\n";
        let r = parse(text, Format::Wire).unwrap();
        assert_eq!(r.headline.of(&r.text), "Title");
        assert_eq!(paragraphs(&r), ["One   \r\nstill one", "Two"]);
    }

    #[test]
    fn wire_tolerates_old_mac_line_ends() {
        let r = parse("date 2025-03-04 Title\r\rOne\rstill one\r\rTwo", Format::Wire).unwrap();
        assert_eq!(r.headline.of(&r.text), "Title");
        assert_eq!(paragraphs(&r), ["One\rstill one", "Two"]);
    }

    #[test]
    fn every_wire_sample_has_a_headline_date_and_paragraphs() {
        for (name, date, headline_start, count) in [
            ("sayasat-2025-08-22.txt", "2025-08-22", "Президент Садыр Жапаров", 9),
            ("sputnik-style-2025-03-14.txt", "2025-03-14", "Жээнбеков и Мирзиёев", 0),
            ("kabar-style-en-2025-06-23.txt", "2025-06-23", "Kyrgyzstan and Tajikistan", 4),
            ("tass-style-2025-03-04.txt", "2025-03-04", "Лавров и Кулубаев", 0),
            ("kazinform-style-2025-05-20.txt", "2025-05-20", "Токаев назначил", 0),
            ("24kg-style-2022-01-10.txt", "2022-01-10", "В Бишкеке прошла", 0),
            ("no-dateline-2025-08-23.txt", "2025-08-23", "В Чолпон-Ате", 2),
        ] {
            let r = parse(&sample(name), Format::Wire).unwrap();
            assert_eq!(r.declared_date.unwrap().to_string(), date, "{name}");
            assert!(r.headline.of(&r.text).starts_with(headline_start), "{name}");
            assert!(!r.paragraphs.is_empty(), "{name}");
            if count > 0 {
                assert_eq!(r.paragraphs.len(), count, "{name}");
            }
            assert!(r.warnings.is_empty(), "{name}: {:?}", r.warnings);
        }
    }

    #[test]
    fn seed_first_paragraph_is_the_dateline_and_lead() {
        let r = parse(&sample("sayasat-2025-08-22.txt"), Format::Wire).unwrap();
        assert!(paragraphs(&r)[0].starts_with("Бишкек, \"САЯСАТ.KG\". Обсужден"));
        assert!(paragraphs(&r)[8].ends_with('.'), "the last paragraph has no final newline");
    }

    #[test]
    fn text_without_header_is_plain_with_a_warning() {
        let r = parse("Headline only\nBody line\n\nSecond.", Format::Wire).unwrap();
        assert_eq!(r.format, Format::Plain);
        assert_eq!(r.headline.of(&r.text), "Headline only");
        assert_eq!(paragraphs(&r), ["Body line", "Second."]);
        assert_eq!(r.declared_date, None);
        assert!(r.warnings[0].contains("no `date YYYY-MM-DD"), "{:?}", r.warnings);
    }

    #[test]
    fn plain_layout_takes_the_first_line_as_headline() {
        let r = parse("\n  Title here\n\nBody.\n", Format::Plain).unwrap();
        assert_eq!(r.headline.of(&r.text), "Title here");
        assert_eq!(paragraphs(&r), ["Body."]);
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn impossible_header_date_is_dropped_with_a_warning() {
        let r = parse(&sample("bad/impossible-date.txt"), Format::Wire).unwrap();
        assert_eq!(r.declared_date, None);
        assert_eq!(r.headline.of(&r.text), "Дата не существует");
        assert_eq!(paragraphs(&r), ["Текст."]);
        assert!(r.warnings.iter().any(|w| w.contains("2025-13-45")), "{:?}", r.warnings);
    }

    #[test]
    fn a_text_cut_mid_sentence_gets_a_warning() {
        let r = parse(&sample("bad/cut-utf8.txt"), Format::Wire).unwrap();
        assert!(
            r.warnings.iter().any(|w| w.contains("ends mid-sentence") && w.contains("и каз\"")),
            "{:?}",
            r.warnings
        );
        let r = parse("date 2025-08-22 H\n\nText ends «quoted».", Format::Wire).unwrap();
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let r = parse("date 2025-08-22 H\n\nCut here \u{fffd}", Format::Wire).unwrap();
        assert!(r.warnings[0].contains("may be truncated"));
    }

    #[test]
    fn a_header_with_a_full_time_keeps_it() {
        let r = parse("date 2025-08-22T14:05:00+06:00 Title\n\nText.", Format::Wire).unwrap();
        assert_eq!(r.headline.of(&r.text), "Title");
        assert_eq!(r.published.unwrap().to_rfc3339(), "2025-08-22T14:05:00+06:00");
        assert_eq!(r.declared_date, NaiveDate::from_ymd_opt(2025, 8, 22));
        let r = parse("date 2025-08-22T99 Title\n\nText.", Format::Wire).unwrap();
        assert_eq!((r.declared_date, r.published), (None, None));
        assert!(r.warnings[0].contains("2025-08-22T99"));
    }

    #[test]
    fn a_megabyte_on_one_line_is_rejected() {
        let line = "слово ".repeat(170_000);
        for text in [
            line.clone(),
            format!("date 2025-08-22 {line}"),
            format!("{{\"headline\": \"{line}\", \"body\": \"B\"}}"),
        ] {
            let why = reason(parse(&text, Format::Auto));
            assert!(why.starts_with("the headline is 10199"), "{why}");
            assert!(why.contains("characters long (at most 1000)"), "{why}");
        }
        let long_ok = "x".repeat(MAX_HEADLINE_CHARS);
        assert!(parse(&format!("date 2025-08-22 {long_ok}\n\nBody."), Format::Wire).is_ok());
        assert!(parse(&format!("date 2025-08-22 {long_ok}x\n\nBody."), Format::Wire).is_err());
    }

    #[test]
    fn header_without_headline_takes_the_next_line() {
        let r = parse("date 2025-08-22\nThe headline\n\nText.", Format::Wire).unwrap();
        assert_eq!(r.headline.of(&r.text), "The headline");
        assert_eq!(paragraphs(&r), ["Text."]);
        assert_eq!(r.declared_date, NaiveDate::from_ymd_opt(2025, 8, 22));
        assert!(r.warnings[0].contains("line after the `date` header"), "{:?}", r.warnings);
        assert!(reason(parse("date 2025-08-22\n\n  \n", Format::Wire)).contains("no headline"));
    }

    #[test]
    fn empty_and_whitespace_only_are_rejected() {
        for text in [sample("bad/empty.txt"), sample("bad/whitespace-only.txt"), " \r\n\t\n".into()] {
            for format in [Format::Wire, Format::Json, Format::Plain, Format::Auto] {
                assert!(reason(parse(&text, format)).starts_with("empty release"));
            }
        }
    }

    #[test]
    fn json_release_sample() {
        let r = parse(&sample("release.json"), Format::Json).unwrap();
        assert_eq!(r.format, Format::Json);
        assert_eq!(r.native_id.as_deref(), Some("akp-2025-08-22-0117"));
        assert_eq!(r.source.as_deref(), Some("AKIpress"));
        assert_eq!(r.language.as_deref(), Some("ru"));
        assert_eq!(r.url.as_deref(), Some("https://example.org/akipress/0117"));
        assert_eq!(r.published.unwrap().to_rfc3339(), "2025-08-22T14:05:00+06:00");
        assert_eq!(r.declared_date, NaiveDate::from_ymd_opt(2025, 8, 22));
        let headline = r.headline.of(&r.text);
        assert!(headline.starts_with("Жапаров и Токаев подписали"));
        assert!(r.text.starts_with(&format!("{headline}\n\nБИШКЕК, 22 авг")));
        assert_eq!(r.paragraphs.len(), 2);
        assert!(paragraphs(&r)[0].starts_with("БИШКЕК, 22 авг — AKIpress."));
        assert!(paragraphs(&r)[1].starts_with("«Это историческое решение"));
    }

    #[test]
    fn json_with_embedded_wire_text_layers_the_fields() {
        let json = r#"{"text": "date 2025-03-04 Title\n\nBody one.\n\nBody two.", "id": 17, "source": "X",
                       "published": "2025-03-05", "byline": "A. Author"}"#;
        let r = parse(json, Format::Json).unwrap();
        assert_eq!(r.format, Format::Json);
        assert_eq!(r.headline.of(&r.text), "Title");
        assert_eq!(paragraphs(&r), ["Body one.", "Body two."]);
        assert_eq!(r.native_id.as_deref(), Some("17"));
        assert_eq!(r.byline.as_deref(), Some("A. Author"));
        assert_eq!(r.declared_date, NaiveDate::from_ymd_opt(2025, 3, 4), "the wire header wins");
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let cut = parse(r#"{"text": "date 2025-03-04 Title\n\nCut mid"}"#, Format::Json).unwrap();
        assert_eq!(cut.warnings.len(), 1, "one truncation warning, not two: {:?}", cut.warnings);
        assert!(reason(parse(r#"{"text": " \n "}"#, Format::Json)).starts_with("empty release"));
    }

    #[test]
    fn json_published_date_only_and_invalid() {
        let r = parse(r#"{"headline": "H", "body": "B", "published": "2025-08-22"}"#, Format::Json).unwrap();
        assert_eq!((r.declared_date, r.published), (NaiveDate::from_ymd_opt(2025, 8, 22), None));
        let r = parse(r#"{"headline": "H", "body": "B", "published": "yesterday"}"#, Format::Json).unwrap();
        assert_eq!(r.declared_date, None);
        assert!(r.warnings[0].contains("yesterday"));
    }

    #[test]
    fn json_headline_whitespace_is_collapsed_and_spans_index_the_joined_text() {
        let r = parse(r#"{"headline": " Two\nlines ", "body": "P1\n\n\nP2"}"#, Format::Json).unwrap();
        assert_eq!(r.text, "Two lines\n\nP1\n\n\nP2");
        assert_eq!(r.headline, Span::new(0, 9));
        assert_eq!(r.paragraphs, vec![Span::new(11, 13), Span::new(16, 18)]);
    }

    #[test]
    fn truncated_json_names_the_error_and_position() {
        let why = reason(parse(&sample("bad/truncated.json"), Format::Auto));
        assert!(why.starts_with("invalid JSON: EOF while parsing"), "{why}");
        assert!(why.contains("line 1 column"), "{why}");
    }

    #[test]
    fn json_that_is_not_an_object_is_rejected() {
        assert!(reason(parse("[1, 2]", Format::Json)).contains("expected a JSON object"));
        assert!(reason(parse("[1, 2]", Format::Json)).contains("an array"));
        assert!(reason(parse("42", Format::Json)).contains("found a number"));
        assert!(reason(parse("\"text\"", Format::Json)).contains("found a string"));
    }

    #[test]
    fn json_nested_100000_deep_is_rejected_without_overflowing_the_stack() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(reason(parse(&deep, Format::Json)).contains("recursion limit"));
        let deep_obj = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
        assert!(reason(parse(&deep_obj, Format::Json)).contains("recursion limit"));
    }

    #[test]
    fn json_fields_of_the_wrong_type_are_named() {
        let why = reason(parse(r#"{"headline": 5, "body": "B"}"#, Format::Json));
        assert!(why.contains("\"headline\" must be a string, found a number"), "{why}");
        let why = reason(parse(r#"{"headline": "H", "body": ["B"]}"#, Format::Json));
        assert!(why.contains("\"body\" must be a string, found an array"), "{why}");
        let why = reason(parse(r#"{"headline": "H", "body": "B", "language": true}"#, Format::Json));
        assert!(why.contains("\"language\""), "{why}");
        let why = reason(parse(r#"{"headline": "H", "body": "B", "id": 1.5}"#, Format::Json));
        assert!(why.contains("\"id\""), "{why}");
    }

    #[test]
    fn json_without_headline_or_body_is_rejected() {
        assert!(reason(parse(r#"{"body": "B"}"#, Format::Json)).contains("no \"headline\""));
        assert!(reason(parse(r#"{"headline": "  ", "body": "B"}"#, Format::Json)).contains("no \"headline\""));
        assert!(reason(parse(r#"{"headline": "H"}"#, Format::Json)).contains("no \"body\""));
    }

    #[test]
    fn null_optional_fields_are_absent() {
        let r = parse(r#"{"headline": "H", "body": "B", "id": null, "url": null}"#, Format::Json).unwrap();
        assert_eq!((r.native_id, r.url), (None, None));
    }

    #[test]
    fn format_from_content_type_forced_or_sniffed() {
        let wire = "date 2025-08-22 H\n\nB";
        assert_eq!(choose_format(Format::Plain, Some("application/json"), wire), Ok(Format::Plain));
        assert_eq!(choose_format(Format::Auto, Some("text/plain; charset=utf-8"), wire), Ok(Format::Wire));
        assert_eq!(choose_format(Format::Auto, Some("Application/JSON"), "{}"), Ok(Format::Json));
        assert_eq!(choose_format(Format::Auto, Some("application/vnd.x+json"), "{}"), Ok(Format::Json));
        assert_eq!(choose_format(Format::Auto, None, "  {\"a\": 1}"), Ok(Format::Json));
        assert_eq!(choose_format(Format::Auto, None, "[1]"), Ok(Format::Json));
        assert_eq!(choose_format(Format::Auto, None, "[ {\"a\": 1}]"), Ok(Format::Json));
        assert_eq!(choose_format(Format::Auto, None, "[Срочно] Заголовок\n\nТекст."), Ok(Format::Wire));
        assert_eq!(choose_format(Format::Auto, Some("application/octet-stream"), wire), Ok(Format::Wire));
        assert_eq!(choose_format(Format::Auto, None, wire), Ok(Format::Wire));
    }

    #[test]
    fn unsupported_content_types_are_rejected() {
        for ct in ["image/png", "application/pdf", "text/html; charset=utf-8"] {
            let err = choose_format(Format::Auto, Some(ct), "x").unwrap_err();
            assert_eq!(err.kind, RejectKind::Parse);
            assert!(err.reason.starts_with("unsupported content type"), "{}", err.reason);
            assert!(err.reason.contains(ct.split(';').next().unwrap()), "{}", err.reason);
            assert!(err.reason.contains("text/plain or application/json"));
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_is_rejected_with_a_reason(text in "\\PC{0,200}|[{}\\[\\]\":, a-z0-9]{0,80}") {
            for format in [Format::Auto, Format::Wire, Format::Json, Format::Plain] {
                match parse(&text, format) {
                    Ok(r) => {
                        proptest::prop_assert!(r.text.get(r.headline.start..r.headline.end).is_some());
                        proptest::prop_assert!(!r.headline.is_empty());
                        for p in &r.paragraphs {
                            proptest::prop_assert!(r.text.get(p.start..p.end).is_some());
                        }
                    }
                    Err(e) => proptest::prop_assert!(e.kind == RejectKind::Parse && !e.reason.is_empty()),
                }
            }
        }
    }

    #[test]
    fn spans_are_on_char_boundaries_for_any_cut_of_a_sample() {
        let seed = sample("sayasat-2025-08-22.txt");
        for (cut, _) in seed.char_indices().step_by(97) {
            let Ok(r) = parse(&seed[..cut], Format::Auto) else { continue };
            for span in std::iter::once(r.headline).chain(r.paragraphs.iter().copied()) {
                assert!(r.text.get(span.start..span.end).is_some());
                assert!(!span.is_empty());
            }
        }
    }

    #[test]
    fn control_characters_in_json_strings_are_held_to_the_text_rule() {
        let why = reason(parse(
            r#"{"headline": "H", "body": "A long enough body\u0000 of text, with one NUL in it."}"#,
            Format::Json,
        ));
        assert!(why.contains("\"body\" is not text") && why.contains("NUL"), "{why}");
        let why = reason(parse(r#"{"headline": "\u001b[31mH", "body": "Body."}"#, Format::Json));
        assert!(why.contains("\"headline\" is not text"), "{why}");
        let why = reason(parse(r#"{"headline": "H", "body": "B.", "source": "A\u001bB"}"#, Format::Json));
        assert!(why.contains("\"source\"") && why.contains("U+001B"), "{why}");
        assert!(parse(r#"{"headline": "H", "body": "Line one.\tTabbed.\nLine two."}"#, Format::Json).is_ok());
    }

    #[test]
    fn text_beside_headline_or_body_is_ambiguous() {
        let why = reason(parse(r#"{"text": "date 2025-03-04 T\n\nB.", "headline": "H"}"#, Format::Json));
        assert!(why.contains("ambiguous"), "{why}");
        let why = reason(parse(r#"{"text": "date 2025-03-04 T\n\nB.", "body": "B2"}"#, Format::Json));
        assert!(why.contains("ambiguous"), "{why}");
    }

    #[test]
    fn a_language_that_is_not_bcp_47_is_dropped_with_a_warning() {
        let r = parse(r#"{"headline": "H", "body": "B.", "language": "ru.diplomacy.talks"}"#, Format::Json)
            .unwrap();
        assert_eq!(r.language, None);
        assert!(r.warnings.iter().any(|w| w.contains("not a BCP 47")), "{:?}", r.warnings);
        for tag in ["ru", "ky-Cyrl-KG", "en_US", "kk"] {
            let json = format!(r#"{{"headline": "H", "body": "B.", "language": "{tag}"}}"#);
            assert_eq!(parse(&json, Format::Json).unwrap().language.as_deref(), Some(tag));
        }
    }

    #[test]
    fn a_headline_of_zero_width_characters_is_rejected() {
        let why = reason(parse(" date 2025-08-22 \u{200b}\u{200b}\u{2060}\n\nBody.", Format::Wire));
        assert!(why.contains("zero-width"), "{why}");
        let why = reason(parse(r#"{"headline": "\u200b\u200c", "body": "Body."}"#, Format::Json));
        assert!(why.contains("zero-width"), "{why}");
        assert!(parse(" date 2025-08-22 :-) **\n\nBody.", Format::Wire).is_ok(), "punctuation is visible");
    }

    #[test]
    fn release_dates_outside_1900_to_2100_are_dropped_with_a_warning() {
        for header in ["0000-01-01", "9999-12-31", "1899-12-31"] {
            let r = parse(&format!(" date {header} Заголовок\n\nТекст."), Format::Wire).unwrap();
            assert_eq!(r.declared_date, None, "{header}");
            assert!(r.warnings.iter().any(|w| w.contains("outside the years 1900–2100")), "{:?}", r.warnings);
        }
        let r = parse(" date 2100-12-31 Заголовок\n\nТекст.", Format::Wire).unwrap();
        assert!(r.declared_date.is_some());
        let r =
            parse(r#"{"headline": "H", "body": "B.", "published": "9999-01-01T00:00:00Z"}"#, Format::Json)
                .unwrap();
        assert_eq!((r.declared_date, r.published), (None, None));
    }
}
