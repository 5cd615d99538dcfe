//! From a merged trigger group to an event: its actors and their roles (visits, appointments, statements),
//! its place and date, and its attributes; and the `other` event of a release nothing matched.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::super::dates::DateMention;
use super::super::entities::Entity;
use super::super::text::fold::fold;
use super::super::types::{EntityKind, Span};
use super::doc::Doc;
use super::lexicon::{EventLexicon, Rule};
use super::scoring::{Group, Hit, Trigger};
use super::{
    Context, Event, APPOINTMENT, OTHER, QUOTED_STATEMENT_CONFIDENCE, STATEMENT, STATEMENT_CAMEO,
    STATEMENT_QUOTE_SHARE,
};

// From a group to an event

pub(super) fn build_event(ctx: &Context<'_>, doc: &Doc, hits: &[Hit], group: &Group<'_>) -> Event {
    let best = group.best();
    let mut sentences: Vec<usize> = Vec::new();
    for t in group.supporting() {
        if !sentences.contains(&t.hit.sentence) {
            sentences.push(t.hit.sentence);
        }
    }
    let spans: Vec<Span> = sentences.iter().map(|&i| doc.sentences[i].span).collect();
    let mut persons = persons_in(ctx.entities, &spans);
    if persons.len() < 2 {
        let headline: Vec<Span> = doc.headline_sentences().map(|i| doc.sentences[i].span).collect();
        for p in persons_in(ctx.entities, &headline) {
            if !persons.iter().any(|q| q.id == p.id) {
                persons.push(p);
            }
        }
    }
    let mut attributes = attributes_in(ctx.lexicon, hits, group.kind, &sentences);
    let actors = if group.kind == "diplomacy.visit" {
        let destination = destination(ctx.entities, doc.sentence(best.hit.sentence).span, best.hit.span);
        if let Some(d) = destination {
            attributes.insert("destination".into(), d.id.clone());
        }
        visit_roles(doc, &persons, best, destination)
    } else if group.kind == APPOINTMENT {
        appointment_roles(doc, &persons, best)
    } else if group.kind == STATEMENT {
        ranked_roles(&persons, "source", "target")
    } else {
        ranked_roles(&persons, "participant", "participant")
    };
    Event {
        kind: group.kind.to_string(),
        cameo: best.cameo.to_string(),
        trigger: best.hit.span,
        confidence: group.confidence,
        status: group.status,
        actors,
        place: city_in(ctx.entities, &spans).or_else(|| dateline_place(ctx)).map(|e| e.id.clone()),
        date: date_in(ctx.dates, &spans).or(ctx.anchor),
        attributes,
    }
}

/// The statement of a release with no other news that is mainly quoted words: a quote in its lead, or
/// quotes covering [`STATEMENT_QUOTE_SHARE`] of the body ("«…», — сообщил представитель МИД …" with no verb
/// of the statement lexicon). Its sources are the quotes' speakers; `None` when it is not such a release.
pub(super) fn quoted_statement(ctx: &Context<'_>, doc: &Doc) -> Option<Event> {
    let first = ctx.quotes.first()?;
    let lead: Vec<Span> = doc.sentences.iter().filter(|s| s.block == 1).map(|s| s.span).collect();
    let in_lead = ctx.quotes.iter().any(|q| lead.iter().any(|l| l.overlaps(q.span)));
    let quoted: usize = ctx.quotes.iter().map(|q| q.span.end.saturating_sub(q.span.start)).sum();
    let mostly_quoted = doc.body_len > 0 && quoted as f32 >= STATEMENT_QUOTE_SHARE * doc.body_len as f32;
    if !in_lead && !mostly_quoted {
        return None;
    }
    let mut actors: Vec<(String, String)> = Vec::new();
    for id in ctx.quotes.iter().filter_map(|q| q.speaker.as_ref()) {
        if !actors.iter().any(|(a, _)| a == id) {
            actors.push((id.clone(), "source".into()));
        }
    }
    Some(Event {
        kind: STATEMENT.into(),
        cameo: STATEMENT_CAMEO.into(),
        trigger: first.span,
        confidence: QUOTED_STATEMENT_CONFIDENCE,
        status: super::EventStatus::Happened,
        actors,
        place: dateline_place(ctx).map(|e| e.id.clone()),
        date: ctx.anchor,
        attributes: BTreeMap::new(),
    })
}

/// The event of a release nothing matched: the headline's people, the dateline city, the release date.
pub(super) fn other_event(ctx: &Context<'_>, doc: &Doc) -> Event {
    let headline: Vec<Span> = doc.headline_sentences().map(|i| doc.sentences[i].span).collect();
    let start = headline.first().map_or(0, |s| s.start);
    Event {
        kind: OTHER.into(),
        cameo: String::new(),
        trigger: Span::new(start, start),
        confidence: 1.0,
        status: super::EventStatus::Happened,
        actors: ranked_roles(&persons_in(ctx.entities, &headline), "participant", "participant"),
        place: dateline_place(ctx).map(|e| e.id.clone()),
        date: ctx.anchor,
        attributes: BTreeMap::new(),
    }
}

/// Person entities named in `spans`, in order of the spans, then of their first mention there.
pub(super) fn persons_in<'e>(entities: &'e [Entity], spans: &[Span]) -> Vec<&'e Entity> {
    let mut found: Vec<(usize, usize, &Entity)> = entities
        .iter()
        .filter(|e| e.kind == EntityKind::Person)
        .filter_map(|e| first_mention_in(e, spans).map(|(i, pos)| (i, pos, e)))
        .collect();
    found.sort_by_key(|(i, pos, _)| (*i, *pos));
    found.into_iter().map(|(_, _, e)| e).collect()
}

/// `(index of the first span naming the entity, where)`.
pub(super) fn first_mention_in(e: &Entity, spans: &[Span]) -> Option<(usize, usize)> {
    spans.iter().enumerate().find_map(|(i, s)| {
        e.mentions.iter().filter(|m| m.overlaps(*s)).map(|m| m.start).min().map(|pos| (i, pos))
    })
}

pub(super) fn ranked_roles(persons: &[&Entity], first: &str, rest: &str) -> Vec<(String, String)> {
    persons
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), if i == 0 { first } else { rest }.to_string()))
        .collect()
}

/// The visitor is the source, the hosts the targets. The visitor is, in order: a person from another country
/// than the destination; the person right after the trigger (`визит Токаева`); the person named last before a
/// possessive (`Жапаров провел переговоры с Токаевым в рамках его визита`); the first person.
pub(super) fn visit_roles(
    doc: &Doc,
    persons: &[&Entity],
    trigger: &Trigger<'_>,
    destination: Option<&Entity>,
) -> Vec<(String, String)> {
    let foreign = destination.and_then(|d| d.country.as_deref()).and_then(|country| {
        let visitors: Vec<&&Entity> =
            persons.iter().filter(|p| p.country.as_deref().is_some_and(|c| c != country)).collect();
        (visitors.len() == 1).then(|| visitors[0].id.clone())
    });
    let sentence = doc.sentence(trigger.hit.sentence).span;
    let visitor = foreign
        .or_else(|| named_right_after(doc, persons, trigger.hit.span.end).map(|p| p.id.clone()))
        .or_else(|| {
            has_possessive_before(doc, &trigger.hit)
                .then(|| named_last_before(persons, sentence.start, trigger.hit.span.start))
                .flatten()
                .map(|p| p.id.clone())
        })
        .or_else(|| persons.first().map(|p| p.id.clone()));
    persons
        .iter()
        .map(|p| {
            let role = if Some(&p.id) == visitor.as_ref() { "source" } else { "target" };
            (p.id.clone(), role.to_string())
        })
        .collect()
}

/// How an appointment is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Voice {
    /// `Токаев назначил X`: who is named before the verb appointed.
    Active,
    /// `X назначен`, `X was appointed`: who is named right before the verb was appointed.
    Passive,
    /// `назначение`, `appointment`: the roles are not told.
    Noun,
}

pub(super) fn voice(doc: &Doc, hit: &Hit) -> Voice {
    let word = doc.folded_word(hit.first_word);
    let previous = hit.first_word.checked_sub(1).map(|i| doc.folded_word(i));
    let ends_with = |endings: &[&str]| endings.iter().any(|e| word.ends_with(e.as_bytes()));
    if ends_with(&["ил", "ила", "или"]) {
        Voice::Active
    } else if ends_with(&["ен", "на", "ны", "ан"])
        || previous.is_some_and(|p| matches!(p, b"was" | b"were" | b"is" | b"are" | b"been" | b"be"))
    {
        Voice::Passive
    } else if ends_with(&["ed", "ts"]) {
        Voice::Active
    } else {
        Voice::Noun
    }
}

/// Active voice: who is named before the verb in its sentence is the source (appointer), everyone else the
/// target. Passive voice: the person named last before the verb is the target (appointee), everyone else
/// the source. A noun trigger tells no roles: all participants.
pub(super) fn appointment_roles(
    doc: &Doc,
    persons: &[&Entity],
    trigger: &Trigger<'_>,
) -> Vec<(String, String)> {
    let sentence = doc.sentence(trigger.hit.sentence).span;
    let before =
        |p: &Entity| p.mentions.iter().any(|m| m.start >= sentence.start && m.end <= trigger.hit.span.start);
    let role_of = |p: &Entity| match voice(doc, &trigger.hit) {
        Voice::Active if before(p) => "source",
        Voice::Active => "target",
        Voice::Passive => {
            let appointee = named_last_before(persons, sentence.start, trigger.hit.span.start);
            if appointee.is_some_and(|a| a.id == p.id) {
                "target"
            } else {
                "source"
            }
        }
        Voice::Noun => "participant",
    };
    persons.iter().map(|p| (p.id.clone(), role_of(p).to_string())).collect()
}

/// A person whose mention starts within two words after `end`.
pub(super) fn named_right_after<'e>(doc: &Doc, persons: &[&'e Entity], end: usize) -> Option<&'e Entity> {
    let next = doc.words.partition_point(|w| w.start < end);
    let window = doc.words.get(next..(next + 2).min(doc.words.len()))?;
    persons.iter().copied().find(|p| p.mentions.iter().any(|m| window.iter().any(|w| w.start == m.start)))
}

pub(super) fn named_last_before<'e>(
    persons: &[&'e Entity],
    from: usize,
    before: usize,
) -> Option<&'e Entity> {
    persons
        .iter()
        .copied()
        .filter_map(|p| {
            p.mentions
                .iter()
                .filter(|m| m.start >= from && m.end <= before)
                .map(|m| m.end)
                .max()
                .map(|e| (e, p))
        })
        .max_by_key(|(e, _)| *e)
        .map(|(_, p)| p)
}

pub(super) fn has_possessive_before(doc: &Doc, hit: &Hit) -> bool {
    let from = hit.first_word.saturating_sub(3);
    (from..hit.first_word).filter(|&i| doc.sentence_of_word[i] == hit.sentence).any(|i| {
        ["его", "ее", "их", "his", "her", "their"].iter().any(|p| p.as_bytes() == doc.folded_word(i))
    })
}

/// The first place named after the trigger in its sentence (`визита в Кыргызстан`).
pub(super) fn destination(entities: &[Entity], sentence: Span, trigger: Span) -> Option<&Entity> {
    let after = Span::new(trigger.end, sentence.end);
    entities
        .iter()
        .filter(|e| e.kind == EntityKind::Place)
        .filter_map(|e| {
            e.mentions.iter().filter(|m| after.contains(**m)).map(|m| m.start).min().map(|s| (s, e))
        })
        .min_by_key(|(s, _)| *s)
        .map(|(_, e)| e)
}

/// The first city named in the spans.
pub(super) fn city_in<'e>(entities: &'e [Entity], spans: &[Span]) -> Option<&'e Entity> {
    entities
        .iter()
        .filter(|e| e.kind == EntityKind::Place && e.subtype.as_deref() == Some("city"))
        .filter_map(|e| first_mention_in(e, spans).map(|key| (key, e)))
        .min_by_key(|(key, _)| *key)
        .map(|(_, e)| e)
}

/// The dateline city's entity: named in the dateline, or bearing the dateline city's name.
pub(super) fn dateline_place<'e>(ctx: &Context<'e>) -> Option<&'e Entity> {
    let dateline = ctx.dateline?;
    let places = || ctx.entities.iter().filter(|e| e.kind == EntityKind::Place);
    places().find(|e| e.mentions.iter().any(|m| m.overlaps(dateline.span))).or_else(|| {
        let city = fold(dateline.city.as_deref()?);
        places().find(|e| fold(&e.name) == city)
    })
}

/// The first date named in the spans (in span order).
pub(super) fn date_in(dates: &[DateMention], spans: &[Span]) -> Option<NaiveDate> {
    spans.iter().find_map(|s| dates.iter().find(|d| d.span.overlaps(*s)).map(|d| d.date))
}

/// Attributes of `kind` matched in the sentences.
pub(super) fn attributes_in(
    lex: &EventLexicon,
    hits: &[Hit],
    kind: &str,
    sentences: &[usize],
) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::new();
    for hit in hits.iter().filter(|h| sentences.contains(&h.sentence)) {
        if let Rule::Attribute { kind: k, key, value } = &lex.rules[hit.rule].0 {
            if k == kind {
                attributes.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
    }
    attributes
}
