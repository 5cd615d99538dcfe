//! Stage 4: the release's language (BCP 47).
//!
//! The declared language (JSON `language`) wins. Otherwise the script decides between Cyrillic and Latin:
//! - Cyrillic text is Kazakh (`kk`) when letters only Kazakh uses (ә ғ қ ұ һ і) are frequent, Kyrgyz (`ky`)
//!   when the letters Kyrgyz shares with Kazakh (ң ө ү) are frequent without the Kazakh-only ones, else
//!   Russian (`ru`). "Frequent" means at least `MIN_SPECIAL` (5) occurrences and `MIN_SPECIAL_SHARE` (1%) of
//!   the Cyrillic letters, so that one borrowed name ("Қасым", "Өмүрбек") does not flip a Russian text;
//! - Latin text is English (`en`) when common English function words make up a fair share of its words;
//! - anything else (too little text, another Latin-script language) is `default`.

use super::parse::Release;
use super::text::chars::is_cyrillic_letter;
use super::text::utf8::{count_byte_pairs, count_bytes, head};

/// The least number of Kazakh/Kyrgyz-specific letters that can make a text Kazakh or Kyrgyz.
const MIN_SPECIAL: usize = 5;
/// The least share of Cyrillic letters that Kazakh/Kyrgyz-specific letters must make up.
const MIN_SPECIAL_SHARE: f64 = 0.01;
/// Fewer letters than this and the text says too little: the default is used.
const MIN_LETTERS: usize = 20;
/// The share of English function words in a Latin text above which it is English.
const MIN_ENGLISH_SHARE: f64 = 0.08;

/// Only this many characters from the start are read: enough to tell the languages apart, and a 1 MB
/// release costs no more than a short one.
const MAX_CHARS: usize = 1000;

/// Letters Kazakh uses and Kyrgyz and Russian do not, both cases.
const KAZAKH_ONLY: &[char] = &['ә', 'ғ', 'қ', 'ұ', 'һ', 'і', 'Ә', 'Ғ', 'Қ', 'Ұ', 'Һ', 'І'];
/// Letters Kyrgyz and Kazakh use and Russian does not, both cases.
const KYRGYZ_KAZAKH: &[char] = &['ң', 'ө', 'ү', 'Ң', 'Ө', 'Ү'];
/// Frequent English function words.
const ENGLISH_WORDS: &[&str] = &[
    "the", "and", "of", "to", "in", "is", "for", "on", "with", "that", "was", "by", "at", "from", "has",
    "said",
];

/// The language of the release: the declared one, else detected, else `default`.
pub fn detect(text: &str, release: &Release, default: &str) -> String {
    if let Some(declared) = release.language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        return normalise_tag(declared);
    }
    detect_text(text, MAX_CHARS).map_or_else(|| default.to_string(), str::to_string)
}

/// BCP 47 writes the language subtag in lower case and the region in upper case (`RU` → `ru`,
/// `en_us` → `en-US`).
fn normalise_tag(tag: &str) -> String {
    let mut parts = tag.split(['-', '_']);
    let mut out = parts.next().unwrap_or("").to_ascii_lowercase();
    for part in parts {
        out.push('-');
        if part.len() == 2 {
            out.push_str(&part.to_ascii_uppercase());
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Letter counts of a text.
#[derive(Debug, Default)]
struct Counts {
    cyrillic: usize,
    latin: usize,
    kazakh_only: usize,
    kyrgyz_kazakh: usize,
}

/// Counts the letters of the first `limit` chars of `text` by their bytes: a Cyrillic letter is a char whose
/// lead byte is D0–D3 (U+0400–U+04FF) but for the signs and marks U+0482–U+0489 (D2 82–89), a Latin one an
/// ASCII letter. Both counts are byte-lane sums the compiler vectorises; the Kazakh and Kyrgyz letters (lead
/// D2 or D3, and і/І: D1 96, D0 86) are few and looked at one by one.
fn count_letters(text: &str, limit: usize) -> Counts {
    let bytes = head(text, limit).as_bytes();
    let mut counts = Counts {
        cyrillic: count_bytes(bytes, |b| b.wrapping_sub(0xD0) < 4),
        latin: count_bytes(bytes, |b| (b | 0x20).wrapping_sub(b'a') < 26),
        // і and І (D1 96, D0 86): byte pairs, counted in lanes as well.
        kazakh_only: count_byte_pairs(bytes, |b, c| {
            ((b == 0xD0) & (c == 0x86)) | ((b == 0xD1) & (c == 0x96))
        }),
        kyrgyz_kazakh: 0,
    };
    for at in memchr::memchr2_iter(0xD2, 0xD3, bytes) {
        let Some(c) = text[at..].chars().next() else { continue };
        if is_cyrillic_letter(c) {
            count_special(c, &mut counts);
        } else {
            counts.cyrillic -= 1;
        }
    }
    counts
}

/// Adds a Cyrillic letter outside the Russian alphabet to the Kazakh and Kyrgyz counts it belongs to.
fn count_special(c: char, counts: &mut Counts) {
    counts.kazakh_only += usize::from(KAZAKH_ONLY.contains(&c));
    counts.kyrgyz_kazakh += usize::from(KYRGYZ_KAZAKH.contains(&c));
}

/// The language of the first `limit` chars of `text`, when their letters say it clearly enough.
fn detect_text(text: &str, limit: usize) -> Option<&'static str> {
    let counts = count_letters(text, limit);
    if counts.cyrillic + counts.latin < MIN_LETTERS {
        return None;
    }
    if counts.cyrillic >= counts.latin {
        let frequent = |n: usize| n >= MIN_SPECIAL && n as f64 >= MIN_SPECIAL_SHARE * counts.cyrillic as f64;
        return Some(if frequent(counts.kazakh_only) {
            "kk"
        } else if frequent(counts.kyrgyz_kazakh) {
            "ky"
        } else {
            "ru"
        });
    }
    is_english(head(text, limit)).then_some("en")
}

fn is_english(text: &str) -> bool {
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let function = words.iter().filter(|w| ENGLISH_WORDS.contains(&w.as_str())).count();
    !words.is_empty() && function as f64 >= MIN_ENGLISH_SHARE * words.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{parse, types::Format};

    fn of(text: &str) -> String {
        let release = parse::parse(text, Format::Plain).unwrap();
        detect(&release.text, &release, "und")
    }

    fn sample(name: &str) -> String {
        let text = std::fs::read_to_string(format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let release = parse::parse(&text, Format::Auto).unwrap();
        detect(&release.text, &release, "und")
    }

    /// The letter counts the way they were taken before the byte-level count: char by char.
    fn count_by_chars(text: &str) -> (usize, usize, usize, usize) {
        let mut n = (0, 0, 0, 0);
        for c in text.chars() {
            if c.is_ascii_alphabetic() {
                n.1 += 1;
            } else if is_cyrillic_letter(c) {
                n.0 += 1;
                n.2 += usize::from(KAZAKH_ONLY.contains(&c));
                n.3 += usize::from(KYRGYZ_KAZAKH.contains(&c));
            }
        }
        n
    }

    #[test]
    fn byte_counts_agree_with_char_counts() {
        let all: String = (0x20..0x600u32).chain([0x2014, 0x1f600]).filter_map(char::from_u32).collect();
        for text in [all.as_str(), "Қасым-Жомарт Тоқаев ң ө ү І і Ѐ ҂ ҃ Ҋ ӿ abc ЖЯжя", ""]
        {
            let c = count_letters(text, usize::MAX);
            assert_eq!(
                (c.cyrillic, c.latin, c.kazakh_only, c.kyrgyz_kazakh),
                count_by_chars(text),
                "{text:?}"
            );
            for n in [0, 1, 5, 100, 10_000] {
                assert_eq!(head(text, n), text.char_indices().nth(n).map_or(text, |(i, _)| &text[..i]));
            }
        }
    }

    #[test]
    fn the_samples() {
        assert_eq!(sample("sayasat-2025-08-22.txt"), "ru");
        assert_eq!(sample("tass-style-2025-03-04.txt"), "ru");
        assert_eq!(sample("kazinform-style-2025-05-20.txt"), "ru");
        assert_eq!(sample("kabar-style-en-2025-06-23.txt"), "en");
    }

    #[test]
    fn the_declared_language_wins() {
        let mut release =
            parse::parse("Заголовок\n\nРусский текст достаточной длины.", Format::Plain).unwrap();
        release.language = Some("KY".into());
        assert_eq!(detect(&release.text, &release, "und"), "ky");
        release.language = Some("en_us".into());
        assert_eq!(detect(&release.text, &release, "und"), "en-US");
        release.language = Some("  ".into());
        assert_eq!(detect(&release.text, &release, "und"), "ru");
    }

    #[test]
    fn kazakh_and_kyrgyz() {
        assert_eq!(
            of("Қазақстан Республикасы\n\nМемлекет басшысы Қасым-Жомарт Тоқаев бүгін Ақордада үкімет \
                отырысын өткізді. Президент әлеуметтік мәселелерге ерекше назар аударды."),
            "kk"
        );
        assert_eq!(
            of("Кыргызстан\n\nПрезидент Садыр Жапаров бүгүн өкмөттүн жыйынында сүйлөдү. Мамлекет башчысы \
                өлкөнүн өнүгүүсү тууралуу айтып, жаңы долбоорлорду көрсөттү."),
            "ky"
        );
    }

    #[test]
    fn one_borrowed_name_does_not_flip_russian() {
        assert_eq!(
            of("Встреча\n\nПрезидент Қасым-Жомарт Токаев и Өмүрбек Бабанов провели переговоры о развитии \
                торговли и экономического сотрудничества между странами региона."),
            "ru"
        );
    }

    #[test]
    fn only_the_head_of_a_long_text_is_read() {
        let text = format!(
            "Title\n\n{}{}",
            "The talks were held in the capital. ".repeat(200),
            "Текст. ".repeat(5000)
        );
        assert_eq!(of(&text), "en");
        assert_eq!(head("абв", 2), "аб");
        assert_eq!(head("абв", 9), "абв");
    }

    #[test]
    fn other_latin_text_and_short_text_fall_back_to_the_default() {
        assert_eq!(
            of("Titel\n\nDer Präsident hat heute eine Rede gehalten, über Wirtschaft gesprochen."),
            "und"
        );
        assert_eq!(of("OK\n\nДа."), "und");
        assert_eq!(of("Summit\n\nThe president said that the talks were held in the capital."), "en");
    }
}
