//! Counting one release's hits and misses against its gold record, and adding counts up.
//!
//! Counts, not ratios, are kept per release so that totals (overall and per language) are micro-averages:
//! a release with ten people weighs ten times one with a single person.

use std::collections::BTreeSet;

use serde::Serialize;

use super::gold::{EventStatus, GoldRelease};
use super::matching::{quote_matches, same_agency, same_date, same_name};
use crate::event::{Envelope, XEntity};

/// The type every release gets when nothing matched; it is "no event", so it is never scored.
const NO_EVENT: &str = "other";

/// Raw counts behind every measure of the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Releases scored.
    pub releases: usize,
    /// Releases the pipeline rejected.
    pub rejected: usize,
    /// Releases whose dateline city matched (none = none counts).
    pub city_ok: usize,
    /// Releases whose dateline agency matched.
    pub agency_ok: usize,
    /// Releases whose dateline date matched.
    pub date_ok: usize,
    /// People in the gold records.
    pub people_gold: usize,
    /// People the pipeline found.
    pub people_found: usize,
    /// Found people whose name is a gold name.
    pub people_matched: usize,
    /// Matched people with a gold country.
    pub country_scored: usize,
    /// Matched people whose country is the gold one.
    pub country_ok: usize,
    /// Quotes in the gold records.
    pub quotes_gold: usize,
    /// Gold quotes the pipeline found.
    pub quotes_found: usize,
    /// Gold quotes found with the right speaker.
    pub speakers_ok: usize,
    /// Gold events (type and status, each pair once per release).
    pub events_gold: usize,
    /// Events the pipeline reported (type and status, once per release; `other` not counted).
    pub events_out: usize,
    /// Reported events whose type and status are gold.
    pub events_matched: usize,
    /// Gold event types (status ignored, once per release).
    pub types_gold: usize,
    /// Reported event types (once per release).
    pub types_out: usize,
    /// Reported types that are gold types.
    pub types_matched: usize,
    /// Places in the gold records.
    pub places_gold: usize,
    /// Gold places the pipeline found.
    pub places_found: usize,
}

impl Counts {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &Counts) {
        let Counts {
            releases,
            rejected,
            city_ok,
            agency_ok,
            date_ok,
            people_gold,
            people_found,
            people_matched,
            country_scored,
            country_ok,
            quotes_gold,
            quotes_found,
            speakers_ok,
            events_gold,
            events_out,
            events_matched,
            types_gold,
            types_out,
            types_matched,
            places_gold,
            places_found,
        } = other;
        self.releases += releases;
        self.rejected += rejected;
        self.city_ok += city_ok;
        self.agency_ok += agency_ok;
        self.date_ok += date_ok;
        self.people_gold += people_gold;
        self.people_found += people_found;
        self.people_matched += people_matched;
        self.country_scored += country_scored;
        self.country_ok += country_ok;
        self.quotes_gold += quotes_gold;
        self.quotes_found += quotes_found;
        self.speakers_ok += speakers_ok;
        self.events_gold += events_gold;
        self.events_out += events_out;
        self.events_matched += events_matched;
        self.types_gold += types_gold;
        self.types_out += types_out;
        self.types_matched += types_matched;
        self.places_gold += places_gold;
        self.places_found += places_found;
    }
}

/// One release's counts and, for `--debug`, a line for each miss.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReleaseScore {
    /// The counts.
    pub counts: Counts,
    /// What went wrong, one sentence each.
    pub misses: Vec<String>,
}

/// [`score_release_with`] with places compared by name alone (what the unit tests score with).
#[cfg(test)]
pub fn score_release(gold: &GoldRelease, outcome: Result<&Envelope, &str>) -> ReleaseScore {
    score_release_with(gold, outcome, &same_name)
}

/// Scores one release: `outcome` is the envelope, or `Err(reason)` when the pipeline rejected it (then every
/// gold fact is missed, the dateline included). `same_place(gold, found)` tests a found place against a gold
/// one (the command accepts another name of the same knowledge-base place, see [`super::evaluate_dir`]).
pub fn score_release_with(
    gold: &GoldRelease,
    outcome: Result<&Envelope, &str>,
    same_place: &dyn Fn(&str, &str) -> bool,
) -> ReleaseScore {
    let mut score = ReleaseScore::default();
    score.counts.releases = 1;
    match outcome {
        Ok(envelope) => {
            score_dateline(gold, envelope, &mut score);
            score_people(gold, envelope, &mut score);
            score_quotes(gold, envelope, &mut score);
            score_events(gold, envelope, &mut score);
            score_places(gold, envelope, same_place, &mut score);
        }
        Err(reason) => score_rejected(gold, reason, &mut score),
    }
    score
}

fn score_rejected(gold: &GoldRelease, reason: &str, score: &mut ReleaseScore) {
    let c = &mut score.counts;
    c.rejected = 1;
    c.people_gold = gold.people.len();
    c.quotes_gold = gold.quotes.len();
    c.events_gold = gold_event_pairs(gold).len();
    c.types_gold = gold.events.iter().map(|e| e.kind.as_str()).collect::<BTreeSet<_>>().len();
    c.places_gold = gold.places.len();
    score.misses.push(format!("rejected: {reason}"));
}

fn score_dateline(gold: &GoldRelease, envelope: &Envelope, score: &mut ReleaseScore) {
    let found = envelope.x.dateline.as_ref();
    let want = gold.dateline.as_ref();
    let field = |want: Option<&String>, got: Option<&String>, same: fn(&str, &str) -> bool| match (want, got)
    {
        (None, None) => true,
        (Some(w), Some(g)) => same(w, g),
        _ => false,
    };
    let (want_city, want_agency, want_date) =
        want.map_or((None, None, None), |d| (d.city.as_ref(), d.agency.as_ref(), d.date.as_ref()));
    let (got_city, got_agency, got_date) =
        found.map_or((None, None, None), |d| (d.city.as_ref(), d.agency.as_ref(), d.date.as_ref()));
    let checks = [
        ("city", field(want_city, got_city, same_name), want_city, got_city),
        ("agency", field(want_agency, got_agency, same_agency), want_agency, got_agency),
        ("date", field(want_date, got_date, same_date), want_date, got_date),
    ];
    for (name, ok, want, got) in checks {
        if ok {
            match name {
                "city" => score.counts.city_ok += 1,
                "agency" => score.counts.agency_ok += 1,
                _ => score.counts.date_ok += 1,
            }
        } else {
            let raw = found.map_or(String::new(), |d| format!(" (dateline found: {:?})", d.raw));
            score.misses.push(format!("dateline {name}: want {want:?}, got {got:?}{raw}"));
        }
    }
}

fn entities_of<'e>(envelope: &'e Envelope, kind: &'e str) -> impl Iterator<Item = &'e XEntity> + 'e {
    envelope.x.entities.iter().filter(move |e| e.kind.as_str() == kind)
}

fn score_people(gold: &GoldRelease, envelope: &Envelope, score: &mut ReleaseScore) {
    let found: Vec<&XEntity> = entities_of(envelope, "person").collect();
    let c = &mut score.counts;
    c.people_gold = gold.people.len();
    c.people_found = found.len();
    for person in &gold.people {
        match found.iter().find(|e| person.names().any(|n| same_name(n, &e.name))) {
            Some(entity) => {
                c.people_matched += 1;
                if let Some(country) = &person.country {
                    c.country_scored += 1;
                    if entity.country.as_deref() == Some(country.as_str()) {
                        c.country_ok += 1;
                    } else {
                        score.misses.push(format!(
                            "country of {:?}: want {country}, got {:?}",
                            person.name, entity.country
                        ));
                    }
                }
            }
            None => score.misses.push(format!("person missed: {:?}", person.name)),
        }
    }
    for entity in found {
        if !gold.people.iter().any(|p| p.names().any(|n| same_name(n, &entity.name))) {
            score.misses.push(format!("not a gold person: {:?}", entity.name));
        }
    }
}

fn score_quotes(gold: &GoldRelease, envelope: &Envelope, score: &mut ReleaseScore) {
    let quotes = &envelope.x.quotes;
    let mut used = vec![false; quotes.len()];
    score.counts.quotes_gold = gold.quotes.len();
    for want in &gold.quotes {
        let hit = (0..quotes.len()).find(|&i| !used[i] && quote_matches(&want.starts, &quotes[i].text));
        let Some(i) = hit else {
            score.misses.push(format!("quote missed: {:?}", want.starts));
            continue;
        };
        used[i] = true;
        score.counts.quotes_found += 1;
        let quote = &quotes[i];
        let speaker_name = quote
            .speaker
            .as_ref()
            .and_then(|id| envelope.x.entities.iter().find(|e| &e.id == id))
            .map(|e| e.name.as_str());
        let right = match &want.speaker {
            None => speaker_name.is_none() && quote.speaker_text.is_none(),
            Some(name) => speaker_names(gold, name).any(|n| {
                speaker_name.is_some_and(|s| same_name(n, s))
                    || quote.speaker_text.as_deref().is_some_and(|s| same_name(n, s))
            }),
        };
        if right {
            score.counts.speakers_ok += 1;
        } else {
            score.misses.push(format!(
                "speaker of {:?}: want {:?}, got {:?} (as written {:?})",
                want.starts, want.speaker, speaker_name, quote.speaker_text
            ));
        }
    }
}

/// The gold speaker's name and, when it is a gold person, that person's aliases.
fn speaker_names<'g>(gold: &'g GoldRelease, speaker: &'g str) -> impl Iterator<Item = &'g str> + 'g {
    let person = gold.people.iter().find(|p| same_name(&p.name, speaker));
    std::iter::once(speaker).chain(person.into_iter().flat_map(|p| p.aliases.iter().map(String::as_str)))
}

fn gold_event_pairs(gold: &GoldRelease) -> BTreeSet<(String, EventStatus)> {
    gold.events.iter().map(|e| (e.kind.clone(), e.status)).collect()
}

/// The release's reported (type, status) pairs (`x.events[].status`; absent in older output, read as
/// happened).
fn found_event_pairs(envelope: &Envelope) -> BTreeSet<(String, EventStatus)> {
    envelope.x.events.iter().filter(|e| e.kind != NO_EVENT).map(|e| (e.kind.clone(), e.status)).collect()
}

fn score_events(gold: &GoldRelease, envelope: &Envelope, score: &mut ReleaseScore) {
    let want = gold_event_pairs(gold);
    let got = found_event_pairs(envelope);
    let c = &mut score.counts;
    c.events_gold = want.len();
    c.events_out = got.len();
    c.events_matched = want.intersection(&got).count();
    for (kind, status) in want.difference(&got) {
        score.misses.push(format!("event missed: {kind} ({})", status.as_str()));
    }
    for (kind, status) in got.difference(&want) {
        score.misses.push(format!("event not in gold: {kind} ({})", status.as_str()));
    }
    let want_types: BTreeSet<&str> = want.iter().map(|(k, _)| k.as_str()).collect();
    let got_types: BTreeSet<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
    c.types_gold = want_types.len();
    c.types_out = got_types.len();
    c.types_matched = want_types.intersection(&got_types).count();
}

fn score_places(
    gold: &GoldRelease,
    envelope: &Envelope,
    same_place: &dyn Fn(&str, &str) -> bool,
    score: &mut ReleaseScore,
) {
    score.counts.places_gold = gold.places.len();
    for place in &gold.places {
        if entities_of(envelope, "place").any(|e| same_place(place, &e.name)) {
            score.counts.places_found += 1;
        } else {
            score.misses.push(format!("place missed: {place:?}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gold record from JSON (written over several lines here for reading).
    fn gold(json: &str) -> GoldRelease {
        serde_json::from_str(json).unwrap()
    }

    /// An envelope made by the real pipeline from a small wire release, so the test follows the real types.
    fn envelope(text: &str) -> Envelope {
        let pipeline = crate::pipeline::Pipeline::builtin();
        pipeline.normalize(&crate::pipeline::RawInput::from_bytes(text.as_bytes())).expect("normalizes")
    }

    fn blank_envelope() -> Envelope {
        let mut e = envelope(" date 2025-08-22 Заголовок\n\nТекст без дат и имен.\n");
        e.x.dateline = None;
        e.x.entities.clear();
        e.x.quotes.clear();
        e.x.events.clear();
        e
    }

    fn person(id: &str, name: &str, country: Option<&str>) -> XEntity {
        XEntity {
            id: id.into(),
            kind: crate::event::Label::fixed("person"),
            subtype: None,
            name: name.into(),
            country: country.map(Into::into),
            roles: vec![],
            wikidata: None,
            mentions: vec![],
        }
    }

    #[test]
    fn none_for_none_dateline_counts_as_right() {
        let g = gold(r#"{"file":"a","language":"ru","dateline":null}"#);
        let s = score_release(&g, Ok(&blank_envelope()));
        assert_eq!((s.counts.city_ok, s.counts.agency_ok, s.counts.date_ok), (1, 1, 1));
        assert!(s.misses.is_empty(), "{:?}", s.misses);
    }

    #[test]
    fn a_missing_dateline_misses_all_three_fields() {
        let g = gold(
            r#"{"file":"a","language":"ru","dateline":{"city":"Бишкек","agency":"Кабар","date":"--03-15"}}"#,
        );
        let s = score_release(&g, Ok(&blank_envelope()));
        assert_eq!((s.counts.city_ok, s.counts.agency_ok, s.counts.date_ok), (0, 0, 0));
        assert_eq!(s.misses.len(), 3);
    }

    #[test]
    fn people_precision_recall_and_country_count_separately() {
        let g = gold(
            r#"{"file":"a","language":"ru","dateline":null,"people":[
                {"name":"Садыр Жапаров","country":"KG"},{"name":"Эдиль Байсалов","country":"KG"}]}"#,
        );
        let mut e = blank_envelope();
        e.x.entities = vec![
            person("p1", "Садыр Жапаров", Some("KZ")),
            person("p2", "Бүгүн", None),
            person("p3", "Эдиль Байсалова", Some("KG")),
        ];
        let c = score_release(&g, Ok(&e)).counts;
        assert_eq!((c.people_gold, c.people_found, c.people_matched), (2, 3, 1));
        assert_eq!((c.country_scored, c.country_ok), (1, 0));
    }

    #[test]
    fn an_alias_counts_as_the_gold_name() {
        let g = gold(
            r#"{"file":"a","language":"en","dateline":null,"people":[
                {"name":"Recep Tayyip Erdogan","aliases":["Recep Tayyip Erdoğan"],"country":"TR"}]}"#,
        );
        let mut e = blank_envelope();
        e.x.entities = vec![person("p1", "Recep Tayyip Erdoğan", Some("TR"))];
        e.x.quotes = vec![crate::event::XQuote {
            text: "We will continue".into(),
            speaker: Some("p1".into()),
            speaker_text: Some("Erdogan".into()),
            verb: Some("said".into()),
            start: 0,
            end: 16,
        }];
        let g = GoldRelease {
            quotes: vec![crate::evaluate::gold::GoldQuote {
                speaker: Some("Recep Tayyip Erdogan".into()),
                starts: "We will".into(),
            }],
            ..g
        };
        let s = score_release(&g, Ok(&e));
        assert_eq!((s.counts.people_matched, s.counts.country_ok, s.counts.speakers_ok), (1, 1, 1));
        assert!(s.misses.is_empty(), "{:?}", s.misses);
    }

    #[test]
    fn a_quote_is_found_once_and_its_speaker_resolved_through_the_entity() {
        let g = gold(
            r#"{"file":"a","language":"ru","dateline":null,"quotes":[
                {"speaker":"Садыр Жапаров","starts":"Мы готовы"},{"speaker":"Садыр Жапаров","starts":"Мы готовы"}]}"#,
        );
        let mut e = blank_envelope();
        e.x.entities = vec![person("p1", "Садыр Жапаров", Some("KG"))];
        e.x.quotes = vec![crate::event::XQuote {
            text: "Мы готовы к диалогу".into(),
            speaker: Some("p1".into()),
            speaker_text: Some("Жапарова".into()),
            verb: Some("сказал".into()),
            start: 0,
            end: 10,
        }];
        let s = score_release(&g, Ok(&e));
        assert_eq!((s.counts.quotes_gold, s.counts.quotes_found, s.counts.speakers_ok), (2, 1, 1));
        let quote_misses: Vec<&String> = s.misses.iter().filter(|m| m.starts_with("quote")).collect();
        assert_eq!(quote_misses, vec!["quote missed: \"Мы готовы\""]);
    }

    #[test]
    fn events_are_scored_with_their_status_and_one_without_counts_as_happened() {
        let g = gold(
            r#"{"file":"a","language":"ru","dateline":null,"events":[
                {"type":"diplomacy.visit","status":"planned"},{"type":"statement","status":"happened"}]}"#,
        );
        let e = envelope(
            " date 2025-08-22 Планы\n\nБИШКЕК, 22 авг — Sputnik. Президент заявил, что планирует посетить Москву с официальным визитом.\n",
        );
        let c = score_release(&g, Ok(&e)).counts;
        let got = found_event_pairs(&e);
        assert!(got.contains(&("diplomacy.visit".to_string(), EventStatus::Planned)), "{got:?}");
        // The planned visit matches; "заявил" in a sentence about a plan is too weak to be a statement.
        assert_eq!((c.events_gold, c.events_out, c.events_matched), (2, 1, 1), "{got:?}");
        // Output written before x.events[].status existed reads as happened.
        let mut json = serde_json::to_value(&e).unwrap();
        for ev in json["x"]["events"].as_array_mut().unwrap() {
            ev.as_object_mut().unwrap().remove("status");
        }
        let old: Envelope = serde_json::from_value(json).unwrap();
        assert!(found_event_pairs(&old).iter().all(|(_, s)| *s == EventStatus::Happened));
    }

    #[test]
    fn a_rejected_release_misses_everything() {
        let g = gold(
            r#"{"file":"a","language":"kk","dateline":{"city":"Астана","agency":null,"date":null},
                "people":[{"name":"Қасым-Жомарт Тоқаев","country":"KZ"}],"places":["Астана"],
                "events":[{"type":"diplomacy.talks","status":"happened"}]}"#,
        );
        let s = score_release(&g, Err("empty release"));
        let c = s.counts;
        assert_eq!((c.rejected, c.city_ok, c.people_gold, c.places_gold, c.events_gold), (1, 0, 1, 1, 1));
        assert_eq!(s.misses, vec!["rejected: empty release".to_string()]);
    }

    #[test]
    fn counts_add_up_field_by_field() {
        let mut total = Counts { releases: 1, people_gold: 2, ..Counts::default() };
        total.add(&Counts { releases: 1, people_gold: 3, places_found: 1, ..Counts::default() });
        assert_eq!((total.releases, total.people_gold, total.places_found), (2, 5, 1));
    }
}
