//! The last stage: the stages' findings → the `wirefeed.event/1` envelope (SPEC §2): the ninjs `item`, the
//! `x` extension, deterministic ids, and byte offsets turned into char offsets.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Timelike};
use sha2::{Digest, Sha256};

use super::classify::Event;
use super::data::DataFiles;
use super::dateline::Dateline;
use super::dates::DateMention;
use super::decode::Decoded;
use super::entities::Entity;
use super::parse::Release;
use super::quotes::Quote;
use super::types::{EntityKind, LoadError, RawInput, Span, PARSER_VERSION};
use crate::event::*;

/// Agency and city time zones (`data/timezones.tsv`) with the configured fallback.
#[derive(Debug, Clone)]
pub struct TimeZones {
    by_key: Vec<(String, FixedOffset)>,
    fallback: FixedOffset,
}

impl TimeZones {
    /// Loads `timezones.tsv`; `fallback` is `pipeline.timezone` (`+06:00`, `UTC`).
    pub fn load(files: &DataFiles, fallback: &str) -> Result<Self, LoadError> {
        let mut by_key = Vec::new();
        for (line, fields) in files.records("timezones.tsv")? {
            let (Some(key), Some(offset)) = (fields.first(), fields.get(1)) else {
                return Err(DataFiles::syntax("timezones.tsv", line, "expected key<TAB>offset"));
            };
            let offset = parse_offset(offset).ok_or_else(|| {
                DataFiles::syntax("timezones.tsv", line, format!("bad UTC offset {offset:?}"))
            })?;
            by_key.push((key.to_lowercase(), offset));
        }
        let fallback = parse_offset(fallback).ok_or_else(|| {
            DataFiles::syntax(
                "pipeline.timezone",
                1,
                format!("bad UTC offset {fallback:?}; write it as +06:00"),
            )
        })?;
        Ok(TimeZones { by_key, fallback })
    }

    /// The zone of a release: its dateline city's, else its agency's, else the fallback.
    pub fn zone_of(&self, city: Option<&str>, agency: Option<&str>) -> FixedOffset {
        [city, agency]
            .into_iter()
            .flatten()
            .find_map(|key| {
                let key = key.to_lowercase();
                self.by_key.iter().find(|(k, _)| *k == key).map(|(_, z)| *z)
            })
            .unwrap_or(self.fallback)
    }
}

/// Parses `+06:00`, `-03:30`, `+0600`, `UTC` or `Z`.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("utc") || s == "Z" {
        return FixedOffset::east_opt(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// What the stages found, handed to [`assemble`]. The language, entities, quotes and events are handed
/// over, not lent: their strings move into the envelope instead of being copied.
#[derive(Debug, Clone)]
pub struct Parts<'a> {
    /// The raw input and its transport facts.
    pub input: &'a RawInput<'a>,
    /// The decode stage's output.
    pub decoded: &'a Decoded,
    /// The parsed release.
    pub release: &'a Release,
    /// Its dateline.
    pub dateline: Option<&'a Dateline>,
    /// Its language.
    pub language: String,
    /// Dates named.
    pub dates: &'a [DateMention],
    /// Entities.
    pub entities: Vec<Entity>,
    /// Quotes.
    pub quotes: Vec<Quote>,
    /// Events.
    pub events: Vec<Event>,
    /// Time zones.
    pub zones: &'a TimeZones,
}

/// Builds the envelope.
pub fn assemble(p: Parts<'_>) -> Envelope {
    let text = p.release.text.as_str();
    let chars = CharIndex::new(text);
    let headline = p.release.headline.of(text).trim().to_string();
    let body = join_paragraphs(text, body_paragraphs(p.release, p.dateline));
    let body_chars = body_char_count(body_paragraphs(p.release, p.dateline), &chars);
    let lead = lead_text(text, p.release, p.dateline);

    let agency = p.dateline.and_then(|d| d.agency.clone()).or_else(|| p.release.source.clone());
    let source_name = p.release.source.as_deref().or(agency.as_deref());
    let mut ids =
        Ids::derive(source_name, p.release.native_id.as_deref(), p.input.message_id, &headline, &body);
    let times = Times::derive(&p);
    let content_created = rfc3339(&times.content_created);

    let mut warnings = p.decoded.warnings.clone();
    warnings.extend(p.release.warnings.iter().cloned());
    if p.dateline.is_none() {
        warnings.push("no dateline: city and agency unknown, the lead is the first paragraph".into());
    }

    let alt_ids = ids.alt_ids(p.input.message_id);
    let item = Item {
        uri: ids.uri,
        kind: Label::fixed("text"),
        version: Label::fixed("1"),
        first_created: content_created.clone(),
        content_created,
        version_created: rfc3339(&times.version_created),
        pub_status: Label::fixed("usable"),
        language: p.language,
        headlines: vec![Text { role: Label::fixed("main"), value: headline }],
        descriptions: lead.map(|value| Text { role: Label::fixed("lead"), value }).into_iter().collect(),
        bodies: vec![Body {
            role: Label::fixed("main"),
            content_type: Label::fixed("text/plain"),
            char_count: body_chars as u64,
            word_count: word_count(&body) as u64,
            value: body,
        }],
        located: p.dateline.and_then(|d| d.city.clone()),
        info_sources: agency
            .into_iter()
            .map(|name| InfoSource { name, role: Label::fixed("originator") })
            .collect(),
        people: concepts(&p.entities, EntityKind::Person),
        organisations: concepts(&p.entities, EntityKind::Organisation),
        places: concepts(&p.entities, EntityKind::Place),
        subjects: subjects(&p.events),
        events: p.events.iter().enumerate().map(|(i, e)| ninjs_event(i, e)).collect(),
        alt_ids,
        standard: Standard::default(),
    };

    let x = Extension {
        dateline: p.dateline.map(|d| XDateline {
            raw: d.span.of(text).to_string(),
            city: d.city.clone(),
            country: d.country.clone(),
            date: d.date.map(iso_date),
            agency: d.agency.clone(),
            start: chars.at(d.span.start),
            end: chars.at(d.span.end),
        }),
        entities: p.entities.into_iter().map(|e| x_entity(e, text, &chars)).collect(),
        quotes: p.quotes.into_iter().map(|q| x_quote(q, text, &chars)).collect(),
        events: p.events.into_iter().map(|e| x_event(e, text, &chars)).collect(),
        dates: p
            .dates
            .iter()
            .map(|d| XDate {
                text: d.span.of(text).to_string(),
                date: iso_date(d.date),
                start: chars.at(d.span.start),
                end: chars.at(d.span.end),
            })
            .collect(),
        ingest: Ingest {
            received_at: rfc3339(&p.input.received_at.fixed_offset()),
            message_id: p.input.message_id.map(str::to_string),
            redelivered: p.input.redelivered,
            format: Label::fixed(p.release.format.as_str()),
            charset: p.decoded.charset.clone(),
            parser_version: Label::fixed(PARSER_VERSION),
            raw_sha256: hex(&Sha256::digest(p.input.body)),
        },
        warnings,
    };
    Envelope { schema: Label::fixed(SCHEMA), id: ids.id, item, x }
}

/// The body paragraphs: all but the dateline (and the dateline's own paragraph when it stands alone).
/// An iterator, not a list: the body is joined and its chars counted from it without a `Vec` of spans.
fn body_paragraphs<'r>(
    release: &'r Release,
    dateline: Option<&Dateline>,
) -> impl Iterator<Item = Span> + Clone + 'r {
    let dateline = dateline.map(|d| d.span);
    release.paragraphs.iter().filter_map(move |para| match dateline {
        Some(d) if para.overlaps(d) => {
            let rest = Span::new(d.end.max(para.start), para.end);
            let trimmed = trim_span(&release.text, rest);
            (!trimmed.is_empty()).then_some(trimmed)
        }
        _ => Some(*para),
    })
}

/// The body paragraphs joined by a blank line, in one allocation.
fn join_paragraphs(text: &str, paragraphs: impl Iterator<Item = Span> + Clone) -> String {
    const SEPARATOR: &str = "\n\n";
    let (count, bytes) = paragraphs.clone().fold((0, 0), |(n, len), s| (n + 1, len + s.end - s.start));
    let len = bytes + SEPARATOR.len() * usize::saturating_sub(count, 1);
    let mut body = String::with_capacity(len);
    for (i, span) in paragraphs.enumerate() {
        if i > 0 {
            body.push_str(SEPARATOR);
        }
        body.push_str(span.of(text));
    }
    body
}

/// The chars of the joined body, from the char index instead of a second pass over the body: each
/// paragraph's chars plus two for every blank-line separator.
fn body_char_count(paragraphs: impl Iterator<Item = Span>, chars: &CharIndex) -> usize {
    let (count, in_paragraphs) =
        paragraphs.fold((0, 0), |(n, sum), s| (n + 1, sum + chars.at(s.end) - chars.at(s.start)));
    in_paragraphs + 2 * usize::saturating_sub(count, 1)
}

/// `text.split_whitespace().count()`, as a count of the places where a space is followed by a non-space:
/// a pass over the bytes the compiler vectorises. That reading needs every space to be ASCII, so a text
/// with a Unicode space (no-break, thin, ideographic…) is split the ordinary way.
fn word_count(text: &str) -> usize {
    if has_multibyte_whitespace(text) {
        return text.split_whitespace().count();
    }
    let bytes = text.as_bytes();
    let is_space = |b: u8| (b == b' ') | (b.wrapping_sub(b'\t') < 5);
    // A continuation byte never follows an ASCII byte, so a word starts at a non-space byte after a space.
    // Blocks of 64 pairs let the count run in byte lanes.
    let first = usize::from(bytes.first().is_some_and(|&b| !is_space(b)));
    let (previous, current) = (bytes, bytes.get(1..).unwrap_or_default());
    let starts: usize = previous
        .chunks(64)
        .zip(current.chunks(64))
        .map(|(p, c)| {
            let in_block = p.iter().zip(c).fold(0u8, |n, (&p, &c)| n + u8::from(is_space(p) & !is_space(c)));
            usize::from(in_block)
        })
        .sum();
    first + starts
}

/// Whether `text` holds a whitespace char beyond ASCII: U+0085 and U+00A0 (lead byte `C2`), U+1680 (`E1`),
/// U+2000–U+205F (`E2`), U+3000 (`E3`). Only the chars under those lead bytes are decoded.
fn has_multibyte_whitespace(text: &str) -> bool {
    let bytes = text.as_bytes();
    let is_space_at = |i: usize| text[i..].chars().next().is_some_and(char::is_whitespace);
    memchr::memchr3_iter(0xc2, 0xe1, 0xe2, bytes).any(is_space_at)
        || memchr::memchr_iter(0xe3, bytes).any(is_space_at)
}

/// The lead without its dateline; the first paragraph when there is no dateline.
fn lead_text(text: &str, release: &Release, dateline: Option<&Dateline>) -> Option<String> {
    let span = match dateline {
        Some(d) => d.lead?,
        None => *release.paragraphs.first()?,
    };
    let value = span.of(text).trim();
    (!value.is_empty()).then(|| value.to_string())
}

fn trim_span(text: &str, span: Span) -> Span {
    let s = span.of(text);
    let start = span.start + (s.len() - s.trim_start().len());
    let end = span.end - (s.len() - s.trim_end().len());
    Span::new(start, end.max(start))
}

/// Deterministic identifiers of a release (SPEC §4).
struct Ids {
    id: String,
    uri: String,
    native: Option<String>,
    content_hash: String,
}

impl Ids {
    /// Id and URI from the source and its native id (JSON `id`, else the AMQP message id), else from a
    /// hash of the normalised content, so that every worker and every redelivery agree.
    fn derive(
        source: Option<&str>,
        native_id: Option<&str>,
        message_id: Option<&str>,
        headline: &str,
        body: &str,
    ) -> Ids {
        let slug = source.map(slugify).filter(|s| !s.is_empty()).unwrap_or_else(|| "unknown".into());
        // The digests take their parts one by one: the same bytes as hashing the joined string, no copy.
        let content_hash = hex(&sha256_of(&[headline.as_bytes(), b"\n\n", body.as_bytes()]));
        let key = native_id.or(message_id).unwrap_or(&content_hash);
        let mut id = hex(&sha256_of(&[slug.as_bytes(), b"\n", key.as_bytes()]));
        id.truncate(32);
        let mut uri = String::with_capacity("urn:wirefeed::".len() + slug.len() + key.len());
        uri.push_str("urn:wirefeed:");
        uri.push_str(&slug);
        uri.push(':');
        urn_escape_into(key, &mut uri);
        Ids { id, uri, native: native_id.map(str::to_string), content_hash }
    }

    /// The alternative ids; the native id moves into its entry.
    fn alt_ids(&mut self, message_id: Option<&str>) -> Vec<AltId> {
        let mut ids = Vec::with_capacity(3);
        if let Some(native) = self.native.take() {
            ids.push(AltId { role: Label::fixed("source-id"), value: native });
        }
        if let Some(mid) = message_id {
            ids.push(AltId { role: Label::fixed("amqp-message-id"), value: mid.to_string() });
        }
        let mut hash = String::with_capacity("sha256:".len() + self.content_hash.len());
        hash.push_str("sha256:");
        hash.push_str(&self.content_hash);
        ids.push(AltId { role: Label::fixed("content-hash"), value: hash });
        ids
    }
}

/// Release times (SPEC §2): a date-only release is midnight in the agency's zone.
struct Times {
    content_created: DateTime<FixedOffset>,
    version_created: DateTime<FixedOffset>,
}

impl Times {
    fn derive(p: &Parts<'_>) -> Times {
        let received = p.input.received_at.fixed_offset();
        if let Some(published) = p.release.published {
            return Times { content_created: published, version_created: published };
        }
        let city = p.dateline.and_then(|d| d.city.as_deref());
        let agency = p.dateline.and_then(|d| d.agency.as_deref()).or(p.release.source.as_deref());
        let zone = p.zones.zone_of(city, agency);
        let date: Option<NaiveDate> = p.release.declared_date.or_else(|| p.dateline.and_then(|d| d.date));
        let time = p.dateline.and_then(|d| d.time);
        let Some(date) = date else {
            return Times { content_created: received, version_created: received };
        };
        let local = date.and_time(time.unwrap_or(NaiveTime::MIN));
        let created =
            zone.from_local_datetime(&local).single().unwrap_or_else(|| zone.from_utc_datetime(&local));
        // With a time from the source the version is that moment; with a date only it is when we saw it.
        let version = if time.is_some() { created } else { received };
        Times { content_created: created, version_created: version }
    }
}

/// The SHA-256 of the concatenation of `parts`.
fn sha256_of(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// `t.to_rfc3339_opts(SecondsFormat::Secs, false)` (`2025-08-22T00:00:00+06:00`) written digit by digit
/// for four-digit years and whole-minute offsets; chrono's formatter for the rest (and leap seconds).
fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    let offset = t.offset().local_minus_utc();
    if !(0..=9999).contains(&t.year()) || offset % 60 != 0 || t.nanosecond() >= 1_000_000_000 {
        return t.to_rfc3339_opts(SecondsFormat::Secs, false);
    }
    let mut s = String::with_capacity("2025-08-22T00:00:00+06:00".len());
    push_digits(&mut s, t.year() as u32, 4);
    s.push('-');
    push_digits(&mut s, t.month(), 2);
    s.push('-');
    push_digits(&mut s, t.day(), 2);
    s.push('T');
    push_digits(&mut s, t.hour(), 2);
    s.push(':');
    push_digits(&mut s, t.minute(), 2);
    s.push(':');
    push_digits(&mut s, t.second(), 2);
    s.push(if offset < 0 { '-' } else { '+' });
    let minutes = offset.unsigned_abs() / 60;
    push_digits(&mut s, minutes / 60, 2);
    s.push(':');
    push_digits(&mut s, minutes % 60, 2);
    s
}

/// Converts byte offsets of one text to char offsets: the chars before every 64-byte block are counted
/// once (a pass the compiler vectorises), a look-up counts the rest of its block. A table with one entry
/// per byte cost a memset and a branchy pass over the whole text for the hundred offsets an envelope needs.
struct CharIndex<'t> {
    bytes: &'t [u8],
    /// `blocks[k]`: the chars that start before byte `k * BLOCK`.
    blocks: Vec<u32>,
}

impl<'t> CharIndex<'t> {
    const BLOCK: usize = 64;

    fn new(text: &'t str) -> Self {
        let bytes = text.as_bytes();
        let mut blocks = Vec::with_capacity(bytes.len() / Self::BLOCK + 1);
        let mut count = 0u32;
        blocks.push(0);
        for block in bytes.chunks_exact(Self::BLOCK) {
            count += char_starts(block) as u32;
            blocks.push(count);
        }
        CharIndex { bytes, blocks }
    }

    /// The chars that start before `byte`: a byte offset inside a char maps to the char it belongs to;
    /// offsets past the end map to the char count.
    fn at(&self, byte: usize) -> usize {
        let byte = byte.min(self.bytes.len());
        let block = byte / Self::BLOCK;
        self.blocks[block] as usize + char_starts(&self.bytes[block * Self::BLOCK..byte])
    }
}

/// The bytes that start a char: all but the continuation bytes (10xxxxxx). At most one block long, so the
/// count fits the byte lanes it is vectorised into.
fn char_starts(bytes: &[u8]) -> usize {
    debug_assert!(bytes.len() <= CharIndex::BLOCK);
    usize::from(bytes.iter().fold(0u8, |n, &b| n + u8::from(b & 0xC0 != 0x80)))
}

fn mention(span: Span, text: &str, chars: &CharIndex) -> XMention {
    XMention { start: chars.at(span.start), end: chars.at(span.end), text: span.of(text).to_string() }
}

/// `x.entities[]`: the entity's strings move in, its byte spans become mentions.
fn x_entity(e: Entity, text: &str, chars: &CharIndex) -> XEntity {
    XEntity {
        mentions: e.mentions.iter().map(|s| mention(*s, text, chars)).collect(),
        id: e.id,
        kind: Label::fixed(e.kind.as_str()),
        subtype: e.subtype,
        name: e.name,
        country: e.country,
        roles: e.roles,
        wikidata: e.wikidata,
    }
}

/// `x.quotes[]`: the quote's strings move in.
fn x_quote(q: Quote, text: &str, chars: &CharIndex) -> XQuote {
    XQuote {
        text: q.text,
        speaker: q.speaker,
        speaker_text: q.speaker_span.map(|s| s.of(text).to_string()),
        verb: q.verb,
        start: chars.at(q.span.start),
        end: chars.at(q.span.end),
    }
}

/// `x.events[]`: the event's strings move in.
fn x_event(e: Event, text: &str, chars: &CharIndex) -> XEvent {
    XEvent {
        kind: e.kind,
        cameo: e.cameo,
        actors: e.actors.into_iter().map(|(entity, role)| XActor { entity, role }).collect(),
        place: e.place,
        date: e.date.map(iso_date),
        trigger: mention(e.trigger, text, chars),
        confidence: e.confidence,
        attributes: e.attributes,
    }
}

/// `item.events[]`: `ev<n>`, the type and the CAMEO code (absent when empty).
fn ninjs_event(index: usize, e: &Event) -> NinjsEvent {
    NinjsEvent {
        id: event_id(index),
        name: e.kind.clone(),
        literal: (!e.cameo.is_empty()).then(|| e.cameo.clone()),
    }
}

fn concepts(entities: &[Entity], kind: EntityKind) -> Vec<Concept> {
    const WIKIDATA: &str = "http://www.wikidata.org/entity/";
    let of_kind = || entities.iter().filter(move |e| e.kind == kind);
    // Counted first: a filtered iterator does not know its length, and the list would be regrown.
    let mut out = Vec::with_capacity(of_kind().count());
    out.extend(of_kind().map(|e| Concept {
        name: e.name.clone(),
        rel: Some(Label::fixed("mentioned")),
        uri: e.wikidata.as_deref().map(|q| concat_str(WIKIDATA, q)),
        literal: Some(e.id.clone()),
    }));
    out
}

/// `a` followed by `b`, in one allocation of the right size.
fn concat_str(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len());
    s.push_str(a);
    s.push_str(b);
    s
}

/// `date.to_string()` (ISO `YYYY-MM-DD`) without the formatter for the years it writes with four digits.
fn iso_date(date: NaiveDate) -> String {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return date.to_string();
    }
    let mut s = String::with_capacity(10);
    push_digits(&mut s, year as u32, 4);
    s.push('-');
    push_digits(&mut s, date.month(), 2);
    s.push('-');
    push_digits(&mut s, date.day(), 2);
    s
}

/// Appends the last `width` decimal digits of `n`, zero-padded.
fn push_digits(s: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (n / 10u32.pow(place)) % 10;
        s.push(char::from(b'0' + digit as u8));
    }
}

/// One subject per event family (`diplomacy`, `agreement`, …), in order of first appearance.
fn subjects(events: &[Event]) -> Vec<Concept> {
    // The subjects made so far are the families seen so far: no separate list of families.
    let mut subjects: Vec<Concept> = Vec::new();
    for e in events {
        let family = e.kind.split('.').next().unwrap_or(&e.kind);
        if family != "other" && !subjects.iter().any(|s| s.name == family) {
            subjects.push(Concept {
                name: family.to_string(),
                rel: Some(Label::fixed("about")),
                uri: None,
                literal: Some(concat_str("wirefeed:", family)),
            });
        }
    }
    subjects
}

/// `ev1`, `ev2`, …: the ids of `item.events`.
fn event_id(index: usize) -> String {
    let n = index + 1;
    if n < 10 {
        let mut id = String::with_capacity(3);
        id.push_str("ev");
        id.push(char::from(b'0' + n as u8));
        return id;
    }
    format!("ev{n}")
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    // A table lookup, not `write!("{b:02x}")`: the formatter showed up in the worker's profile (once per
    // message for the content hash).
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

/// A URL- and URN-safe slug of a source name: Cyrillic transliterated, everything else not alphanumeric
/// folded to single dashes ("САЯСАТ.KG" → "sayasat-kg").
pub fn slugify(name: &str) -> String {
    // A Cyrillic letter (two bytes) gives at most four Latin ones ("щ" → "shch"): room for that, so the
    // slug is not regrown; the dashes are trimmed in place rather than copied out.
    let mut out = String::with_capacity(2 * name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match translit(c) {
            Some(latin) => out.push_str(latin),
            None if c.is_ascii_alphanumeric() => out.push(c),
            None => {
                // A leading dash would be trimmed: never written.
                if !out.is_empty() && !out.ends_with('-') {
                    out.push('-')
                }
            }
        }
    }
    let kept = out.trim_end_matches('-').len();
    out.truncate(kept);
    out
}

fn translit(c: char) -> Option<&'static str> {
    const TABLE: [(char, &str); 39] = [
        ('а', "a"),
        ('б', "b"),
        ('в', "v"),
        ('г', "g"),
        ('д', "d"),
        ('е', "e"),
        ('ё', "e"),
        ('ж', "zh"),
        ('з', "z"),
        ('и', "i"),
        ('й', "y"),
        ('к', "k"),
        ('л', "l"),
        ('м', "m"),
        ('н', "n"),
        ('о', "o"),
        ('п', "p"),
        ('р', "r"),
        ('с', "s"),
        ('т', "t"),
        ('у', "u"),
        ('ф', "f"),
        ('х', "kh"),
        ('ц', "ts"),
        ('ч', "ch"),
        ('ш', "sh"),
        ('щ', "shch"),
        ('ъ', ""),
        ('ы', "y"),
        ('ь', ""),
        ('э', "e"),
        ('ю', "yu"),
        ('я', "ya"),
        ('ң', "n"),
        ('ө', "o"),
        ('ү', "u"),
        ('қ', "k"),
        ('ғ', "g"),
        ('ә', "a"),
    ];
    TABLE.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
}

/// Percent-escapes what a URN's specific string may not hold.
#[cfg(test)]
fn urn_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    urn_escape_into(s, &mut out);
    out
}

/// [`urn_escape`] appending to `out`.
fn urn_escape_into(s: &str, out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(DIGITS[usize::from(b >> 4)] as char);
            out.push(DIGITS[usize::from(b & 0x0f)] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0a, 0xab, 0xff]), "000aabff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn slugs_transliterate_cyrillic() {
        assert_eq!(slugify("САЯСАТ.KG"), "sayasat-kg");
        assert_eq!(slugify("AKIpress"), "akipress");
        assert_eq!(slugify("РИА Новости"), "ria-novosti");
    }

    #[test]
    fn slugs_have_no_dash_at_either_end_nor_two_in_a_row() {
        assert_eq!(slugify("«24.kg»"), "24-kg");
        assert_eq!(slugify("-- Ъ --"), "");
        assert_eq!(slugify("ъ.Кабар, ь"), "kabar");
        assert_eq!(slugify("A . . B"), "a-b");
        assert_eq!(slugify(""), "");
    }

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_offset("+06:00"), FixedOffset::east_opt(6 * 3600));
        assert_eq!(parse_offset("-0330"), FixedOffset::east_opt(-(3 * 3600 + 1800)));
        assert_eq!(parse_offset("UTC"), FixedOffset::east_opt(0));
        assert_eq!(parse_offset("Asia/Bishkek"), None);
    }

    #[test]
    fn char_index_counts_scalars_not_bytes() {
        let idx = CharIndex::new("аб c");
        assert_eq!(idx.at(0), 0);
        assert_eq!(idx.at(2), 1);
        assert_eq!(idx.at(4), 2);
        assert_eq!(idx.at(6), 4);
    }

    #[test]
    fn char_index_agrees_with_counting_chars_across_blocks() {
        let text = "Бишкек, «САЯСАТ.KG» — Президент\u{a0}провел 22 августа переговоры 😀 в узком формате. "
            .repeat(5);
        let idx = CharIndex::new(&text);
        for byte in 0..=text.len() + 3 {
            let expected = text.char_indices().take_while(|(i, _)| *i < byte).count();
            assert_eq!(idx.at(byte), expected, "byte {byte}");
        }
    }

    #[test]
    fn word_count_agrees_with_split_whitespace() {
        for text in [
            "",
            "   ",
            "one",
            " Президент  провел\tпереговоры\n\nс\u{a0}Президентом\u{2009}Казахстана\u{3000}x ",
            "a\u{85}b\u{1680}c\u{202f}d\u{205f}e — «f» “g” \u{2028}h\u{2029}",
            "\u{c2a}\u{e1}\u{2014}\u{3001}",
            "\tone two\n",
        ] {
            assert_eq!(
                has_multibyte_whitespace(text),
                text.chars().any(|c| !c.is_ascii() && c.is_whitespace())
            );
            assert_eq!(word_count(text), text.split_whitespace().count(), "{text:?}");
        }
    }

    #[test]
    fn body_joins_paragraphs_and_counts_their_chars() {
        let text = "аб вг\n\nде\n\n\nж";
        let paragraphs = [Span::new(0, 9), Span::new(11, 15), Span::new(18, 20)];
        let body = join_paragraphs(text, paragraphs.iter().copied());
        assert_eq!(body, "аб вг\n\nде\n\nж");
        assert_eq!(body_char_count(paragraphs.iter().copied(), &CharIndex::new(text)), body.chars().count());
        assert_eq!(join_paragraphs(text, std::iter::empty()), "");
        assert_eq!(body_char_count(std::iter::empty(), &CharIndex::new(text)), 0);
    }

    #[test]
    fn hashing_parts_equals_hashing_the_joined_string() {
        let joined = Sha256::digest("заголовок\n\nтекст".as_bytes());
        assert_eq!(sha256_of(&["заголовок".as_bytes(), b"\n\n", "текст".as_bytes()])[..], joined[..]);
    }

    #[test]
    fn rfc3339_agrees_with_chrono() {
        let date = NaiveDate::from_ymd_opt(2025, 8, 22).unwrap();
        let times = [
            date.and_hms_opt(0, 0, 0).unwrap(),
            date.and_hms_opt(23, 59, 59).unwrap(),
            date.and_hms_nano_opt(9, 5, 7, 123_456_789).unwrap(),
            date.and_hms_milli_opt(23, 59, 59, 1_500).unwrap(),
            NaiveDate::from_ymd_opt(7, 1, 2).unwrap().and_hms_opt(1, 2, 3).unwrap(),
            NaiveDate::from_ymd_opt(12345, 1, 2).unwrap().and_hms_opt(1, 2, 3).unwrap(),
            NaiveDate::from_ymd_opt(-44, 3, 15).unwrap().and_hms_opt(12, 0, 0).unwrap(),
        ];
        for seconds in [0, 6 * 3600, -(3 * 3600 + 1800), 5 * 3600 + 45 * 60, 14 * 3600, -12 * 3600, 3661] {
            let zone = FixedOffset::east_opt(seconds).unwrap();
            for local in times {
                let t = zone.from_local_datetime(&local).unwrap();
                assert_eq!(rfc3339(&t), t.to_rfc3339_opts(SecondsFormat::Secs, false), "{t:?}");
            }
        }
    }

    #[test]
    fn iso_dates_agree_with_chrono() {
        for (y, m, d) in [(2025, 8, 22), (1, 1, 1), (0, 12, 31), (9999, 12, 31), (10000, 1, 1), (-1, 6, 5)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(iso_date(date), date.to_string());
        }
    }

    #[test]
    fn urn_escapes_spaces_and_slashes() {
        assert_eq!(urn_escape("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn zone_prefers_city_then_agency_then_fallback() {
        let zones = TimeZones::load(&DataFiles::new(None), "+01:00").unwrap();
        let bishkek = FixedOffset::east_opt(6 * 3600).unwrap();
        assert_eq!(zones.zone_of(Some("Бишкек"), Some("Sputnik")), bishkek);
        assert_eq!(zones.zone_of(None, Some("САЯСАТ.KG")), bishkek);
        assert_eq!(zones.zone_of(Some("Nowhere"), None), FixedOffset::east_opt(3600).unwrap());
    }

    #[test]
    fn ids_are_deterministic_and_prefer_the_native_id() {
        let a = Ids::derive(Some("AKIpress"), Some("akp-1"), Some("m-9"), "h", "b");
        let b = Ids::derive(Some("AKIpress"), Some("akp-1"), None, "other", "text");
        assert_eq!(a.id, b.id);
        assert_eq!(a.uri, "urn:wirefeed:akipress:akp-1");
        let c = Ids::derive(None, None, None, "h", "b");
        assert!(c.uri.starts_with("urn:wirefeed:unknown:"));
        assert_eq!(c.id, Ids::derive(None, None, None, "h", "b").id);
    }
}
