//! Property tests over the whole pipeline: arbitrary bytes and mutations of the samples never panic and
//! always give an envelope or a rejection with a reason.
//!
//! `PROPTEST_CASES=100000 cargo test --release --test fuzz` is the long local run.

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
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

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
