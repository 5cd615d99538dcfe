//! Stage 6: people, places and organisations: found, put in the nominative, linked to the knowledge base,
//! with roles; quote speakers resolved to them.
//!
//! How: the text is cut into tokens once; every token gets a stem key and the knowledge-base automaton finds
//! all known names in any case form ([`KnowledgeBase::matches`]). Spans proposed by a statistical model
//! (`candidates`) come next, then rules for the names no list knows: runs of capitalised words classified by
//! the morphology dictionary (given name / surname / place / organisation), abbreviations, Latin brand names,
//! organisation cue nouns ("Министерство обороны", "Конституционного суда"), quoted names after a descriptor
//! (холдинг «Байтерек»), English capitalised runs. Mentions of one entity are then merged (same KB record,
//! same nominative name, a surname alone after the full name), roles are read from the words before a name
//! ("Президент Кыргызской Республики Садыр Жапаров") and after "назначен", and entities are numbered in order
//! of first mention.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};

use super::dateline::Dateline;
use super::kb::{cue, KbRef, KnowledgeBase, WordEntry};
use super::morph::{self, NamePart, WordInfo};
use super::parse::Release;
use super::quotes::Quote;
use super::text::chars::{is_alphanumeric, is_cyrillic, is_upper};
use super::text::fold::{lower_into, russian_lower_run};
use super::types::{EntityKind, Span};

/// A person, organisation or place named in the release.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Id within the envelope (e.g. `person:1`), referenced by quotes and events.
    pub id: String,
    /// What it is.
    pub kind: EntityKind,
    /// country | city | region | landmark | agency | ministry | …
    pub subtype: Option<String>,
    /// Canonical name, nominative.
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Roles, nominative ("Президент Кыргызской Республики").
    pub roles: Vec<String>,
    /// Wikidata QID.
    pub wikidata: Option<String>,
    /// Where it is named, in text order.
    pub mentions: Vec<Span>,
}

/// One token: a word (letters and digits, inner hyphens kept) or a single other character.
#[derive(Debug, Clone)]
struct Tok<'t> {
    span: Span,
    text: &'t str,
    /// Where the stem key ([`morph::stem`]) is: in [`Finder::keys`] (`|` for a non-word), or in the text
    /// when `key_in_text` (a lower-case word's key is a prefix of it).
    key: (usize, usize),
    key_in_text: bool,
    /// The vocabulary's entry for the key: id in the knowledge base's names, cue lists of stems.
    entry: WordEntry,
    /// The cue lists of words in lower case (stop, not_name, particle, place_prep) the token is in, looked
    /// up when first asked ([`UNKNOWN_CUES`] until then): few tokens are ever asked.
    lower_cues: Cell<u16>,
    /// Some upper-case letter.
    any_upper: bool,
    /// Only ASCII and Russian letters.
    simple: bool,
    /// Characters.
    chars: usize,
    word: bool,
    quote: bool,
    cap: bool,
    upper: bool,
    latin: bool,
    cyrillic: bool,
    digit: bool,
    sent_start: bool,
}

impl Tok<'_> {
    fn is_break(&self) -> bool {
        !self.word && !self.quote
    }
}

fn is_quote(text: &str) -> bool {
    matches!(text, "«" | "»" | "\"" | "„" | "“" | "”" | "'")
}

/// The text cut into tokens, with the keys of all of them written into one string (see [`Tok::key`]).
fn tokenize<'t>(text: &'t str, kb: &KnowledgeBase) -> (Vec<Tok<'t>>, String) {
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
        let word = is_word_char(c);
        let mut shape = Shape::new();
        shape.add(c);
        if word {
            loop {
                // Most of a word is lower-case Russian letters: they are skipped on their bytes.
                let run = russian_lower_run(&bytes[end..]);
                shape.add_russian_lower(run / 2);
                end += run;
                let Some(d) = text[end..].chars().next() else { break };
                if is_word_char(d) {
                    end += d.len_utf8();
                } else if (d == '-' && text[end + 1..].chars().next().is_some_and(is_word_char))
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
            ((from, keys.len()), kb.word(&keys[from..]))
        } else {
            ((0, 1), break_entry)
        };
        // A quote is never a word: words skip the comparisons.
        let quote = !word && is_quote(t);
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

/// An entity's id, "person:3", written by hand: `format!` went through the formatting machinery (~600
/// instructions) once per entity.
fn entity_id(kind: EntityKind, n: usize) -> String {
    let kind = kind.as_str();
    let mut id = String::with_capacity(kind.len() + 1 + 20);
    id.push_str(kind);
    id.push(':');
    push_decimal(&mut id, n);
    id
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Words of a name or phrase joined by single spaces: `split(' ').count()`, counted on the bytes (the
/// splitter's searcher costs more on such short strings).
fn word_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b' ').count() + 1
}

/// `text.to_lowercase()`, without the Unicode tables for ASCII and Russian letters.
fn lower_case(text: &str) -> String {
    let mut lower = String::with_capacity(text.len());
    lower_into(text, &mut lower);
    lower
}

/// [`Tok::lower_cues`] not looked up yet.
const UNKNOWN_CUES: u16 = u16::MAX;

/// The cue lists of the lower case of a token; `scratch` holds the lower case (reused: no allocation per
/// token).
fn lower_case_cues(t: &Tok, kb: &KnowledgeBase, scratch: &mut String) -> u16 {
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
struct Shape {
    chars: usize,
    /// Characters other than ASCII digits.
    letters: usize,
    first_upper: bool,
    /// Every character an ASCII digit, a hyphen or upper case.
    all_upper: bool,
    /// Some ASCII letter.
    latin: bool,
    cyrillic: bool,
    /// Some ASCII digit.
    digit: bool,
    /// Some upper-case letter.
    any_upper: bool,
    /// Only ASCII and Russian letters (whose lower case needs no tables).
    simple: bool,
    /// Some ё or Ё (the key writes е).
    yo: bool,
}

impl Shape {
    fn new() -> Shape {
        Shape { all_upper: true, simple: true, ..Shape::default() }
    }

    #[cfg(test)]
    fn of(token: &str) -> Shape {
        let mut shape = Shape::new();
        token.chars().for_each(|c| shape.add(c));
        shape
    }

    /// Takes in `n` lower-case Russian letters (а–я, not ё) at once.
    fn add_russian_lower(&mut self, n: usize) {
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

    /// Takes in the next character of the token (fast paths for ASCII and Russian letters).
    fn add(&mut self, c: char) {
        // (upper case, ASCII digit, ASCII letter, Cyrillic, ASCII or Russian)
        let (upper, digit, latin, cyrillic, simple) = match c {
            'а'..='я' | 'ё' => (false, false, false, true, true),
            'А'..='Я' | 'Ё' => (true, false, false, true, true),
            'a'..='z' => (false, false, true, false, true),
            'A'..='Z' => (true, false, true, false, true),
            '0'..='9' => (false, true, false, false, true),
            _ => (is_upper(c), false, false, is_cyrillic(c), c.is_ascii()),
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

/// Letters and digits, with fast paths for ASCII and Cyrillic (the general Unicode tables are slow).
fn is_word_char(c: char) -> bool {
    is_alphanumeric(c)
}

/// Whether the text after a dot is a domain suffix ("ru", "com", "kg", "ру"): 2–4 lower-case letters, then
/// no letter ("NEWSru.com", "Лента.ру", "24.kg").
fn is_domain_suffix(rest: &str) -> bool {
    let letters = rest.chars().take_while(|c| c.is_alphabetic()).count();
    (2..=4).contains(&letters) && rest.chars().take(letters).all(char::is_lowercase)
}

/// A mention before grouping: tokens `[start, end)`. What the knowledge base says is borrowed from it: most
/// mentions are dropped or merged before they become an [`Entity`], which copies it once.
#[derive(Debug, Clone)]
struct Mention<'a> {
    start: usize,
    end: usize,
    kind: EntityKind,
    name: Cow<'a, str>,
    kb: Option<KbRef>,
    subtype: Option<Cow<'a, str>>,
    country: Option<Cow<'a, str>>,
    wikidata: Option<Cow<'a, str>>,
    role: Option<String>,
}

impl<'a> Mention<'a> {
    fn new(start: usize, end: usize, kind: EntityKind, name: impl Into<Cow<'a, str>>) -> Self {
        let name = name.into();
        Mention { start, end, kind, name, kb: None, subtype: None, country: None, wikidata: None, role: None }
    }
}

/// A borrowed optional string of the knowledge base.
fn borrowed(s: &Option<String>) -> Option<Cow<'_, str>> {
    s.as_deref().map(Cow::Borrowed)
}

/// An owned copy of an optional string for an [`Entity`].
fn owned(s: &Option<Cow<'_, str>>) -> Option<String> {
    s.as_deref().map(str::to_string)
}

/// What mentions of one entity share.
#[derive(Debug, PartialEq)]
enum GroupKey {
    /// The same knowledge-base record (a person by full name or surname counts as [`KbRef::Person`]).
    Record(KbRef),
    /// The same kind and name, in lower case.
    Name(EntityKind, String),
}

/// A role of an entity with what [`Finder::add_role`] compares.
#[derive(Debug)]
struct Role {
    text: String,
    /// Its entry in [`Finder::role_facts`].
    facts: usize,
}

/// What [`Finder::add_role`] compares of a role phrase, worked out once per phrase.
#[derive(Debug)]
struct RoleFacts {
    text: String,
    /// The key of its first word (the office: "президент").
    head: String,
    /// The country it names.
    country: Option<String>,
}

/// Mentions of one entity while grouping: indices into [`Finder::mentions`].
#[derive(Debug)]
struct Group {
    /// The first mention: its kind and records are the entity's.
    first: usize,
    /// The mention whose name the entity takes (the one with the most words, when no record names it).
    name: usize,
    /// Words in that name.
    name_words: usize,
    /// The key of the last word of a person's name of several words: a surname alone joins it. Stemmed
    /// when first asked: few releases name someone by the surname alone without the knowledge base.
    surname_key: OnceCell<Option<String>>,
    spans: Vec<Span>,
    roles: Vec<String>,
}

impl Group {
    fn new(first: usize, mentions: &[Mention<'_>]) -> Group {
        let mut group = Group {
            first,
            name: first,
            name_words: 0,
            surname_key: OnceCell::new(),
            spans: Vec::new(),
            roles: Vec::new(),
        };
        group.rename(first, mentions);
        group
    }

    /// Takes the name of mention `m`.
    fn rename(&mut self, m: usize, mentions: &[Mention<'_>]) {
        let name = &mentions[m].name;
        self.name = m;
        self.name_words = word_count(name);
        self.surname_key = OnceCell::new();
    }

    /// [`Group::surname_key`].
    fn surname_key(&self, mentions: &[Mention<'_>]) -> Option<&str> {
        let key = self.surname_key.get_or_init(|| {
            let person = mentions[self.first].kind == EntityKind::Person;
            let name = &mentions[self.name].name;
            name.rsplit_once(' ').filter(|_| person).map(|(_, surname)| morph::stem(surname))
        });
        key.as_deref()
    }
}

struct Finder<'a, 't> {
    text: &'t str,
    toks: Vec<Tok<'t>>,
    /// The keys of all tokens, one after another.
    keys: String,
    kb: &'a KnowledgeBase,
    taken: Vec<bool>,
    mentions: Vec<Mention<'a>>,
    english: bool,
    /// Dictionary answers per token, computed at most once each.
    infos: RefCell<Vec<Option<WordInfo>>>,
    /// Office and country of role phrases, computed once per phrase (a few per release: a list).
    role_facts: RefCell<Vec<RoleFacts>>,
    /// A buffer for lower-case words looked up once ([`lower_case_cues`]).
    scratch: RefCell<String>,
    /// The words of the role phrase [`Finder::role_text`] is writing, kept between calls: a release has a
    /// handful of role phrases, each of which allocated its own list.
    role_words: Cell<Vec<&'t str>>,
    /// Whether a statistical model proposed the spans: then organisations come from it (with its boundaries)
    /// and the knowledge base only, not from the cue-word rules, which over-reach where the model is better.
    model: bool,
}

/// Finds the entities of a release. `candidates` are spans proposed by a statistical model (empty when none):
/// they are normalised and linked here, and the knowledge base wins where they conflict with it.
pub fn find(
    text: &str,
    release: &Release,
    dateline: Option<&Dateline>,
    language: &str,
    kb: &KnowledgeBase,
    candidates: &[(Span, EntityKind)],
) -> Vec<Entity> {
    let _ = release;
    let (toks, keys) = tokenize(text, kb);
    let english = language.starts_with("en");
    let mut f = Finder {
        text,
        keys,
        taken: vec![false; toks.len()],
        infos: RefCell::new(vec![None; toks.len()]),
        toks,
        kb,
        // A few dozen mentions per release: room for them up front rather than growing step by step.
        mentions: Vec::with_capacity(64),
        english,
        role_facts: RefCell::default(),
        scratch: RefCell::new(String::with_capacity(64)),
        role_words: Cell::new(Vec::with_capacity(16)),
        model: !candidates.is_empty(),
    };
    f.model_organisations(candidates);
    f.knowledge_base_names();
    f.candidate_names(candidates);
    if !f.model {
        f.quoted_names();
    }
    f.organisation_phrases();
    if !f.model {
        f.lower_case_organisations();
    }
    if english {
        f.english_runs();
    } else {
        f.capitalised_runs();
    }
    f.appointed_roles();
    f.keep_only_the_dateline_city(dateline);
    f.into_entities()
}

impl<'a, 't> Finder<'a, 't> {
    fn free(&self, start: usize, end: usize) -> bool {
        start < end && end <= self.toks.len() && self.taken[start..end].iter().all(|t| !t)
    }

    fn push(&mut self, m: Mention<'a>) {
        for t in &mut self.taken[m.start..m.end] {
            *t = true;
        }
        self.mentions.push(m);
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.toks[start].span.start, self.toks[end - 1].span.end)
    }

    /// Whether the lower case of token `i` is in one of the cue lists `bits` ([`cue`]).
    fn lower_is(&self, i: usize, bits: u16) -> bool {
        let t = &self.toks[i];
        if t.lower_cues.get() == UNKNOWN_CUES {
            t.lower_cues.set(lower_case_cues(t, self.kb, &mut self.scratch.borrow_mut()));
        }
        t.lower_cues.get() & bits != 0
    }

    /// The stem key of token `i`.
    fn key(&self, i: usize) -> &str {
        let (from, to) = self.toks[i].key;
        if self.toks[i].key_in_text {
            &self.text[from..to]
        } else {
            &self.keys[from..to]
        }
    }

    /// Known names, longest first, leftmost first.
    fn knowledge_base_names(&mut self) {
        // Names are matched across quotes: the words of all other tokens, and where each is.
        let mut index: Vec<usize> = Vec::with_capacity(self.toks.len());
        let mut words: Vec<u32> = Vec::with_capacity(self.toks.len());
        for (i, t) in self.toks.iter().enumerate().filter(|(_, t)| !t.quote) {
            index.push(i);
            words.push(t.entry.name_word);
        }
        let mut found = self.kb.names_in(&words);
        found.sort_by_key(|m| (std::cmp::Reverse(m.end - m.start), m.start));
        for m in found {
            let (start, end) = (index[m.start], index[m.end - 1] + 1);
            let first = &self.toks[start];
            let Some(target) = m.targets.iter().find(|t| {
                (first.cap || first.text.starts_with(char::is_numeric) || t.lower)
                    && (!t.upper || first.upper)
                    && (!first.upper || t.upper || first.chars > 4 || m.end - m.start > 1)
            }) else {
                continue;
            };
            if !self.free(start, end) {
                continue;
            }
            if let KbRef::Surname(_) = target.target {
                let hints: Vec<KbRef> = m.targets.iter().map(|t| t.target).collect();
                let name = self.person_name(start, end);
                let mut mention = Mention::new(start, end, EntityKind::Person, name);
                mention.kb = self.pick_surname(&hints);
                self.push(mention);
                continue;
            }
            let mention = self.kb_mention(start, end, target.target);
            self.push(mention);
        }
    }

    /// Of the people sharing a surname, the one in office now, if only one is.
    fn pick_surname(&self, hints: &[KbRef]) -> Option<KbRef> {
        let current: Vec<KbRef> = hints
            .iter()
            .copied()
            .filter(|h| matches!(h, KbRef::Surname(i) if self.kb.person_at(*i).current))
            .collect();
        match (hints, current.as_slice()) {
            ([one], _) | (_, [one]) => Some(*one),
            _ => None,
        }
    }

    fn kb_mention(&self, start: usize, end: usize, target: KbRef) -> Mention<'a> {
        let kb: &'a KnowledgeBase = self.kb;
        let (kind, name, subtype, country, wikidata) = match target {
            KbRef::Place(i) => {
                let p = kb.place_at(i);
                (EntityKind::Place, &p.name, Some(p.subtype.as_str()), &p.country, &p.wikidata)
            }
            KbRef::Person(i) | KbRef::Surname(i) => {
                let p = kb.person_at(i);
                (EntityKind::Person, &p.name, None, &p.country, &p.wikidata)
            }
            KbRef::Org(i) => {
                let o = kb.org_at(i);
                (EntityKind::Organisation, &o.name, Some(o.subtype.as_str()), &o.country, &o.wikidata)
            }
        };
        Mention {
            subtype: subtype.map(Cow::Borrowed),
            country: borrowed(country),
            wikidata: borrowed(wikidata),
            kb: Some(target),
            ..Mention::new(start, end, kind, name.as_str())
        }
    }

    /// Tokens `[start, end)` a model's span covers, if any.
    fn snap(&self, span: Span) -> Option<(usize, usize)> {
        // Tokens are in text order and do not overlap: both bounds are binary searches.
        let start = self.toks.partition_point(|t| t.span.end <= span.start);
        let end = self.toks.partition_point(|t| t.span.start < span.end);
        (start < self.toks.len() && end > 0 && start < end).then_some((start, end))
    }

    /// The model's organisations first, with the model's boundaries: names inside them the knowledge base
    /// knows as places or people ("Голос Америки", "Совет муфтиев России") stay part of the organisation. When
    /// the knowledge base knows exactly that name, its record decides (organisation, person or place).
    fn model_organisations(&mut self, candidates: &[(Span, EntityKind)]) {
        for &(span, kind) in candidates {
            if kind != EntityKind::Organisation {
                continue;
            }
            let Some((start, end)) = self.snap(span) else { continue };
            if !self.free(start, end) {
                continue;
            }
            let words: Vec<u32> =
                (start..end).filter(|&i| !self.toks[i].quote).map(|i| self.toks[i].entry.name_word).collect();
            let exact: Vec<KbRef> = self
                .kb
                .names_in(&words)
                .into_iter()
                .filter(|m| m.start == 0 && m.end == words.len())
                .flat_map(|m| m.targets.iter().map(|t| t.target))
                .collect();
            let mention = match exact.iter().find(|t| matches!(t, KbRef::Org(_))) {
                Some(&org) => self.kb_mention(start, end, org),
                // The knowledge base knows exactly this name as a person or place ("Абаем"): it decides.
                None if !exact.is_empty() => continue,
                None => self.typed_mention(start, end, kind),
            };
            self.push(mention);
        }
    }

    /// Spans from a statistical model, snapped to tokens, typed and linked.
    fn candidate_names(&mut self, candidates: &[(Span, EntityKind)]) {
        for &(span, kind) in candidates {
            let start = self.toks.partition_point(|t| t.span.end <= span.start);
            let end = self.toks.partition_point(|t| t.span.start < span.end);
            if start == self.toks.len() || end == 0 || !self.free(start, end) {
                continue;
            }
            let mention = self.typed_mention(start, end, kind);
            self.push(mention);
        }
    }

    fn typed_mention(&self, start: usize, end: usize, kind: EntityKind) -> Mention<'a> {
        let text = self.span(start, end).of(self.text);
        if kind == EntityKind::Place {
            let kb: &'a KnowledgeBase = self.kb;
            if let Some(p) = kb.place(text) {
                return Mention {
                    subtype: Some(Cow::Borrowed(p.subtype.as_str())),
                    country: borrowed(&p.country),
                    wikidata: borrowed(&p.wikidata),
                    ..Mention::new(start, end, kind, p.name.as_str())
                };
            }
        }
        let name = match kind {
            EntityKind::Person => self.person_name(start, end),
            _ => self.phrase_name(start, end),
        };
        Mention::new(start, end, kind, name)
    }

    /// The nominative of a person's name written over tokens `[start, end)`.
    fn person_name(&self, start: usize, end: usize) -> String {
        let morph = self.kb.morph();
        let words: Vec<usize> = (start..end).filter(|&i| self.toks[i].word).collect();
        let feminine =
            words.first().filter(|_| words.len() > 1).map(|&i| morph.is_feminine_given(self.toks[i].text));
        // Room for the phrase as written plus a little: nominatives are seldom longer.
        let mut out = String::with_capacity(self.toks[end - 1].span.end - self.toks[start].span.start + 8);
        let mut last_end = None;
        for (n, &i) in words.iter().enumerate() {
            let t = &self.toks[i];
            let next_is_patronymic =
                words.get(n + 1).is_some_and(|&j| morph::is_turkic_patronymic(self.toks[j].text));
            let part = match (n, words.len()) {
                _ if t.chars == 1 => NamePart::Any,
                (_, 1) => NamePart::Any,
                (0, _) => NamePart::Given,
                (k, len) if k + 1 == len => NamePart::Surname,
                _ => NamePart::Patronymic,
            };
            let word = if next_is_patronymic || self.english || t.chars == 1 {
                t.text.to_string()
            } else {
                morph.person_word(t.text, part, feminine)
            };
            if let Some(e) = last_end {
                out.push_str(if self.text[e..t.span.start].contains('.') { ". " } else { " " });
            }
            out.push_str(&word);
            last_end = Some(t.span.end);
        }
        if self.toks[end - 1].text == "." {
            out.push('.');
        }
        out
    }

    /// The nominative of a name phrase over tokens `[start, end)`, quotes and punctuation kept as written.
    fn phrase_name(&self, start: usize, end: usize) -> String {
        let words: Vec<&str> =
            (start..end).filter(|&i| self.toks[i].word).map(|i| self.toks[i].text).collect();
        let nominative: std::sync::Arc<[String]> = if self.english {
            words.iter().map(|w| w.to_string()).collect()
        } else {
            self.kb.morph().nominative_phrase(&words)
        };
        // Room for the phrase as written plus a little: nominatives are seldom longer.
        let mut out = String::with_capacity(self.toks[end - 1].span.end - self.toks[start].span.start + 8);
        let mut w = 0;
        for i in start..end {
            let t = &self.toks[i];
            if i > start && self.toks[i - 1].span.end < t.span.start {
                out.push(' ');
            }
            if t.word {
                out.push_str(&nominative[w]);
                w += 1;
            } else {
                out.push_str(t.text);
            }
        }
        out
    }

    /// «Name» after a descriptor noun (холдинг «Байтерек», партия «Яблоко») is an organisation.
    fn quoted_names(&mut self) {
        for i in 1..self.toks.len() {
            if self.toks[i].text != "«" && self.toks[i].text != "\"" {
                continue;
            }
            let descriptor = &self.toks[i - 1];
            let described = descriptor.word && descriptor.entry.is(cue::DESCRIPTOR);
            if descriptor.word && descriptor.entry.is(cue::WORK) {
                continue;
            }
            let Some(close) =
                (i + 1..self.toks.len().min(i + 8)).find(|&j| matches!(self.toks[j].text, "»" | "\"" | "“"))
            else {
                continue;
            };
            if close == i + 1 || !self.toks[i + 1].cap && !self.toks[i + 1].text.starts_with(char::is_numeric)
            {
                continue;
            }
            let words = (i + 1..close).filter(|&k| self.toks[k].word).count();
            let plain =
                (i + 1..close).all(|k| self.toks[k].word || matches!(self.toks[k].text, "-" | "&" | "+"));
            let all_caps = (i + 1..close).filter(|&k| self.toks[k].word).all(|k| self.toks[k].cap);
            let name_like = plain && (words == 1 || words == 2 && all_caps);
            let undescribed_name = name_like && !self.toks[i].sent_start && !self.english;
            if !described && !undescribed_name {
                continue;
            }
            if self.free(i + 1, close) {
                let name = self.span(i + 1, close).of(self.text).to_string();
                self.push(Mention {
                    subtype: None,
                    ..Mention::new(i + 1, close, EntityKind::Organisation, name)
                });
            }
        }
    }

    /// Capitalised adjectives before a lower-case organisation noun ("Конституционного суда"), and a
    /// capitalised organisation noun with its genitive complement ("Министерство обороны").
    fn organisation_phrases(&mut self) {
        let n = self.toks.len();
        let mut i = 0;
        while i < n {
            let t = &self.toks[i];
            if !t.word || !t.cap || t.upper || self.taken[i] || self.english {
                i += 1;
                continue;
            }
            if t.entry.is(cue::ORG_HEAD) && !self.model {
                let end = self.complement_end(i + 1);
                if end > i + 1 && (!t.sent_start || self.toks[i + 1].cap) {
                    let m = self.typed_mention(i, end, EntityKind::Organisation);
                    self.push(m);
                    i = end;
                    continue;
                }
            }
            // A capitalised adjective, up to three more adjectives, then an organisation noun
            // ("Федеральной миграционной службы", "Русская Православная Церковь").
            let mut j = i;
            while j < n && j - i < 4 && self.toks[j].word && !self.taken[j] && self.info(j).adjective > 0.5 {
                j += 1;
            }
            if j > i
                && j < n
                && self.toks[j].word
                && !self.taken[j]
                && !self.toks[j].cap
                && self.toks[j].entry.is(cue::PLACE_HEAD)
            {
                let m = self.typed_mention(i, j + 1, EntityKind::Place);
                self.push(m);
                i = j + 1;
                continue;
            }
            if j > i
                && !self.model
                && j < n
                && self.toks[j].word
                && !self.taken[j]
                && self.toks[j].entry.is(cue::ORG_HEAD)
            {
                let m = self.typed_mention(i, j + 1, EntityKind::Organisation);
                self.push(m);
                i = j + 1;
                continue;
            }
            i += 1;
        }
    }

    /// The end of a genitive complement after an organisation noun ("обороны", "защиты журналистов"):
    /// Cyrillic words in the genitive or capitalised, up to four.
    fn complement_end(&self, from: usize) -> usize {
        let mut end = from;
        while end < self.toks.len() && end - from < 4 && !self.taken[end] {
            let w = &self.toks[end];
            let ok = w.word
                && w.chars > 2
                && w.cyrillic
                && self.kb.morph().is_genitive(w.text)
                && !(w.cap && self.names_a_person_or_place(w.text));
            if !ok {
                break;
            }
            end += 1;
        }
        end
    }

    /// Whether a capitalised word is more likely a person's or a place's name than anything else: it ends an
    /// organisation's complement ("Министерство обороны | России").
    fn names_a_person_or_place(&self, word: &str) -> bool {
        let info = self.kb.morph().info(word);
        info.person() + info.geo > 0.5 || self.kb.place(word).is_some()
    }

    /// "министерства финансов": a lower-case organisation noun with its genitive complement.
    fn lower_case_organisations(&mut self) {
        for i in 0..self.toks.len() {
            let t = &self.toks[i];
            if !t.word || t.cap || self.taken[i] || !t.entry.is(cue::ORG_LOWER) {
                continue;
            }
            let end = self.complement_end(i + 1);
            // "министерствами иностранных дел" (plural) names no one body.
            if end > i + 1 && !self.kb.morph().is_plural(t.text) {
                let m = self.typed_mention(i, end, EntityKind::Organisation);
                self.push(m);
            }
        }
    }

    /// What a capitalised Russian token looks like on its own.
    fn classify(&self, i: usize) -> Option<EntityKind> {
        let t = &self.toks[i];
        if !t.word || self.taken[i] || !(t.cap || t.upper) {
            return None;
        }
        if t.entry.is(cue::ROLE) || t.entry.is(cue::ORG_HEAD) || self.lower_is(i, cue::NOT_NAME) {
            return None;
        }
        if t.sent_start && self.lower_is(i, cue::STOP) {
            return None;
        }
        if t.text.contains('.') {
            return Some(EntityKind::Organisation);
        }
        let roman = t.text.chars().all(|c| "IVXLCM".contains(c));
        if roman || t.digit {
            return None;
        }
        if t.latin {
            return (!t.sent_start || self.toks.get(i + 1).is_some_and(|n| n.cap && n.latin))
                .then_some(EntityKind::Organisation);
        }
        if t.upper {
            return (t.chars <= 8 && t.cyrillic).then_some(EntityKind::Organisation);
        }
        if !t.cyrillic {
            return None;
        }
        let info = self.info(i);
        let after_place_prep = i > 0 && self.lower_is(i - 1, cue::PLACE_PREP);
        if after_place_prep && !info.known && !t.sent_start {
            return Some(EntityKind::Place);
        }
        let person = info.person();
        let best = person.max(info.geo).max(info.org);
        let threshold = if t.sent_start { 0.6 } else { 0.25 };
        if best < threshold || best < info.common * if t.sent_start { 2.0 } else { 0.6 } {
            return None;
        }
        Some(if person >= info.geo && person >= info.org {
            EntityKind::Person
        } else if info.geo >= info.org {
            EntityKind::Place
        } else {
            EntityKind::Organisation
        })
    }

    fn is_initial(&self, i: usize) -> bool {
        let t = &self.toks[i];
        t.word && t.cap && t.chars == 1 && self.toks.get(i + 1).is_some_and(|d| d.text == ".")
    }

    /// Runs of capitalised Russian words, typed by the dictionary; people's names with initials.
    fn capitalised_runs(&mut self) {
        let n = self.toks.len();
        let mut i = 0;
        // The kinds of the words of the run being read (one buffer for all runs).
        let mut kinds = Vec::new();
        while i < n {
            if self.taken[i] {
                i += 1;
                continue;
            }
            // Initials: "В. В. Путин", "Путин В.В." are handled as part of a person run.
            let mut j = i;
            kinds.clear();
            while j < n && !self.taken[j] {
                // The cheap test first: the particle's look-up only inside a person's name.
                if kinds.first() == Some(&EntityKind::Person)
                    && self.lower_is(j, cue::PARTICLE)
                    && j + 1 < n
                    && self.classify(j + 1).is_some()
                {
                    j += 1;
                    continue;
                }
                if self.is_initial(j) {
                    kinds.push(EntityKind::Person);
                    j += 2;
                    continue;
                }
                let latin_connector = matches!(self.toks[j].text, "of" | "and" | "for" | "the" | "de" | "&");
                if latin_connector
                    && kinds.first() == Some(&EntityKind::Organisation)
                    && self.toks[j - 1].latin
                    && j + 1 < n
                    && self.toks[j + 1].latin
                    && self.classify(j + 1) == Some(EntityKind::Organisation)
                {
                    j += 1;
                    continue;
                }
                match self.classify(j) {
                    Some(k)
                        if kinds.is_empty()
                            || (k == kinds[0]
                                || kinds[0] == EntityKind::Person
                                    && k != EntityKind::Organisation
                                    && kinds.len() < 3) =>
                    {
                        kinds.push(k);
                        j += 1;
                        if j < n
                            && morph::is_turkic_patronymic(self.toks[j].text)
                            && kinds[0] == EntityKind::Person
                        {
                            j += 1;
                        }
                    }
                    _ => break,
                }
            }
            if kinds.is_empty() {
                i += 1;
                continue;
            }
            let kind = if kinds.contains(&EntityKind::Person) { EntityKind::Person } else { kinds[0] };
            let only_initials = (i..j).all(|k| !self.toks[k].word || self.toks[k].chars == 1);
            // With a model, organisations the model did not propose are left out (it is better at them).
            if !only_initials && (!self.model || kind != EntityKind::Organisation) {
                let m = self.typed_mention(i, j, kind);
                self.push(m);
            }
            i = j.max(i + 1);
        }
    }

    /// English: runs of capitalised words (with "of", "for", "the", "and" inside), typed by cue words, a role
    /// before them or a preposition of place.
    fn english_runs(&mut self) {
        let n = self.toks.len();
        let mut i = 0;
        while i < n {
            let t = &self.toks[i];
            if self.taken[i] || !t.word || !t.cap || self.lower_is(i, cue::STOP) || t.entry.is(cue::ROLE) {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < n && !self.taken[j] && self.toks[j].word {
                let w = &self.toks[j];
                let connector = matches!(w.text, "of" | "for" | "and" | "the")
                    && self.toks.get(j + 1).is_some_and(|x| x.cap && x.word)
                    && (i..j).any(|k| self.toks[k].entry.is(cue::ORG_HEAD));
                if (w.cap && !w.entry.is(cue::ROLE)) || connector {
                    j += 1;
                } else {
                    break;
                }
            }
            let has_org = (i..j).any(|k| self.toks[k].entry.is(cue::ORG_HEAD));
            let after_prep = i > 0 && self.lower_is(i - 1, cue::PLACE_PREP);
            let after_role = i > 0 && self.toks[i - 1].entry.is(cue::ROLE);
            let kind = if has_org {
                Some(EntityKind::Organisation)
            } else if after_prep && j == i + 1 {
                Some(EntityKind::Place)
            } else if j - i >= 2 || after_role {
                Some(EntityKind::Person)
            } else {
                None
            };
            if let Some(kind) = kind.filter(|_| !t.sent_start || j - i >= 2 || after_role) {
                let m = self.typed_mention(i, j, kind);
                self.push(m);
            }
            i = j;
        }
    }

    /// "X назначен акимом Алматинской области": the role after the verb of appointment.
    fn appointed_roles(&mut self) {
        for m in 0..self.mentions.len() {
            if self.mentions[m].kind != EntityKind::Person {
                continue;
            }
            let after = self.mentions[m].end;
            let Some(verb) =
                (after..(after + 3).min(self.toks.len())).find(|&k| self.key(k).starts_with("назначен"))
            else {
                continue;
            };
            let start = verb + 1;
            // Another name between the person and the verb is the one appointed.
            let someone_else = self.taken[after..verb].iter().any(|&t| t);
            if someone_else || start >= self.toks.len() || !self.toks[start].entry.is(cue::ROLE) {
                continue;
            }
            let mut end = start + 1;
            while end < self.toks.len()
                && end - start < 8
                && self.toks[end].word
                && !self.key(end).starts_with("сообща")
            {
                end += 1;
            }
            let role = self.role_text(start, end);
            self.mentions[m].role.get_or_insert(role);
        }
    }

    /// A role phrase in the nominative: the role noun (with adjectives before it) in the nominative, its
    /// complement as written.
    fn role_text(&self, start: usize, end: usize) -> String {
        let mut words = self.role_words.take();
        words.clear();
        words.extend((start..end).filter(|&i| !self.toks[i].is_break()).map(|i| self.toks[i].text));
        let text = self.role_text_of(start, end, &words);
        self.role_words.set(words);
        text
    }

    /// [`Finder::role_text`] of the phrase from token `start` to `end`, whose words are `words`.
    fn role_text_of(&self, start: usize, end: usize, words: &[&str]) -> String {
        let index = || (start..end).filter(|&i| !self.toks[i].is_break());
        if self.english || words.is_empty() {
            return words.join(" ");
        }
        // Only the role noun and the adjectives before it inflect; the complement after it stays as written.
        // A word's key is its stem; quotes are in no cue list.
        let head = index().position(|i| self.toks[i].word && self.toks[i].entry.is(cue::ROLE));
        let head = head.unwrap_or(words.len() - 1);
        let nominative = self.kb.morph().nominative_phrase(&words[..=head]);
        // The nominative words, then the rest as written, joined by spaces; the first with its capitals.
        let mut joined = String::with_capacity(words.iter().map(|w| w.len() + 1).sum());
        for k in 0..nominative.len().max(words.len()) {
            let word = nominative.get(k).map_or(words[k], String::as_str);
            if k == 0 {
                // Lower-casing first changes nothing for ASCII and Russian letters (restore_case sets the
                // case of each): only other scripts need the lower-case copy.
                if word.chars().all(|c| c.is_ascii() || matches!(c, 'А'..='я' | 'Ё' | 'ё')) {
                    morph::restore_case_into(word, words[0], &mut joined);
                } else {
                    morph::restore_case_into(&lower_case(word), words[0], &mut joined);
                }
            } else {
                joined.push(' ');
                joined.push_str(word);
            }
        }
        // The quotes of a complement («Байтерек») hug their words. Quotes are tokens of their own: only a
        // phrase with one can have a space inside them (a cheaper test than searching the phrase).
        let quoted = words.iter().any(|w| matches!(*w, "«" | "»"));
        if quoted && (joined.contains("« ") || joined.contains(" »")) {
            return joined.replace("« ", "«").replace(" »", "»");
        }
        joined
    }

    /// The role written before a person mention: the nearest role noun within a few words, no punctuation
    /// in between.
    fn role_before(&self, start: usize, in_person: &[bool]) -> Option<String> {
        let mut k = start;
        while k > 0 && start - k < 10 {
            k -= 1;
            let t = &self.toks[k];
            if t.is_break() || in_person[k] {
                return None;
            }
            if t.word && t.entry.is(cue::ROLE) {
                let mut s = k;
                while s > 0
                    && self.toks[s - 1].word
                    && !self.toks[s - 1].cap
                    && self.info(s - 1).adjective > 0.5
                {
                    s -= 1;
                }
                return (k + 1 < start || start - k == 1).then(|| self.role_text(s, start));
            }
        }
        None
    }

    /// Mentions inside the dateline are the agency's, not the story's, except the city; the city is a place
    /// even when the knowledge base does not know it.
    fn keep_only_the_dateline_city(&mut self, dateline: Option<&Dateline>) {
        let Some(d) = dateline else { return };
        let toks = &self.toks;
        self.mentions.retain(|m| {
            let span = Span::new(toks[m.start].span.start, toks[m.end - 1].span.end);
            !d.span.contains(span) || m.kind == EntityKind::Place
        });
        let has_city = self.mentions.iter().any(|m| {
            m.kind == EntityKind::Place
                && d.span.contains(Span::new(toks[m.start].span.start, toks[m.end - 1].span.end))
        });
        let Some(city) = d.city.as_deref().filter(|_| !has_city) else { return };
        let key = morph::stem(city);
        let Some(i) =
            (0..self.toks.len()).find(|&i| d.span.contains(self.toks[i].span) && self.key(i) == key)
        else {
            return;
        };
        let mut m = Mention::new(i, i + 1, EntityKind::Place, city.to_string());
        let kb: &'a KnowledgeBase = self.kb;
        if let Some(p) = kb.place(city) {
            m.subtype = Some(Cow::Borrowed(p.subtype.as_str()));
            m.wikidata = borrowed(&p.wikidata);
        }
        m.subtype.get_or_insert_with(|| "city".into());
        m.country =
            d.country.clone().map(Cow::Owned).or_else(|| kb.place(city).and_then(|p| borrowed(&p.country)));
        self.mentions.push(m);
    }

    /// Groups mentions into entities: same KB record, same name, or a surname alone after the full name.
    fn into_entities(self) -> Vec<Entity> {
        // Mentions in text order (ties in the order found): indices are sorted, the mentions stay put.
        let mut order: Vec<(usize, usize)> =
            self.mentions.iter().enumerate().map(|(i, m)| (m.start, i)).collect();
        order.sort_unstable();
        // Tokens inside a person's name: a role written before a name does not reach past another name.
        let mut in_person = vec![false; self.toks.len()];
        for m in self.mentions.iter().filter(|m| m.kind == EntityKind::Person) {
            in_person[m.start..m.end].fill(true);
        }
        let mut groups: Vec<Group> = Vec::with_capacity(self.mentions.len());
        // A handful of groups per release: a list beats a hash map.
        let mut by_key: Vec<(GroupKey, usize)> = Vec::with_capacity(self.mentions.len());
        for &(_, i) in &order {
            let m = &self.mentions[i];
            let role = match m.kind {
                EntityKind::Person => m.role.clone().or_else(|| self.role_before(m.start, &in_person)),
                _ => None,
            };
            let span = self.span(m.start, m.end);
            let key = self.group_key(m.kb, m.kind, &m.name, &groups);
            let g = match by_key.iter().find(|(k, _)| *k == key) {
                Some(&(_, g)) => g,
                None => {
                    groups.push(Group::new(i, &self.mentions));
                    by_key.push((key, groups.len() - 1));
                    groups.len() - 1
                }
            };
            let group = &mut groups[g];
            if word_count(&m.name) > group.name_words && self.mentions[group.first].kb.is_none() {
                group.rename(i, &self.mentions);
            }
            group.spans.push(span);
            group.roles.extend(role);
        }
        groups.into_iter().enumerate().map(|(n, g)| self.entity(n + 1, g)).collect()
    }

    /// What mentions of kind `kind` named `name` with knowledge-base record `kb` share with others.
    fn group_key(&self, kb: Option<KbRef>, kind: EntityKind, name: &str, groups: &[Group]) -> GroupKey {
        match kb {
            // A person's full name and surname alone are one record.
            Some(KbRef::Person(i) | KbRef::Surname(i)) => return GroupKey::Record(KbRef::Person(i)),
            Some(record) => return GroupKey::Record(record),
            None => {}
        }
        if kind == EntityKind::Person && !name.contains(' ') {
            let key = morph::stem(name);
            let mut same = groups.iter().filter(|g| g.surname_key(&self.mentions) == Some(key.as_str()));
            if let (Some(one), None) = (same.next(), same.next()) {
                let first = &self.mentions[one.first];
                return self.group_key(first.kb, first.kind, &self.mentions[one.name].name, &[]);
            }
        }
        GroupKey::Name(kind, lower_case(name))
    }

    fn entity(&self, n: usize, group: Group) -> Entity {
        let Group { first, name, spans: mentions, roles: text_roles, .. } = group;
        let m = &self.mentions[first];
        let kb_role = match m.kb {
            Some(KbRef::Person(i) | KbRef::Surname(i)) => self.kb.person_at(i).role.as_deref(),
            _ => None,
        };
        // The knowledge base's wording of the office, unless the release names it in another script.
        let same_script = text_roles.iter().all(|r| r.chars().any(is_cyrillic));
        let kb_role = kb_role.filter(|_| same_script || text_roles.is_empty());
        // Room for exactly the roles there can be: most entities have none, and an empty list (which
        // allocates nothing) then stays empty on its way to the entity's list of strings.
        let mut roles: Vec<Role> = Vec::with_capacity(text_roles.len() + usize::from(kb_role.is_some()));
        for role in text_roles.into_iter().chain(kb_role.map(str::to_string)) {
            self.add_role(&mut roles, role, kb_role);
        }
        let country = owned(&m.country).or_else(|| {
            let facts = self.role_facts.borrow();
            roles.iter().find_map(|r| facts[r.facts].country.clone())
        });
        let roles: Vec<String> = roles.into_iter().map(|r| r.text).collect();
        let (mut name, wikidata, subtype) = match m.kb {
            Some(KbRef::Person(i) | KbRef::Surname(i)) => {
                let p = self.kb.person_at(i);
                (p.name.clone(), p.wikidata.clone(), None)
            }
            _ => (self.mentions[name].name.to_string(), owned(&m.wikidata), owned(&m.subtype)),
        };
        if self.english {
            let english = match m.kb {
                Some(KbRef::Person(i) | KbRef::Surname(i)) => self.kb.person_at(i).english.as_deref(),
                Some(KbRef::Place(i)) => self.kb.place_english(i),
                Some(KbRef::Org(i)) => self.kb.org_at(i).english.as_deref(),
                None => None,
            };
            if let Some(english) = english {
                name = english.to_string();
            }
        }
        Entity { id: entity_id(m.kind, n), kind: m.kind, subtype, name, country, roles, wikidata, mentions }
    }

    /// Adds a role unless the same office is already there: same role noun and same country (or no country
    /// named) counts as the same; the knowledge base's wording wins, then the longer one.
    fn add_role(&self, roles: &mut Vec<Role>, role: String, kb_role: Option<&str>) {
        let role = Role { facts: self.role_facts_of(&role), text: role };
        let facts = self.role_facts.borrow();
        let new = &facts[role.facts];
        if let Some(existing) = roles.iter_mut().find(|r| {
            let old = &facts[r.facts];
            old.head == new.head
                && (new.country.is_none() || old.country.is_none() || old.country == new.country)
        }) {
            let prefer_new = Some(role.text.as_str()) == kb_role
                || (Some(existing.text.as_str()) != kb_role
                    && word_count(&role.text) > word_count(&existing.text));
            if prefer_new {
                *existing = role;
            }
            return;
        }
        roles.push(role);
    }

    /// The index in [`Finder::role_facts`] of a role phrase's office and country, worked out once per phrase.
    fn role_facts_of(&self, role: &str) -> usize {
        if let Some(known) = self.role_facts.borrow().iter().position(|f| f.text == role) {
            return known;
        }
        let head = role.split(' ').next().map(morph::stem).unwrap_or_default();
        let country = self.country_in(role);
        let mut facts = self.role_facts.borrow_mut();
        facts.push(RoleFacts { text: role.to_string(), head, country });
        facts.len() - 1
    }

    /// The country a role phrase names ("Президент Кыргызской Республики" → KG).
    fn country_in(&self, role: &str) -> Option<String> {
        let mut key = String::with_capacity(role.len());
        let words: Vec<u32> = super::kb::words(role)
            .map(|w| {
                key.clear();
                morph::stem_into(w, &mut key);
                self.kb.word(&key).name_word
            })
            .collect();
        let country =
            self.kb.names_in(&words).iter().flat_map(|m| m.targets.iter()).find_map(|t| match t.target {
                KbRef::Place(i) if self.kb.place_at(i).subtype == "country" => {
                    self.kb.place_at(i).country.clone()
                }
                _ => None,
            });
        country
    }

    /// The dictionary's answer for token `i`, cached.
    fn info(&self, i: usize) -> WordInfo {
        if let Some(info) = self.infos.borrow().get(i).copied().flatten() {
            return info;
        }
        let info = self.kb.morph().info(self.toks[i].text);
        if let Some(slot) = self.infos.borrow_mut().get_mut(i) {
            *slot = Some(info);
        }
        info
    }
}

/// Sets each quote's `speaker` to the id of the entity its `speaker_span` refers to (name, surname, role
/// description, pronoun), adding mentions to that entity.
pub fn resolve_speakers(text: &str, quotes: &mut [Quote], entities: &mut [Entity], kb: &KnowledgeBase) {
    for q in quotes.iter_mut() {
        let Some(span) = q.speaker_span.filter(|s| {
            s.end <= text.len() && text.is_char_boundary(s.start) && text.is_char_boundary(s.end)
        }) else {
            continue;
        };
        let Some(e) = speaker_of(text, span, q.span, entities, kb) else { continue };
        q.speaker = Some(entities[e].id.clone());
        let mentions = &mut entities[e].mentions;
        if !mentions.iter().any(|m| m.overlaps(span)) && !is_pronoun(span.of(text), kb) {
            mentions.push(span);
            mentions.sort();
        }
    }
}

fn is_pronoun(words: &str, kb: &KnowledgeBase) -> bool {
    kb.cues().pronoun.contains_key(&words.trim().to_lowercase())
}

fn speaker_of(text: &str, span: Span, quote: Span, entities: &[Entity], kb: &KnowledgeBase) -> Option<usize> {
    let people = || entities.iter().enumerate().filter(|(_, e)| e.kind == EntityKind::Person);
    if let Some((i, _)) = people().find(|(_, e)| e.mentions.iter().any(|m| m.overlaps(span))) {
        return Some(i);
    }
    let written = span.of(text).trim();
    let last_before = |limit: usize| {
        people()
            .filter_map(|(i, e)| {
                e.mentions.iter().filter(|m| m.end <= limit).map(|m| m.end).max().map(|end| (end, i))
            })
            .max()
            .map(|(_, i)| i)
    };
    if is_pronoun(written, kb) {
        return last_before(quote.start.min(span.start));
    }
    let words: Vec<&str> = super::kb::words(written).collect();
    let head = words.first().map(|w| morph::stem(w))?;
    if kb.cues().role.contains(&head) {
        let country = (1..words.len())
            .find_map(|k| kb.place(&words[k..].join(" ")).filter(|p| p.subtype == "country"))
            .and_then(|p| p.country.clone());
        let holds = |e: &Entity| {
            e.roles.iter().any(|r| {
                r.split(' ').next().map(morph::stem).as_deref() == Some(head.as_str())
                    && (country.is_none() || country == e.country)
            })
        };
        let holders: Vec<usize> = people().filter(|(_, e)| holds(e)).map(|(i, _)| i).collect();
        return match holders.as_slice() {
            [one] => Some(*one),
            [] => None,
            // Several holders of the office: the one named last before the quote.
            _ => holders
                .iter()
                .filter_map(|&i| {
                    let last =
                        entities[i].mentions.iter().filter(|m| m.end <= quote.start).map(|m| m.end).max();
                    last.map(|end| (end, i))
                })
                .max()
                .map(|(_, i)| i),
        };
    }
    let last = words.last().map(|w| morph::stem(w))?;
    people()
        .filter(|(_, e)| e.name.rsplit(' ').next().is_some_and(|s| morph::stem(s) == last))
        .map(|(i, _)| i)
        .next()
}

#[cfg(test)]
mod tests;
