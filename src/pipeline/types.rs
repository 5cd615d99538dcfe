//! The vocabulary every stage shares: byte spans, the input a release arrives as, why one is rejected, why
//! the data failed to load, and the kinds of entity that both the NER model and the entity stage speak of.
//!
//! It sits below every stage so that a stage names these types without importing the orchestrator
//! ([`super::Pipeline`]) or a stage that runs after it.

use chrono::{DateTime, Utc};

/// The version of the pipeline, written into every envelope's `x.ingest.parser_version`.
pub const PARSER_VERSION: &str = concat!("wirefeed-", env!("CARGO_PKG_VERSION"));

/// A byte range `[start, end)` into the analysed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// Byte after the last.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (bytes).
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The text the span covers.
    pub fn of<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }

    /// Whether the span covers nothing.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Whether `other` lies inside this span.
    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// Whether the two spans share at least one byte.
    pub fn overlaps(&self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// How the body of a message is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Decide from the content type, else sniff.
    #[default]
    Auto,
    /// The wire text layout (`date YYYY-MM-DD headline`, blank line, paragraphs).
    Wire,
    /// A JSON object with `headline` and `body` (or `text`).
    Json,
    /// First line headline, the rest body, no header.
    Plain,
}

impl Format {
    /// The name used in `x.ingest.format`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Wire => "wire",
            Format::Json => "json",
            Format::Plain => "plain",
        }
    }
}

/// One raw release as it arrives, with what the transport knows about it.
#[derive(Debug, Clone)]
pub struct RawInput<'a> {
    /// The message body.
    pub body: &'a [u8],
    /// The AMQP `content_type` (may carry `charset=`).
    pub content_type: Option<&'a str>,
    /// The AMQP `message_id`.
    pub message_id: Option<&'a str>,
    /// Forced format (CLI `--format`); `Auto` decides from the content type.
    pub format: Format,
    /// When the release was taken in.
    pub received_at: DateTime<Utc>,
    /// Whether the broker redelivered it.
    pub redelivered: bool,
}

impl<'a> RawInput<'a> {
    /// An input with no transport metadata, received now.
    pub fn from_bytes(body: &'a [u8]) -> Self {
        RawInput {
            body,
            content_type: None,
            message_id: None,
            format: Format::Auto,
            received_at: Utc::now(),
            redelivered: false,
        }
    }
}

/// Why a release was rejected; the `x-wirefeed-error-kind` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectKind {
    /// The bytes are not text in any charset we read.
    Decode,
    /// The text is not a release (empty, broken JSON, no headline…).
    Parse,
    /// The body is larger than `pipeline.max_body_bytes`.
    TooLarge,
    /// The broker could not route the event.
    Unroutable,
    /// A bug: a stage panicked.
    Internal,
}

impl RejectKind {
    /// The header value.
    pub fn as_str(&self) -> &'static str {
        match self {
            RejectKind::Decode => "decode",
            RejectKind::Parse => "parse",
            RejectKind::TooLarge => "too_large",
            RejectKind::Unroutable => "unroutable",
            RejectKind::Internal => "internal",
        }
    }
}

/// A permanent failure: the release goes to the rejected queue with this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at {stage}: {reason}", kind = .kind.as_str())]
pub struct Rejection {
    /// What kind of failure.
    pub kind: RejectKind,
    /// The stage that failed (`x-wirefeed-stage`).
    pub stage: &'static str,
    /// A sentence a person can act on.
    pub reason: String,
}

impl Rejection {
    /// A rejection of `kind` at `stage`.
    pub fn new(kind: RejectKind, stage: &'static str, reason: impl Into<String>) -> Self {
        Rejection { kind, stage, reason: reason.into() }
    }
}

/// An error loading the pipeline's data files.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A data file could not be read.
    #[error("cannot read data file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A data file has a bad line.
    #[error("{path}:{line}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A data file is missing.
    #[error("data file {0} not found (neither in pipeline.data_dir nor built in)")]
    Missing(String),
}

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKind {
    /// A person.
    Person,
    /// An organisation.
    Organisation,
    /// A place.
    Place,
}

impl EntityKind {
    /// The `x.entities[].type` value.
    pub fn as_str(&self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organisation => "organisation",
            EntityKind::Place => "place",
        }
    }
}
