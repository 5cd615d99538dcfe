//! When a found value counts as the gold one. Kept apart from the counting so the rules can be read (and
//! changed) in one place; the module doc of [`super`] states them for users.

use unicode_normalization::UnicodeNormalization;

/// NFC and trimmed: the form every comparison starts from.
pub fn nfc(text: &str) -> String {
    text.trim().nfc().collect()
}

/// Names (people, places, cities, speakers): equal after NFC, case-sensitive, so "Нурлана Фамилий" is not
/// "Нурлан Фамилиев" and "БИШКЕК" is not the nominative "Бишкек".
pub fn same_name(gold: &str, found: &str) -> bool {
    nfc(gold) == nfc(found)
}

/// Agencies: equal ignoring case, quote marks and slashes around them, so «Кабар», "Kabar" written as
/// KABAR in the dateline, and /ТАСС/ all match their plain spelling.
pub fn same_agency(gold: &str, found: &str) -> bool {
    fold_agency(gold) == fold_agency(found)
}

fn fold_agency(text: &str) -> String {
    let stripped: String = nfc(text)
        .chars()
        .filter(|c| !matches!(c, '«' | '»' | '"' | '“' | '”' | '„' | '/' | '(' | ')'))
        .collect();
    stripped.trim().to_lowercase()
}

/// Dates: ISO equality, except that a gold `--MM-DD` (the dateline gives no year and the release no date)
/// matches any year.
pub fn same_date(gold: &str, found: &str) -> bool {
    match gold.strip_prefix("--") {
        // A found `--MM-DD` (the pipeline's ISO 8601 form for the same case) is the same date.
        Some(month_day) => {
            found == gold || (found.len() == 10 && found.ends_with(month_day) && found.as_bytes()[4] == b'-')
        }
        None => gold == found,
    }
}

/// Whether a found quote is the gold one: the gold's first words occur in the found text, both folded
/// (NFC, lower case, quote marks dropped, runs of white space made one space). Containment, not a prefix,
/// because a found quote may start a little earlier (an opening dash or a split quote's first half).
pub fn quote_matches(gold_starts: &str, found_text: &str) -> bool {
    let needle = fold_quote(gold_starts);
    !needle.is_empty() && fold_quote(found_text).contains(&needle)
}

fn fold_quote(text: &str) -> String {
    let lowered: String = nfc(text)
        .to_lowercase()
        .chars()
        .map(|c| if matches!(c, '«' | '»' | '"' | '“' | '”' | '„' | '\'' | '’') { ' ' } else { c })
        .collect();
    lowered.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_sensitive_after_nfc() {
        // "й" composed vs decomposed (и + combining breve).
        assert!(same_name("Нурлан Фамилиев", " Нурлан Фамилиев"));
        assert!(same_name("Кулубаев Жээнбек й", "Кулубаев Жээнбек и\u{306}"));
        assert!(!same_name("Бишкек", "БИШКЕК"));
        assert!(!same_name("Нурлан Фамилиев", "Нурлана Фамилий"));
    }

    #[test]
    fn agencies_ignore_case_and_quote_marks() {
        assert!(same_agency("Кабар", "«Кабар»"));
        assert!(same_agency("Kazinform", "KAZINFORM"));
        assert!(same_agency("ТАСС", "/ТАСС/"));
        assert!(!same_agency("ТАСС", "РИА Новости"));
    }

    #[test]
    fn a_yearless_gold_date_matches_any_year() {
        assert!(same_date("--05-19", "2010-05-19"));
        assert!(same_date("--05-19", "--05-19"));
        assert!(!same_date("--05-19", "--05-20"));
        assert!(!same_date("--05-19", "2010-05-20"));
        assert!(same_date("2022-01-10", "2022-01-10"));
        assert!(!same_date("2022-01-10", "2021-01-10"));
    }

    #[test]
    fn a_quote_matches_by_its_first_words_folded() {
        assert!(quote_matches("В городе Таласе", "«В  городе таласе все тихо и спокойно»"));
        assert!(quote_matches("Yes, I am ready", "\"Yes, I am ready to be held accountable\""));
        assert!(!quote_matches("Ничего подобного", "В городе Таласе все тихо"));
        assert!(!quote_matches("  ", "anything"));
    }
}
