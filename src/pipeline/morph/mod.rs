//! Russian morphology for names: what a capitalised word is likely to be (given name, surname, place,
//! organisation, common word) and its dictionary (nominative) form, for single names and adjective + noun
//! phrases ("Алматинской области" → "Алматинская область").
//!
//! Backed by the `rumorph` crate (MIT code; its OpenCorpora/Wiktionary dictionary is CC BY-SA 4.0, see
//! `data/kb/README.md`): it loads in milliseconds from the binary, analyses a word in about a microsecond and
//! marks proper names with the UD feature `NameType` (Giv, Sur, Pat, Geo, Com). Without the dictionary
//! ([`Morph::none`]) every function degrades to keeping the word as written.
//!
//! [`stem`] is a separate, dictionary-free key function: it strips case endings so that the knowledge base
//! can match any case form of a name with one automaton ("Бишкеке" and "Бишкек" share the key "бишкек").

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash};
use std::sync::{Arc, RwLock};

use rumorph::{Analysis, Dictionary};

use super::text::chars::{is_cyrillic, is_upper};
use super::text::fold::{push_lower, push_upper};
use super::text::hash::FastHasher;

mod stem;

pub use stem::{stem, stem_into, stem_of_lower};

/// Answers of the dictionary shared by all releases: names repeat across a news feed, and a look-up in the
/// dictionary costs microseconds while a hash look-up costs nanoseconds. Bounded: cleared when full. Keys are
/// words and phrases: the fast hash of the knowledge base, not SipHash, which costs more than the look-up.
struct Cache<K, V> {
    map: RwLock<HashMap<K, V, BuildHasherDefault<FastHasher>>>,
}

/// Entries a cache holds before it is cleared (about a few MB at most).
const CACHE_LIMIT: usize = 50_000;

impl<K: Hash + Eq, V: Clone> Cache<K, V> {
    fn new() -> Self {
        Cache { map: RwLock::new(HashMap::default()) }
    }

    fn get_or<Q>(&self, key: &Q, compute: impl FnOnce() -> V) -> V
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized + ToOwned<Owned = K>,
    {
        if let Some(v) = self.map.read().ok().and_then(|m| m.get(key).cloned()) {
            return v;
        }
        let v = compute();
        if let Ok(mut m) = self.map.write() {
            if m.len() >= CACHE_LIMIT {
                m.clear();
            }
            m.insert(key.to_owned(), v.clone());
        }
        v
    }
}

/// How likely a word is each kind of name, summed over its analyses (0–1 each).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WordInfo {
    /// Given name.
    pub given: f32,
    /// Surname.
    pub surname: f32,
    /// Patronymic.
    pub patronymic: f32,
    /// Place name.
    pub geo: f32,
    /// Organisation or brand name.
    pub org: f32,
    /// Anything else (common nouns, verbs, adjectives…).
    pub common: f32,
    /// Adjective.
    pub adjective: f32,
    /// Whether the dictionary knows the word (rather than guessing from its ending).
    pub known: bool,
}

impl WordInfo {
    /// Probability of being part of a person's name.
    pub fn person(&self) -> f32 {
        self.given + self.surname + self.patronymic
    }
}

/// Which part of a person's name a word is, to pick the right analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamePart {
    /// Given name (first).
    Given,
    /// Patronymic (middle).
    Patronymic,
    /// Surname.
    Surname,
    /// Unknown position.
    Any,
}

/// The morphological analyser (or none).
pub struct Morph {
    dict: Option<Dictionary>,
    infos: Cache<String, WordInfo>,
    person_words: Cache<(String, u8), String>,
    phrases: Cache<String, Arc<[String]>>,
}

impl std::fmt::Debug for Morph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Morph").field("dictionary", &self.dict.is_some()).finish()
    }
}

impl Default for Morph {
    fn default() -> Self {
        Morph::none()
    }
}

/// Turkic patronymic markers that follow the father's name and never decline ("Азамат Жолдошбек уулу").
const TURKIC_PATRONYMIC: &[&str] = &["уулу", "кызы", "улы", "оглы", "угли", "кизи"];

/// Whether a word is a Turkic patronymic marker.
pub fn is_turkic_patronymic(word: &str) -> bool {
    // Cyrillic letters keep their length in bytes in either case: only a word as long as a marker can be one
    // (the test runs on every word after a name; most are longer).
    TURKIC_PATRONYMIC.iter().any(|m| m.len() == word.len())
        && TURKIC_PATRONYMIC.contains(&word.to_lowercase().as_str())
}

impl Morph {
    /// The bundled OpenCorpora dictionary; without it (it failed to load) names are kept as written.
    pub fn bundled() -> Self {
        Morph { dict: Dictionary::bundled().ok(), ..Morph::none() }
    }

    /// No dictionary.
    pub fn none() -> Self {
        Morph { dict: None, infos: Cache::new(), person_words: Cache::new(), phrases: Cache::new() }
    }

    fn analyses(&self, word: &str) -> Vec<Analysis> {
        match &self.dict {
            Some(d) if word.chars().any(is_cyrillic) => d.analyze(word),
            _ => Vec::new(),
        }
    }

    fn feat<'a>(&'a self, a: &Analysis, name: &str) -> Option<&'a str> {
        self.dict.as_ref()?.ud_tag(a.ud)?.feat(name)
    }

    fn pos<'a>(&'a self, a: &Analysis) -> &'a str {
        self.dict.as_ref().and_then(|d| d.ud_tag(a.ud)).map(|t| t.pos()).unwrap_or("X")
    }

    /// What kind of name a word is likely to be.
    pub fn info(&self, word: &str) -> WordInfo {
        self.infos.get_or(word, || self.info_uncached(word))
    }

    fn info_uncached(&self, word: &str) -> WordInfo {
        let mut info = WordInfo::default();
        for a in self.analyses(word) {
            let p = a.prob as f32;
            info.known |= a.source.as_str() == "dictionary";
            match (self.pos(&a), self.feat(&a, "NameType")) {
                ("PROPN", Some("Giv")) => info.given += p,
                ("PROPN", Some("Sur")) => info.surname += p,
                ("PROPN", Some("Pat")) => info.patronymic += p,
                ("PROPN", Some("Geo")) => info.geo += p,
                ("PROPN", Some("Com")) => info.org += p,
                ("ADJ", _) => {
                    info.adjective += p;
                    info.common += p
                }
                _ => info.common += p,
            }
        }
        info
    }

    /// Whether some analysis of `word` is a noun, adjective or numeral in the genitive (complements of a
    /// name: "Министерство обороны", "Комитет защиты журналистов").
    pub fn is_genitive(&self, word: &str) -> bool {
        self.analyses(word).iter().any(|a| {
            matches!(self.pos(a), "NOUN" | "ADJ" | "PROPN" | "NUM") && self.feat(a, "Case") == Some("Gen")
        })
    }

    /// Whether a noun is more likely plural than singular ("министерствами").
    pub fn is_plural(&self, word: &str) -> bool {
        let (mut plural, mut singular) = (0.0, 0.0);
        for a in self.analyses(word) {
            match self.feat(&a, "Number") {
                Some("Plur") => plural += a.prob,
                _ => singular += a.prob,
            }
        }
        plural > singular
    }

    /// Whether a given name is feminine ("Мария", "Марии").
    pub fn is_feminine_given(&self, word: &str) -> bool {
        let (mut fem, mut masc) = (0.0, 0.0);
        for a in self.analyses(word) {
            if self.feat(&a, "NameType") == Some("Giv") {
                match self.feat(&a, "Gender") {
                    Some("Fem") => fem += a.prob,
                    _ => masc += a.prob,
                }
            }
        }
        fem > masc
    }

    /// The nominative of one word of a person's name, written with the original capitalisation.
    /// `feminine` picks the feminine surname when the given name says so ("Захаровой" → "Захарова").
    pub fn person_word(&self, word: &str, part: NamePart, feminine: Option<bool>) -> String {
        let variant = part as u8 * 3 + feminine.map_or(0, |f| 1 + f as u8);
        self.person_words
            .get_or(&(word.to_string(), variant), || self.person_word_uncached(word, part, feminine))
    }

    fn person_word_uncached(&self, word: &str, part: NamePart, feminine: Option<bool>) -> String {
        if is_turkic_patronymic(word) || word.chars().count() <= 2 {
            return word.to_string();
        }
        let wanted = match part {
            NamePart::Given => Some("Giv"),
            NamePart::Patronymic => Some("Pat"),
            NamePart::Surname => Some("Sur"),
            NamePart::Any => None,
        };
        let score = |a: &Analysis| {
            let name_type = self.feat(a, "NameType");
            let mut s = a.prob;
            if self.pos(a) == "PROPN" && matches!(name_type, Some("Giv" | "Sur" | "Pat")) {
                s += 1.0;
            }
            if wanted.is_some() && name_type == wanted {
                s += 1.0;
            }
            if let Some(fem) = feminine {
                if (self.feat(a, "Gender") == Some("Fem")) == fem {
                    s += 0.5;
                }
            }
            if self.feat(a, "Number") == Some("Plur") {
                s -= 0.5;
            }
            s
        };
        let best = self.analyses(word).into_iter().max_by(|a, b| score(a).total_cmp(&score(b)));
        match best {
            Some(a) if self.pos(&a) == "PROPN" => restore_case(&a.lemma, word),
            _ => word.to_string(),
        }
    }

    /// The nominative of a name phrase: the head noun (the first noun) in the nominative and the adjectives
    /// before it agreeing with it; words after the head (genitive complements) are kept
    /// ("Евразийской экономической комиссии" → "Евразийская экономическая комиссия",
    /// "Организации Договора о…" → "Организация Договора о…"). Shared with the cache: no copy per call.
    pub fn nominative_phrase(&self, words: &[&str]) -> Arc<[String]> {
        self.phrases.get_or(words.join(" ").as_str(), || self.nominative_phrase_uncached(words).into())
    }

    fn nominative_phrase_uncached(&self, words: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let Some(dict) = &self.dict else { return out };
        let mut head = None;
        for (i, w) in words.iter().enumerate() {
            if !w.chars().any(is_cyrillic) {
                break;
            }
            let analyses = self.analyses(w);
            let noun = analyses
                .iter()
                .filter(|a| matches!(self.pos(a), "NOUN" | "PROPN"))
                .max_by(|a, b| a.prob.total_cmp(&b.prob));
            let adj = analyses.iter().filter(|a| self.pos(a) == "ADJ").map(|a| a.prob).sum::<f64>();
            if let Some(n) = noun {
                if n.prob > adj || i + 1 == words.len() {
                    head = Some((i, n.clone()));
                    break;
                }
            }
            if adj == 0.0 {
                break;
            }
        }
        let Some((h, noun)) = head else { return out };
        let number = self.feat(&noun, "Number").unwrap_or("Sing").to_string();
        let gender = self.feat(&noun, "Gender").map(str::to_string);
        let nominative = dict.inflect(&noun, &[("Case", "Nom"), ("Number", number.as_str())]);
        out[h] = restore_case(&nominative.map(|a| a.word).unwrap_or(noun.lemma.clone()), words[h]);
        for i in 0..h {
            let adj = self.analyses(words[i]).into_iter().filter(|a| self.pos(a) == "ADJ").max_by(|a, b| {
                self.agreement(a, &number, gender.as_deref()).total_cmp(&self.agreement(
                    b,
                    &number,
                    gender.as_deref(),
                ))
            });
            if let Some(a) = adj {
                let mut feats = vec![("Case", "Nom"), ("Number", number.as_str())];
                if let (Some(g), "Sing") = (gender.as_deref(), number.as_str()) {
                    feats.push(("Gender", g));
                }
                if let Some(form) = dict.inflect(&a, &feats) {
                    out[i] = restore_case(&form.word, words[i]);
                }
            }
        }
        out
    }

    fn agreement(&self, a: &Analysis, number: &str, gender: Option<&str>) -> f64 {
        let mut s = a.prob;
        if self.feat(a, "Number") == Some(number) {
            s += 1.0;
        }
        if gender.is_some() && self.feat(a, "Gender") == gender {
            s += 1.0;
        }
        s
    }
}

/// Writes `lemma` with the capitalisation of `original`: all upper case stays upper case, a capital initial
/// (per hyphen-separated part) stays capital, the rest lower case.
pub fn restore_case(lemma: &str, original: &str) -> String {
    let mut out = String::with_capacity(lemma.len());
    restore_case_into(lemma, original, &mut out);
    out
}

/// [`restore_case`] appended to `out`: a phrase is built in one string instead of a string per word.
pub fn restore_case_into(lemma: &str, original: &str, out: &mut String) {
    let mut leading = original.chars();
    if leading.next().is_some_and(is_upper) && leading.next().is_some_and(is_upper) {
        out.push_str(&lemma.to_uppercase());
        return;
    }
    let starts_upper = |part: &str| part.chars().next().is_some_and(is_upper);
    let first_cap = starts_upper(original.split('-').next().unwrap_or(""));
    let mut original_parts = original.split('-');
    for (i, part) in lemma.split('-').enumerate() {
        if i > 0 {
            out.push('-');
        }
        // Parts beyond the original's take the capitalisation of its first part.
        let cap = original_parts.next().map_or(first_cap, starts_upper);
        for (k, c) in part.chars().enumerate() {
            if k == 0 && cap {
                push_upper(out, c);
            } else {
                push_lower(out, c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn morph() -> &'static Morph {
        static M: OnceLock<Morph> = OnceLock::new();
        M.get_or_init(Morph::bundled)
    }

    #[test]
    fn surnames_given_names_and_hyphenated_names_go_to_the_nominative() {
        let m = morph();
        assert_eq!(m.person_word("Токаевым", NamePart::Surname, Some(false)), "Токаев");
        assert_eq!(m.person_word("Касым-Жомартом", NamePart::Given, None), "Касым-Жомарт");
        assert_eq!(m.person_word("Шавкатом", NamePart::Given, None), "Шавкат");
        assert_eq!(m.person_word("Мирзиёевым", NamePart::Surname, Some(false)), "Мирзиёев");
        assert_eq!(m.person_word("Захаровой", NamePart::Surname, Some(true)), "Захарова");
        assert_eq!(m.person_word("Лужкова", NamePart::Surname, Some(false)), "Лужков");
        assert_eq!(m.person_word("Абаем", NamePart::Any, None), "Абай");
        assert_eq!(m.person_word("Меркель", NamePart::Surname, Some(true)), "Меркель");
    }

    #[test]
    fn turkic_patronymics_are_kept() {
        let m = morph();
        assert_eq!(m.person_word("уулу", NamePart::Any, None), "уулу");
        assert!(is_turkic_patronymic("кызы"));
        assert!(is_turkic_patronymic("Улы"));
    }

    #[test]
    fn adjective_noun_phrases_go_to_the_nominative() {
        let m = morph();
        assert_eq!(m.nominative_phrase(&["Алматинской", "области"]).join(" "), "Алматинская область");
        assert_eq!(
            m.nominative_phrase(&["Евразийской", "экономической", "комиссии"]).join(" "),
            "Евразийская экономическая комиссия"
        );
        assert_eq!(
            m.nominative_phrase(&["Евразийского", "экономического", "союза"]).join(" "),
            "Евразийский экономический союз"
        );
        assert_eq!(
            m.nominative_phrase(&["Организации", "Договора", "о", "коллективной", "безопасности"]).join(" "),
            "Организация Договора о коллективной безопасности"
        );
        assert_eq!(m.nominative_phrase(&["Президентом", "Казахстана"]).join(" "), "Президент Казахстана");
    }

    #[test]
    fn name_kinds_come_from_the_dictionary() {
        let m = morph();
        assert!(m.info("Жапаров").surname > 0.5);
        assert!(m.info("Москвы").geo > 0.5);
        assert!(m.info("Газпром").org > 0.5);
        assert!(m.info("Министры").common > 0.5);
        assert!(m.is_feminine_given("Марии"));
        assert!(!m.is_feminine_given("Сергея"));
        assert!(m.is_plural("министерствами"));
        assert!(!m.is_plural("министерством"));
    }

    /// The straightforward restore_case the fast one must agree with.
    fn restore_case_reference(lemma: &str, original: &str) -> String {
        if original.chars().take_while(|c| c.is_uppercase()).count() >= 2 {
            return lemma.to_uppercase();
        }
        let caps: Vec<bool> =
            original.split('-').map(|p| p.chars().next().is_some_and(char::is_uppercase)).collect();
        lemma
            .split('-')
            .enumerate()
            .map(|(i, part)| {
                let cap = caps.get(i).copied().unwrap_or(caps.first().copied().unwrap_or(false));
                let mut chars = part.chars();
                match chars.next() {
                    Some(c) if cap => c.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
                    Some(c) => std::iter::once(c).chain(chars).flat_map(char::to_lowercase).collect(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join("-")
    }

    #[test]
    fn restored_case_agrees_with_the_reference() {
        let pairs = [
            ("касым-жомарт", "Касым-Жомартом"),
            ("мид", "МИДа"),
            ("область", "области"),
            ("ёлка-палка-ель", "Ёлкой"),
            ("straße-ǆ", "X-y"),
            ("", ""),
            ("a--b", "-A"),
            ("İstanbul", "istanbul"),
            ("президент", "Президентом"),
        ];
        for (lemma, original) in pairs {
            assert_eq!(restore_case(lemma, original), restore_case_reference(lemma, original), "{lemma}");
        }
    }

    #[test]
    fn case_is_restored() {
        assert_eq!(restore_case("касым-жомарт", "Касым-Жомартом"), "Касым-Жомарт");
        assert_eq!(restore_case("мид", "МИДа"), "МИД");
        assert_eq!(restore_case("область", "области"), "область");
    }
}
