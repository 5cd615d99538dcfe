//! The output types: the `wirefeed.event/1` envelope, its IPTC ninjs 3.1 `item` and its `x` extension.
//!
//! Field names follow the JSON contract (SPEC §2) exactly; `Option`s and empty vectors are left out of the
//! JSON so that `item` never carries a field ninjs does not define and never an empty array.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// The schema name every envelope carries.
pub const SCHEMA: &str = "wirefeed.event/1";

/// A text field that is mostly one of a few fixed words ("text", "main", "person", "ninjs"…): those are
/// borrowed, not allocated anew for every envelope. A deserialised envelope owns its text. Serialises as a
/// plain JSON string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Label(Cow<'static, str>);

impl Label {
    /// A label for a fixed word: no allocation.
    pub const fn fixed(text: &'static str) -> Self {
        Label(Cow::Borrowed(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Label {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&'static str> for Label {
    fn from(text: &'static str) -> Self {
        Label::fixed(text)
    }
}

impl From<String> for Label {
    fn from(text: String) -> Self {
        Label(Cow::Owned(text))
    }
}

impl PartialEq<str> for Label {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Label {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Label {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Label> for str {
    fn eq(&self, other: &Label) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Label> for &str {
    fn eq(&self, other: &Label) -> bool {
        *self == other.as_str()
    }
}

/// One normalised release, as published to the output exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Always [`SCHEMA`].
    pub schema: Label,
    /// Deterministic id: the same release gives the same id on every worker and every redelivery.
    pub id: String,
    /// The IPTC ninjs 3.1 news item.
    pub item: Item,
    /// What ninjs has no place for.
    pub x: Extension,
}

/// An IPTC ninjs 3.1 item restricted to the fields wirefeed fills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// `urn:wirefeed:<source-slug>:<native id or content hash>`.
    pub uri: String,
    /// Always "text".
    #[serde(rename = "type")]
    pub kind: Label,
    /// Version of the item; "1" for a first release.
    pub version: Label,
    /// RFC 3339 with offset.
    pub content_created: String,
    /// RFC 3339 with offset.
    pub first_created: String,
    /// RFC 3339 with offset.
    pub version_created: String,
    /// "usable".
    pub pub_status: Label,
    /// BCP 47 language tag.
    pub language: String,
    /// `[{role: "main", value}]`.
    pub headlines: Vec<Text>,
    /// `[{role: "lead", value}]`: the lead without its dateline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub descriptions: Vec<Text>,
    /// The body, paragraphs joined by a blank line.
    pub bodies: Vec<Body>,
    /// The dateline city, nominative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub located: Option<String>,
    /// The originating agency.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub info_sources: Vec<InfoSource>,
    /// People named in the release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Concept>,
    /// Organisations named in the release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organisations: Vec<Concept>,
    /// Places named in the release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Concept>,
    /// Topics.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Concept>,
    /// What happened: `{id, name, literal: CAMEO code}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<NinjsEvent>,
    /// Source id, AMQP message id, content hash.
    pub alt_ids: Vec<AltId>,
    /// `{name: "ninjs", version: "3.1"}`.
    pub standard: Standard,
}

/// A ninjs headline or description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    /// e.g. "main", "lead".
    pub role: Label,
    /// The text.
    pub value: String,
}

/// A ninjs body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Body {
    /// "main".
    pub role: Label,
    /// "text/plain".
    pub content_type: Label,
    /// The paragraphs joined by a blank line.
    pub value: String,
    /// Characters (Unicode scalar values) in `value`.
    pub char_count: u64,
    /// Whitespace-separated words in `value`.
    pub word_count: u64,
}

/// A ninjs info source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InfoSource {
    /// The agency's name as it signs.
    pub name: String,
    /// "originator".
    pub role: Label,
}

/// A ninjs person, organisation, place or subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Concept {
    /// Canonical name (nominative).
    pub name: String,
    /// Relation to the item, e.g. "mentioned", "dateline".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel: Option<Label>,
    /// Knowledge-base URI (Wikidata) where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// wirefeed's own identifier for the concept (the `x.entities` id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
}

/// A ninjs event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NinjsEvent {
    /// Stable id within the envelope.
    pub id: String,
    /// The event type, e.g. "diplomacy.talks".
    pub name: String,
    /// The CAMEO code; absent for event types CAMEO does not cover (appointments, `other`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
}

/// A ninjs alternative id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AltId {
    /// "source-id", "amqp-message-id" or "content-hash".
    pub role: Label,
    /// The id.
    pub value: String,
}

/// The ninjs standard marker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standard {
    /// "ninjs".
    pub name: Label,
    /// "3.1".
    pub version: Label,
}

impl Default for Standard {
    fn default() -> Self {
        Standard { name: Label::fixed("ninjs"), version: Label::fixed("3.1") }
    }
}

/// The `x` extension: what ninjs has no place for. Offsets count chars of the analysed text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extension {
    /// The dateline, if the release has one.
    pub dateline: Option<XDateline>,
    /// People, organisations and places with their mentions.
    pub entities: Vec<XEntity>,
    /// Direct quotes.
    pub quotes: Vec<XQuote>,
    /// What happened.
    pub events: Vec<XEvent>,
    /// Dates named in the text, resolved.
    pub dates: Vec<XDate>,
    /// How and when the release was taken in.
    pub ingest: Ingest,
    /// What was odd but not fatal.
    pub warnings: Vec<String>,
}

/// A character range in the analysed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharRange {
    /// First char (inclusive).
    pub start: usize,
    /// Last char (exclusive).
    pub end: usize,
}

/// `x.dateline`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XDateline {
    /// The dateline as written.
    pub raw: String,
    /// City, nominative.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 of the city's country.
    pub country: Option<String>,
    /// ISO date, if the dateline gives one.
    pub date: Option<String>,
    /// The agency as it signs.
    pub agency: Option<String>,
    /// First char of the dateline.
    pub start: usize,
    /// Char after the dateline.
    pub end: usize,
}

/// `x.entities[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XEntity {
    /// Id within the envelope, referenced by quotes and events.
    pub id: String,
    /// person | organisation | place.
    #[serde(rename = "type")]
    pub kind: Label,
    /// country | city | region | landmark | agency | …
    pub subtype: Option<String>,
    /// Canonical name, nominative.
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Roles as written, nominative where known.
    pub roles: Vec<String>,
    /// Wikidata QID.
    pub wikidata: Option<String>,
    /// Where the entity is named.
    pub mentions: Vec<XMention>,
}

/// One mention of an entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XMention {
    /// First char.
    pub start: usize,
    /// Char after the mention.
    pub end: usize,
    /// The mention as written.
    pub text: String,
}

/// `x.quotes[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XQuote {
    /// The quoted words, paragraphs joined by a blank line.
    pub text: String,
    /// The speaker's entity id, if resolved.
    pub speaker: Option<String>,
    /// The speaker as written.
    pub speaker_text: Option<String>,
    /// The verb of saying.
    pub verb: Option<String>,
    /// First char of the quoted words.
    pub start: usize,
    /// Char after the quoted words.
    pub end: usize,
}

/// `x.events[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XEvent {
    /// e.g. "diplomacy.talks".
    #[serde(rename = "type")]
    pub kind: String,
    /// CAMEO code.
    pub cameo: String,
    /// Who took part.
    pub actors: Vec<XActor>,
    /// Entity id of the place.
    pub place: Option<String>,
    /// ISO date.
    pub date: Option<String>,
    /// The words that triggered the event.
    pub trigger: XMention,
    /// 0–1.
    pub confidence: f32,
    /// Whether it happened, is only planned, or was called off or denied; only `happened` events are in
    /// `item.events` and make the routing key. Absent in older output: read as `happened`.
    #[serde(default)]
    pub status: EventStatus,
    /// Extra facts, e.g. `{"format": "узкий формат"}`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// `x.events[].status`: what the release says of the event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    /// It took place: the release's news.
    #[default]
    Happened,
    /// Announced, scheduled or intended ("will visit", "планирует посетить", "состоится").
    Planned,
    /// Called off, postponed, declined or denied ("не примет участия", "визит перенесен").
    Cancelled,
}

impl EventStatus {
    /// The word written in `x.events[].status` (and in an evaluation gold file).
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Happened => "happened",
            EventStatus::Planned => "planned",
            EventStatus::Cancelled => "cancelled",
        }
    }

    /// The status named by `word`, if it is one of the three.
    pub fn parse(word: &str) -> Option<Self> {
        [EventStatus::Happened, EventStatus::Planned, EventStatus::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == word)
    }
}

/// An event participant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XActor {
    /// Entity id.
    pub entity: String,
    /// source | target | participant.
    pub role: String,
}

/// `x.dates[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XDate {
    /// As written.
    pub text: String,
    /// ISO date.
    pub date: String,
    /// First char.
    pub start: usize,
    /// Char after.
    pub end: usize,
}

/// `x.ingest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ingest {
    /// RFC 3339, when wirefeed took the release in.
    pub received_at: String,
    /// The AMQP message id, if any.
    pub message_id: Option<String>,
    /// Whether the broker redelivered the message.
    pub redelivered: bool,
    /// wire | json | plain.
    pub format: Label,
    /// The charset the body was decoded from.
    pub charset: String,
    /// The version of the pipeline that produced the envelope.
    pub parser_version: Label,
    /// SHA-256 of the raw bytes, hex.
    pub raw_sha256: String,
}

impl Envelope {
    /// The ISO countries the release is about, sorted and unique: its entities' and its dateline's
    /// (the `x-wirefeed-countries` header).
    pub fn countries(&self) -> Vec<String> {
        let mut countries: Vec<String> = self
            .x
            .entities
            .iter()
            .filter_map(|e| e.country.clone())
            .chain(self.x.dateline.as_ref().and_then(|d| d.country.clone()))
            .collect();
        countries.sort();
        countries.dedup();
        countries
    }

    /// The type of the release's main event (the first that happened), `other` when there is none: what the
    /// routing key is made of. A planned or cancelled event never routes a release.
    pub fn primary_event_type(&self) -> &str {
        self.x
            .events
            .iter()
            .find(|e| e.status == EventStatus::Happened)
            .map(|e| e.kind.as_str())
            .unwrap_or("other")
    }

    /// The originating agency, if known (the `x-wirefeed-source` header).
    pub fn source(&self) -> Option<&str> {
        self.item.info_sources.first().map(|s| s.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_a_plain_json_string_and_reads_back_owned() {
        let label = Label::fixed("text");
        assert_eq!(serde_json::to_string(&label).unwrap(), "\"text\"");
        let back: Label = serde_json::from_str("\"text\"").unwrap();
        assert_eq!(back, label);
        assert_eq!(back, "text");
        assert_eq!(back.as_str(), "text");
        assert_eq!(Label::from(String::from("main")), "main");
    }
}
