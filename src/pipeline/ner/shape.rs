//! slovnet's word shape feature (`slovnet/shape.py`): the script and capitalisation outline of a token,
//! `RU_Xx`, `EN_XX`, `NUM`, `PUNCT_«`, … — one of the 66 ids of the model's shape embedding.
//!
//! The Python code works on `str` methods (`isupper`, `islower`, `len` in code points); these helpers
//! reproduce their Unicode semantics so the same tokens get the same shapes.

use crate::pipeline::text::chars::{is_decimal_digit, is_lat_letter, is_ru_letter, is_titlecase};

/// slovnet's punctuation list (it differs from razdel's: it has `{` and `‐‒⁃―ʼʻ` but not `‑‘’`).
const PUNCTS: &str = "!#$%&()[]\\/*+,.:;<=>?@^_{|}~-‐−‒⁃–—―`\"'«»„“ʼʻ”№…";

/// Python's `str.isupper`: at least one cased character, no lower-case or title-case one.
fn py_isupper(s: &str) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// Python's `str.islower`: at least one cased character, no upper-case or title-case one.
fn py_islower(s: &str) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if c.is_uppercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_lowercase();
    }
    cased
}

/// `Москва`: more than one character, a capital then lower case.
fn is_title(word: &str) -> bool {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.as_str();
            !rest.is_empty() && first.is_uppercase() && py_islower(rest)
        }
        None => false,
    }
}

/// `Ростов-На-Дону`-style: title case on both sides of the first ASCII hyphen.
fn is_dash_title(word: &str) -> bool {
    word.split_once('-').is_some_and(|(left, right)| is_title(left) && is_title(right))
}

/// The capitalisation outline of a letter word: X, x, XX, xx, Xx, Xx-Xx or OTHER.
fn outline(word: &str) -> &'static str {
    let mut chars = word.chars();
    let single = chars.next().is_some() && chars.next().is_none();
    if single {
        return if py_isupper(word) { "X" } else { "x" };
    }
    if py_isupper(word) {
        "XX"
    } else if py_islower(word) {
        "xx"
    } else if is_title(word) {
        "Xx"
    } else if is_dash_title(word) {
        "Xx-Xx"
    } else {
        "OTHER"
    }
}

/// What slovnet's `TYPE` regex matches at the start of the word.
#[derive(Debug, PartialEq, Eq)]
enum WordType {
    Ru,
    En,
    Num,
    Punct,
    Other,
}

fn word_type(word: &str) -> WordType {
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return WordType::Other };
    if is_ru_letter(first) {
        WordType::Ru
    } else if is_lat_letter(first) {
        WordType::En
    } else if is_decimal_digit(first)
        || (matches!(first, '+' | '-') && chars.next().is_some_and(is_decimal_digit))
    {
        WordType::Num
    } else if PUNCTS.contains(first) {
        WordType::Punct
    } else {
        WordType::Other
    }
}

/// The shape name of a token, as in slovnet's shape vocabulary (`shapes.txt`).
pub fn word_shape(word: &str) -> String {
    match word_type(word) {
        WordType::Ru => format!("RU_{}", outline(word)),
        WordType::En => format!("EN_{}", outline(word)),
        WordType::Num => "NUM".to_owned(),
        WordType::Other => "OTHER".to_owned(),
        WordType::Punct => {
            let mut chars = word.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if PUNCTS.contains(c) => format!("PUNCT_{c}"),
                _ => "PUNCT_OTHER".to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::word_shape;

    #[test]
    fn shapes_match_slovnet() {
        // Expected values produced by slovnet 0.6.0 `word_shape`.
        let cases = [
            ("Москва", "RU_Xx"),
            ("москва", "RU_xx"),
            ("СИЗО-6", "RU_XX"),
            ("Ростов-На-Дону", "RU_OTHER"),
            ("Санкт-Петербург", "RU_Xx-Xx"),
            ("Я", "RU_X"),
            ("в", "RU_x"),
            ("McDonald", "EN_OTHER"),
            ("2011-2020", "NUM"),
            ("-5", "NUM"),
            ("-", "PUNCT_-"),
            ("«", "PUNCT_«"),
            ("?!", "PUNCT_OTHER"),
            ("‑", "OTHER"),
            ("ΔP", "OTHER"),
            ("Москваǅemal", "RU_OTHER"),
            ("İstanbul", "EN_Xx"),
            ("ǅ", "OTHER"),
        ];
        for (word, shape) in cases {
            assert_eq!(word_shape(word), shape, "{word}");
        }
    }
}
