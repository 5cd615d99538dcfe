//! Stage 5: dates named in the text, absolute ("22 августа", "June 23") and relative ("сегодня", "вчера",
//! "в понедельник"), resolved against the release date.

use chrono::NaiveDate;

use super::data::DataFiles;
use super::parse::Release;
use super::{LoadError, Span};

/// A date named in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateMention {
    /// Where it is written.
    pub span: Span,
    /// The day it names.
    pub date: NaiveDate,
}

/// Month names and relative-day words, from `data/lexicons/`.
#[derive(Debug, Default)]
pub struct DateLexicon {}

impl DateLexicon {
    /// Loads the lexicon.
    pub fn load(_files: &DataFiles) -> Result<Self, LoadError> {
        Ok(DateLexicon {})
    }
}

/// Finds the dates in the headline and body, resolving relative ones against `anchor`.
pub fn find(
    _text: &str,
    _release: &Release,
    _anchor: Option<NaiveDate>,
    _lex: &DateLexicon,
) -> Vec<DateMention> {
    Vec::new()
}
