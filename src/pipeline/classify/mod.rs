//! Stage 8: what happened. Event types (SPEC §3) triggered by lexicons in `data/lexicons/events.tsv`, each
//! with its CAMEO code, actors, place and date.
//!
//! How it works:
//! 1. The headline and paragraphs are cut into sentences and case-folded words; each word looks up the
//!    patterns (stems, word forms, gaps; see the data file's header) whose first word may be it by its first
//!    two bytes, and those are checked word by word.
//! 2. Every trigger match scores `weight × position` (headline 1.0 … later paragraphs 0.7), ×0.3 in a sentence
//!    about the future or a plan ("пройдет", "will be held"), ×0.7 inside a quote; a negation right before it
//!    cancels it. Triggers "suppressed by" a type the release has are dropped (generic "обсудили" next to a
//!    phone call).
//! 3. Triggers of one type merge into one event: its confidence is the noisy-or of theirs, its trigger and
//!    CAMEO code the strongest one's. Events under 0.3 are dropped; the rest are ordered by confidence, then
//!    position: the first is the primary event (routing key `{language}.{event_type}`).
//! 4. Each trigger gets a status from the cues of `data/lexicons/event_status.tsv` (see `status.rs`):
//!    happened, planned or cancelled; one that only refers to an earlier event is dropped. Triggers merge by
//!    type and status, and what happened comes first.
//! 5. `statement` is a fallback: only when nothing else happened and the release is mainly a statement (its
//!    trigger in the headline or lead, or quotes covering 40 % of the body, or a quote in the lead with no
//!    statement verb of the lexicon). A quote later in the body is not an event: it is in `x.quotes`
//!    already, and nearly every release has one.
//! 6. With nothing that happened the release gets one `other` event first.
//!
//! Actors are the person entities named in the sentences of the event's strongest triggers (the headline's
//! when those name fewer than two); the place is a city named there, else the dateline city; the date is one
//! named there, else the release date.

use chrono::NaiveDate;
use std::collections::BTreeMap;

use super::dateline::Dateline;
use super::dates::DateMention;
use super::entities::Entity;
use super::parse::Release;
use super::quotes::Quote;
use super::types::Span;
pub use crate::event::EventStatus;
use doc::Doc;
use roles::{build_event, other_event, quoted_statement};
use scoring::{find_hits, is_mainly_statement, merge_by_kind, scored_triggers};

pub use lexicon::EventLexicon;

mod doc;
mod lexicon;
mod roles;
mod scoring;
mod status;
#[cfg(test)]
mod tests;

/// The data file of triggers.
const LEXICON: &str = "lexicons/events.tsv";
/// The data file of status cues.
const STATUS_LEXICON: &str = "lexicons/event_status.tsv";
/// The fallback event type (see the module doc).
const STATEMENT: &str = "statement";
/// Its CAMEO code (make statement), for a statement found from quotes alone.
const STATEMENT_CAMEO: &str = "010";
/// The confidence of a statement found from quotes alone: that of a statement verb of the lexicon.
const QUOTED_STATEMENT_CONFIDENCE: f32 = 0.6;
/// The event type whose roles follow the voice of its verb.
const APPOINTMENT: &str = "appointment";
/// The event type of a release nothing matched.
const OTHER: &str = "other";
/// Events weaker than this are not reported.
const MIN_CONFIDENCE: f32 = 0.3;
/// What a trigger in a sentence about the future counts for.
const FUTURE_FACTOR: f32 = 0.3;
/// What a trigger inside a quote counts for: speech reports less firmly than the agency's own words.
const QUOTE_FACTOR: f32 = 0.7;
/// Words a `..` in a pattern may skip.
const MAX_GAP: usize = 4;
/// How many words before a trigger a negation reaches.
const NEGATION_REACH: usize = 2;
/// Triggers at least this share of the strongest one's score give the event actors, place and date.
const SUPPORT_RATIO: f32 = 0.5;
/// Quotes covering this share of the body make the release a statement.
const STATEMENT_QUOTE_SHARE: f32 = 0.4;
/// The cap of a merged confidence: the classifier is never sure.
const MAX_CONFIDENCE: f32 = 0.99;

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
    /// Happened, planned or cancelled (see `data/lexicons/event_status.tsv`).
    pub status: EventStatus,
    /// Participants: `(entity id, source | target | participant)`.
    pub actors: Vec<(String, String)>,
    /// Entity id of the place.
    pub place: Option<String>,
    /// When.
    pub date: Option<NaiveDate>,
    /// Extra facts, e.g. `format` → `узкий формат`.
    pub attributes: BTreeMap<String, String>,
}

/// What the classifier reads besides the text.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The triggers.
    pub lexicon: &'a EventLexicon,
    /// The release's language code (`ru`, `en`, `ky`, `kk`): which status cues apply.
    pub language: &'a str,
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

/// Finds the events of a release, strongest first; `other` when nothing matched.
pub fn classify(text: &str, release: &Release, ctx: &Context<'_>) -> Vec<Event> {
    let doc = Doc::new(text, release);
    let hits = find_hits(ctx.lexicon, &doc);
    let triggers = scored_triggers(ctx, &doc, &hits);
    let mut groups = merge_by_kind(triggers);
    groups.retain(|g| g.confidence >= MIN_CONFIDENCE);
    drop_plans_called_off(&mut groups);
    let happened = |g: &scoring::Group<'_>| g.status == EventStatus::Happened;
    if groups.iter().any(|g| g.kind != STATEMENT && happened(g)) {
        groups.retain(|g| g.kind != STATEMENT);
    } else {
        groups.retain(|g| g.kind != STATEMENT || is_mainly_statement(&doc, ctx, g));
    }
    let mut events: Vec<Event> = groups.iter().map(|g| build_event(ctx, &doc, &hits, g)).collect();
    // What happened first, then by confidence and position: the first is the primary event.
    events.sort_by(|a, b| {
        (a.status != EventStatus::Happened)
            .cmp(&(b.status != EventStatus::Happened))
            .then(b.confidence.total_cmp(&a.confidence))
            .then(a.trigger.start.cmp(&b.trigger.start))
    });
    // Quotes make a statement only of a release with no event at all: beside a plan or a cancellation
    // they are what was said about it.
    let statement = if events.is_empty() { quoted_statement(ctx, &doc) } else { None };
    if !events.iter().any(|e| e.status == EventStatus::Happened) {
        events.insert(0, statement.unwrap_or_else(|| other_event(ctx, &doc)));
    }
    events
}

/// A planned event of a type the release also reports cancelled is that same event, called off: one
/// event, cancelled (the order of the status file: cancelled over planned).
fn drop_plans_called_off(groups: &mut Vec<scoring::Group<'_>>) {
    let cancelled: Vec<&str> =
        groups.iter().filter(|g| g.status == EventStatus::Cancelled).map(|g| g.kind).collect();
    groups.retain(|g| g.status != EventStatus::Planned || !cancelled.contains(&g.kind));
}

// ---------------------------------------------------------------------------------------------------------
