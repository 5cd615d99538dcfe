//! Stage 5: dates named in the text, absolute ("22 августа", "June 23", "2025-08-22") and relative
//! ("сегодня", "вчера", "в понедельник"), resolved against the release date.
//!
//! The words ([`DateWords`], shared with the dateline) come from data files a user can extend:
//! `lexicons/months.tsv`, `lexicons/relative_days.tsv` and `lexicons/weekdays.tsv`. The matchers are
//! compiled once, when the [`DateLexicon`] is loaded.
//!
//! Resolution rules (documented here because they are choices):
//! - a day and month without a year take the year of the anchor (the release date), moved by one year
//!   when that puts the date more than half a year from the anchor ("28 декабря" in a release of
//!   10 January is the December before);
//! - a weekday is the nearest such day on or before the anchor (wire copy mostly reports the past);
//! - a relative word directly followed by an absolute date ("сегодня, 22 августа") is one mention, and the
//!   absolute date wins;
//! - without an anchor, only dates that carry their year are reported;
//! - impossible dates ("31 февраля") are skipped.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, TimeDelta};
use regex::{Captures, Regex};

use super::calendar::{nearest_year, DateWords};
use super::data::DataFiles;
use super::parse::Release;
use super::text::chars::is_regex_word;
use super::text::utf8::any_byte;
use super::types::{LoadError, Span};

mod starts;

use starts::StartFilter;

/// A date named in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateMention {
    /// Where it is written.
    pub span: Span,
    /// The day it names.
    pub date: NaiveDate,
}

/// Month names and relative-day words from `data/lexicons/`, with the matchers built from them.
#[derive(Debug)]
pub struct DateLexicon {
    /// The words the matchers are built from (the vocabulary the dateline shares).
    calendar: DateWords,
    /// Day-month(-year), month-day(-year) and ISO dates, relative-day words and weekday phrases.
    mentions: Regex,
    /// Whether matches can be read without the regex's captures ([`read_by_hand`]): true when no lexicon
    /// key holds a digit and no month form holds a comma, a dot or whitespace (the built-in lexicons; a
    /// user's odd forms fall back to the captures).
    by_hand: bool,
    /// The relative-day and weekday alternatives alone, in the same order: on a text without digits they
    /// are all the mentions regex can match, and their automaton is a fraction of its size.
    words: Regex,
    /// The relative-day alternative alone, anchored: whether a letter match is a relative word (which the
    /// mentions regex prefers) or a weekday phrase.
    relative_at_start: Regex,
    /// Where in a paragraph a mention can be, so that the regexes search only there; `None` (search
    /// everything) unless the matches are read by hand, whose lexicons it relies on.
    starts: Option<StartFilter>,
}

impl DateLexicon {
    /// Loads the three lexicon files and compiles the matchers.
    pub fn load(files: &DataFiles) -> Result<Self, LoadError> {
        let calendar = DateWords::load(files)?;
        let DateWords { months, relative, weekdays } = &calendar;
        let mentions = compile_mentions(months, relative, weekdays);
        let by_hand = can_read_by_hand(months, relative, weekdays);
        let relative_at_start = Regex::new(&format!(r"(?i)^{}", alternation(relative)))
            .expect("the date lexicons build a valid regex");
        let words = Regex::new(&format!(r"(?i){}|{}", alternation(relative), alternation(weekdays)))
            .expect("the date lexicons build a valid regex");
        let starts = by_hand.then(|| start_filter(relative, weekdays)).flatten();
        Ok(DateLexicon { calendar, mentions, by_hand, words, relative_at_start, starts })
    }

    /// The month, relative-day and weekday words the matchers were built from.
    pub fn words(&self) -> &DateWords {
        &self.calendar
    }
}

/// A date lexicon reads as its words ([`DateWords::month`], the maps): the matchers are built from them and
/// the benches and callers that hand a lexicon to the dateline pass it as the words it holds.
impl std::ops::Deref for DateLexicon {
    type Target = DateWords;

    fn deref(&self) -> &DateWords {
        &self.calendar
    }
}

/// Whether the lexicons let [`read_by_hand`] tell the alternatives apart and find the groups: no key holds
/// an ASCII digit, no month form a comma, a dot or whitespace.
fn can_read_by_hand(
    months: &HashMap<String, u32>,
    relative: &HashMap<String, i64>,
    weekdays: &HashMap<String, u32>,
) -> bool {
    let digit_free = |k: &String| !k.bytes().any(|b| b.is_ascii_digit());
    let one_word = |k: &String| !k.chars().any(|c| c == ',' || c == '.' || c.is_whitespace());
    months.keys().all(|k| digit_free(k) && one_word(k))
        && relative.keys().all(digit_free)
        && weekdays.keys().all(digit_free)
}

/// The filter of where mentions can start, from the relative and weekday keys (a mention with a month
/// holds a digit, which the filter takes as a start anyway).
fn start_filter(relative: &HashMap<String, i64>, weekdays: &HashMap<String, u32>) -> Option<StartFilter> {
    StartFilter::new(relative.keys().chain(weekdays.keys()).map(String::as_str))
}

/// A regex alternation of the keys, longest first so that "сент" wins over "сен" and "on monday" over
/// "monday". Whitespace inside a phrase matches any run of whitespace.
fn alternation<V>(map: &HashMap<String, V>) -> String {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    let escaped: Vec<String> = keys
        .iter()
        .map(|k| k.split_whitespace().map(regex::escape).collect::<Vec<_>>().join(r"\s+"))
        .collect();
    format!("(?:{})", escaped.join("|"))
}

/// One regex for every kind of mention, so that each paragraph is scanned once.
fn compile_mentions(
    months: &HashMap<String, u32>,
    relative: &HashMap<String, i64>,
    weekdays: &HashMap<String, u32>,
) -> Regex {
    let m = alternation(months);
    // A year suffix is part of the mention ("2025 года", "2025 г."), a dot after the month is not (it may
    // end the sentence), except between an abbreviated month and its day ("Aug. 22"). Word boundaries are
    // checked by hand ([`at_word_bounds`]): a Unicode `\b` would keep the regex off its fast DFA engines on
    // Cyrillic text. Digits are ASCII `[0-9]`: a Unicode `\d` multiplies the automaton's states for
    // digits no wire copy uses.
    let pattern = format!(
        r"(?i)(?P<d1>[0-9]{{1,2}})\s+(?P<m1>{m})(?:,?\s+(?P<y1>[0-9]{{4}})(?:\s+(?:года|году|год|г\.))?)?|(?P<m2>{m})\.?\s+(?P<d2>[0-9]{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>[0-9]{{4}}))?|(?P<iy>[0-9]{{4}})-(?P<im>[0-9]{{2}})-(?P<id>[0-9]{{2}})|(?P<rel>{})|(?P<wd>{})",
        alternation(relative),
        alternation(weekdays)
    );
    Regex::new(&pattern).expect("the date lexicons build a valid regex")
}

/// Whether `segment[start..end]` is neither preceded nor followed by a letter or digit: "мая" in "5 мая"
/// but not in "5 маяков", "сегодня" but not "сегодняшний".
fn at_word_bounds(segment: &str, start: usize, end: usize) -> bool {
    let before = segment[..start].chars().next_back();
    let after = segment[end..].chars().next();
    !before.is_some_and(is_regex_word) && !after.is_some_and(is_regex_word)
}

/// What a match says before it is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Absolute,
    Relative,
}

/// Finds the dates in the headline and body, resolving relative ones against `anchor`.
pub fn find(text: &str, release: &Release, anchor: Option<NaiveDate>, lex: &DateLexicon) -> Vec<DateMention> {
    let mut found: Vec<(Kind, DateMention)> = Vec::new();
    for span in std::iter::once(release.headline).chain(release.paragraphs.iter().copied()) {
        if let Some(segment) = text.get(span.start..span.end) {
            mentions_in(segment, span.start, anchor, lex, &mut found);
        }
    }
    found.sort_by_key(|(_, m)| (m.span.start, m.span.end));
    merge_relative_with_absolute(text, found)
}

/// The dates in `segment` (which starts at byte `offset` of the text), pushed onto `out`.
fn mentions_in(
    segment: &str,
    offset: usize,
    anchor: Option<NaiveDate>,
    lex: &DateLexicon,
    out: &mut Vec<(Kind, DateMention)>,
) {
    let Some(starts) = &lex.starts else {
        mentions_in_stretch(segment, 0..segment.len(), offset, anchor, lex, out);
        return;
    };
    // Only the stretches where a mention can start: the same mentions (see the `starts` module).
    starts.stretches(segment, |stretch| mentions_in_stretch(segment, stretch, offset, anchor, lex, out));
}

/// The dates in `segment[stretch]`, searched apart from the rest of the segment (which still decides the
/// word bounds), pushed onto `out`.
fn mentions_in_stretch(
    segment: &str,
    stretch: std::ops::Range<usize>,
    offset: usize,
    anchor: Option<NaiveDate>,
    lex: &DateLexicon,
    out: &mut Vec<(Kind, DateMention)>,
) {
    let base = stretch.start;
    let haystack = &segment[stretch];
    // Every absolute date holds an ASCII digit: a stretch without one can only hold relative words and
    // weekday phrases, found by their own smaller regex (the same alternatives in the same order, so the
    // same matches) when the matches are read by hand.
    let has_digit = any_byte(haystack.as_bytes(), |b| b.is_ascii_digit());
    let regex = if lex.by_hand && !has_digit { &lex.words } else { &lex.mentions };
    // Matches first, captures only for the few that need them: the capture search is the costly part, and
    // a match found at its own start is the same match with the same groups.
    for whole in regex.find_iter(haystack) {
        let (start, end) = (base + whole.start(), base + whole.end());
        if !at_word_bounds(segment, start, end) {
            continue;
        }
        let resolved = if lex.by_hand {
            read_by_hand(whole.as_str(), &segment[start..], anchor, lex)
        } else {
            let Some(caps) = lex.mentions.captures_at(segment, start) else { continue };
            if caps.name("rel").is_some() || caps.name("wd").is_some() {
                anchor.and_then(|anchor| resolve_relative(&caps, anchor, lex)).map(|d| (Kind::Relative, d))
            } else {
                resolve_absolute(&caps, anchor, lex).map(|d| (Kind::Absolute, d))
            }
        };
        if let Some((kind, date)) = resolved {
            let span = Span::new(offset + start, offset + end);
            out.push((kind, DateMention { span, date }));
        }
    }
}

/// The day an absolute mention names: day-month(-year), month-day(-year) or ISO.
fn resolve_absolute(caps: &Captures<'_>, anchor: Option<NaiveDate>, lex: &DateLexicon) -> Option<NaiveDate> {
    if let Some(day) = caps.name("d1") {
        let month = caps.name("m1").and_then(|m| lex.month(m.as_str()));
        day_month_year(day.as_str(), month, caps.name("y1").map(|y| y.as_str()), anchor)
    } else if let Some(month_word) = caps.name("m2") {
        // English puts a capitalised month first; a lower-case "may 5" is a verb and a number.
        if !month_word.as_str().starts_with(char::is_uppercase) {
            return None;
        }
        let day = caps.name("d2").map_or("", |d| d.as_str());
        day_month_year(day, lex.month(month_word.as_str()), caps.name("y2").map(|y| y.as_str()), anchor)
    } else {
        iso_date(caps.name("iy")?.as_str(), caps.name("im")?.as_str(), caps.name("id")?.as_str())
    }
}

/// What a match of the mentions regex names, read without its captures (which cost a second, backtracking
/// search). With the lexicons [`can_read_by_hand`] accepts, the alternative that matched shows in the
/// match: one starting with a digit is numeric ([`read_numeric`]); one holding a digit is month-first
/// ([`read_month_first`]); one without digits is a relative word when the relative alternative matches
/// where it starts (`from`, the segment from the match on; the regex tries that alternative first), else a
/// weekday phrase.
fn read_by_hand(
    mention: &str,
    from: &str,
    anchor: Option<NaiveDate>,
    lex: &DateLexicon,
) -> Option<(Kind, NaiveDate)> {
    if mention.starts_with(|c: char| c.is_ascii_digit()) {
        return read_numeric(mention, anchor, lex).map(|d| (Kind::Absolute, d));
    }
    if mention.bytes().any(|b| b.is_ascii_digit()) {
        return read_month_first(mention, anchor, lex).map(|d| (Kind::Absolute, d));
    }
    let is_relative = lex.relative_at_start.is_match(from);
    resolve_relative_phrase(mention, is_relative, anchor?, lex).map(|d| (Kind::Relative, d))
}

/// `<Month>\.?\s+D[D](st|nd|rd|th)?(,?\s+YYYY)?`: the month form runs to the first dot or whitespace (the
/// forms hold neither); the year, when present, is the four digits that end the match (nothing else can).
fn read_month_first(mention: &str, anchor: Option<NaiveDate>, lex: &DateLexicon) -> Option<NaiveDate> {
    let month_end = mention.find(|c: char| c == '.' || c.is_whitespace())?;
    let (month, rest) = mention.split_at(month_end);
    // English puts a capitalised month first; a lower-case "may 5" is a verb and a number.
    if !month.starts_with(char::is_uppercase) {
        return None;
    }
    let rest = rest.strip_prefix('.').unwrap_or(rest).trim_start();
    let day = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count().min(2)];
    let year = mention
        .len()
        .checked_sub(4)
        .filter(|&at| at > month_end + day.len())
        .and_then(|at| Some((mention.get(at..)?, mention[..at].chars().next_back()?)))
        .filter(|(y, before)| y.bytes().all(|b| b.is_ascii_digit()) && before.is_whitespace())
        .map(|(y, _)| y);
    day_month_year(day, lex.month(month), year, anchor)
}

/// The day a match that starts with a digit names. Only two alternatives of the mentions regex start with
/// a digit (no lexicon key holds one, see [`can_read_by_hand`]):
/// ISO `YYYY-MM-DD` (four digits: the day-month alternative allows two) and day-month(-year)
/// `D[D]\s+<month>(,?\s+YYYY(\s+года…)?)?`, where the month form runs to the first comma or whitespace
/// (the forms hold neither) and the year is the four digits after it.
fn read_numeric(mention: &str, anchor: Option<NaiveDate>, lex: &DateLexicon) -> Option<NaiveDate> {
    let digits = mention.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 4 {
        return iso_date(mention.get(..4)?, mention.get(5..7)?, mention.get(8..10)?);
    }
    let (day, rest) = mention.split_at(digits);
    let month_and_rest = rest.trim_start();
    let month_end =
        month_and_rest.find(|c: char| c == ',' || c.is_whitespace()).unwrap_or(month_and_rest.len());
    let (month, rest) = month_and_rest.split_at(month_end);
    let year_and_rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    let year = year_and_rest.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit()));
    day_month_year(day, lex.month(month), year, anchor)
}

/// The day a relative word or a weekday phrase names, counted from `anchor`.
fn resolve_relative(caps: &Captures<'_>, anchor: NaiveDate, lex: &DateLexicon) -> Option<NaiveDate> {
    resolve_relative_phrase(caps.get(0)?.as_str(), caps.name("rel").is_some(), anchor, lex)
}

/// The day a relative word (`is_relative`) or a weekday phrase names, counted from `anchor`.
fn resolve_relative_phrase(
    phrase: &str,
    is_relative: bool,
    anchor: NaiveDate,
    lex: &DateLexicon,
) -> Option<NaiveDate> {
    let key = normalise_phrase(phrase);
    if is_relative {
        anchor.checked_add_signed(TimeDelta::try_days(*lex.relative.get(&key)?)?)
    } else {
        weekday_on_or_before(anchor, *lex.weekdays.get(&key)?)
    }
}

/// Lower case, single spaces: the form the lexicon keys are stored in.
fn normalise_phrase(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The nearest day with ISO weekday `weekday` (1 = Monday) on or before `anchor`.
fn weekday_on_or_before(anchor: NaiveDate, weekday: u32) -> Option<NaiveDate> {
    let today = anchor.weekday().number_from_monday();
    let back = (today + 7 - weekday) % 7;
    anchor.checked_sub_signed(TimeDelta::try_days(i64::from(back))?)
}

/// A date from a day, a month and an optional year; without a year, the one nearest the anchor.
fn day_month_year(
    day: &str,
    month: Option<u32>,
    year: Option<&str>,
    anchor: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let day: u32 = day.parse().ok()?;
    let month = month?;
    match year {
        Some(year) => NaiveDate::from_ymd_opt(year.parse().ok()?, month, day),
        None => nearest_year(day, month, anchor?),
    }
}

fn iso_date(year: &str, month: &str, day: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// Joins "сегодня" + ", " + "22 августа" into one mention with the absolute date; drops overlaps.
fn merge_relative_with_absolute(text: &str, found: Vec<(Kind, DateMention)>) -> Vec<DateMention> {
    let mut out: Vec<(Kind, DateMention)> = Vec::with_capacity(found.len());
    for (kind, mention) in found {
        if let Some((last_kind, last)) = out.last_mut() {
            if last.span.end > mention.span.start {
                continue;
            }
            let gap = text.get(last.span.end..mention.span.start).unwrap_or("x");
            let joined = gap.chars().all(|c| c == ',' || c.is_whitespace()) && gap.matches(',').count() <= 1;
            if *last_kind == Kind::Relative && kind == Kind::Absolute && joined {
                last.span.end = mention.span.end;
                last.date = mention.date;
                *last_kind = Kind::Absolute;
                continue;
            }
        }
        out.push((kind, mention));
    }
    out.into_iter().map(|(_, m)| m).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{parse, types::Format};

    /// The built-in lexicon, loaded once for all tests (compiling it is slow in debug builds).
    fn lex() -> &'static DateLexicon {
        static LEX: std::sync::OnceLock<DateLexicon> = std::sync::OnceLock::new();
        LEX.get_or_init(|| DateLexicon::load(&DataFiles::new(None)).unwrap())
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// (text as written, ISO date) of every mention in a wire release with `body`, dated `anchor`.
    fn mentions(body: &str, anchor: Option<NaiveDate>) -> Vec<(String, String)> {
        let text = format!("date 2025-08-22 Заголовок\n\n{body}");
        let release = parse::parse(&text, Format::Wire).unwrap();
        find(&release.text, &release, anchor, lex())
            .into_iter()
            .map(|m| (m.span.of(&release.text).to_string(), m.date.to_string()))
            .collect()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    /// A resolved mention, as [`mentions_in`] sees it.
    type Reading = Option<(Kind, NaiveDate)>;

    /// Every mention in `text` read through the captures (the way all were read before [`read_by_hand`])
    /// and by hand.
    fn both_ways(text: &str, anchor: Option<NaiveDate>) -> Vec<(&str, Reading, Reading)> {
        let lex = lex();
        lex.mentions
            .captures_iter(text)
            .map(|caps| {
                let whole = caps.get(0).unwrap();
                let by_captures = if caps.name("rel").is_some() || caps.name("wd").is_some() {
                    anchor.and_then(|a| resolve_relative(&caps, a, lex)).map(|d| (Kind::Relative, d))
                } else {
                    resolve_absolute(&caps, anchor, lex).map(|d| (Kind::Absolute, d))
                };
                (
                    whole.as_str(),
                    by_captures,
                    read_by_hand(whole.as_str(), &text[whole.start()..], anchor, lex),
                )
            })
            .collect()
    }

    #[test]
    fn mentions_read_by_hand_agree_with_the_captures() {
        assert!(lex().by_hand);
        let text =
            "22 августа, 5 мая 2025 года, 1 Jan, 2024, 31\tфевраля, 7 сент.\u{a0}2023 г., 2025-08-30, \
            2025-13-01, 3 March 2020, 12 ДЕКАБРЯ  1999, 9 маяков, 0 мая, 99 мая, 4 мар 20256, 10 окт,\n2021, \
            Aug. 22, 2025, June 23rd, SEPT 1ST 2020, may 5, May 5, Aug 2025, Dec.\t31,\t1999, Jan 123, \
            сегодня, Вчера, ПОСЛЕЗАВТРА, позавчера, в  понедельник, Во вторник, on Monday, monday, today, \
            Yesterday, tomorrowland, в субботу, On  Sunday";
        for anchor in [Some(date(2025, 8, 22)), None] {
            let found = both_ways(text, anchor);
            assert!(found.len() > 30, "{found:?}");
            for (mention, by_captures, by_hand) in found {
                assert_eq!(by_hand, by_captures, "{mention:?}");
            }
        }
    }

    #[test]
    fn without_digits_the_words_regex_finds_what_the_mentions_regex_finds() {
        let lex = lex();
        let text = "Сегодня и вчера, а ПОЗАВЧЕРА — в  понедельник и во вторник; on Monday, monday, today, \
            сегодняшний, завтрашний, Tomorrow, в субботу, В ВОСКРЕСЕНЬЕ, авгУСТА, мая, Aug.";
        let spans = |re: &Regex| re.find_iter(text).map(|m| m.range()).collect::<Vec<_>>();
        assert!(spans(&lex.words).len() > 10);
        assert_eq!(spans(&lex.words), spans(&lex.mentions));
    }

    /// The mentions [`mentions_in`] pushes, with their kinds.
    type Kept = Vec<(Kind, DateMention)>;

    /// What [`mentions_in`] keeps from `segment`, and what the search of the whole segment (without the
    /// start filter) keeps.
    fn filtered_and_whole(segment: &str, anchor: Option<NaiveDate>) -> (Kept, Kept) {
        let lex = lex();
        let (mut filtered, mut whole) = (Vec::new(), Vec::new());
        mentions_in(segment, 0, anchor, lex, &mut filtered);
        mentions_in_stretch(segment, 0..segment.len(), 0, anchor, lex, &mut whole);
        (filtered, whole)
    }

    #[test]
    fn the_start_filter_keeps_what_the_whole_search_keeps_in_the_samples() {
        assert!(lex().starts.is_some());
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut kept = 0;
        for dir in
            ["samples", "samples/bad", "tests/fixtures/factrueval-dev-txt", "tests/fixtures/ner-edge-cases"]
        {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let Ok(text) = std::fs::read_to_string(entry.unwrap().path()) else { continue };
                for paragraph in text.split("\n\n").chain(std::iter::once(text.as_str())) {
                    let (filtered, whole) = filtered_and_whole(paragraph, Some(date(2025, 8, 22)));
                    assert_eq!(filtered, whole, "{paragraph:?}");
                    kept += whole.len();
                }
            }
        }
        assert!(kept > 20, "{kept}");
    }

    #[test]
    fn the_start_filter_keeps_what_the_whole_search_keeps_in_odd_places() {
        // Mid-word matches that hide a mention from the whole search ("on Monday" in "Washington Monday",
        // "мар 5" in "Омар 5 мая"), whitespace of every kind between key words and around digits,
        // punctuation before a word, letters that `(?i)` folds (ᲀ is в, ſ is s).
        for text in [
            "in Washington Monday, said on  Monday and\tmonday.",
            "Омар 5 мая прибыл, x5 Мая 20, 115 мая, 12025-08-22, «Сегодня» и (вчера), слово,завтра",
            "в\u{a0}понедельник, в \u{a0} среду, во\u{2003}вторник, В  ЧЕТВЕРГ, ᲀчера, ᲀ пятницу, ſunday, SATURDAY",
            "Aug.\u{a0}22, Dec. 31,\u{a0}1999, 22\u{a0}августа 2025\u{a0}года, 7 сент.\u{a0}2023 г., 2025-08-30",
            "сегодняшний день, позавчерашний, Петров понедельник, Иванов во вторник, Петров в среду",
            "вчера22 августа, сегодня-завтра, 22-23 августа, tomorrowland, today's, 1st May, May 1st, 2020",
            "ON MONDAY, On\r\nSunday, в\nпятницу,в субботу — в воскресенье; yesterday/today",
        ] {
            for anchor in [Some(date(2025, 8, 22)), None] {
                let (filtered, whole) = filtered_and_whole(text, anchor);
                assert_eq!(filtered, whole, "{text:?}");
            }
        }
        let (kept, _) = filtered_and_whole("in Washington Monday, said on Monday", Some(date(2025, 8, 22)));
        assert_eq!(kept.len(), 1, "the whole search misses the first Monday, and so must the filter");
    }

    proptest::proptest! {
        #[test]
        fn the_start_filter_keeps_what_the_whole_search_keeps(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "сегодня", "Вчера", "ЗАВТРА", "позавчера", "в", "во", "понедельник", "вторник", "среду", "on",
                "Monday", "today", "мая", "Мая", "августа", "Aug", "Aug.", "сент", "г.", "года", "2025", "22",
                "5", "1", "-", ",", ".", "«", "»", "(", "x", "Омар", "Washington", "ᲀ", "ſ", "st", " ", "  ",
                "\u{a0}", "\t", "\n", "—", "ң", "слово",
            ]), 0..40)
        ) {
            let text: String = pieces.concat();
            let (filtered, whole) = filtered_and_whole(&text, Some(date(2025, 8, 22)));
            proptest::prop_assert_eq!(filtered, whole, "{:?}", text);
        }
    }

    #[test]
    fn month_reads_every_form_case_and_dot() {
        let lex = lex();
        assert_eq!(lex.month("августа"), Some(8));
        assert_eq!(lex.month("АВГ"), Some(8));
        assert_eq!(lex.month("Aug."), Some(8));
        assert_eq!(lex.month("мар"), Some(3));
        assert_eq!(lex.month("June"), Some(6));
        assert_eq!(lex.month("мая"), Some(5));
        assert_eq!(lex.month("Sputnik"), None);
        assert_eq!(lex.month(""), None);
    }

    #[test]
    fn russian_absolute_dates_with_and_without_year() {
        let anchor = Some(date(2025, 8, 22));
        assert_eq!(
            mentions(
                "Встреча 22 августа. Договор от 22 августа 2025 года и от 10 января 2022 вступил.",
                anchor
            ),
            pairs(&[
                ("22 августа", "2025-08-22"),
                ("22 августа 2025 года", "2025-08-22"),
                ("10 января 2022", "2022-01-10")
            ])
        );
    }

    #[test]
    fn english_absolute_and_iso_dates() {
        let anchor = Some(date(2025, 6, 23));
        assert_eq!(
            mentions("Signed on June 23, ratified 23 June 2025, due Aug 22 and 2025-09-01.", anchor),
            pairs(&[
                ("June 23", "2025-06-23"),
                ("23 June 2025", "2025-06-23"),
                ("Aug 22", "2025-08-22"),
                ("2025-09-01", "2025-09-01")
            ])
        );
    }

    #[test]
    fn a_lower_case_may_is_not_a_month() {
        assert!(mentions("They may 5 times refuse.", Some(date(2025, 6, 23))).is_empty());
    }

    #[test]
    fn today_followed_by_a_date_is_one_mention() {
        let found = mentions("Президент сегодня, 22 августа, провел переговоры.", Some(date(2025, 8, 22)));
        assert_eq!(found, pairs(&[("сегодня, 22 августа", "2025-08-22")]));
    }

    #[test]
    fn the_absolute_date_wins_over_the_relative_word() {
        let found = mentions("Сегодня, 23 августа, все разъехались.", Some(date(2025, 8, 22)));
        assert_eq!(found, pairs(&[("Сегодня, 23 августа", "2025-08-23")]));
    }

    #[test]
    fn relative_words_resolve_against_the_anchor() {
        let found = mentions(
            "Вчера Президент провел совещание. Завтра он улетит, а позавчера прилетел. Yesterday, today.",
            Some(date(2025, 5, 20)),
        );
        assert_eq!(
            found,
            pairs(&[
                ("Вчера", "2025-05-19"),
                ("Завтра", "2025-05-21"),
                ("позавчера", "2025-05-18"),
                ("Yesterday", "2025-05-19"),
                ("today", "2025-05-20")
            ])
        );
    }

    #[test]
    fn weekdays_are_the_nearest_such_day_not_after_the_anchor() {
        // 2025-08-23 is a Saturday, 2025-06-23 a Monday.
        let sat = mentions("Фестиваль завершился в субботу.", Some(date(2025, 8, 23)));
        assert_eq!(sat, pairs(&[("в субботу", "2025-08-23")]));
        let mon = mentions("Фестиваль завершился в субботу, а во вторник начался.", Some(date(2025, 8, 25)));
        assert_eq!(mon, pairs(&[("в субботу", "2025-08-23"), ("во вторник", "2025-08-19")]));
        let en = mentions("They signed it on Monday.", Some(date(2025, 6, 23)));
        assert_eq!(en, pairs(&[("on Monday", "2025-06-23")]));
    }

    #[test]
    fn relative_words_and_months_need_whole_words() {
        assert!(
            mentions("Сегодняшний и вчерашний дни, Петров понедельник.", Some(date(2025, 8, 22))).is_empty()
        );
        let found = mentions("Построено 5 маяков, 115 мая нет, а 6 мая открыли.", Some(date(2025, 8, 22)));
        assert_eq!(found, pairs(&[("6 мая", "2025-05-06")]));
    }

    #[test]
    fn without_an_anchor_only_dates_with_a_year() {
        let found = mentions("Вчера, 22 августа, и 10 января 2022 года.", None);
        assert_eq!(found, pairs(&[("10 января 2022 года", "2022-01-10")]));
    }

    #[test]
    fn impossible_dates_are_skipped() {
        let found = mentions(
            "31 февраля, 30 февраля 2024 года, 2025-13-45, 29 февраля 2024.",
            Some(date(2025, 1, 1)),
        );
        assert_eq!(found, pairs(&[("29 февраля 2024", "2024-02-29")]));
    }

    #[test]
    fn a_year_is_inferred_across_new_year() {
        let found = mentions("Решение от 28 декабря вступило в силу.", Some(date(2025, 1, 10)));
        assert_eq!(found, pairs(&[("28 декабря", "2024-12-28")]));
        assert_eq!(nearest_year(10, 1, date(2024, 12, 30)), Some(date(2025, 1, 10)));
    }

    #[test]
    fn dates_in_the_headline_are_found() {
        let text = "date 2025-08-22 Саммит 22 августа\n\nТекст.";
        let release = parse::parse(text, Format::Wire).unwrap();
        let found = find(&release.text, &release, Some(date(2025, 8, 22)), lex());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span.of(&release.text), "22 августа");
    }

    #[test]
    fn seed_sample_gives_today_22_august() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sayasat-2025-08-22.txt");
        let text = std::fs::read_to_string(path).unwrap();
        let release = parse::parse(&text, Format::Wire).unwrap();
        let found = find(&release.text, &release, release.declared_date, lex());
        let first = &found[0];
        assert_eq!(first.span.of(&release.text), "сегодня, 22 августа");
        assert_eq!(first.date, date(2025, 8, 22));
    }

    #[test]
    fn kazinform_sample_gives_yesterday() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/kazinform-style-2025-05-20.txt");
        let text = std::fs::read_to_string(path).unwrap();
        let release = parse::parse(&text, Format::Wire).unwrap();
        let found = find(&release.text, &release, release.declared_date, lex());
        assert!(found.iter().any(|m| m.span.of(&release.text) == "Вчера" && m.date == date(2025, 5, 19)));
    }

    #[test]
    fn a_user_file_extends_the_lexicon() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lexicons")).unwrap();
        std::fs::write(dir.path().join("lexicons/relative_days.tsv"), "# mine\nнынче\t0\n").unwrap();
        let lex = DateLexicon::load(&DataFiles::new(Some(dir.path()))).unwrap();
        let text = "date 2025-08-22 Х\n\nНынче тепло.";
        let release = parse::parse(text, Format::Wire).unwrap();
        let found = find(&release.text, &release, release.declared_date, &lex);
        assert_eq!(found, vec![DateMention { span: Span::new(20, 30), date: date(2025, 8, 22) }]);
    }

    #[test]
    fn a_huge_offset_in_a_user_file_does_not_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lexicons")).unwrap();
        let huge = format!("# mine\nнынче\t{}\nприсно\t-900000000\n", i64::MAX);
        std::fs::write(dir.path().join("lexicons/relative_days.tsv"), huge).unwrap();
        let lex = DateLexicon::load(&DataFiles::new(Some(dir.path()))).unwrap();
        let release = parse::parse("date 2025-08-22 Х\n\nНынче и присно.", Format::Wire).unwrap();
        assert!(find(&release.text, &release, release.declared_date, &lex).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_text_gives_mentions_inside_the_text(body in "\\PC{0,300}", day in 0u32..40, y in 0i32..10000) {
            let lex = lex();
            let text = format!("date 2025-08-22 Заголовок\n\n{body} {day} августа {y} года, вчера {body}");
            let Ok(release) = parse::parse(&text, Format::Wire) else { return Ok(()) };
            for anchor in [release.declared_date, None, NaiveDate::from_ymd_opt(-262_000, 1, 1), Some(NaiveDate::MAX)] {
                for m in find(&release.text, &release, anchor, lex) {
                    proptest::prop_assert!(release.text.get(m.span.start..m.span.end).is_some());
                    proptest::prop_assert!(!m.span.is_empty());
                }
            }
        }
    }

    #[test]
    fn a_bad_line_is_a_syntax_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lexicons")).unwrap();
        std::fs::write(dir.path().join("lexicons/months.tsv"), "13\tsmarch\n").unwrap();
        let err = DateLexicon::load(&DataFiles::new(Some(dir.path()))).unwrap_err();
        assert!(matches!(err, LoadError::Syntax { line: 1, .. }), "{err}");
    }
}
