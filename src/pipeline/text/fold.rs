//! Case folding: lower case, upper case, and the fold of the lexicons (lower case with `ё → е`). Each has a
//! fast path for ASCII and Russian letters, which are nearly every character of wire copy and whose cases are
//! a fixed offset apart, and falls back to the Unicode rules for the rest; the tests hold every one to the
//! standard library's `to_lowercase`/`to_uppercase`.
//!
//! The byte-level versions read a Russian letter as a byte pair (`а–п` = D0 B0–BF, `р–я` = D1 80–8F) and pass
//! runs of lower-case letters, most of a Russian word, without decoding them: [`russian_lower_run`] (the
//! entity tokeniser, [`lower_into`], [`lower_russian_key_into`]) and [`fold_words`] with its SWAR skip
//! (classify's tokeniser; its commit measured classify 7.3 → 6.4 µs a release).

use std::borrow::Cow;

use super::chars::{is_alphanumeric, is_ascii_separator, is_ascii_word_byte, is_cyrillic};
use super::utf8::{char_at, utf8_len};
use crate::pipeline::types::Span;

// ---------------------------------------------------------------------------------------------------------
// The lexicon fold: lower case, ё → е, byte offsets kept

/// Lower-cases `s` and folds ё to е, char by char, keeping every char's UTF-8 length so that byte offsets
/// into the folded text are offsets into the original too. What quotes and classify match their lexicons in.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    out.extend(s.chars().map(fold_char));
    out
}

/// [`fold`] of `word`, without allocating when it is folded already, as most words are.
pub fn folded(word: &str) -> Cow<'_, str> {
    if word.chars().all(|c| fold_char(c) == c) {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(fold(word))
    }
}

/// One char of [`fold`]: ASCII and Russian Cyrillic directly (the bulk of wire copy), the rest through the
/// Unicode tables; a char whose lower case has another length (or is several chars) stays as it is.
#[inline]
pub fn fold_char(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        '\0'..='\u{7f}' => c,
        'Ё' | 'ё' => 'е',
        'А'..='Я' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
        'а'..='я' => c,
        _ => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) if l.len_utf8() == c.len_utf8() => l,
                _ => c,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Lower and upper case

/// The lower case of a character (its first char, where it has several), fast for ASCII and Russian letters.
#[inline]
pub fn lower_char(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        'А'..='Я' => char::from_u32(c as u32 + 32).unwrap_or(c),
        'Ё' => 'ё',
        _ if c.is_ascii() || ('а'..='я').contains(&c) => c,
        _ => c.to_lowercase().next().unwrap_or(c),
    }
}

/// A Russian letter in lower case and whether it was a capital; `None` for any other char. The decode
/// stage's letter-frequency score, which reads every char of a single-byte body twice.
#[inline]
pub fn russian_lower(c: char) -> Option<(char, bool)> {
    match c {
        'а'..='я' | 'ё' => Some((c, false)),
        'А'..='Я' => Some((char::from_u32(u32::from(c) + 0x20)?, true)),
        'Ё' => Some(('ё', true)),
        _ => None,
    }
}

/// `word.to_lowercase()` appended to `out`, without an allocation for words in Russian or ASCII letters
/// (the entity stage lower-cases its cue words with it).
pub fn lower_into(word: &str, out: &mut String) {
    let start = out.len();
    let bytes = word.as_bytes();
    // Characters that stay as they are are copied in runs; runs of lower-case Russian letters (most of a
    // word) are skipped on their bytes.
    let (mut run, mut i) = (0, 0);
    while i < bytes.len() {
        i += russian_lower_run(&bytes[i..]);
        let Some(c) = word[i..].chars().next() else { break };
        if !(c.is_ascii() || matches!(c, 'А'..='я' | 'Ё' | 'ё')) {
            // Other scripts have multi-character and context-dependent lower cases (final sigma): the full
            // rules, on the whole word.
            out.truncate(start);
            out.push_str(&word.to_lowercase());
            return;
        }
        let l = lower_char(c);
        if l != c {
            out.push_str(&word[run..i]);
            out.push(l);
            run = i + c.len_utf8();
        }
        i += c.len_utf8();
    }
    out.push_str(&word[run..]);
}

/// Appends `c.to_lowercase()`, without the tables for ASCII and Russian letters.
#[inline]
pub fn push_lower(out: &mut String, c: char) {
    match c {
        _ if c.is_ascii() || matches!(c, 'А'..='я' | 'Ё' | 'ё') => out.push(lower_char(c)),
        _ => out.extend(c.to_lowercase()),
    }
}

/// Appends `c.to_uppercase()`, without the tables for ASCII and Russian letters.
#[inline]
pub fn push_upper(out: &mut String, c: char) {
    match c {
        'a'..='z' => out.push(c.to_ascii_uppercase()),
        'а'..='я' => out.push(char::from_u32(c as u32 - 32).unwrap_or(c)),
        'ё' => out.push('Ё'),
        _ if c.is_ascii() || matches!(c, 'А'..='Я' | 'Ё') => out.push(c),
        _ => out.extend(c.to_uppercase()),
    }
}

/// The length in bytes of the run of lower-case Russian letters (а–я, not ё) `bytes` starts with: most of a
/// word, skipped on its bytes by the entity stage's tokenizer and the knowledge base's key function.
#[inline]
pub fn russian_lower_run(bytes: &[u8]) -> usize {
    // а–п are D0 B0–BF, р–я are D1 80–8F: one comparison of the pair as a number each.
    let letters = bytes
        .chunks_exact(2)
        .take_while(|pair| {
            let code = u16::from_be_bytes([pair[0], pair[1]]);
            code.wrapping_sub(0xD0B0) < 0x10 || code.wrapping_sub(0xD180) < 0x10
        })
        .count();
    2 * letters
}

// ---------------------------------------------------------------------------------------------------------
// The key fold of the knowledge base: lower case, ё → е, and what the stemmer needs to know

/// What [`lower_key_into`] tells of a word it wrote in lower case.
#[derive(Debug, Default, PartialEq)]
pub struct Lowered {
    /// Upper-case characters the word starts with.
    pub upper_prefix: usize,
    /// Their length in bytes, written in lower case.
    pub prefix_bytes: usize,
    /// Characters.
    pub letters: usize,
    /// Whether some character is Cyrillic.
    pub cyrillic: bool,
}

/// Writes a word in lower case with ё → е to `out`, any script (`morph::stem_into`'s key).
pub fn lower_key_into(word: &str, out: &mut String) -> Lowered {
    let start = out.len();
    let mut lowered = Lowered::default();
    let mut in_prefix = true;
    // Characters that stay as they are are copied in runs (most of a word is lower case already).
    let mut run = 0;
    for (i, c) in word.char_indices() {
        lowered.letters += 1;
        let l = lower_char(c);
        lowered.cyrillic |= is_cyrillic(l);
        let is_upper = l != c;
        if is_upper || l == 'ё' {
            out.push_str(&word[run..i]);
            out.push(if l == 'ё' { 'е' } else { l });
            run = i + c.len_utf8();
        }
        if in_prefix && is_upper {
            lowered.upper_prefix += 1;
            lowered.prefix_bytes = out.len() - start;
        } else {
            in_prefix = false;
        }
    }
    out.push_str(&word[run..]);
    lowered
}

/// [`lower_key_into`] on the bytes of a word in ASCII and Russian letters (nearly every token), without
/// decoding characters; `None` (and nothing written) for any other character.
pub fn lower_russian_key_into(word: &str, out: &mut String) -> Option<Lowered> {
    let start = out.len();
    let bytes = word.as_bytes();
    let mut lowered = Lowered::default();
    let mut in_prefix = true;
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Lower-case Russian letters stay as they are (and end the upper-case prefix): skipped in runs.
        let lower_run = russian_lower_run(&bytes[i..]);
        if lower_run > 0 {
            lowered.cyrillic = true;
            lowered.letters += lower_run / 2;
            in_prefix = false;
            i += lower_run;
            continue;
        }
        let b = bytes[i];
        // (length in bytes, upper case, what to write instead)
        let (len, upper, instead) = if b < 0x80 {
            let upper = b.is_ascii_uppercase();
            (1, upper, upper.then_some(char::from(b.to_ascii_lowercase())))
        } else {
            lowered.cyrillic = true;
            match (b, bytes.get(i + 1).copied().unwrap_or(0)) {
                // А–Я: а–я are 0x20 code points further.
                (0xD0, n @ 0x90..=0xAF) => (2, true, char::from_u32(0x430 + u32::from(n - 0x90))),
                (0xD0, 0x81) => (2, true, Some('е')),
                (0xD1, 0x91) => (2, false, Some('е')),
                (0xD0, 0xB0..=0xBF) | (0xD1, 0x80..=0x8F) => (2, false, None),
                _ => {
                    out.truncate(start);
                    return None;
                }
            }
        };
        if let Some(c) = instead {
            out.push_str(&word[run..i]);
            out.push(c);
            run = i + len;
        }
        lowered.letters += 1;
        if in_prefix && upper {
            lowered.upper_prefix += 1;
            lowered.prefix_bytes = out.len() - start;
        } else {
            in_prefix = false;
        }
        i += len;
    }
    out.push_str(&word[run..]);
    Some(lowered)
}

// ---------------------------------------------------------------------------------------------------------
// Words cut and folded in one pass on the bytes (classify's tokeniser)

/// Appends the words inside `span` to `words` and folds them in `folded` (a copy of the text's bytes), as
/// [`super::words::word_spans`] cuts and [`fold`] folds them, in one pass. Classify runs it over every
/// block of a release; its byte-level paths measured classify 146 K → 116 K instructions a release.
pub fn fold_words(text: &str, span: Span, folded: &mut [u8], words: &mut Vec<Span>) {
    let bytes = text.as_bytes();
    let mut i = span.start;
    while i < span.end {
        // Spaces and ASCII punctuation, most of what stands between words, are passed over at once.
        if is_ascii_separator(bytes[i]) {
            i += 1;
            continue;
        }
        let len = fold_word_char(text, i, folded);
        if len == 0 {
            i += utf8_len(bytes[i]);
            continue;
        }
        let start = i;
        i += len;
        while i < span.end {
            i = fold_russian_run(&bytes[..span.end], i, folded);
            if i >= span.end || (is_ascii_separator(bytes[i]) && !matches!(bytes[i], b'-' | b'\'')) {
                break;
            }
            let len = fold_word_char(text, i, folded);
            if len > 0 {
                i += len;
            } else if joins_word(text, i, span.end) {
                // The joiner folds to itself.
                i += utf8_len(bytes[i]);
            } else {
                break;
            }
        }
        words.push(Span::new(start, i));
    }
}

/// When the char at byte `i` is a letter or digit ([`is_alphanumeric`]), folds it in `folded` and returns
/// its length; else returns 0. ASCII and Cyrillic (lead byte D0 or D1: U+0400..U+047F, all letters), nearly
/// all of the text, are told and folded by their bytes; the text is valid UTF-8, so a lead byte is followed
/// by its continuation.
fn fold_word_char(text: &str, i: usize, folded: &mut [u8]) -> usize {
    let bytes = text.as_bytes();
    let b = bytes[i];
    if b & 0xFE == 0xD0 {
        let next = bytes[i + 1];
        match (b, next) {
            // а..п, р..я: folded already.
            (0xD0, 0xB0..=0xBF) | (0xD1, 0x80..=0x8F) => {}
            // А..П → а..п.
            (0xD0, 0x90..=0x9F) => folded[i + 1] = next + 0x20,
            // Р..Я → р..я.
            (0xD0, 0xA0..=0xAF) => {
                folded[i] = 0xD1;
                folded[i + 1] = next - 0x20;
            }
            _ => return fold_other_char(text, i, folded),
        }
        return 2;
    }
    if b < 0x80 {
        if !is_ascii_word_byte(b) {
            return 0;
        }
        folded[i] = b.to_ascii_lowercase();
        return 1;
    }
    fold_other_char(text, i, folded)
}

/// Folds the Russian letters from byte `i` of `bytes` on (А..П → а..п, Р..Я → р..я, see [`fold_char`]) and
/// returns where they end: the loop most of a Russian text's bytes go through, kept to a few instructions
/// a letter.
fn fold_russian_run(bytes: &[u8], mut i: usize, folded: &mut [u8]) -> usize {
    i = skip_lower_russian(bytes, i);
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (0xD0, 0xB0..=0xBF) | (0xD1, 0x80..=0x8F) => {}
            (0xD0, next @ 0x90..=0x9F) => folded[i + 1] = next + 0x20,
            (0xD0, next @ 0xA0..=0xAF) => {
                folded[i] = 0xD1;
                folded[i + 1] = next - 0x20;
            }
            _ => break,
        }
        i += 2;
    }
    i
}

/// Passes over lower-case Russian letters (а..п = D0 B0..BF, р..я = D1 80..8F), which fold to themselves,
/// four at a time: a letter is a little-endian `u16` lane that, with the low nibble of its second byte
/// cleared, is `B0D0` or `80D1`. Returns the first byte of the first group of four that is not all such
/// letters (the byte loop of [`fold_russian_run`] goes on from there). Its commit measured classify
/// 7.3 → 6.4 µs a release.
pub(crate) fn skip_lower_russian(bytes: &[u8], mut i: usize) -> usize {
    const LOW15: u64 = 0x7FFF_7FFF_7FFF_7FFF;
    const HIGH: u64 = 0x8000_8000_8000_8000;
    // The top bit of each 16-bit lane of the result: whether that lane of `x` is not zero.
    let nonzero = |x: u64| ((x & LOW15).wrapping_add(LOW15) | x) & HIGH;
    while let Some(group) = bytes.get(i..i + 8) {
        let lanes = u64::from_le_bytes(group.try_into().unwrap_or([0; 8])) & 0xF0FF_F0FF_F0FF_F0FF;
        if nonzero(lanes ^ 0xB0D0_B0D0_B0D0_B0D0) & nonzero(lanes ^ 0x80D1_80D1_80D1_80D1) != 0 {
            break;
        }
        i += 8;
    }
    i
}

/// [`fold_word_char`] for the chars its fast paths leave.
fn fold_other_char(text: &str, i: usize, folded: &mut [u8]) -> usize {
    let (c, len) = char_at(text, i);
    if !is_alphanumeric(c) {
        return 0;
    }
    let f = fold_char(c);
    if f != c {
        f.encode_utf8(&mut folded[i..i + len]);
    }
    len
}

/// Whether the char at `i`, inside a word, is a hyphen or apostrophe followed by a letter or digit before
/// `end` (`пресс-конференции`, `don't`).
fn joins_word(text: &str, i: usize, end: usize) -> bool {
    let (c, len) = char_at(text, i);
    matches!(c, '-' | '\'' | '’') && i + len < end && is_alphanumeric(char_at(text, i + len).0)
}

/// `text.to_lowercase()` as a new string, by [`lower_into`].
pub fn lower(text: &str) -> String {
    let mut lower = String::with_capacity(text.len());
    lower_into(text, &mut lower);
    lower
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::text::chars::is_upper;
    use crate::pipeline::text::words::word_spans;
    use proptest::prelude::*;

    /// Text mostly in the scripts of the copy, with anything else mixed in.
    const TEXT: &str = "[а-яА-ЯёЁa-zA-Z0-9 ,.'’-]{0,60}|\\PC{0,40}";

    /// `fold_char` by the standard library: the lower case where it is one char of the same length.
    fn fold_char_std(c: char) -> char {
        if matches!(c, 'ё' | 'Ё') {
            return 'е';
        }
        let lower: Vec<char> = c.to_lowercase().collect();
        match lower[..] {
            [l] if l.len_utf8() == c.len_utf8() => l,
            _ => c,
        }
    }

    #[test]
    fn the_russian_fast_path_lowers_like_the_general_one() {
        for word in [
            "Бишкеке",
            "МИДа",
            "ЁЛКА",
            "ёлка",
            "Hello-World",
            "24",
            "ПЯТЬ",
            "Абвгдежзийклмнопрстуфхцчшщъыьэюя",
        ] {
            let (mut fast, mut general) = (String::from("x"), String::from("x"));
            let shape = lower_russian_key_into(word, &mut fast).expect(word);
            assert_eq!(shape, lower_key_into(word, &mut general), "{word}");
            assert_eq!(fast, general, "{word}");
        }
        let mut out = String::from("x");
        assert_eq!(lower_russian_key_into("Київ", &mut out), None);
        assert_eq!(out, "x");
    }

    #[test]
    fn lower_case_matches_the_standard_library() {
        for word in [
            "МИДа",
            "Ёлка",
            "Hello",
            "ΣΟΦΙΑ",
            "İstanbul",
            "Straße",
            "Кара-Балта",
            "ПРЕЗИДЕНТ",
            "ёжик",
            "абвгдΣΑ",
            "Жомарт2025",
            "",
        ] {
            let mut out = String::from("x");
            lower_into(word, &mut out);
            assert_eq!(out, format!("x{}", word.to_lowercase()), "{word}");
        }
    }

    #[test]
    fn fast_case_mapping_matches_the_standard_library() {
        for c in ('\u{0}'..='\u{500}').chain(['ẞ', 'ǅ', 'ﬀ', 'Ω']) {
            let (mut upper, mut lower) = (String::new(), String::new());
            push_upper(&mut upper, c);
            push_lower(&mut lower, c);
            assert_eq!(upper, c.to_uppercase().collect::<String>(), "{c}");
            assert_eq!(lower, c.to_lowercase().collect::<String>(), "{c}");
            assert_eq!(is_upper(c), c.is_uppercase(), "{c}");
        }
    }

    proptest! {
        #[test]
        fn char_folds_agree_with_the_standard_library(c in any::<char>()) {
            prop_assert_eq!(fold_char(c), fold_char_std(c));
            prop_assert_eq!(lower_char(c), c.to_lowercase().next().unwrap_or(c));
            let (mut lower, mut upper) = (String::new(), String::new());
            push_lower(&mut lower, c);
            push_upper(&mut upper, c);
            prop_assert_eq!(lower, c.to_lowercase().collect::<String>());
            prop_assert_eq!(upper, c.to_uppercase().collect::<String>());
            let russian = matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё');
            prop_assert_eq!(russian_lower(c), russian.then(|| (lower_char(c), c.is_uppercase())));
        }

        #[test]
        fn word_folds_agree_with_the_standard_library(text in TEXT) {
            prop_assert_eq!(fold(&text), text.chars().map(fold_char_std).collect::<String>());
            let (cow, plain) = (folded(&text), fold(&text));
            prop_assert_eq!(cow.as_ref(), plain.as_str());
            let mut out = String::from("x");
            lower_into(&text, &mut out);
            prop_assert_eq!(out, format!("x{}", text.to_lowercase()));
            let expected: String = text.chars().flat_map(char::to_lowercase).collect();
            let expected = expected.replace('ё', "е");
            let mut key = String::new();
            let lowered = lower_key_into(&text, &mut key);
            if text.chars().all(|c| c.to_lowercase().count() == 1) {
                prop_assert_eq!(&key, &text.chars().map(lower_char).collect::<String>().replace('ё', "е"));
            }
            prop_assert_eq!(lowered.letters, text.chars().count());
            prop_assert_eq!(lowered.cyrillic, text.chars().map(lower_char).any(is_cyrillic));
            let upper_prefix = text.chars().take_while(|&c| lower_char(c) != c).count();
            prop_assert_eq!(lowered.upper_prefix, upper_prefix);
            let mut fast = String::new();
            if let Some(fast_lowered) = lower_russian_key_into(&text, &mut fast) {
                prop_assert_eq!(&fast, &key);
                prop_assert_eq!(fast_lowered, lowered);
                prop_assert_eq!(&fast, &expected);
            } else {
                prop_assert!(fast.is_empty());
                prop_assert!(text.chars().any(|c| !(c.is_ascii() || matches!(c, 'А'..='я' | 'Ё' | 'ё'))));
            }
        }

        #[test]
        fn fold_words_cuts_and_folds_as_word_spans_and_fold_do(text in TEXT) {
            let span = Span::new(0, text.len());
            let mut bytes = text.as_bytes().to_vec();
            let mut words = Vec::new();
            fold_words(&text, span, &mut bytes, &mut words);
            prop_assert_eq!(&words, &word_spans(&text, span));
            let folded_text = String::from_utf8(bytes).expect("folding keeps UTF-8");
            for w in &words {
                prop_assert_eq!(w.of(&folded_text), fold(w.of(&text)));
            }
        }

        #[test]
        fn russian_runs_are_the_lower_case_letters_but_yo(text in TEXT) {
            let expected: usize =
                text.chars().take_while(|c| ('а'..='я').contains(c)).map(char::len_utf8).sum();
            prop_assert_eq!(russian_lower_run(text.as_bytes()), expected);
            let skipped = skip_lower_russian(text.as_bytes(), 0);
            prop_assert!(skipped <= expected && skipped.is_multiple_of(8) && expected - skipped < 8);
        }
    }
}
