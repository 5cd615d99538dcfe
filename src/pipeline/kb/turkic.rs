//! Kyrgyz and Kazakh case endings (`data/lexicons/turkic_suffixes.tsv`): a name in running Kyrgyz or Kazakh
//! copy carries its case glued on ("Бишкектеги", "Кыргызстандын", "Путинмен"), which the Russian stemmer does
//! not strip, so without them the knowledge base misses the name and the rules take the form for a new person.

use std::collections::HashMap;

use crate::pipeline::data::DataFiles;
use crate::pipeline::text::fold::lower;
use crate::pipeline::types::LoadError;

const FILE: &str = "lexicons/turkic_suffixes.tsv";

/// The case endings of each Turkic language, longest first (the longest ending that leaves a known name wins).
#[derive(Debug, Default)]
pub struct TurkicEndings {
    case: HashMap<String, Vec<String>>,
}

impl TurkicEndings {
    /// Reads the `case` records of the lexicon; other kinds (derivation, head) are not used here.
    pub fn load(files: &DataFiles) -> Result<Self, LoadError> {
        let mut case: HashMap<String, Vec<String>> = HashMap::new();
        for (line, fields) in files.records(FILE)? {
            let [language, kind, forms, ..] = fields.as_slice() else {
                return Err(DataFiles::syntax(FILE, line, "expected language, kind, forms"));
            };
            if !matches!(kind.as_str(), "case" | "derivation" | "head") {
                return Err(DataFiles::syntax(FILE, line, format!("unknown kind {kind:?}")));
            }
            if kind == "case" {
                let list = case.entry(language.clone()).or_default();
                list.extend(forms.split('|').filter(|f| !f.is_empty()).map(lower));
            }
        }
        for list in case.values_mut() {
            list.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
            list.dedup();
        }
        Ok(TurkicEndings { case })
    }

    /// The case endings of `language` ("ky", "kk", also "ky-KG"), longest first; empty for other languages.
    pub fn case_endings(&self, language: &str) -> &[String] {
        let primary = language.split(['-', '_']).next().unwrap_or("");
        self.case.get(primary).map_or(&[], Vec::as_slice)
    }
}

/// The bases a word leaves when one of `endings` (lower case, longest first) is cut off its end, at least
/// three letters long, longest ending first: "Бишкектеги" gives "Бишкек" (for -теги), then shorter cuts.
pub fn bases<'w>(word: &'w str, endings: &'w [String]) -> impl Iterator<Item = &'w str> + 'w {
    endings.iter().filter_map(move |e| {
        let cut = word.len().checked_sub(e.len())?;
        let (base, tail) = (word.get(..cut)?, word.get(cut..)?);
        let same = lower(tail) == *e;
        (same && base.chars().count() >= 3).then_some(base)
    })
}

/// Endings of surnames (Russian-style, as Kyrgyz and Kazakh officials write theirs) and of Turkic
/// patronymic surnames: a case ending is cut off a name only when what is left ends so, because given names
/// end like case endings too ("Жанна", "Айдана" are nominatives, not a locative of "Жан").
const SURNAME_ENDINGS: [&str; 10] = ["ов", "ев", "ёв", "ова", "ева", "ин", "ина", "улы", "ұлы", "уулу"];

/// A surname in a Kyrgyz or Kazakh case form put back in the nominative: "Рузахуновдун" → "Рузахунов",
/// "Төралиеванын" → "Төралиева", "Досаевтың" → "Досаев"; any other word is returned as written.
pub fn surname_without_case_ending<'w>(word: &'w str, endings: &'w [String]) -> &'w str {
    bases(word, endings)
        .find(|base| {
            let base = lower(base);
            SURNAME_ENDINGS.iter().any(|e| base.ends_with(e))
        })
        .unwrap_or(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_case_endings_per_language_longest_first() {
        let t = TurkicEndings::load(&DataFiles::new(None)).unwrap();
        let ky = t.case_endings("ky");
        assert!(ky.iter().any(|e| e == "теги") && ky.iter().any(|e| e == "дын"));
        assert!(ky.windows(2).all(|w| w[0].chars().count() >= w[1].chars().count()));
        assert!(t.case_endings("kk").iter().any(|e| e == "мен"));
        assert!(t.case_endings("ru").is_empty());
    }

    #[test]
    fn cuts_each_ending_leaving_at_least_three_letters() {
        let endings: Vec<String> = ["теги", "ги", "мен", "дын"].iter().map(|s| s.to_string()).collect();
        assert_eq!(bases("Бишкектеги", &endings).collect::<Vec<_>>(), ["Бишкек", "Бишкекте"]);
        assert_eq!(bases("ПУТИНМЕН", &endings).collect::<Vec<_>>(), ["ПУТИН"]);
        assert_eq!(bases("Кыргызстандын", &endings).collect::<Vec<_>>(), ["Кыргызстан"]);
        assert!(bases("Адын", &endings).next().is_none());
    }

    #[test]
    fn a_surname_loses_its_case_ending_and_a_given_name_keeps_its_letters() {
        let t = TurkicEndings::load(&DataFiles::new(None)).unwrap();
        let (ky, kk) = (t.case_endings("ky"), t.case_endings("kk"));
        assert_eq!(surname_without_case_ending("Рузахуновдун", ky), "Рузахунов");
        assert_eq!(surname_without_case_ending("Төралиеванын", ky), "Төралиева");
        assert_eq!(surname_without_case_ending("Досаевтың", kk), "Досаев");
        assert_eq!(surname_without_case_ending("Жапаров", ky), "Жапаров");
        assert_eq!(surname_without_case_ending("Айдана", ky), "Айдана");
        assert_eq!(surname_without_case_ending("Жанна", kk), "Жанна");
    }
}
