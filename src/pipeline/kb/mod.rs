//! The knowledge base: countries, regions, cities, people and organisations with their name variants,
//! countries, roles and Wikidata ids, loaded from `data/kb/*.tsv` (files a user can extend), plus the cue words
//! of `data/kb/cues.tsv` and the morphology dictionary.
//!
//! Every name variant is reduced to a key of word stems ([`morph::stem`]) and all keys go into one trie of
//! words built at load, so that any case form of any known name is found in one pass over a release
//! ("Кыргызской Республики" and "Кыргызская Республика" share a key). The words of the trie and the cue words
//! share one vocabulary: one look-up per token tells both whether it may be part of a name and which cue
//! lists it is in.

use std::collections::{HashMap, HashSet};

use super::morph::{self, Morph};
use super::text::chars::is_alphanumeric;

mod load;
mod trie;
mod turkic;
mod vocabulary;

use trie::NameTrie;
use turkic::TurkicEndings;
pub use turkic::{bases as turkic_bases, surname_without_case_ending};

/// A place the knowledge base knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRecord {
    /// Canonical name, nominative.
    pub name: String,
    /// country | city | region | landmark | …
    pub subtype: String,
    /// ISO 3166-1 alpha-2 of the country it is in (or is).
    pub country: Option<String>,
    /// Wikidata QID.
    pub wikidata: Option<String>,
}

/// A person the knowledge base knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    /// Canonical name (given name and surname), nominative.
    pub name: String,
    /// ISO 3166-1 alpha-2 (or `EU`/`UN` for officials of those bodies).
    pub country: Option<String>,
    /// The office, nominative ("Президент Кыргызской Республики").
    pub role: Option<String>,
    /// Whether the person holds the office now (no end year).
    pub current: bool,
    /// Wikidata QID.
    pub wikidata: Option<String>,
    /// The name in English releases (the first Latin variant).
    pub english: Option<String>,
    /// The other spellings of the name (`variants` column), as written there.
    pub variants: Vec<String>,
}

/// An organisation the knowledge base knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    /// Canonical name, nominative.
    pub name: String,
    /// international | government | ministry | agency | parliament | party | company | media | …
    pub subtype: String,
    /// ISO 3166-1 alpha-2, none for international bodies.
    pub country: Option<String>,
    /// Wikidata QID.
    pub wikidata: Option<String>,
    /// The name in English releases (the first Latin variant).
    pub english: Option<String>,
}

/// What a key of the name trie refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KbRef {
    /// `places[i]` (countries included).
    Place(usize),
    /// `people[i]` by a full name.
    Person(usize),
    /// `people[i]` by the surname alone: only a hint, resolved against the release.
    Surname(usize),
    /// `organisations[i]`.
    Org(usize),
}

/// How a key must appear in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTarget {
    /// What it names.
    pub target: KbRef,
    /// The variant is an upper-case abbreviation ("ЕС", "США"): the text must be upper case too.
    pub upper: bool,
    /// The variant starts with a lower-case word ("национальный холдинг «Байтерек»").
    pub lower: bool,
}

/// A knowledge-base name found in a sequence of word keys: words `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbMatch {
    /// First word.
    pub start: usize,
    /// Word after the last.
    pub end: usize,
    /// What it may refer to (several for a shared surname).
    pub targets: Vec<KeyTarget>,
}

/// A knowledge-base name found in a sequence of words, its targets borrowed from the knowledge base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KbSpan<'k> {
    /// First word.
    pub start: usize,
    /// Word after the last.
    pub end: usize,
    /// What it may refer to (several for a shared surname).
    pub targets: &'k [KeyTarget],
}

/// Bits of [`WordEntry::cues`]: the cue lists a word is in. The lists of stems (role, org, place, descriptor,
/// org_lower, work) hold keys, the others lower-case words; look a token up by the one its list holds.
pub mod cue {
    /// [`super::Cues::role`].
    pub const ROLE: u16 = 1;
    /// [`super::Cues::org_head`].
    pub const ORG_HEAD: u16 = 1 << 1;
    /// [`super::Cues::descriptor`].
    pub const DESCRIPTOR: u16 = 1 << 2;
    /// [`super::Cues::place_prep`].
    pub const PLACE_PREP: u16 = 1 << 3;
    /// [`super::Cues::stop`].
    pub const STOP: u16 = 1 << 4;
    /// [`super::Cues::not_name`].
    pub const NOT_NAME: u16 = 1 << 5;
    /// [`super::Cues::place_head`].
    pub const PLACE_HEAD: u16 = 1 << 6;
    /// [`super::Cues::org_lower`].
    pub const ORG_LOWER: u16 = 1 << 7;
    /// [`super::Cues::work`].
    pub const WORK: u16 = 1 << 8;
    /// [`super::Cues::particle`].
    pub const PARTICLE: u16 = 1 << 9;
}

/// What the vocabulary knows of one word key or lower-case word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordEntry {
    /// Id of the word in the name trie ([`NO_NAME_WORD`] when no name contains it).
    pub name_word: u32,
    /// The cue lists it is in ([`cue`] bits).
    pub cues: u16,
}

/// [`WordEntry::name_word`] of a word no knowledge-base name contains.
pub const NO_NAME_WORD: u32 = u32::MAX;

impl Default for WordEntry {
    fn default() -> Self {
        WordEntry { name_word: NO_NAME_WORD, cues: 0 }
    }
}

impl WordEntry {
    /// Whether the word is in any of the cue lists `bits`.
    pub fn is(&self, bits: u16) -> bool {
        self.cues & bits != 0
    }
}

/// Cue words: role nouns, organisation heads, descriptors before quoted names, pronouns.
#[derive(Debug, Default)]
pub struct Cues {
    /// Stems of role nouns ("президент", "министр", "chairman").
    pub role: HashSet<String>,
    /// Stems of nouns that head organisation names ("министерство", "комитет", "союз").
    pub org_head: HashSet<String>,
    /// Stems of descriptors before a quoted name («Байтерек» after "холдинг").
    pub descriptor: HashSet<String>,
    /// Prepositions before a place ("в", "из", "in").
    pub place_prep: HashSet<String>,
    /// Personal pronouns and their gender (`m` / `f`).
    pub pronoun: HashMap<String, char>,
    /// Capitalised words that never start a name (English sentence starters, months…), lower case.
    pub stop: HashSet<String>,
    /// Abbreviations and capitalised words that are not names (СМИ, ОАО, ТВ), lower case.
    pub not_name: HashSet<String>,
    /// Stems of nouns after a capitalised adjective that make a place's name ("Тверской области").
    pub place_head: HashSet<String>,
    /// Stems of lower-case nouns heading an organisation's name ("министерство").
    pub org_lower: HashSet<String>,
    /// Stems of descriptors before a quoted name that is not an organisation (фильм «…»).
    pub work: HashSet<String>,
    /// Particles inside people's names ("фон", "де", "ибн"), lower case.
    pub particle: HashSet<String>,
}

/// Everything the entity stage links names to.
#[derive(Debug, Default)]
pub struct KnowledgeBase {
    places: Vec<PlaceRecord>,
    place_english: Vec<Option<String>>,
    people: Vec<PersonRecord>,
    orgs: Vec<OrgRecord>,
    exact_places: HashMap<String, usize>,
    key_places: HashMap<String, usize>,
    keys: Vec<Vec<KeyTarget>>,
    names: NameTrie,
    cues: Cues,
    morph: Morph,
    turkic: TurkicEndings,
}

/// The matching key of a name: the stems of its words joined by spaces; quotes and punctuation dropped.
pub fn name_key(name: &str) -> String {
    words(name).map(morph::stem).collect::<Vec<_>>().join(" ")
}

/// The words of a name: runs of letters and digits, hyphens and dots inside kept ("Кара-Балта", "24.kg").
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    // The fast alphanumeric test: the general Unicode tables cost dozens of instructions per Cyrillic letter.
    text.split(|c: char| !(is_alphanumeric(c) || c == '-' || c == '.' || c == '\''))
        .map(|w| w.trim_matches(|c: char| c == '-' || c == '.' || c == '\''))
        .filter(|w| !w.is_empty())
}

impl KnowledgeBase {
    /// The place a name (any case form, any letter case, any listed variant) refers to.
    pub fn place(&self, name: &str) -> Option<&PlaceRecord> {
        let name = name.trim();
        self.exact_places
            .get(&name.to_lowercase())
            .or_else(|| self.key_places.get(&name_key(name)))
            .map(|&i| &self.places[i])
    }

    /// A place by index.
    pub fn place_at(&self, i: usize) -> &PlaceRecord {
        &self.places[i]
    }

    /// The English name of a place by index (for English releases), if the knowledge base has one.
    pub fn place_english(&self, i: usize) -> Option<&str> {
        self.place_english.get(i)?.as_deref()
    }

    /// A person by index.
    pub fn person_at(&self, i: usize) -> &PersonRecord {
        &self.people[i]
    }

    /// An organisation by index.
    pub fn org_at(&self, i: usize) -> &OrgRecord {
        &self.orgs[i]
    }

    /// The people the knowledge base knows.
    pub fn people(&self) -> &[PersonRecord] {
        &self.people
    }

    /// The cue words.
    pub fn cues(&self) -> &Cues {
        &self.cues
    }

    /// The Kyrgyz or Kazakh case endings of `language`, longest first (empty for other languages).
    pub fn turkic_case_endings(&self, language: &str) -> &[String] {
        self.turkic.case_endings(language)
    }

    /// The morphology.
    pub fn morph(&self) -> &Morph {
        &self.morph
    }

    /// What the vocabulary knows of a word key ([`morph::stem`]) or a lower-case word: its id in the names
    /// and its cue lists.
    pub fn word(&self, word: &str) -> WordEntry {
        self.names.lookup(word)
    }

    /// Every knowledge-base name in a sequence of words given by their [`WordEntry::name_word`] ids
    /// ([`NO_NAME_WORD`] marks a break no name crosses), overlapping matches included, in order of start and
    /// longest first.
    pub fn names_in(&self, words: &[u32]) -> Vec<KbSpan<'_>> {
        // About one name in a dozen words: room for them up front.
        let mut found = Vec::with_capacity(words.len() / 8);
        for start in 0..words.len() {
            // Most words are in no name: no key starts there.
            if words[start] == NO_NAME_WORD {
                continue;
            }
            let first = found.len();
            self.names.keys_from(words, start, |end, key| {
                found.push(KbSpan { start, end, targets: &self.keys[key] });
            });
            found[first..].reverse();
        }
        found
    }

    /// Every knowledge-base name in a sequence of word keys (from [`morph::stem`]; a key `|` marks a break
    /// no name crosses), overlapping matches included, in order of start and longest first.
    pub fn matches<K: AsRef<str>>(&self, keys: &[K]) -> Vec<KbMatch> {
        let words: Vec<u32> = keys.iter().map(|k| self.word(k.as_ref()).name_word).collect();
        self.names_in(&words)
            .into_iter()
            .map(|m| KbMatch { start: m.start, end: m.end, targets: m.targets.to_vec() })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::data::DataFiles;
    use std::sync::OnceLock;

    fn kb() -> &'static KnowledgeBase {
        static KB: OnceLock<KnowledgeBase> = OnceLock::new();
        KB.get_or_init(|| KnowledgeBase::load(&DataFiles::new(None)).unwrap())
    }

    #[test]
    fn places_are_found_in_any_letter_case_and_case_form() {
        let kb = kb();
        for name in ["Бишкек", "БИШКЕК", "Bishkek", "Бишкеке"] {
            let p = kb.place(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!((p.name.as_str(), p.country.as_deref()), ("Бишкек", Some("KG")));
        }
        for name in ["Москва", "МОСКВА", "Moscow"] {
            assert_eq!(kb.place(name).unwrap().country.as_deref(), Some("RU"));
        }
        assert_eq!(kb.place("АСТАНА").unwrap().name, "Астана");
        assert_eq!(kb.place("Кыргызской Республики").unwrap().name, "Кыргызстан");
        assert_eq!(kb.place("Кыргызская Республика").unwrap().subtype, "country");
        assert!(kb.place("Нигдеград").is_none());
    }

    #[test]
    fn the_name_trie_finds_case_forms_of_multiword_names() {
        let kb = kb();
        let keys: Vec<String> = "с Президентом Республики Казахстан Касым-Жомартом Токаевым"
            .split(' ')
            .map(morph::stem)
            .collect();
        let found = kb.matches(&keys);
        let country = found.iter().find(|m| (m.start, m.end) == (2, 4)).expect("Республики Казахстан");
        assert!(matches!(country.targets[0].target, KbRef::Place(i) if kb.place_at(i).name == "Казахстан"));
        let person = found.iter().find(|m| (m.start, m.end) == (4, 6)).expect("Касым-Жомартом Токаевым");
        assert!(
            matches!(person.targets[0].target, KbRef::Person(i) if kb.person_at(i).name == "Касым-Жомарт Токаев")
        );
    }

    #[test]
    fn organisations_are_known_by_abbreviation_and_full_name() {
        let kb = kb();
        let keys: Vec<String> =
            "саммиту ОДКБ и Евразийской экономической комиссии".split(' ').map(morph::stem).collect();
        let orgs: Vec<&str> = kb
            .matches(&keys)
            .iter()
            .flat_map(|m| m.targets.iter())
            .filter_map(|t| match t.target {
                KbRef::Org(i) => Some(kb.org_at(i).name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            orgs,
            ["Организация Договора о коллективной безопасности", "Евразийская экономическая комиссия"]
        );
    }
}
