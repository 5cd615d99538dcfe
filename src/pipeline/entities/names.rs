//! Mentions and how they get their names: the knowledge base's matches, the statistical model's spans
//! snapped to tokens, and the nominative of a person's name or a name phrase; also the dateline filter.

use std::borrow::Cow;

use super::super::dateline::Dateline;
use super::super::kb::{cue, surname_without_case_ending, KbRef, KnowledgeBase};
use super::super::morph::{self, NamePart};
use super::super::types::Span;
use super::{EntityKind, Finder};

/// A mention before grouping: tokens `[start, end)`. What the knowledge base says is borrowed from it: most
/// mentions are dropped or merged before they become an [`Entity`], which copies it once.
#[derive(Debug, Clone)]
pub(super) struct Mention<'a> {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) kind: EntityKind,
    pub(super) name: Cow<'a, str>,
    pub(super) kb: Option<KbRef>,
    pub(super) subtype: Option<Cow<'a, str>>,
    pub(super) country: Option<Cow<'a, str>>,
    pub(super) wikidata: Option<Cow<'a, str>>,
    pub(super) role: Option<String>,
}

impl<'a> Mention<'a> {
    pub(super) fn new(start: usize, end: usize, kind: EntityKind, name: impl Into<Cow<'a, str>>) -> Self {
        let name = name.into();
        Mention { start, end, kind, name, kb: None, subtype: None, country: None, wikidata: None, role: None }
    }
}

/// A borrowed optional string of the knowledge base.
pub(super) fn borrowed(s: &Option<String>) -> Option<Cow<'_, str>> {
    s.as_deref().map(Cow::Borrowed)
}

/// An owned copy of an optional string for an [`Entity`].
pub(super) fn owned(s: &Option<Cow<'_, str>>) -> Option<String> {
    s.as_deref().map(str::to_string)
}

impl<'a, 't> Finder<'a, 't> {
    /// Known names, longest first, leftmost first.
    pub(super) fn knowledge_base_names(&mut self) {
        // Names are matched across quotes: the words of all other tokens, and where each is.
        let mut index: Vec<usize> = Vec::with_capacity(self.toks.len());
        let mut words: Vec<u32> = Vec::with_capacity(self.toks.len());
        for (i, t) in self.toks.iter().enumerate().filter(|(_, t)| !t.quote) {
            index.push(i);
            words.push(t.entry.name_word);
        }
        let mut found = self.kb.names_in(&words);
        found.sort_by_key(|m| (std::cmp::Reverse(m.end - m.start), m.start));
        for m in found {
            let (start, end) = (index[m.start], index[m.end - 1] + 1);
            let first = &self.toks[start];
            let Some(target) = m.targets.iter().find(|t| {
                (first.cap || first.text.starts_with(char::is_numeric) || t.lower)
                    && (!t.upper || first.upper)
                    && (!first.upper || t.upper || first.chars > 4 || m.end - m.start > 1)
            }) else {
                continue;
            };
            if !self.free(start, end) {
                continue;
            }
            if let KbRef::Surname(_) = target.target {
                let hints: Vec<KbRef> = m.targets.iter().map(|t| t.target).collect();
                let name = self.person_name(start, end);
                let mut mention = Mention::new(start, end, EntityKind::Person, name);
                mention.kb = self.pick_surname(&hints);
                self.push(mention);
                continue;
            }
            let mention = self.kb_mention(start, end, target.target);
            self.push(mention);
        }
    }

    /// Of the people sharing a surname, the one in office now, if only one is.
    pub(super) fn pick_surname(&self, hints: &[KbRef]) -> Option<KbRef> {
        let current: Vec<KbRef> = hints
            .iter()
            .copied()
            .filter(|h| matches!(h, KbRef::Surname(i) if self.kb.person_at(*i).current))
            .collect();
        match (hints, current.as_slice()) {
            ([one], _) | (_, [one]) => Some(*one),
            _ => None,
        }
    }

    pub(super) fn kb_mention(&self, start: usize, end: usize, target: KbRef) -> Mention<'a> {
        let kb: &'a KnowledgeBase = self.kb;
        let (kind, name, subtype, country, wikidata) = match target {
            KbRef::Place(i) => {
                let p = kb.place_at(i);
                (EntityKind::Place, &p.name, Some(p.subtype.as_str()), &p.country, &p.wikidata)
            }
            KbRef::Person(i) | KbRef::Surname(i) => {
                let p = kb.person_at(i);
                (EntityKind::Person, &p.name, None, &p.country, &p.wikidata)
            }
            KbRef::Org(i) => {
                let o = kb.org_at(i);
                (EntityKind::Organisation, &o.name, Some(o.subtype.as_str()), &o.country, &o.wikidata)
            }
        };
        Mention {
            subtype: subtype.map(Cow::Borrowed),
            country: borrowed(country),
            wikidata: borrowed(wikidata),
            kb: Some(target),
            ..Mention::new(start, end, kind, name.as_str())
        }
    }

    /// Tokens `[start, end)` a model's span covers, if any.
    pub(super) fn snap(&self, span: Span) -> Option<(usize, usize)> {
        // Tokens are in text order and do not overlap: both bounds are binary searches.
        let start = self.toks.partition_point(|t| t.span.end <= span.start);
        let end = self.toks.partition_point(|t| t.span.start < span.end);
        (start < self.toks.len() && end > 0 && start < end).then_some((start, end))
    }

    /// The model's organisations first, with the model's boundaries: names inside them the knowledge base
    /// knows as places or people ("Голос Америки", "Совет муфтиев России") stay part of the organisation. When
    /// the knowledge base knows exactly that name, its record decides (organisation, person or place).
    pub(super) fn model_organisations(&mut self, candidates: &[(Span, EntityKind)]) {
        for &(span, kind) in candidates {
            if kind != EntityKind::Organisation {
                continue;
            }
            let Some((start, end)) = self.snap(span) else { continue };
            if !self.free(start, end) {
                continue;
            }
            let words: Vec<u32> =
                (start..end).filter(|&i| !self.toks[i].quote).map(|i| self.toks[i].entry.name_word).collect();
            let exact: Vec<KbRef> = self
                .kb
                .names_in(&words)
                .into_iter()
                .filter(|m| m.start == 0 && m.end == words.len())
                .flat_map(|m| m.targets.iter().map(|t| t.target))
                .collect();
            let mention = match exact.iter().find(|t| matches!(t, KbRef::Org(_))) {
                Some(&org) => self.kb_mention(start, end, org),
                // The knowledge base knows exactly this name as a person or place ("Абаем"): it decides.
                None if !exact.is_empty() => continue,
                None => self.typed_mention(start, end, kind),
            };
            self.push(mention);
        }
    }

    /// Spans from a statistical model, snapped to tokens, typed and linked.
    pub(super) fn candidate_names(&mut self, candidates: &[(Span, EntityKind)]) {
        for &(span, kind) in candidates {
            let start = self.toks.partition_point(|t| t.span.end <= span.start);
            let end = self.toks.partition_point(|t| t.span.start < span.end);
            if start == self.toks.len() || end == 0 || !self.free(start, end) {
                continue;
            }
            let start = if kind == EntityKind::Person { self.past_roles(start, end) } else { start };
            if kind == EntityKind::Person && !self.may_be_a_person(start, end) {
                continue;
            }
            let mention = self.typed_mention(start, end, kind);
            self.push(mention);
        }
    }

    /// The first token of `[start, end)` after the role nouns and not-a-name words a proposed person begins
    /// with ("Вице-премьер-министр Токон Мамытов", "Chinese Vice Premier Ding Xuexiang": the office is a role,
    /// not part of the name).
    fn past_roles(&self, mut start: usize, end: usize) -> usize {
        while start + 1 < end {
            let t = &self.toks[start];
            if t.word && !t.entry.is(cue::ROLE) && !self.lower_is(start, cue::NOT_NAME) {
                break;
            }
            start += 1;
        }
        start
    }

    /// Whether tokens `[start, end)` may name a new person: no word of the not-a-name list (holidays,
    /// Title Case words of English), and in Kyrgyz and Kazakh copy more than one word (a lone capitalised word
    /// there is a pronoun, a noun at the start of a sentence or a case form far more often than a person).
    pub(super) fn may_be_a_person(&self, start: usize, end: usize) -> bool {
        let lone_turkic = !self.endings.is_empty() && (start..end).filter(|&i| self.toks[i].word).count() < 2;
        !lone_turkic && !(start..end).any(|i| self.toks[i].word && self.lower_is(i, cue::NOT_NAME))
    }

    pub(super) fn typed_mention(&self, start: usize, end: usize, kind: EntityKind) -> Mention<'a> {
        let text = self.span(start, end).of(self.text);
        if kind == EntityKind::Place {
            let kb: &'a KnowledgeBase = self.kb;
            if let Some(p) = kb.place(text) {
                return Mention {
                    subtype: Some(Cow::Borrowed(p.subtype.as_str())),
                    country: borrowed(&p.country),
                    wikidata: borrowed(&p.wikidata),
                    ..Mention::new(start, end, kind, p.name.as_str())
                };
            }
        }
        let name = match kind {
            EntityKind::Person => self.person_name(start, end),
            _ => self.phrase_name(start, end),
        };
        Mention::new(start, end, kind, name)
    }

    /// The nominative of a person's name written over tokens `[start, end)`.
    pub(super) fn person_name(&self, start: usize, end: usize) -> String {
        let morph = self.kb.morph();
        let words: Vec<usize> = (start..end).filter(|&i| self.toks[i].word).collect();
        let feminine =
            words.first().filter(|_| words.len() > 1).map(|&i| morph.is_feminine_given(self.toks[i].text));
        // Room for the phrase as written plus a little: nominatives are seldom longer.
        let mut out = String::with_capacity(self.toks[end - 1].span.end - self.toks[start].span.start + 8);
        let mut last_end = None;
        for (n, &i) in words.iter().enumerate() {
            let t = &self.toks[i];
            let next_is_patronymic =
                words.get(n + 1).is_some_and(|&j| morph::is_turkic_patronymic(self.toks[j].text));
            let part = match (n, words.len()) {
                _ if t.chars == 1 => NamePart::Any,
                (_, 1) => NamePart::Any,
                (0, _) => NamePart::Given,
                (k, len) if k + 1 == len => NamePart::Surname,
                _ => NamePart::Patronymic,
            };
            let word = if !self.endings.is_empty() {
                // Kyrgyz and Kazakh: the Russian declension does not apply, only the glued case ending.
                surname_without_case_ending(t.text, self.endings).to_string()
            } else if next_is_patronymic || self.english || t.chars == 1 {
                t.text.to_string()
            } else {
                morph.person_word(t.text, part, feminine)
            };
            if let Some(e) = last_end {
                out.push_str(if self.text[e..t.span.start].contains('.') { ". " } else { " " });
            }
            out.push_str(&word);
            last_end = Some(t.span.end);
        }
        if self.toks[end - 1].text == "." {
            out.push('.');
        }
        out
    }

    /// The nominative of a name phrase over tokens `[start, end)`, quotes and punctuation kept as written.
    pub(super) fn phrase_name(&self, start: usize, end: usize) -> String {
        let words: Vec<&str> =
            (start..end).filter(|&i| self.toks[i].word).map(|i| self.toks[i].text).collect();
        let nominative: std::sync::Arc<[String]> = if self.english {
            words.iter().map(|w| w.to_string()).collect()
        } else {
            self.kb.morph().nominative_phrase(&words)
        };
        // Room for the phrase as written plus a little: nominatives are seldom longer.
        let mut out = String::with_capacity(self.toks[end - 1].span.end - self.toks[start].span.start + 8);
        let mut w = 0;
        for i in start..end {
            let t = &self.toks[i];
            if i > start && self.toks[i - 1].span.end < t.span.start {
                out.push(' ');
            }
            if t.word {
                out.push_str(&nominative[w]);
                w += 1;
            } else {
                out.push_str(t.text);
            }
        }
        out
    }

    /// Mentions inside the dateline are the agency's, not the story's, except the city; the city is a place
    /// even when the knowledge base does not know it.
    pub(super) fn keep_only_the_dateline_city(&mut self, dateline: Option<&Dateline>) {
        let Some(d) = dateline else { return };
        let toks = &self.toks;
        self.mentions.retain(|m| {
            let span = Span::new(toks[m.start].span.start, toks[m.end - 1].span.end);
            !d.span.contains(span) || m.kind == EntityKind::Place
        });
        let has_city = self.mentions.iter().any(|m| {
            m.kind == EntityKind::Place
                && d.span.contains(Span::new(toks[m.start].span.start, toks[m.end - 1].span.end))
        });
        let Some(city) = d.city.as_deref().filter(|_| !has_city) else { return };
        let key = morph::stem(city);
        let Some(i) =
            (0..self.toks.len()).find(|&i| d.span.contains(self.toks[i].span) && self.key(i) == key)
        else {
            return;
        };
        let mut m = Mention::new(i, i + 1, EntityKind::Place, city.to_string());
        let kb: &'a KnowledgeBase = self.kb;
        if let Some(p) = kb.place(city) {
            m.subtype = Some(Cow::Borrowed(p.subtype.as_str()));
            m.wikidata = borrowed(&p.wikidata);
        }
        m.subtype.get_or_insert_with(|| "city".into());
        m.country =
            d.country.clone().map(Cow::Owned).or_else(|| kb.place(city).and_then(|p| borrowed(&p.country)));
        self.mentions.push(m);
    }
}
