//! The strings ids and routing keys are made of: lower-case hex digests and slugs of source names. Both
//! the pipeline (envelope ids, `x.ingest.raw_sha256`) and the broker (routing keys, publish ids) write them,
//! so they live at the crate root, below both, and neither imports the other for them.

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    // A table lookup, not `write!("{b:02x}")`: the formatter showed up in the worker's profile (once per
    // message for the content hash).
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

/// A URL- and URN-safe slug of a source name: Cyrillic transliterated, everything else not alphanumeric
/// folded to single dashes ("САЯСАТ.KG" → "sayasat-kg").
pub fn slugify(name: &str) -> String {
    // A Cyrillic letter (two bytes) gives at most four Latin ones ("щ" → "shch"): room for that, so the
    // slug is not regrown; the dashes are trimmed in place rather than copied out.
    let mut out = String::with_capacity(2 * name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match translit(c) {
            Some(latin) => out.push_str(latin),
            None if c.is_ascii_alphanumeric() => out.push(c),
            None => {
                // A leading dash would be trimmed: never written.
                if !out.is_empty() && !out.ends_with('-') {
                    out.push('-')
                }
            }
        }
    }
    let kept = out.trim_end_matches('-').len();
    out.truncate(kept);
    out
}

fn translit(c: char) -> Option<&'static str> {
    const TABLE: [(char, &str); 39] = [
        ('а', "a"),
        ('б', "b"),
        ('в', "v"),
        ('г', "g"),
        ('д', "d"),
        ('е', "e"),
        ('ё', "e"),
        ('ж', "zh"),
        ('з', "z"),
        ('и', "i"),
        ('й', "y"),
        ('к', "k"),
        ('л', "l"),
        ('м', "m"),
        ('н', "n"),
        ('о', "o"),
        ('п', "p"),
        ('р', "r"),
        ('с', "s"),
        ('т', "t"),
        ('у', "u"),
        ('ф', "f"),
        ('х', "kh"),
        ('ц', "ts"),
        ('ч', "ch"),
        ('ш', "sh"),
        ('щ', "shch"),
        ('ъ', ""),
        ('ы', "y"),
        ('ь', ""),
        ('э', "e"),
        ('ю', "yu"),
        ('я', "ya"),
        ('ң', "n"),
        ('ө', "o"),
        ('ү', "u"),
        ('қ', "k"),
        ('ғ', "g"),
        ('ә', "a"),
    ];
    TABLE.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0a, 0xab, 0xff]), "000aabff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn slugs_transliterate_cyrillic() {
        assert_eq!(slugify("САЯСАТ.KG"), "sayasat-kg");
        assert_eq!(slugify("AKIpress"), "akipress");
        assert_eq!(slugify("РИА Новости"), "ria-novosti");
    }

    #[test]
    fn slugs_have_no_dash_at_either_end_nor_two_in_a_row() {
        assert_eq!(slugify("«24.kg»"), "24-kg");
        assert_eq!(slugify("-- Ъ --"), "");
        assert_eq!(slugify("ъ.Кабар, ь"), "kabar");
        assert_eq!(slugify("A . . B"), "a-b");
        assert_eq!(slugify(""), "");
    }
}
