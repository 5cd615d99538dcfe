//! UTF-8 on its bytes: the char at a byte offset, the length of a sequence, and counting bytes (char
//! starts, letters, pairs) in 64-byte blocks whose per-block sums fit the byte lanes the compiler
//! vectorises them into. The stages that scan every byte of a release (language, assemble, morph's key
//! function, classify's tokeniser) use these instead of decoding chars.

/// Bytes a block holds: 64 so that a count of bytes in it fits a `u8` lane.
pub const BLOCK: usize = 64;

/// The char starting at byte `i` of `text` (a char boundary) and its length, decoding one- and two-byte chars
/// (ASCII and Cyrillic, nearly all of the text) directly: cheaper than a `chars()` iterator in the scanning
/// loops of classify and the dates start filter.
#[inline]
pub fn char_at(text: &str, i: usize) -> (char, usize) {
    let bytes = text.as_bytes();
    let b = bytes[i];
    if b < 0x80 {
        return (char::from(b), 1);
    }
    if b < 0xE0 {
        // A two-byte sequence (the text is valid UTF-8, so the next byte is its continuation).
        let code = u32::from(b & 0x1F) << 6 | u32::from(bytes[i + 1] & 0x3F);
        if let Some(c) = char::from_u32(code) {
            return (c, 2);
        }
    }
    let c = text[i..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
    (c, c.len_utf8())
}

/// The length of the UTF-8 sequence whose lead byte is `b`.
#[inline]
pub fn utf8_len(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// Whether `b` starts a char: every byte but a continuation byte (10xxxxxx).
#[inline]
pub fn starts_char(b: u8) -> bool {
    b & 0xC0 != 0x80
}

/// The bytes of `bytes` that `is` holds for, summed per 64-byte block in byte lanes: the one block counter
/// of the pipeline (language's letter counts, the char counts below).
#[inline]
pub fn count_bytes(bytes: &[u8], is: impl Fn(u8) -> bool) -> usize {
    bytes.chunks(BLOCK).map(|block| usize::from(block.iter().fold(0u8, |n, &b| n + u8::from(is(b))))).sum()
}

/// The positions `i` where `is(bytes[i], bytes[i + 1])` holds, counted as [`count_bytes`] counts: the
/// language stage's two-byte letters and assemble's word starts (a space followed by a non-space).
#[inline]
pub fn count_byte_pairs(bytes: &[u8], is: impl Fn(u8, u8) -> bool) -> usize {
    let next = bytes.get(1..).unwrap_or_default();
    bytes
        .chunks(BLOCK)
        .zip(next.chunks(BLOCK))
        .map(|(block, next)| {
            usize::from(block.iter().zip(next).fold(0u8, |n, (&b, &c)| n + u8::from(is(b, c))))
        })
        .sum()
}

/// Whether any byte of `block` passes `test`, without an early exit so that the loop is vectorised (the
/// decode stage's NFC and noise checks, block by block).
#[inline]
pub fn block_has_byte(block: &[u8], test: impl Fn(u8) -> bool) -> bool {
    block.iter().fold(false, |acc, &b| acc | test(b))
}

/// Whether any byte of `bytes` passes `test`: [`block_has_byte`] block by block, stopping at the first
/// block that has one (decode's control characters, the dates stage's digits).
#[inline]
pub fn any_byte(bytes: &[u8], test: impl Fn(u8) -> bool) -> bool {
    bytes.chunks(BLOCK).any(|block| block_has_byte(block, &test))
}

/// The first byte at or after `at` that is not inside a run of letters of the basic Cyrillic block
/// (U+0400–U+047F, all letters, encoded as a 0xD0 or 0xD1 byte and a continuation byte): an ASCII byte
/// or the first byte of another character. Eight bytes at a time (SWAR): most of a Russian text is such runs. The dates start filter's walk;
/// its commit measured the dates stage 7.1-7.6 → 3.5 µs a release, this skip with the filter.
pub fn skip_basic_cyrillic(bytes: &[u8], mut at: usize) -> usize {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The top bit of each byte of the result: whether that byte of `x` is not zero.
    let nonzero = |x: u64| ((x & LOW7).wrapping_add(LOW7) | x) & HIGH;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let not_continuation = nonzero((word & 0xC0C0_C0C0_C0C0_C0C0) ^ HIGH);
        let not_d0_d1 = nonzero((word & 0xFEFE_FEFE_FEFE_FEFE) ^ 0xD0D0_D0D0_D0D0_D0D0);
        let other = not_continuation & not_d0_d1;
        if other != 0 {
            return at + (other.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < bytes.len() && (bytes[at] & 0xC0 == 0x80 || bytes[at] & 0xFE == 0xD0) {
        at += 1;
    }
    at
}

/// The chars of `s`, counted on its bytes ([`starts_char`]); `s.chars().count()`.
#[inline]
pub fn char_count(s: &str) -> usize {
    count_bytes(s.as_bytes(), starts_char)
}

/// Whether `s` has at least `n` chars (no char is longer than four bytes, so a long string is not counted).
#[inline]
pub fn has_chars(s: &str, n: usize) -> bool {
    s.len() >= 4 * n || char_count(s) >= n
}

/// The first `n` chars of `text`, found by counting char starts whole blocks at a time, then byte by byte
/// in the block where the `n`-th char starts (the language stage reads only the head of a long text).
pub fn head(text: &str, n: usize) -> &str {
    let bytes = text.as_bytes();
    let mut seen = 0;
    let mut from = 0;
    for block in bytes.chunks(BLOCK) {
        let starts = count_bytes(block, starts_char);
        if seen + starts > n {
            break;
        }
        seen += starts;
        from += block.len();
    }
    for (i, &b) in bytes[from..].iter().enumerate() {
        if starts_char(b) {
            if seen == n {
                return &text[..from + i];
            }
            seen += 1;
        }
    }
    text
}

/// Converts byte offsets of one text to char offsets: the chars before every block are counted once, a
/// look-up counts the rest of its block. A table with one entry per byte cost a memset and a branchy pass
/// over the whole text for the hundred offsets an envelope needs (assemble).
#[derive(Debug)]
pub struct CharIndex<'t> {
    bytes: &'t [u8],
    /// `blocks[k]`: the chars that start before byte `k * BLOCK`.
    blocks: Vec<u32>,
}

impl<'t> CharIndex<'t> {
    /// Counts the chars of each block of `text`.
    pub fn new(text: &'t str) -> Self {
        let bytes = text.as_bytes();
        let mut blocks = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let mut count = 0u32;
        blocks.push(0);
        for block in bytes.chunks_exact(BLOCK) {
            count += count_bytes(block, starts_char) as u32;
            blocks.push(count);
        }
        CharIndex { bytes, blocks }
    }

    /// The chars that start before `byte`: a byte offset inside a char maps to the char it belongs to;
    /// offsets past the end map to the char count.
    pub fn at(&self, byte: usize) -> usize {
        let byte = byte.min(self.bytes.len());
        let block = byte / BLOCK;
        self.blocks[block] as usize + count_bytes(&self.bytes[block * BLOCK..byte], starts_char)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn char_index_counts_scalars_not_bytes() {
        let idx = CharIndex::new("аб c");
        assert_eq!(idx.at(0), 0);
        assert_eq!(idx.at(2), 1);
        assert_eq!(idx.at(4), 2);
        assert_eq!(idx.at(6), 4);
    }

    #[test]
    fn char_index_agrees_with_counting_chars_across_blocks() {
        let text = "Бишкек, «САЯСАТ.KG» — Президент\u{a0}провел 22 августа переговоры 😀 в узком формате. "
            .repeat(5);
        let idx = CharIndex::new(&text);
        for byte in 0..=text.len() + 3 {
            let expected = text.char_indices().take_while(|(i, _)| *i < byte).count();
            assert_eq!(idx.at(byte), expected, "byte {byte}");
        }
    }

    proptest! {
        #[test]
        fn the_cyrillic_skip_stops_where_the_plain_walk_does(text in "[а-яА-ЯЀ-ѿa-z ё]{0,40}|\\PC{0,30}", at in 0usize..8) {
            let bytes = text.as_bytes();
            let at = at.min(bytes.len());
            let mut plain = at;
            while plain < bytes.len() && (bytes[plain] & 0xC0 == 0x80 || bytes[plain] & 0xFE == 0xD0) {
                plain += 1;
            }
            prop_assert_eq!(skip_basic_cyrillic(bytes, at), plain);
            prop_assert_eq!(any_byte(bytes, |b| b.is_ascii_digit()), bytes.iter().any(u8::is_ascii_digit));
        }

        #[test]
        fn char_at_and_utf8_len_decode_like_chars(text in "\\PC{0,40}|[а-яА-ЯёЁa-z ]{0,40}") {
            for (i, c) in text.char_indices() {
                prop_assert_eq!(char_at(&text, i), (c, c.len_utf8()));
                prop_assert_eq!(utf8_len(text.as_bytes()[i]), c.len_utf8());
            }
        }

        #[test]
        fn counts_agree_with_chars(text in "\\PC{0,300}") {
            prop_assert_eq!(char_count(&text), text.chars().count());
            for n in [0, 1, 2, 3, 5, 64, 65, 200] {
                prop_assert_eq!(has_chars(&text, n), text.chars().count() >= n);
                let expected: String = text.chars().take(n).collect();
                prop_assert_eq!(head(&text, n), expected.as_str());
            }
            let bytes = text.as_bytes();
            prop_assert_eq!(count_bytes(bytes, |b| b == b' '), bytes.iter().filter(|&&b| b == b' ').count());
            let pairs = bytes.windows(2).filter(|w| w[0] == b' ' && w[1] != b' ').count();
            prop_assert_eq!(count_byte_pairs(bytes, |a, b| a == b' ' && b != b' '), pairs);
        }

        #[test]
        fn the_char_index_counts_scalars_not_bytes(text in "\\PC{0,300}") {
            let index = CharIndex::new(&text);
            for byte in 0..=text.len() + 2 {
                let expected = text.char_indices().take_while(|(i, _)| *i < byte).count();
                prop_assert_eq!(index.at(byte), expected);
            }
        }
    }
}
