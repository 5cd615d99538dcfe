//! Words and spans: the one word splitter of the stages that match lexicons (quotes' attributions,
//! classify's triggers), word counts, trimming a span to its text, and which spans a stage may slice.

use super::chars::is_alphanumeric;
use super::utf8::count_byte_pairs;
use crate::pipeline::types::Span;

/// The words inside `span`: runs of letters and digits, with inner hyphens and apostrophes
/// (`пресс-конференции`, `Ала-Тоо`, `don't`). Classify cuts the same words on bytes
/// ([`super::fold::fold_words`]).
pub fn word_spans(text: &str, span: Span) -> Vec<Span> {
    let s = span.of(text);
    // Room for a clause's words, so the list is not regrown 4 → 8 → 16 for each attribution.
    let mut words = Vec::with_capacity(16);
    let mut start: Option<usize> = None;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let joins = matches!(c, '-' | '\'' | '’')
            && start.is_some()
            && iter.peek().is_some_and(|&(_, n)| is_alphanumeric(n));
        if is_alphanumeric(c) || joins {
            start.get_or_insert(i);
        } else if let Some(st) = start.take() {
            words.push(Span::new(span.start + st, span.start + i));
        }
    }
    if let Some(st) = start {
        words.push(Span::new(span.start + st, span.end));
    }
    words
}

/// `text.split_whitespace().count()`, as a count of the places where a space is followed by a non-space:
/// a pass over the bytes the compiler vectorises (assemble's `word_count` of the body). That reading needs
/// every space to be ASCII, so a text with a Unicode space (no-break, thin, ideographic…) is split the
/// ordinary way.
pub fn whitespace_word_count(text: &str) -> usize {
    if has_multibyte_whitespace(text) {
        return text.split_whitespace().count();
    }
    let bytes = text.as_bytes();
    let is_space = |b: u8| (b == b' ') | (b.wrapping_sub(b'\t') < 5);
    // A continuation byte never follows an ASCII byte, so a word starts at a non-space byte after a space.
    let first = usize::from(bytes.first().is_some_and(|&b| !is_space(b)));
    first + count_byte_pairs(bytes, |p, c| is_space(p) & !is_space(c))
}

/// The words of a name whose words are joined by single spaces, as the entity stage writes names:
/// one more than its spaces (`"".split(' ').count()`).
pub fn spaced_word_count(name: &str) -> usize {
    name.bytes().filter(|&b| b == b' ').count() + 1
}

/// Whether `text` holds a whitespace char beyond ASCII: U+0085 and U+00A0 (lead byte `C2`), U+1680 (`E1`),
/// U+2000–U+205F (`E2`), U+3000 (`E3`). Only the chars under those lead bytes are decoded.
pub fn has_multibyte_whitespace(text: &str) -> bool {
    let bytes = text.as_bytes();
    let is_space_at = |i: usize| text[i..].chars().next().is_some_and(char::is_whitespace);
    memchr::memchr3_iter(0xc2, 0xe1, 0xe2, bytes).any(is_space_at)
        || memchr::memchr_iter(0xe3, bytes).any(is_space_at)
}

/// `span` without the whitespace at either end (`str::trim`'s rule); an all-space span becomes the empty
/// span at its start.
pub fn trim_span(text: &str, span: Span) -> Span {
    let s = span.of(text);
    let start = span.start + (s.len() - s.trim_start().len());
    let end = span.end - (s.len() - s.trim_end().len());
    Span::new(start, end.max(start))
}

/// Whether `span` may slice `text`: ordered, inside it, on char boundaries; empty spans allowed (a paragraph
/// of a release may be empty, and quotes keeps it in the paragraph list).
pub fn is_char_range(text: &str, span: Span) -> bool {
    span.start <= span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end)
}

/// [`is_char_range`] for a span that must cover something (classify's blocks and triggers).
pub fn is_nonempty_char_range(text: &str, span: Span) -> bool {
    span.start < span.end && is_char_range(text, span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `word_spans` by the standard library: split at every char that is neither alphanumeric nor a joiner
    /// between alphanumerics.
    fn word_spans_std(text: &str) -> Vec<Span> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut words = Vec::new();
        let mut start = None;
        for (k, &(i, c)) in chars.iter().enumerate() {
            let joins = matches!(c, '-' | '\'' | '’')
                && start.is_some()
                && chars.get(k + 1).is_some_and(|&(_, n)| n.is_alphanumeric());
            if c.is_alphanumeric() || joins {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                words.push(Span::new(s, i));
            }
        }
        if let Some(s) = start {
            words.push(Span::new(s, text.len()));
        }
        words
    }

    proptest! {
        #[test]
        fn words_and_counts_agree_with_the_standard_library(
            text in "[а-яА-ЯёЁa-zA-Z0-9 ,.'’\t\n-]{0,60}|\\PC{0,60}|[a \u{a0}\u{2009}\u{3000}]{0,20}"
        ) {
            prop_assert_eq!(word_spans(&text, Span::new(0, text.len())), word_spans_std(&text));
            prop_assert_eq!(whitespace_word_count(&text), text.split_whitespace().count());
            prop_assert_eq!(spaced_word_count(&text), text.split(' ').count());
            prop_assert_eq!(has_multibyte_whitespace(&text), text.chars().any(|c| c.is_whitespace() && !c.is_ascii()));
            let all = Span::new(0, text.len());
            let trimmed = trim_span(&text, all);
            prop_assert_eq!(trimmed.of(&text), text.trim());
        }

        #[test]
        fn span_validity_is_what_slicing_accepts(text in "\\PC{0,10}", start in 0usize..40, end in 0usize..40) {
            let span = Span::new(start, end);
            let slices = start <= end && text.get(start..end).is_some();
            prop_assert_eq!(is_char_range(&text, span), slices);
            prop_assert_eq!(is_nonempty_char_range(&text, span), slices && start < end);
        }
    }

    #[test]
    fn word_count_agrees_with_split_whitespace() {
        for text in [
            "",
            "   ",
            "one",
            " Президент  провел\tпереговоры\n\nс\u{a0}Президентом\u{2009}Казахстана\u{3000}x ",
            "a\u{85}b\u{1680}c\u{202f}d\u{205f}e — «f» “g” \u{2028}h\u{2029}",
            "\u{c2a}\u{e1}\u{2014}\u{3001}",
            "\tone two\n",
        ] {
            assert_eq!(
                has_multibyte_whitespace(text),
                text.chars().any(|c| !c.is_ascii() && c.is_whitespace())
            );
            assert_eq!(whitespace_word_count(text), text.split_whitespace().count(), "{text:?}");
        }
    }

    #[test]
    fn words_keep_hyphens_and_apostrophes_inside() {
        let text = "пресс-конференции — don't -x y-";
        let words: Vec<&str> =
            word_spans(text, Span::new(0, text.len())).iter().map(|w| w.of(text)).collect();
        assert_eq!(words, ["пресс-конференции", "don't", "x", "y"]);
    }
}
