//! The last stage: the stages' findings → the `wirefeed.event/1` envelope (SPEC §2): the ninjs `item`, the
//! `x` extension, deterministic ids, and byte offsets turned into char offsets.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Timelike};
use sha2::{Digest, Sha256};

use super::classify::{Event, EventStatus};
use super::data::DataFiles;
use super::dateline::Dateline;
use super::dates::DateMention;
use super::decode::Decoded;
use super::entities::Entity;
use super::parse::Release;
use super::quotes::Quote;
use super::text::utf8::CharIndex;
use super::text::words::{trim_span, whitespace_word_count};
use super::types::{EntityKind, LoadError, RawInput, Span, PARSER_VERSION};
use crate::event::*;
use crate::ids::{hex, slugify};

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
            word_count: whitespace_word_count(&body) as u64,
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
        events: happened(&p.events).enumerate().map(|(i, e)| ninjs_event(i, e)).collect(),
        alt_ids,
        standard: Standard::default(),
    };

    let x = Extension {
        dateline: p.dateline.map(|d| XDateline {
            raw: d.span.of(text).to_string(),
            city: d.city.clone(),
            country: d.country.clone(),
            // A dateline without a year in a release without a date: ISO 8601's `--MM-DD`.
            date: d.date.map(iso_date).or_else(|| d.month_day.map(|(m, day)| format!("--{m:02}-{day:02}"))),
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

/// The lead without its dateline; the first paragraph when there is no dateline.
fn lead_text(text: &str, release: &Release, dateline: Option<&Dateline>) -> Option<String> {
    let span = match dateline {
        Some(d) => d.lead?,
        None => *release.paragraphs.first()?,
    };
    let value = span.of(text).trim();
    (!value.is_empty()).then(|| value.to_string())
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
        status: e.status,
        attributes: e.attributes,
    }
}

/// The events that happened: only they are the release's news in `item.events` and its subjects; planned
/// and cancelled ones stay in `x.events` with their status.
fn happened(events: &[Event]) -> impl Iterator<Item = &Event> {
    events.iter().filter(|e| e.status == EventStatus::Happened)
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

/// One subject per family of the events that happened (`diplomacy`, `agreement`, …), in order of first appearance.
fn subjects(events: &[Event]) -> Vec<Concept> {
    // The subjects made so far are the families seen so far: no separate list of families.
    let mut subjects: Vec<Concept> = Vec::new();
    for e in happened(events) {
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
    fn offsets_parse() {
        assert_eq!(parse_offset("+06:00"), FixedOffset::east_opt(6 * 3600));
        assert_eq!(parse_offset("-0330"), FixedOffset::east_opt(-(3 * 3600 + 1800)));
        assert_eq!(parse_offset("UTC"), FixedOffset::east_opt(0));
        assert_eq!(parse_offset("Asia/Bishkek"), None);
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
