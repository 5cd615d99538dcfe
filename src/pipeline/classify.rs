//! Stage 8: what happened. Event types (SPEC §3) triggered by lexicons in `data/lexicons/events.tsv`, each
//! with its CAMEO code, actors, place and date.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::data::DataFiles;
use super::dateline::Dateline;
use super::dates::DateMention;
use super::entities::Entity;
use super::parse::Release;
use super::quotes::Quote;
use super::{LoadError, Span};

/// An event the release reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// e.g. `diplomacy.talks`.
    pub kind: String,
    /// CAMEO code, e.g. `040`.
    pub cameo: String,
    /// The words that triggered it.
    pub trigger: Span,
    /// 0–1.
    pub confidence: f32,
    /// Participants: `(entity id, source | target | participant)`.
    pub actors: Vec<(String, String)>,
    /// Entity id of the place.
    pub place: Option<String>,
    /// When.
    pub date: Option<NaiveDate>,
    /// Extra facts, e.g. `format` → `узкий формат`.
    pub attributes: BTreeMap<String, String>,
}

/// Event triggers, from `data/lexicons/events.tsv`.
#[derive(Debug, Default)]
pub struct EventLexicon {}

impl EventLexicon {
    /// Loads the lexicon.
    pub fn load(_files: &DataFiles) -> Result<Self, LoadError> {
        Ok(EventLexicon {})
    }
}

/// What the classifier reads besides the text.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The triggers.
    pub lexicon: &'a EventLexicon,
    /// The entities found.
    pub entities: &'a [Entity],
    /// The quotes found.
    pub quotes: &'a [Quote],
    /// The dates found.
    pub dates: &'a [DateMention],
    /// The dateline, if any.
    pub dateline: Option<&'a Dateline>,
    /// The release date.
    pub anchor: Option<NaiveDate>,
}

/// Finds the events of a release; `other` when nothing matched.
pub fn classify(_text: &str, _release: &Release, _ctx: &Context<'_>) -> Vec<Event> {
    Vec::new()
}
