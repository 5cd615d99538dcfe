//! Tokens: the text cut once into words and signs, each with its stem key, its knowledge-base entry and
//! the shape of its characters, so that every later pass of the stage reads tokens, not text.

use std::cell::Cell;

use super::super::kb::{turkic_bases, KnowledgeBase, WordEntry, NO_NAME_WORD};
use super::super::morph;
use super::super::text::chars::{is_alphanumeric, is_ascii_or_russian, is_cyrillic, is_quote_mark, is_upper};
use super::super::text::fold::{lower_into, russian_lower_run};
use super::super::types::Span;

/// One token: a word (letters and digits, inner hyphens kept) or a single other character.
#[derive(Debug, Clone)]
pub(super) struct Tok<'t> {
    pub(super) span: Span,
    pub(super) text: &'t str,
    /// Where the stem key ([`morph::stem`]) is: in [`Finder::keys`] (`|` for a non-word), or in the text
    /// when `key_in_text` (a lower-case word's key is a prefix of it).
    pub(super) key: (usize, usize),
    pub(super) key_in_text: bool,
    /// The vocabulary's entry for the key: id in the knowledge base's names, cue lists of stems.
    pub(super) entry: WordEntry,
    /// The cue lists of words in lower case (stop, not_name, particle, place_prep) the token is in, looked
    /// up when first asked ([`UNKNOWN_CUES`] until then): few tokens are ever asked.
    pub(super) lower_cues: Cell<u16>,
    /// Some upper-case letter.
    pub(super) any_upper: bool,
    /// Only ASCII and Russian letters.
    pub(super) simple: bool,
    /// Characters.
    pub(super) chars: usize,
    pub(super) word: bool,
    pub(super) quote: bool,
    pub(super) cap: bool,
    pub(super) upper: bool,
    pub(super) latin: bool,
    pub(super) cyrillic: bool,
    pub(super) digit: bool,
    pub(super) sent_start: bool,
}

impl Tok<'_> {
    pub(super) fn is_break(&self) -> bool {
        !self.word && !self.quote
    }
}

/// The text cut into tokens, with the keys of all of them written into one string (see [`Tok::key`]).
/// `endings` are the Kyrgyz or Kazakh case endings of the release's language (empty for others): a
/// capitalised word no name knows is keyed as its base when cutting one leaves a known name.
pub(super) fn tokenize<'t>(text: &'t str, kb: &KnowledgeBase, endings: &[String]) -> (Vec<Tok<'t>>, String) {
    let mut toks: Vec<Tok> = Vec::with_capacity(text.len() / 6);
    let mut keys = String::with_capacity(text.len() + 1);
    keys.push('|');
    let break_entry = kb.word("|");
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut sentence_start = true;
    while let Some(c) = text[pos..].chars().next() {
        let i = pos;
        pos += c.len_utf8();
        if c.is_whitespace() {
            if c == '\n' && text[pos..].starts_with('\n') {
                sentence_start = true;
            }
            continue;
        }
        let mut end = pos;
        let word = is_alphanumeric(c);
        let mut shape = Shape::new();
        shape.add(c);
        if word {
            loop {
                // Most of a word is lower-case Russian letters: they are skipped on their bytes.
                let run = russian_lower_run(&bytes[end..]);
                shape.add_russian_lower(run / 2);
                end += run;
                let Some(d) = text[end..].chars().next() else { break };
                if is_alphanumeric(d) {
                    end += d.len_utf8();
                } else if (d == '-' && text[end + 1..].chars().next().is_some_and(is_alphanumeric))
                    || (d == '.' && is_domain_suffix(&text[end + 1..]))
                {
                    end += 1;
                } else {
                    break;
                }
                shape.add(d);
            }
        }
        pos = end;
        let t = &text[i..end];
        let in_text = word && shape.simple && !shape.any_upper && !shape.yo;
        let (key, entry) = if in_text {
            let key = morph::stem_of_lower(t, shape.cyrillic);
            ((i, i + key.len()), kb.word(key))
        } else if word {
            let from = keys.len();
            morph::stem_into(t, &mut keys);
            let mut entry = kb.word(&keys[from..]);
            if shape.first_upper && entry.name_word == NO_NAME_WORD && !endings.is_empty() {
                entry = key_without_case_ending(t, kb, endings, &mut keys, from).unwrap_or(entry);
            }
            ((from, keys.len()), entry)
        } else {
            ((0, 1), break_entry)
        };
        // A quote is never a word: words skip the comparisons.
        let quote = !word && is_quote_mark(c);
        let tok = Tok {
            span: Span::new(i, end),
            text: t,
            key,
            key_in_text: in_text,
            entry,
            lower_cues: Cell::new(UNKNOWN_CUES),
            any_upper: shape.any_upper,
            simple: shape.simple,
            chars: shape.chars,
            word,
            quote,
            cap: shape.first_upper,
            upper: word && shape.letters >= 2 && shape.all_upper,
            latin: shape.latin && !shape.cyrillic,
            cyrillic: shape.cyrillic,
            digit: shape.digit,
            sent_start: sentence_start,
        };
        if word {
            sentence_start = false;
        } else if matches!(t, "." | "!" | "?" | "…" | ":") || (sentence_start && quote) {
            sentence_start = true;
        } else if !quote && !matches!(t, "-" | "–" | "—") {
            sentence_start = false;
        }
        toks.push(tok);
    }
    (toks, keys)
}

/// The entry of the first base of `word` (a case ending cut off, longest first) whose key is in a known
/// name, its key replacing `word`'s at `keys[from..]`; `None` (keys untouched) when no base is known.
fn key_without_case_ending(
    word: &str,
    kb: &KnowledgeBase,
    endings: &[String],
    keys: &mut String,
    from: usize,
) -> Option<WordEntry> {
    let whole = keys.len();
    for base in turkic_bases(word, endings) {
        morph::stem_into(base, keys);
        let entry = kb.word(&keys[whole..]);
        if entry.name_word != NO_NAME_WORD {
            keys.replace_range(from..whole, "");
            return Some(entry);
        }
        keys.truncate(whole);
    }
    None
}

/// [`Tok::lower_cues`] not looked up yet.
pub(super) const UNKNOWN_CUES: u16 = u16::MAX;

/// The cue lists of the lower case of a token; `scratch` holds the lower case (reused: no allocation per
/// token).
pub(super) fn lower_case_cues(t: &Tok, kb: &KnowledgeBase, scratch: &mut String) -> u16 {
    if !t.any_upper && t.simple {
        // ASCII and Russian words without capitals are their own lower case.
        return kb.word(t.text).cues;
    }
    if let (false, Some(c)) = (t.word, t.text.chars().next()) {
        // A sign ("«", "—") is its own lower case.
        let mut lower = c.to_lowercase();
        if lower.len() == 1 && lower.next() == Some(c) {
            return kb.word(t.text).cues;
        }
    }
    scratch.clear();
    lower_into(t.text, scratch);
    kb.word(scratch).cues
}

/// What the characters of a token are, from one pass over them.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Shape {
    pub(super) chars: usize,
    /// Characters other than ASCII digits.
    pub(super) letters: usize,
    pub(super) first_upper: bool,
    /// Every character an ASCII digit, a hyphen or upper case.
    pub(super) all_upper: bool,
    /// Some ASCII letter.
    pub(super) latin: bool,
    pub(super) cyrillic: bool,
    /// Some ASCII digit.
    pub(super) digit: bool,
    /// Some upper-case letter.
    pub(super) any_upper: bool,
    /// Only ASCII and Russian letters (whose lower case needs no tables).
    pub(super) simple: bool,
    /// Some ё or Ё (the key writes е).
    pub(super) yo: bool,
}

impl Shape {
    pub(super) fn new() -> Shape {
        Shape { all_upper: true, simple: true, ..Shape::default() }
    }

    #[cfg(test)]
    pub(super) fn of(token: &str) -> Shape {
        let mut shape = Shape::new();
        token.chars().for_each(|c| shape.add(c));
        shape
    }

    /// Takes in `n` lower-case Russian letters (а–я, not ё) at once.
    pub(super) fn add_russian_lower(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        if self.chars == 0 {
            self.first_upper = false;
        }
        self.chars += n;
        self.letters += n;
        self.all_upper = false;
        self.cyrillic = true;
    }

    /// Takes in the next character of the token.
    pub(super) fn add(&mut self, c: char) {
        // (upper case, ASCII digit, ASCII letter, Cyrillic, ASCII or Russian): ASCII and Russian letters by
        // one match on their ranges, the rest by text/'s tests. One text/ call per property instead measured
        // 352 K -> 359 K instructions per entities::find (callgrind, normalize_loop rules 300 minus 100).
        let (upper, digit, latin, cyrillic, simple) = match c {
            'а'..='я' | 'ё' => (false, false, false, true, true),
            'А'..='Я' | 'Ё' => (true, false, false, true, true),
            'a'..='z' => (false, false, true, false, true),
            'A'..='Z' => (true, false, true, false, true),
            '0'..='9' => (false, true, false, false, true),
            _ => (is_upper(c), false, false, is_cyrillic(c), is_ascii_or_russian(c)),
        };
        if self.chars == 0 {
            self.first_upper = upper;
        }
        self.chars += 1;
        self.digit |= digit;
        self.letters += usize::from(!digit);
        self.all_upper &= digit || c == '-' || upper;
        self.latin |= latin;
        self.cyrillic |= cyrillic;
        self.any_upper |= upper;
        self.simple &= simple;
        self.yo |= matches!(c, 'ё' | 'Ё');
    }
}

/// Whether the text after a dot is a domain suffix ("ru", "com", "kg", "ру"): 2–4 lower-case letters, then
/// no letter ("NEWSru.com", "Лента.ру", "24.kg").
pub(super) fn is_domain_suffix(rest: &str) -> bool {
    let letters = rest.chars().take_while(|c| c.is_alphabetic()).count();
    (2..=4).contains(&letters) && rest.chars().take(letters).all(char::is_lowercase)
}
