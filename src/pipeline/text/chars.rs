//! What a character is: the classes the stages test on nearly every character of a release, each with fast
//! paths for ASCII and the Russian alphabet (the bulk of wire copy), where the general Unicode table look-up
//! is a slow search, and each agreeing with the standard library's answer (see the tests).

/// `char::is_alphanumeric`, fast for ASCII and Russian letters. Used by quotes' and classify's word spans,
/// the entity tokeniser and the knowledge base's word splitter.
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if ('\u{0410}'..='\u{044F}').contains(&c) || c == 'ё' || c == 'Ё' {
        true
    } else {
        c.is_alphanumeric()
    }
}

/// A regex `\w` character (letter, digit or underscore, by `char::is_alphanumeric`), fast for ASCII and the
/// Russian alphabet: the word bounds of the dates stage's matches.
#[inline]
pub fn is_regex_word(c: char) -> bool {
    match c {
        'а'..='я' | 'А'..='Я' => true,
        _ if c.is_ascii() => c.is_ascii_alphanumeric() || c == '_',
        _ => c.is_alphanumeric(),
    }
}

/// `char::is_uppercase`, fast for ASCII and Russian letters; for the stages that test case on every
/// character (classify's initials, the dates start filter, the entity tokeniser).
#[inline]
pub fn is_upper(c: char) -> bool {
    match c {
        'А'..='Я' | 'Ё' => true,
        'а'..='я' | 'ё' => false,
        _ if c.is_ascii() => c.is_ascii_uppercase(),
        _ => c.is_uppercase(),
    }
}

/// `char::is_numeric`, fast for ASCII and Russian letters (classify's sentence splitter).
#[inline]
pub fn is_numeric(c: char) -> bool {
    match c {
        '0'..='9' => true,
        '\0'..='\u{7f}' | 'А'..='я' | 'Ё' | 'ё' => false,
        _ => c.is_numeric(),
    }
}

/// Whether a character is in the Cyrillic block U+0400–U+04FF (any letter or sign of it).
#[inline]
pub fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}')
}

/// A letter of the Cyrillic block: U+0400–U+04FF without the signs and combining marks U+0482–U+0489 (a
/// range check, because `char::is_alphabetic` is a slow table search outside ASCII). The language stage's
/// count of Cyrillic letters.
#[inline]
pub fn is_cyrillic_letter(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{0481}' | '\u{048a}'..='\u{04ff}')
}

/// A hyphen, en dash, em dash or minus sign: what introduces dialogue and attributions in quotes.
#[inline]
pub fn is_dash(c: char) -> bool {
    matches!(c, '-' | '–' | '—' | '−')
}

/// Characters that are in NFC whatever surrounds them: no decomposition, no combining class, nothing
/// that composes with what precedes. Basic Latin to IPA (below the combining marks at U+0300), Cyrillic
/// letters, general punctuation (but U+2000/U+2001, which decompose), currency signs, №. Checking these
/// by range spares Russian and English copy the table look-ups of the full NFC check (decode's NFC
/// fast path).
#[inline]
pub fn is_surely_nfc(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{2ff}'
            | '\u{400}'..='\u{482}'
            | '\u{48a}'..='\u{4ff}'
            | '\u{2010}'..='\u{2027}'
            | '\u{2030}'..='\u{205e}'
            | '\u{20a0}'..='\u{20bf}'
            | '\u{2116}'
    )
}

/// Which ASCII bytes are letters or digits: a table look-up is cheaper than `is_ascii_alphanumeric`'s
/// three range tests in classify's tokeniser loop ([`super::fold::fold_words`]).
static ASCII_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// Whether the ASCII byte `b` (`b < 0x80`) is a letter or digit.
#[inline]
pub fn is_ascii_word_byte(b: u8) -> bool {
    ASCII_WORD[usize::from(b & 0x7F)]
}

/// Whether `b` is an ASCII char other than a letter or digit: spaces and punctuation, passed over at once
/// between words.
#[inline]
pub fn is_ascii_separator(b: u8) -> bool {
    b < 0x80 && !ASCII_WORD[usize::from(b)]
}

/// The ASCII bytes a regex `\s` matches (space, `\t`, `\n`, `\v`, `\f`, `\r`).
#[inline]
pub fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

// ---------------------------------------------------------------------------------------------------------
// Python's classes: the NER model was trained on razdel's tokens and slovnet's word shapes, which use
// Python 3.11's `re` (with IGNORECASE) and `str` methods; ner's tokeniser and shapes must see the same.

/// Cyrillic letters razdel's `[а-яё]` matches case-insensitively: Python's case folding also lets in the
/// historic variants U+1C80–U+1C86 (rounded ve, long-legged de, …) whose capitals are in А–Я.
pub fn is_ru_letter(c: char) -> bool {
    matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё' | '\u{1c80}'..='\u{1c86}')
}

/// Latin letters of `[a-z]` matched case-insensitively, with the four non-ASCII letters Python's case
/// folding maps onto them: İ, ı, ſ and the Kelvin sign.
pub fn is_lat_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '\u{130}' | '\u{131}' | '\u{17f}' | '\u{212a}')
}

/// Python's `\d` on `str` (Unicode 14, Python 3.11): any decimal digit (category Nd). The non-ASCII digit
/// blocks are listed by their first code point; all are ten long except the 50 mathematical digits.
pub fn is_decimal_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    const ZEROS: &[u32] = &[
        0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50,
        0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40,
        0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066,
        0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950,
        0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
    ];
    const MATH_DIGITS: std::ops::RangeInclusive<u32> = 0x1D7CE..=0x1D7FF;
    let code = c as u32;
    MATH_DIGITS.contains(&code) || ZEROS.iter().any(|&zero| (zero..zero + 10).contains(&code))
}

/// Python's `str.isspace` (what `\S` excludes): Unicode White_Space plus the ASCII separators 0x1C–0x1F.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Title-case letters (category Lt: `ǅ`, Greek capitals with prosgegrammeni): Python's `isupper` and
/// `islower` both say no to a word containing one.
pub fn is_titlecase(c: char) -> bool {
    matches!(c as u32, 0x1C5 | 0x1C8 | 0x1CB | 0x1F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF)
        || matches!(c as u32, 0x1FBC | 0x1FCC | 0x1FFC)
}

/// Whether `c` is ASCII or a Russian letter (А–я, Ё, ё): the chars whose cases the fast paths of
/// [`super::fold`] change without the Unicode tables (the entity stage's "simple" tokens).
#[inline]
pub fn is_ascii_or_russian(c: char) -> bool {
    c.is_ascii() || matches!(c, 'А'..='я' | 'Ё' | 'ё')
}

/// The quotation marks the entity stage reads names across: « » " „ “ ” and the apostrophe.
#[inline]
pub fn is_quote_mark(c: char) -> bool {
    matches!(c, '«' | '»' | '"' | '„' | '“' | '”' | '\'')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Characters of every kind the fast paths must not get wrong: ASCII, the whole Cyrillic block and
    /// beyond, any scalar.
    fn any_char() -> impl Strategy<Value = char> {
        prop_oneof![
            (0u32..0x80).prop_map(|c| char::from_u32(c).unwrap()),
            (0x400u32..0x530).prop_map(|c| char::from_u32(c).unwrap()),
            any::<char>(),
        ]
    }

    proptest! {
        #[test]
        fn classes_agree_with_the_standard_library(c in any_char()) {
            prop_assert_eq!(is_alphanumeric(c), c.is_alphanumeric());
            prop_assert_eq!(is_regex_word(c), c.is_alphanumeric() || c == '_');
            prop_assert_eq!(is_upper(c), c.is_uppercase());
            prop_assert_eq!(is_numeric(c), c.is_numeric());
            prop_assert_eq!(is_cyrillic(c), (0x400..=0x4FF).contains(&(c as u32)));
            prop_assert_eq!(is_cyrillic_letter(c), is_cyrillic(c) && !(0x482..=0x489).contains(&(c as u32)));
        }

        #[test]
        fn python_classes_agree_with_the_standard_library(c in any_char()) {
            prop_assert_eq!(is_py_space(c), c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c));
            prop_assert!(!is_decimal_digit(c) || c.is_numeric());
            prop_assert_eq!(is_decimal_digit(c) && c.is_ascii(), c.is_ascii_digit());
            prop_assert!(!is_ru_letter(c) || c.is_alphabetic());
            prop_assert!(!is_lat_letter(c) || c.is_alphabetic());
            prop_assert_eq!(is_lat_letter(c) && c.is_ascii(), c.is_ascii_alphabetic());
            prop_assert!(!is_titlecase(c) || (c.is_alphabetic() && !c.is_uppercase() && !c.is_lowercase()));
        }

        #[test]
        fn byte_classes_agree_with_the_standard_library(b in 0u8..=255) {
            prop_assert_eq!(b < 0x80 && is_ascii_word_byte(b), b.is_ascii_alphanumeric());
            prop_assert_eq!(is_ascii_separator(b), b.is_ascii() && !b.is_ascii_alphanumeric());
            prop_assert_eq!(is_ascii_space(b), b.is_ascii_whitespace() || b == 0x0B);
        }
    }

    #[test]
    fn cyrillic_letters_exclude_the_signs_and_marks() {
        assert!(is_cyrillic_letter('ү') && is_cyrillic_letter('і') && is_cyrillic_letter('Ё'));
        assert!(!is_cyrillic_letter('\u{0483}') && is_cyrillic('\u{0483}'));
        assert!(is_dash('—') && is_dash('−') && !is_dash('_'));
    }
}
