//! Stage 3: the dateline that opens the first paragraph (`Бишкек, "САЯСАТ.KG".`, `МОСКВА, 4 марта. /ТАСС/.`,
//! `MOSCOW, Aug 22 (Reuters) -`, …): city, date, agency and where the lead starts.
//!
//! A dateline is a city (optionally followed by a date) and an agency in one of the shapes agencies use:
//!
//! | shape | example |
//! |---|---|
//! | time first, own paragraph | `11:35, 10 января 2022, Бишкек - 24.kg, Жазгуль МАСАЛИЕВА` |
//! | quoted agency | `Бишкек, "САЯСАТ.KG".` · `ОШ, 3 сентября — «Кабар».` |
//! | agency between slashes | `Bishkek, June 23 / Kabar /.` · `МОСКВА, 4 марта. /ТАСС/.` |
//! | agency in brackets | `MOSCOW, Aug 22 (Reuters) -` |
//! | dash, then agency (and author) | `БИШКЕК, 14 мар — Sputnik.` · `МОСКВА, 27 мая - РИА Новости, Иван Петров.` |
//! | agency, then dash | `АСТАНА. КАЗИНФОРМ –` |
//! | no agency | `МОСКВА —` · `WASHINGTON, Aug 22 -` (a city in capitals with a date, or one the knowledge base calls a city) |
//!
//! Dashes may be `-`, `–` or `—`; months are any form of `lexicons/months.tsv` (read through
//! [`DateWords::month`]). Agency names are not listed anywhere: whatever stands in the agency slot is the
//! agency. To avoid taking an ordinary first sentence for a dateline, a dateline without a date needs a city
//! the knowledge base knows or one written in capitals (the wire convention), and every shape needs its
//! closing punctuation.

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use regex::{Captures, Regex};

use super::calendar::{nearest_year, DateWords};
use super::kb::{KnowledgeBase, PlaceRecord};
use super::parse::Release;
use super::types::Span;

/// A recognised dateline.
#[derive(Debug, Clone, PartialEq)]
pub struct Dateline {
    /// The dateline as written, separators included.
    pub span: Span,
    /// City, nominative, canonical spelling.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 of the city.
    pub country: Option<String>,
    /// The date it gives, with the year taken from the release date.
    pub date: Option<NaiveDate>,
    /// The time it gives (`11:35, 10 января 2022, …`).
    pub time: Option<NaiveTime>,
    /// The agency as it signs (`САЯСАТ.KG`, `Sputnik`, `ТАСС`).
    pub agency: Option<String>,
    /// An author named after the agency (`24.kg, Жазгуль МАСАЛИЕВА`).
    pub byline: Option<String>,
    /// The lead: the rest of the dateline's paragraph, or the next paragraph when the dateline stands alone.
    pub lead: Option<Span>,
}

/// A city: up to three capitalised words, hyphenated parts allowed (`Нур-Султан`, `NEW YORK`).
const CITY: &str = r"(?P<city>\p{Lu}[\p{L}'’\-]*(?:[ ]\p{Lu}[\p{L}'’\-]*){0,2})";
/// A date: `14 мар`, `4 марта.`, `June 23`, `Aug. 22`, with an optional year. The month is a word of
/// [`MONTH_LETTERS`] letters.
const DATE: &str = r"(?:(?P<day>\d{1,2})\s+(?P<month>\p{L}{3,10})\.?|(?P<month2>\p{L}{3,10})\.?\s+(?P<day2>\d{1,2}))(?:,?\s+(?P<year>\d{4}))?";
/// [`DATE`] with a month of any length. Each `\p{L}` compiles to hundreds of NFA states (forward and
/// reverse); `\p{L}{3,10}` twice per shape held most of the shapes' ~6 MB. The shapes are compiled with
/// this one and a match whose month is out of [`MONTH_LETTERS`] is searched again with [`DATE`], see
/// [`find`].
const DATE_ANY_MONTH: &str = r"(?:(?P<day>\d{1,2})\s+(?P<month>\p{L}+)\.?|(?P<month2>\p{L}+)\.?\s+(?P<day2>\d{1,2}))(?:,?\s+(?P<year>\d{4}))?";
/// How many letters the month of [`DATE`] has.
const MONTH_LETTERS: std::ops::RangeInclusive<usize> = 3..=10;
/// Any of the dashes agencies use.
const DASH: &str = r"[-–—]";
/// An unquoted agency name: up to three words, each starting with a capital or a digit (`Sputnik`,
/// `РИА Новости`, `24.kg`, `КАЗИНФОРМ`).
/// A dot only inside a word (`САЯСАТ.KG`), so that the dot closing the dateline is not taken in.
const AGENCY: &str =
    r"(?P<agency>[\p{Lu}\d](?:[\p{L}\d&\-]|\.[\p{L}\d])*(?:[ ][\p{Lu}\d](?:[\p{L}\d&\-]|\.[\p{L}\d])*){0,2})";

/// A correspondent after the agency: two or three capitalised words (`Жазгуль МАСАЛИЕВА`).
const BYLINE: &str = r"(?P<byline>\p{Lu}[\p{L}\-]*(?:[ ]\p{Lu}[\p{L}\-]*){1,2})";

/// The dateline shapes, most specific first, built with [`DATE_ANY_MONTH`]: what [`find`] searches.
static SHAPES: LazyLock<Vec<Regex>> = LazyLock::new(|| compile(DATE_ANY_MONTH));

/// The dateline shapes with the month of [`DATE`], for the rare match of [`SHAPES`] whose month is too short
/// or too long. Compiled only when such a first paragraph comes.
static EXACT_SHAPES: LazyLock<Vec<Regex>> = LazyLock::new(|| compile(DATE));

/// The dateline shapes, most specific first, with `date` in the date slot. Each captures the dateline
/// itself as `dl`; what follows it must be whitespace or the end of the paragraph.
fn compile(date: &str) -> Vec<Regex> {
    let shapes = [
        // 11:35, 10 января 2022, Бишкек - 24.kg, Жазгуль МАСАЛИЕВА   (a paragraph of its own)
        format!(
            r"^(?P<dl>(?P<time>\d{{1,2}}:\d{{2}})\s*,\s*{date}\s*,\s*{CITY}\s*{DASH}\s*(?P<agency>[^,\n]{{1,40}}?)(?:\s*,\s*(?P<byline>[^\n]{{1,80}}?))?)\s*\.?\s*$"
        ),
        // Бишкек, "САЯСАТ.KG".    ОШ, 3 сентября — «Кабар».
        format!(
            r#"^(?P<dl>{CITY}(?:\s*,\s*{date})?\s*(?:,|{DASH})\s*["«“„](?P<agency>[^"«»“”„\n]{{1,40}})["»“”]\s*(?:\.(?:\s*{DASH})?|{DASH}))(?:\s+|$)"#
        ),
        // Bishkek, June 23 / Kabar /.    МОСКВА, 4 марта. /ТАСС/.
        format!(
            r"^(?P<dl>{CITY}(?:\s*,\s*{date})?\s*[.,]?\s*/\s*(?P<agency>[^/\n]{{1,40}}?)\s*/(?:\s*\.)?(?:\s*{DASH})?)(?:\s+|$)"
        ),
        // MOSCOW, Aug 22 (Reuters) -
        format!(
            r"^(?P<dl>{CITY}(?:\s*,\s*{date})?\s*\(\s*(?P<agency>[^()\n]{{1,40}}?)\s*\)\s*(?:{DASH}|:))(?:\s+|$)"
        ),
        // БИШКЕК, 14 мар — Sputnik.    МОСКВА, 27 мая - РИА Новости, Иван Петров.
        format!(r"^(?P<dl>{CITY}(?:\s*,\s*{date})?\s*{DASH}\s*{AGENCY}(?:\s*,\s*{BYLINE})?\s*\.)(?:\s+|$)"),
        // АСТАНА. КАЗИНФОРМ –
        format!(r"^(?P<dl>{CITY}(?:\s*,\s*{date})?\s*\.\s*{AGENCY}\s*{DASH})(?:\s+|$)"),
        // WASHINGTON —    МОСКВА, 5 марта —   (no agency: only a city in capitals, see `read_match`)
        format!(r"^(?P<dl>{CITY}(?:\s*,\s*{date})?\s*{DASH})(?:\s+|$)"),
    ];
    shapes.iter().map(|s| Regex::new(s).expect("dateline shapes are valid regexes")).collect()
}

/// Compiles the dateline shapes now rather than on the first release: [`Pipeline::load`](super::Pipeline::load)
/// calls it, so that no release pays for the compile (hundreds of millions of instructions).
pub fn compile_shapes() {
    LazyLock::force(&SHAPES);
}

/// Finds the dateline at the start of the first paragraph, if there is one.
pub fn find(text: &str, release: &Release, kb: &KnowledgeBase, months: &DateWords) -> Option<Dateline> {
    let first = *release.paragraphs.first()?;
    let paragraph = text.get(first.start..first.end)?;
    SHAPES
        .iter()
        .enumerate()
        .filter_map(|(index, shape)| {
            let caps = shape.captures(paragraph)?;
            // The month of any length only adds paths to the regex, ranked as in the exact shape; so when the
            // best path has a month of the exact length, it is the exact shape's match too. Otherwise the
            // exact shape decides.
            if month_has_date_length(&caps) {
                Some(caps)
            } else {
                EXACT_SHAPES[index].captures(paragraph)
            }
        })
        .find_map(|caps| read_match(&caps, first.start, release, kb, months))
}

/// Whether the month a shape captured (if any) has as many letters as [`DATE`] allows.
fn month_has_date_length(caps: &Captures<'_>) -> bool {
    caps.name("month")
        .or_else(|| caps.name("month2"))
        .is_none_or(|m| MONTH_LETTERS.contains(&m.as_str().chars().count()))
}

/// Turns a shape's match into a dateline, or `None` when it does not hold up (a "month" that is no month,
/// an unknown city in lower case without a date, a dash without agency after something that is no city).
fn read_match(
    caps: &Captures<'_>,
    offset: usize,
    release: &Release,
    kb: &KnowledgeBase,
    months: &DateWords,
) -> Option<Dateline> {
    let dl = caps.name("dl")?;
    let city_as_written = caps.name("city")?.as_str();
    let has_date = caps.name("day").is_some() || caps.name("day2").is_some();
    let day_month = day_and_month(caps, months);
    if has_date && day_month.is_none() {
        return None;
    }
    let place = kb.place(city_as_written);
    if !is_plausible(city_as_written, place, has_date, caps.name("agency").is_some()) {
        return None;
    }
    let date = day_month
        .and_then(|(day, month)| resolve_date(day, month, caps.name("year").map(|y| y.as_str()), release));
    let span = Span::new(offset + dl.start(), offset + dl.end());
    Some(Dateline {
        span,
        city: Some(canonical_city(city_as_written, place)),
        country: place.and_then(|p| p.country.clone()),
        date,
        time: caps.name("time").and_then(|t| NaiveTime::parse_from_str(t.as_str(), "%H:%M").ok()),
        agency: caps.name("agency").map(|a| a.as_str().trim().to_string()).filter(|a| !a.is_empty()),
        byline: caps
            .name("byline")
            .map(|b| b.as_str().trim().trim_end_matches('.').trim().to_string())
            .filter(|b| !b.is_empty()),
        lead: lead_after(&release.text, release, span),
    })
}

/// The day and month of the date slot, when it holds a number and a word the month lexicon knows.
fn day_and_month(caps: &Captures<'_>, months: &DateWords) -> Option<(u32, u32)> {
    let (day, month) = match (caps.name("day"), caps.name("month"), caps.name("day2"), caps.name("month2")) {
        (Some(d), Some(m), _, _) | (_, _, Some(d), Some(m)) => (d, m),
        _ => return None,
    };
    Some((day.as_str().parse().ok()?, months.month(month.as_str())?))
}

/// Whether a match is a dateline rather than an ordinary first sentence. Without a date, the city must be
/// known to the knowledge base or written in capitals (the wire convention). Without an agency, only the
/// capitals and a date (or the knowledge base calling it a city) make it one: "США — крупнейший…" and
/// "МИД — …" are sentences.
fn is_plausible(city: &str, place: Option<&PlaceRecord>, has_date: bool, has_agency: bool) -> bool {
    let caps = is_all_caps(city);
    if !has_date && place.is_none() && !caps {
        return false;
    }
    has_agency || (caps && (has_date || place.is_some_and(|p| p.subtype == "city")))
}

/// The date a dateline gives: its own year if written, else the year nearest the release date.
fn resolve_date(day: u32, month: u32, year: Option<&str>, release: &Release) -> Option<NaiveDate> {
    match year.and_then(|y| y.parse::<i32>().ok()) {
        Some(year) => NaiveDate::from_ymd_opt(year, month, day),
        None => {
            let anchor = release.declared_date.or_else(|| release.published.map(|p| p.date_naive()))?;
            nearest_year(day, month, anchor)
        }
    }
}

/// The rest of the dateline's paragraph, trimmed; the next paragraph when the dateline fills its own.
fn lead_after(text: &str, release: &Release, dateline: Span) -> Option<Span> {
    let index = release.paragraphs.iter().position(|p| p.contains(dateline))?;
    let paragraph = release.paragraphs[index];
    let rest = text.get(dateline.end..paragraph.end)?;
    let trimmed = rest.trim_start();
    if trimmed.trim_end().is_empty() {
        return release.paragraphs.get(index + 1).copied();
    }
    let start = dateline.end + (rest.len() - trimmed.len());
    let end = start + trimmed.trim_end().len();
    Some(Span::new(start, end))
}

/// Whether every letter is a capital (and there are at least two): `БИШКЕК`, `NEW YORK`.
fn is_all_caps(s: &str) -> bool {
    // Counted on the fly, not collected into a Vec: this runs for every dateline candidate and word.
    let mut letters = 0usize;
    for c in s.chars().filter(|c| c.is_alphabetic()) {
        if !c.is_uppercase() {
            return false;
        }
        letters += 1;
    }
    letters >= 2
}

/// `БИШКЕК` → `Бишкек`, `НУР-СУЛТАН` → `Нур-Султан`; words already in mixed case stay as written.
/// The city's name in the release's own script: the knowledge base's canonical (Russian) name for a
/// Cyrillic dateline, the written name title-cased for a Latin one ("Bishkek" stays "Bishkek" in an English
/// release), so that `item.located` reads in the language of the item.
fn canonical_city(as_written: &str, place: Option<&PlaceRecord>) -> String {
    let latin = as_written.chars().any(|c| c.is_ascii_alphabetic());
    match place {
        Some(p) if !latin => p.name.clone(),
        _ => title_case(as_written),
    }
}

fn title_case(s: &str) -> String {
    fn flush(word: &mut String, out: &mut String) {
        if is_all_caps(word) {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.push(first);
                out.extend(chars.flat_map(char::to_lowercase));
            }
        } else {
            out.push_str(word);
        }
        word.clear();
    }
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    for c in s.chars() {
        if c == ' ' || c == '-' {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::data::DataFiles;
    use crate::pipeline::{parse, types::Format};

    struct Env {
        kb: KnowledgeBase,
        months: DateWords,
    }

    /// The built-in data, loaded once for all tests.
    fn env() -> &'static Env {
        static ENV: std::sync::OnceLock<Env> = std::sync::OnceLock::new();
        ENV.get_or_init(|| {
            let files = DataFiles::new(None);
            Env { kb: KnowledgeBase::load(&files).unwrap(), months: DateWords::load(&files).unwrap() }
        })
    }

    /// What a test checks of a dateline, as strings.
    #[derive(Debug, PartialEq)]
    struct Seen {
        raw: String,
        city: Option<String>,
        country: Option<String>,
        date: Option<String>,
        agency: Option<String>,
        lead: Option<String>,
    }

    fn seen(release: &Release, d: &Dateline) -> Seen {
        Seen {
            raw: d.span.of(&release.text).to_string(),
            city: d.city.clone(),
            country: d.country.clone(),
            date: d.date.map(|d| d.to_string()),
            agency: d.agency.clone(),
            lead: d.lead.map(|l| l.of(&release.text).to_string()),
        }
    }

    fn expect(
        raw: &str,
        city: &str,
        country: Option<&str>,
        date: Option<&str>,
        agency: &str,
        lead: &str,
    ) -> Seen {
        Seen {
            raw: raw.into(),
            city: Some(city.into()),
            country: country.map(Into::into),
            date: date.map(Into::into),
            agency: Some(agency.into()),
            lead: Some(lead.into()),
        }
    }

    fn release_with(first_paragraph: &str) -> Release {
        parse::parse(&format!("date 2025-08-22 Заголовок\n\n{first_paragraph}\n\nДалее."), Format::Wire)
            .unwrap()
    }

    /// The dateline of a release whose first paragraph is `first_paragraph`; also checks that its span
    /// starts the paragraph exactly and that the lead starts at the first non-blank after it.
    fn dateline_of(first_paragraph: &str) -> Option<Seen> {
        let env = env();
        let release = release_with(first_paragraph);
        let d = find(&release.text, &release, &env.kb, &env.months)?;
        let paragraph = release.paragraphs[0];
        assert_eq!(d.span.start, paragraph.start);
        if let Some(lead) = d.lead.filter(|l| paragraph.contains(*l)) {
            let gap = &release.text[d.span.end..lead.start];
            assert!(!gap.is_empty() && gap.trim().is_empty(), "{gap:?}");
            assert_eq!(lead.end, paragraph.end);
        }
        Some(seen(&release, &d))
    }

    fn sample(name: &str) -> (Release, Option<Dateline>) {
        let env = env();
        let text = std::fs::read_to_string(format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let release = parse::parse(&text, Format::Auto).unwrap();
        let dateline = find(&release.text, &release, &env.kb, &env.months);
        (release, dateline)
    }

    /// The first captures of the shapes as `find` reads them: any-length month, exact shapes when it is out
    /// of range.
    fn shape_spans(paragraph: &str, exact: bool) -> Vec<Option<(usize, usize)>> {
        (0..SHAPES.len())
            .map(|i| {
                let caps = if exact {
                    EXACT_SHAPES[i].captures(paragraph)
                } else {
                    SHAPES[i].captures(paragraph).and_then(|c| {
                        if month_has_date_length(&c) {
                            Some(c)
                        } else {
                            EXACT_SHAPES[i].captures(paragraph)
                        }
                    })
                };
                caps.and_then(|c| c.name("dl")).map(|m| (m.start(), m.end()))
            })
            .collect()
    }

    #[test]
    fn all_caps_needs_two_letters_all_capitals() {
        assert!(is_all_caps("БИШКЕК"));
        assert!(is_all_caps("NEW YORK"));
        assert!(is_all_caps("НУР-СУЛТАН, 22"));
        assert!(!is_all_caps("Бишкек"));
        assert!(!is_all_caps("Б."));
        assert!(!is_all_caps("12"));
        assert!(!is_all_caps("МИд"));
    }

    #[test]
    fn month_length_outside_three_to_ten_letters_falls_back_to_the_exact_shapes() {
        for paragraph in [
            "Бишкек, 3 сентября — «Кабар». Текст.",
            "МОСКВА, 4 ма. /ТАСС/. Текст.",
            "МОСКВА, 4 сентябрьского. /ТАСС/. Текст.",
            "Нур-Султан, Длинноеслововот 5 — Агентство. Текст.",
            "WASHINGTON, Extraordinary 22 - Text.",
            "ОШ, Ма 3 — «Кабар».",
        ] {
            assert_eq!(shape_spans(paragraph, false), shape_spans(paragraph, true), "{paragraph}");
        }
    }

    #[test]
    fn quoted_agency() {
        assert_eq!(
            dateline_of("Бишкек, \"САЯСАТ.KG\". Обсужден широкий спектр вопросов."),
            Some(expect(
                "Бишкек, \"САЯСАТ.KG\".",
                "Бишкек",
                Some("KG"),
                None,
                "САЯСАТ.KG",
                "Обсужден широкий спектр вопросов."
            ))
        );
        assert_eq!(
            dateline_of("Бишкек, «Кабар» — Текст."),
            Some(expect("Бишкек, «Кабар» —", "Бишкек", Some("KG"), None, "Кабар", "Текст."))
        );
    }

    #[test]
    fn dash_then_agency_with_abbreviated_month() {
        assert_eq!(
            dateline_of("БИШКЕК, 14 мар — Sputnik. Президент провел разговор."),
            Some(expect(
                "БИШКЕК, 14 мар — Sputnik.",
                "Бишкек",
                Some("KG"),
                Some("2025-03-14"),
                "Sputnik",
                "Президент провел разговор."
            ))
        );
        assert_eq!(
            dateline_of("МОСКВА, 27 мая - РИА Новости. Текст новости."),
            Some(expect(
                "МОСКВА, 27 мая - РИА Новости.",
                "Москва",
                Some("RU"),
                Some("2025-05-27"),
                "РИА Новости",
                "Текст новости."
            ))
        );
        assert_eq!(
            dateline_of("БИШКЕК, 22 авг — AKIpress. Президенты подписали."),
            Some(expect(
                "БИШКЕК, 22 авг — AKIpress.",
                "Бишкек",
                Some("KG"),
                Some("2025-08-22"),
                "AKIpress",
                "Президенты подписали."
            ))
        );
    }

    #[test]
    fn agency_between_slashes() {
        assert_eq!(
            dateline_of("Bishkek, June 23 / Kabar /. The heads of delegations signed."),
            Some(expect(
                "Bishkek, June 23 / Kabar /.",
                "Bishkek",
                Some("KG"),
                Some("2025-06-23"),
                "Kabar",
                "The heads of delegations signed."
            ))
        );
        assert_eq!(
            dateline_of("МОСКВА, 4 марта. /ТАСС/. Министр провел переговоры."),
            Some(expect(
                "МОСКВА, 4 марта. /ТАСС/.",
                "Москва",
                Some("RU"),
                Some("2025-03-04"),
                "ТАСС",
                "Министр провел переговоры."
            ))
        );
    }

    #[test]
    fn more_variants_agencies_use() {
        assert_eq!(
            dateline_of("ОШ, 3 сентября — «Кабар». Текст."),
            Some(expect(
                "ОШ, 3 сентября — «Кабар».",
                "Ош",
                Some("KG"),
                Some("2025-09-03"),
                "Кабар",
                "Текст."
            ))
        );
        assert_eq!(
            dateline_of("ТАШКЕНТ, 5 сентября. /Корр. ТАСС/. Текст."),
            Some(expect(
                "ТАШКЕНТ, 5 сентября. /Корр. ТАСС/.",
                "Ташкент",
                Some("UZ"),
                Some("2025-09-05"),
                "Корр. ТАСС",
                "Текст."
            ))
        );
        assert_eq!(
            dateline_of("АСТАНА, 20 мая. КАЗИНФОРМ – Текст."),
            Some(expect(
                "АСТАНА, 20 мая. КАЗИНФОРМ –",
                "Астана",
                Some("KZ"),
                Some("2025-05-20"),
                "КАЗИНФОРМ",
                "Текст."
            ))
        );
        assert_eq!(
            dateline_of("Бишкек, 22 августа 2024 — Кабар. Текст."),
            Some(expect(
                "Бишкек, 22 августа 2024 — Кабар.",
                "Бишкек",
                Some("KG"),
                Some("2024-08-22"),
                "Кабар",
                "Текст."
            ))
        );
        let env = env();
        let release = release_with("МОСКВА, 27 мая - РИА Новости, Иван Петров. Текст новости.");
        let d = find(&release.text, &release, &env.kb, &env.months).unwrap();
        assert_eq!(d.agency.as_deref(), Some("РИА Новости"));
        assert_eq!(d.byline.as_deref(), Some("Иван Петров"));
        assert_eq!(d.lead.unwrap().of(&release.text), "Текст новости.");
    }

    #[test]
    fn a_city_in_capitals_and_a_dash_without_agency() {
        let seen = dateline_of("МОСКВА — Президент провел совещание.").unwrap();
        assert_eq!(
            (seen.raw.as_str(), seen.city.as_deref(), seen.agency),
            ("МОСКВА —", Some("Москва"), None)
        );
        assert_eq!(seen.lead.as_deref(), Some("Президент провел совещание."));
        let seen = dateline_of("WASHINGTON, Aug 22 - The president said.").unwrap();
        assert_eq!((seen.city.as_deref(), seen.date.as_deref()), (Some("Washington"), Some("2025-08-22")));
        for sentence in ["США — крупнейший партнер.", "МИД — главный орган.", "Москва — столица России."]
        {
            assert_eq!(dateline_of(sentence), None, "{sentence}");
        }
    }

    #[test]
    fn agency_in_brackets() {
        assert_eq!(
            dateline_of("MOSCOW, Aug 22 (Reuters) - Russia said on Friday."),
            Some(expect(
                "MOSCOW, Aug 22 (Reuters) -",
                "Moscow",
                Some("RU"),
                Some("2025-08-22"),
                "Reuters",
                "Russia said on Friday."
            ))
        );
        assert_eq!(
            dateline_of("NEW YORK (Reuters) – Stocks rose."),
            Some(expect("NEW YORK (Reuters) –", "New York", Some("US"), None, "Reuters", "Stocks rose."))
        );
    }

    #[test]
    fn agency_then_dash_without_date() {
        assert_eq!(
            dateline_of("АСТАНА. КАЗИНФОРМ – Указом Главы государства назначен аким."),
            Some(expect(
                "АСТАНА. КАЗИНФОРМ –",
                "Астана",
                Some("KZ"),
                None,
                "КАЗИНФОРМ",
                "Указом Главы государства назначен аким."
            ))
        );
        assert_eq!(
            dateline_of("ASTANA. KAZINFORM - The President appointed a new akim."),
            Some(expect(
                "ASTANA. KAZINFORM -",
                "Astana",
                Some("KZ"),
                None,
                "KAZINFORM",
                "The President appointed a new akim."
            ))
        );
    }

    #[test]
    fn time_first_dateline_with_byline_stands_alone() {
        let env = env();
        let release = parse::parse(
            "date 2022-01-10 H\n\n11:35, 10 января 2022, Бишкек - 24.kg, Жазгуль МАСАЛИЕВА\n\nМинистры встретились.",
            Format::Wire,
        )
        .unwrap();
        let d = find(&release.text, &release, &env.kb, &env.months).unwrap();
        assert_eq!(
            seen(&release, &d),
            expect(
                "11:35, 10 января 2022, Бишкек - 24.kg, Жазгуль МАСАЛИЕВА",
                "Бишкек",
                Some("KG"),
                Some("2022-01-10"),
                "24.kg",
                "Министры встретились."
            )
        );
        assert_eq!(d.time, NaiveTime::from_hms_opt(11, 35, 0));
        assert_eq!(d.byline.as_deref(), Some("Жазгуль МАСАЛИЕВА"));
        assert_eq!(
            d.span,
            Span::new(19, 19 + "11:35, 10 января 2022, Бишкек - 24.kg, Жазгуль МАСАЛИЕВА".len())
        );
    }

    #[test]
    fn exact_byte_spans() {
        let env = env();
        let release = release_with("МОСКВА, 4 марта. /ТАСС/. Министр.");
        let d = find(&release.text, &release, &env.kb, &env.months).unwrap();
        let start = release.paragraphs[0].start;
        assert_eq!(d.span, Span::new(start, start + "МОСКВА, 4 марта. /ТАСС/.".len()));
        assert_eq!(d.lead, Some(Span::new(d.span.end + 1, release.paragraphs[0].end)));
    }

    #[test]
    fn unknown_city_is_title_cased_as_written() {
        assert_eq!(
            dateline_of("ЗАРЕЧНЫЙ, 5 апр — Sputnik. Текст."),
            Some(expect(
                "ЗАРЕЧНЫЙ, 5 апр — Sputnik.",
                "Заречный",
                None,
                Some("2025-04-05"),
                "Sputnik",
                "Текст."
            ))
        );
        assert_eq!(
            dateline_of("Чолпон-Ата, 23 августа / Kabar /. Текст."),
            Some(expect(
                "Чолпон-Ата, 23 августа / Kabar /.",
                "Чолпон-Ата",
                Some("KG"),
                Some("2025-08-23"),
                "Kabar",
                "Текст."
            ))
        );
    }

    #[test]
    fn agencies_are_not_a_fixed_list() {
        let seen = dateline_of("ОШ, 3 сентября — Новое Агентство Юга. Текст.").unwrap();
        assert_eq!(seen.agency.as_deref(), Some("Новое Агентство Юга"));
        assert_eq!(seen.city.as_deref(), Some("Ош"));
    }

    #[test]
    fn the_year_follows_the_release_date_across_new_year() {
        let env = env();
        let release =
            parse::parse("date 2025-01-01 H\n\nМОСКВА, 31 декабря. /ТАСС/. Текст.", Format::Wire).unwrap();
        let d = find(&release.text, &release, &env.kb, &env.months).unwrap();
        assert_eq!(d.date, NaiveDate::from_ymd_opt(2024, 12, 31));
    }

    #[test]
    fn impossible_or_yearless_dates_keep_the_dateline_without_a_date() {
        let seen = dateline_of("МОСКВА, 31 февраля. /ТАСС/. Текст.").unwrap();
        assert_eq!((seen.city.as_deref(), seen.date), (Some("Москва"), None));
        let env = env();
        let release = parse::parse("H\n\nМОСКВА, 4 марта. /ТАСС/. Текст.", Format::Plain).unwrap();
        let d = find(&release.text, &release, &env.kb, &env.months).unwrap();
        assert_eq!((d.agency.as_deref(), d.date), (Some("ТАСС"), None));
    }

    #[test]
    fn ordinary_first_sentences_are_not_datelines() {
        for first in [
            "Международный фестиваль кочевой культуры завершился в субботу на побережье Иссык-Куля.",
            "Министры экономики стран Евразийского экономического союза встретились в Бишкеке.",
            "Президент Кыргызской Республики Садыр Жапаров сегодня, 22 августа, провел переговоры.",
            "Путин, «Единая Россия» и правительство обсудили бюджет.",
            "Минздрав (МЗ) сообщил о новых мерах.",
            "Токаев, 72 года, выступил с речью.",
            "Итак. Все – на выборы.",
            "Ранее Султангазиев занимал должность заместителя.",
            "The next round of talks will be held in Dushanbe in July.",
            "\"Today we have taken another step,\" Tashiev told reporters.",
        ] {
            assert_eq!(dateline_of(first), None, "{first}");
        }
    }

    #[test]
    fn a_capitalised_word_that_is_no_month_is_no_date() {
        assert_eq!(dateline_of("Бишкек, 14 Кабар — Sputnik. Текст."), None);
    }

    #[test]
    fn no_paragraphs_no_dateline() {
        let env = env();
        let release = parse::parse("date 2025-08-22 Only a headline", Format::Wire).unwrap();
        assert_eq!(find(&release.text, &release, &env.kb, &env.months), None);
    }

    #[test]
    fn every_sample_dateline() {
        /// raw, city, country, date, agency, start of the lead.
        type Want = (
            &'static str,
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
            &'static str,
            &'static str,
        );
        let cases: [(&str, Option<Want>); 8] = [
            (
                "sayasat-2025-08-22.txt",
                Some(("Бишкек, \"САЯСАТ.KG\".", "Бишкек", Some("KG"), None, "САЯСАТ.KG", "Обсужден широкий")),
            ),
            (
                "sputnik-style-2025-03-14.txt",
                Some((
                    "БИШКЕК, 14 мар — Sputnik.",
                    "Бишкек",
                    Some("KG"),
                    Some("2025-03-14"),
                    "Sputnik",
                    "Президент Кыргызстана",
                )),
            ),
            (
                "kabar-style-en-2025-06-23.txt",
                Some((
                    "Bishkek, June 23 / Kabar /.",
                    "Bishkek",
                    Some("KG"),
                    Some("2025-06-23"),
                    "Kabar",
                    "The heads of",
                )),
            ),
            (
                "tass-style-2025-03-04.txt",
                Some((
                    "МОСКВА, 4 марта. /ТАСС/.",
                    "Москва",
                    Some("RU"),
                    Some("2025-03-04"),
                    "ТАСС",
                    "Министр иностранных",
                )),
            ),
            (
                "kazinform-style-2025-05-20.txt",
                Some(("АСТАНА. КАЗИНФОРМ –", "Астана", Some("KZ"), None, "КАЗИНФОРМ", "Указом Главы")),
            ),
            (
                "24kg-style-2022-01-10.txt",
                Some((
                    "11:35, 10 января 2022, Бишкек - 24.kg, Жазгуль МАСАЛИЕВА",
                    "Бишкек",
                    Some("KG"),
                    Some("2022-01-10"),
                    "24.kg",
                    "Министры экономики",
                )),
            ),
            (
                "release.json",
                Some((
                    "БИШКЕК, 22 авг — AKIpress.",
                    "Бишкек",
                    Some("KG"),
                    Some("2025-08-22"),
                    "AKIpress",
                    "Президенты Кыргызстана",
                )),
            ),
            ("no-dateline-2025-08-23.txt", None),
        ];
        for (name, want) in cases {
            let (release, got) = sample(name);
            match (want, got) {
                (None, got) => assert_eq!(got, None, "{name}"),
                (Some((raw, city, country, date, agency, lead)), Some(d)) => {
                    let s = seen(&release, &d);
                    assert_eq!(s.raw, raw, "{name}");
                    assert_eq!(s.city.as_deref(), Some(city), "{name}");
                    assert_eq!(s.country.as_deref(), country, "{name}");
                    assert_eq!(s.date.as_deref(), date, "{name}");
                    assert_eq!(s.agency.as_deref(), Some(agency), "{name}");
                    assert!(s.lead.as_deref().unwrap().starts_with(lead), "{name}: {:?}", s.lead);
                }
                (Some(_), None) => panic!("{name}: no dateline found"),
            }
        }
    }

    #[test]
    fn seed_lead_is_exactly_the_spec_lead() {
        let (release, d) = sample("sayasat-2025-08-22.txt");
        assert_eq!(
            d.unwrap().lead.unwrap().of(&release.text),
            "Обсужден широкий спектр вопросов двусторонней повестки между Кыргызстаном и Казахстаном, а также \
             перспективы развития сотрудничества."
        );
    }

    proptest::proptest! {
        #[test]
        fn any_first_paragraph_is_safe(
            prefix in proptest::sample::select(vec!["", "МОСКВА, ", "Bishkek, June 23 ", "11:35, 10 января 2022, ", "АСТАНА. "]),
            rest in "\\PC{0,120}",
        ) {
            let env = env();
            let text = format!("date 2025-08-22 H\n\n{prefix}{rest}\n\nNext.");
            let Ok(release) = parse::parse(&text, Format::Wire) else { return Ok(()) };
            if let Some(d) = find(&release.text, &release, &env.kb, &env.months) {
                proptest::prop_assert!(release.text.get(d.span.start..d.span.end).is_some());
                proptest::prop_assert!(d.span.start == release.paragraphs[0].start);
                if let Some(lead) = d.lead {
                    proptest::prop_assert!(release.text.get(lead.start..lead.end).is_some());
                    proptest::prop_assert!(lead.start >= d.span.end);
                }
            }
        }
    }

    #[test]
    fn title_case_and_caps() {
        assert_eq!(title_case("БИШКЕК"), "Бишкек");
        assert_eq!(title_case("NEW YORK"), "New York");
        assert_eq!(title_case("Чолпон-Ата"), "Чолпон-Ата");
        assert!(is_all_caps("НУР-СУЛТАН") && !is_all_caps("Бишкек") && !is_all_caps("Я"));
    }
}
