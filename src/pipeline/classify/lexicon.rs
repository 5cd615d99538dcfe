//! The event lexicon: records of `data/lexicons/events.tsv` parsed into rules and patterns, and the
//! first-word index that finds which rules a word of the text may start.

use super::super::data::DataFiles;
use super::super::text::fold::fold;
use super::super::types::LoadError;
use super::status::{parse_status_record, Cue, Scope};
use super::{LEXICON, MAX_GAP, STATUS_LEXICON};

/// One word of a pattern: alternatives, and how many words may stand before it.
#[derive(Debug, Clone)]
pub(super) struct PatternWord {
    pub(super) alternatives: Vec<Alternative>,
    pub(super) gap_before: usize,
}

/// A folded word form, or a stem when `stem`.
#[derive(Debug, Clone)]
pub(super) struct Alternative {
    pub(super) text: String,
    pub(super) stem: bool,
}

impl PatternWord {
    /// Whether the folded `word` is one of the alternatives (or starts with one of the stems).
    pub(super) fn matches(&self, word: impl AsRef<[u8]>) -> bool {
        let word = word.as_ref();
        self.alternatives.iter().any(|a| a.matches(word))
    }
}

/// What a pattern means when it matches.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Rule {
    /// Evidence for an event type.
    Trigger { kind: String, cameo: String, weight: f32, suppressed_by: Vec<String> },
    /// The sentence is about the future or a plan.
    Future,
    /// A negation.
    Negation,
    /// An attribute of an event type.
    Attribute { kind: String, key: String, value: String },
    /// A status cue of `data/lexicons/event_status.tsv`, for releases in `language` (`None`: any).
    Status { cue: Cue, language: Option<String>, scope: Scope },
}

/// Event triggers, from `data/lexicons/events.tsv`, with the index that finds them.
#[derive(Debug, Default)]
pub struct EventLexicon {
    pub(super) rules: Vec<(Rule, Vec<PatternWord>)>,
    /// The rules a word may start a match of.
    pub(super) first_words: FirstWordIndex,
}

impl EventLexicon {
    /// Loads the triggers and the status cues and indexes their patterns' first words together, so that one
    /// pass over the words finds both (see the data files' headers for the formats).
    pub fn load(files: &DataFiles) -> Result<Self, LoadError> {
        let mut rules = Vec::new();
        for (line, fields) in files.records(LEXICON)? {
            let err = |message: String| DataFiles::syntax(LEXICON, line, message);
            let (rule, pattern) = parse_record(&fields).map_err(err)?;
            let words = parse_pattern(pattern).map_err(err)?;
            rules.push((rule, words));
        }
        for (line, fields) in files.records(STATUS_LEXICON)? {
            let err = |message: String| DataFiles::syntax(STATUS_LEXICON, line, message);
            let (rule, pattern) = parse_status_record(&fields).map_err(err)?;
            let words = parse_pattern(pattern).map_err(err)?;
            rules.push((rule, words));
        }
        let first_words = FirstWordIndex::new(rules.iter().map(|(_, words)| &words[0]));
        Ok(EventLexicon { rules, first_words })
    }
}

/// How many buckets [`FirstWordIndex`] hashes first words into; a power of two.
pub(super) const FIRST_WORD_BUCKETS: usize = 1024;
/// How many leading bytes of a word [`FirstWordIndex`] hashes: two Cyrillic letters.
pub(super) const KEY_BYTES: usize = 4;

/// The alternatives of the patterns' first words, hashed by their first [`KEY_BYTES`] bytes, so that each
/// word of the text is checked against the few alternatives it may be (or start with) instead of the
/// text being scanned for all of them. Stems shorter than the key are checked against every word.
#[derive(Debug, Default)]
pub(super) struct FirstWordIndex {
    /// Per bucket, the range of `entries` it holds; empty when nothing is loaded.
    pub(super) buckets: Vec<(u32, u32)>,
    /// Bucket after bucket: an alternative's key, the alternative and the rule whose first word it is.
    pub(super) entries: Vec<(u32, Alternative, usize)>,
    /// Stems shorter than the key, with their rules.
    pub(super) short_stems: Vec<(Alternative, usize)>,
}

impl FirstWordIndex {
    /// Indexes the first pattern word of rule 0, 1, 2, ….
    pub(super) fn new<'p>(first_words: impl Iterator<Item = &'p PatternWord>) -> Self {
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
    pub(super) fn key(word: &[u8]) -> u32 {
        match word.first_chunk::<KEY_BYTES>() {
            Some(first) => u32::from_be_bytes(*first),
            None => word.iter().fold(0u32, |key, &b| key << 8 | u32::from(b)),
        }
    }

    /// The bucket of a key: a multiplicative hash.
    pub(super) fn bucket(key: u32) -> usize {
        (key.wrapping_mul(0x9E37_79B1) >> 22) as usize % FIRST_WORD_BUCKETS
    }

    /// Calls `found` with each rule whose first word `word` is, once per alternative it matches: a rule may
    /// come twice. (Plain loops: this runs for every word of the text, mostly over an empty bucket.)
    pub(super) fn for_each_rule_of(&self, word: &[u8], mut found: impl FnMut(usize)) {
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
    pub(super) fn matches(&self, word: &[u8]) -> bool {
        let alt = self.text.as_bytes();
        if self.stem {
            word.starts_with(alt)
        } else {
            word == alt
        }
    }
}

/// A record's rule and its pattern text.
pub(super) fn parse_record(fields: &[String]) -> Result<(Rule, &str), String> {
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
pub(super) fn parse_pattern(pattern: &str) -> Result<Vec<PatternWord>, String> {
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
