//! Property tests over the whole pipeline: arbitrary bytes and mutations of the samples never panic and
//! always give an envelope or a rejection with a reason.
//!
//! `PROPTEST_CASES=20000 cargo test --release --test fuzz` is the long local run: every property reads its case
//! count from `PROPTEST_CASES` (256 when unset), so the config below must not hard-code `cases`.

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use wirefeed::pipeline::{Format, Pipeline, RawInput};

fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(Pipeline::builtin)
}

fn samples() -> &'static Vec<Vec<u8>> {
    static SAMPLES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x != "md"))
            .collect();
        files.sort();
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    })
}

/// Runs the pipeline and checks the one invariant: an envelope, or a rejection that says why.
fn check(body: &[u8], format: Format, content_type: Option<&str>) -> Result<(), TestCaseError> {
    let mut input = RawInput::from_bytes(body);
    input.format = format;
    input.content_type = content_type;
    match pipeline().normalize(&input) {
        Ok(envelope) => {
            prop_assert_eq!(envelope.schema.as_str(), "wirefeed.event/1");
            prop_assert!(serde_json::to_string(&envelope).is_ok());
        }
        Err(rejection) => {
            prop_assert!(!rejection.reason.trim().is_empty(), "a rejection without a reason");
            prop_assert_ne!(rejection.kind, wirefeed::pipeline::RejectKind::Internal, "{}", rejection.reason);
        }
    }
    Ok(())
}

fn any_format() -> impl Strategy<Value = Format> {
    prop_oneof![Just(Format::Auto), Just(Format::Wire), Just(Format::Json), Just(Format::Plain)]
}

fn any_content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        Just(None),
        Just(Some("text/plain")),
        Just(Some("text/plain; charset=windows-1251")),
        Just(Some("text/plain; charset=koi8-r")),
        Just(Some("application/json")),
        Just(Some("application/octet-stream")),
        Just(Some("image/png")),
        Just(Some("text/plain; charset=no-such-charset")),
    ]
}

proptest! {
    // `ProptestConfig::default()` honours PROPTEST_CASES; an explicit `cases: N` here would silently ignore it.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..4096),
                                   format in any_format(), ct in any_content_type()) {
        check(&body, format, ct)?;
    }

    #[test]
    fn arbitrary_text_never_panics(body in "\\PC{0,2000}", format in any_format()) {
        check(body.as_bytes(), format, None)?;
    }

    #[test]
    fn cut_samples_never_panic(index in 0usize..64, cut in 0.0f64..1.0, format in any_format()) {
        let sample = &samples()[index % samples().len()];
        let at = (sample.len() as f64 * cut) as usize;
        check(&sample[..at], format, None)?;
        check(&sample[at..], format, None)?;
    }

    #[test]
    fn spliced_samples_never_panic(a in 0usize..64, b in 0usize..64, cut_a in 0.0f64..1.0, cut_b in 0.0f64..1.0,
                                   noise in proptest::collection::vec(any::<u8>(), 0..16)) {
        let (x, y) = (&samples()[a % samples().len()], &samples()[b % samples().len()]);
        let mut body = x[..(x.len() as f64 * cut_a) as usize].to_vec();
        body.extend_from_slice(&noise);
        body.extend_from_slice(&y[(y.len() as f64 * cut_b) as usize..]);
        check(&body, Format::Auto, None)?;
    }

    #[test]
    fn byte_flips_in_samples_never_panic(index in 0usize..64,
                                         flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 1..12)) {
        let mut body = samples()[index % samples().len()].clone();
        for (pos, byte) in flips {
            let at = ((body.len() as f64) * pos) as usize;
            if at < body.len() {
                body[at] = byte;
            }
        }
        check(&body, Format::Auto, None)?;
    }
}

#[test]
fn deeply_nested_json_is_rejected_not_overflowed() {
    let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = pipeline().normalize(&RawInput::from_bytes(body.as_bytes())).unwrap_err();
    assert_eq!(r.kind, wirefeed::pipeline::RejectKind::Parse);
    let obj = format!("{}{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let mut input = RawInput::from_bytes(obj.as_bytes());
    input.content_type = Some("application/json");
    assert_eq!(pipeline().normalize(&input).unwrap_err().kind, wirefeed::pipeline::RejectKind::Parse);
}

#[test]
fn a_megabyte_on_one_line_is_handled() {
    let mut body = b" date 2025-08-22 ".to_vec();
    body.extend(std::iter::repeat_n(b'x', 1_000_000));
    // Either outcome is fine; what matters is an answer without a panic or a hang.
    let _ = pipeline().normalize(&RawInput::from_bytes(&body));
}

/// Text that looks like wire copy: Cyrillic and Latin words, digits, quotes, dashes, dots, newlines.
fn wire_like(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[А-Яа-яЁёA-Za-z0-9 ,.:;!?«»\"'()/\\-–—\n]{{0,{max}}}")).unwrap()
}

/// Any JSON value, a few levels deep, for JSON releases whose fields have the wrong shape.
fn any_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,80}".prop_map(Value::String),
        wire_like(200).prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("[a-z]{1,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// What a JSON release field may hold: usually a plausible string, sometimes anything at all.
fn json_field() -> impl Strategy<Value = Option<serde_json::Value>> {
    prop_oneof![
        2 => Just(None),
        5 => wire_like(300).prop_map(|s| Some(serde_json::Value::String(s))),
        1 => Just(Some(serde_json::Value::String("2025-08-22T10:15:00+06:00".into()))),
        2 => any_json().prop_map(Some),
    ]
}

/// A content type as producers send them, including malformed and unknown ones.
fn wild_content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        any_content_type().prop_map(|c| c.map(str::to_string)),
        "(text|application|image)/[a-z+.-]{0,12}(; ?charset=[A-Za-z0-9_-]{0,12})?".prop_map(Some),
        "\\PC{0,40}".prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn json_releases_with_any_field_values_never_panic(
        headline in json_field(), body in json_field(), id in json_field(), source in json_field(),
        published in json_field(), language in json_field(), text in json_field(),
    ) {
        let mut obj = serde_json::Map::new();
        for (k, v) in [("headline", headline), ("body", body), ("id", id), ("source", source),
                       ("published", published), ("language", language), ("text", text)] {
            if let Some(v) = v {
                obj.insert(k.to_string(), v);
            }
        }
        let body = serde_json::to_vec(&serde_json::Value::Object(obj)).unwrap();
        check(&body, Format::Auto, Some("application/json"))?;
        check(&body, Format::Json, None)?;
    }

    #[test]
    fn wire_layouts_with_any_parts_never_panic(
        date in "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9-]{0,12}", headline in wire_like(120),
        dateline in wire_like(60), lead in wire_like(400), paragraphs in proptest::collection::vec(wire_like(300), 0..4),
        blank in "[ \t]{0,2}",
    ) {
        let body = format!("{blank}date {date} {headline}\n\n{dateline}. {lead}\n\n{}", paragraphs.join("\n\n"));
        check(body.as_bytes(), Format::Auto, Some("text/plain"))?;
    }

    /// The worker's side of a message: whatever the body, id and content type, the pipeline answers, the event
    /// renders into a publishable AMQP message (ids and routing key within AMQP's 255-byte short strings), or
    /// the rejection renders into its headers, and the event id does not depend on when or how often it came.
    #[test]
    fn worker_messages_render_for_any_input(
        index in 0usize..64, flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..6),
        message_id in proptest::option::of("\\PC{0,60}"), content_type in wild_content_type(),
        template in prop_oneof![Just("{language}.{event_type}".to_string()),
                                Just("{source}.{country}.{language}.{event_type}".to_string()),
                                "[a-z{}._#*]{0,40}"],
    ) {
        use wirefeed::broker::{event_message, rejection_properties};
        let mut body = samples()[index % samples().len()].clone();
        for (pos, byte) in flips {
            let at = ((body.len() as f64) * pos) as usize;
            if at < body.len() {
                body[at] = byte;
            }
        }
        let mut input = RawInput::from_bytes(&body);
        input.message_id = message_id.as_deref();
        input.content_type = content_type.as_deref();
        match pipeline().normalize(&input) {
            Ok(envelope) => {
                let id = message_id.as_deref().map(lapin::types::ShortString::from);
                let msg = event_message(&envelope, &template, id.as_ref()).expect("an envelope always serialises");
                prop_assert!(msg.routing_key.as_str().len() <= 255);
                prop_assert!(!msg.event_id.is_empty());
                let again = {
                    let mut later = input.clone();
                    later.received_at += chrono::Duration::hours(5);
                    later.redelivered = true;
                    pipeline().normalize(&later).expect("the same input normalises again")
                };
                prop_assert_eq!(&again.id, &envelope.id, "a redelivery must give the same event id");
            }
            Err(rejection) => {
                prop_assert_ne!(rejection.kind, wirefeed::pipeline::RejectKind::Internal, "{}", rejection.reason);
                let props = rejection_properties(&lapin::BasicProperties::default(), &rejection);
                let headers = props.headers().as_ref().expect("rejection headers");
                prop_assert!(headers.contains_key("x-wirefeed-error-kind"));
                prop_assert!(headers.contains_key("x-wirefeed-error"));
            }
        }
    }
}
