//! Loading the knowledge base: the records of `data/kb/*.tsv`, the keys every name variant is found under,
//! and the cue words of `data/kb/cues.tsv`.

use std::collections::{HashMap, HashSet};

use super::{
    cue, name_key, words, Cues, KbRef, KeyTarget, KnowledgeBase, OrgRecord, PersonRecord, PlaceRecord,
};
use crate::pipeline::data::DataFiles;
use crate::pipeline::morph::{self, Morph};
use crate::pipeline::text::chars::is_cyrillic;
use crate::pipeline::types::LoadError;

/// The first variant written in Latin letters that is not an abbreviation: the name for English releases.
fn english_of(variants: &[&str]) -> Option<String> {
    variants
        .iter()
        .find(|v| !v.chars().any(is_cyrillic) && v.chars().any(char::is_lowercase))
        .map(|v| v.to_string())
}

/// The name variants of a record: the `|`-separated lists in its last columns, empty ones dropped.
fn variants_of(columns: &[String]) -> Vec<&str> {
    columns.iter().flat_map(|v| v.split('|')).filter(|v| !v.is_empty()).collect()
}

fn opt(s: &str) -> Option<String> {
    Some(s.to_string()).filter(|s| !s.is_empty())
}

fn is_upper_abbreviation(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
}

#[derive(Default)]
struct Builder {
    keys: HashMap<String, Vec<KeyTarget>>,
}

impl Builder {
    fn add(&mut self, variant: &str, target: KbRef) {
        let first = words(variant).next().unwrap_or("");
        let upper = words(variant).count() == 1 && is_upper_abbreviation(first);
        let lower = first.chars().next().is_some_and(char::is_lowercase);
        for key in key_variants(variant) {
            let entry = self.keys.entry(key).or_default();
            if !entry.iter().any(|t| t.target == target) {
                entry.push(KeyTarget { target, upper, lower });
            }
        }
    }
}

/// The keys a nominative name must be found under. A nominative ending in a consonant whose last letters
/// look like a case ending ("Крым", "Иерусалим", "Рустам") stems differently from its other forms
/// ("Крыма" → "крым"), so such words count under both their stem and their whole form (at most 8 keys).
fn key_variants(variant: &str) -> Vec<String> {
    let mut keys = vec![String::new()];
    for (n, word) in words(variant).enumerate() {
        let stem = morph::stem(word);
        let whole: String = word.to_lowercase().replace('ё', "е");
        let alternatives: Vec<&str> = if whole != stem
            && whole.chars().last().is_some_and(|c| !"аеёиоуыэюяйь".contains(c))
            && keys.len() < 8
        {
            vec![&stem, &whole]
        } else {
            vec![&stem]
        };
        keys = keys
            .iter()
            .flat_map(|k| {
                alternatives.iter().map(move |a| if n == 0 { a.to_string() } else { format!("{k} {a}") })
            })
            .collect();
    }
    keys.retain(|k| !k.is_empty());
    keys
}

impl KnowledgeBase {
    /// Loads `kb/countries.tsv`, `kb/places.tsv`, `kb/people.tsv`, `kb/organisations.tsv` and `kb/cues.tsv`,
    /// builds the name trie and opens the morphology dictionary.
    pub fn load(files: &DataFiles) -> Result<Self, LoadError> {
        let mut kb = KnowledgeBase { morph: Morph::bundled(), ..KnowledgeBase::default() };
        let mut builder = Builder::default();
        kb.load_countries(files, &mut builder)?;
        kb.load_places(files, &mut builder)?;
        kb.load_people(files, &mut builder)?;
        kb.load_orgs(files, &mut builder)?;
        kb.cues = load_cues(files)?;
        kb.turkic = super::TurkicEndings::load(files)?;
        for (key, targets) in builder.keys {
            kb.names.insert(&key, kb.keys.len());
            kb.keys.push(targets);
        }
        kb.mark_cues();
        Ok(kb)
    }

    /// Puts the cue words into the vocabulary with their [`cue`] bits.
    fn mark_cues(&mut self) {
        let (names, c) = (&mut self.names, &self.cues);
        names.mark_cues(&c.role, cue::ROLE);
        names.mark_cues(&c.org_head, cue::ORG_HEAD);
        names.mark_cues(&c.descriptor, cue::DESCRIPTOR);
        names.mark_cues(&c.place_prep, cue::PLACE_PREP);
        names.mark_cues(&c.stop, cue::STOP);
        names.mark_cues(&c.not_name, cue::NOT_NAME);
        names.mark_cues(&c.place_head, cue::PLACE_HEAD);
        names.mark_cues(&c.org_lower, cue::ORG_LOWER);
        names.mark_cues(&c.work, cue::WORK);
        names.mark_cues(&c.particle, cue::PARTICLE);
    }

    fn add_place(&mut self, record: PlaceRecord, variants: &[&str], builder: &mut Builder) {
        let i = self.places.len();
        self.place_english.push(english_of(variants));
        for v in std::iter::once(record.name.as_str()).chain(variants.iter().copied()) {
            self.exact_places.entry(v.to_lowercase()).or_insert(i);
            self.key_places.entry(name_key(v)).or_insert(i);
            builder.add(v, KbRef::Place(i));
        }
        self.places.push(record);
    }

    fn load_countries(&mut self, files: &DataFiles, builder: &mut Builder) -> Result<(), LoadError> {
        const FILE: &str = "kb/countries.tsv";
        for (line, fields) in files.records(FILE)? {
            let [code, name, wikidata, rest @ ..] = fields.as_slice() else {
                return Err(DataFiles::syntax(FILE, line, "expected code, name, wikidata, variants"));
            };
            let variants: Vec<&str> = variants_of(rest);
            let record = PlaceRecord {
                name: name.clone(),
                subtype: "country".into(),
                country: opt(code),
                wikidata: opt(wikidata),
            };
            self.add_place(record, &variants, builder);
        }
        Ok(())
    }

    fn load_places(&mut self, files: &DataFiles, builder: &mut Builder) -> Result<(), LoadError> {
        const FILE: &str = "kb/places.tsv";
        for (line, fields) in files.records(FILE)? {
            let [name, subtype, rest @ ..] = fields.as_slice() else {
                return Err(DataFiles::syntax(
                    FILE,
                    line,
                    "expected name, subtype, country, wikidata, variants",
                ));
            };
            let field = |i: usize| rest.get(i).map(String::as_str).unwrap_or("");
            let variants: Vec<&str> = variants_of(rest.get(2..).unwrap_or_default());
            if self.exact_places.contains_key(&name.to_lowercase()) {
                continue;
            }
            let record = PlaceRecord {
                name: name.clone(),
                subtype: subtype.clone(),
                country: opt(field(0)),
                wikidata: opt(field(1)),
            };
            self.add_place(record, &variants, builder);
        }
        Ok(())
    }

    fn load_people(&mut self, files: &DataFiles, builder: &mut Builder) -> Result<(), LoadError> {
        const FILE: &str = "kb/people.tsv";
        for (line, fields) in files.records(FILE)? {
            let [name, country, role, _from, rest @ ..] = fields.as_slice() else {
                return Err(DataFiles::syntax(
                    FILE,
                    line,
                    "expected name, country, role, from, to, wikidata, variants",
                ));
            };
            let field = |i: usize| rest.get(i).map(String::as_str).unwrap_or("");
            let i = self.people.len();
            let variants: Vec<&str> = variants_of(rest.get(2..).unwrap_or_default());
            self.people.push(PersonRecord {
                name: name.clone(),
                country: opt(country),
                role: opt(role),
                current: field(0).is_empty(),
                wikidata: opt(field(1)),
                english: english_of(&variants),
                variants: variants.iter().map(|v| v.to_string()).collect(),
            });
            for v in std::iter::once(name.as_str()).chain(variants.iter().copied()) {
                builder.add(v, KbRef::Person(i));
                if let Some(surname) =
                    words(v).last().filter(|s| s.chars().count() >= 4 && words(v).count() > 1)
                {
                    builder.add(surname, KbRef::Surname(i));
                }
            }
        }
        Ok(())
    }

    fn load_orgs(&mut self, files: &DataFiles, builder: &mut Builder) -> Result<(), LoadError> {
        const FILE: &str = "kb/organisations.tsv";
        for (line, fields) in files.records(FILE)? {
            let [name, subtype, rest @ ..] = fields.as_slice() else {
                return Err(DataFiles::syntax(
                    FILE,
                    line,
                    "expected name, subtype, country, wikidata, variants",
                ));
            };
            let field = |i: usize| rest.get(i).map(String::as_str).unwrap_or("");
            let i = self.orgs.len();
            let variants: Vec<&str> = variants_of(rest.get(2..).unwrap_or_default());
            self.orgs.push(OrgRecord {
                name: name.clone(),
                subtype: subtype.clone(),
                country: opt(field(0)),
                wikidata: opt(field(1)),
                english: english_of(&variants),
            });
            for v in std::iter::once(name.as_str()).chain(variants.iter().copied()) {
                builder.add(v, KbRef::Org(i));
            }
        }
        Ok(())
    }
}

/// A cue word is found by the key of any of its forms: its stem, and the word itself when the stem cut a
/// final consonant cluster that looked like an ending ("аким" → "ак", while "акимом" → "аким").
fn insert_forms(set: &mut HashSet<String>, word: &str) -> bool {
    set.insert(word.to_lowercase());
    set.insert(morph::stem(word))
}

fn load_cues(files: &DataFiles) -> Result<Cues, LoadError> {
    const FILE: &str = "kb/cues.tsv";
    let mut cues = Cues::default();
    for (line, fields) in files.records(FILE)? {
        let [kind, word, rest @ ..] = fields.as_slice() else {
            return Err(DataFiles::syntax(FILE, line, "expected kind, word"));
        };
        match kind.as_str() {
            "role" => insert_forms(&mut cues.role, word),
            "org" => insert_forms(&mut cues.org_head, word),
            "place" => insert_forms(&mut cues.place_head, word),
            "descriptor" => insert_forms(&mut cues.descriptor, word),
            "place_prep" => cues.place_prep.insert(word.to_lowercase()),
            "stop" => cues.stop.insert(word.to_lowercase()),
            "not_name" => cues.not_name.insert(word.to_lowercase()),
            "particle" => cues.particle.insert(word.to_lowercase()),
            "org_lower" => insert_forms(&mut cues.org_lower, word),
            "work" => insert_forms(&mut cues.work, word),
            "pronoun" => {
                let gender = rest.first().and_then(|g| g.chars().next()).unwrap_or('m');
                cues.pronoun.insert(word.to_lowercase(), gender).is_none()
            }
            other => return Err(DataFiles::syntax(FILE, line, format!("unknown cue kind {other}"))),
        };
    }
    Ok(cues)
}
