//! Stage 3: the dateline that opens the first paragraph (`Бишкек, "САЯСАТ.KG".`, `МОСКВА, 4 марта. /ТАСС/.`,
//! `MOSCOW, Aug 22 (Reuters) -`, …): city, date, agency and where the lead starts.

use chrono::{NaiveDate, NaiveTime};

use super::dates::DateLexicon;
use super::kb::KnowledgeBase;
use super::parse::Release;
use super::Span;

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

/// Finds the dateline at the start of the first paragraph, if there is one.
pub fn find(_text: &str, _release: &Release, _kb: &KnowledgeBase, _months: &DateLexicon) -> Option<Dateline> {
    None
}
