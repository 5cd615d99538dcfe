//! The text as the classifier reads it: headline and paragraphs cut into sentences, and their words
//! case-folded in place, so patterns are compared on folded bytes at the text's own offsets.

use super::super::parse::Release;
use super::super::text::chars::{is_alphanumeric, is_numeric, is_upper};
use super::super::text::fold::fold_words;
use super::super::text::words::is_nonempty_char_range;
use super::super::types::Span;

/// A sentence of the headline (block 0) or of a paragraph (block n = paragraph n − 1).
#[derive(Debug, Clone, Copy)]
pub(super) struct Sentence {
    pub(super) span: Span,
    pub(super) block: usize,
}

/// The analysed text: sentences, words and the words case-folded.
pub(super) struct Doc {
    /// The text's bytes with every word folded as by [`super::super::text::fold::fold`] (which keeps byte offsets); the bytes between
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
        for (block, span) in blocks.enumerate().filter(|(_, s)| is_nonempty_char_range(text, *s)) {
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

    /// The `index`-th sentence (a hit's `sentence`).
    pub(super) fn sentence(&self, index: usize) -> Sentence {
        self.sentences[index]
    }

    pub(super) fn headline_sentences(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.sentences.len()).filter(|&i| self.sentences[i].block == 0)
    }
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
