//! Scoring: every match of every pattern, triggers weighted by position, plans, quotes and negations, and
//! triggers of one event type merged into one candidate event with a noisy-or confidence.

use super::super::types::Span;
use super::doc::Doc;
use super::lexicon::{EventLexicon, PatternWord, Rule};
use super::status::{cue_of, cues_for, Cue};
use super::{
    Context, EventStatus, FUTURE_FACTOR, MAX_CONFIDENCE, MIN_CONFIDENCE, NEGATION_REACH, QUOTE_FACTOR,
    STATEMENT_QUOTE_SHARE, SUPPORT_RATIO,
};

// Pattern matches

/// A match of one rule's pattern.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hit {
    pub(super) rule: usize,
    pub(super) span: Span,
    pub(super) first_word: usize,
    pub(super) last_word: usize,
    pub(super) sentence: usize,
}

/// Every match of every rule, in text order (then rule order).
pub(super) fn find_hits(lex: &EventLexicon, doc: &Doc) -> Vec<Hit> {
    let mut hits = Vec::new();
    for first in 0..doc.words.len() {
        lex.first_words.for_each_rule_of(doc.folded_word(first), |rule| {
            if let Some(last) = match_rest(doc, &lex.rules[rule].1, first) {
                let span = Span::new(doc.words[first].start, doc.words[last].end);
                hits.push(Hit {
                    rule,
                    span,
                    first_word: first,
                    last_word: last,
                    sentence: doc.sentence_of_word[first],
                });
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
pub(super) fn match_rest(doc: &Doc, pattern: &[PatternWord], first: usize) -> Option<usize> {
    let sentence = doc.sentence_of_word[first];
    let mut at = first;
    for word in &pattern[1..] {
        at = (at + 1..=at + 1 + word.gap_before)
            .take_while(|&i| i < doc.words.len() && doc.sentence_of_word[i] == sentence)
            .find(|&i| word.matches(doc.folded_word(i)))?;
    }
    Some(at)
}

// Scoring and merging

/// A trigger match with its score.
#[derive(Debug, Clone)]
pub(super) struct Trigger<'l> {
    pub(super) hit: Hit,
    pub(super) kind: &'l str,
    pub(super) cameo: &'l str,
    pub(super) score: f32,
    pub(super) status: EventStatus,
}

pub(super) fn scored_triggers<'l>(ctx: &Context<'l>, doc: &Doc, hits: &[Hit]) -> Vec<Trigger<'l>> {
    let rules = &ctx.lexicon.rules;
    // Few hits per release: a Vec is cheaper than hashing.
    let future: Vec<usize> =
        hits.iter().filter(|h| rules[h.rule].0 == Rule::Future).map(|h| h.sentence).collect();
    let negations: Vec<&Hit> = hits.iter().filter(|h| rules[h.rule].0 == Rule::Negation).collect();
    let cues = cues_for(rules, hits, ctx.language);
    let trigger_hits: Vec<&Hit> =
        hits.iter().filter(|h| matches!(rules[h.rule].0, Rule::Trigger { .. })).collect();
    let mut triggers: Vec<(Trigger<'l>, &'l [String])> = Vec::new();
    for hit in hits {
        let Rule::Trigger { kind, cameo, weight, suppressed_by } = &rules[hit.rule].0 else { continue };
        // A cancelled event keeps its negation as its status; one only referred to is none of this
        // release's; a plain negation without a cue leaves no event.
        let status = match cue_of(doc, hit, &cues, &negations, &trigger_hits) {
            Some(Cue::Referenced) => continue,
            Some(Cue::Cancelled) => EventStatus::Cancelled,
            Some(Cue::Planned) => EventStatus::Planned,
            None if is_negated(doc, hit, &negations) => continue,
            None => EventStatus::Happened,
        };
        let block = doc.sentence(hit.sentence).block;
        let mut score = weight * position_factor(block);
        // A plan in the headline or lead is the release's news, a planned event at full strength; one
        // further down is background, weakened as a future sentence without a cue weakens a trigger.
        let weakened = match status {
            EventStatus::Happened => future.contains(&hit.sentence),
            EventStatus::Planned => block > 1,
            EventStatus::Cancelled => false,
        };
        if weakened {
            score *= FUTURE_FACTOR;
        }
        if ctx.quotes.iter().any(|q| q.span.contains(hit.span)) {
            score *= QUOTE_FACTOR;
        }
        triggers.push((Trigger { hit: *hit, kind, cameo, score, status }, suppressed_by));
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
pub(super) fn is_negated(doc: &Doc, trigger: &Hit, negations: &[&Hit]) -> bool {
    negations.iter().any(|n| {
        n.sentence == trigger.sentence
            && n.span.end <= trigger.span.start
            && doc.words[n.first_word..trigger.first_word].len() <= NEGATION_REACH
    })
}

/// The headline says most about what happened; later paragraphs less.
pub(super) fn position_factor(block: usize) -> f32 {
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
pub(super) struct Group<'l> {
    pub(super) kind: &'l str,
    pub(super) status: EventStatus,
    pub(super) triggers: Vec<Trigger<'l>>,
    pub(super) best: usize,
    pub(super) confidence: f32,
}

impl Group<'_> {
    pub(super) fn best(&self) -> &Trigger<'_> {
        &self.triggers[self.best]
    }

    /// The strongest trigger first, then those at least [`SUPPORT_RATIO`] as strong, in text order.
    pub(super) fn supporting(&self) -> impl Iterator<Item = &Trigger<'_>> {
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

/// Triggers of one type and status merged into one group each.
pub(super) fn merge_by_kind(triggers: Vec<Trigger<'_>>) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for t in triggers {
        // A planned visit beside one that happened are two events.
        match groups.iter_mut().find(|g| g.kind == t.kind && g.status == t.status) {
            // Overlapping matches ("официального визита" and "визита") are one piece of evidence.
            Some(g) => match g.triggers.iter_mut().find(|o| o.hit.span.overlaps(t.hit.span)) {
                Some(o) if o.score < t.score => *o = t,
                Some(_) => {}
                None => g.triggers.push(t),
            },
            None => groups.push(Group {
                kind: t.kind,
                status: t.status,
                triggers: vec![t],
                best: 0,
                confidence: 0.0,
            }),
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

pub(super) fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// A statement trigger in the headline or lead, or a body made mostly of quotes.
pub(super) fn is_mainly_statement(doc: &Doc, ctx: &Context<'_>, group: &Group<'_>) -> bool {
    let in_top = group.triggers.iter().any(|t| doc.sentence(t.hit.sentence).block <= 1);
    let quoted: usize = ctx.quotes.iter().map(|q| q.span.end.saturating_sub(q.span.start)).sum();
    in_top || (doc.body_len > 0 && quoted as f32 >= STATEMENT_QUOTE_SHARE * doc.body_len as f32)
}
