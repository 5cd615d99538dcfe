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
