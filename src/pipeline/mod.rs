//! The normalisation pipeline: raw bytes in, a `wirefeed.event/1` [`Envelope`] or a [`Rejection`] out.
//!
//! Every stage is a pure function over the decoded text (`&str` in, typed values out, no I/O), so stages are
//! fast, unit-testable and safe to run on any thread. The data the stages read (knowledge base, lexicons,
//! time zones) is loaded once into a [`Pipeline`] and shared read-only.
//!
//! Offsets inside the pipeline are byte offsets into [`parse::Release::text`] ([`Span`]); the envelope
//! converts them to char offsets at the very end ([`assemble`]).
//!
//! Order: [`decode`] → [`parse`] → [`dateline`] → [`language`] → [`dates`] → [`entities`] → [`quotes`] →
//! [`classify`] → [`assemble`].

pub mod assemble;
pub mod classify;
pub mod data;
pub mod dateline;
pub mod dates;
pub mod decode;
pub mod entities;
pub mod kb;
pub mod language;
pub mod morph;
pub mod ner;
pub mod parse;
pub mod quotes;
pub mod settings;

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, Utc};

use crate::event::Envelope;
pub use settings::{NerMode, Settings};

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

/// Everything the stages read, loaded once and shared read-only between threads.
#[derive(Debug)]
pub struct Pipeline {
    settings: Settings,
    kb: kb::KnowledgeBase,
    events: classify::EventLexicon,
    speech: quotes::SpeechLexicon,
    zones: assemble::TimeZones,
    dates: dates::DateLexicon,
    /// The statistical NER model, when `pipeline.ner = "model"`.
    ner: Option<ner::NerModel>,
    /// Test-only fault injection (see [`FAULT_INJECTION_ENV`]); always off in production.
    panic_on_marker: bool,
}

/// The environment variable that turns on test-only fault injection. It is read once, when the pipeline
/// loads. With the value `panic-on-marker`, a release whose decoded text contains [`PANIC_MARKER`] panics
/// inside a stage, so tests can prove a real panic is caught, rejected as `internal`, and leaves the worker up.
/// Unset (the default) it costs one `bool` check per message. Never set it in production.
pub const FAULT_INJECTION_ENV: &str = "WIREFEED_FAULT_INJECTION";

/// The text that makes a stage panic when [`FAULT_INJECTION_ENV`] is `panic-on-marker`.
pub const PANIC_MARKER: &str = "WIREFEED_TEST_PANIC";

impl Pipeline {
    /// Loads the data files from `settings.data_dir` (or the built-in copies) and builds the matchers.
    pub fn load(settings: &Settings) -> Result<Self, LoadError> {
        let files = data::DataFiles::new(settings.data_dir.as_deref());
        dateline::compile_shapes();
        Ok(Pipeline {
            settings: settings.clone(),
            kb: kb::KnowledgeBase::load(&files)?,
            events: classify::EventLexicon::load(&files)?,
            speech: quotes::SpeechLexicon::load(&files)?,
            zones: assemble::TimeZones::load(&files, &settings.timezone)?,
            dates: dates::DateLexicon::load(&files)?,
            ner: load_ner(settings)?,
            panic_on_marker: std::env::var(FAULT_INJECTION_ENV).is_ok_and(|v| v == "panic-on-marker"),
        })
    }

    /// The built-in data with default settings: what tests and benches use.
    pub fn builtin() -> Self {
        Self::load(&Settings::default()).expect("the built-in data files are valid")
    }

    /// The knowledge base (places, people, organisations).
    pub fn kb(&self) -> &kb::KnowledgeBase {
        &self.kb
    }

    /// The data the stages read, for running them one by one.
    pub fn stage_data(&self) -> StageData<'_> {
        StageData {
            kb: &self.kb,
            dates: &self.dates,
            speech: &self.speech,
            events: &self.events,
            zones: &self.zones,
        }
    }

    /// Normalises one release. Never panics: a panic inside a stage becomes an `internal` rejection.
    pub fn normalize(&self, input: &RawInput<'_>) -> Result<Envelope, Rejection> {
        match catch_unwind(AssertUnwindSafe(|| self.run_stages(input))) {
            Ok(result) => result,
            Err(panic) => Err(Rejection::new(
                RejectKind::Internal,
                "pipeline",
                format!(
                    "a pipeline stage panicked ({}); this is a bug, please report it",
                    panic_message(&panic)
                ),
            )),
        }
    }

    fn run_stages(&self, input: &RawInput<'_>) -> Result<Envelope, Rejection> {
        if input.body.len() > self.settings.max_body_bytes {
            return Err(Rejection::new(
                RejectKind::TooLarge,
                "decode",
                format!(
                    "the body is {} bytes, over pipeline.max_body_bytes = {}; split the release or raise the limit",
                    input.body.len(),
                    self.settings.max_body_bytes
                ),
            ));
        }
        let mut decoded = decode::decode(input.body, input.content_type)?;
        if self.panic_on_marker && decoded.text.contains(PANIC_MARKER) {
            panic!("fault injection: the release contains {PANIC_MARKER}");
        }
        let format = parse::choose_format(input.format, input.content_type, &decoded.text)?;
        // The release takes the decoded text over rather than copying it: only the charset and the warnings
        // of `decoded` are read after this.
        let release = parse::parse_owned(std::mem::take(&mut decoded.text), format)?;
        let text = release.text.as_str();
        let dateline = dateline::find(text, &release, &self.kb, &self.dates);
        let language = language::detect(text, &release, &self.settings.default_language);
        let anchor = release.declared_date.or_else(|| dateline.as_ref().and_then(|d| d.date));
        let dates = dates::find(text, &release, anchor, &self.dates);
        let candidates = self.ner.as_ref().map(|model| model.tag(text)).unwrap_or_default();
        let mut entities =
            entities::find(text, &release, dateline.as_ref(), &language, &self.kb, &candidates);
        let mut quotes = quotes::find(text, &release, &self.speech);
        entities::resolve_speakers(text, &mut quotes, &mut entities, &self.kb);
        let events = classify::classify(
            text,
            &release,
            &classify::Context {
                lexicon: &self.events,
                entities: &entities,
                quotes: &quotes,
                dates: &dates,
                dateline: dateline.as_ref(),
                anchor,
            },
        );
        Ok(assemble::assemble(assemble::Parts {
            input,
            decoded: &decoded,
            release: &release,
            dateline: dateline.as_ref(),
            language,
            dates: &dates,
            entities,
            quotes,
            events,
            zones: &self.zones,
        }))
    }
}

/// Loads the NER model named by the settings, or none in `rules` mode.
fn load_ner(settings: &Settings) -> Result<Option<ner::NerModel>, LoadError> {
    match settings.ner {
        NerMode::Rules => Ok(None),
        NerMode::Model => ner::NerModel::load(&settings.model_path()).map(Some),
    }
}

/// The loaded data each stage reads, borrowed from a [`Pipeline`], for benches and tools that run the stages
/// one by one (`benches/stages.rs`, `examples/alloc_count.rs`) on exactly the data `normalize` uses.
#[derive(Debug, Clone, Copy)]
pub struct StageData<'p> {
    /// Places, people and organisations (dateline, entities, speakers).
    pub kb: &'p kb::KnowledgeBase,
    /// Date words (dateline, dates).
    pub dates: &'p dates::DateLexicon,
    /// Speech verbs (quotes).
    pub speech: &'p quotes::SpeechLexicon,
    /// Event cues (classify).
    pub events: &'p classify::EventLexicon,
    /// Time zones (assemble).
    pub zones: &'p assemble::TimeZones,
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_stage_becomes_an_internal_rejection() {
        let mut pipeline = Pipeline::builtin();
        pipeline.panic_on_marker = true;
        let body = format!(" date 2025-08-22 Заголовок\n\nБишкек. Текст {PANIC_MARKER}.");
        let rejection = pipeline.normalize(&RawInput::from_bytes(body.as_bytes())).unwrap_err();
        assert_eq!(rejection.kind, RejectKind::Internal);
        assert!(rejection.reason.contains("fault injection"), "{}", rejection.reason);
    }

    #[test]
    fn the_marker_is_harmless_without_fault_injection() {
        let pipeline = Pipeline::builtin();
        assert!(!pipeline.panic_on_marker, "fault injection must be off unless {FAULT_INJECTION_ENV} is set");
        let body = format!(" date 2025-08-22 Заголовок\n\nБишкек. Текст {PANIC_MARKER}.");
        if let Err(r) = pipeline.normalize(&RawInput::from_bytes(body.as_bytes())) {
            assert_ne!(r.kind, RejectKind::Internal, "{}", r.reason);
        }
    }
}
