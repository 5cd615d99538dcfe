//! [`stem`]: the dictionary-free key function of the knowledge base. It strips case endings so that the
//! knowledge base can match any case form of a name with one automaton ("Бишкеке" and "Бишкек" share the key
//! "бишкек"); the entity stage writes every token's key with [`stem_into`].

use crate::pipeline::text::chars::is_cyrillic;
use crate::pipeline::text::fold::{lower_char, lower_key_into, lower_russian_key_into, Lowered};
use crate::pipeline::text::utf8::has_chars;

/// Endings stripped by [`stem`], longest first. Deliberately without -ов/-ев/-ин so that surnames keep their
/// suffix ("Токаевым" → "токаев", "Токаев" → "токаев"). [`endings_ending_in`] holds the same list by last
/// letter.
#[cfg(test)]
const ENDINGS: &[&str] = &[
    "ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ой", "ей", "ий", "ый", "ая", "яя", "ое", "ее",
    "ые", "ие", "ых", "их", "ым", "им", "ую", "юю", "ом", "ем", "ам", "ям", "ах", "ях", "а", "я", "о", "е",
    "ы", "и", "у", "ю", "ь", "й",
];

/// The endings [`stem`] strips that end in `last`, longest first (none: the word keeps its last letter): the
/// plain statement of what [`stem_len`] matches, for its tests.
#[cfg(test)]
fn endings_ending_in(last: char) -> &'static [&'static str] {
    match last {
        'и' => &["ами", "ями", "ыми", "ими", "и"],
        'о' => &["ого", "его", "о"],
        'у' => &["ому", "ему", "у"],
        'й' => &["ой", "ей", "ий", "ый", "й"],
        'я' => &["ая", "яя", "я"],
        'е' => &["ое", "ее", "ые", "ие", "е"],
        'х' => &["ых", "их", "ах", "ях"],
        'м' => &["ым", "им", "ом", "ем", "ам", "ям"],
        'ю' => &["ую", "юю", "ю"],
        'а' => &["а"],
        'ы' => &["ы"],
        'ь' => &["ь"],
        _ => &[],
    }
}

/// The matching key of one word: lower case, ё → е, one case ending stripped when at least two letters remain.
/// Upper-case abbreviations lose a lower-case case ending ("МИДа" → "мид") and are otherwise kept whole;
/// upper-case words of five letters or more are words in capitals ("БИШКЕК", "МОСКВА") and stem as words.
pub fn stem(word: &str) -> String {
    let mut key = String::with_capacity(word.len());
    stem_into(word, &mut key);
    key
}

/// [`stem`] appended to `out`: the entity stage writes the keys of all tokens into one buffer instead of
/// allocating a string per token.
pub fn stem_into(word: &str, out: &mut String) {
    let start = out.len();
    let Lowered { upper_prefix, prefix_bytes, letters, cyrillic } =
        lower_russian_key_into(word, out).unwrap_or_else(|| lower_key_into(word, out));
    if upper_prefix >= 2 && !(upper_prefix == letters && letters >= 5) {
        if letters - upper_prefix <= 2 {
            out.truncate(start + prefix_bytes);
        }
        return;
    }
    if !cyrillic {
        return;
    }
    if let Some(len) = stem_len(&out[start..]) {
        out.truncate(start + len);
    }
}

/// [`stem`] of a word with no capital and no ё, in ASCII and Russian letters (as a token's shape tells):
/// such a word is its own lower case, so its key is a prefix of it, found without copying. `cyrillic`
/// says whether it has a Russian letter.
pub fn stem_of_lower(word: &str, cyrillic: bool) -> &str {
    debug_assert!(word.chars().all(|c| lower_char(c) == c && c != 'ё' && (c.is_ascii() || is_cyrillic(c))));
    if !cyrillic {
        return word;
    }
    &word[..stem_len(word).unwrap_or(word.len())]
}

/// The byte length of the stem of a lower-case Cyrillic word, if an ending is stripped: the longest ending
/// of [`ENDINGS`] that leaves at least two letters. The endings are matched on the last three characters
/// rather than by comparing strings: every token of a release goes through here.
fn stem_len(lower: &str) -> Option<usize> {
    let [(at1, c1), (at2, c2), (at3, c3)] = last_three(lower)?;
    let candidates = [(at3, is_ending3(c3, c2, c1)), (at2, is_ending2(c2, c1)), (at1, is_ending1(c1))];
    let rest = candidates.iter().find(|&&(at, ending)| ending && has_chars(&lower[..at], 2))?.0;
    let rest = &lower[..rest];
    // The -ий/-ия/-ие paradigms: "Дмитрия" → "дмитри" must meet "Дмитрий" → "дмитр".
    Some(match rest.strip_suffix('и') {
        Some(shorter) if has_chars(shorter, 3) => shorter.len(),
        _ => rest.len(),
    })
}

/// The last three characters of a word and where they start (`\0` at 0 for missing ones), decoded on the
/// bytes when they are two-byte (Cyrillic) letters, as in nearly every Russian word.
#[inline]
fn last_three(word: &str) -> Option<[(usize, char); 3]> {
    let two_byte = |lead: u8, next: u8| {
        char::from_u32(u32::from(lead & 0x1F) << 6 | u32::from(next & 0x3F)).unwrap_or('\0')
    };
    if let Some(&[a, b, c, d, e, f]) = word.as_bytes().last_chunk::<6>() {
        if a & 0xE0 == 0xC0 && c & 0xE0 == 0xC0 && e & 0xE0 == 0xC0 {
            let n = word.len();
            return Some([(n - 2, two_byte(e, f)), (n - 4, two_byte(c, d)), (n - 6, two_byte(a, b))]);
        }
    }
    let mut tail = word.char_indices().rev();
    let last = tail.next()?;
    Some([last, tail.next().unwrap_or((0, '\0')), tail.next().unwrap_or((0, '\0'))])
}

/// Whether three characters are an ending of [`ENDINGS`] ("ами", "ого", "ему"…).
fn is_ending3(a: char, b: char, c: char) -> bool {
    matches!((a, b, c), ('а' | 'я' | 'ы' | 'и', 'м', 'и') | ('о' | 'е', 'г', 'о') | ('о' | 'е', 'м', 'у'))
}

/// Whether two characters are an ending of [`ENDINGS`] ("ой", "ая", "ых", "ом"…).
fn is_ending2(a: char, b: char) -> bool {
    matches!(
        (a, b),
        ('о' | 'е' | 'и' | 'ы', 'й')
            | ('а' | 'я', 'я')
            | ('о' | 'е' | 'ы' | 'и', 'е')
            | ('ы' | 'и' | 'а' | 'я', 'х')
            | ('ы' | 'и' | 'о' | 'е' | 'а' | 'я', 'м')
            | ('у' | 'ю', 'ю')
    )
}

/// Whether a character is a one-letter ending of [`ENDINGS`].
fn is_ending1(c: char) -> bool {
    matches!(c, 'а' | 'я' | 'о' | 'е' | 'ы' | 'и' | 'у' | 'ю' | 'ь' | 'й')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::text::utf8::char_count;

    #[test]
    fn stems_share_keys_across_cases() {
        assert_eq!(stem("Бишкеке"), stem("Бишкек"));
        assert_eq!(stem("Токаевым"), stem("Токаев"));
        assert_eq!(stem("Алматинской"), stem("Алматинская"));
        assert_eq!(stem("области"), stem("область"));
        assert_eq!(stem("МИДа"), "мид");
        assert_eq!(stem("Ош"), "ош");
        assert_ne!(stem("Кыргызстан"), stem("Кыргызской"));
        assert_eq!(stem("Дмитрия"), stem("Дмитрий"));
        assert_eq!(stem("России"), stem("Россия"));
        assert_eq!(stem("Россией"), stem("Россия"));
    }

    #[test]
    fn stems_append_to_a_shared_buffer() {
        let mut buf = String::from("x");
        for word in ["Бишкеке", "МИДа", "БИШКЕК", "Дмитрия", "ООН", "Ёлкой", "Hello", "24.kg", "Ош"]
        {
            let start = buf.len();
            stem_into(word, &mut buf);
            assert_eq!(&buf[start..], stem(word), "{word}");
        }
        assert!(buf.starts_with('x'));
    }

    #[test]
    fn endings_by_last_letter_are_the_list_in_order() {
        for last in "аяоеыиуюьйхмбвгджзклнпрстфцчшщъэё".chars() {
            let listed: Vec<&str> = ENDINGS.iter().copied().filter(|e| e.ends_with(last)).collect();
            assert_eq!(endings_ending_in(last), listed.as_slice(), "{last}");
        }
    }

    /// [`stem_len`] as a plain loop over [`endings_ending_in`], the list [`stem_len`] must agree with.
    fn stem_len_reference(lower: &str) -> Option<usize> {
        let last = lower.chars().next_back()?;
        for ending in endings_ending_in(last) {
            if let Some(rest) = lower.strip_suffix(ending) {
                if char_count(rest) >= 2 {
                    return Some(match rest.strip_suffix('и') {
                        Some(shorter) if char_count(shorter) >= 3 => shorter.len(),
                        _ => rest.len(),
                    });
                }
            }
        }
        None
    }

    #[test]
    fn stem_len_agrees_with_the_list_of_endings() {
        let letters: Vec<char> = "аеиоуыюяйьмхгбк-1zé".chars().collect();
        let mut words = vec![String::new()];
        // Every word of up to four of these letters, alone and after one or two more: all endings, short
        // rests and the -ии rule.
        for _ in 0..4 {
            words = words
                .iter()
                .flat_map(|w| letters.iter().map(move |c| format!("{w}{c}")))
                .chain(["".into()])
                .collect();
            words.sort();
            words.dedup();
        }
        let longer = words.iter().flat_map(|w| [format!("б{w}"), format!("бб{w}"), format!("ё{w}")]);
        let all: Vec<String> = words.iter().cloned().chain(longer).collect();
        for word in all.iter().chain(&["министерствами".to_string(), "дмитрия".to_string()])
        {
            assert_eq!(stem_len(word), stem_len_reference(word), "{word}");
        }
    }

    #[test]
    fn lower_case_words_stem_in_place() {
        for word in ["области", "токаевым", "и", "ош", "news", "24", "дмитрия", "кара-балта"]
        {
            let cyrillic = word.chars().any(is_cyrillic);
            assert_eq!(stem_of_lower(word, cyrillic), stem(word), "{word}");
        }
    }
}
