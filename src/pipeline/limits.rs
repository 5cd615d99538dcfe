//! Per-release bounds (issue 14): a work budget and caps on what a release can make the pipeline output.
//!
//! Every stage is linear in the size of the text, but a release can still be large and odd enough to take
//! many times the work of ordinary copy, or to name tens of thousands of "entities". The budget is a wall
//! clock deadline checked between stages: a release that has used it up is published with the stages that
//! finished, and a warning names the ones skipped — never a worker stuck on one message. The caps keep the
//! event's size proportional to the release's: the first entities, mentions, quotes and dates in text
//! order are kept, and a warning counts what was dropped.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::dates::DateMention;
use super::entities::Entity;
use super::parse::DATE_YEARS;
use super::quotes::Quote;

/// `[pipeline.limits]`: the budget and the caps. The caps' defaults are ten or more times the largest counts
/// in the repository's 197 fixtures and samples (`cargo run --release --example golden -- rules`: at most
/// 82 entities, 19 mentions of one entity, 103 mentions in all, 9 quotes, 3 dates in one release, and a
/// name of 80 chars).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The budget of a release of no size, in milliseconds.
    pub budget_ms: u64,
    /// The budget added per MiB of body, in milliseconds. The default, 20 s, is 15–20 times what ordinary
    /// copy takes in `model` mode (1.0–1.3 s per MiB, `cargo run --release --example hostile -- 1048576
    /// model`) and over 100 times `rules` mode (0.04–0.17 s).
    pub budget_ms_per_mib: u64,
    /// Entities kept per release.
    pub max_entities: usize,
    /// The longest entity name, in chars: a longer "name" is a run of capitalised words, not a name, and
    /// the entity is dropped (its name and mention would each repeat the run in the event).
    pub max_name_chars: usize,
    /// Mentions kept per entity.
    pub max_mentions_per_entity: usize,
    /// Mentions kept per release, all entities together: the entities after the one that reaches it are
    /// dropped.
    pub max_mentions: usize,
    /// Quotes kept per release.
    pub max_quotes: usize,
    /// Dates kept per release.
    pub max_dates: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            budget_ms: 2_000,
            budget_ms_per_mib: 20_000,
            max_entities: 1_000,
            max_name_chars: 400,
            max_mentions_per_entity: 200,
            max_mentions: 5_000,
            max_quotes: 200,
            max_dates: 500,
        }
    }
}

/// The work budget of one release: a deadline, and the stages that found it passed.
#[derive(Debug, Clone)]
pub struct Budget {
    started: Instant,
    allowed: Duration,
    skipped: Vec<&'static str>,
}

impl Budget {
    /// The budget of a body of `bytes` bytes, starting now.
    pub fn start(limits: &Limits, bytes: usize) -> Budget {
        let per_mib = limits.budget_ms_per_mib as f64 * bytes as f64 / (1024.0 * 1024.0);
        let allowed = Duration::from_millis(limits.budget_ms.saturating_add(per_mib as u64));
        Budget { started: Instant::now(), allowed, skipped: Vec::new() }
    }

    /// Whether `stage` may still run. Once the budget is spent, every stage asked about is recorded as
    /// skipped (and the ones after it are too, as they ask).
    pub fn allows(&mut self, stage: &'static str) -> bool {
        if self.skipped.is_empty() && self.started.elapsed() <= self.allowed {
            return true;
        }
        self.skipped.push(stage);
        false
    }

    /// The warning for the envelope when stages were skipped.
    pub fn warning(&self) -> Option<String> {
        (!self.skipped.is_empty()).then(|| {
            format!(
                "the release used up its work budget of {} ms (pipeline.limits) after {} ms: skipped {}; the \
                 event holds what the stages before found",
                self.allowed.as_millis(),
                self.started.elapsed().as_millis(),
                self.skipped.join(", ")
            )
        })
    }
}

/// Drops the dates outside the years of [`DATE_YEARS`] (`1 января 0001 года`, a relative date from a bad
/// anchor); a warning counts them.
pub fn drop_dates_out_of_range(dates: &mut Vec<DateMention>) -> Option<String> {
    use chrono::Datelike as _;
    let found = dates.len();
    dates.retain(|d| DATE_YEARS.contains(&d.date.year()));
    let dropped = found - dates.len();
    (dropped > 0).then(|| {
        format!("{dropped} dates outside the years {}–{} were dropped", DATE_YEARS.start(), DATE_YEARS.end())
    })
}

/// Keeps the first [`Limits::max_dates`] dates; a warning counts the rest.
pub fn cap_dates(dates: &mut Vec<DateMention>, limits: &Limits) -> Option<String> {
    cap("dates", dates, limits.max_dates, "max_dates")
}

/// Keeps the first [`Limits::max_quotes`] quotes; a warning counts the rest.
pub fn cap_quotes(quotes: &mut Vec<Quote>, limits: &Limits) -> Option<String> {
    cap("quotes", quotes, limits.max_quotes, "max_quotes")
}

/// The bound on the entity stage's work, in mentions proposed plus words looked up in the dictionary: four
/// times [`Limits::max_mentions`], the most mentions an event keeps, so finding past it is wasted work on
/// entities the caps drop anyway. Ordinary copy needs about
/// 1.5 look-ups per mention and stays under it even at 1 MiB (`cargo run --release --example hostile --
/// 1048576 rules`, shape `ordinary`: 7,207 mentions and 11,020 look-ups, 18,227 in all).
pub fn entity_work(limits: &Limits) -> usize {
    limits.max_mentions.saturating_mul(4)
}

/// The warning for a release whose entity stage reached [`entity_work`] and stopped proposing names.
pub fn entities_cut(limits: &Limits) -> String {
    format!(
        "the entities stage stopped after {} mentions and dictionary look-ups (four times \
         pipeline.limits.max_mentions): names after that were not looked for",
        entity_work(limits)
    )
}

/// Drops the entities named over [`Limits::max_name_chars`], keeps the first [`Limits::max_entities`]
/// entities and the first [`Limits::max_mentions_per_entity`] mentions of each, then the entities up to
/// [`Limits::max_mentions`] mentions in all; a warning counts what was dropped.
pub fn cap_entities(entities: &mut Vec<Entity>, limits: &Limits) -> Vec<String> {
    let mut warnings = Vec::new();
    let found = entities.len();
    entities.retain(|e| e.name.chars().nth(limits.max_name_chars).is_none());
    if entities.len() < found {
        warnings.push(format!(
            "{} entities with names over {} chars were dropped: runs of capitalised words, not names \
             (pipeline.limits.max_name_chars)",
            found - entities.len(),
            limits.max_name_chars
        ));
    }
    warnings.extend(cap("entities", entities, limits.max_entities, "max_entities"));
    warnings.extend(cap_mentions(entities, limits));
    let mut total = 0;
    let within = entities
        .iter()
        .take_while(|e| {
            total += e.mentions.len();
            total <= limits.max_mentions
        })
        .count();
    if within < entities.len() {
        warnings.push(format!(
            "{} entities after the first {within} were dropped: together they pass {} mentions \
             (pipeline.limits.max_mentions)",
            entities.len() - within,
            limits.max_mentions
        ));
        entities.truncate(within);
    }
    warnings
}

/// Keeps the first [`Limits::max_mentions_per_entity`] mentions of each entity; a warning counts the rest.
/// Run again after speakers are resolved (each adds at most one mention per quote, so the mentions in all
/// stay within [`Limits::max_mentions`] plus [`Limits::max_quotes`]); it drops no entity, as quotes now
/// refer to them.
pub fn cap_mentions(entities: &mut [Entity], limits: &Limits) -> Option<String> {
    let dropped: usize = entities
        .iter_mut()
        .map(|e| {
            let over = e.mentions.len().saturating_sub(limits.max_mentions_per_entity);
            e.mentions.truncate(limits.max_mentions_per_entity);
            over
        })
        .sum();
    (dropped > 0).then(|| {
        format!(
            "{dropped} mentions over {} per entity were dropped (pipeline.limits.max_mentions_per_entity)",
            limits.max_mentions_per_entity
        )
    })
}

fn cap<T>(what: &str, items: &mut Vec<T>, max: usize, key: &str) -> Option<String> {
    let found = items.len();
    if found <= max {
        return None;
    }
    items.truncate(max);
    Some(format!("{found} {what} found, the first {max} kept (pipeline.limits.{key})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_skips_every_stage_asked_about_and_says_so() {
        let limits = Limits { budget_ms: 0, budget_ms_per_mib: 0, ..Limits::default() };
        let mut budget = Budget::start(&limits, 1000);
        std::thread::sleep(Duration::from_millis(2));
        assert!(!budget.allows("entities"));
        assert!(!budget.allows("quotes"));
        let warning = budget.warning().expect("a warning");
        assert!(warning.contains("skipped entities, quotes"), "{warning}");
    }

    #[test]
    fn the_default_budget_grows_with_the_body() {
        let limits = Limits::default();
        assert_eq!(Budget::start(&limits, 0).allowed, Duration::from_millis(2_000));
        assert_eq!(Budget::start(&limits, 1024 * 1024).allowed, Duration::from_millis(22_000));
        let mut budget = Budget::start(&limits, 0);
        assert!(budget.allows("dates"));
        assert!(budget.warning().is_none());
    }

    #[test]
    fn caps_keep_the_first_items_and_count_the_rest() {
        let limits = Limits { max_dates: 2, ..Limits::default() };
        let date = DateMention {
            span: super::super::Span::new(0, 1),
            date: chrono::NaiveDate::from_ymd_opt(2025, 8, 22).unwrap(),
        };
        let mut dates = vec![date.clone(); 5];
        let warning = cap_dates(&mut dates, &limits).expect("a warning");
        assert_eq!(dates.len(), 2);
        assert!(warning.starts_with("5 dates found, the first 2 kept"), "{warning}");
        assert!(cap_dates(&mut dates, &limits).is_none());
        dates[0].date = chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        let warning = drop_dates_out_of_range(&mut dates).expect("a warning");
        assert_eq!((dates.len(), warning.as_str()), (1, "1 dates outside the years 1900–2100 were dropped"));
    }
}
