//! Stage 8: what happened. Event types (SPEC §3) triggered by lexicons in `data/lexicons/events.tsv`, each
//! with its CAMEO code, actors, place and date.
//!
//! How it works:
//! 1. The headline and paragraphs are cut into sentences and case-folded words; each word looks up the
//!    patterns (stems, word forms, gaps; see the data file's header) whose first word may be it by its first
//!    two bytes, and those are checked word by word.
//! 2. Every trigger match scores `weight × position` (headline 1.0 … later paragraphs 0.7), ×0.3 in a sentence
//!    about the future or a plan ("пройдет", "will be held"), ×0.7 inside a quote; a negation right before it
//!    cancels it. Triggers "suppressed by" a type the release has are dropped (generic "обсудили" next to a
//!    phone call).
//! 3. Triggers of one type merge into one event: its confidence is the noisy-or of theirs, its trigger and
//!    CAMEO code the strongest one's. Events under 0.3 are dropped; the rest are ordered by confidence, then
//!    position: the first is the primary event (routing key `{language}.{event_type}`).
//! 4. `statement` is a fallback: only when nothing else was found and the release is mainly a statement (its
//!    trigger in the headline or lead, or quotes covering 40 % of the body). A quote alone is not an event: it
//!    is in `x.quotes` already, and nearly every release has one.
//! 5. With nothing found the release gets one `other` event.
//!
//! Actors are the person entities named in the sentences of the event's strongest triggers (the headline's
//! when those name fewer than two); the place is a city named there, else the dateline city; the date is one
//! named there, else the release date.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::data::DataFiles;
use super::dateline::Dateline;
use super::dates::DateMention;
use super::entities::Entity;
use super::parse::Release;
use super::quotes::Quote;
use super::text::chars::{is_alphanumeric, is_upper};
use super::text::fold::{fold, fold_char};
use super::text::utf8::char_at;
use super::types::{EntityKind, LoadError, Span};

/// The data file of triggers.
const LEXICON: &str = "lexicons/events.tsv";
/// The fallback event type (see the module doc).
const STATEMENT: &str = "statement";
/// The event type whose roles follow the voice of its verb.
const APPOINTMENT: &str = "appointment";
/// The event type of a release nothing matched.
const OTHER: &str = "other";
/// Events weaker than this are not reported.
const MIN_CONFIDENCE: f32 = 0.3;
/// What a trigger in a sentence about the future counts for.
const FUTURE_FACTOR: f32 = 0.3;
/// What a trigger inside a quote counts for: speech reports less firmly than the agency's own words.
const QUOTE_FACTOR: f32 = 0.7;
/// Words a `..` in a pattern may skip.
const MAX_GAP: usize = 4;
/// How many words before a trigger a negation reaches.
const NEGATION_REACH: usize = 2;
/// Triggers at least this share of the strongest one's score give the event actors, place and date.
const SUPPORT_RATIO: f32 = 0.5;
/// Quotes covering this share of the body make the release a statement.
const STATEMENT_QUOTE_SHARE: f32 = 0.4;
/// The cap of a merged confidence: the classifier is never sure.
const MAX_CONFIDENCE: f32 = 0.99;

/// An event the release reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// e.g. `diplomacy.talks`.
    pub kind: String,
    /// CAMEO code, e.g. `040`.
    pub cameo: String,
    /// The words that triggered it.
    pub trigger: Span,
    /// 0–1.
    pub confidence: f32,
    /// Participants: `(entity id, source | target | participant)`.
    pub actors: Vec<(String, String)>,
    /// Entity id of the place.
    pub place: Option<String>,
    /// When.
    pub date: Option<NaiveDate>,
    /// Extra facts, e.g. `format` → `узкий формат`.
    pub attributes: BTreeMap<String, String>,
}

/// One word of a pattern: alternatives, and how many words may stand before it.
#[derive(Debug, Clone)]
struct PatternWord {
    alternatives: Vec<Alternative>,
    gap_before: usize,
}

/// A folded word form, or a stem when `stem`.
#[derive(Debug, Clone)]
struct Alternative {
    text: String,
    stem: bool,
}

impl PatternWord {
    /// Whether the folded `word` is one of the alternatives (or starts with one of the stems).
    fn matches(&self, word: impl AsRef<[u8]>) -> bool {
        let word = word.as_ref();
        self.alternatives.iter().any(|a| a.matches(word))
    }
}

/// What a pattern means when it matches.
#[derive(Debug, Clone, PartialEq)]
enum Rule {
    /// Evidence for an event type.
    Trigger { kind: String, cameo: String, weight: f32, suppressed_by: Vec<String> },
    /// The sentence is about the future or a plan.
    Future,
    /// A negation.
    Negation,
    /// An attribute of an event type.
    Attribute { kind: String, key: String, value: String },
}

/// Event triggers, from `data/lexicons/events.tsv`, with the index that finds them.
#[derive(Debug, Default)]
pub struct EventLexicon {
    rules: Vec<(Rule, Vec<PatternWord>)>,
    /// The rules a word may start a match of.
    first_words: FirstWordIndex,
}

impl EventLexicon {
    /// Loads the lexicon and indexes its patterns' first words (see the data file's header for the format).
    pub fn load(files: &DataFiles) -> Result<Self, LoadError> {
        let mut rules = Vec::new();
        for (line, fields) in files.records(LEXICON)? {
            let err = |message: String| DataFiles::syntax(LEXICON, line, message);
            let (rule, pattern) = parse_record(&fields).map_err(err)?;
            let words = parse_pattern(pattern).map_err(err)?;
            rules.push((rule, words));
        }
        let first_words = FirstWordIndex::new(rules.iter().map(|(_, words)| &words[0]));
        Ok(EventLexicon { rules, first_words })
    }
}

/// How many buckets [`FirstWordIndex`] hashes first words into; a power of two.
const FIRST_WORD_BUCKETS: usize = 1024;
/// How many leading bytes of a word [`FirstWordIndex`] hashes: two Cyrillic letters.
const KEY_BYTES: usize = 4;

/// The alternatives of the patterns' first words, hashed by their first [`KEY_BYTES`] bytes, so that each
/// word of the text is checked against the few alternatives it may be (or start with) instead of the
/// text being scanned for all of them. Stems shorter than the key are checked against every word.
#[derive(Debug, Default)]
struct FirstWordIndex {
    /// Per bucket, the range of `entries` it holds; empty when nothing is loaded.
    buckets: Vec<(u32, u32)>,
    /// Bucket after bucket: an alternative's key, the alternative and the rule whose first word it is.
    entries: Vec<(u32, Alternative, usize)>,
    /// Stems shorter than the key, with their rules.
    short_stems: Vec<(Alternative, usize)>,
}

impl FirstWordIndex {
    /// Indexes the first pattern word of rule 0, 1, 2, ….
    fn new<'p>(first_words: impl Iterator<Item = &'p PatternWord>) -> Self {
        let mut by_bucket: Vec<Vec<(u32, Alternative, usize)>> = vec![Vec::new(); FIRST_WORD_BUCKETS];
        let mut short_stems = Vec::new();
        for (rule, word) in first_words.enumerate() {
            for alt in &word.alternatives {
                if alt.stem && alt.text.len() < KEY_BYTES {
                    short_stems.push((alt.clone(), rule));
                } else {
                    let key = Self::key(alt.text.as_bytes());
                    by_bucket[Self::bucket(key)].push((key, alt.clone(), rule));
                }
            }
        }
        let mut buckets = Vec::with_capacity(FIRST_WORD_BUCKETS);
        let mut entries = Vec::new();
        for list in by_bucket {
            let start = entries.len() as u32;
            entries.extend(list);
            buckets.push((start, entries.len() as u32));
        }
        FirstWordIndex { buckets, entries, short_stems }
    }

    /// The first [`KEY_BYTES`] bytes of a word (all of a shorter one) as a number. A word and an alternative
    /// it matches share it: the word is the alternative, or starts with a stem of at least [`KEY_BYTES`]
    /// bytes.
    fn key(word: &[u8]) -> u32 {
        match word.first_chunk::<KEY_BYTES>() {
            Some(first) => u32::from_be_bytes(*first),
            None => word.iter().fold(0u32, |key, &b| key << 8 | u32::from(b)),
        }
    }

    /// The bucket of a key: a multiplicative hash.
    fn bucket(key: u32) -> usize {
        (key.wrapping_mul(0x9E37_79B1) >> 22) as usize % FIRST_WORD_BUCKETS
    }

    /// Calls `found` with each rule whose first word `word` is, once per alternative it matches: a rule may
    /// come twice. (Plain loops: this runs for every word of the text, mostly over an empty bucket.)
    fn for_each_rule_of(&self, word: &[u8], mut found: impl FnMut(usize)) {
        let key = Self::key(word);
        if let Some(&(start, end)) = self.buckets.get(Self::bucket(key)) {
            for (k, alt, rule) in &self.entries[start as usize..end as usize] {
                // The keys tell most other words of the bucket apart without comparing bytes.
                if *k == key && alt.matches(word) {
                    found(*rule);
                }
            }
        }
        for (alt, rule) in &self.short_stems {
            if alt.matches(word) {
                found(*rule);
            }
        }
    }
}

impl Alternative {
    /// Whether the folded `word` is this word form, or starts with this stem.
    fn matches(&self, word: &[u8]) -> bool {
        let alt = self.text.as_bytes();
        if self.stem {
            word.starts_with(alt)
        } else {
            word == alt
        }
    }
}

/// A record's rule and its pattern text.
fn parse_record(fields: &[String]) -> Result<(Rule, &str), String> {
    let field = |i: usize, what: &str| {
        fields.get(i).map(String::as_str).filter(|f| !f.is_empty()).ok_or(format!("missing {what}"))
    };
    match field(0, "record kind")? {
        "trigger" => {
            let weight: f32 = field(3, "weight")?.parse().map_err(|_| "the weight is not a number")?;
            if !(0.0..=1.0).contains(&weight) {
                return Err(format!("weight {weight} is not between 0 and 1"));
            }
            let cameo = field(2, "CAMEO code")?;
            let suppressed_by = fields
                .get(5)
                .map(|s| s.split(',').map(str::trim).filter(|k| !k.is_empty()).map(String::from).collect())
                .unwrap_or_default();
            let rule = Rule::Trigger {
                kind: field(1, "event type")?.to_string(),
                cameo: if cameo == "-" { String::new() } else { cameo.to_string() },
                weight,
                suppressed_by,
            };
            Ok((rule, field(4, "pattern")?))
        }
        "future" => Ok((Rule::Future, field(1, "pattern")?)),
        "negation" => Ok((Rule::Negation, field(1, "pattern")?)),
        "attribute" => {
            let rule = Rule::Attribute {
                kind: field(1, "event type")?.to_string(),
                key: field(2, "key")?.to_string(),
                value: field(3, "value")?.to_string(),
            };
            Ok((rule, field(4, "pattern")?))
        }
        other => {
            Err(format!("unknown record kind {other:?}; expected trigger, future, negation or attribute"))
        }
    }
}

/// `подписа* .. соглашени*|меморандум*` → words with alternatives, stems and gaps.
fn parse_pattern(pattern: &str) -> Result<Vec<PatternWord>, String> {
    let mut words: Vec<PatternWord> = Vec::new();
    let mut gap = 0;
    for token in pattern.split_whitespace() {
        if token == ".." {
            gap = MAX_GAP;
            continue;
        }
        let alternatives: Vec<Alternative> = token
            .split('|')
            .filter(|a| !a.is_empty())
            .map(|a| Alternative { text: fold(a.trim_end_matches('*')), stem: a.ends_with('*') })
            .collect();
        if alternatives.is_empty() || alternatives.iter().any(|a| a.text.is_empty()) {
            return Err(format!("empty word in pattern {pattern:?}"));
        }
        words.push(PatternWord { alternatives, gap_before: gap });
        gap = 0;
    }
    if words.is_empty() || gap != 0 || words[0].gap_before != 0 {
        return Err(format!("pattern {pattern:?} must start and end with a word"));
    }
    Ok(words)
}

/// What the classifier reads besides the text.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The triggers.
    pub lexicon: &'a EventLexicon,
    /// The entities found.
    pub entities: &'a [Entity],
    /// The quotes found.
    pub quotes: &'a [Quote],
    /// The dates found.
    pub dates: &'a [DateMention],
    /// The dateline, if any.
    pub dateline: Option<&'a Dateline>,
    /// The release date.
    pub anchor: Option<NaiveDate>,
}

/// Finds the events of a release, strongest first; `other` when nothing matched.
pub fn classify(text: &str, release: &Release, ctx: &Context<'_>) -> Vec<Event> {
    let doc = Doc::new(text, release);
    let hits = find_hits(ctx.lexicon, &doc);
    let triggers = scored_triggers(ctx, &doc, &hits);
    let mut groups = merge_by_kind(triggers);
    groups.retain(|g| g.confidence >= MIN_CONFIDENCE);
    if groups.iter().any(|g| g.kind != STATEMENT) {
        groups.retain(|g| g.kind != STATEMENT);
    } else {
        groups.retain(|g| is_mainly_statement(&doc, ctx, g));
    }
    let mut events: Vec<Event> = groups.iter().map(|g| build_event(ctx, &doc, &hits, g)).collect();
    events.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.trigger.start.cmp(&b.trigger.start)));
    if events.is_empty() {
        events.push(other_event(ctx, &doc));
    }
    events
}

// ---------------------------------------------------------------------------------------------------------
// The text as sentences and words

/// A sentence of the headline (block 0) or of a paragraph (block n = paragraph n − 1).
#[derive(Debug, Clone, Copy)]
struct Sentence {
    span: Span,
    block: usize,
}

/// The analysed text: sentences, words and the words case-folded.
struct Doc {
    /// The text's bytes with every word folded as by [`fold`] (which keeps byte offsets); the bytes between
    /// words are left as they are and never read.
    folded: Vec<u8>,
    sentences: Vec<Sentence>,
    words: Vec<Span>,
    sentence_of_word: Vec<usize>,
    body_len: usize,
}

impl Doc {
    fn new(text: &str, release: &Release) -> Self {
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

    fn folded_word(&self, i: usize) -> &[u8] {
        let w = self.words[i];
        &self.folded[w.start..w.end]
    }

    fn sentence_of(&self, hit: &Hit) -> Sentence {
        self.sentences[hit.sentence]
    }

    fn headline_sentences(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.sentences.len()).filter(|&i| self.sentences[i].block == 0)
    }
}

fn is_valid_span(text: &str, span: Span) -> bool {
    span.start < span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end)
}

/// Cuts a block at `.`, `!`, `?`, `…` followed by a space and a capital, digit, quote mark or dash; not after
/// an initial (`С. Жапаров`).
fn sentence_spans(text: &str, block: Span) -> Vec<Span> {
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
fn sentence_marks(s: &str) -> impl Iterator<Item = (usize, char)> + '_ {
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
fn follows_initial(s: &str, i: usize) -> bool {
    let mut before = s[..i].chars().rev();
    matches!((before.next(), before.next()), (Some(l), prev) if is_upper(l) && prev.is_none_or(|p| !is_alphanumeric(p)))
}

/// `char::is_numeric` with a fast path for ASCII and Russian Cyrillic.
fn is_numeric(c: char) -> bool {
    match c {
        '0'..='9' => true,
        '\0'..='\u{7f}' | 'А'..='я' | 'Ё' | 'ё' => false,
        _ => c.is_numeric(),
    }
}

/// Appends the words inside `span` to `words` and folds them in `folded` (a copy of the text's bytes), as
/// [`super::crate::pipeline::text::words::word_spans`] cuts and [`fold`] folds them, in one pass.
fn fold_words(text: &str, span: Span, folded: &mut [u8], words: &mut Vec<Span>) {
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
        if !ASCII_WORD[usize::from(b)] {
            return 0;
        }
        folded[i] = b.to_ascii_lowercase();
        return 1;
    }
    fold_other_char(text, i, folded)
}

/// Whether `b` is an ASCII char other than a letter or digit.
fn is_ascii_separator(b: u8) -> bool {
    b < 0x80 && !ASCII_WORD[usize::from(b)]
}

/// Which ASCII bytes are letters or digits: a table look-up is cheaper than `is_ascii_alphanumeric`'s
/// three range tests in the tokeniser's loop.
static ASCII_WORD: [bool; 128] = {
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
/// letters (the byte loop of [`fold_russian_run`] goes on from there).
fn skip_lower_russian(bytes: &[u8], mut i: usize) -> usize {
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

/// The length of the UTF-8 sequence whose lead byte is `b`.
fn utf8_len(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Pattern matches

/// A match of one rule's pattern.
#[derive(Debug, Clone, Copy)]
struct Hit {
    rule: usize,
    span: Span,
    first_word: usize,
    sentence: usize,
}

/// Every match of every rule, in text order (then rule order).
fn find_hits(lex: &EventLexicon, doc: &Doc) -> Vec<Hit> {
    let mut hits = Vec::new();
    for first in 0..doc.words.len() {
        lex.first_words.for_each_rule_of(doc.folded_word(first), |rule| {
            if let Some(last) = match_rest(doc, &lex.rules[rule].1, first) {
                let span = Span::new(doc.words[first].start, doc.words[last].end);
                hits.push(Hit { rule, span, first_word: first, sentence: doc.sentence_of_word[first] });
            }
        });
    }
    // Text order, then rule order, is what the tie-breaks rely on; a rule two of whose alternatives match
    // one word matched once.
    hits.sort_by_key(|h| (h.span.start, h.rule));
    hits.dedup_by_key(|h| (h.span.start, h.rule));
    hits
}

/// The last word of a match of `pattern` starting at word `first`, all in one sentence, given that word
/// `first` matches the pattern's first word.
fn match_rest(doc: &Doc, pattern: &[PatternWord], first: usize) -> Option<usize> {
    let sentence = doc.sentence_of_word[first];
    let mut at = first;
    for word in &pattern[1..] {
        at = (at + 1..=at + 1 + word.gap_before)
            .take_while(|&i| i < doc.words.len() && doc.sentence_of_word[i] == sentence)
            .find(|&i| word.matches(doc.folded_word(i)))?;
    }
    Some(at)
}

// ---------------------------------------------------------------------------------------------------------
// Scoring and merging

/// A trigger match with its score.
#[derive(Debug, Clone)]
struct Trigger<'l> {
    hit: Hit,
    kind: &'l str,
    cameo: &'l str,
    score: f32,
}

fn scored_triggers<'l>(ctx: &Context<'l>, doc: &Doc, hits: &[Hit]) -> Vec<Trigger<'l>> {
    let rules = &ctx.lexicon.rules;
    // Few hits per release: a Vec is cheaper than hashing.
    let future: Vec<usize> =
        hits.iter().filter(|h| rules[h.rule].0 == Rule::Future).map(|h| h.sentence).collect();
    let negations: Vec<&Hit> = hits.iter().filter(|h| rules[h.rule].0 == Rule::Negation).collect();
    let mut triggers: Vec<(Trigger<'l>, &'l [String])> = Vec::new();
    for hit in hits {
        let Rule::Trigger { kind, cameo, weight, suppressed_by } = &rules[hit.rule].0 else { continue };
        if is_negated(doc, hit, &negations) {
            continue;
        }
        let mut score = weight * position_factor(doc.sentence_of(hit).block);
        if future.contains(&hit.sentence) {
            score *= FUTURE_FACTOR;
        }
        if ctx.quotes.iter().any(|q| q.span.contains(hit.span)) {
            score *= QUOTE_FACTOR;
        }
        triggers.push((Trigger { hit: *hit, kind, cameo, score }, suppressed_by));
    }
    let present: Vec<&str> =
        triggers.iter().filter(|(t, _)| t.score >= MIN_CONFIDENCE).map(|(t, _)| t.kind).collect();
    triggers
        .into_iter()
        .filter(|(t, by)| !by.iter().any(|k| k != t.kind && present.contains(&k.as_str())))
        .map(|(t, _)| t)
        .collect()
}

/// A negation ending at most [`NEGATION_REACH`] words before the trigger, in its sentence.
fn is_negated(doc: &Doc, trigger: &Hit, negations: &[&Hit]) -> bool {
    negations.iter().any(|n| {
        n.sentence == trigger.sentence
            && n.span.end <= trigger.span.start
            && doc.words[n.first_word..trigger.first_word].len() <= NEGATION_REACH
    })
}

/// The headline says most about what happened; later paragraphs less.
fn position_factor(block: usize) -> f32 {
    match block {
        0 => 1.0,
        1 => 0.95,
        2 => 0.9,
        3 => 0.8,
        _ => 0.7,
    }
}

/// The triggers of one event type.
#[derive(Debug)]
struct Group<'l> {
    kind: &'l str,
    triggers: Vec<Trigger<'l>>,
    best: usize,
    confidence: f32,
}

impl Group<'_> {
    fn best(&self) -> &Trigger<'_> {
        &self.triggers[self.best]
    }

    /// The strongest trigger first, then those at least [`SUPPORT_RATIO`] as strong, in text order.
    fn supporting(&self) -> impl Iterator<Item = &Trigger<'_>> {
        let best = self.best().score;
        std::iter::once(self.best()).chain(
            self.triggers
                .iter()
                .enumerate()
                .filter(move |(i, t)| *i != self.best && t.score >= best * SUPPORT_RATIO)
                .map(|(_, t)| t),
        )
    }
}

fn merge_by_kind(triggers: Vec<Trigger<'_>>) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for t in triggers {
        match groups.iter_mut().find(|g| g.kind == t.kind) {
            // Overlapping matches ("официального визита" and "визита") are one piece of evidence.
            Some(g) => match g.triggers.iter_mut().find(|o| o.hit.span.overlaps(t.hit.span)) {
                Some(o) if o.score < t.score => *o = t,
                Some(_) => {}
                None => g.triggers.push(t),
            },
            None => groups.push(Group { kind: t.kind, triggers: vec![t], best: 0, confidence: 0.0 }),
        }
    }
    for g in &mut groups {
        // The first of equally strong triggers wins: max_by keeps the last maximum, so scan in reverse.
        g.best = (0..g.triggers.len())
            .rev()
            .max_by(|&a, &b| g.triggers[a].score.total_cmp(&g.triggers[b].score))
            .unwrap_or(0);
        let miss: f32 = g.triggers.iter().map(|t| 1.0 - t.score.clamp(0.0, 1.0)).product();
        g.confidence = round2((1.0 - miss).min(MAX_CONFIDENCE));
    }
    groups
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// A statement trigger in the headline or lead, or a body made mostly of quotes.
fn is_mainly_statement(doc: &Doc, ctx: &Context<'_>, group: &Group<'_>) -> bool {
    let in_top = group.triggers.iter().any(|t| doc.sentence_of(&t.hit).block <= 1);
    let quoted: usize = ctx.quotes.iter().map(|q| q.span.end.saturating_sub(q.span.start)).sum();
    in_top || (doc.body_len > 0 && quoted as f32 >= STATEMENT_QUOTE_SHARE * doc.body_len as f32)
}

// ---------------------------------------------------------------------------------------------------------
// From a group to an event

fn build_event(ctx: &Context<'_>, doc: &Doc, hits: &[Hit], group: &Group<'_>) -> Event {
    let best = group.best();
    let mut sentences: Vec<usize> = Vec::new();
    for t in group.supporting() {
        if !sentences.contains(&t.hit.sentence) {
            sentences.push(t.hit.sentence);
        }
    }
    let spans: Vec<Span> = sentences.iter().map(|&i| doc.sentences[i].span).collect();
    let mut persons = persons_in(ctx.entities, &spans);
    if persons.len() < 2 {
        let headline: Vec<Span> = doc.headline_sentences().map(|i| doc.sentences[i].span).collect();
        for p in persons_in(ctx.entities, &headline) {
            if !persons.iter().any(|q| q.id == p.id) {
                persons.push(p);
            }
        }
    }
    let mut attributes = attributes_in(ctx.lexicon, hits, group.kind, &sentences);
    let actors = if group.kind == "diplomacy.visit" {
        let destination = destination(ctx.entities, doc.sentence_of(&best.hit).span, best.hit.span);
        if let Some(d) = destination {
            attributes.insert("destination".into(), d.id.clone());
        }
        visit_roles(doc, &persons, best, destination)
    } else if group.kind == APPOINTMENT {
        appointment_roles(doc, &persons, best)
    } else if group.kind == STATEMENT {
        ranked_roles(&persons, "source", "target")
    } else {
        ranked_roles(&persons, "participant", "participant")
    };
    Event {
        kind: group.kind.to_string(),
        cameo: best.cameo.to_string(),
        trigger: best.hit.span,
        confidence: group.confidence,
        actors,
        place: city_in(ctx.entities, &spans).or_else(|| dateline_place(ctx)).map(|e| e.id.clone()),
        date: date_in(ctx.dates, &spans).or(ctx.anchor),
        attributes,
    }
}

/// The event of a release nothing matched: the headline's people, the dateline city, the release date.
fn other_event(ctx: &Context<'_>, doc: &Doc) -> Event {
    let headline: Vec<Span> = doc.headline_sentences().map(|i| doc.sentences[i].span).collect();
    let start = headline.first().map_or(0, |s| s.start);
    Event {
        kind: OTHER.into(),
        cameo: String::new(),
        trigger: Span::new(start, start),
        confidence: 1.0,
        actors: ranked_roles(&persons_in(ctx.entities, &headline), "participant", "participant"),
        place: dateline_place(ctx).map(|e| e.id.clone()),
        date: ctx.anchor,
        attributes: BTreeMap::new(),
    }
}

/// Person entities named in `spans`, in order of the spans, then of their first mention there.
fn persons_in<'e>(entities: &'e [Entity], spans: &[Span]) -> Vec<&'e Entity> {
    let mut found: Vec<(usize, usize, &Entity)> = entities
        .iter()
        .filter(|e| e.kind == EntityKind::Person)
        .filter_map(|e| first_mention_in(e, spans).map(|(i, pos)| (i, pos, e)))
        .collect();
    found.sort_by_key(|(i, pos, _)| (*i, *pos));
    found.into_iter().map(|(_, _, e)| e).collect()
}

/// `(index of the first span naming the entity, where)`.
fn first_mention_in(e: &Entity, spans: &[Span]) -> Option<(usize, usize)> {
    spans.iter().enumerate().find_map(|(i, s)| {
        e.mentions.iter().filter(|m| m.overlaps(*s)).map(|m| m.start).min().map(|pos| (i, pos))
    })
}

fn ranked_roles(persons: &[&Entity], first: &str, rest: &str) -> Vec<(String, String)> {
    persons
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), if i == 0 { first } else { rest }.to_string()))
        .collect()
}

/// The visitor is the source, the hosts the targets. The visitor is, in order: a person from another country
/// than the destination; the person right after the trigger (`визит Токаева`); the person named last before a
/// possessive (`Жапаров провел переговоры с Токаевым в рамках его визита`); the first person.
fn visit_roles(
    doc: &Doc,
    persons: &[&Entity],
    trigger: &Trigger<'_>,
    destination: Option<&Entity>,
) -> Vec<(String, String)> {
    let foreign = destination.and_then(|d| d.country.as_deref()).and_then(|country| {
        let visitors: Vec<&&Entity> =
            persons.iter().filter(|p| p.country.as_deref().is_some_and(|c| c != country)).collect();
        (visitors.len() == 1).then(|| visitors[0].id.clone())
    });
    let sentence = doc.sentence_of(&trigger.hit).span;
    let visitor = foreign
        .or_else(|| named_right_after(doc, persons, trigger.hit.span.end).map(|p| p.id.clone()))
        .or_else(|| {
            has_possessive_before(doc, &trigger.hit)
                .then(|| named_last_before(persons, sentence.start, trigger.hit.span.start))
                .flatten()
                .map(|p| p.id.clone())
        })
        .or_else(|| persons.first().map(|p| p.id.clone()));
    persons
        .iter()
        .map(|p| {
            let role = if Some(&p.id) == visitor.as_ref() { "source" } else { "target" };
            (p.id.clone(), role.to_string())
        })
        .collect()
}

/// How an appointment is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Voice {
    /// `Токаев назначил X`: who is named before the verb appointed.
    Active,
    /// `X назначен`, `X was appointed`: who is named right before the verb was appointed.
    Passive,
    /// `назначение`, `appointment`: the roles are not told.
    Noun,
}

fn voice(doc: &Doc, hit: &Hit) -> Voice {
    let word = doc.folded_word(hit.first_word);
    let previous = hit.first_word.checked_sub(1).map(|i| doc.folded_word(i));
    let ends_with = |endings: &[&str]| endings.iter().any(|e| word.ends_with(e.as_bytes()));
    if ends_with(&["ил", "ила", "или"]) {
        Voice::Active
    } else if ends_with(&["ен", "на", "ны", "ан"])
        || previous.is_some_and(|p| matches!(p, b"was" | b"were" | b"is" | b"are" | b"been" | b"be"))
    {
        Voice::Passive
    } else if ends_with(&["ed", "ts"]) {
        Voice::Active
    } else {
        Voice::Noun
    }
}

/// Active voice: who is named before the verb in its sentence is the source (appointer), everyone else the
/// target. Passive voice: the person named last before the verb is the target (appointee), everyone else
/// the source. A noun trigger tells no roles: all participants.
fn appointment_roles(doc: &Doc, persons: &[&Entity], trigger: &Trigger<'_>) -> Vec<(String, String)> {
    let sentence = doc.sentence_of(&trigger.hit).span;
    let before =
        |p: &Entity| p.mentions.iter().any(|m| m.start >= sentence.start && m.end <= trigger.hit.span.start);
    let role_of = |p: &Entity| match voice(doc, &trigger.hit) {
        Voice::Active if before(p) => "source",
        Voice::Active => "target",
        Voice::Passive => {
            let appointee = named_last_before(persons, sentence.start, trigger.hit.span.start);
            if appointee.is_some_and(|a| a.id == p.id) {
                "target"
            } else {
                "source"
            }
        }
        Voice::Noun => "participant",
    };
    persons.iter().map(|p| (p.id.clone(), role_of(p).to_string())).collect()
}

/// A person whose mention starts within two words after `end`.
fn named_right_after<'e>(doc: &Doc, persons: &[&'e Entity], end: usize) -> Option<&'e Entity> {
    let next = doc.words.partition_point(|w| w.start < end);
    let window = doc.words.get(next..(next + 2).min(doc.words.len()))?;
    persons.iter().copied().find(|p| p.mentions.iter().any(|m| window.iter().any(|w| w.start == m.start)))
}

fn named_last_before<'e>(persons: &[&'e Entity], from: usize, before: usize) -> Option<&'e Entity> {
    persons
        .iter()
        .copied()
        .filter_map(|p| {
            p.mentions
                .iter()
                .filter(|m| m.start >= from && m.end <= before)
                .map(|m| m.end)
                .max()
                .map(|e| (e, p))
        })
        .max_by_key(|(e, _)| *e)
        .map(|(_, p)| p)
}

fn has_possessive_before(doc: &Doc, hit: &Hit) -> bool {
    let from = hit.first_word.saturating_sub(3);
    (from..hit.first_word).filter(|&i| doc.sentence_of_word[i] == hit.sentence).any(|i| {
        ["его", "ее", "их", "his", "her", "their"].iter().any(|p| p.as_bytes() == doc.folded_word(i))
    })
}

/// The first place named after the trigger in its sentence (`визита в Кыргызстан`).
fn destination(entities: &[Entity], sentence: Span, trigger: Span) -> Option<&Entity> {
    let after = Span::new(trigger.end, sentence.end);
    entities
        .iter()
        .filter(|e| e.kind == EntityKind::Place)
        .filter_map(|e| {
            e.mentions.iter().filter(|m| after.contains(**m)).map(|m| m.start).min().map(|s| (s, e))
        })
        .min_by_key(|(s, _)| *s)
        .map(|(_, e)| e)
}

/// The first city named in the spans.
fn city_in<'e>(entities: &'e [Entity], spans: &[Span]) -> Option<&'e Entity> {
    entities
        .iter()
        .filter(|e| e.kind == EntityKind::Place && e.subtype.as_deref() == Some("city"))
        .filter_map(|e| first_mention_in(e, spans).map(|key| (key, e)))
        .min_by_key(|(key, _)| *key)
        .map(|(_, e)| e)
}

/// The dateline city's entity: named in the dateline, or bearing the dateline city's name.
fn dateline_place<'e>(ctx: &Context<'e>) -> Option<&'e Entity> {
    let dateline = ctx.dateline?;
    let places = || ctx.entities.iter().filter(|e| e.kind == EntityKind::Place);
    places().find(|e| e.mentions.iter().any(|m| m.overlaps(dateline.span))).or_else(|| {
        let city = fold(dateline.city.as_deref()?);
        places().find(|e| fold(&e.name) == city)
    })
}

/// The first date named in the spans (in span order).
fn date_in(dates: &[DateMention], spans: &[Span]) -> Option<NaiveDate> {
    spans.iter().find_map(|s| dates.iter().find(|d| d.span.overlaps(*s)).map(|d| d.date))
}

/// Attributes of `kind` matched in the sentences.
fn attributes_in(
    lex: &EventLexicon,
    hits: &[Hit],
    kind: &str,
    sentences: &[usize],
) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::new();
    for hit in hits.iter().filter(|h| sentences.contains(&h.sentence)) {
        if let Rule::Attribute { kind: k, key, value } = &lex.rules[hit.rule].0 {
            if k == kind {
                attributes.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
    }
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::quotes::{self, SpeechLexicon};
    use crate::pipeline::{parse, types::Format};

    const SEED: &str = include_str!("../../samples/sayasat-2025-08-22.txt");
    const SPUTNIK: &str = include_str!("../../samples/sputnik-style-2025-03-14.txt");
    const KABAR: &str = include_str!("../../samples/kabar-style-en-2025-06-23.txt");
    const TASS: &str = include_str!("../../samples/tass-style-2025-03-04.txt");
    const KAZINFORM: &str = include_str!("../../samples/kazinform-style-2025-05-20.txt");
    const KG24: &str = include_str!("../../samples/24kg-style-2022-01-10.txt");
    const NO_DATELINE: &str = include_str!("../../samples/no-dateline-2025-08-23.txt");

    fn lexicon() -> EventLexicon {
        EventLexicon::load(&DataFiles::new(None)).expect("built-in event lexicon")
    }

    /// An entity named wherever one of `names` occurs in `text` (what the entity stage will give).
    fn entity(
        text: &str,
        id: &str,
        kind: EntityKind,
        subtype: Option<&str>,
        country: &str,
        names: &[&str],
    ) -> Entity {
        let mut mentions: Vec<Span> = names
            .iter()
            .flat_map(|n| text.match_indices(n).map(|(i, m)| Span::new(i, i + m.len())))
            .collect();
        mentions.sort();
        assert!(!mentions.is_empty(), "{id} not in the text");
        Entity {
            id: id.into(),
            kind,
            subtype: subtype.map(String::from),
            name: names[0].into(),
            country: Some(country.into()),
            roles: vec![],
            wikidata: None,
            mentions,
        }
    }

    fn person(text: &str, id: &str, country: &str, names: &[&str]) -> Entity {
        entity(text, id, EntityKind::Person, None, country, names)
    }

    fn place(text: &str, id: &str, subtype: &str, country: &str, names: &[&str]) -> Entity {
        entity(text, id, EntityKind::Place, Some(subtype), country, names)
    }

    fn dateline(text: &str, raw: &str, city: &str) -> Dateline {
        let start = text.find(raw).expect("dateline in text");
        Dateline {
            span: Span::new(start, start + raw.len()),
            city: Some(city.into()),
            country: None,
            date: None,
            time: None,
            agency: None,
            byline: None,
            lead: None,
        }
    }

    fn date(text: &str, written: &str, ymd: (i32, u32, u32)) -> DateMention {
        let start = text.find(written).expect("date in text");
        DateMention {
            span: Span::new(start, start + written.len()),
            date: NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).unwrap(),
        }
    }

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    /// Everything the classifier reads for one text.
    struct Case {
        text: &'static str,
        entities: Vec<Entity>,
        dates: Vec<DateMention>,
        dateline: Option<Dateline>,
        anchor: Option<NaiveDate>,
    }

    impl Case {
        fn bare(text: &'static str) -> Self {
            Case { text, entities: vec![], dates: vec![], dateline: None, anchor: None }
        }

        fn run(&self, lex: &EventLexicon) -> Vec<Event> {
            let release = parse::parse(self.text, Format::Wire).expect("parses");
            let quotes = quotes::find(
                self.text,
                &release,
                &SpeechLexicon::load(&DataFiles::new(None)).expect("speech lexicon"),
            );
            let ctx = Context {
                lexicon: lex,
                entities: &self.entities,
                quotes: &quotes,
                dates: &self.dates,
                dateline: self.dateline.as_ref(),
                anchor: self.anchor,
            };
            classify(self.text, &release, &ctx)
        }
    }

    fn kinds(events: &[Event]) -> Vec<&str> {
        events.iter().map(|e| e.kind.as_str()).collect()
    }

    fn role_of<'e>(event: &'e Event, id: &str) -> Option<&'e str> {
        event.actors.iter().find(|(e, _)| e == id).map(|(_, r)| r.as_str())
    }

    fn seed_case() -> Case {
        Case {
            text: SEED,
            entities: vec![
                person(SEED, "person:1", "KG", &["Садыр Жапаров"]),
                person(SEED, "person:2", "KZ", &["Касым-Жомартом Токаевым", "Касым-Жомарт Токаев"]),
                place(SEED, "place:1", "city", "KG", &["Бишкек"]),
                place(SEED, "place:2", "country", "KG", &["Кыргызстан", "Кыргызской Республики"]),
                place(SEED, "place:3", "country", "KZ", &["Казахстан", "Республики Казахстан"]),
            ],
            dates: vec![date(SEED, "сегодня, 22 августа", (2025, 8, 22))],
            dateline: Some(dateline(SEED, "Бишкек, \"САЯСАТ.KG\".", "Бишкек")),
            anchor: ymd(2025, 8, 22),
        }
    }

    #[test]
    fn seed_gives_talks_then_visit() {
        let events = seed_case().run(&lexicon());
        assert_eq!(kinds(&events), ["diplomacy.talks", "diplomacy.visit"], "{events:#?}");
        assert!(events[0].confidence > events[1].confidence);
    }

    #[test]
    fn seed_talks_have_both_presidents_the_city_the_date_and_the_format() {
        let case = seed_case();
        let talks = &case.run(&lexicon())[0];
        assert_eq!(talks.cameo, "046");
        assert_eq!(talks.trigger.of(SEED), "переговоры");
        assert_eq!(role_of(talks, "person:1"), Some("participant"));
        assert_eq!(role_of(talks, "person:2"), Some("participant"));
        assert_eq!(talks.actors.len(), 2);
        assert_eq!(talks.place.as_deref(), Some("place:1"), "the dateline city");
        assert_eq!(talks.date, ymd(2025, 8, 22));
        assert_eq!(talks.attributes.get("format").map(String::as_str), Some("узкий формат"));
    }

    #[test]
    fn seed_visit_is_tokaevs_to_kyrgyzstan() {
        let case = seed_case();
        let visit = &case.run(&lexicon())[1];
        assert_eq!(visit.cameo, "042");
        assert_eq!(visit.trigger.of(SEED), "официального визита");
        assert_eq!(role_of(visit, "person:2"), Some("source"), "{visit:#?}");
        assert_eq!(role_of(visit, "person:1"), Some("target"));
        assert_eq!(visit.attributes.get("destination").map(String::as_str), Some("place:2"));
        assert_eq!(visit.attributes.get("kind").map(String::as_str), Some("официальный"));
        assert_eq!(visit.date, ymd(2025, 8, 22));
    }

    #[test]
    fn the_visitor_is_found_from_the_possessive_when_countries_are_unknown() {
        let mut case = seed_case();
        for e in &mut case.entities {
            e.country = None;
        }
        let visit = &case.run(&lexicon())[1];
        assert_eq!(role_of(visit, "person:2"), Some("source"), "его визит after Токаевым");
    }

    #[test]
    fn sputnik_is_a_phone_call_only() {
        let case = Case {
            entities: vec![
                person(SPUTNIK, "person:1", "KG", &["Жээнбеков"]),
                person(SPUTNIK, "person:2", "UZ", &["Мирзиёев"]),
                place(SPUTNIK, "place:1", "city", "UZ", &["Ташкент"]),
            ],
            anchor: ymd(2025, 3, 14),
            ..Case::bare(SPUTNIK)
        };
        let events = case.run(&lexicon());
        // "обсудили" is the call's (suppressed as talks), the invitation to visit is a plan.
        assert_eq!(kinds(&events), ["diplomacy.call"], "{events:#?}");
        let call = &events[0];
        assert_eq!(call.cameo, "041");
        assert_eq!(role_of(call, "person:1"), Some("participant"));
        assert_eq!(role_of(call, "person:2"), Some("participant"));
        assert_eq!(call.date, ymd(2025, 3, 14));
        assert_eq!(call.place, None, "Ташкент is in another sentence; no dateline given");
    }

    #[test]
    fn kabar_is_a_signed_protocol_and_future_talks_do_not_count() {
        let events = Case::bare(KABAR).run(&lexicon());
        assert_eq!(kinds(&events), ["agreement.signed"], "{events:#?}");
        assert_eq!(events[0].cameo, "057");
        assert_eq!(events[0].trigger.of(KABAR), "sign protocol");
    }

    #[test]
    fn tass_is_talks_then_a_signed_plan() {
        let case = Case {
            entities: vec![
                person(TASS, "person:1", "RU", &["Сергей Лавров", "Лавров"]),
                person(TASS, "person:2", "KG", &["Жээнбеком Кулубаевым", "Кулубаев"]),
                person(TASS, "person:3", "RU", &["Мария Захарова"]),
                place(TASS, "place:1", "city", "RU", &["МОСКВА", "Москве"]),
                place(TASS, "place:2", "city", "KG", &["Бишкеке"]),
            ],
            dateline: Some(dateline(TASS, "МОСКВА, 4 марта. /ТАСС/.", "Москва")),
            anchor: ymd(2025, 3, 4),
            ..Case::bare(TASS)
        };
        let events = case.run(&lexicon());
        assert_eq!(kinds(&events), ["diplomacy.talks", "agreement.signed"], "{events:#?}");
        let talks = &events[0];
        assert_eq!(talks.trigger.of(TASS), "переговоры");
        assert_eq!(talks.place.as_deref(), Some("place:1"));
        assert!(role_of(talks, "person:1").is_some() && role_of(talks, "person:2").is_some());
        assert_eq!(role_of(talks, "person:3"), None, "Захарова only reported it");
        assert_eq!(events[1].trigger.of(TASS), "подписали план");
    }

    #[test]
    fn kazinform_is_an_appointment() {
        let case = Case {
            entities: vec![
                person(KAZINFORM, "person:1", "KZ", &["Токаев", "Касым-Жомарта Токаева"]),
                person(KAZINFORM, "person:2", "KZ", &["Марат Султангазиев", "Султангазиев"]),
            ],
            ..Case::bare(KAZINFORM)
        };
        let events = case.run(&lexicon());
        assert_eq!(kinds(&events), ["appointment"], "{events:#?}");
        assert_eq!(events[0].cameo, "", "appointments have no CAMEO code");
        assert_eq!(events[0].trigger.of(KAZINFORM), "назначил");
        assert_eq!(role_of(&events[0], "person:1"), Some("source"), "Токаев назначил");
        assert_eq!(role_of(&events[0], "person:2"), Some("target"));
    }

    #[test]
    fn passive_appointment_makes_the_appointee_the_target() {
        let text = " date 2025-05-20 Кадровые решения\n\nУказом Президента Касым-Жомарта Токаева Марат Султангазиев назначен акимом области.";
        let case = Case {
            entities: vec![
                person(text, "person:1", "KZ", &["Касым-Жомарта Токаева"]),
                person(text, "person:2", "KZ", &["Марат Султангазиев"]),
            ],
            ..Case::bare(text)
        };
        let event = &case.run(&lexicon())[0];
        assert_eq!(event.kind, "appointment");
        assert_eq!(role_of(event, "person:2"), Some("target"), "{event:#?}");
        assert_eq!(role_of(event, "person:1"), Some("source"));
    }

    #[test]
    fn release_json_body_is_a_signed_agreement_in_bishkek() {
        let text = " date 2025-08-22 Жапаров и Токаев подписали соглашение о демаркации кыргызско-казахстанской границы\n\nБИШКЕК, 22 авг — AKIpress. Президенты Кыргызстана и Казахстана Садыр Жапаров и Касым-Жомарт Токаев подписали в Бишкеке соглашение об окончательной демаркации государственной границы.\n\n«Это историческое решение, которое закрывает все пограничные вопросы между нашими странами», — заявил Жапаров после церемонии.";
        let case = Case {
            entities: vec![
                person(text, "person:1", "KG", &["Садыр Жапаров", "Жапаров"]),
                person(text, "person:2", "KZ", &["Касым-Жомарт Токаев", "Токаев"]),
                place(text, "place:1", "city", "KG", &["БИШКЕК", "Бишкеке"]),
            ],
            dateline: Some(dateline(text, "БИШКЕК, 22 авг — AKIpress.", "Бишкек")),
            anchor: ymd(2025, 8, 22),
            ..Case::bare(text)
        };
        let events = case.run(&lexicon());
        assert_eq!(kinds(&events), ["agreement.signed"], "{events:#?}");
        assert_eq!(events[0].trigger.of(text), "подписали соглашение");
        assert_eq!(events[0].actors.len(), 2);
        assert_eq!(events[0].place.as_deref(), Some("place:1"));
    }

    #[test]
    fn kg24_meeting_takes_the_city_named_in_the_headline() {
        let case = Case {
            entities: vec![place(KG24, "place:1", "city", "KG", &["Бишкеке", "Бишкек"])],
            ..Case::bare(KG24)
        };
        let events = case.run(&lexicon());
        assert_eq!(kinds(&events), ["diplomacy.talks"], "{events:#?}");
        assert_eq!(events[0].place.as_deref(), Some("place:1"));
    }

    #[test]
    fn nothing_matched_is_other_at_the_dateline_city() {
        let events = Case { anchor: ymd(2025, 8, 23), ..Case::bare(NO_DATELINE) }.run(&lexicon());
        assert_eq!(kinds(&events), ["other"]);
        assert_eq!(events[0].date, ymd(2025, 8, 23));
        assert!(events[0].trigger.is_empty());
    }

    #[test]
    fn dateline_city_is_found_by_name_when_no_mention_overlaps() {
        let text = " date 2025-01-01 Президенты провели переговоры\n\nБИШКЕК. Переговоры прошли.";
        let mut city = place(text, "place:7", "city", "KG", &["Переговоры прошли"]);
        city.name = "Бишкек".into();
        city.mentions = vec![];
        let case = Case {
            entities: vec![city],
            dateline: Some(dateline(text, "БИШКЕК.", "Бишкек")),
            ..Case::bare(text)
        };
        assert_eq!(case.run(&lexicon())[0].place.as_deref(), Some("place:7"));
    }

    #[test]
    fn a_plan_alone_is_not_an_event() {
        let text = " date 2025-01-01 Новости\n\nПереговоры президентов пройдут в Душанбе в июле.";
        assert_eq!(kinds(&Case::bare(text).run(&lexicon())), ["other"]);
    }

    #[test]
    fn a_negation_cancels_the_trigger() {
        let text = " date 2025-01-01 Новости\n\nСтороны так и не подписали соглашение о границе.";
        assert_eq!(kinds(&Case::bare(text).run(&lexicon())), ["other"]);
        let text = " date 2025-01-01 Новости\n\nСтороны подписали соглашение о границе.";
        assert_eq!(kinds(&Case::bare(text).run(&lexicon())), ["agreement.signed"]);
    }

    #[test]
    fn inflected_forms_match_stems_on_word_boundaries() {
        for (text, expected) in [
            (" date 2025-01-01 Итоги переговоров в Астане\n\nТекст.", "diplomacy.talks"),
            (" date 2025-01-01 По итогам Переговоров\n\nТекст.", "diplomacy.talks"),
            (" date 2025-01-01 Министр назначен послом\n\nТекст.", "appointment"),
            (" date 2025-01-01 Подписан меморандум о сотрудничестве\n\nТекст.", "agreement.signed"),
            (" date 2025-01-01 The ministers held talks in Bishkek\n\nText.", "diplomacy.talks"),
            (" date 2025-01-01 Президент провел телефонный разговор\n\nТекст.", "diplomacy.call"),
            // A stem only matches at a word start: "непереговорный" is not "переговор*".
            (" date 2025-01-01 Непереговорный процесс\n\nТекст.", "other"),
        ] {
            assert_eq!(Case::bare(text).run(&lexicon())[0].kind, expected, "{text}");
        }
    }

    #[test]
    fn repeated_triggers_merge_into_one_stronger_event() {
        let once = " date 2025-01-01 Новости\n\nПрошла встреча министров.";
        let thrice =
            " date 2025-01-01 Новости\n\nПрошла встреча министров. Встреча длилась час. После встречи они уехали.";
        let a = Case::bare(once).run(&lexicon());
        let b = Case::bare(thrice).run(&lexicon());
        assert_eq!(kinds(&b), ["diplomacy.talks"]);
        assert!(b[0].confidence > a[0].confidence, "{} vs {}", b[0].confidence, a[0].confidence);
        assert_eq!(b[0].trigger.of(thrice), "встреча", "the first of equally strong triggers");
        assert!(b[0].trigger.start < thrice.find("длилась").unwrap());
    }

    #[test]
    fn statement_only_when_the_release_is_a_statement() {
        let text =
            " date 2025-01-01 МИД сделал заявление о границе\n\nВедомство заявило, что граница открыта.";
        let events = Case::bare(text).run(&lexicon());
        assert_eq!(kinds(&events), ["statement"]);
        assert_eq!(events[0].cameo, "010");
        // A quote "заявил" in a release about talks does not add a statement (tass has one).
        let text = " date 2025-01-01 Новости\n\nПрошли переговоры.\n\nОн много где выступал.\n\nРанее министр заявил, что всё хорошо.";
        assert_eq!(kinds(&Case::bare(text).run(&lexicon())), ["diplomacy.talks"]);
        // A late statement trigger alone, in a body that is not mostly quotes, is not a statement event.
        let text = " date 2025-01-01 Новости\n\nВ городе тепло.\n\nСнег растаял.\n\nСадовники рады.\n\nОдин из них заявил, что весна.";
        assert_eq!(kinds(&Case::bare(text).run(&lexicon())), ["other"]);
    }

    #[test]
    fn date_named_in_the_sentence_wins_over_the_anchor() {
        let text = " date 2025-03-10 Новости\n\nВ пятницу, 7 марта, министры провели переговоры.";
        let case = Case {
            dates: vec![date(text, "7 марта", (2025, 3, 7))],
            anchor: ymd(2025, 3, 10),
            ..Case::bare(text)
        };
        assert_eq!(case.run(&lexicon())[0].date, ymd(2025, 3, 7));
    }

    #[test]
    fn the_expanded_format_is_an_attribute() {
        let text = " date 2025-01-01 Новости\n\nПереговоры продолжились в расширенном формате.";
        let events = Case::bare(text).run(&lexicon());
        assert_eq!(events[0].attributes.get("format").map(String::as_str), Some("расширенный формат"));
    }

    /// Texts that exercise the tokeniser's fast paths and its fallbacks.
    const ODD_TEXTS: [&str; 6] = [
        "ЁЛКА ёлка Ёлка İstanbul Straße ҢӨҮ ңөү Ѓ і Ї ΑΒΓ αβγ 42 x²",
        "на пресс-конференции, Ала-Тоо - да; don't Don’t -слово слово- «Цитата»… (КР)",
        "ПРИВЕТ, Мир! АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ абвгдежзийклмнопрстуфхцчшщъыьэюя",
        "Ѐ Ђ Џ ѐ ђ џ Ѡ ѡ Ѣ ѣ Ѹ 😀слово😀 a\u{301}b e\u{0308} ١٢٣ 中文",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789 _-'’",
        SEED,
    ];

    #[test]
    fn fold_words_cuts_and_folds_as_word_spans_and_fold_do() {
        for text in ODD_TEXTS {
            let span = Span::new(0, text.len());
            let mut folded = text.as_bytes().to_vec();
            let mut words = Vec::new();
            fold_words(text, span, &mut folded, &mut words);
            assert_eq!(words, crate::pipeline::text::words::word_spans(text, span), "{text}");
            let expected = fold(text);
            for w in &words {
                assert_eq!(&folded[w.start..w.end], w.of(&expected).as_bytes(), "{:?}", w.of(text));
            }
        }
    }

    #[test]
    fn skip_lower_russian_passes_exactly_the_groups_of_four_lower_case_letters() {
        let reference = |bytes: &[u8], mut i: usize| {
            let lower = |l: u8, c: u8| matches!((l, c), (0xD0, 0xB0..=0xBF) | (0xD1, 0x80..=0x8F));
            while i + 8 <= bytes.len() && (0..4).all(|k| lower(bytes[i + 2 * k], bytes[i + 2 * k + 1])) {
                i += 8;
            }
            i
        };
        let texts =
            ["абвгдежзийклмнопрстуфхцчшщъыьэюяабвгПрОверка ёЁ Ѐѐ ѯѰ ъъъъъъъъъxъъъъ", "пппппппп\u{d0}"];
        for text in ODD_TEXTS.iter().chain(&texts) {
            let bytes = text.as_bytes();
            for i in 0..bytes.len() {
                assert_eq!(skip_lower_russian(bytes, i), reference(bytes, i), "{text:?} at {i}");
            }
        }
    }

    #[test]
    fn char_at_and_utf8_len_decode_like_chars() {
        for text in ODD_TEXTS {
            for (i, c) in text.char_indices() {
                assert_eq!(char_at(text, i), (c, c.len_utf8()));
                assert_eq!(utf8_len(text.as_bytes()[i]), c.len_utf8());
            }
        }
    }

    #[test]
    fn fast_case_and_digit_tests_agree_with_the_standard_ones() {
        for c in ODD_TEXTS.iter().flat_map(|t| t.chars()).chain(['Ё', 'ё', 'Я', 'я', 'А', 'а', 'Z', '9', '½'])
        {
            assert_eq!(is_upper(c), c.is_uppercase(), "{c}");
            assert_eq!(is_numeric(c), c.is_numeric(), "{c}");
        }
    }

    /// The sentence splitter as it was before it used `memchr`, char by char: the reference for
    /// [`sentence_spans`].
    fn sentence_spans_char_by_char(text: &str, block: Span) -> Vec<Span> {
        let s = block.of(text);
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        let mut spans = Vec::new();
        let mut start = 0;
        for k in 0..chars.len() {
            let (i, c) = chars[k];
            if !matches!(c, '.' | '!' | '?' | '…') || (c == '.' && follows_initial(s, i)) {
                continue;
            }
            let mut j = k + 1;
            while j < chars.len() && matches!(chars[j].1, '»' | '”' | '"' | ')') {
                j += 1;
            }
            let mut n = j;
            while n < chars.len() && chars[n].1.is_whitespace() {
                n += 1;
            }
            if n == j || n >= chars.len() {
                continue;
            }
            let next = chars[n].1;
            if next.is_uppercase() || next.is_numeric() || "«“„\"—–-".contains(next) {
                spans.push(Span::new(
                    block.start + start,
                    block.start + chars[j - 1].0 + chars[j - 1].1.len_utf8(),
                ));
                start = chars[n].0;
            }
        }
        if start < s.len() {
            spans.push(Span::new(block.start + start, block.end));
        }
        spans
    }

    #[test]
    fn sentence_spans_cut_where_the_char_by_char_splitter_did() {
        let extra = [
            "Он сказал: «Да.» Потом… Ушёл! 5 раз?! «Нет». — Так. (Вот.) Ещё.) А. Б. Петров. x.Y. Z.",
            "Конец.\u{a0}Начало. Конец.  \n Начало… ”Кавычки”. ½ дроби. Ⅻ век.",
        ];
        for text in ODD_TEXTS.iter().chain(&extra).chain([SPUTNIK, KABAR, TASS, KAZINFORM, KG24].iter()) {
            let block = Span::new(0, text.len());
            assert_eq!(sentence_spans(text, block), sentence_spans_char_by_char(text, block), "{text}");
        }
    }

    #[test]
    fn sentence_marks_are_found_in_text_order() {
        let s = "Да… Нет. Так? Ну! Ещё…";
        let marks: Vec<(usize, char)> = sentence_marks(s).collect();
        let expected: Vec<(usize, char)> =
            s.char_indices().filter(|(_, c)| matches!(c, '.' | '!' | '?' | '…')).collect();
        assert_eq!(marks, expected);
    }

    fn rules_of(index: &FirstWordIndex, word: &str) -> Vec<usize> {
        let mut rules = Vec::new();
        index.for_each_rule_of(word.as_bytes(), |r| rules.push(r));
        rules
    }

    #[test]
    fn the_first_word_index_gives_exactly_the_rules_whose_first_word_matches() {
        let lex = lexicon();
        let mut words: Vec<String> = SEED.split(|c: char| !is_alphanumeric(c)).map(fold).collect();
        for (_, pattern) in &lex.rules {
            for alt in &pattern[0].alternatives {
                words.push(alt.text.clone());
                words.push(format!("{}ы", alt.text));
                words.push(alt.text.chars().skip(1).collect());
            }
        }
        words.extend(["a", "я", "не", "no", "by", ""].map(String::from));
        for word in words.iter().filter(|w| !w.is_empty()) {
            let mut found = rules_of(&lex.first_words, word);
            found.sort_unstable();
            found.dedup();
            let expected: Vec<usize> =
                (0..lex.rules.len()).filter(|&r| lex.rules[r].1[0].matches(word.as_bytes())).collect();
            assert_eq!(found, expected, "{word}");
        }
    }

    #[test]
    fn short_stems_are_candidates_for_every_word() {
        let words = [parse_pattern("x*").unwrap().remove(0), parse_pattern("визит*").unwrap().remove(0)];
        let index = FirstWordIndex::new(words.iter());
        assert_eq!(rules_of(&index, "xyz"), [0]);
        assert_eq!(rules_of(&index, "визита"), [1]);
        assert!(rules_of(&index, "виз").is_empty());
    }

    #[test]
    fn sentences_split_at_capitals_but_not_at_initials() {
        let text = "С. Жапаров прибыл. Он провел встречу! «Цитата». 2025 год";
        let spans: Vec<&str> =
            sentence_spans(text, Span::new(0, text.len())).iter().map(|s| s.of(text)).collect();
        assert_eq!(spans, ["С. Жапаров прибыл.", "Он провел встречу!", "«Цитата».", "2025 год"]);
    }

    #[test]
    fn patterns_parse_stems_alternatives_and_gaps() {
        let words = parse_pattern("подписа* .. соглашени*|Меморандум").unwrap();
        assert_eq!(words.len(), 2);
        assert!(words[0].alternatives[0].stem);
        assert_eq!(words[1].gap_before, MAX_GAP);
        assert!(words[1].matches("меморандум") && !words[1].matches("меморандума"));
        assert!(words[1].matches("соглашения"));
        assert!(parse_pattern(".. x").is_err());
        assert!(parse_pattern("x ..").is_err());
        assert!(parse_pattern("*").is_err());
    }

    #[test]
    fn a_user_lexicon_adds_an_event_type_and_bad_lines_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lexicons")).unwrap();
        let path = dir.path().join("lexicons/events.tsv");
        std::fs::write(&path, "# mine\ntrigger\tprotest\t140\t0.8\tмитинг*|протест*\n").unwrap();
        let lex = EventLexicon::load(&DataFiles::new(Some(dir.path()))).unwrap();
        let text = " date 2025-01-01 У здания прошел митинг\n\nТекст.";
        let events = Case::bare(text).run(&lex);
        assert_eq!((events[0].kind.as_str(), events[0].cameo.as_str()), ("protest", "140"));

        std::fs::write(&path, "# mine\n\ntrigger\tprotest\t140\t1.5\tмитинг*\n").unwrap();
        let err = EventLexicon::load(&DataFiles::new(Some(dir.path()))).unwrap_err();
        assert!(matches!(err, LoadError::Syntax { line: 3, .. }), "{err}");
        std::fs::write(&path, "event\tprotest\n").unwrap();
        assert!(EventLexicon::load(&DataFiles::new(Some(dir.path()))).is_err());
    }

    #[test]
    fn confidences_are_between_zero_and_one_and_ordered() {
        for text in [SEED, SPUTNIK, KABAR, TASS, KAZINFORM, KG24, NO_DATELINE] {
            let events = Case::bare(text).run(&lexicon());
            assert!(!events.is_empty());
            assert!(events.iter().all(|e| (0.0..=1.0).contains(&e.confidence)));
            assert!(events.windows(2).all(|w| w[0].confidence >= w[1].confidence));
        }
    }

    #[test]
    fn never_panics_on_cut_text() {
        let lex = lexicon();
        for cut in (0..SEED.len()).step_by(11).filter(|i| SEED.is_char_boundary(*i)) {
            let text = &SEED[..cut];
            if let Ok(release) = parse::parse(text, Format::Wire) {
                let ctx = Context {
                    lexicon: &lex,
                    entities: &[],
                    quotes: &[],
                    dates: &[],
                    dateline: None,
                    anchor: None,
                };
                let events = classify(text, &release, &ctx);
                assert!(!events.is_empty());
                assert!(events.iter().all(|e| is_valid_span(text, e.trigger) || e.trigger.is_empty()));
            }
        }
    }
}
