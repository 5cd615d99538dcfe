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

use super::data::DataFiles;
use super::morph::{self, Morph};
use super::text::chars::{is_alphanumeric, is_cyrillic};
use super::text::hash::FastMap;
use super::types::LoadError;

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

/// Words and what the vocabulary knows of them: open addressing (linear probing) over one buffer holding all
/// the words, hashed on their length and first and last eight bytes. Every word of a release is looked up:
/// the look-up hashes at most two machine words, follows no pointer and compares bytes kept side by side.
#[derive(Debug, Default)]
struct WordTable {
    /// A power of two of slots, at most half of them used.
    slots: Vec<Slot>,
    /// Sixteen bits of the hash of the word in each slot, never 0 ([`WordTable::FREE`] for a free slot): a
    /// probe reads this small array and looks at a slot only when its tag matches (most words are unknown).
    tags: Vec<u16>,
    /// The words, one after another.
    text: String,
    len: usize,
}

/// One slot of a [`WordTable`].
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Where the word is in [`WordTable::text`].
    start: u32,
    /// Its length in bytes.
    len: u32,
    entry: WordEntry,
}

impl WordTable {
    const FREE: u16 = 0;
    const MIN_SLOTS: usize = 16;

    fn len(&self) -> usize {
        self.len
    }

    /// A hash of a word from its length and its first and last eight bytes (all of a shorter word).
    fn hash(word: &[u8]) -> u64 {
        let n = word.len();
        // Shorter words are read in overlapping pieces, which cover every byte: no copy into a padded buffer
        // (whose read back would wait on the copy).
        let (head, tail) = match (word.first_chunk::<8>(), word.last_chunk::<8>()) {
            (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
            _ => match (word.first_chunk::<4>(), word.last_chunk::<4>()) {
                (Some(head), Some(tail)) => {
                    (u64::from(u32::from_le_bytes(*head)), u64::from(u32::from_le_bytes(*tail)))
                }
                _ => match word {
                    [] => (0, 0),
                    [first, ..] => {
                        (u64::from(*first) | u64::from(word[n / 2]) << 8 | u64::from(word[n - 1]) << 16, 0)
                    }
                },
            },
        };
        // Two independent multiplications: their high bits, which pick the slot, depend on every input bit.
        (head ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ tail.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
    }

    /// The slot of a hash (its high bits) and its tag (other bits, never [`WordTable::FREE`]).
    fn slot_and_tag(&self, hash: u64) -> (usize, u16) {
        let bits = self.slots.len().trailing_zeros();
        ((hash >> (64 - bits)) as usize, (hash >> 16) as u16 | 1)
    }

    /// The slot holding `word` (`Ok`), or the free slot where it would go (`Err`). The table must have slots.
    fn position(&self, word: &str) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let (mut i, tag) = self.slot_and_tag(Self::hash(word.as_bytes()));
        loop {
            match self.tags[i] {
                Self::FREE => return Err(i),
                t if t == tag => {
                    let slot = &self.slots[i];
                    if slot.len as usize == word.len() && self.word_at(slot) == word {
                        return Ok(i);
                    }
                }
                _ => {}
            }
            i = (i + 1) & mask;
        }
    }

    fn word_at(&self, slot: &Slot) -> &str {
        let start = slot.start as usize;
        &self.text[start..start + slot.len as usize]
    }

    fn get(&self, word: &str) -> Option<WordEntry> {
        if self.slots.is_empty() {
            return None;
        }
        self.position(word).ok().map(|i| self.slots[i].entry)
    }

    /// The entry of `word`, added (with the default entry) if missing.
    fn entry(&mut self, word: &str) -> &mut WordEntry {
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        let i = match self.position(word) {
            Ok(i) => i,
            Err(i) => {
                let start = self.text.len() as u32;
                self.text.push_str(word);
                self.slots[i] = Slot { start, len: word.len() as u32, entry: WordEntry::default() };
                self.tags[i] = self.slot_and_tag(Self::hash(word.as_bytes())).1;
                self.len += 1;
                i
            }
        };
        &mut self.slots[i].entry
    }

    /// Doubles the slots and puts every word back.
    fn grow(&mut self) {
        let empty = Slot { start: 0, len: 0, entry: WordEntry::default() };
        let size = (self.slots.len() * 2).max(Self::MIN_SLOTS);
        let old_tags = std::mem::replace(&mut self.tags, vec![Self::FREE; size]);
        let old = std::mem::replace(&mut self.slots, vec![empty; size]);
        for (slot, _) in old.into_iter().zip(old_tags).filter(|&(_, tag)| tag != Self::FREE) {
            let word = self.word_at(&slot).to_string();
            if let Err(i) = self.position(&word) {
                self.slots[i] = slot;
                self.tags[i] = self.slot_and_tag(Self::hash(word.as_bytes())).1;
            }
        }
    }
}

/// The names of the knowledge base as a trie of words: node 0 is the root, a word id leads from a node to the
/// next, and a node that ends a key points into `KnowledgeBase::keys`.
#[derive(Debug, Default)]
struct NameTrie {
    vocabulary: WordTable,
    next: FastMap<u64, u32>,
    /// The node each word leads to from the root, by word id (`NO_NODE` for none): every token starts a
    /// look-up there, so it is an index, not a hash look-up.
    from_root: Vec<u32>,
    key_at: Vec<u32>,
}

impl NameTrie {
    const NO_KEY: u32 = u32::MAX;
    const NO_NODE: u32 = u32::MAX;

    fn entry(&mut self, word: &str) -> &mut WordEntry {
        self.vocabulary.entry(word)
    }

    fn word_id(&mut self, word: &str) -> u32 {
        let next_id = self.vocabulary.len() as u32;
        let entry = self.entry(word);
        if entry.name_word == NO_NAME_WORD {
            // Ids only need to be distinct; the vocabulary's size is a fresh one.
            entry.name_word = next_id;
        }
        entry.name_word
    }

    fn edge(node: u32, word: u32) -> u64 {
        u64::from(node) << 32 | u64::from(word)
    }

    /// Adds a key (stems joined by spaces) that leads to `keys[index]`.
    fn insert(&mut self, key: &str, index: usize) {
        if self.key_at.is_empty() {
            self.key_at.push(Self::NO_KEY);
        }
        let mut node = 0;
        for word in key.split(' ') {
            let id = self.word_id(word);
            let fresh = self.key_at.len() as u32;
            let from = node;
            node = *self.next.entry(Self::edge(node, id)).or_insert(fresh);
            if node == fresh {
                self.key_at.push(Self::NO_KEY);
            }
            if from == 0 {
                if self.from_root.len() <= id as usize {
                    self.from_root.resize(id as usize + 1, Self::NO_NODE);
                }
                self.from_root[id as usize] = node;
            }
        }
        self.key_at[node as usize] = index as u32;
    }

    fn mark_cues<'w>(&mut self, words: impl IntoIterator<Item = &'w String>, bit: u16) {
        for word in words {
            self.entry(word).cues |= bit;
        }
    }

    fn lookup(&self, word: &str) -> WordEntry {
        self.vocabulary.get(word).unwrap_or_default()
    }

    /// The keys that start at `words[start]`, shortest first: (end, index into `keys`).
    fn keys_from(&self, words: &[u32], start: usize, mut found: impl FnMut(usize, usize)) {
        let mut node = 0;
        for (end, &word) in words.iter().enumerate().skip(start) {
            if word == NO_NAME_WORD {
                return;
            }
            let next = if node == 0 {
                self.from_root.get(word as usize).copied().filter(|&n| n != Self::NO_NODE)
            } else {
                self.next.get(&Self::edge(node, word)).copied()
            };
            let Some(next) = next else { return };
            node = next;
            if let Some(&key) = self.key_at.get(node as usize).filter(|&&k| k != Self::NO_KEY) {
                found(end + 1, key as usize);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
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
