//! Grouping: mentions of one entity merged (same knowledge-base record, same name, a surname alone after
//! the full name) and numbered in order of first mention.

use std::cell::OnceCell;
use std::collections::HashMap;

use super::super::kb::{words, KbRef, PersonRecord};
use super::super::morph;
use super::super::text::chars::is_cyrillic;
use super::super::text::fold::lower;
use super::super::text::words::spaced_word_count;
use super::super::types::Span;
use super::names::{owned, Mention};
use super::roles::Role;
use super::{Entity, EntityKind, Finder};

/// An entity's id within the envelope: "person:3".
pub(super) fn entity_id(kind: EntityKind, n: usize) -> String {
    format!("{}:{n}", kind.as_str())
}

/// What mentions of one entity share.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) enum GroupKey {
    /// The same knowledge-base record (a person by full name or surname counts as [`KbRef::Person`]).
    Record(KbRef),
    /// The same kind and name, in lower case.
    Name(EntityKind, String),
}

/// Mentions of one entity while grouping: indices into [`Finder::mentions`].
#[derive(Debug)]
pub(super) struct Group {
    /// The first mention: its kind and records are the entity's.
    pub(super) first: usize,
    /// The mention whose name the entity takes (the one with the most words, when no record names it).
    pub(super) name: usize,
    /// Words in that name.
    pub(super) name_words: usize,
    /// The key of the last word of a person's name of several words: a surname alone joins it. Stemmed
    /// when first asked: few releases name someone by the surname alone without the knowledge base.
    pub(super) surname_key: OnceCell<Option<String>>,
    pub(super) spans: Vec<Span>,
    pub(super) roles: Vec<String>,
}

impl Group {
    pub(super) fn new(first: usize, mentions: &[Mention<'_>]) -> Group {
        let mut group = Group {
            first,
            name: first,
            name_words: 0,
            surname_key: OnceCell::new(),
            spans: Vec::new(),
            roles: Vec::new(),
        };
        group.rename(first, mentions);
        group
    }

    /// Takes the name of mention `m`.
    pub(super) fn rename(&mut self, m: usize, mentions: &[Mention<'_>]) {
        let name = &mentions[m].name;
        self.name = m;
        self.name_words = spaced_word_count(name);
        self.surname_key = OnceCell::new();
    }

    /// [`Group::surname_key`].
    pub(super) fn surname_key(&self, mentions: &[Mention<'_>]) -> Option<&str> {
        let key = self.surname_key.get_or_init(|| {
            let person = mentions[self.first].kind == EntityKind::Person;
            let name = &mentions[self.name].name;
            name.rsplit_once(' ').filter(|_| person).map(|(_, surname)| morph::stem(surname))
        });
        key.as_deref()
    }
}

/// The groups by [`Group::surname_key`], so that a surname alone finds the one group it may join without a
/// scan of all groups per mention (quadratic on a release of distinct capitalised words, issue 14). Built
/// on the first lone surname only: most releases never ask, and building it stems every person's surname.
#[derive(Default)]
pub(super) struct SurnameIndex {
    /// Surname key → the groups with it, in creation order; `None` until first asked.
    groups: Option<HashMap<String, Vec<usize>>>,
}

impl SurnameIndex {
    /// The only group whose surname key is `key`, if exactly one has it.
    fn only_group(&mut self, key: &str, groups: &[Group], mentions: &[Mention<'_>]) -> Option<usize> {
        let index = self.groups.get_or_insert_with(|| {
            let mut index: HashMap<String, Vec<usize>> = HashMap::new();
            for (g, group) in groups.iter().enumerate() {
                if let Some(surname) = group.surname_key(mentions) {
                    index.entry(surname.to_string()).or_default().push(g);
                }
            }
            index
        });
        match index.get(key).map(Vec::as_slice) {
            Some(&[one]) => Some(one),
            _ => None,
        }
    }

    /// Records group `g` under its surname key (once the index is built).
    fn add(&mut self, groups: &[Group], g: usize, mentions: &[Mention<'_>]) {
        if let (Some(index), Some(surname)) = (self.groups.as_mut(), groups[g].surname_key(mentions)) {
            index.entry(surname.to_string()).or_default().push(g);
        }
    }

    /// Forgets group `g` under its surname key, before it is renamed.
    fn remove(&mut self, groups: &[Group], g: usize, mentions: &[Mention<'_>]) {
        if let (Some(index), Some(surname)) = (self.groups.as_mut(), groups[g].surname_key(mentions)) {
            if let Some(list) = index.get_mut(surname) {
                list.retain(|&other| other != g);
            }
        }
    }
}

impl<'a, 't> Finder<'a, 't> {
    /// Groups mentions into entities: same KB record, same name, or a surname alone after the full name.
    pub(super) fn into_entities(self) -> Vec<Entity> {
        // Mentions in text order (ties in the order found): indices are sorted, the mentions stay put.
        let mut order: Vec<(usize, usize)> =
            self.mentions.iter().enumerate().map(|(i, m)| (m.start, i)).collect();
        order.sort_unstable();
        // Tokens inside a person's name: a role written before a name does not reach past another name.
        let mut in_person = vec![false; self.toks.len()];
        for m in self.mentions.iter().filter(|m| m.kind == EntityKind::Person) {
            in_person[m.start..m.end].fill(true);
        }
        let mut groups: Vec<Group> = Vec::with_capacity(self.mentions.len());
        // A hash map, not a list: a hostile release has tens of thousands of groups (issue 14), and the
        // groups keep their own order, so the entities do not depend on the map's.
        let mut by_key: HashMap<GroupKey, usize> = HashMap::with_capacity(self.mentions.len());
        let mut surnames = SurnameIndex::default();
        for &(_, i) in &order {
            let m = &self.mentions[i];
            let role = match m.kind {
                EntityKind::Person => m.role.clone().or_else(|| self.role_before(m.start, &in_person)),
                _ => None,
            };
            let span = self.span(m.start, m.end);
            let key = self.group_key(m.kb, m.kind, &m.name, &groups, &mut surnames);
            let g = *by_key.entry(key).or_insert_with(|| {
                groups.push(Group::new(i, &self.mentions));
                surnames.add(&groups, groups.len() - 1, &self.mentions);
                groups.len() - 1
            });
            if spaced_word_count(&m.name) > groups[g].name_words
                && self.mentions[groups[g].first].kb.is_none()
            {
                surnames.remove(&groups, g, &self.mentions);
                groups[g].rename(i, &self.mentions);
                surnames.add(&groups, g, &self.mentions);
            }
            let group = &mut groups[g];
            group.spans.push(span);
            group.roles.extend(role);
        }
        groups.into_iter().enumerate().map(|(n, g)| self.entity(n + 1, g)).collect()
    }

    /// What mentions of kind `kind` named `name` with knowledge-base record `kb` share with others.
    pub(super) fn group_key(
        &self,
        kb: Option<KbRef>,
        kind: EntityKind,
        name: &str,
        groups: &[Group],
        surnames: &mut SurnameIndex,
    ) -> GroupKey {
        match kb {
            // A person's full name and surname alone are one record.
            Some(KbRef::Person(i) | KbRef::Surname(i)) => return GroupKey::Record(KbRef::Person(i)),
            Some(record) => return GroupKey::Record(record),
            None => {}
        }
        if kind == EntityKind::Person && !name.contains(' ') {
            let key = morph::stem(name);
            if let Some(one) = surnames.only_group(&key, groups, &self.mentions) {
                let first = &self.mentions[groups[one].first];
                let name = &self.mentions[groups[one].name].name;
                return self.group_key(first.kb, first.kind, name, &[], surnames);
            }
        }
        GroupKey::Name(kind, lower(name))
    }

    /// The spelling of a knowledge-base person that a mention is written in, a case ending aside
    /// ("Қасым-Жомарт Тоқаевтың" → "Қасым-Жомарт Тоқаев" where the record's name is "Касым-Жомарт Токаев"):
    /// Kyrgyz and Kazakh releases are reported with their own letters.
    fn variant_as_written(&self, person: &PersonRecord, mentions: &[Span]) -> Option<String> {
        mentions.iter().find_map(|span| {
            let written: Vec<String> = words(span.of(self.text)).map(lower).collect();
            let fits = |v: &&String| {
                let words_of_v: Vec<String> = words(v).map(lower).collect();
                words_of_v.len() == written.len()
                    && words_of_v.iter().zip(&written).all(|(v, w)| w.starts_with(v.as_str()))
            };
            std::iter::once(&person.name).chain(&person.variants).find(fits).cloned()
        })
    }

    pub(super) fn entity(&self, n: usize, group: Group) -> Entity {
        let Group { first, name, spans: mentions, roles: text_roles, .. } = group;
        let m = &self.mentions[first];
        let kb_role = match m.kb {
            Some(KbRef::Person(i) | KbRef::Surname(i)) => self.kb.person_at(i).role.as_deref(),
            _ => None,
        };
        // The knowledge base's wording of the office, unless the release names it in another script.
        let same_script = text_roles.iter().all(|r| r.chars().any(is_cyrillic));
        let kb_role = kb_role.filter(|_| same_script || text_roles.is_empty());
        // Room for exactly the roles there can be: most entities have none, and an empty list (which
        // allocates nothing) then stays empty on its way to the entity's list of strings.
        let mut roles: Vec<Role> = Vec::with_capacity(text_roles.len() + usize::from(kb_role.is_some()));
        for role in text_roles.into_iter().chain(kb_role.map(str::to_string)) {
            self.add_role(&mut roles, role, kb_role);
        }
        // The mention's own country, else its knowledge-base record's (the first mention may be one the
        // rules found before it was linked), else the country its roles name.
        let record_country = match m.kb {
            Some(KbRef::Person(i) | KbRef::Surname(i)) => self.kb.person_at(i).country.clone(),
            _ => None,
        };
        let country = owned(&m.country).or(record_country).or_else(|| {
            let facts = self.role_facts.borrow();
            roles.iter().find_map(|r| facts[r.facts].country.clone())
        });
        let roles: Vec<String> = roles.into_iter().map(|r| r.text).collect();
        let (mut name, wikidata, subtype) = match m.kb {
            Some(KbRef::Person(i) | KbRef::Surname(i)) => {
                let p = self.kb.person_at(i);
                let name = match self.endings.is_empty() {
                    true => p.name.clone(),
                    false => self.variant_as_written(p, &mentions).unwrap_or_else(|| p.name.clone()),
                };
                (name, p.wikidata.clone(), None)
            }
            _ => (self.mentions[name].name.to_string(), owned(&m.wikidata), owned(&m.subtype)),
        };
        if self.english {
            let english = match m.kb {
                Some(KbRef::Person(i) | KbRef::Surname(i)) => self.kb.person_at(i).english.as_deref(),
                Some(KbRef::Place(i)) => self.kb.place_english(i),
                Some(KbRef::Org(i)) => self.kb.org_at(i).english.as_deref(),
                None => None,
            };
            if let Some(english) = english {
                name = english.to_string();
            }
        }
        Entity { id: entity_id(m.kind, n), kind: m.kind, subtype, name, country, roles, wikidata, mentions }
    }
}
