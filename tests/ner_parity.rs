//! Parity with natasha: the Rust port of slovnet's NER must tag the factRuEval dev documents as natasha
//! 1.6.0 does. The fixture `tests/fixtures/natasha_ner_dev.jsonl` was written once by
//! `scripts/natasha_reference.py`; the documents are copied into `tests/fixtures/factrueval-dev-txt/` (MIT).

use std::path::{Path, PathBuf};

use wirefeed::pipeline::entities::EntityKind;
use wirefeed::pipeline::ner::{NerModel, DEFAULT_MODEL_DIR};

/// One line of the fixture.
#[derive(serde::Deserialize)]
struct Reference {
    doc: String,
    tokens: usize,
    tags: String,
    spans: Vec<(usize, usize, String)>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn references() -> Vec<Reference> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/natasha_ner_dev.jsonl")).unwrap();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// The fixture's one-letter code of a tag name.
fn code(tag: &str) -> char {
    match tag {
        "O" => 'O',
        "B-PER" => 'P',
        "I-PER" => 'p',
        "B-LOC" => 'L',
        "I-LOC" => 'l',
        "B-ORG" => 'G',
        "I-ORG" => 'g',
        _ => '_',
    }
}

fn kind_name(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Person => "PER",
        EntityKind::Place => "LOC",
        EntityKind::Organisation => "ORG",
    }
}

/// Char offset of every byte offset that starts a char (and of the end).
fn char_offset(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}

fn read_doc(name: &str) -> String {
    let path: &Path = &root().join("tests/fixtures/factrueval-dev-txt").join(name);
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn tags_match_natasha_on_factrueval_dev() {
    let model = NerModel::load(&root().join(DEFAULT_MODEL_DIR)).expect("model loads");
    let references = references();
    assert_eq!(references.len(), 122, "one reference per dev document");
    let (mut tokens, mut agree, mut docs_with_other_tokens) = (0usize, 0usize, 0usize);
    let (mut spans_expected, mut spans_same) = (0usize, 0usize);
    for reference in &references {
        let text = read_doc(&reference.doc);
        let tagged = model.tag_tokens(&text);
        let ours: String = tagged.iter().map(|t| code(&model.tag_names()[t.tag])).collect();
        assert_eq!(reference.tags.chars().count(), reference.tokens);
        tokens += reference.tokens;
        if tagged.len() == reference.tokens {
            agree += ours.chars().zip(reference.tags.chars()).filter(|(a, b)| a == b).count();
        } else {
            docs_with_other_tokens += 1;
            eprintln!("{}: {} tokens, natasha {}", reference.doc, tagged.len(), reference.tokens);
        }
        let spans: Vec<(usize, usize, String)> = model
            .spans(&tagged)
            .into_iter()
            .map(|(s, k)| (char_offset(&text, s.start), char_offset(&text, s.end), kind_name(k).to_owned()))
            .collect();
        spans_expected += reference.spans.len();
        spans_same += reference.spans.iter().filter(|s| spans.contains(s)).count();
    }
    let token_agreement = agree as f64 / tokens as f64;
    let span_agreement = spans_same as f64 / spans_expected as f64;
    eprintln!(
        "parity: {agree}/{tokens} tokens = {:.4}%, {spans_same}/{spans_expected} natasha spans reproduced, \
         {docs_with_other_tokens} docs tokenised differently",
        token_agreement * 100.0
    );
    assert!(token_agreement >= 0.995, "token tag agreement {token_agreement}");
    assert!(span_agreement >= 0.99, "span agreement {span_agreement}");
}
