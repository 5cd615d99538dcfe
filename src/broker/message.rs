//! What goes on the wire: the event message (routing key, properties, SPEC §2 headers) and the rejection
//! message (the original body and properties plus the error headers of SPEC §4). Pure functions, no I/O.

use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::BasicProperties;

use super::connection::short;
use crate::event::Envelope;
use crate::ids::slugify;
use crate::pipeline::Rejection;

/// `delivery_mode` of a persistent message.
pub const PERSISTENT: u8 = 2;

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
    let mut put = |k: &str, v: &str| {
        headers.insert(k.into(), AMQPValue::LongString(LongString::from(v)));
    };
    put("x-wirefeed-schema", &envelope.schema);
    put("x-wirefeed-event-type", envelope.primary_event_type());
    put("x-wirefeed-language", &envelope.item.language);
    put("x-wirefeed-countries", &countries);
    put("x-wirefeed-source", envelope.source().unwrap_or("unknown"));
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
        properties = properties.with_correlation_id(id.clone());
    }
    Ok(EventMessage {
        event_id: envelope.id.clone(),
        routing_key: short(&routing_key(envelope, template)),
        payload,
        properties,
    })
}

/// Fills `{language}`, `{event_type}`, `{country}` (the first country, lower case, `xx` when none) and
/// `{source}` (the agency's slug, `unknown` when none) into the routing-key template.
pub fn routing_key(envelope: &Envelope, template: &str) -> String {
    let country = envelope.countries().first().map(|c| c.to_lowercase()).unwrap_or_else(|| "xx".into());
    let source = envelope.source().map(slugify).filter(|s| !s.is_empty()).unwrap_or_else(|| "unknown".into());
    let language = envelope.item.language.to_lowercase();
    let language = if language.is_empty() { "und".to_string() } else { language };
    template
        .replace("{language}", &language)
        .replace("{event_type}", envelope.primary_event_type())
        .replace("{country}", &country)
        .replace("{source}", &source)
}

/// The properties of a rejected release: the original ones, persistent unless the producer chose
/// otherwise, plus `x-wirefeed-error`, `x-wirefeed-error-kind` and `x-wirefeed-stage`. Original headers of
/// any type are kept untouched.
pub fn rejection_properties(original: &BasicProperties, rejection: &Rejection) -> BasicProperties {
    let mut headers = original.headers().clone().unwrap_or_default();
    let mut put = |k: &str, v: &str| {
        headers.insert(k.into(), AMQPValue::LongString(LongString::from(v)));
    };
    put("x-wirefeed-error", &rejection.reason);
    put("x-wirefeed-error-kind", rejection.kind.as_str());
    put("x-wirefeed-stage", rejection.stage);
    let mut properties = original.clone().with_headers(headers);
    if original.delivery_mode().is_none() {
        properties = properties.with_delivery_mode(PERSISTENT);
    }
    properties
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
}
