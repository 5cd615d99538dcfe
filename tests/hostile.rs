//! Issue 14: what an attacker can send. Each case is generated here (no committed blobs): the shapes that
//! once made a stage quadratic, measured against ordinary copy of the same size in the same run (a ratio,
//! never an absolute time); the output caps and the bound on the event's size; the work budget; and the
//! garbage that must be refused, or read right.

#[path = "support/hostile.rs"]
mod hostile;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use encoding_rs::{IBM866, ISO_8859_5, X_MAC_CYRILLIC};
use wirefeed::event::Envelope;
use wirefeed::pipeline::Limits;
use wirefeed::pipeline::{NerMode, Pipeline, RawInput, RejectKind, Rejection, Settings};

/// The size the shapes are measured at: large enough that a quadratic stage costs hundreds of times
/// ordinary copy (a `- ` paragraph of 100 KB took 4 s, 2000 times ordinary copy, before the fix).
const SHAPE_BYTES: usize = 192 * 1024;

/// How many times the cost of ordinary copy a shape may take. Generous: the point is linear against
/// quadratic (the quadratic shapes took 800–2000 times ordinary copy at this size), and the machine is
/// shared. The dearest linear shapes are the ones of distinct capitalised words (8.4 times at this size in a
/// release build, under the entity stage's work bound, which engages at about 20,000 words): each is a name
/// candidate that gets a morphological analysis, where ordinary copy is mostly lower-case words.
const MAX_RATIO: f64 = 25.0;

/// The event may be at most this many times its input, plus [`EVENT_SLACK`]: the body, the lead (the
/// first paragraph, which a one-paragraph release repeats in full) and the capped lists.
const EVENT_FACTOR: usize = 3;

/// See [`EVENT_FACTOR`].
const EVENT_SLACK: usize = 512 * 1024;

fn rules() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| Pipeline::load(&Settings::with_ner(NerMode::Rules)).expect("pipeline"))
}

fn normalize(body: &[u8]) -> Result<Envelope, Rejection> {
    rules().normalize(&RawInput::from_bytes(body))
}

fn rejection(body: &[u8], content_type: Option<&str>) -> Rejection {
    let mut input = RawInput::from_bytes(body);
    input.content_type = content_type;
    match rules().normalize(&input) {
        Ok(env) => panic!("published as an event with warnings {:?}", env.x.warnings),
        Err(r) => r,
    }
}

/// The fastest of two runs, each by a freshly loaded pipeline: its word caches cold, as they are for a
/// hostile release of words nobody sent before.
fn cost(body: &[u8]) -> Duration {
    (0..2)
        .map(|_| {
            let pipeline = Pipeline::load(&Settings::with_ner(NerMode::Rules)).expect("pipeline");
            let started = Instant::now();
            let _ = pipeline.normalize(&RawInput::from_bytes(body));
            started.elapsed()
        })
        .min()
        .expect("two runs")
}

#[test]
fn every_hostile_shape_costs_a_few_times_ordinary_copy() {
    let ordinary = cost(&hostile::release("ordinary", SHAPE_BYTES));
    let mut report = Vec::new();
    for shape in hostile::SHAPES.iter().filter(|s| **s != "ordinary") {
        let took = cost(&hostile::release(shape, SHAPE_BYTES));
        report.push((shape, took.as_secs_f64() / ordinary.as_secs_f64()));
    }
    eprintln!(
        "HOSTILE | ordinary {:.3} s per {} KiB; ratios {report:?}",
        ordinary.as_secs_f64(),
        SHAPE_BYTES / 1024
    );
    for (shape, ratio) in report {
        assert!(ratio <= MAX_RATIO, "{shape} costs {ratio:.1} times ordinary copy (at most {MAX_RATIO})");
    }
}

#[test]
fn the_event_stays_proportional_to_the_release_and_the_caps_are_counted() {
    for shape in hostile::SHAPES {
        let body = hostile::release(shape, SHAPE_BYTES);
        let env = normalize(&body).unwrap_or_else(|r| panic!("{shape}: rejected {}", r.reason));
        let size = serde_json::to_vec(&env).expect("serialises").len();
        assert!(
            size <= EVENT_FACTOR * body.len() + EVENT_SLACK,
            "{shape}: a {size}-byte event from {} bytes",
            body.len()
        );
        let limits = Limits::default();
        assert!(env.x.entities.len() <= limits.max_entities, "{shape}");
        assert!(env.x.entities.iter().all(|e| e.mentions.len() <= limits.max_mentions_per_entity), "{shape}");
        assert!(
            env.x.entities.iter().map(|e| e.mentions.len()).sum::<usize>()
                <= limits.max_mentions + limits.max_quotes,
            "{shape}"
        );
        assert!(env.x.quotes.len() <= limits.max_quotes && env.x.dates.len() <= limits.max_dates, "{shape}");
    }
    let env = normalize(&hostile::release("dates", SHAPE_BYTES)).expect("an event");
    let warning =
        env.x.warnings.iter().find(|w| w.contains("pipeline.limits.max_dates")).expect("a cap warning");
    assert!(warning.contains(" dates found, the first 500 kept"), "{warning}");
    // A megabyte of distinct capitalised words passes the entity stage's work bound (20,000 mentions and
    // dictionary look-ups): the stage stops there, and says so.
    let env = normalize(&hostile::release("distinct_capitals", 1024 * 1024)).expect("an event");
    assert!(
        env.x.warnings.iter().any(|w| w.contains("the entities stage stopped after 20000")),
        "{:?}",
        env.x.warnings
    );
}

#[test]
fn a_release_past_its_work_budget_is_published_with_the_skipped_stages_named() {
    let limits = Limits { budget_ms: 0, budget_ms_per_mib: 0, ..Limits::default() };
    let pipeline =
        Pipeline::load(&Settings { limits, ..Settings::with_ner(NerMode::Rules) }).expect("pipeline");
    let body = hostile::release("ordinary", 64 * 1024);
    let env = pipeline.normalize(&RawInput::from_bytes(&body)).expect("still published");
    let warning = env.x.warnings.iter().find(|w| w.contains("work budget")).expect("a budget warning");
    for stage in ["dateline", "dates", "entities", "quotes", "classify"] {
        assert!(warning.contains(stage), "{stage} not named: {warning}");
    }
    assert!(env.x.entities.is_empty() && env.x.quotes.is_empty() && env.x.dates.is_empty());
    let full = normalize(&body).expect("an event");
    assert!(!full.x.warnings.iter().any(|w| w.contains("work budget")), "the default budget is generous");
    assert!(!full.x.entities.is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// Garbage

/// Bytes 0x80–0xFF from a fixed generator, `per_line` to a line, lines separated by a blank line
/// (`per_line` = 0: no line breaks at all).
fn high_bytes(len: usize, per_line: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        if per_line > 0 && out.len() % (per_line + 2) == per_line {
            out.extend_from_slice(b"\n\n");
        }
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        out.push(0x80 | (state >> 24) as u8);
    }
    out
}

#[test]
fn high_bytes_with_blank_lines_are_not_a_windows_1251_release() {
    let r = rejection(&high_bytes(20_000, 70), None);
    assert_eq!(r.kind, RejectKind::Decode, "{}", r.reason);
    assert!(r.reason.contains("stand in words"), "{}", r.reason);
}

#[test]
fn binary_without_line_breaks_is_not_text_rather_than_a_long_headline() {
    let r = rejection(&high_bytes(1_000_000, 0), None);
    assert_eq!(r.kind, RejectKind::Decode, "{}", r.reason);
}

#[test]
fn a_pdf_is_not_koi8_r_text() {
    let mut pdf =
        b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n5 0 obj\n<</Length 6 0 R/Filter /FlateDecode>>\nstream\n".to_vec();
    pdf.extend(high_bytes(5_000, 0));
    for content_type in [None, Some("text/plain")] {
        let r = rejection(&pdf, content_type);
        assert_eq!(r.kind, RejectKind::Decode, "{}", r.reason);
        assert!(r.reason.contains("PDF"), "{}", r.reason);
    }
}

#[test]
fn cp866_iso_8859_5_and_mac_cyrillic_releases_read_right_and_are_named() {
    let text =
        " date 2025-08-22 Президент провёл переговоры\n\nБишкек. Президент Кыргызской Республики Садыр \
        Жапаров провел переговоры с делегацией. Стороны обсудили торговлю и транзит.";
    let utf8 = normalize(text.as_bytes()).expect("the UTF-8 release");
    for (encoding, name) in
        [(IBM866, "ibm866"), (ISO_8859_5, "iso-8859-5"), (X_MAC_CYRILLIC, "x-mac-cyrillic")]
    {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "{name}");
        let env = normalize(&bytes).unwrap_or_else(|r| panic!("{name}: {}", r.reason));
        assert_eq!(env.item.headlines[0].value, utf8.item.headlines[0].value, "{name}");
        assert!(
            env.x.warnings.iter().any(|w| w.contains(&format!("guessed {name}"))),
            "{name}: {:?}",
            env.x.warnings
        );
    }
}

#[test]
fn a_headline_of_zero_width_characters_is_rejected() {
    let r = rejection(
        " date 2025-08-22 \u{200b}\u{200c}\u{200d}\u{2060}\u{feff}\n\nТекст релиза.".as_bytes(),
        None,
    );
    assert_eq!(r.kind, RejectKind::Parse, "{}", r.reason);
}

#[test]
fn nul_and_escape_inside_json_strings_are_held_to_the_text_rule() {
    let nul = r#"{"headline": "Заголовок", "body": "Текст\u0000релиза."}"#;
    assert_eq!(rejection(nul.as_bytes(), Some("application/json")).kind, RejectKind::Parse);
    let esc = r#"{"headline": "\u001b[2J\u001b[HЗаголовок", "body": "Текст релиза."}"#;
    let r = rejection(esc.as_bytes(), Some("application/json"));
    assert!(r.reason.contains("\"headline\" is not text"), "{}", r.reason);
}

#[test]
fn a_json_language_is_validated_before_it_reaches_the_item_and_the_routing_key() {
    let json =
        r#"{"headline": "Заголовок", "body": "Бишкек. Текст релиза.", "language": "ru.diplomacy.talks"}"#;
    let env = normalize(json.as_bytes()).expect("an event");
    assert_eq!(env.item.language, "ru");
    assert!(env.x.warnings.iter().any(|w| w.contains("not a BCP 47")), "{:?}", env.x.warnings);
    let key = wirefeed::broker::routing_key(&env, "{language}.{event_type}");
    assert_eq!(key.split('.').next(), Some("ru"), "{key}");
}

#[test]
fn text_beside_headline_and_body_is_ambiguous() {
    let json = r#"{"text": "date 2025-08-22 Один\n\nТекст.", "headline": "Другой", "body": "Другой текст."}"#;
    let r = rejection(json.as_bytes(), Some("application/json"));
    assert_eq!(r.kind, RejectKind::Parse);
    assert!(r.reason.contains("ambiguous"), "{}", r.reason);
}

#[test]
fn a_wire_release_opening_with_a_bracket_is_not_json() {
    let env = normalize("[Срочно] Президент провёл переговоры\n\nБишкек. Текст релиза.".as_bytes())
        .unwrap_or_else(|r| panic!("rejected: {}", r.reason));
    assert_eq!(env.item.headlines[0].value, "[Срочно] Президент провёл переговоры");
}

#[test]
fn header_years_0000_and_9999_give_no_dates_outside_1900_to_2100() {
    for year in ["0000", "9999"] {
        let body = format!(" date {year}-01-01 Заголовок\n\nБишкек, вчера. Сегодня и 5 мая прошла встреча.");
        let env = normalize(body.as_bytes()).expect("an event");
        for d in &env.x.dates {
            let y: i32 = d.date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(-1);
            assert!((1900..=2100).contains(&y), "{year}: a date {:?}", d.date);
        }
        assert!(
            env.x.warnings.iter().any(|w| w.contains("outside the years 1900–2100")),
            "{:?}",
            env.x.warnings
        );
    }
}
