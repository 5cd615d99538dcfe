//! Stage 8: quote speakers. Each quote's speaker phrase (a name, a surname, a role description, a pronoun)
//! is resolved to a person entity, whose mentions it joins. Runs after quotes, since it needs both the
//! quotes and the entities.

use super::entities::Entity;
use super::kb::KnowledgeBase;
use super::morph;
use super::quotes::Quote;
use super::types::{EntityKind, Span};

/// Sets each quote's `speaker` to the id of the entity its `speaker_span` refers to (name, surname, role
/// description, pronoun), adding mentions to that entity.
pub fn resolve_speakers(text: &str, quotes: &mut [Quote], entities: &mut [Entity], kb: &KnowledgeBase) {
    // The speaker of the quote before: "he" or "the president" in a later attribution most often goes on
    // with the speaker already quoted rather than the last person merely named.
    let mut previous: Option<usize> = None;
    for q in quotes.iter_mut() {
        let Some(span) = q.speaker_span.filter(|s| {
            s.end <= text.len() && text.is_char_boundary(s.start) && text.is_char_boundary(s.end)
        }) else {
            continue;
        };
        let Some(e) = speaker_of(text, span, q.span, entities, kb, previous) else { continue };
        previous = Some(e);
        q.speaker = Some(entities[e].id.clone());
        let mentions = &mut entities[e].mentions;
        if !mentions.iter().any(|m| m.overlaps(span)) && !is_pronoun(span.of(text), kb) {
            mentions.push(span);
            mentions.sort();
        }
    }
}

fn is_pronoun(words: &str, kb: &KnowledgeBase) -> bool {
    kb.cues().pronoun.contains_key(&words.trim().to_lowercase())
}

/// English articles before a role ("the President", "a spokesman"): the role is the word after.
const ARTICLES: [&str; 3] = ["the", "a", "an"];

fn speaker_of(
    text: &str,
    span: Span,
    quote: Span,
    entities: &[Entity],
    kb: &KnowledgeBase,
    previous: Option<usize>,
) -> Option<usize> {
    let people = || entities.iter().enumerate().filter(|(_, e)| e.kind == EntityKind::Person);
    // Of several people in the phrase ("Kazakh Foreign Minister Murat Nurtleu" with a stray "Kazakh Foreign"),
    // the name is the one nearest its end: a title stands before the name it belongs to.
    let in_phrase = people()
        .filter_map(|(i, e)| {
            e.mentions.iter().filter(|m| m.overlaps(span)).map(|m| m.end).max().map(|end| (end, i))
        })
        .max();
    if let Some((_, i)) = in_phrase {
        return Some(i);
    }
    let written = span.of(text).trim();
    let last_before = |limit: usize| {
        people()
            .filter_map(|(i, e)| {
                e.mentions.iter().filter(|m| m.end <= limit).map(|m| m.end).max().map(|end| (end, i))
            })
            .max()
            .map(|(_, i)| i)
    };
    if is_pronoun(written, kb) {
        return previous.or_else(|| last_before(quote.start.min(span.start)));
    }
    let mut words: Vec<&str> = super::kb::words(written).collect();
    if words.len() > 1 && ARTICLES.contains(&words[0].to_lowercase().as_str()) {
        words.remove(0);
    }
    let head = words.first().map(|w| morph::stem(w))?;
    if kb.cues().role.contains(&head) {
        let country = (1..words.len())
            .find_map(|k| kb.place(&words[k..].join(" ")).filter(|p| p.subtype == "country"))
            .and_then(|p| p.country.clone());
        let holds = |e: &Entity| {
            e.roles.iter().any(|r| {
                r.split(' ').next().map(morph::stem).as_deref() == Some(head.as_str())
                    && (country.is_none() || country == e.country)
            })
        };
        let holders: Vec<usize> = people().filter(|(_, e)| holds(e)).map(|(i, _)| i).collect();
        return match holders.as_slice() {
            [one] => Some(*one),
            // A role nobody was given ("сказал премьер", "said the President") refers back: to the
            // speaker quoted before, else the last person named.
            [] => previous.or_else(|| last_before(quote.start.min(span.start))),
            // Several holders of the office: the one named last before the quote.
            _ => holders
                .iter()
                .filter_map(|&i| {
                    let last =
                        entities[i].mentions.iter().filter(|m| m.end <= quote.start).map(|m| m.end).max();
                    last.map(|end| (end, i))
                })
                .max()
                .map(|(_, i)| i),
        };
    }
    let last = words.last().map(|w| morph::stem(w))?;
    people()
        .filter(|(_, e)| e.name.rsplit(' ').next().is_some_and(|s| morph::stem(s) == last))
        .map(|(i, _)| i)
        .next()
}

#[cfg(test)]
mod tests {
    //! The speaker stage on entities the entity stage found in the sample releases.

    use super::*;
    use crate::pipeline::entities::find;
    use crate::pipeline::entities::tests::{entities_of, kb, named, release, seed, span_of};
    use crate::pipeline::parse::Release;

    fn quote(text: &str, words: &str, speaker: &str, nth: usize) -> Quote {
        Quote {
            span: span_of(text, words, 0),
            text: words.into(),
            speaker_span: Some(span_of(text, speaker, nth)),
            speaker: None,
            verb: None,
        }
    }

    #[test]
    fn seed_quote_speakers_resolve_from_role_descriptions() {
        let (text, mut es) = seed();
        let mut quotes = vec![
            quote(&text, "Наши отношения связаны путем", "Президент Кыргызстана", 0),
            quote(&text, "Казахи и кыргызы", "Президент Казахстана", 1),
        ];
        let said = quotes[0].speaker_span.unwrap();
        resolve_speakers(&text, &mut quotes, &mut es, kb());
        let id = |name: &str| named(&es, name).id.clone();
        assert_eq!(quotes[0].speaker.as_deref(), Some(id("Садыр Жапаров").as_str()));
        assert_eq!(quotes[1].speaker.as_deref(), Some(id("Касым-Жомарт Токаев").as_str()));
        assert!(named(&es, "Садыр Жапаров").mentions.contains(&said), "the description becomes a mention");
    }

    #[test]
    fn a_pronoun_speaker_is_the_last_person_named() {
        let (text, mut es) = entities_of("24kg-style-2022-01-10.txt", "ru", None);
        let mut quotes = vec![quote(&text, "Мы рассчитываем", "сказал он", 0)];
        let said = quotes[0].speaker_span.as_mut().unwrap();
        said.start += "сказал ".len();
        assert_eq!(said.of(&text), "он");
        resolve_speakers(&text, &mut quotes, &mut es, kb());
        assert_eq!(quotes[0].speaker.as_deref(), Some(named(&es, "Михаил Мясникович").id.as_str()));
    }

    #[test]
    fn a_surname_speaker_is_the_person_named_in_full() {
        let (text, mut es) = entities_of("tass-style-2025-03-04.txt", "ru", None);
        let mut quotes = vec![quote(&text, "Россия остается", "Лавров", 1)];
        resolve_speakers(&text, &mut quotes, &mut es, kb());
        assert_eq!(quotes[0].speaker.as_deref(), Some(named(&es, "Сергей Лавров").id.as_str()));
    }

    fn person(text: &str, id: &str, name: &str) -> Entity {
        Entity {
            id: id.into(),
            kind: EntityKind::Person,
            subtype: None,
            name: name.into(),
            country: None,
            roles: vec![],
            wikidata: None,
            mentions: vec![span_of(text, name, 0)],
        }
    }

    #[test]
    fn of_several_people_in_the_phrase_the_speaker_is_the_name_at_its_end() {
        let text = "ASTANA -- \"We are ready,\" Kazakh Foreign Minister Murat Nurtleu said.";
        let mut es =
            vec![person(text, "person:1", "Kazakh Foreign"), person(text, "person:2", "Murat Nurtleu")];
        let mut quotes = vec![quote(text, "We are ready", "Kazakh Foreign Minister Murat Nurtleu", 0)];
        resolve_speakers(text, &mut quotes, &mut es, kb());
        assert_eq!(quotes[0].speaker.as_deref(), Some("person:2"));
    }

    #[test]
    fn odd_input_never_panics() {
        for text in ["", " ", "«", "А.", "Ё-", "ПРЕЗИДЕНТ", "\u{301}Х", "a\n\nB. C", "«Байтерек", "назначен"]
        {
            let r = Release { text: text.into(), ..release("x") };
            let mut es = find(text, &r, None, "ru", kb(), &[(Span::new(0, text.len()), EntityKind::Person)]);
            let mut q = vec![Quote {
                span: Span::new(0, 0),
                text: String::new(),
                speaker_span: Some(Span::new(0, text.len())),
                speaker: None,
                verb: None,
            }];
            resolve_speakers(text, &mut q, &mut es, kb());
        }
    }
}
