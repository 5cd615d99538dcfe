//! Word tokenisation exactly as slovnet's NER model saw it in training: razdel's `tokenize` (razdel 0.5).
//!
//! razdel cuts the text into *atoms* (a run of Cyrillic letters, a run of Latin letters, a run of digits, one
//! punctuation mark, or any other single non-space character) and then glues neighbouring atoms that touch
//! (no space between them) when one of its rules says so: words around a dash or underscore (`кто-то`,
//! `snake_case`), numbers around `.`/`,` (`3,14`) or `/` (`1/2`), runs of sentence endings (`?!`, `...`),
//! `--`, `**`, smileys, letters next to unknown symbols (`Δσ`), and `Yahoo!`. Mirroring those rules (not an
//! approximation of them) is what makes our tags match natasha's token for token.
//!
//! Character classes follow Python 3.11's `re` with `IGNORECASE` (checked code point by code point over all
//! of Unicode): a few exotic letters (İ, ı, ſ, the Kelvin sign) count as Latin, Unicode decimal digits as
//! digits, and the ASCII separators 0x1C–0x1F as spaces.

use crate::pipeline::text::chars::{is_decimal_digit, is_lat_letter, is_py_space, is_ru_letter};
use crate::pipeline::types::Span;

/// razdel's dashes (`razdel/segmenters/punct.py`).
const DASHES: &str = "‑–—−-";
/// Sentence endings that glue into one token (`?!`, `...`).
const ENDINGS: &str = ".?!…";
/// Every character razdel calls punctuation: its own list plus dashes, quotes and brackets (note: razdel's
/// bracket list has `}` twice and no `{`, so `{` is an "other" atom).
const PUNCTS: &str = "\\/!#$%&*+,.:;<=>?@^_`|~№…‑–—−-«“‘»”’\"„'([})]}";

/// What kind of atom a run of characters is (razdel's `ATOM` regex groups, in its priority order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AtomKind {
    Ru,
    Lat,
    Int,
    Punct,
    Other,
}

/// The smallest unit razdel glues into tokens.
#[derive(Debug, Clone, Copy)]
struct Atom {
    start: usize,
    end: usize,
    kind: AtomKind,
}

/// Cut `text` into razdel atoms.
fn atoms(text: &str) -> Vec<Atom> {
    let mut out = Vec::with_capacity(text.len() / 4);
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let run_of =
            |pred: fn(char) -> bool, kind, chars: &mut std::iter::Peekable<std::str::CharIndices>| {
                let mut end = start + c.len_utf8();
                while let Some(&(i, next)) = chars.peek() {
                    if !pred(next) {
                        break;
                    }
                    end = i + next.len_utf8();
                    chars.next();
                }
                Atom { start, end, kind }
            };
        let atom = if is_ru_letter(c) {
            run_of(is_ru_letter, AtomKind::Ru, &mut chars)
        } else if is_lat_letter(c) {
            run_of(is_lat_letter, AtomKind::Lat, &mut chars)
        } else if is_decimal_digit(c) {
            run_of(is_decimal_digit, AtomKind::Int, &mut chars)
        } else if PUNCTS.contains(c) {
            Atom { start, end: start + c.len_utf8(), kind: AtomKind::Punct }
        } else if is_py_space(c) {
            continue;
        } else {
            Atom { start, end: start + c.len_utf8(), kind: AtomKind::Other }
        };
        out.push(atom);
    }
    out
}

/// The view of the junction between two touching atoms that razdel's rules look at.
struct Junction<'t, 'a> {
    text: &'t str,
    atoms: &'a [Atom],
    /// Index of the right atom; the left one is `index - 1`.
    index: usize,
    /// The token built so far (ends with the left atom).
    buffer: Span,
}

impl Junction<'_, '_> {
    fn str_of(&self, atom: &Atom) -> &str {
        &self.text[atom.start..atom.end]
    }

    fn left_1(&self) -> &Atom {
        &self.atoms[self.index - 1]
    }

    fn right_1(&self) -> &Atom {
        &self.atoms[self.index]
    }

    /// The atom before the left one (razdel looks at a window of three atoms on each side).
    fn left_2(&self) -> Option<&Atom> {
        self.index.checked_sub(2).map(|i| &self.atoms[i])
    }

    fn right_2(&self) -> Option<&Atom> {
        self.atoms.get(self.index + 1)
    }

    /// Whether the atom is exactly one of `chars` (Python's `atom in "..."` on single characters).
    fn is_one_of(&self, atom: &Atom, chars: &str) -> bool {
        let s = self.str_of(atom);
        let mut it = s.chars();
        matches!((it.next(), it.next()), (Some(c), None) if chars.contains(c))
    }

    /// razdel's `Rule2112`: when the left or right atom is a delimiter, compare the atoms around it.
    fn around(&self, delimiters: &str) -> Option<(&Atom, &Atom)> {
        if self.is_one_of(self.left_1(), delimiters) {
            Some((self.left_2()?, self.right_1()))
        } else if self.is_one_of(self.right_1(), delimiters) {
            Some((self.left_1(), self.right_2()?))
        } else {
            None
        }
    }

    /// `кто-то`, `snake_case`: words on both sides of a dash/underscore.
    fn words_around(&self, delimiters: &str) -> bool {
        self.around(delimiters).is_some_and(|(l, r)| l.kind != AtomKind::Punct && r.kind != AtomKind::Punct)
    }

    /// `3,14`, `1/2`: numbers on both sides.
    fn ints_around(&self, delimiters: &str) -> bool {
        self.around(delimiters).is_some_and(|(l, r)| l.kind == AtomKind::Int && r.kind == AtomKind::Int)
    }

    /// Runs of punctuation: smileys, `?!`, `...`, `--`, `**`.
    fn punct(&self) -> bool {
        let (left, right) = (self.left_1(), self.right_1());
        if left.kind != AtomKind::Punct || right.kind != AtomKind::Punct {
            return false;
        }
        if is_smile(&self.text[self.buffer.start..right.end]) {
            return true;
        }
        if self.is_one_of(left, ENDINGS) && self.is_one_of(right, ENDINGS) {
            return true;
        }
        let pair = (self.str_of(left), self.str_of(right));
        pair == ("-", "-") || pair == ("*", "*")
    }

    /// Unknown symbols stick to letters and to each other (`ΔP`, `mβж`).
    fn other(&self) -> bool {
        use AtomKind::*;
        matches!((self.left_1().kind, self.right_1().kind), (Other, Other | Ru | Lat) | (Ru | Lat, Other))
    }

    fn yahoo(&self) -> bool {
        self.str_of(self.left_1()).eq_ignore_ascii_case("yahoo") && self.str_of(self.right_1()) == "!"
    }

    /// Whether the two atoms belong to one token (razdel's rules, first match wins; none ever splits).
    fn joins(&self) -> bool {
        self.words_around(DASHES)
            || self.words_around("_")
            || self.ints_around(".,")
            || self.ints_around("/\\")
            || self.punct()
            || self.other()
            || self.yahoo()
    }
}

/// razdel's `SMILES`: `^[=:;]-?[)(]{1,3}$`.
fn is_smile(s: &str) -> bool {
    let b = s.as_bytes();
    let Some((first, mut rest)) = b.split_first() else { return false };
    if !matches!(first, b'=' | b':' | b';') {
        return false;
    }
    if rest.first() == Some(&b'-') {
        rest = &rest[1..];
    }
    (1..=3).contains(&rest.len()) && rest.iter().all(|c| matches!(c, b')' | b'('))
}

/// razdel's tokens of `text` as byte spans, in order.
pub fn tokenize(text: &str) -> Vec<Span> {
    let atoms = atoms(text);
    let mut tokens = Vec::with_capacity(atoms.len());
    let Some(first) = atoms.first() else { return tokens };
    let mut buffer = Span::new(first.start, first.end);
    for index in 1..atoms.len() {
        let right = atoms[index];
        let touching = atoms[index - 1].end == right.start;
        if touching && (Junction { text, atoms: &atoms, index, buffer }).joins() {
            buffer.end = right.end;
        } else {
            tokens.push(buffer);
            buffer = Span::new(right.start, right.end);
        }
    }
    tokens.push(buffer);
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|s| s.of(text)).collect()
    }

    #[test]
    fn splits_words_and_punctuation() {
        assert_eq!(words("Привет, мир!"), ["Привет", ",", "мир", "!"]);
        assert_eq!(words("  "), Vec::<&str>::new());
    }

    #[test]
    fn glues_razdel_cases() {
        // Expected values produced by razdel 0.5.0 `tokenize`.
        assert_eq!(
            words("кто-то СИЗО-6 3,14 1/2 2011-2020"),
            ["кто-то", "СИЗО-6", "3,14", "1/2", "2011-2020"]
        );
        assert_eq!(
            words("Что?! Да... -- ** :-) Yahoo!!"),
            ["Что", "?!", "Да", "...", "--", "**", ":", "-", ")", "Yahoo!!"]
        );
        assert_eq!(words("Ну :) да ;((( ок"), ["Ну", ":)", "да", ";(((", "ок"]);
        assert_eq!(words("١٢٣,٤ a\u{301}b"), ["١٢٣,٤", "a\u{301}b"]);
        // Python's case-insensitive classes: dotless ı and İ are Latin, U+1C80 is Cyrillic
        assert_eq!(words("Москваıi İstanbul \u{1c80}ᲀ 𝟘𝟙"), ["Москва", "ıi", "İstanbul", "\u{1c80}ᲀ", "𝟘𝟙"]);
        assert_eq!(words("ΔP mβж a_b"), ["ΔP", "mβж", "a_b"]);
        assert_eq!(words("а -б «Газпром»"), ["а", "-б", "«", "Газпром", "»"]);
        assert_eq!(words("1.5.2020 т.е."), ["1.5.2020", "т", ".", "е", "."]);
    }

    #[test]
    fn never_panics_on_odd_text() {
        for text in ["\u{1c}x", "😀😀", "-", "--", ":-))))", "a\u{301}b", "١٢٣,٤"] {
            let spans = tokenize(text);
            assert!(spans.iter().all(|s| text.is_char_boundary(s.start) && text.is_char_boundary(s.end)));
        }
    }
}
