//! Statistical named-entity recognition: natasha's slovnet NER model (`slovnet_ner_news_v1`, MIT) run natively.
//!
//! The model proposes person, place and organisation spans; the entities stage normalises, links and
//! completes them. Inference mirrors natasha's `NewsNERTagger` on a whole text: razdel tokens
//! (`tokenize`), lower-cased word ids and shape ids (`shape`), the network (`model`), CRF Viterbi
//! (`crf`) and slovnet's BIO-to-span conversion. Model files: `models/slovnet_ner_news_v1/`, written by
//! `scripts/convert_slovnet.py` from the natasha wheel.

mod crf;
mod model;
mod shape;
mod tokenize;

use std::path::Path;

use crate::pipeline::types::EntityKind;
use crate::pipeline::types::{LoadError, Span};

/// Where the converted model lives in the repository.
pub const DEFAULT_MODEL_DIR: &str = "models/slovnet_ner_news_v1";

/// The model's label of an entity kind (`PER`, `LOC`, `ORG`), as natasha writes it.
pub fn label(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Person => "PER",
        EntityKind::Place => "LOC",
        EntityKind::Organisation => "ORG",
    }
}

/// The one-letter code of a BIO tag used by the natasha reference fixtures (`O`, `P`/`p`, `L`/`l`, `G`/`g`;
/// `_` for a tag the model does not have).
pub fn tag_code(tag: &str) -> char {
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

/// The BIO part of a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Begin,
    Inside,
    Outside,
    /// The `<pad>` tag: slovnet's span decoder ignores it (neither opens, extends nor closes a span).
    Ignored,
}

/// A token with the tag the model gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedToken {
    /// Where the token is (bytes).
    pub span: Span,
    /// Index into [`NerModel::tag_names`].
    pub tag: usize,
}

/// The loaded NER model; immutable, share it across threads.
#[derive(Debug)]
pub struct NerModel {
    network: model::Network,
    /// Per tag id: its BIO part and entity kind.
    tag_meaning: Vec<(Part, Option<EntityKind>)>,
}

/// Read a tag name such as `B-PER`.
fn parse_tag(tag: &str) -> Result<(Part, Option<EntityKind>), String> {
    let (part, kind) = match tag.split_once('-') {
        Some((part, kind)) => (part, Some(kind)),
        None => (tag, None),
    };
    let part = match part {
        "B" => Part::Begin,
        "I" => Part::Inside,
        "O" => Part::Outside,
        _ => Part::Ignored,
    };
    let kind = match kind {
        None => None,
        Some("PER") => Some(EntityKind::Person),
        Some("LOC") => Some(EntityKind::Place),
        Some("ORG") => Some(EntityKind::Organisation),
        Some(other) => return Err(format!("unknown entity type {other} in tag {tag}")),
    };
    Ok((part, kind))
}

impl NerModel {
    /// Load the model directory (see `scripts/convert_slovnet.py`).
    pub fn load(dir: &Path) -> Result<NerModel, LoadError> {
        let network = model::Network::load(dir)?;
        let tag_meaning =
            network.tags.iter().map(|t| parse_tag(t)).collect::<Result<Vec<_>, _>>().map_err(|message| {
                LoadError::Syntax { path: dir.join("manifest.json").display().to_string(), line: 0, message }
            })?;
        Ok(NerModel { network, tag_meaning })
    }

    /// Tag names in model order (`<pad>`, `O`, `B-PER`, `I-PER`, …).
    pub fn tag_names(&self) -> &[String] {
        &self.network.tags
    }

    /// Every razdel token of `text` with its model tag.
    pub fn tag_tokens(&self, text: &str) -> Vec<TaggedToken> {
        let tokens = tokenize::tokenize(text);
        let words: Vec<u32> = tokens.iter().map(|s| self.network.word_id(s.of(text))).collect();
        let shapes: Vec<u16> = tokens.iter().map(|s| self.network.shape_id(s.of(text))).collect();
        let emissions = self.network.emissions(&words, &shapes);
        let path = crf::viterbi(&emissions, &self.network.transitions, self.network.tag_count());
        tokens.into_iter().zip(path).map(|(span, tag)| TaggedToken { span, tag }).collect()
    }

    /// The person, place and organisation spans the model finds in `text` (byte spans, in order).
    pub fn tag(&self, text: &str) -> Vec<(Span, EntityKind)> {
        if text.trim().is_empty() {
            return Vec::new();
        }
        self.spans(&self.tag_tokens(text))
    }

    /// Entity spans of tagged tokens, by slovnet's `bio_spans`: B opens a span (closing any open one), I
    /// extends the open span whatever its type, O closes it; an I with no open span is dropped.
    pub fn spans(&self, tokens: &[TaggedToken]) -> Vec<(Span, EntityKind)> {
        let mut spans = Vec::new();
        let mut open: Option<(Span, EntityKind)> = None;
        for token in tokens {
            let (part, kind) = self.tag_meaning[token.tag];
            match part {
                Part::Outside => spans.extend(open.take()),
                Part::Begin => {
                    spans.extend(open.take());
                    open = kind.map(|k| (token.span, k));
                }
                Part::Inside => {
                    if let Some((span, _)) = open.as_mut() {
                        span.end = token.span.end;
                    }
                }
                Part::Ignored => {}
            }
        }
        spans.extend(open);
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn model() -> &'static NerModel {
        static MODEL: OnceLock<NerModel> = OnceLock::new();
        MODEL.get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_MODEL_DIR);
            NerModel::load(&dir).expect("model files are committed under models/")
        })
    }

    fn entities(text: &str) -> Vec<(&str, EntityKind)> {
        model().tag(text).into_iter().map(|(s, k)| (s.of(text), k)).collect()
    }

    #[test]
    fn finds_people_places_and_organisations() {
        let text = "Президент России Владимир Путин провёл встречу с руководством Газпрома в Москве.";
        let found = entities(text);
        assert!(found.contains(&("Владимир Путин", EntityKind::Person)), "{found:?}");
        assert!(found.contains(&("России", EntityKind::Place)), "{found:?}");
        assert!(found.contains(&("Москве", EntityKind::Place)), "{found:?}");
        assert!(found.contains(&("Газпрома", EntityKind::Organisation)), "{found:?}");
    }

    #[test]
    fn empty_and_odd_text_give_no_spans_and_no_panic() {
        assert!(entities("").is_empty());
        assert!(entities(" \n\t ").is_empty());
        for text in ["😀", "---", "a\u{301}", "\u{1c}\u{1c}", "١٢٣"] {
            for (span, _) in model().tag(text) {
                assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            }
        }
    }

    #[test]
    fn long_text_is_tagged_like_its_parts() {
        // Chunking with a halo must not change tags: a text longer than one chunk gives, for a sentence far
        // from the chunk edges, the same spans as the sentence alone.
        let sentence = "Глава МИД Сергей Лавров прибыл в Ташкент. ";
        let text = sentence.repeat(model::CHUNK_TOKENS / 4);
        let alone = model().tag_tokens(sentence);
        let tagged = model().tag_tokens(&text);
        let n = alone.len();
        let middle = &tagged[(tagged.len() / n / 2) * n..][..n];
        let tags = |t: &[TaggedToken]| t.iter().map(|x| x.tag).collect::<Vec<_>>();
        assert_eq!(tags(middle)[1..n - 1], tags(&alone)[1..n - 1]);
    }

    #[test]
    fn model_can_be_shared_across_threads() {
        fn shareable<T: Send + Sync>(_: &T) {}
        shareable(model());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn any_text_gives_ordered_spans_on_char_boundaries(text in "\\PC{0,80}") {
            let spans = model().tag(&text);
            for (span, _) in &spans {
                proptest::prop_assert!(span.start < span.end && span.end <= text.len());
                proptest::prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            }
            proptest::prop_assert!(spans.windows(2).all(|w| w[0].0.end <= w[1].0.start));
        }
    }

    #[test]
    fn bio_decoding_follows_slovnet() {
        let m = model();
        let id = |name: &str| m.tag_names().iter().position(|t| t == name).unwrap();
        let token = |i: usize, tag: &str| TaggedToken { span: Span::new(i * 2, i * 2 + 1), tag: id(tag) };
        let tokens = [
            token(0, "I-PER"),
            token(1, "B-PER"),
            token(2, "I-LOC"),
            token(3, "O"),
            token(4, "B-ORG"),
            token(5, "B-LOC"),
        ];
        let spans = m.spans(&tokens);
        assert_eq!(
            spans,
            [
                (Span::new(2, 5), EntityKind::Person),
                (Span::new(8, 9), EntityKind::Organisation),
                (Span::new(10, 11), EntityKind::Place)
            ]
        );
    }
}
