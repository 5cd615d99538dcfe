//! The text as the classifier reads it: headline and paragraphs cut into sentences, and their words
//! case-folded in place, so patterns are compared on folded bytes at the text's own offsets.

use super::super::morph::{char_at, is_upper};
use super::super::parse::Release;
use super::super::quotes::{fold_char, is_alphanumeric};
use super::super::Span;
use super::scoring::Hit;

/// A sentence of the headline (block 0) or of a paragraph (block n = paragraph n − 1).
#[derive(Debug, Clone, Copy)]
pub(super) struct Sentence {
    pub(super) span: Span,
    pub(super) block: usize,
}

/// The analysed text: sentences, words and the words case-folded.
pub(super) struct Doc {
    /// The text's bytes with every word folded as by [`fold`] (which keeps byte offsets); the bytes between
    /// words are left as they are and never read.
    pub(super) folded: Vec<u8>,
    pub(super) sentences: Vec<Sentence>,
    pub(super) words: Vec<Span>,
    pub(super) sentence_of_word: Vec<usize>,
    pub(super) body_len: usize,
}

impl Doc {
    pub(super) fn new(text: &str, release: &Release) -> Self {
        let blocks = std::iter::once(release.headline).chain(release.paragraphs.iter().copied());
        let mut folded = text.as_bytes().to_vec();
        // Rough upper bounds (a word takes at least two bytes with its separator; sentences are longer), so
        // that the vectors do not grow word by word.
        let mut sentences = Vec::with_capacity(text.len() / 32 + 1);
        let mut words = Vec::with_capacity(text.len() / 4 + 1);
        let mut sentence_of_word = Vec::with_capacity(text.len() / 4 + 1);
        for (block, span) in blocks.enumerate().filter(|(_, s)| is_valid_span(text, *s)) {
            for s in sentence_spans(text, span) {
                let before = words.len();
                fold_words(text, s, &mut folded, &mut words);
                sentence_of_word.resize(sentence_of_word.len() + (words.len() - before), sentences.len());
                sentences.push(Sentence { span: s, block });
            }
        }
        let body_len = release.paragraphs.iter().map(|p| p.end.saturating_sub(p.start)).sum();
        Doc { folded, sentences, words, sentence_of_word, body_len }
    }

    pub(super) fn folded_word(&self, i: usize) -> &[u8] {
        let w = self.words[i];
        &self.folded[w.start..w.end]
    }

    pub(super) fn sentence_of(&self, hit: &Hit) -> Sentence {
        self.sentences[hit.sentence]
    }

    pub(super) fn headline_sentences(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.sentences.len()).filter(|&i| self.sentences[i].block == 0)
    }
}

pub(super) fn is_valid_span(text: &str, span: Span) -> bool {
    span.start < span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end)
}

/// Cuts a block at `.`, `!`, `?`, `…` followed by a space and a capital, digit, quote mark or dash; not after
/// an initial (`С. Жапаров`).
pub(super) fn sentence_spans(text: &str, block: Span) -> Vec<Span> {
    let s = block.of(text);
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, c) in sentence_marks(s) {
        if c == '.' && follows_initial(s, i) {
            continue;
        }
        let after_closers = s[i + c.len_utf8()..].trim_start_matches(['»', '”', '"', ')']);
        let rest = after_closers.trim_start();
        let Some(next) = rest.chars().next() else { continue };
        if rest.len() == after_closers.len() {
            continue;
        }
        if is_upper(next) || is_numeric(next) || matches!(next, '«' | '“' | '„' | '"' | '—' | '–' | '-')
        {
            spans.push(Span::new(block.start + start, block.end - after_closers.len()));
            start = s.len() - rest.len();
        }
    }
    if start < s.len() {
        spans.push(Span::new(block.start + start, block.end));
    }
    spans
}

/// The `.`, `!`, `?` and `…` of `s` in order, with their byte offsets: found with `memchr` rather than char
/// by char, as this would otherwise look at every char of the text.
pub(super) fn sentence_marks(s: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let bytes = s.as_bytes();
    let mut stops = memchr::memchr3_iter(b'.', b'!', b'?', bytes).peekable();
    // `…` is E2 80 A6: its lead byte with a check of the next two, not `memmem::find_iter`, which builds a
    // searcher (a visible cost) on every call, once per paragraph.
    let mut ellipses = memchr::memchr_iter(0xE2, bytes)
        .filter(|&i| bytes.get(i + 1..i + 3) == Some(&[0x80, 0xA6]))
        .peekable();
    std::iter::from_fn(move || match (stops.peek(), ellipses.peek()) {
        (Some(&stop), Some(&ellipsis)) if ellipsis < stop => ellipses.next().map(|i| (i, '…')),
        (Some(_), _) => stops.next().map(|i| (i, char::from(bytes[i]))),
        (None, _) => ellipses.next().map(|i| (i, '…')),
    })
}

/// Whether the `.` at `i` ends a one-letter initial.
pub(super) fn follows_initial(s: &str, i: usize) -> bool {
    let mut before = s[..i].chars().rev();
    matches!((before.next(), before.next()), (Some(l), prev) if is_upper(l) && prev.is_none_or(|p| !is_alphanumeric(p)))
}

/// `char::is_numeric` with a fast path for ASCII and Russian Cyrillic.
pub(super) fn is_numeric(c: char) -> bool {
    match c {
        '0'..='9' => true,
        '\0'..='\u{7f}' | 'А'..='я' | 'Ё' | 'ё' => false,
        _ => c.is_numeric(),
    }
}

/// Appends the words inside `span` to `words` and folds them in `folded` (a copy of the text's bytes), as
/// [`super::quotes::word_spans`] cuts and [`fold`] folds them, in one pass.
pub(super) fn fold_words(text: &str, span: Span, folded: &mut [u8], words: &mut Vec<Span>) {
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
pub(super) fn fold_word_char(text: &str, i: usize, folded: &mut [u8]) -> usize {
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
        if !ASCII_WORD[usize::from(b)] {
            return 0;
        }
        folded[i] = b.to_ascii_lowercase();
        return 1;
    }
    fold_other_char(text, i, folded)
}

/// Whether `b` is an ASCII char other than a letter or digit.
pub(super) fn is_ascii_separator(b: u8) -> bool {
    b < 0x80 && !ASCII_WORD[usize::from(b)]
}

/// Which ASCII bytes are letters or digits: a table look-up is cheaper than `is_ascii_alphanumeric`'s
/// three range tests in the tokeniser's loop.
pub(super) static ASCII_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// Folds the Russian letters from byte `i` of `bytes` on (А..П → а..п, Р..Я → р..я, see [`fold_char`]) and
/// returns where they end: the loop most of a Russian text's bytes go through, kept to a few instructions
/// a letter.
pub(super) fn fold_russian_run(bytes: &[u8], mut i: usize, folded: &mut [u8]) -> usize {
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
/// letters (the byte loop of [`fold_russian_run`] goes on from there).
pub(super) fn skip_lower_russian(bytes: &[u8], mut i: usize) -> usize {
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
pub(super) fn fold_other_char(text: &str, i: usize, folded: &mut [u8]) -> usize {
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
pub(super) fn joins_word(text: &str, i: usize, end: usize) -> bool {
    let (c, len) = char_at(text, i);
    matches!(c, '-' | '\'' | '’') && i + len < end && is_alphanumeric(char_at(text, i + len).0)
}

/// The length of the UTF-8 sequence whose lead byte is `b`.
pub(super) fn utf8_len(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}
