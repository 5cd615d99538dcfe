//! Stage 7: direct quotes (« », „ “, “ ”, " ", dialogue dashes), multi-paragraph ones included, with the verb
//! of saying and the speaker as written.
//!
//! How it works:
//! 1. Quote marks of the body are paired: « » and “ ” nest (so „…“ or «…» inside «…» stay inside), « » „ “ and
//!    “ ” may run over several paragraphs (an opening « whose paragraph has no closing » continues until the
//!    closing one, as in Russian copy; a continuation paragraph may repeat the opening mark, as in English
//!    copy), straight quotes pair inside a paragraph and continue only into a paragraph that opens with `"`.
//! 2. Each pair is attributed: after it (`», — сказал Президент Кыргызстана.`, `," Tashiev told reporters`) or
//!    before it (`Лавров заявил: «…»`, `He said: "…"`), using the verbs of `data/lexicons/speech_verbs.tsv`.
//! 3. A pair is kept as a quote when it is attributed to a verb of saying, or when it reads as speech on its own
//!    (four words or more and a paragraph of its own, several paragraphs, sentence punctuation inside, or the
//!    `», —` attribution shape with a verb the lexicon lacks). Everything else — «Байтерек», «Ак Орго",
//!    "САЯСАТ.KG", a short title — is a name, not speech.
//! 4. Paragraphs opening with a dialogue dash (`— Текст, — сказал он. — Ещё текст.`) give one quote per
//!    stretch of speech.
//!
//! Headlines are not searched: a headline quote repeats one of the body, and a headline's `Лавров: «…»` has no
//! verb to tell speech from a title.

use std::borrow::Cow;
use std::collections::HashSet;

use super::data::DataFiles;
use super::parse::Release;
use super::text::chars::{is_alphanumeric, is_dash};
use super::text::fold::{fold, folded};
use super::text::words::{is_char_range, trim_span, word_spans};
use super::types::{LoadError, Span};

/// The data file of verbs of saying and stop words.
const LEXICON: &str = "lexicons/speech_verbs.tsv";
/// How many paragraphs one quote may run over before an unclosed mark is taken for a typo.
const MAX_QUOTE_PARAGRAPHS: usize = 8;
/// How many quote marks the search for a closing mark looks at, so that a text full of stray marks stays
/// linear.
const MAX_MARKS_SCANNED: usize = 256;
/// An unattributed quoted phrase shorter than this is a name or title, not speech.
const MIN_UNATTRIBUTED_WORDS: usize = 4;
/// The verb of an attribution after a quote must be among its first words.
const VERB_WINDOW: usize = 8;
/// A speaker phrase longer than this is a clause, not a speaker.
const MAX_SPEAKER_WORDS: usize = 10;
/// The longest separator between a quote and its attribution, in chars (`», — `, `," `): a longer run of
/// dashes, spaces and punctuation is no attribution. Bounds the look-ahead from every dash, which on a
/// paragraph of `- - - …` once rescanned the rest of the paragraph (issue 14).
const MAX_SEPARATOR_CHARS: usize = 8;
/// The longest attribution clause read, in bytes (about 150 words): the verb and the speaker are in its
/// first words, and a clause without an end (`слово,- слово,- …`) must not be read to the paragraph's end
/// from every dash.
const MAX_CLAUSE_BYTES: usize = 1024;

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

/// Verbs of saying and the words that end a speaker phrase, from `data/lexicons/speech_verbs.tsv`.
#[derive(Debug, Default)]
pub struct SpeechLexicon {
    /// Verb forms, case-folded ([`fold`]).
    verbs: HashSet<String>,
    /// Prepositions and addressees that end a speaker phrase, case-folded.
    stops: HashSet<String>,
}

impl SpeechLexicon {
    /// Loads the lexicon (`kind TAB language TAB lemma TAB forms|…`; see the file's header).
    pub fn load(files: &DataFiles) -> Result<Self, LoadError> {
        let mut lex = SpeechLexicon::default();
        for (line, fields) in files.records(LEXICON)? {
            let [kind, _language, _lemma, forms, ..] = fields.as_slice() else {
                return Err(DataFiles::syntax(
                    LEXICON,
                    line,
                    "expected kind<TAB>language<TAB>lemma<TAB>forms",
                ));
            };
            let target = match kind.as_str() {
                "verb" => &mut lex.verbs,
                "stop" => &mut lex.stops,
                other => {
                    return Err(DataFiles::syntax(
                        LEXICON,
                        line,
                        format!("unknown kind {other:?}; expected verb or stop"),
                    ))
                }
            };
            target.extend(forms.split('|').map(str::trim).filter(|f| !f.is_empty()).map(fold));
        }
        Ok(lex)
    }

    /// Whether `word` is a form of a verb of saying.
    pub fn is_verb(&self, word: &str) -> bool {
        self.verbs.contains(folded(word).as_ref())
    }

    /// Whether `word` ends a speaker phrase (a preposition, an addressee).
    pub fn is_stop(&self, word: &str) -> bool {
        self.stops.contains(folded(word).as_ref())
    }
}

/// Finds the direct quotes of a release's body, in text order.
pub fn find(text: &str, release: &Release, lex: &SpeechLexicon) -> Vec<Quote> {
    let paras = valid_paragraphs(text, release);
    let marks = quote_marks(text, &paras);
    let mut bracketed: Vec<Quote> = Vec::new();
    let mut previous: Option<Attribution> = None;
    for pair in pair_marks(text, &paras, &marks) {
        // `"We are ready," he said, "to sign."`: the second part continues the first one's attribution.
        let inherited = previous.filter(|a| {
            a.end <= pair.open.pos
                && text[a.end..pair.open.pos].chars().all(|c| c.is_whitespace() || c == ',')
        });
        let (quote, attribution) = bracketed_quote(text, &paras, &pair, lex, inherited).unzip();
        bracketed.extend(quote);
        previous = attribution.flatten();
    }
    let dialogue: Vec<Quote> = (0..paras.len())
        .flat_map(|i| dialogue_quotes(text, &paras, i, lex))
        .filter(|d| !bracketed.iter().any(|b| b.span.contains(d.span)))
        .collect();
    bracketed.retain(|b| !dialogue.iter().any(|d| d.span.contains(b.span)));
    bracketed.extend(dialogue);
    bracketed.sort_by_key(|q| q.span);
    bracketed
}

// ---------------------------------------------------------------------------------------------------------
// Quote marks and their pairing

/// The kinds of quote marks, each with its own closing rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// « … » (Russian first level); nests.
    Guillemet,
    /// „ … “ (Russian second level, German); closes on “ or ”.
    Low,
    /// “ … ” (English); nests.
    Curly,
    /// " … " (typewriter); direction from the neighbouring characters.
    Straight,
}

impl Family {
    fn of_opening(c: char) -> Option<Family> {
        match c {
            '«' => Some(Family::Guillemet),
            '„' => Some(Family::Low),
            '“' => Some(Family::Curly),
            '"' => Some(Family::Straight),
            _ => None,
        }
    }

    fn opening(self) -> char {
        match self {
            Family::Guillemet => '«',
            Family::Low => '„',
            Family::Curly => '“',
            Family::Straight => '"',
        }
    }

    fn closes(self, c: char) -> bool {
        match self {
            Family::Guillemet => c == '»',
            Family::Low => c == '“' || c == '”',
            Family::Curly => c == '”',
            Family::Straight => c == '"',
        }
    }

    /// Whether a second opening mark of the family inside the quote opens a nested quote.
    fn nests(self) -> bool {
        matches!(self, Family::Guillemet | Family::Curly)
    }

    /// English-style quotes put the comma of `"…," he said` inside or just outside; Russian ones need a dash.
    fn is_english(self) -> bool {
        matches!(self, Family::Curly | Family::Straight)
    }
}

/// A quote mark in a body paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    /// Byte offset of the mark.
    pos: usize,
    /// The mark.
    ch: char,
    /// Index of its paragraph.
    para: usize,
}

impl Mark {
    fn end(&self) -> usize {
        self.pos + self.ch.len_utf8()
    }
}

/// An opening mark paired with its closing mark.
#[derive(Debug, Clone, Copy)]
struct Pair {
    family: Family,
    open: Mark,
    close: Mark,
}

/// The release's paragraphs that are valid spans of `text`: its own list, not a copy, when all are (as
/// they are for a release parsed from `text`).
fn valid_paragraphs<'r>(text: &str, release: &'r Release) -> Cow<'r, [Span]> {
    if release.paragraphs.iter().all(|p| is_char_range(text, *p)) {
        Cow::Borrowed(&release.paragraphs)
    } else {
        Cow::Owned(release.paragraphs.iter().copied().filter(|p| is_char_range(text, *p)).collect())
    }
}

/// The quote marks of the paragraphs, in text order.
fn quote_marks(text: &str, paras: &[Span]) -> Vec<Mark> {
    // Room for the marks of a typical release (a few quotes), so the list is not regrown 4 → 8 → 16.
    let mut marks = Vec::with_capacity(16);
    for (para, p) in paras.iter().enumerate() {
        // Every mark starts with one of three bytes: `"` (22), « » (C2 AB, C2 BB), „ “ ” (E2 80 9E/9C/9D);
        // `memchr` finds them without decoding every char. Each is a lead byte, so a char starts there.
        for i in memchr::memchr3_iter(b'"', 0xC2, 0xE2, p.of(text).as_bytes()) {
            let pos = p.start + i;
            if let Some(ch @ ('«' | '»' | '„' | '“' | '”' | '"')) = text[pos..].chars().next() {
                marks.push(Mark { pos, ch, para });
            }
        }
    }
    marks
}

/// Pairs the marks left to right; an opening mark with no closing one is skipped.
fn pair_marks(text: &str, paras: &[Span], marks: &[Mark]) -> Vec<Pair> {
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < marks.len() {
        let open = marks[i];
        let family = Family::of_opening(open.ch)
            .filter(|f| *f != Family::Straight || straight_can_open(text, paras[open.para], open.pos));
        match family.and_then(|f| find_close(text, paras, marks, i, f)) {
            Some(j) => {
                pairs.push(Pair { family: family.unwrap_or(Family::Straight), open, close: marks[j] });
                i = j + 1;
            }
            None => i += 1,
        }
    }
    pairs
}

/// The index of the mark closing `marks[i]`, if any.
fn find_close(text: &str, paras: &[Span], marks: &[Mark], i: usize, family: Family) -> Option<usize> {
    let open = marks[i];
    let mut depth = 1usize;
    let mut para = open.para;
    for (k, m) in marks.iter().enumerate().skip(i + 1).take(MAX_MARKS_SCANNED) {
        if m.para >= open.para + MAX_QUOTE_PARAGRAPHS {
            return None;
        }
        if m.para != para {
            // A quote runs on only past paragraphs that end a sentence: «Байтерек и⏎ is a typo, not speech.
            if !paras[para..m.para].iter().all(|p| ends_with_sentence_end(text, *p)) {
                return None;
            }
            let opens_paragraph = starts_paragraph(text, paras[m.para], m.pos);
            if family == Family::Straight && !(m.para == para + 1 && opens_paragraph && m.ch == '"') {
                return None;
            }
            para = m.para;
            // English copy repeats the opening mark on each paragraph of a long quote (Russian copy does not,
            // so a « opening a paragraph inside a « quote is a nested one).
            if family.is_english() && opens_paragraph && m.ch == family.opening() && depth == 1 {
                continue;
            }
        }
        if family.closes(m.ch)
            && (family != Family::Straight || straight_can_close(text, paras[m.para], m.pos))
        {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        } else if family.nests() && m.ch == family.opening() {
            depth += 1;
        }
    }
    None
}

/// A straight quote opens after a space, a paragraph start or an opening bracket, before a non-space.
fn straight_can_open(text: &str, para: Span, pos: usize) -> bool {
    let before = text[para.start..pos].chars().next_back();
    let after = text[pos + 1..para.end].chars().next();
    before.is_none_or(|c| c.is_whitespace() || matches!(c, '(' | '[' | '{' | ':') || is_dash(c))
        && after.is_some_and(|c| !c.is_whitespace())
}

/// A straight quote closes after a non-space, before a space, punctuation or the paragraph end.
fn straight_can_close(text: &str, para: Span, pos: usize) -> bool {
    let before = text[para.start..pos].chars().next_back();
    let after = text[pos + 1..para.end].chars().next();
    before.is_some_and(|c| !c.is_whitespace()) && after.is_none_or(|c| !c.is_alphanumeric())
}

fn ends_with_sentence_end(text: &str, para: Span) -> bool {
    para.of(text)
        .trim_end()
        .chars()
        .next_back()
        .is_some_and(|c| matches!(c, '.' | '!' | '?' | '…' | ':' | ';'))
}

fn starts_paragraph(text: &str, para: Span, pos: usize) -> bool {
    text[para.start..pos].trim().is_empty()
}

// ---------------------------------------------------------------------------------------------------------
// From a pair to a quote

/// A verb of saying and the speaker it introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Attribution {
    verb: Option<Span>,
    speaker: Option<Span>,
    /// Where the attribution clause ends.
    end: usize,
}

/// The quote of a pair, if it is speech, with its attribution; `inherited` is the attribution of a quote it
/// continues.
fn bracketed_quote(
    text: &str,
    paras: &[Span],
    pair: &Pair,
    lex: &SpeechLexicon,
    inherited: Option<Attribution>,
) -> Option<(Quote, Option<Attribution>)> {
    let pieces = quoted_pieces(text, paras, pair);
    let (first, last) = (pieces.first()?, pieces.last()?);
    let span = Span::new(first.start, last.end);
    let inner_last = text[..pair.close.pos].trim_end().chars().next_back();
    let tail = Span::new(pair.close.end(), paras[pair.close.para].end);
    let after = attribution_after(text, lex, tail, inner_last, pair.family.is_english());
    let attribution = match after {
        Some(a) if a.verb.is_some() => Some(a),
        _ => attribution_before(text, paras, pair.open.para, pair.open.pos, lex).or(inherited).or(after),
    };
    let spans_paragraphs = pair.open.para != pair.close.para;
    let own_paragraph = starts_paragraph(text, paras[pair.open.para], pair.open.pos)
        && tail.of(text).chars().all(|c| c.is_whitespace() || matches!(c, '.' | ',' | '!' | '?' | '…'));
    if !is_speech(text, &pieces, attribution.as_ref(), spans_paragraphs || own_paragraph) {
        return None;
    }
    // Joined only now: most pairs are names, not speech.
    Some((make_quote(text, span, join_pieces(text, &pieces), attribution), attribution))
}

/// The pieces joined by a blank line, written into one string of the right size (no `Vec<&str>` to join).
fn join_pieces(text: &str, pieces: &[Span]) -> String {
    const SEPARATOR: &str = "\n\n";
    let len = pieces.iter().map(|p| p.end - p.start).sum::<usize>()
        + SEPARATOR.len() * pieces.len().saturating_sub(1);
    let mut joined = String::with_capacity(len);
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            joined.push_str(SEPARATOR);
        }
        joined.push_str(piece.of(text));
    }
    joined
}

fn make_quote(text: &str, span: Span, quoted: String, attribution: Option<Attribution>) -> Quote {
    Quote {
        span,
        text: quoted,
        speaker_span: attribution.and_then(|a| a.speaker),
        speaker: None,
        verb: attribution.and_then(|a| a.verb).map(|v| v.of(text).to_string()),
    }
}

/// The quoted text of each paragraph a pair covers, trimmed, without a repeated opening mark and without
/// the comma English puts before the closing mark.
fn quoted_pieces(text: &str, paras: &[Span], pair: &Pair) -> Vec<Span> {
    let mut pieces = Vec::new();
    for (i, &p) in paras.iter().enumerate().take(pair.close.para + 1).skip(pair.open.para) {
        let start = if i == pair.open.para { pair.open.end() } else { skip_reopening(text, p, pair.family) };
        let end = if i == pair.close.para { pair.close.pos } else { p.end };
        let piece = trim_span(text, Span::new(start, end.max(start)));
        if !piece.is_empty() {
            pieces.push(piece);
        }
    }
    if let Some(last) = pieces.last_mut() {
        *last = trim_trailing_comma(text, *last);
        if last.is_empty() {
            pieces.pop();
        }
    }
    pieces
}

fn skip_reopening(text: &str, para: Span, family: Family) -> usize {
    let s = para.of(text);
    let trimmed = s.trim_start();
    let start = para.start + (s.len() - trimmed.len());
    if family.is_english() && trimmed.starts_with(family.opening()) {
        start + family.opening().len_utf8()
    } else {
        start
    }
}

/// Speech, not a name: attributed to a verb of saying, or at least four words that read as speech. The quoted
/// text is its `pieces` joined by blank lines; the words and sentence ends of the joined text are those of
/// the pieces, so they are counted piece by piece.
fn is_speech(text: &str, pieces: &[Span], attribution: Option<&Attribution>, stands_alone: bool) -> bool {
    if attribution.is_some_and(|a| a.verb.is_some()) {
        return true;
    }
    let words: usize = pieces
        .iter()
        .map(|p| p.of(text).split_whitespace().filter(|w| w.chars().any(is_alphanumeric)).count())
        .sum();
    words >= MIN_UNATTRIBUTED_WORDS
        && (stands_alone || attribution.is_some() || pieces.iter().any(|p| has_sentence_end(p.of(text))))
}

/// Whether `s` has a `.`, `!`, `?` or `…` followed by a space or the end.
fn has_sentence_end(s: &str) -> bool {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if matches!(c, '.' | '!' | '?' | '…') && chars.peek().is_none_or(|n| n.is_whitespace()) {
            return true;
        }
    }
    false
}

/// The attribution in `tail`, the rest of the paragraph after a quote: `, — сказал он.`, `," he said`.
/// With a dash but no known verb, an attribution without verb or speaker: the shape still says "speech".
fn attribution_after(
    text: &str,
    lex: &SpeechLexicon,
    tail: Span,
    inner_last: Option<char>,
    english: bool,
) -> Option<Attribution> {
    let s = tail.of(text);
    let is_separator =
        |c: char| c.is_whitespace() || matches!(c, ',' | '.' | '!' | '?' | '…' | ';' | ':') || is_dash(c);
    let mut sep_len = s.len();
    for (n, (i, c)) in s.char_indices().enumerate() {
        if !is_separator(c) {
            sep_len = i;
            break;
        }
        if n == MAX_SEPARATOR_CHARS {
            return None;
        }
    }
    let sep = &s[..sep_len];
    let dash = sep.chars().any(is_dash);
    let sentence_ended = sep.chars().any(|c| matches!(c, '.' | '!' | '?' | '…' | ';' | ':'));
    let punct_inside = matches!(inner_last, Some(',' | '!' | '?' | '…'));
    let linked = dash || (!sentence_ended && (punct_inside || (english && sep.contains(','))));
    if !linked {
        return None;
    }
    let clause = clause_after(text, Span::new(tail.start + sep_len, tail.end));
    let words = word_spans(text, clause);
    let structural = dash.then_some(Attribution { verb: None, speaker: None, end: clause.end });
    let Some(v) = words.iter().take(VERB_WINDOW).position(|w| lex.is_verb(w.of(text))) else {
        return structural;
    };
    let speaker = if v == 0 {
        speaker_after_verb(text, lex, &words[1..], clause)
    } else {
        speaker_before_verb(text, lex, Span::new(clause.start, words[v].start))
    };
    Some(Attribution { verb: Some(words[v]), speaker, end: clause.end })
}

/// The attribution before a quote opening at `open_pos`: `Лавров заявил: «`, or a paragraph ending
/// `He said:` before a quote paragraph.
fn attribution_before(
    text: &str,
    paras: &[Span],
    para: usize,
    open_pos: usize,
    lex: &SpeechLexicon,
) -> Option<Attribution> {
    let head = Span::new(paras[para].start, open_pos);
    let region = if head.of(text).trim().is_empty() { *paras.get(para.checked_sub(1)?)? } else { head };
    let before_colon = region.of(text).trim_end().strip_suffix(':')?;
    let colon = region.start + before_colon.len();
    let clause = Span::new(region.start + last_sentence_start(before_colon), colon);
    let words = word_spans(text, clause);
    let v = words.iter().rposition(|w| lex.is_verb(w.of(text)))?;
    let speaker = speaker_before_verb(text, lex, Span::new(clause.start, words[v].start))
        .or_else(|| speaker_after_verb(text, lex, &words[v + 1..], clause));
    Some(Attribution { verb: Some(words[v]), speaker, end: colon })
}

/// Byte offset in `s` where its last sentence starts (after `. `, `! `, `? `, a closing quote mark).
fn last_sentence_start(s: &str) -> usize {
    let mut start = 0;
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        if let Some(p) = prev {
            if c.is_whitespace() && matches!(p, '.' | '!' | '?' | '…' | '»' | '”') {
                start = i;
            }
        }
        prev = Some(c);
    }
    start
}

/// The attribution clause starting at `span.start`: up to the end of its sentence, a dash between spaces
/// (the next stretch of dialogue) or the next quote, and at most [`MAX_CLAUSE_BYTES`].
fn clause_after(text: &str, span: Span) -> Span {
    let mut end = span.end.min(span.start + MAX_CLAUSE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let span = Span::new(span.start, end);
    let s = span.of(text);
    let mut prev_space = false;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let next = iter.peek().map(|(_, n)| *n);
        // `matches!` rather than `str::contains`: this runs on every char of the clause.
        let ends_sentence =
            matches!(c, '.' | '!' | '?' | '…' | ';' | ':') && next.is_none_or(char::is_whitespace);
        let dash_between_spaces = is_dash(c) && prev_space && next.is_none_or(char::is_whitespace);
        if ends_sentence || dash_between_spaces || matches!(c, '«' | '“' | '„' | '"' | '\n') {
            return Span::new(span.start, span.start + i);
        }
        prev_space = c.is_whitespace();
    }
    span
}

/// The speaker named after the verb (`сказал Президент Кыргызстана`, `said Tashiev`): the words up to a
/// comma or a stop word; a leading prepositional phrase (`отметил в своём выступлении Президент`) is skipped.
fn speaker_after_verb(text: &str, lex: &SpeechLexicon, words: &[Span], clause: Span) -> Option<Span> {
    let first = words.first()?;
    let comma = text[first.start..clause.end].find(',').map_or(clause.end, |i| first.start + i);
    // A slice of the clause's words, narrowed in place: no copy of them.
    let mut words = &words[..words.iter().take_while(|w| w.end <= comma).count()];
    if words.first().is_some_and(|w| lex.is_stop(w.of(text))) {
        let k = words.iter().position(|w| starts_upper(w.of(text)))?;
        words = &words[k..];
    }
    let n = words.iter().take(MAX_SPEAKER_WORDS).take_while(|w| !lex.is_stop(w.of(text))).count();
    (n > 0).then(|| Span::new(words[0].start, words[n - 1].end))
}

/// The speaker named before the verb (`Tashiev told`, `В свою очередь, Токаев заявил`): the words after
/// the last comma of `region`, without a leading prepositional phrase.
fn speaker_before_verb(text: &str, lex: &SpeechLexicon, region: Span) -> Option<Span> {
    let s = region.of(text);
    let from = s.rfind(',').map_or(region.start, |i| region.start + i + 1);
    let mut words = word_spans(text, Span::new(from, region.end));
    if words.first().is_some_and(|w| lex.is_stop(w.of(text))) {
        let k = words.iter().position(|w| starts_upper(w.of(text)))?;
        words.drain(..k);
    }
    if words.is_empty() || words.len() > MAX_SPEAKER_WORDS {
        return None;
    }
    Some(Span::new(words[0].start, words[words.len() - 1].end))
}

fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

// ---------------------------------------------------------------------------------------------------------
// Dialogue dashes

/// Quotes of a paragraph opening with a dialogue dash: `— Текст, — сказал он. — Ещё текст.` gives "Текст"
/// and "Ещё текст", both by "он". A dash paragraph with no verb of saying is speech only after a paragraph
/// ending in a colon (`Лавров заявил:`); otherwise it is taken for a list item.
fn dialogue_quotes(text: &str, paras: &[Span], i: usize, lex: &SpeechLexicon) -> Vec<Quote> {
    let Some(mut cursor) = after_dialogue_dash(text, paras[i].start, paras[i].end) else {
        return Vec::new();
    };
    let end = paras[i].end;
    let mut quotes = Vec::new();
    while cursor < end {
        match next_attribution(text, lex, Span::new(cursor, end)) {
            Some((speech, attribution)) => {
                if let Some(q) = speech_quote(text, speech, Some(attribution)) {
                    quotes.push(q);
                }
                match after_dialogue_dash(text, attribution.end, end) {
                    Some(next) => cursor = next,
                    None => break,
                }
            }
            None => {
                let attribution = if quotes.is_empty() {
                    attribution_before(text, paras, i, paras[i].start, lex)
                } else {
                    quotes.last().map(|q: &Quote| Attribution {
                        verb: None,
                        speaker: q.speaker_span,
                        end: cursor,
                    })
                };
                if let Some(a) = attribution {
                    let last_verb = quotes.last().and_then(|q| q.verb.clone());
                    if let Some(mut q) = speech_quote(text, Span::new(cursor, end), Some(a)) {
                        q.verb = q.verb.or(last_verb);
                        quotes.push(q);
                    }
                }
                break;
            }
        }
    }
    quotes
}

/// Where the speech starts when `text[from..end]` opens (after spaces and `.`/`,`) with a dash and a space.
fn after_dialogue_dash(text: &str, from: usize, end: usize) -> Option<usize> {
    let s = &text[from..end];
    let rest = s.trim_start_matches(|c: char| c.is_whitespace() || c == '.' || c == ',');
    let mut chars = rest.char_indices();
    let (_, dash) = chars.next()?;
    let (_, space) = chars.next()?;
    if !is_dash(dash) || !space.is_whitespace() {
        return None;
    }
    let speech = rest[dash.len_utf8()..].trim_start();
    Some(end - speech.len())
}

/// The first `, — verb speaker` inside `span`: the speech before it and the attribution.
fn next_attribution(text: &str, lex: &SpeechLexicon, span: Span) -> Option<(Span, Attribution)> {
    let s = span.of(text);
    for (i, c) in s.char_indices().filter(|(i, c)| *i > 0 && is_dash(*c)) {
        let before = s[..i].chars().next_back();
        let after = s[i + c.len_utf8()..].chars().next();
        if !before.is_some_and(|b| b.is_whitespace() || b == ',') || !after.is_some_and(char::is_whitespace) {
            continue;
        }
        let speech_end = s[..i].trim_end().len();
        let inner_last = s[..speech_end].chars().next_back();
        let tail = Span::new(span.start + speech_end, span.end);
        if let Some(a) = attribution_after(text, lex, tail, inner_last, false).filter(|a| a.verb.is_some()) {
            return Some((Span::new(span.start, span.start + speech_end), a));
        }
    }
    None
}

fn speech_quote(text: &str, speech: Span, attribution: Option<Attribution>) -> Option<Quote> {
    let span = trim_trailing_comma(text, trim_span(text, speech));
    (!span.is_empty()).then(|| make_quote(text, span, span.of(text).to_string(), attribution))
}

// ---------------------------------------------------------------------------------------------------------
// Span helpers

/// `span` without the commas and spaces it ends with (English puts a comma before the closing mark).
fn trim_trailing_comma(text: &str, span: Span) -> Span {
    let s = span.of(text);
    let kept = s.trim_end_matches(|c: char| c == ',' || c.is_whitespace());
    Span::new(span.start, span.start + kept.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{parse, types::Format};

    /// The seed release (SPEC §8), as it arrives.
    const SEED: &str = include_str!("../../samples/sayasat-2025-08-22.txt");

    fn lexicon() -> SpeechLexicon {
        SpeechLexicon::load(&DataFiles::new(None)).expect("built-in speech lexicon")
    }

    fn release(text: &str) -> Release {
        parse::parse(text, Format::Wire).expect("test text parses")
    }

    /// A wire release with the given body paragraphs.
    fn wire(body: &[&str]) -> String {
        format!(" date 2025-01-01 Заголовок\n\n{}", body.join("\n\n"))
    }

    fn quotes_of(text: &str) -> Vec<Quote> {
        find(text, &release(text), &lexicon())
    }

    fn speaker<'t>(text: &'t str, q: &Quote) -> Option<&'t str> {
        q.speaker_span.map(|s| s.of(text))
    }

    #[test]
    fn seed_has_exactly_two_quotes_with_verbs_and_speakers() {
        let quotes = quotes_of(SEED);
        assert_eq!(quotes.len(), 2, "{quotes:#?}");
        let (first, second) = (&quotes[0], &quotes[1]);
        assert!(first.text.starts_with("Наши отношения связаны путем"));
        assert!(first.text.ends_with("покрыться пылью"));
        assert_eq!(first.verb.as_deref(), Some("сказал"));
        assert_eq!(speaker(SEED, first), Some("Президент Кыргызстана"));
        assert!(second.text.starts_with("Казахи и кыргызы – братские народы."));
        assert!(second.text.ends_with("крепнут с каждым годом"));
        assert_eq!(second.verb.as_deref(), Some("отметил"));
        assert_eq!(speaker(SEED, second), Some("Президент Казахстана"));
        assert!(quotes.iter().all(|q| q.speaker.is_none()));
    }

    #[test]
    fn a_multi_paragraph_quote_joins_its_paragraphs_and_spans_them_all() {
        let quotes = quotes_of(SEED);
        let q = &quotes[1];
        assert_eq!(q.text.split("\n\n").count(), 3, "{}", q.text);
        assert!(q.text.contains("стратегического партнерства.\n\nМы упрочили"));
        let covered = q.span.of(SEED);
        assert!(covered.starts_with("Казахи"));
        assert!(covered.ends_with("годом"));
        assert!(!covered.contains('«') && !covered.contains('»'));
        // The span covers the text; only the paragraph breaks may differ.
        assert_eq!(covered.split("\n\n").collect::<Vec<_>>(), q.text.split("\n\n").collect::<Vec<_>>());
    }

    #[test]
    fn span_is_the_quoted_text_itself() {
        for q in quotes_of(SEED) {
            assert_eq!(q.span.of(SEED).chars().next(), q.text.chars().next());
            assert_eq!(q.span.of(SEED).chars().next_back(), q.text.chars().next_back());
        }
    }

    #[test]
    fn dateline_agency_in_straight_quotes_is_not_a_quote() {
        let text = wire(&["Бишкек, \"САЯСАТ.KG\". Обсужден широкий спектр вопросов."]);
        assert!(quotes_of(&text).is_empty());
    }

    #[test]
    fn names_in_quotes_are_not_quotes() {
        let text = wire(&[
            "Ранее Султангазиев занимал должность заместителя председателя правления холдинга «Байтерек».",
            "Встреча прошла в резиденции «Ак Орго», сообщает пресс-служба.",
            "Фильм «Белый пароход» показали в Бишкеке.",
        ]);
        assert!(quotes_of(&text).is_empty(), "{:#?}", quotes_of(&text));
    }

    #[test]
    fn em_dash_attribution_with_surname() {
        let text =
            wire(&["«Мы договорились, что министерства представят график подачи воды», — сказал Жээнбеков."]);
        let q = &quotes_of(&text)[0];
        assert_eq!(q.text, "Мы договорились, что министерства представят график подачи воды");
        assert_eq!(q.verb.as_deref(), Some("сказал"));
        assert_eq!(speaker(&text, q), Some("Жээнбеков"));
    }

    #[test]
    fn speaker_stops_at_a_preposition() {
        let text = wire(&["«Россия остается главным партнером», — заявил Лавров на пресс-конференции."]);
        let q = &quotes_of(&text)[0];
        assert_eq!(q.verb.as_deref(), Some("заявил"));
        assert_eq!(speaker(&text, q), Some("Лавров"));
    }

    #[test]
    fn hyphen_attribution_without_space_before_it() {
        let text = wire(&["«Отношения крепнут»,- отметил Президент Казахстана."]);
        let q = &quotes_of(&text)[0];
        assert_eq!(q.verb.as_deref(), Some("отметил"));
        assert_eq!(speaker(&text, q), Some("Президент Казахстана"));
    }

    #[test]
    fn pronoun_speaker_and_addressee() {
        let text = wire(&["«Мы рассчитываем на рост», - сказал он журналистам."]);
        let q = &quotes_of(&text)[0];
        assert_eq!(speaker(&text, q), Some("он"));
    }

    #[test]
    fn english_straight_quote_with_speaker_before_verb() {
        let text = wire(&[
            "\"Today we have taken another step towards lasting peace between our peoples,\" Tashiev told reporters after the ceremony.",
        ]);
        let quotes = quotes_of(&text);
        assert_eq!(quotes.len(), 1);
        let q = &quotes[0];
        assert_eq!(q.text, "Today we have taken another step towards lasting peace between our peoples");
        assert_eq!(q.verb.as_deref(), Some("told"));
        assert_eq!(speaker(&text, q), Some("Tashiev"));
    }

    #[test]
    fn english_curly_quote_with_verb_first() {
        let text = wire(&["“We will meet again in July,” said the Kyrgyz foreign minister."]);
        let q = &quotes_of(&text)[0];
        assert_eq!(q.verb.as_deref(), Some("said"));
        assert_eq!(speaker(&text, q), Some("the Kyrgyz foreign minister"));
    }

    #[test]
    fn a_quote_split_by_its_attribution_keeps_the_speaker() {
        let text = wire(&["\"We are ready,\" he said, \"to sign the deal.\""]);
        let quotes = quotes_of(&text);
        assert_eq!(quotes.len(), 2, "{quotes:#?}");
        assert_eq!(quotes[1].text, "to sign the deal.");
        assert_eq!(quotes[1].verb.as_deref(), Some("said"));
        assert_eq!(speaker(&text, &quotes[1]), Some("he"));
    }

    #[test]
    fn attribution_before_the_quote() {
        let text = wire(&[
            "В свою очередь, Лавров заявил: «Мы готовы к диалогу».",
            "He said: \"We are ready for talks.\"",
        ]);
        let quotes = quotes_of(&text);
        assert_eq!(quotes.len(), 2, "{quotes:#?}");
        assert_eq!(quotes[0].verb.as_deref(), Some("заявил"));
        assert_eq!(speaker(&text, &quotes[0]), Some("Лавров"));
        assert_eq!(quotes[1].text, "We are ready for talks.");
        assert_eq!(quotes[1].verb.as_deref(), Some("said"));
        assert_eq!(speaker(&text, &quotes[1]), Some("He"));
    }

    #[test]
    fn a_colon_paragraph_introduces_a_quote_paragraph() {
        let text = wire(&["Президент Садыр Жапаров подчеркнул:", "«Мы будем развивать сотрудничество»."]);
        let q = &quotes_of(&text)[0];
        assert_eq!(q.verb.as_deref(), Some("подчеркнул"));
        assert_eq!(speaker(&text, q), Some("Президент Садыр Жапаров"));
    }

    #[test]
    fn nested_quotes_stay_inside_the_outer_one() {
        let text = wire(&["«Холдинг „Байтерек“ и компания «Самрук» работают вместе», — сообщил министр."]);
        let quotes = quotes_of(&text);
        assert_eq!(quotes.len(), 1, "{quotes:#?}");
        assert_eq!(quotes[0].text, "Холдинг „Байтерек“ и компания «Самрук» работают вместе");
        assert_eq!(speaker(&text, &quotes[0]), Some("министр"));
    }

    #[test]
    fn low_quotes_at_top_level() {
        let text = wire(&["„Мы открыты для сотрудничества“, — подчеркнул посол."]);
        let q = &quotes_of(&text)[0];
        assert_eq!(q.text, "Мы открыты для сотрудничества");
        assert_eq!(q.verb.as_deref(), Some("подчеркнул"));
    }

    #[test]
    fn english_multi_paragraph_quote_repeats_the_opening_mark() {
        let text = wire(&[
            "“We signed the protocol today. It covers the whole border.",
            "“The next round will be in July,” Tashiev said.",
        ]);
        let quotes = quotes_of(&text);
        assert_eq!(quotes.len(), 1, "{quotes:#?}");
        assert_eq!(
            quotes[0].text,
            "We signed the protocol today. It covers the whole border.\n\nThe next round will be in July"
        );
        assert_eq!(speaker(&text, &quotes[0]), Some("Tashiev"));
    }

    #[test]
    fn a_quote_left_open_for_too_many_paragraphs_is_dropped() {
        let mut body = vec!["«Начало речи."];
        body.extend(std::iter::repeat_n("Текст абзаца.", MAX_QUOTE_PARAGRAPHS + 1));
        body.push("Конец речи», — сказал он.");
        let text = wire(&body);
        let quotes = quotes_of(&text);
        assert!(quotes.iter().all(|q| !q.text.contains("Начало")), "{quotes:#?}");

        let mut body = vec!["«Начало речи."];
        body.extend(std::iter::repeat_n("Текст абзаца.", MAX_QUOTE_PARAGRAPHS - 2));
        body.push("Конец речи», — сказал он.");
        let text = wire(&body);
        let quotes = quotes_of(&text);
        assert_eq!(quotes.len(), 1);
        assert_eq!(quotes[0].text.split("\n\n").count(), MAX_QUOTE_PARAGRAPHS);
    }

    #[test]
    fn straight_quotes_continue_only_into_a_paragraph_opening_with_one() {
        let text = wire(&["\"We signed it today.", "\"It is a historic day,\" the minister said."]);
        let quotes = quotes_of(&text);
        assert_eq!(quotes.len(), 1, "{quotes:#?}");
        assert_eq!(quotes[0].text, "We signed it today.\n\nIt is a historic day");
        assert_eq!(speaker(&text, &quotes[0]), Some("the minister"));

        let text = wire(&["\"We signed it today.", "It is a historic day, the minister said."]);
        assert!(quotes_of(&text).is_empty());
    }

    #[test]
    fn single_paragraph_span_is_exactly_the_text() {
        let q = &quotes_of(SEED)[0];
        assert_eq!(q.span.of(SEED), q.text);
    }

    #[test]
    fn dialogue_dash_with_continuation() {
        let text = wire(&[
            "Министр ответил на вопросы журналистов.",
            "— Мы договорились о графике, — сказал он. — Вода придет вовремя.",
        ]);
        let quotes = quotes_of(&text);
        assert_eq!(quotes.len(), 2, "{quotes:#?}");
        assert_eq!(quotes[0].text, "Мы договорились о графике");
        assert_eq!(quotes[1].text, "Вода придет вовремя.");
        for q in &quotes {
            assert_eq!(q.verb.as_deref(), Some("сказал"));
            assert_eq!(speaker(&text, q), Some("он"));
        }
    }

    #[test]
    fn dash_list_items_are_not_quotes() {
        let text = wire(&["Стороны обсудили:", "— водные ресурсы;", "— подготовку к посевной."]);
        // A colon introduces the list, but there is no verb of saying before it.
        assert!(quotes_of(&text).is_empty(), "{:#?}", quotes_of(&text));
    }

    #[test]
    fn unattributed_speech_paragraph_is_a_quote() {
        let text = wire(&["«Мы сделали всё, что могли. Теперь очередь за парламентом»."]);
        let quotes = quotes_of(&text);
        assert_eq!(quotes.len(), 1);
        assert_eq!(quotes[0].verb, None);
        assert_eq!(quotes[0].speaker_span, None);
    }

    #[test]
    fn unclosed_quote_is_dropped_and_later_quotes_still_found() {
        let text = wire(&["Он упомянул «Байтерек и", "«Всё будет хорошо», — сказал он."]);
        let quotes = quotes_of(&text);
        assert_eq!(quotes.len(), 1, "{quotes:#?}");
        assert_eq!(quotes[0].text, "Всё будет хорошо");
    }

    #[test]
    fn every_sample_quote_has_the_expected_speaker() {
        let cases = [
            (
                "«Мы рассчитываем, что до конца года будут устранены еще не менее десяти препятствий», - сказал он.",
                "сказал",
                "он",
            ),
            (
                "«Это историческое решение, которое закрывает все пограничные вопросы между нашими странами», — заявил Жапаров после церемонии.",
                "заявил",
                "Жапаров",
            ),
        ];
        for (para, verb, who) in cases {
            let text = wire(&[para]);
            let quotes = quotes_of(&text);
            assert_eq!(quotes.len(), 1, "{para}");
            assert_eq!(quotes[0].verb.as_deref(), Some(verb));
            assert_eq!(speaker(&text, &quotes[0]), Some(who));
        }
    }

    #[test]
    fn a_user_lexicon_adds_verbs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lexicons")).unwrap();
        std::fs::write(dir.path().join("lexicons/speech_verbs.tsv"), "verb\tru\tпроворчать\tпроворчал\n")
            .unwrap();
        let lex = SpeechLexicon::load(&DataFiles::new(Some(dir.path()))).unwrap();
        assert!(lex.is_verb("Проворчал"));
        assert!(!lex.is_verb("сказал"));
        let text = wire(&["«Ну и погода», — проворчал синоптик."]);
        let q = &find(&text, &release(&text), &lex)[0];
        assert_eq!(q.verb.as_deref(), Some("проворчал"));
    }

    #[test]
    fn a_bad_lexicon_line_is_a_syntax_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lexicons")).unwrap();
        std::fs::write(dir.path().join("lexicons/speech_verbs.tsv"), "# c\nnoun\tru\tx\ty\n").unwrap();
        let err = SpeechLexicon::load(&DataFiles::new(Some(dir.path()))).unwrap_err();
        assert!(matches!(err, LoadError::Syntax { line: 2, .. }), "{err}");
    }

    #[test]
    fn fold_keeps_byte_offsets() {
        let s = "ЁЛКА İstanbul Straße ҢӨҮ Ѓ";
        assert_eq!(fold(s).len(), s.len());
        assert!(fold(s).starts_with("елка"));
        assert!(fold(s).ends_with("ңөү ѓ"));
        assert_eq!(fold("ПРИВЕТ, Мир"), "привет, мир");
    }

    #[test]
    fn folded_borrows_words_that_are_folded_already() {
        assert!(matches!(folded("сказал"), Cow::Borrowed("сказал")));
        assert_eq!(folded("Сказал"), "сказал");
        assert_eq!(folded("ЗАЯВИЛ ёлка"), fold("ЗАЯВИЛ ёлка"));
        assert!(matches!(folded("ёлка"), Cow::Owned(_)));
    }

    #[test]
    fn words_keep_hyphens_inside() {
        let text = "на пресс-конференции, Ала-Тоо - да";
        let words: Vec<&str> =
            word_spans(text, Span::new(0, text.len())).iter().map(|w| w.of(text)).collect();
        assert_eq!(words, ["на", "пресс-конференции", "Ала-Тоо", "да"]);
    }

    #[test]
    fn never_panics_on_cut_and_odd_text() {
        let lex = lexicon();
        let odd = [
            "«",
            "»",
            "\"",
            "— ",
            "—",
            "« »",
            "„“”«»\"",
            "«a\n\nb",
            ":«",
            "a:\n\n«b»",
            "— a, — ",
            "\"x\"y\"",
        ];
        for body in odd {
            let text = wire(&[body]);
            let _ = find(&text, &release(&text), &lex);
        }
        for cut in (0..SEED.len()).step_by(7).filter(|i| SEED.is_char_boundary(*i)) {
            if let Ok(r) = parse::parse(&SEED[..cut], Format::Wire) {
                for q in find(&SEED[..cut], &r, &lex) {
                    assert!(is_char_range(&SEED[..cut], q.span));
                }
            }
        }
    }
}
