//! What the tests send: the committed samples and small generated releases, each with its own content and id.

use lapin::types::FieldTable;

/// A sample file's bytes.
pub fn sample(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// One message the test sends to the input queue.
#[derive(Debug, Clone)]
pub struct Input {
    /// `message_id` (none = leave it unset).
    pub id: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// `content_type` (none = unset).
    pub content_type: Option<String>,
    /// Application headers.
    pub headers: Option<FieldTable>,
}

impl Input {
    /// A text/plain message.
    pub fn text(id: &str, body: impl Into<Vec<u8>>) -> Self {
        Input {
            id: Some(id.into()),
            body: body.into(),
            content_type: Some("text/plain".into()),
            headers: None,
        }
    }
}

/// A small valid wire release, different for every `n` (so every input has its own content and id).
pub fn release_body(n: usize, tag: &str) -> String {
    format!(
        " date 2025-08-22 Садыр Жапаров провел встречу номер {n}\n\n\
         Бишкек, \"САЯСАТ.KG\". Президент Кыргызской Республики Садыр Жапаров провел встречу с \
         делегацией Казахстана, номер {n} в серии {tag}.\n\n\
         «Наши отношения крепнут», — сказал Садыр Жапаров.\n\n\
         Стороны обсудили торговлю и транспорт."
    )
}

/// `count` valid releases with ids `<prefix>-<n>`.
pub fn releases(prefix: &str, range: std::ops::Range<usize>) -> Vec<Input> {
    range.map(|n| Input::text(&format!("{prefix}-{n}"), release_body(n, prefix))).collect()
}
