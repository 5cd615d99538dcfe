//! Parity with natasha: the Rust port of slovnet's NER must tag the factRuEval dev documents as natasha
//! 1.6.0 does. The fixtures `tests/fixtures/natasha_ner_*.jsonl` were written once by
//! `scripts/natasha_reference.py`; the dev documents are copied into `tests/fixtures/factrueval-dev-txt/`
//! (MIT, see the LICENSE there), the edge cases come from `scripts/ner_edge_cases.py`.

use std::path::PathBuf;

use wirefeed::pipeline::ner::{self, NerModel};
use wirefeed::pipeline::Settings;

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

fn references(fixture: &str) -> Vec<Reference> {
    let text = std::fs::read_to_string(root().join(fixture)).unwrap();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// The char offset of a byte offset.
fn char_offset(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}

/// How closely the model reproduces one fixture.
struct Agreement {
    docs: usize,
    tokens: usize,
    tokens_same: usize,
    docs_tokenised_differently: usize,
    spans: usize,
    spans_same: usize,
}

impl Agreement {
    fn tokens(&self) -> f64 {
        self.tokens_same as f64 / self.tokens as f64
    }

    fn spans(&self) -> f64 {
        self.spans_same as f64 / self.spans.max(1) as f64
    }
}

/// Tag every document of `texts` and compare with natasha's output in `fixture`.
fn compare(model: &NerModel, texts: &str, fixture: &str) -> Agreement {
    let references = references(fixture);
    let mut agreement = Agreement {
        docs: references.len(),
        tokens: 0,
        tokens_same: 0,
        docs_tokenised_differently: 0,
        spans: 0,
        spans_same: 0,
    };
    for reference in &references {
        let text = std::fs::read_to_string(root().join(texts).join(&reference.doc)).unwrap();
        let tagged = model.tag_tokens(&text);
        let ours: String = tagged.iter().map(|t| ner::tag_code(&model.tag_names()[t.tag])).collect();
        assert_eq!(reference.tags.chars().count(), reference.tokens);
        agreement.tokens += reference.tokens;
        if tagged.len() == reference.tokens {
            agreement.tokens_same += ours.chars().zip(reference.tags.chars()).filter(|(a, b)| a == b).count();
        } else {
            agreement.docs_tokenised_differently += 1;
            eprintln!("{}: {} tokens, natasha {}", reference.doc, tagged.len(), reference.tokens);
        }
        let spans: Vec<(usize, usize, String)> = model
            .spans(&tagged)
            .into_iter()
            .map(|(s, k)| (char_offset(&text, s.start), char_offset(&text, s.end), ner::label(k).to_owned()))
            .collect();
        agreement.spans += reference.spans.len();
        agreement.spans_same += reference.spans.iter().filter(|s| spans.contains(s)).count();
    }
    eprintln!(
        "{fixture}: {}/{} tokens tagged alike = {:.4}%, {}/{} natasha spans reproduced, {} of {} docs \
         tokenised differently",
        agreement.tokens_same,
        agreement.tokens,
        agreement.tokens() * 100.0,
        agreement.spans_same,
        agreement.spans,
        agreement.docs_tokenised_differently,
        agreement.docs,
    );
    agreement
}

fn model() -> NerModel {
    NerModel::load(&Settings::default().model_path()).expect("model loads")
}

#[test]
fn tags_match_natasha_on_factrueval_dev() {
    let agreement =
        compare(&model(), "tests/fixtures/factrueval-dev-txt", "tests/fixtures/natasha_ner_dev.jsonl");
    assert_eq!(agreement.docs, 122, "one reference per dev document");
    assert!(agreement.tokens() >= 0.995, "token tag agreement {}", agreement.tokens());
    assert!(agreement.spans() >= 0.99, "span agreement {}", agreement.spans());
}

#[test]
fn tokens_and_tags_match_natasha_on_edge_cases() {
    // synthetic texts full of mixed scripts, odd letters and punctuation (scripts/ner_edge_cases.py)
    let agreement =
        compare(&model(), "tests/fixtures/ner-edge-cases", "tests/fixtures/natasha_ner_edge_cases.jsonl");
    assert_eq!(agreement.docs, 60);
    assert_eq!(agreement.docs_tokenised_differently, 0, "razdel tokenisation reproduced");
    assert!(agreement.tokens() >= 0.995, "token tag agreement {}", agreement.tokens());
}
