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

use std::cell::{Cell, RefCell};

use super::dateline::Dateline;
use super::kb::KnowledgeBase;
use super::morph::WordInfo;
use super::parse::Release;
use super::types::{EntityKind, Span};
use names::Mention;
use roles::RoleFacts;
use tokens::{lower_case_cues, tokenize, Tok, UNKNOWN_CUES};

mod grouping;
mod names;
mod roles;
mod rules;
mod tokens;

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
    /// Whether a statistical model proposed the spans: then organisations come from it (with its boundaries)
    /// and the knowledge base only, not from the cue-word rules, which over-reach where the model is better.
    model: bool,
    /// The Kyrgyz or Kazakh case endings of the release's language (empty for others): names carry them
    /// glued on, and the Russian rules for unknown single words do not apply.
    endings: &'a [String],
    /// The bound on the passes' work ([`find_within`]): mentions proposed and words looked up together.
    max_work: usize,
    /// The work done so far: one per mention proposed and per word the dictionary was asked about.
    work: Cell<usize>,
}

/// What [`find_within`] found, and whether it stopped early.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The entities, numbered in order of first mention.
    pub entities: Vec<Entity>,
    /// Whether the passes reached their bound of work and stopped proposing names.
    pub cut: bool,
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
    find_within(text, release, dateline, language, kb, candidates, usize::MAX).entities
}

/// [`find`], with the passes' work bounded: once they have proposed mentions and looked words up in the
/// dictionary `max_work` times in all, no pass proposes more and no word is looked up. Hostile text (a
/// megabyte of distinct capitalised words) would otherwise have the dictionary guess at every word, for
/// entities the release's caps drop anyway.
pub fn find_within(
    text: &str,
    release: &Release,
    dateline: Option<&Dateline>,
    language: &str,
    kb: &KnowledgeBase,
    candidates: &[(Span, EntityKind)],
    max_work: usize,
) -> Found {
    let _ = release;
    let endings = kb.turkic_case_endings(language);
    let (toks, keys) = tokenize(text, kb, endings);
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
        model: !candidates.is_empty(),
        endings,
        max_work,
        work: Cell::new(0),
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
    let cut = f.spent();
    Found { entities: f.into_entities(), cut }
}

impl<'a, 't> Finder<'a, 't> {
    fn free(&self, start: usize, end: usize) -> bool {
        start < end && end <= self.toks.len() && self.taken[start..end].iter().all(|t| !t)
    }

    /// Counts one unit of the passes' work; false once `max_work` is reached.
    fn spend(&self) -> bool {
        let done = self.work.get();
        self.work.set(done.saturating_add(1));
        done < self.max_work
    }

    /// Whether the passes' work reached `max_work`.
    fn spent(&self) -> bool {
        self.work.get() >= self.max_work
    }

    /// Adds a mention and takes its tokens, while the work bound allows. Past it every token is taken: each
    /// pass skips taken tokens before it looks at a word, so none proposes more.
    fn push(&mut self, m: Mention<'a>) {
        if !self.spend() {
            self.taken.fill(true);
            return;
        }
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

    /// The dictionary's answer for token `i`, cached. Past the work bound the dictionary is not asked and the
    /// word reads as a known common word, which no rule takes for a name.
    fn info(&self, i: usize) -> WordInfo {
        if let Some(info) = self.infos.borrow().get(i).copied().flatten() {
            return info;
        }
        if !self.spend() {
            return WordInfo { common: 1.0, known: true, ..WordInfo::default() };
        }
        let info = self.kb.morph().info(self.toks[i].text);
        if let Some(slot) = self.infos.borrow_mut().get_mut(i) {
            *slot = Some(info);
        }
        info
    }
}

#[cfg(test)]
pub(crate) mod tests;
