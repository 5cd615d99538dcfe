//! Stage 6: people, places and organisations: found, put in the nominative, linked to the knowledge base,
//! with roles; quote speakers resolved to them.

use super::dateline::Dateline;
use super::kb::KnowledgeBase;
use super::parse::Release;
use super::quotes::Quote;
use super::Span;

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

/// A person, organisation or place named in the release.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Id within the envelope (e.g. `person:1`), referenced by quotes and events.
    pub id: String,
    /// What it is.
    pub kind: EntityKind,
    /// country | city | region | landmark | agency | ministry | …
    pub subtype: Option<String>,
    /// Canonical name, nominative.
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Roles, nominative ("Президент Кыргызской Республики").
    pub roles: Vec<String>,
    /// Wikidata QID.
    pub wikidata: Option<String>,
    /// Where it is named, in text order.
    pub mentions: Vec<Span>,
}

/// Finds the entities of a release.
pub fn find(
    text: &str,
    release: &Release,
    dateline: Option<&Dateline>,
    _language: &str,
    kb: &KnowledgeBase,
) -> Vec<Entity> {
    let _ = (text, release, dateline, kb);
    Vec::new()
}

/// Sets each quote's `speaker` to the id of the entity its `speaker_text` refers to (name, surname, role
/// description, pronoun), adding mentions to that entity.
pub fn resolve_speakers(_text: &str, _quotes: &mut [Quote], _entities: &mut [Entity]) {}
