//! Turning counts into the measures of issue #13 and printing them, as a table or as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::scoring::Counts;

/// What `wirefeed evaluate` found over a directory.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// All scored releases.
    pub overall: Counts,
    /// Per gold language (`ru`, `en`, `ky`, `kk`, …).
    pub by_language: BTreeMap<String, Counts>,
    /// Per release with at least one miss: the file and its misses (printed with `--debug`).
    pub misses: Vec<(String, Vec<String>)>,
    /// Files in the directory that no gold record names (not scored).
    pub unscored: Vec<String>,
}

/// The measures of one set of counts; `None` where the denominator is zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Measures {
    /// Releases scored.
    pub releases: usize,
    /// Releases rejected.
    pub rejected: usize,
    /// Share of releases with the right dateline city (none = none counts).
    pub dateline_city: Option<f64>,
    /// Share with the right dateline agency.
    pub dateline_agency: Option<f64>,
    /// Share with the right dateline date.
    pub dateline_date: Option<f64>,
    /// Found people that are gold people (nominative, exact).
    pub people_precision: Option<f64>,
    /// Gold people found.
    pub people_recall: Option<f64>,
    /// Found gold people with the right country.
    pub people_country: Option<f64>,
    /// Gold quotes found.
    pub quotes_found: Option<f64>,
    /// Gold quotes found with the right speaker, over all gold quotes.
    pub quote_speakers: Option<f64>,
    /// Reported (type, status) events that are gold.
    pub events_precision: Option<f64>,
    /// Gold (type, status) events reported.
    pub events_recall: Option<f64>,
    /// Reported event types that are gold types, status ignored.
    pub event_types_precision: Option<f64>,
    /// Gold event types reported, status ignored.
    pub event_types_recall: Option<f64>,
    /// Gold places found.
    pub places_recall: Option<f64>,
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl Measures {
    /// The measures of `c`.
    pub fn of(c: &Counts) -> Self {
        Measures {
            releases: c.releases,
            rejected: c.rejected,
            dateline_city: ratio(c.city_ok, c.releases),
            dateline_agency: ratio(c.agency_ok, c.releases),
            dateline_date: ratio(c.date_ok, c.releases),
            people_precision: ratio(c.people_matched, c.people_found),
            people_recall: ratio(c.people_matched, c.people_gold),
            people_country: ratio(c.country_ok, c.country_scored),
            quotes_found: ratio(c.quotes_found, c.quotes_gold),
            quote_speakers: ratio(c.speakers_ok, c.quotes_gold),
            events_precision: ratio(c.events_matched, c.events_out),
            events_recall: ratio(c.events_matched, c.events_gold),
            event_types_precision: ratio(c.types_matched, c.types_out),
            event_types_recall: ratio(c.types_matched, c.types_gold),
            places_recall: ratio(c.places_found, c.places_gold),
        }
    }
}

/// The report as one JSON object: measures and counts, overall and per language, and the misses.
pub fn to_json(report: &Report) -> serde_json::Value {
    let section = |c: &Counts| serde_json::json!({ "measures": Measures::of(c), "counts": c });
    let languages: serde_json::Map<String, serde_json::Value> =
        report.by_language.iter().map(|(lang, c)| (lang.clone(), section(c))).collect();
    let misses: serde_json::Map<String, serde_json::Value> =
        report.misses.iter().map(|(file, m)| (file.clone(), serde_json::json!(m))).collect();
    serde_json::json!({
        "overall": section(&report.overall),
        "by_language": languages,
        "misses": misses,
        "unscored": report.unscored,
    })
}

/// One row of the table: a label, the measure, and the counts it comes from.
fn rows(c: &Counts) -> Vec<(&'static str, Option<f64>, String)> {
    let m = Measures::of(c);
    vec![
        ("dateline city", m.dateline_city, format!("{}/{}", c.city_ok, c.releases)),
        ("dateline agency", m.dateline_agency, format!("{}/{}", c.agency_ok, c.releases)),
        ("dateline date", m.dateline_date, format!("{}/{}", c.date_ok, c.releases)),
        ("people precision", m.people_precision, format!("{}/{}", c.people_matched, c.people_found)),
        ("people recall", m.people_recall, format!("{}/{}", c.people_matched, c.people_gold)),
        ("people country", m.people_country, format!("{}/{}", c.country_ok, c.country_scored)),
        ("quotes found", m.quotes_found, format!("{}/{}", c.quotes_found, c.quotes_gold)),
        ("quote speakers", m.quote_speakers, format!("{}/{}", c.speakers_ok, c.quotes_gold)),
        ("events P (type+status)", m.events_precision, format!("{}/{}", c.events_matched, c.events_out)),
        ("events R (type+status)", m.events_recall, format!("{}/{}", c.events_matched, c.events_gold)),
        ("event types P", m.event_types_precision, format!("{}/{}", c.types_matched, c.types_out)),
        ("event types R", m.event_types_recall, format!("{}/{}", c.types_matched, c.types_gold)),
        ("places recall", m.places_recall, format!("{}/{}", c.places_found, c.places_gold)),
        ("rejected", None, format!("{}/{}", c.rejected, c.releases)),
    ]
}

fn cell(value: Option<f64>, counts: &str) -> String {
    match value {
        Some(v) => format!("{:>5.1} % {counts:<9}", v * 100.0),
        None if counts.ends_with("/0") => format!("{:>7} {counts:<9}", "–"),
        None => format!("{:>7} {counts:<9}", ""),
    }
}

/// The report as a table: one row per measure, a column overall and one per language; with `debug`, every
/// release's misses after it.
pub fn to_text(report: &Report, debug: bool) -> String {
    let mut out = String::new();
    let mut columns: Vec<(&str, &Counts)> = vec![("all", &report.overall)];
    columns.extend(report.by_language.iter().map(|(l, c)| (l.as_str(), c)));
    let tables: Vec<Vec<(&str, Option<f64>, String)>> = columns.iter().map(|(_, c)| rows(c)).collect();
    let _ = write!(out, "{:<24}", "measure");
    for (name, _) in &columns {
        let _ = write!(out, " {name:<17}");
    }
    out.push('\n');
    for row in 0..tables[0].len() {
        let _ = write!(out, "{:<24}", tables[0][row].0);
        for table in &tables {
            let (_, value, counts) = &table[row];
            let _ = write!(out, " {}", cell(*value, counts));
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    if !report.unscored.is_empty() {
        let _ = writeln!(out, "\nnot in the gold file (not scored): {}", report.unscored.join(", "));
    }
    if debug {
        for (file, misses) in &report.misses {
            let _ = writeln!(out, "\n{file}");
            for miss in misses {
                let _ = writeln!(out, "  - {miss}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts() -> Counts {
        Counts {
            releases: 4,
            rejected: 1,
            city_ok: 3,
            people_gold: 10,
            people_found: 8,
            people_matched: 6,
            ..Counts::default()
        }
    }

    #[test]
    fn measures_divide_the_counts_and_leave_empty_ones_out() {
        let m = Measures::of(&counts());
        assert_eq!(m.dateline_city, Some(0.75));
        assert_eq!(m.people_precision, Some(0.75));
        assert_eq!(m.people_recall, Some(0.6));
        assert_eq!(m.quotes_found, None);
    }

    #[test]
    fn the_table_shows_percentages_with_their_counts_per_language() {
        let mut report = Report { overall: counts(), ..Report::default() };
        report.by_language.insert("ky".into(), counts());
        let text = to_text(&report, false);
        let city = text.lines().find(|l| l.starts_with("dateline city")).unwrap();
        assert_eq!(city.matches("75.0 % 3/4").count(), 2, "{text}");
        assert!(text.lines().next().unwrap().contains("ky"));
        assert!(text.contains("rejected"));
    }

    #[test]
    fn debug_lists_the_misses_and_json_carries_them() {
        let report = Report {
            overall: counts(),
            misses: vec![("a.txt".into(), vec!["person missed: \"X\"".into()])],
            ..Report::default()
        };
        assert!(!to_text(&report, false).contains("person missed"));
        assert!(to_text(&report, true).contains("a.txt\n  - person missed: \"X\""));
        let json = to_json(&report);
        assert_eq!(json["overall"]["measures"]["dateline_city"], 0.75);
        assert_eq!(json["misses"]["a.txt"][0], "person missed: \"X\"");
    }
}
