//! Event status: whether a trigger's event happened, is only planned, was called off or denied, or is an
//! earlier event the release only refers to. Read from the cues of `data/lexicons/event_status.tsv` that stand
//! just before, just after or anywhere in the trigger's sentence; a release reports what happened, so a
//! planned or cancelled event keeps its status instead of being taken for news.

use super::doc::Doc;
use super::lexicon::Rule;
use super::scoring::{is_negated, Hit};

/// How many words may stand between a `before` or `after` cue and its trigger.
const CUE_REACH: usize = 3;

/// What a cue says of the event its trigger names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// Announced, not reported.
    Planned,
    /// Called off, postponed, declined or denied.
    Cancelled,
    /// An earlier event the release only refers to: it gets no event of its own.
    Referenced,
}

/// Where a cue stands relative to its trigger, inside the trigger's sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Ends at most [`CUE_REACH`] words before the trigger.
    Before,
    /// Starts at most [`CUE_REACH`] words after the trigger.
    After,
    /// Anywhere in the sentence.
    Sentence,
}

/// A cue found in the text, with what it means and where it reaches.
pub(super) type FoundCue<'h> = (&'h Hit, Cue, Scope);

/// A record of `event_status.tsv` (`status, language, pattern, scope`) as a rule and its pattern text.
pub(super) fn parse_status_record(fields: &[String]) -> Result<(Rule, &str), String> {
    let field = |i: usize, what: &str| {
        fields.get(i).map(String::as_str).filter(|f| !f.is_empty()).ok_or(format!("missing {what}"))
    };
    let cue = match field(0, "status")? {
        "planned" => Cue::Planned,
        "cancelled" => Cue::Cancelled,
        "referenced" => Cue::Referenced,
        other => return Err(format!("unknown status {other:?}; expected planned, cancelled or referenced")),
    };
    let language = match field(1, "language")? {
        "*" => None,
        code => Some(code.to_string()),
    };
    let scope = match field(3, "scope")? {
        "before" => Scope::Before,
        "after" => Scope::After,
        "sentence" => Scope::Sentence,
        other => return Err(format!("unknown scope {other:?}; expected before, after or sentence")),
    };
    Ok((Rule::Status { cue, language, scope }, field(2, "pattern")?))
}

/// The cues among `hits` that apply to a release in `language`.
pub(super) fn cues_for<'h>(
    rules: &[(Rule, Vec<super::lexicon::PatternWord>)],
    hits: &'h [Hit],
    language: &str,
) -> Vec<FoundCue<'h>> {
    hits.iter()
        .filter_map(|h| match &rules[h.rule].0 {
            Rule::Status { cue, language: l, scope } if l.as_deref().is_none_or(|l| l == language) => {
                Some((h, *cue, *scope))
            }
            _ => None,
        })
        .collect()
}

/// What the cues reaching `trigger` say of it, the strongest first: cancelled, then referenced, then
/// planned; `None` when none reaches it (it happened). A negation before a planned cue ("не планирует",
/// "does not plan to") makes it cancelled. A `before` or `after` cue reaches only the nearest trigger on its
/// side: in "по итогам встречи стороны подписали план" the cue is about the meeting, not the signing.
pub(super) fn cue_of(
    doc: &Doc,
    trigger: &Hit,
    cues: &[FoundCue<'_>],
    negations: &[&Hit],
    triggers: &[&Hit],
) -> Option<Cue> {
    let mut found = None;
    let reached = cues.iter().filter(|(h, _, scope)| {
        reaches(h, *scope, trigger) && !triggers.iter().any(|t| stands_between(t, h, *scope, trigger))
    });
    for &(cue_hit, cue, _) in reached {
        let cue =
            if cue == Cue::Planned && is_negated(doc, cue_hit, negations) { Cue::Cancelled } else { cue };
        found = Some(match (found, cue) {
            (_, Cue::Cancelled) | (Some(Cue::Cancelled), _) => Cue::Cancelled,
            (_, Cue::Referenced) | (Some(Cue::Referenced), _) => Cue::Referenced,
            _ => Cue::Planned,
        });
    }
    found
}

/// Whether `other`, a trigger, stands wholly between a `before`/`after` cue and `trigger`.
fn stands_between(other: &Hit, cue: &Hit, scope: Scope, trigger: &Hit) -> bool {
    match scope {
        Scope::Before => other.first_word > cue.last_word && other.last_word < trigger.first_word,
        Scope::After => other.first_word > trigger.last_word && other.last_word < cue.first_word,
        Scope::Sentence => false,
    }
}

/// Whether a cue at `cue` with `scope` reaches `trigger`: in its sentence, not overlapping it, and for
/// `before`/`after` at most [`CUE_REACH`] words away on that side.
fn reaches(cue: &Hit, scope: Scope, trigger: &Hit) -> bool {
    if cue.sentence != trigger.sentence || cue.span.overlaps(trigger.span) {
        return false;
    }
    match scope {
        Scope::Before => {
            cue.last_word < trigger.first_word && trigger.first_word - cue.last_word - 1 <= CUE_REACH
        }
        Scope::After => {
            cue.first_word > trigger.last_word && cue.first_word - trigger.last_word - 1 <= CUE_REACH
        }
        Scope::Sentence => true,
    }
}
