//! Roles of people: the phrase written before a name or after "назначен", put in the nominative, and the
//! office and country a role phrase names, which decide whether two roles are the same.

use super::super::kb::{cue, KbRef};
use super::super::morph;
use super::super::text::chars::is_ascii_or_russian;
use super::super::text::fold::lower;
use super::super::text::words::spaced_word_count;
use super::{EntityKind, Finder};

/// A role of an entity with what [`Finder::add_role`] compares.
#[derive(Debug)]
pub(super) struct Role {
    pub(super) text: String,
    /// Its entry in [`Finder::role_facts`].
    pub(super) facts: usize,
}

/// What [`Finder::add_role`] compares of a role phrase, worked out once per phrase.
#[derive(Debug)]
pub(super) struct RoleFacts {
    pub(super) text: String,
    /// The key of its first word (the office: "президент").
    pub(super) head: String,
    /// The country it names.
    pub(super) country: Option<String>,
}

impl<'a, 't> Finder<'a, 't> {
    /// "X назначен акимом Алматинской области": the role after the verb of appointment.
    pub(super) fn appointed_roles(&mut self) {
        for m in 0..self.mentions.len() {
            if self.mentions[m].kind != EntityKind::Person {
                continue;
            }
            let after = self.mentions[m].end;
            let Some(verb) =
                (after..(after + 3).min(self.toks.len())).find(|&k| self.key(k).starts_with("назначен"))
            else {
                continue;
            };
            let start = verb + 1;
            // Another name between the person and the verb is the one appointed.
            let someone_else = self.taken[after..verb].iter().any(|&t| t);
            if someone_else || start >= self.toks.len() || !self.toks[start].entry.is(cue::ROLE) {
                continue;
            }
            let mut end = start + 1;
            while end < self.toks.len()
                && end - start < 8
                && self.toks[end].word
                && !self.key(end).starts_with("сообща")
            {
                end += 1;
            }
            let role = self.role_text(start, end);
            self.mentions[m].role.get_or_insert(role);
        }
    }

    /// A role phrase in the nominative: the role noun (with adjectives before it) in the nominative, its
    /// complement as written.
    pub(super) fn role_text(&self, start: usize, end: usize) -> String {
        let index = || (start..end).filter(|&i| !self.toks[i].is_break());
        let words: Vec<&str> = index().map(|i| self.toks[i].text).collect();
        if self.english || words.is_empty() {
            return words.join(" ");
        }
        // Only the role noun and the adjectives before it inflect; the complement after it stays as written.
        // A word's key is its stem; quotes are in no cue list.
        let head = index().position(|i| self.toks[i].word && self.toks[i].entry.is(cue::ROLE));
        let head = head.unwrap_or(words.len() - 1);
        let nominative = self.kb.morph().nominative_phrase(&words[..=head]);
        // The nominative words, then the rest as written, joined by spaces; the first with its capitals.
        let mut joined = String::with_capacity(words.iter().map(|w| w.len() + 1).sum());
        for k in 0..nominative.len().max(words.len()) {
            let word = nominative.get(k).map_or(words[k], String::as_str);
            if k == 0 {
                // Lower-casing first changes nothing for ASCII and Russian letters (restore_case sets the
                // case of each): only other scripts need the lower-case copy.
                if word.chars().all(is_ascii_or_russian) {
                    morph::restore_case_into(word, words[0], &mut joined);
                } else {
                    morph::restore_case_into(&lower(word), words[0], &mut joined);
                }
            } else {
                joined.push(' ');
                joined.push_str(word);
            }
        }
        // The quotes of a complement («Байтерек») hug their words. Quotes are tokens of their own: only a
        // phrase with one can have a space inside them (a cheaper test than searching the phrase).
        let quoted = words.iter().any(|w| matches!(*w, "«" | "»"));
        if quoted && (joined.contains("« ") || joined.contains(" »")) {
            return joined.replace("« ", "«").replace(" »", "»");
        }
        joined
    }

    /// The role written before a person mention: the nearest role noun within a few words, no punctuation
    /// in between.
    pub(super) fn role_before(&self, start: usize, in_person: &[bool]) -> Option<String> {
        let mut k = start;
        while k > 0 && start - k < 10 {
            k -= 1;
            let t = &self.toks[k];
            if t.is_break() || in_person[k] {
                return None;
            }
            if t.word && t.entry.is(cue::ROLE) {
                let mut s = k;
                while s > 0
                    && self.toks[s - 1].word
                    && !self.toks[s - 1].cap
                    && self.info(s - 1).adjective > 0.5
                {
                    s -= 1;
                }
                return (k + 1 < start || start - k == 1).then(|| self.role_text(s, start));
            }
        }
        None
    }

    /// Adds a role unless the same office is already there: same role noun and same country (or no country
    /// named) counts as the same; the knowledge base's wording wins, then the longer one.
    pub(super) fn add_role(&self, roles: &mut Vec<Role>, role: String, kb_role: Option<&str>) {
        let role = Role { facts: self.role_facts_of(&role), text: role };
        let facts = self.role_facts.borrow();
        let new = &facts[role.facts];
        if let Some(existing) = roles.iter_mut().find(|r| {
            let old = &facts[r.facts];
            old.head == new.head
                && (new.country.is_none() || old.country.is_none() || old.country == new.country)
        }) {
            let prefer_new = Some(role.text.as_str()) == kb_role
                || (Some(existing.text.as_str()) != kb_role
                    && spaced_word_count(&role.text) > spaced_word_count(&existing.text));
            if prefer_new {
                *existing = role;
            }
            return;
        }
        roles.push(role);
    }

    /// The index in [`Finder::role_facts`] of a role phrase's office and country, worked out once per phrase.
    pub(super) fn role_facts_of(&self, role: &str) -> usize {
        if let Some(known) = self.role_facts.borrow().iter().position(|f| f.text == role) {
            return known;
        }
        let head = role.split(' ').next().map(morph::stem).unwrap_or_default();
        let country = self.country_in(role);
        let mut facts = self.role_facts.borrow_mut();
        facts.push(RoleFacts { text: role.to_string(), head, country });
        facts.len() - 1
    }

    /// The country a role phrase names ("Президент Кыргызской Республики" → KG).
    pub(super) fn country_in(&self, role: &str) -> Option<String> {
        let mut key = String::with_capacity(role.len());
        let words: Vec<u32> = super::super::kb::words(role)
            .map(|w| {
                key.clear();
                morph::stem_into(w, &mut key);
                self.kb.word(&key).name_word
            })
            .collect();
        let country =
            self.kb.names_in(&words).iter().flat_map(|m| m.targets.iter()).find_map(|t| match t.target {
                KbRef::Place(i) if self.kb.place_at(i).subtype == "country" => {
                    self.kb.place_at(i).country.clone()
                }
                _ => None,
            });
        country
    }
}
