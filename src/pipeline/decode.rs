//! Stage 1: bytes → text. Charset from the `charset=` parameter, else UTF-8 when valid, else detected
//! (windows-1251 / KOI8-R); BOM stripped; Unicode normalised to NFC.
//!
//! Choices:
//! - a byte-order mark decides the charset, over any `charset=` parameter (it is the stronger evidence);
//! - a UTF-8 body cut in the middle of its last character is decoded with the broken tail replaced by
//!   U+FFFD and a warning;
//! - a body that is mostly UTF-8 (its valid multi-byte characters outnumber its invalid sequences four to
//!   one) but has invalid sequences before its end is a damaged UTF-8 text, not a single-byte one: rejected
//!   with kind `decode` and the byte offset of the first bad sequence (issue 5: replacing characters in
//!   the middle of a release would publish altered words);
//! - a body that opens with the signature of a binary format (PDF, PNG, ZIP, GIF, JPEG, gzip, …) is not
//!   text: rejected with kind `decode`, naming the format (issue 14: a PDF was read as KOI8-R);
//! - otherwise the body is decoded as each Cyrillic single-byte charset (windows-1251, KOI8-R, CP866,
//!   ISO-8859-5, Mac-Cyrillic) and the decoding that reads most like Russian (letter frequencies and letter
//!   case, see [`russian_score`]) wins, with a warning naming it; a guessed decoding in which under half of
//!   the characters stand in word-like runs (see [`word_share`]) is not text but bytes: rejected;
//! - after decoding, a text with NUL characters, or where control characters (other than tab, line feed,
//!   carriage return and form feed) and replacement characters make up more than 5% of the characters, is
//!   not text: rejected with kind `decode`.

use encoding_rs::{Encoding, IBM866, ISO_8859_5, KOI8_R, UTF_8, WINDOWS_1251, X_MAC_CYRILLIC};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::text::chars::is_surely_nfc;
use super::text::fold::russian_lower;
use super::text::utf8::{any_byte, block_has_byte, BLOCK};
use super::types::{RejectKind, Rejection};

const STAGE: &str = "decode";

/// The share of control and replacement characters above which a body is not text.
const MAX_NOISE_SHARE: f64 = 0.05;

/// The share of characters in word-like runs below which a body in a guessed charset is not text. Russian
/// copy in its own charset scores above 0.9; random bytes 0x80–0xFF read in any of them score near 0.
const MIN_WORD_SHARE: f64 = 0.5;

/// The Cyrillic single-byte charsets a body without charset is tried in, the likeliest first (it wins a
/// tie). A function, as the encodings are statics.
fn single_byte_charsets() -> [&'static Encoding; 5] {
    [WINDOWS_1251, KOI8_R, IBM866, ISO_8859_5, X_MAC_CYRILLIC]
}

/// Signatures of binary formats that turn up on text feeds, and their names.
const BINARY_SIGNATURES: &[(&[u8], &str)] = &[
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document"),
    (b"\x7fELF", "an executable"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
];

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
pub fn decode(body: &[u8], content_type: Option<&str>) -> Result<Decoded, Rejection> {
    check_not_binary(body)?;
    let mut warnings = Vec::new();
    let declared = content_type.and_then(charset_param);
    // Whether the charset will be guessed: no BOM and no charset= this crate knows.
    let guessing = Encoding::for_bom(body).is_none()
        && declared.as_deref().and_then(|label| Encoding::for_label(label.as_bytes())).is_none();
    let (text, encoding) = if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        (decode_declared(encoding, &body[bom_len..], &mut warnings)?, encoding)
    } else if let Some(label) = declared {
        match Encoding::for_label(label.as_bytes()) {
            Some(encoding) => (decode_declared(encoding, body, &mut warnings)?, encoding),
            None => {
                let (text, encoding) = decode_undeclared(body, &mut warnings)?;
                warnings.push(format!(
                    "unknown charset {label:?} in the content type: decoded as {} instead",
                    encoding.name().to_ascii_lowercase()
                ));
                (text, encoding)
            }
        }
    } else {
        decode_undeclared(body, &mut warnings)?
    };
    check_is_text(&text)?;
    if guessing && encoding != UTF_8 {
        check_reads_as_words(&text, encoding)?;
    }
    Ok(Decoded { text: normalise(text), charset: encoding.name().to_ascii_lowercase(), warnings })
}

/// Rejects a body that opens with the signature of a binary format: whatever charset it is read in, it is
/// not a release.
fn check_not_binary(body: &[u8]) -> Result<(), Rejection> {
    let start = body.len() - body.trim_ascii_start().len();
    match BINARY_SIGNATURES.iter().find(|(signature, _)| body[start..].starts_with(signature)) {
        Some((_, name)) => Err(not_text(format!(
            "it starts like {name}; send the release's text, not the file (extract the text first)"
        ))),
        None => Ok(()),
    }
}

/// The `charset=` parameter of a content type (`text/plain; charset="KOI8-R"` → `KOI8-R`).
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        let value = value.trim().trim_matches('"').trim();
        (key.trim().eq_ignore_ascii_case("charset") && !value.is_empty()).then(|| value.to_string())
    })
}

/// Decodes with a charset the sender named (or a BOM implied); invalid sequences are replaced, with a
/// warning.
fn decode_declared(
    encoding: &'static Encoding,
    body: &[u8],
    warnings: &mut Vec<String>,
) -> Result<String, Rejection> {
    if encoding == UTF_8 {
        return decode_utf8(body, warnings);
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    if had_errors {
        warnings.push(format!(
            "the body has byte sequences that are not valid {}: replaced with U+FFFD",
            encoding.name().to_ascii_lowercase()
        ));
    }
    Ok(text.into_owned())
}

/// Decodes a body with no charset: UTF-8 when it is (mostly) UTF-8, else the likelier Cyrillic
/// single-byte charset.
fn decode_undeclared(
    body: &[u8],
    warnings: &mut Vec<String>,
) -> Result<(String, &'static Encoding), Rejection> {
    if let Some(text) = valid_utf8(body) {
        return Ok((text.to_string(), UTF_8));
    }
    if is_cut_utf8(body) || is_mostly_utf8(body) {
        return Ok((decode_utf8(body, warnings)?, UTF_8));
    }
    let (text, encoding) = guess_single_byte(body);
    warnings.push(format!(
        "no charset given and the body is not UTF-8: guessed {} from its Cyrillic letters",
        encoding.name().to_ascii_lowercase()
    ));
    Ok((text, encoding))
}

/// Rejects a text in a guessed charset that does not read as words (see [`word_share`]): bytes that are
/// not text at all, read as the likeliest charset.
fn check_reads_as_words(text: &str, encoding: &'static Encoding) -> Result<(), Rejection> {
    let share = word_share(text);
    if share >= MIN_WORD_SHARE {
        return Ok(());
    }
    Err(not_text(format!(
        "it is not UTF-8, and read as {} (the likeliest Cyrillic charset) only {:.0}% of its characters \
         stand in words; send UTF-8 text, or set charset= in the content type",
        encoding.name().to_ascii_lowercase(),
        share * 100.0
    )))
}

/// UTF-8: a broken tail (a cut message) is replaced with a warning; invalid sequences before the end
/// reject the body.
fn decode_utf8(body: &[u8], warnings: &mut Vec<String>) -> Result<String, Rejection> {
    if let Some(text) = valid_utf8(body) {
        return Ok(text.to_string());
    }
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        Err(e) if e.error_len().is_none() => {
            warnings.push(format!(
                "the body ends in the middle of a UTF-8 character (cut after byte {}): the broken tail \
                 was replaced with U+FFFD; the release may be truncated",
                e.valid_up_to()
            ));
            Ok(String::from_utf8_lossy(body).into_owned())
        }
        Err(e) => Err(Rejection::new(
            RejectKind::Decode,
            STAGE,
            format!(
                "the body is UTF-8 with {} invalid UTF-8 sequence(s), the first at byte {}: the release was \
                 damaged on the way or mixes charsets; resend it as clean UTF-8 or with its charset= parameter",
                count_invalid_utf8(body),
                e.valid_up_to()
            ),
        )),
    }
}

/// The body as text when it is valid UTF-8. encoding_rs validates Cyrillic (two-byte) text several times
/// faster than `std::str::from_utf8`, and hands back the borrowed text for valid input.
fn valid_utf8(body: &[u8]) -> Option<&str> {
    match UTF_8.decode_without_bom_handling_and_without_replacement(body)? {
        std::borrow::Cow::Borrowed(text) => Some(text),
        // Never taken for UTF-8 (valid input is borrowed); the owned case is read the ordinary way.
        std::borrow::Cow::Owned(_) => std::str::from_utf8(body).ok(),
    }
}

/// Valid UTF-8 except for an incomplete character at the very end.
fn is_cut_utf8(body: &[u8]) -> bool {
    matches!(std::str::from_utf8(body), Err(e) if e.error_len().is_none())
}

/// Whether the valid multi-byte characters outnumber the invalid sequences four to one.
fn is_mostly_utf8(body: &[u8]) -> bool {
    let mut multibyte = 0usize;
    let mut invalid = 0usize;
    for chunk in body.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| c.len_utf8() > 1).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    multibyte > 0 && multibyte >= invalid * 4
}

fn count_invalid_utf8(body: &[u8]) -> usize {
    body.utf8_chunks().filter(|c| !c.invalid().is_empty()).count()
}

/// Decodes as each Cyrillic single-byte charset and keeps the one that reads most like Russian. In these
/// charsets every byte decodes, so only plausibility can tell them apart.
fn guess_single_byte(body: &[u8]) -> (String, &'static Encoding) {
    let mut best: Option<(f64, String, &'static Encoding)> = None;
    for encoding in single_byte_charsets() {
        let (text, _) = encoding.decode_without_bom_handling(body);
        let score = russian_score(&text);
        if best.as_ref().is_none_or(|(top, _, _)| score > *top) {
            best = Some((score, text.into_owned(), encoding));
        }
    }
    let (_, text, encoding) = best.expect("at least one charset is tried");
    (text, encoding)
}

/// The share of a text's non-blank characters that stand in word-like runs: whitespace-separated tokens
/// that, stripped of the punctuation around them, are at most 40 chars of which at least four in five are
/// letters or digits. Text in the right charset is nearly all words; bytes read as a charset are not.
pub fn word_share(text: &str) -> f64 {
    let mut total = 0usize;
    let mut in_words = 0usize;
    for token in text.split_whitespace() {
        let chars = token.chars().count();
        total += chars;
        let core = token.trim_matches(|c: char| !c.is_alphanumeric());
        let core_chars = core.chars().count();
        let alnum = core.chars().filter(|c| c.is_alphanumeric()).count();
        if core_chars > 0 && core_chars <= 40 && alnum * 5 >= core_chars * 4 {
            in_words += chars;
        }
    }
    if total == 0 {
        return 1.0;
    }
    in_words as f64 / total as f64
}

/// How much a text reads like Russian: the log-likelihood of its Cyrillic letters under Russian letter
/// frequencies, minus a penalty for a capital right after a small letter (the two charsets swap the cases
/// of each other's letters, so a capitalised word comes out as "пРЕЗИДЕНТ") and for box-drawing
/// characters (KOI8-R's reading of the typographic quotes and dashes windows-1251 puts in the same bytes).
pub fn russian_score(text: &str) -> f64 {
    let mut score = 0.0;
    let mut previous_lower = false;
    for c in text.chars() {
        if ('\u{2500}'..='\u{25ff}').contains(&c) {
            score -= 8.0;
            previous_lower = false;
        } else if let Some((lower, upper)) = russian_lower(c) {
            score += russian_frequency(lower).unwrap_or(1.0).ln();
            // "пРЕЗИДЕНТ": a capital right after a small letter is how the wrong charset reads a
            // capitalised word. Whole words in capitals are fine (headlines, datelines, all-caps copy).
            if upper && previous_lower {
                score -= 3.0;
            }
            previous_lower = !upper;
        } else {
            previous_lower = c.is_ascii_lowercase();
        }
    }
    score
}

/// The frequency of a lower-case Russian letter in running text, per mille.
fn russian_frequency(c: char) -> Option<f64> {
    let f = match c {
        'о' => 110.0,
        'е' => 85.0,
        'а' => 80.0,
        'и' => 74.0,
        'н' => 67.0,
        'т' => 63.0,
        'с' => 55.0,
        'р' => 47.0,
        'в' => 45.0,
        'л' => 44.0,
        'к' => 35.0,
        'м' => 32.0,
        'д' => 30.0,
        'п' => 28.0,
        'у' => 26.0,
        'я' => 20.0,
        'ы' => 19.0,
        'ь' => 17.0,
        'г' => 17.0,
        'з' => 16.0,
        'б' => 16.0,
        'ч' => 14.0,
        'й' => 12.0,
        'х' => 10.0,
        'ж' => 9.0,
        'ш' => 7.0,
        'ю' => 6.0,
        'ц' => 5.0,
        'щ' => 4.0,
        'э' => 3.0,
        'ф' => 3.0,
        'ъ' => 0.4,
        'ё' => 0.4,
        _ => return None,
    };
    Some(f)
}

/// Rejects a decoded text that is not text: too many control/replacement characters, or NUL characters.
/// Also the rule for the text fields of a JSON release, whose escapes (`\u0000`) decoding never sees.
pub fn check_is_text(text: &str) -> Result<(), Rejection> {
    // Clean copy (nearly all of it) has no noisy character: a quick scan proves it without the count.
    if !has_noise(text.as_bytes()) {
        return Ok(());
    }
    let noise = count_noise(text);
    if noise.total > 0 && noise.noisy as f64 / noise.total as f64 > MAX_NOISE_SHARE {
        return Err(not_text(format!(
            "{}% of its {} characters are control characters or undecodable bytes (the first at \
             character {}); send UTF-8 text, or set charset= in the content type",
            (noise.noisy * 100).div_ceil(noise.total),
            noise.total,
            noise.first_noisy.unwrap_or(0)
        )));
    }
    if let Some(at) = noise.first_nul {
        return Err(not_text(format!(
            "it contains a NUL character (character {at}); send UTF-8 text, or set charset= in the content \
             type if it is UTF-16"
        )));
    }
    Ok(())
}

/// Characters that make a text not text, counted.
#[derive(Debug, Default)]
struct Noise {
    /// Characters in all.
    total: usize,
    /// Control characters (but tab, line feed, form feed, carriage return) and U+FFFD.
    noisy: usize,
    /// 1-based character position of the first noisy one.
    first_noisy: Option<usize>,
    /// 1-based character position of the first NUL.
    first_nul: Option<usize>,
}

/// Counts over the UTF-8 bytes rather than the chars, which is several times faster: C0 controls and
/// DEL are single bytes, C1 controls are `C2 80`–`C2 9F`, U+FFFD is `EF BF BD`.
fn count_noise(text: &str) -> Noise {
    let bytes = text.as_bytes();
    let mut noise = Noise::default();
    for (i, &b) in bytes.iter().enumerate() {
        if b & 0xc0 != 0x80 {
            noise.total += 1;
        }
        let noisy = match b {
            0x09 | 0x0a | 0x0c | 0x0d => false,
            0x00..=0x1f | 0x7f => true,
            0xc2 => matches!(bytes.get(i + 1), Some(0x80..=0x9f)),
            0xef => bytes.get(i + 1..i + 3) == Some(&[0xbf, 0xbd][..]),
            _ => false,
        };
        if b == 0 {
            noise.first_nul.get_or_insert(noise.total);
        }
        if noisy {
            noise.noisy += 1;
            noise.first_noisy.get_or_insert(noise.total);
        }
    }
    noise
}

/// Whether `bytes` hold any character [`count_noise`] counts as noisy. The control bytes are tested a block
/// at a time with comparisons the compiler vectorises; the lead bytes of C1 controls (`C2`) and of U+FFFD
/// (`EF`) are found with `memchr2` and their followers checked.
fn has_noise(bytes: &[u8]) -> bool {
    // Non-short-circuit `&` and `|`: comparisons the compiler turns into byte-lane vector code.
    let noisy_control =
        |b: u8| ((b < 0x20) & (b != 0x09) & (b != 0x0a) & (b != 0x0c) & (b != 0x0d)) | (b == 0x7f);
    let control = any_byte(bytes, noisy_control);
    control
        || memchr::memchr2_iter(0xc2, 0xef, bytes).any(|i| match bytes[i] {
            0xc2 => matches!(bytes.get(i + 1), Some(0x80..=0x9f)),
            _ => bytes.get(i + 1..i + 3) == Some(&[0xbf, 0xbd][..]),
        })
}

fn not_text(why: String) -> Rejection {
    Rejection::new(RejectKind::Decode, STAGE, format!("the body is not text: {why}"))
}

/// Whether every char of `text` [`is_surely_nfc`], over the bytes: ASCII, continuation bytes and the lead
/// bytes whose every char is surely NFC (`00`–`CB`: U+0000–U+02FF; `D0`, `D1`, `D3`: Cyrillic letters) pass
/// without decoding; the chars under any other lead byte (`D2` holds the combining marks U+0483–U+0489,
/// `E2` the punctuation) are decoded and checked.
fn is_surely_nfc_text(text: &str) -> bool {
    let needs_decoding = |b: u8| (b >= 0xcc) & (b != 0xd0) & (b != 0xd1) & (b != 0xd3);
    // Whole blocks without such a lead byte are passed by one vectorised test; in the others each such
    // lead byte (never a continuation byte: those are below 0xCC) starts a char to check.
    text.as_bytes().chunks(BLOCK).enumerate().all(|(k, block)| {
        !block_has_byte(block, needs_decoding)
            || block
                .iter()
                .enumerate()
                .filter(|(_, &b)| needs_decoding(b))
                .all(|(i, _)| text[k * BLOCK + i..].chars().next().is_none_or(is_surely_nfc))
    })
}

/// Strips a leading BOM (when the charset label, not a BOM, chose the decoder) and normalises to NFC.
fn normalise(text: String) -> String {
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if is_surely_nfc_text(&text) || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text
    } else {
        text.nfc().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAGRAPH: &str = "Президент Кыргызской Республики Садыр Жапаров сегодня, 22 августа, провел \
        переговоры с Президентом Республики Казахстан Касым-Жомартом Токаевым в узком формате. Обсужден \
        широкий спектр вопросов двусторонней повестки.";

    fn sample(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable);
        bytes.into_owned()
    }

    fn rejection(body: &[u8]) -> Rejection {
        let err = decode(body, None).unwrap_err();
        assert_eq!((err.kind, err.stage), (RejectKind::Decode, "decode"));
        assert!(err.reason.starts_with("the body is not text: "), "{}", err.reason);
        err
    }

    #[test]
    fn valid_utf8_is_taken_as_is() {
        let d = decode(PARAGRAPH.as_bytes(), None).unwrap();
        assert_eq!((d.text.as_str(), d.charset.as_str()), (PARAGRAPH, "utf-8"));
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn windows_1251_is_detected() {
        let d = decode(&encode(WINDOWS_1251, PARAGRAPH), None).unwrap();
        assert_eq!((d.text.as_str(), d.charset.as_str()), (PARAGRAPH, "windows-1251"));
        assert!(d.warnings[0].contains("guessed windows-1251"), "{:?}", d.warnings);
    }

    #[test]
    fn koi8_r_is_detected() {
        let d = decode(&encode(KOI8_R, PARAGRAPH), None).unwrap();
        assert_eq!((d.text.as_str(), d.charset.as_str()), (PARAGRAPH, "koi8-r"));
        assert!(d.warnings[0].contains("guessed koi8-r"), "{:?}", d.warnings);
    }

    #[test]
    fn detection_works_on_capitals_and_short_texts_too() {
        let caps = PARAGRAPH.to_uppercase();
        for encoding in [WINDOWS_1251, KOI8_R] {
            assert_eq!(decode(&encode(encoding, &caps), None).unwrap().text, caps);
            let short = "Вчера Президент провел совещание.";
            assert_eq!(decode(&encode(encoding, short), None).unwrap().text, short);
        }
    }

    #[test]
    fn the_cp1251_sample_decodes_like_the_utf8_one() {
        let utf8 = decode(&sample("sayasat-2025-08-22.txt"), None).unwrap();
        let cp1251 = decode(&sample("sayasat-2025-08-22.cp1251.txt"), None).unwrap();
        assert_eq!(cp1251.text, utf8.text);
        assert_eq!(cp1251.charset, "windows-1251");
    }

    #[test]
    fn the_charset_parameter_wins() {
        let koi8 = encode(KOI8_R, PARAGRAPH);
        let d = decode(&koi8, Some("text/plain; charset=\"KOI8-R\"")).unwrap();
        assert_eq!((d.text.as_str(), d.charset.as_str()), (PARAGRAPH, "koi8-r"));
        assert!(d.warnings.is_empty(), "a declared charset is not a guess");
        // Any label encoding_rs knows: cp1251 is an alias of windows-1251.
        let d = decode(&encode(WINDOWS_1251, PARAGRAPH), Some("text/plain;charset=cp1251")).unwrap();
        assert_eq!(d.charset, "windows-1251");
        assert_eq!(d.text, PARAGRAPH);
    }

    #[test]
    fn declared_utf8_with_bad_bytes_in_the_middle_is_rejected() {
        let mut body = PARAGRAPH.as_bytes().to_vec();
        body.insert(10, 0xff);
        let r = decode(&body, Some("text/plain; charset=utf-8")).unwrap_err();
        assert_eq!(r.kind, RejectKind::Decode);
        assert!(r.reason.contains("invalid UTF-8") && r.reason.contains("byte 10"), "{}", r.reason);
    }

    #[test]
    fn an_unknown_charset_label_falls_back_to_detection_with_a_warning() {
        let d = decode(PARAGRAPH.as_bytes(), Some("text/plain; charset=x-martian")).unwrap();
        assert_eq!(d.text, PARAGRAPH);
        assert!(d.warnings[0].contains("x-martian"), "{:?}", d.warnings);
    }

    #[test]
    fn a_utf16_body_with_its_charset_decodes() {
        let mut body = Vec::new();
        for unit in PARAGRAPH.encode_utf16() {
            body.extend_from_slice(&unit.to_le_bytes());
        }
        let d = decode(&body, Some("text/plain; charset=utf-16le")).unwrap();
        assert_eq!((d.text.as_str(), d.charset.as_str()), (PARAGRAPH, "utf-16le"));
    }

    #[test]
    fn a_bom_is_stripped_and_decides() {
        let mut body = vec![0xef, 0xbb, 0xbf];
        body.extend_from_slice(PARAGRAPH.as_bytes());
        let d = decode(&body, Some("text/plain; charset=windows-1251")).unwrap();
        assert_eq!((d.text.as_str(), d.charset.as_str()), (PARAGRAPH, "utf-8"));
        let mut body = vec![0xff, 0xfe];
        body.extend(PARAGRAPH.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&body, None).unwrap().text, PARAGRAPH);
    }

    #[test]
    fn a_bom_decoded_by_label_is_stripped_too() {
        let body = encode(UTF_8, "\u{feff}Текст");
        // Without a BOM sniff (the label path), the U+FEFF survives decoding and normalise removes it.
        assert_eq!(normalise(String::from_utf8(body).unwrap()), "Текст");
    }

    #[test]
    fn text_is_normalised_to_nfc() {
        let decomposed = "Баи\u{306} и e\u{301}";
        let d = decode(decomposed.as_bytes(), None).unwrap();
        assert_eq!(d.text, "Бай и é");
    }

    #[test]
    fn a_cut_utf8_tail_is_replaced_with_a_warning() {
        let seed = sample("sayasat-2025-08-22.txt");
        // Byte 1002 of the seed falls inside a two-byte Cyrillic letter.
        assert!(std::str::from_utf8(&seed[..1002]).is_err());
        for content_type in [None, Some("text/plain; charset=utf-8")] {
            let d = decode(&seed[..1002], content_type).unwrap();
            assert_eq!(d.charset, "utf-8");
            assert!(
                d.text.ends_with("каз\u{fffd}"),
                "{:?}",
                d.text.chars().rev().take(5).collect::<String>()
            );
            assert_eq!(d.text.matches('\u{fffd}').count(), 1);
            assert!(d.warnings[0].contains("ends in the middle of a UTF-8 character"), "{:?}", d.warnings);
        }
    }

    #[test]
    fn the_cut_sample_decodes_as_utf8() {
        // samples/bad/cut-utf8.txt ends on a character boundary ("…и каз"); the parse stage warns that the
        // text stops mid-sentence.
        let d = decode(&sample("bad/cut-utf8.txt"), None).unwrap();
        assert_eq!(d.charset, "utf-8");
        assert!(d.text.ends_with("и каз"));
    }

    #[test]
    fn invalid_utf8_in_the_middle_of_utf8_text_is_rejected() {
        let mut body = PARAGRAPH.as_bytes().to_vec();
        body.splice(20..20, [0xc0, 0x80, 0xff]);
        let r = decode(&body, None).unwrap_err();
        assert_eq!(r.kind, RejectKind::Decode);
        assert!(r.reason.contains("invalid UTF-8 sequence(s), the first at byte 19"), "{}", r.reason);
    }

    #[test]
    fn random_bytes_are_not_text() {
        let err = rejection(&sample("bad/random.bin"));
        assert!(err.reason.contains("% of its 2048 characters are control characters"), "{}", err.reason);
        assert!(err.reason.contains("send UTF-8 text"), "{}", err.reason);
    }

    #[test]
    fn cp866_iso_8859_5_and_mac_cyrillic_are_detected_and_named() {
        for (encoding, name) in
            [(IBM866, "ibm866"), (ISO_8859_5, "iso-8859-5"), (X_MAC_CYRILLIC, "x-mac-cyrillic")]
        {
            let d = decode(&encode(encoding, PARAGRAPH), None).unwrap();
            assert_eq!((d.text.as_str(), d.charset.as_str()), (PARAGRAPH, name));
            assert!(d.warnings[0].contains(&format!("guessed {name}")), "{:?}", d.warnings);
        }
    }

    #[test]
    fn binary_formats_are_not_text_whatever_the_charset() {
        let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
        pdf.extend((0..2000u32).map(|i| (i * 7919 % 251) as u8 | 0x80));
        for (body, name) in [
            (pdf, "a PDF document"),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec(), "a PNG image"),
            (b"PK\x03\x04\x14\x00\x06\x00".to_vec(), "a ZIP archive"),
        ] {
            let err = rejection(&body);
            assert!(err.reason.contains(name), "{}", err.reason);
        }
    }

    #[test]
    fn high_bytes_with_blank_lines_are_not_text() {
        let mut body = Vec::new();
        for line in 0..40u32 {
            body.extend((0..60u32).map(|i| 0x80 + ((line * 131 + i * 7919) % 128) as u8));
            body.extend_from_slice(b"\n\n");
        }
        let err = rejection(&body);
        assert!(err.reason.contains("stand in words"), "{}", err.reason);
    }

    #[test]
    fn nul_bytes_are_not_text() {
        let mut body = PARAGRAPH.as_bytes().to_vec();
        body.extend_from_slice(&[0, 0, 0, 0]);
        assert!(rejection(&body).reason.contains("NUL"));
    }

    #[test]
    fn mostly_control_characters_are_not_text() {
        let body: Vec<u8> = (0..400u32).map(|i| if i % 3 == 0 { 0x07 } else { b'a' }).collect();
        let err = rejection(&body);
        assert!(err.reason.contains("34% of its 400 characters are control"), "{}", err.reason);
    }

    #[test]
    fn a_few_stray_control_characters_are_tolerated() {
        let text = format!("{PARAGRAPH}\u{7}\t\u{c}\r\n");
        assert!(decode(text.as_bytes(), None).is_ok());
    }

    #[test]
    fn the_nfc_fast_path_agrees_with_the_full_check() {
        for c in (0..0x2200u32).filter_map(char::from_u32).filter(|c| is_surely_nfc(*c)) {
            let alone = c.to_string();
            assert_eq!(alone.nfc().collect::<String>(), alone, "U+{:04X} is not NFC", c as u32);
            for next in ['a', 'я', '.'] {
                let pair: String = [c, next].iter().collect();
                assert_eq!(pair.nfc().collect::<String>(), pair, "U+{:04X} + {next:?}", c as u32);
            }
        }
    }

    #[test]
    fn noise_counts_c1_controls_and_replacement_characters() {
        let noise = count_noise("a\u{85}b\u{fffd}\u{0}\tя");
        assert_eq!((noise.total, noise.noisy, noise.first_noisy, noise.first_nul), (7, 3, Some(2), Some(5)));
    }

    #[test]
    fn the_byte_nfc_check_agrees_with_the_char_check() {
        let mut texts: Vec<String> = (0..0x2200u32)
            .chain([0x3000, 0xfeff, 0x1f600])
            .filter_map(char::from_u32)
            .map(|c| format!("Бишкек «{c}» — ң ө ү"))
            .collect();
        texts.extend(["".to_string(), "Баи\u{306}".to_string(), "e\u{301}".to_string()]);
        for text in &texts {
            assert_eq!(is_surely_nfc_text(text), text.chars().all(is_surely_nfc), "{text:?}");
        }
    }

    #[test]
    fn the_quick_noise_scan_agrees_with_the_count() {
        let mut texts: Vec<String> = (0..0x100u32)
            .chain([0xfffd, 0xfffc, 0xefbf])
            .filter_map(char::from_u32)
            .map(|c| {
                let filler = "я".repeat(40);
                format!("{filler}{c}{filler}")
            })
            .collect();
        texts.extend(["".to_string(), "\u{ef}\u{bf}".to_string(), "a\u{85}".to_string()]);
        for text in &texts {
            assert_eq!(has_noise(text.as_bytes()), count_noise(text).noisy > 0, "{text:?}");
        }
        assert!(has_noise(&[0xef, 0xbf, 0xbd]));
        assert!(!has_noise(&[0xef, 0xbf]));
    }

    #[test]
    fn valid_utf8_agrees_with_the_standard_check() {
        let seed = sample("sayasat-2025-08-22.txt");
        let mut bodies = vec![seed.clone(), seed[..1002].to_vec(), vec![], b"\xef\xbb\xbfabc".to_vec()];
        bodies.extend(
            [&[0xc0, 0x80][..], &[0xed, 0xa0, 0x80], &[0xf4, 0x90, 0x80, 0x80], &[0xff]].map(<[u8]>::to_vec),
        );
        for body in &bodies {
            assert_eq!(valid_utf8(body), std::str::from_utf8(body).ok(), "{body:?}");
        }
    }

    #[test]
    fn empty_body_decodes_to_empty_text() {
        assert_eq!(decode(b"", None).unwrap().text, "");
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_decode_or_are_rejected_as_not_text(
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
            content_type in proptest::option::of(proptest::sample::select(vec![
                "text/plain", "text/plain; charset=koi8-r", "text/plain; charset=utf-16", "x; charset=\"\"",
            ])),
        ) {
            match decode(&body, content_type) {
                Ok(d) => proptest::prop_assert!(!d.text.contains('\0')),
                Err(e) => proptest::prop_assert_eq!(e.kind, RejectKind::Decode),
            }
        }

        #[test]
        fn cuts_of_the_cp1251_sample_decode_as_windows_1251(cut in 200usize..3000) {
            let body = sample("sayasat-2025-08-22.cp1251.txt");
            let d = decode(&body[..cut.min(body.len())], None).unwrap();
            proptest::prop_assert_eq!(d.charset, "windows-1251");
        }
    }

    #[test]
    fn russian_score_prefers_the_right_reading() {
        let bytes = encode(WINDOWS_1251, PARAGRAPH);
        let (wrong, _) = KOI8_R.decode_without_bom_handling(&bytes);
        assert!(russian_score(PARAGRAPH) > russian_score(&wrong));
    }
}
