//! Rule passes for the names no list knows: quoted names after a descriptor, organisation phrases,
//! lower-case organisation nouns, runs of capitalised Russian words typed by the dictionary, English
//! capitalised runs.

use super::super::kb::cue;
use super::super::morph;
use super::names::Mention;
use super::{EntityKind, Finder};

impl<'a, 't> Finder<'a, 't> {
    /// «Name» after a descriptor noun (холдинг «Байтерек», партия «Яблоко») is an organisation.
    pub(super) fn quoted_names(&mut self) {
        for i in 1..self.toks.len() {
            if self.toks[i].text != "«" && self.toks[i].text != "\"" {
                continue;
            }
            let descriptor = &self.toks[i - 1];
            let described = descriptor.word && descriptor.entry.is(cue::DESCRIPTOR);
            if descriptor.word && descriptor.entry.is(cue::WORK) {
                continue;
            }
            let Some(close) =
                (i + 1..self.toks.len().min(i + 8)).find(|&j| matches!(self.toks[j].text, "»" | "\"" | "“"))
            else {
                continue;
            };
            if close == i + 1 || !self.toks[i + 1].cap && !self.toks[i + 1].text.starts_with(char::is_numeric)
            {
                continue;
            }
            let words = (i + 1..close).filter(|&k| self.toks[k].word).count();
            let plain =
                (i + 1..close).all(|k| self.toks[k].word || matches!(self.toks[k].text, "-" | "&" | "+"));
            let all_caps = (i + 1..close).filter(|&k| self.toks[k].word).all(|k| self.toks[k].cap);
            let name_like = plain && (words == 1 || words == 2 && all_caps);
            let undescribed_name = name_like && !self.toks[i].sent_start && !self.english;
            if !described && !undescribed_name {
                continue;
            }
            if self.free(i + 1, close) {
                let name = self.span(i + 1, close).of(self.text).to_string();
                self.push(Mention {
                    subtype: None,
                    ..Mention::new(i + 1, close, EntityKind::Organisation, name)
                });
            }
        }
    }

    /// Capitalised adjectives before a lower-case organisation noun ("Конституционного суда"), and a
    /// capitalised organisation noun with its genitive complement ("Министерство обороны").
    pub(super) fn organisation_phrases(&mut self) {
        let n = self.toks.len();
        let mut i = 0;
        while i < n {
            let t = &self.toks[i];
            if !t.word || !t.cap || t.upper || self.taken[i] || self.english {
                i += 1;
                continue;
            }
            if t.entry.is(cue::ORG_HEAD) && !self.model {
                let end = self.complement_end(i + 1);
                if end > i + 1 && (!t.sent_start || self.toks[i + 1].cap) {
                    let m = self.typed_mention(i, end, EntityKind::Organisation);
                    self.push(m);
                    i = end;
                    continue;
                }
            }
            // A capitalised adjective, up to three more adjectives, then an organisation noun
            // ("Федеральной миграционной службы", "Русская Православная Церковь").
            let mut j = i;
            while j < n && j - i < 4 && self.toks[j].word && !self.taken[j] && self.info(j).adjective > 0.5 {
                j += 1;
            }
            if j > i
                && j < n
                && self.toks[j].word
                && !self.taken[j]
                && !self.toks[j].cap
                && self.toks[j].entry.is(cue::PLACE_HEAD)
            {
                let m = self.typed_mention(i, j + 1, EntityKind::Place);
                self.push(m);
                i = j + 1;
                continue;
            }
            if j > i
                && !self.model
                && j < n
                && self.toks[j].word
                && !self.taken[j]
                && self.toks[j].entry.is(cue::ORG_HEAD)
            {
                let m = self.typed_mention(i, j + 1, EntityKind::Organisation);
                self.push(m);
                i = j + 1;
                continue;
            }
            i += 1;
        }
    }

    /// The end of a genitive complement after an organisation noun ("обороны", "защиты журналистов"):
    /// Cyrillic words in the genitive or capitalised, up to four.
    pub(super) fn complement_end(&self, from: usize) -> usize {
        let mut end = from;
        while end < self.toks.len() && end - from < 4 && !self.taken[end] {
            let w = &self.toks[end];
            let ok = w.word
                && w.chars > 2
                && w.cyrillic
                && self.kb.morph().is_genitive(w.text)
                && !(w.cap && self.names_a_person_or_place(w.text));
            if !ok {
                break;
            }
            end += 1;
        }
        end
    }

    /// Whether a capitalised word is more likely a person's or a place's name than anything else: it ends an
    /// organisation's complement ("Министерство обороны | России").
    pub(super) fn names_a_person_or_place(&self, word: &str) -> bool {
        let info = self.kb.morph().info(word);
        info.person() + info.geo > 0.5 || self.kb.place(word).is_some()
    }

    /// "министерства финансов": a lower-case organisation noun with its genitive complement.
    pub(super) fn lower_case_organisations(&mut self) {
        for i in 0..self.toks.len() {
            let t = &self.toks[i];
            if !t.word || t.cap || self.taken[i] || !t.entry.is(cue::ORG_LOWER) {
                continue;
            }
            let end = self.complement_end(i + 1);
            // "министерствами иностранных дел" (plural) names no one body.
            if end > i + 1 && !self.kb.morph().is_plural(t.text) {
                let m = self.typed_mention(i, end, EntityKind::Organisation);
                self.push(m);
            }
        }
    }

    /// What a capitalised Russian token looks like on its own.
    pub(super) fn classify(&self, i: usize) -> Option<EntityKind> {
        let t = &self.toks[i];
        if !t.word || self.taken[i] || !(t.cap || t.upper) {
            return None;
        }
        // Latin not-a-name words ("International", "Central") do begin and fill organisation names written in
        // Latin letters in Russian copy ("Amnesty International"): here they only keep a run from being a
        // person ([`Finder::may_be_a_person`]).
        if t.entry.is(cue::ROLE) || t.entry.is(cue::ORG_HEAD) || (!t.latin && self.lower_is(i, cue::NOT_NAME))
        {
            return None;
        }
        if t.sent_start && self.lower_is(i, cue::STOP) {
            return None;
        }
        if t.text.contains('.') {
            return Some(EntityKind::Organisation);
        }
        let roman = t.text.chars().all(|c| "IVXLCM".contains(c));
        if roman || t.digit {
            return None;
        }
        if t.latin {
            return (!t.sent_start || self.toks.get(i + 1).is_some_and(|n| n.cap && n.latin))
                .then_some(EntityKind::Organisation);
        }
        if t.upper {
            return (t.chars <= 8 && t.cyrillic).then_some(EntityKind::Organisation);
        }
        if !t.cyrillic {
            return None;
        }
        let info = self.info(i);
        let after_place_prep = i > 0 && self.lower_is(i - 1, cue::PLACE_PREP);
        if after_place_prep && !info.known && !t.sent_start {
            return Some(EntityKind::Place);
        }
        let person = info.person();
        let best = person.max(info.geo).max(info.org);
        let threshold = if t.sent_start { 0.6 } else { 0.25 };
        if best < threshold || best < info.common * if t.sent_start { 2.0 } else { 0.6 } {
            return None;
        }
        Some(if person >= info.geo && person >= info.org {
            EntityKind::Person
        } else if info.geo >= info.org {
            EntityKind::Place
        } else {
            EntityKind::Organisation
        })
    }

    pub(super) fn is_initial(&self, i: usize) -> bool {
        let t = &self.toks[i];
        t.word && t.cap && t.chars == 1 && self.toks.get(i + 1).is_some_and(|d| d.text == ".")
    }

    /// Runs of capitalised Russian words, typed by the dictionary; people's names with initials.
    pub(super) fn capitalised_runs(&mut self) {
        let n = self.toks.len();
        let mut i = 0;
        // The kinds of the words of the run being read (one buffer for all runs).
        let mut kinds = Vec::new();
        while i < n {
            if self.taken[i] {
                i += 1;
                continue;
            }
            // Initials: "В. В. Путин", "Путин В.В." are handled as part of a person run.
            let mut j = i;
            kinds.clear();
            while j < n && !self.taken[j] {
                // The cheap test first: the particle's look-up only inside a person's name.
                if kinds.first() == Some(&EntityKind::Person)
                    && self.lower_is(j, cue::PARTICLE)
                    && j + 1 < n
                    && self.classify(j + 1).is_some()
                {
                    j += 1;
                    continue;
                }
                if self.is_initial(j) {
                    kinds.push(EntityKind::Person);
                    j += 2;
                    continue;
                }
                let latin_connector = matches!(self.toks[j].text, "of" | "and" | "for" | "the" | "de" | "&");
                if latin_connector
                    && kinds.first() == Some(&EntityKind::Organisation)
                    && self.toks[j - 1].latin
                    && j + 1 < n
                    && self.toks[j + 1].latin
                    && self.classify(j + 1) == Some(EntityKind::Organisation)
                {
                    j += 1;
                    continue;
                }
                match self.classify(j) {
                    Some(k)
                        if kinds.is_empty()
                            || (k == kinds[0]
                                || kinds[0] == EntityKind::Person
                                    && k != EntityKind::Organisation
                                    && kinds.len() < 3) =>
                    {
                        kinds.push(k);
                        j += 1;
                        if j < n
                            && morph::is_turkic_patronymic(self.toks[j].text)
                            && kinds[0] == EntityKind::Person
                        {
                            j += 1;
                        }
                    }
                    _ => break,
                }
            }
            if kinds.is_empty() {
                i += 1;
                continue;
            }
            let kind = if kinds.contains(&EntityKind::Person) { EntityKind::Person } else { kinds[0] };
            let only_initials = (i..j).all(|k| !self.toks[k].word || self.toks[k].chars == 1);
            // With a model, organisations the model did not propose are left out (it is better at them).
            let not_a_person = kind == EntityKind::Person && !self.may_be_a_person(i, j);
            if !only_initials && !not_a_person && (!self.model || kind != EntityKind::Organisation) {
                let m = self.typed_mention(i, j, kind);
                self.push(m);
            }
            i = j.max(i + 1);
        }
    }

    /// English: runs of capitalised words (with "of", "for", "the", "and" inside), typed by cue words, a role
    /// before them or a preposition of place.
    pub(super) fn english_runs(&mut self) {
        let n = self.toks.len();
        let mut i = 0;
        while i < n {
            let t = &self.toks[i];
            if self.taken[i] || !t.word || !t.cap || self.lower_is(i, cue::STOP) || t.entry.is(cue::ROLE) {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < n && !self.taken[j] && self.toks[j].word {
                let w = &self.toks[j];
                let connector = matches!(w.text, "of" | "for" | "and" | "the")
                    && self.toks.get(j + 1).is_some_and(|x| x.cap && x.word)
                    && (i..j).any(|k| self.toks[k].entry.is(cue::ORG_HEAD));
                if (w.cap && !w.entry.is(cue::ROLE)) || connector {
                    j += 1;
                } else {
                    break;
                }
            }
            let has_org = (i..j).any(|k| self.toks[k].entry.is(cue::ORG_HEAD));
            // Title Case words that are no name ("Central Asian", "Kazakh Foreign", "Deposed Kyrgyz") lead
            // many runs: what follows them is a person only when two names remain.
            let lead =
                if has_org { 0 } else { (i..j).take_while(|&k| self.lower_is(k, cue::NOT_NAME)).count() };
            if lead > 0 {
                let from = i + lead;
                if j - from >= 2 && self.may_be_a_person(from, j) {
                    let m = self.typed_mention(from, j, EntityKind::Person);
                    self.push(m);
                }
                i = j;
                continue;
            }
            let after_prep = i > 0 && self.lower_is(i - 1, cue::PLACE_PREP);
            let after_role = i > 0 && self.toks[i - 1].entry.is(cue::ROLE);
            let kind = if has_org {
                Some(EntityKind::Organisation)
            } else if after_prep && j == i + 1 {
                Some(EntityKind::Place)
            } else if j - i >= 2 || after_role {
                Some(EntityKind::Person)
            } else {
                None
            };
            let kind = kind.filter(|&k| k != EntityKind::Person || self.may_be_a_person(i, j));
            if let Some(kind) = kind.filter(|_| !t.sent_start || j - i >= 2 || after_role) {
                let m = self.typed_mention(i, j, kind);
                self.push(m);
            }
            i = j;
        }
    }
}
