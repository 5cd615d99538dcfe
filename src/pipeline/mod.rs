//! The normalisation pipeline: raw bytes in, a `wirefeed.event/1` [`Envelope`] or a [`Rejection`] out.
//!
//! Every stage is a pure function over the decoded text (`&str` in, typed values out, no I/O), so stages are
//! fast, unit-testable and safe to run on any thread. The data the stages read (knowledge base, lexicons,
//! time zones) is loaded once into a [`Pipeline`] and shared read-only. This file is only that orchestrator:
//! it loads the data, runs the stages in order and turns a panic into a rejection.
//!
//! Offsets inside the pipeline are byte offsets into [`stages::parse::Release::text`] ([`Span`]); the
//! envelope converts them to char offsets at the very end ([`stages::assemble`]).
//!
//! Stage order: [`decode`](stages::decode) → [`parse`](stages::parse) → [`dateline`](stages::dateline) →
//! [`language`](stages::language) → [`dates`](stages::dates) → [`entities`](stages::entities) →
//! [`quotes`](stages::quotes) → [`speakers`](stages::speakers) → [`classify`](stages::classify) →
//! [`assemble`](stages::assemble). A stage imports only from stages before it and from the floors below all
//! of them, never from this file:
//! - `types`: the vocabulary every stage shares (spans, input, rejections, load errors, entity kinds);
//! - `text`: the one toolkit of character classes, case folds, word spans, UTF-8 and byte helpers, the
//!   fast hasher;
//! - `data`: the data files, built in or from `pipeline.data_dir`;
//! - `calendar`: the month, relative-day and weekday words the dateline and the dates stage share;
//! - `morph`, then `kb` above it: Russian morphology and the knowledge base of names;
//! - [`ner`]: the statistical NER model (`pipeline.ner = "model"`), whose candidates the entity stage reads.

mod assemble;
mod calendar;
mod classify;
mod data;
mod dateline;
mod dates;
mod decode;
mod entities;
mod kb;
mod language;
mod limits;
mod morph;
pub mod ner;
mod parse;
mod quotes;
pub(crate) mod settings;
mod speakers;
mod text;
mod types;

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::event::Envelope;
pub use limits::Limits;
pub use settings::{NerMode, Settings};

pub use types::{EntityKind, Format, LoadError, RawInput, RejectKind, Rejection, Span, PARSER_VERSION};

/// For benches and tools that time the stages one by one (`benches/stages.rs`, `examples/alloc_count.rs`):
/// each stage's entry function and the types it takes and returns, under the
/// stage's name, and nothing else of the stage. [`Pipeline::normalize`] runs them in this order on the data
/// [`Pipeline::stage_data`] lends.
pub mod stages {
    /// Bytes to text: charset detection and decoding.
    pub mod decode {
        pub use crate::pipeline::decode::{decode, Decoded};
    }
    /// Text to a release: the input format, the headline, the paragraphs and the declared fields.
    pub mod parse {
        pub use crate::pipeline::parse::{choose_format, parse, Release};
    }
    /// The dateline: place and date the copy was filed from.
    pub mod dateline {
        pub use crate::pipeline::dateline::{find, Dateline};
    }
    /// The language tag of the copy.
    pub mod language {
        pub use crate::pipeline::language::detect;
    }
    /// Dates mentioned in the copy, resolved against the anchor date.
    pub mod dates {
        pub use crate::pipeline::dates::{find, DateMention};
    }
    /// People, organisations and places.
    pub mod entities {
        pub use crate::pipeline::entities::{find, find_within, Entity, Found};
    }
    /// Direct and indirect quotes.
    pub mod quotes {
        pub use crate::pipeline::quotes::{find, Quote, SpeechLexicon};
    }
    /// Who said each quote.
    pub mod speakers {
        pub use crate::pipeline::speakers::resolve_speakers;
    }
    /// The events the release reports.
    pub mod classify {
        pub use crate::pipeline::classify::{classify, Context, Event, EventLexicon};
    }
    /// The `wirefeed.event/1` envelope.
    pub mod assemble {
        pub use crate::pipeline::assemble::{assemble, Parts, TimeZones};
    }
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

    /// The knowledge base, for the evaluator (a gold place matches any name of the same record).
    pub(crate) fn kb(&self) -> &kb::KnowledgeBase {
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
        let limits = &self.settings.limits;
        let mut budget = limits::Budget::start(limits, input.body.len());
        let dateline = budget
            .allows("dateline")
            .then(|| dateline::find(text, &release, &self.kb, self.dates.words()))
            .flatten();
        let language = language::detect(text, &release, &self.settings.default_language);
        let anchor = release.declared_date.or_else(|| dateline.as_ref().and_then(|d| d.date));
        let mut dates = budget.allows("dates").then(|| dates::find(text, &release, anchor, &self.dates));
        let candidates = match &self.ner {
            Some(model) if budget.allows("ner") => model.tag(text),
            _ => Vec::new(),
        };
        let found = budget.allows("entities").then(|| {
            let bound = limits::entity_work(limits);
            entities::find_within(text, &release, dateline.as_ref(), &language, &self.kb, &candidates, bound)
        });
        let mut quotes =
            if budget.allows("quotes") { quotes::find(text, &release, &self.speech) } else { Vec::new() };
        let mut capped: Vec<String> =
            found.iter().filter(|f| f.cut).map(|_| limits::entities_cut(limits)).collect();
        let mut entities = found.map(|f| f.entities).unwrap_or_default();
        capped.extend(limits::cap_entities(&mut entities, limits));
        capped.extend(limits::cap_quotes(&mut quotes, limits));
        capped.extend(dates.as_mut().and_then(limits::drop_dates_out_of_range));
        capped.extend(dates.as_mut().and_then(|d| limits::cap_dates(d, limits)));
        let dates = dates.unwrap_or_default();
        if budget.allows("speakers") {
            speakers::resolve_speakers(text, &mut quotes, &mut entities, &self.kb);
            // A resolved speaker adds a mention to its entity: held to the per-entity cap again.
            capped.extend(limits::cap_mentions(&mut entities, limits));
        }
        let events = if budget.allows("classify") {
            classify::classify(
                text,
                &release,
                &classify::Context {
                    lexicon: &self.events,
                    language: &language,
                    entities: &entities,
                    quotes: &quotes,
                    dates: &dates,
                    dateline: dateline.as_ref(),
                    anchor,
                },
            )
        } else {
            Vec::new()
        };
        decoded.warnings.extend(capped);
        decoded.warnings.extend(budget.warning());
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
