//! The date vocabulary the dateline and the dates stage share: month names, relative-day words and weekday
//! names from `data/lexicons/`, and the year a day and month without one fall in. It sits below both
//! stages, so the dateline (which runs first) does not import the dates stage.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::data::DataFiles;
use super::types::LoadError;

const MONTHS_FILE: &str = "lexicons/months.tsv";
const RELATIVE_FILE: &str = "lexicons/relative_days.tsv";
const WEEKDAYS_FILE: &str = "lexicons/weekdays.tsv";

/// Month, relative-day and weekday words, lower-cased, with the number each names.
#[derive(Debug)]
pub struct DateWords {
    /// Month forms ("августа", "aug", "мар") → 1–12.
    pub months: HashMap<String, u32>,
    /// Relative-day words ("сегодня", "вчера") → days from the anchor.
    pub relative: HashMap<String, i64>,
    /// Weekday phrases ("в понедельник", "monday") → 1–7.
    pub weekdays: HashMap<String, u32>,
}

impl DateWords {
    /// Loads the three lexicon files.
    pub fn load(files: &DataFiles) -> Result<Self, LoadError> {
        Ok(DateWords {
            months: load_numbered(files, MONTHS_FILE, 1..=12)?,
            weekdays: load_numbered(files, WEEKDAYS_FILE, 1..=7)?,
            relative: load_relative(files)?,
        })
    }

    /// The month (1–12) a word names, in any listed form and letter case, with or without a final dot
    /// ("августа", "Aug.", "МАР" → 8, 8, 3).
    pub fn month(&self, word: &str) -> Option<u32> {
        let key = word.trim().trim_end_matches('.').to_lowercase();
        self.months.get(&key).copied()
    }
}

/// Reads `number<TAB>form|form…` records, checking the number lies in `range`.
fn load_numbered(
    files: &DataFiles,
    name: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<HashMap<String, u32>, LoadError> {
    let mut map = HashMap::new();
    for (line, fields) in files.records(name)? {
        let [number, forms, ..] = fields.as_slice() else {
            return Err(DataFiles::syntax(name, line, "expected number<TAB>forms"));
        };
        let number: u32 = number
            .parse()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| DataFiles::syntax(name, line, format!("{number:?} is not in {range:?}")))?;
        for form in forms.split('|').map(str::trim).filter(|f| !f.is_empty()) {
            map.insert(form.to_lowercase(), number);
        }
    }
    Ok(map)
}

/// Reads `word<TAB>offset` records.
fn load_relative(files: &DataFiles) -> Result<HashMap<String, i64>, LoadError> {
    let mut map = HashMap::new();
    for (line, fields) in files.records(RELATIVE_FILE)? {
        let [word, offset, ..] = fields.as_slice() else {
            return Err(DataFiles::syntax(RELATIVE_FILE, line, "expected word<TAB>offset"));
        };
        let offset: i64 = offset.parse().map_err(|_| {
            DataFiles::syntax(RELATIVE_FILE, line, format!("{offset:?} is not a number of days"))
        })?;
        map.insert(word.to_lowercase(), offset);
    }
    Ok(map)
}

/// The date `day.month` in the anchor's year, or the year before/after when that is more than half a year
/// from the anchor. `None` for an impossible date (31 February, 29 February outside leap years).
pub fn nearest_year(day: u32, month: u32, anchor: NaiveDate) -> Option<NaiveDate> {
    let same = NaiveDate::from_ymd_opt(anchor.year(), month, day)?;
    let shift = (same - anchor).num_days();
    if shift > 183 {
        NaiveDate::from_ymd_opt(anchor.year() - 1, month, day)
    } else if shift < -183 {
        NaiveDate::from_ymd_opt(anchor.year() + 1, month, day)
    } else {
        Some(same)
    }
}
