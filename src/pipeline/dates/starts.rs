//! Where in a paragraph a date mention can be, found by a cheap walk over the text, so that the mentions
//! regex searches a few short stretches instead of every byte (its forward scan was most of the dates
//! stage).
//!
//! Why the stretches give exactly the matches of a search over the whole paragraph (with the lexicons that
//! [`super::can_read_by_hand`] accepts: no digit in a key, no whitespace in a month form):
//! - A match holds whitespace only inside a `\s+` of the pattern, and each `\s+` lies between a digit and
//!   something (day, year, "года"), between something and a digit (month and day, comma and year), or
//!   between two words of a relative or weekday key ("в понедельник"). So a whitespace run whose
//!   neighbours are no digit and no such pair of key-word ends ([`StartFilter::can_split`]) lies inside
//!   no match: the text on either side of it can be searched apart, and a leftmost-first search over a
//!   stretch bounded by such runs finds what the whole search finds inside it.
//! - A mention is kept only where no letter or digit comes before it ([`super::at_word_bounds`]). One with
//!   a digit starts with it or with a month form followed by whitespace and a digit (at such a position
//!   too, and in the same stretch: that whitespace is no split point); one without starts with a relative
//!   word or a weekday phrase in any letter case. So a stretch where no such position starts with a digit
//!   or the first characters of a relative or weekday key ([`StartFilter::may_start`]) keeps no mention,
//!   and is not searched.
//!
//! "Any letter case" is the regex's: the character classes come from `regex-syntax`, the parser the
//! regex itself uses, so a character matches a key character here exactly when `(?i)` lets it.

use std::collections::HashMap;
use std::ops::Range;

use crate::pipeline::text::chars::{is_ascii_space, is_regex_word};
use crate::pipeline::text::utf8::{char_at, skip_basic_cyrillic};

/// Class of a character no key holds.
const OTHER: u8 = 0;
/// Class of the characters `\s` matches.
const SPACE: u8 = 1;
/// Classes are below this (they index the pair table).
const MAX_CLASSES: usize = 128;
/// Characters below this code point (ASCII, Latin, Cyrillic) have their class in a table.
const TABLE_END: u32 = 0x500;
/// Bits in the filter of the first three classes of the keys.
const TRIPLE_BITS: usize = 4096;
/// Two stretches to search closer than this many bytes are searched as one: a search costs a start-up
/// that outweighs walking a few words.
const MERGE_GAP: usize = 48;

/// Which pairs of leading classes can begin a key: `PAIR_LONGER` when some key goes on after them (the
/// third class is checked), `PAIR_WHOLE` when some key is just these (or fewer) characters.
const PAIR_LONGER: u8 = 1;
const PAIR_WHOLE: u8 = 2;

/// The first characters of the relative and weekday keys, as classes of characters equal under the
/// regex's `(?i)`.
#[derive(Debug)]
pub(super) struct StartFilter {
    /// Class of each character below [`TABLE_END`].
    low: Box<[u8]>,
    /// Class of the other characters that have one.
    high: HashMap<char, u8>,
    /// [`PAIR_LONGER`] / [`PAIR_WHOLE`] bits by `first * MAX_CLASSES + second` class.
    pairs: Box<[u8]>,
    /// Classes that are a whole key alone (a one-letter key).
    singles: [bool; MAX_CLASSES],
    /// A Bloom filter of the first three classes of the keys three classes or longer.
    triples: Box<[u64]>,
    /// Classes of the last characters of a key word that another word follows in its key ("в" of
    /// "в понедельник").
    join_before: [bool; MAX_CLASSES],
    /// Classes of the first characters of a key word that follows another in its key ("п" of
    /// "в понедельник").
    join_after: [bool; MAX_CLASSES],
}

impl StartFilter {
    /// The filter for these keys, `None` when their characters cannot be told apart in classes (more than
    /// [`MAX_CLASSES`], or a key character that `\s` matches): the caller then searches everything.
    pub(super) fn new<'a>(keys: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut classes = Classes::new()?;
        let mut filter = StartFilter {
            low: Box::new([]),
            high: HashMap::new(),
            pairs: vec![0; MAX_CLASSES * MAX_CLASSES].into_boxed_slice(),
            singles: [false; MAX_CLASSES],
            triples: vec![0; TRIPLE_BITS / 64].into_boxed_slice(),
            join_before: [false; MAX_CLASSES],
            join_after: [false; MAX_CLASSES],
        };
        for key in keys {
            let mut sequence: Vec<u8> = Vec::new();
            for (n, word) in key.split_whitespace().enumerate() {
                if n > 0 {
                    filter.join_before[usize::from(*sequence.last()?)] = true;
                    sequence.push(SPACE);
                    filter.join_after[usize::from(classes.of_key_char(word.chars().next()?)?)] = true;
                }
                for c in word.chars() {
                    sequence.push(classes.of_key_char(c)?);
                }
            }
            // An empty key would make the regex match the empty string anywhere: not worth a filter.
            if sequence.is_empty() {
                return None;
            }
            filter.add_prefix(&sequence);
        }
        (filter.low, filter.high) = classes.into_tables();
        Some(filter)
    }

    /// Records the first classes of one key.
    fn add_prefix(&mut self, sequence: &[u8]) {
        match *sequence {
            [] => {}
            [a] => self.singles[usize::from(a)] = true,
            [a, b] => self.pairs[pair_index(a, b)] |= PAIR_WHOLE,
            [a, b, c, ..] => {
                self.pairs[pair_index(a, b)] |= PAIR_LONGER;
                let bit = triple_bit(a, b, c);
                self.triples[bit / 64] |= 1 << (bit % 64);
            }
        }
    }

    /// The class of a character of the text.
    fn class(&self, c: char) -> u8 {
        if u32::from(c) < TABLE_END {
            self.low[c as usize]
        } else {
            self.high.get(&c).copied().unwrap_or(OTHER)
        }
    }

    /// Whether a mention can start with the character `first`, followed by `rest`: an ASCII digit, or the
    /// first (up to three) characters of some key, a whitespace run counting as one `\s+`.
    fn may_start(&self, first: char, rest: &str) -> bool {
        if first.is_ascii_digit() {
            return true;
        }
        let a = self.class(first);
        if a == OTHER {
            return false;
        }
        if self.singles[usize::from(a)] {
            return true;
        }
        let mut chars = rest.chars();
        let Some(b) = chars.next().map(|c| self.class(c)) else { return false };
        let pair = self.pairs[pair_index(a, b)];
        if pair & PAIR_WHOLE != 0 {
            return true;
        }
        if pair == 0 {
            return false;
        }
        let third = if b == SPACE { chars.find(|&c| self.class(c) != SPACE) } else { chars.next() };
        let Some(c) = third.map(|c| self.class(c)) else { return false };
        let bit = triple_bit(a, b, c);
        self.triples[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// Whether a whitespace run between characters `before` and `after` lies inside no match (see the
    /// module doc): neither is a digit or `\s`, and they are not the ends of two words of one key.
    fn can_split(&self, before: char, after: char) -> bool {
        let (b, a) = (self.class(before), self.class(after));
        !before.is_ascii_digit()
            && !after.is_ascii_digit()
            && b != SPACE
            && a != SPACE
            && !(self.join_before[usize::from(b)] && self.join_after[usize::from(a)])
    }

    /// Calls `each` with the byte ranges of `segment` to search, in order and apart: together they hold
    /// every mention the whole search would keep, and each starts and ends where no match can cross (see
    /// the module doc).
    pub(super) fn stretches(&self, segment: &str, mut each: impl FnMut(Range<usize>)) {
        let bytes = segment.as_bytes();
        let mut pending: Option<Range<usize>> = None;
        let mut at = 0;
        let mut after_word = false;
        while at < bytes.len() {
            if after_word {
                // Inside a word only its end matters: the next word start is after it.
                at = skip_basic_cyrillic(bytes, at);
                if at == bytes.len() {
                    break;
                }
            }
            let (c, len) = char_at(segment, at);
            if !after_word && self.may_start(c, &segment[at + len..]) {
                let chunk = self.chunk_around(segment, at);
                // The word starts up to the chunk's end are searched with it.
                at = chunk.end;
                after_word = false;
                match &mut pending {
                    Some(stretch) if chunk.start - stretch.end < MERGE_GAP => stretch.end = chunk.end,
                    _ => pending.replace(chunk).into_iter().for_each(&mut each),
                }
                continue;
            }
            after_word = is_regex_word(c);
            at += len;
        }
        pending.into_iter().for_each(each);
    }

    /// The text around byte `at` between the nearest whitespace runs on either side that no match can
    /// cross (or the ends of `segment`).
    fn chunk_around(&self, segment: &str, at: usize) -> Range<usize> {
        let bytes = segment.as_bytes();
        let mut start = at;
        let start = loop {
            let Some(run_end) = bytes[..start].iter().rposition(|&b| is_ascii_space(b)).map(|i| i + 1) else {
                break 0;
            };
            let run_start = bytes[..run_end].iter().rposition(|&b| !is_ascii_space(b)).map_or(0, |i| i + 1);
            if run_start > 0 && self.can_split_run(segment, run_start..run_end) {
                break run_end;
            }
            if run_start == 0 {
                break 0;
            }
            start = run_start;
        };
        let mut end = at;
        let end = loop {
            let Some(run_start) = bytes[end..].iter().position(|&b| is_ascii_space(b)).map(|i| end + i)
            else {
                break bytes.len();
            };
            let run_end = bytes[run_start..]
                .iter()
                .position(|&b| !is_ascii_space(b))
                .map_or(bytes.len(), |i| run_start + i);
            if run_end < bytes.len() && self.can_split_run(segment, run_start..run_end) {
                break run_start;
            }
            if run_end == bytes.len() {
                break bytes.len();
            }
            end = run_end;
        };
        start..end
    }

    /// Whether the whitespace run `run` of `segment`, with characters on both sides, lies inside no match.
    fn can_split_run(&self, segment: &str, run: Range<usize>) -> bool {
        let before = segment[..run.start].chars().next_back().unwrap_or('\0');
        let (after, _) = char_at(segment, run.end);
        self.can_split(before, after)
    }
}

fn pair_index(a: u8, b: u8) -> usize {
    usize::from(a) * MAX_CLASSES + usize::from(b)
}

fn triple_bit(a: u8, b: u8, c: u8) -> usize {
    (usize::from(a) * 31 * 31 + usize::from(b) * 31 + usize::from(c)) % TRIPLE_BITS
}

/// Characters grouped into classes equal under `(?i)`, built key character by key character.
struct Classes {
    by_char: HashMap<char, u8>,
    count: u8,
}

impl Classes {
    /// Starts with [`SPACE`]: the characters of `\s`.
    fn new() -> Option<Self> {
        let mut by_char = HashMap::new();
        for c in matched_chars(r"\s")? {
            by_char.insert(c, SPACE);
        }
        Some(Classes { by_char, count: SPACE + 1 })
    }

    /// The class of a key character: the characters `(?i)` lets match it, which must not overlap another
    /// class.
    fn of_key_char(&mut self, c: char) -> Option<u8> {
        if let Some(&class) = self.by_char.get(&c) {
            return (class != SPACE).then_some(class);
        }
        if usize::from(self.count) >= MAX_CLASSES {
            return None;
        }
        let class = self.count;
        self.count += 1;
        for same in matched_chars(&format!("(?i){}", regex::escape(&c.to_string())))? {
            if self.by_char.insert(same, class).is_some() {
                return None;
            }
        }
        Some(class)
    }

    /// The class table below [`TABLE_END`] and the map of the rest.
    fn into_tables(self) -> (Box<[u8]>, HashMap<char, u8>) {
        let mut low = vec![OTHER; TABLE_END as usize].into_boxed_slice();
        let mut high = HashMap::new();
        for (c, class) in self.by_char {
            if u32::from(c) < TABLE_END {
                low[c as usize] = class;
            } else {
                high.insert(c, class);
            }
        }
        (low, high)
    }
}

/// Every character a one-character pattern matches, as the regex parser reads it.
fn matched_chars(pattern: &str) -> Option<Vec<char>> {
    use regex_syntax::hir::{Class, HirKind};
    let hir = regex_syntax::parse(pattern).ok()?;
    match hir.kind() {
        HirKind::Literal(literal) => std::str::from_utf8(&literal.0).ok().map(|s| s.chars().collect()),
        HirKind::Class(Class::Unicode(class)) => {
            Some(class.ranges().iter().flat_map(|r| r.start()..=r.end()).collect())
        }
        _ => None,
    }
}
