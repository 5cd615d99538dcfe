//! What goes on the wire: the event message (routing key, properties, SPEC §2 headers) and the rejection
//! message (the original body and properties plus the error headers of SPEC §4). Pure functions, no I/O.
//!
//! Everything written into a header or a routing key comes from message content, so it is bounded and
//! sanitised here (issue 14): a header value never holds a control character and is cut to a byte limit
//! with "…"; routing-key parts hold only `[a-z0-9_-]`. A message's content header (its properties) must fit
//! in one AMQP frame, or the broker closes the whole connection (`FRAME_ERROR`) and every release in flight
//! beside it is redelivered: [`check_fits`] measures the encoded properties before publishing, so an
//! oversized message is the release's own rejection instead.

use amq_protocol::frame::WriteContext;
use lapin::protocol::basic::gen_properties;
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::BasicProperties;

use super::connection::short;
use crate::event::Envelope;
use crate::ids::slugify;
use crate::pipeline::{RejectKind, Rejection};

/// `delivery_mode` of a persistent message.
pub const PERSISTENT: u8 = 2;

/// The longest `x-wirefeed-error` value, in bytes: a reason a person can read in full, not the release.
pub const MAX_REASON_BYTES: usize = 1024;

/// The longest `x-wirefeed-countries` value, in bytes: room for every ISO 3166 code (249 × 3).
pub const MAX_COUNTRIES_BYTES: usize = 768;

/// The longest value of any other header the worker writes, in bytes.
pub const MAX_HEADER_BYTES: usize = 256;

/// The longest part a placeholder fills into the routing key, in bytes.
pub const MAX_ROUTING_PART_BYTES: usize = 64;

/// The smallest `frame_max` AMQP 0-9-1 allows: the properties of every event the worker builds fit in it
/// (the header limits above see to that), whatever frame size the broker negotiates.
pub const MIN_FRAME_MAX: u32 = 4096;

/// A content header frame's bytes besides the encoded properties: frame type, channel, size and end octet
/// (8), class id, weight and body size (12).
const HEADER_FRAME_OVERHEAD: usize = 20;

/// An event ready to publish.
#[derive(Debug, Clone)]
pub struct EventMessage {
    /// The event id (also the `message_id`).
    pub event_id: String,
    /// Filled-in `output.routing_key`.
    pub routing_key: ShortString,
    /// The envelope as JSON.
    pub payload: Vec<u8>,
    /// Persistent, JSON, ids and headers.
    pub properties: BasicProperties,
}

/// Builds the event message for `envelope`; `input_id` is the input's `message_id` (the `correlation_id`).
pub fn event_message(
    envelope: &Envelope,
    template: &str,
    input_id: Option<&ShortString>,
) -> Result<EventMessage, serde_json::Error> {
    // Sized for a typical event (a seed release's is ~12 KB) so the buffer is not regrown while writing.
    let mut payload = Vec::with_capacity(16 * 1024);
    serde_json::to_writer(&mut payload, envelope)?;
    let countries = envelope.countries().join(",");
    let mut headers = FieldTable::default();
    put_header(&mut headers, "x-wirefeed-schema", &envelope.schema, MAX_HEADER_BYTES);
    put_header(&mut headers, "x-wirefeed-event-type", envelope.primary_event_type(), MAX_HEADER_BYTES);
    put_header(&mut headers, "x-wirefeed-language", &envelope.item.language, MAX_HEADER_BYTES);
    put_header(&mut headers, "x-wirefeed-countries", &countries, MAX_COUNTRIES_BYTES);
    put_header(&mut headers, "x-wirefeed-source", envelope.source().unwrap_or("unknown"), MAX_HEADER_BYTES);
    let mut properties = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_content_encoding("utf-8".into())
        .with_delivery_mode(PERSISTENT)
        .with_message_id(short(&envelope.id))
        .with_type(short(&envelope.schema))
        .with_app_id("wirefeed".into())
        .with_timestamp(chrono::Utc::now().timestamp().max(0) as u64)
        .with_headers(headers);
    if let Some(id) = input_id {
        properties = properties.with_correlation_id(short(&header_safe(id.as_str(), MAX_HEADER_BYTES)));
    }
    Ok(EventMessage {
        event_id: envelope.id.clone(),
        routing_key: short(&routing_key(envelope, template)),
        payload,
        properties,
    })
}

/// Sets a long-string header to `value` made [`header_safe`] within `max_bytes`.
fn put_header(headers: &mut FieldTable, key: &str, value: &str, max_bytes: usize) {
    let value = header_safe(value, max_bytes);
    headers.insert(key.into(), AMQPValue::LongString(LongString::from(value.as_str())));
}

/// `text` fit for a header: every control character (C0, DEL, C1) becomes a space, and a text longer than
/// `max_bytes` is cut on a char boundary and ends in "…" (the result, ellipsis included, is at most
/// `max_bytes` long).
pub fn header_safe(text: &str, max_bytes: usize) -> String {
    let clean = |c: char| if c.is_control() { ' ' } else { c };
    if text.len() <= max_bytes {
        return text.chars().map(clean).collect();
    }
    let mut end = max_bytes.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out: String = text[..end].chars().map(clean).collect();
    out.push('…');
    out
}

/// Fills `{language}`, `{event_type}`, `{country}` (the first country, lower case, `xx` when none) and
/// `{source}` (the agency's slug, `unknown` when none) into the routing-key template. Each filled part holds
/// only `[a-z0-9_-]` (see `routing_part`): a dot or a `#` from message content must not add levels to
/// the key or match other bindings. The event type comes from the lexicon and keeps its levels.
pub fn routing_key(envelope: &Envelope, template: &str) -> String {
    let country = envelope.countries().first().map(|c| routing_part(c, "xx")).unwrap_or_else(|| "xx".into());
    let source =
        envelope.source().map(|s| routing_part(&slugify(s), "unknown")).unwrap_or_else(|| "unknown".into());
    let language = routing_part(&envelope.item.language, "und");
    template
        .replace("{language}", &language)
        .replace("{event_type}", &event_type_parts(envelope.primary_event_type()))
        .replace("{country}", &country)
        .replace("{source}", &source)
}

/// The event type as routing-key parts: its levels (`diplomacy.talks`) stay levels, each one a
/// [`routing_part`].
fn event_type_parts(kind: &str) -> String {
    kind.split('.').map(|level| routing_part(level, "other")).collect::<Vec<_>>().join(".")
}

/// One routing-key part: lower case, every char outside `[a-z0-9_-]` replaced by `_`, at most
/// [`MAX_ROUTING_PART_BYTES`]; `fallback` when nothing is left.
pub fn routing_part(value: &str, fallback: &str) -> String {
    let part: String = value
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' { c } else { '_' })
        .take(MAX_ROUTING_PART_BYTES)
        .collect();
    if part.trim_matches('_').is_empty() {
        fallback.to_string()
    } else {
        part
    }
}

/// The properties of a rejected release: the original ones, persistent unless the producer chose
/// otherwise, plus `x-wirefeed-error` (cut to [`MAX_REASON_BYTES`]), `x-wirefeed-error-kind` and
/// `x-wirefeed-stage`. Original headers of any type are kept untouched.
pub fn rejection_properties(original: &BasicProperties, rejection: &Rejection) -> BasicProperties {
    with_error_headers(original, original.headers().clone().unwrap_or_default(), rejection)
}

/// [`rejection_properties`] that fit a content header frame of `frame_max` bytes: when the original
/// properties and the error headers together do not, the original headers are dropped (their count is
/// kept in `x-wirefeed-dropped-headers`) so the rejection can still be published; a rejection that cannot
/// be published would come back forever.
pub fn rejection_properties_within(
    original: &BasicProperties,
    rejection: &Rejection,
    frame_max: u32,
) -> BasicProperties {
    let properties = rejection_properties(original, rejection);
    if check_fits(&properties, frame_max).is_ok() {
        return properties;
    }
    let dropped = original.headers().as_ref().map_or(0, |h| h.inner().len());
    let mut headers = FieldTable::default();
    headers.insert("x-wirefeed-dropped-headers".into(), AMQPValue::LongLongInt(dropped as i64));
    with_error_headers(original, headers, rejection)
}

fn with_error_headers(
    original: &BasicProperties,
    mut headers: FieldTable,
    rejection: &Rejection,
) -> BasicProperties {
    put_header(&mut headers, "x-wirefeed-error", &rejection.reason, MAX_REASON_BYTES);
    put_header(&mut headers, "x-wirefeed-error-kind", rejection.kind.as_str(), MAX_HEADER_BYTES);
    put_header(&mut headers, "x-wirefeed-stage", rejection.stage, MAX_HEADER_BYTES);
    let mut properties = original.clone().with_headers(headers);
    if original.delivery_mode().is_none() {
        properties = properties.with_delivery_mode(PERSISTENT);
    }
    properties
}

/// The size in bytes of the content header frame that carries `properties`.
pub fn header_frame_size(properties: &BasicProperties) -> usize {
    let context = WriteContext::from(Vec::with_capacity(1024));
    let encoded = gen_properties(properties)(context).map(|c| c.write.len());
    // Encoding into a growing Vec fails only for a value AMQP cannot express (a string over 4 GiB):
    // counted as too large.
    HEADER_FRAME_OVERHEAD + encoded.unwrap_or(usize::MAX - HEADER_FRAME_OVERHEAD)
}

/// Whether a message with `properties` can be published on a connection of `frame_max`: its content
/// header must fit in one frame. The error is a `too_large` rejection naming the sizes.
pub fn check_fits(properties: &BasicProperties, frame_max: u32) -> Result<(), Rejection> {
    let size = header_frame_size(properties);
    if frame_max == 0 || size <= frame_max as usize {
        return Ok(());
    }
    Err(Rejection::new(
        RejectKind::TooLarge,
        "publish",
        format!(
            "the message properties take {size} bytes, over the connection's frame_max of {frame_max}: \
             the broker would refuse the message; shorten the release's metadata"
        ),
    ))
}

/// A header's value as text, whatever its AMQP type (for tests and logs).
pub fn header_text(properties: &BasicProperties, key: &str) -> Option<String> {
    let value = properties.headers().as_ref()?.inner().get(key)?;
    Some(match value {
        AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        AMQPValue::ShortString(s) => s.to_string(),
        other => format!("{other:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Pipeline, RawInput, RejectKind};

    const SEED: &str = " date 2025-08-22 Садыр Жапаров и Касым-Жомарт Токаев провели переговоры\n\n\
        Бишкек, \"САЯСАТ.KG\". Обсужден широкий спектр вопросов.";

    fn envelope() -> Envelope {
        Pipeline::builtin().normalize(&RawInput::from_bytes(SEED.as_bytes())).expect("the seed normalises")
    }

    #[test]
    fn event_message_carries_ids_and_spec_headers() {
        let env = envelope();
        let input_id: ShortString = "input-1".into();
        let msg = event_message(&env, "{language}.{event_type}", Some(&input_id)).unwrap();
        let p = &msg.properties;
        assert_eq!(p.message_id().as_ref().map(|s| s.as_str()), Some(env.id.as_str()));
        assert_eq!(p.correlation_id().as_ref().map(|s| s.as_str()), Some("input-1"));
        assert_eq!(*p.delivery_mode(), Some(PERSISTENT));
        assert_eq!(p.content_type().as_ref().map(|s| s.as_str()), Some("application/json"));
        assert_eq!(header_text(p, "x-wirefeed-schema").as_deref(), Some("wirefeed.event/1"));
        assert_eq!(header_text(p, "x-wirefeed-event-type").as_deref(), Some(env.primary_event_type()));
        assert_eq!(header_text(p, "x-wirefeed-language"), Some(env.item.language.clone()));
        assert_eq!(header_text(p, "x-wirefeed-countries"), Some(env.countries().join(",")));
        assert!(header_text(p, "x-wirefeed-source").is_some());
        let back: Envelope = serde_json::from_slice(&msg.payload).unwrap();
        assert_eq!(back.id, env.id);
    }

    #[test]
    fn routing_key_fills_every_placeholder() {
        let env = envelope();
        let key = routing_key(&env, "{language}.{event_type}.{country}.{source}");
        let country = env.countries().first().map(|c| c.to_lowercase()).unwrap_or_else(|| "xx".into());
        let expected = format!(
            "{}.{}.{}.{}",
            env.item.language,
            env.primary_event_type(),
            country,
            env.source().map(slugify).unwrap_or_else(|| "unknown".into())
        );
        assert_eq!(key, expected);
        assert!(!key.contains('{'));
    }

    #[test]
    fn rejection_keeps_properties_and_adds_error_headers() {
        let mut original_headers = FieldTable::default();
        original_headers.insert("x-custom".into(), AMQPValue::LongLongInt(7));
        original_headers.insert("x-wirefeed-error".into(), AMQPValue::Boolean(true));
        let original = BasicProperties::default()
            .with_message_id("m-1".into())
            .with_content_type("text/plain".into())
            .with_headers(original_headers);
        let rejection = Rejection::new(RejectKind::Parse, "parse", "empty release");
        let p = rejection_properties(&original, &rejection);
        assert_eq!(p.message_id().as_ref().map(|s| s.as_str()), Some("m-1"));
        assert_eq!(p.content_type().as_ref().map(|s| s.as_str()), Some("text/plain"));
        assert_eq!(*p.delivery_mode(), Some(PERSISTENT));
        assert_eq!(header_text(&p, "x-wirefeed-error").as_deref(), Some("empty release"));
        assert_eq!(header_text(&p, "x-wirefeed-error-kind").as_deref(), Some("parse"));
        assert_eq!(header_text(&p, "x-wirefeed-stage").as_deref(), Some("parse"));
        assert_eq!(header_text(&p, "x-custom").as_deref(), Some("LongLongInt(7)"));
    }

    /// An envelope whose every header source is hostile: a 40 KB language, source and event type, and a
    /// thousand entities each in a country of its own.
    fn hostile_envelope() -> Envelope {
        let mut env = envelope();
        env.item.language = "ru.diplomacy.talks".repeat(2000);
        if let Some(source) = env.item.info_sources.first_mut() {
            source.name = "Агентство\u{1b}[31m ".repeat(4000);
        }
        let template = env.x.entities[0].clone();
        env.x.entities = (0..1000)
            .map(|i| {
                let mut e = template.clone();
                e.country = Some(format!("{:03}", i));
                e
            })
            .collect();
        env
    }

    #[test]
    fn header_values_are_cut_with_an_ellipsis_and_lose_their_control_characters() {
        let cut = header_safe(&"я".repeat(1000), 100);
        assert!(cut.len() <= 100, "{}", cut.len());
        assert!(cut.ends_with('…'));
        assert_eq!(header_safe("a\u{0}b\u{1b}c\u{85}d\ne", 100), "a b c d e");
        assert_eq!(header_safe("short", 100), "short");
    }

    #[test]
    fn routing_parts_hold_only_safe_characters() {
        assert_eq!(routing_part("ru.diplomacy.talks", "und"), "ru_diplomacy_talks");
        assert_eq!(routing_part("#", "und"), "und");
        assert_eq!(routing_part("", "und"), "und");
        assert_eq!(routing_part("KY-Cyrl", "und"), "ky-cyrl");
        assert!(routing_part(&"x".repeat(1000), "und").len() <= MAX_ROUTING_PART_BYTES);
    }

    #[test]
    fn a_hostile_envelope_gives_bounded_headers_a_safe_key_and_fits_the_smallest_frame() {
        let env = hostile_envelope();
        let long_id = short(&"i".repeat(300));
        let msg = event_message(&env, "{language}.{event_type}.{country}.{source}", Some(&long_id)).unwrap();
        let p = &msg.properties;
        for key in ["x-wirefeed-language", "x-wirefeed-source", "x-wirefeed-countries"] {
            let value = header_text(p, key).unwrap();
            assert!(value.len() <= MAX_COUNTRIES_BYTES, "{key}: {} bytes", value.len());
            assert!(!value.chars().any(char::is_control), "{key}: {value:?}");
        }
        assert!(header_text(p, "x-wirefeed-language").unwrap().ends_with('…'));
        let levels = msg.routing_key.as_str().split('.').count();
        assert_eq!(levels, 3 + env.primary_event_type().split('.').count(), "{}", msg.routing_key);
        assert!(msg
            .routing_key
            .as_str()
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)));
        let size = header_frame_size(p);
        assert!(size <= MIN_FRAME_MAX as usize, "the properties take {size} bytes");
        assert!(check_fits(p, MIN_FRAME_MAX).is_ok());
    }

    #[test]
    fn a_huge_reason_is_cut_and_the_rejection_fits() {
        let reason = format!("the header {:?} is bad", format!("date 2025-08-22T{}", "7".repeat(40_000)));
        let rejection = Rejection::new(RejectKind::Parse, "parse", reason);
        let p = rejection_properties_within(&BasicProperties::default(), &rejection, 32 * 1024);
        let error = header_text(&p, "x-wirefeed-error").unwrap();
        assert!(error.len() <= MAX_REASON_BYTES && error.ends_with('…'), "{} bytes", error.len());
        assert!(check_fits(&p, MIN_FRAME_MAX).is_ok());
    }

    #[test]
    fn original_headers_that_leave_no_room_are_dropped_and_counted() {
        let mut headers = FieldTable::default();
        headers.insert("x-big".into(), AMQPValue::LongString(LongString::from("b".repeat(32_000).as_str())));
        headers.insert("x-small".into(), AMQPValue::LongLongInt(1));
        let original = BasicProperties::default().with_message_id("m-2".into()).with_headers(headers);
        let rejection = Rejection::new(RejectKind::Parse, "parse", "x".repeat(5000));
        let kept = rejection_properties_within(&original, &rejection, 128 * 1024);
        assert!(header_text(&kept, "x-big").is_some(), "room enough: the original headers stay");
        let p = rejection_properties_within(&original, &rejection, 32 * 1024);
        assert!(check_fits(&p, 32 * 1024).is_ok());
        assert!(header_text(&p, "x-big").is_none());
        assert_eq!(header_text(&p, "x-wirefeed-dropped-headers").as_deref(), Some("LongLongInt(2)"));
        assert_eq!(p.message_id().as_ref().map(|s| s.as_str()), Some("m-2"));
        assert_eq!(header_text(&p, "x-wirefeed-error-kind").as_deref(), Some("parse"));
    }

    #[test]
    fn properties_over_the_frame_are_a_too_large_rejection() {
        let mut headers = FieldTable::default();
        headers.insert("x-big".into(), AMQPValue::LongString(LongString::from("b".repeat(40_000).as_str())));
        let p = BasicProperties::default().with_headers(headers);
        let rejection = check_fits(&p, 32 * 1024).unwrap_err();
        assert_eq!(rejection.kind, RejectKind::TooLarge);
        assert!(rejection.reason.contains("frame_max"), "{}", rejection.reason);
    }
}
